#include "core/host.h"

#include <cpuid.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

unsigned long long host_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

struct host_cpuid host_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct host_cpuid r = { 0, 0, 0, 0 };

	__cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
	return r;
}

/* Names as /proc/cpuinfo spells them; `guest` marks what a guest kernel
 * or workload cares about (vmx/svm/hypervisor are host facts). */
const struct host_feature host_features[] = {
	{ "cx8", 1, 0, HOST_EDX, 8, true },
	{ "sse2", 1, 0, HOST_EDX, 26, true },
	{ "pni", 1, 0, HOST_ECX, 0, true }, /* SSE3 */
	{ "pclmulqdq", 1, 0, HOST_ECX, 1, true },
	{ "ssse3", 1, 0, HOST_ECX, 9, true },
	{ "fma", 1, 0, HOST_ECX, 12, true },
	{ "cx16", 1, 0, HOST_ECX, 13, true },
	{ "pcid", 1, 0, HOST_ECX, 17, true },
	{ "sse4_1", 1, 0, HOST_ECX, 19, true },
	{ "sse4_2", 1, 0, HOST_ECX, 20, true },
	{ "x2apic", 1, 0, HOST_ECX, 21, true },
	{ "movbe", 1, 0, HOST_ECX, 22, true },
	{ "popcnt", 1, 0, HOST_ECX, 23, true },
	{ "tsc_deadline_timer", 1, 0, HOST_ECX, 24, true },
	{ "aes", 1, 0, HOST_ECX, 25, true },
	{ "xsave", 1, 0, HOST_ECX, 26, true },
	{ "avx", 1, 0, HOST_ECX, 28, true },
	{ "f16c", 1, 0, HOST_ECX, 29, true },
	{ "rdrand", 1, 0, HOST_ECX, 30, true },
	{ "fsgsbase", 7, 0, HOST_EBX, 0, true },
	{ "bmi1", 7, 0, HOST_EBX, 3, true },
	{ "avx2", 7, 0, HOST_EBX, 5, true },
	{ "smep", 7, 0, HOST_EBX, 7, true },
	{ "bmi2", 7, 0, HOST_EBX, 8, true },
	{ "invpcid", 7, 0, HOST_EBX, 10, true },
	{ "avx512f", 7, 0, HOST_EBX, 16, true },
	{ "rdseed", 7, 0, HOST_EBX, 18, true },
	{ "smap", 7, 0, HOST_EBX, 20, true },
	{ "nx", 0x80000001, 0, HOST_EDX, 20, true },
	{ "pdpe1gb", 0x80000001, 0, HOST_EDX, 26, true },
	{ "rdtscp", 0x80000001, 0, HOST_EDX, 27, true },
	{ "lm", 0x80000001, 0, HOST_EDX, 29, true },
	{ "constant_tsc", 0x80000007, 0, HOST_EDX, 8, true }, /* invariant TSC */
	{ "vmx", 1, 0, HOST_ECX, 5, false },
	{ "svm", 0x80000001, 0, HOST_ECX, 2, false },
	{ "hypervisor", 1, 0, HOST_ECX, 31, false },
	{ NULL, 0, 0, HOST_EAX, 0, false },
};

bool host_feature_in(const struct host_feature *f, const struct host_cpuid *r)
{
	const uint32_t regs[4] = { r->eax, r->ebx, r->ecx, r->edx };

	return (regs[f->reg] >> f->bit) & 1;
}

/* The CPU's maximum leaf in the range (basic or extended) of `leaf`. */
static bool leaf_exists(uint32_t leaf)
{
	uint32_t base = leaf & 0x80000000u;

	return leaf <= host_cpuid(base, 0).eax;
}

bool host_cpu_has(const char *name)
{
	for (const struct host_feature *f = host_features; f->name; f++) {
		struct host_cpuid r;

		if (strcmp(f->name, name))
			continue;
		if (!leaf_exists(f->leaf))
			return false;
		r = host_cpuid(f->leaf, f->subleaf);
		return host_feature_in(f, &r);
	}
	return false;
}

static void trim_copy(char *buf, size_t len, const char *s)
{
	size_t n;

	while (*s == ' ')
		s++;
	snprintf(buf, len, "%s", s);
	n = strlen(buf);
	while (n && buf[n - 1] == ' ')
		buf[--n] = 0;
}

void host_cpu_vendor(char *buf, size_t len)
{
	struct host_cpuid r = host_cpuid(0, 0);
	char v[13];

	memcpy(v, &r.ebx, 4);
	memcpy(v + 4, &r.edx, 4);
	memcpy(v + 8, &r.ecx, 4);
	v[12] = 0;
	snprintf(buf, len, "%s", v);
}

void host_cpu_model(char *buf, size_t len)
{
	char brand[49];

	if (!leaf_exists(0x80000004)) {
		host_cpu_vendor(buf, len);
		return;
	}
	for (uint32_t i = 0; i < 3; i++) {
		struct host_cpuid r = host_cpuid(0x80000002 + i, 0);

		memcpy(brand + 16 * i, &r, 16);
	}
	brand[48] = 0;
	trim_copy(buf, len, brand);
	if (!buf[0])
		host_cpu_vendor(buf, len);
}

void host_hypervisor(char *buf, size_t len)
{
	struct host_cpuid r;
	char sig[13];

	if (!(host_cpuid(1, 0).ecx & (1u << 31))) {
		snprintf(buf, len, "%s", "");
		return;
	}
	r = host_cpuid(0x40000000, 0);
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	sig[12] = 0;
	trim_copy(buf, len, sig);
	if (!buf[0])
		snprintf(buf, len, "%s", "unknown hypervisor");
}
