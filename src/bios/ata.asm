; The ATA disks on the primary IDE channel, by PIO with LBA48 commands.
; The BIOS polls: nIEN is set so the drive never interrupts it.

; Waits for BSY to clear.  AL = status; CF on timeout (no controller).
ata_wait:
	push ecx
	push dx
	mov ecx, ATA_SPIN
	mov dx, ATA_CMD
.l:	in al, dx
	test al, 0x80
	jz .ok
	dec ecx
	jnz .l
	stc
	jmp .out
.ok:	clc
.out:	pop dx
	pop ecx
	ret

; Finds the master and slave with IDENTIFY DEVICE and records their sizes
; in sectors (words 100-103, or 60-61 without LBA48).
ata_detect:
	push es
	mov ax, EBDA_SEG
	mov es, ax
	mov byte [es:EBDA_NDRIVES], 0
	mov dx, ATA_CTL
	mov al, 0x02
	out dx, al
	xor bx, bx
.next:
	cmp bl, 2
	jae .done
	mov al, bl
	shl al, 4
	or al, 0xa0
	mov dx, ATA_DEV
	out dx, al
	mov dx, ATA_CMD
	in al, dx
	test al, al
	jz .done
	cmp al, 0xff
	je .done
	call ata_wait
	jc .done
	mov al, 0xec
	out dx, al
	call ata_wait
	jc .done
	test al, 0x01
	jnz .done
	test al, 0x08
	jz .done
	mov di, EBDA_SCRATCH
	mov cx, 256
	mov dx, ATA_DATA
	rep insw
	mov eax, [es:EBDA_SCRATCH + 200]
	mov edx, [es:EBDA_SCRATCH + 204]
	mov ecx, eax
	or ecx, edx
	jnz .store
	mov eax, [es:EBDA_SCRATCH + 120]
	xor edx, edx
.store:
	movzx si, bl
	shl si, 3
	mov [es:EBDA_SECTORS + si], eax
	mov [es:EBDA_SECTORS + 4 + si], edx
	inc byte [es:EBDA_NDRIVES]
	inc bl
	jmp .next
.done:
	mov al, [es:EBDA_NDRIVES]
	mov dx, BDA_SEG
	mov es, dx
	mov [es:BDA_NHD], al
	pop es
	ret

; One sector.  EAX = LBA, BL = drive (0, 1), BH = 0 read / 1 write,
; ES:DI = buffer (DI + 512 must not wrap).  CF and AH = INT 13h status on
; failure.  Clobbers EAX, CX, DX, SI.
ata_sector:
	mov esi, eax
	call ata_wait
	jc .timeout
	mov al, bl
	shl al, 4
	or al, 0x40
	mov dx, ATA_DEV
	out dx, al
	mov dx, ATA_NSECT
	xor al, al
	out dx, al			; count, high byte
	mov al, 1
	out dx, al			; count, low byte
	mov eax, esi
	rol eax, 8
	mov dx, ATA_LBAL
	out dx, al			; LBA 24-31 (previous byte)
	xor al, al
	inc dx
	out dx, al			; LBA 32-39
	inc dx
	out dx, al			; LBA 40-47
	mov eax, esi
	mov dx, ATA_LBAL
	out dx, al			; LBA 0-7
	inc dx
	mov al, ah
	out dx, al			; LBA 8-15
	inc dx
	shr eax, 16
	out dx, al			; LBA 16-23
	mov dx, ATA_CMD
	mov al, 0x24			; READ SECTORS EXT
	test bh, bh
	jz .cmd
	mov al, 0x34			; WRITE SECTORS EXT
.cmd:	out dx, al
	call ata_wait
	jc .timeout
	test al, 0x01
	jnz .error
	test al, 0x08
	jz .error
	mov cx, 256
	mov dx, ATA_DATA
	test bh, bh
	jnz .write
	rep insw
	sub di, 512
	jmp .ok
.write:
	push ds
	push es
	pop ds
	mov si, di
	rep outsw
	pop ds
	call ata_wait
	jc .timeout
	test al, 0x01
	jnz .error
.ok:	xor ah, ah
	ret
.timeout:
	mov ah, 0x80
	stc
	ret
.error:
	mov ah, 0x04			; sector not found / read error
	test bh, bh
	jz .e
	mov ah, 0x03			; write refused (read-only disk)
.e:	stc
	ret

; CX sectors from LBA EAX on drive BL (BH: 0 read, 1 write) at ES:DI.
; Returns CF, AH = status, CX = sectors transferred.  The buffer pointer
; is normalised and advanced by segment, so any count works in real mode.
ata_rw:
	push edx
	push esi
	push fs
	push es
	push di
	mov dx, EBDA_SEG
	mov fs, dx
	mov [fs:EBDA_LBA], eax
	mov [fs:EBDA_COUNT], cx
	mov word [fs:EBDA_DONE], 0
	mov dx, di
	shr dx, 4
	mov si, es
	add si, dx
	mov es, si
	and di, 0x0f
.loop:
	mov cx, [fs:EBDA_DONE]
	cmp cx, [fs:EBDA_COUNT]
	jae .ok
	mov eax, [fs:EBDA_LBA]
	call ata_sector
	jc .out
	inc dword [fs:EBDA_LBA]
	inc word [fs:EBDA_DONE]
	mov dx, es
	add dx, 0x20
	mov es, dx
	jmp .loop
.ok:	xor ah, ah
.out:	mov cx, [fs:EBDA_DONE]
	pop di
	pop es
	pop fs
	pop esi
	pop edx
	ret
