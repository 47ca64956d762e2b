/* OCI hooks: each runs as a child with the container state JSON on its
 * stdin; a non-zero exit or a timeout is an error naming the hook. */
#ifndef GAMUT_OCI_HOOKS_H
#define GAMUT_OCI_HOOKS_H

#include "core/err.h"
#include "oci/config.h"

const char *oci_hook_kind_name(enum oci_hook_kind k);
/* Runs every hook of one kind in order; stops at the first failure. */
int oci_hooks_run(const struct oci_spec *s, enum oci_hook_kind kind,
		  const char *state_json, struct gerr *err);

#endif
