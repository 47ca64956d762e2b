; SMP guest: the BSP counts the Local APICs in the ACPI MADT, starts the
; APs with INIT / SIPI / SIPI (the MP specification's sequence) through its
; Local APIC, and waits (bounded) until every AP has checked in from a
; real-mode trampoline.  Passes when the count matches the MADT.
%include "common.inc"

%define LAPIC        0xfee00000
%define LAPIC_SVR    0xf0
%define LAPIC_ICR_LO 0x300
%define LAPIC_ICR_HI 0x310
%define TRAMPOLINE   0x8000             ; SIPI vector 0x08
%define COUNTER      0x8ff0

bits 32
section .text
global _start
_start:
        mov esp, stack_top              ; the PVH ABI leaves the stack to us
        mov ebp, ebx
        mov esi, hello
        call puts
        call madt_cpus                  ; eax = Local APIC entries
        mov [ncpus], eax
        cmp eax, 2
        jae .smp
        FAIL 1, "MADT lists fewer than 2 CPUs (run with --cpus 2 or more)"
.smp:   ; the trampoline into low memory
        mov esi, tramp_start
        mov edi, TRAMPOLINE
        mov ecx, tramp_end - tramp_start
        rep movsb
        mov dword [COUNTER], 0
        ; software-enable the Local APIC
        mov dword [LAPIC + LAPIC_SVR], 0x1ff
        ; INIT to all but self, then two STARTUPs
        mov eax, 0x000c4500
        call send_ipi
        mov ecx, 100000
        call delay
        mov eax, 0x000c4600 | (TRAMPOLINE >> 12)
        call send_ipi
        mov ecx, 10000
        call delay
        mov eax, 0x000c4600 | (TRAMPOLINE >> 12)
        call send_ipi
        ; wait for ncpus-1 check-ins
        mov edx, [ncpus]
        dec edx
        mov ecx, 20000000
.wait:  cmp [COUNTER], edx
        je .all
        pause
        dec ecx
        jnz .wait
        FAIL 2, "not every AP started"
.all:   mov ecx, 1000000                ; no AP may check in twice
        call delay
        cmp [COUNTER], edx
        je .once
        FAIL 3, "an AP checked in twice"
.once:  mov esi, pass
        call puts
        EXIT_PASS

; eax = ICR low word; destination shorthand in it.
send_ipi:
        mov dword [LAPIC + LAPIC_ICR_HI], 0
        mov [LAPIC + LAPIC_ICR_LO], eax
        mov ecx, 100000
.busy:  test dword [LAPIC + LAPIC_ICR_LO], 0x1000   ; delivery status
        jz .done
        pause
        dec ecx
        jnz .busy
.done:  ret

delay:
.l:     pause
        dec ecx
        jnz .l
        ret

; Walks RSDP -> XSDT -> "APIC" and counts type-0 (Local APIC) entries.
madt_cpus:
        mov esi, [ebp + 32]             ; rsdp_paddr
        mov esi, [esi + 24]             ; XsdtAddress (low half)
        mov ecx, [esi + 4]
        sub ecx, 36
        shr ecx, 3
        lea ebx, [esi + 36]
.tbl:   mov edi, [ebx]
        cmp dword [edi], "APIC"
        je .found
        add ebx, 8
        dec ecx
        jnz .tbl
        FAIL 4, "no MADT"
.found: mov ecx, [edi + 4]
        add ecx, edi                    ; end
        lea esi, [edi + 44]
        xor eax, eax
.ent:   cmp esi, ecx
        jae .done
        cmp byte [esi], 0
        jne .next
        test dword [esi + 4], 1         ; enabled
        jz .next
        inc eax
.next:  movzx edx, byte [esi + 1]
        test edx, edx
        jz .done
        add esi, edx
        jmp .ent
.done:  ret

DEFINE_PUTS esi

; Runs on each AP in real mode at CS:IP = 0800:0000.
bits 16
tramp_start:
        cli
        xor ax, ax
        mov ds, ax
        lock inc dword [COUNTER]
.halt:  hlt
        jmp .halt
tramp_end:

bits 32
hello:  db "SMP guest: starting APs", 10, 0
pass:   db "SMP guest: PASS", 10, 0
ncpus:  dd 0

section .bss
        alignb 16
        resb 4096
stack_top:

PVH_NOTE _start
