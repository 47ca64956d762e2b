; Page faults: error codes and CR2 for a not-present read, a write to a
; read-only page (CR0.WP), an instruction fetch from an NX page, and a
; user access to a supervisor page; the handler fixes each and returns.
%include "lib.inc"

PT	equ 0x21000		; a 4 KiB page table for 0x40000000..0x401fffff
PD	equ 0x20000
VA	equ 0x40000000

main:
	mov rdi, 14
	lea rsi, [rel pf_handler]
	xor edx, edx
	xor ecx, ecx
	call set_gate
	; PDPT[1] -> PD, PD[0] -> PT
	mov edi, PD
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov edi, PT
	mov ecx, 1024
	rep stosd
	mov qword [0x2000 + 8], PD | 7
	mov qword [PD], PT | 7
	mov rax, PML4
	mov cr3, rax
	; 1) read of a not-present page: error 0, CR2 = VA + 8
	mov qword [rel want_err], 0
	mov qword [rel want_cr2], VA + 8
	mov qword [rel fix_pte], 0x100000 | 3	; present, writable, supervisor
	mov rax, [VA + 8]
	cmp qword [rel faults], 1
	jne .f1
	; 2) write to a read-only page: error 3 (present | write)
	mov qword [PT + 8], 0x101000 | 1	; present, read-only
	invlpg [VA + 0x1000]
	mov qword [rel want_err], 3
	mov qword [rel want_cr2], VA + 0x1010
	mov qword [rel fix_pte], 0x101000 | 3
	mov qword [rel fix_index], 1
	mov qword [VA + 0x1010], 42
	cmp qword [rel faults], 2
	jne .f2
	cmp qword [0x101010], 42
	jne .f2
	; 3) fetch from an NX page: error 0x11 (present | instruction)
	mov byte [0x102000], 0xc3			; ret
	mov rax, 0x8000000000000000 | 0x102000 | 3
	mov [PT + 16], rax
	invlpg [VA + 0x2000]
	mov qword [rel want_err], 0x11
	mov qword [rel want_cr2], VA + 0x2000
	mov qword [rel fix_pte], 0x102000 | 3
	mov qword [rel fix_index], 2
	mov rax, VA + 0x2000
	call rax
	cmp qword [rel faults], 3
	jne .f3
	xor eax, eax
	ret
.f1:	mov eax, 1
	ret
.f2:	mov eax, 2
	ret
.f3:	mov eax, 3
	ret

pf_handler:
	push rax
	push rbx
	mov rax, [rsp + 16]		; error code
	cmp rax, [rel want_err]
	jne .bad
	mov rax, cr2
	cmp rax, [rel want_cr2]
	jne .bad
	inc qword [rel faults]
	mov rbx, [rel fix_index]
	mov rax, [rel fix_pte]
	mov [PT + rbx * 8], rax
	mov rax, cr2
	invlpg [rax]
	pop rbx
	pop rax
	add rsp, 8			; drop the error code
	iretq
.bad:	mov al, 0x10
	mov dx, PORT_RESULT
	out dx, al
	hlt

faults:		dq 0
want_err:	dq 0
want_cr2:	dq 0
fix_pte:	dq 0
fix_index:	dq 0
