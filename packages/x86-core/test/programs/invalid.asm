; Encodings the Intel SDM defines as invalid raise #UD (vol. 2 appendix A opcode maps: group
; encodings marked "undefined"/"invalid", register forms of memory-only operands; vol. 2 MOV to
; control/debug registers; SDM vol. 2 UD, LEA, LxS, BOUND, CMPXCHG8B, MOV Sreg). Each check is
; one encoding; the instruction must not execute, and the saved EIP is its first byte.
; Confirmed under QEMU TCG.
%define USE_PM32
%include "inc/lib.inc"
section .text16
; UD id, bytes: the encoding must raise #UD (ESP is restored after it, in case it ran as a POP)
%macro UD 2+
    EXPECT_EXC %%r
    mov [V_SAVESP], esp
%%f:
    db %2
%%r:
    mov esp, [V_SAVESP]
    CHK %1, dword [V_EXCVEC], 6, 0, 0
    CHK %1 + 0x100, dword [V_EXCEIP], %%f, 0, 0
%endmacro

tests16:
    mov bx, SCRATCH
    UD 0x0001, 0x8F, 0x0F                 ; POP r/m /1 [bx]
    UD 0x0002, 0xC6, 0x0F, 0x00           ; MOV r/m8, imm8 /1
    UD 0x0003, 0xC7, 0x17, 0x00, 0x00     ; MOV r/m16, imm16 /2
    UD 0x0004, 0xFE, 0x17                 ; group 4 /2
    UD 0x0005, 0xFE, 0x3F                 ; group 4 /7
    UD 0x0006, 0xFF, 0x3F                 ; group 5 /7
    UD 0x0007, 0xFF, 0xD8                 ; CALL far with a register operand (FF /3, mod 3)
    UD 0x0008, 0xFF, 0xE8                 ; JMP far with a register operand (FF /5, mod 3)
    UD 0x0009, 0x8D, 0xC0                 ; LEA with a register operand
    UD 0x000A, 0xC4, 0xC0                 ; LES with a register operand
    UD 0x000B, 0x0F, 0xB2, 0xC0           ; LSS with a register operand
    UD 0x000C, 0x62, 0xC0                 ; BOUND with a register operand
    UD 0x000D, 0x8E, 0xC8                 ; MOV CS, ax
    UD 0x000E, 0x8E, 0xF0                 ; MOV Sreg 6
    UD 0x000F, 0x8C, 0xF8                 ; MOV r, Sreg 7
    UD 0x0010, 0x0F, 0x0B                 ; UD2
    UD 0x0011, 0x0F, 0xBA, 0x07, 0x01     ; group 8 /0
    UD 0x0012, 0x0F, 0xBA, 0x1F, 0x01     ; group 8 /3
    UD 0x0013, 0x0F, 0xC7, 0x07           ; group 9 /0
    UD 0x0014, 0x0F, 0xC7, 0xC8           ; CMPXCHG8B with a register operand
    UD 0x0015, 0x0F, 0x20, 0xC8           ; MOV eax, CR1
    UD 0x0016, 0x0F, 0x22, 0xE8           ; MOV CR5, eax
    UD 0x0017, 0x0F, 0x00, 0x00           ; SLDT in real mode
    UD 0x0018, 0x63, 0x07                 ; ARPL in real mode
    UD 0x0019, 0x0F, 0xFF                 ; UD0
    UD 0x001A, 0x0F, 0xB9, 0xC0           ; UD1
    UD 0x001B, 0x0F, 0x01, 0x2F           ; group 7 /5
    UD 0x001C, 0x0F, 0x24, 0xC0           ; MOV r32, TR (386 only; #UD since the Pentium)
    UD 0x001D, 0x0F, 0x26, 0xC0           ; MOV TR, r32
    UD 0x001E, 0x0F, 0x05                 ; SYSCALL outside 64-bit mode
    UD 0x001F, 0x0F, 0x07                 ; SYSRET outside 64-bit mode
    ret

section .text32
bits 32
tests32:
    mov ebx, SCRATCH
    UD 0x0020, 0x0F, 0x00, 0x33         ; group 6 /6
    UD 0x0021, 0x0F, 0x00, 0x3B         ; group 6 /7
    UD 0x0022, 0x0F, 0x01, 0xC0         ; group 7 /0 with a register operand (SGDT)
    UD 0x0023, 0x0F, 0x01, 0xD8         ; group 7 /3 with a register operand (LIDT)
    UD 0x0024, 0x8F, 0xC8               ; POP r/m /1, register
    UD 0x0025, 0xC7, 0xC8, 0, 0, 0, 0   ; MOV r/m32, imm32 /1, register
    UD 0x0026, 0x0F, 0xC7, 0x33         ; group 9 /6 (RDRAND is mod 3 only)
    UD 0x0027, 0x0F, 0x01, 0xF8         ; group 7 /7 mod 3 (SWAPGS: 64-bit only)
    ret
