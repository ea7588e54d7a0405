// Host bridge access to config space: configuration mechanism #1 (PCI Local Bus Spec 3.0
// §3.2.2.3.2; ports 0xCF8/0xCFC) and ECAM / MMCONFIG (PCI Express Base Spec §7.2.2).
//
// Behaviour follows QEMU hw/pci/pci_host.c and hw/pci/pcie_host.c, checked against
// qemu-system-i386 through qtest (test/qemu-oracle.test.ts):
//  - 0xCF8 latches only on a 32-bit write at 0xCF8 itself (pci_host_config_write: addr != 0 ||
//    len != 4 → ignored) and reads back what was written, all 32 bits. A narrower read anywhere in
//    0xCF8..0xCFB returns the low bytes of the latch (pci_host_config_read returns config_reg and
//    the memory core masks it to the access width).
//  - 0xCFC..0xCFF: with bit 31 of CONFIG_ADDRESS clear, reads return all-ones and writes are dropped
//    (pci_host_data_read/write). Otherwise the access at byte lane L goes to bus (addr >> 16) & 0xff,
//    devfn (addr >> 8) & 0xff, register (addr | L) & 0xff — QEMU ORs the lane into the latched
//    value, so latched bits 1:0 offset the register (pci_data_read(s->bus, s->config_reg | (addr & 3))).
//  - A function that is absent (or hidden because function 0 is absent) reads all-ones; writes
//    are dropped (pci_data_read/write: "empty").
//  - pci_host_config_read_common: an access starting at or beyond the function's config size
//    (limit) reads all-ones / is dropped; one that starts inside but runs past it is shortened to
//    limit - offset bytes (the missing high bytes read 0). Via ECAM the limit is the function's
//    config size, so a conventional function reads all-ones at 0x100..0xfff (pcie_mmcfg_data_read);
//    via mechanism #1 it is 256.
//  - Misaligned accesses (a 32-bit access at 0xCFD, a 16-bit access at 0xCFF, a 32-bit access at
//    0xCFA) are split as QEMU's memory core splits them (memory_access_size): the next piece is the
//    largest power of two ≤ the remaining length, ≤ 4, ≤ the alignment of the port, and not
//    crossing the 0xCF8/0xCFC register boundary; bytes past 0xCFF read 0xff. (An x86 CPU likewise
//    turns a misaligned I/O access into byte-enabled cycles.) ECAM splits the same way.

import type { AccessSize, IoBusApi, IoHandler, MemoryBusApi, RegionHandle } from '@vmkit/memory-bus';
import { bdfBus, bdfDevfn } from './bdf.js';
import { PciBus, type PciBusOptions } from './bus.js';
import {
  PCI_CONFIG_ADDRESS_ENABLE,
  PCI_CONFIG_ADDRESS_PORT,
  PCI_CONFIG_SPACE_SIZE,
  PCIE_CONFIG_SPACE_SIZE,
} from './constants.js';
import type { PciDevice, PciDeviceState } from './device.js';
import type { PciEventListener } from './events.js';

export interface PciHostState {
  configAddress: number;
  devices: Array<{ bdf: number; name: string; state: PciDeviceState }>;
}

const ONES = [0, 0xff, 0xffff, 0xffffff, 0xffffffff];

/** QEMU memory_access_size for a region taking aligned 1..4-byte accesses: the length of the next
 * piece of an access at `pos` (alignment taken from pos) with `remaining` bytes, `room` bytes
 * left in the register. */
function pieceLength(pos: number, remaining: number, room: number): number {
  let l = Math.min(remaining, room);
  if (l > 4) l = 4;
  const align = pos & -pos;
  if (align !== 0 && align < l) l = align;
  return l >= 4 ? 4 : l >= 2 ? 2 : 1;
}

/** Mechanism #1 as an IoHandler for the 8 ports 0xCF8..0xCFF (offset 0 = 0xCF8). */
class Mechanism1Handler implements IoHandler {
  constructor(private readonly host: PciHost) {}

  read(offset: number, size: AccessSize): number {
    const h = this.host;
    if (offset === 0 && size === 4) return h.configAddress;
    if (offset >= 4 && offset + size <= 8 && (offset & (size - 1)) === 0) return h.dataRead(offset - 4, size);
    let v = 0;
    let pos = offset;
    const end = offset + size;
    while (pos < end) {
      if (pos < 0 || pos >= 8) {
        v |= 0xff << ((pos - offset) * 8);
        pos++;
        continue;
      }
      // Offsets are relative to 0xCF8, which is 8-aligned, so pos's alignment is the port's.
      const l = pieceLength(pos === 0 ? 8 : pos, end - pos, pos < 4 ? 4 - pos : 8 - pos);
      const piece = pos < 4 ? h.configAddress & ONES[l] : h.dataRead(pos - 4, l);
      v |= piece << ((pos - offset) * 8);
      pos += l;
    }
    return v >>> 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    const h = this.host;
    if (offset === 0 && size === 4) {
      h.configAddress = value >>> 0;
      return;
    }
    let pos = offset;
    const end = offset + size;
    while (pos < end) {
      if (pos < 4 || pos >= 8) {
        // Partial writes to 0xCF8..0xCFB do not latch (QEMU pci_host_config_write).
        pos++;
        continue;
      }
      const l = pieceLength(pos, end - pos, 8 - pos);
      h.dataWrite(pos - 4, l, (value >>> ((pos - offset) * 8)) & ONES[l]);
      pos += l;
    }
  }
}

/** ECAM / MMCONFIG as an MMIO IoHandler: offset = bus << 20 | devfn << 12 | register. */
class EcamHandler implements IoHandler {
  constructor(
    private readonly host: PciHost,
    private readonly size: number,
  ) {}

  read(offset: number, size: AccessSize): number {
    if ((offset & (size - 1)) === 0 && offset >= 0 && offset + size <= this.size) {
      return this.host.access(false, offset >>> 12, offset & 0xfff, size, 0, PCIE_CONFIG_SPACE_SIZE);
    }
    let v = 0;
    let pos = offset;
    const end = offset + size;
    while (pos < end) {
      if (pos < 0 || pos >= this.size) {
        v |= 0xff << ((pos - offset) * 8);
        pos++;
        continue;
      }
      const l = pieceLength(pos, end - pos, this.size - pos);
      v |=
        this.host.access(false, pos >>> 12, pos & 0xfff, l, 0, PCIE_CONFIG_SPACE_SIZE) <<
        ((pos - offset) * 8);
      pos += l;
    }
    return v >>> 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    if ((offset & (size - 1)) === 0 && offset >= 0 && offset + size <= this.size) {
      this.host.access(true, offset >>> 12, offset & 0xfff, size, value, PCIE_CONFIG_SPACE_SIZE);
      return;
    }
    let pos = offset;
    const end = offset + size;
    while (pos < end) {
      if (pos < 0 || pos >= this.size) {
        pos++;
        continue;
      }
      const l = pieceLength(pos, end - pos, this.size - pos);
      this.host.access(
        true,
        pos >>> 12,
        pos & 0xfff,
        l,
        (value >>> ((pos - offset) * 8)) & ONES[l],
        PCIE_CONFIG_SPACE_SIZE,
      );
      pos += l;
    }
  }
}

/**
 * A PCI host bridge: owns the root bus, the CONFIG_ADDRESS latch and the access paths.
 *
 * ```ts
 * const host = new PciHost({ memory, io, onEvent: (e) => log.push(e) });
 * host.bus.addDevice(new PciDevice({ name: 'vga', vendorId: 0x1234, deviceId: 0x1111, classCode: 0x030000 }), 2);
 * host.attachIo(io);               // 0xCF8..0xCFF
 * host.attachEcam(memory, 0xb0000000, 256);
 * ```
 */
export class PciHost {
  readonly bus: PciBus;
  /** The CONFIG_ADDRESS latch (0xCF8). */
  configAddress = 0;
  readonly mechanism1: IoHandler;

  constructor(opts: PciBusOptions = {}) {
    this.bus = new PciBus(opts);
    this.mechanism1 = new Mechanism1Handler(this);
  }

  setListener(listener: PciEventListener | null): void {
    this.bus.setListener(listener);
  }

  /** Set (or clear) the INTx router: called with (root slot, pin 0..3, OR-ed level). */
  setIntxListener(listener: ((slot: number, pin: number, level: boolean) => void) | null): void {
    this.bus.setIntxListener(listener);
  }

  /** Shorthand for host.bus.addDevice(device, dev, fn). */
  addDevice(device: PciDevice, dev: number, fn = 0): PciDevice {
    return this.bus.addDevice(device, dev, fn);
  }

  /** Register mechanism #1 on an IoBus (8 ports at `base`, default 0xCF8). */
  attachIo(io: IoBusApi, base = PCI_CONFIG_ADDRESS_PORT, opts?: { priority?: number }): RegionHandle {
    return io.addPio('pci-config', base, 8, this.mechanism1, opts);
  }

  /** An ECAM handler decoding `buses` buses (1..256; region size buses << 20). */
  ecamHandler(buses = 256): IoHandler {
    if (!Number.isInteger(buses) || buses < 1 || buses > 256)
      throw new Error(`PciHost.ecamHandler: buses ${buses} not in 1..256`);
    return new EcamHandler(this, buses * 0x100000);
  }

  /** Register an ECAM window at `base` on a MemoryBus. */
  attachEcam(memory: MemoryBusApi, base: number, buses = 256, opts?: { priority?: number }): RegionHandle {
    return memory.addMmio('pci-ecam', base, buses * 0x100000, this.ecamHandler(buses), opts);
  }

  /** @internal mechanism #1 data-port access at byte lane `lane` (0..3). */
  dataRead(lane: number, size: number): number {
    const a = this.configAddress;
    if ((a & PCI_CONFIG_ADDRESS_ENABLE) === 0) return ONES[size];
    return this.access(false, (a >>> 8) & 0xffff, (a | lane) & 0xff, size, 0, PCI_CONFIG_SPACE_SIZE);
  }

  /** @internal */
  dataWrite(lane: number, size: number, value: number): void {
    const a = this.configAddress;
    if ((a & PCI_CONFIG_ADDRESS_ENABLE) === 0) return;
    this.access(true, (a >>> 8) & 0xffff, (a | lane) & 0xff, size, value, PCI_CONFIG_SPACE_SIZE);
  }

  /**
   * @internal One config access (QEMU pci_host_config_*_common): route, check limits, call the
   * function, report. `busDevfn` = bus << 8 | devfn; `limit` is the access path's window.
   */
  access(
    write: boolean,
    busDevfn: number,
    offset: number,
    size: number,
    value: number,
    limit: number,
  ): number {
    const bus = this.bus.findBus((busDevfn >>> 8) & 0xff);
    const dev = bus ? bus.visibleDevice(busDevfn & 0xff) : null;
    let result = ONES[size];
    if (dev) {
      const lim = Math.min(limit, dev.config.size);
      if (offset < lim) {
        // pci_host_config_{read,write}_common: MIN(len, limit - addr) bytes reach the function.
        const len = offset + size <= lim ? size : lim - offset;
        if (write) dev.configWrite(offset, len, value & ONES[len]);
        else result = dev.configRead(offset, len) & ONES[len];
      }
    }
    if (this.bus.hasListener) {
      this.bus.emit({
        kind: write ? 'pci-config-write' : 'pci-config-read',
        bdf: busDevfn & 0xffff,
        offset,
        size,
        value: write ? (value & ONES[size]) >>> 0 : result >>> 0,
        device: dev ? dev.name : null,
      });
    }
    return result >>> 0;
  }

  /**
   * Host-side config read by BDF (firmware written in TypeScript, loaders, tests): the ECAM view
   * (4 KiB window). Accesses that are not naturally aligned are split into bytes. `size` must
   * be 1, 2 or 4.
   */
  configRead(bdfNum: number, offset: number, size: 1 | 2 | 4): number {
    checkSize('configRead', size);
    if (!Number.isInteger(offset) || offset < 0 || offset + size > PCIE_CONFIG_SPACE_SIZE) return ONES[size];
    if ((offset & (size - 1)) === 0)
      return this.access(false, bdfNum & 0xffff, offset, size, 0, PCIE_CONFIG_SPACE_SIZE);
    let v = 0;
    for (let i = 0; i < size; i++)
      v |= this.access(false, bdfNum & 0xffff, offset + i, 1, 0, PCIE_CONFIG_SPACE_SIZE) << (i * 8);
    return v >>> 0;
  }

  /** Host-side config write by BDF; see configRead. */
  configWrite(bdfNum: number, offset: number, size: 1 | 2 | 4, value: number): void {
    checkSize('configWrite', size);
    if (!Number.isInteger(offset) || offset < 0 || offset + size > PCIE_CONFIG_SPACE_SIZE) return;
    if ((offset & (size - 1)) === 0) {
      this.access(true, bdfNum & 0xffff, offset, size, value >>> 0, PCIE_CONFIG_SPACE_SIZE);
      return;
    }
    for (let i = 0; i < size; i++) {
      this.access(true, bdfNum & 0xffff, offset + i, 1, (value >>> (i * 8)) & 0xff, PCIE_CONFIG_SPACE_SIZE);
    }
  }

  /** The function at a BDF as config cycles would find it (visibility rules applied), or null. */
  findDevice(bdfNum: number): PciDevice | null {
    const bus = this.bus.findBus(bdfBus(bdfNum));
    return bus ? bus.visibleDevice(bdfDevfn(bdfNum)) : null;
  }

  /** State as data: the CONFIG_ADDRESS latch and each function's config bytes. */
  getState(): PciHostState {
    return {
      configAddress: this.configAddress,
      devices: this.bus
        .walk()
        .map(({ bdf, device }) => ({ bdf, name: device.name, state: device.getState() })),
    };
  }

  /**
   * Restore from getState(). Functions are matched by name (BDFs behind bridges depend on the
   * restored bus numbers); bridges are restored before the functions behind them. Throws when the
   * state names a function this host does not have.
   */
  setState(state: PciHostState): void {
    if (!state || !Array.isArray(state.devices))
      throw new Error('PciHost.setState: state.devices must be an array');
    // Match by name; the k-th entry with a name goes to the k-th function with that name in walk
    // order (names need not be unique).
    const byName = new Map<string, PciDevice[]>();
    for (const { device } of this.bus.walk()) {
      const list = byName.get(device.name);
      if (list) list.push(device);
      else byName.set(device.name, [device]);
    }
    for (const d of state.devices) {
      const dev = byName.get(d.name)?.shift();
      if (!dev)
        throw new Error(`PciHost.setState: no function named '${d.name}' (bdf ${d.bdf}) left to restore`);
      dev.setState(d.state);
    }
    this.configAddress = state.configAddress >>> 0;
    this.bus.updateAllMappings();
  }
}

function checkSize(what: string, size: number): void {
  if (size !== 1 && size !== 2 && size !== 4)
    throw new Error(`PciHost.${what}: size ${size} must be 1, 2 or 4`);
}
