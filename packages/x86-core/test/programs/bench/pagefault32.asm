; Benchmark body: page-fault heavy. 32-bit paging on (bench/paging.inc identity-maps 0-16 MiB);
; the 4 MiB at 16 MiB (directory entry 4, table PF_PT) start unmapped each pass (table cleared,
; CR3 reloaded), and the loop touches 256 fresh pages there: each first touch raises #PF, whose
; handler maps the page (to frame 8 MiB + index * 4 KiB) and returns to retry the store. The body
; brings its own GDT (same flat selectors 0x08/0x10 as the skeleton) and IDT (vector 14 only).
; Loaded at 0x1000, passes from [0xFF0].
%include "bench/paging.inc"
%define PF_PT (PG_PT + 0x4000)
%define PF_IDT (PG_PT + 0x5000)
bits 32
org 0x1000
    lgdt [gdtr]
    mov edi, PF_IDT
    mov ecx, 512
    xor eax, eax
    rep stosd
    mov eax, pf
    mov [PF_IDT + 14 * 8], ax
    mov word [PF_IDT + 14 * 8 + 2], 0x08
    mov word [PF_IDT + 14 * 8 + 4], 0x8E00
    shr eax, 16
    mov [PF_IDT + 14 * 8 + 6], ax
    lidt [idtr]
    PAGING_ON
    mov dword [PG_PD + 4 * 4], PF_PT | 3
    mov ebp, [0xFF0]
.o: mov edi, PF_PT
    mov ecx, 256
    xor eax, eax
    rep stosd
    mov eax, cr3
    mov cr3, eax
    mov ebx, 0x1000000
    mov ecx, 256
.l: mov [ebx], ecx
    add [ebx + 4], ecx
    add ebx, 0x1000
    dec ecx
    jnz .l
    dec ebp
    jnz .o
    out 0xF4, al
    hlt
pf: push eax
    push edx
    mov eax, cr2
    shr eax, 12
    and eax, 0x3FF
    mov edx, eax
    shl eax, 12
    add eax, 0x800000 | 3
    mov [PF_PT + edx * 4], eax
    pop edx
    pop eax
    add esp, 4
    iret
align 8
gdt:
    dq 0
    dq 0x00CF9B000000FFFF
    dq 0x00CF93000000FFFF
gdtr:
    dw 23
    dd gdt
idtr:
    dw 256 * 8 - 1
    dd PF_IDT
