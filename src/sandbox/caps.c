/* Capabilities and identity of the running VMM (docs/sandbox.md).
 *
 * Capabilities are per thread in Linux (capabilities(7)): capset(2) with
 * pid 0 changes the calling thread only, and a thread created later copies
 * its creator's sets.  So the bounding set is emptied on the main thread
 * before any thread exists, and every thread empties its own effective and
 * permitted sets in sandbox_enter().  The set*id calls, by contrast, are
 * made process-wide by glibc (nptl's setxid broadcast), which is why the
 * user switch happens while the early threads are still parked without a
 * filter. */
#include "sandbox/sandbox_int.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A decimal id; (uid_t)-1 means "leave unchanged" to set*id(2), so it is
 * refused rather than silently ignored. */
static int parse_id(const char *s, unsigned long *out)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static int resolve_group(const char *g, gid_t *gid, const char *spec,
			 struct gerr *err)
{
	unsigned long v;
	struct group *gr;

	if (parse_id(g, &v) == 0) {
		if (v >= UINT32_MAX)
			return gerr_set(err, "--user %s: group id %lu is not a valid id",
					spec, v);
		*gid = (gid_t)v;
		return 0;
	}
	gr = getgrnam(g);
	if (!gr)
		return gerr_set(err, "--user %s: no group named \"%s\"", spec, g);
	*gid = gr->gr_gid;
	return 0;
}

int caps_resolve_user(const char *spec, struct sandbox_id *id, struct gerr *err)
{
	char user[sizeof(id->spec)];
	const char *group = NULL;
	struct passwd *pw;
	unsigned long v;
	char *colon;

	memset(id, 0, sizeof(*id));
	if (strlen(spec) >= sizeof(user) || !*spec)
		return gerr_set(err, "--user %s: expected USER[:GROUP]", spec);
	snprintf(id->spec, sizeof(id->spec), "%s", spec);
	snprintf(user, sizeof(user), "%s", spec);
	colon = strchr(user, ':');
	if (colon) {
		*colon = '\0';
		group = colon + 1;
		if (!*group || !*user)
			return gerr_set(err, "--user %s: expected USER[:GROUP]", spec);
	}
	if (parse_id(user, &v) == 0) {
		if (v >= UINT32_MAX)
			return gerr_set(err, "--user %s: user id %lu is not a valid id",
					spec, v);
		id->uid = (uid_t)v;
		pw = getpwuid(id->uid);
		if (!pw && !group)
			return gerr_set(err, "--user %s: uid %lu has no passwd entry: "
					"give its group too (--user %lu:GID)",
					spec, v, v);
	} else {
		pw = getpwnam(user);
		if (!pw)
			return gerr_set(err, "--user %s: no user named \"%s\"", spec, user);
		id->uid = pw->pw_uid;
	}
	if (group) {
		if (resolve_group(group, &id->gid, spec, err) < 0)
			return -1;
	} else {
		id->gid = pw->pw_gid;
	}
	if (id->uid == (uid_t)-1 || id->gid == (gid_t)-1)
		return gerr_set(err, "--user %s: 4294967295 is not a valid id", spec);
	id->set = true;
	return 0;
}

static int caps_get(struct __user_cap_data_struct d[2], struct gerr *err)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };

	if (syscall(SYS_capget, &h, d) < 0)
		return gerr_errno(err, errno, "capget");
	return 0;
}

int caps_drop_bounding(struct gerr *err)
{
	struct __user_cap_data_struct d[2];

	if (caps_get(d, err) < 0)
		return -1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return gerr_errno(err, errno, "clearing the ambient capabilities");
	if (!(d[0].effective & (1u << CAP_SETPCAP)))
		return 0;
	/* PR_CAPBSET_READ answers EINVAL past the kernel's last capability,
	 * which may be newer than our headers' CAP_LAST_CAP. */
	for (int c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return gerr_errno(err, errno,
					  "dropping capability %d from the bounding set", c);
	return 0;
}

/* True when every real, effective and saved id already is id's. */
static bool ids_are(const struct sandbox_id *id)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	return getresuid(&r, &e, &s) == 0 && getresgid(&rg, &eg, &sg) == 0 &&
	       r == id->uid && e == id->uid && s == id->uid &&
	       rg == id->gid && eg == id->gid && sg == id->gid;
}

int caps_switch_user(const struct sandbox_id *id, struct gerr *err)
{
	/* Started as that user already: nothing to switch, and setgroups
	 * would be refused without privileges. */
	if (ids_are(id))
		return 0;
	if (setgroups(1, &id->gid) < 0)
		return gerr_errno(err, errno, "--user %s: setgroups", id->spec);
	if (setresgid(id->gid, id->gid, id->gid) < 0)
		return gerr_errno(err, errno, "--user %s: setresgid %u", id->spec,
				  (unsigned)id->gid);
	if (setresuid(id->uid, id->uid, id->uid) < 0)
		return gerr_errno(err, errno, "--user %s: setresuid %u", id->spec,
				  (unsigned)id->uid);
	/* A partial switch must never go unnoticed, so the ids are read
	 * back rather than trusted from the calls' results alone. */
	if (!ids_are(id))
		return gerr_set(err, "--user %s: the switch to uid %u gid %u did not hold",
				id->spec, (unsigned)id->uid, (unsigned)id->gid);
	return 0;
}

int caps_clear_thread(struct gerr *err)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d) < 0)
		return gerr_errno(err, errno, "capset (dropping every capability)");
	if (caps_get(d, err) < 0)
		return -1;
	if (d[0].effective || d[1].effective || d[0].permitted || d[1].permitted)
		return gerr_set(err, "capabilities still held after capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return gerr_errno(err, errno, "PR_SET_NO_NEW_PRIVS");
	return 0;
}
