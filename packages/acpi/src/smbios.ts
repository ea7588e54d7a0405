// SMBIOS tables as QEMU 7.2 publishes them for `-machine pc` (hw/smbios/smbios.c
// smbios_get_tables with the pc-i440fx-7.2 defaults: 2.1 (32-bit) entry point, SMBIOS 2.8, no
// type 0 — SeaBIOS adds its own in smbios_romfile_setup —, types 1, 3, 4 per CPU, 16, 17 per 16 GiB
// DIMM, 19 per RAM region, 32, 127). Layout per DMTF DSP0134 3.x; field values per QEMU's
// smbios_build_type_*_table. Checksums of the anchor are left 0 as QEMU does: SeaBIOS
// (src/fw/biostables.c smbios_romfile_setup) fills in the table address and both checksums.

export interface SmbiosOptions {
  /** Total RAM in bytes. */
  ramSize: number;
  /** RAM below 4 GiB / above 4 GiB in bytes (QEMU x86ms->below_4g_mem_size / above_4g_mem_size). */
  below4g: number;
  above4g: number;
  cpus?: number;
  /** Type 1/3 product/version strings; defaults as pc-i440fx-7.2. */
  manufacturer?: string;
  product?: string;
  version?: string;
  /** Type 1 UUID (16 bytes, SMBIOS wire order); QEMU without -uuid publishes zeros. */
  uuid?: Uint8Array;
  /** CPUID leaf 1 EAX/EDX for type 4 "processor id" (default: QEMU's qemu64 model, 0x00060fb1 / 0x078bfbfd). */
  cpuidEax?: number;
  cpuidEdx?: number;
  /** Type 4 speeds in MHz (QEMU default 2000). */
  cpuMhz?: number;
}

export interface SmbiosBlobs {
  files: Array<{ name: string; data: Uint8Array }>;
  /** Number of structures in etc/smbios/smbios-tables. */
  structureCount: number;
}

const KiB = 1024;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** QEMU hw/smbios/smbios.c MAX_DIMM_SZ: one type 17 per 16 GiB. */
const MAX_DIMM_SZ = 16 * GiB;
const MAX_T16_STD_SZ = 0x80000000; // KiB
const MAX_T17_STD_SZ = 0x7fff; // MiB

class Writer {
  bytes: number[] = [];
  u8(v: number): this {
    this.bytes.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(Math.floor(v / 0x10000) & 0xffff);
  }
  u64(v: number | bigint): this {
    const x = BigInt(v);
    for (let i = 0n; i < 8n; i++) this.u8(Number((x >> (8n * i)) & 0xffn));
    return this;
  }
}

function ascii(s: string, what: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e)
      throw new Error(
        `buildSmbios: ${what} ${JSON.stringify(s)} has a non-printable-ASCII character at ${i}`,
      );
    out.push(c);
  }
  return out;
}

/**
 * One structure: formatted area (type, length, handle, fields) + string set. `strings` are
 * referenced by 1-based index from the formatted area; an empty set is written as two NULs.
 */
function structure(
  type: number,
  handle: number,
  body: number[],
  strings: string[],
): { bytes: number[]; size: number } {
  const len = 4 + body.length;
  const out = [type, len, handle & 0xff, handle >>> 8, ...body];
  if (strings.length === 0) out.push(0, 0);
  else {
    for (const s of strings) out.push(...ascii(s, `type ${type} string`), 0);
    out.push(0);
  }
  return { bytes: out, size: out.length };
}

/** Builds etc/smbios/smbios-tables and etc/smbios/smbios-anchor (31-byte SMBIOS 2.1 entry point). */
export function buildSmbios(o: SmbiosOptions): SmbiosBlobs {
  for (const k of ['ramSize', 'below4g', 'above4g'] as const) {
    const v = o[k];
    if (!Number.isSafeInteger(v) || v < 0)
      throw new Error(`buildSmbios: ${k} ${v} is not a non-negative integer`);
  }
  if (o.ramSize <= 0) throw new Error('buildSmbios: ramSize must be > 0');
  if (o.below4g > 4 * GiB) throw new Error(`buildSmbios: below4g 0x${o.below4g.toString(16)} is above 4 GiB`);
  const cpus = o.cpus ?? 1;
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > 255)
    throw new Error(`buildSmbios: cpus ${cpus} is not 1..255`);
  const manufacturer = o.manufacturer ?? 'QEMU';
  const product = o.product ?? 'Standard PC (i440FX + PIIX, 1996)';
  const version = o.version ?? 'pc-i440fx-7.2';
  if (o.uuid && o.uuid.length !== 16) throw new Error(`buildSmbios: uuid has ${o.uuid.length} bytes, not 16`);
  const mhz = o.cpuMhz ?? 2000;

  const structs: Array<{ bytes: number[]; size: number }> = [];

  // Type 1 System Information (smbios_build_type_1_table): wake-up type 6 = power switch
  {
    const w = new Writer().u8(1).u8(2).u8(3).u8(0);
    for (let i = 0; i < 16; i++) w.u8(o.uuid ? o.uuid[i] : 0);
    w.u8(0x06).u8(0).u8(0);
    structs.push(structure(1, 0x100, w.bytes, [manufacturer, product, version]));
  }
  // Type 3 System Enclosure (smbios_build_type_3_table): type 1 "Other", states 3 "Safe",
  // security 2 "Unknown", no contained elements, no SKU
  {
    const w = new Writer().u8(1).u8(0x01).u8(2).u8(0).u8(0).u8(0x03).u8(0x03).u8(0x03).u8(0x02);
    w.u32(0).u8(0).u8(0).u8(0).u8(0).u8(0);
    structs.push(structure(3, 0x300, w.bytes, [manufacturer, version]));
  }
  // Type 4 Processor Information per CPU (smbios_build_type_4_table)
  for (let i = 0; i < cpus; i++) {
    const w = new Writer().u8(1).u8(0x03).u8(0x01).u8(2);
    w.u32(o.cpuidEax ?? 0x00060fb1).u32(o.cpuidEdx ?? 0x078bfbfd);
    w.u8(3).u8(0).u16(0).u16(mhz).u16(mhz).u8(0x41).u8(0x01);
    w.u16(0xffff).u16(0xffff).u16(0xffff); // no L1/L2/L3 cache handles
    w.u8(0).u8(0).u8(0); // serial, asset tag, part number
    w.u8(1).u8(1).u8(1); // core count, cores enabled, thread count (one single-core socket each)
    w.u16(0x02).u16(0x01); // characteristics "Unknown", processor family 2 = "Other"
    structs.push(structure(4, 0x400 + i, w.bytes, [`CPU ${i}`, manufacturer, version]));
  }
  const dimmCount = Math.ceil(o.ramSize / MAX_DIMM_SZ);
  // Type 16 Physical Memory Array: location "Other", use "System memory", ECC "Multi-bit"
  {
    const sizeKb = Math.ceil(o.ramSize / KiB);
    const w = new Writer().u8(0x01).u8(0x03).u8(0x06);
    if (sizeKb < MAX_T16_STD_SZ) w.u32(sizeKb);
    else w.u32(MAX_T16_STD_SZ);
    w.u16(0xfffe).u16(dimmCount);
    w.u64(sizeKb < MAX_T16_STD_SZ ? 0 : o.ramSize);
    structs.push(structure(16, 0x1000, w.bytes, []));
  }
  // Type 17 Memory Device per DIMM: form factor DIMM, type RAM, detail "Other"
  for (let i = 0; i < dimmCount; i++) {
    const size = i < dimmCount - 1 ? MAX_DIMM_SZ : ((o.ramSize - 1) % MAX_DIMM_SZ) + 1;
    const sizeMb = Math.ceil(size / MiB);
    const w = new Writer().u16(0x1000).u16(0xfffe).u16(0xffff).u16(0xffff);
    w.u16(Math.min(sizeMb, MAX_T17_STD_SZ));
    w.u8(0x09).u8(0).u8(1).u8(0).u8(0x07).u16(0x0002).u16(0); // form, set, locator, bank, type, detail, speed
    w.u8(2).u8(0).u8(0).u8(0).u8(0); // manufacturer, serial, asset, part, attributes
    w.u32(sizeMb < MAX_T17_STD_SZ ? 0 : sizeMb)
      .u16(0)
      .u16(0)
      .u16(0)
      .u16(0);
    structs.push(structure(17, 0x1100 + i, w.bytes, [`DIMM ${i}`, manufacturer]));
  }
  // Type 19 Memory Array Mapped Address per region (pc_smbios / smbios_get_tables mem_array)
  const regions: Array<[number, number]> = [];
  if (o.below4g > 0) regions.push([0, o.below4g]);
  if (o.above4g > 0) regions.push([4 * GiB, o.above4g]);
  regions.forEach(([start, size], i) => {
    const end = start + size - 1;
    const startKb = Math.floor(start / KiB);
    const endKb = Math.floor(end / KiB);
    const w = new Writer();
    if (startKb < 0xffffffff && endKb < 0xffffffff) w.u32(startKb).u32(endKb);
    else w.u32(0xffffffff).u32(0xffffffff);
    w.u16(0x1000).u8(1); // array handle, partition width
    if (startKb < 0xffffffff && endKb < 0xffffffff) w.u64(0).u64(0);
    else w.u64(start).u64(end);
    structs.push(structure(19, 0x1300 + i, w.bytes, []));
  });
  // Type 32 System Boot Information: "no errors detected"
  structs.push(structure(32, 0x2000, [0, 0, 0, 0, 0, 0, 0], []));
  // Type 127 End-of-Table
  structs.push(structure(127, 0x7f00, [], []));

  const total = structs.reduce((n, s) => n + s.size, 0);
  if (total > 0xffff)
    throw new Error(`buildSmbios: tables are ${total} bytes, more than the 2.1 entry point can describe`);
  const tables = new Uint8Array(total);
  let p = 0;
  let maxSize = 0;
  for (const s of structs) {
    tables.set(s.bytes, p);
    p += s.size;
    maxSize = Math.max(maxSize, s.size);
  }

  // SMBIOS 2.1 entry point (DSP0134 §5.2.1), version 2.8, BCD revision 0x28; checksums and the
  // table address are left 0 (SeaBIOS fills them in).
  const ep = new Uint8Array(31);
  const dv = new DataView(ep.buffer);
  ep.set([0x5f, 0x53, 0x4d, 0x5f], 0); // "_SM_"
  ep[5] = 31;
  ep[6] = 2;
  ep[7] = 8;
  dv.setUint16(8, maxSize, true);
  ep.set([0x5f, 0x44, 0x4d, 0x49, 0x5f], 16); // "_DMI_"
  dv.setUint16(22, total, true);
  dv.setUint16(28, structs.length, true);
  ep[30] = 0x28;

  return {
    files: [
      { name: 'etc/smbios/smbios-tables', data: tables },
      { name: 'etc/smbios/smbios-anchor', data: ep },
    ],
    structureCount: structs.length,
  };
}
