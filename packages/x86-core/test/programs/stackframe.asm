; Interrupt and IRET frames across a stack page boundary with one or both pages not present: which
; #PF is raised (CR2, error code), which slots are written before it, and that the interrupted
; context (CS:EIP, SS:ESP, CPL) is the one the #PF is delivered from. QEMU 7.2 pushes an interrupt
; frame slot by slot from the top (target/i386/tcg/seg_helper.c do_interrupt_protected: PUSHL,
; SS:ESP loaded after the last) and pops an IRET frame from the bottom (helper_ret_protected:
; POPL EIP, CS, EFLAGS, then ESP, SS); a slot across the boundary translates its first page at its
; own address, then the second at that page's first byte, before writing either (accel/tcg/
; cputlb.c store_helper / store_helper_unaligned). Bochs pushes in the same order (cpu/exception.cc
; protected_mode_int: write_new_stack_dword from temp_ESP-4 down) but reads an IRET frame from the
; top (cpu/iret.cc iret_protected: EFLAGS, CS, EIP); the checks below follow QEMU.
;
; Each run enters ring 3, which raises the event there: INT 0x40 (32-bit gate) or INT 0x41 (16-bit
; gate) to ring 1, or CLI (#GP(0), error code) to ring 1, whose frame goes on the TSS's ring-1
; stack, put across the boundary B; or INT 0x42 to ring 1, which IRETs to ring 3 with ESP across B.
; The #PF that follows goes to ring 0 on a stack of its own (TSS.ESP0), so it can be observed: its
; handler records CR2, the error code and the frame, and the run compares the 64 bytes around B
; with the pattern written before (the lowest byte changed, and a hash of all of them).
;
; Far CALLs through call gates from ring 3 to ring 1 (32-bit gates with 0, 1 and 3 parameters, a
; 16-bit gate with 2): QEMU 7.2 (seg_helper.c helper_lcall_protected) and Bochs (cpu/call_far.cc
; call_gate) push SS, ESP, then each parameter right after reading it from the caller's stack (the
; last one first), then CS, EIP on the ring-1 stack, and load SS:ESP and the CPL after the last
; push; a #PF on either stack is delivered from ring 3 with the slots pushed before it written.
; Runs put the ring-1 stack across B, or the caller's parameters across B (ring-1 stack at B + 64).
; PUSHA/PUSHAD across B: QEMU 7.2 (translate.c gen_pusha) stores EDI at the new ESP first, then up
; to EAX; Bochs (cpu/stack32.cc PUSHA32) from EAX down, and the checks below follow QEMU.
; ENTER across B at CPL 3 (levels 0, 1, 3; 32- and 16-bit operand size): QEMU 7.2 (translate.c
; gen_enter) and Bochs (cpu/stack32.cc ENTER32_IwIb, stack16.cc ENTER16_IwIb) store EBP at ESP - size
; first, then for each of the level - 1 nested frame pointers read [EBP - size * i] and store it at
; ESP - size * (i + 1), then store the new frame pointer (ESP - size) below them; EBP and ESP are
; loaded last, so a #PF leaves them as they were and the slots above the faulting one written.
%define USE_PM32
%include "inc/lib.inc"

%define GDT2      0x3000
%define GDTR2     0x30F0
%define TSS       0x3400
%define PD        0x10000
%define PT        0x11000
%define B         0x61000           ; the boundary: pages 0x60000 (low) and 0x61000 (high)
%define PTE_LO    (PT + 0x60 * 4)
%define PTE_HI    (PT + 0x61 * 4)
%define R0_STACK  0x6E000
%define R1_STACK  0x5E000
%define R3_STACK  0x5F000
%define R1_STUB   0x2F00            ; UD2: reached only if a frame that must fault did not
%define SEL_TSS   0x40
%define SEL_C3    0x4B
%define SEL_D3    0x53
%define SEL_C1    0x59
%define SEL_D1    0x61
%define SEL_CG0   0x6B              ; call gates to SEL_C1:R1_STUB, DPL 3: 32-bit, 0 parameters
%define SEL_CG1   0x73              ; 32-bit, 1 parameter
%define SEL_CG3   0x7B              ; 32-bit, 3 parameters
%define SEL_CG16  0x83              ; 16-bit, 2 parameters
%define P0        0x11111111        ; the parameters, P0 at the caller's ESP
%define P1        0x22222222
%define P2        0x33333333
%define SCAN_END  (B + 64)          ; run compares [B - 32, SCAN_END) with the pattern
%define LO        1                 ; run modes: the pages made not present
%define HI        2
%define BOTH      3
; the last run's results
%define R_CR2     0x600
%define R_ERR     0x604
%define R_EIP     0x608
%define R_CS      0x60C
%define R_ESP     0x610
%define R_LOW     0x614             ; the lowest changed byte of [B-32, B+32), 0 if none
%define R_HASH    0x618
%define R_SAVESP  0x61C
%define R_PFCNT   0x620
%define R_PARAM   0x624
%define R_SS      0x628
%define R_EBP     0x62C             ; EBP when the #PF was raised
%define SW_ENTRY  0x640
%define SW_IRET   0x644
%define SW_LEN    0x648
%define SW_ID     0x64C
%define SW_MODE   0x650
%define SW_T      0x654
%define SW_ERRMASK 0x658
%define FP_OLD    0x5E800           ; EBP for ENTER: the frame pointers at FP_OLD - 4, - 8 (- 2, - 4)
%define FP1       0xF1F1F1F1
%define FP2       0xF2F2F2F2
%define NOFAULT   0xFFFFF000        ; not mapped: the ring-3 store after an ENTER that did not fault

section .text16
tests16:
    ret

section .text32
bits 32

; CASE id, ring-3 entry, ESP, mode, expected CR2, expected lowest changed byte (0: none written)
%macro CASE 6
    mov eax, %3
    mov ebx, %4
    mov edi, %2
    xor edx, edx
%ifidn %2, r3_int42
    inc edx
%endif
%ifidn %2, r3_cg3p
    mov edx, 2
%endif
    call run
    CHK %1, dword [R_CR2], %5, 0, 0
    CHK %1 + 1, dword [R_LOW], %6, 0, 0
%endmacro

; SWEEP entry, EDX (0: ESP1 = B + t; 1: IRET; 2: the caller's ESP = B - t), frame bytes, id base
%macro SWEEP 4
    mov edi, %1
    mov edx, %2
    mov ecx, %3
    mov ebp, %4
    call sweep
%endmacro

tests32:
    call setup
    mov dword [R_PFCNT], 0
    ; INT 0x40, 32-bit gate, ring 3 -> 1: SS ESP EFLAGS CS EIP from ESP1 down (20 bytes)
    CASE 0x0100, r3_int40, B + 8, LO, B - 4, B          ; SS and ESP written, EFLAGS faults
    CHK 0x0102, dword [R_ERR], 2, 0, 0                  ; a supervisor write, not present
    CHK 0x0103, dword [R_EIP], r3_int40, 0, 0           ; delivered from ring 3, at the INT
    CHK 0x0104, dword [R_CS], SEL_C3, 0, 0
    CHK 0x0105, dword [R_ESP], R3_STACK, 0, 0
    CHK 0x0108, dword [R_SS], SEL_D3, 0, 0
    CHK 0x0106, dword [B + 4], SEL_D3, 0, 0             ; the old SS
    CHK 0x0107, dword [B], R3_STACK, 0, 0               ; the old ESP
    CASE 0x0110, r3_int40, B + 8, HI, B + 4, 0          ; the first push faults
    CASE 0x0120, r3_int40, B + 8, BOTH, B + 4, 0
    CASE 0x0130, r3_int40, B + 6, LO, B - 2, B + 2      ; ESP's slot starts in the low page
    CASE 0x0140, r3_int40, B + 6, HI, B + 2, 0
    CASE 0x0150, r3_int40, B + 2, HI, B, 0              ; SS's slot crosses: its high page, at B
    CASE 0x0160, r3_int40, B + 2, LO, B - 2, 0
    CASE 0x0170, r3_int40, B + 19, LO, B - 1, B + 3     ; only EIP's slot reaches the low page
    ; the #PF to ring 1 as well, from ring 3: its frame goes on the same ring-1 stack and faults
    ; the same way (PF then PF), so #DF (error code 0), here to ring 0
    SETGATE32 14, R1_STUB, 0x8E
    mov word [IDT32 + 14 * 8 + 2], SEL_C1
    SETGATE32 8, pfh, 0x8E
    CASE 0x0180, r3_int40, B + 8, LO, B - 4, B
    CHK 0x0182, dword [R_ERR], 0, 0, 0
    CHK 0x0183, dword [R_EIP], r3_int40, 0, 0
    CHK 0x0184, dword [R_ESP], R3_STACK, 0, 0
    SETGATE32 14, pfh, 0x8E
    ; CLI at CPL 3: #GP(0) to ring 1, 24 bytes (error code below EIP), then the #PF
    CASE 0x0200, r3_cli, B + 12, LO, B - 4, B
    CHK 0x0202, dword [R_EIP], r3_cli, 0, 0
    CHK 0x0203, dword [B], 2, 0, 0                      ; EFLAGS
    CASE 0x0210, r3_cli, B + 12, HI, B + 8, 0
    ; INT 0x41, 16-bit gate: SS SP FLAGS CS IP, 2 bytes each (10 bytes)
    CASE 0x0300, r3_int41, B + 3, LO, B - 1, B + 1
    CASE 0x0310, r3_int41, B + 3, HI, B + 1, 0
    CASE 0x0320, r3_int41, B + 1, HI, B, 0
    ; IRET at CPL 1 to ring 3: EIP CS EFLAGS ESP SS read from ESP up; nothing is written
    CASE 0x0400, r3_int42, B - 8, HI, B, B - 8          ; EFLAGS faults (R_LOW: the frame written)
    CHK 0x0402, dword [R_ERR], 0, 0, 0                  ; a supervisor read, not present
    CHK 0x0403, dword [R_EIP], r1_iret.iret, 0, 0       ; delivered from ring 1, at the IRET
    CHK 0x0404, dword [R_CS], SEL_C1, 0, 0
    CHK 0x0405, dword [R_ESP], B - 8, 0, 0
    CHK 0x0406, dword [R_SS], SEL_D1, 0, 0
    CASE 0x0410, r3_int42, B - 6, HI, B, B - 6          ; CS's slot crosses: its high page, at B
    CASE 0x0420, r3_int42, B - 6, LO, B - 6, B - 6      ; EIP's slot faults first
    CASE 0x0430, r3_int42, B - 12, HI, B, B - 12        ; ESP faults after the CS checks
    ; far CALL at CPL 3 on its own stack: CS then EIP (8 bytes), a user write
    CASE 0x0500, r3_callf, B + 4, LO, B - 4, B
    CHK 0x0502, dword [R_EIP], r3_callf.call, 0, 0
    CHK 0x0503, dword [R_ESP], B + 4, 0, 0
    CHK 0x0504, dword [B], SEL_C3, 0, 0
    CHK 0x0505, dword [R_ERR], 6, 0, 0                  ; a user write, not present
    CASE 0x0510, r3_callf, B + 6, HI, B + 2, 0
    CASE 0x0520, r3_callf, B + 2, HI, B, 0
    ; CALL through a 32-bit gate with 3 parameters, ring 3 to 1: SS ESP P2 P1 P0 CS EIP (28 bytes)
    ; from ESP1 down, the parameters from the ring-3 stack (R3_STACK - 12 after the ring-3 pushes)
    CASE 0x0700, r3_cg3, B + 8, LO, B - 4, B            ; SS and ESP written, P2 faults
    CHK 0x0702, dword [R_ERR], 2, 0, 0                  ; a supervisor write, not present
    CHK 0x0703, dword [R_EIP], r3_cg3.call, 0, 0        ; delivered from ring 3, at the CALL
    CHK 0x0704, dword [R_CS], SEL_C3, 0, 0
    CHK 0x0705, dword [R_ESP], R3_STACK - 12, 0, 0
    CHK 0x0706, dword [R_SS], SEL_D3, 0, 0
    CHK 0x0707, dword [B + 4], SEL_D3, 0, 0             ; the old SS
    CHK 0x0708, dword [B], R3_STACK - 12, 0, 0          ; the old ESP
    CASE 0x0710, r3_cg3, B + 8, HI, B + 4, 0            ; the first push faults
    CASE 0x0720, r3_cg3, B + 16, LO, B - 4, B           ; P0 faults, P2 and P1 written
    CHK 0x0722, dword [B + 4], P2, 0, 0
    CHK 0x0723, dword [B], P1, 0, 0
    CASE 0x0730, r3_cg16, B + 5, LO, B - 1, B + 1       ; 16-bit: SS SP written, P1 crosses
    movzx eax, word [B + 3]
    CHK 0x0732, eax, SEL_D3, 0, 0
    movzx eax, word [B + 1]
    CHK 0x0733, eax, (R3_STACK - 12) & 0xFFFF, 0, 0
    ; the caller's parameters across B (P0 at B - 4 in the low page), the ring-1 stack at B + 64
    CASE 0x0740, r3_cg3p, B - 4, LO, B - 4, B - 4       ; P0's read faults (R_LOW: run's P0)
    CHK 0x0742, dword [R_ERR], 4, 0, 0                  ; a user read (at CPL 3), not present
    CHK 0x0743, dword [R_EIP], r3_cg3p.call, 0, 0
    CHK 0x0744, dword [R_ESP], B - 4, 0, 0
    CHK 0x0745, dword [R_SS], SEL_D3, 0, 0
    CHK 0x0746, dword [B + 60], SEL_D3, 0, 0            ; SS, ESP, P2, P1 pushed before the read
    CHK 0x0747, dword [B + 56], B - 4, 0, 0
    CHK 0x0748, dword [B + 52], P2, 0, 0
    CHK 0x0749, dword [B + 48], P1, 0, 0
    CHK 0x074A, dword [B + 44], 0xA5A5A5A5, 0, 0
    CASE 0x0750, r3_cg3p, B - 4, HI, B + 60, B - 4      ; SS's push faults before any read
    CHK 0x0752, dword [R_ERR], 2, 0, 0
    ; the TSS's ring-1 SS null: #TS(0) (here to ring 0 too) before any parameter is read, and CR2
    ; untouched by the read that would fault
    SETGATE32 10, pfh, 0x8E
    mov dword [TSS + 16], 0
    mov eax, 0xC2C2C000
    mov cr2, eax
    CASE 0x0770, r3_cg3p, B - 4, LO, 0xC2C2C000, B - 4
    CHK 0x0772, dword [R_ERR], 0, 0, 0
    CHK 0x0773, dword [R_EIP], r3_cg3p.call, 0, 0
    mov dword [TSS + 16], SEL_D1
    ; PUSHAD at CPL 3: EDI at ESP - 32 first, up to EAX at ESP - 4
    CASE 0x0800, r3_pushad, B + 8, HI, B, B - 24        ; EDI..EDX written below B, ECX faults
    CHK 0x0802, dword [R_ERR], 6, 0, 0                  ; a user write, not present
    CHK 0x0803, dword [R_EIP], r3_pushad.pusha, 0, 0
    CHK 0x0804, dword [R_ESP], B + 8, 0, 0
    CHK 0x0805, dword [B - 4], 0xD0D0D0D0, 0, 0         ; EDX
    CHK 0x0806, dword [B - 12], B + 8, 0, 0             ; the ESP before
    CHK 0x0807, dword [B - 24], 0xD1D1D1D1, 0, 0        ; EDI
    CASE 0x0810, r3_pushad, B + 8, LO, B - 24, 0        ; EDI faults, nothing written
    CASE 0x0820, r3_pushad, B + 6, HI, B, B - 26        ; ECX's slot crosses: at B
    CASE 0x0830, r3_pushaw, B + 6, HI, B, B - 10        ; 16-bit: DI SI BP SP BX written, DX at B
    movzx eax, word [B - 2]
    CHK 0x0832, eax, 0xB0B0, 0, 0                       ; BX
    movzx eax, word [B - 4]
    CHK 0x0833, eax, (B + 6) & 0xFFFF, 0, 0             ; the SP before
    ; a frame inside the not-present page: CR2 is its first store's address (the top slot's, but
    ; PUSHA's lowest)
    CASE 0x0190, r3_int40, B + 64, HI, B + 60, 0
    CASE 0x0530, r3_callf, B + 64, HI, B + 60, 0
    CASE 0x0760, r3_cg3, B + 64, HI, B + 60, 0
    CASE 0x0840, r3_pushad, B + 64, HI, B + 32, 0
    ; ENTER 0, 3 at CPL 3: EBP at ESP - 4, [EBP - 4] at ESP - 8, [EBP - 8] at ESP - 12, then the
    ; new frame pointer (ESP - 4) at ESP - 16; a user write fault leaves EBP and ESP unchanged
    mov dword [FP_OLD - 4], FP1
    mov dword [FP_OLD - 8], FP2
    CASE 0x0900, r3_enter3, B + 8, LO, B - 4, B         ; EBP and [EBP - 4] written, [EBP - 8] faults
    CHK 0x0902, dword [R_ERR], 6, 0, 0                  ; a user write, not present
    CHK 0x0903, dword [R_EIP], r3_enter3.enter, 0, 0
    CHK 0x0904, dword [R_ESP], B + 8, 0, 0
    CHK 0x0905, dword [R_EBP], FP_OLD, 0, 0
    CHK 0x0906, dword [B + 4], FP_OLD, 0, 0
    CHK 0x0907, dword [B], FP1, 0, 0
    CASE 0x0910, r3_enter3, B + 8, HI, B + 4, 0         ; the first store faults
    CASE 0x0920, r3_enter3, B + 6, LO, B - 2, B + 2     ; [EBP - 4]'s slot starts in the low page
    CASE 0x0930, r3_enter3, B + 2, HI, B, 0             ; EBP's slot crosses: its high page, at B
    CASE 0x0940, r3_enter3, B + 14, LO, B - 2, B + 2    ; only the new frame pointer's slot crosses
    CHK 0x0942, dword [B + 2], FP2, 0, 0
    ; the nested frame pointers read from the low page (EBP = B - 16) after EBP's store at B + 60
    CASE 0x0950, r3_enter3r, B + 64, LO, B - 20, B + 60
    CHK 0x0952, dword [R_ERR], 4, 0, 0                  ; a user read, not present
    CHK 0x0953, dword [B + 60], B - 16, 0, 0
    CHK 0x0954, dword [R_EBP], B - 16, 0, 0
    ; ENTER 0x20, 0: nothing stored at the new ESP, which is still probed for a write after the
    ; stores (SDM vol. 2A ENTER: #PF "if a write using the final value of the stack pointer
    ; (within the current stack segment) would cause a page fault"; Bochs stack32.cc ENTER32_IwIb:
    ; read_RMW_virtual_dword at the final ESP). QEMU 7.2's gen_enter has no such probe (programs.ts).
    CASE 0x0960, r3_enter0s, B + 8, LO, B - 28, B + 4
    CHK 0x0962, dword [R_ERR], 6, 0, 0
    CHK 0x0963, dword [R_ESP], B + 8, 0, 0
    CHK 0x0964, dword [R_EBP], FP_OLD, 0, 0
    CHK 0x0965, dword [B + 4], FP_OLD, 0, 0
    CASE 0x0970, r3_enter0s, B + 64, LO, NOFAULT, B + 60 ; all in the high page: no fault
    CHK 0x0972, dword [R_ESP], B + 60 - 0x20, 0, 0
    CHK 0x0973, dword [R_EBP], B + 60, 0, 0
    CHK 0x0974, dword [R_EIP], r3_enter0s.done, 0, 0
    ; every split point, every mode: a D line each (compared with QEMU's)
    mov dword [SW_ERRMASK], 0xFFFFFFFF
    mov edi, r3_int40
    xor edx, edx
    mov ecx, 20
    mov ebp, 0x1000
    call sweep
    mov edi, r3_cli
    mov ecx, 24
    mov ebp, 0x2000
    call sweep
    mov edi, r3_int41
    mov ecx, 10
    mov ebp, 0x3000
    call sweep
    mov edi, r3_int42
    mov edx, 1
    mov ecx, 20
    mov ebp, 0x4000
    call sweep
    ; (the error code's U/S bit left out: QEMU 7.2 makes the far CALL's stores as supervisor
    ; accesses, see 0x0505 in programs.ts)
    mov dword [SW_ERRMASK], 3
    mov edi, r3_callf
    xor edx, edx
    mov ecx, 8
    mov ebp, 0x5000
    call sweep
    mov dword [SW_ERRMASK], 0xFFFFFFFF
    SWEEP r3_cg0, 0, 16, 0x6000
    SWEEP r3_cg1, 0, 20, 0x7000
    SWEEP r3_cg3, 0, 28, 0x8000
    SWEEP r3_cg16, 0, 12, 0x9000
    SWEEP r3_pushad, 0, 32, 0xD000
    SWEEP r3_pushaw, 0, 16, 0xE000
    SWEEP r3_enter0, 0, 4, 0xF000
    SWEEP r3_enter1, 0, 8, 0xF400
    SWEEP r3_enter3, 0, 16, 0xF800
    SWEEP r3_enterw3, 0, 8, 0xFC00
    ; (the error code's U/S bit left out: QEMU 7.2 reads a call gate's parameters as supervisor
    ; reads, see 0x0742 in programs.ts)
    mov dword [SW_ERRMASK], 3
    SWEEP r3_cg1p, 2, 4, 0xA000
    SWEEP r3_cg3p, 2, 12, 0xB000
    SWEEP r3_cg16p, 2, 4, 0xC000
    ; one #PF (or #DF, #TS) per run: 21 + 15 + 8 cases, then the sweep runs (3 modes each)
    CHK 0x0600, dword [R_PFCNT], 44 + 3 * (19 + 23 + 9 + 19 + 7 + 15 + 19 + 27 + 11 + 31 + 15 + 3 + 11 + 3 + 3 + 7 + 15 + 7), 0, 0
    ret


; sweep: EDI ring-3 entry, EDX 1 for IRET (2 for a call gate's parameters), ECX frame bytes, EBP id base. For each mode and each
; t in 1 .. ECX-1: a run with ESP = B + t (EDX not 0: B - t), then "D id" with id = base | mode << 8 | t,
; EAX CR2, EBX the #PF frame's CS << 16 | SS << 4 | error code & [SW_ERRMASK], ECX the lowest
; changed byte, EDX the hash xor the EBP the #PF was raised with, ESI the #PF frame's EIP, EDI its
; ESP.
sweep:
    pushad
    mov [SW_ENTRY], edi
    mov [SW_IRET], edx
    mov [SW_LEN], ecx
    mov [SW_ID], ebp
    mov dword [SW_MODE], LO
.m: mov dword [SW_T], 1
.t: mov eax, [SW_T]
    cmp dword [SW_IRET], 0
    je .up
    neg eax
.up:
    add eax, B
    mov ebx, [SW_MODE]
    mov edi, [SW_ENTRY]
    mov edx, [SW_IRET]
    call run
    mov ebp, [SW_MODE]
    shl ebp, 8
    or ebp, [SW_T]
    or ebp, [SW_ID]
    mov ebx, [R_CS]
    shl ebx, 12
    or ebx, [R_SS]
    shl ebx, 4
    mov eax, [R_ERR]
    and eax, [SW_ERRMASK]
    or ebx, eax
    mov eax, [R_CR2]
    mov ecx, [R_LOW]
    mov edx, [R_HASH]
    xor edx, [R_EBP]
    mov esi, [R_EIP]
    mov edi, [R_ESP]
    DUMP ebp, 0
    inc dword [SW_T]
    mov eax, [SW_T]
    cmp eax, [SW_LEN]
    jb .t
    inc dword [SW_MODE]
    cmp dword [SW_MODE], BOTH
    jbe .m
    popad
    ret

; run: EAX the ring-1 ESP (TSS.ESP1), or with EDX = 1 the ESP the ring-1 IRET runs with (its frame
; written there first: to ring 3 at r3_ud), or with EDX = 2 the ring-3 ESP (P0 P1 P2 written there
; first, TSS.ESP1 = B + 64); EBX the pages made not present (LO, HI, BOTH); EDI the
; ring-3 entry. Results in R_*.
run:
    pushad
    mov [R_PARAM], eax
    mov edi, B - 32
    mov eax, 0xA5A5A5A5
    mov ecx, (SCAN_END - (B - 32)) / 4
    rep stosd
    mov eax, [R_PARAM]
    mov [TSS + 4 + 8], eax
    test edx, edx
    jz .pages
    cmp edx, 2
    jne .iret
    mov dword [TSS + 4 + 8], B + 64
    mov dword [eax], P0
    mov dword [eax + 4], P1
    mov dword [eax + 8], P2
    jmp .pages
.iret:
    mov dword [TSS + 4 + 8], R1_STACK
    mov dword [eax], r3_ud
    mov dword [eax + 4], SEL_C3
    mov dword [eax + 8], 2
    mov dword [eax + 12], R3_STACK
    mov dword [eax + 16], SEL_D3
.pages:
    test ebx, LO
    jz .lo
    mov dword [PTE_LO], 0
.lo:
    test ebx, HI
    jz .hi
    mov dword [PTE_HI], 0
.hi:
    invlpg [B - 0x1000]
    invlpg [B]
    mov dword [R_CR2], 0xFFFFFFFF
    mov dword [R_ERR], 0xFFFFFFFF
    mov dword [R_EIP], 0xFFFFFFFF
    mov dword [R_SS], 0xFFFFFFFF
    mov [R_SAVESP], esp
    mov edi, [esp]                      ; the ring-3 entry (pushad's EDI)
    push dword SEL_D3
    push dword R3_STACK
    push dword 2
    push dword SEL_C3
    push edi
    mov eax, [R_PARAM]
    iretd
.resume:                                ; from pfh, ESP = R_SAVESP
    mov dword [PTE_LO], 0x60000 | 7
    mov dword [PTE_HI], 0x61000 | 7
    invlpg [B - 0x1000]
    invlpg [B]
    xor ecx, ecx
    mov esi, B - 32
.scan:
    cmp byte [esi], 0xA5
    jne .found
    inc esi
    cmp esi, SCAN_END
    jb .scan
    jmp .hash
.found:
    mov ecx, esi
.hash:
    mov [R_LOW], ecx
    xor edx, edx
    mov esi, B - 32
.h: imul edx, edx, 33
    movzx eax, byte [esi]
    add edx, eax
    inc esi
    cmp esi, SCAN_END
    jb .h
    mov [R_HASH], edx
    popad
    ret

; #PF, or #DF (ring 0, on TSS.ESP0): record it, back to run.
pfh:
    mov [ss:R_EBP], ebp
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov eax, cr2
    mov [R_CR2], eax
    mov eax, [esp]
    mov [R_ERR], eax
    mov eax, [esp + 4]
    mov [R_EIP], eax
    mov eax, [esp + 8]
    mov [R_CS], eax
    mov eax, [esp + 16]
    mov [R_ESP], eax
    mov eax, [esp + 20]
    mov [R_SS], eax
    inc dword [R_PFCNT]
    mov esp, [R_SAVESP]
    jmp run.resume

; ring 3
r3_int40:
    int 0x40
    ud2
r3_int41:
    int 0x41
    ud2
r3_cli:
    cli
    ud2
r3_int42:                               ; EAX: the ESP for the ring-1 IRET
    int 0x42
    ud2
r3_callf:                               ; EAX: the ESP for the far CALL
    mov esp, eax
.call:
    call SEL_C3:r3_ud
r3_ud:
    ud2

; call gates: with ESP1 = EAX (TSS) and the parameters pushed here; or (the entry + p) with the
; caller's ESP = EAX, P0 P1 P2 written there by run
%macro R3_GATE 2
%1:
    push dword P2
    push dword P1
    push dword P0
.call:
    call %2:0
    ud2
%{1}p:
    mov esp, eax
.call:
    call %2:0
    ud2
%endmacro
    R3_GATE r3_cg0, SEL_CG0
    R3_GATE r3_cg1, SEL_CG1
    R3_GATE r3_cg3, SEL_CG3
    R3_GATE r3_cg16, SEL_CG16
; PUSHAD or PUSHAW (%2) with ESP = EAX and the other registers known
%macro R3_PUSHA 2
%1:
    mov esp, eax
    mov ecx, 0xC0C0C0C0
    mov edx, 0xD0D0D0D0
    mov ebx, 0xB0B0B0B0
    mov ebp, 0xB1B1B1B1
    mov esi, 0x51515151
    mov edi, 0xD1D1D1D1
.pusha:
    %2
    ud2
%endmacro
    R3_PUSHA r3_pushad, pushad
    R3_PUSHA r3_pushaw, pushaw
; ENTER (%2) with ESP = EAX and EBP = %3; a store to NOFAULT (a user write #PF there) if it did not
; fault
%macro R3_ENTER 3
%1:
    mov esp, eax
    mov ebp, %3
.enter:
    %2
.done:
    mov [ss:NOFAULT], eax                ; (DS is null at CPL 3 here)
    ud2
%endmacro
    R3_ENTER r3_enter0, {enter 0, 0}, FP_OLD
    R3_ENTER r3_enter1, {enter 0, 1}, FP_OLD
    R3_ENTER r3_enter3, {enter 0, 3}, FP_OLD
    R3_ENTER r3_enterw3, {o16 enter 0, 3}, FP_OLD
    R3_ENTER r3_enter3r, {enter 0, 3}, B - 16
    R3_ENTER r3_enter0s, {enter 0x20, 0}, FP_OLD

; ring 1
r1_iret:
    mov esp, eax
.iret:
    iretd

setup:
    pushad
    mov esi, IMG_BASE + gdt
    mov edi, GDT2
    mov ecx, (gdt_end - gdt) / 4
    rep movsd
    mov dword [GDT2 + 0x40], ((TSS & 0xFFFF) << 16) | 0x67
    mov dword [GDT2 + 0x44], (TSS & 0xFF000000) | 0x8900 | ((TSS >> 16) & 0xFF)
    mov dword [GDT2 + 0x48], 0x0000FFFF
    mov dword [GDT2 + 0x4C], 0x00CFFA00 ; code32 DPL 3
    mov dword [GDT2 + 0x50], 0x0000FFFF
    mov dword [GDT2 + 0x54], 0x00CFF200 ; data32 DPL 3
    mov dword [GDT2 + 0x58], 0x0000FFFF
    mov dword [GDT2 + 0x5C], 0x00CFBA00 ; code32 DPL 1
    mov dword [GDT2 + 0x60], 0x0000FFFF
    mov dword [GDT2 + 0x64], 0x00CFB200 ; data32 DPL 1
    mov dword [GDT2 + 0x68], (SEL_C1 << 16) | R1_STUB
    mov dword [GDT2 + 0x6C], 0xEC00     ; 32-bit call gate, DPL 3, 0 parameters
    mov dword [GDT2 + 0x70], (SEL_C1 << 16) | R1_STUB
    mov dword [GDT2 + 0x74], 0xEC01
    mov dword [GDT2 + 0x78], (SEL_C1 << 16) | R1_STUB
    mov dword [GDT2 + 0x7C], 0xEC03
    mov dword [GDT2 + 0x80], (SEL_C1 << 16) | R1_STUB
    mov dword [GDT2 + 0x84], 0xE402     ; 16-bit call gate, 2 parameters
    mov word [GDTR2], 0x87
    mov dword [GDTR2 + 2], GDT2
    lgdt [GDTR2]
    mov edi, TSS
    xor eax, eax
    mov ecx, 0x68 / 4
    rep stosd
    mov dword [TSS + 4], R0_STACK
    mov dword [TSS + 8], SEL_DATA32
    mov dword [TSS + 16], SEL_D1
    mov word [TSS + 0x66], 0x68         ; no I/O bitmap
    mov ax, SEL_TSS
    ltr ax
    mov word [R1_STUB], 0x0B0F
    SETGATE32 14, pfh, 0x8E
    SETGATE32 13, R1_STUB, 0x8E
    mov word [IDT32 + 13 * 8 + 2], SEL_C1
    SETGATE32 0x40, R1_STUB, 0xEE
    mov word [IDT32 + 0x40 * 8 + 2], SEL_C1
    SETGATE32 0x41, R1_STUB, 0xE6       ; a 16-bit interrupt gate
    mov word [IDT32 + 0x41 * 8 + 2], SEL_C1
    SETGATE32 0x42, r1_iret, 0xEE
    mov word [IDT32 + 0x42 * 8 + 2], SEL_C1
    ; identity-map the first 4 MiB, user and writable
    mov edi, PT
    mov eax, 7
.id:
    mov [edi], eax
    add eax, 0x1000
    add edi, 4
    cmp edi, PT + 0x1000
    jb .id
    mov edi, PD
    xor eax, eax
    mov ecx, 1024
    rep stosd
    mov dword [PD], PT | 7
    PG_ENABLE PD, 0x80000000
    popad
    ret
