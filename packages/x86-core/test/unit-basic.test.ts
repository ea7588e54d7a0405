import { describe, expect, it } from 'vitest';
import { asm, rig } from './unit-fakes.js';

describe('real mode basics', () => {
  it('resets to F000:FFF0 with the signature in EDX', () => {
    const r = rig(asm('bits 16\nhlt\n'));
    const regs = r.cpu.getRegisters();
    expect(regs.eip).toBe(0xfff0);
    expect(regs.segments.cs.selector).toBe(0xf000);
    expect(regs.segments.cs.base).toBe(0xffff0000);
    expect(regs.edx).toBe(0x663);
    expect(regs.eflags).toBe(2);
  });

  it('runs mov/add/store and halts', () => {
    const r = rig(
      asm(`bits 16
org 0x7c00
  xor ax, ax
  mov ds, ax
  mov ax, 0x1234
  add ax, 0x0101
  mov [0x500], ax
  mov eax, 0xdeadbeef
  mov [0x504], eax
  hlt
`),
    );
    const exit = r.cpu.run(1000);
    expect(exit.reason).toBe('halted');
    expect(r.mem.ram[0x500] | (r.mem.ram[0x501] << 8)).toBe(0x1335);
    expect(new DataView(r.mem.ram.buffer).getUint32(0x504, true)).toBe(0xdeadbeef);
    expect(r.cpu.halted).toBe(true);
  });
});
