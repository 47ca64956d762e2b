/* gamut info: what this host offers -- KVM and whether hardware backs it
 * (measured, not guessed from flags), the CPU and its guest-relevant
 * features, and what each mode will run like here, per CPU backend. */
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/host.h"
#include "core/mode.h"
#include "cpu/backend.h"
#include "cpu/kvm/kvm_measure.h"

struct info {
	char model[64], vendor[16], hypervisor[16];
	long ncpus;
	bool hw_flags;
	bool kvm_ok;	   /* the KVM backend's probe passed */
	struct gerr kvm_err; /* why not */
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
	in->kvm_ok = cpu_backend_kvm.probe(&in->kvm_err) == 0;
	if (in->kvm_ok && measure)
		in->measured = kvm_measure_cpl0(&in->speed, &in->measure_err) == 0;
	else if (in->kvm_ok)
		gerr_set(&in->measure_err, "not measured (--no-measure)");
	in->emu_ok = cpu_backend_emu.probe(&in->emu_err) == 0;
}

/* One line on how fast `backend` runs mode `m` here. */
static void verdict(const struct info *in, const struct mode_preset *m,
		    const char *backend, char *buf, size_t len)
{
	bool kernel_at_cpl3 = m->boot & BOOT_PV; /* PV: guest kernel in ring 3 */
	const struct gerr *why = !strcmp(backend, "kvm") ? &in->kvm_err : &in->emu_err;

	if (m->not_built)
		snprintf(buf, len, "not built yet: %s", m->not_built);
	else if (strcmp(backend, "kvm") ? !in->emu_ok : !in->kvm_ok)
		snprintf(buf, len, "%s: %s", strstr(why->msg, "not built yet") ?
						     "not built yet" : "not available",
			 why->msg);
	else if (!strcmp(backend, "emu"))
		snprintf(buf, len, "software CPU (interpreter)");
	else if (!in->measured)
		snprintf(buf, len, "runs; speed unknown (%s)", in->measure_err.msg);
	else if (in->speed.hw_backed)
		snprintf(buf, len, "native speed");
	else if (kernel_at_cpl3)
		snprintf(buf, len, "native speed (the PV guest kernel runs at CPL 3)");
	else
		snprintf(buf, len, "guest kernel mode ~%.0fx slower, use --cpu emu",
			 in->speed.ratio);
}

static void print_kvm(const struct info *in)
{
	const struct kvm_speed *s = &in->speed;

	printf("VT-x/AMD-V:  %s\n", in->hw_flags ? "yes (vmx or svm flag)" :
					       "no (neither vmx nor svm in the CPU flags)");
	if (!in->kvm_ok)
		printf("KVM:         %s\n", in->kvm_err.msg);
	else if (!in->measured)
		printf("KVM:         /dev/kvm present; %s\n", in->measure_err.msg);
	else if (s->hw_backed)
		printf("KVM:         hardware-backed (guest kernel mode ~%.1fx native: %.2f ns vs %.2f ns per loop iteration)\n",
		       s->ratio, s->guest_ns_per_iter, s->native_ns_per_iter);
	else
		printf("KVM:         not hardware-backed (kernel mode emulated, ~%.0fx slower than native: %.0f ns vs %.2f ns per loop iteration)\n",
		       s->ratio, s->guest_ns_per_iter, s->native_ns_per_iter);
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
	printf("\"kvm\":{\"usable\":%s,", in->kvm_ok ? "true" : "false");
	if (!in->kvm_ok) {
		printf("\"reason\":");
		json_str(in->kvm_err.msg);
	} else if (!in->measured) {
		printf("\"hardware_backed\":null,\"reason\":");
		json_str(in->measure_err.msg);
	} else {
		printf("\"hardware_backed\":%s,\"guest_ns_per_iter\":%.3f,"
		       "\"native_ns_per_iter\":%.3f,\"ratio\":%.1f",
		       in->speed.hw_backed ? "true" : "false", in->speed.guest_ns_per_iter,
		       in->speed.native_ns_per_iter, in->speed.ratio);
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
	fprintf(f, "usage: gamut info [--json] [--no-measure]\n\n"
		   "Prints what this host offers: the CPU and its features, whether\n"
		   "/dev/kvm exists and whether hardware backs it (measured with a short\n"
		   "CPL-0 loop in a tiny guest, compared with the same loop natively), and\n"
		   "what each mode runs like here on each CPU backend.\n\n"
		   "  --json        one JSON object instead of text\n"
		   "  --no-measure  skip the KVM speed measurement\n");
}

int cmd_info(int argc, char **argv)
{
	bool json = false, measure = true;
	struct info in;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--no-measure")) {
			measure = false;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "gamut: info: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	memset(&in, 0, sizeof(in));
	info_gather(&in, measure);
	if (json)
		print_json(&in);
	else
		print_text(&in);
	return 0;
}
