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
	CHECK(!strcmp(msg, "--disk x,rw,xyz: unknown option 'xyz' (options: ro, rw, iops=, bw=, iops_burst=, bw_burst=)"));
	CHECK(disk(&cfg, "n=x,ro,sync,rw", msg) == -1);
	CHECK(!strcmp(msg, "--disk x,ro,sync,rw: unknown option 'sync' (options: ro, rw, iops=, bw=, iops_burst=, bw_burst=)"));
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

TEST(config_disk_limits)
{
	struct vm_config cfg;
	char msg[512];

	memset(&cfg, 0, sizeof(cfg));
	CHECK(disk(&cfg, "a.img,iops=50", msg) == 0);
	CHECK(!strcmp(cfg.disk[0].path, "a.img"));
	CHECK_EQ(cfg.disk[0].limit.ops, 50);
	CHECK_EQ(cfg.disk[0].limit.bytes, 0);
	CHECK(disk(&cfg, "b.img,ro,bw=2m,iops=1000,bw_burst=512k,iops_burst=10", msg) == 0);
	CHECK(!strcmp(cfg.disk[1].path, "b.img") && cfg.disk[1].readonly);
	CHECK_EQ(cfg.disk[1].limit.bytes, 2 << 20);
	CHECK_EQ(cfg.disk[1].limit.bytes_burst, 512 << 10);
	CHECK_EQ(cfg.disk[1].limit.ops, 1000);
	CHECK_EQ(cfg.disk[1].limit.ops_burst, 10);
	CHECK(disk(&cfg, "x,y.img,bw=1G,rw", msg) == 0);
	CHECK(!strcmp(cfg.disk[2].path, "x,y.img"));
	CHECK_EQ(cfg.disk[2].limit.bytes, 1ull << 30);
	CHECK(disk(&cfg, "c.img,bw=1000", msg) == 0);
	CHECK_EQ(cfg.disk[3].limit.bytes, 1000);
	/* A word that is no option keeps being part of the path. */
	CHECK(disk(&cfg, "d,iopsx=1.img", msg) == 0);
	CHECK(!strcmp(cfg.disk[4].path, "d,iopsx=1.img"));
}

TEST(config_disk_limits_bad)
{
	static const struct {
		const char *arg, *msg;
	} bad[] = {
		{ "x,iops=abc", "--disk x,iops=abc: iops=abc: not a number (digits only)" },
		{ "x,iops=", "--disk x,iops=: iops=: no value (a count per second, e.g. 100)" },
		{ "x,iops=0", "--disk x,iops=0: iops=0: must be at least 1 (leave iops out for no limit)" },
		{ "x,iops=5k", "--disk x,iops=5k: iops=5k: not a number (digits only)" },
		{ "x,iops=-1", "--disk x,iops=-1: iops=-1: not a number (digits only)" },
		{ "x,bw=2x", "--disk x,bw=2x: bw=2x: not a number (digits and an optional k, m or g)" },
		{ "x,bw=m", "--disk x,bw=m: bw=m: no number before the suffix" },
		{ "x,bw=1.5m", "--disk x,bw=1.5m: bw=1.5m: not a number (digits and an optional k, m or g)" },
		{ "x,bw=2mm", "--disk x,bw=2mm: bw=2mm: not a number (digits and an optional k, m or g)" },
		{ "x,bw=99999999999999999999999", "--disk x,bw=99999999999999999999999: bw=99999999999999999999999: too large (at most 1125899906842624)" },
		{ "x,bw=2000000g", "--disk x,bw=2000000g: bw=2000000g: too large (at most 1125899906842624)" },
		{ "x,bw_burst=1m", "--disk x,bw_burst=1m: bw_burst without bw" },
		{ "x,iops_burst=5", "--disk x,iops_burst=5: iops_burst without iops" },
		{ "x,iops=5,pps=3", "--disk x,iops=5,pps=3: unknown option 'pps=3' (options: ro, rw, iops=, bw=, iops_burst=, bw_burst=)" },
		{ "x,iops=5,", "--disk x,iops=5,: empty option after a ',' (options: ro, rw, iops=, bw=, iops_burst=, bw_burst=)" },
		{ ",iops=5", "--disk: empty path" },
	};
	struct vm_config cfg;
	char msg[512];

	memset(&cfg, 0, sizeof(cfg));
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (disk(&cfg, bad[i].arg, msg) != -1 || strcmp(msg, bad[i].msg)) {
			fprintf(stderr, "  %s -> '%s'\n", bad[i].arg, msg);
			CHECK(0);
		}
	}
	CHECK_EQ(cfg.nr_disks, 0);
}

static int net_limits(struct net_config *n, const char *arg, char *out, char *msg)
{
	struct gerr err = { "" };
	int r;

	strcpy(out, arg);
	r = config_parse_net_limits(n, out, arg, &err);
	strcpy(msg, err.msg);
	return r;
}

TEST(config_net_limits)
{
	struct net_config n;
	char spec[256], msg[512];

	memset(&n, 0, sizeof(n));
	CHECK(net_limits(&n, "user", spec, msg) == 0 && !strcmp(spec, "user"));
	CHECK_EQ(n.limit.bytes, 0);
	CHECK(net_limits(&n, "user,bw=2m", spec, msg) == 0 && !strcmp(spec, "user"));
	CHECK_EQ(n.limit.bytes, 2 << 20);
	CHECK(net_limits(&n, "user,hostfwd=tcp::8080-:80,bw=1m,pps=100,hostfwd=udp::53-:53,pps_burst=10,bw_burst=64k",
			 spec, msg) == 0);
	CHECK(!strcmp(spec, "user,hostfwd=tcp::8080-:80,hostfwd=udp::53-:53"));
	CHECK_EQ(n.limit.bytes, 1 << 20);
	CHECK_EQ(n.limit.bytes_burst, 64 << 10);
	CHECK_EQ(n.limit.ops, 100);
	CHECK_EQ(n.limit.ops_burst, 10);
	CHECK(net_limits(&n, "tap:pv0,pps=5", spec, msg) == 0 && !strcmp(spec, "tap:pv0"));
	CHECK_EQ(n.limit.ops, 5);
	/* The backend's own options stay for it to judge. */
	CHECK(net_limits(&n, "user,foo=1", spec, msg) == 0 && !strcmp(spec, "user,foo=1"));
}

TEST(config_net_limits_bad)
{
	struct net_config n;
	char spec[256], msg[512];

	memset(&n, 0, sizeof(n));
	CHECK(net_limits(&n, "user,bw=abc", spec, msg) == -1);
	CHECK(!strcmp(msg, "--net user,bw=abc: bw=abc: not a number (digits and an optional k, m or g)"));
	CHECK(net_limits(&n, "user,pps=0", spec, msg) == -1);
	CHECK(!strcmp(msg, "--net user,pps=0: pps=0: must be at least 1 (leave pps out for no limit)"));
	CHECK(net_limits(&n, "tap:t0,pps=1k", spec, msg) == -1);
	CHECK(!strcmp(msg, "--net tap:t0,pps=1k: pps=1k: not a number (digits only)"));
	CHECK(net_limits(&n, "user,pps_burst=4", spec, msg) == -1);
	CHECK(!strcmp(msg, "--net user,pps_burst=4: pps_burst without pps"));
	CHECK(net_limits(&n, "user,bw=", spec, msg) == -1);
	CHECK(!strcmp(msg, "--net user,bw=: bw=: no value (bytes per second, e.g. 2m)"));
}
