#!/usr/bin/env bash
# Hostile PV guests: gamut refuses each request with an error code or ends
# the guest with a clear reason (exit status 1), and never crashes or hangs.
set -u
. "$(dirname "$0")/pv_lib.sh"

disk=$(mktemp /tmp/gamut-pv-XXXXXX) # no suffix: busybox mktemp (pv_kvm_nested.sh)
trap 'rm -f "$disk"' EXIT
truncate -s 1M "$disk"
pv_run 1 "hostile: error codes ok.*argument block at 0xfffffff8 is outside guest memory" \
	--kernel "$PV_GUESTS/bad_pointers.pv"
pv_run 1 "PV MMU refusals ok.*#PF page fault at rip 0x[0-9a-f]+, address 0x1000 \(error 0x7\)" \
	--kernel "$PV_GUESTS/mmu_abuse.pv"
pv_run 1 "ring refusals ok.*ring index ran away" \
	--kernel "$PV_GUESTS/ring_abuse.pv" --disk "data=$disk"
pv_run 1 "#GP general protection" --kernel "$PV_GUESTS/privileged.pv"
pv_run 1 "only gamut's ring-0 stub may" --kernel "$PV_GUESTS/trap_port.pv"
pv_run 0 "storm ok" --kernel "$PV_GUESTS/storm.pv"
pv_run 0 "io_ports: ok" --kernel "$PV_GUESTS/io_ports.pv"
[ "$fails" -eq 0 ]
