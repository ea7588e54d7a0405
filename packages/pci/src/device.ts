// A PCI function: a ConfigSpace with a standard header, BARs that map themselves into the address
// spaces according to the command register, and overridable config read/write hooks.

import type { IoHandler, RegionHandle } from '@vmkit/memory-bus';
import type { PciBus } from './bus.js';
import { ByteArrayHandler } from './byte-array-handler.js';
import { type ConfigBacking, ConfigSpace } from './config-space.js';
import {
  PCI_BASE_ADDRESS_0,
  PCI_BASE_ADDRESS_MEM_PREFETCH,
  PCI_BASE_ADDRESS_MEM_TYPE_64,
  PCI_BASE_ADDRESS_SPACE_IO,
  PCI_CACHE_LINE_SIZE,
  PCI_CLASS_PROG,
  PCI_COMMAND,
  PCI_COMMAND_INTX_DISABLE,
  PCI_COMMAND_IO,
  PCI_COMMAND_MASTER,
  PCI_COMMAND_MEMORY,
  PCI_COMMAND_SERR,
  PCI_CONFIG_HEADER_SIZE,
  PCI_CONFIG_SPACE_SIZE,
  PCI_DEVICE_ID,
  PCI_HEADER_TYPE,
  PCI_HEADER_TYPE_MULTI_FUNCTION,
  PCI_INTERRUPT_LINE,
  PCI_INTERRUPT_PIN,
  PCI_REVISION_ID,
  PCI_ROM_ADDRESS,
  PCI_ROM_ADDRESS_ENABLE,
  PCI_ROM_ADDRESS1,
  PCI_ROM_SLOT,
  PCI_STATUS,
  PCI_STATUS_INTERRUPT,
  PCI_STATUS_W1C_BITS,
  PCI_SUBSYSTEM_ID,
  PCI_SUBSYSTEM_VENDOR_ID,
  PCI_VENDOR_ID,
  PCIE_CONFIG_SPACE_SIZE,
} from './constants.js';

export type BarKind = 'io' | 'mem32' | 'mem64';

/** One BAR of a function. A 64-bit BAR at index i also occupies i + 1. */
export interface BarDefinition {
  kind: BarKind;
  /** Size in bytes: a power of two, ≥ 4 for I/O, ≥ 16 for memory; ≤ 2 GiB for mem32. */
  size: number;
  prefetchable?: boolean;
  /** Accesses to the BAR go to this handler with offsets relative to the BAR start. */
  handler?: IoHandler;
  /** Or: plain storage (memory BARs); accesses read/write it little-endian. */
  backing?: Uint8Array;
  /** Region name on the bus (default `${device name} BAR${i}`). */
  name?: string;
}

/** The expansion ROM BAR (0x30, or 0x38 in a type 1 header). */
export interface RomDefinition {
  /** ROM contents; the BAR size is `size` or the next power of two ≥ max(data.length, 2 KiB). */
  data?: Uint8Array;
  size?: number;
  /** Or a handler instead of data. */
  handler?: IoHandler;
  name?: string;
}

export interface PciDeviceOptions {
  name: string;
  vendorId: number;
  deviceId: number;
  /** 24-bit class code: base << 16 | sub << 8 | prog-if (see classCode()). */
  classCode: number;
  revision?: number;
  subsystemVendorId?: number;
  subsystemId?: number;
  /** Sets bit 7 of the header type register (required when functions 1..7 of the slot exist). */
  multifunction?: boolean;
  /** 0 = none, 1..4 = INTA#..INTD#. */
  interruptPin?: number;
  /** Index = BAR number (0..5; a type 1 header has 0..1). */
  bars?: ReadonlyArray<BarDefinition | null | undefined>;
  rom?: RomDefinition;
  /** 4 KiB (PCI Express extended) config space instead of 256 bytes. */
  extendedConfig?: boolean;
  /** Source for "backed" config bits (see ConfigSpace.setBacked). */
  backing?: ConfigBacking;
}

/** BAR state as data. */
export interface BarState {
  bar: number;
  kind: BarKind | 'rom';
  size: number;
  /** Address the BAR decodes at right now, or null when unmapped. */
  address: number | null;
}

export interface PciDeviceState {
  config: number[];
  bars: BarState[];
}

interface BarSlot {
  index: number;
  kind: BarKind | 'rom';
  size: number;
  offset: number;
  space: 'mem' | 'io';
  name: string;
  handler: IoHandler | null;
  romData: Uint8Array | null;
  /** Currently decoded address, -1 = unmapped. */
  address: number;
  handle: RegionHandle | null;
}

const TWO_32 = 0x1_0000_0000;
const TWO_53 = 2 ** 53;

function isPow2(n: number): boolean {
  return Number.isInteger(n) && n > 0 && n <= TWO_53 && 2 ** Math.round(Math.log2(n)) === n;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Where a BAR decodes, following QEMU hw/pci/pci.c pci_bar_address():
 *  - I/O BAR: needs COMMAND.IO; address = BAR & ~(size-1); unmapped if it wraps, reaches
 *    0xffffffff, is 0 (pc machines do not allow address 0), or (vmkit) ends above port 0xffff.
 *  - memory BAR: needs COMMAND.MEMORY; ROM additionally needs its enable bit 0; address masked by
 *    the size; unmapped if 0, if it wraps, if a 32-bit BAR's last byte reaches 0xffffffff (the
 *    all-ones sizing value), or (vmkit) if it ends at or above 2^53 (plain-number addresses).
 * Returns -1 when unmapped.
 */
export function pciBarAddress(
  config: ConfigSpace,
  offset: number,
  kind: BarKind | 'rom',
  size: number,
  command: number,
): number {
  if (kind === 'io') {
    if ((command & PCI_COMMAND_IO) === 0) return -1;
    const addr = (config.get32(offset) & ~(size - 1) & 0xfffffffc) >>> 0;
    const last = addr + size - 1;
    if (last <= addr || last >= 0xffffffff || addr === 0 || last > 0xffff) return -1;
    return addr;
  }
  if ((command & PCI_COMMAND_MEMORY) === 0) return -1;
  const lo = config.get32(offset);
  if (kind === 'rom' && (lo & PCI_ROM_ADDRESS_ENABLE) === 0) return -1;
  let addr: number;
  if (kind === 'mem64') {
    const hi = config.get32(offset + 4);
    if (hi >= TWO_53 / TWO_32) return -1;
    addr = hi * TWO_32 + lo;
  } else {
    addr = lo;
  }
  addr -= addr % size; // size is a power of two ≥ 16: clears the type/enable bits too
  const last = addr + size - 1;
  if (last <= addr || addr === 0) return -1;
  if (kind !== 'mem64' && last >= 0xffffffff) return -1;
  if (last >= TWO_53 - 1) return -1;
  return addr;
}

export class PciDevice {
  readonly name: string;
  readonly config: ConfigSpace;
  /** The bus this function sits on (set by PciBus.addDevice). */
  bus: PciBus | null = null;
  /** devfn on its bus (set by PciBus.addDevice). */
  devfn = -1;
  private intxRequested = false;
  private intxAsserted = false;
  private intxPin = 0;
  protected readonly bars: (BarSlot | null)[];
  /** Header-type specific: how many BAR registers the header has. */
  protected readonly barCount: number;

  /** `headerType` is for subclasses (PciBridge passes 1); devices leave it at 0. */
  constructor(opts: PciDeviceOptions, headerType = 0) {
    if (!opts || typeof opts.name !== 'string' || opts.name === '')
      throw new Error('PciDevice: name is required');
    this.name = opts.name;
    const n = opts.name;
    const u16 = (field: string, v: number | undefined, dflt: number): number => {
      const x = v ?? dflt;
      if (!Number.isInteger(x) || x < 0 || x > 0xffff)
        throw new Error(`PciDevice ${n}: ${field} ${x} is not a 16-bit value`);
      return x;
    };
    const cfg = new ConfigSpace(opts.extendedConfig ? PCIE_CONFIG_SPACE_SIZE : PCI_CONFIG_SPACE_SIZE);
    this.config = cfg;
    cfg.set16(PCI_VENDOR_ID, u16('vendorId', opts.vendorId, 0xffff));
    cfg.set16(PCI_DEVICE_ID, u16('deviceId', opts.deviceId, 0xffff));
    if (!Number.isInteger(opts.classCode) || opts.classCode < 0 || opts.classCode > 0xffffff) {
      throw new Error(`PciDevice ${n}: classCode ${opts.classCode} is not a 24-bit value`);
    }
    cfg.set8(PCI_REVISION_ID, opts.revision ?? 0);
    cfg.set8(PCI_CLASS_PROG, opts.classCode & 0xff);
    cfg.set16(PCI_CLASS_PROG + 1, (opts.classCode >>> 8) & 0xffff);
    cfg.set8(PCI_HEADER_TYPE, headerType | (opts.multifunction ? PCI_HEADER_TYPE_MULTI_FUNCTION : 0));
    const pin = opts.interruptPin ?? 0;
    if (!Number.isInteger(pin) || pin < 0 || pin > 4)
      throw new Error(`PciDevice ${n}: interruptPin ${pin} not in 0..4`);
    cfg.set8(PCI_INTERRUPT_PIN, pin);

    // Write masks as QEMU pci_init_wmask / pci_init_w1cmask: command IO|MEM|MASTER|INTX_DISABLE|
    // SERR, cache line size and interrupt line writable, device-specific space (≥ 0x40) writable
    // until a capability or the device narrows it; status error bits write-1-to-clear.
    cfg.setWritable(
      PCI_COMMAND,
      2,
      PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE | PCI_COMMAND_SERR,
    );
    cfg.setWritable(PCI_CACHE_LINE_SIZE, 1, 0xff);
    cfg.setWritable(PCI_INTERRUPT_LINE, 1, 0xff);
    cfg.wmask.fill(0xff, PCI_CONFIG_HEADER_SIZE);
    cfg.setW1C(PCI_STATUS, 2, PCI_STATUS_W1C_BITS);
    if (headerType === 0) {
      cfg.set16(PCI_SUBSYSTEM_VENDOR_ID, u16('subsystemVendorId', opts.subsystemVendorId, 0));
      cfg.set16(PCI_SUBSYSTEM_ID, u16('subsystemId', opts.subsystemId, 0));
    }
    if (opts.backing) cfg.backing = opts.backing;

    this.barCount = headerType === 1 ? 2 : 6;
    this.bars = new Array<BarSlot | null>(7).fill(null);
    const defs = opts.bars ?? [];
    if (defs.length > this.barCount)
      throw new Error(`PciDevice ${n}: ${defs.length} BARs given; header has ${this.barCount}`);
    for (let i = 0; i < defs.length; i++) {
      const d = defs[i];
      if (!d) continue;
      if (this.bars[i]) throw new Error(`PciDevice ${n}: BAR${i} is the upper half of 64-bit BAR${i - 1}`);
      this.defineBar(i, d);
    }
    if (opts.rom) this.defineRom(opts.rom, headerType === 1 ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS);
  }

  private defineBar(i: number, d: BarDefinition): void {
    const n = this.name;
    const cfg = this.config;
    const off = PCI_BASE_ADDRESS_0 + 4 * i;
    if (d.kind !== 'io' && d.kind !== 'mem32' && d.kind !== 'mem64')
      throw new Error(`PciDevice ${n}: BAR${i} kind '${d.kind}' unknown`);
    if (!isPow2(d.size)) throw new Error(`PciDevice ${n}: BAR${i} size ${d.size} is not a power of two`);
    if (d.kind === 'io' && (d.size < 4 || d.size > 0x10000))
      throw new Error(`PciDevice ${n}: BAR${i} I/O size ${d.size} not in 4..65536`);
    if (d.kind !== 'io' && d.size < 16) throw new Error(`PciDevice ${n}: BAR${i} memory size ${d.size} < 16`);
    if (d.kind === 'mem32' && d.size > 0x8000_0000)
      throw new Error(`PciDevice ${n}: BAR${i} 32-bit size ${d.size} > 2 GiB`);
    if (d.kind === 'mem64' && d.size > 2 ** 52)
      throw new Error(`PciDevice ${n}: BAR${i} 64-bit size ${d.size} > 2^52`);
    if (d.kind === 'mem64' && i + 1 >= this.barCount)
      throw new Error(`PciDevice ${n}: 64-bit BAR${i} needs BAR${i + 1} too`);
    if (d.kind === 'io' && d.backing)
      throw new Error(`PciDevice ${n}: BAR${i}: I/O BARs take a handler, not backing`);
    if (!d.handler && !d.backing) throw new Error(`PciDevice ${n}: BAR${i} needs a handler or backing`);
    if (d.backing && d.backing.length !== d.size) {
      throw new Error(`PciDevice ${n}: BAR${i} backing is ${d.backing.length} bytes, BAR size is ${d.size}`);
    }
    // Type bits (read-only) and size mask (QEMU pci_register_bar: wmask = ~(size - 1)).
    if (d.kind === 'io') {
      cfg.set32(off, PCI_BASE_ADDRESS_SPACE_IO);
      cfg.setWritable(off, 4, ~(d.size - 1) & 0xfffffffc);
    } else {
      const type =
        (d.kind === 'mem64' ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
        (d.prefetchable ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
      cfg.set32(off, type);
      if (d.size >= TWO_32) {
        cfg.setWritable(off, 4, 0);
        cfg.setWritable(off + 4, 4, ~(d.size / TWO_32 - 1) >>> 0);
      } else {
        cfg.setWritable(off, 4, ~(d.size - 1) & 0xfffffff0);
        if (d.kind === 'mem64') cfg.setWritable(off + 4, 4, 0xffffffff);
      }
      if (d.kind === 'mem64') cfg.set32(off + 4, 0);
    }
    const handler = d.handler ?? new ByteArrayHandler(d.backing!);
    this.bars[i] = {
      index: i,
      kind: d.kind,
      size: d.size,
      offset: off,
      space: d.kind === 'io' ? 'io' : 'mem',
      name: d.name ?? `${this.name} BAR${i}`,
      handler,
      romData: null,
      address: -1,
      handle: null,
    };
    if (d.kind === 'mem64') this.bars[i + 1] = this.bars[i]; // marks the upper half as taken
  }

  private defineRom(r: RomDefinition, off: number): void {
    const n = this.name;
    if (!r.data && !r.handler) throw new Error(`PciDevice ${n}: ROM needs data or a handler`);
    const size = r.size ?? nextPow2(Math.max(r.data ? r.data.length : 0, 2048));
    if (!isPow2(size) || size < 2048 || size > 0x8000_0000) {
      throw new Error(`PciDevice ${n}: ROM size ${size} must be a power of two in 2 KiB..2 GiB`);
    }
    let romData: Uint8Array | null = null;
    if (r.data) {
      if (r.data.length > size)
        throw new Error(`PciDevice ${n}: ROM data (${r.data.length} bytes) exceeds ROM size ${size}`);
      romData = new Uint8Array(size);
      romData.set(r.data);
    }
    // QEMU pci_register_bar for PCI_ROM_SLOT: wmask = ~(size - 1) | PCI_ROM_ADDRESS_ENABLE.
    this.config.set32(off, 0);
    this.config.setWritable(off, 4, ((~(size - 1) & 0xfffff800) | PCI_ROM_ADDRESS_ENABLE) >>> 0);
    this.bars[PCI_ROM_SLOT] = {
      index: PCI_ROM_SLOT,
      kind: 'rom',
      size,
      offset: off,
      space: 'mem',
      name: r.name ?? `${this.name} ROM`,
      handler: r.handler ?? null,
      romData,
      address: -1,
      handle: null,
    };
  }

  /** Current BDF (bus number can change when an upstream bridge is reprogrammed), or -1. */
  get bdf(): number {
    if (!this.bus || this.devfn < 0) return -1;
    return (this.bus.number << 8) | this.devfn;
  }

  get isMultifunction(): boolean {
    return (this.config.bytes[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MULTI_FUNCTION) !== 0;
  }

  /**
   * Guest config read (offset within the config space, size 1/2/4; the host guarantees the access
   * lies inside the space). Override to add side effects; call super for the stored value.
   */
  configRead(offset: number, size: number): number {
    return this.config.read(offset, size);
  }

  /**
   * Guest config write. The default merges through the masks and, when the access touches the
   * command register, a BAR or the ROM BAR, re-evaluates the BAR mappings (as QEMU
   * pci_default_write_config → pci_update_mappings). Override and call super.
   */
  configWrite(offset: number, size: number, value: number): void {
    this.config.write(offset, size, value);
    const end = offset + size;
    const romOff = this.bars[PCI_ROM_SLOT]?.offset ?? PCI_ROM_ADDRESS;
    // COMMAND.INTX_DISABLE (bit 10) gates the line (QEMU pci_update_irq_disabled).
    if (offset < PCI_COMMAND + 2 && end > PCI_COMMAND + 1) this.propagateIntx();
    if (
      (offset < PCI_COMMAND + 2 && end > PCI_COMMAND) ||
      (offset < PCI_BASE_ADDRESS_0 + 4 * this.barCount && end > PCI_BASE_ADDRESS_0) ||
      (offset < romOff + 4 && end > romOff)
    ) {
      this.updateMappings();
    }
  }

  /**
   * Drive this function's INTx# line (the pin in config 0x3d; a function without a pin ignores
   * this). As QEMU pci_irq_handler: the status register's interrupt bit follows the requested
   * level; the line reaches the router only while COMMAND.INTX_DISABLE is clear. Behind bridges the
   * pin is swizzled ((pin + slot) % 4 at each bridge, QEMU pci_swizzle_map_irq_fn) and the root bus
   * reports (slot, pin, level) — level being the OR of every function sharing it — to `onIntx`.
   */
  setIrq(level: boolean): void {
    const pin = this.config.bytes[PCI_INTERRUPT_PIN];
    if (pin < 1 || pin > 4) return;
    this.intxRequested = level;
    const st = this.config.bytes;
    if (level) st[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    else st[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    this.propagateIntx();
  }

  /** True while the function requests an interrupt (status bit 3). */
  get irqLevel(): boolean {
    return this.intxRequested;
  }

  private propagateIntx(): void {
    const pin = this.config.bytes[PCI_INTERRUPT_PIN];
    const disabled = (this.config.get16(PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE) !== 0;
    const effective = this.intxRequested && !disabled && pin >= 1 && pin <= 4 && this.bus !== null;
    if (effective === this.intxAsserted) return;
    this.intxAsserted = effective;
    const bus = this.bus;
    if (!bus) return;
    bus.routeIntx(this.devfn, (this.intxPin = pin - 1), effective ? 1 : -1);
    if (bus.hasListener)
      bus.emit({ kind: 'pci-intx', bdf: this.bdf, device: this.name, pin: pin - 1, level: effective });
  }

  /** @internal drop the line (reset, unplug). */
  deassertIntx(): void {
    this.intxRequested = false;
    this.config.bytes[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    if (this.intxAsserted && this.bus) {
      this.intxAsserted = false;
      this.bus.routeIntx(this.devfn, this.intxPin, -1);
      if (this.bus.hasListener) {
        this.bus.emit({
          kind: 'pci-intx',
          bdf: this.bdf,
          device: this.name,
          pin: this.intxPin,
          level: false,
        });
      }
    }
  }

  /** Re-evaluate where each BAR decodes and (un)map regions accordingly. */
  updateMappings(): void {
    const cmd = this.config.get16(PCI_COMMAND);
    for (let i = 0; i < this.bars.length; i++) {
      const b = this.bars[i];
      if (!b || b.index !== i) continue;
      let addr = pciBarAddress(this.config, b.offset, b.kind, b.size, cmd);
      if (addr >= 0 && this.bus && !this.bus.forwards(b.space, addr, b.size)) addr = -1;
      if (addr !== b.address) this.mapSlot(b, addr);
    }
  }

  private mapSlot(b: BarSlot, addr: number): void {
    const bus = this.bus;
    const old = b.address;
    const space = bus ? (b.space === 'io' ? bus.io : bus.memory) : null;
    if (addr < 0) {
      b.address = -1;
      if (b.handle) {
        try {
          b.handle.setEnabled(false);
        } catch {
          // Disabling cannot meaningfully fail; keep going.
        }
      }
      if (bus?.hasListener) {
        bus.emit({
          kind: 'pci-bar-unmapped',
          bdf: this.bdf,
          device: this.name,
          bar: b.index,
          space: b.space,
          address: old,
        });
      }
      return;
    }
    if (!bus || !space) {
      // Not attached to an address space: remember the decode so state and tests can see it.
      b.address = addr;
      return;
    }
    try {
      if (b.handle) {
        if (b.handle.base !== addr) b.handle.move(addr);
        if (!b.handle.enabled) b.handle.setEnabled(true);
      } else if (b.space === 'io') {
        b.handle = bus.io!.addPio(b.name, addr, b.size, b.handler!, bus.ioBarOpts);
      } else if (b.romData) {
        b.handle = bus.memory!.addRom(b.name, addr, b.romData, bus.memBarOpts);
      } else {
        b.handle = bus.memory!.addMmio(b.name, addr, b.size, b.handler!, bus.memBarOpts);
      }
      b.address = addr;
    } catch (err) {
      // A guest-chosen address the bus refuses (e.g. an address beyond its range): leave it
      // unmapped and report, never throw into the guest's config write.
      b.address = -1;
      if (b.handle?.enabled) {
        try {
          b.handle.setEnabled(false);
        } catch {
          // ignore
        }
      }
      bus.emit({
        kind: 'pci-bar-map-failed',
        bdf: this.bdf,
        device: this.name,
        bar: b.index,
        space: b.space,
        address: addr,
        size: b.size,
        error: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    if (bus.hasListener) {
      bus.emit({
        kind: 'pci-bar-mapped',
        bdf: this.bdf,
        device: this.name,
        bar: b.index,
        space: b.space,
        address: addr,
        size: b.size,
      });
    }
  }

  /** Remove every region this function registered (called when it is removed from its bus). */
  unmapAll(): void {
    for (let i = 0; i < this.bars.length; i++) {
      const b = this.bars[i];
      if (!b || b.index !== i) continue;
      if (b.handle) b.handle.remove();
      b.handle = null;
      b.address = -1;
    }
  }

  /** BAR description and current decode; `bar` 0..5 or 6 (PCI_ROM_SLOT). Undefined if absent. */
  barInfo(bar: number): BarState | undefined {
    const b = this.bars[bar];
    if (!b || b.index !== bar) return undefined;
    return { bar, kind: b.kind, size: b.size, address: b.address < 0 ? null : b.address };
  }

  /** All defined BARs (ROM last). */
  barInfos(): BarState[] {
    const out: BarState[] = [];
    for (let i = 0; i < this.bars.length; i++) {
      const info = this.barInfo(i);
      if (info) out.push(info);
    }
    return out;
  }

  /**
   * Reset as QEMU pci_do_device_reset: clear the writable command bits, the W1C status bits,
   * cache line size, interrupt line, BARs (keeping their type bits) and the ROM BAR; then remap.
   */
  reset(): void {
    this.deassertIntx();
    const cfg = this.config;
    cfg.set16(
      PCI_COMMAND,
      cfg.get16(PCI_COMMAND) & ~(cfg.wmask[PCI_COMMAND] | (cfg.wmask[PCI_COMMAND + 1] << 8)),
    );
    cfg.set16(
      PCI_STATUS,
      cfg.get16(PCI_STATUS) & ~(cfg.w1cmask[PCI_STATUS] | (cfg.w1cmask[PCI_STATUS + 1] << 8)),
    );
    cfg.set8(PCI_CACHE_LINE_SIZE, 0);
    cfg.set8(PCI_INTERRUPT_LINE, 0);
    for (let i = 0; i < this.bars.length; i++) {
      const b = this.bars[i];
      if (!b || b.index !== i) continue;
      const wm =
        (cfg.wmask[b.offset] |
          (cfg.wmask[b.offset + 1] << 8) |
          (cfg.wmask[b.offset + 2] << 16) |
          (cfg.wmask[b.offset + 3] << 24)) >>>
        0;
      cfg.set32(b.offset, cfg.get32(b.offset) & ~wm);
      if (b.kind === 'mem64') cfg.set32(b.offset + 4, 0);
    }
    this.updateMappings();
  }

  /** State as data: the emulated config bytes and the BAR decode. */
  getState(): PciDeviceState {
    return { config: Array.from(this.config.bytes), bars: this.barInfos() };
  }

  /** Restore config bytes from getState() and re-derive the BAR mappings from them. */
  setState(state: PciDeviceState): void {
    if (!state || (!Array.isArray(state.config) && !((state.config as unknown) instanceof Uint8Array))) {
      throw new Error(`PciDevice ${this.name}: setState: state.config must be a byte array`);
    }
    this.config.restore(state.config);
    this.updateMappings();
  }
}
