; x87 transcendental instructions (exact cases), stack overflow/underflow (#IS, C1), the 16-bit
; and real-mode environment layouts, FERR#-free NE=0 behaviour of FWAIT with IGNNE# (port F0h).
%define USE_PM32
%include "inc/lib.inc"
%include "inc/x87-lib.inc"
section .text16
tests16:
    ; Real mode: FNSTENV with a 16-bit operand size (14 bytes), then a 32-bit one (28 bytes)
    fninit
    fld1
    fldz
    mov di, ENV
    mov cx, 28
    mov al, 0xEE
    rep stosb
    fnstenv [ENV]
    CHK 0x0001, dword [ENV], 0x3000037F, 0, 0          ; FCW, FSW (TOP 6)
    movzx eax, word [ENV + 4]
    CHK 0x0002, eax, 0x1FFF, 0, 0                      ; FTW
    fldcw [ENV]
    o32 fnstenv [ENV + 0x20]
    CHK 0x0003, dword [ENV + 0x20], 0x037F, 0, 0
    CHK 0x0004, dword [ENV + 0x24], 0x3000, 0, 0
    CHK 0x0005, dword [ENV + 0x28], 0x1FFF, 0, 0
    ; FRSTOR/FNSAVE with a 16-bit operand size (94 bytes): ST0 at offset 14
    fnsave [ENV]
    CHK 0x0006, dword [ENV + 14], 0, 0, 0              ; +0.0
    CHK 0x0007, dword [ENV + 28], 0x80000000, 0, 0     ; 1.0 significand high (ST1 at 24)
    frstor [ENV]
    fnstsw ax
    movzx eax, ax
    CHK 0x0008, eax, 0x3000, 0, 0
    ; Real-mode pointers (SDM vol. 1 figure 8-11): the 20-bit linear FIP (bits 15-0, then 19-16 in
    ; bits 15-12 of the next word, with FOP in bits 10-0) and the linear FDP
    fninit
    mov dword [ENV + 0x40], 0x3F800000 ; 1.0f
.rp1:
    fld dword [ENV + 0x40]
    fnstenv [ENV]
    movzx eax, word [ENV + 6]
    CHK 0x0009, eax, .rp1, 0, 0                        ; FIP 15-0 (CS base F0000h + IP)
    movzx eax, word [ENV + 8]
    CHK 0x000A, eax, 0xF106, 0, 0                      ; FIP 19-16 = F, FOP 106h (D9 /0, ModRM 06)
    movzx eax, word [ENV + 10]
    CHK 0x000B, eax, ENV + 0x40, 0, 0                  ; FDP 15-0 (DS = 0)
    fninit
    ret

section .text32
bits 32
tests32:
    fninit
    CONST64 .c8, 8.0
    CONST64 .c3, 3.0
    CONST64 .cm1, -1.0
    CONST64 .c0_25, 0.25
    ; FSIN / FCOS / FSINCOS / FPTAN of 0 are exact
    fldz
    fsin
    F64 0x0101, 0.0
    SW 0x0102, 0x3800
    fcos
    F64 0x0103, 1.0
    SW 0x0104, 0x3800
    fldz
    fsincos                           ; ST0 = cos 0, ST1 = sin 0
    F64 0x0105, 1.0
    fstp st0
    F64 0x0106, 0.0
    fptan                             ; tan 0, then 1.0 pushed
    F64 0x0107, 1.0
    fstp st0
    F64 0x0108, 0.0
    SW 0x0109, 0x3000
    fninit
    ; out of range (|x| beyond 2^63) sets C2 and leaves ST0
    mov dword [RES], 0
    mov dword [RES + 4], 0x43F00000   ; 2^64
    fld qword [RES]
    fsin
    SW 0x010A, 0x3C00
    F64 0x010B, 18446744073709551616.0
    fninit
    ; FPATAN: atan(0 / 1) = 0; F2XM1 at the integers; FYL2X of a power of two; FYL2XP1 of 0
    fldz
    fld1
    fpatan
    F64 0x0110, 0.0
    fninit
    fld1
    f2xm1
    F64 0x0111, 1.0
    fld qword [.cm1]
    f2xm1
    F64 0x0112, -0.5
    fninit
    fld qword [.c3]                   ; y
    fld qword [.c8]                   ; x
    fyl2x                             ; 3 * log2 8
    F64 0x0113, 9.0
    SW 0x0114, 0x3800
    fninit
    fld qword [.c3]
    fldz
    fyl2xp1
    F64 0x0115, 0.0
    fninit
    fld qword [.c0_25]
    fld1
    fscale                            ; FSCALE by ST1 = 0.25: truncated to 0
    F64 0x0116, 1.0
    fninit
    ; FYL2X(0): #Z, -inf; FYL2X(-1): #I
    fld1
    fldz
    fyl2x
    F64 0x0117, -__?Infinity?__
    SW 0x0118, 0x3804
    fninit
    fld1
    fld qword [.cm1]
    fyl2x
    F64 0x0119, -__?QNaN?__
    SW 0x011A, 0x3801
    fninit

    ; --- stack faults (masked): overflow sets IE SF C1 and pushes the indefinite ----------------
%rep 8
    fld1
%endrep
    SW 0x0120, 0x0000
    fldz
    SW 0x0121, 0x3A41                 ; TOP 7, C1, SF, IE
    F64 0x0122, -__?QNaN?__
    fninit
    ; underflow: an empty operand sets IE SF with C1 = 0, the result is the indefinite
    fld1
    fadd st0, st1
    SW 0x0123, 0x3841
    F64 0x0124, -__?QNaN?__
    fninit
    fst qword [RES]                   ; FST of an empty ST0 stores the indefinite
    M32 0x0125, RES + 4, 0xFFF80000
    SW 0x0126, 0x0041
    fninit
    ; unmasked stack fault: nothing changes but the flags (ES, B)
    mov word [V_TMP], 0x037E          ; IM = 0
    fldcw [V_TMP]
    fld1
    fadd st0, st1
    SW 0x0127, 0xB8C1
    fnclex
    F64 0x0128, 1.0
    fninit

    ; --- CR0.NE = 0: a pending error does not fault; IGNNE# (port F0h) is accepted --------------
    mov eax, cr0
    and eax, ~0x20
    mov cr0, eax
    mov word [V_TMP], 0x037B          ; ZM = 0
    fldcw [V_TMP]
    fldz
    fld1
    fdiv st0, st1
    mov dword [V_EXCCNT], 0
    out 0xF0, al
    fwait
    CHK 0x0130, dword [V_EXCCNT], 0, 0, 0
    SWM 0x0131, 0xBFFF, 0xB084
    fninit
    ret
