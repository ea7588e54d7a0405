// Host bridge access to config space: configuration mechanism #1 (PCI Local Bus Spec 3.0
// §3.2.2.3.2; ports 0xCF8/0xCFC) and ECAM / MMCONFIG (PCI Express Base Spec §7.2.2).
//
// Behaviour follows QEMU hw/pci/pci_host.c and hw/pci/pcie_host.c:
//  - 0xCF8 latches only on a 32-bit write at 0xCF8 itself (pci_host_config_write: addr != 0 ||
//    len != 4 → ignored) and reads back what was written (all 32 bits, reserved ones included).
//  - 0xCFC..0xCFF: with bit 31 of CONFIG_ADDRESS clear, reads return all-ones and writes are dropped
//    (pci_host_data_read/write). Otherwise the access goes to bus (addr >> 16) & 0xff, devfn
//    (addr >> 8) & 0xff, register (addr & 0xfc) + byte lane.
//  - A function that is absent (or hidden because function 0 is absent) reads all-ones; writes
//    are dropped (pci_data_read/write: "empty").
//  - Offsets at or beyond the function's config size read all-ones and writes are dropped
//    (pci_host_config_read_common: limit <= addr → ~0). Via ECAM a conventional (256-byte)
//    function thus reads all-ones at 0x100..0xfff (pcie_mmcfg_data_read with
//    limit = pci_config_size()).
//  - Byte lanes: an access whose bytes do not form one naturally aligned 1/2/4-byte unit inside
//    the data dword (e.g. a 32-bit access at 0xCFD, or a 16-bit access at 0xCFF) is split into
//    single-byte config accesses, one per byte lane, as an x86 CPU splits a misaligned I/O access
//    into byte-enabled bus cycles. Lanes that fall outside 0xCF8..0xCFF read 0xff and are dropped.
//    Sub-dword reads of 0xCF8..0xCFB return the matching bytes of CONFIG_ADDRESS. (QEMU's memory
//    core rejects misaligned accesses to these regions instead; we follow the hardware.)

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

/** Mechanism #1 as an IoHandler for the 8 ports 0xCF8..0xCFF (offset 0 = 0xCF8). */
class Mechanism1Handler implements IoHandler {
  constructor(private readonly host: PciHost) {}

  read(offset: number, size: AccessSize): number {
    const h = this.host;
    if (offset === 0 && size === 4) return h.configAddress;
    const lane = offset - 4;
    if (lane >= 0 && lane + size <= 4 && (lane & (size - 1)) === 0) return h.dataRead(lane, size);
    let v = 0;
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      let byte = 0xff;
      if (o >= 0 && o < 4) byte = (h.configAddress >>> (o * 8)) & 0xff;
      else if (o >= 4 && o < 8) byte = h.dataRead(o - 4, 1);
      v |= byte << (i * 8);
    }
    return v >>> 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    const h = this.host;
    if (offset === 0 && size === 4) {
      h.configAddress = value >>> 0;
      return;
    }
    const lane = offset - 4;
    if (lane >= 0 && lane + size <= 4 && (lane & (size - 1)) === 0) {
      h.dataWrite(lane, size, value);
      return;
    }
    // Partial accesses to 0xCF8..0xCFB do not latch (QEMU pci_host_config_write); data lanes are
    // written one byte at a time.
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      if (o >= 4 && o < 8) h.dataWrite(o - 4, 1, (value >>> (i * 8)) & 0xff);
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
    const reg = offset & 0xfff;
    if ((reg & (size - 1)) === 0 && offset >= 0 && offset + size <= this.size) {
      return this.host.access(false, offset >>> 12, reg, size, 0, PCIE_CONFIG_SPACE_SIZE);
    }
    let v = 0;
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      const byte =
        o >= 0 && o < this.size
          ? this.host.access(false, o >>> 12, o & 0xfff, 1, 0, PCIE_CONFIG_SPACE_SIZE)
          : 0xff;
      v |= byte << (i * 8);
    }
    return v >>> 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    const reg = offset & 0xfff;
    if ((reg & (size - 1)) === 0 && offset >= 0 && offset + size <= this.size) {
      this.host.access(true, offset >>> 12, reg, size, value, PCIE_CONFIG_SPACE_SIZE);
      return;
    }
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      if (o >= 0 && o < this.size) {
        this.host.access(true, o >>> 12, o & 0xfff, 1, (value >>> (i * 8)) & 0xff, PCIE_CONFIG_SPACE_SIZE);
      }
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
    return this.access(false, (a >>> 8) & 0xffff, (a & 0xfc) + lane, size, 0, PCI_CONFIG_SPACE_SIZE);
  }

  /** @internal */
  dataWrite(lane: number, size: number, value: number): void {
    const a = this.configAddress;
    if ((a & PCI_CONFIG_ADDRESS_ENABLE) === 0) return;
    this.access(true, (a >>> 8) & 0xffff, (a & 0xfc) + lane, size, value, PCI_CONFIG_SPACE_SIZE);
  }

  /**
   * @internal One config access that does not cross a dword: route, check limits, call the
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
      if (offset + size <= lim) {
        if (write) dev.configWrite(offset, size, value & ONES[size]);
        else result = dev.configRead(offset, size) & ONES[size];
      }
    }
    if (this.bus.hasListener) {
      this.bus.emit({
        kind: write ? 'pci-config-write' : 'pci-config-read',
        bdf: busDevfn & 0xffff,
        offset,
        size,
        value: write ? value & ONES[size] : result >>> 0,
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
    const byName = new Map<string, PciDevice>();
    for (const { device } of this.bus.walk()) byName.set(device.name, device);
    for (const d of state.devices) {
      const dev = byName.get(d.name);
      if (!dev) throw new Error(`PciHost.setState: no function named '${d.name}' (bdf ${d.bdf})`);
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
