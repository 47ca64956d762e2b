/* smp.S: a PVH guest that checks what the KVM backend promises, from the
 * inside, and reports through the debug-exit port (status = (v << 1) | 1):
 *   0x21 (exit 67)  all good
 *   0x10 (exit 33)  CPUID 0x40000000 lacks the "KVMKVMKVM" signature
 *   0x11 (exit 35)  not every AP came up after INIT/SIPI
 * The BSP reads the CPU count from CPUID.1:EBX[23:16] (the backend's
 * topology), copies a real-mode trampoline to 0x8000, and wakes the APs
 * with INIT + SIPI through the in-kernel LAPIC; each AP increments a
 * counter and halts. */
	.section .note.pvh, "a"
	.p2align 2
	.long 4, 4, 18		/* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long _start

#define DEBUG_EXIT 0x501
#define TRAMPOLINE 0x8000
#define COUNTER	   0x8100
#define LAPIC_SVR  0xfee000f0
#define LAPIC_ICR  0xfee00300

	.text
	.code32
	.globl _start
_start:
	cli
	mov $stack_top, %esp

	mov $0x40000000, %eax
	cpuid
	cmp $0x4b4d564b, %ebx		/* "KVMK" */
	jne fail_cpuid

	mov $1, %eax
	cpuid
	shr $16, %ebx
	and $0xff, %ebx
	mov %ebx, %ebp			/* vCPUs in the VM */

	cld
	mov $ap_tramp, %esi
	mov $TRAMPOLINE, %edi
	mov $(ap_end - ap_tramp), %ecx
	rep movsb
	movl $0, COUNTER

	movl $0x1ff, LAPIC_SVR		/* software-enable the LAPIC */
	movl $0x000c4500, LAPIC_ICR	/* INIT, all excluding self */
	mov $1000, %ecx
1:	pause
	loop 1b
	movl $(0x000c4600 | (TRAMPOLINE >> 12)), LAPIC_ICR /* SIPI */

	mov %ebp, %ebx
	dec %ebx			/* APs expected */
	mov $1000000, %ecx		/* bounded wait: fail, never hang */
2:	cmp COUNTER, %ebx
	je ok
	pause
	dec %ecx
	jnz 2b
	mov $0x11, %al
	jmp report
fail_cpuid:
	mov $0x10, %al
	jmp report
ok:
	mov $0x21, %al
report:
	mov $DEBUG_EXIT, %dx
	out %al, %dx
3:	hlt
	jmp 3b

/* Runs at 0800:0000 in real mode after SIPI; DS is 0. */
	.code16
ap_tramp:
	lock incl COUNTER
4:	cli
	hlt
	jmp 4b
ap_end:

	.code32
	.p2align 4
	.fill 256, 4, 0
stack_top:
