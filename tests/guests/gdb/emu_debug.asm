; The guest's own debug features on the software CPU (src/cpu/emu/debug.c),
; run by tests/unit/test_gdb_emu_arch.c: RFLAGS.TF single-step traps and a
; DR0 instruction breakpoint, both as #DB with DR6 saying which.  Result
; (eax, then the debug-exit port): 0 = pass, else the failed check.
%include "lib.inc"

main:
	mov rdi, 1
	lea rsi, [rel db_handler]
	xor edx, edx
	xor ecx, ecx
	call set_gate
	xor eax, eax
	mov dr6, rax
	; --- TF: the POPF that sets it is not trapped; the POPF that clears
	; it is (TF was set when it began).
	pushfq
	or qword [rsp], 0x100
	popfq
t1:	nop
t2:	nop
t3:	pushfq
t4:	and qword [rsp], ~0x100
t5:	popfq
t6:	nop
	cmp qword [rel n], 5
	jne fail_1
	lea rax, [rel t2]
	cmp [rel rips], rax
	jne fail_2
	lea rax, [rel t3]
	cmp [rel rips + 8], rax
	jne fail_2
	lea rax, [rel t6]
	cmp [rel rips + 32], rax
	jne fail_2
	mov rax, [rel dr6s]
	and eax, 0x400f
	cmp eax, 0x4000			; BS, no B0-B3
	jne fail_3
	; --- DR0: an execution breakpoint, a fault before `brk` runs; the
	; handler sets RF so it runs once resumed.
	mov qword [rel n], 0
	lea rax, [rel brk]
	mov dr0, rax
	mov eax, 1			; L0, R/W0 = 00 (execute), LEN0 = 00
	mov dr7, rax
	mov ebx, 0
brk:	inc ebx
	xor eax, eax
	mov dr7, rax
	cmp qword [rel n], 1
	jne fail_4
	lea rax, [rel brk]
	cmp [rel rips], rax
	jne fail_5
	mov rax, [rel dr6s]
	and eax, 0x400f
	cmp eax, 1			; B0
	jne fail_6
	cmp ebx, 1			; `brk` ran exactly once
	jne fail_7
	mov rax, dr6
	cmp eax, 0xffff0ff0		; the handler cleared it; the fixed ones
	jne fail_8
	xor eax, eax
	ret
fail_1:	mov eax, 1
	ret
fail_2:	mov eax, 2
	ret
fail_3:	mov eax, 3
	ret
fail_4:	mov eax, 4
	ret
fail_5:	mov eax, 5
	ret
fail_6:	mov eax, 6
	ret
fail_7:	mov eax, 7
	ret
fail_8:	mov eax, 8
	ret

; #DB: record the saved RIP and DR6, set RF for a breakpoint fault.
; Frame after the two pushes: rsp+16 rip, +24 cs, +32 rflags.
db_handler:
	push rax
	push rbx
	mov rbx, [rel n]
	cmp rbx, 8
	jae .out
	mov rax, [rsp + 16]
	lea rcx, [rel rips]
	mov [rcx + rbx * 8], rax
	mov rax, dr6
	lea rcx, [rel dr6s]
	mov [rcx + rbx * 8], rax
	inc qword [rel n]
	test eax, 0xf
	jz .out
	or qword [rsp + 32], 0x10000	; RF
.out:	xor eax, eax
	mov dr6, rax
	pop rbx
	pop rax
	iretq

	align 8
n:	dq 0
rips:	times 8 dq 0
dr6s:	times 8 dq 0
