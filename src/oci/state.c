#include "oci/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "oci/cgroup.h"
#include "oci/util.h"

int oci_id_check(const char *id, struct gerr *err)
{
	size_t n = strlen(id);

	if (!n || n > OCI_ID_MAX)
		return gerr_set(err, "container id must be 1 to %d characters",
				OCI_ID_MAX);
	if (strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		       "0123456789_+-.") != n || !strcmp(id, ".") ||
	    !strcmp(id, ".."))
		return gerr_set(err, "invalid container id \"%s\" (use letters, "
				"digits, _ + - .)", id);
	return 0;
}

int oci_state_path(struct oci_state *st, const char *root, const char *id,
		   struct gerr *err)
{
	if (oci_id_check(id, err))
		return -1;
	snprintf(st->id, sizeof(st->id), "%s", id);
	if ((size_t)snprintf(st->dir, sizeof(st->dir), "%s/%s", root, id) >=
	    sizeof(st->dir))
		return gerr_set(err, "state directory path too long");
	return 0;
}

int oci_state_create_dir(struct oci_state *st, const char *root,
			 struct gerr *err)
{
	if (oci_mkdir_p(root, 0700))
		return gerr_errno(err, errno, "state root %s", root);
	if (mkdir(st->dir, 0711)) {
		if (errno == EEXIST)
			return gerr_set(err, "container \"%s\" already exists",
					st->id);
		return gerr_errno(err, errno, "%s", st->dir);
	}
	return 0;
}

int oci_state_save(const struct oci_state *st, struct gerr *err)
{
	json_object *o = json_object_new_object(), *priv, *ann = NULL;
	char path[PATH_MAX + 16], tmp[PATH_MAX + 16];
	const char *s;
	int fd, r = 0;

	json_object_object_add(o, "ociVersion", json_object_new_string("1.0.2"));
	json_object_object_add(o, "id", json_object_new_string(st->id));
	json_object_object_add(o, "pid", json_object_new_int(st->pid));
	json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
	json_object_object_add(o, "rootfs", json_object_new_string(st->rootfs));
	json_object_object_add(o, "created", json_object_new_string(st->created));
	json_object_object_add(o, "owner", json_object_new_int64(st->owner));
	if (st->annotations_json)
		ann = json_tokener_parse(st->annotations_json);
	if (ann)
		json_object_object_add(o, "annotations", ann);
	priv = json_object_new_object();
	json_object_object_add(priv, "startTime",
			       json_object_new_uint64(st->start_time));
	if (st->has_cgroup)
		json_object_object_add(priv, "cgroupPath",
				       json_object_new_string(st->cgroup_path));
	json_object_object_add(o, "gamut", priv);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	snprintf(path, sizeof(path), "%s/state.json", st->dir);
	snprintf(tmp, sizeof(tmp), "%s/state.json.tmp", st->dir);
	/* Write then rename, so a reader never sees half a file. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s) ||
	    close(fd) || rename(tmp, path))
		r = gerr_errno(err, errno, "%s", path);
	json_object_put(o);
	return r;
}

static void copy_str(json_object *o, const char *key, char *dst, size_t n)
{
	json_object *v;

	if (json_object_object_get_ex(o, key, &v) &&
	    json_object_get_type(v) == json_type_string)
		snprintf(dst, n, "%s", json_object_get_string(v));
}

int oci_state_load(struct oci_state *st, const char *root, const char *id,
		   struct gerr *err)
{
	char path[PATH_MAX + 16];
	json_object *o, *v, *priv;

	memset(st, 0, sizeof(*st));
	if (oci_state_path(st, root, id, err))
		return -1;
	snprintf(path, sizeof(path), "%s/state.json", st->dir);
	if (access(st->dir, F_OK))
		return gerr_set(err, "container \"%s\" does not exist", id);
	o = json_object_from_file(path);
	if (!o)
		return gerr_set(err, "container \"%s\": state %s is unreadable "
				"(creation in progress or interrupted)", id, path);
	if (json_object_object_get_ex(o, "pid", &v))
		st->pid = json_object_get_int(v);
	copy_str(o, "bundle", st->bundle, sizeof(st->bundle));
	copy_str(o, "rootfs", st->rootfs, sizeof(st->rootfs));
	copy_str(o, "created", st->created, sizeof(st->created));
	if (json_object_object_get_ex(o, "owner", &v))
		st->owner = (uid_t)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "annotations", &v))
		st->annotations_json = strdup(json_object_to_json_string_ext(
			v, JSON_C_TO_STRING_PLAIN));
	if (json_object_object_get_ex(o, "gamut", &priv)) {
		if (json_object_object_get_ex(priv, "startTime", &v))
			st->start_time = json_object_get_uint64(v);
		if (json_object_object_get_ex(priv, "cgroupPath", &v)) {
			st->has_cgroup = true;
			snprintf(st->cgroup_path, sizeof(st->cgroup_path), "%s",
				 json_object_get_string(v));
		}
	}
	json_object_put(o);
	return 0;
}

void oci_state_release(struct oci_state *st)
{
	free(st->annotations_json);
	st->annotations_json = NULL;
}

int oci_state_save_config(const struct oci_state *st,
			  const struct oci_spec *spec, struct gerr *err)
{
	char path[PATH_MAX + 16];
	int fd;

	if (!spec->raw)
		return gerr_set(err, "internal: the config's text was not kept");
	snprintf(path, sizeof(path), "%s/config.json", st->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return gerr_errno(err, errno, "%s", path);
	if (oci_write_all(fd, spec->raw, spec->raw_len)) {
		int e = errno;

		close(fd);
		return gerr_errno(err, e, "write %s", path);
	}
	close(fd);
	return 0;
}

int oci_state_load_config(const struct oci_state *st, struct oci_spec *spec,
			  struct gerr *err)
{
	return oci_spec_load(spec, st->dir, err);
}

void oci_state_remove_dir(const struct oci_state *st)
{
	DIR *d = opendir(st->dir);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(st->dir);
}

/* Field 22 of /proc/<pid>/stat, after the parenthesised command name
 * (which may itself contain spaces and parentheses). */
static int read_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c", state) != 1)
		return -1;
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", start) != 1)
		return -1;
	return 0;
}

unsigned long long oci_pid_start_time(pid_t pid)
{
	unsigned long long t = 0;
	char s;

	return read_stat(pid, &s, &t) ? 0 : t;
}

bool oci_pid_alive(pid_t pid, unsigned long long start_time)
{
	unsigned long long t;
	char s;

	if (pid <= 0 || read_stat(pid, &s, &t))
		return false;
	if (s == 'Z' || s == 'X')
		return false;
	return !start_time || t == start_time;
}

enum oci_status oci_state_status(const struct oci_state *st)
{
	char fifo[PATH_MAX + 16];

	if (!oci_pid_alive(st->pid, st->start_time))
		return OCI_STOPPED;
	if (st->has_cgroup && oci_cgroup_is_frozen(st->cgroup_path))
		return OCI_PAUSED;
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", st->dir);
	if (!access(fifo, F_OK))
		return OCI_CREATED;
	return OCI_RUNNING;
}

const char *oci_status_name(enum oci_status s)
{
	static const char *const names[] = { "creating", "created", "running",
					      "paused", "stopped" };

	return names[s];
}

char *oci_state_json(const struct oci_state *st, enum oci_status s)
{
	json_object *o = json_object_new_object(), *ann = NULL;
	char *out;

	json_object_object_add(o, "ociVersion", json_object_new_string("1.0.2"));
	json_object_object_add(o, "id", json_object_new_string(st->id));
	json_object_object_add(o, "pid",
			       json_object_new_int(s == OCI_STOPPED ? 0 : st->pid));
	json_object_object_add(o, "status",
			       json_object_new_string(oci_status_name(s)));
	json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
	json_object_object_add(o, "rootfs", json_object_new_string(st->rootfs));
	json_object_object_add(o, "created", json_object_new_string(st->created));
	json_object_object_add(o, "owner", json_object_new_string(
		st->owner == 0 ? "root" : ""));
	if (st->annotations_json)
		ann = json_tokener_parse(st->annotations_json);
	json_object_object_add(o, "annotations",
			       ann ? ann : json_object_new_object());
	out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_SPACED));
	json_object_put(o);
	return out;
}

void oci_now_rfc3339(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09ldZ", base, ts.tv_nsec);
}
