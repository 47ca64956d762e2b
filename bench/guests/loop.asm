; The CPU-bound benchmark guest of bench/emu.sh: an unrolled loop of
; ordinary 64-bit integer code (register ALU, shifts, a load and a store,
; a compare and a taken branch) run ITERS times, then an exit.
;
; One source, two ways in, so that every emulator runs the same loop:
;   nasm -f elf64 -DPVH       linked by pvh.ld: a PVH ELF (XEN_ELFNOTE_PHYS32
;                             _ENTRY) for `gamut run --kernel` and QEMU -kernel
;   nasm -f bin -DBOOTSECTOR  a 512-byte boot sector for a BIOS (bochs has no
;                             PVH loader): real mode -> protected mode
; Both then enter long mode with the same page tables and run the same loop.
;
; Instruction count (what bench/emu.sh divides by):
;   per iteration: UNROLL blocks of BLOCK_INSNS, then `dec rcx; jnz` = 2
;   ITERS_INSNS = UNROLL * BLOCK_INSNS + 2
; The set-up and the exit are the same for every ITERS, so the difference
; of two runs with different ITERS counts loop instructions only.
;
; Exit: the debug-exit port 0x501 (gamut: exit status (v << 1) | 1; QEMU's
; isa-debug-exit the same), then bochs's shutdown port 0x8900 ("Shutdown"),
; then cli; hlt.

%ifndef ITERS
%define ITERS 1000
%endif
%define UNROLL       4
%define BLOCK_INSNS  10

%define PT_BASE      0x10000            ; PML4, PDPT, PD: 3 pages of low RAM
%define DATA_BASE    0x14000            ; the loop's load/store scratch

%ifdef BOOTSECTOR
        org 0x7c00
        bits 16
boot16:
        cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7c00
        in al, 0x92                     ; A20 on (fast gate)
        or al, 2
        and al, 0xfe
        out 0x92, al
        lgdt [gdt_ptr]
        mov eax, cr0
        or eax, 1
        mov cr0, eax
        jmp 0x08:entry32
%else
        bits 32
section .text
global _start
_start:
        jmp entry32
%endif

        bits 32
entry32:
        cli
        mov esp, PT_BASE                ; the PVH ABI leaves the stack to us
        lgdt [gdt_ptr]                  ; ours: it has a 64-bit code segment
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        ; Identity map the first 1 GiB with 2 MiB pages.
        mov edi, PT_BASE
        mov ecx, 3 * 4096 / 4
        xor eax, eax
        rep stosd
        mov dword [PT_BASE], PT_BASE + 0x1000 + 3
        mov dword [PT_BASE + 0x1000], PT_BASE + 0x2000 + 3
        mov edi, PT_BASE + 0x2000
        mov eax, 0x83                   ; present, writable, 2 MiB
        mov ecx, 512
.pde:   mov [edi], eax
        add eax, 0x200000
        add edi, 8
        dec ecx
        jnz .pde
        mov eax, cr4
        or eax, 1 << 5                  ; PAE
        mov cr4, eax
        mov eax, PT_BASE
        mov cr3, eax
        mov ecx, 0xc0000080             ; EFER.LME
        rdmsr
        or eax, 1 << 8
        wrmsr
        mov eax, cr0
        or eax, 0x80000001              ; PG, PE
        mov cr0, eax
        jmp 0x18:entry64

        bits 64
entry64:
        mov rsi, DATA_BASE
        mov rcx, ITERS
        mov rax, 0x0123456789abcdef
        mov rbx, 0x0f1e2d3c4b5a6978
        mov rdx, 1
        mov rdi, 3
        mov qword [rsi], 7
        align 16
.loop:
%rep UNROLL                             ; BLOCK_INSNS = 10
        add rax, rbx
        xor rbx, rax
        shl rdx, 3
        mov r8, [rsi]
        sub rdx, r8
        shr rdi, 1
        or rdi, rax
        and r8, rdx
        mov [rsi], rdi
        cmp rax, rdx
%endrep
        dec rcx
        jnz .loop
        ; Exit.  The loop's result goes nowhere: only the time matters.
        mov dx, 0x501
        mov al, 0
        out dx, al
        mov dx, 0x8900
        mov rsi, shutdown_str
.sd:    mov al, [rsi]
        test al, al
        jz .halt
        out dx, al
        inc rsi
        jmp .sd
.halt:  cli
        hlt
        jmp .halt

shutdown_str: db "Shutdown", 0

        align 8
gdt:    dq 0
        dq 0x00cf9a000000ffff           ; 0x08: 32-bit code
        dq 0x00cf92000000ffff           ; 0x10: data
        dq 0x00af9a000000ffff           ; 0x18: 64-bit code
gdt_ptr:
        dw gdt_ptr - gdt - 1
        dd gdt

%ifdef BOOTSECTOR
        times 510 - ($ - $$) db 0
        dw 0xaa55
%else
section .note.Xen note alloc noexec
        align 4
        dd 4, 4, 18                     ; XEN_ELFNOTE_PHYS32_ENTRY
        db "Xen", 0
        dd _start
%endif
