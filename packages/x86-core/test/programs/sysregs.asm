; The system features Linux's i386 kernel turns on at boot (README "CPUID / MSR model"):
; CR4.PGE with global pages flushed by a CR4.PGE toggle (SDM vol. 3A 4.10.4.1), IA32_PAT's
; power-on value, write/read back and reserved-type #GP (vol. 3A 11.12.2), SYSEXIT to ring 3 and
; SYSENTER back through IA32_SYSENTER_CS/ESP/EIP (vol. 2B), and their #GP(0) with a null CS MSR.
%define USE_PM32
%include "inc/lib.inc"
%define PD  0x10000
%define PT0 0x11000
%define PT1 0x12000
%define SAVE 0x6000
section .text16
tests16:
    ret
section .text32
bits 32
tests32:
    ; --- CR4.PGE
    mov eax, cr4
    or eax, 0x80
    mov cr4, eax
    mov eax, cr4
    and eax, 0x80
    CHK 0x3001, eax, 0x80, 0, 0
    ; --- global pages: identity map 0-4 MiB global, 0x400000 -> 0x3000 global
    mov edi, PT0
    mov eax, 0x103
.id:
    mov [edi], eax
    add eax, 0x1000
    add edi, 4
    cmp edi, PT0 + 0x1000
    jb .id
    mov edi, PT1
.z: mov dword [edi], 0
    add edi, 4
    cmp edi, PT1 + 0x1000
    jb .z
    mov dword [PT1], 0x3000 | 0x103
    mov edi, PD
.zd:
    mov dword [edi], 0
    add edi, 4
    cmp edi, PD + 0x1000
    jb .zd
    mov dword [PD], PT0 | 3
    mov dword [PD + 4], PT1 | 3
    mov dword [0x3000], 0x0600D000
    mov dword [0x4000], 0x0600D001
    PG_ENABLE PD, 0x80000000
    mov eax, [0x400000]
    CHK 0x3002, eax, 0x0600D000, 0, 0
    ; retarget the global PTE; toggling CR4.PGE must drop the global entry
    mov dword [PT1], 0x4000 | 0x103
    mov eax, cr4
    and eax, ~0x80
    mov cr4, eax
    or eax, 0x80
    mov cr4, eax
    mov eax, [0x400000]
    CHK 0x3003, eax, 0x0600D001, 0, 0
    mov eax, cr0
    and eax, 0x7FFFFFFF
    mov cr0, eax
    jmp .npg
.npg:
    mov eax, cr4
    and eax, ~0x80
    mov cr4, eax
    ; --- IA32_PAT
    mov ecx, 0x277
    rdmsr
    CHK 0x3004, eax, 0x00070406, 0, 0
    CHK 0x3005, edx, 0x00070406, 0, 0
    mov eax, 0x00010406             ; Linux's table: WB WC UC- UC, WB WP UC- WT
    mov edx, 0x07050406
    wrmsr
    xor eax, eax
    xor edx, edx
    rdmsr
    CHK 0x3006, eax, 0x00010406, 0, 0
    CHK 0x3007, edx, 0x07050406, 0, 0
    EXPECT_EXC .r1
    mov eax, 0x00000002             ; memory type 2 is reserved
    xor edx, edx
    wrmsr
.r1:
    CHK 0x3008, dword [V_EXCVEC], 13, 0, 0
    CHK 0x3009, dword [V_EXCERR], 0, 0, 0
    ; --- SYSENTER/SYSEXIT with a null IA32_SYSENTER_CS
    mov ecx, 0x174
    xor eax, eax
    xor edx, edx
    wrmsr
    EXPECT_EXC .r2
    sysenter
.r2:
    CHK 0x300A, dword [V_EXCVEC], 13, 0, 0
    EXPECT_EXC .r3
    sysexit
.r3:
    CHK 0x300B, dword [V_EXCVEC], 13, 0, 0
    ; --- SYSEXIT to ring 3 (CS 0x1B, SS 0x23 from CS MSR 0x08) and SYSENTER back
    mov ecx, 0x174
    mov eax, 0x08
    xor edx, edx
    wrmsr
    mov ecx, 0x175
    mov eax, 0x5F00
    wrmsr
    mov ecx, 0x176
    mov eax, .kentry
    wrmsr
    mov [SAVE], esp
    mov ecx, 0x5E00
    mov edx, .uentry
    sysexit
.uentry:                            ; ring 3: no I/O here, only stores
    mov eax, cs
    mov [SAVE + 4], eax
    mov eax, ss
    mov [SAVE + 8], eax
    mov [SAVE + 12], esp
    sysenter
.kentry:
    mov eax, cs
    mov [SAVE + 16], eax
    mov eax, ss
    mov [SAVE + 20], eax
    mov [SAVE + 24], esp
    pushfd
    pop eax
    mov [SAVE + 28], eax
    mov esp, [SAVE]
    CHK 0x300C, dword [SAVE + 4], 0x1B, 0, 0
    CHK 0x300D, dword [SAVE + 8], 0x23, 0, 0
    CHK 0x300E, dword [SAVE + 12], 0x5E00, 0, 0
    CHK 0x300F, dword [SAVE + 16], 0x08, 0, 0
    CHK 0x3010, dword [SAVE + 20], 0x10, 0, 0
    CHK 0x3011, dword [SAVE + 24], 0x5F00, 0, 0
    mov eax, [SAVE + 28]
    and eax, 0x200
    CHK 0x3012, eax, 0, 0, 0         ; SYSENTER clears IF
    ret
