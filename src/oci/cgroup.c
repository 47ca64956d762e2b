/* Host cgroup layout detection and the operations common to both managers. */
#include "oci/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int oci_cg_write(const char *dir, const char *file, const char *val,
		 struct gerr *err)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return gerr_errno(err, errno, "cgroup %s", path);
	n = write(fd, val, strlen(val));
	if (n < 0) {
		int e = errno;

		close(fd);
		return gerr_errno(err, e, "cgroup %s: writing \"%s\"", path, val);
	}
	close(fd);
	return 0;
}

int oci_cg_read(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

int oci_cg_mkdir_p(const char *path, struct gerr *err)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return gerr_errno(err, errno, "cgroup %s", buf);
		if (!c)
			return 0;
		*p = c;
	}
}

int oci_cg_read_pids(const char *dir, pid_t **out, size_t *n, struct gerr *err)
{
	char path[PATH_MAX];
	FILE *f;
	pid_t *v = NULL;
	size_t cap = 0;
	int pid;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return gerr_errno(err, errno, "cgroup %s", path);
	while (fscanf(f, "%d", &pid) == 1) {
		if (*n == cap) {
			pid_t *nv = realloc(v, (cap = cap ? cap * 2 : 16) *
						       sizeof(*v));
			if (!nv) {
				free(v);
				fclose(f);
				return gerr_set(err, "out of memory");
			}
			v = nv;
		}
		v[(*n)++] = pid;
	}
	fclose(f);
	*out = v;
	return 0;
}

unsigned long long oci_cg_shares_to_weight(unsigned long long shares)
{
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* mountinfo: "id parent maj:min root mountpoint opts - fstype source superopts" */
int oci_cgroup_parse_mountinfo(struct oci_cgroup_mgr *m, const char *text,
			       struct gerr *err)
{
	const char *line = text;

	memset(m, 0, sizeof(*m));
	while (line && *line) {
		char mnt[256], fstype[64], super[256];
		const char *dash = strstr(line, " - ");
		const char *eol = strchr(line, '\n');

		if (dash && (!eol || dash < eol) &&
		    sscanf(line, "%*s %*s %*s %*s %255s", mnt) == 1 &&
		    sscanf(dash + 3, "%63s %*s %255s", fstype, super) == 2) {
			if (!strcmp(fstype, "cgroup2") && !m->v2_mount[0])
				snprintf(m->v2_mount, sizeof(m->v2_mount), "%s", mnt);
			if (!strcmp(fstype, "cgroup") && m->n_hier < OCI_CG_MAX_HIER) {
				struct oci_cg_hier *h = &m->hier[m->n_hier++];
				char *tok, *save;

				snprintf(h->mount, sizeof(h->mount), "%s", mnt);
				/* keep only controller names from the options */
				for (tok = strtok_r(super, ",", &save); tok;
				     tok = strtok_r(NULL, ",", &save)) {
					if (!strcmp(tok, "rw") || !strcmp(tok, "ro") ||
					    !strncmp(tok, "release_agent", 13) ||
					    !strcmp(tok, "clone_children") ||
					    !strcmp(tok, "noprefix") ||
					    !strcmp(tok, "xattr") ||
					    !strncmp(tok, "cpuset_v2", 9))
						continue;
					if (h->controllers[0])
						strncat(h->controllers, ",",
							sizeof(h->controllers) -
								strlen(h->controllers) - 1);
					strncat(h->controllers, tok,
						sizeof(h->controllers) -
							strlen(h->controllers) - 1);
				}
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	if (m->n_hier) {
		m->version = 1;
		m->ops = &oci_cgroup_v1_ops;
	} else if (m->v2_mount[0]) {
		m->version = 2;
		m->ops = &oci_cgroup_v2_ops;
	} else {
		return gerr_set(err, "no cgroup filesystem is mounted");
	}
	return 0;
}

const struct oci_cgroup_mgr *oci_cgroup_host(struct gerr *err)
{
	static struct oci_cgroup_mgr mgr;
	static bool done;
	char *text;
	size_t cap = 1 << 16, len = 0;
	ssize_t n;
	int fd;

	if (done)
		return &mgr;
	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		gerr_errno(err, errno, "/proc/self/mountinfo");
		return NULL;
	}
	text = malloc(cap);
	while (text && (n = read(fd, text + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap) {
			char *t = realloc(text, cap *= 2);

			if (!t)
				free(text);
			text = t;
		}
	}
	close(fd);
	if (!text) {
		gerr_set(err, "out of memory");
		return NULL;
	}
	text[len] = '\0';
	n = oci_cgroup_parse_mountinfo(&mgr, text, err);
	free(text);
	if (n)
		return NULL;
	/* GAMUT_OCI_CGROUP=v2 picks the v2 manager on a hybrid host (its v2
	 * hierarchy has no resource controllers, but processes, freezing and
	 * removal work): how the v2 code is exercised on v1 machines. */
	if (getenv("GAMUT_OCI_CGROUP") && !strcmp(getenv("GAMUT_OCI_CGROUP"), "v2") &&
	    mgr.v2_mount[0]) {
		mgr.version = 2;
		mgr.ops = &oci_cgroup_v2_ops;
	}
	done = true;
	return &mgr;
}

int oci_cgroup_path(char *out, size_t len, const char *cgroups_path,
		    const char *id, struct gerr *err)
{
	if (!cgroups_path || !*cgroups_path) {
		snprintf(out, len, "/gamut-oci/%s", id);
		return 0;
	}
	if (strchr(cgroups_path, ':'))
		return gerr_set(err, "cgroupsPath \"%s\" is in systemd's "
				"slice:prefix:name form; gamut-oci manages "
				"cgroups directly (use the cgroupfs manager)",
				cgroups_path);
	if (strstr(cgroups_path, ".."))
		return gerr_set(err, "cgroupsPath \"%s\" contains \"..\"",
				cgroups_path);
	snprintf(out, len, "%s%s", cgroups_path[0] == '/' ? "" : "/",
		 cgroups_path);
	/* "/" (or "//") would make the host's root cgroup the container's:
	 * kill --all and delete would act on every process of the host. */
	if (strspn(out, "/") == strlen(out))
		return gerr_set(err, "cgroupsPath \"%s\" names the root cgroup",
				cgroups_path);
	return 0;
}

bool oci_cgroup_is_frozen(const char *path)
{
	struct gerr err;
	const struct oci_cgroup_mgr *m = oci_cgroup_host(&err);

	return m && m->ops->is_frozen(m, path);
}

int oci_cgroup_signal_all(const struct oci_cgroup_mgr *m, const char *path,
			  int sig, struct gerr *err)
{
	pid_t *pids;
	size_t n;

	if (m->ops->pids(m, path, &pids, &n, err))
		return -1;
	for (size_t i = 0; i < n; i++)
		kill(pids[i], sig);
	free(pids);
	return (int)n;
}

int oci_cgroup_remove(const struct oci_cgroup_mgr *m, const char *path,
		      struct gerr *err)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };

	/* A frozen cgroup's processes cannot die: thaw it first. */
	if (m->ops->is_frozen(m, path))
		m->ops->freeze(m, path, false, err);
	for (int i = 0; i < 400; i++) {
		struct gerr e2;

		if (oci_cgroup_signal_all(m, path, SIGKILL, &e2) < 0)
			return 0; /* already gone */
		if (!m->ops->destroy(m, path, err))
			return 0;
		nanosleep(&ts, NULL);
	}
	return gerr_prefix(err, "cannot remove cgroup %s: ", path);
}
