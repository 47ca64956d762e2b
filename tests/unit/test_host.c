/* Host facts from CPUID. */
#include <ctype.h>
#include <string.h>

#include "../harness.h"
#include "core/host.h"

TEST(host_x86_64_baseline_features)
{
	/* Every x86-64 CPU has these; a decoding error would lose them. */
	CHECK(host_cpu_has("lm"));
	CHECK(host_cpu_has("sse2"));
	CHECK(host_cpu_has("cx8"));
	CHECK(host_cpu_has("nx"));
	CHECK(!host_cpu_has("no-such-feature"));
}

TEST(host_feature_decoding)
{
	const struct host_feature *avx2 = NULL, *sse2 = NULL;
	struct host_cpuid r = { 0, 1u << 5, 0, 0 };

	for (const struct host_feature *f = host_features; f->name; f++) {
		if (!strcmp(f->name, "avx2"))
			avx2 = f;
		if (!strcmp(f->name, "sse2"))
			sse2 = f;
	}
	CHECK(avx2 && sse2);
	CHECK(host_feature_in(avx2, &r)); /* CPUID.7.0:EBX[5] */
	CHECK(!host_feature_in(sse2, &r));
	r = (struct host_cpuid){ 0, 0, 0, 1u << 26 };
	CHECK(host_feature_in(sse2, &r)); /* CPUID.1:EDX[26] */
	CHECK(!host_feature_in(avx2, &r));
}

TEST(host_cpu_model_and_vendor)
{
	char model[64], vendor[16];

	host_cpu_model(model, sizeof(model));
	host_cpu_vendor(vendor, sizeof(vendor));
	CHECK(strlen(model) > 0);
	CHECK(model[0] != ' ' && model[strlen(model) - 1] != ' ');
	CHECK_EQ(strlen(vendor), 12);
	for (size_t i = 0; model[i]; i++)
		CHECK(isprint((unsigned char)model[i]));
}

TEST(host_hypervisor_matches_cpuid_bit)
{
	char hv[16];

	host_hypervisor(hv, sizeof(hv));
	CHECK((hv[0] != 0) == host_cpu_has("hypervisor"));
}

TEST(host_vmx_flag_agrees_with_cpuinfo)
{
	/* /proc/cpuinfo drops vmx/svm when firmware disables them, so a CPUID
	 * bit may be set without the flag -- but never the reverse. */
	if (host_has_hw_virt())
		CHECK(host_cpu_has("vmx") || host_cpu_has("svm"));
}
