// runSeabiosPort: the parts of SeaBIOS rel-1.16.2 POST that decide the memory map, the PCI
// resources and the IGD handshake, in SeaBIOS's order (src/post.c handle_post → dopost →
// maininit), talking to the machine only through port I/O and physical memory.

import { type ExecuteResult, executeLoader } from '@vmkit/bios-linker';
import { FwCfgClient, type PhysMem, type PortIo } from '@vmkit/fw-cfg';
import { E820_RAM, E820_RESERVED, type E820Entry, E820Map } from './e820.js';
import { formatBdf, hexPad } from './format.js';
import { PciConfigIo, rtcRead } from './hw.js';
import {
  BUILD_BIOS_ADDR,
  BUILD_BIOS_SIZE,
  BUILD_EBDA_MINIMUM,
  BUILD_LOWRAM_END,
  BUILD_MAX_HIGHTABLE,
  BUILD_MIN_HIGHTABLE,
  BUILD_STACK_ADDR,
  MALLOC_MIN_ALIGN,
  PAGE_SIZE,
  SeabiosMalloc,
  type ZoneSummary,
} from './malloc.js';
import { type PciBarInfo, type PciDev, type PciSetupResult, pciSetup } from './pciinit.js';
import {
  CfgReader,
  FILE_ENTRY_SIZE,
  parseDirEntry,
  QEMU_CFG_ACPI_TABLES,
  QEMU_CFG_BOOT_MENU,
  QEMU_CFG_E820_TABLE,
  QEMU_CFG_FILE_DIR,
  QEMU_CFG_IRQ0_OVERRIDE,
  QEMU_CFG_MAX_CPUS,
  QEMU_CFG_NOGRAPHIC,
  QEMU_CFG_NUMA,
  QEMU_CFG_SMBIOS_ENTRIES,
  RomfileList,
} from './romfile.js';

/** sizeof(struct qemu_romfile_s) on i386: romfile_s (next 4 + name 128 + size 4 + copy 4) + 2 ints. */
const QEMU_ROMFILE_SIZE = 148;
const PORT_SERIAL1 = 0x3f8;
const PORT_ACPI_PM_BASE = 0xb000;
// src/hw/rtc.h
const CMOS_MEM_EXTMEM_LOW = 0x30;
const CMOS_MEM_EXTMEM_HIGH = 0x31;
const CMOS_MEM_EXTMEM2_LOW = 0x34;
const CMOS_MEM_EXTMEM2_HIGH = 0x35;
const CMOS_MEM_HIGHMEM_LOW = 0x5b;
const CMOS_MEM_HIGHMEM_MID = 0x5c;
const CMOS_MEM_HIGHMEM_HIGH = 0x5d;
const IGD_BDF = 0x0010; // pci_to_bdf(0, 2, 0)

export interface SeabiosPortOptions {
  /** Text inside "SeaBIOS (version ...)". Default "1.16.2-vmkit-seabios-port". */
  version?: string;
  /** Optional "BUILD: ..." line text (SeaBIOS prints its compiler versions). */
  buildLine?: string | null;
  /** The init-code relocation SeaBIOS does before maininit (src/post.c reloc_preinit): where the
   * code is, how big it is and its alignment. These are build constants; the default is Debian's
   * bios-256k.bin 1.16.2 (from shared/reference: "Relocating init from 0x000d48c0 ... size 85056").
   * null skips it. It only affects where later ZoneTmpHigh allocations (IGD BDSM) land. */
  initRelocation?: { from: number; size: number; align: number } | null;
  /** ZoneFSeg [start, end) (build symbols zonefseg_start/end). Default 0xf5500–0xf6000. */
  fsegZone?: { start: number; end: number };
  /** EBDA size in KiB (bda_init: mem_size_kb = 640 - this). Default 1. */
  ebdaKb?: number;
  /** Guest RAM used to stage DMA reads that the firmware consumes itself (SeaBIOS uses its stack).
   * Default 0x6800, 0x400 bytes; contents are restored. */
  dmaScratch?: { addr: number; size: number };
  /** fw_cfg DMA descriptor address for the client (default 0x6000). */
  dmaDescriptorAddr?: number;
  /** Which etc/table-loader commands to run: 'all' (SeaBIOS + WRITE_PCI_CONFIG, default),
   * 'seabios-1.16' (what real SeaBIOS 1.16 runs), or false to skip the loader. */
  tableLoader?: 'all' | 'seabios-1.16' | false;
  /** Run intel_igd_setup (default true). false shows what the linker path alone achieves. */
  igdSetup?: boolean;
  /** Whether the build probes for Xen (CONFIG_XEN; bios-256k yes, bios.bin (128k) no): prints
   * "No Xen hypervisor found." (the port has no CPUID to find one). Default true. */
  xenProbe?: boolean;
}

export type SeabiosPortEvent =
  | { kind: 'seabios-log'; line: string }
  | { kind: 'e820-add'; start: number; size: number; type: number }
  | { kind: 'pci-bar-mapped'; bdf: number; bar: number; addr: number; size: number; type: string }
  | { kind: 'pci-config-write'; bdf: number; offset: number; width: number; value: number; reason: string }
  | { kind: 'igd-opregion'; bdf: number; addr: number; size: number }
  | { kind: 'igd-bdsm'; bdf: number; addr: number; size: number }
  | { kind: 'igd-failure'; bdf: number; step: 'opregion' | 'bdsm'; reason: string }
  | { kind: 'loader'; line: string };

export interface RunSeabiosPortArgs {
  io: PortIo;
  memory: PhysMem;
  log?: (line: string) => void;
  onEvent?: (e: SeabiosPortEvent) => void;
  options?: SeabiosPortOptions;
}

export interface PciDeviceReport {
  bdf: number;
  name: string;
  vendor: number;
  device: number;
  class: number;
  progIf: number;
  revision: number;
  headerType: number;
  parent: number | null;
  bars: PciBarInfo[];
}

export interface IgdReport {
  bdf: number;
  name: string;
  opregion: { addr: number; size: number } | null;
  bdsm: { addr: number; size: number } | null;
  failures: string[];
}

export interface SeabiosPortResult {
  log: string[];
  fwCfg: { present: boolean; dma: boolean };
  /** fw_cfg files as the romfile layer sees them (newest first, like SeaBIOS's list). */
  romfiles: Array<{ name: string; size: number; select: number }>;
  ramSize: number;
  ramSizeOver4G: number;
  /** Final e820 map (after ZoneHigh give-back), as printed by e820_prepboot. */
  e820: E820Entry[];
  pciDevices: PciDeviceReport[];
  pci: Pick<PciSetupResult, 'ioWindow' | 'mem32Window' | 'mem64Window' | 'maxBus' | 'panic'> | null;
  igd: IgdReport[];
  loader: ExecuteResult | null;
  zones: ZoneSummary[];
  zoneHighReturned: number | null;
  acpiPmBase: number;
  pmtimerPort: number | null;
}

export function runSeabiosPort(args: RunSeabiosPortArgs): SeabiosPortResult {
  const { io, memory } = args;
  const opts = args.options ?? {};
  const lines: string[] = [];
  const emit = (e: SeabiosPortEvent) => args.onEvent?.(e);
  const log = (line: string) => {
    lines.push(line);
    args.log?.(line);
    emit({ kind: 'seabios-log', line });
  };
  const warnNoalloc = (where: string) => log(`WARNING - Unable to allocate resource at ${where}!`);
  const warnInternal = (where: string) => log(`WARNING - internal error detected at ${where}!`);

  const pci = new PciConfigIo(io);
  const e820 = new E820Map();
  e820.onOverflow = () => warnNoalloc('src/e820map.c:35');
  const e820Add = (start: number, size: number, type: number) => {
    e820.add(start, size, type);
    if (size) emit({ kind: 'e820-add', start, size, type });
  };
  const malloc = new SeabiosMalloc();
  const scratch = opts.dmaScratch ?? { addr: 0x6800, size: 0x400 };
  const client = new FwCfgClient(io, memory, { dmaDescriptorAddr: opts.dmaDescriptorAddr ?? 0x6000 });
  const cfg = new CfgReader(client, io, memory, scratch.addr, scratch.size);
  const romfiles = new RomfileList(cfg);
  let cfgEnabled = false;
  let ramSize = 0;
  let ramSizeOver4G = 0;
  let acpiPmBase = PORT_ACPI_PM_BASE;

  log(`SeaBIOS (version ${opts.version ?? '1.16.2-vmkit-seabios-port'})`);
  if (opts.buildLine) log(`BUILD: ${opts.buildLine}`);
  // xen_preinit: CPUID leaves 0x40000000+ carry no Xen signature for this port (no CPUID here).
  if (opts.xenProbe !== false) log('No Xen hypervisor found.');

  // ---- qemu_preinit → qemu_detect (src/fw/paravirt.c)
  {
    const v = pci.readw(0, 0x00);
    if (v !== 0x0000 && v !== 0xffff) {
      const d = pci.readw(0, 0x02);
      const sv = pci.readw(0, 0x2c);
      const sd = pci.readw(0, 0x2e);
      if (sv === 0x1af4 && sd === 0x1100) {
        if (d === 0x1237) log('Running on QEMU (i440fx)');
        else if (d === 0x29c0) log('Running on QEMU (q35)');
        else log(`Running on QEMU (unknown nb: ${hexPad(v, 4)}:${hexPad(d, 4)})`);
      }
    }
  }

  // ---- qemu_cfg_detect
  const cfgDetect = (): boolean => {
    if (cfgEnabled) return true;
    const r = client.detect();
    if (!r.present) return false;
    log('Found QEMU fw_cfg');
    cfgEnabled = true;
    if (r.dma) {
      log('QEMU fw_cfg DMA interface supported');
      cfg.dma = true;
    }
    return true;
  };

  // ---- qemu_early_e820
  const earlyE820 = (): boolean => {
    if (!cfgDetect()) return false;
    const count = be32(cfg.read(4, QEMU_CFG_FILE_DIR));
    let select = 0;
    let size = 0;
    for (let i = 0; i < count; i++) {
      const f = parseDirEntry(cfg.read(FILE_ENTRY_SIZE));
      if (f.name !== 'etc/e820') continue;
      select = f.select;
      size = f.size;
      break;
    }
    if (select === 0) {
      log('qemu/e820: fw_cfg file etc/e820 not found');
      return false;
    }
    cfg.select(select);
    const n = Math.floor(size / 20);
    for (let i = 0; i < n; i++) {
      const t = cfg.read(20);
      const address = le64(t, 0);
      const length = le64(t, 8);
      const type = le32(t, 16);
      if (type === E820_RESERVED) {
        e820Add(address, length, type);
      } else if (type === E820_RAM) {
        e820Add(address, length, type);
        log(`qemu/e820: addr 0x${hexPad(address, 16)} len 0x${hexPad(length, 16)} [RAM]`);
        if (address < 2 ** 32) {
          if (ramSize < address + length) ramSize = address + length;
        } else if (ramSizeOver4G < address + length - 2 ** 32) ramSizeOver4G = address + length - 2 ** 32;
      }
    }
    return true;
  };

  if (!earlyE820()) {
    let rs = ((rtcRead(io, CMOS_MEM_EXTMEM2_LOW) << 16) | (rtcRead(io, CMOS_MEM_EXTMEM2_HIGH) << 24)) >>> 0;
    if (rs) rs += 16 * 1024 * 1024;
    else
      rs =
        ((rtcRead(io, CMOS_MEM_EXTMEM_LOW) << 10) | (rtcRead(io, CMOS_MEM_EXTMEM_HIGH) << 18)) + 1024 * 1024;
    rs >>>= 0;
    ramSize = rs;
    e820Add(0, rs, E820_RAM);
    log(`RamSize: 0x${hexPad(ramSize, 8)} [cmos]`);
  }
  // reserve 256KB BIOS area at the end of 4 GB
  e820Add(0xfffc0000, 256 * 1024, E820_RESERVED);

  // ---- malloc_preinit (src/malloc.c)
  e820.remove(BUILD_LOWRAM_END, BUILD_BIOS_ADDR - BUILD_LOWRAM_END);
  e820Add(BUILD_BIOS_ADDR, BUILD_BIOS_SIZE, E820_RESERVED);
  {
    let highStart = 0;
    let highSize = 0;
    const list = e820.list;
    for (let i = list.length - 1; i >= 0; i--) {
      const en = list[i];
      const end = en.start + en.size;
      if (end < 1024 * 1024) break;
      if (en.type !== E820_RAM || end > 0xffffffff) continue;
      const s = en.start;
      let e = end;
      if (!highStart) {
        const newMax = alignDown16(e - BUILD_MAX_HIGHTABLE);
        const newMin = alignDown16(e - BUILD_MIN_HIGHTABLE);
        if (newMax <= e && newMax >= s + BUILD_MAX_HIGHTABLE && e - BUILD_MAX_HIGHTABLE >= 0) {
          highStart = e = newMax;
          highSize = BUILD_MAX_HIGHTABLE;
        } else if (newMin <= e && newMin >= s && e - BUILD_MIN_HIGHTABLE >= 0) {
          highStart = e = newMin;
          highSize = BUILD_MIN_HIGHTABLE;
        }
      }
      malloc.add('tmphigh', s, e);
    }
    malloc.add('tmplow', BUILD_STACK_ADDR, BUILD_EBDA_MINIMUM);
    if (highStart) {
      malloc.add('high', highStart, highStart + highSize);
      e820Add(highStart, highSize, E820_RESERVED);
    }
  }

  // ---- reloc_preinit (src/post.c)
  const reloc =
    opts.initRelocation === undefined ? { from: 0xd48c0, size: 85056, align: 32 } : opts.initRelocation;
  if (reloc) {
    const dest = malloc.allocTmp(reloc.size, reloc.align);
    if (!dest) log('No space for init relocation.');
    else log(`Relocating init from 0x${hexPad(reloc.from, 8)} to 0x${hexPad(dest, 8)} (size ${reloc.size})`);
  }

  // ---- malloc_init: ZoneFSeg (ZoneLow is not modelled: nothing here allocates from it)
  const fseg = opts.fsegZone ?? { start: 0xf5500, end: 0xf6000 };
  malloc.add('fseg', fseg.start, fseg.end);

  // ---- qemu_cfg_init (src/fw/paravirt.c)
  const romfileAdd = (name: string, select: number, skip: number, size: number) => {
    if (!malloc.allocTmp(QEMU_ROMFILE_SIZE)) {
      warnNoalloc('src/fw/paravirt.c:429');
      return;
    }
    romfiles.add(name, select, skip, size);
  };
  if (cfgDetect()) {
    // qemu_cfg_legacy
    romfileAdd('etc/show-boot-menu', QEMU_CFG_BOOT_MENU, 0, 2);
    romfileAdd('etc/irq0-override', QEMU_CFG_IRQ0_OVERRIDE, 0, 1);
    romfileAdd('etc/max-cpus', QEMU_CFG_MAX_CPUS, 0, 2);
    const numacount = le64(cfg.read(8, QEMU_CFG_NUMA), 0);
    const maxCpu = Number(romfiles.loadInt('etc/max-cpus', 0n) & 0xffffffffn);
    romfileAdd('etc/numa-cpu-map', QEMU_CFG_NUMA, 8, maxCpu * 8);
    romfileAdd('etc/numa-nodes', QEMU_CFG_NUMA, 8 + maxCpu * 8, (numacount * 8) >>> 0);
    let cnt = le16(cfg.read(2, QEMU_CFG_ACPI_TABLES));
    let offset = 2;
    for (let i = 0; i < cnt; i++) {
      const len = le16(cfg.read(2));
      offset += 2;
      romfileAdd(`acpi/table${i}`, QEMU_CFG_ACPI_TABLES, offset, len);
      cfg.skip(len);
      offset += len;
    }
    cnt = le16(cfg.read(2, QEMU_CFG_SMBIOS_ENTRIES));
    offset = 2;
    for (let i = 0; i < cnt; i++) {
      const h = cfg.read(6);
      const length = le16(h, 0);
      const headertype = h[2];
      const tabletype = h[3];
      const fieldoffset = le16(h, 4);
      if (headertype === 0) {
        romfileAdd(
          `smbios/field${tabletype}-${fieldoffset}`,
          QEMU_CFG_SMBIOS_ENTRIES,
          offset + 6,
          length - 6,
        );
      } else {
        romfileAdd(`smbios/table${tabletype}-${i}`, QEMU_CFG_SMBIOS_ENTRIES, offset + 3, length - 3);
      }
      cfg.skip(length - 6);
      offset += length;
    }

    // the file directory
    const count = be32(cfg.read(4, QEMU_CFG_FILE_DIR));
    for (let e = 0; e < count; e++) {
      const f = parseDirEntry(cfg.read(FILE_ENTRY_SIZE));
      romfileAdd(f.name, f.select, 0, f.size);
    }

    // qemu_cfg_e820
    if (!romfiles.find('etc/e820')) {
      const count32 = le32(cfg.read(4, QEMU_CFG_E820_TABLE), 0);
      for (let i = 0; i < count32; i++) {
        const t = cfg.read(20);
        e820Add(le64(t, 0), le64(t, 8), le32(t, 16));
      }
      // (the KVM fallback reservation at 0xfffbc000 applies only under KVM, which this port is not)
      const high =
        rtcRead(io, CMOS_MEM_HIGHMEM_LOW) * 2 ** 16 +
        rtcRead(io, CMOS_MEM_HIGHMEM_MID) * 2 ** 24 +
        rtcRead(io, CMOS_MEM_HIGHMEM_HIGH) * 2 ** 32;
      ramSizeOver4G = high;
      e820Add(2 ** 32, high, E820_RAM);
      log(`RamSizeOver4G: 0x${hexPad(ramSizeOver4G, 16)} [cmos]`);
    }

    if (romfiles.find('etc/table-loader')) {
      acpiPmBase = 0x0600;
      log(`Moving pm_base to 0x${acpiPmBase.toString(16)}`);
    }

    const nogfx = le16(cfg.read(2, QEMU_CFG_NOGRAPHIC));
    if (nogfx && !romfiles.find('etc/sercon-port') && !romfiles.find('vgaroms/sgabios.bin')) {
      if (malloc.allocTmp(4)) romfiles.addConstInt('etc/sercon-port', PORT_SERIAL1);
    }
  }

  // ---- qemu_platform_setup → pci_setup
  const igd: IgdReport[] = [];
  const igdSetup = (dev: PciDev) => {
    const report: IgdReport = {
      bdf: dev.bdf,
      name: formatBdf(dev.bdf),
      opregion: null,
      bdsm: null,
      failures: [],
    };
    igd.push(report);
    const opregion = romfiles.find('etc/igd-opregion');
    const bdsmSize = romfiles.loadInt('etc/igd-bdsm-size', 0n);
    if (opregion?.size) {
      const addr = malloc.alloc('high', opregion.size, PAGE_SIZE);
      if (!addr) {
        warnNoalloc('src/fw/pciinit.c:300');
        report.failures.push(`OpRegion: cannot allocate ${opregion.size} bytes in ZoneHigh`);
        emit({ kind: 'igd-failure', bdf: dev.bdf, step: 'opregion', reason: 'ZoneHigh allocation failed' });
        return;
      }
      if (romfiles.copyTo(opregion, addr, opregion.size) < 0) {
        malloc.free(addr);
        report.failures.push('OpRegion: copy failed');
        return;
      }
      pci.writel(dev.bdf, 0xfc, addr);
      emit({ kind: 'pci-config-write', bdf: dev.bdf, offset: 0xfc, width: 4, value: addr, reason: 'ASLS' });
      log(
        `Intel IGD OpRegion enabled at 0x${hexPad(addr, 8)}, size ${opregion.size >>> 10}KB, dev ${formatBdf(dev.bdf)}`,
      );
      report.opregion = { addr, size: opregion.size };
      emit({ kind: 'igd-opregion', bdf: dev.bdf, addr, size: opregion.size });
    }
    if (bdsmSize && dev.bdf === IGD_BDF) {
      // memalign_tmphigh(u32 align, u32 size): the u64 size is truncated to 32 bits here.
      const addr = malloc.alloc('tmphigh', Number(bdsmSize & 0xffffffffn), 1024 * 1024);
      if (!addr) {
        warnNoalloc('src/fw/pciinit.c:319');
        report.failures.push(`BDSM: cannot allocate ${bdsmSize} bytes in ZoneTmpHigh`);
        emit({ kind: 'igd-failure', bdf: dev.bdf, step: 'bdsm', reason: 'ZoneTmpHigh allocation failed' });
        return;
      }
      const size = Number(bdsmSize);
      e820Add(addr, size, E820_RESERVED);
      pci.writel(dev.bdf, 0x5c, addr);
      emit({ kind: 'pci-config-write', bdf: dev.bdf, offset: 0x5c, width: 4, value: addr, reason: 'BDSM' });
      log(
        `Intel IGD BDSM enabled at 0x${hexPad(addr, 8)}, size ${bdsmSize >> 20n}MB, dev ${formatBdf(dev.bdf)}`,
      );
      report.bdsm = { addr, size };
      emit({ kind: 'igd-bdsm', bdf: dev.bdf, addr, size });
    }
  };
  const pciResult = pciSetup({
    pci,
    io,
    log,
    e820: { add: e820Add },
    malloc,
    romfiles,
    ramSize,
    ramSizeOver4G,
    acpiPmBase,
    warnNoalloc,
    deviceInit: (dev) => {
      if (opts.igdSetup !== false) igdSetup(dev);
    },
    emit: (e) => emit(e as SeabiosPortEvent),
  });

  // ---- romfile_loader_execute("etc/table-loader") (src/fw/romfile_loader.c via @vmkit/bios-linker)
  let loader: ExecuteResult | null = null;
  const loaderMode = opts.tableLoader ?? 'all';
  const tl = romfiles.find('etc/table-loader');
  if (loaderMode !== false && tl) {
    // romfile_loadfile: a ZoneTmpHigh copy of the script (size + 1), freed after execution.
    const scriptTmp = malloc.alloc('tmphigh', tl.size + 1, MALLOC_MIN_ALIGN);
    const script = romfiles.readBytes(tl);
    loader = executeLoader(
      script,
      {
        readFile: (name) => {
          const f = romfiles.find(name);
          return f ? romfiles.readBytes(f) : undefined;
        },
        allocate: (zone, size, align) =>
          malloc.alloc(zone, size, Math.max(align, MALLOC_MIN_ALIGN)) || undefined,
        memory,
        writeFile: (name, offset, data) => {
          // qemu_cfg_write_file: bounds against the file size, DMA only.
          const f = romfiles.find(name);
          if (!f || offset + data.length > f.size || f.select < 0) return false;
          if (!cfg.dma) {
            warnInternal('src/fw/paravirt.c:327');
            return false;
          }
          return client.writeItem(f.select, offset, data);
        },
        writePciConfig: (bdf, offset, width, value) => {
          const v = BigInt.asUintN(64, value);
          if (width === 1) pci.writeb(bdf, offset, Number(v & 0xffn));
          else if (width === 2) pci.writew(bdf, offset, Number(v & 0xffffn));
          else {
            pci.writel(bdf, offset, Number(v & 0xffffffffn));
            if (width === 8) pci.writel(bdf, offset + 4, Number(v >> 32n));
          }
          emit({ kind: 'pci-config-write', bdf, offset, width, value: Number(v), reason: 'table-loader' });
        },
        // vmkit's patched SeaBIOS (firmware/seabios): presence + read-back through 0xCF8/0xCFC,
        // which reach offsets 0..255 only (no MMCONFIG on i440FX), and RESERVE_PCI_MEMORY from
        // ZoneTmpHigh + e820_add(E820_RESERVED), as intel_igd_setup takes BDSM.
        readPciConfig: (bdf, offset, width) =>
          width === 1
            ? pci.readb(bdf, offset)
            : width === 2
              ? pci.readw(bdf, offset)
              : pci.readl(bdf, offset),
        pciExtendedConfig: false,
        reserve: {
          alloc: (size, align) => malloc.alloc('tmphigh', size, align) || undefined,
          free: (addr) => malloc.free(addr),
          markReserved: (addr, size) => e820Add(addr, size, E820_RESERVED),
        },
        log: (line) => emit({ kind: 'loader', line }),
      },
      { knownCommands: loaderMode },
    );
    // warn_internalerror() only for SeaBIOS's own four commands; the vmkit ones log their reason.
    for (const e of loader.errors)
      if (!/ (WRITE_PCI_CONFIG|RESERVE_PCI_MEMORY) field /.test(e)) warnInternal('src/fw/romfile_loader.c');
    if (scriptTmp) malloc.free(scriptTmp);
  }

  // ---- prepareboot → malloc_prepboot, e820_prepboot
  const ebdaKb = opts.ebdaKb ?? 1;
  const endlow = BUILD_LOWRAM_END - ebdaKb * 1024;
  e820Add(endlow, BUILD_LOWRAM_END - endlow, E820_RESERVED);
  let zoneHighReturned: number | null = null;
  const lowestHigh = malloc.lowest('high');
  if (lowestHigh) {
    const giveback = Math.floor((lowestHigh.end - lowestHigh.start) / PAGE_SIZE) * PAGE_SIZE;
    e820Add(lowestHigh.start, giveback, E820_RAM);
    log(`Returned ${giveback} bytes of ZoneHigh`);
    zoneHighReturned = giveback;
  }
  for (const l of e820.dump()) log(l);

  const pciDevices: PciDeviceReport[] = (pciResult?.devices ?? []).map((d) => ({
    bdf: d.bdf,
    name: formatBdf(d.bdf),
    vendor: d.vendor,
    device: d.device,
    class: d.class,
    progIf: d.progIf,
    revision: d.revision,
    headerType: d.headerType,
    parent: d.parent ? d.parent.bdf : null,
    bars: pciResult?.bars.get(d.bdf) ?? [],
  }));

  return {
    log: lines,
    fwCfg: { present: cfgEnabled, dma: cfg.dma },
    romfiles: romfiles.files.map((f) => ({ name: f.name, size: f.size, select: f.select })),
    ramSize,
    ramSizeOver4G,
    e820: e820.entries(),
    pciDevices,
    pci: pciResult
      ? {
          ioWindow: pciResult.ioWindow,
          mem32Window: pciResult.mem32Window,
          mem64Window: pciResult.mem64Window,
          maxBus: pciResult.maxBus,
          panic: pciResult.panic,
        }
      : null,
    igd,
    loader,
    zones: malloc.summary(),
    zoneHighReturned,
    acpiPmBase,
    pmtimerPort: pciResult?.pmtimerPort ?? null,
  };
}

function alignDown16(x: number): number {
  return Math.floor(x / MALLOC_MIN_ALIGN) * MALLOC_MIN_ALIGN;
}

function be32(b: Uint8Array): number {
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

function le16(b: Uint8Array, o = 0): number {
  return b[o] | (b[o + 1] << 8);
}

function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

function le64(b: Uint8Array, o: number): number {
  return le32(b, o) + le32(b, o + 4) * 2 ** 32;
}
