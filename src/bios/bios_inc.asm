; Constants shared by the BIOS sources (bios_abi.h has the C side).

INFO_E820	equ 0x40	; offset of the e820 entries in the table
E820_MAX	equ 16
INFO_SIZE	equ 0x200	; the table area; code starts after it
INFO_F_KERNEL	equ 1

BDA_SEG		equ 0x40
EBDA_SEG	equ 0x9fc0	; 1 KiB at 0x9FC00, below the VGA hole
BASE_KIB	equ 639

; BDA offsets (segment 0x40)
BDA_COM1	equ 0x00
BDA_EBDA	equ 0x0e
BDA_EQUIP	equ 0x10
BDA_MEMKIB	equ 0x13
BDA_KBD_HEAD	equ 0x1a
BDA_KBD_TAIL	equ 0x1c
BDA_VMODE	equ 0x49
BDA_VCOLS	equ 0x4a
BDA_CURSOR	equ 0x50	; page 0: column, row
BDA_TICKS	equ 0x6c
BDA_MIDNIGHT	equ 0x70
BDA_HD_STATUS	equ 0x74
BDA_NHD		equ 0x75
BDA_KBD_START	equ 0x80
BDA_KBD_END	equ 0x82
BDA_VROWS	equ 0x84

; EBDA offsets (segment EBDA_SEG)
EBDA_SIZE	equ 0x00	; KiB, as the spec wants at offset 0
EBDA_SECTORS	equ 0x20	; u64 per drive (0x80, 0x81)
EBDA_NDRIVES	equ 0x30
EBDA_SCRATCH	equ 0x100	; 512 bytes for IDENTIFY

; Ports
COM1		equ 0x3f8
ATA_DATA	equ 0x1f0
ATA_NSECT	equ 0x1f2
ATA_LBAL	equ 0x1f3
ATA_LBAM	equ 0x1f4
ATA_LBAH	equ 0x1f5
ATA_DEV		equ 0x1f6
ATA_CMD		equ 0x1f7
ATA_CTL		equ 0x3f6
PIC1		equ 0x20
PIC2		equ 0xa0
PIT_CH0		equ 0x40
PIT_CMD		equ 0x43
CMOS_IDX	equ 0x70
CMOS_DATA	equ 0x71
DEBUG_EXIT	equ 0x501

; BIOS CHS translation for the disks (LBA-assisted, as most BIOSes do).
CHS_HEADS	equ 255
CHS_SPT		equ 63

; Bounded waits: a missing controller reads 0xFF forever.
ATA_SPIN	equ 0x100000

; Sets or clears CF in the caller's FLAGS, for handlers that did
; `push bp; mov bp, sp` on entry (FLAGS at [bp+6]).
%macro IRET_CF 0
	jc %%err
	and byte [bp + 6], 0xfe
	pop bp
	iret
%%err:
	or byte [bp + 6], 1
	pop bp
	iret
%endmacro

; More EBDA variables (ata_rw's loop state, the one-key lookahead of INT 16h)
EBDA_LBA	equ 0x34	; u32
EBDA_COUNT	equ 0x38	; u16
EBDA_DONE	equ 0x3a	; u16
EBDA_KEY	equ 0x3c	; u16, 0: empty

; The register frame of handlers that start with REGS_ENTER:
; pushad, then ds and es; bp points at it.  Writing a field changes what
; the caller gets back; CF goes back through REGS_IRET.
F_ES	equ 0
F_DS	equ 2
F_EDI	equ 4
F_ESI	equ 8
F_EBX	equ 20
F_EDX	equ 24
F_ECX	equ 28
F_EAX	equ 32

%macro REGS_ENTER 0
	pushad
	push ds
	push es
	mov bp, sp
	cld
%endmacro

; Returns to the interrupted code with the frame's registers and CF as the
; handler left it.
%macro REGS_IRET 0
	pop es
	pop ds
	popad
	push bp
	mov bp, sp
	IRET_CF
%endmacro
