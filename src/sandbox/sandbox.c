/* The sandbox's sequence (sandbox.h): the policy, the gate that holds
 * threads started during setup until the main thread has dropped
 * privileges, and each thread's entry into its own filter. */
#include "sandbox/sandbox_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum gate_state { GATE_CLOSED, GATE_OPEN, GATE_CANCELLED };

static struct {
	bool configured;
	bool test_hook;
	struct sandbox_policy policy; /* user: not kept (resolved into id) */
	struct sandbox_id id;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum gate_state gate;
} sb = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static const char *const role_names[SANDBOX_NR_ROLES] = {
	[SANDBOX_VCPU] = "vcpu",
	[SANDBOX_IO] = "io",
	[SANDBOX_EVLOOP] = "event-loop",
	[SANDBOX_GDB] = "gdb",
};

const char *sandbox_role_name(enum sandbox_role role)
{
	return (unsigned)role < SANDBOX_NR_ROLES ? role_names[role] : "?";
}

int sandbox_parse_seccomp(const char *arg, enum sandbox_seccomp *out,
			  struct gerr *err)
{
	if (!strcmp(arg, "kill") || !strcmp(arg, "on"))
		*out = SANDBOX_SECCOMP_KILL;
	else if (!strcmp(arg, "log"))
		*out = SANDBOX_SECCOMP_LOG;
	else if (!strcmp(arg, "off"))
		*out = SANDBOX_SECCOMP_OFF;
	else
		return gerr_set(err, "--seccomp=%s: expected kill, log or off", arg);
	return 0;
}

bool sandbox_test_hook(void)
{
	return sb.test_hook;
}

int sandbox_configure(const struct sandbox_policy *p, struct gerr *err)
{
	const char *hook = getenv("GAMUT_TEST_SECCOMP_HOOK");

	if (p->user && caps_resolve_user(p->user, &sb.id, err) < 0)
		return -1;
	if (caps_drop_bounding(err) < 0)
		return -1;
	if (p->seccomp != SANDBOX_SECCOMP_OFF && trap_install(err) < 0)
		return -1;
	/* glibc reads the time zone file (/etc/localtime) on the first time
	 * conversion of the process, even gmtime_r's: the RTC's first read
	 * would otherwise open a file under the vCPU's filter. */
	tzset();
	sb.policy = *p;
	sb.policy.user = NULL;
	sb.test_hook = hook && !strcmp(hook, "1");
	sb.gate = GATE_CLOSED;
	sb.configured = true;
	return 0;
}

static void gate_set(enum gate_state to)
{
	pthread_mutex_lock(&sb.lock);
	sb.gate = to;
	pthread_cond_broadcast(&sb.cond);
	pthread_mutex_unlock(&sb.lock);
}

int sandbox_lockdown(struct gerr *err)
{
	if (!sb.configured)
		return 0;
	if (sb.id.set && caps_switch_user(&sb.id, err) < 0)
		return -1;
	/* no_new_privs on the main thread now: the vCPU threads it creates
	 * next inherit it along with the empty capability sets. */
	if (caps_clear_thread(err) < 0)
		return -1;
	gate_set(GATE_OPEN);
	return 0;
}

void sandbox_cancel(void)
{
	if (sb.configured)
		gate_set(GATE_CANCELLED);
}

int sandbox_enter(enum sandbox_role role, struct gerr *err)
{
	enum gate_state g;

	if (!sb.configured)
		return 0;
	pthread_mutex_lock(&sb.lock);
	while (sb.gate == GATE_CLOSED)
		pthread_cond_wait(&sb.cond, &sb.lock);
	g = sb.gate;
	pthread_mutex_unlock(&sb.lock);
	if (g == GATE_CANCELLED)
		return 0; /* setup failed: this thread is only waiting to be joined */
	if (caps_clear_thread(err) < 0)
		return gerr_prefix(err, "sandbox (%s thread): ", sandbox_role_name(role));
	if (sb.policy.seccomp == SANDBOX_SECCOMP_OFF)
		return 0;
	trap_set_role(role);
	if (filter_load(role, &sb.policy, err) < 0)
		return gerr_prefix(err, "sandbox (%s thread): ", sandbox_role_name(role));
	return 0;
}
