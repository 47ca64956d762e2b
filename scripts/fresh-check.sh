#!/usr/bin/env bash
# `make fresh-check`: README's quick start on a truly fresh Debian 12.
#
# debootstraps a minimal bookworm (cached between runs), puts a clean copy
# of this repository's HEAD in it (git archive: no build/, nothing
# uncommitted), and runs the README's first command there as root with an
# empty environment.  Passes when it exits 0 and prints the spectrum table
# (its header line and a timed native row).  FRESH_TEST=1 then also runs
# the README's second command (the whole suite) in the same system.
#
# The commands come out of README.md's quick start, so the check and the
# README cannot drift apart.  Root only (debootstrap, mounts, chroot).
#
#   FRESH_CACHE=DIR   the cached base system and .debs (/var/tmp/gamut-fresh)
#   FRESH_MIRROR=URL  the Debian mirror (http://deb.debian.org/debian)
#   FRESH_NICE=N      the niceness it all runs at (10: the machine stays usable)
#   FRESH_KEEP=1      keep the scratch system afterwards (its path is printed)
#   FRESH_TEST=1      also run the second command (make test)
set -eu
# One brace group, read whole before it runs: bash reads a script as it
# goes, and this one runs for half an hour while its file may change.
{
if [ "$(id -u)" -ne 0 ]; then
	echo "fresh-check: needs root (debootstrap, mounts, chroot); skipped"
	exit 77
fi
REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${FRESH_CACHE:-/var/tmp/gamut-fresh}
MIRROR=${FRESH_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm

# --- the README's commands ---------------------------------------------------
# The first fenced block after "## Quick start", one command a line.
mapfile -t CMDS < <(awk '
	/^## Quick start/ { q = 1; next }
	q && /^## / { exit }
	q && /^```/ { if (inblk) exit; inblk = 1; next }
	inblk && NF { print }' "$REPO/README.md")
if [ ${#CMDS[@]} -lt 2 ]; then
	echo "fresh-check: README.md's quick start has no two commands to run" >&2
	exit 1
fi
echo "fresh-check: README's commands: ${CMDS[0]} / ${CMDS[1]}"

# One run at a time: runs share the cache, apt's .debs included.
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock -n 9 || { echo "fresh-check: another run holds $CACHE/lock" >&2; exit 1; }

# --- the base system, cached ---------------------------------------------------
# minbase is the least a Debian 12 machine has, plus make: the quick start
# is make commands, and the README says to install make where it is missing.
# Its sources are a real installation's (debootstrap writes only main).
base=$CACHE/base
if [ ! -e "$base/.complete" ]; then
	command -v debootstrap >/dev/null || {
		echo "fresh-check: apt-get install debootstrap"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
	}
	echo "fresh-check: debootstrap $SUITE (minbase) into $base (once)"
	rm -rf --one-file-system "$base"
	mkdir -p "$CACHE"
	debootstrap --variant=minbase --include=make "$SUITE" "$base" "$MIRROR" \
		>"$CACHE/debootstrap.log" 2>&1 || {
		tail -20 "$CACHE/debootstrap.log" >&2
		echo "fresh-check: debootstrap failed (log: $CACHE/debootstrap.log)" >&2
		exit 1
	}
	cat >"$base/etc/apt/sources.list" <<-EOF
		deb $MIRROR $SUITE main
		deb $MIRROR $SUITE-updates main
		deb http://deb.debian.org/debian-security $SUITE-security main
	EOF
	# The base keeps no package lists and no .debs: each run starts from
	# what a fresh machine has.
	rm -rf "$base"/var/lib/apt/lists/* "$base"/var/cache/apt/archives/*.deb
	touch "$base/.complete"
fi

# --- the scratch system --------------------------------------------------------
mkdir -p "$CACHE/debs/partial"
WORK=$(mktemp -d /var/tmp/gamut-fresh-run.XXXXXX)
ROOT=$WORK/root
LOG=$WORK/log
ns_pid=
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	# Every mount lives in the check's own mount namespace and goes with
	# its last process: end that first, then make sure nothing under
	# $WORK is still mounted before anything is removed.
	# SIGKILL: unshare --fork ignores SIGTERM, leaving it to its child,
	# which as PID 1 of its namespace ignores it too; --kill-child passes
	# the SIGKILL on, and that ends every process in the namespace.
	if [ -n "$ns_pid" ] && kill -0 "$ns_pid" 2>/dev/null; then
		kill -KILL "$ns_pid" 2>/dev/null || true
		wait "$ns_pid" 2>/dev/null || true
	fi
	local m
	for m in $(awk -v w="$WORK/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	if awk -v w="$WORK/" 'index($5, w) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
		echo "fresh-check: something is still mounted under $WORK; left in place" >&2
	elif [ "${FRESH_KEEP:-0}" = 1 ]; then
		echo "fresh-check: kept $WORK"
	else
		rm -rf --one-file-system "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "fresh-check: scratch system in $ROOT"
cp -a "$base" "$ROOT"
rm -f "$ROOT/.complete"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
mkdir -p "$ROOT/root/gamut"
git -C "$REPO" archive --format=tar HEAD | tar -x -C "$ROOT/root/gamut"
echo "fresh-check: $(git -C "$REPO" log -1 --format='%h %s' HEAD)"

# run_in CMD...: runs CMD as root inside the scratch system, from the
# repository's copy, with a plain environment and nothing of ours.
#
# /tmp stays a directory of the scratch system, as on a Debian 12 install.
# A private mount namespace holds the mounts (they cannot leak to the
# host, and vanish with it) and a PID namespace with a proc of its own
# holds every process the command starts (bash, not the command, is its
# PID 1: it reaps orphans and gets no special signal handling).
# pivot_root rather than chroot:
# the kernel refuses user namespaces to a chrooted process, and the tests
# (rootless containers) make them.
run_in() {
	nice -n "${FRESH_NICE:-10}" unshare --mount --pid --fork --kill-child --propagation private -- /bin/sh -euc '
		r=$1 debs=$2; shift 2
		mount --bind "$r" "$r"
		mount -t proc proc "$r/proc"
		mount --rbind /sys "$r/sys"; mount --make-rslave "$r/sys"
		mount --rbind /dev "$r/dev"; mount --make-rslave "$r/dev"
		mount -t tmpfs -o mode=755 tmpfs "$r/run"
		mount --bind "$debs" "$r/var/cache/apt/archives"
		cd "$r"
		mkdir -p .oldroot
		pivot_root . .oldroot
		exec /usr/bin/env -i /bin/sh -c "umount -l /.oldroot && rmdir /.oldroot && cd /root/gamut && exec \"\$@\"" sh \
			/usr/bin/env -i HOME=/root USER=root LOGNAME=root TERM=dumb \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
	' sh "$ROOT" "$CACHE/debs" "$@" &
	ns_pid=$!
	local rc=0
	wait "$ns_pid" || rc=$?
	ns_pid=
	return "$rc"
}

# --- the first command ---------------------------------------------------------
echo "fresh-check: running '${CMDS[0]}' (log: $LOG.1; takes 10-20 minutes)"
start=$(date +%s)
rc=0
run_in /bin/bash -c "${CMDS[0]}; exit \$?" </dev/null >"$LOG.1" 2>&1 || rc=$?
secs=$(( $(date +%s) - start ))
# Robust features of the table only: its header names the "mode" column,
# and the native row (the baseline) has a time.
header=$(grep -m1 -E '^mode[[:space:]]' "$LOG.1" || true)
native=$(grep -m1 -E '^native[[:space:]].*[0-9](\.[0-9]+)?(ms|s)\b' "$LOG.1" || true)
fail=
[ "$rc" -eq 0 ] || fail="exit status $rc"
[ -n "$header" ] || fail="${fail:+$fail; }no spectrum header line"
[ -n "$native" ] || fail="${fail:+$fail; }no native row with a time"
if [ -n "$fail" ]; then
	tail -40 "$LOG.1" | sed 's/^/    /'
	echo "fresh-check: FAIL: '${CMDS[0]}' on a fresh $SUITE: $fail (${secs}s)"
	FRESH_KEEP=1
	exit 1
fi
sed -n '/^mode[[:space:]]/,/^$/p' "$LOG.1" | sed 's/^/    /'
echo "fresh-check: ok: '${CMDS[0]}' on a fresh $SUITE: exit 0, table printed (${secs}s)"

[ "${FRESH_TEST:-0}" = 1 ] || exit 0

# --- the second command (FRESH_TEST=1) ------------------------------------------
echo "fresh-check: running '${CMDS[1]}' (log: $LOG.2; takes 15-25 minutes)"
start=$(date +%s)
rc=0
run_in /bin/bash -c "${CMDS[1]}; exit \$?" </dev/null >"$LOG.2" 2>&1 || rc=$?
secs=$(( $(date +%s) - start ))
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$LOG.2" | tail -1 || true)
grep -E '^(not ok|skip) ' "$LOG.2" | sed 's/^/    /' || true
if [ "$rc" -ne 0 ] || [ -z "$summary" ]; then
	tail -40 "$LOG.2" | sed 's/^/    /'
	echo "fresh-check: FAIL: '${CMDS[1]}': exit status $rc, ${summary:-no summary line} (${secs}s)"
	FRESH_KEEP=1
	exit 1
fi
echo "fresh-check: ok: '${CMDS[1]}': $summary (${secs}s)"
exit
}
