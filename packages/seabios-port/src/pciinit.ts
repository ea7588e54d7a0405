// PCI bus scan, BAR sizing and allocation, and device init: a port of SeaBIOS rel-1.16.2
// src/fw/pciinit.c (pci_setup and helpers), src/hw/pcidevice.c (pci_probe_devices) and src/hw/pci.c
// (pci_next multifunction rules), talking to hardware only through configuration mechanism #1.

import { E820_RESERVED } from './e820.js';
import { alignDown, alignUp, formatBdf, hexPad } from './format.js';
import type { PciConfigIo } from './hw.js';
import type { SeabiosMalloc } from './malloc.js';
import type { RomfileList } from './romfile.js';

// src/config.h
export const BUILD_PCIMEM_START = 0xe0000000;
export const BUILD_PCIMEM_END = 0xfec00000;
export const BUILD_PCIMEM64_START = 0x8000000000;
export const BUILD_PCIMEM64_END = 0x10000000000;
const PCI_DEVICE_MEM_MIN = 1 << 12;
const PCI_BRIDGE_MEM_MIN = 1 << 21;
const PCI_BRIDGE_IO_MIN = 0x1000;
const PCI_ROM_SLOT = 6;
const PCI_NUM_REGIONS = 7;
const PCI_BRIDGE_NUM_REGIONS = 2;
const PCI_CLASS_BRIDGE_PCI = 0x0604;
const PCI_CLASS_DISPLAY_VGA = 0x0300;
const PCI_CLASS_STORAGE_IDE = 0x0101;
const PCI_CLASS_SERIAL_USB = 0x0c03;
const PCI_HEADER_TYPE_BRIDGE = 1;
const PCI_HEADER_TYPE_CARDBUS = 2;
const PCI_COMMAND = 0x04;
const PCI_COMMAND_IO = 1;
const PCI_COMMAND_MEMORY = 2;
const PCI_COMMAND_SERR = 0x100;
const PCI_BRIDGE_CONTROL = 0x3e;
const PCI_BRIDGE_CTL_SERR = 0x02;
const PCI_BRIDGE_CTL_VGA = 0x08;
const PCI_INTERRUPT_LINE = 0x3c;
const PCI_INTERRUPT_PIN = 0x3d;
const PCI_PRIMARY_BUS = 0x18;
const PCI_SECONDARY_BUS = 0x19;
const PCI_SUBORDINATE_BUS = 0x1a;
const PCI_IO_BASE = 0x1c;
const PCI_IO_LIMIT = 0x1d;
const PCI_MEMORY_BASE = 0x20;
const PCI_MEMORY_LIMIT = 0x22;
const PCI_PREF_MEMORY_BASE = 0x24;
const PCI_PREF_MEMORY_LIMIT = 0x26;
const PCI_PREF_BASE_UPPER32 = 0x28;
const PCI_PREF_LIMIT_UPPER32 = 0x2c;
const PCI_IO_BASE_UPPER16 = 0x30;
const PCI_IO_LIMIT_UPPER16 = 0x32;
const PCI_ROM_ADDRESS = 0x30;
const PCI_ROM_ADDRESS1 = 0x38;
const PCI_ROM_ADDRESS_MASK = 0xfffff800;
const PCI_CAP_ID_EXP = 0x10;
const PCI_CAP_ID_SHPC = 0x0c;
const PCI_CAP_ID_VNDR = 0x09;
const PCI_EXP_FLAGS = 2;
const PCI_EXP_FLAGS_TYPE = 0x00f0;
const PCI_EXP_FLAGS_SLOT = 0x0100;
const PCI_EXP_TYPE_ROOT_PORT = 0x4;
const PCI_EXP_TYPE_DOWNSTREAM = 0x6;
const PCI_EXP_TYPE_PCI_BRIDGE = 0x7;
const PCI_VENDOR_ID_INTEL = 0x8086;
const PCI_VENDOR_ID_REDHAT = 0x1b36;
// QEMU resource-reserve capability (src/hw/pci_regs.h / pcidevice.h)
const PCI_CAP_REDHAT_TYPE_OFFSET = 3;
const REDHAT_CAP_RESOURCE_RESERVE = 1;
const RES_RESERVE_CAP_SIZE = 0x20;
const RES_RESERVE_BUS_RES = 4;
const RES_RESERVE_IO = 8;
const RES_RESERVE_MEM = 16;
const RES_RESERVE_PREF_MEM_32 = 20;
const RES_RESERVE_PREF_MEM_64 = 24;
// src/hw/pci_ids.h
const PCI_DEVICE_ID_INTEL_82441 = 0x1237;
const PCI_DEVICE_ID_INTEL_Q35_MCH = 0x29c0;
const PCI_DEVICE_ID_INTEL_82371SB_0 = 0x7000;
const PCI_DEVICE_ID_INTEL_82371SB_1 = 0x7010;
const PCI_DEVICE_ID_INTEL_82371AB_0 = 0x7110;
const PCI_DEVICE_ID_INTEL_82371AB = 0x7111;
const PCI_DEVICE_ID_INTEL_82371AB_3 = 0x7113;
const PCI_DEVICE_ID_INTEL_ICH9_LPC = 0x2918;
const PCI_DEVICE_ID_INTEL_ICH9_SMBUS = 0x2930;
// Q35 (src/hw/pci_regs.h / dev-q35.h)
const Q35_HOST_BRIDGE_PCIEXBAR = 0x60;
const Q35_HOST_BRIDGE_PCIEXBAR_ADDR = 0xb0000000;
const Q35_HOST_BRIDGE_PCIEXBAR_SIZE = 256 * 1024 * 1024;
const Q35_HOST_BRIDGE_PCIEXBAREN = 1;
const ICH9_LPC_PIRQA_ROUT = 0x60;
const ICH9_LPC_PIRQE_ROUT = 0x68;
const ICH9_LPC_PMBASE = 0x40;
const ICH9_LPC_PMBASE_RTE = 1;
const ICH9_LPC_ACPI_CTRL = 0x44;
const ICH9_LPC_ACPI_CTRL_ACPI_EN = 0x80;
const ICH9_LPC_RCBA = 0xf0;
const ICH9_LPC_RCBA_ADDR = 0xfed1c000;
const ICH9_LPC_RCBA_EN = 1;
const ICH9_SMB_SMB_BASE = 0x20;
const ICH9_SMB_HOSTC = 0x40;
const ICH9_SMB_HOSTC_HST_EN = 1;
// PIIX (src/hw/pci_regs.h)
const PIIX_PORT_ELCR1 = 0x4d0;
const PIIX_PORT_ELCR2 = 0x4d1;
const PIIX_PMBASE = 0x40;
const PIIX_PMREGMISC = 0x80;
const PIIX_SMBHSTBASE = 0x90;
const PIIX_SMBHSTCFG = 0xd2;
// src/hw/ata.h: ISA-compatible IDE ports used by storage_ide_setup.
const PORT_ATA1_CMD_BASE = 0x1f0;
const PORT_ATA1_CTRL_BASE = 0x3f4;
const PORT_ATA2_CMD_BASE = 0x170;
const PORT_ATA2_CTRL_BASE = 0x374;

/** host irqs corresponding to PCI irqs A-D (pciinit.c pci_irqs). */
export const PCI_IRQS = [10, 10, 11, 11];

const TYPE_IO = 0;
const TYPE_MEM = 1;
const TYPE_PREFMEM = 2;
const REGION_TYPE_NAME = ['io', 'mem', 'prefmem'] as const;
export type PciRegionType = (typeof REGION_TYPE_NAME)[number];

export interface PciDev {
  bdf: number;
  parent: PciDev | null;
  rootbus: number;
  vendor: number;
  device: number;
  class: number;
  progIf: number;
  revision: number;
  headerType: number;
  secondaryBus: number;
}

export interface PciBarInfo {
  bar: number;
  type: PciRegionType;
  is64: boolean;
  size: number;
  addr: number | null;
}

interface RegionEntry {
  /** Where SeaBIOS's malloc_tmp put this record (freed after mapping). */
  tmp: number;
  dev: PciDev;
  bar: number;
  size: number;
  align: number;
  is64: boolean;
  type: number;
}

interface Region {
  base: number;
  list: RegionEntry[];
}

interface Bus {
  r: Region[];
  busDev: PciDev | null;
}

export interface PciContext {
  pci: PciConfigIo;
  io: { out8(p: number, v: number): void };
  log: (line: string) => void;
  e820: { add(start: number, size: number, type: number): void };
  malloc: SeabiosMalloc;
  romfiles: RomfileList;
  ramSize: number;
  ramSizeOver4G: number;
  acpiPmBase: number;
  warnNoalloc: (where: string) => void;
  /** Device-specific init hook run for each device before the generic table (intel_igd_setup
   * lives in post.ts; it gets the device and returns nothing). */
  deviceInit: (dev: PciDev, kind: 'igd') => void;
  emit: (e: { kind: string; [k: string]: unknown }) => void;
}

export interface PciSetupResult {
  devices: PciDev[];
  bars: Map<number, PciBarInfo[]>;
  maxBus: number;
  ioWindow: { base: number; end: number } | null;
  mem32Window: { start: number; end: number };
  mem64Window: { start: number; end: number } | null;
  panic: string | null;
  pmtimerPort: number | null;
}

class Panic extends Error {}

export function pciSetup(ctx: PciContext): PciSetupResult | null {
  const { pci, log } = ctx;
  let pcimemStart = BUILD_PCIMEM_START;
  const pcimemEnd = BUILD_PCIMEM_END;
  let pcimem64Start = BUILD_PCIMEM64_START;
  let pcimem64End = BUILD_PCIMEM64_END;
  let pciIoLowEnd = 0xa000;
  let slotGetIrq: (dev: PciDev, pin: number) => number = () => {
    log('pci_slot_get_irq called with unknown routing');
    return 0xff;
  };
  const barsByDev = new Map<number, PciBarInfo[]>();
  let pmtimerPort: number | null = null;

  log('=== PCI bus & bridge init ===');
  if (!pci.probeHost()) {
    log('Detected non-PCI system');
    return null;
  }

  // ---- pci_bios_init_bus
  const foreachbdf = (bus: number, fn: (bdf: number) => void) => {
    let bdf = next((bus << 8) - 1, bus);
    while (bdf >= 0) {
      fn(bdf);
      bdf = next(bdf, bus);
    }
  };
  // pci_next (src/hw/pci.c): after function 0 of a single-function device skip to the next slot.
  function next(bdf: number, bus: number): number {
    if ((bdf & 7) === 0 && (pci.readb(bdf, 0x0e) & 0x80) === 0) bdf += 8;
    else bdf += 1;
    for (;;) {
      if (bdf >> 8 !== bus) return -1;
      const v = pci.readw(bdf, 0x00);
      if (v !== 0x0000 && v !== 0xffff) return bdf;
      if ((bdf & 7) === 0) bdf += 8;
      else bdf += 1;
    }
  }

  const findResourceReserveCap = (bdf: number): number => {
    if (pci.readw(bdf, 0x00) !== PCI_VENDOR_ID_REDHAT) return 0; // dprintf(3): not shown
    const did = pci.readw(bdf, 0x02);
    if (did !== 0x000c && did !== 0x0001) {
      log("PCI: QEMU resource reserve cap device ID doesn't match.");
      return 0;
    }
    let cap = 0;
    do {
      cap = pci.findCapability(bdf, PCI_CAP_ID_VNDR, cap);
    } while (cap && pci.readb(bdf, cap + PCI_CAP_REDHAT_TYPE_OFFSET) !== REDHAT_CAP_RESOURCE_RESERVE);
    if (cap) {
      const len = pci.readb(bdf, cap + 2);
      if (len < RES_RESERVE_CAP_SIZE) {
        log(`PCI: QEMU resource reserve cap length ${len} is invalid`);
        return 0;
      }
    } else log('PCI: QEMU resource reserve cap not found');
    return cap;
  };

  const busCounter = { v: 0 };
  const initBusRec = (bus: number): void => {
    log(`PCI: pci_bios_init_bus_rec bus = 0x${bus.toString(16)}`);
    foreachbdf(bus, (bdf) => {
      if (pci.readw(bdf, 0x0a) === PCI_CLASS_BRIDGE_PCI) {
        pci.writeb(bdf, PCI_SECONDARY_BUS, 255);
        pci.writeb(bdf, PCI_SUBORDINATE_BUS, 0);
      }
    });
    foreachbdf(bus, (bdf) => {
      if (pci.readw(bdf, 0x0a) !== PCI_CLASS_BRIDGE_PCI) return;
      log(`PCI: pci_bios_init_bus_rec bdf = 0x${bdf.toString(16)}`);
      const pribus = pci.readb(bdf, PCI_PRIMARY_BUS);
      if (pribus !== bus) {
        log(`PCI: primary bus = 0x${pribus.toString(16)} -> 0x${bus.toString(16)}`);
        pci.writeb(bdf, PCI_PRIMARY_BUS, bus);
      } else log(`PCI: primary bus = 0x${pribus.toString(16)}`);
      let secbus = pci.readb(bdf, PCI_SECONDARY_BUS);
      busCounter.v = (busCounter.v + 1) & 0xff;
      if (busCounter.v !== secbus) {
        log(`PCI: secondary bus = 0x${secbus.toString(16)} -> 0x${busCounter.v.toString(16)}`);
        secbus = busCounter.v;
        pci.writeb(bdf, PCI_SECONDARY_BUS, secbus);
      } else log(`PCI: secondary bus = 0x${secbus.toString(16)}`);
      let subbus = pci.readb(bdf, PCI_SUBORDINATE_BUS);
      pci.writeb(bdf, PCI_SUBORDINATE_BUS, 255);
      initBusRec(secbus);
      if (subbus !== busCounter.v) {
        let resBus = busCounter.v;
        const cap = findResourceReserveCap(bdf);
        if (cap) {
          const tmp = pci.readl(bdf, cap + RES_RESERVE_BUS_RES);
          if (tmp !== 0xffffffff) {
            resBus = tmp & 0xff;
            if (((resBus + secbus) & 0xff) < secbus || ((resBus + secbus) & 0xff) < resBus) {
              log(`PCI: bus_reserve value ${resBus} is invalid`);
              resBus = 0;
            }
            if (secbus + resBus > busCounter.v) {
              log(`PCI: QEMU resource reserve cap: bus = ${resBus}`);
              resBus = secbus + resBus;
            }
          }
        }
        log(`PCI: subordinate bus = 0x${subbus.toString(16)} -> 0x${resBus.toString(16)}`);
        subbus = resBus & 0xff;
        busCounter.v = resBus & 0xff;
      } else log(`PCI: subordinate bus = 0x${subbus.toString(16)}`);
      pci.writeb(bdf, PCI_SUBORDINATE_BUS, subbus);
    });
  };
  const extraRoots = Number(ctx.romfiles.loadInt('etc/extra-pci-roots', 0n) & 0xffn);
  initBusRec(0);
  if (extraRoots) {
    while (busCounter.v < 0xff) {
      busCounter.v++;
      initBusRec(busCounter.v);
    }
  }

  // ---- pci_probe_devices
  log('=== PCI device probing ===');
  const devices: PciDev[] = [];
  let maxBus = 0;
  {
    const busdevs: (PciDev | null)[] = new Array(256).fill(null);
    const extra = Number(ctx.romfiles.loadInt('etc/extra-pci-roots', 0n) & 0xffffffffn);
    let bus = -1;
    let lastbus = 0;
    let rootbuses = 0;
    while (bus < 0xff && (bus < maxBus || rootbuses < extra)) {
      bus++;
      const b = bus;
      foreachbdf(b, (bdf) => {
        ctx.malloc.allocTmp(PCI_DEVICE_STRUCT_SIZE);
        const parent = busdevs[b];
        let rootbus: number;
        if (!parent) {
          if (b !== lastbus) rootbuses++;
          lastbus = b;
          rootbus = rootbuses;
          if (b > maxBus) maxBus = b;
        } else rootbus = parent.rootbus;
        const vendev = pci.readl(bdf, 0x00);
        const classrev = pci.readl(bdf, 0x08);
        const dev: PciDev = {
          bdf,
          parent,
          rootbus,
          vendor: vendev & 0xffff,
          device: vendev >>> 16,
          class: classrev >>> 16,
          progIf: (classrev >>> 8) & 0xff,
          revision: classrev & 0xff,
          headerType: pci.readb(bdf, 0x0e),
          secondaryBus: 0,
        };
        const v = dev.headerType & 0x7f;
        if (v === PCI_HEADER_TYPE_BRIDGE || v === PCI_HEADER_TYPE_CARDBUS) {
          const secbus = pci.readb(bdf, PCI_SECONDARY_BUS);
          dev.secondaryBus = secbus;
          if (secbus > b && !busdevs[secbus]) busdevs[secbus] = dev;
          if (secbus > maxBus) maxBus = secbus;
        }
        devices.push(dev);
      });
    }
  }
  log(`Found ${devices.length} PCI devices (max PCI bus is ${hexPad(maxBus, 2)})`);

  // ---- pci_bios_init_platform
  pcimemStart = ctx.ramSize;
  for (const dev of devices) {
    if (dev.vendor !== PCI_VENDOR_ID_INTEL) continue;
    if (dev.device === PCI_DEVICE_ID_INTEL_82441) {
      // i440fx_mem_addr_setup
      if (ctx.ramSize <= 0x80000000) pcimemStart = 0x80000000;
      else if (ctx.ramSize <= 0xc0000000) pcimemStart = 0xc0000000;
      slotGetIrq = piixSlotGetIrq;
      break;
    }
    if (dev.device === PCI_DEVICE_ID_INTEL_Q35_MCH) {
      // mch_mem_addr_setup (config accesses stay on mechanism #1 here; see README)
      const addr = Q35_HOST_BRIDGE_PCIEXBAR_ADDR;
      pci.writel(dev.bdf, Q35_HOST_BRIDGE_PCIEXBAR, 0);
      pci.writel(dev.bdf, Q35_HOST_BRIDGE_PCIEXBAR + 4, 0);
      pci.writel(dev.bdf, Q35_HOST_BRIDGE_PCIEXBAR, (addr | Q35_HOST_BRIDGE_PCIEXBAREN) >>> 0);
      log(`PCIe: using q35 mmconfig at 0x${addr.toString(16)}`);
      ctx.e820.add(addr, Q35_HOST_BRIDGE_PCIEXBAR_SIZE, E820_RESERVED);
      pcimemStart = addr + Q35_HOST_BRIDGE_PCIEXBAR_SIZE;
      slotGetIrq = mchSlotGetIrq;
      pciIoLowEnd = ctx.acpiPmBase < 0x1000 ? 0x10000 : ctx.acpiPmBase;
      break;
    }
  }

  // ---- pass #1: pci_bios_check_devices
  log('=== PCI new allocation pass #1 ===');
  const bussesTmp = ctx.malloc.allocTmp(PCI_BUS_STRUCT_SIZE * (maxBus + 1));
  const busses: Bus[] = [];
  for (let i = 0; i <= maxBus; i++) busses.push({ r: [newRegion(), newRegion(), newRegion()], busDev: null });
  const busIndex = (bdf: number) => bdf >> 8;

  const getBar = (dev: PciDev, bar: number): { type: number; size: number; is64: boolean } => {
    const ofs = barOffset(dev, bar);
    const bdf = dev.bdf;
    const old = pci.readl(bdf, ofs);
    let is64 = false;
    let type = TYPE_MEM;
    let mask: bigint;
    if (bar === PCI_ROM_SLOT) {
      mask = BigInt(PCI_ROM_ADDRESS_MASK);
      pci.writel(bdf, ofs, PCI_ROM_ADDRESS_MASK);
    } else {
      if (old & 1) {
        mask = 0xfffffffcn; // PCI_BASE_ADDRESS_IO_MASK
        type = TYPE_IO;
      } else {
        mask = 0xfffffff0n; // PCI_BASE_ADDRESS_MEM_MASK
        if (old & 0x8) type = TYPE_PREFMEM;
        is64 = (old & 0x6) === 0x4;
      }
      pci.writel(bdf, ofs, 0xffffffff);
    }
    let val = BigInt(pci.readl(bdf, ofs));
    pci.writel(bdf, ofs, old);
    let size: bigint;
    if (is64) {
      const hold = pci.readl(bdf, ofs + 4);
      pci.writel(bdf, ofs + 4, 0xffffffff);
      const high = pci.readl(bdf, ofs + 4);
      pci.writel(bdf, ofs + 4, hold);
      val |= BigInt(high) << 32n;
      mask |= 0xffffffffn << 32n;
      size = BigInt.asUintN(64, ~(val & mask) + 1n);
    } else {
      size = BigInt.asUintN(32, ~(val & mask) + 1n);
    }
    return { type, size: Number(size), is64 };
  };

  const createEntry = (
    bus: Bus,
    dev: PciDev,
    bar: number,
    size: number,
    align: number,
    type: number,
    is64: boolean,
  ) => {
    const tmp = ctx.malloc.allocTmp(PCI_REGION_ENTRY_SIZE);
    const e: RegionEntry = { tmp, dev, bar, size, align, is64, type };
    const list = bus.r[type].list;
    let pos = 0;
    while (
      pos < list.length &&
      !(list[pos].align < align || (list[pos].align === align && list[pos].size < size))
    )
      pos++;
    list.splice(pos, 0, e);
    return e;
  };

  for (const dev of devices) {
    if (dev.class === PCI_CLASS_BRIDGE_PCI && dev.secondaryBus <= maxBus)
      busses[dev.secondaryBus].busDev = dev;
    let bus = busses[busIndex(dev.bdf)];
    if (!bus.busDev) bus = busses[0];
    const bars: PciBarInfo[] = [];
    for (let i = 0; i < PCI_NUM_REGIONS; i++) {
      if (dev.class === PCI_CLASS_BRIDGE_PCI && i >= PCI_BRIDGE_NUM_REGIONS && i < PCI_ROM_SLOT) continue;
      const { type, size: rawSize, is64 } = getBar(dev, i);
      if (rawSize === 0) continue;
      let size = rawSize;
      if (type !== TYPE_IO && size < PCI_DEVICE_MEM_MIN) size = PCI_DEVICE_MEM_MIN;
      createEntry(bus, dev, i, size, size, type, is64);
      bars.push({ bar: i, type: REGION_TYPE_NAME[type], is64, size, addr: null });
      if (is64) i++;
    }
    barsByDev.set(dev.bdf, bars);
  }

  for (let secondary = maxBus; secondary > 0; secondary--) {
    const s = busses[secondary];
    if (!s.busDev) continue;
    let parent = busses[busIndex(s.busDev.bdf)];
    if (!parent.busDev) parent = busses[0];
    const bdf = s.busDev.bdf;
    const pcieCap = pci.findCapability(bdf, PCI_CAP_ID_EXP, 0);
    const qemuCap = findResourceReserveCap(bdf);
    const hotplug = hotplugSupport(s, pcieCap);
    for (let type = 0; type < 3; type++) {
      let align = type === TYPE_IO ? PCI_BRIDGE_IO_MIN : PCI_BRIDGE_MEM_MIN;
      if (!bridgeHasRegion(s.busDev, type)) continue;
      let size = 0;
      if (qemuCap) {
        if (type === TYPE_IO) {
          const lo = pci.readl(bdf, qemuCap + RES_RESERVE_IO);
          const hi = pci.readl(bdf, qemuCap + RES_RESERVE_IO + 4);
          if (!(lo === 0xffffffff && hi === 0xffffffff)) size = hi * 2 ** 32 + lo;
        } else if (type === TYPE_MEM) {
          const t = pci.readl(bdf, qemuCap + RES_RESERVE_MEM);
          if (t !== 0xffffffff) size = t;
        } else {
          const t32 = pci.readl(bdf, qemuCap + RES_RESERVE_PREF_MEM_32);
          const lo = pci.readl(bdf, qemuCap + RES_RESERVE_PREF_MEM_64);
          const hi = pci.readl(bdf, qemuCap + RES_RESERVE_PREF_MEM_64 + 4);
          const t64none = lo === 0xffffffff && hi === 0xffffffff;
          if (t32 !== 0xffffffff && t64none) size = t32;
          else if (t32 === 0xffffffff && !t64none) size = hi * 2 ** 32 + lo;
          else if (t32 !== 0xffffffff && !t64none)
            log('PCI: resource reserve cap PREF32 and PREF64 conflict');
        }
      }
      const ra = regionAlign(s.r[type]);
      if (ra > align) align = ra;
      let sum = regionSum(s.r[type]);
      const resourceOptional = hotplug === 'pcie' ? pcieCap !== 0 && type === TYPE_IO : false;
      if (!sum && hotplug !== 'none' && !resourceOptional) sum = align;
      if (size > sum) {
        log(`PCI: QEMU resource reserve cap: size ${hexPad(size, 8)} type ${REGION_TYPE_NAME[type]}`);
        if (type !== TYPE_IO) size = alignUp(size, align);
      } else size = alignUp(sum, align);
      const is64 = bridgeRegionIs64(s.r[type], s.busDev, type);
      const e = createEntry(parent, s.busDev, -1, size, align, type, is64);
      log(
        `PCI: secondary bus ${e.dev.secondaryBus} size ${hexPad(size, 8)} type ${REGION_TYPE_NAME[e.type]}`,
      );
    }
  }

  // ---- pass #2: pci_bios_map_devices
  log('=== PCI new allocation pass #2 ===');
  let ioWindow: { base: number; end: number } | null = null;
  let mem64Window: { start: number; end: number } | null = null;
  try {
    {
      const rIo = busses[0].r[TYPE_IO];
      const sum = regionSum(rIo);
      if (sum < 0x4000) rIo.base = 0xc000;
      else if (sum < pciIoLowEnd - 0x1000) rIo.base = 0x1000;
      else throw new Panic('PCI: out of I/O address space');
      log(`PCI: IO: ${hexPad(rIo.base, 4)} - ${hexPad(rIo.base + sum - 1, 4)}`);
      ioWindow = { base: rIo.base, end: rIo.base + sum - 1 };
    }
    log(`PCI: 32: ${hexPad(pcimemStart, 16)} - ${hexPad(pcimemEnd, 16)}`);
    if (!initRootRegionsMem(busses[0])) {
      const r64mem = newRegion();
      const r64pref = newRegion();
      migrate64(busses[0].r[TYPE_MEM], r64mem);
      migrate64(busses[0].r[TYPE_PREFMEM], r64pref);
      if (!initRootRegionsMem(busses[0])) throw new Panic('PCI: out of 32bit address space');
      const sumMem = regionSum(r64mem);
      const sumPref = regionSum(r64pref);
      const alignMem = regionAlign(r64mem);
      const alignPref = regionAlign(r64pref);
      let base = Number(ctx.romfiles.loadInt('etc/reserved-memory-end', 0n));
      if (base < 2 ** 32 + ctx.ramSizeOver4G) base = 2 ** 32 + ctx.ramSizeOver4G;
      base = alignUp(base, alignMem);
      base = alignUp(base, 2 ** 30);
      r64mem.base = base;
      r64pref.base = alignUp(alignUp(r64mem.base + sumMem, alignPref), 2 ** 30);
      pcimem64Start = r64mem.base;
      pcimem64End = alignUp(r64pref.base + sumPref, 2 ** 30);
      log(`PCI: 64: ${hexPad(pcimem64Start, 16)} - ${hexPad(pcimem64End, 16)}`);
      mem64Window = { start: pcimem64Start, end: pcimem64End };
      mapEntries(r64mem);
      mapEntries(r64pref);
    } else {
      pcimem64Start = 0;
    }
    for (let bus = 0; bus <= maxBus; bus++)
      for (let type = 0; type < 3; type++) mapEntries(busses[bus].r[type]);
  } catch (err) {
    if (err instanceof Panic) {
      log(err.message);
      return {
        devices,
        bars: barsByDev,
        maxBus,
        ioWindow,
        mem32Window: { start: pcimemStart, end: pcimemEnd },
        mem64Window,
        panic: err.message,
        pmtimerPort,
      };
    }
    throw err;
  }

  // ---- pci_bios_init_devices
  for (const dev of devices) {
    log(`PCI: init bdf=${formatBdf(dev.bdf)} id=${hexPad(dev.vendor, 4)}:${hexPad(dev.device, 4)}`);
    const bdf = dev.bdf;
    const pin = pci.readb(bdf, PCI_INTERRUPT_PIN);
    if (pin !== 0) pci.writeb(bdf, PCI_INTERRUPT_LINE, slotGetIrq(dev, pin));
    initDevice(dev);
    pci.maskw(bdf, PCI_COMMAND, 0, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_SERR);
    if (dev.headerType & PCI_HEADER_TYPE_BRIDGE) pci.maskw(bdf, PCI_BRIDGE_CONTROL, 0, PCI_BRIDGE_CTL_SERR);
  }

  if (bussesTmp) ctx.malloc.free(bussesTmp);

  // ---- pci_enable_default_vga
  enableDefaultVga();

  return {
    devices,
    bars: barsByDev,
    maxBus,
    ioWindow,
    mem32Window: { start: pcimemStart, end: pcimemEnd },
    mem64Window,
    panic: null,
    pmtimerPort,
  };

  // ------------------------------------------------------------ helpers (hoisted)

  function newRegion(): Region {
    return { base: 0, list: [] };
  }

  function regionAlign(r: Region): number {
    return r.list.length ? r.list[0].align : 1;
  }

  function regionSum(r: Region): number {
    let s = 0;
    for (const e of r.list) s += e.size;
    return s;
  }

  function barOffset(dev: PciDev, bar: number): number {
    if (bar !== PCI_ROM_SLOT) return 0x10 + bar * 4;
    return (dev.headerType & 0x7f) === PCI_HEADER_TYPE_BRIDGE ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS;
  }

  function setIoRegionAddr(dev: PciDev, bar: number, addr: number, is64: boolean): void {
    const ofs = barOffset(dev, bar);
    pci.writel(dev.bdf, ofs, addr >>> 0);
    if (is64) pci.writel(dev.bdf, ofs + 4, Math.floor(addr / 2 ** 32) >>> 0);
  }

  function hotplugSupport(s: Bus, pcieCap: number): 'none' | 'pcie' | 'shpc' {
    const bdf = s.busDev!.bdf;
    if (pcieCap) {
      const flags = pci.readw(bdf, pcieCap + PCI_EXP_FLAGS);
      const portType = (flags & PCI_EXP_FLAGS_TYPE) >> 4;
      if (portType !== PCI_EXP_TYPE_PCI_BRIDGE) {
        const downstream = portType === PCI_EXP_TYPE_DOWNSTREAM || portType === PCI_EXP_TYPE_ROOT_PORT;
        return downstream && flags & PCI_EXP_FLAGS_SLOT ? 'pcie' : 'none';
      }
    }
    return pci.findCapability(bdf, PCI_CAP_ID_SHPC, 0) ? 'shpc' : 'none';
  }

  function bridgeHasRegion(dev: PciDev, type: number): boolean {
    let base: number;
    if (type === TYPE_IO) base = PCI_IO_BASE;
    else if (type === TYPE_PREFMEM) base = PCI_PREF_MEMORY_BASE;
    else return true;
    pci.writeb(dev.bdf, base, 0xff);
    return pci.readb(dev.bdf, base) !== 0;
  }

  function bridgeRegionIs64(r: Region, dev: PciDev, type: number): boolean {
    if (type !== TYPE_PREFMEM) return false;
    let pmem = pci.readl(dev.bdf, PCI_PREF_MEMORY_BASE);
    if (!pmem) {
      pci.writel(dev.bdf, PCI_PREF_MEMORY_BASE, 0xfff0fff0);
      pmem = pci.readl(dev.bdf, PCI_PREF_MEMORY_BASE);
      pci.writel(dev.bdf, PCI_PREF_MEMORY_BASE, 0);
    }
    if ((pmem & 0xf) !== 0x1) return false; // PCI_PREF_RANGE_TYPE_64
    return r.list.every((e) => e.is64);
  }

  function migrate64(from: Region, to: Region): void {
    const keep: RegionEntry[] = [];
    for (const e of from.list) {
      if (e.is64 && e.dev.class !== PCI_CLASS_SERIAL_USB) to.list.push(e);
      else keep.push(e);
    }
    from.list = keep;
  }

  function initRootRegionsMem(bus: Bus): boolean {
    let rEnd = bus.r[TYPE_PREFMEM];
    let rStart = bus.r[TYPE_MEM];
    if (regionAlign(rStart) < regionAlign(rEnd)) {
      rEnd = rStart;
      rStart = bus.r[TYPE_PREFMEM];
    }
    rEnd.base = alignDown(pcimemEnd - regionSum(rEnd), regionAlign(rEnd));
    rStart.base = alignDown(rEnd.base - regionSum(rStart), regionAlign(rStart));
    return !(rStart.base < pcimemStart || rStart.base > pcimemEnd);
  }

  function mapEntries(r: Region): void {
    for (const entry of r.list) {
      const addr = r.base;
      r.base += entry.size;
      if (entry.bar === -1) busses[entry.dev.secondaryBus].r[entry.type].base = addr;
      mapOne(entry, addr);
      if (entry.tmp) ctx.malloc.free(entry.tmp);
    }
    r.list = [];
  }

  function mapOne(entry: RegionEntry, addr: number): void {
    if (entry.bar >= 0) {
      log(
        `PCI: map device bdf=${formatBdf(entry.dev.bdf)}  bar ${entry.bar}, addr ${hexPad(addr, 8)}, size ${hexPad(entry.size, 8)} [${REGION_TYPE_NAME[entry.type]}]`,
      );
      setIoRegionAddr(entry.dev, entry.bar, addr, entry.is64);
      const info = barsByDev.get(entry.dev.bdf)?.find((b) => b.bar === entry.bar);
      if (info) info.addr = addr;
      ctx.emit({
        kind: 'pci-bar-mapped',
        bdf: entry.dev.bdf,
        bar: entry.bar,
        addr,
        size: entry.size,
        type: REGION_TYPE_NAME[entry.type],
      });
      return;
    }
    const bdf = entry.dev.bdf;
    const limit = addr + entry.size - 1;
    if (entry.type === TYPE_IO) {
      pci.writeb(bdf, PCI_IO_BASE, (addr >>> 8) & 0xff);
      pci.writew(bdf, PCI_IO_BASE_UPPER16, 0);
      pci.writeb(bdf, PCI_IO_LIMIT, (limit >>> 8) & 0xff);
      pci.writew(bdf, PCI_IO_LIMIT_UPPER16, 0);
    }
    if (entry.type === TYPE_MEM) {
      pci.writew(bdf, PCI_MEMORY_BASE, Math.floor(addr / 65536) & 0xffff);
      pci.writew(bdf, PCI_MEMORY_LIMIT, Math.floor(limit / 65536) & 0xffff);
    }
    if (entry.type === TYPE_PREFMEM) {
      pci.writew(bdf, PCI_PREF_MEMORY_BASE, Math.floor(addr / 65536) & 0xffff);
      pci.writew(bdf, PCI_PREF_MEMORY_LIMIT, Math.floor(limit / 65536) & 0xffff);
      pci.writel(bdf, PCI_PREF_BASE_UPPER32, Math.floor(addr / 2 ** 32) >>> 0);
      pci.writel(bdf, PCI_PREF_LIMIT_UPPER32, Math.floor(limit / 2 ** 32) >>> 0);
    }
  }

  function piixSlotGetIrq(dev: PciDev, pin: number): number {
    let slotAddend = 0;
    let d = dev;
    while (d.parent !== null) {
      slotAddend += (d.bdf >> 3) & 0x1f;
      d = d.parent;
    }
    slotAddend += ((d.bdf >> 3) & 0x1f) - 1;
    return PCI_IRQS[(pin - 1 + slotAddend) & 3];
  }

  function mchSlotGetIrq(dev: PciDev, pin: number): number {
    let pinAddend = 0;
    let d = dev;
    while (d.parent !== null) {
      pinAddend += (d.bdf >> 3) & 0x1f;
      d = d.parent;
    }
    const slot = (d.bdf >> 3) & 0x1f;
    if (slot <= 24) return PCI_IRQS[(pin - 1 + pinAddend + slot) & 3];
    return PCI_IRQS[(pin - 1 + pinAddend) & 3];
  }

  /** pci_init_device(pci_device_tbl, ...): the first matching entry runs. */
  function initDevice(dev: PciDev): void {
    const v = dev.vendor;
    const d = dev.device;
    const c = dev.class;
    const intel = v === PCI_VENDOR_ID_INTEL;
    if (intel && (d === PCI_DEVICE_ID_INTEL_82371SB_0 || d === PCI_DEVICE_ID_INTEL_82371AB_0)) {
      piixIsaBridgeSetup(dev);
    } else if (intel && d === PCI_DEVICE_ID_INTEL_ICH9_LPC) {
      mchIsaBridgeSetup(dev);
    } else if (
      intel &&
      (d === PCI_DEVICE_ID_INTEL_82371SB_1 || d === PCI_DEVICE_ID_INTEL_82371AB) &&
      c === PCI_CLASS_STORAGE_IDE
    ) {
      pci.writew(dev.bdf, 0x40, 0x8000); // enable IDE0
      pci.writew(dev.bdf, 0x42, 0x8000); // enable IDE1
    } else if (c === PCI_CLASS_STORAGE_IDE) {
      setIoRegionAddr(dev, 0, PORT_ATA1_CMD_BASE, false);
      setIoRegionAddr(dev, 1, PORT_ATA1_CTRL_BASE, false);
      setIoRegionAddr(dev, 2, PORT_ATA2_CMD_BASE, false);
      setIoRegionAddr(dev, 3, PORT_ATA2_CTRL_BASE, false);
    } else if (intel && d === PCI_DEVICE_ID_INTEL_82371AB_3) {
      piix4PmSetup(dev);
    } else if (intel && d === PCI_DEVICE_ID_INTEL_ICH9_SMBUS) {
      pci.writel(dev.bdf, ICH9_SMB_SMB_BASE, (ctx.acpiPmBase + 0x100) | 1);
      pci.writeb(dev.bdf, ICH9_SMB_HOSTC, ICH9_SMB_HOSTC_HST_EN);
    } else if (intel && c === PCI_CLASS_DISPLAY_VGA) {
      // PCI_DEVICE_CLASS(PCI_VENDOR_ID_INTEL, PCI_ANY_ID, PCI_CLASS_DISPLAY_VGA, intel_igd_setup):
      // class_mask 0xffff, so the class must be exactly 0x0300.
      ctx.deviceInit(dev, 'igd');
    }
  }

  function piixIsaBridgeSetup(dev: PciDev): void {
    const elcr = [0, 0];
    for (let i = 0; i < 4; i++) {
      const irq = PCI_IRQS[i];
      elcr[irq >> 3] |= 1 << (irq & 7);
      pci.writeb(dev.bdf, 0x60 + i, irq);
    }
    ctx.io.out8(PIIX_PORT_ELCR1, elcr[0]);
    ctx.io.out8(PIIX_PORT_ELCR2, elcr[1]);
    log(`PIIX3/PIIX4 init: elcr=${hexPad(elcr[0], 2)} ${hexPad(elcr[1], 2)}`);
  }

  function mchIsaBridgeSetup(dev: PciDev): void {
    const elcr = [0, 0];
    for (let i = 0; i < 4; i++) {
      const irq = PCI_IRQS[i];
      elcr[irq >> 3] |= 1 << (irq & 7);
      pci.writeb(dev.bdf, ICH9_LPC_PIRQA_ROUT + i, irq);
      pci.writeb(dev.bdf, ICH9_LPC_PIRQE_ROUT + i, irq);
    }
    ctx.io.out8(PIIX_PORT_ELCR1, elcr[0]);
    ctx.io.out8(PIIX_PORT_ELCR2, elcr[1]);
    log(`Q35 LPC init: elcr=${hexPad(elcr[0], 2)} ${hexPad(elcr[1], 2)}`);
    pci.writel(dev.bdf, ICH9_LPC_PMBASE, ctx.acpiPmBase | ICH9_LPC_PMBASE_RTE);
    pci.writeb(dev.bdf, ICH9_LPC_ACPI_CTRL, ICH9_LPC_ACPI_CTRL_ACPI_EN);
    pci.writel(dev.bdf, ICH9_LPC_RCBA, (ICH9_LPC_RCBA_ADDR | ICH9_LPC_RCBA_EN) >>> 0);
    ctx.e820.add(ICH9_LPC_RCBA_ADDR, 16 * 1024, E820_RESERVED);
    pmtimerSetup(ctx.acpiPmBase + 0x08);
  }

  function piix4PmSetup(dev: PciDev): void {
    const bdf = dev.bdf;
    pci.writeb(bdf, PCI_INTERRUPT_LINE, 9); // acpi sci is hardwired to 9
    pci.writel(bdf, PIIX_PMBASE, ctx.acpiPmBase | 1);
    pci.writeb(bdf, PIIX_PMREGMISC, 0x01);
    pci.writel(bdf, PIIX_SMBHSTBASE, (ctx.acpiPmBase + 0x100) | 1);
    pci.writeb(bdf, PIIX_SMBHSTCFG, 0x09);
    pmtimerSetup(ctx.acpiPmBase + 0x08);
  }

  function pmtimerSetup(port: number): void {
    // src/hw/timer.c pmtimer_setup
    log(`Using pmtimer, ioport 0x${port.toString(16)}`);
    pmtimerPort = port;
  }

  function isPciVga(dev: PciDev): boolean {
    if (dev.class !== PCI_CLASS_DISPLAY_VGA) return false;
    const cmd = pci.readw(dev.bdf, PCI_COMMAND);
    if (!(cmd & PCI_COMMAND_IO && cmd & PCI_COMMAND_MEMORY)) return false;
    let d = dev;
    while (d.parent) {
      d = d.parent;
      if (!(pci.readb(d.bdf, PCI_BRIDGE_CONTROL) & PCI_BRIDGE_CTL_VGA)) return false;
    }
    return true;
  }

  function enableDefaultVga(): void {
    for (const dev of devices) {
      if (isPciVga(dev)) {
        log(`PCI: Using ${formatBdf(dev.bdf)} for primary VGA`);
        return;
      }
    }
    let dev = devices.find((d) => d.class === PCI_CLASS_DISPLAY_VGA);
    if (!dev) {
      log('PCI: No VGA devices found');
      return;
    }
    log(`PCI: Enabling ${formatBdf(dev.bdf)} for primary VGA`);
    pci.maskw(dev.bdf, PCI_COMMAND, 0, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
    while (dev.parent) {
      dev = dev.parent;
      log(`PCI: Setting VGA enable on bridge ${formatBdf(dev.bdf)}`);
      pci.maskw(dev.bdf, PCI_BRIDGE_CONTROL, 0, PCI_BRIDGE_CTL_VGA);
      pci.maskw(dev.bdf, PCI_COMMAND, 0, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
    }
  }
}

/** sizeof(struct pci_device) and sizeof(struct pci_region_entry) on i386 (src/hw/pcidevice.h,
 * src/fw/pciinit.c); they only matter for where later ZoneTmpHigh allocations land. */
export const PCI_DEVICE_STRUCT_SIZE = 36;
export const PCI_REGION_ENTRY_SIZE = 40;
/** sizeof(struct pci_bus): three pci_region (u64 base + hlist_head) + a pointer. */
export const PCI_BUS_STRUCT_SIZE = 52;
