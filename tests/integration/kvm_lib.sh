# Shared by tests/integration/kvm_*.sh (sourced, not run: not executable).
# kvm_require: exits 77 with the reason unless `gamut info` finds KVM usable.
kvm_require() {
	local json reason
	json=$("$GAMUT" info --json --no-measure) || { echo "gamut info failed"; exit 1; }
	reason=$(printf '%s' "$json" | python3 -c '
import json, sys
k = json.load(sys.stdin)["kvm"]
print("" if k["usable"] else k["reason"])')
	if [ -n "$reason" ]; then
		echo "$reason"
		exit 77
	fi
}
