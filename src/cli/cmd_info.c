/* gamut info: what this host offers -- what KVM can run (core/host_kvm.h,
 * the answer every command gives) and how fast guest kernel mode runs
 * under it, measured; the CPU and its guest-relevant features; and what
 * each mode will run like here, per CPU backend. */
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/host.h"
#include "core/host_kvm.h"
#include "core/mode.h"
#include "cpu/backend.h"
#include "cpu/kvm/kvm_measure.h"

struct info {
	char model[64], vendor[16], hypervisor[16];
	long ncpus;
	bool hw_flags;
	struct host_kvm kvm; /* the capability: the one answer everywhere */
	bool measured;
	struct kvm_speed speed;
	struct gerr measure_err;
	bool emu_ok;
	struct gerr emu_err;
};

static void info_gather(struct info *in, bool measure)
{
	host_cpu_model(in->model, sizeof(in->model));
	host_cpu_vendor(in->vendor, sizeof(in->vendor));
	host_hypervisor(in->hypervisor, sizeof(in->hypervisor));
	in->ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	in->hw_flags = host_has_hw_virt();
	host_kvm_probe(&in->kvm);
	if (in->kvm.cap != HOST_KVM_NONE && measure)
		in->measured = kvm_measure_cpl0(&in->speed, &in->measure_err) == 0;
	else if (in->kvm.cap != HOST_KVM_NONE)
		gerr_set(&in->measure_err, "not measured (--no-measure)");
	in->emu_ok = cpu_backend_emu.probe(&in->emu_err) == 0;
}

/* Whether the measurement says otherwise than the CPU flags did (gamut
 * goes by the flags: docs/kvm.md says why). */
static bool measure_disagrees(const struct info *in)
{
	return in->measured && in->speed.hw_backed != (in->kvm.cap == HOST_KVM_FULL);
}

/* One line on how fast `backend` runs mode `m` here. */
static void verdict(const struct info *in, const struct mode_preset *m,
		    const char *backend, char *buf, size_t len)
{
	bool kernel_at_cpl3 = m->boot & BOOT_PV; /* PV: guest kernel in ring 3 */

	if (m->not_built)
		snprintf(buf, len, "not built yet: %s", m->not_built);
	else if (!strcmp(backend, "emu") && !in->emu_ok)
		snprintf(buf, len, "%s: %s", strstr(in->emu_err.msg, "not built yet") ?
						     "not built yet" : "not available",
			 in->emu_err.msg);
	else if (!strcmp(backend, "emu"))
		snprintf(buf, len, "software CPU (interpreter)");
	else
		host_kvm_verdict(&in->kvm, kernel_at_cpl3,
				 in->measured ? in->speed.ratio : 0, buf, len);
}

static void print_kvm(const struct info *in)
{
	const struct kvm_speed *s = &in->speed;

	printf("VT-x/AMD-V:  %s\n", in->hw_flags ? "yes (vmx or svm flag)" :
					       "no (neither vmx nor svm in the CPU flags)");
	printf("KVM:         %s: %s\n", host_kvm_word(in->kvm.cap), in->kvm.why);
	if (in->kvm.cap == HOST_KVM_NONE)
		return;
	if (!in->measured)
		printf("Measured:    %s\n", in->measure_err.msg);
	else
		printf("Measured:    guest kernel mode ~%.1fx native (%.2f ns vs %.2f ns per loop iteration)%s\n",
		       s->ratio, s->guest_ns_per_iter, s->native_ns_per_iter,
		       measure_disagrees(in) ? s->hw_backed ?
			" -- as fast as hardware-backed KVM, though the CPU flags say otherwise" :
			" -- as slow as emulated kernel mode, though the CPU flags say otherwise" : "");
}

static void print_features(void)
{
	printf("Features:   ");
	for (const struct host_feature *f = host_features; f->name; f++)
		if (f->guest && host_cpu_has(f->name))
			printf(" %s", f->name);
	printf("\nMissing:    ");
	for (const struct host_feature *f = host_features; f->name; f++)
		if (f->guest && !host_cpu_has(f->name))
			printf(" %s", f->name);
	printf("\n");
}

static void print_text(const struct info *in)
{
	char line[640];

	printf("Host CPU:    %s (%s), %ld CPUs\n", in->model, in->vendor, in->ncpus);
	printf("Runs on:     %s%s\n", in->hypervisor[0] ? "a hypervisor: " : "bare metal",
	       in->hypervisor);
	print_kvm(in);
	print_features();
	printf("\nModes on this host:\n");
	for (int i = 0; mode_all[i]; i++) {
		const struct mode_preset *m = mode_all[i];

		if (m->not_built) {
			printf("  %-8s not built yet: %s\n", m->name, m->not_built);
			continue;
		}
		verdict(in, m, "kvm", line, sizeof(line));
		printf("  %-8s kvm: %s\n", m->name, line);
		verdict(in, m, "emu", line, sizeof(line));
		printf("  %-8s emu: %s\n", "", line);
	}
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_kvm(const struct info *in)
{
	printf("\"kvm\":{\"capability\":\"%s\",\"usable\":%s,\"hardware_backed\":%s,\"reason\":",
	       host_kvm_word(in->kvm.cap), in->kvm.cap != HOST_KVM_NONE ? "true" : "false",
	       in->kvm.cap == HOST_KVM_FULL ? "true" : "false");
	json_str(in->kvm.why);
	if (in->measured)
		printf(",\"measured\":{\"hardware_backed\":%s,\"guest_ns_per_iter\":%.3f,"
		       "\"native_ns_per_iter\":%.3f,\"ratio\":%.1f}",
		       in->speed.hw_backed ? "true" : "false", in->speed.guest_ns_per_iter,
		       in->speed.native_ns_per_iter, in->speed.ratio);
	else if (in->kvm.cap != HOST_KVM_NONE) {
		printf(",\"measured\":null,\"measure_error\":");
		json_str(in->measure_err.msg);
	}
	printf("}");
}

static void print_json(const struct info *in)
{
	char line[640];

	printf("{\"host\":{\"cpu_model\":");
	json_str(in->model);
	printf(",\"vendor\":");
	json_str(in->vendor);
	printf(",\"hypervisor\":");
	json_str(in->hypervisor);
	printf(",\"cpus\":%ld,\"vmx_or_svm\":%s,\"features\":{", in->ncpus,
	       in->hw_flags ? "true" : "false");
	for (const struct host_feature *f = host_features; f->name; f++)
		printf("%s\"%s\":%s", f == host_features ? "" : ",", f->name,
		       host_cpu_has(f->name) ? "true" : "false");
	printf("}},");
	json_kvm(in);
	printf(",\"modes\":[");
	for (int i = 0; mode_all[i]; i++) {
		printf("%s{\"mode\":\"%s\",\"built\":%s,\"backends\":{", i ? "," : "",
		       mode_all[i]->name, mode_all[i]->not_built ? "false" : "true");
		verdict(in, mode_all[i], "kvm", line, sizeof(line));
		printf("\"kvm\":");
		json_str(line);
		verdict(in, mode_all[i], "emu", line, sizeof(line));
		printf(",\"emu\":");
		json_str(line);
		printf("}}");
	}
	printf("]}\n");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: gamut info [--json] [--no-measure] | gamut info --kvm\n\n"
		   "Prints what this host offers: the CPU and its features, what KVM can\n"
		   "run here (none: no usable /dev/kvm; user: /dev/kvm without VT-x/AMD-V,\n"
		   "guest user mode native and guest kernel mode emulated; full: hardware-\n"
		   "backed), how fast guest kernel mode runs (measured with a short CPL-0\n"
		   "loop in a tiny guest, compared with the same loop natively), and what\n"
		   "each mode runs like here on each CPU backend.\n\n"
		   "  --json        one JSON object instead of text\n"
		   "  --no-measure  skip the KVM speed measurement\n"
		   "  --kvm         only the KVM capability: one word (none, user or full)\n"
		   "                on the first line, why on the second (for scripts)\n");
}

int cmd_info(int argc, char **argv)
{
	bool json = false, measure = true, kvm_only = false;
	struct info in;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--no-measure")) {
			measure = false;
		} else if (!strcmp(argv[i], "--kvm")) {
			kvm_only = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "gamut: info: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (kvm_only) {
		struct host_kvm k;

		if (json) {
			fprintf(stderr, "gamut: info: --kvm and --json do not go together (--json has kvm.capability)\n");
			return 2;
		}
		host_kvm_probe(&k);
		printf("%s\n%s\n", host_kvm_word(k.cap), k.why);
		return 0;
	}
	memset(&in, 0, sizeof(in));
	info_gather(&in, measure);
	if (json)
		print_json(&in);
	else
		print_text(&in);
	return 0;
}
