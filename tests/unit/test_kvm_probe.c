/* Opening KVM: the error paths (testable anywhere) and, where /dev/kvm
 * exists, the probe and the CPL-0 measurement. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "core/host.h"
#include "kvm_skip.h"
#include "core/vm.h"
#include "cpu/kvm/kvm_int.h"
#include "cpu/kvm/kvm_measure.h"

TEST(kvm_open_missing_device_says_so)
{
	struct gerr err;

	CHECK(kvm_sys_open("/nonexistent/kvm", &err) == -1);
	CHECK(strstr(err.msg, "no /nonexistent/kvm on this host") != NULL);
}

TEST(kvm_open_non_kvm_device_refused)
{
	struct gerr err;

	CHECK(kvm_sys_open("/dev/null", &err) == -1);
	CHECK(strstr(err.msg, "/dev/null: not a KVM device") != NULL);
}

TEST(kvm_probe_matches_host)
{
	struct gerr err;
	struct host_kvm k;
	int r = cpu_backend_kvm.probe(&err);

	host_kvm_probe(&k);
	CHECK((k.cap == HOST_KVM_NONE) == (r == -1));
	if (access("/dev/kvm", F_OK) != 0) {
		CHECK(r == -1);
		CHECK(strstr(err.msg, "no /dev/kvm on this host") != NULL);
		CHECK(!strcmp(k.why, err.msg));
		return;
	}
	/* Present: either usable, or a message naming /dev/kvm. */
	CHECK(r == 0 || strstr(err.msg, "/dev/kvm") != NULL);
	if (r == 0)
		CHECK((k.cap == HOST_KVM_FULL) == host_has_hw_virt());
}

TEST(kvm_caps_table_named)
{
	CHECK(kvm_nr_caps_needed > 5);
	for (unsigned i = 0; i < kvm_nr_caps_needed; i++)
		CHECK(!strncmp(kvm_caps_needed[i].name, "KVM_CAP_", 8));
}

TEST(kvm_measure_without_kvm_fails_cleanly)
{
	struct kvm_speed s;
	struct gerr err;

	if (access("/dev/kvm", F_OK) == 0)
		SKIP("/dev/kvm exists here; kvm_measure_runs covers it");
	CHECK(kvm_measure_cpl0(&s, &err) == -1);
	CHECK(strstr(err.msg, "no /dev/kvm") != NULL);
}

TEST(kvm_measure_runs)
{
	struct kvm_speed s;
	struct gerr err;

	KVM_NEED(HOST_KVM_USER);
	CHECK(kvm_measure_cpl0(&s, &err) == 0);
	CHECK(s.guest_ns_per_iter > 0);
	CHECK(s.native_ns_per_iter > 0);
	CHECK(s.iterations >= 1024);
	CHECK(s.hw_backed == (s.ratio <= KVM_HW_RATIO_MAX));
}

TEST(kvm_measure_native_positive)
{
	CHECK(kvm_measure_native_ns() > 0);
}
