; INT 15h: the memory map and sizes gamut put in the table, A20 (always on
; here: gamut does not emulate the A20 gate, so it cannot be turned off),
; the target-mode hint and the configuration table.

int15:
	REGS_ENTER
	call int15_do
	REGS_IRET

int15_do:
	mov eax, [bp + F_EAX]
	cmp eax, 0xe820
	je .e820
	cmp ax, 0xe801
	je .e801
	cmp ah, 0x88
	je .k88
	cmp ax, 0x2400
	je .a20_off
	cmp ax, 0x2401
	je .done
	cmp ax, 0x2402
	je .a20_status
	cmp ax, 0x2403
	je .a20_support
	cmp ax, 0xec00
	je .done
	cmp ah, 0xc0
	je .config
.unsupported:
	mov byte [bp + F_EAX + 1], 0x86
	stc
	ret
.done:	mov byte [bp + F_EAX + 1], 0
	clc
	ret

.e820:	; EBX continuation, ECX buffer size, EDX 'SMAP', ES:DI buffer
	cmp dword [bp + F_EDX], 0x534d4150
	jne .unsupported
	mov ebx, [bp + F_EBX]
	cmp ebx, [cs:info_e820_n]
	jae .unsupported
	cmp dword [bp + F_ECX], 20
	jb .unsupported
	mov es, [bp + F_ES]
	mov di, [bp + F_EDI]
	imul si, bx, 20
	add si, info_e820
	push ds
	push cs
	pop ds
	mov cx, 20
	rep movsb
	pop ds
	inc ebx
	cmp ebx, [cs:info_e820_n]
	jb .more
	xor ebx, ebx
.more:	mov [bp + F_EBX], ebx
	mov dword [bp + F_EAX], 0x534d4150
	mov dword [bp + F_ECX], 20
	clc
	ret

.e801:	; AX=CX: KiB 1-16 MiB, BX=DX: 64 KiB blocks above 16 MiB
	mov ax, [cs:info_e801_lo]
	mov [bp + F_EAX], ax
	mov [bp + F_ECX], ax
	mov ax, [cs:info_e801_hi]
	mov [bp + F_EBX], ax
	mov [bp + F_EDX], ax
	clc
	ret

.k88:	mov ax, [cs:info_ext_kib]
	mov [bp + F_EAX], ax
	clc
	ret

.a20_off:
	jmp .unsupported
.a20_status:
	mov word [bp + F_EAX], 0x0001	; AH 0, AL 1: enabled
	clc
	ret
.a20_support:
	mov word [bp + F_EBX], 0	; no gate to drive: always enabled
	jmp .done

.config:
	mov word [bp + F_ES], 0xf000
	mov word [bp + F_EBX], config_table
	jmp .done
