// Small byte helpers. Platform-neutral: typed arrays only (no Buffer, no TextDecoder).

export function u8(b: Uint8Array, off: number): number {
  return b[off];
}

export function u16(b: Uint8Array, off: number): number {
  return b[off] | (b[off + 1] << 8);
}

export function u32(b: Uint8Array, off: number): number {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
}

export function u64(b: Uint8Array, off: number): bigint {
  return BigInt(u32(b, off)) | (BigInt(u32(b, off + 4)) << 32n);
}

export function put16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}

export function put32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

export function put64(b: Uint8Array, off: number, v: bigint): void {
  put32(b, off, Number(v & 0xffffffffn));
  put32(b, off + 4, Number((v >> 32n) & 0xffffffffn));
}

/** Printable ASCII of a fixed-size field, stopping at the first NUL; other bytes become '.'. */
export function ascii(b: Uint8Array, off: number, len: number): string {
  let s = '';
  const end = Math.min(b.length, off + len);
  for (let i = off; i < end; i++) {
    const c = b[i];
    if (c === 0) break;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return s;
}

export function writeAscii(b: Uint8Array, off: number, len: number, s: string): void {
  for (let i = 0; i < len; i++) b[off + i] = i < s.length ? s.charCodeAt(i) & 0x7f : 0;
}

export function bytesEqual(a: Uint8Array, off: number, expect: string): boolean {
  if (off + expect.length > a.length) return false;
  for (let i = 0; i < expect.length; i++) if (a[off + i] !== expect.charCodeAt(i)) return false;
  return true;
}

export function sum8(b: Uint8Array, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i++) s = (s + b[i]) & 0xff;
  return s;
}

export function hex(v: number | bigint, digits: number): string {
  return `0x${v.toString(16).padStart(digits, '0')}`;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = /* @__PURE__ */ (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Decodes standard base64 (with optional '=' padding). Throws on a bad character. */
export function base64Decode(s: string): Uint8Array {
  let len = s.length;
  while (len > 0 && s.charCodeAt(len - 1) === 0x3d) len--;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c] : -1;
    if (v < 0) throw new Error(`base64: invalid character at offset ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}
