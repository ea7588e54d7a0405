// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { IoBus, MemoryBus } from '@vmkit/memory-bus';

const bus = new MemoryBus();
bus.addRam('ram', 0, 0x10000);
bus.write32(0x100, 0x11223344);
if (bus.read16(0x102) !== 0x1122) throw new Error('RAM read-back failed');
if (bus.read8(0x20000) !== 0xff) throw new Error('unassigned read is not all-ones');
if (new IoBus().in16(0x80) !== 0xffff) throw new Error('unassigned port read is not all-ones');
