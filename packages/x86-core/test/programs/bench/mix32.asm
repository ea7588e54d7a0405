; Benchmark body (32-bit flat PM at 0x1000): ALU / branch / call / stack mix, 100 inner iterations
; per pass, passes from [0xFF0].
bits 32
org 0x1000
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
