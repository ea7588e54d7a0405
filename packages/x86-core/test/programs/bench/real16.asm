; Benchmark body (real mode, CS=DS=SS=0, at 0x1000): gcc -m16 style code, 0x66/0x67 prefixes on
; most instructions, 32-bit call/ret frames; 1000 inner iterations per pass, passes from [0xFF0].
bits 16
org 0x1000
    mov ebp, [0xFF0]
    mov esp, 0x7000
.o: mov ecx, 1000
    mov esi, 0x2000
.l: mov eax, [esi + ecx * 4]
    add eax, ecx
    mov [esi + ecx * 4], eax
    movzx edx, word [esi + 2]
    call dword .f
    dec ecx
    jnz .l
    dec ebp
    jnz .o
    out 0xF4, al
    hlt
.f: push ebx
    lea ebx, [edx + eax * 2]
    pop ebx
    o32 ret
