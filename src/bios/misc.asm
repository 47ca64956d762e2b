; INT 11h, 12h, 16h, 1Ah and the IRQ handlers.

default_iret:
	iret

irq_master:
	push ax
	mov al, 0x20
	out PIC1, al
	pop ax
	iret

irq_slave:
	push ax
	mov al, 0x20
	out PIC2, al
	out PIC1, al
	pop ax
	iret

; IRQ 0: the BIOS tick count at 40:6C, wrapping at midnight.
irq0_timer:
	push ax
	push ds
	push word BDA_SEG
	pop ds
	inc dword [BDA_TICKS]
	cmp dword [BDA_TICKS], 0x1800b0
	jb .int1c
	mov dword [BDA_TICKS], 0
	mov byte [BDA_MIDNIGHT], 1
.int1c:	int 0x1c
	mov al, 0x20
	out PIC1, al
	pop ds
	pop ax
	iret

int11:
	push ds
	push word BDA_SEG
	pop ds
	mov ax, [BDA_EQUIP]
	pop ds
	iret

int12:
	push ds
	push word BDA_SEG
	pop ds
	mov ax, [BDA_MEMKIB]
	pop ds
	iret

; A key from COM1 into the one-key lookahead, if one arrived.
; Returns AX = key (0: none).
key_poll:
	push dx
	push ds
	push word EBDA_SEG
	pop ds
	mov ax, [EBDA_KEY]
	test ax, ax
	jnz .out
	mov dx, COM1 + 5
	in al, dx
	test al, 0x01
	jz .none
	mov dx, COM1
	in al, dx
	xor ah, ah
	cmp al, 13
	jne .keep
	mov ah, 0x1c			; Enter's scan code
.keep:	mov [EBDA_KEY], ax
	jmp .out
.none:	xor ax, ax
.out:	pop ds
	pop dx
	ret

key_take:
	push ds
	push word EBDA_SEG
	pop ds
	mov word [EBDA_KEY], 0
	pop ds
	ret

; INT 16h: the keyboard is the serial console.
int16:
	push bp
	mov bp, sp
	cmp ah, 0x00
	je .read
	cmp ah, 0x10
	je .read
	cmp ah, 0x01
	je .check
	cmp ah, 0x11
	je .check
	cmp ah, 0x02
	je .shift
	cmp ah, 0x12
	je .shift
	cmp ah, 0x03
	je .ok
	cmp ah, 0x05
	je .store
	stc
	IRET_CF
.read:	sti
.wait:	call key_poll
	test ax, ax
	jz .wait
	call key_take
	jmp .ok
.check:	call key_poll
	test ax, ax
	jz .nokey
	and byte [bp + 6], 0xbf		; ZF = 0: a key is waiting
	jmp .ok
.nokey:	or byte [bp + 6], 0x40		; ZF = 1
	jmp .ok
.shift:	xor ax, ax
	jmp .ok
.store:	push ax
	call key_poll
	test ax, ax
	pop ax
	mov al, 1			; buffer full
	jnz .ok
	push ds
	push word EBDA_SEG
	pop ds
	mov [EBDA_KEY], cx
	pop ds
	xor al, al
.ok:	clc
	IRET_CF

; Reads CMOS register AL into AL (waiting out an update in progress).
cmos_read:
	push cx
	push ax
	mov cx, 0xffff
.uip:	mov al, 0x0a
	out CMOS_IDX, al
	in al, CMOS_DATA
	test al, 0x80
	loopnz .uip
	pop ax
	out CMOS_IDX, al
	in al, CMOS_DATA
	pop cx
	ret

; INT 1Ah: BIOS ticks, the RTC, and the PCI BIOS presence check.
int1a:
	push bp
	mov bp, sp
	cmp ah, 0x00
	je .getticks
	cmp ah, 0x01
	je .setticks
	cmp ah, 0x02
	je .time
	cmp ah, 0x04
	je .date
	cmp ah, 0xb1
	je .pci
	stc
	IRET_CF
.getticks:
	push ds
	push word BDA_SEG
	pop ds
	cli
	mov dx, [BDA_TICKS]
	mov cx, [BDA_TICKS + 2]
	mov al, [BDA_MIDNIGHT]
	mov byte [BDA_MIDNIGHT], 0
	sti
	pop ds
	clc
	IRET_CF
.setticks:
	push ds
	push word BDA_SEG
	pop ds
	cli
	mov [BDA_TICKS], dx
	mov [BDA_TICKS + 2], cx
	mov byte [BDA_MIDNIGHT], 0
	sti
	pop ds
	clc
	IRET_CF
.time:	mov al, 4
	call cmos_read
	mov ch, al
	mov al, 2
	call cmos_read
	mov cl, al
	xor al, al
	call cmos_read
	mov dh, al
	xor dl, dl
	clc
	IRET_CF
.date:	mov al, 0x32
	call cmos_read
	mov ch, al
	mov al, 9
	call cmos_read
	mov cl, al
	mov al, 8
	call cmos_read
	mov dh, al
	mov al, 7
	call cmos_read
	mov dl, al
	clc
	IRET_CF
.pci:	cmp al, 0x01
	jne .pci_bad
	mov ax, 0x0001			; AH 0: present; AL: mechanism #1
	mov bx, 0x0210			; PCI BIOS 2.10
	xor cl, cl			; last bus 0
	mov edx, 0x20494350		; "PCI "
	xor edi, edi			; no protected-mode entry point
	clc
	IRET_CF
.pci_bad:
	mov ah, 0x81			; function not supported
	stc
	IRET_CF
