// Guest-side fw_cfg client for TypeScript firmware: the same port and DMA accesses SeaBIOS makes
// (SeaBIOS src/fw/paravirt.c qemu_cfg_*; src/romfile.c romfile_loadint).

import { bswap32, compareBytes, utf8Decode, utf8Encode } from './bytes.js';
import {
  FW_CFG_FILE_ENTRY_SIZE,
  FW_CFG_IO_BASE,
  FW_CFG_VERSION_DMA,
  FwCfgDmaCtl,
  FwCfgKey,
} from './constants.js';

/** Port I/O as a CPU sees it (an IoBusApi satisfies it). */
export interface PortIo {
  in8(p: number): number;
  in16(p: number): number;
  in32(p: number): number;
  out8(p: number, v: number): void;
  out16(p: number, v: number): void;
  out32(p: number, v: number): void;
}

/** Guest physical memory (a MemoryBusApi satisfies it). */
export interface PhysMem {
  read8(a: number): number;
  read32(a: number): number;
  write32(a: number, v: number): void;
  readBytes(a: number, len: number): Uint8Array;
  writeBytes(a: number, d: Uint8Array): void;
}

export interface FwCfgClientOptions {
  /** Selector port; data is base + 1, the DMA register base + 4 (high) / base + 8 (low). */
  base?: number;
  /** Guest-physical address of the 16-byte DMA descriptor scratch area. Default 0x6000. The
   * client saves and restores the bytes it borrows. */
  dmaDescriptorAddr?: number;
  /** Guest-physical scratch buffer for writeFile data. Default dmaDescriptorAddr + 16. */
  dmaBufferAddr?: number;
}

export interface FwCfgClientFile {
  name: string;
  size: number;
  select: number;
}

/** Default scratch address for DMA descriptors: conventional memory below the usual 0x7c00 boot
 * sector and above the BDA/EBDA-free area SeaBIOS leaves alone before boot. */
export const DEFAULT_DMA_DESCRIPTOR_ADDR = 0x6000;

export class FwCfgClient {
  private readonly io: PortIo;
  private readonly mem: PhysMem | null;
  private readonly base: number;
  private readonly descAddr: number;
  private readonly bufAddr: number;
  private detected: { present: boolean; dma: boolean } | null = null;

  constructor(io: PortIo, mem?: PhysMem, opts: FwCfgClientOptions = {}) {
    this.io = io;
    this.mem = mem ?? null;
    this.base = opts.base ?? FW_CFG_IO_BASE;
    this.descAddr = opts.dmaDescriptorAddr ?? DEFAULT_DMA_DESCRIPTOR_ADDR;
    this.bufAddr = opts.dmaBufferAddr ?? this.descAddr + 16;
  }

  /** Signature "QEMU" at key 0, then the ID's DMA bit (SeaBIOS qemu_cfg_detect). */
  detect(): { present: boolean; dma: boolean } {
    const sig = this.readItem(FwCfgKey.SIGNATURE, 4);
    const present = sig[0] === 0x51 && sig[1] === 0x45 && sig[2] === 0x4d && sig[3] === 0x55;
    let dma = false;
    if (present) {
      const id = this.readItem(FwCfgKey.ID, 4);
      dma = (id[0] & FW_CFG_VERSION_DMA) !== 0;
    }
    this.detected = { present, dma };
    return { present, dma };
  }

  select(key: number): void {
    this.io.out16(this.base, key & 0xffff);
  }

  /** Read `len` bytes from the data port (one byte per access). */
  read(len: number): Uint8Array {
    const out = new Uint8Array(len);
    const port = this.base + 1;
    for (let i = 0; i < len; i++) out[i] = this.io.in8(port) & 0xff;
    return out;
  }

  /** Skip `len` bytes of the selected item: a DMA SKIP when DMA was detected, else data-port reads. */
  skip(len: number): void {
    if (len <= 0) return;
    if (this.mem !== null && this.detected?.dma && this.dma(FwCfgDmaCtl.SKIP, len, 0)) return;
    const port = this.base + 1;
    for (let i = 0; i < len; i++) this.io.in8(port);
  }

  readItem(key: number, len: number): Uint8Array {
    this.select(key);
    return this.read(len);
  }

  /** The file directory (key 0x19): big-endian count, then 64-byte entries. */
  files(): FwCfgClientFile[] {
    this.select(FwCfgKey.FILE_DIR);
    const hdr = this.read(4);
    const count = ((hdr[0] << 24) | (hdr[1] << 16) | (hdr[2] << 8) | hdr[3]) >>> 0;
    const out: FwCfgClientFile[] = [];
    // A directory can describe at most 0x3fe0 files (the selector range); cap a bogus count.
    const n = Math.min(count, 0x3fe0);
    for (let i = 0; i < n; i++) {
      const e = this.read(FW_CFG_FILE_ENTRY_SIZE);
      const size = ((e[0] << 24) | (e[1] << 16) | (e[2] << 8) | e[3]) >>> 0;
      const select = (e[4] << 8) | e[5];
      let end = 8;
      while (end < FW_CFG_FILE_ENTRY_SIZE && e[end] !== 0) end++;
      out.push({ name: utf8Decode(e.subarray(8, end)), size, select });
    }
    return out;
  }

  findFile(name: string): FwCfgClientFile | undefined {
    const want = utf8Encode(name);
    for (const f of this.files()) {
      if (compareBytes(utf8Encode(f.name), want) === 0) return f;
    }
    return undefined;
  }

  readFile(name: string): Uint8Array | undefined {
    const f = this.findFile(name);
    if (!f) return undefined;
    return this.readItem(f.select, f.size);
  }

  /** SeaBIOS romfile_loadint: missing, empty, > 8 bytes or non-power-of-two size → default;
   * otherwise the file's bytes as a little-endian integer. */
  loadInt(name: string, defaultValue: bigint): bigint {
    const f = this.findFile(name);
    if (!f) return defaultValue;
    const size = f.size;
    if (size === 0 || size > 8 || (size & (size - 1)) !== 0) return defaultValue;
    const b = this.readItem(f.select, size);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  }

  /** DMA READ of `len` bytes into guest memory at `dest`, selecting `select` first unless null.
   * Returns true when the device reports success. */
  dmaRead(select: number | null, dest: number, len: number): boolean {
    if (this.mem === null) return false;
    const ctl = FwCfgDmaCtl.READ | (select === null ? 0 : FwCfgDmaCtl.SELECT | ((select & 0xffff) << 16));
    return this.dma(ctl >>> 0, len, dest);
  }

  /** DMA write into a writable file at `offset` (SeaBIOS qemu_cfg_write_file: SELECT|WRITE, or
   * SELECT|SKIP then WRITE). Data passes through the guest scratch buffer (saved and restored). */
  writeFile(name: string, offset: number, data: Uint8Array): boolean {
    if (this.mem === null) return false;
    const f = this.findFile(name);
    if (!f) return false;
    return this.writeItem(f.select, offset, data);
  }

  /** DMA write into the item under `key` at `offset`. */
  writeItem(key: number, offset: number, data: Uint8Array): boolean {
    const mem = this.mem;
    if (mem === null) return false;
    const sel = (FwCfgDmaCtl.SELECT | ((key & 0xffff) << 16)) >>> 0;
    if (offset > 0) {
      if (!this.dma(sel | FwCfgDmaCtl.SKIP, offset, 0)) return false;
    }
    const saved = mem.readBytes(this.bufAddr, data.length);
    mem.writeBytes(this.bufAddr, data);
    const ok = this.dma(offset > 0 ? FwCfgDmaCtl.WRITE : sel | FwCfgDmaCtl.WRITE, data.length, this.bufAddr);
    mem.writeBytes(this.bufAddr, saved);
    return ok;
  }

  /** Build a descriptor at the scratch address, trigger it, and read back the result. */
  private dma(control: number, length: number, address: number): boolean {
    const mem = this.mem!;
    const d = this.descAddr;
    const saved = mem.readBytes(d, 16);
    const hi = Math.floor(address / 0x1_0000_0000) >>> 0;
    const lo = address >>> 0;
    mem.write32(d, bswap32(control >>> 0));
    mem.write32(d + 4, bswap32(length >>> 0));
    mem.write32(d + 8, bswap32(hi));
    mem.write32(d + 12, bswap32(lo));
    const dhi = Math.floor(d / 0x1_0000_0000) >>> 0;
    // The register is big-endian: the guest writes cpu_to_be32 values (SeaBIOS qemu_cfg_dma_transfer).
    this.io.out32(this.base + 4, bswap32(dhi));
    this.io.out32(this.base + 8, bswap32(d >>> 0));
    const result = bswap32(mem.read32(d) >>> 0);
    mem.writeBytes(d, saved);
    // Our device completes synchronously; anything but 0 (ERROR, or the request left untouched
    // because no DMA engine answered) is a failure.
    return result === 0;
  }
}
