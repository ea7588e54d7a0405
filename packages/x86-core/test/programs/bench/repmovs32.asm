; Benchmark body (32-bit flat PM at 0x1000): rep movsb of 1 MiB RAM -> RAM, passes from [0xFF0].
bits 32
org 0x1000
    mov ebp, [0xFF0]
.o: mov esi, 0x100000
    mov edi, 0x200000
    mov ecx, 0x100000
    rep movsb
    dec ebp
    jnz .o
    out 0xF4, al
    hlt
