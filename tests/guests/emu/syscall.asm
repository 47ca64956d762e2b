; SYSCALL/SYSRET between ring 0 and ring 3: IRETQ to user mode, a user
; SYSCALL lands on LSTAR at CPL 0 with RCX/R11 saved and RFLAGS masked,
; SYSRETQ returns; a user IN faults (#GP, IOPL 0); SWAPGS swaps GS.base.
; Single-stepping over SYSCALL with TF in FMASK: no #DB at CPL 0 (the step
; is decided by RFLAGS after the mask, as on hardware; Xen's XSA-204), and
; the step goes on in user mode after SYSRET.
%include "lib.inc"

USER_STACK equ 0x50000

main:
	mov qword [tss + 4], 0x58000		; RSP0
	mov word [tss + 0x66], 104		; no I/O bitmap
	mov rdi, 13
	lea rsi, [rel gp_handler]
	xor edx, edx
	xor ecx, ecx
	call set_gate
	mov rdi, 1
	lea rsi, [rel db_handler]
	xor edx, edx
	xor ecx, ecx
	call set_gate
	mov ecx, 0xc0000081			; STAR
	xor eax, eax
	mov edx, 0x00230010
	wrmsr
	mov ecx, 0xc0000082			; LSTAR
	lea rax, [rel sys_entry]
	mov rdx, rax
	shr rdx, 32
	wrmsr
	mov ecx, 0xc0000084			; FMASK: clear TF, IF and DF
	mov eax, 0x700
	xor edx, edx
	wrmsr
	mov ecx, 0xc0000102			; KERNEL_GS_BASE
	mov eax, 0x4000
	xor edx, edx
	wrmsr
	mov [rel kstack], rsp
	; to ring 3 through IRETQ
	push 0x2b
	push USER_STACK
	push 0x202				; IF set
	push 0x33
	lea rax, [rel user]
	push rax
	iretq

user:
	mov ax, cs
	and eax, 3
	cmp eax, 3
	jne ufail
	mov rdi, 1
	syscall				; check registers
	cmp rax, 0x77
	jne ufail
	in al, 0x60			; must #GP
	pushfq				; step over a SYSCALL
	or qword [rsp], 0x100
	popfq
	mov rdi, 4
	syscall
	nop				; the step after SYSRET traps here
	mov rdi, 2
	syscall				; finish: never returns
ufail:	mov rdi, 3
	syscall

sys_entry:
	swapgs
	mov r12, rcx
	mov ax, cs
	cmp ax, 0x10
	jne .bad
	cmp rdi, 2
	je .done
	cmp rdi, 3
	je .bad
	lea rax, [rel user]
	cmp r12, rax
	jb .bad
	test r11, 0x200			; the user's IF was saved
	jz .bad
	pushfq
	pop rax
	test rax, 0x200			; and masked here
	jnz .bad
	mov ecx, 0xc0000101		; GS_BASE is now the kernel value
	rdmsr
	cmp eax, 0x4000
	jne .bad
	swapgs
	mov rcx, r12
	mov eax, 0x77
	o64 sysret
.done:
	mov rsp, [rel kstack]
	cmp qword [rel gp_seen], 1
	jne .bad2
	cmp qword [rel db_kernel], 0	; no #DB at CPL 0
	jne .bad3
	cmp qword [rel db_user], 0	; but the user's steps go on
	je .bad3
	xor eax, eax
	ret
.bad:	mov eax, 1
	mov rsp, [rel kstack]
	ret
.bad2:	mov eax, 2
	mov rsp, [rel kstack]
	ret

.bad3:	mov eax, 3
	mov rsp, [rel kstack]
	ret

db_handler:			; count where the step trapped; user steps
	test qword [rsp + 8], 3	; go on, a kernel step stops stepping
	jnz .user
	inc qword [rel db_kernel]
	and qword [rsp + 16], ~0x100
	iretq
.user:	inc qword [rel db_user]
	iretq

gp_handler:			; user IN: skip it (2 bytes) and go on
	inc qword [rel gp_seen]
	add rsp, 8
	add qword [rsp], 2
	iretq

kstack:	dq 0
gp_seen: dq 0
db_kernel: dq 0
db_user: dq 0
