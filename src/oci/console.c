#include "oci/console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int oci_console_connect(const char *path, struct gerr *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return gerr_set(err, "console socket path %s is too long", path);
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return gerr_errno(err, errno, "console socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		gerr_errno(err, errno, "connect to console socket %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

int oci_console_send_fd(int sock, int fd, const char *name, struct gerr *err)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { (void *)name, strlen(name) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;

	memset(cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		return gerr_errno(err, errno, "send pty master on console socket");
	return 0;
}

int oci_console_recv_fd(int sock, struct gerr *err)
{
	char cbuf[CMSG_SPACE(sizeof(int))], data[256];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0)
		return gerr_errno(err, errno, "receive on console socket");
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return gerr_set(err, "console socket: no file descriptor received");
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

int oci_console_setup(int sock, unsigned height, unsigned width,
		      struct gerr *err)
{
	int master, slave;
	struct winsize ws = { (unsigned short)height, (unsigned short)width, 0, 0 };

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return gerr_errno(err, errno, "open /dev/ptmx in the container");
	if (unlockpt(master)) {
		close(master);
		return gerr_errno(err, errno, "unlockpt");
	}
	/* TIOCGPTPEER opens the slave without a path lookup that the
	 * container's /dev could redirect. */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0) {
		close(master);
		return gerr_errno(err, errno, "open pty slave");
	}
	if (height && width)
		ioctl(slave, TIOCSWINSZ, &ws);
	if (oci_console_send_fd(sock, master, "/dev/ptmx", err)) {
		close(master);
		close(slave);
		return -1;
	}
	close(master);
	setsid();
	if (ioctl(slave, TIOCSCTTY, 0) < 0) {
		close(slave);
		return gerr_errno(err, errno, "make the pty the controlling terminal");
	}
	if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) {
		close(slave);
		return gerr_errno(err, errno, "pty as stdio");
	}
	if (slave > 2)
		close(slave);
	return 0;
}
