// The x86 port I/O space: 64 Ki byte-addressed ports. A per-port table names the winning region
// (highest priority, then most recently mapped), so dispatch is one array load.
//
// Port numbers are masked to 16 bits (port & 0xffff), as the CPU's DX/imm8 port is 16-bit. A 2- or
// 4-byte access whose ports all belong to one region goes to it as one access; otherwise it is split
// into single bytes, and the bytes past 0xFFFF wrap to 0x0000 (each byte's port is masked too).

import {
  BusRegion,
  checkHandler,
  checkOverlap,
  checkPriority,
  checkRange,
  KIND_IO,
  type RegionOptions,
  type RegionOwner,
  wins,
} from './region.js';
import type { BusEvent, IoBusApi, IoHandler, RegionHandle } from './types.js';

export const PORT_COUNT = 0x10000;
const LABEL = 'io-bus';

export class IoBus implements IoBusApi, RegionOwner {
  readonly label = LABEL;
  private readonly map: (BusRegion | null)[] = new Array<BusRegion | null>(PORT_COUNT).fill(null);
  private readonly regions: BusRegion[] = [];
  private stampCounter = 0;
  private tracer: ((e: BusEvent) => void) | null = null;

  setTracer(tracer: ((e: BusEvent) => void) | null): void {
    this.tracer = tracer;
  }

  addPio(
    name: string,
    base: number,
    size: number,
    handler: IoHandler,
    opts: RegionOptions = {},
  ): RegionHandle {
    const what = `addPio "${name}"`;
    if (typeof name !== 'string' || name.length === 0)
      throw new Error(`${LABEL}: ${what}: name must be a non-empty string`);
    checkRange(LABEL, what, base, size, PORT_COUNT);
    checkHandler(LABEL, what, handler);
    const priority = opts.priority ?? 0;
    checkPriority(LABEL, what, priority);
    const r = new BusRegion(
      this,
      name,
      KIND_IO,
      base,
      size,
      priority,
      opts.enabled ?? true,
      opts.mayOverlap ?? false,
      ++this.stampCounter,
    );
    r.handler = handler;
    if (r.enabled) checkOverlap(LABEL, this.regions, r, null, base, size);
    this.regions.push(r);
    this.refresh(base, base + size);
    return r;
  }

  moveRegion(r: BusRegion, base: number): void {
    this.checkLive(r, 'move');
    checkRange(LABEL, `move "${r.name}"`, base, r.size, PORT_COUNT);
    if (base === r.base) return;
    if (r.enabled) checkOverlap(LABEL, this.regions, r, r, base, r.size);
    const old = r.base;
    r.base = base;
    r.stamp = ++this.stampCounter;
    this.refresh(old, old + r.size);
    this.refresh(base, base + r.size);
  }

  enableRegion(r: BusRegion, enabled: boolean): void {
    this.checkLive(r, 'setEnabled');
    enabled = !!enabled;
    if (enabled === r.enabled) return;
    if (enabled) checkOverlap(LABEL, this.regions, r, r, r.base, r.size);
    r.enabled = enabled;
    if (enabled) r.stamp = ++this.stampCounter;
    this.refresh(r.base, r.end);
  }

  removeRegion(r: BusRegion): void {
    this.checkLive(r, 'remove');
    r.removed = true;
    r.enabled = false;
    this.regions.splice(this.regions.indexOf(r), 1);
    this.refresh(r.base, r.end);
  }

  /** Which region serves `port` (its name), or null. */
  resolve(port: number): string | null {
    const r = this.map[port & 0xffff];
    return r === null ? null : r.name;
  }

  private checkLive(r: BusRegion, op: string): void {
    if (r.owner !== this || r.removed) throw new Error(`${LABEL}: ${op} "${r.name}": region was removed`);
  }

  private refresh(lo: number, hi: number): void {
    const cands = this.regions.filter((r) => r.enabled && r.base < hi && lo < r.end);
    for (let p = lo; p < hi; p++) {
      let best: BusRegion | null = null;
      for (const r of cands) if (r.base <= p && p < r.end && (best === null || wins(r, best))) best = r;
      this.map[p] = best;
    }
  }

  in8(port: number): number {
    port &= 0xffff;
    const r = this.map[port];
    if (r !== null) return r.handler!.read(port - r.base, 1) & 0xff;
    return this.unassignedIn(port, 1);
  }

  in16(port: number): number {
    port &= 0xffff;
    const r = this.map[port];
    if (r !== null && port < 0xffff && this.map[port + 1] === r)
      return r.handler!.read(port - r.base, 2) & 0xffff;
    return this.splitIn(port, 2);
  }

  in32(port: number): number {
    port &= 0xffff;
    const m = this.map;
    const r = m[port];
    if (r !== null && port < 0xfffd && m[port + 1] === r && m[port + 2] === r && m[port + 3] === r) {
      return r.handler!.read(port - r.base, 4) >>> 0;
    }
    return this.splitIn(port, 4);
  }

  out8(port: number, value: number): void {
    port &= 0xffff;
    const r = this.map[port];
    if (r !== null) r.handler!.write(port - r.base, 1, value & 0xff);
    else this.unassignedOut(port, 1, value & 0xff);
  }

  out16(port: number, value: number): void {
    port &= 0xffff;
    const r = this.map[port];
    if (r !== null && port < 0xffff && this.map[port + 1] === r)
      r.handler!.write(port - r.base, 2, value & 0xffff);
    else this.splitOut(port, 2, value & 0xffff);
  }

  out32(port: number, value: number): void {
    port &= 0xffff;
    const m = this.map;
    const r = m[port];
    if (r !== null && port < 0xfffd && m[port + 1] === r && m[port + 2] === r && m[port + 3] === r) {
      r.handler!.write(port - r.base, 4, value >>> 0);
    } else this.splitOut(port, 4, value >>> 0);
  }

  private splitIn(port: number, size: number): number {
    // A region covering every byte but unassigned at the start is impossible; so either the first
    // byte is unassigned or the access leaves its region: go byte by byte.
    let v = 0;
    let allUnassigned = true;
    for (let i = 0; i < size; i++) {
      if (this.map[(port + i) & 0xffff] !== null) allUnassigned = false;
    }
    if (allUnassigned) return this.unassignedIn(port, size);
    for (let i = 0; i < size; i++) v += this.in8((port + i) & 0xffff) * 2 ** (8 * i);
    return v;
  }

  private splitOut(port: number, size: number, value: number): void {
    let allUnassigned = true;
    for (let i = 0; i < size; i++) {
      if (this.map[(port + i) & 0xffff] !== null) allUnassigned = false;
    }
    if (allUnassigned) {
      this.unassignedOut(port, size, value);
      return;
    }
    for (let i = 0; i < size; i++) this.out8((port + i) & 0xffff, Math.floor(value / 2 ** (8 * i)) & 0xff);
  }

  private unassignedIn(port: number, size: number): number {
    if (this.tracer !== null) this.tracer({ kind: 'unassigned-read', space: 'io', addr: port, size });
    return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  }

  private unassignedOut(port: number, size: number, value: number): void {
    if (this.tracer !== null) this.tracer({ kind: 'unassigned-write', space: 'io', addr: port, size, value });
  }
}
