; gamut's legacy BIOS: 64 KiB loaded at F000:0000 (0xF0000), entered at the
; reset vector F000:FFF0.  16-bit real mode, 386 instructions.
;
; The first 0x200 bytes are a table that gamut fills before boot (see
; bios_abi.h, which must agree with the offsets below): the memory map and
; sizes, and whether to start a kernel that gamut loaded (bzImage setup)
; instead of the first disk's boot sector.  PCI BARs are assigned by gamut
; before boot, so POST does not enumerate PCI.
;
; POST: interrupt vectors, BDA/EBDA, PICs, PIT, COM1, the ATA drives on the
; primary channel (IDENTIFY through the real controller), a banner, then
; INT 19h.  Services: INT 10h (teletype to COM1, mode queries), 11h, 12h,
; 13h (CHS and EDD on the ATA disks), 15h (E820, E801, 88h, A20, EC00h,
; C0h), 16h (keys from COM1), 18h, 19h, 1Ah (ticks, RTC, PCI BIOS check).
; Unsupported functions return with CF set.

bits 16
cpu 686
org 0

%include "bios_inc.asm"

; ---------------------------------------------------------------- the table
info:
info_magic:	db "GAMUTBIO"		; 0x00
info_version:	dd 1			; 0x08
info_flags:	dd 0			; 0x0c  bit 0: start the loaded kernel
info_kseg:	dw 0			; 0x10  real-mode segment of the setup
info_ksp:	dw 0			; 0x12  its stack pointer (heap end)
info_e820_n:	dd 0			; 0x14  entries at info_e820
info_e801_lo:	dd 0			; 0x18  KiB between 1 and 16 MiB (<= 15360)
info_e801_hi:	dd 0			; 0x1c  64 KiB blocks from 16 MiB to 4 GiB
info_ext_kib:	dd 0			; 0x20  KiB above 1 MiB for INT 15h 88h
info_base_kib:	dd 0			; 0x24  conventional memory KiB
		times INFO_E820 - ($ - info) db 0
info_e820:	times E820_MAX * 20 db 0 ; 0x40  u64 base, u64 length, u32 type
		times INFO_SIZE - ($ - info) db 0

banner:		db "gamut BIOS", 13, 10, 0
msg_nodisk:	db "gamut BIOS: no disk to boot from", 13, 10, 0
msg_readerr:	db "gamut BIOS: cannot read the boot sector", 13, 10, 0
msg_nosig:	db "gamut BIOS: the boot sector has no 55AA signature", 13, 10, 0
msg_boot18:	db "gamut BIOS: no bootable device, stopping", 13, 10, 0
msg_kernel:	db "gamut BIOS: starting the kernel's setup code", 13, 10, 0

%include "post.asm"
%include "ata.asm"
%include "int10.asm"
%include "int13.asm"
%include "int15.asm"
%include "misc.asm"

; The configuration table returned by INT 15h AH=C0h.
config_table:	dw 8			; bytes that follow
		db 0xfc, 0x00, 0x00	; model (AT), submodel, revision
		db 0x70			; 2nd PIC, RTC, INT 15h/4Fh
		db 0x40, 0, 0, 0

		times 0xfff0 - ($ - $$) db 0xff
reset_vector:	jmp 0xf000:post		; F000:FFF0
		db "11/22/26"		; BIOS date at F000:FFF5
		db 0
		db 0xfc			; model byte at F000:FFFE (AT)
		db 0
