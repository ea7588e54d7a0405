// In-test fakes for the unit suites: a RAM+ROM memory bus with the PageTables fast path, a port
// bus that records writes, an interrupt line, and a nasm wrapper.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  AccessSize,
  IoBusApi,
  IoHandler,
  MemoryBusApi,
  PageTables,
  RegionHandle,
} from '@vmkit/memory-bus';
import { Cpu, type CpuEvent, type CpuModel, type InterruptLine } from '../src/index.js';

const PAGES = 1 << 20;

export class FakeMemory {
  readonly ram: Uint8Array;
  readonly rom: Uint8Array;
  readonly pages: PageTables;
  generation = 0;
  readonly mmioWrites: [number, number, number][] = [];
  mmio: Map<number, IoHandler> = new Map();
  private watchers: ((p: number) => void)[] = [];

  constructor(ramSize = 4 << 20, rom: Uint8Array = new Uint8Array(0x10000)) {
    this.ram = new Uint8Array(ramSize);
    this.rom = rom;
    // memory-bus PageTables: bufs[0] = none, 1 = RAM, 2 = ROM.
    const bufs: (Uint8Array | null)[] = [null, this.ram, rom];
    const readIdx = new Int32Array(PAGES);
    const writeIdx = new Int32Array(PAGES);
    const readOff = new Int32Array(PAGES);
    const writeOff = new Int32Array(PAGES);
    for (let p = 0; p < ramSize >>> 12; p++) {
      readIdx[p] = 1;
      writeIdx[p] = 1;
      readOff[p] = p << 12;
      writeOff[p] = p << 12;
    }
    // ROM at the top of 4 GiB and mirrored below 1 MiB (reads only).
    const romPages = rom.length >>> 12;
    for (let i = 0; i < romPages; i++) {
      const top = (0x100000000 - rom.length) / 4096 + i;
      const low = (0x100000 - rom.length) / 4096 + i;
      readIdx[top] = 2;
      readOff[top] = i << 12;
      readIdx[low] = 2;
      readOff[low] = i << 12;
      writeIdx[low] = 0;
    }
    this.pages = { bufs, readIdx, readOff, writeIdx, writeOff };
  }

  onMapChange(): () => void {
    return () => {};
  }
  watchWrites(l: (p: number) => void): () => void {
    this.watchers.push(l);
    return () => {};
  }
  read8(a: number): number {
    const p = a >>> 12;
    const h = this.mmio.get(p);
    if (h) return h.read(a & 0xfff, 1);
    const b = this.pages.bufs[this.pages.readIdx[p]!];
    return b ? b[this.pages.readOff[p] + (a & 0xfff)] : 0xff;
  }
  read16(a: number): number {
    return this.read8(a) | (this.read8(a + 1) << 8);
  }
  read32(a: number): number {
    return (this.read16(a) | (this.read16(a + 2) << 16)) >>> 0;
  }
  write8(a: number, v: number): void {
    const p = a >>> 12;
    const h = this.mmio.get(p);
    if (h) {
      h.write(a & 0xfff, 1, v);
      return;
    }
    this.mmioWrites.push([a, 1, v]);
    const b = this.pages.bufs[this.pages.writeIdx[p]!];
    if (b) b[this.pages.writeOff[p] + (a & 0xfff)] = v;
  }
  write16(a: number, v: number): void {
    this.write8(a, v & 0xff);
    this.write8(a + 1, (v >> 8) & 0xff);
  }
  write32(a: number, v: number): void {
    this.write16(a, v & 0xffff);
    this.write16(a + 2, (v >>> 16) & 0xffff);
  }
  asApi(): MemoryBusApi {
    return this as unknown as MemoryBusApi;
  }
}

export class FakeIo {
  readonly outs: [number, number, number][] = [];
  readonly inValues = new Map<number, number>();
  onOut: ((port: number, size: number, v: number) => void) | null = null;
  addPio(): RegionHandle {
    throw new Error('not used');
  }
  private inp(port: number, size: AccessSize): number {
    const v = this.inValues.get(port);
    if (v === undefined) return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
    return v;
  }
  in8(p: number): number {
    return this.inp(p, 1);
  }
  in16(p: number): number {
    return this.inp(p, 2);
  }
  in32(p: number): number {
    return this.inp(p, 4);
  }
  out8(p: number, v: number): void {
    this.outs.push([p, 1, v]);
    this.onOut?.(p, 1, v);
  }
  out16(p: number, v: number): void {
    this.outs.push([p, 2, v]);
    this.onOut?.(p, 2, v);
  }
  out32(p: number, v: number): void {
    this.outs.push([p, 4, v]);
    this.onOut?.(p, 4, v);
  }
  setTracer(): void {}
  asApi(): IoBusApi {
    return this as unknown as IoBusApi;
  }
}

export class FakePic implements InterruptLine {
  queue: number[] = [];
  acks = 0;
  pending(): boolean {
    return this.queue.length > 0;
  }
  acknowledge(): number {
    this.acks++;
    return this.queue.shift() ?? 0x0f;
  }
}

/** Real-mode start for code loaded at 0x7C00 by \`rig\`: interrupts off, DS = ES = SS = 0, SP = 7000h. */
export const REAL_PROLOG = `bits 16
org 0x7c00
  cli
  xor ax, ax
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov sp, 0x7000
`;

let dir: string | null = null;
/** Assemble with nasm (flat binary). */
export function asm(source: string): Uint8Array {
  dir ??= mkdtempSync(join(tmpdir(), 'x86core-unit-'));
  const src = join(dir, 'a.asm');
  const out = join(dir, 'a.bin');
  writeFileSync(src, source);
  execFileSync('nasm', ['-f', 'bin', '-o', out, src]);
  return new Uint8Array(readFileSync(out));
}

export interface Rig {
  cpu: Cpu;
  mem: FakeMemory;
  io: FakeIo;
  pic: FakePic;
  events: CpuEvent[];
}

/** A CPU whose reset vector jumps to `code` loaded at physical `load` (real mode, CS=load>>4). */
export function rig(
  code: Uint8Array,
  load = 0x7c00,
  opts: { ram?: number; model?: Partial<CpuModel> } = {},
): Rig {
  const rom = new Uint8Array(0x10000).fill(0xf4);
  // far jmp at reset vector FFFF0 → load
  const seg = load >>> 4;
  const off = load & 0xf;
  rom.set([0xea, off & 0xff, off >> 8, seg & 0xff, seg >> 8], 0xfff0);
  const mem = new FakeMemory(opts.ram ?? 4 << 20, rom);
  mem.ram.set(code, load);
  const io = new FakeIo();
  const pic = new FakePic();
  const cpu = new Cpu({ memory: mem.asApi(), io: io.asApi(), interrupts: pic, model: opts.model });
  const events: CpuEvent[] = [];
  cpu.onEvent((e) => events.push(e));
  return { cpu, mem, io, pic, events };
}

/** Run until HLT (or budget) and return the exit. */
export function runToHalt(r: Rig, budget = 100000) {
  return r.cpu.run(budget);
}
