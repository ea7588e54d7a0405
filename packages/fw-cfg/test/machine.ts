// Test rig: the real @vmkit/memory-bus buses with RAM at 0.
import type { IoBusApi, MemoryBusApi } from '@vmkit/memory-bus';
import { IoBus, MemoryBus } from '@vmkit/memory-bus';

export interface Rig {
  memory: MemoryBusApi;
  io: IoBusApi;
  ramSize: number;
  /** Copy of guest bytes for assertions. */
  bytes(addr: number, len: number): Uint8Array;
}

export function makeRig(ramSize = 16 << 20): Rig {
  const memory = new MemoryBus();
  memory.addRam('ram', 0, ramSize);
  const io = new IoBus();
  return { memory, io, ramSize, bytes: (a, n) => memory.readBytes(a, n) };
}
