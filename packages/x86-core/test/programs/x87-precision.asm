; x87 results where the 80-bit x87 and vmkit's float64 model may differ: each case leaves a value in
; ST(0) and reports its m80 image (eax = bits 31-0, ebx = bits 63-32, ecx = sign/exponent), its m64
; image (edx = low, esi = high) and the status word (edi). test/x87-programs.test.ts compares the
; lines with QEMU and lists which differ and why; the CHK lines are the exact control cases.
%include "inc/pm32-only.inc"
%include "inc/x87-lib.inc"

; PREC id: report ST(0) (popped) as a DUMP line.
%macro PREC 1
    fst qword [RES + 16]
    fstp tword [RES]
    fnstsw [RES + 32]
    mov eax, [RES]
    mov ebx, [RES + 4]
    movzx ecx, word [RES + 8]
    mov edx, [RES + 16]
    mov esi, [RES + 20]
    movzx edi, word [RES + 32]
    DUMP %1, 0
    fninit
%endmacro

tests32:
    CONST64 .c1, 1.0
    CONST64 .c2, 2.0
    CONST64 .c3, 3.0
    CONST64 .c10, 10.0
    CONST64 .c4, 4.0
    CONST64 .c0_1, 0.1
    CONST64 .c0_2, 0.2
    CONST64 .p1000, 0x1p+1000
    CONST64 .p100, 0x1p+100
    fninit
    fld qword [.c1]                   ; 1/3
    fdiv qword [.c3]
    PREC 0x0001
    fld qword [.c2]                   ; sqrt(2)
    fsqrt
    PREC 0x0002
    mov dword [RES + 48], 1
    mov dword [RES + 52], 0x10000000  ; 2^60 + 1
    fild qword [RES + 48]
    PREC 0x0003
    fld qword [.p1000]                ; 2^1100: finite in the x87's range
    fmul qword [.p100]
    PREC 0x0004
    fld1                              ; sin(1)
    fsin
    PREC 0x0005
    fld qword [.c0_1]                 ; 0.1 + 0.2 (float64 inputs)
    fadd qword [.c0_2]
    PREC 0x0006
    fld qword [.c10]                  ; 10 / 4: exact everywhere
    fdiv qword [.c4]
    PREC 0x0007
    fldpi                             ; the constant itself
    PREC 0x0008
    fldpi                             ; pi * 1
    fmul qword [.c1]
    PREC 0x0009
    fld qword [.c3]                   ; 3 * log2(10)
    fld qword [.c10]
    fyl2x
    PREC 0x000A
    fld qword [.c1]                   ; atan(1) = pi/4
    fld1
    fpatan
    PREC 0x000B
    fld qword [.c0_1]                 ; 2^0.1 - 1
    f2xm1
    PREC 0x000C
    ; exact control cases (CHK)
    fld qword [.c10]
    fdiv qword [.c4]
    F64 0x0100, 2.5
    SW 0x0101, 0x3800
    fninit
    fld qword [.c3]
    fmul qword [.c3]
    fsqrt
    F64 0x0102, 3.0
    SW 0x0103, 0x3800
    fninit
    ret
