#!/usr/bin/env bash
# `gamut info` tells the truth about KVM on this host, in text and JSON.
set -u
fail() { echo "FAIL: $*"; exit 1; }
out=$("$GAMUT" info) || fail "gamut info exited $?"
json=$("$GAMUT" info --json) || fail "gamut info --json exited $?"
printf '%s\n' "$out"
printf '%s' "$json" | python3 -c '
import json, os, sys
d = json.load(sys.stdin)
k = d["kvm"]
modes = {m["mode"]: m for m in d["modes"]}
assert set(modes) >= {"hvm", "hvm-pv", "pvhvm", "pvh", "pv"}, modes
assert d["host"]["features"]["sse2"] and d["host"]["features"]["lm"]
if not os.path.exists("/dev/kvm"):
    assert not k["usable"] and "no /dev/kvm on this host" in k["reason"], k
    assert modes["pvh"]["backends"]["kvm"].startswith("not available: no /dev/kvm"), modes["pvh"]
elif k["usable"]:
    assert k["hardware_backed"] in (True, False), k
    assert k["guest_ns_per_iter"] > 0 and k["ratio"] > 0, k
    want = "native speed" if k["hardware_backed"] else "slower, use --cpu emu"
    assert want in modes["pvh"]["backends"]["kvm"], modes["pvh"]
for m in modes.values():
    if not m["built"]:
        assert all(v.startswith("not built yet") for v in m["backends"].values()), m
' || fail "JSON does not match the host"
if [ -e /dev/kvm ]; then
	grep -Eq '^KVM: +(hardware-backed|not hardware-backed|/dev/kvm|.*permission)' <<<"$out" ||
		fail "no KVM verdict line"
else
	grep -q '^KVM: *no /dev/kvm on this host' <<<"$out" || fail "KVM line does not say /dev/kvm is missing"
fi
grep -Eq '^VT-x/AMD-V: +(yes|no)' <<<"$out" || fail "no VT-x/AMD-V line"
"$GAMUT" info --bogus >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown option not refused with status 2"
echo "ok"
