; A real-mode test guest for gamut's BIOS: a disk image whose boot sector
; loads the rest of the test with INT 13h AH=02h, which then calls every
; BIOS service with good and bad arguments and prints one line per check
; ("ok NAME" / "FAIL NAME") on the console through INT 10h.  It ends with
; "BIOS SERVICES: PASS" or "BIOS SERVICES: FAIL n" and writes 0 (pass) or
; 1 (fail) to the debug-exit port: gamut exits 1 or 3.
;
; Disk layout (1 MiB, 2048 sectors): LBA 0 boot sector, 1-16 the test,
; 100 a marker sector ("LBA100"), 200 scratch for the write test.

bits 16
cpu 686
org 0x7c00

DISK_SECTORS	equ 2048
TEST_SECTORS	equ 16
BUF		equ 0x9000		; 512-byte buffers at 0:9000 and 0:9200
BUF2		equ 0x9200
DAP		equ 0x9400
E820BUF		equ 0x9500

boot:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7c00
	sti
	mov [drive], dl
	mov ax, 0x0200 | TEST_SECTORS	; read sectors 2..17 (CHS) to 0:7E00
	mov cx, 0x0002
	xor dh, dh
	mov bx, 0x7e00
	int 0x13
	jc .fail
	jmp main
.fail:	mov si, msg_loadfail
	call puts
	jmp finish_fail

drive:	db 0
msg_loadfail: db "FAIL chs_load", 13, 10, 0

puts:					; DS:SI
	push ax
	push bx
.l:	lodsb
	test al, al
	jz .d
	mov ah, 0x0e
	xor bx, bx
	int 0x10
	jmp .l
.d:	pop bx
	pop ax
	ret

finish_fail:
	mov dx, 0x501
	mov al, 1
	out dx, al
.h:	hlt
	jmp .h

		times 510 - ($ - $$) db 0
		dw 0xaa55

; ---------------------------------------------------------------- sector 1+
failures:	dw 0

; Prints "ok NAME" when the check passed (ZF=1 from the caller's compare),
; "FAIL NAME" otherwise.  SI = name.
%macro RESULT 1
	mov si, %%name
	call result
	jmp %%after
%%name:	db %1, 0
%%after:
%endmacro

result:					; ZF: pass
	pushf
	push si
	jz .ok
	inc word [failures]
	mov si, s_fail
	call puts
	jmp .name
.ok:	mov si, s_ok
	call puts
.name:	pop si
	call puts
	mov si, s_crlf
	call puts
	popf
	ret

s_ok:	db "ok ", 0
s_fail:	db "FAIL ", 0
s_crlf:	db 13, 10, 0
s_pass:	db "BIOS SERVICES: PASS", 13, 10, 0
s_bad:	db "BIOS SERVICES: FAIL", 13, 10, 0

; ZF=1 iff CF was clear / set.
cf_clear:
	jc .no
	cmp ax, ax
	ret
.no:	push ax
	xor ax, ax
	inc ax				; ZF=0
	pop ax
	ret
cf_set:
	jnc .no
	cmp ax, ax
	ret
.no:	push ax
	xor ax, ax
	inc ax
	pop ax
	ret

main:
	; --- INT 13h -------------------------------------------------------
	mov ah, 0x41
	mov bx, 0x55aa
	mov dl, [drive]
	int 0x13
	call cf_clear
	jnz .edd_bad
	cmp bx, 0xaa55
	jnz .edd_bad
	test cl, 1
	jz .edd_bad
	cmp ax, ax
.edd_bad:
	RESULT "int13_41_edd_present"

	; EDD read of the marker sector
	mov word [DAP], 0x10
	mov word [DAP + 2], 1
	mov word [DAP + 4], BUF
	mov word [DAP + 6], 0
	mov dword [DAP + 8], 100
	mov dword [DAP + 12], 0
	mov si, DAP
	mov ah, 0x42
	mov dl, [drive]
	int 0x13
	call cf_clear
	jnz .r_bad
	cmp dword [BUF], "LBA1"
	jnz .r_bad
	cmp word [BUF + 4], "00"
.r_bad:
	RESULT "int13_42_read_lba100"

	; EDD write then read back (two sectors at 200)
	mov di, BUF2
	mov cx, 512
	mov al, 0x5a
	rep stosb
	mov di, BUF
	mov cx, 512
	mov al, 0xa5
	rep stosb
	mov word [DAP + 2], 2
	mov word [DAP + 4], BUF
	mov dword [DAP + 8], 200
	mov si, DAP
	mov ah, 0x43
	mov dl, [drive]
	int 0x13
	call cf_clear
	jnz .w_bad
	mov di, BUF
	mov cx, 1024
	xor al, al
	rep stosb
	mov word [DAP + 2], 2
	mov si, DAP
	mov ah, 0x42
	mov dl, [drive]
	int 0x13
	call cf_clear
	jnz .w_bad
	cmp byte [BUF + 511], 0xa5
	jnz .w_bad
	cmp byte [BUF2], 0x5a
.w_bad:
	RESULT "int13_43_write_readback"

	; A read past the end of the disk fails with CF and a status
	mov word [DAP + 2], 1
	mov dword [DAP + 8], DISK_SECTORS
	mov si, DAP
	mov ah, 0x42
	mov dl, [drive]
	int 0x13
	call cf_set
	jnz .oob_bad
	test ah, ah
	jz .oob_bad2
	cmp word [DAP + 2], 0		; nothing transferred
	jmp .oob_bad
.oob_bad2:
	xor ax, ax
	inc ax
.oob_bad:
	RESULT "int13_42_past_end_fails"

	; CHS read of the marker sector: LBA 100 = C0 H1 S38 (63 spt, 255 heads)
	xor ax, ax
	mov es, ax
	mov bx, BUF
	mov ax, 0x0201
	mov cx, 38
	mov dh, 1
	mov dl, [drive]
	int 0x13
	call cf_clear
	jnz .chs_bad
	cmp al, 1
	jnz .chs_bad
	cmp dword [BUF], "LBA1"
.chs_bad:
	RESULT "int13_02_chs_read"

	; CHS sector 0 does not exist
	mov ax, 0x0201
	xor cx, cx
	xor dh, dh
	mov dl, [drive]
	int 0x13
	call cf_set
	RESULT "int13_02_sector0_fails"

	mov ah, 0x08
	mov dl, [drive]
	int 0x13
	call cf_clear
	jnz .p_bad
	cmp dh, 254
	jnz .p_bad
	and cl, 0x3f
	cmp cl, 63
	jnz .p_bad
	cmp dl, 1
.p_bad:
	RESULT "int13_08_params"

	mov word [BUF], 30
	mov si, BUF
	mov ah, 0x48
	mov dl, [drive]
	int 0x13
	call cf_clear
	jnz .x_bad
	cmp dword [BUF + 16], DISK_SECTORS
	jnz .x_bad
	cmp word [BUF + 24], 512
.x_bad:
	RESULT "int13_48_ext_params"

	mov ah, 0x15
	mov dl, [drive]
	int 0x13
	call cf_clear
	jnz .t_bad
	cmp ah, 3
	jnz .t_bad
	cmp dx, DISK_SECTORS
	jnz .t_bad
	test cx, cx
.t_bad:
	RESULT "int13_15_type"

	mov ah, 0x99
	mov dl, [drive]
	int 0x13
	call cf_set
	RESULT "int13_bad_function_fails"

	mov ax, 0x0201
	mov cx, 1
	xor dx, dx			; floppy A: none
	mov bx, BUF
	int 0x13
	call cf_set
	RESULT "int13_floppy_fails"

	mov ah, 0x08
	mov dl, 0x81			; no second disk
	int 0x13
	call cf_set
	RESULT "int13_missing_drive_fails"

	push ds
	push word 0x40
	pop ds
	cmp byte [0x75], 1
	pop ds
	RESULT "bda_disk_count"

	; --- INT 15h -------------------------------------------------------
	xor ebx, ebx
	xor bp, bp			; entries seen
	xor esi, esi			; RAM KiB seen below 4 GiB (low 32 bits)
.e820:	mov eax, 0xe820
	mov edx, 0x534d4150
	mov ecx, 24
	mov di, E820BUF
	int 0x15
	jc .e820_end
	cmp eax, 0x534d4150
	jnz .e820_bad
	inc bp
	test ebx, ebx
	jz .e820_end
	cmp bp, 32
	jb .e820
.e820_end:
	cmp bp, 3
	jb .e820_bad
	cmp ax, ax
	jmp .e820_r
.e820_bad:
	xor ax, ax
	inc ax
.e820_r:
	RESULT "int15_e820_map"

	mov eax, 0xe820
	mov edx, 0x12345678		; not 'SMAP'
	xor ebx, ebx
	mov ecx, 20
	mov di, E820BUF
	int 0x15
	call cf_set
	RESULT "int15_e820_bad_signature_fails"

	mov eax, 0xe820
	mov edx, 0x534d4150
	mov ebx, 1000			; past the last entry
	mov ecx, 20
	mov di, E820BUF
	int 0x15
	call cf_set
	RESULT "int15_e820_bad_index_fails"

	mov ax, 0xe801
	int 0x15
	call cf_clear
	jnz .e801_bad
	cmp ax, 15360
	ja .e801_bad
	cmp ax, cx
.e801_bad:
	RESULT "int15_e801"

	mov ah, 0x88
	int 0x15
	call cf_clear
	jnz .k88_bad
	test ax, ax
	jz .k88_bad2
	cmp ax, ax
	jmp .k88_bad
.k88_bad2:
	inc ax
.k88_bad:
	RESULT "int15_88"

	mov ax, 0x2401
	int 0x15
	call cf_clear
	RESULT "int15_a20_enable"

	mov ax, 0x2402
	int 0x15
	call cf_clear
	jnz .a20s_bad
	cmp al, 1
.a20s_bad:
	RESULT "int15_a20_status"

	mov ax, 0x2403
	int 0x15
	call cf_clear
	RESULT "int15_a20_support"

	mov ax, 0xec00
	mov bl, 2
	int 0x15
	call cf_clear
	RESULT "int15_ec00"

	mov ax, 0xe980
	int 0x15
	call cf_set
	jnz .u15_bad
	cmp ah, 0x86
.u15_bad:
	RESULT "int15_unsupported_fails"

	; --- INT 10h, 11h, 12h, 16h, 1Ah -----------------------------------
	mov ah, 0x0f
	int 0x10
	cmp ax, 0x5003
	RESULT "int10_0f_mode"

	mov ah, 0x03
	xor bh, bh
	int 0x10
	cmp cx, 0x0607
	RESULT "int10_03_cursor"

	mov ax, 0x4f00
	mov di, BUF
	int 0x10
	call cf_set
	RESULT "int10_vesa_unsupported"

	int 0x12
	cmp ax, 639
	RESULT "int12_base_memory"

	int 0x11
	and ax, 0x0e00
	cmp ax, 0x0200
	RESULT "int11_one_serial_port"

	mov ah, 0x02
	int 0x16
	call cf_clear
	RESULT "int16_02_shift_flags"

	mov ah, 0x01
	int 0x16
	RESULT "int16_01_no_key"		; ZF=1: nothing waiting

	mov ah, 0x77
	int 0x16
	call cf_set
	RESULT "int16_bad_function_fails"

	mov ah, 0x00
	int 0x1a
	call cf_clear
	RESULT "int1a_00_ticks"

	mov ah, 0x02
	int 0x1a
	call cf_clear
	RESULT "int1a_02_rtc_time"

	mov ax, 0xb101
	int 0x1a
	call cf_clear
	jnz .pci_bad
	cmp edx, 0x20494350
.pci_bad:
	RESULT "int1a_b101_pci_bios"

	mov ah, 0x55
	int 0x1a
	call cf_set
	RESULT "int1a_bad_function_fails"

	; --- the end --------------------------------------------------------
	cmp word [failures], 0
	jnz .failed
	mov si, s_pass
	call puts
	mov dx, 0x501
	xor al, al
	out dx, al
	jmp .failed
.failed:
	mov si, s_bad
	call puts
	jmp finish_fail

		times (1 + TEST_SECTORS) * 512 - ($ - $$) db 0
; LBA 17..99: padding; LBA 100: the marker sector
		times 100 * 512 - ($ - $$) db 0
		db "LBA100"
		times 101 * 512 - ($ - $$) db 0
		times DISK_SECTORS * 512 - ($ - $$) db 0
