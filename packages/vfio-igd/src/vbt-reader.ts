// Bounded little-endian reads over one BDB block's data, for the block decoders.
//
// i915 copies each block into a zero-filled buffer at least as large as the structure it expects
// (intel_bios.c init_bdb_block(): kzalloc(max(block_size, min_size))), and igt-gpu-tools'
// intel_vbt_decode does the same (find_section()). A field past the end of a short block therefore
// reads as 0 there; BlockReader gives the same answer, so a truncated or older block never reads
// outside its own bytes.

export class BlockReader {
  /**
   * @param bytes the buffer holding the block
   * @param start absolute offset of the block's data (after the 3-byte block header)
   * @param size the block's data size
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly start: number,
    readonly size: number,
  ) {}

  u8(off: number): number {
    return off >= 0 && off < this.size && this.start + off < this.bytes.length
      ? this.bytes[this.start + off]
      : 0;
  }

  u16(off: number): number {
    return this.u8(off) | (this.u8(off + 1) << 8);
  }

  u32(off: number): number {
    return (this.u16(off) | (this.u16(off + 2) << 16)) >>> 0;
  }

  /** Bits [lsb, lsb + width) of the byte at `off` (C bit-fields, LSB first as GCC lays them out). */
  bits(off: number, lsb: number, width: number): number {
    return (this.u8(off) >> lsb) & ((1 << width) - 1);
  }

  bit(off: number, lsb: number): boolean {
    return this.bits(off, lsb, 1) === 1;
  }

  /** Printable text of a fixed-size field, stopping at NUL; other bytes become '.'. */
  text(off: number, len: number): string {
    let s = '';
    for (let i = 0; i < len; i++) {
      const c = this.u8(off + i);
      if (c === 0) break;
      s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
    }
    return s;
  }

  /** True when the block's data covers [off, off + len). */
  has(off: number, len = 1): boolean {
    return off + len <= this.size;
  }

  /** A reader over a sub-range (e.g. one child device or one table entry), still bounded. */
  sub(off: number, size: number): BlockReader {
    const avail = Math.max(0, Math.min(size, this.size - off));
    return new BlockReader(this.bytes, this.start + off, avail);
  }
}

/** Bits `num` × `panel` … of a packed per-panel field (i915 intel_bios.c panel_bits()). */
export function panelBits(value: number, panel: number, num: number): number {
  return Math.floor(value / 2 ** (panel * num)) % 2 ** num;
}

/** A raw value with the name i915 / the VBT spec gives it. */
export interface Named {
  readonly value: number;
  readonly name: string;
}

export function named(value: number, names: Readonly<Record<number, string>>, unknown = 'unknown'): Named {
  return { value, name: names[value] ?? unknown };
}

/** DP/eDP voltage swing and pre-emphasis levels (intel_vbt_defs.h EDP_VSWING_*, EDP_PREEMPHASIS_*). */
export const VSWING: Readonly<Record<number, string>> = { 0: '0.4 V', 1: '0.6 V', 2: '0.8 V', 3: '1.2 V' };
export const PREEMPH: Readonly<Record<number, string>> = { 0: '0 dB', 1: '3.5 dB', 2: '6 dB', 3: '9.5 dB' };
