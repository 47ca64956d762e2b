/* oci/inroot.h: paths an image controls resolve inside its root.  Each
 * case is a symlink a hostile image could ship (tests/integration/
 * oci_escapes.sh has the whole-runtime exploits). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../harness.h"
#include "oci/inroot.h"

/* A scratch "host" with a rootfs inside it:
 *   host/outside/          what the image must not reach
 *   host/root/dev -> host/outside (absolute), up -> ../../.. ,
 *   host/root/dangling -> /made/here, host/root/file */
struct scratch {
	char host[64], root[80], outside[80];
	int rootfd;
};

static int scratch_make(struct scratch *s)
{
	char p[PATH_MAX];

	snprintf(s->host, sizeof(s->host), "/tmp/gamut-inroot.XXXXXX");
	if (!mkdtemp(s->host))
		return -1;
	snprintf(s->root, sizeof(s->root), "%s/root", s->host);
	snprintf(s->outside, sizeof(s->outside), "%s/outside", s->host);
	if (mkdir(s->root, 0755) || mkdir(s->outside, 0755))
		return -1;
	snprintf(p, sizeof(p), "%s/dev", s->root);
	if (symlink(s->outside, p))
		return -1;
	snprintf(p, sizeof(p), "%s/up", s->root);
	if (symlink("../../..", p))
		return -1;
	snprintf(p, sizeof(p), "%s/dangling", s->root);
	if (symlink("/made/here", p))
		return -1;
	snprintf(p, sizeof(p), "%s/file", s->root);
	close(open(p, O_WRONLY | O_CREAT, 0644));
	s->rootfd = open(s->root, O_PATH | O_DIRECTORY);
	return s->rootfd < 0 ? -1 : 0;
}

static void scratch_free(struct scratch *s)
{
	char cmd[128];

	close(s->rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", s->host);
	if (system(cmd))
		fprintf(stderr, "  could not remove %s\n", s->host);
}

static int outside_empty(const struct scratch *s)
{
	char p[PATH_MAX];
	int n = 0;

	for (const char *const *e = (const char *const[]){ "null", "pts", "x",
							     "ptmx", NULL };
	     *e; e++) {
		struct stat st;

		snprintf(p, sizeof(p), "%s/%s", s->outside, *e);
		n += !lstat(p, &st);
	}
	return n == 0;
}

/* The inode fd refers to is the one at host path p. */
static int same_file(int fd, const char *p)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(p, &b) && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

/* fd (which it closes) is open and refers to host path want. */
static int lands_on(int fd, const char *want)
{
	int ok = fd >= 0 && same_file(fd, want);

	if (fd >= 0)
		close(fd);
	return ok;
}

TEST(oci_inroot_absolute_symlink_stays_in_root)
{
	struct scratch s;
	char want[PATH_MAX];

	if (scratch_make(&s))
		SKIP("cannot make a scratch tree in /tmp");
	/* /dev -> <host>/outside: followed as <root><host>/outside. */
	snprintf(want, sizeof(want), "%s%s/pts", s.root, s.outside);
	CHECK(lands_on(oci_inroot_mkdir_p(s.rootfd, "/dev/pts", 0755), want));
	snprintf(want, sizeof(want), "%s%s/null", s.root, s.outside);
	CHECK(lands_on(oci_inroot_target(s.rootfd, "/dev/null", 1), want));
	CHECK(outside_empty(&s));
	scratch_free(&s);
}

TEST(oci_inroot_dotdot_and_relative_links_stop_at_root)
{
	struct scratch s;
	char want[PATH_MAX];

	if (scratch_make(&s))
		SKIP("cannot make a scratch tree in /tmp");
	snprintf(want, sizeof(want), "%s/x", s.root);
	CHECK(lands_on(oci_inroot_mkdir_p(s.rootfd, "/up/x", 0755), want));
	CHECK(lands_on(oci_inroot_mkdir_p(s.rootfd, "../../../../x", 0755), want));
	CHECK(lands_on(oci_inroot_open(s.rootfd, "/up/up/..", O_PATH), s.root));
	CHECK(outside_empty(&s));
	scratch_free(&s);
}

TEST(oci_inroot_dangling_link_is_made_inside)
{
	struct scratch s;
	char want[PATH_MAX];

	if (scratch_make(&s))
		SKIP("cannot make a scratch tree in /tmp");
	snprintf(want, sizeof(want), "%s/made/here/sub", s.root);
	CHECK(lands_on(oci_inroot_mkdir_p(s.rootfd, "/dangling/sub", 0755), want));
	scratch_free(&s);
}

TEST(oci_inroot_bad_paths_refused)
{
	struct scratch s;
	char base[16], longname[NAME_MAX + 8];

	if (scratch_make(&s))
		SKIP("cannot make a scratch tree in /tmp");
	CHECK(oci_inroot_parent(s.rootfd, "/a/..", base, sizeof(base)) == -1 &&
	      errno == EINVAL);
	CHECK(oci_inroot_parent(s.rootfd, "/", base, sizeof(base)) == -1 &&
	      errno == EINVAL);
	CHECK(oci_inroot_parent(s.rootfd, "/a/waytoolongforbase", base,
				sizeof(base)) == -1 && errno == ENAMETOOLONG);
	/* A file where a directory must be. */
	CHECK(oci_inroot_mkdir_p(s.rootfd, "/file/sub", 0755) == -1 &&
	      errno == ENOTDIR);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK(oci_inroot_mkdir_p(s.rootfd, longname, 0755) == -1);
	/* /proc/self/... magic links are not followed. */
	{
		int proc = open("/proc", O_PATH | O_DIRECTORY);

		CHECK(proc < 0 || oci_inroot_open(proc, "self/root/etc",
						  O_PATH) == -1);
		if (proc >= 0)
			close(proc);
	}
	CHECK(outside_empty(&s));
	scratch_free(&s);
}
