/* Entry and ELF notes of the hostile Xen PV test kernel (hostile.c).
 * The notes are the ones gamut's domain builder reads (xen/elfnote.h):
 * each is an ELF note named "Xen" whose type is the XEN_ELFNOTE_* number. */
#include <xen/elfnote.h>
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#define __ASSEMBLY__
#include <xen/xen.h>

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

/* The "user" scenario (hostile.c): guest user space tries privileged
 * instructions.  A #GP bounced to the guest kernel lands in gp_entry, a
 * system call (the instruction did not fault) in user_syscall_entry; both
 * drop the bounce frame, take a fresh kernel stack and tell user_back()
 * which way the step ended.  The steps each end in `syscall`. */
	.globl gp_entry, user_syscall_entry, user_steps
gp_entry:
	lea kstack_top(%rip), %rsp
	mov $1, %edi
	call user_back
	ud2
user_syscall_entry:
	lea kstack_top(%rip), %rsp
	xor %edi, %edi
	call user_back
	ud2

/* #DB of the "tf_hypercall" scenario: count it and return with
 * HYPERVISOR_iret.  The bounce frame (xen/arch-x86/xen-x86_64.h) holds
 * RCX, R11, then RIP, CS, RFLAGS, RSP, SS; iret wants RAX, R11, RCX,
 * flags above them: make room and rebuild the three words. */
	.globl db_entry
db_entry:
	incq db_count(%rip)
	sub $16, %rsp
	mov %rax, (%rsp)		/* rax */
	mov 16(%rsp), %rax		/* the frame's RCX */
	mov %rax, 16(%rsp)
	mov 24(%rsp), %rax		/* the frame's R11 */
	mov %rax, 8(%rsp)
	movq $0, 24(%rsp)		/* flags */
	andq $~0x100, 48(%rsp)		/* stop stepping */
	mov $__HYPERVISOR_iret, %eax
	syscall

	.balign 16
user_steps:				/* 16 bytes each */
	.balign 16
	cli
	syscall
	.balign 16
	mov $0xc0000102, %ecx		/* MSR_KERNEL_GS_BASE */
	mov $0x41414141, %eax		/* a canonical base: only the */
	xor %edx, %edx			/* privilege can refuse it */
	wrmsr
	syscall
	.balign 16
	mov %cr3, %rax
	syscall
	.balign 16
	clts
	syscall
	.balign 16
	out %al, $0x80
	syscall
	.balign 16
	in $0x80, %al
	syscall
	.balign 16
	wbinvd
	syscall
	.balign 16
	nop				/* the control: no fault */
	syscall
	.balign 16

	.bss
	.balign 16
	.space 65536
stack_top:
	.space 16384
	.globl kstack_top
kstack_top:
	.space 4096
	.globl ustack_top
ustack_top:
	.section .note.GNU-stack, "", @progbits
