; Benchmark body (32-bit flat PM at 0x1000): rep stosb over 1 MiB of RAM, passes from [0xFF0].
bits 32
org 0x1000
    mov ebp, [0xFF0]
.o: mov edi, 0x100000
    mov ecx, 0x100000
    mov al, 0x55
    rep stosb
    dec ebp
    jnz .o
    out 0xF4, al
    hlt
