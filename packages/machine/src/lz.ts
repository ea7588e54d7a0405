// A small LZ77 compressor for snapshot RAM (our own code, platform-neutral, deterministic): the
// LZ4 block format's layout (a token with literal/match length nibbles, 255-extended lengths,
// literals, a 16-bit little-endian back offset), a 4-byte-hash match finder. Guest RAM after
// firmware is mostly zero runs and repeated tables, which this catches at memcpy-like speed.

const MIN_MATCH = 4;
const HASH_BITS = 16;
const MAX_OFFSET = 0xffff;
/** The last bytes are always literals (simplifies the decoder's bounds). */
const LAST_LITERALS = 5;

function hash4(b: Uint8Array, i: number): number {
  const v = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
  return Math.imul(v, 2654435761) >>> (32 - HASH_BITS);
}

class Out {
  buf: Uint8Array;
  n = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(Math.max(64, size));
  }
  ensure(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const nb = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    nb.set(this.buf.subarray(0, this.n));
    this.buf = nb;
  }
  len(v: number): void {
    while (v >= 255) {
      this.buf[this.n++] = 255;
      v -= 255;
    }
    this.buf[this.n++] = v;
  }
}

function emit(
  o: Out,
  src: Uint8Array,
  litStart: number,
  litEnd: number,
  offset: number,
  matchLen: number,
): void {
  const lit = litEnd - litStart;
  o.ensure(lit + 16 + Math.ceil(lit / 255) + Math.ceil(matchLen / 255));
  const m = matchLen ? matchLen - MIN_MATCH : 0;
  o.buf[o.n++] = (Math.min(lit, 15) << 4) | Math.min(m, 15);
  if (lit >= 15) o.len(lit - 15);
  o.buf.set(src.subarray(litStart, litEnd), o.n);
  o.n += lit;
  if (!matchLen) return;
  o.buf[o.n++] = offset & 0xff;
  o.buf[o.n++] = offset >> 8;
  if (m >= 15) o.len(m - 15);
}

export function lzCompress(src: Uint8Array): Uint8Array {
  const o = new Out((src.length >> 3) + 64);
  const table = new Int32Array(1 << HASH_BITS).fill(-1);
  const end = src.length - LAST_LITERALS;
  let lit = 0;
  let i = 0;
  while (i + MIN_MATCH <= end) {
    const h = hash4(src, i);
    const cand = table[h]!;
    table[h] = i;
    if (
      cand >= 0 &&
      i - cand <= MAX_OFFSET &&
      src[cand] === src[i] &&
      src[cand + 1] === src[i + 1] &&
      src[cand + 2] === src[i + 2] &&
      src[cand + 3] === src[i + 3]
    ) {
      let len = MIN_MATCH;
      while (i + len < end && src[cand + len] === src[i + len]) len++;
      emit(o, src, lit, i, i - cand, len);
      i += len;
      lit = i;
      if (i - 2 >= 0 && i - 2 + MIN_MATCH <= end) table[hash4(src, i - 2)] = i - 2;
    } else i++;
  }
  emit(o, src, lit, src.length, 0, 0);
  return o.buf.slice(0, o.n);
}

/** Decompress to exactly `size` bytes; null when the data is malformed (never throws). */
export function lzDecompress(src: Uint8Array, size: number): Uint8Array | null {
  const out = new Uint8Array(size);
  let i = 0;
  let n = 0;
  const readLen = (base: number): number => {
    let v = base;
    if (base !== 15) return v;
    for (;;) {
      if (i >= src.length) return -1;
      const b = src[i++]!;
      v += b;
      if (b !== 255) return v;
    }
  };
  while (i < src.length) {
    const token = src[i++]!;
    const lit = readLen(token >> 4);
    if (lit < 0 || i + lit > src.length || n + lit > size) return null;
    out.set(src.subarray(i, i + lit), n);
    i += lit;
    n += lit;
    if (i === src.length) break;
    if (i + 2 > src.length) return null;
    const offset = src[i]! | (src[i + 1]! << 8);
    i += 2;
    const m = readLen(token & 15);
    if (m < 0 || offset === 0 || offset > n) return null;
    const len = m + MIN_MATCH;
    if (n + len > size) return null;
    for (let k = 0; k < len; k++, n++) out[n] = out[n - offset]!;
  }
  return n === size ? out : null;
}
