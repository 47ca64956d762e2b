/* --disk's argument syntax: paths, names, the ro/rw options, and one
 * message naming the argument for each bad one. */
#include <string.h>

#include "../harness.h"
#include "core/config.h"

static int disk(struct vm_config *cfg, const char *arg, char *msg)
{
	static char buf[CONFIG_MAX_DISKS + 1][256]; /* the parser keeps pointers into it */
	struct gerr err = { "" };
	int r;

	snprintf(buf[cfg->nr_disks], sizeof(buf[0]), "%s", arg);
	r = config_parse_disk(cfg, buf[cfg->nr_disks], &err);
	strcpy(msg, err.msg);
	return r;
}

TEST(config_disk_good)
{
	struct vm_config cfg;
	char msg[512];

	memset(&cfg, 0, sizeof(cfg));
	CHECK(disk(&cfg, "a.img", msg) == 0);
	CHECK(!strcmp(cfg.disk[0].path, "a.img") && !cfg.disk[0].readonly && !cfg.disk[0].name);
	CHECK(disk(&cfg, "/x/b.img,ro", msg) == 0);
	CHECK(!strcmp(cfg.disk[1].path, "/x/b.img") && cfg.disk[1].readonly);
	CHECK(disk(&cfg, "data=c.img,rw", msg) == 0);
	CHECK(!strcmp(cfg.disk[2].path, "c.img") && !cfg.disk[2].readonly);
	CHECK(!strcmp(cfg.disk[2].name, "data"));
	/* Commas that start no option belong to the path. */
	CHECK(disk(&cfg, "v1,v2.img,ro", msg) == 0);
	CHECK(!strcmp(cfg.disk[3].path, "v1,v2.img") && cfg.disk[3].readonly);
	CHECK(disk(&cfg, "d,roadmap.img", msg) == 0);
	CHECK(!strcmp(cfg.disk[4].path, "d,roadmap.img"));
	CHECK(disk(&cfg, "e.img,ro,ro", msg) == 0);
	CHECK(cfg.disk[5].readonly);
	CHECK_EQ(cfg.nr_disks, 6);
}

TEST(config_disk_bad)
{
	struct vm_config cfg;
	char msg[512];

	memset(&cfg, 0, sizeof(cfg));
	CHECK(disk(&cfg, "x,rw,xyz", msg) == -1);
	CHECK(!strcmp(msg, "--disk x,rw,xyz: unknown option 'xyz' (options: ro, rw)"));
	CHECK(disk(&cfg, "n=x,ro,sync,rw", msg) == -1);
	CHECK(!strcmp(msg, "--disk x,ro,sync,rw: unknown option 'sync' (options: ro, rw)"));
	CHECK(disk(&cfg, "x,ro,", msg) == -1 && strstr(msg, "--disk x,ro,: empty option"));
	CHECK(disk(&cfg, "x,ro,,rw", msg) == -1 && strstr(msg, "empty option"));
	CHECK(disk(&cfg, "x,ro,rw", msg) == -1);
	CHECK(!strcmp(msg, "--disk x,ro,rw: ro and rw both given"));
	CHECK(disk(&cfg, ",ro", msg) == -1 && strstr(msg, "empty path"));
	CHECK(disk(&cfg, "", msg) == -1 && strstr(msg, "empty path"));
	CHECK_EQ(cfg.nr_disks, 0);
	for (int i = 0; i < CONFIG_MAX_DISKS; i++)
		CHECK(disk(&cfg, "ok.img", msg) == 0);
	CHECK(disk(&cfg, "ok.img", msg) == -1 && strstr(msg, "at most"));
}
