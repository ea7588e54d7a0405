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
