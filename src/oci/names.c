/* Name tables: namespaces, rlimits, capabilities and signals, as the
 * runtime spec and the runc command line spell them. */
#include <ctype.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "oci/config.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct { const char *name; int type; } ns_names[] = {
	{ "pid", CLONE_NEWPID },     { "network", CLONE_NEWNET },
	{ "mount", CLONE_NEWNS },    { "ipc", CLONE_NEWIPC },
	{ "uts", CLONE_NEWUTS },     { "user", CLONE_NEWUSER },
	{ "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

int oci_ns_type(const char *name)
{
	for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++)
		if (!strcmp(ns_names[i].name, name))
			return ns_names[i].type;
	return -1;
}

const char *oci_ns_name(int type)
{
	for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++)
		if (ns_names[i].type == type)
			return ns_names[i].name;
	return "?";
}

static const struct { const char *name; int type; } rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS },	    { "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },	    { "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },   { "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },     { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },   { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

int oci_rlimit_type(const char *name)
{
	for (size_t i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++)
		if (!strcmp(rlimit_names[i].name, name))
			return rlimit_names[i].type;
	return -1;
}

/* Index is the capability number (linux/capability.h). */
static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

int oci_cap_count(void)
{
	return (int)(sizeof(cap_names) / sizeof(cap_names[0]));
}

int oci_cap_number(const char *name)
{
	for (int i = 0; i < oci_cap_count(); i++)
		if (!strcasecmp(cap_names[i], name))
			return i;
	return -1;
}

const char *oci_cap_name(int num)
{
	return num >= 0 && num < oci_cap_count() ? cap_names[num] : NULL;
}

static const struct { const char *name; int sig; } sig_names[] = {
	{ "HUP", SIGHUP },   { "INT", SIGINT },	  { "QUIT", SIGQUIT },
	{ "ILL", SIGILL },   { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
	{ "IOT", SIGIOT },   { "BUS", SIGBUS },	  { "FPE", SIGFPE },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },
	{ "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },
	{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM },
	{ "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
	{ "POLL", SIGPOLL }, { "PWR", SIGPWR },	  { "SYS", SIGSYS },
};

int oci_signal_parse(const char *s)
{
	char *end;
	long n;

	if (!s || !*s)
		return -1;
	if (isdigit((unsigned char)*s)) {
		n = strtol(s, &end, 10);
		return *end || n < 1 || n > SIGRTMAX ? -1 : (int)n;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(sig_names) / sizeof(sig_names[0]); i++)
		if (!strcasecmp(sig_names[i].name, s))
			return sig_names[i].sig;
	if (!strncasecmp(s, "RTMIN", 5) || !strncasecmp(s, "RTMAX", 5)) {
		int base = toupper((unsigned char)s[4]) == 'N' ? SIGRTMIN : SIGRTMAX;
		int sign = s[5] == '-' ? -1 : 1;

		if (!s[5])
			return base;
		if (s[5] != '+' && s[5] != '-')
			return -1;
		n = strtol(s + 6, &end, 10);
		if (*end || n < 0 || base + sign * n < SIGRTMIN ||
		    base + sign * n > SIGRTMAX)
			return -1;
		return base + sign * (int)n;
	}
	return -1;
}
