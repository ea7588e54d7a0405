import { readFileSync } from 'node:fs';
import { LinkerBuilder } from '@vmkit/bios-linker';
import { cmosRead, cmosReadsOf, cmosWrite, qosPc, targetMemory, targetPorts, tracePorts } from '@vmkit/qos';
import { describe, expect, it } from 'vitest';
import { E820_RAM, E820_RESERVED, runSeabiosPort, type SeabiosPortEvent } from '../src/index.js';
import { cfgBytes, fn, pciFunction, runPort, shadowBiosArea, u64le } from './pc.js';

const REF = new URL('./fixtures/qemu72-i440fx-128M-bios256k.debugcon.log', import.meta.url);

/** QEMU's table-loader shape: ACPI tables (128 KiB, HIGH, align 64) and the RSDP (FSEG, align 16). */
function qemuLikeLoader() {
  const tables = new Uint8Array(131072);
  tables.set([0x46, 0x41, 0x43, 0x50], 0); // "FACP"
  const rsdp = new Uint8Array(20);
  rsdp.set(new TextEncoder().encode('RSD PTR '), 0);
  const b = new LinkerBuilder();
  b.allocate('etc/acpi/tables', 64, 'high', tables);
  b.allocate('etc/acpi/rsdp', 16, 'fseg', rsdp);
  b.addPointer('etc/acpi/rsdp', 16, 4, 'etc/acpi/tables', 0);
  b.addChecksum('etc/acpi/rsdp', 0, 20, 8);
  return { 'etc/table-loader': b.encode(), 'etc/acpi/tables': tables, 'etc/acpi/rsdp': rsdp };
}

function isSubsequence(needles: string[], hay: string[]): string | null {
  let j = 0;
  for (const n of needles) {
    while (j < hay.length && hay[j] !== n) j++;
    if (j === hay.length) return n;
    j++;
  }
  return null;
}

describe('runSeabiosPort on a QEMU-like i440FX, 128 MiB', () => {
  it('prints the same lines as real SeaBIOS 1.16.2 on the covered paths (reference debugcon log)', () => {
    const pc = qosPc({ files: qemuLikeLoader() });
    const r = runPort(pc);
    const ref = readFileSync(REF, 'utf8').split('\n');
    // Every line the port prints, except its own banner, appears in the real log in the same order.
    const ours = r.log.filter((l) => !l.startsWith('SeaBIOS (version'));
    expect(isSubsequence(ours, ref)).toBeNull();
    // and the covered lines are all there
    for (const line of [
      'Found QEMU fw_cfg',
      'QEMU fw_cfg DMA interface supported',
      'qemu/e820: addr 0x0000000000000000 len 0x0000000008000000 [RAM]',
      'Relocating init from 0x000d48c0 to 0x06feb320 (size 85056)',
      'Moving pm_base to 0x600',
      'Found 4 PCI devices (max PCI bus is 00)',
      'PCI: IO: c000 - c00f',
      'PCI: 32: 0000000080000000 - 00000000fec00000',
      'PCI: map device bdf=00:01.1  bar 4, addr 0000c000, size 00000010 [io]',
      'PIIX3/PIIX4 init: elcr=00 0c',
      'Using pmtimer, ioport 0x608',
      'PCI: No VGA devices found',
      'Returned 16646144 bytes of ZoneHigh',
      'e820 map has 7 items:',
      '  6: 000000fd00000000 - 0000010000000000 = 2 RESERVED',
    ]) {
      expect(r.log).toContain(line);
    }
    const dumpStart = ref.findIndex((l) => l.startsWith('e820 map has'));
    expect(r.log.slice(r.log.indexOf('e820 map has 7 items:'))).toEqual(ref.slice(dumpStart, dumpStart + 8));
  });

  it('matches the 128k build too (no Xen probe, smaller init code)', () => {
    const pc = qosPc({ files: qemuLikeLoader() });
    const r = runPort(pc, {
      options: { xenProbe: false, initRelocation: { from: 0xe2120, size: 53952, align: 32 } },
    });
    const ref = readFileSync(new URL('qemu72-i440fx-128M-bios128k.debugcon.log', REF), 'utf8').split('\n');
    expect(isSubsequence(r.log.slice(1), ref)).toBeNull();
    expect(r.log).toContain('Relocating init from 0x000e2120 to 0x06ff2ca0 (size 53952)');
    const dumpStart = ref.findIndex((l) => l.startsWith('e820 map has'));
    expect(r.log.slice(r.log.indexOf('e820 map has 7 items:'))).toEqual(ref.slice(dumpStart, dumpStart + 8));
  });

  it('programs the hardware: IDE BAR, IRQ routing, PM base, command registers', () => {
    const pc = qosPc({ files: qemuLikeLoader() });
    const r = runPort(pc);
    expect(fn(pc, 0, 1, 1).readl(0x20)).toBe(0xc001);
    expect(cfgBytes(fn(pc, 0, 1, 0), 0x60, 4)).toEqual([10, 10, 11, 11]);
    expect(fn(pc, 0, 1, 3).readb(0x3c)).toBe(9); // SCI hard-wired after the PIRQ line write
    expect(fn(pc, 0, 1, 3).readl(0x40)).toBe(0x601);
    expect(fn(pc, 0, 1, 1).readw(0x40)).toBe(0x8000);
    for (const d of pc.bus.functions()) expect(d.readw(4) & 0x103).toBe(0x103);
    expect(r.pciDevices.map((d) => d.name)).toEqual(['00:00.0', '00:01.0', '00:01.1', '00:01.3']);
    expect(r.pciDevices[2].bars).toEqual([{ bar: 4, type: 'io', is64: false, size: 16, addr: 0xc000 }]);
    expect(r.acpiPmBase).toBe(0x600);
    // the loader ran: tables in ZoneHigh below the top of RAM, RSDP in the f-segment, pointer patched
    expect(r.loader?.ok).toBe(true);
    const tables = r.loader!.allocations.find((a) => a.file === 'etc/acpi/tables')!;
    expect(tables.addr).toBe(0x7fe0000);
    const rsdp = r.loader!.allocations.find((a) => a.file === 'etc/acpi/rsdp')!;
    expect(rsdp.addr).toBeGreaterThanOrEqual(0xf5500);
    expect(pc.target.read(rsdp.addr + 16, 4)).toBe(0x7fe0000n);
    expect(pc.target.read(0x7fe0000, 4)).toBe(0x50434146n);
    let sum = 0;
    for (const b of pc.target.readBytes(rsdp.addr, 20)) sum += b;
    expect(sum & 0xff).toBe(0);
  });

  it('accesses PCI config only through 0xcf8/0xcfc', () => {
    const pc = qosPc({ files: qemuLikeLoader() });
    shadowBiosArea(pc);
    const ports = new Set<number>();
    const io = tracePorts(targetPorts(pc.target), (a) => ports.add(a.port));
    runSeabiosPort({ io, memory: targetMemory(pc.target) });
    expect([...ports].sort((a, b) => a - b)).toEqual([
      0x4d0, 0x4d1, 0x510, 0x511, 0x514, 0x518, 0xcf8, 0xcfc, 0xcfd, 0xcfe, 0xcff,
    ]);
  });
});

function igdPlatform(
  opts: {
    opregion?: number;
    bdsmMiB?: number;
    classCode?: number;
    /** Slot on bus 0 (default 2). */
    at?: number;
    ramSize?: number;
    below4g?: number;
    loader?: Uint8Array;
    dma?: boolean;
    prefSize?: number;
  } = {},
) {
  const opregion = new Uint8Array(opts.opregion ?? 8192).map((_, i) => (i * 13 + 7) & 0xff);
  opregion.set(new TextEncoder().encode('IntelGraphicsMem'), 0);
  const files: Record<string, Uint8Array> = { ...qemuLikeLoader() };
  if (opts.opregion !== 0) files['etc/igd-opregion'] = opregion;
  if (opts.bdsmMiB !== undefined) files['etc/igd-bdsm-size'] = u64le(BigInt(opts.bdsmMiB) * 1024n * 1024n);
  if (opts.loader) files['etc/table-loader'] = opts.loader;
  const pc = qosPc({ files, ramSize: opts.ramSize, below4g: opts.below4g, dma: opts.dma });
  const slot = opts.at ?? 2;
  pc.pci.addDevice(
    pciFunction('igd', {
      vendorId: 0x8086,
      deviceId: 0x3e92,
      classCode: (opts.classCode ?? 0x0300) << 8,
      interruptPin: 1,
      bars: [
        { kind: 'mem64', size: 16 * 1024 * 1024 },
        null,
        { kind: 'mem64', size: opts.prefSize ?? 256 * 1024 * 1024, prefetchable: true },
        null,
        { kind: 'io', size: 64 },
      ],
      romSize: 0x20000,
    }),
    slot,
  );
  const igd = fn(pc, 0, slot);
  return { pc, igd, opregion };
}

describe('intel_igd_setup', () => {
  it('copies the OpRegion to ZoneHigh, writes ASLS, reserves BDSM in e820 and writes 0x5C', () => {
    const { pc, igd, opregion } = igdPlatform({ bdsmMiB: 64 });
    const events: SeabiosPortEvent[] = [];
    const r = runPort(pc, { onEvent: (e) => events.push(e) });
    // ZoneHigh = [0x7000000, 0x8000000); the OpRegion is its first allocation: top, page aligned.
    expect(igd.readl(0xfc)).toBe(0x7ffe000);
    expect(pc.target.readBytes(0x7ffe000, opregion.length)).toEqual(opregion);
    expect(r.log).toContain('Intel IGD OpRegion enabled at 0x07ffe000, size 8KB, dev 00:02.0');
    // BDSM from ZoneTmpHigh (below 0x7000000 minus the relocated init code etc.), 1 MiB aligned.
    expect(igd.readl(0x5c)).toBe(0x2f00000);
    expect(r.log).toContain('Intel IGD BDSM enabled at 0x02f00000, size 64MB, dev 00:02.0');
    expect(r.e820).toContainEqual({ start: 0x2f00000, size: 64 * 1024 * 1024, type: E820_RESERVED });
    expect(r.igd).toEqual([
      {
        bdf: 0x10,
        name: '00:02.0',
        opregion: { addr: 0x7ffe000, size: 8192 },
        bdsm: { addr: 0x2f00000, size: 0x4000000 },
        failures: [],
      },
    ]);
    expect(events).toContainEqual({ kind: 'igd-bdsm', bdf: 0x10, addr: 0x2f00000, size: 0x4000000 });
    // ACPI tables now sit below the OpRegion; the give-back shrinks accordingly.
    expect(r.loader!.allocations.find((a) => a.file === 'etc/acpi/tables')!.addr).toBe(0x7fde000);
    expect(r.log).toContain(`Returned ${0x7fde000 - 0x7000000} bytes of ZoneHigh`);
    expect(r.e820).toContainEqual({ start: 0x7fde000, size: 0x22000, type: E820_RESERVED });
    // SeaBIOS order: OpRegion log line before BDSM, both before the loader and the e820 dump.
    const i1 = r.log.findIndex((l) => l.startsWith('Intel IGD OpRegion'));
    const i2 = r.log.findIndex((l) => l.startsWith('Intel IGD BDSM'));
    expect(i1).toBeGreaterThan(r.log.indexOf('PCI: init bdf=00:02.0 id=8086:3e92'));
    expect(i2).toBe(i1 + 1);
    expect(r.log).toContain('PCI: Using 00:02.0 for primary VGA');
  });

  it('allocates the IGD BARs largest first from the top of the 32-bit window', () => {
    const { pc, igd } = igdPlatform();
    const r = runPort(pc);
    // pci_bios_init_root_regions_mem: the region with the smaller alignment (mem: 16 MiB) goes at
    // the top, ALIGN_DOWN(0xfec00000 - (16M + 128K), 16M) = 0xfd000000, largest entry first; then
    // prefmem (256 MiB) below it: ALIGN_DOWN(0xfd000000 - 256M, 256M) = 0xe0000000.
    expect(igd.readl(0x10)).toBe(0xfd000004);
    expect(igd.readl(0x14)).toBe(0);
    expect(igd.readl(0x30)).toBe(0xfe000000); // ROM BAR (enable bit left clear)
    expect(igd.readl(0x18)).toBe(0xe000000c);
    expect(igd.readl(0x1c)).toBe(0);
    expect(igd.readl(0x20)).toBe(0xc001); // io: 64 bytes first, then the IDE's 16
    expect(fn(pc, 0, 1, 1).readl(0x20)).toBe(0xc041);
    expect(r.log).toContain('PCI: map device bdf=00:02.0  bar 2, addr e0000000, size 10000000 [prefmem]');
    expect(r.log).toContain('PCI: map device bdf=00:02.0  bar 0, addr fd000000, size 01000000 [mem]');
    expect(r.log).toContain('PCI: map device bdf=00:02.0  bar 6, addr fe000000, size 00020000 [mem]');
    expect(r.log).toContain('PCI: IO: c000 - c04f');
    expect(igd.readb(0x3c)).toBe(10); // piix: pci_irqs[(pin - 1 + slot - 1) & 3] = pci_irqs[1]
    expect(r.pciDevices.find((d) => d.name === '00:02.0')!.bars.map((b) => [b.bar, b.addr])).toEqual([
      [0, 0xfd000000],
      [2, 0xe0000000],
      [4, 0xc000],
      [6, 0xfe000000],
    ]);
  });

  it('skips devices whose class is not exactly 0x0300, and BDSM off 00:02.0', () => {
    const a = igdPlatform({ classCode: 0x0380, bdsmMiB: 32 });
    const ra = runPort(a.pc);
    expect(ra.igd).toEqual([]);
    expect(a.igd.readl(0xfc)).toBe(0);
    const b = igdPlatform({ at: 3, bdsmMiB: 32 });
    const rb = runPort(b.pc);
    expect(rb.igd[0].opregion).not.toBeNull();
    expect(rb.igd[0].bdsm).toBeNull();
    expect(b.igd.readl(0x5c)).toBe(0);
  });

  it('fails cleanly: an OpRegion too large for ZoneHigh warns and skips BDSM too', () => {
    const { pc, igd } = igdPlatform({ opregion: 17 * 1024 * 1024, bdsmMiB: 32 });
    const r = runPort(pc);
    expect(r.log).toContain('WARNING - Unable to allocate resource at src/fw/pciinit.c:300!');
    expect(igd.readl(0xfc)).toBe(0);
    expect(igd.readl(0x5c)).toBe(0);
    expect(r.igd[0].failures.length).toBe(1);
  });

  it('a BDSM size that does not fit ZoneTmpHigh warns at pciinit.c:319', () => {
    const { pc, igd } = igdPlatform({ bdsmMiB: 256 });
    const r = runPort(pc);
    expect(igd.readl(0xfc)).toBe(0x7ffe000);
    expect(r.log).toContain('WARNING - Unable to allocate resource at src/fw/pciinit.c:319!');
    expect(igd.readl(0x5c)).toBe(0);
  });

  it('ignores a bdsm-size file that is not a valid integer (romfile_loadint rules)', () => {
    const { pc, igd } = igdPlatform();
    pc.fwCfg!.addFile('etc/igd-bdsm-size', new Uint8Array(3).fill(1));
    runPort(pc);
    expect(igd.readl(0x5c)).toBe(0);
  });

  it('gives the same result without fw_cfg DMA (data-port reads)', () => {
    const a = igdPlatform({ bdsmMiB: 32 });
    const b = igdPlatform({ bdsmMiB: 32, dma: false });
    const ra = runPort(a.pc);
    const rb = runPort(b.pc);
    expect(rb.log).not.toContain('QEMU fw_cfg DMA interface supported');
    expect(rb.igd).toEqual(ra.igd);
    expect(b.pc.target.readBytes(0x7ffe000, 8192)).toEqual(a.pc.target.readBytes(0x7ffe000, 8192));
  });
});

describe('the table-loader path alone programs the IGD (WRITE_PCI_CONFIG)', () => {
  function linkerScript() {
    const b = new LinkerBuilder();
    b.allocate('etc/igd-opregion', 4096, 'high');
    b.writePciConfig({
      file: 'etc/igd-opregion',
      bdf: 0x10,
      segment: 0,
      configOffset: 0xfc,
      width: 4,
      srcOffset: 0,
    });
    return b.encode();
  }

  it('with intel_igd_setup disabled, the loader gives the same ASLS and OpRegion copy', () => {
    const classic = igdPlatform();
    const rc = runPort(classic.pc, { options: { tableLoader: false } });
    const linker = igdPlatform({ loader: linkerScript() });
    const rl = runPort(linker.pc, { options: { igdSetup: false } });
    expect(rl.loader?.ok).toBe(true);
    expect(linker.igd.readl(0xfc)).toBe(classic.igd.readl(0xfc));
    expect(linker.pc.target.readBytes(0x7ffe000, 8192)).toEqual(classic.pc.target.readBytes(0x7ffe000, 8192));
    expect(rl.e820).toEqual(rc.e820);
    expect(rl.log.some((l) => l.startsWith('Intel IGD'))).toBe(false);
  });

  it("in 'seabios-1.16' mode the new command is skipped like any unknown command", () => {
    const linker = igdPlatform({ loader: linkerScript() });
    const r = runPort(linker.pc, { options: { igdSetup: false, tableLoader: 'seabios-1.16' } });
    expect(r.loader?.skipped.length).toBe(1);
    expect(linker.igd.readl(0xfc)).toBe(0);
  });
});

describe('memory map sources', () => {
  it('without etc/e820: CMOS 0x34/0x35 and 0x5b-0x5d, plus the E820_TABLE reservations', () => {
    // 128 MiB: the board's CMOS says 0x0700 × 64 KiB above 16 MiB at 0x34/0x35 (pc_cmos_init); the
    // test puts 4 GiB above 4 GiB at 0x5b-0x5d through the RTC's index/data ports.
    const pc = qosPc({
      e820: null,
      items: { 32771: new Uint8Array([1, 0, 0, 0, ...u64le(0xfeffc000), ...u64le(0x4000), 2, 0, 0, 0]) },
      ramSize: 128 * 1024 * 1024,
    });
    expect([0x34, 0x35].map((i) => cmosRead(pc.target, i))).toEqual([0x00, 0x07]);
    for (const [i, v] of [
      [0x5b, 0],
      [0x5c, 0],
      [0x5d, 1],
    ])
      cmosWrite(pc.target, i, v);
    shadowBiosArea(pc);
    const cmos = cmosReadsOf();
    const r = runSeabiosPort({
      io: tracePorts(targetPorts(pc.target), cmos.onAccess),
      memory: targetMemory(pc.target),
    });
    expect(r.log).toContain('qemu/e820: fw_cfg file etc/e820 not found');
    expect(r.log).toContain('RamSize: 0x08000000 [cmos]');
    expect(r.log).toContain('RamSizeOver4G: 0x0000000100000000 [cmos]');
    expect(r.ramSize).toBe(0x8000000);
    expect(r.e820).toContainEqual({ start: 0xfeffc000, size: 0x4000, type: E820_RESERVED });
    expect(r.e820).toContainEqual({ start: 2 ** 32, size: 2 ** 32, type: E820_RAM });
    expect(cmos.reads.slice(0, 2)).toEqual([0x34, 0x35]);
  });

  it('without fw_cfg at all: CMOS 0x30/0x31 when 0x34/0x35 are zero, no romfiles', () => {
    // A 16 MiB board: CMOS 0x30/0x31 = 0x3c00 KiB above 1 MiB, 0x34/0x35 = 0 (pc_cmos_init).
    const pc = qosPc({ fwCfg: false, ramSize: 16 * 1024 * 1024 });
    expect([0x30, 0x31, 0x34, 0x35].map((i) => cmosRead(pc.target, i))).toEqual([0x00, 0x3c, 0, 0]);
    const r = runPort(pc);
    expect(r.fwCfg).toEqual({ present: false, dma: false });
    expect(r.log).toContain('RamSize: 0x01000000 [cmos]'); // (0x3c00 KiB << 10) + 1 MiB
    expect(r.romfiles).toEqual([]);
    // 15 MiB is too small for the 16 MiB ZoneHigh: SeaBIOS falls back to 256 KiB.
    expect(r.zoneHighReturned).toBe(256 * 1024);
  });

  it('a 3.5 GiB guest moves the 32-bit window and puts 64-bit BARs above 4 GiB when they do not fit', () => {
    // 3.5 GiB below 4 GiB (QEMU's pc would round that down to 3 GiB; the port follows the e820).
    const { pc, igd } = igdPlatform({
      ramSize: 0xe0000000 + 0x20000000,
      below4g: 0xe0000000,
      prefSize: 512 * 1024 * 1024,
    });
    const r = runPort(pc);
    expect(r.log).toContain('PCI: 32: 00000000e0000000 - 00000000fec00000');
    expect(r.ramSizeOver4G).toBe(0x20000000);
    // 512 MiB prefmem cannot fit in [0xe0000000, 0xfec00000): every 64-bit BAR migrates to the
    // 64-bit window, which starts at the 1 GiB boundary above 4 GiB + RamSizeOver4G.
    expect(r.log).toContain('PCI: 64: 0000000140000000 - 00000001c0000000');
    expect([igd.readl(0x10), igd.readl(0x14)]).toEqual([0x40000004, 1]);
    expect([igd.readl(0x18), igd.readl(0x1c)]).toEqual([0x8000000c, 1]);
    expect(igd.readl(0x30)).toBe(0xfec00000 - 0x20000); // the ROM BAR is 32-bit only
    expect(r.log).toContain('Intel IGD OpRegion enabled at 0xdfffe000, size 8KB, dev 00:02.0');
  });
});
