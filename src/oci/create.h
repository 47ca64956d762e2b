/* Internal interfaces between create, start/run and exec. */
#ifndef GAMUT_OCI_CREATE_H
#define GAMUT_OCI_CREATE_H

#include "oci/oci.h"

/* create with a parsed spec (what oci_create does after loading it). */
int oci_create_container(const char *root, const char *id,
			 const struct oci_create_opts *o,
			 const struct oci_spec *spec, pid_t *pid,
			 struct gerr *err);
/* The state JSON hooks read on stdin (malloc'd). */
char *oci_create_state_json(const struct oci_state *st, const char *status);
/* <bundle>/<root.path> (or an absolute root.path), resolved; must be a dir. */
int oci_resolve_rootfs(const struct oci_spec *s, const char *bundle,
		       char *out, struct gerr *err);

#endif
