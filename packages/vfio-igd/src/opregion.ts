// OpRegion codec: decode, validate, build, present (as Linux vfio does), pretty-print.
// Layout: Linux drivers/gpu/drm/i915/display/intel_opregion.c (struct opregion_header,
// opregion_acpi, opregion_swsci, opregion_asle, opregion_asle_ext), coreboot
// src/drivers/intel/gma/opregion.h; extended VBT presentation: Linux drivers/vfio/pci/vfio_pci_igd.c
// (vfio_pci_igd_opregion_init / vfio_pci_igd_rw); docs/igd-passthrough.md §6.
import { ascii, bytesEqual, hex, put16, put32, put64, u8, u16, u32, u64, writeAscii } from './bytes.js';
import { type DecodedVbt, decodeVbt, formatVbt, type Problem } from './vbt.js';

export const OPREGION_SIGNATURE = 'IntelGraphicsMem';
export const OPREGION_SIZE = 0x2000; // 8 KiB, vfio_pci_igd.c OPREGION_SIZE
export const OPREGION_VERSION_OFFSET = 0x16;
export const OPREGION_RVDA = 0x3ba;
export const OPREGION_RVDS = 0x3c2;
export const OPREGION_MBOX1 = 0x100;
export const OPREGION_MBOX2 = 0x200; // SWSCI
export const OPREGION_MBOX3 = 0x300; // ASLE
export const OPREGION_MBOX4 = 0x400; // VBT
export const OPREGION_MBOX4_SIZE = 0x1800; // 6 KiB
export const OPREGION_MBOX5 = 0x1c00; // ASLE extension

export const MBOX_ACPI = 1 << 0;
export const MBOX_SWSCI = 1 << 1;
export const MBOX_ASLE = 1 << 2;
export const MBOX_VBT = 1 << 3;
export const MBOX_ASLE_EXT = 1 << 4;
export const MBOX_BACKLIGHT = 1 << 5;

type Fields = Record<string, number | string | readonly number[]>;

export interface DecodedMailbox {
  readonly index: number;
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly fields: Fields;
}

export interface DecodedOpRegion {
  readonly ok: boolean;
  readonly length: number;
  readonly header?: {
    readonly signature: string;
    readonly sizeKiB: number;
    readonly version: {
      readonly major: number;
      readonly minor: number;
      readonly revision: number;
      readonly raw: number;
    };
    readonly sver: string;
    readonly vver: string;
    readonly gver: string;
    readonly dver: string;
    readonly mailboxes: number;
    readonly mailboxNames: readonly string[];
    readonly dmod: number;
    readonly pcon: number;
  };
  readonly mailboxes: readonly DecodedMailbox[];
  /** Extended VBT pointers from mailbox 3 (RVDA as hex string: u64). */
  readonly extendedVbt?: {
    readonly rvda: string;
    readonly rvds: number;
    /** 'absolute' (2.0), 'relative' (2.1+), or 'none' (zero pointers / version < 2.0). */
    readonly addressing: 'absolute' | 'relative' | 'none';
    /** Offset of the VBT inside this image when resolvable. */
    readonly offsetInImage?: number;
  };
  /** Where the VBT was found: 'mailbox4', 'extended', or 'none'. */
  readonly vbtLocation: 'mailbox4' | 'extended' | 'none';
  readonly vbt?: DecodedVbt;
  readonly problems: readonly Problem[];
}

// intel_opregion.c MBOX_*: bit 5 MBOX_BACKLIGHT = mailbox #2 used for backlight (valid from v3.x).
const MBOX_NAMES = ['ACPI', 'SWSCI', 'ASLE', 'VBT', 'ASLE-EXT', 'BACKLIGHT'];

function u32s(b: Uint8Array, off: number, n: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(u32(b, off + i * 4));
  return a;
}

function u16s(b: Uint8Array, off: number, n: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(u16(b, off + i * 2));
  return a;
}

function decodeMbox1(b: Uint8Array): Fields {
  const m = OPREGION_MBOX1;
  return {
    drdy: u32(b, m),
    csts: u32(b, m + 0x04),
    cevt: u32(b, m + 0x08),
    didl: u32s(b, m + 0x20, 8),
    cpdl: u32s(b, m + 0x40, 8),
    cadl: u32s(b, m + 0x60, 8),
    nadl: u32s(b, m + 0x80, 8),
    aslp: u32(b, m + 0xa0),
    tidx: u32(b, m + 0xa4),
    chpd: u32(b, m + 0xa8),
    clid: u32(b, m + 0xac),
    cdck: u32(b, m + 0xb0),
    sxsw: u32(b, m + 0xb4),
    evts: u32(b, m + 0xb8),
    cnot: u32(b, m + 0xbc),
    nrdy: u32(b, m + 0xc0),
    did2: u32s(b, m + 0xc4, 7),
    cpd2: u32s(b, m + 0xe0, 7),
  };
}

function decodeMbox2(b: Uint8Array): Fields {
  const m = OPREGION_MBOX2;
  return { scic: u32(b, m), parm: u32(b, m + 4), dslp: u32(b, m + 8) };
}

function decodeMbox3(b: Uint8Array): Fields {
  const m = OPREGION_MBOX3;
  return {
    ardy: u32(b, m),
    aslc: u32(b, m + 0x04),
    tche: u32(b, m + 0x08),
    alsi: u32(b, m + 0x0c),
    bclp: u32(b, m + 0x10),
    pfit: u32(b, m + 0x14),
    cblv: u32(b, m + 0x18),
    bclm: u16s(b, m + 0x1c, 20),
    cpfm: u32(b, m + 0x44),
    epfm: u32(b, m + 0x48),
    // Panel LUT: header, 10-byte panel identifier, 63-byte table (intel_opregion.c struct
    // opregion_asle plut[74]; igt intel_opregion_decode splits it the same way).
    plutHeader: b[m + 0x4c],
    plutIdentifier: Array.from(b.subarray(m + 0x4d, m + 0x57)),
    plut: Array.from(b.subarray(m + 0x57, m + 0x96)),
    pfmb: u32(b, m + 0x96),
    cddv: u32(b, m + 0x9a),
    pcft: u32(b, m + 0x9e),
    srot: u32(b, m + 0xa2),
    iuer: u32(b, m + 0xa6),
    fdss: hex(u64(b, m + 0xaa), 16),
    fdsp: u32(b, m + 0xb2),
    stat: u32(b, m + 0xb6),
    rvda: hex(u64(b, m + 0xba), 16),
    rvds: u32(b, m + 0xc2),
    vrsr: b[m + 0xc6], // DGFX video RAM self refresh (newer i915)
  };
}

function decodeMbox5(b: Uint8Array): Fields {
  const m = OPREGION_MBOX5;
  // BDDC holds a panel EDID (128/256 bytes) when PHED is non-zero.
  const edidHeader = u32(b, m + 4) === 0xffffff00 && u32(b, m + 8) === 0x00ffffff;
  return {
    phed: u32(b, m),
    edid: edidHeader ? 'present' : 'absent',
    bddc: Array.from(b.subarray(m + 4, m + 0x104)),
  };
}

/**
 * Decodes and validates an OpRegion image (as dumped from i915 debugfs, or as vfio presents it with a
 * contiguous extended VBT). Never throws: reports every problem with its offset.
 */
export function decodeOpRegion(bytes: Uint8Array): DecodedOpRegion {
  const problems: Problem[] = [];
  const mailboxes: DecodedMailbox[] = [];
  const err = (field: string, offset: number, message: string) =>
    problems.push({ severity: 'error', field, offset, message });
  const warn = (field: string, offset: number, message: string) =>
    problems.push({ severity: 'warning', field, offset, message });
  const result = (rest: Partial<DecodedOpRegion>): DecodedOpRegion => ({
    ok: !problems.some((p) => p.severity === 'error'),
    length: bytes.length,
    mailboxes,
    vbtLocation: 'none',
    problems,
    ...rest,
  });
  if (bytes.length < 0x100) {
    err('header', 0, `OpRegion header truncated: need 256 bytes, have ${bytes.length}`);
    return result({});
  }
  if (!bytesEqual(bytes, 0, OPREGION_SIGNATURE)) {
    err(
      'signature',
      0,
      `bad OpRegion signature at 0x0000: expected "IntelGraphicsMem", found "${ascii(bytes, 0, 16)}"`,
    );
  }
  const sizeKiB = u32(bytes, 0x10);
  const version = {
    revision: u8(bytes, 0x15),
    minor: u8(bytes, 0x16),
    major: u8(bytes, 0x17),
    raw: u16(bytes, 0x16),
  };
  const mbox = u32(bytes, 0x58);
  const header = {
    signature: ascii(bytes, 0, 16),
    sizeKiB,
    version,
    sver: ascii(bytes, 0x18, 32),
    vver: ascii(bytes, 0x38, 16),
    gver: ascii(bytes, 0x48, 16),
    dver: ascii(bytes, 0x64, 32),
    mailboxes: mbox,
    mailboxNames: MBOX_NAMES.filter((_, i) => (mbox & (1 << i)) !== 0),
    dmod: u32(bytes, 0x5c),
    pcon: u32(bytes, 0x60),
  };
  const declared = sizeKiB * 1024;
  if (sizeKiB === 0) err('size', 0x10, 'OpRegion SIZE is 0 KiB');
  else if (declared < OPREGION_SIZE)
    err('size', 0x10, `OpRegion SIZE ${sizeKiB} KiB is below the 8 KiB minimum`);
  if (declared > bytes.length) {
    err(
      'size',
      0x10,
      `OpRegion SIZE says ${sizeKiB} KiB (${declared} bytes) but only ${bytes.length} bytes are present`,
    );
  }
  if (mbox & ~0x3f) warn('mbox', 0x58, `unknown mailbox bits ${hex((mbox & ~0x3f) >>> 0, 8)}`);
  const need = (bit: number, off: number, size: number, name: string): boolean => {
    if (!(mbox & bit)) return false;
    if (off + size > bytes.length) {
      err(
        `mailbox.${name}`,
        off,
        `mailbox ${name} (${hex(off, 4)}..${hex(off + size, 4)}) is beyond the end of the ${bytes.length}-byte image`,
      );
      return false;
    }
    return true;
  };
  if (need(MBOX_ACPI, OPREGION_MBOX1, 0x100, 'ACPI'))
    mailboxes.push({
      index: 1,
      name: 'ACPI',
      offset: OPREGION_MBOX1,
      size: 0x100,
      fields: decodeMbox1(bytes),
    });
  if (need(MBOX_SWSCI, OPREGION_MBOX2, 0x100, 'SWSCI'))
    mailboxes.push({
      index: 2,
      name: 'SWSCI',
      offset: OPREGION_MBOX2,
      size: 0x100,
      fields: decodeMbox2(bytes),
    });
  const hasAsle = need(MBOX_ASLE, OPREGION_MBOX3, 0x100, 'ASLE');
  if (hasAsle)
    mailboxes.push({
      index: 3,
      name: 'ASLE',
      offset: OPREGION_MBOX3,
      size: 0x100,
      fields: decodeMbox3(bytes),
    });
  const hasVbtMbox = need(MBOX_VBT, OPREGION_MBOX4, OPREGION_MBOX4_SIZE, 'VBT');
  if (hasVbtMbox)
    mailboxes.push({
      index: 4,
      name: 'VBT',
      offset: OPREGION_MBOX4,
      size: OPREGION_MBOX4_SIZE,
      // The first 20 bytes: the VBT's product string ("$VBT <platform>"), as intel_opregion_decode shows.
      fields: { productString: ascii(bytes, OPREGION_MBOX4, 20).trimEnd() },
    });
  if (need(MBOX_ASLE_EXT, OPREGION_MBOX5, 0x400, 'ASLE-EXT'))
    mailboxes.push({
      index: 5,
      name: 'ASLE-EXT',
      offset: OPREGION_MBOX5,
      size: 0x400,
      fields: decodeMbox5(bytes),
    });

  // Extended VBT (vfio_pci_igd.c): valid only when version >= 2.0 and RVDA and RVDS are non-zero.
  let extendedVbt: DecodedOpRegion['extendedVbt'];
  let vbt: DecodedVbt | undefined;
  let vbtLocation: DecodedOpRegion['vbtLocation'] = 'none';
  if (bytes.length >= OPREGION_RVDS + 4) {
    const rvda = u64(bytes, OPREGION_RVDA);
    const rvds = u32(bytes, OPREGION_RVDS);
    const v2 = version.raw >= 0x0200;
    if (v2 && rvda !== 0n && rvds !== 0) {
      if (version.raw === 0x0200) {
        extendedVbt = { rvda: hex(rvda, 16), rvds, addressing: 'absolute' };
        err(
          'rvda',
          OPREGION_RVDA,
          `OpRegion 2.0 RVDA ${hex(rvda, 16)} is an absolute host physical address: the extended VBT is not in this image (present it contiguously with presentOpRegion())`,
        );
      } else if (rvda < BigInt(OPREGION_SIZE)) {
        extendedVbt = { rvda: hex(rvda, 16), rvds, addressing: 'relative' };
        err(
          'rvda',
          OPREGION_RVDA,
          `RVDA ${hex(rvda, 16)} points inside the OpRegion mailboxes (must be >= 0x2000)`,
        );
      } else if (rvda + BigInt(rvds) > BigInt(bytes.length)) {
        extendedVbt = { rvda: hex(rvda, 16), rvds, addressing: 'relative' };
        err(
          'rvda',
          OPREGION_RVDA,
          `extended VBT ${hex(rvda, 4)}+${rvds} lies outside the ${bytes.length}-byte image`,
        );
      } else {
        const off = Number(rvda);
        extendedVbt = { rvda: hex(rvda, 16), rvds, addressing: 'relative', offsetInImage: off };
        vbtLocation = 'extended';
        vbt = decodeVbt(bytes, off, off + rvds);
      }
    } else {
      extendedVbt = { rvda: hex(rvda, 16), rvds, addressing: 'none' };
      if (!v2 && (rvda !== 0n || rvds !== 0) && hasAsle) {
        warn(
          'rvda',
          OPREGION_RVDA,
          `RVDA/RVDS set but OpRegion version ${version.major}.${version.minor} < 2.0: ignored`,
        );
      }
    }
  }
  if (!vbt && hasVbtMbox) {
    vbtLocation = 'mailbox4';
    vbt = decodeVbt(bytes, OPREGION_MBOX4, OPREGION_MBOX4 + OPREGION_MBOX4_SIZE);
  }
  if (vbt) for (const p of vbt.problems) problems.push({ ...p, field: `vbt.${p.field}` });
  if (declared >= OPREGION_SIZE && bytes.length > declared && vbtLocation !== 'extended') {
    warn(
      'size',
      0x10,
      `${bytes.length - declared} bytes beyond the declared ${sizeKiB} KiB are not referenced by RVDA`,
    );
  }
  return result({ header, extendedVbt, vbt, vbtLocation });
}

/** Long arrays (PLUT, BDDC) print 16 values per line. */
function rows(items: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < items.length; i += 16) out.push(items.slice(i, i + 16).join(' '));
  return out;
}

export function formatOpRegion(d: DecodedOpRegion): string {
  const L: string[] = [];
  L.push(`OpRegion image: ${d.length} bytes`);
  if (d.header) {
    const h = d.header;
    L.push(
      `  signature "${h.signature}" size ${h.sizeKiB} KiB version ${h.version.major}.${h.version.minor}.${h.version.revision}`,
    );
    L.push(`  SVER "${h.sver}" VVER "${h.vver}" GVER "${h.gver}" DVER "${h.dver}"`);
    L.push(
      `  MBOX ${hex(h.mailboxes, 8)} (${h.mailboxNames.join(', ') || 'none'}) DMOD ${hex(h.dmod, 8)} PCON ${hex(h.pcon, 8)}`,
    );
  }
  for (const m of d.mailboxes) {
    L.push(`Mailbox ${m.index} ${m.name} at ${hex(m.offset, 4)} (${m.size} bytes)`);
    for (const [k, v] of Object.entries(m.fields)) {
      // BCLM is u16[20]; PLUT and BDDC are bytes; the other arrays are u32.
      const w = k === 'bclm' ? 4 : k === 'plut' || k === 'plutIdentifier' || k === 'bddc' ? 2 : 8;
      const s =
        typeof v === 'number'
          ? hex(v, k === 'vrsr' ? 2 : 8)
          : typeof v === 'string'
            ? v
            : rows(v.map((x) => hex(x, w))).join(`\n${' '.repeat(9)}`);
      L.push(`  ${k.toUpperCase().padEnd(6)} ${s}`);
    }
  }
  if (d.extendedVbt) {
    const e = d.extendedVbt;
    L.push(
      `Extended VBT: RVDA ${e.rvda} RVDS ${e.rvds} (${e.addressing}${e.offsetInImage !== undefined ? `, at image offset ${hex(e.offsetInImage, 4)}` : ''})`,
    );
  }
  L.push(`VBT location: ${d.vbtLocation}`);
  if (d.vbt) L.push(formatVbt(d.vbt));
  for (const p of d.problems)
    L.push(`${p.severity.toUpperCase()}: ${p.field} @ ${hex(p.offset, 4)}: ${p.message}`);
  L.push(d.ok ? 'OpRegion OK' : 'OpRegion INVALID');
  return L.join('\n');
}

export interface BuildOpRegionOptions {
  readonly vbt: Uint8Array;
  /** Header version for a VBT that fits mailbox 4 (default 2.0). A larger VBT always yields 2.1. */
  readonly version?: { readonly major: number; readonly minor: number };
  readonly sver?: string;
  readonly vver?: string;
  readonly gver?: string;
  readonly dver?: string;
  /** Mailbox bitmap; default ACPI|SWSCI|ASLE|VBT|ASLE-EXT. */
  readonly mailboxes?: number;
}

/**
 * Wraps a VBT into an OpRegion (coreboot src/drivers/intel/gma/opregion.c style). A VBT over 6 KiB
 * goes after the 8 KiB OpRegion with RVDA = 0x2000 (relative, version 2.1) and RVDS = its length:
 * the contiguous layout Linux vfio presents. Throws on a VBT over 64 KiB (u16 vbt_size).
 */
export function buildOpRegion(opts: BuildOpRegionOptions): Uint8Array {
  const vbt = opts.vbt;
  if (vbt.length === 0) throw new Error('buildOpRegion: empty VBT');
  if (vbt.length > 0xffff)
    throw new Error(`buildOpRegion: VBT of ${vbt.length} bytes is larger than a VBT can be (65535)`);
  const ext = vbt.length > OPREGION_MBOX4_SIZE;
  const out = new Uint8Array(OPREGION_SIZE + (ext ? vbt.length : 0));
  writeAscii(out, 0, 16, OPREGION_SIGNATURE);
  put32(out, 0x10, OPREGION_SIZE / 1024);
  const v = ext ? { major: 2, minor: 1 } : (opts.version ?? { major: 2, minor: 0 });
  out[0x16] = v.minor;
  out[0x17] = v.major;
  writeAscii(out, 0x18, 32, opts.sver ?? 'VMKIT SYNTHETIC SBIOS');
  writeAscii(out, 0x38, 16, opts.vver ?? '');
  writeAscii(out, 0x48, 16, opts.gver ?? '');
  writeAscii(out, 0x64, 32, opts.dver ?? '');
  put32(out, 0x58, opts.mailboxes ?? MBOX_ACPI | MBOX_SWSCI | MBOX_ASLE | MBOX_VBT | MBOX_ASLE_EXT);
  put32(out, OPREGION_MBOX2 + 8, 50); // DSLP: driver sleep timeout 50 ms (i915 default when 0)
  if (ext) {
    put64(out, OPREGION_RVDA, BigInt(OPREGION_SIZE));
    put32(out, OPREGION_RVDS, vbt.length);
    out.set(vbt, OPREGION_SIZE);
  } else {
    out.set(vbt, OPREGION_MBOX4);
  }
  return out;
}

/**
 * Presents a host OpRegion as Linux vfio does (vfio_pci_igd_rw): contiguous OpRegion (8 KiB) +
 * extended VBT, RVDA rewritten to 0x2000, version 2.0 reported as 2.1. `opRegion` is the host image
 * (at least 8 KiB); `extendedVbt` supplies the VBT bytes when the host RVDA is absolute (2.0) or the
 * dump did not include them (i915 debugfs i915_opregion dumps 8 KiB; i915_vbt holds the VBT).
 * Throws a clear Error on malformed input (host-side).
 */
export function presentOpRegion(opRegion: Uint8Array, extendedVbt?: Uint8Array): Uint8Array {
  if (opRegion.length < OPREGION_SIZE) {
    throw new Error(
      `OpRegion: image of ${opRegion.length} bytes is shorter than the 8 KiB OpRegion (offset ${hex(opRegion.length, 4)})`,
    );
  }
  if (!bytesEqual(opRegion, 0, OPREGION_SIGNATURE)) {
    throw new Error(
      `OpRegion: signature at offset 0x0000 is "${ascii(opRegion, 0, 16)}", expected "IntelGraphicsMem"`,
    );
  }
  const sizeKiB = u32(opRegion, 0x10);
  if (sizeKiB === 0) throw new Error('OpRegion: SIZE field at offset 0x0010 is 0');
  const version = u16(opRegion, OPREGION_VERSION_OFFSET);
  const rvda = u64(opRegion, OPREGION_RVDA);
  const rvds = u32(opRegion, OPREGION_RVDS);
  const hasExt = version >= 0x0200 && rvda !== 0n && rvds !== 0;
  if (!hasExt) {
    if (extendedVbt)
      throw new Error(
        'OpRegion: an extended VBT was given but RVDA/RVDS (offset 0x03ba/0x03c2) are zero or version < 2.0',
      );
    const len = Math.min(opRegion.length, Math.max(sizeKiB * 1024, OPREGION_SIZE));
    return opRegion.slice(0, len);
  }
  let vbt: Uint8Array;
  if (extendedVbt) {
    if (extendedVbt.length < rvds) {
      throw new Error(
        `OpRegion: extended VBT has ${extendedVbt.length} bytes but RVDS (offset 0x03c2) says ${rvds}`,
      );
    }
    vbt = extendedVbt.subarray(0, rvds);
  } else {
    if (version === 0x0200) {
      throw new Error(
        `OpRegion: version 2.0 RVDA (offset 0x03ba) is an absolute host address ${hex(rvda, 16)}; supply the VBT (e.g. i915_vbt) to present it`,
      );
    }
    if (rvda < BigInt(OPREGION_SIZE)) {
      throw new Error(
        `OpRegion: RVDA ${hex(rvda, 16)} (offset 0x03ba) points inside the OpRegion mailboxes (must be >= 0x2000)`,
      );
    }
    if (rvda + BigInt(rvds) > BigInt(opRegion.length)) {
      throw new Error(
        `OpRegion: extended VBT at RVDA ${hex(rvda, 8)} + RVDS ${rvds} (offsets 0x03ba/0x03c2) lies outside the ${opRegion.length}-byte image; supply the VBT separately`,
      );
    }
    vbt = opRegion.subarray(Number(rvda), Number(rvda) + rvds);
  }
  const out = new Uint8Array(OPREGION_SIZE + rvds);
  out.set(opRegion.subarray(0, OPREGION_SIZE), 0);
  if (version === 0x0200) put16(out, OPREGION_VERSION_OFFSET, 0x0201);
  put64(out, OPREGION_RVDA, BigInt(OPREGION_SIZE));
  out.set(vbt, OPREGION_SIZE);
  return out;
}

/** Extracts the VBT bytes an OpRegion image carries (mailbox 4 trimmed to vbt_size, or extended). */
export function extractVbt(opRegion: Uint8Array): Uint8Array | undefined {
  const d = decodeOpRegion(opRegion);
  if (!d.vbt?.header) return undefined;
  const start = d.vbt.base;
  const len = Math.min(d.vbt.header.vbtSize, opRegion.length - start);
  return opRegion.slice(start, start + len);
}
