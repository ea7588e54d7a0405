// Test helpers: a manual virtual clock and a small port bus that dispatches by (base, size).
import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import type { Clock, IrqSink } from '../src/types.js';

export class ManualClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
  advance(ns: number): void {
    this.t += ns;
  }
}

export class RecordingIrq implements IrqSink {
  readonly levels = new Array<boolean>(16).fill(false);
  readonly log: Array<[number, boolean]> = [];
  setIrq(line: number, level: boolean): void {
    this.levels[line] = level;
    this.log.push([line, level]);
  }
  rises(line: number): number {
    return this.log.filter(([l, v]) => l === line && v).length;
  }
}

interface Mapping {
  base: number;
  size: number;
  h: IoHandler;
}

/** Minimal port bus for device tests (the real IoBus lives in @vmkit/memory-bus). */
export class TestIo {
  private readonly maps: Mapping[] = [];
  map(base: number, size: number, h: IoHandler): void {
    this.maps.push({ base, size, h });
  }
  private find(port: number): Mapping | undefined {
    return this.maps.find((m) => port >= m.base && port < m.base + m.size);
  }
  read(port: number, size: AccessSize): number {
    const m = this.find(port);
    if (!m) return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
    return m.h.read(port - m.base, size);
  }
  write(port: number, size: AccessSize, v: number): void {
    const m = this.find(port);
    if (m) m.h.write(port - m.base, size, v);
  }
  in8(p: number): number {
    return this.read(p, 1);
  }
  out8(p: number, v: number): void {
    this.write(p, 1, v);
  }
  in16(p: number): number {
    return this.read(p, 2);
  }
  out16(p: number, v: number): void {
    this.write(p, 2, v);
  }
  in32(p: number): number {
    return this.read(p, 4);
  }
  out32(p: number, v: number): void {
    this.write(p, 4, v);
  }
}
