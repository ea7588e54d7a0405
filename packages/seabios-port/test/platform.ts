// A small in-test PC: MemoryBus + IoBus, a fake PCI host answering configuration mechanism #1 with
// write-masked config spaces (BAR sizing works as on hardware), a CMOS stub, and the real FwCfg
// device from @vmkit/fw-cfg.
import { addStandardItems, type E820Entry, FwCfg } from '@vmkit/fw-cfg';
import { IoBus, MemoryBus } from '@vmkit/memory-bus';

export interface BarSpec {
  kind: 'io' | 'mem32' | 'mem64';
  size: number;
  prefetch?: boolean;
}

export interface DeviceSpec {
  bdf: number;
  vendor: number;
  device: number;
  classCode: number; // class << 8 | subclass, e.g. 0x0300
  progIf?: number;
  revision?: number;
  headerType?: number;
  subsystem?: [number, number];
  bars?: Array<BarSpec | null>;
  romSize?: number;
  interruptPin?: number;
  /** Type 1 header: bus numbers, I/O, memory and 64-bit prefetchable windows writable. */
  bridge?: boolean;
}

export class FakePciDevice {
  readonly cfg = new Uint8Array(256);
  readonly wmask = new Uint8Array(256);
  constructor(readonly spec: DeviceSpec) {
    const c = this.cfg;
    const w16 = (o: number, v: number) => {
      c[o] = v & 0xff;
      c[o + 1] = (v >> 8) & 0xff;
    };
    const w32 = (o: number, v: number) => {
      w16(o, v & 0xffff);
      w16(o + 2, (v >>> 16) & 0xffff);
    };
    const m32 = (o: number, v: number) => {
      for (let i = 0; i < 4; i++) this.wmask[o + i] = (v >>> (8 * i)) & 0xff;
    };
    w16(0, spec.vendor);
    w16(2, spec.device);
    c[8] = spec.revision ?? 0;
    c[9] = spec.progIf ?? 0;
    c[0xa] = spec.classCode & 0xff;
    c[0xb] = spec.classCode >> 8;
    c[0xe] = spec.headerType ?? 0;
    if (spec.subsystem) {
      w16(0x2c, spec.subsystem[0]);
      w16(0x2e, spec.subsystem[1]);
    }
    c[0x3d] = spec.interruptPin ?? 0;
    this.wmask[4] = 0xff;
    this.wmask[5] = 0x07;
    this.wmask[0x3c] = 0xff;
    for (let o = 0x40; o < 0x100; o++) this.wmask[o] = 0xff;
    const bars = spec.bars ?? [];
    for (let i = 0; i < 6; i++) {
      const b = bars[i];
      if (!b) continue;
      const o = 0x10 + i * 4;
      if (b.kind === 'io') {
        w32(o, 1);
        m32(o, ~(b.size - 1) & 0xfffffffc);
      } else {
        w32(o, (b.kind === 'mem64' ? 4 : 0) | (b.prefetch ? 8 : 0));
        m32(o, ~(b.size - 1) & 0xfffffff0);
        if (b.kind === 'mem64') {
          m32(o + 4, b.size > 2 ** 32 ? ~(b.size / 2 ** 32 - 1) : 0xffffffff);
          i++;
        }
      }
    }
    if (spec.romSize) m32(spec.bridge ? 0x38 : 0x30, (~(spec.romSize - 1) & 0xfffff800) | 1);
    if (spec.bridge) {
      for (const o of [0x18, 0x19, 0x1a, 0x3e, 0x3f]) this.wmask[o] = 0xff;
      this.wmask[0x1c] = 0xf0; // I/O base/limit, 16-bit decode
      this.wmask[0x1d] = 0xf0;
      m32(0x20, 0xfff0fff0);
      m32(0x24, 0xfff0fff0);
      c[0x24] = 1; // 64-bit prefetchable window
      c[0x26] = 1;
      m32(0x28, 0xffffffff);
      m32(0x2c, 0xffffffff);
    }
  }
  read(off: number, size: number): number {
    let v = 0;
    for (let i = 0; i < size; i++) v += this.cfg[(off + i) & 0xff] * 2 ** (8 * i);
    return v;
  }
  write(off: number, size: number, value: number): void {
    for (let i = 0; i < size; i++) {
      const o = (off + i) & 0xff;
      const b = Math.floor(value / 2 ** (8 * i)) & 0xff;
      this.cfg[o] = (this.cfg[o] & ~this.wmask[o]) | (b & this.wmask[o]);
    }
  }
  u32(off: number): number {
    return this.read(off, 4);
  }
}

export class FakePciHost {
  readonly devices = new Map<number, FakePciDevice>();
  readonly writes: Array<{ bdf: number; offset: number; size: number; value: number }> = [];
  private addr = 0;

  add(spec: DeviceSpec): FakePciDevice {
    const d = new FakePciDevice(spec);
    this.devices.set(spec.bdf, d);
    return d;
  }

  attach(io: IoBus): void {
    io.addPio('pci-addr', 0xcf8, 4, {
      read: (_o, size) => (size === 4 ? this.addr : 0xffffffff),
      write: (_o, size, v) => {
        if (size === 4) this.addr = v >>> 0;
      },
    });
    io.addPio('pci-data', 0xcfc, 4, {
      read: (o, size) => {
        const t = this.target(o);
        return t ? t.dev.read(t.off, size) : size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
      },
      write: (o, size, v) => {
        const t = this.target(o);
        if (!t) return;
        this.writes.push({ bdf: t.bdf, offset: t.off, size, value: v });
        t.dev.write(t.off, size, v);
      },
    });
  }

  private target(o: number): { dev: FakePciDevice; bdf: number; off: number } | null {
    if (!(this.addr & 0x80000000)) return null;
    const bdf = (this.addr >>> 8) & 0xffff;
    const dev = this.devices.get(bdf);
    if (!dev) return null;
    return { dev, bdf, off: (this.addr & 0xfc) + o };
  }
}

export const bdf = (bus: number, dev: number, fn: number) => (bus << 8) | (dev << 3) | fn;

/** QEMU -machine pc -nodefaults: 00:00.0 i440FX, 00:01.0 PIIX3 ISA, 00:01.1 PIIX3 IDE, 00:01.3 PIIX4 PM. */
export function addI440fxDevices(pci: FakePciHost): void {
  pci.add({
    bdf: 0,
    vendor: 0x8086,
    device: 0x1237,
    classCode: 0x0600,
    revision: 2,
    subsystem: [0x1af4, 0x1100],
  });
  pci.add({ bdf: bdf(0, 1, 0), vendor: 0x8086, device: 0x7000, classCode: 0x0601, headerType: 0x80 });
  pci.add({
    bdf: bdf(0, 1, 1),
    vendor: 0x8086,
    device: 0x7010,
    classCode: 0x0101,
    progIf: 0x80,
    bars: [null, null, null, null, { kind: 'io', size: 16 }],
  });
  pci.add({
    bdf: bdf(0, 1, 3),
    vendor: 0x8086,
    device: 0x7113,
    classCode: 0x0680,
    revision: 3,
    interruptPin: 1,
  });
}

export interface PlatformOptions {
  ramSize?: number;
  fwcfg?: boolean;
  dma?: boolean;
  e820?: E820Entry[] | null;
  files?: Record<string, Uint8Array>;
  cmos?: Record<number, number>;
  items?: Record<number, Uint8Array>;
}

export function makePlatform(opts: PlatformOptions = {}) {
  const ramSize = opts.ramSize ?? 128 * 1024 * 1024;
  const memory = new MemoryBus();
  const below4g = Math.min(ramSize, 0xe0000000);
  memory.addRam('ram-below-4g', 0, below4g);
  if (ramSize > below4g) memory.addRam('ram-above-4g', 2 ** 32, ramSize - below4g);
  const io = new IoBus();
  const pci = new FakePciHost();
  pci.attach(io);
  const cmos = new Uint8Array(128);
  for (const [k, v] of Object.entries(opts.cmos ?? {})) cmos[Number(k)] = v;
  let cmosIndex = 0;
  const cmosReads: number[] = [];
  io.addPio('cmos', 0x70, 2, {
    read: (o) => {
      if (o === 1) {
        cmosReads.push(cmosIndex);
        return cmos[cmosIndex];
      }
      return 0xff;
    },
    write: (o, _s, v) => {
      if (o === 0) cmosIndex = v & 0x7f;
    },
  });
  let fw: FwCfg | null = null;
  if (opts.fwcfg !== false) {
    fw = new FwCfg({ memory, dma: opts.dma ?? true });
    const e820 =
      opts.e820 === null
        ? undefined
        : (opts.e820 ?? [
            { addr: 0, len: below4g, type: 1 },
            ...(ramSize > below4g ? [{ addr: 2 ** 32, len: ramSize - below4g, type: 1 }] : []),
            { addr: 0xfd00000000, len: 0x300000000, type: 2 },
          ]);
    addStandardItems(fw, { ramSize, nbCpus: 1, maxCpus: 1, irq0Override: true, e820 });
    for (const [k, v] of Object.entries(opts.items ?? {})) fw.addItem(Number(k), v);
    for (const [name, data] of Object.entries(opts.files ?? {})) fw.addFile(name, data);
    fw.attachIo(io);
  }
  return { memory, io, pci, fw, cmos, cmosReads };
}

export function u64le(v: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  let x = BigInt(v);
  for (let i = 0; i < 8; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}
