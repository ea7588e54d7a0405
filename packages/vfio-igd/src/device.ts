// The IGD PCI function: config space from the host source, standard header emulated by
// @vmkit/pci's PciDevice (BAR sizing/decoding, command, interrupt line), the host's
// device-specific bytes (capabilities, 0x40..) read-only, and the IGD registers virtualised by
// IgdVirtualRegisters (GMCH, BDSM, SWSCI, ASLS) — QEMU hw/vfio/igd.c + hw/vfio/pci.c semantics.
import { type BarDefinition, findCapability, PciDevice, type PciDeviceState } from '@vmkit/pci';
import type { BarInfo, IgdHostSource } from './host.js';
import { type IgdVirtualOptions, IgdVirtualRegisters } from './virtual-regs.js';

/** Structurally a @vmkit/memory-bus IoHandler. */
export interface IgdBarHandler {
  read(offset: number, size: 1 | 2 | 4): number;
  write(offset: number, size: 1 | 2 | 4, value: number): void;
}

/** Stand-in for BAR space with no host device behind it: reads all-ones, writes dropped. */
export class UnbackedBar implements IgdBarHandler {
  reads = 0;
  writes = 0;
  read(_offset: number, size: 1 | 2 | 4): number {
    this.reads++;
    return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  }
  write(): void {
    this.writes++;
  }
}

export interface IgdPciDeviceOptions extends IgdVirtualOptions {
  /** Device name on the bus (default "igd"). */
  readonly name?: string;
  /** Handlers for BAR0 (GTTMMADR), BAR2 (GMADR), BAR4 (IOBAR); default UnbackedBar. */
  readonly barHandlers?: Partial<Record<0 | 2 | 4, IgdBarHandler>>;
  /** VBIOS option ROM image (legacy mode needs one). */
  readonly rom?: Uint8Array;
}

/** Config ranges IgdVirtualRegisters may own (GMCH, BDSM, BDSM gen11, SWSCI, ASLS). */
const VIRTUAL_RANGES: readonly (readonly [number, number])[] = [
  [0x50, 0x52],
  [0x5c, 0x60],
  [0xc0, 0xc8],
  [0xe8, 0xec],
  [0xfc, 0x100],
];

const DEFAULT_BAR_SIZE: Record<number, number> = { 0: 16 * 1024 * 1024, 2: 256 * 1024 * 1024, 4: 64 };

function barDefinitions(
  bars: readonly BarInfo[],
  handlers: IgdPciDeviceOptions['barHandlers'],
): (BarDefinition | null)[] {
  const out: (BarDefinition | null)[] = [null, null, null, null, null, null];
  const list = bars.length
    ? bars
    : ([
        { index: 0, type: 'mem64', prefetchable: false, size: 0 },
        { index: 2, type: 'mem64', prefetchable: true, size: 0 },
        { index: 4, type: 'io', prefetchable: false, size: 0 },
      ] as const);
  for (const b of list) {
    const size = b.size || DEFAULT_BAR_SIZE[b.index] || 0;
    if (!size) continue;
    const handler = handlers?.[b.index as 0 | 2 | 4] ?? new UnbackedBar();
    out[b.index] = { kind: b.type, size, prefetchable: b.prefetchable, handler };
  }
  return out;
}

export class IgdPciDevice extends PciDevice {
  readonly regs: IgdVirtualRegisters;
  readonly source: IgdHostSource;

  constructor(opts: IgdPciDeviceOptions) {
    const src = opts.source;
    const id = src.identity;
    super({
      name: opts.name ?? 'igd',
      vendorId: id.vendorId,
      deviceId: id.deviceId,
      classCode: id.classCode,
      revision: id.revision,
      subsystemVendorId: id.subsystemVendorId,
      subsystemId: id.subsystemId,
      interruptPin: src.config[0x3d] <= 4 ? src.config[0x3d] : 1,
      bars: barDefinitions(src.bars, opts.barHandlers),
      rom: opts.rom ? { data: opts.rom } : undefined,
      extendedConfig: src.config.length === 4096,
    });
    this.source = src;
    const cfg = this.config;
    // Device-specific space from the host image, read-only to the guest (capabilities included).
    const n = Math.min(cfg.size, src.config.length);
    cfg.bytes.set(src.config.subarray(0x40, n), 0x40);
    cfg.setReadOnly(0x40, cfg.size - 0x40);
    cfg.set8(0x34, src.config[0x34]);
    if (src.config[0x34]) cfg.set16(0x06, cfg.get16(0x06) | 0x10);
    // MSI (cap 0x05): enable/MME, address and data are guest-owned (QEMU emulates MSI for vfio).
    const msi = findCapability(cfg, 0x05);
    const msiIs64 = msi !== 0 && msi + 4 <= cfg.size && (cfg.get16(msi + 2) & 0x80) !== 0;
    // Only when the whole capability (10 bytes, 14 with 64-bit addresses) lies inside config space:
    // a corrupt dump's pointer near the end must not make bytes past the capability writable.
    if (msi !== 0 && msi + (msiIs64 ? 14 : 10) <= cfg.size) {
      cfg.setWritable(msi + 2, 2, 0x0071);
      cfg.setWritable(msi + 4, 4, 0xfffffffc);
      const is64 = msiIs64;
      if (is64) {
        cfg.setWritable(msi + 8, 4, 0xffffffff);
        cfg.setWritable(msi + 12, 2, 0xffff);
      } else {
        cfg.setWritable(msi + 8, 2, 0xffff);
      }
    }
    // PM (cap 0x01): PMCSR power state.
    const pm = findCapability(cfg, 0x01);
    if (pm !== 0 && pm + 6 <= cfg.size) cfg.setWritable(pm + 4, 2, 0x0003);
    this.regs = new IgdVirtualRegisters(opts);
    // Mirror the virtual bytes into the emulated image so state snapshots show them.
    this.syncVirtual();
  }

  private syncVirtual(): void {
    const b = this.config.bytes;
    for (const [start, end] of VIRTUAL_RANGES) {
      for (let o = start; o < end && o < b.length; o++) if (this.regs.owns(o)) b[o] = this.regs.readByte(o);
    }
  }

  override configRead(offset: number, size: number): number {
    const regs = this.regs;
    if (!regs.overlaps(offset, size)) return super.configRead(offset, size);
    let v = 0;
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      const b = regs.owns(o) ? regs.readByte(o) : super.configRead(o, 1);
      v |= b << (8 * i);
    }
    return v >>> 0;
  }

  override configWrite(offset: number, size: number, value: number): void {
    const regs = this.regs;
    if (!regs.overlaps(offset, size)) {
      super.configWrite(offset, size, value);
      return;
    }
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      if (!regs.owns(o)) super.configWrite(o, 1, (value >>> (8 * i)) & 0xff);
    }
    regs.write(offset, size, value);
    this.syncVirtual();
  }

  /** State as data: the PCI state plus the virtual registers. */
  override getState(): PciDeviceState & { igd: ReturnType<IgdVirtualRegisters['getState']> } {
    return { ...super.getState(), igd: this.regs.getState() };
  }

  override setState(state: PciDeviceState & { igd?: ReturnType<IgdVirtualRegisters['getState']> }): void {
    super.setState(state);
    if (state.igd) this.regs.setState(state.igd);
    this.syncVirtual();
  }

  override reset(): void {
    super.reset();
    this.regs.reset();
    this.syncVirtual();
  }
}
