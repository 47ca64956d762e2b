; PVH entry-state guest: checks what docs/misc/pvh.pandoc promises at the
; 32-bit entry and the hvm_start_info v1 that gamut passes in EBX.
; The integration test boots it with --cmdline "pvh-test-cmdline" and an
; initrd that starts with "GAMUTRD!".
%include "common.inc"

bits 32
section .text
global _start
_start:
        mov esp, stack_top              ; the PVH ABI leaves the stack to us
        mov ebp, ebx                    ; keep start_info
        mov esi, hello
        call puts
        ; --- processor state ---
        mov eax, cr0
        test eax, 1
        jnz .pe_ok
        FAIL 1, "CR0.PE clear"
.pe_ok: test eax, 0x80000000
        jz .pg_ok
        FAIL 2, "paging on"
.pg_ok: mov eax, cr4
        test eax, eax
        jz .cr4_ok
        FAIL 3, "CR4 not zero"
.cr4_ok:
        pushfd
        pop eax
        test eax, 0x20300               ; IF, TF, VM
        jz .fl_ok
        FAIL 4, "EFLAGS IF/TF/VM set"
.fl_ok: ; CS: 32-bit code, base 0 (we run at our link address), limit 4 GiB
        mov eax, cs
        lsl ecx, eax
        jz .lsl_cs
        FAIL 5, "CS selector not in the GDT"
.lsl_cs:
        cmp ecx, 0xffffffff
        je .cs_lim
        FAIL 6, "CS limit not 4 GiB"
.cs_lim:
        lar ecx, eax
        and ecx, 0x00609800             ; P, S+code bits, D, L
        cmp ecx, 0x00409800             ; present code, D=1, L=0
        je .cs_ok
        FAIL 7, "CS not a 32-bit code segment"
.cs_ok: ; DS, ES, SS: flat writable data
        mov eax, ds
        call check_data
        mov eax, es
        call check_data
        mov eax, ss
        call check_data
        ; TR: a busy 32-bit TSS, base 0, limit 0x67
        str eax
        test eax, eax
        jnz .tr_sel
        FAIL 8, "TR selector is null"
.tr_sel:
        lsl ecx, eax
        jz .tr_lsl
        FAIL 9, "TR not in the GDT"
.tr_lsl:
        cmp ecx, 0x67
        je .tr_lim
        FAIL 10, "TR limit not 0x67"
.tr_lim:
        lar ecx, eax
        and ecx, 0x9f00
        cmp ecx, 0x8b00                 ; present, system, busy 32-bit TSS
        je .tr_ok
        FAIL 11, "TR not a busy TSS"
.tr_ok: sgdt [gdtr]
        cmp word [gdtr], 0
        jne .start_info
        FAIL 12, "no GDT"
        ; --- hvm_start_info ---
.start_info:
        cmp dword [ebp], 0x336ec578
        je .magic
        FAIL 13, "start_info magic"
.magic: cmp dword [ebp + 4], 1
        jae .version
        FAIL 14, "start_info version < 1"
.version:
        cmp dword [ebp + 12], 1         ; nr_modules
        je .nmod
        FAIL 15, "nr_modules != 1"
.nmod:  mov eax, [ebp + 16]             ; modlist_paddr
        cmp dword [eax + 8], 8          ; module size
        jae .modsz
        FAIL 16, "module too small"
.modsz: mov eax, [eax]                  ; module paddr
        test eax, 0xfff
        jz .modal
        FAIL 17, "module not page aligned"
.modal: cmp dword [eax], "GAMU"
        jne .modbad
        cmp dword [eax + 4], "TRD!"
        je .modok
.modbad:
        FAIL 18, "module content"
.modok: mov esi, [ebp + 24]             ; cmdline_paddr
        mov edi, want_cmdline
.cmp:   mov al, [esi]
        cmp al, [edi]
        jne .cmdbad
        inc esi
        inc edi
        test al, al
        jnz .cmp
        jmp .cmdok
.cmdbad:
        FAIL 19, "cmdline differs"
.cmdok: mov eax, [ebp + 32]             ; rsdp_paddr
        cmp dword [eax], "RSD "
        jne .rsdpbad
        cmp dword [eax + 4], "PTR "
        je .rsdpok
.rsdpbad:
        FAIL 20, "rsdp_paddr does not point at the RSDP"
.rsdpok:
        ; memmap: at least 2 entries, sorted, the first RAM at 0, and RAM
        ; covering our own load address (1 MiB).
        mov ecx, [ebp + 48]             ; memmap_entries
        cmp ecx, 2
        jae .mmn
        FAIL 21, "memmap has < 2 entries"
.mmn:   mov esi, [ebp + 40]             ; memmap_paddr
        cmp dword [esi], 0
        jne .mm0bad
        cmp dword [esi + 16], 1
        je .mm0ok
.mm0bad:
        FAIL 22, "memmap does not start with RAM at 0"
.mm0ok: xor edi, edi                    ; found-1MiB flag
        xor ebx, ebx                    ; previous end (low 32 bits)
.mmloop:
        cmp dword [esi + 4], 0          ; below 4 GiB only
        jne .mmnext
        cmp [esi], ebx
        jae .sorted
        FAIL 23, "memmap not sorted"
.sorted:
        mov ebx, [esi]
        add ebx, [esi + 8]
        cmp dword [esi + 16], 1
        jne .mmnext
        cmp dword [esi], 0x100000
        ja .mmnext
        cmp ebx, 0x100000
        jbe .mmnext
        mov edi, 1
.mmnext:
        add esi, 24
        dec ecx
        jnz .mmloop
        test edi, edi
        jnz .mmok
        FAIL 24, "no RAM entry covers 1 MiB"
.mmok:  mov esi, pass
        call puts
        EXIT_PASS

; eax = selector: present writable data, limit 4 GiB, B=1.
check_data:
        lsl ecx, eax
        jz .lsl
        FAIL 25, "data selector not in the GDT"
.lsl:   cmp ecx, 0xffffffff
        je .lim
        FAIL 26, "data limit not 4 GiB"
.lim:   lar ecx, eax
        and ecx, 0x00409a00
        cmp ecx, 0x00409200             ; present, data, writable, B=1
        je .ok
        FAIL 27, "not a flat writable data segment"
.ok:    ret

DEFINE_PUTS esi

hello:  db "PVH guest: entered", 10, 0
pass:   db "PVH guest: PASS", 10, 0
want_cmdline: db "pvh-test-cmdline", 0
gdtr:   dw 0
        dd 0

section .bss
        alignb 16
        resb 4096
stack_top:

PVH_NOTE _start
