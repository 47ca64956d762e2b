; Power-on self test: from the reset vector to INT 19h.

%macro SETVEC 2
	mov word [(%1) * 4], %2
	mov word [(%1) * 4 + 2], 0xf000
%endmacro

post:
	cli
	cld
	xor ax, ax
	mov ss, ax
	mov sp, 0x7000
	mov ds, ax
	mov es, ax
	; IVT and BDA start zeroed.
	xor di, di
	mov cx, 0x300
	rep stosw
	; Every vector defaults to a bare IRET, every IRQ to an EOI.
	xor di, di
	mov cx, 256
.ivt:	mov word [di], default_iret
	mov word [di + 2], 0xf000
	add di, 4
	loop .ivt
	mov di, 0x08 * 4
	mov cx, 8
.irq1:	mov word [di], irq_master
	add di, 4
	loop .irq1
	mov di, 0x70 * 4
	mov cx, 8
.irq2:	mov word [di], irq_slave
	add di, 4
	loop .irq2
	SETVEC 0x08, irq0_timer
	SETVEC 0x10, int10
	SETVEC 0x11, int11
	SETVEC 0x12, int12
	SETVEC 0x13, int13
	SETVEC 0x15, int15
	SETVEC 0x16, int16
	SETVEC 0x18, int18
	SETVEC 0x19, int19
	SETVEC 0x1a, int1a
	call bda_init
	call ebda_init
	call pic_init
	call pit_init
	call com1_init
	call ata_detect
	mov si, banner
	call print
	sti
	int 0x19
	jmp int18

bda_init:
	mov ax, BDA_SEG
	mov ds, ax
	mov word [BDA_COM1], COM1
	mov word [BDA_EBDA], EBDA_SEG
	mov word [BDA_EQUIP], 0x0220	; one serial port, 80x25 colour
	mov ax, [cs:info_base_kib]
	mov [BDA_MEMKIB], ax
	mov word [BDA_KBD_HEAD], 0x1e
	mov word [BDA_KBD_TAIL], 0x1e
	mov word [BDA_KBD_START], 0x1e
	mov word [BDA_KBD_END], 0x3e
	mov byte [BDA_VMODE], 3
	mov word [BDA_VCOLS], 80
	mov byte [BDA_VROWS], 24
	xor ax, ax
	mov ds, ax
	ret

ebda_init:
	push es
	mov ax, EBDA_SEG
	mov es, ax
	xor di, di
	xor ax, ax
	mov cx, 512
	rep stosw
	mov byte [es:EBDA_SIZE], 1
	pop es
	ret

; Both 8259s: vectors 08h-0Fh and 70h-77h, cascade on IRQ 2; only the
; timer and the cascade are unmasked (the BIOS polls the disk).
pic_init:
	mov al, 0x11
	out PIC1, al
	out PIC2, al
	mov al, 0x08
	out PIC1 + 1, al
	mov al, 0x70
	out PIC2 + 1, al
	mov al, 0x04
	out PIC1 + 1, al
	mov al, 0x02
	out PIC2 + 1, al
	mov al, 0x01
	out PIC1 + 1, al
	out PIC2 + 1, al
	mov al, 0xfa
	out PIC1 + 1, al
	mov al, 0xff
	out PIC2 + 1, al
	ret

; PIT channel 0: square wave, divisor 65536 (18.2 Hz BIOS ticks).
pit_init:
	mov al, 0x36
	out PIT_CMD, al
	xor al, al
	out PIT_CH0, al
	out PIT_CH0, al
	ret

; COM1: 115200 8N1, FIFO on, no interrupts.
com1_init:
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x80
	out dx, al
	mov dx, COM1
	mov al, 1
	out dx, al
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x03
	out dx, al
	mov dx, COM1 + 2
	mov al, 0xc7
	out dx, al
	mov dx, COM1 + 4
	mov al, 0x03
	out dx, al
	ret

; Prints the NUL-terminated string at CS:SI.
print:
	push ax
	push si
.l:	mov al, [cs:si]
	inc si
	test al, al
	jz .d
	call tty_out
	jmp .l
.d:	pop si
	pop ax
	ret

; INT 19h: start the kernel gamut loaded, or the first disk's boot sector.
int19:
	sti
	test byte [cs:info_flags], INFO_F_KERNEL
	jnz boot_kernel
	mov ax, EBDA_SEG
	mov ds, ax
	cmp byte [EBDA_NDRIVES], 0
	mov si, msg_nodisk
	je .fail
	xor ax, ax
	mov es, ax
	mov bx, 0x7c00
	mov ax, 0x0201
	mov cx, 0x0001
	mov dx, 0x0080
	int 0x13
	mov si, msg_readerr
	jc .fail
	cmp word [es:0x7dfe], 0xaa55
	mov si, msg_nosig
	jne .fail
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7c00
	mov dx, 0x0080
	sti
	jmp 0x0000:0x7c00
.fail:
	call print
	int 0x18

; The Linux real-mode setup, as boot.rst asks a loader to enter it:
; all data segments and SS at the setup's segment, SP at the heap end,
; CS = segment + 0x20, IP = 0.
boot_kernel:
	mov si, msg_kernel
	call print
	cli
	mov ax, [cs:info_kseg]
	mov ss, ax
	mov sp, [cs:info_ksp]
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	add ax, 0x20
	push ax
	push word 0
	retf

; INT 18h: nothing to boot.  Stops gamut through the debug-exit port
; (exit status 3) so a bad image ends the run instead of hanging it.
int18:
	mov si, msg_boot18
	call print
	mov dx, DEBUG_EXIT
	mov al, 1
	out dx, al
.h:	cli
	hlt
	jmp .h
