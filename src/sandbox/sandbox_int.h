/* Inside src/sandbox: what sandbox.c, caps.c, seccomp.c and trap.c share. */
#ifndef GAMUT_SANDBOX_SANDBOX_INT_H
#define GAMUT_SANDBOX_SANDBOX_INT_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/err.h"
#include "sandbox/sandbox.h"

/* The identity --user names, resolved before anything is locked down
 * (the user database may need files and sockets that are gone later). */
struct sandbox_id {
	bool set;
	uid_t uid;
	gid_t gid;
	char spec[64]; /* as given, for messages */
};

/* caps.c */
int caps_resolve_user(const char *spec, struct sandbox_id *id, struct gerr *err);
/* Empties the calling thread's bounding and ambient sets; threads created
 * afterwards inherit them empty.  A thread without CAP_SETPCAP (not root)
 * has nothing to drop and is left as it is. */
int caps_drop_bounding(struct gerr *err);
/* Supplementary groups, gid, then uid, for every thread (glibc applies
 * set*id calls process-wide); checked by reading the ids back. */
int caps_switch_user(const struct sandbox_id *id, struct gerr *err);
/* Empties the calling thread's permitted, effective and inheritable sets
 * and sets its no_new_privs. */
int caps_clear_thread(struct gerr *err);

/* seccomp.c: builds and loads `role`'s allow-list on the calling thread. */
int filter_load(enum sandbox_role role, const struct sandbox_policy *p,
		struct gerr *err);

/* trap.c: the SIGSYS handler that names a forbidden call.  trap_install
 * runs once, before any filter; trap_set_role on each thread before its
 * filter is loaded. */
int trap_install(struct gerr *err);
void trap_set_role(enum sandbox_role role);

#endif
