; LOCK prefix (Intel SDM vol. 2 LOCK): allowed only on ADD ADC AND BTC BTR BTS CMPXCHG CMPXCHG8B
; DEC INC NEG NOT OR SBB SUB XOR XADD XCHG with a memory destination; on any other instruction, or
; with a register destination, it raises #UD (the instruction does not execute).
; Found by test386.asm ("lock mov" in its #UD checks). QEMU 7.2 TCG agrees on the lockable forms
; and on LOCK with a register destination, CMP, INC r and NOP, but executes LOCK MOV/BT/TEST/XCHG
; r,r/LEA/MUL without #UD (its decoder checks the prefix only on some opcodes): those checks are
; listed in harness/programs.ts as QEMU's known bug and compared against the SDM only.
%define USE_PM32
%include "inc/lib.inc"
section .text16
; OK id, {instruction}: runs with LOCK, no exception
%macro LOCKOK 2
    mov dword [V_EXCCNT], 0
    db 0xF0
    %2
    CHK %1, dword [V_EXCCNT], 0, 0, 0
%endmacro
; UD id, {instruction}: LOCK + instruction raises #UD at the prefix, nothing is written
%macro LOCKUD 2
    EXPECT_EXC %%r
%%f:
    db 0xF0
    %2
%%r:
    CHK %1, dword [V_EXCVEC], 6, 0, 0
    CHK %1 + 0x100, dword [V_EXCEIP], %%f, 0, 0
%endmacro

tests16:
    mov dword [SCRATCH], 5
    mov dword [SCRATCH + 8], 7
    mov dword [SCRATCH + 12], 0x99
    xor edx, edx
    mov eax, 1
    LOCKOK 0x0001, {add [SCRATCH], eax}
    LOCKOK 0x0002, {sub word [SCRATCH], 2}
    LOCKOK 0x0003, {inc dword [SCRATCH]}
    LOCKOK 0x0004, {not dword [SCRATCH]}
    LOCKOK 0x0005, {neg dword [SCRATCH]}
    LOCKOK 0x0006, {xchg [SCRATCH], eax}
    LOCKOK 0x0007, {bts dword [SCRATCH], 9}
    LOCKOK 0x0008, {xadd [SCRATCH], eax}
    LOCKOK 0x0009, {cmpxchg [SCRATCH], ecx}
    LOCKOK 0x000A, {cmpxchg8b [SCRATCH + 8]}
    LOCKOK 0x000B, {btc [SCRATCH], eax}
    ; the locked operations above ran: 5+1=6, -2=4, +1=5, not=FFFFFFFA, neg=6, xchg (eax=1 ->
    ; mem 1, eax 6), bts 9 -> 0x201, xadd (mem 0x207, eax 0x201), cmpxchg (eax 0x201 != 0x207:
    ; eax = 0x207), cmpxchg8b (edx:eax 0:0x207 != 0x99:7: eax = 7), btc bit 7 of 0x207 -> 0x287
    CHK 0x000C, dword [SCRATCH], 0x287, 0, 0
    mov dword [SCRATCH], 0x1111
    mov ebx, 0x2222
    LOCKUD 0x0010, {mov [SCRATCH], ebx}
    LOCKUD 0x0011, {add eax, ebx}
    LOCKUD 0x0012, {cmp [SCRATCH], ebx}
    LOCKUD 0x0013, {cmp dword [SCRATCH], 1}
    LOCKUD 0x0014, {bt [SCRATCH], ebx}
    LOCKUD 0x0015, {bt dword [SCRATCH], 1}
    LOCKUD 0x0016, {inc eax}
    LOCKUD 0x0017, {nop}
    LOCKUD 0x0018, {test [SCRATCH], ebx}
    LOCKUD 0x0019, {add ebx, [SCRATCH]}
    LOCKUD 0x001A, {xchg eax, ebx}
    LOCKUD 0x001B, {lea eax, [SCRATCH]}
    LOCKUD 0x001C, {mul dword [SCRATCH]}
    CHK 0x001E, dword [SCRATCH], 0x1111, 0, 0
    ret

section .text32
bits 32
tests32:
    ; protected mode: same rule
    mov dword [SCRATCH], 7
    mov dword [V_EXCCNT], 0
    lock or dword [SCRATCH], 8
    CHK 0x0020, dword [SCRATCH], 15, 0, 0
    CHK 0x0021, dword [V_EXCCNT], 0, 0, 0
    EXPECT_EXC .r
.f:
    db 0xF0
    mov eax, [SCRATCH]
.r:
    CHK 0x0022, dword [V_EXCVEC], 6, 0, 0
    CHK 0x0023, dword [V_EXCEIP], .f, 0, 0
    ret
