; Benchmark body: memset32 (SeaBIOS's byte-store memset loop) with 32-bit paging on, 0-16 MiB
; identity-mapped with 4 KiB pages (bench/paging.inc). Loaded at 0x1000, passes from [0xFF0].
%include "bench/paging.inc"
bits 32
org 0x1000
    PAGING_ON
    mov esi, [0xFF0]
.outer:
    mov edi, 0x100000
    mov ecx, 0x10000
    xor eax, eax
.l: test ecx, ecx
    je .d
    dec ecx
    mov [edi + ecx], al
    jmp .l
.d: dec esi
    jnz .outer
    out 0xF4, al
    hlt
