; The GDB stub's test guest (tests/integration/gdb_stub.sh).  A PVH guest
; that enters long mode with its code mapped at a high virtual address
; (HIGH + physical), so gdb's addresses only make sense through the page
; tables.  Then it computes a verdict that gdb changes:
;   spin until [go] != 0, write [wvar], read [rvar] (for watchpoints),
;   then exit value = CL + [poke] + XMM1's low dword
;   (debug-exit status = 2 * value + 1)
; gdb sets go = 1; with CL = 7 and [poke] = 0 untouched, status 15.  The
; test also sets RCX = 20 and poke = 1 at `bp_here` -> status 43; the raw
; client sets XMM1 = 3 -> status 21.  Before bp_here the x87 stack holds
; pi and 1.0, XMM0 a byte ramp and MXCSR 0xff80, for gdb to read.
%include "common.inc"

%define HIGH 0xffffffff80000000

bits 32
section .text
global _start
_start:
        mov esp, stack_top
        ; Page tables: PML4[0] and PML4[511] -> PDPTs; PDPT_lo[0] and
        ; PDPT_hi[510] -> one PD whose entry 0 maps 0-2 MiB (a 2 MiB page).
        mov dword [pml4], pdpt_lo + 3
        mov dword [pml4 + 511 * 8], pdpt_hi + 3
        mov dword [pdpt_lo], pd + 3
        mov dword [pdpt_hi + 510 * 8], pd + 3
        mov dword [pd], 0x83            ; present, writable, 2 MiB
        mov eax, pml4
        mov cr3, eax
        mov eax, cr4
        or eax, (1 << 5) | (1 << 9) | (1 << 10) ; PAE, OSFXSR, OSXMMEXCPT
        mov cr4, eax
        mov ecx, 0xc0000080             ; EFER.LME
        rdmsr
        or eax, 1 << 8
        wrmsr
        mov eax, cr0
        or eax, 0x80000001              ; PG, PE
        mov cr0, eax
        lgdt [gdtr]
        jmp 0x08:long_low

bits 64
global long_low
long_low:                               ; identity-mapped: jump up high
        mov rax, HIGH
        lea rdx, [rel high_entry]
        add rax, rdx
        jmp rax

global high_entry
high_entry:
        mov rsp, HIGH
        lea rdx, [rel stack_top]
        add rsp, rdx
        fninit
        fld1
        fldpi                           ; st0 = pi, st1 = 1.0, TOP = 6
        movdqu xmm0, [rel xmm_ramp]
        ldmxcsr [rel mxcsr_value]
        mov ecx, 7
        lea rbx, [rel data_word]
global bp_here
bp_here:
        nop
global after_nop
after_nop:
        mov eax, [rbx]                  ; 0x11223344: gdb reads it too
        cmp eax, 0x11223344
        jne bad
global spin
spin:   cmp byte [rel go], 0            ; gdb sets go = 1 (Ctrl-C lands here)
        je spin
global spin_end
spin_end:
        mov dword [rel wvar], 0x55      ; gdb's `watch` stops after it
global after_write
after_write:
        mov eax, [rel rvar]             ; and `rwatch` after this one
global after_read
after_read:
        cmp eax, 0x66
        jne bad
        movd eax, xmm1                  ; 0 unless gdb wrote it
        movzx edx, byte [rel poke]
        add eax, edx
        add eax, ecx
        mov dx, DEBUG_EXIT
        out dx, al
        cli
        hlt
bad:    mov al, 0x7f
        mov dx, DEBUG_EXIT
        out dx, al
        cli
        hlt

section .data
align 8
gdt:    dq 0
        dq 0x00209a0000000000           ; 0x08: 64-bit code
        dq 0x0000920000000000           ; 0x10: data
gdtr:   dw gdt_end - gdt - 1
        dd gdt
gdt_end:
global data_word
data_word:
        dd 0x11223344
global poke
poke:   db 0
global go
go:     db 0
align 4
global wvar
wvar:   dd 0
global rvar
rvar:   dd 0x66
align 16
xmm_ramp:
        db 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
mxcsr_value:
        dd 0xff80                       ; FZ, round toward zero, all masked

section .bss
alignb 4096
pml4:   resb 4096
pdpt_lo: resb 4096
pdpt_hi: resb 4096
pd:     resb 4096
        resb 4096
stack_top:

PVH_NOTE _start
