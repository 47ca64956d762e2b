/* The KVM capability decision (core/host_kvm.h) on injected inputs: the
 * backend's probe result and /proc/cpuinfo texts. */
#include <string.h>

#include "../harness.h"
#include "core/host_kvm.h"

/* Abridged from real /proc/cpuinfo texts. */
static const char amd_svm[] =
	"processor\t: 0\nvendor_id\t: AuthenticAMD\n"
	"flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl nonstop_tsc cpuid extd_apicid aperfmperf pni pclmulqdq monitor ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand lahf_lm cmp_legacy svm extapic cr8_legacy abm sse4a\n"
	"bugs\t\t: sysret_ss_attrs\n";
static const char intel_vmx_last[] =
	"processor\t: 0\nflags\t\t: fpu vme de pse msr pae hypervisor vmx\n\nprocessor\t: 1\n";
/* A guest of a hypervisor that hides VT-x: vmx only as part of other words. */
static const char no_virt[] =
	"processor\t: 0\n"
	"flags\t\t: fpu vme de pse tsc msr pae hypervisor lahf_lm abm xvmx svmx vmxe\n"
	"vmx flags\t: vnmi preemption_timer\n"
	"bugs\t\t: svm vmx\n";

TEST(host_cpuinfo_finds_vmx_svm_words_on_the_flags_line)
{
	CHECK(host_cpuinfo_hw_virt(amd_svm));
	CHECK(host_cpuinfo_hw_virt(intel_vmx_last));
	CHECK(host_cpuinfo_hw_virt("flags: svm"));
	CHECK(host_cpuinfo_hw_virt("flags\t: vmx fpu"));
	CHECK(!host_cpuinfo_hw_virt(no_virt));
	CHECK(!host_cpuinfo_hw_virt(""));
	CHECK(!host_cpuinfo_hw_virt("flags"));
	CHECK(!host_cpuinfo_hw_virt("flags\t\t:\n"));
	CHECK(!host_cpuinfo_hw_virt("processor: 0\nbugs: vmx\n"));
	/* Only the first CPU's flags count (a later "flags" is not read). */
	CHECK(!host_cpuinfo_hw_virt("flags : fpu\nflags : vmx\n"));
}

TEST(host_kvm_decision_from_probe_and_flags)
{
	struct host_kvm k;

	host_kvm_decide(&k, "no /dev/kvm on this host (No such file or directory)",
			true);
	CHECK_EQ(k.cap, HOST_KVM_NONE);
	CHECK(!strcmp(k.why, "no /dev/kvm on this host (No such file or directory)"));
	CHECK(!strcmp(host_kvm_word(k.cap), "none"));
	host_kvm_decide(&k, "/dev/kvm: permission denied", false);
	CHECK_EQ(k.cap, HOST_KVM_NONE);
	CHECK(strstr(k.why, "permission denied"));

	host_kvm_decide(&k, NULL, host_cpuinfo_hw_virt(no_virt));
	CHECK_EQ(k.cap, HOST_KVM_USER);
	CHECK(!strcmp(host_kvm_word(k.cap), "user"));
	CHECK(strstr(k.why, "not hardware-backed") && strstr(k.why, "CPL 3"));

	host_kvm_decide(&k, NULL, host_cpuinfo_hw_virt(amd_svm));
	CHECK_EQ(k.cap, HOST_KVM_FULL);
	CHECK(!strcmp(host_kvm_word(k.cap), "full"));
	CHECK(strstr(k.why, "hardware-backed"));
}

TEST(host_kvm_native_speed_per_mode)
{
	struct host_kvm none, user, full;
	char line[640];

	host_kvm_decide(&none, "no /dev/kvm on this host", true);
	host_kvm_decide(&user, NULL, false);
	host_kvm_decide(&full, NULL, true);
	CHECK(!host_kvm_native(&none, true) && !host_kvm_native(&none, false));
	CHECK(host_kvm_native(&user, true) && !host_kvm_native(&user, false));
	CHECK(host_kvm_native(&full, true) && host_kvm_native(&full, false));

	/* The words `gamut info` and `gamut modes` both print. */
	host_kvm_verdict(&none, false, 0, line, sizeof(line));
	CHECK(!strcmp(line, "not available: no /dev/kvm on this host"));
	host_kvm_verdict(&user, true, 4000, line, sizeof(line));
	CHECK(!strcmp(line, "native speed (the PV guest kernel runs at CPL 3)"));
	host_kvm_verdict(&user, false, 4000, line, sizeof(line));
	CHECK(strstr(line, "~4000x slower") && strstr(line, "use --cpu emu"));
	host_kvm_verdict(&user, false, 0, line, sizeof(line));
	CHECK(strstr(line, "thousands of times slower") && strstr(line, "use --cpu emu"));
	host_kvm_verdict(&full, false, 1.2, line, sizeof(line));
	CHECK(!strcmp(line, "native speed"));
}
