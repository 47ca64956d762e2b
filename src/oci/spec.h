/* Building a config.json: `spec` writes the default one, and the
 * `gamut container run` front end builds its container from the same code. */
#ifndef GAMUT_OCI_SPEC_H
#define GAMUT_OCI_SPEC_H

#include <stdbool.h>
#include <stdint.h>

struct oci_spec_opts {
	const char *rootfs;	/* root.path */
	const char *const *args; /* NULL-terminated; default {"sh"} */
	bool rootless;		/* user namespace mapping our uid/gid to 0 */
	bool terminal, readonly;
	bool net_host;		/* share the host network namespace */
	int64_t memory;		/* bytes, 0: no limit */
	int64_t pids;		/* 0: no limit */
	const char *hostname;
	const char *seccomp_json; /* linux.seccomp as JSON text, or NULL */
};

/* The bounding set the built config gives its process. */
uint64_t oci_spec_default_caps(void);

/* Returns malloc'd JSON text. */
char *oci_spec_build(const struct oci_spec_opts *o);

#endif
