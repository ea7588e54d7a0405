; Virtual-8086 mode (Intel SDM vol. 3A ch. 20, vol. 2A IRET/INT n/POPF/PUSHF/CLI/STI/IN/OUT):
; IRET at CPL 0 with EFLAGS.VM=1 enters vm86 (segments loaded as selector << 4, CPL 3); with
; IOPL < 3 CLI/STI/PUSHF/POPF/INT n/IRET raise #GP(0); with IOPL 3 they run as in real mode but
; POPF/IRET never change IOPL; IN/OUT consult only the TSS I/O bitmap; HLT is #GP(0) at any IOPL;
; ARPL is #UD; an interrupt or exception leaves vm86 through a 32-bit ring-0 gate, pushing GS FS
; DS ES SS ESP EFLAGS CS EIP on the TSS ring-0 stack and nulling DS ES FS GS; a gate whose code
; segment is conforming or not DPL 0 raises #GP(selector).
; Found by test386.asm POST 0x21 (IRET to VM=1 raised #GP). Confirmed under QEMU TCG.
%define USE_PM32
%include "inc/lib.inc"

%define GDT2      0x3000
%define TSS       0x3400
%define IOMAP     0x68
%define SEL_TSS   0x40
%define SEL_CODE3 0x4B          ; 32-bit code, DPL 3
%define SEL_CONF  0x50          ; 32-bit conforming code, DPL 0
%define R0_STACK  0x60000
%define V86_SS    0x0000
%define V86_SP    0x6F00
%define V86_DS    0x0200        ; base 0x2000 (SCRATCH)
; results of the last vm86 run
%define W_VEC     0x600
%define W_ERR     0x604
%define W_FRAME   0x608         ; eip cs eflags esp ss es ds fs gs (9 dwords)
%define W_EAX     0x630
%define W_EBX     0x634
%define W_ECX     0x638
%define W_DSIN    0x63C         ; DS selector as the handler found it
%define W_SAVESP  0x640
%define GDTR2     0x644         ; limit, base (6 bytes)
%define F_EIP     (W_FRAME + 0)
%define F_CS      (W_FRAME + 4)
%define F_EFL     (W_FRAME + 8)
%define F_ESP     (W_FRAME + 12)
%define F_SS      (W_FRAME + 16)
%define F_ES      (W_FRAME + 20)
%define F_DS      (W_FRAME + 24)
%define F_FS      (W_FRAME + 28)
%define F_GS      (W_FRAME + 32)
%define VMF       0x20000
%define IOPL3     0x3000

section .text16
tests16:
    ret

; ---- vm86 code (runs at F000:xxxx, DS = 0x200) ----
v_int:                  ; IOPL 3: segment arithmetic, CLI/PUSHF/STI, then INT 0x30 leaves
    mov bx, [0x10]      ; linear 0x2010
    mov ax, 0x300
    mov es, ax
    mov cx, [es:0]      ; linear 0x3000 (the GDT copy's null descriptor low word: 0)
    mov cx, [es:8]      ; linear 0x3008: limit low word of descriptor 1 (0xFFFF)
    cli
    pushf
    pop ax
    sti
    int 0x30
v_popf:                 ; IOPL 3: POPF cannot clear IOPL (or VM)
    push word 0x0001
    popf
    pushf
    pop ax
    int 0x30
v_iret:                 ; IOPL 3: IRET returns as in real mode
    pushf
    push cs
    push word .there
    mov bx, 1
    iret
    mov bx, 2
.there:
    int 0x30
v_iretcs:               ; IOPL 3: IRET to another CS (EF00:x+0x1000 is the same linear address)
    pushf
    push word 0xEF00
    push word .there + 0x1000
    iret
.there:
    int 0x30
v_cli:   cli
v_sti:   sti
v_pushf: pushf
v_popf0: popf
v_intn:  int 0x30
v_iret0: iret
v_hlt:   hlt
v_int31: int 0x31
v_int32: int 0x32
v_in80:  in al, 0x80
v_ine9:                 ; a port the bitmap allows
    in al, 0xE9
    int 0x30
v_arpl:  arpl [bx], ax

section .text32
bits 32
; V86 id, vm86 entry (F000:x), IOPL bits: run vm86 code until it leaves through a gate
%macro V86 2
    mov eax, %1
    mov ebx, VMF | 0x2 | (%2)
    call v86_run
%endmacro

; FAULT id, entry, iopl, vector, error: the first instruction at entry faults
%macro FAULT 5
    V86 %2, %3
    CHK %1, dword [W_VEC], %4, 0, 0
    CHK %1 + 1, dword [W_ERR], %5, 0, 0
    CHK %1 + 2, dword [F_EIP], %2, 0, 0
%endmacro

tests32:
    call v86_setup
    mov word [0x2010], 0x1234
    V86 v_int, IOPL3
    CHK 0x0001, dword [W_VEC], 0x30, 0, 0
    mov eax, [W_EBX]
    and eax, 0xFFFF
    CHK 0x0002, eax, 0x1234, 0, 0
    mov eax, [W_ECX]
    and eax, 0xFFFF
    CHK 0x0003, eax, 0xFFFF, 0, 0
    mov eax, [W_EAX]            ; FLAGS image after CLI: IOPL 3, IF 0
    and eax, 0xF200
    CHK 0x0004, eax, 0x3000, 0, 0
    CHK 0x0005, dword [F_EIP], v_popf, 0, 0
    CHK 0x0006, dword [F_CS], 0xF000, 0, 0
    mov eax, [F_EFL]
    and eax, VMF | IOPL3 | 0x200
    CHK 0x0007, eax, VMF | IOPL3 | 0x200, 0, 0
    CHK 0x0008, dword [F_ESP], V86_SP, 0, 0
    CHK 0x0009, dword [F_SS], V86_SS, 0, 0
    CHK 0x000A, dword [F_ES], 0x300, 0, 0
    CHK 0x000B, dword [F_DS], V86_DS, 0, 0
    CHK 0x000C, dword [F_FS], 0, 0, 0
    CHK 0x000D, dword [W_DSIN], 0, 0, 0
    V86 v_popf, IOPL3
    mov eax, [W_EAX]
    and eax, 0x3001
    CHK 0x0010, eax, 0x3001, 0, 0
    mov eax, [F_EFL]
    and eax, VMF | IOPL3
    CHK 0x0011, eax, VMF | IOPL3, 0, 0
    V86 v_iret, IOPL3
    mov eax, [W_EBX]
    and eax, 0xFFFF
    CHK 0x0018, eax, 1, 0, 0
    CHK 0x0019, dword [W_VEC], 0x30, 0, 0
    V86 v_iretcs, IOPL3
    CHK 0x001A, dword [F_CS], 0xEF00, 0, 0
    CHK 0x001B, dword [F_EIP], v_iretcs.there + 0x1000 + 2, 0, 0
    ; IOPL 0: the IOPL-sensitive instructions fault with #GP(0) at the instruction
    FAULT 0x0020, v_cli, 0, 13, 0
    FAULT 0x0023, v_sti, 0, 13, 0
    FAULT 0x0026, v_pushf, 0, 13, 0
    FAULT 0x0029, v_popf0, 0, 13, 0
    FAULT 0x002C, v_intn, 0, 13, 0
    FAULT 0x002F, v_iret0, 0, 13, 0
    ; the #GP frame is the vm86 one
    mov eax, [F_EFL]
    and eax, VMF | IOPL3
    CHK 0x0032, eax, VMF, 0, 0
    ; HLT: #GP(0) at IOPL 3 too; a gate to a DPL-3 or conforming segment: #GP(selector)
    FAULT 0x0040, v_hlt, IOPL3, 13, 0
    FAULT 0x0043, v_int31, IOPL3, 13, SEL_CODE3 & 0xFFFC
    FAULT 0x0046, v_int32, IOPL3, 13, SEL_CONF
    ; I/O: the bitmap decides even at IOPL 3
    FAULT 0x0050, v_in80, IOPL3, 13, 0
    V86 v_ine9, 0
    mov eax, [W_EAX]
    and eax, 0xFF
    CHK 0x0053, eax, 0xE9, 0, 0
    ; ARPL is #UD in vm86
    FAULT 0x0060, v_arpl, IOPL3, 6, 0xFFFFFFFF
    ; back in ring 0 with flat segments
    xor eax, eax
    mov ax, ds
    CHK 0x0070, eax, SEL_DATA32, 0, 0
    call v86_teardown
    ret

; eax = vm86 IP, ebx = EFLAGS: iretd into vm86; returns when a vm86 gate handler runs.
v86_run:
    pushad
    mov dword [W_VEC], 0xFFFFFFFF
    mov dword [W_ERR], 0xFFFFFFFF
    mov [W_SAVESP], esp
    push dword 0                ; gs
    push dword 0                ; fs
    push dword V86_DS           ; ds
    push dword 0                ; es
    push dword V86_SS           ; ss
    push dword V86_SP           ; esp
    push ebx                    ; eflags (VM set)
    push dword 0xF000           ; cs
    push eax                    ; eip
    iretd

; handlers (32-bit interrupt gates, ring 0, on the TSS stack)
v86_h6:
    push dword 0xFFFFFFFF
    push dword 6
    jmp v86_common
v86_h13:
    push dword 13
    jmp v86_common
v86_h30:
    push dword 0xFFFFFFFF
    push dword 0x30
    jmp v86_common
; stack: vec, err, eip, cs, eflags, esp, ss, es, ds, fs, gs
v86_common:
    mov [ss:W_EAX], eax
    mov [ss:W_EBX], ebx
    mov [ss:W_ECX], ecx
    xor eax, eax
    mov ax, ds
    mov [ss:W_DSIN], eax
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    pop dword [W_VEC]
    pop dword [W_ERR]
    mov ecx, 0
.cp:
    mov eax, [esp + ecx * 4]
    mov [W_FRAME + ecx * 4], eax
    inc ecx
    cmp ecx, 9
    jne .cp
    mov esp, [W_SAVESP]
    popad
    ret

; A GDT in RAM: the library's entries, a 32-bit TSS, a DPL-3 code and a conforming code segment;
; IDT gates 6, 13, 0x30 (DPL 3), 0x31 (DPL 3, to the DPL-3 segment), 0x32 (DPL 3, conforming).
v86_setup:
    pushad
    mov esi, IMG_BASE + gdt
    mov edi, GDT2
    mov ecx, (gdt_end - gdt) / 4
    rep movsd
    ; 0x40: TSS at TSS, limit covers the I/O bitmap for ports 0-0x3FF and the 0xFF terminator
    mov dword [GDT2 + 0x40], ((TSS & 0xFFFF) << 16) | (IOMAP + 0x80)
    mov dword [GDT2 + 0x44], (TSS & 0xFF000000) | 0x8900 | ((TSS >> 16) & 0xFF)
    ; 0x48: code32 DPL 3, 0x50: code32 conforming DPL 0 (base 0, 4 GiB)
    mov dword [GDT2 + 0x48], 0x0000FFFF
    mov dword [GDT2 + 0x4C], 0x00CFFA00
    mov dword [GDT2 + 0x50], 0x0000FFFF
    mov dword [GDT2 + 0x54], 0x00CF9E00
    mov word [GDTR2], 0x57
    mov dword [GDTR2 + 2], GDT2
    lgdt [GDTR2]
    ; TSS: ring-0 stack, I/O bitmap (all ports denied but 0xE9)
    mov edi, TSS
    xor eax, eax
    mov ecx, (IOMAP + 0x81) / 4 + 1
    rep stosd
    mov dword [TSS + 4], R0_STACK
    mov dword [TSS + 8], SEL_DATA32
    mov word [TSS + 0x66], IOMAP
    mov edi, TSS + IOMAP
    mov al, 0xFF
    mov ecx, 0x81
    rep stosb
    and byte [TSS + IOMAP + (0xE9 >> 3)], ~(1 << (0xE9 & 7))
    mov ax, SEL_TSS
    ltr ax
    SETGATE32 6, v86_h6, 0x8E
    SETGATE32 13, v86_h13, 0x8E
    SETGATE32 0x30, v86_h30, 0xEE
    SETGATE32 0x31, v86_h30, 0xEE
    mov word [IDT32 + 0x31 * 8 + 2], SEL_CODE3
    SETGATE32 0x32, v86_h30, 0xEE
    mov word [IDT32 + 0x32 * 8 + 2], SEL_CONF
    popad
    ret

; restore the library's exception stubs for 6 and 13
v86_teardown:
    SETGATE32 6, pm_stubs + 6 * 8, 0x8E
    SETGATE32 13, pm_stubs + 13 * 8, 0x8E
    ret
