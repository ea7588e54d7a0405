// Loads the QEMU 7.2 reference captures (see fixtures/capture-qemu-fwcfg.py). Test-only.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export type Mem = 128 | 4096;

export function qemuFile(mem: Mem, name: string): Uint8Array {
  const file = new URL(
    `./fixtures/qemu72-pc-nodefaults-m${mem}-${name.replace(/\//g, '_')}.gz`,
    import.meta.url,
  );
  return new Uint8Array(gunzipSync(readFileSync(file)));
}

export function qemuFileNamed(base: string): Uint8Array {
  return new Uint8Array(gunzipSync(readFileSync(new URL(`./fixtures/${base}.gz`, import.meta.url))));
}

export interface TableRef {
  signature: string;
  offset: number;
  length: number;
  bytes: Uint8Array;
}

/** Walks a concatenated table blob (FACS first, then headers with a length at +4). */
export function walkTables(blob: Uint8Array): TableRef[] {
  const out: TableRef[] = [];
  let p = 0;
  while (p + 8 <= blob.length) {
    const sig = String.fromCharCode(...blob.subarray(p, p + 4));
    if (sig === '\0\0\0\0') break;
    const len = (blob[p + 4] | (blob[p + 5] << 8) | (blob[p + 6] << 16) | (blob[p + 7] << 24)) >>> 0;
    if (len < 8 || p + len > blob.length) throw new Error(`bad table ${sig} at ${p}`);
    out.push({ signature: sig, offset: p, length: len, bytes: blob.subarray(p, p + len) });
    p += len;
  }
  return out;
}

export function sum8(b: Uint8Array, start = 0, len = b.length - start): number {
  let s = 0;
  for (let i = start; i < start + len; i++) s = (s + b[i]) & 0xff;
  return s;
}

/** QEMU 7.2 pc memory split: RAM >= 0xE0000000 → 3 GiB below 4G (gigabyte_align), rest above. */
export function qemuSplit(mem: Mem): { ramSize: number; below4g: number; above4g: number } {
  const ramSize = mem * 1024 * 1024;
  const below4g = ramSize >= 0xe0000000 ? 0xc0000000 : ramSize;
  return { ramSize, below4g, above4g: ramSize - below4g };
}
