// Debian's SeaBIOS 1.16.2 on the real MemoryBus with only a debug console: no chipset, so it
// cannot shadow itself (the image is pre-loaded as RAM below 1 MiB), finds no PCI devices and ends
// in its boot-menu `sti; hlt` wait. This exercises its real-mode/protected-mode transitions, unreal
// mode and the instruction mix of seabios-on-a-new-emulator.md without any exception.
import { existsSync, readFileSync } from 'node:fs';
import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { describe, expect, it } from 'vitest';
import { Cpu, type CpuEvent } from '../src/index.js';

const BIOS = '/usr/share/seabios/bios-256k.bin';

describe.skipIf(!existsSync(BIOS))('SeaBIOS bios-256k.bin without a chipset', () => {
  it('prints its banner and reaches the boot-menu HLT with no exception', () => {
    const bios = new Uint8Array(readFileSync(BIOS));
    const memory = new MemoryBus();
    memory.addRam('ram', 0, 32 << 20);
    memory.addRom('bios', 0x100000000 - bios.length, bios);
    memory.writeBytes(0x100000 - bios.length, bios);
    const io = new IoBus();
    let log = '';
    io.addPio('debugcon', 0x402, 1, {
      read: () => 0xe9,
      write: (_o, _s, v) => {
        log += String.fromCharCode(v);
      },
    });
    const cpu = new Cpu({ memory, io });
    const events: CpuEvent[] = [];
    cpu.onEvent((e) => {
      if (e.kind !== 'msr' && e.kind !== 'mode-change' && e.kind !== 'halt') events.push(e);
    });
    let total = 0;
    let reason = 'budget';
    while (reason === 'budget' && total < 20_000_000) {
      const exit = cpu.run(1_000_000);
      total += exit.instructions;
      reason = exit.reason;
    }
    expect(events).toEqual([]);
    expect(reason).toBe('halted');
    expect(log).toContain('SeaBIOS (version 1.16.2');
    expect(log).toContain('Press ESC for boot menu.');
    const regs = cpu.getRegisters();
    expect(regs.eflags & 0x200).toBe(0x200); // waiting with interrupts enabled
    expect(regs.cr0 & 1).toBe(0); // in real mode
  });
});
