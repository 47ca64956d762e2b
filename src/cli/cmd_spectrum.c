/* gamut spectrum: the same workload natively, in a container and in every
 * VM mode this build runs on this host; one table of what each point costs. */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/host_kvm.h"
#include "core/mode.h"
#include "cpu/backend.h"
#include "spectrum/runner.h"

#define NOTE_MAX 200

struct row {
	const char *mode;
	const char *cpu; /* "-" for native and container */
	bool ran;
	struct run_result res;
	char note[NOTE_MAX];
};

struct spectrum_opts {
	char self[PATH_MAX];	 /* this gamut binary */
	char bindir[PATH_MAX];	 /* where gamut-workload(.pv) live */
	const char *kit;	 /* vmlinux + initramfs from guest/kit */
	const char *rounds;
	unsigned timeout_s;
};

static bool file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void run_row(struct row *r, char *const argv[], unsigned timeout_s)
{
	struct gerr err = { "" };

	if (spectrum_run(argv, timeout_s, &r->res, &err) < 0) {
		snprintf(r->note, NOTE_MAX, "failed: %s", err.msg);
		return;
	}
	r->ran = true;
}

static void row_native(struct row *r, const struct spectrum_opts *o)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/gamut-workload", o->bindir);
	if (!file_exists(path)) {
		snprintf(r->note, NOTE_MAX, "not runnable: %.150s is missing (make)", path);
		return;
	}
	run_row(r, (char *const[]){ path, (char *)o->rounds, NULL }, o->timeout_s);
}

/* The container row runs the static workload binary as its rootfs's only file. */
static void row_container(struct row *r, const struct spectrum_opts *o)
{
	char rootfs[] = "/tmp/gamut-spectrum-XXXXXX", dst[64], src[PATH_MAX + 32];
	char cmd[PATH_MAX * 2 + 64];

	snprintf(src, sizeof(src), "%s/gamut-workload", o->bindir);
	if (!file_exists(src) || !mkdtemp(rootfs)) {
		snprintf(r->note, NOTE_MAX, "not runnable: no workload binary or temp dir");
		return;
	}
	snprintf(dst, sizeof(dst), "%s/gamut-workload", rootfs);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, dst);
	if (system(cmd) != 0) {
		snprintf(r->note, NOTE_MAX, "not runnable: cannot build the rootfs");
	} else {
		run_row(r, (char *const[]){ (char *)o->self, "container", "run",
					    "--rootfs", rootfs, "--",
					    "/gamut-workload", (char *)o->rounds, NULL },
			o->timeout_s);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rootfs);
	if (system(cmd) != 0)
		snprintf(r->note, NOTE_MAX, "cannot remove %s", rootfs);
}

/* Why a VM row cannot run here, or NULL when it can. */
static const char *vm_row_blocker(const struct mode_preset *m, const char *cpu,
				  char *buf, size_t n)
{
	const struct cpu_backend *b = cpu_backend_find(cpu);
	struct gerr err = { "" };
	struct host_kvm kvm;

	if (m->not_built) {
		snprintf(buf, n, "not built yet: %s", m->not_built);
		return buf;
	}
	if (b != &cpu_backend_kvm) {
		if (b->probe(&err) < 0) {
			snprintf(buf, n, "not runnable here: %s", err.msg);
			return buf;
		}
		return NULL;
	}
	/* Only a PV guest (kernel at CPL 3) runs fast on a KVM that is not
	 * hardware-backed. */
	host_kvm_probe(&kvm);
	if (kvm.cap == HOST_KVM_NONE) {
		snprintf(buf, n, "not runnable here: %.170s", kvm.why);
		return buf;
	}
	if (!host_kvm_native(&kvm, m->boot & BOOT_PV)) {
		snprintf(buf, n, "skipped: KVM here is not hardware-backed (guest kernel mode emulated, thousands of times slower; see gamut info)");
		return buf;
	}
	return NULL;
}

static void row_vm(struct row *r, const struct mode_preset *m,
		   const struct spectrum_opts *o)
{
	char kernel[PATH_MAX + 32], initrd[PATH_MAX + 32], cmdline[256];
	char why[NOTE_MAX];

	if (vm_row_blocker(m, r->cpu, why, sizeof(why))) {
		snprintf(r->note, NOTE_MAX, "%s", why);
		return;
	}
	if (m->boot & BOOT_PV) {
		snprintf(kernel, sizeof(kernel), "%s/gamut-workload.pv", o->bindir);
		if (!file_exists(kernel)) {
			snprintf(r->note, NOTE_MAX, "not runnable: %.150s is missing", kernel);
			return;
		}
		/* The PV image takes its argument from the command line. */
		run_row(r, (char *const[]){ (char *)o->self, "run", "--mode", "pv",
					    "--cpu", (char *)r->cpu, "--kernel", kernel,
					    "--cmdline", (char *)o->rounds,
					    "--console", "stdio", NULL },
			o->timeout_s);
		return;
	}
	/* pvh enters vmlinux through its PVH note; the PC modes start the
	 * bzImage's 16-bit setup code from gamut's BIOS. */
	snprintf(kernel, sizeof(kernel), "%s/%s", o->kit,
		 (m->boot & BOOT_PVH) ? "vmlinux" : "bzImage");
	snprintf(initrd, sizeof(initrd), "%s/initramfs.cpio.gz", o->kit);
	if (!file_exists(kernel) || !file_exists(initrd)) {
		snprintf(r->note, NOTE_MAX, "not runnable: no guest kit in %s (make guest-kit)", o->kit);
		return;
	}
	snprintf(cmdline, sizeof(cmdline),
		 "console=ttyS0 reboot=k panic=-1 quiet gamut.cmd=\"/bin/gamut-workload %s\"",
		 o->rounds);
	run_row(r, (char *const[]){ (char *)o->self, "run", "--mode", (char *)m->name,
				    "--cpu", (char *)r->cpu, "--kernel", kernel,
				    "--initrd", initrd, "--cmdline", cmdline,
				    "--console", "stdio", NULL },
		o->timeout_s);
}

static void fmt_ms(char *buf, size_t n, double ms)
{
	if (ms >= 10000)
		snprintf(buf, n, "%.1fs", ms / 1000);
	else
		snprintf(buf, n, "%.1fms", ms);
}

static void print_table(const struct row *rows, unsigned nr)
{
	const struct row *native = &rows[0];

	printf("\n%-10s %-4s %12s %12s %10s  %s\n", "mode", "cpu", "to workload",
	       "workload", "vs native", "notes");
	for (unsigned i = 0; i < nr; i++) {
		const struct row *r = &rows[i];
		char a[32] = "-", b[32] = "-", ratio[32] = "-";

		if (r->ran) {
			fmt_ms(a, sizeof(a), r->res.to_start_ms);
			fmt_ms(b, sizeof(b), r->res.work_ms);
			if (native->ran && native->res.work_ms > 0)
				snprintf(ratio, sizeof(ratio), "%.2fx",
					 r->res.work_ms / native->res.work_ms);
		}
		printf("%-10s %-4s %12s %12s %10s  %s\n", r->mode, r->cpu, a, b,
		       ratio, r->note);
	}
	printf("\n'to workload' is from starting the command to the workload's first line\n"
	       "(boot included); 'workload' is the same integer job everywhere, timed\n"
	       "on the host; 'vs native' divides it by the native run. One run each: use\n"
	       "`make bench` for medians.\n");
}

static int parse_opts(int argc, char **argv, struct spectrum_opts *o, struct gerr *err)
{
	static const struct option opts[] = {
		{ "kit", required_argument, NULL, 'k' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	ssize_t n = readlink("/proc/self/exe", o->self, sizeof(o->self) - 1);
	char *slash;
	int c;

	if (n < 0)
		return gerr_set(err, "spectrum: cannot find the gamut binary");
	o->self[n] = '\0';
	snprintf(o->bindir, sizeof(o->bindir), "%s", o->self);
	slash = strrchr(o->bindir, '/');
	if (slash)
		*slash = '\0';
	o->kit = "build/kit";
	o->rounds = "2000";
	o->timeout_s = 300;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': o->kit = optarg; break;
		case 'r':
			if (atoi(optarg) <= 0)
				return gerr_set(err, "--rounds %s: expected a positive number", optarg);
			o->rounds = optarg;
			break;
		case 't':
			if (atoi(optarg) <= 0)
				return gerr_set(err, "--timeout %s: expected seconds", optarg);
			o->timeout_s = (unsigned)atoi(optarg);
			break;
		case 'h': return 1;
		default:
			return gerr_set(err, "spectrum: unknown option '%s'", argv[optind - 1]);
		}
	}
	return 0;
}

int cmd_spectrum(int argc, char **argv)
{
	static const char *const order[] = { "pv", "pvh", "pvhvm", "hvm-pv", "hvm" };
	static const char *const cpus[] = { "kvm", "emu" };
	struct spectrum_opts o;
	struct row rows[2 + 10];
	struct gerr err = { "" };
	unsigned nr = 0;
	int ret = parse_opts(argc, argv, &o, &err);

	if (ret == 1) {
		printf("usage: gamut spectrum [--kit DIR] [--rounds N] [--timeout S]\n\n"
		       "Runs the workload (workload/workload.c) natively, in a container and in\n"
		       "every VM mode on both CPU backends, and prints one table.\n\n"
		       "  --kit DIR      the guest kit for the Linux modes (default build/kit)\n"
		       "  --rounds N     workload rounds in every row (default 2000)\n"
		       "  --timeout S    seconds before a row is given up (default 300)\n");
		return 0;
	}
	if (ret < 0)
		return cli_fail(&err);
	memset(rows, 0, sizeof(rows));
	rows[nr++] = (struct row){ .mode = "native", .cpu = "-" };
	rows[nr++] = (struct row){ .mode = "container", .cpu = "-" };
	for (unsigned i = 0; i < 5; i++)
		for (unsigned j = 0; j < 2; j++)
			rows[nr++] = (struct row){ .mode = order[i], .cpu = cpus[j] };
	for (unsigned i = 0; i < nr; i++) {
		fprintf(stderr, "[%u/%u] %s%s%s ...\n", i + 1, nr, rows[i].mode,
			rows[i].cpu[0] == '-' ? "" : " on ",
			rows[i].cpu[0] == '-' ? "" : rows[i].cpu);
		if (i == 0)
			row_native(&rows[i], &o);
		else if (i == 1)
			row_container(&rows[i], &o);
		else
			row_vm(&rows[i], mode_find(rows[i].mode), &o);
		if (rows[i].ran && rows[0].ran &&
		    strcmp(rows[i].res.checksum, rows[0].res.checksum))
			snprintf(rows[i].note, NOTE_MAX, "WRONG RESULT %s (native %s)",
				 rows[i].res.checksum, rows[0].res.checksum);
	}
	print_table(rows, nr);
	return 0;
}
