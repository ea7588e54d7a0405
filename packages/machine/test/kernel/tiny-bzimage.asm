; A tiny Linux-boot-protocol image ("bzImage") for the -kernel loader tests: a real-mode setup
; with a boot-protocol 2.15 header, and a 512-byte protected-mode part. The setup reports what the
; loader gave it on COM1, one line, then powers off through ACPI S5 (PIIX4 PM1a_CNT at 0x604: the
; PM base SeaBIOS programs, SLP_TYP 0 = \_S5 with SLP_EN) — or, with -DPANIC, prints a panic line
; and spins forever (the kernel-that-panics case). Assemble: nasm -f bin [-DPANIC]
; [-DCMDLINE_SIZE=n] [-DPROTOCOL=0x…] -o tiny.bin tiny-bzimage.asm
; Header layout: Linux Documentation/arch/x86/boot.rst. Entered as linuxboot_dma.bin enters a
; kernel: CS = setup segment + 0x20, IP = 0, DS = ES = SS = setup segment.
%ifndef CMDLINE_SIZE
%define CMDLINE_SIZE 2047
%endif
%ifndef PROTOCOL
%define PROTOCOL 0x020f
%endif
bits 16
org 0
    times 0x1f1-($-$$) db 0
    db 1                    ; 0x1f1 setup_sects: one sector of setup after the boot sector
    dw 0                    ; 0x1f2 root_flags
    dd 0x20                 ; 0x1f4 syssize (16-byte paragraphs of the protected-mode part)
    dw 0                    ; 0x1f8 ram_size
    dw 0xffff               ; 0x1fa vid_mode
    dw 0                    ; 0x1fc root_dev
    dw 0xaa55               ; 0x1fe boot_flag
    jmp short start         ; 0x200 jump
    db 'HdrS'               ; 0x202 header
    dw PROTOCOL             ; 0x206 version
    dd 0                    ; 0x208 realmode_swtch
    dw 0                    ; 0x20c start_sys_seg
    dw 0                    ; 0x20e kernel_version
    db 0                    ; 0x210 type_of_loader
    db 1                    ; 0x211 loadflags: LOADED_HIGH
    dw 0                    ; 0x212 setup_move_size
    dd 0x100000 + 25        ; 0x214 code32_start: pm_entry (after the 25-byte marker)
    dd 0                    ; 0x218 ramdisk_image
    dd 0                    ; 0x21c ramdisk_size
    dd 0                    ; 0x220 bootsect_kludge
    dw 0                    ; 0x224 heap_end_ptr
    db 0, 0                 ; 0x226 ext_loader_ver, ext_loader_type
    dd 0                    ; 0x228 cmd_line_ptr
    dd 0x7fffffff           ; 0x22c initrd_addr_max
    dd 0                    ; 0x230 kernel_alignment
    db 0, 0                 ; 0x234 relocatable_kernel, min_alignment
    dw 0                    ; 0x236 xloadflags
    dd CMDLINE_SIZE         ; 0x238 cmdline_size
    times 0x260-($-$$) db 0
    dd 0x1000               ; 0x260 init_size
    times 0x270-($-$$) db 0

start:
    cli
    mov si, msg_loader
    call puts
    mov al, [0x210]
    call hex8
    mov si, msg_heap
    call puts
    mov ax, [0x224]
    call hex16
    mov si, msg_initrd
    call puts
    mov eax, [0x218]
    call hex32
    mov si, msg_size
    call puts
    mov eax, [0x21c]
    call hex32
    mov si, msg_cmdline
    call puts
    mov ebx, [0x228]        ; print the command line from its linear address
    mov ax, bx
    and ax, 15
    mov di, ax
    shr ebx, 4
    mov es, bx
.cmd:
    mov al, [es:di]
    test al, al
    jz .cmdend
    call putc
    inc di
    jmp .cmd
.cmdend:
    mov al, '"'
    call putc
    mov al, 10
    call putc
%ifdef PANIC
    mov si, msg_panic
    call puts
.spin:
    jmp .spin
%else
    mov dx, 0x604           ; PM1a_CNT: SLP_TYP 0 (S5 on PIIX4) | SLP_EN
    mov ax, 0x2000
    out dx, ax
    hlt
    jmp $
%endif

putc:                       ; al → COM1 (waits for THR empty)
    push dx
    push ax
    mov dx, 0x3fd
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop ax
    mov dx, 0x3f8
    out dx, al
    pop dx
    ret
puts:                       ; ds:si, NUL-terminated
    lodsb
    test al, al
    jz .done
    call putc
    jmp puts
.done:
    ret
hex32:
    push eax
    shr eax, 16
    call hex16
    pop eax
hex16:
    push ax
    mov al, ah
    call hex8
    pop ax
hex8:
    push ax
    shr al, 4
    call nib
    pop ax
nib:
    and al, 15
    add al, '0'
    cmp al, '9'
    jbe .p
    add al, 7
.p:
    jmp putc

msg_loader: db 'TINY: loader=', 0
msg_heap: db ' heap_end=', 0
msg_initrd: db ' initrd=', 0
msg_size: db ' size=', 0
msg_cmdline: db ' cmdline="', 0
msg_panic: db 'Kernel panic - not syncing: tiny kernel asked to panic', 10, 0
    times 0x400-($-$$) db 0

; The protected-mode part, loaded at 0x100000 (code32_start). A loader that skips the setup (the
; 32-bit boot protocol, vmkit's hle firmware) enters here with ESI = the zero page: it prints what
; the zero page holds on COM1 and powers off the same way.
bits 32
pm_start:
%define PM(x) (0x100000 + (x) - pm_start)
    db 'VMKIT-TINY-KERNEL-PM-PART'
pm_entry:                   ; code32_start points here (see the header's 0x214 field below)
    cli
    mov ebx, esi
    mov esi, PM(m32_loader)
    call puts32
    mov al, [ebx + 0x210]
    call hex8_32
    mov esi, PM(m32_initrd)
    call puts32
    mov eax, [ebx + 0x218]
    call hex32_32
    mov esi, PM(m32_size)
    call puts32
    mov eax, [ebx + 0x21c]
    call hex32_32
    mov esi, PM(m32_e820)
    call puts32
    mov al, [ebx + 0x1e8]
    call hex8_32
    mov esi, PM(m32_cmdline)
    call puts32
    mov esi, [ebx + 0x228]
    call puts32
    mov esi, PM(m32_end)
    call puts32
    mov dx, 0x604
    mov ax, 0x2000
    out dx, ax
    hlt
    jmp $
putc32:
    push edx
    push eax
    mov dx, 0x3fd
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop eax
    mov dx, 0x3f8
    out dx, al
    pop edx
    ret
puts32:
    lodsb
    test al, al
    jz .done
    call putc32
    jmp puts32
.done:
    ret
hex32_32:
    push eax
    shr eax, 16
    call hex16_32
    pop eax
hex16_32:
    push eax
    mov al, ah
    call hex8_32
    pop eax
hex8_32:
    push eax
    shr al, 4
    call nib32
    pop eax
nib32:
    and al, 15
    add al, '0'
    cmp al, '9'
    jbe .p
    add al, 7
.p:
    jmp putc32
m32_loader: db 'TINY32: loader=', 0
m32_initrd: db ' initrd=', 0
m32_size: db ' size=', 0
m32_e820: db ' e820=', 0
m32_cmdline: db ' cmdline="', 0
m32_end: db '"', 10, 0
    times 0x600-($-$$) db 0
