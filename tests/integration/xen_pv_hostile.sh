#!/usr/bin/env bash
# Hostile Xen PV guests (tests/guests/xenpv/hostile.c): a tiny PV kernel
# attacks gamut's Xen ABI -- page-table updates that would map gamut's
# frames or a page table writable, the hypervisor's L4 slots, descriptors,
# event channels, grant table, multicalls, unknown hypercalls, gamut's own
# shared frames turned into page tables (and a vcpu_info planted in a live
# L1), guest user space trying the kernel's privileged instructions,
# single-stepping across a hypercall, a vCPU never brought up, batches
# without end, garbage in the console and xenstore rings, bad iret frames,
# gamut's ring-0 selectors and frames, exceptions without handlers.  gamut
# must answer each with the error code Xen gives (checked exactly, line by
# line), or stop the guest with a one-line reason and exit status 1; it
# must never crash or hang, and the host's files stay as they were.
# About 10 s on --cpu emu; script(1) for the one check that needs a
# terminal (skipped without it).
set -u
. tests/lib/common.sh

GUEST=$BUILD/guests/xenpv/hostile.elf
[ -f "$GUEST" ] || make -s test-guests BUILD="$BUILD" >/dev/null
[ -f "$GUEST" ] || fail "no hostile Xen PV kernel at $GUEST (make test-guests)"

# Files of the host the guest must not reach: gamut itself, the kernel
# image, and a file in the test's directory.
printf 'host file, not the guest'"'"'s\n' >"$T/canary"
sums() { md5sum "$GAMUT" "$GUEST" "$T/canary"; }
before=$(sums)

fails=0
bad() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# run SCENARIO: gamut's output in $T/SCENARIO.out, its status in $rc;
# the options in $opts added.
opts=()
run() {
	timeout 120 "$GAMUT" run --mode pv --cpu emu --mem 128 "${opts[@]}" \
		--kernel "$GUEST" --cmdline "$1" >"$T/$1.out" 2>&1
	rc=$?
}

show() {
	sed 's/^/    /' "$T/$1.out" | cut -c1-200
}

# scenario_ok SCENARIO STATUS LINE...: exits with STATUS, and every LINE
# is a whole line of the output; "FAIL" is not.
scenario_ok() {
	local s=$1 want=$2 line ok=1
	shift 2
	run "$s"
	if [ "$rc" -ne "$want" ]; then
		bad "$s: gamut exited $rc (want $want)"
		ok=0
	fi
	for line in "$@"; do
		grep -qxF -- "$line" "$T/$s.out" || { bad "$s: no line '$line'"; ok=0; }
	done
	if grep -q '^FAIL' "$T/$s.out"; then
		bad "$s: the guest saw a wrong answer: $(grep '^FAIL' "$T/$s.out" | head -5 | tr '\n' ';')"
		ok=0
	fi
	if grep -qE 'Segmentation fault|Aborted|internal error|AddressSanitizer|runtime error' "$T/$s.out"; then
		bad "$s: gamut itself failed"
		ok=0
	fi
	if [ "$ok" -eq 1 ]; then
		echo "ok   $s -> $rc"
	else
		show "$s"
	fi
}

# The refusals: every answer, exactly (rc= is the hypercall's result; the
# checks of intact state print rc=0).
scenario_ok refusals 0 \
	'ok mmu_foreign_rw rc=-1' 'ok mmu_foreign_ro rc=-1' 'ok mmu_huge_frame rc=-1' \
	'ok mmu_foreign_unmapped rc=0' 'ok mmu_scratch_intact rc=0' \
	'ok mmu_l4_writable rc=-16' 'ok mmu_l4_unmapped rc=0' 'ok mmu_l4_readonly rc=0' \
	'ok mmu_l4_readonly_reads rc=0' 'ok mmu_restore rc=0' 'ok mmu_restored rc=0' \
	'ok ptwr_store_good rc=0' 'ok ptwr_scratch_intact rc=0' \
	'ok mmu_hv_slot256 rc=-22' 'ok mmu_hv_slot271 rc=-22' 'ok mmu_guest_slot300 rc=0' \
	'ok mmu_bad_command rc=-38' 'ok mmu_list_unmapped rc=-14' 'ok mmu_other_domain rc=-1' \
	'ok mmu_done_count rc=0' 'ok mmu_done_value rc=2' 'ok mmu_done_canary rc=0' \
	'ok mmuext_done_count rc=0' 'ok mmuext_done_value rc=1' 'ok mmuext_done_canary rc=0' \
	'ok mmu_count_upper_bits rc=0' 'ok mmu_count_upper_bits_done rc=0' \
	'ok uva_pcd rc=-22' 'ok uva_pse rc=-22' 'ok uva_hv_range rc=-22' \
	'ok uva_noncanonical rc=-22' 'ok uva_no_l1 rc=-22' 'ok uva_good rc=0' \
	'ok uva_scratch_intact rc=0' \
	'ok pin_beyond rc=-22' 'ok pin_huge rc=-22' 'ok unpin_unpinned rc=-22' \
	'ok unpin_beyond rc=-22' 'ok new_baseptr_beyond rc=-22' 'ok mmuext_unknown rc=-38' \
	'ok pin_shared_info rc=-22' 'ok gnttab_setup_one rc=0' 'ok gnttab_setup_one_status rc=0' \
	'ok pin_gnttab_frame rc=-22' 'ok unmap_store rc=0' 'ok pin_store_ring rc=-22' \
	'ok remap_store rc=0' 'ok unmap_console rc=0' 'ok pin_console_ring rc=-22' \
	'ok remap_console rc=0' 'ok vcpu_info_in_l4 rc=-22' 'ok l4_intact rc=0' \
	'ok vcpu_info_beyond rc=-22' 'ok vcpu_info_offset rc=-22' 'ok vcpu_info_good rc=0' \
	'ok unmap_vcpu_info rc=0' 'ok pin_vcpu_info rc=-22' \
	'ok trap_table_unmapped rc=-14' 'ok trap_table_hv rc=-14' 'ok trap_table_noncanonical rc=-14' \
	'ok gdt_call_gate rc=-22' 'ok gdt_tss rc=-22' 'ok gdt_too_many rc=-22' 'ok gdt_huge rc=-22' \
	'ok gdt_frame_beyond rc=-22' 'ok gdt_frame_l4 rc=-22' 'ok gdt_list_unmapped rc=-14' \
	'ok update_descriptor_l4 rc=-22' 'ok update_descriptor_l4_intact rc=0' \
	'ok update_descriptor_misaligned rc=-22' 'ok update_descriptor_beyond rc=-22' \
	'ok update_descriptor_gate rc=-22' 'ok update_descriptor_good rc=0' \
	'ok port_0_send rc=-22' 'ok port_0_close rc=-22' \
	'ok port_1023_send rc=-22' 'ok port_1023_close rc=-22' \
	'ok port_1024_send rc=-22' 'ok port_1024_close rc=-22' 'ok port_1024_unmask rc=-22' \
	'ok port_4096_send rc=-22' 'ok port_4096_close rc=-22' 'ok port_4096_unmask rc=-22' \
	'ok port_70000_send rc=-22' 'ok port_70000_close rc=-22' 'ok port_70000_unmask rc=-22' \
	'ok port_4294967295_send rc=-22' 'ok port_4294967295_close rc=-22' \
	'ok port_4294967295_unmask rc=-22' \
	'ok bind_virq_nr_virqs rc=-22' 'ok bind_virq_huge rc=-22' 'ok bind_virq_bad_vcpu rc=-22' \
	'ok bind_virq_timer rc=0' 'ok bind_virq_port rc=0' 'ok bind_virq_again rc=-17' \
	'ok evtchn_arg_unmapped rc=-14' 'ok evtchn_unknown_op rc=-38' \
	'ok gnttab_setup_huge rc=0' 'ok gnttab_setup_huge_status rc=-1' \
	'ok gnttab_setup_list_unmapped rc=-14' 'ok gnttab_count_huge rc=-22' \
	'ok gnttab_map_grant rc=-38' \
	'ok hypercall_50 rc=-38' 'ok hypercall_63 rc=-38' 'ok hypercall_64 rc=-38' \
	'ok hypercall_1000 rc=-38' 'ok hypercall_minus1 rc=-38' \
	'ok multicall_100000 rc=-22' 'ok multicall_unmapped rc=-14' 'ok multicall_good rc=0' \
	'ok multicall_entry0 rc=262161' 'ok multicall_nested rc=-22' 'ok multicall_unknown rc=0' \
	'ok multicall_unknown_entry rc=-38' 'ok multicall_iret rc=0' 'ok multicall_iret_entry rc=-22' \
	'ok hypercall_rsp_noncanonical rc=262161' 'ok hypercall_rsp_hv rc=262161' \
	'ok hypercall_rsp_zero rc=262161' \
	'ok console_io_unmapped rc=-14' 'ok console_io_unknown rc=-38' \
	'ok sched_op_unknown rc=-22' 'ok shutdown_unmapped rc=-14' 'ok vcpu_op_vcpu_huge rc=-22' \
	'ok poll_too_many rc=-22' 'ok poll_list_unmapped rc=-14' 'ok poll_past_timeout rc=0' \
	'ok vm_assist_type31 rc=-22' 'ok vm_assist_type_huge rc=-22' 'ok new_baseptr_zero rc=-22' \
	'ok xen_version_unmapped rc=-14' 'ok xen_version_unknown rc=-38' \
	'ok memory_map_unmapped rc=-14' 'ok memory_op_unknown rc=-38' \
	'xen-hostile: all ok'

# A registered vcpu_info is written by gamut: placed inside a live L1 it
# would plant an entry mapping gamut's own frame writable (the guest
# prints "FAIL escape: ..." if it gets that mapping).
scenario_ok escape 0 'ok escape_map_shared_info rc=0' 'ok escape_register rc=-22' \
	'ok escape_victim_intact rc=0' 'ok escape_unmap_shared_info rc=0' 'xen-hostile: all ok'

# Guest user space tries the privileged instructions gamut emulates for
# the guest kernel: each must reach the kernel's #GP handler (rc=1), as
# under Xen; the control step (a nop) comes back by system call (rc=0).
scenario_ok user 0 'ok user_set_trap_table rc=0' 'ok user_syscall_callback rc=0' \
	'ok user_stack_switch rc=0' 'ok user_cli_gp rc=1' 'ok user_wrmsr_gp rc=1' \
	'ok user_read_cr3_gp rc=1' 'ok user_clts_gp rc=1' 'ok user_out_gp rc=1' \
	'ok user_in_gp rc=1' 'ok user_wbinvd_gp rc=1' 'ok user_nop_returns rc=0' \
	'xen-hostile: all ok'

# Single-stepping across a hypercall (RFLAGS.TF set): the step ends in
# the guest's #DB handler, never in gamut's ring-0 stub.
scenario_ok tf_hypercall 0 'ok tf_hypercall rc=262161' 'ok tf_db_seen rc=0' 'xen-hostile: all ok'

# A second vCPU that is never brought up: its timer, event channel and
# vcpu_info registration (made by vCPU 0, from vCPU 0's memory) work.
opts=(--cpus 2)
scenario_ok vcpu1 0 'ok vcpu1_is_up rc=0' 'ok vcpu1_up rc=-22' 'ok vcpu1_bind_timer rc=0' \
	'ok vcpu1_unmask rc=0' 'ok vcpu1_register_vcpu_info rc=0' 'ok vcpu1_timer rc=0' \
	'ok vcpu1_poll rc=0' 'ok vcpu1_vcpu2 rc=-2' 'xen-hostile: all ok'
opts=()

# A batch of 2^31 - 1 page-table updates over 512 GiB of aliases: gamut
# preempts it (batches of 3000 are continued to the right count first),
# so the console's Ctrl-A x, sent on a terminal (script(1)) once the guest
# is inside that call, still ends gamut (status 0) within seconds.
if command -v script >/dev/null 2>&1; then
	mkfifo "$T/long.in"
	exec 3<>"$T/long.in"
	script -q -e -c "$GAMUT run --mode pv --cpu emu --mem 128 --kernel $GUEST --cmdline long" \
		/dev/null <"$T/long.in" >"$T/long.out" 2>&1 &
	pid=$!
	for _ in $(seq 600); do
		grep -q 'long: calling' "$T/long.out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	sleep 1
	printf '\001x' >&3
	for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		bad "long: gamut did not stop within 15 s of Ctrl-A x while the guest was in a long hypercall"
		show long
	else
		wait "$pid"
		rc=$?
		tr -d '\r' <"$T/long.out" >"$T/long.lines"
		miss=
		for line in 'ok long_map_512g rc=0' 'ok long_alias rc=0' 'ok long_batch_3000 rc=0' \
			'ok long_batch_done rc=3000' 'ok long_batch_canary rc=0' 'ok long_multicall rc=0' \
			'ok long_multicall_entry rc=0' 'ok long_multicall_done rc=3000' \
			'ok long_console rc=0' 'long: calling'; do
			grep -qxF -- "$line" "$T/long.lines" || miss="$miss '$line'"
		done
		if [ "$rc" -ne 0 ] || [ -n "$miss" ] || grep -q '^FAIL' "$T/long.lines"; then
			bad "long: gamut exited $rc (want 0), missing:${miss:- none}"
			grep -v '^\.\.\.' "$T/long.lines" | sed 's/^/    /' | cut -c1-200
		else
			echo "ok   long -> 0 (Ctrl-A x inside a 2^31-entry mmu_update)"
		fi
	fi
	exec 3>&-
else
	echo "skip long: no script(1) for a terminal"
fi

# Garbage in the shared rings: the console shows at most a ring's worth,
# xenstore closes the connection with one line; the guest goes on and
# powers off (0).
rings_common=('ok console_ring_garbage rc=0' 'ok console_ring_backwards rc=0'
	'ok xenstore_ring_garbage rc=0' 'ok xenstore_ring_again rc=0' 'xen-hostile: all ok')
scenario_ok rings 0 "${rings_common[@]}" \
	"gamut: xenstore: xenstore ring of domain 1: response ring offsets out of range (cons 0x1234, prod 0xfffff000) (the guest's xenstore connection is closed)"
scenario_ok xs_len 0 "${rings_common[@]}" \
	"gamut: xenstore: xenstore ring of domain 1: request payload of 4294967295 bytes over the maximum of 4096 (the guest's xenstore connection is closed)"
for s in rings xs_len; do
	n=$(grep -c '^gamut: xenstore:' "$T/$s.out")
	[ "$n" -eq 1 ] || bad "$s: $n xenstore lines on stderr (want exactly 1)"
done

# The guest gamut must stop: exit 1, one "Xen PV guest stopped" line that
# says why, no wrong answer before it and nothing the guest printed after.
stopped() { # SCENARIO REGEX
	local n
	run "$1"
	n=$(grep -c 'Xen PV guest stopped' "$T/$1.out")
	if [ "$rc" -ne 1 ] || [ "$n" -ne 1 ] ||
	   ! grep -qE "^gamut: Xen PV guest stopped: $2\$" "$T/$1.out" ||
	   grep -qE '^FAIL|xen-hostile: all ok' "$T/$1.out"; then
		bad "$1: gamut exited $rc (want 1) with $n stop lines (want 1 matching '$2'):"
		show "$1"
	else
		echo "ok   $1 -> $rc ($(grep -o 'Xen PV guest stopped: .*' "$T/$1.out"))"
	fi
}
stopped iret_unmapped 'vcpu 0: iret frame at 0xffffffffa0000000 unreadable'
stopped iret_noncanonical 'vcpu 0: iret frame at 0xdead00000000beef unreadable'
stopped iret_hv 'vcpu 0: iret frame at 0xffff800000001000 unreadable'
stopped iret_bad_selectors 'vcpu 0: iret to bad selectors 0xfff8/0xfff0'
stopped ud2 'vcpu 0: exception 6 \(error 0\) at rip 0xffffffff801[0-9a-f]{5} with no guest handler'
stopped int80 'vcpu 0: exception 13 \(error 0x402\) at rip 0xffffffff801[0-9a-f]{5} with no guest handler'
stopped ptwr_foreign 'vcpu 0: exception 14 \(error 0x3\) at rip 0xffffffff801[0-9a-f]{5} with no guest handler'
# gamut's own ring-0 descriptors and the CPU's privileged instructions:
# the CPU (here gamut's software CPU) refuses them at CPL 3 with #GP.
gp='vcpu 0: exception 13 \(error %s\) at rip 0xffffffff801[0-9a-f]{5} with no guest handler'
# shellcheck disable=SC2059
{
	stopped ds_ring0 "$(printf "$gp" 0xe010)"
	stopped lret_ring0 "$(printf "$gp" 0xe008)"
	stopped iretq_ring0 "$(printf "$gp" 0xe008)"
	stopped lcall_tss "$(printf "$gp" 0xe040)"
	stopped lgdt "$(printf "$gp" 0)"
	stopped swapgs "$(printf "$gp" 0)"
}
# gamut's part of the address space: the M2P read-only, the rest
# supervisor-only (#PF, error: present, plus write).
stopped m2p_write 'vcpu 0: exception 14 \(error 0x3\) at rip 0xffffffff801[0-9a-f]{5} with no guest handler'
stopped stub_read 'vcpu 0: exception 14 \(error 0x1\) at rip 0xffffffff801[0-9a-f]{5} with no guest handler'
stopped page_fault 'vcpu 0: exception 14 \(error 0x2\) at rip 0xffffffff801[0-9a-f]{5} with no guest handler'
stopped stack_fault 'vcpu 0: cannot write a trap frame on the guest kernel stack at 0xffffffff9fffffc8 \(rip 0xffffffff801[0-9a-f]{5}\)'

# A scenario the kernel does not know must fail: the checks above can.
run no_such_scenario
if [ "$rc" -ne 4 ] || ! grep -qx 'FAIL unknown scenario' "$T/no_such_scenario.out"; then
	bad "no_such_scenario: gamut exited $rc (want 4, the guest's crash shutdown)"
	show no_such_scenario
else
	echo "ok   no_such_scenario -> 4 (the guest's own failure is seen)"
fi

# gamut itself must not have failed in any run (sanitizer builds say so).
for f in "$T"/*.out; do
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation fault|internal error' "$f"; then
		bad "$(basename "$f" .out): gamut itself failed:"
		grep -E 'Sanitizer|runtime error:|Segmentation|internal error' "$f" | head -5 | sed 's/^/    /'
	fi
done

[ "$(sums)" = "$before" ] || bad "host files changed: $(diff <(echo "$before") <(sums) | tr '\n' ' ')"
[ "$fails" -eq 0 ] || fail "$fails hostile Xen PV checks failed"
echo "ok: gamut refuses every hostile Xen PV request with Xen's code or stops the guest with one line"
