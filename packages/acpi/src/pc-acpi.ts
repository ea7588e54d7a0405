// The ACPI blob set QEMU 7.2 publishes for `-machine pc` (hw/i386/acpi-build.c acpi_build):
// etc/acpi/tables = FACS, DSDT, FACP (rev 1), APIC (MADT), [HPET], WAET, RSDT — in that order,
// padded to a 128 KiB multiple (ACPI_BUILD_TABLE_SIZE) —, etc/acpi/rsdp (ACPI 1.0 RSDP, 20 bytes),
// and the bios-linker commands that place, link and checksum them (ALLOCATE tables HIGH/64,
// ALLOCATE rsdp FSEG/16, then ADD_POINTER/ADD_CHECKSUM in QEMU's order).

import { LinkerBuilder, type LinkerCommand } from '@vmkit/bios-linker';
import { acpiTable } from './aml.js';
import { buildDsdtBody, type DsdtOptions, type IsaDeviceDescription } from './dsdt.js';

export const ACPI_TABLES_FILE = 'etc/acpi/tables';
export const ACPI_RSDP_FILE = 'etc/acpi/rsdp';
/** QEMU ACPI_BUILD_TABLE_SIZE: etc/acpi/tables is padded to a multiple of this. */
export const ACPI_BUILD_TABLE_SIZE = 0x20000;

const GiB = 1024 * 1024 * 1024;

export interface PcAcpiOptions {
  /** Total RAM in bytes. */
  ramSize: number;
  /** RAM below / above 4 GiB in bytes (QEMU below_4g_mem_size / above_4g_mem_size). */
  below4g: number;
  above4g: number;
  /** Number of CPUs (present and possible). Default 1. */
  cpus?: number;
  /** PIIX4 PM I/O base (PMBA): PM1a_EVT = base, PM1a_CNT = base+4, PM_TMR = base+8. Default 0x600. */
  pmBase?: number;
  /** GPE0 block (QEMU PIIX4 "gpe0_blk" 0xAFE0, 4 bytes). */
  gpe0Base?: number;
  /** MADT: IO-APIC at 0xFEC00000 with its interrupt source overrides. Default true. */
  ioapic?: boolean;
  /** ISO IRQ0 → GSI2 (QEMU apic_xrupt_override / fw_cfg "irq0_override"). Default true. */
  irq0Override?: boolean;
  /** HPET table + \_SB.HPET device (QEMU has one by default; pass false when the machine has none). Default false. */
  hpet?: boolean;
  hpetBase?: number;
  /** HPET event timer block id (QEMU: capabilities of its 3-timer HPET, 0x8086A201). */
  hpetBlockId?: number;
  /** ISA floppy controller in the DSDT (QEMU pc has one even with -nodefaults). Default false. */
  fdc?: boolean;
  /** 32-bit PCI window [start, end). Default [below4g, 0xFEC00000) like QEMU's i440FX pci-hole. */
  pciHole?: { start: number; end: number };
  /** 64-bit PCI window [start, end). Default QEMU's: start = 4 GiB + above4g rounded up to 1 GiB, size 2 GiB. */
  pciHole64?: { start: number | bigint; end: number | bigint };
  /** \_S3 / \_S4 packages (PIIX4 disable_s3/disable_s4 = 0 by default). */
  s3?: boolean;
  s4?: boolean;
  /** fw_cfg device in the DSDT (QEMU0002). Default { base: 0x510, dma: true }; null to omit. */
  fwCfg?: { base: number; dma: boolean } | null;
  /**
   * PCI devices on bus 0 besides the host bridge (00:00.0) and the PIIX3 (00:01.x):
   * `bdf` = bus << 8 | dev << 3 | fn; `vga` for display-class devices (e.g. an IGD at 00:02.0).
   * Function-0 devices get a `\_SB.PCI0.S<devfn>` node with `_ADR`, as QEMU 7.2 emits them.
   */
  pciDevices?: Array<{ bdf: number; vga?: boolean }>;
  /** More ISA devices for \_SB.PCI0.ISA (plugged devices' ACPI descriptions). */
  isaDevices?: IsaDeviceDescription[];
  /** FADT SCI interrupt (PIIX4 9), SMI command port (0xB2), ACPI enable/disable values (0xF1/0xF0). */
  sciInt?: number;
  smiCmd?: number;
  acpiEnable?: number;
  acpiDisable?: number;
}

export interface AcpiTableInfo {
  signature: string;
  offset: number;
  length: number;
}

export interface PcAcpiBlobs {
  files: Array<{ name: string; data: Uint8Array }>;
  /** bios-linker commands (ALLOCATEs first), to be encoded into etc/table-loader. */
  loader: LinkerCommand[];
  /** Where each table sits in etc/acpi/tables (before the loader runs). */
  tables: AcpiTableInfo[];
}

function u32le(out: Uint8Array, off: number, v: number): void {
  out[off] = v & 0xff;
  out[off + 1] = (v >>> 8) & 0xff;
  out[off + 2] = (v >>> 16) & 0xff;
  out[off + 3] = (v >>> 24) & 0xff;
}

function checkInt(field: string, v: number, max: number): void {
  if (!Number.isSafeInteger(v) || v < 0 || v > max)
    throw new Error(`buildPcAcpi: ${field} ${v} is not an integer in 0..0x${max.toString(16)}`);
}

/** FADT revision 1 (116 bytes) as QEMU 7.2 builds it for PIIX4 (build_fadt with rev 1, pc_madt_cpu_entry…). */
function fadtBody(
  o: Required<
    Pick<PcAcpiOptions, 'pmBase' | 'gpe0Base' | 'sciInt' | 'smiCmd' | 'acpiEnable' | 'acpiDisable'>
  >,
  cpus: number,
): Uint8Array {
  const b = new Uint8Array(116 - 36);
  const at = (off: number) => off - 36;
  // 36 FIRMWARE_CTRL, 40 DSDT: patched by ADD_POINTER
  b[at(44)] = 1; // "INT_MODEL" (ACPI 1.0): 1 = multiple APIC (QEMU: model = 1)
  b[at(45)] = 0; // Preferred_PM_Profile: unspecified
  b[at(46)] = o.sciInt & 0xff;
  b[at(47)] = o.sciInt >> 8;
  u32le(b, at(48), o.smiCmd);
  b[at(52)] = o.acpiEnable;
  b[at(53)] = o.acpiDisable;
  u32le(b, at(56), o.pmBase); // PM1a_EVT_BLK
  u32le(b, at(64), o.pmBase + 4); // PM1a_CNT_BLK
  u32le(b, at(76), o.pmBase + 8); // PM_TMR_BLK
  u32le(b, at(80), o.gpe0Base); // GPE0_BLK
  b[at(88)] = 4; // PM1_EVT_LEN
  b[at(89)] = 2; // PM1_CNT_LEN
  b[at(91)] = 4; // PM_TMR_LEN
  b[at(92)] = 4; // GPE0_BLK_LEN
  b[at(96)] = 0xff; // P_LVL2_LAT 0xFFF: C2 not supported
  b[at(97)] = 0x0f;
  b[at(98)] = 0xff; // P_LVL3_LAT 0xFFF: C3 not supported
  b[at(99)] = 0x0f;
  b[at(108)] = 0x32; // CENTURY: RTC CMOS index 0x32 (hw/rtc/mc146818rtc.c RTC_CENTURY)
  // IAPC_BOOT_ARCH 0 for rev 1 (QEMU only sets it for rev >= 3)
  // Flags: WBINVD | PROC_C1 | SLP_BUTTON | RTC_S4 | USE_PLATFORM_CLOCK, + FORCE_APIC_CLUSTER_MODEL over 8 CPUs
  let flags = (1 << 0) | (1 << 2) | (1 << 5) | (1 << 7) | (1 << 15);
  if (cpus > 8) flags |= 1 << 18;
  u32le(b, at(112), flags);
  return b;
}

/** MADT (QEMU hw/i386/acpi-common.c acpi_build_madt). */
function madtBody(cpus: number, ioapic: boolean, irq0Override: boolean): Uint8Array {
  const out: number[] = [];
  const u32 = (v: number) => out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  u32(0xfee00000); // Local APIC address (APIC_DEFAULT_ADDRESS)
  u32(1); // PCAT_COMPAT: dual 8259s present
  for (let i = 0; i < cpus; i++) {
    out.push(0, 8, i, i); // Processor Local APIC: uid = i, APIC id = i
    u32(1); // enabled
  }
  if (ioapic) {
    out.push(1, 12, 0, 0); // I/O APIC, id 0 (ACPI_BUILD_IOAPIC_ID)
    u32(0xfec00000);
    u32(0); // GSI base
    if (irq0Override) {
      out.push(2, 10, 0, 0); // ISO bus 0 (ISA), source IRQ0 → GSI 2, flags 0 (conforms to bus)
      u32(2);
      out.push(0, 0);
    }
    // PCI interrupts 5, 9, 10, 11: active high, level triggered (flags 0x000D)
    for (const irq of [5, 9, 10, 11]) {
      out.push(2, 10, 0, irq);
      u32(irq);
      out.push(0x0d, 0);
    }
  }
  out.push(4, 6, 0xff, 0, 0, 1); // Local APIC NMI: all processors, flags 0, LINT1
  return Uint8Array.from(out);
}

/** Builds etc/acpi/tables, etc/acpi/rsdp and the table-loader commands. Host misuse throws. */
export function buildPcAcpi(opts: PcAcpiOptions): PcAcpiBlobs {
  checkInt('ramSize', opts.ramSize, Number.MAX_SAFE_INTEGER);
  checkInt('below4g', opts.below4g, 4 * GiB);
  checkInt('above4g', opts.above4g, Number.MAX_SAFE_INTEGER);
  const cpus = opts.cpus ?? 1;
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > 255)
    throw new Error(`buildPcAcpi: cpus ${cpus} is not 1..255`);
  const pmBase = opts.pmBase ?? 0x600;
  checkInt('pmBase', pmBase, 0xffc0);
  const gpe0Base = opts.gpe0Base ?? 0xafe0;
  checkInt('gpe0Base', gpe0Base, 0xfffc);
  const sciInt = opts.sciInt ?? 9;
  checkInt('sciInt', sciInt, 0xffff);
  const smiCmd = opts.smiCmd ?? 0xb2;
  checkInt('smiCmd', smiCmd, 0xffff);
  const acpiEnable = opts.acpiEnable ?? 0xf1;
  checkInt('acpiEnable', acpiEnable, 0xff);
  const acpiDisable = opts.acpiDisable ?? 0xf0;
  checkInt('acpiDisable', acpiDisable, 0xff);
  const hpet = opts.hpet ?? false;
  const hpetBase = opts.hpetBase ?? 0xfed00000;
  checkInt('hpetBase', hpetBase, 0xffffffff);
  const pciHole = opts.pciHole ?? { start: opts.below4g, end: 0xfec00000 };
  checkInt('pciHole.start', pciHole.start, 0xffffffff);
  checkInt('pciHole.end', pciHole.end, 0x100000000);
  let pciHole64: { start: bigint; end: bigint };
  if (opts.pciHole64) pciHole64 = { start: BigInt(opts.pciHole64.start), end: BigInt(opts.pciHole64.end) };
  else {
    // QEMU hw/i386/pc.c pc_pci_hole64_start: 4 GiB + above_4g_mem_size, rounded up to 1 GiB;
    // i440fx_pcihost_get_pci_hole64_end: start + pci-hole64-size (2 GiB), rounded up to 1 GiB.
    const g = BigInt(GiB);
    const start = ((4n * g + BigInt(opts.above4g) + g - 1n) / g) * g;
    pciHole64 = { start, end: ((start + 2n * g + g - 1n) / g) * g };
  }
  if (pciHole64.start < 0n || pciHole64.end > 0xffffffffffffffffn)
    throw new Error('buildPcAcpi: pciHole64 is outside the 64-bit space');

  const dsdtOpts: DsdtOptions = {
    cpus,
    pciHole,
    pciHole64,
    hpet,
    hpetBase,
    fdc: opts.fdc ?? false,
    s3: opts.s3 ?? true,
    s4: opts.s4 ?? true,
    s4Value: 2,
    gpe0Base,
    gpe0Length: 4,
    fwCfg: opts.fwCfg === undefined ? { base: 0x510, dma: true } : opts.fwCfg,
    pciDevices: opts.pciDevices ?? [],
    isaDevices: opts.isaDevices ?? [],
  };
  for (const d of dsdtOpts.isaDevices ?? []) {
    if (!/^[A-Z_][A-Z0-9_]{0,3}$/.test(d.name))
      throw new Error(`isaDevices: AML name '${d.name}' must be 1-4 of A-Z 0-9 _`);
  }
  for (const [i, d] of dsdtOpts.pciDevices.entries()) checkInt(`pciDevices[${i}].bdf`, d.bdf, 0xffff);

  // Tables in QEMU's order.
  const facs = new Uint8Array(64); // FACS rev 0: signature + length, rest 0 (build_facs)
  facs.set([0x46, 0x41, 0x43, 0x53], 0);
  u32le(facs, 4, 64);
  const dsdt = acpiTable('DSDT', 1, buildDsdtBody(dsdtOpts));
  const fadt = acpiTable(
    'FACP',
    1,
    fadtBody({ pmBase, gpe0Base, sciInt, smiCmd, acpiEnable, acpiDisable }, cpus),
  );
  const madt = acpiTable('APIC', 1, madtBody(cpus, opts.ioapic ?? true, opts.irq0Override ?? true));
  const parts: Array<{ sig: string; data: Uint8Array; checksum: boolean }> = [
    { sig: 'FACS', data: facs, checksum: false },
    { sig: 'DSDT', data: dsdt, checksum: true },
    { sig: 'FACP', data: fadt, checksum: true },
    { sig: 'APIC', data: madt, checksum: true },
  ];
  if (hpet) {
    // QEMU hw/acpi/hpet? (build_hpet): block id, GAS {SystemMemory, 0, 0, 0, base}, number 0, min tick 0, protection 0
    const body = new Uint8Array(20);
    u32le(body, 0, opts.hpetBlockId ?? 0x8086a201);
    u32le(body, 8, hpetBase);
    parts.push({ sig: 'HPET', data: acpiTable('HPET', 1, body), checksum: true });
  }
  // WAET (QEMU build_waet): "ACPI PM timer good" — reading the PM timer has no side effects
  parts.push({ sig: 'WAET', data: acpiTable('WAET', 1, [2, 0, 0, 0]), checksum: true });

  let off = 0;
  const placed: AcpiTableInfo[] = [];
  for (const p of parts) {
    placed.push({ signature: p.sig, offset: off, length: p.data.length });
    off += p.data.length;
  }
  // RSDT: every table except FACS and DSDT (they are reached through the FADT)
  const rsdtEntries = placed.filter((t) => t.signature !== 'FACS' && t.signature !== 'DSDT');
  const rsdt = acpiTable('RSDT', 1, new Uint8Array(4 * rsdtEntries.length));
  const rsdtOffset = off;
  placed.push({ signature: 'RSDT', offset: rsdtOffset, length: rsdt.length });
  off += rsdt.length;

  const size = Math.ceil(off / ACPI_BUILD_TABLE_SIZE) * ACPI_BUILD_TABLE_SIZE;
  const blob = new Uint8Array(size);
  for (let i = 0; i < parts.length; i++) blob.set(parts[i].data, placed[i].offset);
  blob.set(rsdt, rsdtOffset);

  // RSDP (ACPI 1.0, 20 bytes): "RSD PTR ", checksum, OEMID, revision 0, RSDT address
  const rsdp = new Uint8Array(20);
  rsdp.set([0x52, 0x53, 0x44, 0x20, 0x50, 0x54, 0x52, 0x20], 0);
  rsdp.set([0x42, 0x4f, 0x43, 0x48, 0x53, 0x20], 9); // "BOCHS "

  // Loader commands in QEMU's order (the builder prepends ALLOCATEs: rsdp ends up first).
  const b = new LinkerBuilder();
  b.allocate(ACPI_TABLES_FILE, 64, 'high', blob);
  const at = (sig: string) => {
    const t = placed.find((x) => x.signature === sig);
    if (!t) throw new Error(`internal: table ${sig} missing`);
    return t;
  };
  const dsdtT = at('DSDT');
  b.addChecksum(ACPI_TABLES_FILE, dsdtT.offset, dsdtT.length, dsdtT.offset + 9);
  const fadtT = at('FACP');
  b.addPointer(ACPI_TABLES_FILE, fadtT.offset + 36, 4, ACPI_TABLES_FILE, at('FACS').offset);
  b.addPointer(ACPI_TABLES_FILE, fadtT.offset + 40, 4, ACPI_TABLES_FILE, dsdtT.offset);
  b.addChecksum(ACPI_TABLES_FILE, fadtT.offset, fadtT.length, fadtT.offset + 9);
  for (const t of rsdtEntries) {
    if (t.signature === 'FACP') continue;
    b.addChecksum(ACPI_TABLES_FILE, t.offset, t.length, t.offset + 9);
  }
  rsdtEntries.forEach((t, i) => {
    b.addPointer(ACPI_TABLES_FILE, rsdtOffset + 36 + 4 * i, 4, ACPI_TABLES_FILE, t.offset);
  });
  b.addChecksum(ACPI_TABLES_FILE, rsdtOffset, rsdt.length, rsdtOffset + 9);
  b.allocate(ACPI_RSDP_FILE, 16, 'fseg', rsdp);
  b.addPointer(ACPI_RSDP_FILE, 16, 4, ACPI_TABLES_FILE, rsdtOffset);
  b.addChecksum(ACPI_RSDP_FILE, 0, 20, 8);

  return {
    files: [
      { name: ACPI_TABLES_FILE, data: blob },
      { name: ACPI_RSDP_FILE, data: rsdp },
    ],
    loader: b.commands(),
    tables: placed,
  };
}
