// VBT (Video BIOS Table) codec: parse, validate, build, pretty-print.
// Layout: Linux drivers/gpu/drm/i915/display/intel_vbt_defs.h (struct vbt_header, struct bdb_header,
// enum bdb_block_id); validity rules: intel_bios.c intel_bios_is_valid_vbt(); block walk:
// intel_bios.c find_raw_section()/_get_blocksize() (MIPI sequence v3+ carries a u32 size).
import { ascii, bytesEqual, hex, put16, put32, sum8, u8, u16, u32, writeAscii } from './bytes.js';

export const VBT_HEADER_SIZE = 48;
export const BDB_HEADER_SIZE = 22;
export const VBT_SIGNATURE = '$VBT';
export const BDB_SIGNATURE = 'BIOS_DATA_BLOCK ';

/** Block names from intel_vbt_defs.h enum bdb_block_id. */
const BLOCK_NAMES: Readonly<Record<number, string>> = {
  1: 'BDB_GENERAL_FEATURES',
  2: 'BDB_GENERAL_DEFINITIONS',
  3: 'BDB_DISPLAY_TOGGLE',
  4: 'BDB_MODE_SUPPORT_LIST',
  5: 'BDB_GENERIC_MODE_TABLE',
  6: 'BDB_EXT_MMIO_REGS',
  7: 'BDB_SWF_IO',
  8: 'BDB_SWF_MMIO',
  9: 'BDB_PSR',
  10: 'BDB_MODE_REMOVAL_TABLE',
  11: 'BDB_CHILD_DEVICE_TABLE',
  12: 'BDB_DRIVER_FEATURES',
  13: 'BDB_DRIVER_PERSISTENCE',
  14: 'BDB_EXT_TABLE_PTRS',
  15: 'BDB_DOT_CLOCK_OVERRIDE',
  16: 'BDB_DISPLAY_SELECT_OLD',
  17: 'BDB_SV_TEST_FUNCTIONS',
  18: 'BDB_DRIVER_ROTATION',
  19: 'BDB_DISPLAY_REMOVE_OLD',
  20: 'BDB_OEM_CUSTOM',
  21: 'BDB_EFP_LIST',
  22: 'BDB_SDVO_LVDS_OPTIONS',
  23: 'BDB_SDVO_LVDS_DTD',
  24: 'BDB_SDVO_LVDS_PNP_ID',
  25: 'BDB_SDVO_LVDS_PPS',
  26: 'BDB_TV_OPTIONS',
  27: 'BDB_EDP',
  28: 'BDB_EFP_DTD',
  29: 'BDB_DISPLAY_SELECT_IVB',
  30: 'BDB_DISPLAY_REMOVE_IVB',
  31: 'BDB_DISPLAY_SELECT_HSW',
  32: 'BDB_DISPLAY_REMOVE_HSW',
  40: 'BDB_LFP_OPTIONS',
  41: 'BDB_LFP_DATA_PTRS',
  42: 'BDB_LFP_DATA',
  43: 'BDB_LFP_BACKLIGHT',
  44: 'BDB_LFP_POWER',
  45: 'BDB_EDP_BFI',
  46: 'BDB_CHROMATICITY',
  50: 'BDB_MIPI',
  51: 'BDB_FIXED_SET_MODE',
  52: 'BDB_MIPI_CONFIG',
  53: 'BDB_MIPI_SEQUENCE',
  54: 'BDB_RGB_PALETTE',
  55: 'BDB_COMPRESSION_PARAMETERS_OLD',
  56: 'BDB_COMPRESSION_PARAMETERS',
  57: 'BDB_VSWING_PREEMPH',
  58: 'BDB_GENERIC_DTD',
  252: 'BDB_INT15_HOOK',
  253: 'BDB_PRD_TABLE',
  254: 'BDB_SKIP',
};

/** Name of a BDB block id; id 9 is the ALM dot-clock table before BDB 165 (intel_vbt_defs.h). */
export function bdbBlockName(id: number, bdbVersion = 999): string {
  if (id === 9 && bdbVersion < 165) return 'BDB_DOT_CLOCK_OVERRIDE_ALM';
  return BLOCK_NAMES[id] ?? `BDB_UNKNOWN_${id}`;
}

export type Severity = 'error' | 'warning' | 'info';

/** One validation finding. `offset` is absolute within the buffer given to the decoder. */
export interface Problem {
  readonly severity: Severity;
  readonly field: string;
  readonly offset: number;
  readonly message: string;
}

export interface VbtBlock {
  readonly id: number;
  readonly name: string;
  /** Offset of the 3-byte block header (absolute). */
  readonly offset: number;
  /** Data size in bytes (the u32 size for MIPI sequence v3+). */
  readonly size: number;
  /**
   * Set on a block that runs past bdb_size while staying inside vbt_size: listed and decoded, but
   * i915's find_raw_section() (and igt's) cannot reach it.
   */
  readonly beyondBdb?: true;
}

export interface DecodedVbt {
  readonly ok: boolean;
  /** Absolute offset of the VBT within the buffer that was decoded. */
  readonly base: number;
  readonly header?: {
    readonly signature: string;
    readonly version: number;
    readonly headerSize: number;
    readonly vbtSize: number;
    readonly checksum: number;
    /** Sum of vbt_size bytes mod 256 (0 = checksum valid). */
    readonly sum: number;
    readonly checksumValid: boolean;
    readonly bdbOffset: number;
    readonly aimOffsets: readonly number[];
  };
  readonly bdb?: {
    readonly signature: string;
    readonly version: number;
    readonly headerSize: number;
    readonly bdbSize: number;
  };
  readonly blocks: readonly VbtBlock[];
  /** Bytes after vbt_size in the given buffer (padding). */
  readonly trailingBytes: number;
  readonly problems: readonly Problem[];
}

/**
 * Decodes and validates a VBT. `bytes` may be a larger buffer (e.g. an OpRegion); `base` is where
 * the VBT starts and `limit` where the space available to it ends (default: end of `bytes`).
 * Never throws on bad data: every problem is reported with its absolute offset.
 */
export function decodeVbt(bytes: Uint8Array, base = 0, limit = bytes.length): DecodedVbt {
  const problems: Problem[] = [];
  const blocks: VbtBlock[] = [];
  const err = (field: string, offset: number, message: string) =>
    problems.push({ severity: 'error', field, offset, message });
  const warn = (field: string, offset: number, message: string) =>
    problems.push({ severity: 'warning', field, offset, message });
  const avail = Math.max(0, Math.min(limit, bytes.length) - base);
  const done = (header?: DecodedVbt['header'], bdb?: DecodedVbt['bdb'], trailing = 0): DecodedVbt => ({
    ok: !problems.some((p) => p.severity === 'error'),
    base,
    header,
    bdb,
    blocks,
    trailingBytes: trailing,
    problems,
  });
  if (avail < VBT_HEADER_SIZE) {
    err(
      'vbt_header',
      base,
      `VBT header truncated: need ${VBT_HEADER_SIZE} bytes at ${hex(base, 4)}, have ${avail}`,
    );
    return done();
  }
  if (!bytesEqual(bytes, base, VBT_SIGNATURE)) {
    err(
      'signature',
      base,
      `bad VBT signature at ${hex(base, 4)}: expected "$VBT", found "${ascii(bytes, base, 4)}"`,
    );
  }
  const headerSize = u16(bytes, base + 0x16);
  const vbtSize = u16(bytes, base + 0x18);
  const checksum = u8(bytes, base + 0x1a);
  const bdbOffset = u32(bytes, base + 0x1c);
  const aimOffsets = [
    u32(bytes, base + 0x20),
    u32(bytes, base + 0x24),
    u32(bytes, base + 0x28),
    u32(bytes, base + 0x2c),
  ];
  if (headerSize < VBT_HEADER_SIZE) {
    warn('header_size', base + 0x16, `VBT header_size ${headerSize} is smaller than ${VBT_HEADER_SIZE}`);
  }
  if (vbtSize > avail) {
    err(
      'vbt_size',
      base + 0x18,
      `VBT vbt_size ${vbtSize} exceeds the ${avail} bytes available at ${hex(base, 4)}`,
    );
  } else if (vbtSize < VBT_HEADER_SIZE + BDB_HEADER_SIZE) {
    err('vbt_size', base + 0x18, `VBT vbt_size ${vbtSize} is too small for the VBT and BDB headers`);
  }
  const size = Math.min(vbtSize, avail);
  const sum = sum8(bytes, base, base + size);
  if (sum !== 0) {
    warn(
      'vbt_checksum',
      base + 0x1a,
      `VBT checksum does not sum to 0 (sum ${hex(sum, 2)}); Linux does not check it`,
    );
  }
  const header = {
    signature: ascii(bytes, base, 20).trimEnd(),
    version: u16(bytes, base + 0x14),
    headerSize,
    vbtSize,
    checksum,
    sum,
    checksumValid: sum === 0,
    bdbOffset,
    aimOffsets,
  };
  const trailing = Math.max(0, avail - vbtSize);
  // intel_bios_is_valid_vbt: bdb_offset + sizeof(bdb_header) must fit in vbt_size.
  if (bdbOffset + BDB_HEADER_SIZE > size) {
    err(
      'bdb_offset',
      base + 0x1c,
      `BDB header at VBT offset ${hex(bdbOffset, 4)} (+${BDB_HEADER_SIZE}) lies outside the VBT (${size} bytes)`,
    );
    return done(header, undefined, trailing);
  }
  if (bdbOffset < Math.min(headerSize, VBT_HEADER_SIZE)) {
    err('bdb_offset', base + 0x1c, `BDB offset ${hex(bdbOffset, 4)} overlaps the VBT header`);
  }
  const bdbAt = base + bdbOffset;
  if (!bytesEqual(bytes, bdbAt, BDB_SIGNATURE)) {
    err(
      'bdb_signature',
      bdbAt,
      `bad BDB signature at ${hex(bdbAt, 4)}: expected "BIOS_DATA_BLOCK ", found "${ascii(bytes, bdbAt, 16)}"`,
    );
  }
  const bdbVersion = u16(bytes, bdbAt + 16);
  const bdbHeaderSize = u16(bytes, bdbAt + 18);
  const bdbSize = u16(bytes, bdbAt + 20);
  const bdb = { signature: ascii(bytes, bdbAt, 16), version: bdbVersion, headerSize: bdbHeaderSize, bdbSize };
  let total = bdbSize;
  if (bdbOffset + bdbSize > size) {
    err(
      'bdb_size',
      bdbAt + 20,
      `BDB bdb_size ${bdbSize} at ${hex(bdbAt, 4)} overruns the VBT (${size - bdbOffset} bytes left)`,
    );
    total = size - bdbOffset;
  }
  if (bdbHeaderSize < BDB_HEADER_SIZE || bdbHeaderSize > total) {
    err(
      'bdb_header_size',
      bdbAt + 18,
      `BDB header_size ${bdbHeaderSize} is outside ${BDB_HEADER_SIZE}..${total}`,
    );
    return done(header, bdb, trailing);
  }
  // find_raw_section(): walk {u8 id; u16 size; data[size]} while index + 3 < total.
  const seen = new Set<number>();
  let index = bdbHeaderSize;
  while (index + 3 < total) {
    const at = bdbAt + index;
    const id = bytes[at];
    let blockSize = u16(bytes, at + 1);
    if (id === 53 && index + 8 <= total && bytes[at + 3] >= 3) blockSize = u32(bytes, at + 4);
    if (id === 0 && blockSize === 0) {
      // Zero padding at the end of the BDB is common; stop without complaint.
      break;
    }
    if (index + 3 + blockSize > total) {
      // Linux accepts such a VBT (intel_bios_is_valid_vbt checks headers only) but its
      // find_raw_section() cannot reach this block or any after it: a warning, not a rejection.
      // Several real VBTs (TGL, ADL, MTL, CML) overrun bdb_size by exactly one byte while
      // staying inside vbt_size.
      const over = index + 3 + blockSize - total;
      const inVbt = bdbOffset + index + 3 + blockSize <= size;
      warn(
        'block',
        at,
        `BDB block ${id} (${bdbBlockName(id, bdbVersion)}) at ${hex(at, 4)} with size ${blockSize} overruns the BDB end ${hex(bdbAt + total, 4)} by ${over} byte${over === 1 ? '' : 's'}${inVbt ? ' (still inside vbt_size)' : ''}; Linux cannot find it or later blocks`,
      );
      if (inVbt)
        blocks.push({ id, name: bdbBlockName(id, bdbVersion), offset: at, size: blockSize, beyondBdb: true });
      break;
    }
    if (seen.has(id))
      warn('block', at, `duplicate BDB block ${id} (${bdbBlockName(id, bdbVersion)}) at ${hex(at, 4)}`);
    seen.add(id);
    blocks.push({ id, name: bdbBlockName(id, bdbVersion), offset: at, size: blockSize });
    index += 3 + blockSize;
  }
  return done(header, bdb, trailing);
}

/** Throws a clear Error when the VBT has an error-severity problem (host-side API misuse). */
export function assertValidVbt(bytes: Uint8Array, what = 'VBT'): DecodedVbt {
  const d = decodeVbt(bytes);
  const e = d.problems.find((p) => p.severity === 'error');
  if (e) throw new Error(`${what}: ${e.field} at offset ${hex(e.offset, 4)}: ${e.message}`);
  return d;
}

export function formatVbt(d: DecodedVbt): string {
  const lines: string[] = [];
  if (d.header) {
    const h = d.header;
    lines.push(
      `VBT at ${hex(d.base, 4)}: "${h.signature}" version ${h.version} header_size ${h.headerSize} vbt_size ${h.vbtSize}`,
    );
    lines.push(
      `  checksum ${hex(h.checksum, 2)} (${h.checksumValid ? 'valid' : `INVALID, sum ${hex(h.sum, 2)}`}), bdb_offset ${hex(h.bdbOffset, 4)}${d.trailingBytes ? `, ${d.trailingBytes} trailing bytes` : ''}`,
    );
  }
  if (d.bdb) {
    lines.push(
      `BDB: "${d.bdb.signature.trimEnd()}" version ${d.bdb.version} header_size ${d.bdb.headerSize} bdb_size ${d.bdb.bdbSize}`,
    );
  }
  if (d.blocks.length) {
    lines.push(`Blocks (${d.blocks.length}):`);
    for (const b of d.blocks) {
      lines.push(`  ${String(b.id).padStart(3)} ${b.name.padEnd(32)} at ${hex(b.offset, 4)} size ${b.size}`);
    }
  }
  for (const p of d.problems)
    lines.push(`${p.severity.toUpperCase()}: ${p.field} @ ${hex(p.offset, 4)}: ${p.message}`);
  lines.push(d.ok ? 'VBT OK' : 'VBT INVALID');
  return lines.join('\n');
}

export interface VbtBlockInput {
  readonly id: number;
  readonly data: Uint8Array;
}

export interface BuildVbtOptions {
  /** Text after "$VBT " (padded to 20 bytes). */
  readonly name: string;
  readonly bdbVersion: number;
  readonly blocks: readonly VbtBlockInput[];
  /** VBT header version; real VBTs use 100. */
  readonly version?: number;
}

/** Builds a well-formed VBT with a valid checksum. Throws on bad input (host-side). */
export function buildVbt(opts: BuildVbtOptions): Uint8Array {
  let bdbSize = BDB_HEADER_SIZE;
  for (const b of opts.blocks) {
    if (b.id < 1 || b.id > 255) throw new Error(`buildVbt: block id ${b.id} out of range 1..255`);
    if (b.data.length > 0xffff)
      throw new Error(`buildVbt: block ${b.id} data size ${b.data.length} exceeds 65535`);
    bdbSize += 3 + b.data.length;
  }
  const vbtSize = VBT_HEADER_SIZE + bdbSize;
  if (vbtSize > 0xffff) throw new Error(`buildVbt: VBT size ${vbtSize} exceeds the u16 vbt_size field`);
  const out = new Uint8Array(vbtSize);
  writeAscii(out, 0, 20, `$VBT ${opts.name}`.padEnd(20, ' '));
  put16(out, 0x14, opts.version ?? 100);
  put16(out, 0x16, VBT_HEADER_SIZE);
  put16(out, 0x18, vbtSize);
  put32(out, 0x1c, VBT_HEADER_SIZE);
  writeAscii(out, VBT_HEADER_SIZE, 16, BDB_SIGNATURE);
  put16(out, VBT_HEADER_SIZE + 16, opts.bdbVersion);
  put16(out, VBT_HEADER_SIZE + 18, BDB_HEADER_SIZE);
  put16(out, VBT_HEADER_SIZE + 20, bdbSize);
  let at = VBT_HEADER_SIZE + BDB_HEADER_SIZE;
  for (const b of opts.blocks) {
    out[at] = b.id;
    put16(out, at + 1, b.data.length);
    out.set(b.data, at + 3);
    at += 3 + b.data.length;
  }
  out[0x1a] = (0x100 - sum8(out, 0, vbtSize)) & 0xff;
  return out;
}

/**
 * A small synthetic VBT: general features, general definitions with `ports` child devices
 * (eDP + HDMI/DP, struct child_device_config sized 38 bytes as BDB ≥ 196 uses), driver features.
 * Used by the catalogue for models without a real fixture; marked by name "VMKIT ...".
 */
export function buildSyntheticVbt(name: string, bdbVersion: number): Uint8Array {
  const childSize = 38;
  const devices = [
    { handle: 0x0008, type: 0x78c6, port: 10 }, // LFP1 eDP on port A (DVO_PORT_DPA)
    { handle: 0x0004, type: 0x60d6, port: 7 }, // EFP1 DP dual mode on port B (DVO_PORT_DPB)
  ];
  const defs = new Uint8Array(5 + childSize * devices.length);
  defs[0] = 0x02; // crt_ddc_gmbus_pin
  defs[4] = childSize;
  devices.forEach((d, i) => {
    const o = 5 + i * childSize;
    put16(defs, o, d.handle);
    put16(defs, o + 2, d.type);
    defs[o + 16] = d.port; // dvo_port after handle(2) type(2) union(10) addin_offset(2)
  });
  const general = new Uint8Array(7);
  general[1] = 0x02; // enable_ssc
  const driver = new Uint8Array(19);
  driver[0] = 0x01; // boot_dev_algorithm
  return buildVbt({
    name,
    bdbVersion,
    blocks: [
      { id: 1, data: general },
      { id: 2, data: defs },
      { id: 12, data: driver },
    ],
  });
}
