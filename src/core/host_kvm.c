#include "core/host_kvm.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/host.h"
#include "cpu/backend.h"

/* The first processor's block holds the first "flags" line; 64 KiB is
 * far more than one block. */
#define CPUINFO_READ_MAX (64u << 10)

static bool word_at(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);

	return (size_t)(end - p) >= n && !memcmp(p, w, n) &&
	       (p + n == end || p[n] == ' ' || p[n] == '\t');
}

bool host_cpuinfo_hw_virt(const char *cpuinfo)
{
	for (const char *line = cpuinfo; line && *line;) {
		const char *end = strchr(line, '\n'), *p;

		if (!end)
			end = line + strlen(line);
		if (!strncmp(line, "flags", 5) && (p = memchr(line, ':', (size_t)(end - line)))) {
			for (p++; p < end; p++) {
				if (p[-1] != ' ' && p[-1] != '\t' && p[-1] != ':')
					continue;
				if (word_at(p, end, "vmx") || word_at(p, end, "svm"))
					return true;
			}
			return false; /* the first CPU speaks for all */
		}
		line = *end ? end + 1 : end;
	}
	return false;
}

bool host_has_hw_virt(void)
{
	static char buf[CPUINFO_READ_MAX + 1];
	size_t len = 0;
	ssize_t n;
	int fd = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	while (len < CPUINFO_READ_MAX &&
	       (n = read(fd, buf + len, CPUINFO_READ_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = 0;
	return host_cpuinfo_hw_virt(buf);
}

void host_kvm_decide(struct host_kvm *k, const char *dev_err, bool hw_flags)
{
	if (dev_err) {
		k->cap = HOST_KVM_NONE;
		snprintf(k->why, sizeof(k->why), "%s", dev_err);
	} else if (!hw_flags) {
		k->cap = HOST_KVM_USER;
		snprintf(k->why, sizeof(k->why),
			 "/dev/kvm works but is not hardware-backed (neither vmx nor svm in the CPU flags): guest user mode (CPL 3) runs natively, guest kernel mode is emulated thousands of times slower");
	} else {
		k->cap = HOST_KVM_FULL;
		snprintf(k->why, sizeof(k->why),
			 "/dev/kvm works and is hardware-backed (vmx or svm in the CPU flags)");
	}
}

void host_kvm_probe(struct host_kvm *k)
{
	struct gerr err = { "" };
	bool ok = cpu_backend_kvm.probe(&err) == 0;

	host_kvm_decide(k, ok ? NULL : err.msg, host_has_hw_virt());
}

const char *host_kvm_word(enum host_kvm_cap cap)
{
	return cap == HOST_KVM_FULL ? "full" : cap == HOST_KVM_USER ? "user" : "none";
}

bool host_kvm_native(const struct host_kvm *k, bool kernel_at_cpl3)
{
	return k->cap == HOST_KVM_FULL || (k->cap == HOST_KVM_USER && kernel_at_cpl3);
}

void host_kvm_verdict(const struct host_kvm *k, bool kernel_at_cpl3,
		      double ratio, char *buf, size_t len)
{
	if (k->cap == HOST_KVM_NONE)
		snprintf(buf, len, "not available: %s", k->why);
	else if (k->cap == HOST_KVM_FULL)
		snprintf(buf, len, "native speed");
	else if (kernel_at_cpl3)
		snprintf(buf, len, "native speed (the PV guest kernel runs at CPL 3)");
	else if (ratio > 0)
		snprintf(buf, len, "guest kernel mode ~%.0fx slower (KVM not hardware-backed), use --cpu emu",
			 ratio);
	else
		snprintf(buf, len, "guest kernel mode emulated, thousands of times slower (KVM not hardware-backed), use --cpu emu");
}
