; 32-bit paging (SDM vol. 3 ch. 4.3, 4.7): two-level 4 KiB tables, #PF error codes (P, W/R) and
; CR2, CR0.WP for supervisor writes, accessed/dirty bits, INVLPG, instruction-fetch faults.
%define USE_PM32
%include "inc/lib.inc"
%define PD  0x10000
%define PT0 0x11000
%define PT1 0x12000
section .text16
tests16:
    ret
section .text32
bits 32
tests32:
    ; identity map 0-4 MiB
    mov edi, PT0
    mov eax, 0x003
.id:
    mov [edi], eax
    add eax, 0x1000
    add edi, 4
    cmp edi, PT0 + 0x1000
    jb .id
    ; PT1 (4-8 MiB): empty except 0x410000 -> 0x3000 read-only, 0x420000 -> 0x3000 writable
    mov edi, PT1
.z: mov dword [edi], 0
    add edi, 4
    cmp edi, PT1 + 0x1000
    jb .z
    mov dword [PT1 + 0x10 * 4], 0x3000 | 1
    mov dword [PT1 + 0x20 * 4], 0x3000 | 3
    mov edi, PD
.zd:
    mov dword [edi], 0
    add edi, 4
    cmp edi, PD + 0x1000
    jb .zd
    mov dword [PD], PT0 | 3
    mov dword [PD + 4], PT1 | 3
    mov dword [0x3000], 0x600DCAFE
    PG_ENABLE PD, 0x80010000         ; PG | WP
    mov eax, [0x420000]
    CHK 0x2001, eax, 0x600DCAFE, 0, 0
    mov dword [0x420004], 0x11223344
    CHK 0x2002, dword [0x3004], 0x11223344, 0, 0
    mov eax, [0x410004]
    CHK 0x2003, eax, 0x11223344, 0, 0
    ; read of a not-present page: error code 0
    EXPECT_EXC .r1
.f1:
    mov eax, [0x400000]
.r1:
    CHK 0x2004, dword [V_EXCVEC], 14, 0, 0
    CHK 0x2005, dword [V_EXCERR], 0, 0, 0
    CHK 0x2006, dword [V_EXCCR2], 0x400000, 0, 0
    CHK 0x2007, dword [V_EXCEIP], .f1, 0, 0
    ; write to a not-present page: W/R=1
    EXPECT_EXC .r2
    mov dword [0x400ABC], 1
.r2:
    CHK 0x2008, dword [V_EXCERR], 2, 0, 0
    CHK 0x2009, dword [V_EXCCR2], 0x400ABC, 0, 0
    ; supervisor write to a read-only page with CR0.WP=1: P=1, W/R=1
    EXPECT_EXC .r3
    mov dword [0x410008], 1
.r3:
    CHK 0x200A, dword [V_EXCVEC], 14, 0, 0
    CHK 0x200B, dword [V_EXCERR], 3, 0, 0
    CHK 0x200C, dword [V_EXCCR2], 0x410008, 0, 0
    CHK 0x200D, dword [0x3008], 0, 0, 0
    ; accessed and dirty bits
    CHK 0x200E, dword [PT1 + 0x20 * 4], 0x3063, 0, 0
    CHK 0x200F, dword [PT1 + 0x10 * 4], 0x3021, 0, 0
    test dword [PD + 4], 0x20
    setnz al
    movzx eax, al
    CHK 0x2010, eax, 1, 0, 0
    ; remap and INVLPG
    mov dword [0x4000], 0xABCD0123
    mov dword [PT1 + 0x20 * 4], 0x4000 | 3
    invlpg [0x420000]
    mov eax, [0x420000]
    CHK 0x2011, eax, 0xABCD0123, 0, 0
    ; reloading CR3 flushes too
    mov dword [PT1 + 0x20 * 4], 0x3000 | 3
    mov eax, cr3
    mov cr3, eax
    mov eax, [0x420000]
    CHK 0x2012, eax, 0x600DCAFE, 0, 0
    ; accesses crossing from a mapped page (0x3FF000) into a not-present one (0x400000): the
    ; fault's CR2 is the second page's first byte, whichever byte of the access lies there (QEMU
    ; accel/tcg/cputlb.c store_helper_unaligned fills the TLB for page2 = (addr + size) & PAGE_MASK
    ; before storing anything; Bochs access_write_linear splits the access at the page boundary),
    ; and nothing of the store is written
    EXPECT_EXC .r5
    mov dword [0x3FFFFE], 0x55667788
.r5:
    CHK 0x2018, dword [V_EXCERR], 2, 0, 0
    CHK 0x2019, dword [V_EXCCR2], 0x400000, 0, 0
    CHK 0x201A, dword [0x3FFFFC], 0, 0, 0
    EXPECT_EXC .r6
    mov word [0x3FFFFF], 0x1234
.r6:
    CHK 0x201B, dword [V_EXCCR2], 0x400000, 0, 0
    CHK 0x201C, dword [0x3FFFFC], 0, 0, 0
    EXPECT_EXC .r7
    mov eax, [0x3FFFFD]
.r7:
    CHK 0x201D, dword [V_EXCERR], 0, 0, 0
    CHK 0x201E, dword [V_EXCCR2], 0x400000, 0, 0
    ; instruction fetch from a not-present page
    EXPECT_EXC .r4
    mov eax, 0x400000
    call eax
.r4:
    CHK 0x2013, dword [V_EXCVEC], 14, 0, 0
    CHK 0x2014, dword [V_EXCCR2], 0x400000, 0, 0
    CHK 0x2015, dword [V_EXCEIP], 0x400000, 0, 0
    mov esp, STACK32 - 4
    ; paging off again: linear == physical
    mov eax, cr0
    and eax, 0x7FFFFFFF
    mov cr0, eax
    jmp .npg
.npg:
    mov dword [0x420000], 0x77777777
    CHK 0x2016, dword [0x420000], 0x77777777, 0, 0
    CHK 0x2017, dword [0x3000], 0x600DCAFE, 0, 0
    ret
