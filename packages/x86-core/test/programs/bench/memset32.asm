; Benchmark body (32-bit flat PM, loaded at 0x1000): SeaBIOS's memset shape (gcc -O2 of
; `while (n) s[--n] = c;`: test/je/dec/movb/jmp), 64 KiB per pass, passes from dword [0xFF0].
bits 32
org 0x1000
%include "bench/memset32.inc"
