// PCI helpers over a QosTarget, in the manner of QEMU's libqos (tests/qtest/libqos/pci.c and
// pci-pc.c): configuration mechanism #1 on 0xCF8/0xCFC with the register offset latched in
// CONFIG_ADDRESS (bits 1:0 included, as libqos writes them), function discovery by ids, BAR
// sizing and mapping, and command-register helpers.

import type { QosTarget } from './target.js';

export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_COMMAND_IO = 0x1;
export const PCI_COMMAND_MEMORY = 0x2;
export const PCI_COMMAND_MASTER = 0x4;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BASE_ADDRESS_0 = 0x10;
export const PCI_ROM_ADDRESS = 0x30;

export type BarKind = 'io' | 'mem32' | 'mem64';

export interface BarProbe {
  kind: BarKind;
  prefetchable: boolean;
  /** Size in bytes (0: the BAR is not implemented). */
  size: number;
}

/** devfn = device << 3 | function (bus 0 unless `bus` is given). */
export const devfn = (device: number, fn: number): number => ((device & 31) << 3) | (fn & 7);

export class QPciBus {
  constructor(
    readonly target: QosTarget,
    readonly bus = 0,
  ) {}

  private select(fn: number, offset: number): void {
    const addr = (0x80000000 | ((this.bus & 0xff) << 16) | ((fn & 0xff) << 8) | (offset & 0xff)) >>> 0;
    this.target.out(0xcf8, 4, addr);
  }

  readb(fn: number, offset: number): number {
    this.select(fn, offset);
    return this.target.in(0xcfc, 1);
  }
  readw(fn: number, offset: number): number {
    this.select(fn, offset);
    return this.target.in(0xcfc, 2);
  }
  readl(fn: number, offset: number): number {
    this.select(fn, offset);
    return this.target.in(0xcfc, 4) >>> 0;
  }
  writeb(fn: number, offset: number, v: number): void {
    this.select(fn, offset);
    this.target.out(0xcfc, 1, v & 0xff);
  }
  writew(fn: number, offset: number, v: number): void {
    this.select(fn, offset);
    this.target.out(0xcfc, 2, v & 0xffff);
  }
  writel(fn: number, offset: number, v: number): void {
    this.select(fn, offset);
    this.target.out(0xcfc, 4, v >>> 0);
  }

  /** Every present function on this bus (vendor ≠ 0xFFFF), scanning functions 1–7 only for
   * multi-function devices as firmware does. */
  functions(): QPciDevice[] {
    const out: QPciDevice[] = [];
    for (let dev = 0; dev < 32; dev++) {
      for (let fn = 0; fn < 8; fn++) {
        const df = devfn(dev, fn);
        if (this.readw(df, PCI_VENDOR_ID) === 0xffff) {
          if (fn === 0) break;
          continue;
        }
        out.push(new QPciDevice(this, df));
        if (fn === 0 && !(this.readb(df, PCI_HEADER_TYPE) & 0x80)) break;
      }
    }
    return out;
  }

  /** The function at `df`, or null when nothing answers there (libqos qpci_device_find). */
  device(df: number): QPciDevice | null {
    return this.readw(df, PCI_VENDOR_ID) === 0xffff ? null : new QPciDevice(this, df);
  }

  /** First function with these ids, or null. */
  find(vendorId: number, deviceId: number): QPciDevice | null {
    for (const d of this.functions()) {
      if (d.vendorId === vendorId && d.deviceId === deviceId) return d;
    }
    return null;
  }
}

export class QPciDevice {
  constructor(
    readonly bus: QPciBus,
    readonly devfn: number,
  ) {}

  get vendorId(): number {
    return this.readw(PCI_VENDOR_ID);
  }
  get deviceId(): number {
    return this.readw(PCI_DEVICE_ID);
  }
  /** "bb:dd.f" */
  get bdf(): string {
    const h = (n: number) => n.toString(16).padStart(2, '0');
    return `${h(this.bus.bus)}:${h(this.devfn >> 3)}.${this.devfn & 7}`;
  }

  readb(o: number): number {
    return this.bus.readb(this.devfn, o);
  }
  readw(o: number): number {
    return this.bus.readw(this.devfn, o);
  }
  readl(o: number): number {
    return this.bus.readl(this.devfn, o);
  }
  writeb(o: number, v: number): void {
    this.bus.writeb(this.devfn, o, v);
  }
  writew(o: number, v: number): void {
    this.bus.writew(this.devfn, o, v);
  }
  writel(o: number, v: number): void {
    this.bus.writel(this.devfn, o, v);
  }

  /** Set bits in the command register (libqos qpci_device_enable sets IO | MEMORY | MASTER). */
  enable(bits = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER): void {
    this.writew(PCI_COMMAND, this.readw(PCI_COMMAND) | bits);
  }

  enableBusMastering(): void {
    this.enable(PCI_COMMAND_MASTER);
  }

  /** Size a BAR the way firmware does (write all-ones, read back, restore); the BAR's decoding
   * is switched off in the command register meanwhile, as SeaBIOS and Linux do. */
  probeBar(index: number): BarProbe {
    const off = PCI_BASE_ADDRESS_0 + 4 * index;
    const cmd = this.readw(PCI_COMMAND);
    this.writew(PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    const orig = this.readl(off);
    this.writel(off, 0xffffffff);
    const lo = this.readl(off);
    this.writel(off, orig);
    let probe: BarProbe;
    if (orig & 1) {
      const mask = (lo & 0xfffffffc) | 0xffff0000; // 16-bit I/O decoders may read 0 above bit 15
      probe = { kind: 'io', prefetchable: false, size: lo === 0 ? 0 : (~mask + 1) & 0xffff };
    } else if ((orig & 6) === 4) {
      const off2 = off + 4;
      const orig2 = this.readl(off2);
      this.writel(off2, 0xffffffff);
      const hi = this.readl(off2);
      this.writel(off2, orig2);
      const mask = BigInt(hi >>> 0) * 2n ** 32n + BigInt((lo & 0xfffffff0) >>> 0);
      const size = mask === 0n ? 0 : Number(BigInt.asUintN(64, ~mask + 1n));
      probe = { kind: 'mem64', prefetchable: (orig & 8) !== 0, size };
    } else {
      const mask = (lo & 0xfffffff0) >>> 0;
      probe = { kind: 'mem32', prefetchable: (orig & 8) !== 0, size: mask === 0 ? 0 : (~mask + 1) >>> 0 };
    }
    this.writew(PCI_COMMAND, cmd);
    return probe;
  }

  /** Program BAR `index` to `addr` and enable its decoding (I/O or memory) in the command register. */
  mapBar(index: number, addr: number): BarProbe {
    const p = this.probeBar(index);
    if (p.size === 0) throw new Error(`${this.bdf}: BAR${index} is not implemented`);
    if (addr % p.size !== 0)
      throw new Error(
        `${this.bdf}: BAR${index} address 0x${addr.toString(16)} is not aligned to its size 0x${p.size.toString(16)}`,
      );
    const off = PCI_BASE_ADDRESS_0 + 4 * index;
    if (p.kind === 'mem64') {
      this.writel(off, addr % 2 ** 32);
      this.writel(off + 4, Math.floor(addr / 2 ** 32));
    } else this.writel(off, addr);
    this.enable(p.kind === 'io' ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY);
    return p;
  }

  /** The address BAR `index` decodes at now (type bits stripped). */
  barAddress(index: number): number {
    const off = PCI_BASE_ADDRESS_0 + 4 * index;
    const lo = this.readl(off);
    if (lo & 1) return (lo & 0xfffffffc) >>> 0;
    const base = (lo & 0xfffffff0) >>> 0;
    return (lo & 6) === 4 ? base + this.readl(off + 4) * 2 ** 32 : base;
  }
}
