/* /dev/kvm itself: opening it, the API version, capabilities, and the
 * system-wide tables (supported CPUID, MSR index list). */
#include "cpu/kvm/kvm_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int kvm_ioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

/* Everything vm_init/vcpu_init/vcpu_run use unconditionally. */
const struct kvm_cap_need kvm_caps_needed[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
	{ KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR" },
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	{ KVM_CAP_PIT2, "KVM_CAP_PIT2" },
	{ KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	{ KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE" },
	{ KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI" },
	{ KVM_CAP_IRQFD, "KVM_CAP_IRQFD" },
	{ KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
};
const unsigned kvm_nr_caps_needed = sizeof(kvm_caps_needed) / sizeof(kvm_caps_needed[0]);

static int open_error(const char *path, int errnum, struct gerr *err)
{
	if (errnum == ENOENT || errnum == ENXIO || errnum == ENODEV)
		return gerr_set(err, "no %s on this host (the kvm module is not loaded, or the device is not passed through)",
				path);
	if (errnum == EACCES || errnum == EPERM)
		return gerr_set(err, "%s: permission denied (join the group that owns it, usually kvm)",
				path);
	return gerr_errno(err, errnum, "%s: cannot open", path);
}

int kvm_sys_open(const char *path, struct gerr *err)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	int api;

	if (fd < 0)
		return open_error(path, errno, err);
	api = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (api < 0) {
		gerr_errno(err, errno, "%s: not a KVM device (KVM_GET_API_VERSION failed)", path);
		close(fd);
		return -1;
	}
	if (api != KVM_API_EXPECTED) {
		gerr_set(err, "%s: KVM API version %d, gamut needs %d", path, api,
			 KVM_API_EXPECTED);
		close(fd);
		return -1;
	}
	for (unsigned i = 0; i < kvm_nr_caps_needed; i++) {
		if (ioctl(fd, KVM_CHECK_EXTENSION, kvm_caps_needed[i].cap) > 0)
			continue;
		gerr_set(err, "%s: this KVM lacks %s, which gamut needs", path,
			 kvm_caps_needed[i].name);
		close(fd);
		return -1;
	}
	return fd;
}

struct kvm_cpuid2 *kvm_sys_supported_cpuid(int kvm_fd, struct gerr *err)
{
	/* KVM answers E2BIG until the buffer holds every entry. */
	for (unsigned n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c) {
			gerr_set(err, "out of memory for the CPUID table");
			return NULL;
		}
		c->nent = n;
		if (kvm_ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG) {
			gerr_errno(err, errno, "KVM_GET_SUPPORTED_CPUID");
			return NULL;
		}
	}
	gerr_set(err, "KVM_GET_SUPPORTED_CPUID: more than 4096 entries");
	return NULL;
}

struct kvm_msr_list *kvm_sys_msr_index_list(int kvm_fd, struct gerr *err)
{
	struct kvm_msr_list probe = { .nmsrs = 0 };
	struct kvm_msr_list *l;

	/* The first call fails with E2BIG and reports the count. */
	if (kvm_ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG) {
		gerr_errno(err, errno, "KVM_GET_MSR_INDEX_LIST");
		return NULL;
	}
	l = calloc(1, sizeof(*l) + probe.nmsrs * sizeof(l->indices[0]));
	if (!l) {
		gerr_set(err, "out of memory for the MSR list");
		return NULL;
	}
	l->nmsrs = probe.nmsrs;
	if (probe.nmsrs && kvm_ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, l) < 0) {
		gerr_errno(err, errno, "KVM_GET_MSR_INDEX_LIST");
		free(l);
		return NULL;
	}
	return l;
}
