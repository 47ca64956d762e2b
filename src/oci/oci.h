/* gamut's OCI runtime as a library: the operations of the runc command
 * line (src/cli/cmd_oci.c is a thin parser over these) and of the
 * `gamut container run` front end.
 *
 * Every operation takes the runtime root (state directories live in
 * <root>/<id>) and returns 0 or -1 with err set; nothing here prints
 * except `exec`/`run`, which hand the terminal to the container. */
#ifndef GAMUT_OCI_OCI_H
#define GAMUT_OCI_OCI_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/err.h"
#include "oci/config.h"
#include "oci/state.h"

#define OCI_DEFAULT_ROOT "/run/gamut-oci"
#define OCI_RUNTIME_VERSION "0.1.0"
#define OCI_SPEC_VERSION "1.1.0"

struct oci_create_opts {
	const char *bundle;	    /* default "." */
	const char *console_socket; /* needed when process.terminal */
	const char *pid_file;
	bool no_pivot, no_new_keyring;
	int preserve_fds;
};

/* Creates the container; init waits on exec.fifo until oci_start(). */
int oci_create(const char *root, const char *id,
	       const struct oci_create_opts *o, pid_t *pid, struct gerr *err);
int oci_start(const char *root, const char *id, struct gerr *err);
/* create + start; unless detach, waits (forwarding signals), deletes, and
 * sets *exit_code to the exit status (128+signal when killed). */
int oci_run(const char *root, const char *id, const struct oci_create_opts *o,
	    bool detach, int *exit_code, struct gerr *err);
/* The state JSON (malloc'd). */
int oci_state(const char *root, const char *id, char **json, struct gerr *err);
int oci_kill(const char *root, const char *id, int sig, bool all,
	     struct gerr *err);
int oci_delete(const char *root, const char *id, bool force, struct gerr *err);
int oci_pause(const char *root, const char *id, struct gerr *err);
int oci_resume(const char *root, const char *id, struct gerr *err);
/* Pids in the container's cgroup (malloc'd array). */
int oci_ps(const char *root, const char *id, pid_t **pids, size_t *n,
	   struct gerr *err);
/* Applies a linux.resources JSON object to a live container. */
int oci_update(const char *root, const char *id, const char *resources_json,
	       size_t len, struct gerr *err);
/* Writes the container list (table or JSON array) to f. */
int oci_list(const char *root, bool json, bool quiet, FILE *f,
	     struct gerr *err);

struct oci_exec_opts {
	const char *process_file; /* --process; else args below */
	const char **args;	  /* NULL-terminated */
	const char **env;	  /* extra KEY=value, NULL-terminated */
	const char *cwd, *user;	  /* user "uid[:gid]" */
	bool tty, detach, no_new_privs;
	const char *console_socket, *pid_file;
	int preserve_fds;
};

int oci_exec(const char *root, const char *id, const struct oci_exec_opts *o,
	     int *exit_code, struct gerr *err);

/* `features` and `spec` output (malloc'd JSON). */
char *oci_features_json(void);
char *oci_default_spec_json(bool rootless);

/* Resolves the root for this user: --root, else /run/gamut-oci for root,
 * else $XDG_RUNTIME_DIR/gamut-oci or /tmp/gamut-oci-<uid>. */
const char *oci_default_root(char *buf, size_t len);

#endif
