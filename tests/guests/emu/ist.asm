; Exception delivery through the IDT with an IST stack: INT3 and #UD both
; arrive on IST1 with the right frame; #DE arrives on the current stack;
; the error code of #GP from a bad segment load names the selector.
%include "lib.inc"

IST1_TOP equ 0x60000

main:
	mov qword [tss + 0x24], IST1_TOP	; IST1
	mov rdi, 3
	lea rsi, [rel bp_handler]
	mov edx, 1
	xor ecx, ecx
	call set_gate
	mov rdi, 6
	lea rsi, [rel ud_handler]
	mov edx, 1
	xor ecx, ecx
	call set_gate
	mov rdi, 13
	lea rsi, [rel gp_handler]
	xor edx, edx
	xor ecx, ecx
	call set_gate
	mov rdi, 0
	lea rsi, [rel de_handler]
	xor edx, edx
	xor ecx, ecx
	call set_gate
	mov r15, rsp
	int3
	cmp qword [rel hits], 1
	jne .f1
	cmp rsp, r15
	jne .f1
	ud2
	cmp qword [rel hits], 2
	jne .f2
	xor edx, edx
	xor ecx, ecx
	mov eax, 7
	div ecx
	cmp qword [rel hits], 3
	jne .f3
	mov ax, 0x1234 & ~7		; beyond the GDT limit
	mov ds, ax
	cmp qword [rel hits], 4
	jne .f4
	xor eax, eax
	ret
.f1:	mov eax, 1
	ret
.f2:	mov eax, 2
	ret
.f3:	mov eax, 3
	ret
.f4:	mov eax, 4
	ret

bp_handler:				; frame: rip cs rflags rsp ss, on IST1
	lea rax, [rsp + 40]
	cmp rax, IST1_TOP
	jne fail
	cmp qword [rsp + 8], 0x10
	jne fail
	inc qword [rel hits]
	iretq
ud_handler:
	lea rax, [rsp + 40]
	cmp rax, IST1_TOP
	jne fail
	inc qword [rel hits]
	add qword [rsp], 2		; skip ud2
	iretq
de_handler:
	lea rax, [rsp + 40]
	cmp rax, IST1_TOP		; not on IST1
	je fail
	inc qword [rel hits]
	add qword [rsp], 2		; skip div ecx
	iretq
gp_handler:
	cmp qword [rsp], 0x1230		; error code: the selector
	jne fail
	inc qword [rel hits]
	add rsp, 8
	add qword [rsp], 2		; skip mov ds, ax
	iretq
fail:	mov al, 0x20
	mov dx, PORT_RESULT
	out dx, al
	hlt

hits:	dq 0
