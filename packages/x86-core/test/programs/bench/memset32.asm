; Benchmark body (32-bit flat PM, loaded at 0x1000): SeaBIOS's memset shape (gcc -O2 of
; `while (n) s[--n] = c;`: test/je/dec/movb/jmp), 64 KiB per pass, passes from dword [0xFF0].
bits 32
org 0x1000
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
