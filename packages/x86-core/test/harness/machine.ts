// A minimal PC for the oracle programs: 16 MiB RAM at 0, the image as ROM at 4 GiB - size and its
// top (up to 128 KiB) at 1 MiB - that size (QEMU hw/i386/pc_sysfw.c x86_bios_rom_init maps
// `-bios` the same way), a debugcon on port 0xE9 (QEMU hw/char/debugcon.c: reads return 0xE9) and
// an isa-debug-exit on 0xF4 (hw/misc/debugexit.c) that stops the CPU.

import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import type { CpuEvent, CpuModel, RunReason } from '../../src/index.js';
import { Cpu } from '../../src/index.js';

export const RAM_SIZE = 16 * 1024 * 1024;
const TEXT_LIMIT = 4 * 1024 * 1024;

export interface MachineRun {
  /** Everything written to port 0xE9. */
  text: string;
  lines: string[];
  /** Why the last run() returned. */
  reason: RunReason;
  instructions: number;
  /** Value written to the debug-exit port, or null. */
  exitCode: number | null;
  events: CpuEvent[];
  cpu: Cpu;
  memory: MemoryBus;
}

class DebugPorts implements IoHandler {
  bytes = new Uint8Array(TEXT_LIMIT);
  length = 0;
  exitCode: number | null = null;
  cpu: Cpu | null = null;
  read(offset: number, _size: AccessSize): number {
    return offset === 0 ? 0xe9 : 0xff;
  }
  write(offset: number, _size: AccessSize, value: number): void {
    if (offset === 0) {
      if (this.length < TEXT_LIMIT) this.bytes[this.length++] = value & 0xff;
      else this.cpu?.requestStop();
    }
  }
}

class ExitPort implements IoHandler {
  constructor(private readonly ports: DebugPorts) {}
  read(_offset: number, size: AccessSize): number {
    return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
  }
  write(_offset: number, _size: AccessSize, value: number): void {
    this.ports.exitCode = value;
    this.ports.cpu?.requestStop();
  }
}

export interface MachineOptions {
  /** Instruction budget for the whole run (default 50 M). */
  budget?: number;
  model?: Partial<CpuModel>;
  /** Trace compiler on (default) or off (pure interpreter). */
  jit?: boolean;
  jitThreshold?: number;
  /** RAM allocated in chunks of this many bytes (memory-bus `chunkSize`) rather than one array. */
  ramChunk?: number;
  /** A second RAM region: [base, size]. */
  extraRam?: [number, number];
}

export function createMachine(image: Uint8Array, opts: MachineOptions = {}) {
  if (image.length === 0 || image.length % 0x10000 !== 0) {
    throw new Error(`oracle image: size ${image.length} is not a non-zero multiple of 64 KiB`);
  }
  const memory = new MemoryBus();
  const io = new IoBus();
  memory.addRam('ram', 0, RAM_SIZE, opts.ramChunk === undefined ? {} : { chunkSize: opts.ramChunk });
  if (opts.extraRam !== undefined) memory.addRam('extra-ram', opts.extraRam[0], opts.extraRam[1]);
  memory.addRom('bios', 0x1_0000_0000 - image.length, image);
  const isaSize = Math.min(image.length, 0x20000);
  memory.addRom('isa-bios', 0x100000 - isaSize, image.subarray(image.length - isaSize), { priority: 1 });
  const ports = new DebugPorts();
  io.addPio('debugcon', 0xe9, 1, ports);
  io.addPio('debug-exit', 0xf4, 4, new ExitPort(ports));
  const cpu = new Cpu({ memory, io, model: opts.model, jit: opts.jit, jitThreshold: opts.jitThreshold });
  ports.cpu = cpu;
  const events: CpuEvent[] = [];
  cpu.onEvent((e) => {
    if (events.length < 1000) events.push(e);
  });
  cpu.reset();
  return { cpu, memory, io, ports, events };
}

/** Run an image from the reset vector until it writes the debug-exit port, halts with nothing to
 * wake it, faults fatally, or the budget runs out. */
export function runImage(image: Uint8Array, opts: MachineOptions = {}): MachineRun {
  const budget = opts.budget ?? 50_000_000;
  const { cpu, memory, ports, events } = createMachine(image, opts);
  let reason: RunReason = 'budget';
  let left = budget;
  while (left > 0) {
    const exit = cpu.run(Math.min(left, 1_000_000));
    left -= exit.instructions;
    reason = exit.reason;
    if (reason !== 'budget') break;
  }
  const text = new TextDecoder('latin1').decode(ports.bytes.subarray(0, ports.length));
  return {
    text,
    lines: text.split('\n').filter((l) => l.length > 0),
    reason,
    instructions: cpu.instructionCount,
    exitCode: ports.exitCode,
    events,
    cpu,
    memory,
  };
}
