// Machine snapshots (DESIGN.md §2 "State is data"): the sum of the board's and the devices' states,
// the CPU, the machine's own clock and stop state, the log and event windows, and the RAM pages
// that are not all zero (compressed with our own LZ77, src/lz.ts). A
// snapshot restores only on a machine built from the same config (a fingerprint of it is kept)
// by the same snapshot version; `encodeSnapshot`/`decodeSnapshot` give it a checked file form.

import { lzCompress, lzDecompress } from './lz.js';

const utf8 = {
  encode: (text: string): Uint8Array => {
    const out: number[] = [];
    for (const ch of text) {
      const c = ch.codePointAt(0)!;
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return Uint8Array.from(out);
  },
  decode: (b: Uint8Array): string => {
    let s = '';
    for (let i = 0; i < b.length; ) {
      const x = b[i]!;
      const n = x < 0x80 ? 1 : x < 0xe0 ? 2 : x < 0xf0 ? 3 : 4;
      let c = n === 1 ? x : x & (0xff >> (n + 1));
      for (let k = 1; k < n; k++) c = (c << 6) | ((b[i + k] ?? 0) & 63);
      s += String.fromCodePoint(Math.min(c, 0x10ffff));
      i += n;
    }
    return s;
  },
};

/** Bump whenever the shape of any state in a snapshot changes (2: the board's state is its device
 * list, `PcPlatform.boardDevices`, one key per device; the IDE channels are ide0/ide1; 2 on the
 * fpu branch: the CPU state holds the x87 FPU; 3: both, and the machine's COM1 window `serial`). */
export const SNAPSHOT_VERSION = 3;
export const SNAPSHOT_FORMAT = 'vmkit-machine-snapshot';
const MAGIC = 'VMKITSNP';
const PAGE = 4096;

/** RAM of one region: the indexes of its non-zero 4 KiB pages and their bytes, compressed. */
export interface RamImage {
  region: string;
  pages: Uint32Array;
  /** lzCompress(concatenated pages) */
  data: Uint8Array;
}

export interface MachineSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  /** Fingerprint of the config the machine was built from. */
  configId: string;
  instructions: number;
  /** Everything else, as plain data (board, CPU, devices, clock, windows). */
  state: Record<string, unknown>;
  ram: RamImage[];
  /** What the app wants to keep with the state (e.g. the CLI's boot options); restore ignores it. */
  meta?: Record<string, unknown>;
}

/** Errors a user can get from restore/decode: bad file, other config, other version. */
export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

/** A chunk list → its non-zero pages, compressed. */
export function captureRam(
  region: string,
  chunkSize: number,
  chunks: ReadonlyArray<Uint8Array | null>,
): RamImage {
  const pages: number[] = [];
  const parts: Uint8Array[] = [];
  const perChunk = chunkSize / PAGE;
  for (let ci = 0; ci < chunks.length; ci++) {
    const c = chunks[ci];
    if (!c) continue;
    const words = new Int32Array(c.buffer, c.byteOffset, c.length >> 2);
    for (let p = 0; p * PAGE < c.length; p++) {
      const w0 = p * (PAGE >> 2);
      let nonzero = false;
      for (let w = w0, end = w0 + (PAGE >> 2); w < end; w++) {
        if (words[w] !== 0) {
          nonzero = true;
          break;
        }
      }
      if (nonzero) {
        pages.push(ci * perChunk + p);
        parts.push(c.subarray(p * PAGE, (p + 1) * PAGE));
      }
    }
  }
  const raw = new Uint8Array(parts.length * PAGE);
  for (let i = 0; i < parts.length; i++) raw.set(parts[i]!, i * PAGE);
  return { region, pages: Uint32Array.from(pages), data: lzCompress(raw) };
}

/** The pages of a RamImage, decompressed: calls `put(byteOffset, pageBytes)` for each. */
export function forEachRamPage(img: RamImage, put: (offset: number, bytes: Uint8Array) => void): void {
  const raw = lzDecompress(img.data, img.pages.length * PAGE);
  if (raw === null) throw new SnapshotError(`snapshot RAM of ${img.region} does not decompress (corrupted)`);
  for (let i = 0; i < img.pages.length; i++)
    put(img.pages[i]! * PAGE, raw.subarray(i * PAGE, (i + 1) * PAGE));
}

// ------------------------------------------------------------------ config fingerprint

/** CRC-32's byte table, built on first use: the config fingerprint is computed only when a
 * snapshot needs it, so a boot never pays for the table at import time. */
let crcTable: Uint32Array | null = null;

function crcTableOf(): Uint32Array {
  if (crcTable !== null) return crcTable;
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  crcTable = t;
  return t;
}

/** CRC-32 (IEEE 802.3, as zlib's crc32). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const table = crcTableOf();
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** A stable text form of config values: byte arrays by length and CRC, functions and sets skipped. */
export function fingerprint(value: unknown): string {
  const canon = (v: unknown): unknown => {
    if (v instanceof Uint8Array) return `bytes:${v.length}:${crc32(v).toString(16)}`;
    if (typeof v === 'bigint') return `big:${v}`;
    if (typeof v === 'function' || v instanceof Set) return undefined;
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) out[k] = canon((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  const text = JSON.stringify(canon(value));
  return crc32(utf8.encode(text)).toString(16).padStart(8, '0');
}

// ------------------------------------------------------------------ file form

/**
 * File form: "VMKITSNP", u32 version, u32 CRC-32 of everything after this field, u32 JSON length,
 * the JSON (typed arrays and bigints replaced by references), then the binary blobs. All LE.
 */
export function encodeSnapshot(s: MachineSnapshot): Uint8Array {
  const blobs: Uint8Array[] = [];
  let blobBytes = 0;
  const json = JSON.stringify(s, (_k, v) => {
    if (typeof v === 'bigint') return { $big: v.toString() };
    if (v instanceof Uint8Array || v instanceof Uint32Array) {
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      blobs.push(bytes);
      blobBytes += bytes.length;
      return { $bin: blobs.length - 1, type: v instanceof Uint32Array ? 'u32' : 'u8' };
    }
    return v;
  });
  const head = utf8.encode(json);
  const out = new Uint8Array(20 + head.length + blobBytes + 4 * blobs.length);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  dv.setUint32(8, s.version, true);
  dv.setUint32(16, head.length, true);
  out.set(head, 20);
  let at = 20 + head.length;
  for (const b of blobs) {
    dv.setUint32(at, b.length, true);
    out.set(b, at + 4);
    at += 4 + b.length;
  }
  dv.setUint32(12, crc32(out.subarray(16)), true);
  return out;
}

/** Parse and check a snapshot file; SnapshotError says what is wrong (never another exception). */
export function decodeSnapshot(bytes: Uint8Array): MachineSnapshot {
  if (bytes.length < 20 || String.fromCharCode(...bytes.subarray(0, 8)) !== MAGIC)
    throw new SnapshotError('not a vmkit snapshot (bad magic)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== SNAPSHOT_VERSION)
    throw new SnapshotError(
      `snapshot version ${version} is not supported by this vmkit (it reads version ${SNAPSHOT_VERSION})`,
    );
  if (crc32(bytes.subarray(16)) !== dv.getUint32(12, true))
    throw new SnapshotError('snapshot is truncated or corrupted (checksum mismatch)');
  const jsonLen = dv.getUint32(16, true);
  if (20 + jsonLen > bytes.length) throw new SnapshotError('snapshot is truncated');
  const blobs: Uint8Array[] = [];
  for (let at = 20 + jsonLen; at < bytes.length; ) {
    if (at + 4 > bytes.length) throw new SnapshotError('snapshot is truncated');
    const n = dv.getUint32(at, true);
    if (at + 4 + n > bytes.length) throw new SnapshotError('snapshot is truncated');
    blobs.push(bytes.slice(at + 4, at + 4 + n));
    at += 4 + n;
  }
  let parsed: MachineSnapshot;
  try {
    parsed = JSON.parse(utf8.decode(bytes.subarray(20, 20 + jsonLen)), (_k, v) => {
      if (v && typeof v === 'object' && typeof v.$big === 'string') return BigInt(v.$big);
      if (v && typeof v === 'object' && typeof v.$bin === 'number') {
        const b = blobs[v.$bin];
        if (!b) throw new SnapshotError('snapshot refers to a missing blob');
        return v.type === 'u32' ? new Uint32Array(b.buffer, b.byteOffset, b.length >> 2) : b;
      }
      return v;
    });
  } catch (e) {
    throw e instanceof SnapshotError ? e : new SnapshotError('snapshot is corrupted (unreadable state)');
  }
  if (parsed?.format !== SNAPSHOT_FORMAT) throw new SnapshotError('not a vmkit machine snapshot');
  return parsed;
}
