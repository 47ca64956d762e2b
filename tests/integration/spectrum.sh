#!/usr/bin/env bash
# gamut spectrum on a few rows with few rounds: the table, the JSON (every
# row ok, two runs, min <= median <= max, native 1.00x, the guest column,
# counters where gamut run writes them) and the SVG (well-formed, one bar per
# row that ran); bad options are refused in one line.
set -u
. tests/lib/common.sh
. tests/lib/guest.sh
kit_require
need_cmd python3 xmllint

out=$("$GAMUT" spectrum --runs 0 2>&1) && fail "--runs 0 was accepted"
echo "$out" | grep -q '^gamut: --runs 0: expected 1 to' || fail "--runs 0: $out"
out=$("$GAMUT" spectrum --rows native,nope 2>&1) && fail "--rows nope was accepted"
echo "$out" | grep -q "^gamut: --rows: unknown row 'nope'" || fail "--rows nope: $out"
# An output that cannot be written is refused before any run.
out=$(timeout 5 "$GAMUT" spectrum --svg "$T/no/such/dir/s.svg" 2>&1) && fail "--svg to nowhere was accepted"
echo "$out" | grep -q "^gamut: --svg $T/no/such/dir/s.svg: cannot write" || fail "--svg to nowhere: $out"

# The container row needs namespaces only root may make here.
rows=native,pvh:emu
[ "$(id -u)" -eq 0 ] && rows=native,container,pvh:emu
nrows=$(echo "$rows" | tr ',' '\n' | wc -l)
"$GAMUT" spectrum --kit "$KIT" --runs 2 --rounds 3000 --rows "$rows" --timeout 240 \
	--json "$T/s.json" --svg "$T/s.svg" >"$T/table" 2>"$T/progress" ||
	fail "gamut spectrum exited $?: $(tail -3 "$T/progress")"
cat "$T/table"
grep -q '^mode  *cpu  *guest  *status  *to workload  *workload  *vs native' "$T/table" ||
	fail "no table header"
grep -Eq '^native +- +static binary +ok .* 1\.00x' "$T/table" || fail "no native row"
grep -Eq '^pvh +emu +kit vmlinux +ok ' "$T/table" || fail "no pvh row"
grep -q ' failed ' "$T/table" && fail "a row failed"
grep -q 'run 2/2' "$T/progress" || fail "no progress line for run 2: $(cat "$T/progress")"
grep -q 'warm-up' "$T/progress" || fail "no warm-up in the progress"

stats=0
"$GAMUT" run --help 2>&1 | grep -q -- --stats-file && stats=1
python3 - "$T/s.json" "$nrows" "$stats" <<'PY' || fail "the JSON: see above"
import json, sys
doc = json.load(open(sys.argv[1]))
rows, want, stats = doc["rows"], int(sys.argv[2]), sys.argv[3] == "1"
assert doc["runs"] == 2 and doc["rounds"] == 3000, doc
assert len(rows) == want, [r["mode"] for r in rows]
for r in rows:
    assert r["status"] == "ok" and r["runs"] == 2, r
    for k in ("to_workload_s", "workload_s"):
        s = r[k]
        assert 0 < s["min"] <= s["median"] <= s["max"], (r["mode"], s)
        assert isinstance(s["noisy"], bool)
    assert isinstance(r["counters"], dict)
assert rows[0]["mode"] == "native" and rows[0]["vs_native"] == 1.0, rows[0]
pvh = [r for r in rows if r["mode"] == "pvh"][0]
assert pvh["cpu"] == "emu" and pvh["guest"] == "kit vmlinux", pvh
assert pvh["to_workload_s"]["median"] > rows[0]["to_workload_s"]["median"], "a boot faster than exec?"
if stats:
    assert pvh["counters"], "gamut run takes --stats-file but pvh has no counters"
print("json ok:", ", ".join("%s %s %.2fx" % (r["mode"], r["cpu"], r["vs_native"]) for r in rows))
PY

xmllint --noout "$T/s.svg" || fail "the SVG is not well-formed"
bars=$(grep -o 'class="bar work"' "$T/s.svg" | wc -l)
[ "$bars" -eq "$nrows" ] || fail "$bars workload bars for $nrows rows"
[ "$(grep -o '<g class="row ok"' "$T/s.svg" | wc -l)" -eq "$nrows" ] || fail "rows in the SVG"
echo "ok: $nrows rows, table, JSON and SVG"
