/* gamut run: parse options, build the VM, run it, report why it stopped. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/host_kvm.h"
#include "xenpv/xen_dev.h"
#include "core/stats_report.h"
#include "core/vm.h"
#include "debug/gdb_stub.h"
#include "jail/jail.h"
#include "net/hostfwd.h"

#define DEFAULT_CMDLINE "console=ttyS0 reboot=k panic=-1 quiet"

void cli_run_usage(FILE *f)
{
	fprintf(f,
"usage: gamut run [options] --kernel FILE\n"
"       gamut run --mode hvm|hvm-pv|pvhvm [options] --disk FILE\n"
"                 (no --kernel: the BIOS boots the first disk's MBR)\n"
"\n"
"  --mode MODE         pvh (default), pv, hvm, hvm-pv, pvhvm (see `gamut modes`)\n"
"  --cpu kvm|emu       CPU backend (default: kvm where KVM is hardware-backed,\n"
"                      or for --mode pv wherever /dev/kvm works; emu\n"
"                      otherwise; see `gamut info`)\n"
"  --kernel FILE       the guest: vmlinux (PVH note), bzImage, or a PV image\n"
"  --initrd FILE       initial ramdisk\n"
"  --cmdline STR       kernel command line\n"
"                      (default: \"" DEFAULT_CMDLINE "\")\n"
"  --mem MiB           guest RAM in MiB (default 256)\n"
"  --cpus N            number of vCPUs (default 1)\n"
"  --disk [NAME=]PATH[,ro|,rw][,iops=N][,bw=N][,iops_burst=N][,bw_burst=N]\n"
"                      raw disk image (,ro: read-only; ,rw: writable, the\n"
"                      default); repeatable; iops/bw: rate limits below\n"
"  --net [NAME=]tap:IFNAME[,bw=N][,pps=N]...\n"
"                      a NIC on the host's TAP device IFNAME; repeatable\n"
"  --net [NAME=]user[,hostfwd=RULE]...[,bw=N][,pps=N]...\n"
"                      a NIC on user-mode networking (slirp, no root needed;\n"
"                      the guest is 10.0.2.15/24); repeatable\n"
"  --console stdio|none|file:PATH\n"
"                      where the serial console goes (default stdio)\n"
"  --hugepages         back guest RAM with 2 MiB pages\n"
"  --trace             print each executed instruction (--cpu emu only)\n"
"  --no-jit            --cpu emu: interpret every instruction, compile no\n"
"                      block to host code (for comparison and debugging)\n"
"  --gdb PORT          GDB remote stub on 127.0.0.1:PORT; the guest waits for\n"
"                      gdb to attach before its first instruction\n"
"  --seccomp=kill|log|off\n"
"                      each thread's system call allow-list once the VM is\n"
"                      built: kill (default) ends gamut naming a forbidden\n"
"                      call (exit status 159), log only logs it, off\n"
"                      installs none (docs/sandbox.md)\n"
"  --user USER[:GROUP] run the VM as USER after setup (as root); every\n"
"                      capability is dropped either way\n"
"  --jail DIR          run the VMM jailed (as root): new mount, PID, IPC and\n"
"                      UTS namespaces (and network, without --net or --gdb),\n"
"                      only the VM's own files under DIR as its root, a\n"
"                      cgroup with memory and CPU limits (docs/jail.md)\n"
"  --jail-cpus N       the jail's CPU quota in cores (default: --cpus + 1)\n"
"  --jail-mem-overhead MIB\n"
"                      the jail's memory limit over --mem (default 256)\n"
"  --stats             at the end, print gamut's own counters for the run to\n"
"                      stderr (VM exits, instructions, device accesses...)\n"
"  --stats-file FILE   write them to FILE as JSON Lines: one record at the\n"
"                      end, one more at each SIGUSR1 (docs/stats.md)\n"
"\n"
"NAME= names the device in a PV guest's manifest (--mode pv).\n"
"Rate limits (token buckets; docs/devices.md): iops=N requests and bw=N\n"
"bytes per second for a disk, pps=N frames and bw=N bytes per second each\n"
"way for a NIC; bw takes k, m, g (KiB, MiB, GiB).  The burst is one\n"
"second's worth unless iops_burst=, pps_burst= or bw_burst= says otherwise.\n"
"hostfwd=RULE forwards a host port to the guest, in QEMU's syntax:\n"
"  [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT\n"
"  HOSTADDR defaults to 127.0.0.1 (QEMU's default is every address: give\n"
"  0.0.0.0 for that), GUESTADDR to 10.0.2.15.\n"
"\n"
"On an interactive console, Ctrl-A then x quits.\n"
"\n"
"Exit status (README.md has the table):\n"
"  0      the guest powered off or rebooted, Ctrl-A x, or gdb's kill\n"
"  N      --mode pv: the guest's exit(N); a test guest's debug-exit port\n"
"  1      gamut could not start the guest, or its CPU crashed (triple\n"
"         fault): one line \"gamut: <reason>\" says which\n"
"  4      the guest kernel panicked (pvpanic), whatever its panic= says\n"
"  6      it panicked with a crash kernel loaded, which then ran to its end\n");
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_net(struct vm_config *cfg, char *arg, struct gerr *err)
{
	struct net_config *n;
	const char *comma, *eq;
	char *spec, whole[300];

	if (cfg->nr_nets >= CONFIG_MAX_NETS)
		return gerr_set(err, "--net: at most %d interfaces", CONFIG_MAX_NETS);
	n = &cfg->net[cfg->nr_nets];
	snprintf(whole, sizeof(whole), "%s", arg);
	/* "user,hostfwd=..." has an '=' but no name: names hold no ','. */
	comma = strchr(arg, ',');
	eq = strchr(arg, '=');
	if (comma && eq && comma < eq)
		spec = arg;
	else
		spec = (char *)config_split_name(arg, &n->name);
	if (config_parse_net_limits(n, spec, whole, err) < 0)
		return -1;
	if (!strcmp(spec, "user") || !strncmp(spec, "user,", 5)) {
		struct hostfwd_set fwd;

		n->kind = NET_USER;
		n->user_opts = spec + 4;
		/* Parsed again by the backend; here to fail before the VM is built. */
		if (hostfwd_parse_opts(n->user_opts, &fwd, err) < 0)
			return gerr_prefix(err, "--net: ");
	} else if (!strncmp(spec, "tap:", 4) && spec[4]) {
		n->kind = NET_TAP;
		n->ifname = spec + 4;
	} else {
		return gerr_set(err, "--net %s: expected tap:IFNAME or user[,hostfwd=RULE]...", spec);
	}
	cfg->nr_nets++;
	return 0;
}

static int parse_console(struct vm_config *cfg, const char *arg, struct gerr *err)
{
	if (!strcmp(arg, "stdio"))
		cfg->console = CONSOLE_STDIO;
	else if (!strcmp(arg, "none"))
		cfg->console = CONSOLE_NONE;
	else if (!strncmp(arg, "file:", 5) && arg[5]) {
		cfg->console = CONSOLE_FILE;
		cfg->console_path = arg + 5;
	} else
		return gerr_set(err, "--console %s: expected stdio, none or file:PATH", arg);
	return 0;
}

enum { OPT_MODE = 256, OPT_CPU, OPT_KERNEL, OPT_INITRD, OPT_CMDLINE, OPT_MEM,
       OPT_CPUS, OPT_DISK, OPT_NET, OPT_CONSOLE, OPT_HUGE, OPT_TRACE, OPT_GDB,
       OPT_NO_JIT, OPT_SECCOMP, OPT_USER, OPT_JAIL, OPT_JAIL_CPUS, OPT_JAIL_MEM,
       OPT_STATS, OPT_STATS_FILE };

static const struct option run_opts[] = {
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "net", required_argument, NULL, OPT_NET },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "hugepages", no_argument, NULL, OPT_HUGE },
	{ "trace", no_argument, NULL, OPT_TRACE },
	{ "no-jit", no_argument, NULL, OPT_NO_JIT },
	{ "gdb", required_argument, NULL, OPT_GDB },
	{ "seccomp", required_argument, NULL, OPT_SECCOMP },
	{ "user", required_argument, NULL, OPT_USER },
	{ "jail", required_argument, NULL, OPT_JAIL },
	{ "jail-cpus", required_argument, NULL, OPT_JAIL_CPUS },
	{ "jail-mem-overhead", required_argument, NULL, OPT_JAIL_MEM },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "stats-file", required_argument, NULL, OPT_STATS_FILE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cli_parse_run(int argc, char **argv, struct vm_config *cfg, struct gerr *err)
{
	uint64_t v;
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = mode_find("pvh");
	cfg->cmdline = DEFAULT_CMDLINE;
	cfg->mem_bytes = 256ull << 20;
	cfg->ncpus = 1;
	cfg->console = CONSOLE_STDIO;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", run_opts, NULL)) != -1) {
		switch (c) {
		case OPT_MODE:
			cfg->mode = mode_find(optarg);
			if (!cfg->mode)
				return gerr_set(err, "--mode %s: unknown mode (pvh, pv, hvm, hvm-pv, pvhvm)", optarg);
			break;
		case OPT_CPU:
			if (strcmp(optarg, "kvm") && strcmp(optarg, "emu"))
				return gerr_set(err, "--cpu %s: expected kvm or emu", optarg);
			cfg->cpu = optarg;
			break;
		case OPT_KERNEL: cfg->kernel = optarg; break;
		case OPT_INITRD: cfg->initrd = optarg; break;
		case OPT_CMDLINE: cfg->cmdline = optarg; break;
		case OPT_MEM:
			if (parse_u64(optarg, 1u << 20, &v) < 0 || v < 16)
				return gerr_set(err, "--mem %s: expected MiB between 16 and 1048576", optarg);
			cfg->mem_bytes = v << 20;
			break;
		case OPT_CPUS:
			if (parse_u64(optarg, VM_MAX_CPUS, &v) < 0 || v < 1)
				return gerr_set(err, "--cpus %s: expected 1 to %d", optarg, VM_MAX_CPUS);
			cfg->ncpus = (unsigned)v;
			break;
		case OPT_DISK:
			if (config_parse_disk(cfg, optarg, err) < 0)
				return -1;
			break;
		case OPT_NET:
			if (parse_net(cfg, optarg, err) < 0)
				return -1;
			break;
		case OPT_CONSOLE:
			if (parse_console(cfg, optarg, err) < 0)
				return -1;
			break;
		case OPT_HUGE: cfg->hugepages = true; break;
		case OPT_TRACE: cfg->trace = true; break;
		case OPT_NO_JIT: cfg->no_jit = true; break;
		case OPT_GDB:
			if (parse_u64(optarg, 65535, &v) < 0 || v < 1)
				return gerr_set(err, "--gdb %s: expected a TCP port, 1-65535", optarg);
			cfg->gdb_port = (int)v;
			break;
		case OPT_SECCOMP:
			if (sandbox_parse_seccomp(optarg, &cfg->sandbox.seccomp, err) < 0)
				return -1;
			break;
		case OPT_USER:
			cfg->sandbox.user = optarg;
			break;
		case OPT_JAIL: cfg->jail_dir = optarg; break;
		case OPT_JAIL_CPUS:
			if (parse_u64(optarg, 1024, &v) < 0 || v < 1)
				return gerr_set(err, "--jail-cpus %s: expected 1 to 1024 cores", optarg);
			cfg->jail_cpus = (unsigned)v;
			break;
		case OPT_JAIL_MEM:
			if (parse_u64(optarg, 1u << 20, &v) < 0 || v < 16)
				return gerr_set(err, "--jail-mem-overhead %s: expected MiB between 16 and 1048576", optarg);
			cfg->jail_mem_overhead = v << 20;
			break;
		case OPT_STATS: cfg->stats = true; break;
		case OPT_STATS_FILE:
			if (!*optarg)
				return gerr_set(err, "--stats-file: expected a file name");
			cfg->stats_file = optarg;
			break;
		case 'h':
			return 1;
		default:
			return gerr_set(err, "run: unknown or incomplete option '%s' (see gamut run --help)",
					argv[optind - 1]);
		}
	}
	if (optind < argc)
		return gerr_set(err, "run: unexpected argument '%s'", argv[optind]);
	/* A BIOS mode can boot the first disk's MBR instead of a kernel. */
	if (!cfg->kernel && !(cfg->mode->boot & BOOT_BIOS))
		return gerr_set(err, "run: --kernel FILE is required (see gamut run --help)");
	if (!cfg->kernel && !cfg->nr_disks)
		return gerr_set(err, "run: --mode %s boots --kernel FILE or the MBR of --disk FILE: give one",
				cfg->mode->name);
	if (!cfg->cpu) {
		struct host_kvm kvm;

		/* The backend that will not crawl here: KVM where it runs the
		 * mode at native speed, which for PV (kernel at CPL 3) needs
		 * no VT-x/AMD-V. */
		host_kvm_probe(&kvm);
		cfg->cpu = host_kvm_native(&kvm, cfg->mode->boot & BOOT_PV) ? "kvm" : "emu";
		/* Xen PV guests have been run on the software CPU only so far
		 * (docs/xen-pv.md): KVM only when asked for. */
		if ((cfg->mode->boot & BOOT_PV) && xen_kernel_file_detect(cfg->kernel))
			cfg->cpu = "emu";
	}
	if (cfg->mode->not_built)
		return gerr_set(err, "--mode %s: not built yet: %s", cfg->mode->name,
				cfg->mode->not_built);
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct vm_config cfg;
	struct gerr err = { "" }, serr = { "" };
	struct gdb_stub *gdb = NULL;
	struct stats_report rep;
	struct vm *vm;
	int ret, status;

	ret = cli_parse_run(argc, argv, &cfg, &err);
	if (ret == 1) {
		cli_run_usage(stdout);
		return 0;
	}
	if (ret < 0)
		return cli_fail(&err);
	/* No thread exists yet: every one inherits this SIGUSR1 mask. */
	stats_report_signals(cfg.stats || cfg.stats_file);
	/* Opened before the sandbox and the jail, which forbid it after. */
	if (stats_report_open(&rep, cfg.stats, cfg.stats_file, &err) < 0)
		return cli_fail(&err);
	for (unsigned i = 0; i < cfg.nr_nets; i++)
		if (cfg.net[i].kind == NET_USER)
			cfg.sandbox.host_dns = true;
	/* Before any thread exists (src/sandbox/sandbox.h gives the order). */
	if (sandbox_configure(&cfg.sandbox, &err) < 0)
		return cli_fail(&err);
	/* After the sandbox has resolved --user and read the time zone: the
	 * jail holds neither /etc/passwd nor /etc/localtime. */
	if (cfg.jail_dir) {
		/* 1: the supervisor, once the jailed gamut has ended */
		ret = jail_enter(&cfg, &status, &err);
		if (ret < 0 || ret == 1)
			stats_report_finish(&rep, stderr, &serr);
		if (ret < 0)
			return cli_fail(&err);
		if (ret == 1)
			return status;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		stats_report_finish(&rep, stderr, &serr);
		gerr_set(&err, "out of memory");
		return cli_fail(&err);
	}
	if (vm_create(vm, &cfg, &err) < 0)
		goto fail;
	if ((cfg.stats || cfg.stats_file) &&
	    stats_report_watch(&rep, &vm->stats, &vm->loop, &err) < 0)
		goto fail;
	if (cfg.gdb_port) {
		gdb = gdb_stub_start(vm, cfg.gdb_port, &err);
		if (!gdb)
			goto fail;
		fprintf(stderr, "gamut: waiting for gdb on 127.0.0.1:%d "
			"(gdb -ex 'target remote :%d')\n", cfg.gdb_port, cfg.gdb_port);
	}
	/* Every file, socket and device is open: no privilege is needed
	 * from here on. */
	if (sandbox_lockdown(&err) < 0)
		goto fail;
	err.msg[0] = '\0';
	ret = vm_run(vm, &err);
	/* The vCPUs have stopped: the counts are exact, and the counters
	 * still there until vm_destroy. */
	stats_report_end(&rep);
	gdb_stub_finish(gdb, ret);
	vm_destroy(vm);
	free(vm);
	/* After the guest's output and the console's restore; a failed
	 * record is reported but leaves the guest's status alone. */
	if (stats_report_finish(&rep, stderr, &serr) < 0)
		cli_fail(&serr);
	if (ret != 0 && err.msg[0])
		cli_fail(&err);
	return ret;

fail:
	/* Threads parked for the sandbox go on, only to be joined. */
	sandbox_cancel();
	gdb_stub_finish(gdb, 1);
	vm_destroy(vm);
	free(vm);
	stats_report_finish(&rep, stderr, &serr);
	return cli_fail(&err);
}
