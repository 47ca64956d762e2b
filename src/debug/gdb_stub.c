/* The GDB stub's threads and sockets: one stub thread serves the gdb
 * connection; vCPU threads park in stub_trap while gdb holds the VM.
 *
 * All-stop: when one vCPU traps (breakpoint, step, or the pause that an
 * attach or Ctrl-C asks for), every other vCPU is asked to pause too, and
 * gdb gets the stop reply only once all of them are parked.  Registers are
 * then copied into the session (gdb_cmd.c works on that copy), and written
 * back to the vCPUs that gdb changed just before they resume. */
#include "debug/gdb_stub.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/vm.h"
#include "debug/gdb_cmd.h"
#include "debug/gdb_proto.h"
#include "sandbox/sandbox.h"

struct gdb_stub {
	struct vm *vm;
	int listen_fd, conn_fd, wake_fd;
	pthread_t thread;
	bool thread_started;

	/* Shared with the vCPU threads, under `lock`. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stopping;	  /* gathering every vCPU into its trap */
	bool interrupted; /* the stop came from gdb's Ctrl-C */
	int first_cpu;	  /* the vCPU whose event started the stop, or -1 */
	enum debug_event first_ev;
	unsigned first_wp; /* for DEBUG_EV_WATCH: which watchpoint */
	unsigned parked;
	bool in_trap[VM_MAX_CPUS];
	bool go[VM_MAX_CPUS]; /* released, not yet out of its trap */
	bool finished;	      /* the VM ended (gdb_stub_finish) */
	int exit_status;

	/* The stub thread's own. */
	struct gdb_session sess;
	struct x86_state regs[VM_MAX_CPUS];
	bool dirty[VM_MAX_CPUS];
	struct x86_fpu fpu[VM_MAX_CPUS];
	bool fpu_valid[VM_MAX_CPUS], fpu_dirty[VM_MAX_CPUS];
	struct gdb_rx rx;
	char reply[GDB_PACKET_SIZE + 1];
	char frame[2 * GDB_PACKET_SIZE + 8];
	size_t frame_len;
};

static void wake_stub(struct gdb_stub *s)
{
	uint64_t one = 1;

	if (write(s->wake_fd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow in practice; nothing to do. */
	}
}

/* Under lock: ask every vCPU that is not parked (or is leaving) to trap. */
static void pause_others(struct gdb_stub *s)
{
	for (unsigned i = 0; i < s->vm->ncpus; i++)
		if (!s->in_trap[i] || s->go[i])
			s->vm->backend->vcpu_debug_pause(&s->vm->vcpu[i]);
}

/* The backend's trap callback, on the vCPU's thread. */
static bool stub_trap(void *opaque, struct vcpu *v, enum debug_event ev,
		      unsigned wp)
{
	struct gdb_stub *s = opaque;
	unsigned i = (unsigned)v->index;

	pthread_mutex_lock(&s->lock);
	if (ev == DEBUG_EV_PAUSE && !s->stopping) {
		/* A pause asked for a stop that is over already. */
		pthread_mutex_unlock(&s->lock);
		return false;
	}
	s->in_trap[i] = true; /* before pause_others: not this vCPU */
	s->parked++;
	if (!s->stopping) {
		s->stopping = true;
		pause_others(s);
	}
	if (s->first_cpu < 0) {
		s->first_cpu = (int)i;
		s->first_ev = ev;
		s->first_wp = wp;
	}
	wake_stub(s);
	/* Timed: a VM stopped by someone else (its exit, Ctrl-A x) must not
	 * leave the thread here, and vm_stop knows nothing of this wait. */
	while (!s->go[i] && !vm_should_stop(s->vm)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&s->cond, &s->lock, &ts);
	}
	s->go[i] = false;
	s->in_trap[i] = false;
	s->parked--;
	pthread_mutex_unlock(&s->lock);
	return true;
}

static bool all_stopped(struct gdb_stub *s)
{
	bool ok;

	pthread_mutex_lock(&s->lock);
	ok = s->stopping && s->parked == s->vm->ncpus;
	for (unsigned i = 0; ok && i < s->vm->ncpus; i++)
		ok = !s->go[i];
	pthread_mutex_unlock(&s->lock);
	return ok;
}

static void request_stop(struct gdb_stub *s, bool interrupt)
{
	pthread_mutex_lock(&s->lock);
	if (!s->stopping) {
		s->stopping = true;
		s->interrupted = interrupt;
		pause_others(s);
	}
	pthread_mutex_unlock(&s->lock);
}

/* The debug_ctl every vCPU gets; `step` for one of them. */
static struct debug_ctl ctl_for(struct gdb_stub *s, bool enabled, bool step)
{
	struct debug_ctl c = { .enabled = enabled, .step = step,
			       .trap = stub_trap, .opaque = s };

	if (enabled) {
		c.nr_bp = s->sess.nr_bp;
		memcpy(c.bp, s->sess.bp, sizeof(c.bp));
		c.nr_wp = s->sess.nr_wp;
		memcpy(c.wp, s->sess.wp, sizeof(c.wp));
	}
	return c;
}

static int set_debug_all(struct gdb_stub *s, bool enabled, int step_cpu,
			 struct gerr *err)
{
	for (unsigned i = 0; i < s->vm->ncpus; i++) {
		struct debug_ctl c = ctl_for(s, enabled, (int)i == step_cpu);

		if (s->vm->backend->vcpu_set_debug(&s->vm->vcpu[i], &c, err) < 0)
			return -1;
	}
	return 0;
}

static uint64_t linear_rip(const struct x86_state *st)
{
	return (st->efer & X86_EFER_LMA) && st->seg[X86_CS].l
		       ? st->rip
		       : (st->seg[X86_CS].base + st->rip) & 0xffffffffull;
}

/* Every vCPU is parked: copy their state for gdb and describe the stop. */
static void capture_stop(struct gdb_stub *s)
{
	struct gdb_session *g = &s->sess;
	struct gerr err;
	enum debug_event ev;
	unsigned wp;

	pthread_mutex_lock(&s->lock);
	ev = s->first_ev;
	wp = s->first_wp;
	/* A pause (attach, Ctrl-C) is no vCPU's doing: keep gdb on the
	 * thread it had (vCPU 0 at first) rather than whichever parked
	 * first. */
	if (s->first_cpu >= 0 && ev != DEBUG_EV_PAUSE)
		g->stop_cpu = (unsigned)s->first_cpu;
	g->stop_signal = ev == DEBUG_EV_PAUSE && s->interrupted ? 2 : 5;
	pthread_mutex_unlock(&s->lock);
	for (unsigned i = 0; i < s->vm->ncpus; i++) {
		if (s->vm->backend->vcpu_get_state(&s->vm->vcpu[i], &s->regs[i], &err) < 0)
			memset(&s->regs[i], 0, sizeof(s->regs[i]));
		s->dirty[i] = false;
		s->fpu_valid[i] = s->vm->backend->vcpu_get_fpu &&
				  s->vm->backend->vcpu_get_fpu(&s->vm->vcpu[i],
							       &s->fpu[i], &err) == 0;
		s->fpu_dirty[i] = false;
	}
	g->stop_bp_kind = -1;
	g->stop_wp_type = -1;
	/* The list gdb sees is the one the vCPUs ran with: no Z/z packet
	 * is read while they run. */
	if (ev == DEBUG_EV_WATCH && wp < g->nr_wp) {
		g->stop_wp_type = (int)g->wp[wp].type;
		g->stop_wp_addr = g->wp[wp].addr;
	}
	for (unsigned i = 0; ev == DEBUG_EV_BREAK && i < g->nr_bp; i++)
		if (g->bp[i] == linear_rip(&s->regs[g->stop_cpu]))
			g->stop_bp_kind = (int)g->bp_kind[i];
	g->g_cpu = g->stop_cpu;
	g->c_cpu = -1;
}

/* Releases the vCPUs as gdb asked: all (continue, detach, kill) or the
 * stepping one only. */
static void resume(struct gdb_stub *s, enum gdb_action act)
{
	struct gerr err;
	int step = act == GDB_ACT_STEP ? (int)s->sess.step_cpu : -1;

	for (unsigned i = 0; i < s->vm->ncpus; i++) {
		if (s->dirty[i])
			s->vm->backend->vcpu_set_state(&s->vm->vcpu[i], &s->regs[i], &err);
		if (s->fpu_dirty[i] && s->vm->backend->vcpu_set_fpu)
			s->vm->backend->vcpu_set_fpu(&s->vm->vcpu[i], &s->fpu[i], &err);
	}
	if (act == GDB_ACT_KILL)
		vm_stop(s->vm, VM_STOP_USER, 0, "killed by gdb");
	set_debug_all(s, act == GDB_ACT_CONTINUE || act == GDB_ACT_STEP, step, &err);
	pthread_mutex_lock(&s->lock);
	s->stopping = false;
	s->interrupted = false;
	s->first_cpu = -1;
	for (unsigned i = 0; i < s->vm->ncpus; i++)
		if (s->in_trap[i] && (step < 0 || (int)i == step))
			s->go[i] = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_packet(struct gdb_stub *s, const char *payload, size_t len)
{
	s->frame_len = gdb_frame(payload, len, s->frame, sizeof(s->frame));
	return send_all(s->conn_fd, s->frame, s->frame_len);
}

static bool is_finished(struct gdb_stub *s)
{
	bool f;

	pthread_mutex_lock(&s->lock);
	f = s->finished;
	pthread_mutex_unlock(&s->lock);
	return f;
}

/* Waits for input on fd or a wake-up; returns 1 for input, 0 for a
 * wake-up (drained), -1 on error. */
static int wait_input(struct gdb_stub *s, int fd)
{
	struct pollfd p[2] = { { fd, POLLIN, 0 }, { s->wake_fd, POLLIN, 0 } };
	uint64_t v;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p[1].revents & POLLIN) {
			if (read(s->wake_fd, &v, sizeof(v)) < 0) {
				/* Drained by an earlier read: fine. */
			}
			return 0;
		}
		if (p[0].revents)
			return 1;
	}
}

enum serve_state { SERVE_STOPPED, SERVE_RUNNING, SERVE_DONE };

/* One packet from gdb; returns the state that follows. */
static enum serve_state on_packet(struct gdb_stub *s, enum serve_state st)
{
	struct gdb_session *g = &s->sess;
	size_t n;

	if (send_all(s->conn_fd, "+", 1) < 0)
		return SERVE_DONE;
	if (st != SERVE_STOPPED)
		return st; /* all-stop: gdb only sends 0x03 while running */
	n = gdb_handle(g, s->rx.buf, s->rx.len, s->reply, sizeof(s->reply));
	switch (g->action) {
	case GDB_ACT_NONE:
		return send_packet(s, s->reply, n) < 0 ? SERVE_DONE : st;
	case GDB_ACT_CONTINUE:
	case GDB_ACT_STEP:
		resume(s, g->action);
		return SERVE_RUNNING;
	case GDB_ACT_DETACH:
		send_packet(s, s->reply, n);
		resume(s, GDB_ACT_DETACH);
		return SERVE_DONE;
	case GDB_ACT_KILL:
		resume(s, GDB_ACT_KILL);
		return SERVE_DONE;
	}
	return st;
}

static enum serve_state on_bytes(struct gdb_stub *s, enum serve_state st,
				 const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len && st != SERVE_DONE; i++) {
		switch (gdb_rx_feed(&s->rx, buf[i])) {
		case GDB_RX_PACKET:
			st = on_packet(s, st);
			break;
		case GDB_RX_BAD:
			if (send_all(s->conn_fd, "-", 1) < 0)
				st = SERVE_DONE;
			break;
		case GDB_RX_NACK:
			if (s->frame_len && send_all(s->conn_fd, s->frame, s->frame_len) < 0)
				st = SERVE_DONE;
			break;
		case GDB_RX_INTERRUPT:
			if (st == SERVE_RUNNING)
				request_stop(s, true);
			break;
		default:
			break;
		}
	}
	return st;
}

/* Serves one gdb connection until it detaches, kills, goes away or the VM
 * ends.  The vCPUs are (being) stopped when it starts. */
static void serve(struct gdb_stub *s)
{
	enum serve_state st = SERVE_RUNNING;
	bool announce = false; /* the first stop is answered by '?' */
	uint8_t buf[4096];

	gdb_rx_init(&s->rx);
	s->frame_len = 0;
	while (st != SERVE_DONE) {
		int r;

		if (is_finished(s)) {
			int n = snprintf(s->reply, sizeof(s->reply), "W%02x",
					 s->exit_status & 0xff);

			send_packet(s, s->reply, (size_t)n);
			return;
		}
		if (st == SERVE_RUNNING && all_stopped(s)) {
			capture_stop(s);
			st = SERVE_STOPPED;
			if (announce) {
				size_t n = gdb_stop_reply(&s->sess, s->reply, sizeof(s->reply));

				if (send_packet(s, s->reply, n) < 0)
					break;
			}
			announce = true;
			continue;
		}
		r = wait_input(s, s->conn_fd);
		if (r < 0)
			break;
		if (r > 0) {
			ssize_t n = recv(s->conn_fd, buf, sizeof(buf), 0);

			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				break; /* gdb went away: as a detach */
			}
			st = on_bytes(s, st, buf, (size_t)n);
		}
	}
	if (st != SERVE_DONE) {
		/* Let the guest go on without a debugger, as after 'D'. */
		request_stop(s, false);
		while (!all_stopped(s) && !is_finished(s) && !vm_should_stop(s->vm))
			wait_input(s, -1);
		resume(s, GDB_ACT_DETACH);
	}
}

static void *stub_main(void *arg)
{
	struct gdb_stub *s = arg;
	struct gerr err;

	/* gdb's packets are parsed only under this thread's own filter. */
	if (sandbox_enter(SANDBOX_GDB, &err) < 0) {
		vm_stop(s->vm, VM_STOP_CRASH, 1, "--gdb: %s", err.msg);
		return NULL;
	}

	/* Finished is looked at before each wait too: a VM that ended while
	 * gdb was attached woke serve(), which drained the wake-up. */
	while (!is_finished(s)) {
		int r = wait_input(s, s->listen_fd);

		if (is_finished(s) || r < 0)
			break;
		if (!r)
			continue;
		s->conn_fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (s->conn_fd < 0)
			continue;
		setsockopt(s->conn_fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
			   sizeof(int));
		/* A later attach finds the VM running: stop it first.  It
		 * inserts its own breakpoints (an earlier gdb that went away
		 * without removing its own leaves none behind). */
		s->sess.nr_bp = s->sess.nr_wp = 0;
		request_stop(s, false);
		serve(s);
		close(s->conn_fd);
		s->conn_fd = -1;
	}
	return NULL;
}

static int listen_on(int port, struct gerr *err)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return gerr_errno(err, errno, "--gdb: socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0) {
		int e = errno;

		close(fd);
		return gerr_errno(err, e, "--gdb: cannot listen on 127.0.0.1:%d", port);
	}
	return fd;
}

static void stub_free(struct gdb_stub *s)
{
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

struct gdb_stub *gdb_stub_start(struct vm *vm, int port, struct gerr *err)
{
	struct gdb_stub *s;

	if (!vm->backend->vcpu_set_debug || !vm->backend->vcpu_debug_pause) {
		gerr_set(err, "--gdb: not built yet for --cpu %s", vm->backend->name);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		gerr_set(err, "--gdb: out of memory");
		return NULL;
	}
	s->vm = vm;
	s->conn_fd = -1;
	s->first_cpu = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->sess = (struct gdb_session){ .mem = &vm->mem, .ncpus = vm->ncpus,
					.regs = s->regs, .dirty = s->dirty,
					.fpu = s->fpu, .fpu_valid = s->fpu_valid,
					.fpu_dirty = s->fpu_dirty,
					.max_wp = vm->backend->debug_max_wp,
					.c_cpu = -1, .stop_bp_kind = -1,
					.stop_wp_type = -1, .stop_signal = 5 };
	s->listen_fd = -1;
	s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->wake_fd < 0)
		gerr_errno(err, errno, "--gdb: eventfd");
	else
		s->listen_fd = listen_on(port, err);
	if (s->listen_fd < 0 || set_debug_all(s, true, -1, err) < 0) {
		stub_free(s);
		return NULL;
	}
	/* Hold every vCPU before its first instruction until gdb attaches. */
	request_stop(s, false);
	if (pthread_create(&s->thread, NULL, stub_main, s)) {
		gerr_set(err, "--gdb: cannot start the stub thread");
		stub_free(s);
		return NULL;
	}
	s->thread_started = true;
	return s;
}

void gdb_stub_finish(struct gdb_stub *s, int status)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->finished = true;
	s->exit_status = status;
	pthread_mutex_unlock(&s->lock);
	wake_stub(s);
	if (s->thread_started)
		pthread_join(s->thread, NULL);
	stub_free(s);
}
