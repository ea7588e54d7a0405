import type { LoaderEnv } from '../src/index.js';

export interface FakeEnv extends LoaderEnv {
  mem: Uint8Array;
  pciWrites: Array<{ bdf: number; offset: number; width: number; value: bigint }>;
  fileWrites: Array<{ name: string; offset: number; data: number[] }>;
  files: Map<string, Uint8Array>;
  writable: Set<string>;
  lines: string[];
}

/**
 * A fake firmware: 1 MiB of memory; HIGH zone allocates downward from 0xF0000 (like SeaBIOS's
 * ZoneHigh at the top of RAM), FSEG upward from 0xE0000..0xF0000 region replaced by 0x80000..0x90000
 * for the test (addresses below 1 MiB either way).
 */
export function makeEnv(
  files: Record<string, Uint8Array>,
  writable: string[] = [],
  highTop = 0xf0000,
): FakeEnv {
  const mem = new Uint8Array(0x100000);
  let high = highTop;
  const highBottom = 0xa0000;
  let fseg = 0x80000;
  const fsegEnd = 0x90000;
  const env: FakeEnv = {
    mem,
    pciWrites: [],
    fileWrites: [],
    files: new Map(Object.entries(files)),
    writable: new Set(writable),
    lines: [],
    readFile(name) {
      return env.files.get(name);
    },
    allocate(zone, size, align) {
      if (zone === 'high') {
        const a = Math.floor((high - size) / align) * align;
        if (a < highBottom) return undefined;
        high = a;
        return a;
      }
      const a = Math.ceil(fseg / align) * align;
      if (a + size > fsegEnd) return undefined;
      fseg = a + size;
      return a;
    },
    memory: {
      readBytes(addr, len) {
        return mem.slice(addr, addr + len);
      },
      writeBytes(addr, data) {
        mem.set(data, addr);
      },
    },
    writeFile(name, offset, data) {
      const f = env.files.get(name);
      if (!f || !env.writable.has(name) || offset + data.length > f.length) return false;
      f.set(data, offset);
      env.fileWrites.push({ name, offset, data: [...data] });
      return true;
    },
    writePciConfig(bdf, offset, width, value) {
      env.pciWrites.push({ bdf, offset, width, value });
    },
    log(line) {
      env.lines.push(line);
    },
  };
  return env;
}

export interface PciFakeEnv extends FakeEnv {
  /** Config spaces of present functions (4 KiB each). */
  config: Map<number, Uint8Array>;
  /** e820 RESERVED ranges added by RESERVE_PCI_MEMORY. */
  reserved: Array<{ addr: number; size: number }>;
  /** Reservations currently allocated (freed ones removed). */
  live: Set<number>;
}

/**
 * `makeEnv` plus what the vmkit PCI commands use: config spaces for `devices` (vendor 0x8086),
 * `readOnly` byte offsets that ignore writes, and a reservation zone growing down from
 * `reserveTop` to `reserveBottom` (SeaBIOS memalign_tmphigh), with e820 bookkeeping.
 */
export function withPci(
  env: FakeEnv,
  opts: { devices?: number[]; readOnly?: number[]; reserveTop?: number; reserveBottom?: number } = {},
): PciFakeEnv {
  const config = new Map<number, Uint8Array>();
  for (const bdf of opts.devices ?? [0x10]) {
    const c = new Uint8Array(4096);
    c.set([0x86, 0x80, 0x12, 0x34]);
    config.set(bdf, c);
  }
  const ro = new Set(opts.readOnly ?? []);
  let top = opts.reserveTop ?? 0xa0000;
  const bottom = opts.reserveBottom ?? 0x20000;
  const e = env as PciFakeEnv;
  e.config = config;
  e.reserved = [];
  e.live = new Set();
  const base = env.writePciConfig;
  e.writePciConfig = (bdf, offset, width, value) => {
    base(bdf, offset, width, value);
    const c = config.get(bdf);
    if (!c) return;
    let v = value;
    for (let i = 0; i < width; i++, v >>= 8n) if (!ro.has(offset + i)) c[offset + i] = Number(v & 0xffn);
  };
  e.readPciConfig = (bdf, offset, width) => {
    const c = config.get(bdf);
    if (!c) return width === 1 ? 0xff : width === 2 ? 0xffff : 0xffffffff;
    let v = 0;
    for (let i = width - 1; i >= 0; i--) v = v * 256 + (c[offset + i] as number);
    return v;
  };
  e.pciExtendedConfig = true;
  e.reserve = {
    alloc(size, align) {
      const a = Math.floor((top - size) / align) * align;
      if (a < bottom) return undefined;
      top = a;
      e.live.add(a);
      return a;
    },
    free(addr) {
      e.live.delete(addr);
    },
    markReserved(addr, size) {
      e.reserved.push({ addr, size });
    },
  };
  return e;
}
