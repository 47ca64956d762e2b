/* devices.S: a PVH guest that checks the platform devices gamut emulates
 * on every backend, from the inside, the way Linux probes them:
 *   UART   scratch register, IER read-back, loopback (MSR and data),
 *          FIFO bits in IIR; then prints a line through THR
 *   CMOS   base-memory bytes 0x15/0x16 = 640 KiB, register D VRT
 *   i8042  self test 0xAA -> 0x55
 * and then ends the machine: ACPI S5 power-off when the command line
 * starts with 'p', the i8042 pulse-reset 0xFE otherwise.  Either is exit
 * status 0.  A failed check reports through the debug-exit port
 * (status = (code << 1) | 1):
 *   0x10 scratch  0x11 IER  0x12 loopback  0x13 FIFO  0x14 THR never empty
 *   0x15 CMOS  0x16 i8042  0x17 reset ignored  0x18 power-off ignored */
	.section .note.pvh, "a"
	.p2align 2
	.long 4, 4, 18		/* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long _start

#define DEBUG_EXIT 0x501
#define COM1	   0x3f8
#define ACPI_SLEEP_CTL 0x600
#define SLP_S5	   (0x20 | (5 << 2))
#define START_INFO_CMDLINE 24	/* hvm_start_info.cmdline_paddr */

	.text
	.code32
	.globl _start
_start:
	cli
	mov $stack_top, %esp
	mov %ebx, %edi			/* hvm_start_info */

	mov $0x10, %ah			/* scratch register */
	mov $(COM1 + 7), %dx
	mov $0xa5, %al
	out %al, %dx
	in %dx, %al
	cmp $0xa5, %al
	jne fail

	mov $0x11, %ah			/* IER keeps bits 0-3 */
	mov $(COM1 + 1), %dx
	xor %al, %al
	out %al, %dx
	in %dx, %al
	and $0x0f, %al
	jnz fail
	mov $0x0f, %al
	out %al, %dx
	in %dx, %al
	and $0x0f, %al
	cmp $0x0f, %al
	jne fail
	xor %al, %al
	out %al, %dx

	mov $0x12, %ah			/* loopback: RTS|OUT2 -> CTS|DCD */
	mov $(COM1 + 4), %dx
	mov $0x1a, %al
	out %al, %dx
	mov $(COM1 + 6), %dx
	in %dx, %al
	and $0xf0, %al
	cmp $0x90, %al
	jne fail
	mov $COM1, %dx			/* a byte comes back */
	mov $0x5a, %al
	out %al, %dx
	mov $(COM1 + 5), %dx
	in %dx, %al
	test $0x01, %al
	jz fail
	mov $COM1, %dx
	in %dx, %al
	cmp $0x5a, %al
	jne fail
	mov $(COM1 + 4), %dx		/* DTR|RTS|OUT2, no loopback */
	mov $0x0b, %al
	out %al, %dx

	mov $0x13, %ah			/* FIFO enabled: IIR bits 7:6 */
	mov $(COM1 + 2), %dx
	mov $0x07, %al
	out %al, %dx
	in %dx, %al
	and $0xc0, %al
	cmp $0xc0, %al
	jne fail
	mov $(COM1 + 3), %dx		/* 8N1 */
	mov $0x03, %al
	out %al, %dx

	mov $msg, %esi
1:	lodsb
	test %al, %al
	jz 2f
	call putc
	jmp 1b
2:
	mov $0x15, %ah			/* CMOS */
	mov $0x15, %al
	out %al, $0x70
	in $0x71, %al
	cmp $0x80, %al
	jne fail
	mov $0x16, %al
	out %al, $0x70
	in $0x71, %al
	cmp $0x02, %al
	jne fail
	mov $0x0d, %al
	out %al, $0x70
	in $0x71, %al
	cmp $0x80, %al
	jne fail

	mov $0x16, %ah			/* i8042 self test */
	mov $0xaa, %al
	out %al, $0x64
	mov $100000, %ecx
3:	in $0x64, %al
	test $0x01, %al
	jnz 4f
	loop 3b
	jmp fail
4:	in $0x60, %al
	cmp $0x55, %al
	jne fail

	mov START_INFO_CMDLINE(%edi), %esi
	test %esi, %esi
	jz reset
	cmpb $'p', (%esi)
	je poweroff
reset:
	mov $0x17, %ah
	mov $0xfe, %al
	out %al, $0x64
	jmp fail
poweroff:
	mov $0x18, %ah
	mov $ACPI_SLEEP_CTL, %dx
	mov $SLP_S5, %al
	out %al, %dx
	jmp fail

/* Writes %al to COM1 once THR is empty; fails (0x14) if it never is. */
putc:
	mov %eax, %ebx
	mov $(COM1 + 5), %dx
	mov $100000, %ecx
5:	in %dx, %al
	test $0x20, %al
	jnz 6f
	loop 5b
	mov $0x14, %ah
	jmp fail
6:	mov %ebx, %eax
	mov $COM1, %dx
	out %al, %dx
	ret

/* %ah holds the failure code. */
fail:
	mov %ah, %al
	mov $DEBUG_EXIT, %dx
	out %al, %dx
7:	hlt
	jmp 7b

msg:	.asciz "gamut platform devices ok\r\n"

	.bss
	.p2align 4
	.skip 4096
stack_top:
