/* Entry and ELF notes of the hostile Xen PV test kernel (hostile.c).
 * The notes are the ones gamut's domain builder reads (xen/elfnote.h):
 * each is an ELF note named "Xen" whose type is the XEN_ELFNOTE_* number. */
#include <xen/elfnote.h>

#define VIRT_BASE 0xffffffff80000000

.macro xen_note type, body:vararg
	.pushsection .note.Xen, "a", @note
	.balign 4
	.long 2f - 1f		/* name size */
	.long 4f - 3f		/* descriptor size */
	.long \type
1:	.asciz "Xen"
2:	.balign 4
3:	\body
4:	.balign 4
	.popsection
.endm

	xen_note XEN_ELFNOTE_GUEST_OS, .asciz "gamut-hostile"
	xen_note XEN_ELFNOTE_XEN_VERSION, .asciz "xen-3.0"
	xen_note XEN_ELFNOTE_LOADER, .asciz "generic"
	xen_note XEN_ELFNOTE_VIRT_BASE, .quad VIRT_BASE
	/* The image is linked with physical = virtual addresses (ld's
	 * default); the builder loads it at paddr - PADDR_OFFSET, 1 MiB. */
	xen_note XEN_ELFNOTE_PADDR_OFFSET, .quad VIRT_BASE
	xen_note XEN_ELFNOTE_ENTRY, .quad _start

	.text
	.globl _start
/* The PV start state (xen/xen.h, "Start-of-day memory layout"): CPL 3 in
 * guest kernel mode, RSI = start_info; events masked.  Our own stack, then
 * C with start_info as its argument. */
_start:
	lea stack_top(%rip), %rsp
	mov %rsi, %rdi
	call guest_main
	ud2			/* guest_main never returns */

	.bss
	.balign 16
	.space 65536
stack_top:
	.section .note.GNU-stack, "", @progbits
