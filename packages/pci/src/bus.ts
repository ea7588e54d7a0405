// PCI buses (32 slots × 8 functions) and PCI-to-PCI bridges (type 1 header).

import type { IoBusApi, MemoryBusApi } from '@vmkit/memory-bus';
import { bdfBus, formatBdf } from './bdf.js';
import { PCI_CLASS_BRIDGE_PCI } from './class-code.js';
import {
  PCI_BRIDGE_CONTROL,
  PCI_COMMAND,
  PCI_COMMAND_IO,
  PCI_COMMAND_MEMORY,
  PCI_HEADER_TYPE_BRIDGE,
  PCI_IO_BASE,
  PCI_IO_BASE_UPPER16,
  PCI_IO_LIMIT,
  PCI_IO_LIMIT_UPPER16,
  PCI_IO_RANGE_MASK,
  PCI_IO_RANGE_TYPE_32,
  PCI_MEMORY_BASE,
  PCI_MEMORY_LIMIT,
  PCI_MEMORY_RANGE_MASK,
  PCI_PREF_BASE_UPPER32,
  PCI_PREF_LIMIT_UPPER32,
  PCI_PREF_MEMORY_BASE,
  PCI_PREF_MEMORY_LIMIT,
  PCI_PREF_RANGE_MASK,
  PCI_PREF_RANGE_TYPE_64,
  PCI_PRIMARY_BUS,
  PCI_SEC_STATUS,
  PCI_SECONDARY_BUS,
  PCI_STATUS_66MHZ,
  PCI_STATUS_FAST_BACK,
  PCI_STATUS_W1C_BITS,
  PCI_SUBORDINATE_BUS,
} from './constants.js';
import { PciDevice, type PciDeviceOptions } from './device.js';
import type { PciEvent, PciEventListener } from './events.js';

export interface PciBusOptions {
  /** Address spaces BARs are mapped into (root bus; secondary buses inherit). */
  memory?: MemoryBusApi;
  io?: IoBusApi;
  /**
   * Priority of memory BAR regions. Default -1: QEMU's pc machine maps the PCI address space
   * under system memory at priority -1 (hw/i386/pc.c pc_pci_as_mapping_init), so RAM and
   * chipset MMIO win over a BAR programmed on top of them.
   */
  memBarPriority?: number;
  /** Priority of I/O BAR regions. Default 1 (QEMU pci_update_mappings adds BARs at priority 1). */
  ioBarPriority?: number;
  onEvent?: PciEventListener;
  /**
   * INTx routing out of the root bus: called when the OR of the INTx lines arriving at root slot
   * `slot` on pin `pin` (0 = INTA#) changes. The board maps (slot, pin) to an interrupt (PIIX:
   * PIRQ[(slot + pin) & 3], QEMU pci_slot_get_pirq) and ORs lines that share it.
   */
  onIntx?: (slot: number, pin: number, level: boolean) => void;
}

export class PciBus {
  /** The bridge whose secondary side this bus is, or null for a root bus. */
  readonly parentBridge: PciBridge | null;
  readonly memory: MemoryBusApi | null;
  readonly io: IoBusApi | null;
  readonly memBarPriority: number;
  readonly ioBarPriority: number;
  /** @internal Registration options for BAR regions. `mayOverlap` (an extra option of the
   * @vmkit/memory-bus classes, ignored by other implementations) lets guest-programmed BARs overlap
   * each other as on real hardware, the most recently mapped one winning. */
  readonly memBarOpts: { priority: number; mayOverlap: boolean };
  readonly ioBarOpts: { priority: number; mayOverlap: boolean };
  private readonly root: PciBus;
  private listener: PciEventListener | null;
  private readonly slots: (PciDevice | null)[] = new Array<PciDevice | null>(256).fill(null);
  private readonly bridges: PciBridge[] = [];
  private intxListener: ((slot: number, pin: number, level: boolean) => void) | null;
  /** Root bus: number of asserted functions per (slot, pin). */
  private readonly intxCount = new Int32Array(32 * 4);

  constructor(opts: PciBusOptions = {}, parentBridge: PciBridge | null = null) {
    this.parentBridge = parentBridge;
    const parentBus = parentBridge?.bus ?? null;
    if (parentBridge && !parentBus)
      throw new Error('PciBus: a secondary bus needs its bridge attached first');
    this.root = parentBus ? parentBus.root : this;
    this.memory = parentBus ? parentBus.memory : (opts.memory ?? null);
    this.io = parentBus ? parentBus.io : (opts.io ?? null);
    this.memBarPriority = parentBus ? parentBus.memBarPriority : (opts.memBarPriority ?? -1);
    this.ioBarPriority = parentBus ? parentBus.ioBarPriority : (opts.ioBarPriority ?? 1);
    this.listener = opts.onEvent ?? null;
    this.intxListener = opts.onIntx ?? null;
    this.memBarOpts = { priority: this.memBarPriority, mayOverlap: true };
    this.ioBarOpts = { priority: this.ioBarPriority, mayOverlap: true };
  }

  /** Bus number: 0 for a root bus, the bridge's secondary bus number register otherwise. */
  get number(): number {
    return this.parentBridge ? this.parentBridge.config.bytes[PCI_SECONDARY_BUS] : 0;
  }

  /** Set (or clear with null) the event listener of the whole hierarchy. */
  setListener(listener: PciEventListener | null): void {
    this.root.listener = listener;
  }

  /** Set (or clear) the INTx router of the hierarchy (see PciBusOptions.onIntx). */
  setIntxListener(listener: ((slot: number, pin: number, level: boolean) => void) | null): void {
    this.root.intxListener = listener;
  }

  /** Current OR-ed level at root slot `slot`, pin `pin` (0..3). */
  intxLevel(slot: number, pin: number): boolean {
    return this.root.intxCount[((slot & 31) << 2) | (pin & 3)] > 0;
  }

  /** @internal a function at `devfn` on this bus changed its effective INTx line by `delta` (±1). */
  routeIntx(devfn: number, pin: number, delta: number): void {
    const br = this.parentBridge;
    if (br?.bus) {
      br.bus.routeIntx(br.devfn, (pin + (devfn >>> 3)) & 3, delta);
      return;
    }
    const i = ((devfn >>> 3) << 2) | (pin & 3);
    const before = this.intxCount[i];
    const after = before + delta;
    this.intxCount[i] = after;
    if (before > 0 !== after > 0 && this.intxListener) this.intxListener(devfn >>> 3, pin & 3, after > 0);
  }

  get hasListener(): boolean {
    return this.root.listener !== null;
  }

  emit(e: PciEvent): void {
    const l = this.root.listener;
    if (l) l(e);
  }

  /**
   * Plug `device` in at `dev`.`fn`. Follows QEMU's rules (hw/pci/pci.c do_pci_register_device):
   * the slot must be free, and a slot with functions other than 0 needs function 0 to have the
   * multifunction header bit. Throws a clear Error otherwise (host-side misuse).
   */
  addDevice(device: PciDevice, dev: number, fn = 0): PciDevice {
    if (!(device instanceof PciDevice)) throw new Error('PciBus.addDevice: not a PciDevice');
    if (!Number.isInteger(dev) || dev < 0 || dev > 31)
      throw new Error(`PciBus.addDevice(${device.name}): device ${dev} not in 0..31`);
    if (!Number.isInteger(fn) || fn < 0 || fn > 7)
      throw new Error(`PciBus.addDevice(${device.name}): function ${fn} not in 0..7`);
    if (device.bus)
      throw new Error(
        `PciBus.addDevice(${device.name}): already on a bus at devfn 0x${device.devfn.toString(16)}`,
      );
    const df = (dev << 3) | fn;
    const where = `${dev.toString(16).padStart(2, '0')}.${fn}`;
    const taken = this.slots[df];
    if (taken) throw new Error(`PciBus.addDevice(${device.name}): slot ${where} is taken by ${taken.name}`);
    const f0 = this.slots[dev << 3];
    if (fn !== 0 && f0 && !f0.isMultifunction) {
      throw new Error(
        `PciBus.addDevice(${device.name}): function 0 of slot ${dev} (${f0.name}) is single-function; set multifunction on it`,
      );
    }
    if (fn === 0 && !device.isMultifunction) {
      for (let f = 1; f < 8; f++) {
        const other = this.slots[(dev << 3) | f];
        if (other)
          throw new Error(
            `PciBus.addDevice(${device.name}): slot ${dev} already has function ${f} (${other.name}); function 0 must set multifunction`,
          );
      }
    }
    this.slots[df] = device;
    device.bus = this;
    device.devfn = df;
    if (device instanceof PciBridge) {
      this.bridges.push(device);
      device.attached();
    }
    device.updateMappings();
    return device;
  }

  /** Unplug the function at devfn (unmapping its BARs). Returns it, or null if the slot was empty. */
  removeDevice(devfn: number): PciDevice | null {
    const d = this.slots[devfn & 0xff];
    if (!d) return null;
    d.deassertIntx();
    d.unmapAll();
    this.slots[devfn & 0xff] = null;
    const bi = this.bridges.indexOf(d as PciBridge);
    if (bi >= 0) this.bridges.splice(bi, 1);
    d.bus = null;
    d.devfn = -1;
    // Functions behind an unplugged bridge are cut off: unmap their BARs.
    if (d instanceof PciBridge) d.secondaryBus.updateAllMappings();
    return d;
  }

  /** The function registered at devfn, regardless of visibility rules. */
  deviceAt(devfn: number): PciDevice | null {
    return this.slots[devfn & 0xff];
  }

  /**
   * The function that answers config cycles at devfn: functions 1..7 are visible only when
   * function 0 of the slot exists (QEMU pci_host_config_read_common / PCI 3.0 §3.2.2.3.4 scanning).
   */
  visibleDevice(devfn: number): PciDevice | null {
    const d = this.slots[devfn & 0xff];
    if (!d) return null;
    if ((devfn & 7) !== 0 && !this.slots[devfn & 0xf8]) return null;
    return d;
  }

  /** Registered functions in devfn order. */
  devices(): PciDevice[] {
    const out: PciDevice[] = [];
    for (const d of this.slots) if (d) out.push(d);
    return out;
  }

  /**
   * Route a bus number to a bus below this one (type 1 config forwarding, PCI-to-PCI Bridge spec
   * §3.1.2.1): a bridge claims bus numbers secondary..subordinate; `n === secondary` becomes a
   * type 0 cycle on its secondary bus. Null when no bridge claims it. Allocation-free.
   */
  findBus(n: number): PciBus | null {
    if (n === this.number) return this;
    const br = this.bridges;
    for (let i = 0; i < br.length; i++) {
      const b = br[i].config.bytes;
      const sec = b[PCI_SECONDARY_BUS];
      if (sec !== 0 && sec <= n && n <= b[PCI_SUBORDINATE_BUS]) return br[i].secondaryBus.findBus(n);
    }
    return null;
  }

  /** True when a transaction to [addr, addr+size) in `space` reaches this bus from the host. */
  forwards(space: 'mem' | 'io', addr: number, size: number): boolean {
    let bus: PciBus | null = this;
    while (bus.parentBridge) {
      if (!bus.parentBridge.forwards(space, addr, size)) return false;
      bus = bus.parentBridge.bus;
      if (!bus) return false; // the bridge was unplugged: nothing reaches this bus
    }
    return true;
  }

  /** Re-evaluate BAR mappings of every function on this bus and below (after a bridge change). */
  updateAllMappings(): void {
    for (const d of this.slots) {
      if (!d) continue;
      d.updateMappings();
      if (d instanceof PciBridge) d.secondaryBus.updateAllMappings();
    }
  }

  /** Every function on this bus and below, depth first, with its current BDF. */
  walk(): Array<{ bdf: number; device: PciDevice }> {
    const out: Array<{ bdf: number; device: PciDevice }> = [];
    for (const d of this.slots) {
      if (!d) continue;
      out.push({ bdf: d.bdf, device: d });
      if (d instanceof PciBridge) out.push(...d.secondaryBus.walk());
    }
    return out;
  }

  describe(): string[] {
    return this.walk().map(({ bdf, device }) => `${formatBdf(bdf)} ${device.name} (bus ${bdfBus(bdf)})`);
  }
}

export interface PciBridgeOptions
  extends Omit<PciDeviceOptions, 'classCode' | 'subsystemId' | 'subsystemVendorId'> {
  classCode?: number;
}

/** A window a bridge forwards (inclusive limit); null when base > limit (closed). */
export interface BridgeWindow {
  base: number;
  limit: number;
}

/**
 * A transparent PCI-to-PCI bridge (type 1 header). Write masks and reset values follow QEMU
 * hw/pci/pci_bridge.c pci_bridge_initfn / pci_init_mask_bridge: bus numbers writable; 16-bit I/O
 * window (4 KiB granularity), 32-bit memory window and 64-bit prefetchable window (1 MiB
 * granularity); secondary status error bits W1C.
 */
export class PciBridge extends PciDevice {
  private secBus: PciBus | null = null;

  constructor(opts: PciBridgeOptions) {
    super({ ...opts, classCode: opts.classCode ?? PCI_CLASS_BRIDGE_PCI << 8 }, PCI_HEADER_TYPE_BRIDGE);
    const c = this.config;
    c.setWritable(PCI_PRIMARY_BUS, 4, 0xffffffff);
    c.set8(PCI_IO_BASE, 0); // PCI_IO_RANGE_TYPE_16
    c.set8(PCI_IO_LIMIT, 0);
    c.setWritable(PCI_IO_BASE, 1, PCI_IO_RANGE_MASK);
    c.setWritable(PCI_IO_LIMIT, 1, PCI_IO_RANGE_MASK);
    c.setWritable(PCI_SEC_STATUS, 2, 0);
    c.setW1C(PCI_SEC_STATUS, 2, PCI_STATUS_W1C_BITS);
    // QEMU pci_bridge_initfn: secondary status reports 66 MHz and fast back-to-back capable.
    c.set16(PCI_SEC_STATUS, PCI_STATUS_66MHZ | PCI_STATUS_FAST_BACK);
    c.setWritable(PCI_MEMORY_BASE, 2, PCI_MEMORY_RANGE_MASK);
    c.setWritable(PCI_MEMORY_LIMIT, 2, PCI_MEMORY_RANGE_MASK);
    c.set16(PCI_PREF_MEMORY_BASE, PCI_PREF_RANGE_TYPE_64);
    c.set16(PCI_PREF_MEMORY_LIMIT, PCI_PREF_RANGE_TYPE_64);
    c.setWritable(PCI_PREF_MEMORY_BASE, 2, PCI_PREF_RANGE_MASK);
    c.setWritable(PCI_PREF_MEMORY_LIMIT, 2, PCI_PREF_RANGE_MASK);
    c.setWritable(PCI_PREF_BASE_UPPER32, 4, 0xffffffff);
    c.setWritable(PCI_PREF_LIMIT_UPPER32, 4, 0xffffffff);
    c.setWritable(PCI_IO_BASE_UPPER16, 4, 0); // 16-bit I/O decode only
    // Bridge control: parity, SERR, ISA, VGA, VGA16, master abort, bus reset, fast b2b,
    // discard timers (QEMU pci_init_mask_bridge); discard timer status is W1C.
    c.setWritable(PCI_BRIDGE_CONTROL, 2, 0x0bff);
    c.setW1C(PCI_BRIDGE_CONTROL, 2, 0x0400);
  }

  /** The bus behind the bridge (exists once the bridge is on a bus). */
  get secondaryBus(): PciBus {
    if (!this.secBus) throw new Error(`PciBridge ${this.name}: not attached to a bus yet`);
    return this.secBus;
  }

  /** @internal called by PciBus.addDevice. */
  attached(): void {
    if (!this.secBus) this.secBus = new PciBus({}, this);
  }

  override configWrite(offset: number, size: number, value: number): void {
    super.configWrite(offset, size, value);
    const end = offset + size;
    // Command or any window register (0x1c..0x33) or bridge control changed: the set of
    // transactions forwarded downstream changed.
    if (
      this.secBus &&
      ((offset < PCI_COMMAND + 2 && end > PCI_COMMAND) ||
        (offset < PCI_IO_LIMIT_UPPER16 + 2 && end > PCI_IO_BASE) ||
        (offset < PCI_BRIDGE_CONTROL + 2 && end > PCI_BRIDGE_CONTROL))
    ) {
      this.secBus.updateAllMappings();
    }
  }

  override reset(): void {
    const c = this.config;
    c.set32(PCI_PRIMARY_BUS, 0);
    c.set8(PCI_IO_BASE, 0);
    c.set8(PCI_IO_LIMIT, 0);
    c.set32(PCI_MEMORY_BASE, 0);
    c.set16(PCI_PREF_MEMORY_BASE, PCI_PREF_RANGE_TYPE_64);
    c.set16(PCI_PREF_MEMORY_LIMIT, PCI_PREF_RANGE_TYPE_64);
    c.set32(PCI_PREF_BASE_UPPER32, 0);
    c.set32(PCI_PREF_LIMIT_UPPER32, 0);
    c.set16(PCI_BRIDGE_CONTROL, 0);
    super.reset();
    this.secBus?.updateAllMappings();
  }

  /** I/O window (PCI-to-PCI Bridge spec §3.2.5.6; QEMU pci_bridge_get_base/limit). */
  ioWindow(): BridgeWindow | null {
    const c = this.config;
    const b = c.bytes[PCI_IO_BASE];
    const l = c.bytes[PCI_IO_LIMIT];
    let base = (b & PCI_IO_RANGE_MASK) << 8;
    let limit = ((l & PCI_IO_RANGE_MASK) << 8) | 0xfff;
    if ((b & 0xf) === PCI_IO_RANGE_TYPE_32) base += c.get16(PCI_IO_BASE_UPPER16) * 0x10000;
    if ((l & 0xf) === PCI_IO_RANGE_TYPE_32) limit += c.get16(PCI_IO_LIMIT_UPPER16) * 0x10000;
    return base <= limit ? { base, limit } : null;
  }

  /** Non-prefetchable memory window (§3.2.5.8), 1 MiB granularity. */
  memoryWindow(): BridgeWindow | null {
    const c = this.config;
    const base = (c.get16(PCI_MEMORY_BASE) & PCI_MEMORY_RANGE_MASK) * 0x10000;
    const limit = (c.get16(PCI_MEMORY_LIMIT) & PCI_MEMORY_RANGE_MASK) * 0x10000 + 0xfffff;
    return base <= limit ? { base, limit } : null;
  }

  /** Prefetchable memory window (§3.2.5.9-10), 64-bit when the type bits say so. */
  prefetchableWindow(): BridgeWindow | null {
    const c = this.config;
    const bw = c.get16(PCI_PREF_MEMORY_BASE);
    const lw = c.get16(PCI_PREF_MEMORY_LIMIT);
    let base = (bw & PCI_PREF_RANGE_MASK) * 0x10000;
    let limit = (lw & PCI_PREF_RANGE_MASK) * 0x10000 + 0xfffff;
    if ((bw & 0xf) === PCI_PREF_RANGE_TYPE_64) base += c.get32(PCI_PREF_BASE_UPPER32) * 0x1_0000_0000;
    if ((lw & 0xf) === PCI_PREF_RANGE_TYPE_64) limit += c.get32(PCI_PREF_LIMIT_UPPER32) * 0x1_0000_0000;
    return base <= limit ? { base, limit } : null;
  }

  /**
   * Does this bridge pass [addr, addr+size) downstream? Needs the command register's I/O or
   * memory enable and the range entirely inside a window (a BAR straddling a window edge is
   * treated as not forwarded; QEMU would expose the overlapping part).
   */
  forwards(space: 'mem' | 'io', addr: number, size: number): boolean {
    const cmd = this.config.get16(PCI_COMMAND);
    const last = addr + size - 1;
    if (space === 'io') {
      if ((cmd & PCI_COMMAND_IO) === 0) return false;
      const w = this.ioWindow();
      return w !== null && addr >= w.base && last <= w.limit;
    }
    if ((cmd & PCI_COMMAND_MEMORY) === 0) return false;
    const m = this.memoryWindow();
    if (m && addr >= m.base && last <= m.limit) return true;
    const p = this.prefetchableWindow();
    return p !== null && addr >= p.base && last <= p.limit;
  }
}
