; Mode transitions (SDM vol. 3 §9.9): real -> "unreal" (4 GiB data limits kept after PE is cleared),
; real -> 32-bit PM (SeaBIOS style: lgdt, CR0.PE, ljmpl), far calls between 32- and 16-bit code
; segments, 16-bit PM -> real mode with hidden segment caches surviving until a reload.
%include "inc/lib.inc"
section .text16
tests16:
    ; ---- unreal mode: load 4 GiB-limit data segments in PM, drop PE without a far jump
    lgdt [cs:gdtr]                   ; 16-bit operand size: 24-bit base, as SeaBIOS's lgdtw
    mov eax, cr0
    or al, 1
    mov cr0, eax
    mov bx, SEL_UNREAL
    mov ds, bx
    mov es, bx
    and al, 0xFE
    mov cr0, eax
    xor bx, bx
    mov ds, bx
    mov es, bx
    mov ax, cs
    movzx eax, ax
    CHK 0x1001, eax, 0xF000, 0, 0
    mov esi, 0x200000
    mov dword [esi], 0x12345678
    mov dword [esi + 4], 0x9ABCDEF0
    mov eax, [esi]
    CHK 0x1002, eax, 0x12345678, 0, 0
    mov edi, 0x300000
    mov ecx, 2
    a32 rep movsd
    CHK 0x1003, edi, 0x300008, 0, 0
    mov eax, [es:dword 0x300004]
    CHK 0x1004, eax, 0x9ABCDEF0, 0, 0
    ; a real-mode reload of DS keeps the cached 4 GiB limit
    mov bx, 0x1000
    mov ds, bx
    mov eax, [dword 0x2F0004]             ; linear 0x10000 + 0x2F0004
    xor bx, bx
    mov ds, bx
    CHK 0x1005, eax, 0x9ABCDEF0, 0, 0
    mov dword [SCRATCH], 0x5A5AA5A5
    ; ---- real -> 32-bit flat PM
    o32 lgdt [cs:gdtr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword SEL_CODE32:pm32_part
back_to_real:
    ; CS reloaded by the far jump; ES still holds the PM16 cache (base 0x2000) until reloaded
    mov eax, [es:0]
    mov bx, es
    xor cx, cx
    mov ds, cx
    mov ss, cx
    mov esp, [V_SAVESP]
    CHK 0x1010, eax, 0x5A5AA5A5, 0, 0
    movzx ebx, bx
    CHK 0x1011, ebx, SEL_DATA16B, 0, 0
    mov ax, 0x0200
    mov es, ax
    mov eax, [es:0]
    CHK 0x1012, eax, 0x5A5AA5A5, 0, 0
    xor ax, ax
    mov es, ax
    mov eax, cr0
    and eax, 1
    CHK 0x1013, eax, 0, 0, 0
    ; results recorded while in 16-bit PM
    CHK 0x1014, dword [0x540], 0x5A5AA5A5, 0, 0
    CHK 0x1015, dword [0x544], SEL_CODE16, 0, 0
    CHK 0x1016, dword [0x548], 0x32323232, 0, 0
    ; real-mode interrupts still go through the IVT at 0
    SETVEC16 0x40, rm_int40
    mov ecx, 0
    int 0x40
    CHK 0x1017, ecx, 0x40, 0, 0
    ret

rm_int40:
    mov ecx, 0x40
    iret

; 16-bit protected-mode code (CS = SEL_CODE16, base 0xF0000)
pm16_fn:                              ; called from 32-bit code with a 32-bit far call
    mov dword [0x550], 0x16161616
    o32 retf

pm16_part:
    mov ax, cs
    movzx eax, ax
    mov [0x544], eax
    ; call 32-bit code from 16-bit code (0x66 far call, 32-bit return frame)
    call dword SEL_CODE32:pm32_fn
    mov ax, SEL_DATA16B
    mov es, ax
    mov eax, [es:0]                   ; linear 0x2000
    mov [0x540], eax
    mov ax, SEL_DATA16
    mov ss, ax
    mov ds, ax
    mov eax, cr0
    and al, 0xFE
    mov cr0, eax
    jmp 0xF000:back_to_real

section .text32
bits 32
pm32_part:
    mov ax, SEL_DATA32
    mov ds, ax
    mov ss, ax
    mov [V_SAVESP], esp
    mov esp, STACK32
    mov eax, cr0
    and eax, 1
    CHK 0x2001, eax, 1, 0, 0
    mov eax, [0x300004]
    CHK 0x2002, eax, 0x9ABCDEF0, 0, 0
    mov eax, [IMG_BASE + gdt + 8]
    CHK 0x2003, eax, 0x0000FFFF, 0, 0
    mov eax, [0xFFFF0000 + gdt + 8]    ; the same ROM at its 4 GiB alias
    CHK 0x2004, eax, 0x0000FFFF, 0, 0
    ; far call into a 16-bit code segment that returns with o32 retf
    mov dword [0x550], 0
    call SEL_CODE16:pm16_fn
    CHK 0x2005, dword [0x550], 0x16161616, 0, 0
    mov esp, STACK16 - 0x200
    jmp SEL_CODE16:pm16_part

pm32_fn:
    mov dword [0x548], 0x32323232
    retf
