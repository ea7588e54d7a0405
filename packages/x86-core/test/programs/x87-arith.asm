; x87 arithmetic, compares, loads and stores with inputs whose results are exact in float64 (and
; the few inexact ones whose float64 result equals the 80-bit result rounded to float64): every
; memory-operand form (m32real, m64real, m16int, m32int), the register and P forms, FCOM/FUCOM/
; FICOM/FTST/FXAM, FCOMI/FUCOMI, FCMOVcc, FIST/FISTP under each rounding mode, FBLD/FBSTP,
; FCHS/FABS/FSQRT/FRNDINT/FSCALE/FXTRACT/FPREM/FPREM1, FXCH/FFREE/FINCSTP/FDECSTP, the constants,
; the masked responses to #Z and #I.
%include "inc/pm32-only.inc"
%include "inc/x87-lib.inc"
tests32:
    fninit
    ; --- memory forms: m64real, m32real, m32int, m16int ---------------------------------------
    CONST64 .c1_5, 1.5
    CONST64 .c2_25, 2.25
    CONST32 .s0_75, 0.75
    CONST32 .i7, 7
    CONST32 .i3, 3
    fld qword [.c1_5]
    fadd qword [.c2_25]
    SW 0x0101, 0x3800
    F64 0x0102, 3.75
    fsub dword [.s0_75]
    F64 0x0103, 3.0
    fimul dword [.i7]
    F64 0x0104, 21.0
    fidiv dword [.i3]
    F64 0x0105, 7.0
    mov word [V_TMP], -2
    fidivr word [V_TMP]               ; -2 / 7: inexact
    SWM 0x0106, 0x3DFF, 0x3820         ; PE (C1 left out: rounding direction at 64 vs 53 bits)
    F64 0x0107, -0.2857142857142857
    fnclex
    fld1
    fsubr qword [.c2_25]              ; 2.25 - 1
    F64 0x0108, 1.25
    fisub dword [.i3]
    F64 0x0109, -1.75
    fisubr word [V_TMP]               ; -2 - (-1.75)
    F64 0x010A, -0.25
    fiadd dword [.i7]
    F64 0x010B, 6.75
    fimul word [V_TMP]
    F64 0x010C, -13.5
    fidiv word [V_TMP]
    F64 0x010D, 6.75
    fdivr qword [.c2_25]              ; 2.25 / 6.75 = 1/3
    SWM 0x010E, 0x3DFF, 0x3020        ; TOP 6, PE
    fninit

    ; --- register forms -----------------------------------------------------------------------
    fld qword [.c1_5]                 ; ST1
    fld qword [.c2_25]                ; ST0
    fadd st0, st1
    F64 0x0110, 3.75
    fsub st0, st1
    F64 0x0111, 2.25
    fsubr st0, st1                    ; 1.5 - 2.25
    F64 0x0112, -0.75
    fmul st0, st0
    F64 0x0113, 0.5625
    fdiv st0, st1
    F64 0x0114, 0.375
    fdivr st0, st1                    ; 1.5 / 0.375
    F64 0x0115, 4.0
    fadd st1, st0                     ; ST1 = 5.5
    fsub st1, st0                     ; ST1 = 1.5 (DC E8+i: ST(i) - ST0)
    fsubr st1, st0                    ; ST1 = 4 - 1.5 = 2.5 (DC E0+i)
    fxch st1
    F64 0x0116, 2.5
    fxch st1
    fdiv st1, st0                     ; ST1 = 2.5 / 4 (DC F8+i)
    fdivr st1, st0                    ; ST1 = 4 / 0.625 (DC F0+i)
    fmul st1, st0                     ; 6.4 * 4 (inexact 6.4 exact? 4/0.625 = 6.4 inexact)
    SWM 0x0117, 0x3DFF, 0x3020
    fnclex
    faddp st1, st0                    ; 25.6 + 4
    SW 0x0118, 0x3800
    fld1
    fsubp st1, st0                    ; ST1 - ST0 (DE E8+i)
    fld1
    fsubrp st1, st0                   ; ST0 - ST1 (DE E0+i)
    fld1
    fmulp st1, st0
    fld qword [.c2_25]
    fdivp st1, st0
    fld qword [.c2_25]
    fdivrp st1, st0
    SWM 0x0119, 0x3800, 0x3800
    fninit

    ; --- compares -----------------------------------------------------------------------------
    fld qword [.c1_5]
    fcom qword [.c2_25]
    SW 0x0120, 0x3900                 ; less: C0
    fcom dword [.s0_75]
    SW 0x0121, 0x3800                 ; greater
    mov dword [V_TMP], 0x3FC00000     ; 1.5f
    fcom dword [V_TMP]
    SW 0x0122, 0x7800                 ; equal: C3
    mov word [V_TMP], 2
    ficom word [V_TMP]
    SW 0x0123, 0x3900
    fld1
    fcomp st1                         ; 1 < 1.5
    SW 0x0124, 0x3900
    ftst
    SW 0x0125, 0x3800
    fldz
    fucomp st1
    SW 0x0126, 0x3900
    fld1
    fcompp                            ; 1 vs 1.5, pops both
    SW 0x0127, 0x0100
    fldz
    ftst
    SW 0x0128, 0x7800
    fchs
    ftst                              ; -0 = +0
    SW 0x0129, 0x7800
    fstp st0
    ; FXAM classes
    fld qword [.c1_5]
    fxam
    SW 0x0130, 0x3C00                 ; normal (C2), positive
    fchs
    fxam
    SW 0x0131, 0x3E00                 ; normal, C1 = sign
    fldz
    fxam
    SW 0x0132, 0x7000                 ; zero (C3)
    fstp st0
    fstp st0
    fxam                              ; empty: C3 C0 (C1 = sign of the empty register's content)
    SWM 0x0133, 0xFDFF, 0x4100
    fninit
    ; FCOMI / FUCOMI / FCOMIP / FUCOMIP set ZF PF CF
    fld qword [.c2_25]
    fld qword [.c1_5]
    fcomi st0, st1
    CHK 0x0140, 0, 0, 0x45, CF
    fucomi st0, st0
    CHK 0x0141, 0, 0, 0x45, ZF
    fxch st1
    fcomip st0, st1
    CHK 0x0142, 0, 0, 0x45, 0
    SW 0x0143, 0x3800
    fldz
    fucomip st0, st1
    CHK 0x0144, 0, 0, 0x45, CF
    fninit
    ; FCMOVcc
    fld qword [.c1_5]
    fld qword [.c2_25]                ; ST0 = 2.25, ST1 = 1.5
    stc
    fcmovb st0, st1
    F64 0x0150, 1.5
    fld qword [.c2_25]
    clc
    fcmovb st0, st1
    F64 0x0151, 2.25
    xor eax, eax                      ; ZF = 1
    fcmovne st0, st1
    F64 0x0152, 2.25
    fcmove st0, st2
    F64 0x0153, 1.5
    fninit

    ; --- stores -------------------------------------------------------------------------------
    CONST64 .c2_5, 2.5
    CONST64 .cm2_5, -2.5
    CONST64 .c0_1, 0.1
    fld qword [.c2_5]
    fist dword [RES]
    M32 0x0160, RES, 2                ; nearest: ties to even
    SWM 0x0161, 0x3FFF, 0x3820
    fnclex
    mov word [V_TMP], 0x077F          ; RC = down
    fldcw [V_TMP]
    fist dword [RES]
    M32 0x0162, RES, 2
    mov word [V_TMP], 0x0B7F          ; RC = up
    fldcw [V_TMP]
    fist dword [RES]
    M32 0x0163, RES, 3
    mov word [V_TMP], 0x0F7F          ; RC = chop
    fldcw [V_TMP]
    fistp word [RES]
    mov word [RES + 2], 0
    M32 0x0164, RES, 2
    fld qword [.cm2_5]
    fistp dword [RES]
    M32 0x0165, RES, -2
    mov word [V_TMP], 0x077F
    fldcw [V_TMP]
    fld qword [.cm2_5]
    fistp qword [RES]
    M32 0x0166, RES, -3
    M32 0x0167, RES + 4, -1
    fld qword [.cm2_5]
    frndint
    F64 0x0168, -3.0
    mov word [V_TMP], 0x037F
    fldcw [V_TMP]
    fld qword [.cm2_5]
    frndint
    F64 0x0169, -2.0
    fninit
    ; integer overflow: #IA, masked response is the integer indefinite
    mov dword [V_TMP], 40000
    fild dword [V_TMP]
    fist word [RES]
    mov word [RES + 2], 0
    M32 0x016A, RES, 0x8000
    SW 0x016B, 0x3801
    fninit
    ; FST m32 rounding (0.1 is inexact as a float32) and FSTP m80 / FLD m80 round trip
    fld qword [.c0_1]
    fst dword [RES]
    M32 0x0170, RES, 0x3DCCCCCD
    SWM 0x0171, 0x3DFF, 0x3820
    fninit
    fld qword [.c0_1]
    fstp tword [RES]
    M32 0x0172, RES, 0xCCCCD000       ; the float64 0.1 as an 80-bit value
    M32 0x0173, RES + 4, 0xCCCCCCCC
    CHK 0x0174, dword [RES + 8], 0x00003FFB, 0, 0x0000
    fld tword [RES]
    F64 0x0175, 0.1
    fninit
    ; FILD m64, FBLD / FBSTP
    mov dword [RES], 0x00000001
    mov dword [RES + 4], 0x00000100   ; 2^40 + 1
    fild qword [RES]
    F64 0x0180, 1099511627777.0
    fbstp tword [RES]
    M32 0x0181, RES, 0x11627777
    M32 0x0182, RES + 4, 0x00010995
    M32 0x0183, RES + 8, 0x00000000
    mov dword [RES], 0x00004321
    mov dword [RES + 4], 0
    mov dword [RES + 8], 0x00008000   ; -4321
    fbld tword [RES]
    F64 0x0184, -4321.0
    fninit

    ; --- one-operand and stack operations -----------------------------------------------------
    CONST64 .c9, 9.0
    CONST64 .c7, 7.0
    CONST64 .c2, 2.0
    CONST64 .c12, 12.0
    fld qword [.c9]
    fsqrt
    F64 0x0190, 3.0
    SW 0x0191, 0x3800
    fchs
    F64 0x0192, -3.0
    fabs
    F64 0x0193, 3.0
    fld qword [.c2]                   ; scale ST1 = 3 by 2^2... FSCALE uses ST1 as the count
    fxch st1
    fscale                            ; 3 * 2^2
    F64 0x0194, 12.0
    fxtract                           ; ST0 = 1.5, ST1 = 3
    F64 0x0195, 1.5
    fstp st0
    F64 0x0196, 3.0
    fninit
    fld qword [.c7]
    fld qword [.c12]
    fprem                             ; 12 rem 7 = 5, quotient 1 (C1)
    SW 0x0198, 0x3200
    F64 0x0197, 5.0
    fstp st0
    fld qword [.c12]
    fprem1                            ; 12 - 2*7 = -2, quotient 2 (C3)
    SW 0x019A, 0x7000
    F64 0x0199, -2.0
    fninit
    fld1
    fld qword [.c2]
    ffree st1
    fincstp
    fxam
    SWM 0x019B, 0xFDFF, 0x7900        ; ST0 (the freed R7) is empty: C3 C0, TOP 7
    fdecstp
    F64 0x019C, 2.0
    SW 0x019D, 0x3000
    fninit
    ; constants, as their 80-bit images
    fldl2t
    fstp tword [RES]
    M32 0x01A0, RES, 0xCD1B8AFE
    fldl2e
    fstp tword [RES]
    M32 0x01A1, RES, 0x5C17F0BC
    fldpi
    fstp tword [RES]
    M32 0x01A2, RES, 0x2168C235
    fldlg2
    fstp tword [RES]
    M32 0x01A3, RES, 0xFBCFF799
    fldln2
    fstp tword [RES]
    M32 0x01A4, RES, 0xD1CF79AC
    mov word [V_TMP], 0x077F          ; RC = down
    fldcw [V_TMP]
    fldpi
    fstp tword [RES]
    M32 0x01A5, RES, 0x2168C234
    fninit
    fld1
    fldz
    faddp st1, st0
    F64 0x01A6, 1.0
    fninit
    ; #D: a denormal m32real operand (masked: the operation goes ahead)
    mov dword [V_TMP], 0x00000007
    fld1
    fmul dword [V_TMP]
    SWM 0x01A7, 0x3FFF, 0x3802        ; DE; the product is an exact (extended) value: no PE
    fninit

    ; --- rounding control and precision control on arithmetic --------------------------------
    mov word [V_TMP], 0x0B7F          ; RC = up
    fldcw [V_TMP]
    fld1
    fdiv qword [.c3d]
    F64 0x01C0, 0.33333333333333337
    fld1
    fchs
    fdiv qword [.c3d]                 ; -1/3 rounded up (toward +inf)
    F64 0x01C1, -0.3333333333333333
    mov word [V_TMP], 0x077F          ; RC = down
    fldcw [V_TMP]
    fld1
    fdiv qword [.c3d]
    F64 0x01C2, 0.3333333333333333
    fld1
    fchs
    fdiv qword [.c3d]
    F64 0x01C3, -0.33333333333333337
    mov word [V_TMP], 0x0F7F          ; RC = chop
    fldcw [V_TMP]
    fld qword [.c2d]
    fsqrt
    F64 0x01C4, 1.414213562373095
    fninit
    mov word [V_TMP], 0x007F          ; PC = single
    fldcw [V_TMP]
    fld1
    fdiv qword [.c3d]
    F64 0x01C5, 0.3333333432674408
    mov word [V_TMP], 0x027F          ; PC = double
    fldcw [V_TMP]
    fld1
    fdiv qword [.c3d]
    F64 0x01C6, 0.3333333333333333
    fninit
    CONST64 .c3d, 3.0
    CONST64 .c2d, 2.0

    ; --- masked #Z and #I responses -----------------------------------------------------------
    fldz
    fld1
    fchs
    fdiv st0, st1                     ; -1 / 0 = -inf, ZE
    F64 0x01B0, -__?Infinity?__
    SW 0x01B1, 0x3004
    fnclex
    fldz
    fdiv st0, st0                     ; 0 / 0: IE, QNaN indefinite
    F64 0x01B2, -__?QNaN?__
    SW 0x01B3, 0x2801
    fnclex
    fld1
    fchs
    fsqrt                             ; sqrt(-1): IE
    F64 0x01B4, -__?QNaN?__
    SW 0x01B5, 0x2401                 ; IE, C2 (C0 C2 C3 undefined: as QEMU)
    fninit
    ret
