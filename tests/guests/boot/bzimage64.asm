; A minimal bzImage for the Linux 64-bit boot protocol (boot.rst): a setup
; header (protocol 2.15, relocatable, XLF_KERNEL_64) and a "kernel" whose
; 64-bit entry at +0x200 checks the entry state boot.rst promises:
; long mode with paging, identity mapping of the kernel, zero page and
; command line, __BOOT_CS 0x10 / __BOOT_DS 0x18, interrupts off, RSI = the
; zero page.  The integration test passes --cmdline "bz-test-cmdline" and
; an initrd that starts with "GAMUTRD!".
%include "common.inc"

%define LOAD 0x1000000                  ; where a 2 MiB-aligned loader puts us

section setup start=0
        times 0x1f1 db 0
        db 1                            ; 0x1f1 setup_sects
        dw 0                            ; root_flags
        dd 4096 / 16                    ; syssize: the kernel section below
        dw 0                            ; ram_size
        dw 0xffff                       ; vid_mode
        dw 0                            ; root_dev
        dw 0xaa55                       ; boot_flag
        db 0xeb, 0x6a                   ; 0x200 jump: header ends at 0x26c
        db "HdrS"                       ; 0x202
        dw 0x020f                       ; 0x206 version 2.15
        times 0x211 - ($ - $$) db 0
        db 0x01                         ; 0x211 loadflags: LOADED_HIGH
        times 0x22c - ($ - $$) db 0
        dd 0x7fffffff                   ; 0x22c initrd_addr_max
        dd 0x200000                     ; 0x230 kernel_alignment
        db 1                            ; 0x234 relocatable_kernel
        db 21                           ; 0x235 min_alignment
        dw 0x3                          ; 0x236 xloadflags: KERNEL_64, above 4G
        dd 2047                         ; 0x238 cmdline_size
        times 0x258 - ($ - $$) db 0
        dq LOAD                         ; 0x258 pref_address
        dd 0x100000                     ; 0x260 init_size
        times 1024 - ($ - $$) db 0

section kernel follows=setup vstart=LOAD
bits 32
        cli                             ; 32-bit entry: not ours to take
        hlt
        times 0x200 - ($ - $$) db 0
bits 64
entry64:
        mov r15, rsi                    ; keep the zero page
        lea rsp, [rel stack_top]        ; boot.rst leaves the stack to us
        lea rax, [rel entry64]
        cmp rax, LOAD + 0x200
        je .at_load
        mov al, 30                      ; cannot print: our addresses are off
        mov dx, DEBUG_EXIT
        out dx, al
        hlt
.at_load:
        mov esi, hello
        call puts
        mov ecx, 0xc0000080             ; EFER
        rdmsr
        test eax, 0x400                 ; LMA
        jnz .lma
        FAIL 1, "EFER.LMA clear"
.lma:   mov rax, cr0
        mov ebx, 0x80000001
        and eax, ebx
        cmp eax, ebx
        je .cr0
        FAIL 2, "CR0.PG/PE clear"
.cr0:   mov rax, cr4
        test eax, 0x20
        jnz .cr4
        FAIL 3, "CR4.PAE clear"
.cr4:   pushfq
        pop rax
        test eax, 0x200
        jz .if
        FAIL 4, "interrupts enabled"
.if:    mov ax, cs
        cmp ax, 0x10
        je .cs
        FAIL 5, "CS is not __BOOT_CS (0x10)"
.cs:    mov ax, ds
        cmp ax, 0x18
        jne .dsbad
        mov ax, es
        cmp ax, 0x18
        jne .dsbad
        mov ax, ss
        cmp ax, 0x18
        je .ds
.dsbad: FAIL 6, "DS/ES/SS are not __BOOT_DS (0x18)"
.ds:    ; __BOOT_DS in the GDT: flat writable data
        mov eax, 0x18
        lsl ecx, eax
        cmp ecx, 0xffffffff
        je .dslim
        FAIL 7, "__BOOT_DS limit not 4 GiB"
.dslim: cmp r15, 0x7000                 ; where gamut puts the zero page
        jae .zp
        FAIL 8, "RSI is not a zero page"
.zp:    cmp dword [r15 + 0x202], "HdrS"
        je .hdrs
        FAIL 9, "zero page has no setup header"
.hdrs:  cmp byte [r15 + 0x210], 0
        jne .loader
        FAIL 10, "type_of_loader not set"
.loader:
        cmp byte [r15 + 0x1e8], 2
        jae .e820
        FAIL 11, "e820 table has < 2 entries"
.e820:  ; e820 entry 0: RAM at 0
        cmp qword [r15 + 0x2d0], 0
        jne .e820bad
        cmp dword [r15 + 0x2d0 + 16], 1
        je .e820ok
.e820bad:
        FAIL 12, "e820 does not start with RAM at 0"
.e820ok:
        mov esi, [r15 + 0x228]          ; cmd_line_ptr
        mov rdi, rsi
        call identity
        lea rdi, [rel want_cmdline]
.cmp:   mov al, [rsi]
        cmp al, [rdi]
        jne .cmdbad
        inc rsi
        inc rdi
        test al, al
        jnz .cmp
        jmp .cmdok
.cmdbad:
        FAIL 13, "command line differs"
.cmdok: mov esi, [r15 + 0x218]          ; ramdisk_image
        cmp dword [r15 + 0x21c], 8
        jae .rdsz
        FAIL 14, "ramdisk_size < 8"
.rdsz:  test esi, 0xfff
        jz .rdal
        FAIL 15, "ramdisk not page aligned"
.rdal:  cmp dword [rsi], "GAMU"
        jne .rdbad
        cmp dword [rsi + 4], "TRD!"
        je .rdok
.rdbad: FAIL 16, "ramdisk content"
.rdok:  ; identity mapping of the kernel, the zero page and up to 4 GiB
        mov rdi, LOAD
        call identity
        mov rdi, r15
        call identity
        mov rdi, 0xffe00000
        call identity
        mov esi, pass
        call puts
        EXIT_PASS

; Walks the page tables at CR3 for virtual address rdi and fails unless it
; maps to the same physical address (4-level; 1 GiB, 2 MiB or 4 KiB pages).
identity:
        push rsi
        mov rax, cr3
        mov rsi, 0x000ffffffffff000
        and rax, rsi
        mov rcx, rdi
        shr rcx, 39
        and ecx, 511
        mov rax, [rax + rcx * 8]        ; PML4E
        test al, 1
        jz .nomap
        and rax, rsi
        mov rcx, rdi
        shr rcx, 30
        and ecx, 511
        mov rax, [rax + rcx * 8]        ; PDPTE
        test al, 1
        jz .nomap
        mov rdx, 0x3fffffff
        test al, 0x80
        jnz .leaf
        and rax, rsi
        mov rcx, rdi
        shr rcx, 21
        and ecx, 511
        mov rax, [rax + rcx * 8]        ; PDE
        test al, 1
        jz .nomap
        mov rdx, 0x1fffff
        test al, 0x80
        jnz .leaf
        and rax, rsi
        mov rcx, rdi
        shr rcx, 12
        and ecx, 511
        mov rax, [rax + rcx * 8]        ; PTE
        test al, 1
        jz .nomap
        mov rdx, 0xfff
.leaf:  and rax, rsi
        not rdx
        and rax, rdx                    ; frame base
        mov rcx, rdi
        and rcx, rdx
        cmp rax, rcx
        jne .notid
        pop rsi
        ret
.nomap: FAIL 17, "address not mapped"
.notid: FAIL 18, "mapping is not the identity"

DEFINE_PUTS rsi

hello:  db "bzImage guest: entered in 64-bit mode", 10, 0
pass:   db "bzImage guest: PASS", 10, 0
want_cmdline: db "bz-test-cmdline", 0
        align 16
        times 1024 db 0
stack_top:
        times 4096 - ($ - $$) db 0
