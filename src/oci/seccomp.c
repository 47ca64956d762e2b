/* Seccomp filters from linux.seccomp, compiled by libseccomp. */
#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "oci/process.h"

static const enum scmp_compare ops[] = {
	[OCI_SC_NE] = SCMP_CMP_NE, [OCI_SC_LT] = SCMP_CMP_LT,
	[OCI_SC_LE] = SCMP_CMP_LE, [OCI_SC_EQ] = SCMP_CMP_EQ,
	[OCI_SC_GE] = SCMP_CMP_GE, [OCI_SC_GT] = SCMP_CMP_GT,
	[OCI_SC_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

static int add_arches(scmp_filter_ctx ctx, const struct oci_seccomp *sc,
		      struct gerr *err)
{
	for (size_t i = 0; i < sc->n_archs; i++) {
		char lower[32];
		size_t j;
		uint32_t arch;
		int r;

		for (j = 0; sc->archs[i][10 + j] && j < sizeof(lower) - 1; j++)
			lower[j] = (char)tolower((unsigned char)sc->archs[i][10 + j]);
		lower[j] = '\0';
		arch = seccomp_arch_resolve_name(lower);
		r = seccomp_arch_add(ctx, arch);
		if (r && r != -EEXIST)
			return gerr_errno(err, -r, "seccomp: add architecture %s",
					  sc->archs[i]);
	}
	return 0;
}

/* libseccomp takes several comparisons in one rule only when they test
 * different arguments; otherwise each comparison becomes its own rule (an
 * OR), which is how runc reads such profiles. */
static int add_rule(scmp_filter_ctx ctx, const struct oci_seccomp_rule *r,
		    int nr, struct gerr *err)
{
	struct scmp_arg_cmp cmp[6];
	bool dup = false;
	int rc;

	for (size_t i = 0; i < r->n_args; i++) {
		cmp[i] = (struct scmp_arg_cmp){ r->args[i].index,
						ops[r->args[i].op],
						r->args[i].value,
						r->args[i].value_two };
		for (size_t j = 0; j < i; j++)
			dup |= r->args[j].index == r->args[i].index;
	}
	if (!dup) {
		rc = seccomp_rule_add_array(ctx, r->action, nr,
					    (unsigned)r->n_args, cmp);
	} else {
		rc = 0;
		for (size_t i = 0; i < r->n_args && !rc; i++)
			rc = seccomp_rule_add_array(ctx, r->action, nr, 1, &cmp[i]);
	}
	if (rc && rc != -EEXIST)
		return gerr_errno(err, -rc, "seccomp rule for syscall %d", nr);
	return 0;
}

int oci_seccomp_build(const struct oci_seccomp *sc, bool no_new_privs,
		      void **out, struct gerr *err)
{
	scmp_filter_ctx ctx;

	*out = NULL;
	if (!sc)
		return 0;
	ctx = seccomp_init(sc->default_action);
	if (!ctx)
		return gerr_set(err, "seccomp: cannot create a filter");
	/* libseccomp would set no_new_privs itself; the spec leaves that to
	 * process.noNewPrivileges. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, no_new_privs);
	if (sc->flags & OCI_SECCOMP_FLAG_LOG)
		seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
	if (sc->flags & OCI_SECCOMP_FLAG_SPEC_ALLOW)
		seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1);
	if (add_arches(ctx, sc, err))
		goto fail;
	for (size_t i = 0; i < sc->n_rules; i++) {
		const struct oci_seccomp_rule *r = &sc->rules[i];

		if (r->action == sc->default_action)
			continue; /* libseccomp refuses redundant rules */
		for (size_t j = 0; j < r->n_names; j++) {
			int nr = seccomp_syscall_resolve_name(r->names[j]);

			/* Names this kernel/libseccomp do not know are
			 * skipped, as in runc and crun. */
			if (nr == __NR_SCMP_ERROR)
				continue;
			if (add_rule(ctx, r, nr, err)) {
				gerr_prefix(err, "%s: ", r->names[j]);
				goto fail;
			}
		}
	}
	*out = ctx;
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}

int oci_seccomp_load(void *filter, struct gerr *err)
{
	int r = seccomp_load(filter);

	return r ? gerr_errno(err, -r, "seccomp: load filter") : 0;
}

void oci_seccomp_release(void *filter)
{
	if (filter)
		seccomp_release(filter);
}
