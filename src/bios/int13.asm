; INT 13h on the ATA disks: drive 80h is the primary master, 81h the slave.
; CHS uses a 255-head, 63-sector translation; the EDD functions take LBAs
; below 2^32.  No floppy drives exist.

int13:
	REGS_ENTER
	call int13_do
	REGS_IRET

; Sets AH (and the BDA's last status) to AL; CF = (AL != 0).
int13_status:
	mov [bp + F_EAX + 1], al
	push ds
	push word BDA_SEG
	pop ds
	mov [BDA_HD_STATUS], al
	pop ds
	cmp al, 1
	cmc
	ret

; BL = index of drive DL, CF when there is no such drive.
int13_drive:
	push ds
	push word EBDA_SEG
	pop ds
	mov bl, dl
	sub bl, 0x80
	jb .no
	cmp bl, [EBDA_NDRIVES]
	jae .no
	pop ds
	clc
	ret
.no:	pop ds
	stc
	ret

; EAX = sectors of drive BL (low 32 bits), EDX = high 32 bits.
int13_sectors:
	push ds
	push si
	push word EBDA_SEG
	pop ds
	movzx si, bl
	shl si, 3
	mov eax, [EBDA_SECTORS + si]
	mov edx, [EBDA_SECTORS + 4 + si]
	pop si
	pop ds
	ret

; EAX = translated cylinders (1 to 1024) of drive BL.
int13_cylinders:
	push ecx
	push edx
	call int13_sectors
	test edx, edx
	jnz .max
	xor edx, edx
	mov ecx, CHS_HEADS * CHS_SPT
	div ecx
	cmp eax, 1024
	ja .max
	test eax, eax
	jnz .out
	inc eax
	jmp .out
.max:	mov eax, 1024
.out:	pop edx
	pop ecx
	ret

int13_do:
	mov ah, [bp + F_EAX + 1]
	mov dl, [bp + F_EDX]
	cmp ah, 0x15
	je .type
	call int13_drive
	jc .bad
	cmp ah, 0x00
	je .ok
	cmp ah, 0x01
	je .laststatus
	cmp ah, 0x02
	je .read
	cmp ah, 0x03
	je .write
	cmp ah, 0x04
	je .ok
	cmp ah, 0x08
	je .params
	cmp ah, 0x0c
	je .ok
	cmp ah, 0x0d
	je .ok
	cmp ah, 0x10
	je .ok
	cmp ah, 0x11
	je .ok
	cmp ah, 0x41
	je .edd_check
	cmp ah, 0x42
	je .ext_read
	cmp ah, 0x43
	je .ext_write
	cmp ah, 0x44
	je .ok
	cmp ah, 0x47
	je .ok
	cmp ah, 0x48
	je .ext_params
.bad:	mov al, 0x01			; invalid function or drive
	jmp int13_status
.ok:	xor al, al
	jmp int13_status

.laststatus:
	push ds
	push word BDA_SEG
	pop ds
	mov al, [BDA_HD_STATUS]
	pop ds
	mov [bp + F_EAX], al
	xor al, al
	mov [bp + F_EAX + 1], al
	clc
	ret

.type:					; AH=15h: AH = 3 (hard disk), CX:DX sectors
	call int13_drive
	jc .notype
	call int13_sectors
	mov [bp + F_EDX], ax
	shr eax, 16
	mov [bp + F_ECX], ax
	mov byte [bp + F_EAX + 1], 3
	clc
	ret
.notype:
	mov byte [bp + F_EAX + 1], 0
	clc
	ret

.read:	xor bh, bh
	jmp .chs
.write:	mov bh, 1
.chs:					; AL count, CH/CL cylinder+sector, DH head
	movzx cx, byte [bp + F_EAX]
	jcxz .bad
	xor eax, eax
	mov al, [bp + F_ECX]
	and al, 0xc0
	shl eax, 2
	mov al, [bp + F_ECX + 1]
	imul eax, eax, CHS_HEADS
	movzx edx, byte [bp + F_EDX + 1]
	cmp dl, CHS_HEADS
	jae .bad
	add eax, edx
	imul eax, eax, CHS_SPT
	movzx edx, byte [bp + F_ECX]
	and dl, 0x3f
	jz .bad
	dec edx
	add eax, edx
	mov es, [bp + F_ES]
	mov di, [bp + F_EBX]
	call ata_rw
	mov [bp + F_EAX], cl
	mov al, ah
	jmp int13_status

.params:				; AH=08h
	call int13_cylinders
	dec eax
	mov [bp + F_ECX + 1], al	; CH: low 8 bits of the last cylinder
	shr ax, 2
	and al, 0xc0
	or al, CHS_SPT
	mov [bp + F_ECX], al		; CL: sectors + cylinder bits 8-9
	mov byte [bp + F_EDX + 1], CHS_HEADS - 1
	push ds
	push word EBDA_SEG
	pop ds
	mov al, [EBDA_NDRIVES]
	pop ds
	mov [bp + F_EDX], al
	mov byte [bp + F_EAX], 0
	mov byte [bp + F_EBX], 0
	jmp .ok

.edd_check:				; AH=41h, BX=55AAh
	cmp word [bp + F_EBX], 0x55aa
	jne .bad
	mov word [bp + F_EBX], 0xaa55
	mov byte [bp + F_EAX + 1], 0x30	; EDD 3.0
	mov word [bp + F_ECX], 0x0001	; extended disk access (42h-44h, 47h, 48h)
	clc
	ret

.ext_read:
	xor bh, bh
	jmp .ext
.ext_write:
	mov bh, 1
.ext:					; DS:SI = disk address packet
	mov ds, [bp + F_DS]
	mov si, [bp + F_ESI]
	cmp byte [si], 0x10
	jb .bad
	cmp dword [si + 12], 0		; LBA beyond 2^32
	jne .bad
	cmp dword [si + 4], 0xffffffff	; flat 64-bit buffer: not in real mode
	je .bad
	mov cx, [si + 2]
	les di, [si + 4]
	mov eax, [si + 8]
	test cx, cx
	jz .ok
	call ata_rw
	mov [si + 2], cx
	mov al, ah
	jmp int13_status

.ext_params:				; AH=48h: DS:SI = result buffer
	mov ds, [bp + F_DS]
	mov si, [bp + F_ESI]
	cmp word [si], 26
	jb .bad
	mov word [si], 26
	mov word [si + 2], 0
	call int13_cylinders
	mov [si + 4], eax
	mov dword [si + 8], CHS_HEADS
	mov dword [si + 12], CHS_SPT
	call int13_sectors
	mov [si + 16], eax
	mov [si + 20], edx
	mov word [si + 24], 512
	jmp .ok
