; ENTER with a 32-bit operand size on a 16-bit stack: SP wraps within ESP[15:0] and ESP[31:16] is
; kept, and FrameTemp is the whole ESP after the first push: EBP and the pushed frame pointer get
; all 32 bits (Bochs cpu/stack32.cc ENTER32_IwIb; test386.asm POST 0x1A; the SDM pseudo-code's
; "FrameTemp <- SP" would clear EBP[31:16]). Same-width cases and a 16-bit ENTER as controls.
; Found by test386.asm POST 0x1A. QEMU 7.2 TCG follows the SDM pseudo-code instead (EBP and the
; pushed frame pointer = 0x0000FFFC) and agrees on ESP; the EBP/frame checks of the 16-bit-stack
; cases are listed as QEMU's difference (harness/programs.ts qemuWrong): test386 and Bochs are the
; oracle there.
%include "inc/pm32-only.inc"

; ENTER_ON {insn}, SS, ESP, EBP: run ENTER with that stack; ESP, EBP after it in ebx, ecx
%macro ENTER_ON 4
    mov ax, %2
    mov ss, ax
    mov esp, %3
    mov ebp, %4
    %1
    mov ebx, esp
    mov ecx, ebp
    mov ax, SEL_DATA32
    mov ss, ax
    mov esp, [V_SAVESP]
%endmacro

tests32:
    mov [V_SAVESP], esp
    ; level 0, 16-bit stack: push EBP at 0xFFFC, EBP = 0x1FFFC, ESP = 0x1FFFC - 8
    ENTER_ON {enter 8, 0}, SEL_DATA16, 0x00010000, 0x0001FFE8
    CHK 0x0001, ebx, 0x0001FFF4, 0, 0
    CHK 0x0002, ecx, 0x0001FFFC, 0, 0
    CHK 0x0003, dword [0xFFFC], 0x0001FFE8, 0, 0
    ; level 1: the frame pointer is pushed too
    ENTER_ON {enter 8, 1}, SEL_DATA16, 0x00010000, 0x0001FFE8
    CHK 0x0004, ebx, 0x0001FFF0, 0, 0
    CHK 0x0005, ecx, 0x0001FFFC, 0, 0
    CHK 0x0006, dword [0xFFF8], 0x0001FFFC, 0, 0
    ; level 3: two frame pointers copied from [BP-4], [BP-8] (16-bit BP), then FrameTemp
    mov dword [0xFFE4], 0x11111111
    mov dword [0xFFE0], 0x22222222
    ENTER_ON {enter 4, 3}, SEL_DATA16, 0x00010000, 0x0001FFE8
    CHK 0x0007, ebx, 0x0001FFEC, 0, 0
    CHK 0x0008, ecx, 0x0001FFFC, 0, 0
    CHK 0x0009, dword [0xFFF8], 0x11111111, 0, 0
    CHK 0x000A, dword [0xFFF4], 0x22222222, 0, 0
    CHK 0x000B, dword [0xFFF0], 0x0001FFFC, 0, 0
    ; 16-bit ENTER on the same stack: BP only, EBP[31:16] kept
    ENTER_ON {o16 enter 4, 0}, SEL_DATA16, 0x00010000, 0x0002FFE8
    CHK 0x000C, ebx, 0x0001FFFA, 0, 0
    CHK 0x000D, ecx, 0x0002FFFE, 0, 0
    ; 32-bit stack controls
    mov dword [0x2FFF0 - 4], 0x33333333
    ENTER_ON {enter 8, 2}, SEL_DATA32, 0x00030000, 0x0002FFF0
    CHK 0x0010, ebx, 0x0002FFEC, 0, 0
    CHK 0x0011, ecx, 0x0002FFFC, 0, 0
    CHK 0x0012, dword [0x2FFF8], 0x33333333, 0, 0
    CHK 0x0013, dword [0x2FFF4], 0x0002FFFC, 0, 0
    ret
