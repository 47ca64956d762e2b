/* The guest console (see console.h).
 *
 * The console is a device class of its own at the first stage, so it lives
 * exactly as long as the VM's devices: its create() only makes an empty
 * slot, console_get() opens the console on first use (a PV guest that never
 * asks for one never touches the terminal), and destroy() restores the
 * terminal.  An atexit() hook restores it too, in case gamut leaves through
 * a path that skips vm_destroy(). */
#include "console/console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <termios.h>
#include <unistd.h>

#include "core/device.h"
#include "core/vm.h"

#define CONSOLE_ESCAPE 0x01 /* Ctrl-A */

struct console {
	struct vm *vm;
	int in_fd;  /* -1: no input */
	int out_fd; /* -1: output dropped */
	bool own_out; /* out_fd was opened here (file:PATH) */
	bool created_out; /* ... and the file did not exist before */
	bool is_tty; /* input is a terminal: raw mode and the escape key */
	bool escape; /* the last input byte was Ctrl-A */
	pthread_mutex_t out_lock;
	pthread_mutex_t in_lock;
	console_input_fn in_fn;
	void *in_opaque;
};

/* The device-class state: the console, once console_get opened it. */
struct console_slot {
	struct vm *vm;
	pthread_mutex_t lock;
	struct console *con;
};

/* One terminal per process: what to restore, for destroy and atexit. */
static struct termios tty_saved;
static int tty_fd = -1;
static bool tty_hook_set;

static void console_tty_restore(void)
{
	if (tty_fd >= 0) {
		tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
		tty_fd = -1;
	}
}

static void console_tty_raw(int fd)
{
	struct termios raw;

	if (tty_fd >= 0 || tcgetattr(fd, &tty_saved) < 0)
		return;
	raw = tty_saved;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSAFLUSH, &raw) < 0)
		return;
	tty_fd = fd;
	if (!tty_hook_set && atexit(console_tty_restore) == 0)
		tty_hook_set = true;
}

static void console_deliver(struct console *c, const uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&c->in_lock);
	if (c->in_fn && len)
		c->in_fn(c->in_opaque, buf, len);
	pthread_mutex_unlock(&c->in_lock);
}

/* Strips the escape sequences out of terminal input; Ctrl-A x quits,
 * Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A and anything else sends both. */
static size_t console_unescape(struct console *c, const uint8_t *in, size_t n,
			       uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t b = in[i];

		if (!c->escape) {
			if (b == CONSOLE_ESCAPE)
				c->escape = true;
			else
				out[o++] = b;
			continue;
		}
		c->escape = false;
		if (b == 'x' || b == 'X') {
			vm_stop(c->vm, VM_STOP_USER, 0, "quit from the console (Ctrl-A x)");
			break;
		}
		if (b != CONSOLE_ESCAPE)
			out[o++] = CONSOLE_ESCAPE;
		out[o++] = b;
	}
	return o;
}

static void console_readable(void *opaque, uint32_t events)
{
	struct console *c = opaque;
	uint8_t buf[256], out[2 * sizeof(buf)];
	ssize_t n;

	/* One read per event: stdin stays blocking (it is shared with the
	 * shell), and level-triggered epoll says a read will not block. */
	n = read(c->in_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	(void)events;
	if (n <= 0) {
		/* End of input: stop watching, never spin on it. */
		evloop_del(&c->vm->loop, c->in_fd);
		c->in_fd = -1;
		return;
	}
	if (c->is_tty)
		console_deliver(c, out, console_unescape(c, buf, (size_t)n, out));
	else
		console_deliver(c, buf, (size_t)n);
}

/* Only a controlling terminal has a foreground process group. */
static bool console_in_background(int fd)
{
	pid_t fg = tcgetpgrp(fd);

	return fg >= 0 && fg != getpgrp();
}

static int console_open(struct console *c, const struct vm_config *cfg,
			struct gerr *err)
{
	switch (cfg->console) {
	case CONSOLE_NONE:
		return 0;
	case CONSOLE_FILE:
		c->created_out = access(cfg->console_path, F_OK) != 0;
		c->out_fd = open(cfg->console_path, O_WRONLY | O_CREAT | O_APPEND |
				 O_CLOEXEC, 0644);
		if (c->out_fd < 0)
			return gerr_errno(err, errno, "--console file:%s: cannot open",
					  cfg->console_path);
		c->own_out = true;
		return 0;
	case CONSOLE_STDIO: {
		struct gerr ignored;

		c->out_fd = STDOUT_FILENO;
		c->is_tty = isatty(STDIN_FILENO);
		/* In the background, touching the terminal would stop gamut
		 * (SIGTTOU/SIGTTIN): leave it alone and take no input. */
		if (c->is_tty && console_in_background(STDIN_FILENO))
			return 0;
		if (c->is_tty)
			console_tty_raw(STDIN_FILENO);
		/* epoll refuses regular files and /dev/null: such an stdin
		 * simply gives the guest no input. */
		if (evloop_add(&c->vm->loop, STDIN_FILENO, EPOLLIN, console_readable,
			       c, &ignored) == 0)
			c->in_fd = STDIN_FILENO;
		return 0;
	}
	}
	return gerr_set(err, "console: unknown kind %d", (int)cfg->console);
}

static void console_close(struct console *c)
{
	if (c->in_fd >= 0)
		evloop_del(&c->vm->loop, c->in_fd);
	if (c->own_out)
		close(c->out_fd);
	/* A VM that never got to run leaves nothing behind, not even the
	 * console file it would have written. */
	if (c->created_out && !c->vm->created)
		unlink(c->vm->cfg.console_path);
	if (c->is_tty)
		console_tty_restore();
	pthread_mutex_destroy(&c->out_lock);
	pthread_mutex_destroy(&c->in_lock);
	free(c);
}

struct console *console_get(struct vm *vm, struct gerr *err)
{
	struct console_slot *s = device_state(vm, "console");
	struct console *c;

	if (!s) {
		gerr_set(err, "console: used before the console device was created");
		return NULL;
	}
	pthread_mutex_lock(&s->lock);
	c = s->con;
	if (c)
		goto out;
	c = calloc(1, sizeof(*c));
	if (!c) {
		gerr_set(err, "console: out of memory");
		goto out;
	}
	c->vm = vm;
	c->in_fd = c->out_fd = -1;
	pthread_mutex_init(&c->out_lock, NULL);
	pthread_mutex_init(&c->in_lock, NULL);
	if (console_open(c, &vm->cfg, err) < 0) {
		console_close(c);
		c = NULL;
		goto out;
	}
	s->con = c;
out:
	pthread_mutex_unlock(&s->lock);
	return c;
}

void console_write(struct console *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!c || c->out_fd < 0)
		return;
	pthread_mutex_lock(&c->out_lock);
	while (len > 0) {
		ssize_t n = write(c->out_fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = c->out_fd, .events = POLLOUT };

			poll(&pfd, 1, -1);
			continue;
		}
		if (n <= 0)
			break; /* the reader went away: drop the output */
		p += n;
		len -= (size_t)n;
	}
	pthread_mutex_unlock(&c->out_lock);
}

void console_attach_input(struct console *c, console_input_fn fn, void *opaque)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->in_lock);
	c->in_fn = fn;
	c->in_opaque = opaque;
	pthread_mutex_unlock(&c->in_lock);
}

static int console_create(struct vm *vm, void **state, struct gerr *err)
{
	struct console_slot *s = calloc(1, sizeof(*s));

	if (!s)
		return gerr_set(err, "out of memory");
	s->vm = vm;
	pthread_mutex_init(&s->lock, NULL);
	*state = s;
	return 0;
}

static void console_destroy(void *state)
{
	struct console_slot *s = state;

	if (!s)
		return;
	if (s->con)
		console_close(s->con);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const struct device_class console_class = {
	.name = "console",
	.stage = DEVICE_STAGE_IRQCHIP,
	.create = console_create,
	.destroy = console_destroy,
};
DEVICE_CLASS(console_class);
