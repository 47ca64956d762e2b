; Interrupt masking and the LAPIC timer: a one-shot timer fires while
; IF=0 and must not be taken until STI (and not before the instruction
; after STI); HLT then wakes for a periodic timer; EOI clears ISR.
%include "lib.inc"

LAPIC equ 0xfee00000

main:
	mov rdi, 0x40
	lea rsi, [rel timer_handler]
	xor edx, edx
	xor ecx, ecx
	call set_gate
	; map the LAPIC page: PDPT[3] -> PD at 0x20000, 2 MiB page 0xfee00000
	mov edi, 0x20000
	xor eax, eax
	mov ecx, 1024
	rep stosd
	mov qword [0x2000 + 3 * 8], 0x20003
	mov eax, 0xfee00000 | 0x9b		; (a 32-bit immediate would sign-extend)
	mov [0x20000 + 503 * 8], rax
	mov rax, PML4
	mov cr3, rax
	mov rbx, LAPIC
	mov dword [rbx + 0xf0], 0x1ff		; SVR: enable, spurious 0xff
	mov dword [rbx + 0x3e0], 0xb		; divide by 1
	mov dword [rbx + 0x320], 0x40		; LVT timer: vector 0x40, one-shot
	mov dword [rbx + 0x380], 1000		; 1000 ns
	; wait with IF=0 until the timer is pending in IRR (0x200 + 0x40/32*16)
	mov ecx, 100000000
.wait:	test dword [rbx + 0x220], 1		; IRR bit 0x40
	jnz .pending
	dec ecx
	jnz .wait
	mov eax, 1
	ret
.pending:
	cmp qword [rel ticks], 0
	jne .f2
	sti
	mov qword [rel shadow], 1		; runs before the interrupt
	nop
	cli
	cmp qword [rel ticks], 1
	jne .f3
	cmp qword [rel shadow_seen], 1
	jne .f4
	; periodic mode, woken from HLT three times
	mov dword [rbx + 0x320], 0x20040	; periodic
	mov dword [rbx + 0x380], 100000		; 100 us
.again:	sti
	hlt
	cli
	cmp qword [rel ticks], 4
	jb .again
	mov dword [rbx + 0x320], 0x10040	; masked
	test dword [rbx + 0x120], 1		; ISR clear after EOI
	jnz .f5
	xor eax, eax
	ret
.f2:	mov eax, 2
	ret
.f3:	mov eax, 3
	ret
.f4:	mov eax, 4
	ret
.f5:	mov eax, 5
	ret

timer_handler:
	push rax
	mov rax, [rel shadow]
	mov [rel shadow_seen], rax
	inc qword [rel ticks]
	mov rax, LAPIC
	mov dword [rax + 0xb0], 0		; EOI
	pop rax
	iretq

ticks:		dq 0
shadow:		dq 0
shadow_seen:	dq 0
