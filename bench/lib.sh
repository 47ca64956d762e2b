# Shared helpers of the bench/*.sh scripts (sourced, never run on its own):
# medians, ratios, wall-clock timing, console-marker timing and tables.
# Benchmarks print figures; nothing here asserts anything.

# median: the median of the numbers on stdin, one a line (the lower middle
# one for an even count; nothing for none).
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# bench_wall CMD...: runs CMD with stdin, stdout and stderr closed off and
# prints its wall time in seconds (its exit status is ignored: an emulator
# that exits through a debug port exits non-zero by design).
bench_wall() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" </dev/null >/dev/null 2>&1
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", (b - a) / 1e9 }'
}

# bench_marker TIMEOUT MARKER CMD...: runs CMD with its output on a pipe
# and prints "T_MARKER T_EXIT T_CPU": seconds from the start to the first
# output line containing MARKER (read as it arrives, not after the fact),
# to CMD's exit, and the CPU time (user + system) CMD used.  T_MARKER is "-"
# when the line never came; after TIMEOUT seconds CMD is killed and T_EXIT
# is "-".
bench_marker() {
	python3 -c '
import os, subprocess, sys, time, threading
timeout, marker, cmd = float(sys.argv[1]), sys.argv[2].encode(), sys.argv[3:]
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                     stderr=subprocess.STDOUT)
killed = []
def kill():
    killed.append(1)
    p.kill()
timer = threading.Timer(timeout, kill)
timer.start()
seen = None
for line in p.stdout:
    if seen is None and marker in line:
        seen = time.monotonic() - t0
_, _, ru = os.wait4(p.pid, 0)
done = time.monotonic() - t0
timer.cancel()
fmt = lambda t: "-" if t is None else "%.3f" % t
print(fmt(seen), "-" if killed else fmt(done), "%.3f" % (ru.ru_utime + ru.ru_stime))
' "$@"
}

# ratio A B [DIGITS]: A / B, or "-" when either is missing or B is zero.
ratio() {
	awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN {
		if (a == "" || b == "" || a == "-" || b == "-" || b + 0 == 0) print "-"
		else printf "%.*f\n", d, a / b }'
}

# fmt_num X [DIGITS]: X rounded, or "-" when missing.
fmt_num() {
	awk -v a="$1" -v d="${2:-1}" 'BEGIN {
		if (a == "" || a == "-") print "-"; else printf "%.*f\n", d, a }'
}

# table_row CELL...: one row of a table; the first cell is wide (the
# benchmark), the others are right-aligned figures.  table_rule draws the
# line under the header.
table_row() {
	local first=$1
	shift
	printf '%-44s' "$first"
	printf ' %14s' "$@"
	printf '\n'
}
table_rule() {
	printf '%s\n' "$(printf '%*s' $((44 + 15 * $1)) '' | tr ' ' -)"
}

# bench_header: the machine and its load, to print above every table (a
# figure means little without them).
bench_header() {
	echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min), at $(date -u '+%Y-%m-%d %H:%M UTC')"
}
