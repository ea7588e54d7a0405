// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { Cpu } from '@vmkit/x86-core';

const memory = new MemoryBus();
memory.addRam('ram', 0, 0x100000);
// 0000:7C00: mov ax, 0x1234 / add ax, 0x0101 / mov [0x500], ax / hlt
memory.writeBytes(0x7c00, new Uint8Array([0xb8, 0x34, 0x12, 0x05, 0x01, 0x01, 0xa3, 0x00, 0x05, 0xf4]));
const cpu = new Cpu({ memory, io: new IoBus() });
cpu.setRegisters({ eip: 0x7c00, segments: { cs: { selector: 0, base: 0, limit: 0xffff, access: 0x9b } } });
const exit = cpu.run(100);
if (exit.reason !== 'halted' || memory.read16(0x500) !== 0x1335) {
  throw new Error(`unexpected result: ${JSON.stringify(exit)} ${memory.read16(0x500)}`);
}
