; Exceptions and software interrupts (SDM vol. 3 ch. 6): #UD, #GP, #NP, #DE, INT n, INT3, INTO,
; BOUND, IRET in real mode (IVT) and 32-bit protected mode (IDT gates, error codes).
; Faults save the address of the faulting instruction; traps (INT3, INTO) the next one.
%define USE_PM32
%include "inc/lib.inc"
section .text16
tests16:
    ; #UD
    EXPECT_EXC .r1
.f1:
    ud2
.r1:
    CHK 0x1001, dword [V_EXCVEC], 6, 0, 0
    CHK 0x1002, dword [V_EXCEIP], .f1, 0, 0
    CHK 0x1003, dword [V_EXCCS], 0xF000, 0, 0
    ; INT n through the IVT, IRET restores the caller's flags
    SETVEC16 0x40, rm_int40
    mov ecx, 0
    mov dword [V_TMP], 0
    SETF CF|ZF
    int 0x40
.a2:
    CHK 0x1004, ecx, 0xC0DE, ALLF, CF|ZF
    CHK 0x1005, dword [V_TMP], .a2, 0, 0
    CHK 0x1006, dword [V_TMP2], 0x0043, 0, 0
    ; a handler may change the saved flags (BIOS-service style CF return)
    SETVEC16 0x41, rm_int41
    SETF 0
    int 0x41
    CHK 0x1007, ecx, 0xC0DE, ALLF, CF
    ; INT3 is a trap: saved IP points after it
    EXPECT_EXC .r3
    int3
.a3:
    nop
.r3:
    CHK 0x1008, dword [V_EXCVEC], 3, 0, 0
    CHK 0x1009, dword [V_EXCEIP], .a3, 0, 0
    ; INTO: nothing with OF=0, vector 4 with OF=1
    mov dword [V_EXCCNT], 0
    SETF 0
    into
    CHK 0x100A, dword [V_EXCCNT], 0, 0, 0
    EXPECT_EXC .r4
    SETF OF
    into
.a4:
    nop
.r4:
    CHK 0x100B, dword [V_EXCVEC], 4, 0, 0
    CHK 0x100C, dword [V_EXCEIP], .a4, 0, 0
    ; BOUND: index 11 outside [0, 10] -> #BR (vector 5, fault); inside -> nothing
    mov word [SCRATCH], 0
    mov word [SCRATCH + 2], 10
    mov ax, 10
    mov dword [V_EXCCNT], 0
    bound ax, [SCRATCH]
    CHK 0x100D, dword [V_EXCCNT], 0, 0, 0
    EXPECT_EXC .r5
    mov ax, 11
.f5:
    bound ax, [SCRATCH]
.r5:
    CHK 0x100E, dword [V_EXCVEC], 5, 0, 0
    CHK 0x100F, dword [V_EXCEIP], .f5, 0, 0
    ; IRET from a hand-built frame, far call / far return with an immediate
    pushf
    push cs
    push word .a6
    mov ecx, 1
    iret
    mov ecx, 2
.a6:
    CHK 0x1010, ecx, 1, 0, 0
    mov [V_SAVESP], esp
    push word 0x1111
    push word 0x2222
    call 0xF000:rm_farfn
    mov eax, esp
    CHK 0x1011, eax, [V_SAVESP], 0, 0
    CHK 0x1012, edx, 0xF000, 0, 0
    ; an exception inside an INT handler nests and returns
    SETVEC16 0x42, rm_int42
    mov ecx, 0
    int 0x42
    CHK 0x1013, ecx, 0x42, 0, 0
    CHK 0x1014, dword [V_EXCVEC], 6, 0, 0
    ret

rm_int40:
    push bp
    mov bp, sp
    movzx eax, word [bp + 2]
    mov [V_TMP], eax
    pushf
    pop ax
    and eax, 0xFFFF
    mov [V_TMP2], eax
    mov ecx, 0xC0DE
    clc
    pop bp
    iret

rm_int41:
    push bp
    mov bp, sp
    or word [bp + 6], CF
    mov ecx, 0xC0DE
    pop bp
    iret

rm_int42:
    EXPECT_EXC .back
    ud2
.back:
    mov ecx, 0x42
    iret

rm_farfn:
    mov dx, cs
    movzx edx, dx
    retf 4

section .text32
bits 32
tests32:
    ; #UD: no error code
    EXPECT_EXC .r1
.f1:
    ud2
.r1:
    CHK 0x2001, dword [V_EXCVEC], 6, 0, 0
    CHK 0x2002, dword [V_EXCEIP], .f1, 0, 0
    CHK 0x2003, dword [V_EXCERR], 0xFFFFFFFF, 0, 0
    CHK 0x2004, dword [V_EXCCS], SEL_CODE32, 0, 0
    ; #GP(selector): selector beyond the GDT limit
    EXPECT_EXC .r2
    mov ax, 0x80
.f2:
    mov ds, ax
.r2:
    CHK 0x2005, dword [V_EXCVEC], 13, 0, 0
    CHK 0x2006, dword [V_EXCERR], 0x80, 0, 0
    CHK 0x2007, dword [V_EXCEIP], .f2, 0, 0
    mov ax, ds
    movzx eax, ax
    CHK 0x2008, eax, SEL_DATA32, 0, 0
    ; #NP(selector): descriptor with P=0
    EXPECT_EXC .r3
    mov ax, SEL_NOTPRES
.f3:
    mov es, ax
.r3:
    CHK 0x2009, dword [V_EXCVEC], 11, 0, 0
    CHK 0x200A, dword [V_EXCERR], SEL_NOTPRES, 0, 0
    CHK 0x200B, dword [V_EXCEIP], .f3, 0, 0
    ; #GP: code segment into SS, null selector into SS
    EXPECT_EXC .r4
    mov ax, SEL_CODE32
    mov ss, ax
.r4:
    CHK 0x200C, dword [V_EXCVEC], 13, 0, 0
    CHK 0x200D, dword [V_EXCERR], SEL_CODE32, 0, 0
    EXPECT_EXC .r5
    xor eax, eax
    mov ss, ax
.r5:
    CHK 0x200E, dword [V_EXCVEC], 13, 0, 0
    CHK 0x200F, dword [V_EXCERR], 0, 0, 0
    mov ax, ss
    movzx eax, ax
    CHK 0x2010, eax, SEL_DATA32, 0, 0
    ; #GP(vector*8+2): INT through an empty IDT entry
    EXPECT_EXC .r6
.f6:
    int 0x80
.r6:
    CHK 0x2011, dword [V_EXCVEC], 13, 0, 0
    CHK 0x2012, dword [V_EXCERR], 0x80 * 8 + 2, 0, 0
    CHK 0x2013, dword [V_EXCEIP], .f6, 0, 0
    ; #GP(selector): far jump to a data segment
    EXPECT_EXC .r7
.f7:
    jmp SEL_DATA32:.r7
.r7:
    CHK 0x2014, dword [V_EXCVEC], 13, 0, 0
    CHK 0x2015, dword [V_EXCERR], SEL_DATA32, 0, 0
    CHK 0x2016, dword [V_EXCEIP], .f7, 0, 0
    ; INT n through an interrupt gate; IRETD restores flags
    SETGATE32 0x40, pm_int40, 0x8E
    mov ecx, 0
    SETF CF|SF
    int 0x40
.a8:
    CHK 0x2017, ecx, 0xC0DE, ALLF, CF|SF
    CHK 0x2018, dword [V_TMP], .a8, 0, 0
    CHK 0x2019, dword [V_TMP2], SEL_CODE32, 0, 0
    ; trap gate, handler sets CF in the saved EFLAGS
    SETGATE32 0x41, pm_int41, 0x8F
    SETF 0
    int 0x41
    CHK 0x201A, ecx, 0x41, ALLF, CF
    ; INT3 and INTO are traps
    EXPECT_EXC .r9
    int3
.a9:
    nop
.r9:
    CHK 0x201B, dword [V_EXCVEC], 3, 0, 0
    CHK 0x201C, dword [V_EXCEIP], .a9, 0, 0
    EXPECT_EXC .r10
    SETF OF
    into
.a10:
    nop
.r10:
    CHK 0x201D, dword [V_EXCVEC], 4, 0, 0
    CHK 0x201E, dword [V_EXCEIP], .a10, 0, 0
    ; BOUND (32-bit operands)
    mov dword [SCRATCH], -5
    mov dword [SCRATCH + 4], 5
    EXPECT_EXC .r11
    mov eax, -6
.f11:
    bound eax, [SCRATCH]
.r11:
    CHK 0x201F, dword [V_EXCVEC], 5, 0, 0
    CHK 0x2020, dword [V_EXCEIP], .f11, 0, 0
    ; a #GP inside an INT handler nests and returns
    SETGATE32 0x42, pm_int42, 0x8E
    mov ecx, 0
    int 0x42
    CHK 0x2021, ecx, 0x42, 0, 0
    CHK 0x2022, dword [V_EXCVEC], 13, 0, 0
    ; IRETD from a hand-built frame
    pushfd
    push dword SEL_CODE32
    push dword .a12
    mov ecx, 1
    iretd
    mov ecx, 2
.a12:
    CHK 0x2023, ecx, 1, 0, 0
    ret

pm_int40:
    mov eax, [esp]
    mov [V_TMP], eax
    mov eax, [esp + 4]
    mov [V_TMP2], eax
    mov ecx, 0xC0DE
    clc
    iretd

pm_int41:
    or dword [esp + 8], CF
    mov ecx, 0x41
    iretd

pm_int42:
    EXPECT_EXC .back
    mov ax, 0x7F8
    mov fs, ax
.back:
    mov ecx, 0x42
    iretd
