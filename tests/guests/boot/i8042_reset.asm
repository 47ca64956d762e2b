; i8042 reset guest: pulses the CPU reset line through the keyboard
; controller (command 0xFE to port 0x64), as Linux's reboot=k does.  gamut
; must end with status 0 (VM_STOP_RESET); if the write does nothing the
; guest reports failure 1 through the debug-exit port.
%include "common.inc"

bits 32
section .text
global _start
_start:
        mov esp, stack_top              ; the PVH ABI leaves the stack to us
        mov esi, msg
        call puts
        mov ecx, 100000                 ; wait (bounded) for an empty input buffer
.wait:  in al, 0x64
        test al, 2
        jz .send
        dec ecx
        jnz .wait
.send:  mov al, 0xfe
        out 0x64, al
        mov ecx, 1000000                ; the reset should have happened by now
.spin:  pause
        dec ecx
        jnz .spin
        FAIL 1, "still running after the i8042 reset command"

DEFINE_PUTS esi
msg:    db "i8042 guest: resetting", 10, 0

section .bss
        alignb 16
        resb 4096
stack_top:

PVH_NOTE _start
