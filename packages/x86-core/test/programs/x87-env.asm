; x87 control and state: FNINIT, FNSTSW/FNSTCW/FLDCW, FNCLEX, FNSTENV/FLDENV and FNSAVE/FRSTOR
; images (32-bit protected mode), #MF on a waiting instruction with CR0.NE, #NM with CR0.EM/TS.
%include "inc/pm32-only.inc"
%include "inc/x87-lib.inc"
tests32:
    ; CR0.NE = 1 (native #MF), EM = TS = 0, MP = 1
    mov eax, cr0
    and eax, ~0xC
    or eax, 0x22
    mov cr0, eax

    ; FNINIT: FCW 037F, FSW 0, all empty
    fninit
    fnstcw [V_TMP]
    mov word [V_TMP + 2], 0
    M32 0x0001, V_TMP, 0x037F
    SW 0x0002, 0x0000
    mov word [V_TMP], 0x0A7F
    fldcw [V_TMP]
    fnstcw [V_TMP2]
    mov word [V_TMP2 + 2], 0
    M32 0x0003, V_TMP2, 0x0A7F
    fninit

    ; FNSTSW AX, TOP after pushes
    fld1
    fldz
    fnstsw ax
    movzx eax, ax
    CHK 0x0004, eax, 0x3000, 0, 0
    fstp st0
    SW 0x0005, 0x3800

    ; FNSTENV (32-bit layout): FCW, FSW, FTW; then all exceptions masked
    fninit
    mov word [V_TMP], 0x0360          ; all exceptions unmasked, PC = 11, RC = 0
    fldcw [V_TMP]
    fld1                              ; R7 = 1.0 (valid)
    fldz                              ; R6 = +0 (zero)
    mov edi, ENV
    mov ecx, 28
    mov al, 0xEE
    rep stosb
    fnstenv [ENV]
    M32 0x0010, ENV, 0x0360
    M32 0x0011, ENV + 4, 0x3000
    M32 0x0012, ENV + 8, 0x1FFF       ; R7 valid (00), R6 zero (01), others empty (11)
    fnstcw [V_TMP2]
    mov word [V_TMP2 + 2], 0
    M32 0x0013, V_TMP2, 0x037F        ; masks set by FNSTENV

    ; FLDENV: a tag word can empty registers; TOP comes from the status word
    mov dword [ENV + 8], 0xFFFF       ; all empty
    mov dword [ENV + 4], 0x3800       ; TOP = 7
    mov dword [ENV], 0x037F
    fldenv [ENV]
    SW 0x0014, 0x3800
    fnstenv [ENV + 0x40]
    M32 0x0015, ENV + 0x48, 0xFFFF

    ; Instruction and operand pointers and the opcode (SDM 8.1.8): FIP/FCS of the last non-control
    ; instruction, FDP/FDS of its memory operand, FOP its opcode's low 11 bits in bits 16-26
    fninit
    jmp .ptr1
.ptrc: dq 1.5
.ptr1:
    fld qword [.ptrc]
    fnstenv [ENV]
    M32 0x0016, ENV + 12, .ptr1
    CHK 0x0017, dword [ENV + 16], 0x05050008, 0, 0   ; FOP 505h (DD /0, ModRM 05), FCS 8
    M32 0x0018, ENV + 20, .ptrc
    M32 0x0019, ENV + 24, 0x0010
.ptr2:
    fadd st0, st0
    fnstenv [ENV]
    M32 0x001A, ENV + 12, .ptr2
    CHK 0x001B, dword [ENV + 16], 0x04C00008, 0, 0   ; FOP 0C0h (D8 C0)
    M32 0x001C, ENV + 20, .ptrc                      ; FDP kept: FADD ST had no memory operand

    ; FNSAVE: environment, 8 registers in stack order (80-bit), then FNINIT
    fninit
    fld1
    fldpi
    fldz
    fchs                              ; ST0 = -0.0, ST1 = pi, ST2 = 1.0
    mov edi, ENV
    mov ecx, 108
    mov al, 0
    rep stosb
    fnsave [ENV]
    M32 0x0020, ENV, 0x037F
    M32 0x0021, ENV + 4, 0x2800
    M32 0x0022, ENV + 8, 0x07FF       ; R5 zero (01), R6 valid, R7 valid
    M32 0x0023, ENV + 28, 0x00000000  ; ST0 = -0: significand 0
    M32 0x0024, ENV + 32, 0x00000000
    CHK 0x0025, dword [ENV + 36], 0xC2358000, 0, 0 ; ST0 sign/exponent 8000, then ST1 significand bits 15-0
    M32 0x0026, ENV + 38, 0x2168C235  ; pi significand low
    M32 0x0027, ENV + 42, 0xC90FDAA2  ; pi significand high
    CHK 0x0028, dword [ENV + 46], 0x00004000, 0, 0 ; pi exponent word (and ST2's first bytes 0)
    M32 0x0029, ENV + 52, 0x80000000  ; 1.0 significand high
    fnstcw [V_TMP2]
    mov word [V_TMP2 + 2], 0
    M32 0x002A, V_TMP2, 0x037F        ; FNINIT after FNSAVE
    SW 0x002B, 0x0000

    ; FRSTOR brings it back: values, TOP, tags
    frstor [ENV]
    SW 0x0030, 0x2800
    F64 0x0031, -0.0
    fstp st0
    F64 0x0032, 3.141592653589793
    fstp st0
    F64 0x0033, 1.0
    fstp st0
    SW 0x0034, 0x0020                 ; PE: FST m64 rounded the 80-bit pi

    ; FNCLEX clears exception flags, SF, ES and B
    fninit
    fldz
    fld1
    fdiv st0, st1                     ; 1/0: ZE (masked), +inf
    SWM 0x0040, 0xBFFF, 0x3004
    F64 0x0041, __?Infinity?__
    fnclex
    SW 0x0042, 0x3000

    ; #MF: an unmasked zero divide sets ES and B; the next waiting instruction (FWAIT) faults
    fninit
    mov word [V_TMP], 0x037B          ; ZM = 0
    fldcw [V_TMP]
    fldz
    fld1
    fdiv st0, st1
    SWM 0x0050, 0xBFFF, 0xB084        ; B, TOP=6, ES, ZE
    EXPECT_EXC .mf1
.mf1f:
    fwait
.mf1:
    CHK 0x0051, dword [V_EXCVEC], 16, 0, 0
    CHK 0x0052, dword [V_EXCEIP], .mf1f, 0, 0
    fnclex
    fwait                             ; nothing pending any more
    SW 0x0053, 0x3000

    ; #NM: EM=1 faults an x87 instruction but not WAIT; TS=1 with MP=1 faults WAIT too
    fninit
    mov eax, cr0
    or eax, 0x4
    mov cr0, eax
    mov dword [V_EXCCNT], 0
    fwait
    CHK 0x0060, dword [V_EXCCNT], 0, 0, 0
    EXPECT_EXC .nm1
.nm1f:
    fld1
.nm1:
    CHK 0x0061, dword [V_EXCVEC], 7, 0, 0
    CHK 0x0062, dword [V_EXCEIP], .nm1f, 0, 0
    mov eax, cr0
    and eax, ~0x4
    or eax, 0x8
    mov cr0, eax
    EXPECT_EXC .nm2
.nm2f:
    fwait
.nm2:
    CHK 0x0063, dword [V_EXCVEC], 7, 0, 0
    CHK 0x0064, dword [V_EXCEIP], .nm2f, 0, 0
    clts
    fld1
    SW 0x0065, 0x3800
    fninit
    ret
