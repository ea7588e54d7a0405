; POP SS / POP Sreg: the stack pointer moves by the width of the stack being popped (the SS.B in
; force before the load), even when the popped selector switches SS between a 16- and a 32-bit
; segment (Intel SDM vol. 2 POP: the increment follows the current stack-address size; Bochs pops
; with pop_16/pop_32 before load_seg_reg). A POP SS that faults leaves ESP unchanged.
; Found by test386.asm POST 0x09 ("pop ss" with a 16-bit stack loading a 32-bit SS: ESP ended
; 0x10000 too high). Confirmed under QEMU TCG by qemu-programs.test.ts.
%include "inc/pm32-only.inc"

; BACK_TO_FLAT: ebx = ESP, ecx = SS selector, then back to the flat stack saved at V_SAVESP
%macro BACK_TO_FLAT 0
    mov ebx, esp
    xor ecx, ecx
    mov cx, ss
    mov ax, SEL_DATA32
    mov ss, ax
    mov esp, [V_SAVESP]
%endmacro

; POPSS id, opsize prefix (o16|o32), old SS, ESP before, popped selector, expected ESP
%macro POPSS 6
    mov ax, %3
    mov ss, ax
    mov esp, %4
    mov eax, %4
    and eax, ((%3) == SEL_DATA16) ? 0xFFFF : 0xFFFFFFFF
    mov dword [eax], %5
    %2 pop ss
    BACK_TO_FLAT
    CHK %1, ebx, %6, 0, 0
    CHK %1 + 0x80, ecx, %5, 0, 0
%endmacro

tests32:
    mov [V_SAVESP], esp
    ; 16-bit stack, loading a 32-bit SS: SP wraps within 16 bits, ESP[31:16] kept
    POPSS 0x0001, o32, SEL_DATA16, 0x0002FFFC, SEL_DATA32, 0x00020000
    POPSS 0x0002, o16, SEL_DATA16, 0x0003FFFE, SEL_DATA32, 0x00030000
    POPSS 0x0003, o32, SEL_DATA16, 0x00044000, SEL_DATA32, 0x00044004
    ; 32-bit stack, loading a 16-bit SS: ESP moves as a 32-bit pointer
    POPSS 0x0004, o32, SEL_DATA32, 0x0001FFFC, SEL_DATA16, 0x00020000
    POPSS 0x0005, o16, SEL_DATA32, 0x0001FFFE, SEL_DATA16, 0x00020000
    ; same width on both sides
    POPSS 0x0006, o32, SEL_DATA16, 0x0005FFFC, SEL_DATA16, 0x00050000
    POPSS 0x0007, o32, SEL_DATA32, 0x0001FFF8, SEL_DATA32, 0x0001FFFC
    ; POP DS on a 16-bit stack (control: no SS change)
    mov ax, SEL_DATA16
    mov ss, ax
    mov esp, 0x0008FFFE
    mov word [0xFFFE], SEL_DATA32
    o16 pop ds
    mov ebx, esp
    mov ax, SEL_DATA32
    mov ss, ax
    mov ds, ax
    mov esp, [V_SAVESP]
    CHK 0x0008, ebx, 0x00080000, 0, 0
    ; a faulting POP SS (null selector: #GP(0)) leaves ESP and SS unchanged
    mov ax, SEL_DATA16
    mov ss, ax
    mov esp, 0xFF00
    mov dword [0xFF00], 0
    EXPECT_EXC .r9
.f9:
    pop ss
.r9:
    BACK_TO_FLAT
    CHK 0x0009, dword [V_EXCVEC], 13, 0, 0
    CHK 0x000A, dword [V_EXCERR], 0, 0, 0
    CHK 0x000B, dword [V_EXCEIP], .f9, 0, 0
    CHK 0x000C, ebx, 0xFF00, 0, 0
    CHK 0x000D, ecx, SEL_DATA16, 0, 0
    ret
