; Benchmark body: mix32 (ALU / branch / call / stack mix) with 32-bit paging on, 0-16 MiB
; identity-mapped with 4 KiB pages (bench/paging.inc). Loaded at 0x1000, passes from [0xFF0].
%include "bench/paging.inc"
bits 32
org 0x1000
    PAGING_ON
    mov ebp, [0xFF0]
    mov esp, 0x80000
    xor ebx, ebx
    xor edx, edx
.o: mov ecx, 100
.l: mov eax, ecx
    add eax, ebx
    xor edx, eax
    shl eax, 3
    sub ebx, edx
    call .f
    cmp ecx, 50
    jb .s
    inc ebx
.s: push eax
    pop edx
    movzx eax, byte [0x2000 + ecx]
    mov [0x3000 + ecx * 4], edx
    dec ecx
    jnz .l
    dec ebp
    jnz .o
    out 0xF4, al
    hlt
.f: lea eax, [eax + ebx * 2 + 1]
    and eax, 0xFFFF
    ret
