// RAM access rate through the CPU fast path (PageTables) and through bus.read32/write32.
// Prints `BENCH memory-bus <metric> <value> <unit>`. The measured loops allocate nothing.
import { MemoryBus } from '../src/index.js';

const bus = new MemoryBus();
bus.addRam('ram', 0, 128 * 1024 * 1024);
bus.fill(0, 16 * 1024 * 1024, 0x5a); // touch the working set so the page tables have arrays
const { bufs, readIdx, readOff, writeIdx, writeOff } = bus.pages;
const SPAN = 16 * 1024 * 1024 - 4;
const N = 20_000_000;

function fastPathRead32(n: number): number {
  let acc = 0;
  let a = 0;
  for (let i = 0; i < n; i++) {
    const p = a >>> 12;
    const b = bufs[readIdx[p] as number] as Uint8Array | null;
    if (b !== null) {
      const o = (readOff[p] as number) + (a & 0xfff);
      acc = (acc + (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24))) | 0;
    } else acc = (acc + bus.read32(a)) | 0;
    a = (a + 4100) & 0xfffffc;
    if (a > SPAN) a = 0;
  }
  return acc;
}

function fastPathWrite8(n: number): void {
  let a = 0;
  for (let i = 0; i < n; i++) {
    const p = a >>> 12;
    const b = bufs[writeIdx[p] as number] as Uint8Array | null;
    if (b !== null) b[(writeOff[p] as number) + (a & 0xfff)] = i;
    else bus.write8(a, i);
    a = (a + 4099) & 0xffffff;
  }
}

function busRead32(n: number): number {
  let acc = 0;
  let a = 0;
  for (let i = 0; i < n; i++) {
    acc = (acc + bus.read32(a)) | 0;
    a = (a + 4100) & 0xfffffc;
  }
  return acc;
}

function busWrite32(n: number): void {
  let a = 0;
  for (let i = 0; i < n; i++) {
    bus.write32(a, i);
    a = (a + 4100) & 0xfffffc;
  }
}

function measure(name: string, fn: (n: number) => unknown): void {
  fn(1_000_000); // warm up
  const t0 = performance.now();
  const sink = fn(N);
  const s = (performance.now() - t0) / 1000;
  if (sink === 0x7fffffff) console.log('');
  console.log(`BENCH memory-bus ${name} ${(N / s / 1e6).toFixed(1)} Maccesses/s`);
}

measure('fast-path-read32', fastPathRead32);
measure('fast-path-write8', fastPathWrite8);
measure('bus-read32', busRead32);
measure('bus-write32', busWrite32);
