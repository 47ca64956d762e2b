#include "oci/process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci/util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int oci_proc_rlimits(const struct oci_process *p, struct gerr *err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = { p->rlimits[i].soft, p->rlimits[i].hard };

		if (setrlimit(p->rlimits[i].resource, &rl))
			return gerr_errno(err, errno, "setrlimit %d to %llu:%llu",
					  p->rlimits[i].resource,
					  (unsigned long long)rl.rlim_cur,
					  (unsigned long long)rl.rlim_max);
	}
	return 0;
}

static bool is_executable(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

int oci_proc_find_exec(const struct oci_process *p, char *out, size_t len,
		       struct gerr *err)
{
	const char *prog = p->args[0];
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
			   "/sbin:/bin";
	struct stat st;

	if (strchr(prog, '/')) {
		if (stat(prog, &st))
			return gerr_errno(err, errno, "exec: \"%s\"", prog);
		if (S_ISDIR(st.st_mode))
			return gerr_set(err, "exec: \"%s\": is a directory: "
					"permission denied", prog);
		return oci_fmt(out, len, "%s", prog)
			       ? gerr_set(err, "exec: \"%s\": path too long", prog)
			       : 0;
	}
	for (size_t i = 0; i < p->n_env; i++)
		if (!strncmp(p->env[i], "PATH=", 5))
			path = p->env[i] + 5;
	for (const char *d = path; d;) {
		const char *colon = strchr(d, ':');
		int n = colon ? (int)(colon - d) : (int)strlen(d);

		if (!oci_fmt(out, len, "%.*s/%s", n, n ? d : ".", prog) &&
		    is_executable(out))
			return 0;
		d = colon ? colon + 1 : NULL;
	}
	return gerr_set(err, "exec: \"%s\": executable file not found in $PATH",
			prog);
}

/* The highest capability this kernel knows, asked of the kernel itself:
 * never from /proc/sys/kernel/cap_last_cap, which by now is the
 * container's /proc and which an image can fake (a "0" there once left
 * every other capability in the bounding set). */
static int cap_last(void)
{
	int c = 0;

	while (c < 64 && prctl(PR_CAPBSET_READ, c + 1, 0, 0, 0) >= 0)
		c++;
	return c;
}

static int caps_bounding(const struct oci_process *p, struct gerr *err)
{
	int last = cap_last();

	for (int c = 0; c <= last; c++) {
		if (c < 64 && (p->caps[OCI_CAP_BOUNDING] >> c) & 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL)
			return gerr_errno(err, errno, "drop capability %d from "
					  "the bounding set", c);
	}
	return 0;
}

static int caps_set(const struct oci_process *p, struct gerr *err)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int last = cap_last();

	for (int i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(p->caps[OCI_CAP_EFFECTIVE] >> (32 * i));
		d[i].permitted = (uint32_t)(p->caps[OCI_CAP_PERMITTED] >> (32 * i));
		d[i].inheritable =
			(uint32_t)(p->caps[OCI_CAP_INHERITABLE] >> (32 * i));
	}
	if (syscall(SYS_capset, &h, d))
		return gerr_errno(err, errno, "capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		return gerr_errno(err, errno, "clear ambient capabilities");
	/* The kernel only raises an ambient capability that is permitted and
	 * inheritable; others are skipped, as runc does. */
	for (int c = 0; c <= last && c < 64; c++)
		if ((p->caps[OCI_CAP_AMBIENT] >> c) & 1 &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) &&
		    errno != EPERM)
			return gerr_errno(err, errno, "raise ambient capability "
					  "%s", oci_cap_name(c));
	return 0;
}

/* The switch took: every uid and gid is the one asked for. */
static int check_ids(const struct oci_process *p, struct gerr *err)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (getresuid(&r, &e, &s) || getresgid(&rg, &eg, &sg))
		return gerr_errno(err, errno, "read back the process ids");
	if (r != p->uid || e != p->uid || s != p->uid || rg != p->gid ||
	    eg != p->gid || sg != p->gid)
		return gerr_set(err, "user %u:%u did not take (now %u:%u)",
				p->uid, p->gid, (unsigned)e, (unsigned)eg);
	return 0;
}

static int set_user(const struct oci_process *p, bool in_userns,
		    struct gerr *err)
{
	gid_t gids[NGROUPS_MAX];

	for (size_t i = 0; i < p->n_additional_gids; i++)
		gids[i] = p->additional_gids[i];
	/* A rootless user namespace has setgroups denied; with no extra groups
	 * there is nothing to set. */
	if (setgroups(p->n_additional_gids, gids) &&
	    !(in_userns && errno == EPERM && !p->n_additional_gids))
		return gerr_errno(err, errno, "setgroups");
	if (p->uid > OCI_UGID_MAX || p->gid > OCI_UGID_MAX)
		return gerr_set(err, "user %u:%u cannot be set", p->uid, p->gid);
	if (setresgid(p->gid, p->gid, p->gid))
		return gerr_errno(err, errno, "setgid %u", p->gid);
	if (setresuid(p->uid, p->uid, p->uid))
		return gerr_errno(err, errno, "setuid %u", p->uid);
	return check_ids(p, err);
}

int oci_proc_finish(const struct oci_process *p, void *seccomp,
		    bool in_userns, int preserve_fds, struct gerr *err)
{
	bool cwd_done = !chdir(p->cwd);

	if (seccomp && !p->no_new_privileges && oci_seccomp_load(seccomp, err))
		return -1;
	/* No capabilities listed means none, in every set (as runc). */
	if (caps_bounding(p, err))
		return -1;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		return gerr_errno(err, errno, "keep capabilities");
	if (set_user(p, in_userns, err))
		return -1;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
		return gerr_errno(err, errno, "keep capabilities");
	if (caps_set(p, err))
		return -1;
	/* A cwd only the container user may enter is entered now. */
	if (!cwd_done && chdir(p->cwd))
		return gerr_errno(err, errno, "chdir to cwd (\"%s\") set in "
				  "config.json", p->cwd);
	umask(p->has_umask ? p->umask : 022);
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return gerr_errno(err, errno, "no_new_privs");
	if (seccomp && p->no_new_privileges && oci_seccomp_load(seccomp, err))
		return -1;
	syscall(SYS_close_range, 3 + preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
	return 0;
}

int oci_proc_exec(const struct oci_process *p, const char *path,
		  struct gerr *err)
{
	static char *const empty[] = { NULL };

	execve(path, (char *const *)p->args,
	       p->env ? (char *const *)p->env : empty);
	return gerr_errno(err, errno, "exec: \"%s\"", p->args[0]);
}
