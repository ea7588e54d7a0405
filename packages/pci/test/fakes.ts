// Minimal in-test fakes of the pinned @vmkit/memory-bus interfaces (used until / besides the real
// MemoryBus and IoBus). Highest priority enabled region wins; same-priority overlap throws, as the
// contract says the real bus does.
import type { AccessSize, IoHandler, RegionHandle } from '@vmkit/memory-bus';

interface Region {
  name: string;
  base: number;
  size: number;
  priority: number;
  enabled: boolean;
  handler: IoHandler;
  removed: boolean;
}

export class FakeSpace {
  readonly regions: Region[] = [];
  constructor(private readonly unassigned = 0xffffffff) {}

  private check(r: Region, base: number): void {
    for (const o of this.regions) {
      if (o === r || o.removed || !o.enabled || o.priority !== r.priority) continue;
      if (base < o.base + o.size && o.base < base + r.size)
        throw new Error(`overlap ${r.name} with ${o.name}`);
    }
  }

  add(
    name: string,
    base: number,
    size: number,
    handler: IoHandler,
    opts?: { priority?: number },
  ): RegionHandle {
    const r: Region = {
      name,
      base,
      size,
      priority: opts?.priority ?? 0,
      enabled: true,
      handler,
      removed: false,
    };
    this.check(r, base);
    this.regions.push(r);
    const self = this;
    return {
      get name() {
        return r.name;
      },
      get base() {
        return r.base;
      },
      get size() {
        return r.size;
      },
      get priority() {
        return r.priority;
      },
      get enabled() {
        return r.enabled;
      },
      move(b: number) {
        if (r.enabled) self.check(r, b);
        r.base = b;
      },
      setEnabled(e: boolean) {
        if (e) self.check(r, r.base);
        r.enabled = e;
      },
      remove() {
        r.removed = true;
        self.regions.splice(self.regions.indexOf(r), 1);
      },
    };
  }

  find(addr: number): Region | undefined {
    let best: Region | undefined;
    for (const r of this.regions) {
      if (!r.enabled || addr < r.base || addr >= r.base + r.size) continue;
      if (!best || r.priority > best.priority) best = r;
    }
    return best;
  }

  read(addr: number, size: AccessSize): number {
    const r = this.find(addr);
    if (!r) return this.unassigned >>> (32 - size * 8);
    return r.handler.read(addr - r.base, size);
  }
  write(addr: number, size: AccessSize, value: number): void {
    const r = this.find(addr);
    if (r) r.handler.write(addr - r.base, size, value);
  }
  enabledRegions(): Array<{ name: string; base: number; size: number }> {
    return this.regions.filter((r) => r.enabled).map((r) => ({ name: r.name, base: r.base, size: r.size }));
  }
}

export class FakeIoBus extends FakeSpace {
  addPio(
    name: string,
    base: number,
    size: number,
    handler: IoHandler,
    opts?: { priority?: number },
  ): RegionHandle {
    return this.add(name, base, size, handler, opts);
  }
  in8(p: number) {
    return this.read(p, 1);
  }
  in16(p: number) {
    return this.read(p, 2);
  }
  in32(p: number) {
    return this.read(p, 4);
  }
  out8(p: number, v: number) {
    this.write(p, 1, v);
  }
  out16(p: number, v: number) {
    this.write(p, 2, v);
  }
  out32(p: number, v: number) {
    this.write(p, 4, v);
  }
  setTracer() {}
}

export class FakeMemoryBus extends FakeSpace {
  addMmio(
    name: string,
    base: number,
    size: number,
    handler: IoHandler,
    opts?: { priority?: number },
  ): RegionHandle {
    return this.add(name, base, size, handler, opts);
  }
  addRom(name: string, base: number, data: Uint8Array, opts?: { priority?: number }): RegionHandle {
    const h: IoHandler = {
      read(o, s) {
        let v = 0;
        for (let i = 0; i < s; i++) v |= data[o + i] << (i * 8);
        return v >>> 0;
      },
      write() {},
    };
    return this.add(name, base, data.length, h, opts);
  }
  addRam(name: string, base: number, size: number, opts?: { priority?: number }): RegionHandle {
    const data = new Uint8Array(size);
    const h: IoHandler = {
      read(o, s) {
        let v = 0;
        for (let i = 0; i < s; i++) v |= data[o + i] << (i * 8);
        return v >>> 0;
      },
      write(o, s, v) {
        for (let i = 0; i < s; i++) data[o + i] = v >>> (i * 8);
      },
    };
    return this.add(name, base, size, h, opts);
  }
  read8(a: number) {
    return this.read(a, 1);
  }
  read16(a: number) {
    return this.read(a, 2);
  }
  read32(a: number) {
    return this.read(a, 4);
  }
  write8(a: number, v: number) {
    this.write(a, 1, v);
  }
  write16(a: number, v: number) {
    this.write(a, 2, v);
  }
  write32(a: number, v: number) {
    this.write(a, 4, v);
  }
}

import type { IoBusApi, MemoryBusApi } from '@vmkit/memory-bus';

export function fakeSpaces(): { mem: FakeMemoryBus; io: FakeIoBus; memory: MemoryBusApi; ioApi: IoBusApi } {
  const mem = new FakeMemoryBus();
  const io = new FakeIoBus();
  return { mem, io, memory: mem as unknown as MemoryBusApi, ioApi: io as unknown as IoBusApi };
}

/** A register file handler that records accesses. */
export class RecordingHandler implements IoHandler {
  readonly log: string[] = [];
  readonly data = new Uint8Array(0x100);
  read(offset: number, size: AccessSize): number {
    this.log.push(`r${size}@${offset.toString(16)}`);
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.data[(offset + i) & 0xff] << (i * 8);
    return v >>> 0;
  }
  write(offset: number, size: AccessSize, value: number): void {
    this.log.push(`w${size}@${offset.toString(16)}=${value.toString(16)}`);
    for (let i = 0; i < size; i++) this.data[(offset + i) & 0xff] = value >>> (i * 8);
  }
}
