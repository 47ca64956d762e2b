; INT 10h: there is no display adapter; teletype output goes to COM1 and
; the mode queries answer "80x25 colour text, mode 3" so the Linux setup
; code and boot loaders find what they expect.  EGA/VGA/VESA probes are
; unsupported (CF set, registers unchanged), which reads as a CGA card.

int10:
	push bp
	mov bp, sp
	cmp ah, 0x0e
	je .tty
	cmp ah, 0x0f
	je .getmode
	cmp ah, 0x03
	je .getcursor
	cmp ah, 0x02
	je .setcursor
	cmp ah, 0x08
	je .readchar
	cmp ah, 0x00
	je .setmode
	cmp ah, 0x01
	je .ok
	cmp ah, 0x05
	je .ok
	cmp ah, 0x06
	je .ok
	cmp ah, 0x07
	je .ok
	cmp ah, 0x09
	je .ok
	cmp ah, 0x0a
	je .ok
	stc
	IRET_CF
.tty:
	call tty_out
.ok:	clc
	IRET_CF
.getmode:
	push ds
	push word BDA_SEG
	pop ds
	mov al, [BDA_VMODE]
	mov ah, [BDA_VCOLS]
	pop ds
	xor bh, bh
	clc
	IRET_CF
.setmode:
	push ds
	push word BDA_SEG
	pop ds
	and al, 0x7f
	mov [BDA_VMODE], al
	mov word [BDA_CURSOR], 0
	pop ds
	mov al, 0x30
	clc
	IRET_CF
.getcursor:
	push ds
	push word BDA_SEG
	pop ds
	mov dx, [BDA_CURSOR]
	xchg dl, dh			; stored column, row; returned DH row, DL column
	pop ds
	mov cx, 0x0607
	clc
	IRET_CF
.setcursor:
	push ds
	push dx
	push word BDA_SEG
	pop ds
	xchg dl, dh
	mov [BDA_CURSOR], dx
	pop dx
	pop ds
	clc
	IRET_CF
.readchar:
	mov ax, 0x0720
	clc
	IRET_CF

; Writes AL to COM1 (waiting a bounded time for the transmitter) and keeps
; the BDA cursor in step.  Preserves every register.
tty_out:
	push ax
	push cx
	push dx
	push ds
	mov ah, al
	mov dx, COM1 + 5
	mov cx, 0xffff
.w:	in al, dx
	test al, 0x20
	jnz .go
	loop .w
.go:	mov al, ah
	mov dx, COM1
	out dx, al
	push word BDA_SEG
	pop ds
	mov dx, [BDA_CURSOR]		; DL column, DH row
	cmp al, 13
	je .cr
	cmp al, 10
	je .lf
	cmp al, 8
	je .bs
	inc dl
	cmp dl, 80
	jb .store
.cr:	xor dl, dl
	cmp al, 13
	je .store
.lf:	cmp dh, 24
	jae .store
	inc dh
	jmp .store
.bs:	test dl, dl
	jz .store
	dec dl
.store:	mov [BDA_CURSOR], dx
	pop ds
	pop dx
	pop cx
	pop ax
	ret
