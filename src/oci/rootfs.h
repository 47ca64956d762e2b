/* The container's filesystem view, built inside its new mount namespace:
 *   oci_rootfs_prepare()  propagation, rootfs bind, every mount, /dev
 *   (createRuntime/createContainer hooks run here)
 *   oci_rootfs_pivot()    pivot_root (or chroot with --no-pivot)
 *   oci_rootfs_finish()   masked and read-only paths, sysctl, read-only root
 * All three run in the container's init process, in this order. */
#ifndef GAMUT_OCI_ROOTFS_H
#define GAMUT_OCI_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "oci/cgroup.h"
#include "oci/config.h"

struct oci_rootfs_ctx {
	const struct oci_spec *spec;
	const char *rootfs; /* absolute, resolved */
	const char *cgroup_path;
	const struct oci_cgroup_mgr *cgroups; /* NULL: no cgroup mount */
	bool in_userns; /* mknod and some mounts are not allowed */
	int rootfd;	/* set by oci_rootfs_prepare: every path inside the
			 * root is resolved from it (oci/inroot.h) */
};

int oci_rootfs_prepare(struct oci_rootfs_ctx *c, struct gerr *err);
int oci_rootfs_pivot(const struct oci_rootfs_ctx *c, bool no_pivot,
		     struct gerr *err);
int oci_rootfs_finish(const struct oci_rootfs_ctx *c, struct gerr *err);

/* The devices every container gets (runtime-spec "default devices") and
 * the matching cgroup v1 device rules. */
struct oci_default_device {
	const char *path;
	unsigned major, minor;
};
extern const struct oci_default_device oci_default_devices[];
extern const size_t oci_default_devices_n;
extern const char *const oci_default_cgroup_rules[];
extern const size_t oci_default_cgroup_rules_n;

#endif
