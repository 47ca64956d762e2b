#!/usr/bin/env bash
# `gamut info` tells the truth about KVM on this host, in text and JSON, and
# gives the one answer `gamut info --kvm` and `gamut modes` give: what KVM
# can run here (none, user or full: docs/kvm.md, "Capability").
set -u
fail() { echo "FAIL: $*"; exit 1; }
out=$("$GAMUT" info) || fail "gamut info exited $?"
json=$("$GAMUT" info --json) || fail "gamut info --json exited $?"
cap=$("$GAMUT" info --kvm) || fail "gamut info --kvm exited $?"
modes=$("$GAMUT" modes) || fail "gamut modes exited $?"
printf '%s\n' "$out"
word=$(head -1 <<<"$cap")
why=$(sed -n 2p <<<"$cap")
echo "gamut info --kvm: $word ($why)"
case $word in none | user | full) ;; *) fail "gamut info --kvm: '$word' is not none, user or full" ;; esac
[ "$(wc -l <<<"$cap")" -eq 2 ] && [ -n "$why" ] || fail "gamut info --kvm: not two lines (word, reason)"

# The capability follows from /dev/kvm and the CPU flags.
flags=no
grep -m1 '^flags' /proc/cpuinfo | grep -qwE 'vmx|svm' && flags=yes
if [ ! -e /dev/kvm ]; then
	[ "$word" = none ] && grep -q "no /dev/kvm on this host" <<<"$why" || fail "no /dev/kvm, yet '$word: $why'"
elif [ "$word" != none ]; then
	[ "$word" = "$([ $flags = yes ] && echo full || echo user)" ] || fail "'$word' with vmx/svm flag: $flags"
fi

printf '%s' "$json" | python3 -c '
import json, sys
word, why, modes_text = sys.argv[1], sys.argv[2], sys.argv[3]
d = json.load(sys.stdin)
k = d["kvm"]
modes = {m["mode"]: m for m in d["modes"]}
assert set(modes) >= {"hvm", "hvm-pv", "pvhvm", "pvh", "pv"}, modes
assert d["host"]["features"]["sse2"] and d["host"]["features"]["lm"]
assert k["capability"] == word and k["reason"] == why, (k, word, why)
assert k["usable"] == (word != "none") and k["hardware_backed"] == (word == "full"), k
if word != "none":
    assert "measured" in k, k
    m = k["measured"]
    if m is not None:
        assert m["guest_ns_per_iter"] > 0 and m["ratio"] > 0, k
want = {"none": ("not available: " + why, "not available: " + why),
        "user": ("slower (KVM not hardware-backed), use --cpu emu",
                 "native speed (the PV guest kernel runs at CPL 3)"),
        "full": ("native speed", "native speed")}[word]
for name, m in modes.items():
    if not m["built"]:
        assert all(v.startswith("not built yet") for v in m["backends"].values()), m
        continue
    v = m["backends"]["kvm"]
    assert want[name == "pv"] in v, (name, v, want)
    # `gamut modes` says the same for the row (it does not measure).
    line = next(l for l in modes_text.splitlines() if l.split()[:2] == [name, "kvm:"])
    mv = line.split("kvm: ", 1)[1].rsplit("; emu:", 1)[0]
    assert want[name == "pv"] in mv, (name, mv, want)
    assert ("native speed" in v) == ("native speed" in mv), (name, v, mv)
' "$word" "$why" "$modes" || fail "info --json, info --kvm and modes do not give one answer"

grep -q "^KVM: *$word: " <<<"$out" || fail "the KVM line does not say '$word'"
if [ "$word" != none ]; then
	grep -q '^Measured: ' <<<"$out" || fail "no Measured line"
fi
grep -Eq '^VT-x/AMD-V: +(yes|no)' <<<"$out" || fail "no VT-x/AMD-V line"
"$GAMUT" info --bogus >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown option not refused with status 2"
"$GAMUT" info --kvm --json >/dev/null 2>&1
[ $? -eq 2 ] || fail "--kvm --json not refused with status 2"
echo "ok"
