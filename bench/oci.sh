#!/usr/bin/env bash
# OCI runtime benchmark: gamut-oci side by side with Debian's crun and runc.
#   1. create+start+wait+delete of /bin/true (the `run` command), 100 in a row
#   2. peak RSS of the runtime process during `create`
#   3. the smallest memory limit under which a container still starts
# A benchmark, not a test: it prints a table and asserts nothing.
set -u
BUILD=${BUILD:-build}
GAMUT=${GAMUT:-$PWD/$BUILD/gamut}
N=${OCI_BENCH_N:-100}
[ "$(id -u)" -eq 0 ] || { echo "oci bench: needs root"; exit 0; }
T=$(mktemp -d /tmp/gamut-oci-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT

# bundle: busybox rootfs running `true`, the default spec without a terminal
mkdir -p "$T/b/rootfs/bin" "$T/b/rootfs/proc" "$T/b/rootfs/dev" "$T/b/rootfs/sys"
cp /bin/busybox "$T/b/rootfs/bin/" && ln -s busybox "$T/b/rootfs/bin/true"
(cd "$T/b" && "$(dirname "$GAMUT")/gamut-oci" spec)
python3 - "$T/b/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
json.dump(c, open(sys.argv[1], "w"))
PY

runtimes=("gamut-oci:$(dirname "$GAMUT")/gamut-oci")
for r in crun runc; do
	command -v $r >/dev/null && runtimes+=("$r:$(command -v $r)")
done

# why a runtime cannot run here (empty when it can)
probe() {
	"$1" --root "$T/root-$2" run -b "$T/b" "probe-$$" >/dev/null 2>"$T/probe.err" && return 0
	tail -1 "$T/probe.err"
}

loop_ms() {
	local start end
	start=$(date +%s%N)
	for i in $(seq "$N"); do
		"$1" --root "$T/root-$2" run -b "$T/b" "b$i" >/dev/null 2>&1 || return 1
	done
	end=$(date +%s%N)
	echo $(( (end - start) / 1000000 ))
}

create_rss_kib() {
	local kib
	/usr/bin/time -o "$T/rss" -f %M "$1" --root "$T/root-$2" create -b "$T/b" rss \
		</dev/null >/dev/null 2>&1
	kib=$(tail -1 "$T/rss")
	"$1" --root "$T/root-$2" delete --force rss >/dev/null 2>&1
	echo "$kib"
}

set_mem() {
	python3 - "$T/b/config.json" "$1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
r = c["linux"].setdefault("resources", {})
if int(sys.argv[2]):
    r["memory"] = {"limit": int(sys.argv[2])}
else:
    r.pop("memory", None)
json.dump(c, open(sys.argv[1], "w"))
PY
}

min_memory() {
	local kib
	for kib in 128 256 512 1024 2048 4096 8192 16384 32768; do
		set_mem $((kib * 1024))
		if "$1" --root "$T/root-$2" run -b "$T/b" "mem$kib" >/dev/null 2>&1; then
			set_mem 0
			echo "${kib} KiB"
			return
		fi
		"$1" --root "$T/root-$2" delete --force "mem$kib" >/dev/null 2>&1
	done
	set_mem 0
	echo "> 32 MiB"
}

# crun 1.8 refuses a hybrid host (v1 controllers plus a v2 hierarchy); it
# is measured in a private mount namespace without that v2 mount, which
# makes the host look like pure v1 to it.
export T N
export -f probe loop_ms create_rss_kib set_mem min_memory
hidev2() {
	unshare -m --propagation private bash -c \
		'umount /sys/fs/cgroup/unified 2>/dev/null; "$@"' hidev2 "$@"
}

printf "%-10s %18s %12s %16s %18s\n" runtime "$N x run (ms)" "per run" "create peak RSS" "min --memory"
base= hidden=
for entry in "${runtimes[@]}"; do
	name=${entry%%:*} bin=${entry#*:}
	wrap=
	why=$(probe "$bin" "$name")
	if [ -n "$why" ] && [ "$name" = crun ] && [ -z "$(hidev2 probe "$bin" "$name")" ]; then
		wrap=hidev2 why= hidden=yes
		name="crun*"
	fi
	if [ -n "$why" ]; then
		printf "%-10s cannot run here: %s\n" "$name" "$why"
		continue
	fi
	ms=$($wrap loop_ms "$bin" "$name") || { printf "%-10s failed in the loop\n" "$name"; continue; }
	[ -z "$base" ] && base=$ms
	rss=$($wrap create_rss_kib "$bin" "$name")
	mem=$($wrap min_memory "$bin" "$name")
	printf "%-10s %18s %9.2f ms %12s KiB %18s   (%.2fx gamut-oci time)\n" "$name" "$ms" \
		"$(echo "$ms / $N" | bc -l)" "$rss" "$mem" "$(echo "$ms / $base" | bc -l)"
done
[ -n "$hidden" ] && echo "(* crun refuses this hybrid cgroup host; measured with the v2 mount hidden)"
