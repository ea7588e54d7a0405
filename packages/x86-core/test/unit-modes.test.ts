import { describe, expect, it } from 'vitest';
import { asm, rig } from './unit-fakes.js';

const GDT = `
align 8
gdt:
  dq 0
  dq 0x00cf9a000000ffff ; 0x08 code32 flat
  dq 0x00cf92000000ffff ; 0x10 data32 flat
  dq 0x00009a000000ffff ; 0x18 code16 base 0 limit ffff
  dq 0x000092000000ffff ; 0x20 data16 limit ffff
  dq 0x0040920000000fff ; 0x28 data32 limit 0xfff (byte granular)
  dq 0x00cff2000000ffff ; 0x30 data32 DPL3
gdt_end:
gdtr:
  dw gdt_end - gdt - 1
  dd gdt
`;

describe('mode switches', () => {
  it('enters 32-bit protected mode, returns to real mode and keeps an unreal 4 GiB limit', () => {
    const r = rig(
      asm(`bits 16
org 0x7c00
  cli
  xor ax, ax
  mov ds, ax
  lgdt [gdtr]
  mov eax, cr0
  or al, 1
  mov cr0, eax
  jmp 0x08:pm32
bits 32
pm32:
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov esp, 0x9000
  mov dword [0x200000], 0xcafef00d
  jmp 0x18:pm16
bits 16
pm16:
  mov eax, cr0
  and al, 0xfe
  mov cr0, eax
  jmp 0:real
real:
  xor ax, ax
  mov ds, ax          ; real-mode load: base/selector only, limit stays 4 GiB
  mov ebx, 0x200000
  mov eax, [ebx]      ; unreal access above 1 MiB
  mov [0x600], eax
  hlt
${GDT}`),
    );
    const exit = r.cpu.run(1000);
    expect(exit.reason).toBe('halted');
    const dv = new DataView(r.mem.ram.buffer);
    expect(dv.getUint32(0x600, true)).toBe(0xcafef00d);
    const regs = r.cpu.getRegisters();
    expect(regs.cr0 & 1).toBe(0);
    expect(regs.segments.ds.limit).toBe(0xffffffff);
    expect(regs.segments.ds.base).toBe(0);
    expect(r.events.filter((e) => e.kind === 'exception')).toEqual([]);
  });

  it('raises #GP in real mode for an access beyond a 64 KiB limit (IVT delivery)', () => {
    const r = rig(
      asm(`bits 16
org 0x7c00
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7000
  mov word [13*4], handler
  mov word [13*4+2], 0
  mov ebx, 0x10000
  mov al, [ebx]
  hlt
handler:
  mov byte [0x500], 0xaa
  hlt
`),
    );
    expect(r.cpu.run(1000).reason).toBe('halted');
    expect(r.mem.ram[0x500]).toBe(0xaa);
    const ex = r.events.find((e) => e.kind === 'exception');
    expect(ex).toMatchObject({ kind: 'exception', vector: 13 });
    // IRET frame: IP of the faulting instruction, CS, FLAGS
    const sp = r.cpu.getRegisters().esp;
    expect(sp).toBe(0x7000 - 6);
  });

  it('checks segment loads in protected mode: #GP with the selector as error code', () => {
    const r = rig(
      asm(`bits 16
org 0x7c00
  cli
  xor ax, ax
  mov ds, ax
  lgdt [gdtr]
  lidt [idtr]
  mov eax, cr0
  or al, 1
  mov cr0, eax
  jmp 0x08:pm32
bits 32
pm32:
  mov ax, 0x10
  mov ds, ax
  mov ss, ax
  mov esp, 0x9000
  mov ax, 0x78        ; beyond the GDT limit
  mov es, ax
  hlt
gp_handler:
  pop eax             ; error code
  mov [0x700], eax
  mov [0x704], esp
  hlt
align 8
idt:
  times 13 dq 0
  dw gp_handler, 0x08, 0x8e00, 0
idt_end:
idtr:
  dw idt_end - idt - 1
  dd idt
${GDT}`),
    );
    expect(r.cpu.run(1000).reason).toBe('halted');
    const dv = new DataView(r.mem.ram.buffer);
    expect(dv.getUint32(0x700, true)).toBe(0x78);
    expect(dv.getUint32(0x704, true)).toBe(0x9000 - 12);
  });

  it('triple-faults when the IDT is empty and reports it', () => {
    const r = rig(
      asm(`bits 16
org 0x7c00
  cli
  xor ax, ax
  mov ds, ax
  lgdt [gdtr]
  lidt [idtr]
  mov eax, cr0
  or al, 1
  mov cr0, eax
  jmp 0x08:pm32
bits 32
pm32:
  ud2
idtr:
  dw 0
  dd 0
${GDT}`),
    );
    const exit = r.cpu.run(1000);
    expect(exit.reason).toBe('triple-fault');
    expect(r.events.some((e) => e.kind === 'undefined-opcode')).toBe(true);
    expect(r.events.some((e) => e.kind === 'triple-fault')).toBe(true);
    expect(r.cpu.run(10).reason).toBe('shutdown');
    r.cpu.reset();
    expect(r.cpu.run(1).reason).toBe('budget');
  });
});
