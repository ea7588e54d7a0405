// Guest-side access helpers for tests: the register accesses a guest makes, per variant.
import { bswap16, bswap32, FwCfg, type FwCfgEvent, type FwCfgOptions } from '../src/index.js';
import { makeRig, type Rig } from './machine.js';

export const MMIO_BASE = 0x0902_0000;

export interface Guest {
  variant: 'io' | 'mmio';
  rig: Rig;
  fw: FwCfg;
  events: FwCfgEvent[];
  select(key: number): void;
  readByte(): number;
  read(n: number): Uint8Array;
  writeData(v: number): void;
  /** Trigger DMA with a descriptor at `addr` (two 32-bit big-endian register writes). */
  dma(addr: number): void;
  /** Write a descriptor into RAM and trigger it; returns the control word written back. */
  dmaDesc(control: number, length: number, address: number, at?: number): number;
  readDmaReg(offset: number, size: 1 | 2 | 4): number;
}

export function makeGuest(variant: 'io' | 'mmio', opts: Partial<FwCfgOptions> = {}, ramSize?: number): Guest {
  const rig = makeRig(ramSize);
  const events: FwCfgEvent[] = [];
  const fw = new FwCfg({ memory: rig.memory, onEvent: (e) => events.push(e), ...opts });
  if (variant === 'io') fw.attachIo(rig.io);
  else fw.attachMmio(rig.memory, MMIO_BASE);
  const { io, memory } = rig;
  const g: Guest = {
    variant,
    rig,
    fw,
    events,
    select: (key) => (variant === 'io' ? io.out16(0x510, key) : memory.write16(MMIO_BASE + 8, bswap16(key))),
    readByte: () => (variant === 'io' ? io.in8(0x511) : memory.read8(MMIO_BASE)),
    read(n) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = g.readByte();
      return out;
    },
    writeData: (v) => (variant === 'io' ? io.out8(0x511, v) : memory.write8(MMIO_BASE, v)),
    dma(addr) {
      const hi = Math.floor(addr / 2 ** 32) >>> 0;
      const lo = addr >>> 0;
      if (variant === 'io') {
        io.out32(0x514, bswap32(hi));
        io.out32(0x518, bswap32(lo));
      } else {
        memory.write32(MMIO_BASE + 16, bswap32(hi));
        memory.write32(MMIO_BASE + 20, bswap32(lo));
      }
    },
    dmaDesc(control, length, address, at = 0x1000) {
      writeDesc(rig, at, control, length, address);
      g.dma(at);
      return bswap32(memory.read32(at));
    },
    readDmaReg: (offset, size) => {
      const a = variant === 'io' ? 0x514 + offset : MMIO_BASE + 16 + offset;
      if (variant === 'io') return size === 1 ? io.in8(a) : size === 2 ? io.in16(a) : io.in32(a);
      return size === 1 ? memory.read8(a) : size === 2 ? memory.read16(a) : memory.read32(a);
    },
  };
  return g;
}

export function writeDesc(
  rig: Rig,
  at: number,
  control: number,
  length: number,
  address: number | bigint,
): void {
  const a = BigInt(address);
  rig.memory.write32(at, bswap32(control >>> 0));
  rig.memory.write32(at + 4, bswap32(length >>> 0));
  rig.memory.write32(at + 8, bswap32(Number((a >> 32n) & 0xffffffffn)));
  rig.memory.write32(at + 12, bswap32(Number(a & 0xffffffffn)));
}

export const le16 = (b: Uint8Array, o = 0) => b[o] | (b[o + 1] << 8);
export const le32 = (b: Uint8Array, o = 0) =>
  (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
export const le64 = (b: Uint8Array, o = 0) => BigInt(le32(b, o)) | (BigInt(le32(b, o + 4)) << 32n);
export const be32 = (b: Uint8Array, o = 0) =>
  ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
export const ascii = (b: Uint8Array) => String.fromCharCode(...b);

/** Find a file through the guest-visible directory (libqos qfw_cfg_get_file). */
export function guestFindFile(g: Guest, name: string): { size: number; select: number } | undefined {
  g.select(0x19);
  const count = be32(g.read(4));
  for (let i = 0; i < count; i++) {
    const e = g.read(64);
    let end = 8;
    while (end < 64 && e[end] !== 0) end++;
    if (ascii(e.subarray(8, end)) === name) return { size: be32(e), select: (e[4] << 8) | e[5] };
  }
  return undefined;
}
