; Real mode -> protected mode -> long mode; then checks what long mode
; must look like: EFER.LMA, CR0.PG, a 64-bit add with carry into bit 32,
; RIP-relative data, a far return into 32-bit compatibility mode and back.
%include "lib.inc"

main:
	mov ecx, 0xc0000080
	rdmsr
	test eax, 0x400			; LMA
	jz mfail1
	mov rax, 0xffffffff
	add rax, 1
	mov rbx, 0x100000000
	cmp rax, rbx
	jne mfail2
	mov rax, [rel magic]
	cmp rax, [rel magic2]
	jne mfail3
	; far return to 32-bit code (compatibility mode), which far-jumps back
	push 0x08
	lea rax, [rel compat]
	push rax
	retfq
	bits 32
compat:
	mov eax, 0x12345678
	jmp 0x10:back64
	bits 64
back64:
	cmp eax, 0x12345678
	jne mfail4
	xor eax, eax
	ret
mfail1:	mov eax, 1
	ret
mfail2:	mov eax, 2
	ret
mfail3:	mov eax, 3
	ret
mfail4:	mov eax, 4
	ret
magic:	dq 0x0123456789abcdef
magic2:	dq 0x0123456789abcdef
