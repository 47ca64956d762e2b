/* The user-mode backend: libslirp (4.7) gives the guest a NATed
 * 10.0.2.0/24 network (gateway 10.0.2.2, DNS 10.0.2.3, DHCP from
 * 10.0.2.15) with no privileges.  Host port forwarding (hostfwd.h) makes
 * slirp listen on host sockets and connect each accepted peer to a guest
 * port; the guest sees such peers coming from the gateway 10.0.2.2.
 *
 * libslirp is not thread-safe, so every call into it runs on the event-loop
 * thread: frames the guest sends from a vCPU thread are queued and the loop
 * is woken.  Slirp's sockets, its timer deadline and that wake-up fd live in
 * a private epoll set, which itself sits in the VM's event loop; when it
 * fires we do one slirp_pollfds_poll / slirp_pollfds_fill round. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "net/hostfwd.h"
#include "net/net.h"

#define SLIRP_TXQ_MAX 256

/* The user network (and what the guest sees of it). */
#define SLIRP_NETWORK	 "10.0.2.0"
#define SLIRP_NETMASK	 "255.255.255.0"
#define SLIRP_GATEWAY	 "10.0.2.2"
#define SLIRP_DNS	 "10.0.2.3"
#define SLIRP_DHCP_START "10.0.2.15" /* the first lease: hostfwd's default */

struct slirp_timer {
	SlirpTimerCb cb;
	void *cb_opaque;
	int64_t expire_ms; /* -1: not armed */
	struct slirp_timer *next;
};

struct slirp_frame {
	size_t len;
	uint8_t data[];
};

struct nslirp {
	struct net_backend *nb;
	Slirp *slirp;
	int epfd;    /* private set: slirp sockets, timerfd, txfd */
	int timerfd;
	int txfd;    /* eventfd: frames queued, or slirp asked for a round */
	struct pollfd *pfd; /* what the last fill asked for */
	unsigned npfd, cap;
	struct slirp_timer *timers;
	pthread_mutex_t txlock;
	struct slirp_frame *txq[SLIRP_TXQ_MAX];
	unsigned txhead, txcount;
};

static int64_t slirp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --- callbacks libslirp makes (all on the loop thread) --- */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct nslirp *s = opaque;

	net_deliver(s->nb, buf, len);
	return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	/* Guest misbehaviour is the guest's business; nothing below the CLI
	 * prints, and slirp has already dropped the packet. */
	(void)msg;
	(void)opaque;
}

static int64_t cb_clock_get_ns(void *opaque)
{
	(void)opaque;
	return slirp_now_ns();
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct nslirp *s = opaque;
	struct slirp_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cb = cb;
	t->cb_opaque = cb_opaque;
	t->expire_ms = -1;
	t->next = s->timers;
	s->timers = t;
	return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
	struct nslirp *s = opaque;

	for (struct slirp_timer **p = &s->timers; *p; p = &(*p)->next) {
		if (*p == timer) {
			*p = (*p)->next;
			free(timer);
			return;
		}
	}
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	(void)opaque;
	((struct slirp_timer *)timer)->expire_ms = expire_ms;
}

static void cb_register_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void cb_notify(void *opaque)
{
	struct nslirp *s = opaque;
	uint64_t one = 1;

	if (write(s->txfd, &one, sizeof(one)) < 0)
		return; /* already set */
}

static const SlirpCb slirp_callbacks = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_new = cb_timer_new,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_register_poll_fd,
	.unregister_poll_fd = cb_register_poll_fd,
	.notify = cb_notify,
};

/* --- the poll round --- */

static int cb_add_poll(int fd, int events, void *opaque)
{
	struct nslirp *s = opaque;
	short ev = 0;

	if (s->npfd == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 16;
		struct pollfd *p = realloc(s->pfd, cap * sizeof(*p));

		if (!p)
			return -1;
		s->pfd = p;
		s->cap = cap;
	}
	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	s->pfd[s->npfd] = (struct pollfd){ .fd = fd, .events = ev };
	return (int)s->npfd++;
}

static int cb_get_revents(int idx, void *opaque)
{
	struct nslirp *s = opaque;
	short r;
	int ev = 0;

	if (idx < 0 || (unsigned)idx >= s->npfd)
		return 0;
	r = s->pfd[idx].revents;
	if (r & POLLIN)
		ev |= SLIRP_POLL_IN;
	if (r & POLLOUT)
		ev |= SLIRP_POLL_OUT;
	if (r & POLLPRI)
		ev |= SLIRP_POLL_PRI;
	if (r & POLLERR)
		ev |= SLIRP_POLL_ERR;
	if (r & POLLHUP)
		ev |= SLIRP_POLL_HUP;
	return ev;
}

/* Mirrors the last fill into the private epoll set. */
static void slirp_watch(struct nslirp *s, bool add)
{
	for (unsigned i = 0; i < s->npfd; i++) {
		struct epoll_event ev = { .events = 0 };

		if (s->pfd[i].events & POLLIN)
			ev.events |= EPOLLIN;
		if (s->pfd[i].events & POLLOUT)
			ev.events |= EPOLLOUT;
		if (s->pfd[i].events & POLLPRI)
			ev.events |= EPOLLPRI;
		if (add)
			epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->pfd[i].fd, &ev);
		else
			epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->pfd[i].fd, NULL);
	}
}

/* Runs expired timers; returns the earliest remaining deadline (ms) or -1. */
static int64_t slirp_run_timers(struct nslirp *s)
{
	int64_t now = slirp_now_ns() / 1000000, next = -1;
	bool again = true;

	while (again) { /* a callback may re-arm or free timers */
		again = false;
		for (struct slirp_timer *t = s->timers; t; t = t->next) {
			if (t->expire_ms >= 0 && t->expire_ms <= now) {
				t->expire_ms = -1;
				t->cb(t->cb_opaque);
				again = true;
				break;
			}
		}
	}
	for (struct slirp_timer *t = s->timers; t; t = t->next)
		if (t->expire_ms >= 0 && (next < 0 || t->expire_ms < next))
			next = t->expire_ms;
	return next;
}

static void slirp_fill(struct nslirp *s)
{
	uint32_t timeout = 1000; /* ms; slirp lowers it for its TCP timers */
	int64_t next, deadline;
	struct itimerspec its = { 0 };

	s->npfd = 0;
	slirp_pollfds_fill(s->slirp, &timeout, cb_add_poll, s);
	slirp_watch(s, true);
	deadline = slirp_now_ns() / 1000000 + timeout;
	next = slirp_run_timers(s);
	if (next >= 0 && next < deadline)
		deadline = next;
	its.it_value.tv_sec = deadline / 1000;
	its.it_value.tv_nsec = (deadline % 1000) * 1000000;
	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;
	timerfd_settime(s->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void slirp_input_queued(struct nslirp *s)
{
	for (;;) {
		struct slirp_frame *f = NULL;

		pthread_mutex_lock(&s->txlock);
		if (s->txcount) {
			f = s->txq[s->txhead];
			s->txhead = (s->txhead + 1) % SLIRP_TXQ_MAX;
			s->txcount--;
		}
		pthread_mutex_unlock(&s->txlock);
		if (!f)
			return;
		slirp_input(s->slirp, f->data, (int)f->len);
		free(f);
	}
}

/* One round: consume wake-ups, feed queued frames, poll, refill. */
static void slirp_round(void *opaque, uint32_t events)
{
	struct nslirp *s = opaque;
	uint64_t n;
	int err;

	(void)events;
	if (read(s->txfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	if (read(s->timerfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	slirp_input_queued(s);
	err = s->npfd ? poll(s->pfd, s->npfd, 0) : 0;
	slirp_watch(s, false);
	slirp_pollfds_poll(s->slirp, err < 0, cb_get_revents, s);
	slirp_fill(s);
}

/* --- the backend interface --- */

static int slirp_send(struct net_backend *nb, const struct iovec *iov,
		      unsigned nr)
{
	struct nslirp *s = nb->priv;
	struct slirp_frame *f;
	size_t len = 0, off = 0;
	uint64_t one = 1;

	for (unsigned i = 0; i < nr; i++)
		len += iov[i].iov_len;
	if (len > NET_FRAME_MAX)
		return -1;
	f = malloc(sizeof(*f) + len);
	if (!f)
		return -1;
	f->len = len;
	for (unsigned i = 0; i < nr; i++) {
		memcpy(f->data + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	pthread_mutex_lock(&s->txlock);
	if (s->txcount == SLIRP_TXQ_MAX) {
		pthread_mutex_unlock(&s->txlock);
		free(f);
		return -1;
	}
	s->txq[(s->txhead + s->txcount++) % SLIRP_TXQ_MAX] = f;
	pthread_mutex_unlock(&s->txlock);
	if (write(s->txfd, &one, sizeof(one)) < 0)
		return 0; /* counter saturated: the loop is due anyway */
	return 0;
}

static void slirp_free(struct nslirp *s)
{
	if (s->slirp)
		slirp_cleanup(s->slirp); /* frees its timers through our hooks */
	while (s->timers)
		cb_timer_free(s->timers, s);
	for (unsigned i = 0; i < s->txcount; i++)
		free(s->txq[(s->txhead + i) % SLIRP_TXQ_MAX]);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->timerfd >= 0)
		close(s->timerfd);
	if (s->txfd >= 0)
		close(s->txfd);
	pthread_mutex_destroy(&s->txlock);
	free(s->pfd);
	free(s);
}

static void slirp_close(struct net_backend *nb)
{
	struct nslirp *s = nb->priv;

	if (!s)
		return;
	evloop_del(nb->loop, s->epfd);
	slirp_free(s);
	nb->priv = NULL;
}

static const struct net_backend_ops slirp_ops = {
	.send = slirp_send,
	.close = slirp_close,
};

static Slirp *slirp_start(struct nslirp *s)
{
	SlirpConfig cfg = { .version = 1 };

	cfg.in_enabled = true;
	inet_pton(AF_INET, SLIRP_NETWORK, &cfg.vnetwork);
	inet_pton(AF_INET, SLIRP_NETMASK, &cfg.vnetmask);
	inet_pton(AF_INET, SLIRP_GATEWAY, &cfg.vhost);
	inet_pton(AF_INET, SLIRP_DHCP_START, &cfg.vdhcp_start);
	inet_pton(AF_INET, SLIRP_DNS, &cfg.vnameserver);
	cfg.vhostname = "gamut";
	return slirp_new(&cfg, &slirp_callbacks, s);
}

/* A forwarded connection must end at a guest on the user network, not at
 * slirp's own gateway or DNS addresses, nor at the network or broadcast. */
static int slirp_check_guest(struct in_addr guest, const char *rule, struct gerr *err)
{
	struct in_addr net, mask, gw, dns;
	char a[INET_ADDRSTRLEN];

	inet_pton(AF_INET, SLIRP_NETWORK, &net);
	inet_pton(AF_INET, SLIRP_NETMASK, &mask);
	inet_pton(AF_INET, SLIRP_GATEWAY, &gw);
	inet_pton(AF_INET, SLIRP_DNS, &dns);
	inet_ntop(AF_INET, &guest, a, sizeof(a));
	if ((guest.s_addr & mask.s_addr) != net.s_addr)
		return gerr_set(err, "%s: guest address %s is outside the user network "
			       SLIRP_NETWORK "/24", rule, a);
	if (guest.s_addr == net.s_addr || guest.s_addr == (net.s_addr | ~mask.s_addr) ||
	    guest.s_addr == gw.s_addr || guest.s_addr == dns.s_addr)
		return gerr_set(err, "%s: guest address %s is slirp's own, not a guest's",
				rule, a);
	return 0;
}

/* Opens a host listening socket for each rule (before the guest runs, so
 * a port that is taken fails `gamut run` at once). */
static int slirp_forward(struct nslirp *s, const char *opts, struct gerr *err)
{
	struct hostfwd_set set;
	struct in_addr first;
	char where[48], rule[128];

	if (hostfwd_parse_opts(opts, &set, err) < 0)
		return -1;
	inet_pton(AF_INET, SLIRP_DHCP_START, &first);
	for (unsigned i = 0; i < set.nr; i++) {
		const struct hostfwd_rule *r = &set.rule[i];
		struct in_addr guest = r->guest_addr.s_addr ? r->guest_addr : first;
		char ga[INET_ADDRSTRLEN];

		hostfwd_format_host(r, where, sizeof(where));
		inet_ntop(AF_INET, &guest, ga, sizeof(ga));
		snprintf(rule, sizeof(rule), "hostfwd %s -> %s:%u", where, ga, r->guest_port);
		if (slirp_check_guest(guest, rule, err) < 0)
			return -1;
		errno = 0;
		if (slirp_add_hostfwd(s->slirp, r->udp, r->host_addr, r->host_port,
				      guest, r->guest_port) < 0) {
			if (errno)
				return gerr_errno(err, errno, "cannot listen on %s (hostfwd to %s:%u)",
						  where, ga, r->guest_port);
			return gerr_set(err, "cannot listen on %s (hostfwd to %s:%u)", where, ga,
					r->guest_port);
		}
	}
	return 0;
}

static int slirp_fds(struct nslirp *s, struct gerr *err)
{
	struct epoll_event ev = { .events = EPOLLIN };

	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	s->txfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->epfd < 0 || s->timerfd < 0 || s->txfd < 0)
		return gerr_errno(err, errno, "cannot create event fds");
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->timerfd, &ev) < 0 ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->txfd, &ev) < 0)
		return gerr_errno(err, errno, "epoll_ctl");
	return 0;
}

int net_slirp_open(struct net_backend *nb, const char *opts, struct gerr *err)
{
	struct nslirp *s = calloc(1, sizeof(*s));

	if (!s)
		return gerr_set(err, "out of memory");
	s->nb = nb;
	s->epfd = s->timerfd = s->txfd = -1;
	pthread_mutex_init(&s->txlock, NULL);
	if (slirp_fds(s, err) < 0) {
		slirp_free(s);
		return -1;
	}
	s->slirp = slirp_start(s);
	if (!s->slirp) {
		slirp_free(s);
		return gerr_set(err, "libslirp refused the " SLIRP_NETWORK "/24 network");
	}
	if (slirp_forward(s, opts, err) < 0) {
		slirp_free(s);
		return -1;
	}
	if (evloop_add(nb->loop, s->epfd, EPOLLIN, slirp_round, s, err) < 0) {
		slirp_free(s);
		return -1;
	}
	nb->priv = s;
	nb->ops = &slirp_ops;
	slirp_fill(s);
	return 0;
}
