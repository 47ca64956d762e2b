#include "spectrum/plan.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/host.h"
#include "core/host_kvm.h"
#include "core/mode.h"
#include "cpu/backend.h"

/* The VM modes in spectrum order, from the most paravirtual. */
static const char *const vm_modes[] = { "pv", "pvh", "pvhvm", "hvm-pv", "hvm" };
static const char *const cpus[] = { "kvm", "emu" };

static bool file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void row_note(struct spectrum_row *r, enum row_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void row_note(struct spectrum_row *r, enum row_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->note, sizeof(r->note), fmt, ap);
	va_end(ap);
	r->status = st;
}

/* Sets the row's command: the NULL-terminated strings, copied. */
static void row_cmd(struct spectrum_row *r, ...)
{
	va_list ap;
	const char *a;
	unsigned n = 0;

	va_start(ap, r);
	while ((a = va_arg(ap, const char *)) && n < SPECTRUM_ARGS_MAX - 1)
		r->argv[n++] = strdup(a);
	va_end(ap);
	r->argv[n] = NULL;
	for (unsigned i = 0; i < n; i++)
		if (!r->argv[i])
			row_note(r, ROW_SKIPPED, "out of memory");
}

static void plan_native(struct spectrum *sp, struct spectrum_row *r)
{
	char path[PATH_MAX + 32];

	r->guest = "static binary";
	snprintf(path, sizeof(path), "%s/gamut-workload", sp->opts.bindir);
	if (!file_exists(path)) {
		row_note(r, ROW_SKIPPED, "not runnable: %.150s is missing (make)", path);
		return;
	}
	row_cmd(r, path, sp->opts.rounds, NULL);
}

/* The container's rootfs is the static workload binary alone, made once
 * so its copy is no part of any run. */
static void plan_container(struct spectrum *sp, struct spectrum_row *r)
{
	char src[PATH_MAX + 32], cmd[PATH_MAX + 128];

	r->guest = "static binary";
	snprintf(src, sizeof(src), "%s/gamut-workload", sp->opts.bindir);
	snprintf(sp->rootfs, sizeof(sp->rootfs), "/tmp/gamut-spectrum-XXXXXX");
	if (!file_exists(src) || !mkdtemp(sp->rootfs)) {
		sp->rootfs[0] = '\0';
		row_note(r, ROW_SKIPPED, "not runnable: no workload binary or temp dir");
		return;
	}
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s/gamut-workload'", src, sp->rootfs);
	if (system(cmd) != 0) {
		row_note(r, ROW_SKIPPED, "not runnable: cannot build the rootfs");
		return;
	}
	row_cmd(r, sp->opts.self, "container", "run", "--rootfs", sp->rootfs, "--",
		"/gamut-workload", sp->opts.rounds, NULL);
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

/* A temporary file for the row's --stats-file; none (no counters, the
 * times still measured) when the build's `gamut run` lacks the option. */
static void row_stats_file(struct spectrum *sp, struct spectrum_row *r)
{
	int fd;

	if (!sp->opts.stats)
		return;
	snprintf(r->stats_path, sizeof(r->stats_path), "/tmp/gamut-spectrum-stats-XXXXXX");
	fd = mkstemp(r->stats_path);
	if (fd < 0)
		r->stats_path[0] = '\0';
	else
		close(fd);
}

static void plan_vm(struct spectrum *sp, struct spectrum_row *r)
{
	const struct mode_preset *m = mode_find(r->mode);
	char kernel[PATH_MAX + 32], initrd[PATH_MAX + 32], cmdline[256];
	char why[SPECTRUM_NOTE_MAX];
	/* pv boots the kit's vmlinux as a Xen PV guest, like for like with
	 * the other rows, where that has been verified (--cpu emu); on KVM it
	 * still runs the SDK build of the workload (docs/spectrum.md). */
	bool xen = (m->boot & BOOT_PV) && !strcmp(r->cpu, "emu");
	bool pv = (m->boot & BOOT_PV) && !xen, pvh = (m->boot & BOOT_PVH) || xen;

	r->guest = pv ? "pv sdk" : pvh ? "kit vmlinux" : "kit bzImage";
	if (vm_row_blocker(m, r->cpu, why, sizeof(why))) {
		row_note(r, ROW_SKIPPED, "%s", why);
		return;
	}
	/* pv runs the SDK build of the workload, which takes its argument from
	 * the command line; pvh enters the kit's vmlinux through its PVH note;
	 * the PC modes start the bzImage's 16-bit setup code from the BIOS. */
	if (pv)
		snprintf(kernel, sizeof(kernel), "%s/gamut-workload.pv", sp->opts.bindir);
	else
		snprintf(kernel, sizeof(kernel), "%s/%s", sp->opts.kit,
			 pvh ? "vmlinux" : "bzImage");
	snprintf(initrd, sizeof(initrd), "%s/initramfs.cpio.gz", sp->opts.kit);
	if (pv && !file_exists(kernel)) {
		row_note(r, ROW_SKIPPED, "not runnable: %.150s is missing (make)", kernel);
		return;
	}
	if (!pv && (!file_exists(kernel) || !file_exists(initrd))) {
		row_note(r, ROW_SKIPPED, "not runnable: no guest kit in %.100s (make guest-kit)",
			 sp->opts.kit);
		return;
	}
	if (pv)
		snprintf(cmdline, sizeof(cmdline), "%s", sp->opts.rounds);
	else
		snprintf(cmdline, sizeof(cmdline),
			 "console=%s reboot=k panic=-1 quiet gamut.cmd=\"/bin/gamut-workload %s\"",
			 xen ? "hvc0" : "ttyS0", sp->opts.rounds);
	row_stats_file(sp, r);
	/* Without a stats file the NULL in its place ends the command. */
	if (pv)
		row_cmd(r, sp->opts.self, "run", "--mode", r->mode, "--cpu", r->cpu,
			"--kernel", kernel, "--cmdline", cmdline, "--console", "stdio",
			r->stats_path[0] ? "--stats-file" : NULL, r->stats_path, NULL);
	else
		row_cmd(r, sp->opts.self, "run", "--mode", r->mode, "--cpu", r->cpu,
			"--kernel", kernel, "--initrd", initrd, "--cmdline", cmdline,
			"--console", "stdio",
			r->stats_path[0] ? "--stats-file" : NULL, r->stats_path, NULL);
}

/* Is row `name` ("mode" or "mode:cpu") in the --rows list? */
static bool row_wanted(const char *list, const char *mode, const char *cpu)
{
	char full[32], *copy, *tok, *save = NULL;
	bool yes = false;

	if (!list)
		return true;
	snprintf(full, sizeof(full), "%s:%s", mode, cpu);
	copy = strdup(list);
	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && !yes;
	     tok = strtok_r(NULL, ",", &save))
		yes = !strcmp(tok, mode) || !strcmp(tok, full);
	free(copy);
	return yes;
}

/* Every name in the --rows list is a row. */
static int rows_check(const char *list, struct gerr *err)
{
	char *copy, *tok, *save = NULL;
	int ret = 0;

	if (!list)
		return 0;
	if (!(copy = strdup(list)))
		return gerr_set(err, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok && !ret; tok = strtok_r(NULL, ",", &save)) {
		bool known = !strcmp(tok, "native") || !strcmp(tok, "container");

		for (unsigned i = 0; i < sizeof(vm_modes) / sizeof(*vm_modes) && !known; i++)
			for (unsigned j = 0; j < 3 && !known; j++) {
				char name[32];

				snprintf(name, sizeof(name), "%s%s%s", vm_modes[i],
					 j < 2 ? ":" : "", j < 2 ? cpus[j] : "");
				known = !strcmp(tok, name);
			}
		if (!known)
			ret = gerr_set(err, "--rows: unknown row '%s' (native, container, or a mode, alone or as mode:kvm, mode:emu)",
				       tok);
	}
	free(copy);
	return ret;
}

int spectrum_plan(struct spectrum *sp, struct gerr *err)
{
	const struct spectrum_opts *o = &sp->opts;

	if (rows_check(o->rows, err) < 0)
		return -1;
	sp->nr = 0;
	sp->rootfs[0] = '\0';
	memset(sp->rows, 0, sizeof(sp->rows));
	sp->rows[sp->nr] = (struct spectrum_row){ .mode = "native", .cpu = "-" };
	plan_native(sp, &sp->rows[sp->nr++]);
	if (row_wanted(o->rows, "container", "-")) {
		sp->rows[sp->nr] = (struct spectrum_row){ .mode = "container", .cpu = "-" };
		plan_container(sp, &sp->rows[sp->nr++]);
	}
	for (unsigned i = 0; i < sizeof(vm_modes) / sizeof(*vm_modes); i++)
		for (unsigned j = 0; j < 2; j++) {
			struct spectrum_row *r = &sp->rows[sp->nr];

			if (!row_wanted(o->rows, vm_modes[i], cpus[j]))
				continue;
			*r = (struct spectrum_row){ .status = ROW_OK };
			snprintf(r->mode, sizeof(r->mode), "%s", vm_modes[i]);
			snprintf(r->cpu, sizeof(r->cpu), "%s", cpus[j]);
			plan_vm(sp, r);
			sp->nr++;
		}
	return 0;
}

void spectrum_plan_free(struct spectrum *sp)
{
	char cmd[128];

	for (unsigned i = 0; i < sp->nr; i++) {
		struct spectrum_row *r = &sp->rows[i];

		for (unsigned j = 0; r->argv[j]; j++)
			free(r->argv[j]);
		for (unsigned j = 0; j < r->runs; j++)
			counter_set_free(&r->run_counters[j]);
		if (r->stats_path[0])
			unlink(r->stats_path);
	}
	if (sp->rootfs[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sp->rootfs);
		if (system(cmd) != 0)
			sp->rootfs[0] = '\0';
	}
}

double spectrum_vs_native(const struct spectrum *sp, const struct spectrum_row *r)
{
	const struct spectrum_row *n = &sp->rows[0];

	if (!sp->nr || n->status != ROW_OK || r->status != ROW_OK || !n->runs ||
	    !r->runs || n->work.median <= 0)
		return 0;
	return r->work.median / n->work.median;
}

const char *spectrum_status_name(enum row_status s)
{
	return s == ROW_OK ? "ok" : s == ROW_SKIPPED ? "skipped" : "failed";
}
