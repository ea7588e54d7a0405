; edu-test.asm — a 64 KiB BIOS image that drives QEMU's edu device (hw/misc/edu.c) the way a guest
; driver does and prints what it sees on the debug console (port 0x402), one result per line.
; vmkit's own test ROM (nasm -f bin); the edu test boots it with
;   vmkit boot --firmware edu-test.bin --igd none --device edu,addr=03.0 --until "EDU DONE" --json
; and checks the lines. It is the firmware: it finds edu by scanning bus 0, sizes and places BAR0
; at 0xfeb00000 (where SeaBIOS puts it on -machine pc -nodefaults), routes the PIIX PIRQ links to
; IRQ 11, programs the 8259s, enters 32-bit protected mode and takes edu's INTx as vector 0x2b.

%define DEBUGCON   0x402
%define EDU_BAR    0xfeb00000
%define IDT_BASE   0x8000
%define STACK_TOP  0x7000
%define SRC_BUF    0x10000
%define DST_BUF    0x20000
%define IRQ_SEEN   0x6000            ; dword: edu irq status the handler saw (0 = none yet)
%define IRQ_COUNT  0x6004
%define edu_devfn      0x6010       ; variables live in RAM (the ROM is read-only)
%define computing_seen 0x6014
%define dma_irq1       0x6018

        org 0xf0000
        bits 16
start16:
        cli
        cld
        xor ax, ax
        mov ss, ax
        mov sp, STACK_TOP
        mov ax, 0xf000
        mov ds, ax
        o32 lgdt [gdt_desc - $$]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp dword 0x08:start32

        bits 32
start32:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov fs, ax
        mov gs, ax
        mov esp, STACK_TOP
        call setup_idt
        call setup_pic

        mov esi, msg_hello
        call puts

; --- find edu (1234:11e8) on bus 0 -------------------------------------------------------------
        xor ebx, ebx                    ; devfn
.scan:  mov eax, ebx
        shl eax, 8
        or eax, 0x80000000
        mov dx, 0xcf8
        out dx, eax
        mov dx, 0xcfc
        in eax, dx
        cmp eax, 0x11e81234
        je .found
        inc ebx
        cmp ebx, 256
        jb .scan
        mov esi, msg_notfound
        call puts
        jmp done
.found: mov [edu_devfn], ebx
        mov esi, msg_found
        call puts
        mov eax, ebx
        shr eax, 3
        call put_hex8                   ; slot
        mov al, '.'
        call putc
        mov eax, ebx
        and eax, 7
        add al, '0'
        call putc
        call newline

; --- size BAR0, place it, enable memory decode --------------------------------------------------
        mov eax, 0x10
        mov ecx, 0xffffffff
        call cfg_write
        mov eax, 0x10
        call cfg_read
        and eax, 0xfffffff0
        neg eax                          ; size
        push eax
        mov esi, msg_barsize
        call puts
        pop eax
        call put_hex32
        call newline
        mov eax, 0x10
        mov ecx, EDU_BAR
        call cfg_write
        mov eax, 0x04
        mov ecx, 0x0002                  ; COMMAND: memory space
        call cfg_write
        mov eax, 0x3c
        call cfg_read
        shr eax, 8
        and eax, 0xff
        push eax
        mov esi, msg_pin
        call puts
        pop eax
        call put_hex8
        call newline

; --- identification and liveness ----------------------------------------------------------------
        mov esi, msg_id
        call puts
        mov eax, [EDU_BAR + 0x00]
        call put_hex32
        call newline
        mov dword [EDU_BAR + 0x04], 0x12345678
        mov esi, msg_live
        call puts
        mov eax, [EDU_BAR + 0x04]
        call put_hex32
        call newline

; --- factorial by polling the computing bit ------------------------------------------------------
        mov dword [EDU_BAR + 0x08], 10
        mov eax, [EDU_BAR + 0x20]
        and eax, 1
        mov [computing_seen], eax
.poll:  test dword [EDU_BAR + 0x20], 1
        jnz .poll
        mov esi, msg_fact
        call puts
        mov eax, [computing_seen]
        call put_hex8
        mov al, ' '
        call putc
        mov eax, [EDU_BAR + 0x08]
        call put_hex32
        call newline

; --- interrupts: factorial-done interrupt, then a raised one ------------------------------------
        mov dword [EDU_BAR + 0x20], 0x80   ; raise an interrupt after the factorial
        mov dword [EDU_BAR + 0x08], 5
        call wait_irq
        mov esi, msg_irqfact
        call puts
        mov eax, [IRQ_SEEN]
        call put_hex32
        mov al, ' '
        call putc
        mov eax, [EDU_BAR + 0x08]
        call put_hex32
        call newline
        mov dword [EDU_BAR + 0x20], 0
        mov dword [EDU_BAR + 0x60], 0x00012340
        call wait_irq
        mov esi, msg_irqraise
        call puts
        mov eax, [IRQ_SEEN]
        call put_hex32
        mov al, ' '
        call putc
        mov eax, [EDU_BAR + 0x24]         ; acknowledged by the handler: 0
        call put_hex32
        call newline

; --- DMA: RAM -> buffer -> RAM, each completion by interrupt --------------------------------------
        mov edi, SRC_BUF
        xor ecx, ecx
.fill:  mov eax, ecx
        imul eax, eax, 0x9d
        xor eax, 0x5a
        mov [edi + ecx], al
        inc ecx
        cmp ecx, 256
        jb .fill
        mov dword [EDU_BAR + 0x80], SRC_BUF
        mov dword [EDU_BAR + 0x88], 0x40000 + 0x80
        mov dword [EDU_BAR + 0x90], 256
        mov dword [EDU_BAR + 0x98], 1 | 4          ; run, RAM -> device, interrupt
        call wait_irq
        mov eax, [IRQ_SEEN]
        mov [dma_irq1], eax
        mov dword [EDU_BAR + 0x80], 0x40000 + 0x80
        mov dword [EDU_BAR + 0x88], DST_BUF
        mov dword [EDU_BAR + 0x90], 256
        mov dword [EDU_BAR + 0x98], 1 | 2 | 4      ; run, device -> RAM, interrupt
        call wait_irq
        mov esi, msg_dma
        call puts
        mov eax, [dma_irq1]
        call put_hex32
        mov al, ' '
        call putc
        mov eax, [IRQ_SEEN]
        call put_hex32
        mov al, ' '
        call putc
        mov eax, [EDU_BAR + 0x98]
        call put_hex32
        mov al, ' '
        call putc
        mov esi, SRC_BUF
        mov edi, DST_BUF
        mov ecx, 256
        repe cmpsb
        mov esi, msg_same
        je .same
        mov esi, msg_differ
.same:  call puts
        call newline
        mov esi, msg_ticks
        call puts
        mov eax, [IRQ_COUNT]
        call put_hex32
        call newline

done:   mov esi, msg_done
        call puts
        cli
.halt:  hlt
        jmp .halt

; --- helpers -------------------------------------------------------------------------------------

; wait for the next edu interrupt (sti; hlt: the machine warps virtual time to the next timer)
wait_irq:
        mov dword [IRQ_SEEN], 0
.w:     sti
        hlt
        cli
        cmp dword [IRQ_SEEN], 0
        je .w
        ret

; config read/write of the edu function: eax = offset, ecx = value
cfg_addr:
        push eax
        mov eax, [edu_devfn]
        shl eax, 8
        or eax, 0x80000000
        or eax, [esp]
        mov dx, 0xcf8
        out dx, eax
        pop eax
        ret
cfg_read:
        call cfg_addr
        mov dx, 0xcfc
        in eax, dx
        ret
cfg_write:
        call cfg_addr
        mov eax, ecx
        mov dx, 0xcfc
        out dx, eax
        ret

setup_idt:
        mov edi, IDT_BASE
        xor ecx, ecx
.e:     mov eax, unexpected
        cmp ecx, 0x2b
        jne .set
        mov eax, edu_irq
.set:   mov [edi], ax
        mov word [edi + 2], 0x08
        mov word [edi + 4], 0x8e00
        shr eax, 16
        mov [edi + 6], ax
        add edi, 8
        inc ecx
        cmp ecx, 0x30
        jb .e
        lidt [idt_desc]
        ret

; 8259s: master at vectors 0x20, slave at 0x28; only IRQ 2 (cascade) and IRQ 11 unmasked.
; PIIX3 PIRQ route control (00:01.0 0x60-0x63): every link to IRQ 11.
setup_pic:
        mov al, 0x11
        out 0x20, al
        out 0xa0, al
        mov al, 0x20
        out 0x21, al
        mov al, 0x28
        out 0xa1, al
        mov al, 0x04
        out 0x21, al
        mov al, 0x02
        out 0xa1, al
        mov al, 0x01
        out 0x21, al
        out 0xa1, al
        mov al, 0xfb
        out 0x21, al
        mov al, 0xf7
        out 0xa1, al
        mov eax, 0x80000860              ; bus 0, devfn 0x08 (00:01.0), offset 0x60
        mov dx, 0xcf8
        out dx, eax
        mov eax, 0x0b0b0b0b
        mov dx, 0xcfc
        out dx, eax
        ret

edu_irq:
        push eax
        mov eax, [EDU_BAR + 0x24]
        mov [IRQ_SEEN], eax
        mov [EDU_BAR + 0x64], eax        ; acknowledge what was raised
        inc dword [IRQ_COUNT]
        mov al, 0x20
        out 0xa0, al
        out 0x20, al
        pop eax
        iret

unexpected:
        mov esi, msg_unexpected
        call puts
        cli
.h:     hlt
        jmp .h

putc:   push edx
        mov dx, DEBUGCON
        out dx, al
        pop edx
        ret
newline:
        mov al, 10
        jmp putc
puts:   lodsb
        test al, al
        jz .r
        call putc
        jmp puts
.r:     ret
put_hex32:
        push eax
        shr eax, 16
        call put_hex16
        pop eax
put_hex16:
        push eax
        shr eax, 8
        call put_hex8
        pop eax
put_hex8:
        push eax
        shr al, 4
        call put_nibble
        pop eax
put_nibble:
        push eax
        and al, 0x0f
        add al, '0'
        cmp al, '9'
        jbe .p
        add al, 'a' - '0' - 10
.p:     call putc
        pop eax
        ret

msg_hello:      db "EDU TEST ROM", 10, 0
msg_notfound:   db "EDU NOT FOUND", 10, 0
msg_found:      db "EDU FOUND 00:", 0
msg_barsize:    db "EDU BAR0 SIZE ", 0
msg_pin:        db "EDU PIN ", 0
msg_id:         db "EDU ID ", 0
msg_live:       db "EDU LIVENESS ", 0
msg_fact:       db "EDU FACT ", 0
msg_irqfact:    db "EDU IRQ FACT ", 0
msg_irqraise:   db "EDU IRQ RAISE ", 0
msg_dma:        db "EDU DMA ", 0
msg_same:       db "SAME", 0
msg_differ:     db "DIFFER", 0
msg_ticks:      db "EDU IRQS ", 0
msg_unexpected: db "EDU UNEXPECTED INTERRUPT", 10, 0
msg_done:       db "EDU DONE", 10, 0

        align 8
gdt:    dq 0
        dq 0x00cf9a000000ffff            ; 0x08: code, flat 4 GiB
        dq 0x00cf92000000ffff            ; 0x10: data, flat 4 GiB
gdt_desc:
        dw gdt_desc - gdt - 1
        dd gdt
idt_desc:
        dw 0x30 * 8 - 1
        dd IDT_BASE


        times 0xfff0 - ($ - $$) db 0xff
        bits 16
reset:  jmp 0xf000:start16 - $$
        times 0x10000 - ($ - $$) db 0xff
