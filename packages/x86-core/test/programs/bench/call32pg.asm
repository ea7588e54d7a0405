; Benchmark body: real16's loop as 32-bit code (gcc -m32 shape: indexed loads/stores, a call with a
; push/lea/pop body) with 32-bit paging on, 0-16 MiB identity-mapped with 4 KiB pages
; (bench/paging.inc). 1000 inner iterations per pass; loaded at 0x1000, passes from [0xFF0].
%include "bench/paging.inc"
bits 32
org 0x1000
    PAGING_ON
    mov ebp, [0xFF0]
    mov esp, 0x80000
.o: mov ecx, 1000
    mov esi, 0x2000
.l: mov eax, [esi + ecx * 4]
    add eax, ecx
    mov [esi + ecx * 4], eax
    movzx edx, word [esi + 2]
    call .f
    dec ecx
    jnz .l
    dec ebp
    jnz .o
    out 0xF4, al
    hlt
.f: push ebx
    lea ebx, [edx + eax * 2]
    pop ebx
    ret
