/* gamut PV SDK start-up: gamut enters here at CPL 3 with rsp = the top of
 * the initial stack and rdi = the start info (docs/pv-abi.md section 3). */
	.section .text.start, "ax"
	.globl _start
	.type _start, @function
_start:
	xorl %ebp, %ebp
	andq $-16, %rsp
	call __pv_start		/* never returns */
1:	ud2
	jmp 1b
	.size _start, . - _start

/* Exception entry: gamut put a struct pv_trap_frame at rsp (16-aligned)
 * and its address in rdi. */
	.text
	.globl __pv_trap_entry
	.type __pv_trap_entry, @function
__pv_trap_entry:
	call __pv_trap_dispatch	/* returns through PV_HC_TRAP_RETURN */
2:	ud2
	jmp 2b
	.size __pv_trap_entry, . - __pv_trap_entry

	.section .note.GNU-stack, "", @progbits
