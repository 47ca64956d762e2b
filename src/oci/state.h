/* The runtime's on-disk state: one directory per container under the
 * runtime root (--root, default /run/gamut-oci), holding
 *   state.json   what `state` prints plus private fields (start time, cgroup)
 *   exec.fifo    present while the container is `created`; `start` opens it
 *
 * oci_state_status() derives the runtime-spec status from the live system
 * (process alive? fifo present? cgroup frozen?), never from a stored word. */
#ifndef GAMUT_OCI_STATE_H
#define GAMUT_OCI_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "core/err.h"
#include "oci/config.h"

#define OCI_ID_MAX 1024

enum oci_status { OCI_CREATING, OCI_CREATED, OCI_RUNNING, OCI_PAUSED,
		  OCI_STOPPED };

struct oci_state {
	char id[OCI_ID_MAX + 1];
	char dir[PATH_MAX];	/* <root>/<id> */
	pid_t pid;
	unsigned long long start_time; /* /proc/<pid>/stat field 22 */
	char bundle[PATH_MAX];
	char rootfs[PATH_MAX];
	char created[40];	/* RFC 3339, UTC */
	uid_t owner;
	char cgroup_path[PATH_MAX]; /* relative to each hierarchy's root */
	bool has_cgroup;
	char *annotations_json; /* the config's annotations object, malloc'd */
};

/* Checks an id: 1..1024 of [A-Za-z0-9_+.-], not "." or "..". */
int oci_id_check(const char *id, struct gerr *err);
/* <root>/<id> into st->dir (no I/O). */
int oci_state_path(struct oci_state *st, const char *root, const char *id,
		   struct gerr *err);
/* Creates the root (0700) and the container directory; fails with
 * "container "x" already exists" when it is there. */
int oci_state_create_dir(struct oci_state *st, const char *root,
			 struct gerr *err);
int oci_state_save(const struct oci_state *st, struct gerr *err);
/* Loads <root>/<id>/state.json; "container "x" does not exist" if absent. */
int oci_state_load(struct oci_state *st, const char *root, const char *id,
		   struct gerr *err);
void oci_state_release(struct oci_state *st);
/* The config.json create checked (spec->raw), kept as <dir>/config.json:
 * exec and the lifecycle hooks read this copy, never the bundle's file,
 * which anyone with access to the bundle may have changed since. */
int oci_state_save_config(const struct oci_state *st,
			  const struct oci_spec *spec, struct gerr *err);
int oci_state_load_config(const struct oci_state *st, struct oci_spec *spec,
			  struct gerr *err);
/* Removes the container directory and everything in it. */
void oci_state_remove_dir(const struct oci_state *st);

enum oci_status oci_state_status(const struct oci_state *st);
const char *oci_status_name(enum oci_status s);
/* The state as runtime-spec JSON (malloc'd string). */
char *oci_state_json(const struct oci_state *st, enum oci_status s);

/* Process liveness: true when pid runs with the given start time and is not
 * a zombie.  start_time 0 skips the start-time comparison. */
bool oci_pid_alive(pid_t pid, unsigned long long start_time);
unsigned long long oci_pid_start_time(pid_t pid);
void oci_now_rfc3339(char *buf, size_t len);

#endif
