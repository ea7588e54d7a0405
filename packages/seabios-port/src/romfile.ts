// The romfile layer over fw_cfg, as SeaBIOS rel-1.16.2 builds it (src/fw/paravirt.c qemu_cfg_*,
// src/romfile.c): detection, a file list populated from legacy keys and the file directory (newest
// first: romfile_add prepends), copies that use DMA when the device offers it (one SELECT|READ
// transfer straight into the destination) and the data port otherwise, and romfile_loadint.

import type { FwCfgClient, PhysMem, PortIo } from '@vmkit/fw-cfg';

export const QEMU_CFG_SIGNATURE = 0x00;
export const QEMU_CFG_ID = 0x01;
export const QEMU_CFG_NOGRAPHIC = 0x04;
export const QEMU_CFG_NB_CPUS = 0x05;
export const QEMU_CFG_NUMA = 0x0d;
export const QEMU_CFG_BOOT_MENU = 0x0e;
export const QEMU_CFG_MAX_CPUS = 0x0f;
export const QEMU_CFG_FILE_DIR = 0x19;
export const QEMU_CFG_ACPI_TABLES = 0x8000;
export const QEMU_CFG_SMBIOS_ENTRIES = 0x8001;
export const QEMU_CFG_IRQ0_OVERRIDE = 0x8002;
export const QEMU_CFG_E820_TABLE = 0x8003;
const FILE_ENTRY_SIZE = 64;
const FILE_NAME_SIZE = 56;

export interface Romfile {
  name: string;
  size: number;
  /** fw_cfg key; -1 for a const romfile (data held by the firmware itself). */
  select: number;
  skip: number;
  /** const_romfile_add data (src/romfile.c), when select is -1. */
  data?: Uint8Array;
}

/** Reads fw_cfg data the way SeaBIOS does, staging DMA reads through a scratch buffer in guest RAM
 * when the caller wants the bytes in JS (SeaBIOS reads such items onto its stack). */
export class CfgReader {
  dma = false;
  constructor(
    readonly client: FwCfgClient,
    readonly io: PortIo,
    readonly mem: PhysMem,
    readonly scratch: number,
    readonly scratchSize: number,
    readonly base = 0x510,
  ) {}

  select(key: number): void {
    this.io.out16(this.base, key & 0xffff);
  }

  /** qemu_cfg_read into guest memory at dest (continuing the current item). */
  readTo(dest: number, len: number, select: number | null = null): boolean {
    if (len === 0) return true;
    if (this.dma) return this.client.dmaRead(select, dest, len);
    if (select !== null) this.select(select);
    const buf = new Uint8Array(len);
    for (let i = 0; i < len; i++) buf[i] = this.io.in8(this.base + 1);
    this.mem.writeBytes(dest, buf);
    return true;
  }

  /** qemu_cfg_read into JS bytes (select first when given, like qemu_cfg_read_entry). */
  read(len: number, select: number | null = null): Uint8Array {
    const out = new Uint8Array(len);
    if (len === 0) {
      if (select !== null && !this.dma) this.select(select);
      return out;
    }
    if (!this.dma) {
      if (select !== null) this.select(select);
      for (let i = 0; i < len; i++) out[i] = this.io.in8(this.base + 1);
      return out;
    }
    const saved = this.mem.readBytes(this.scratch, this.scratchSize);
    let sel = select;
    for (let done = 0; done < len; ) {
      const n = Math.min(this.scratchSize, len - done);
      if (!this.client.dmaRead(sel, this.scratch, n)) break; // failed transfer: zeros remain
      out.set(this.mem.readBytes(this.scratch, n), done);
      sel = null;
      done += n;
    }
    this.mem.writeBytes(this.scratch, saved);
    return out;
  }

  /** qemu_cfg_skip */
  skip(len: number): void {
    if (len <= 0) return;
    if (this.dma) this.client.skip(len);
    else for (let i = 0; i < len; i++) this.io.in8(this.base + 1);
  }
}

function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

export function parseDirEntry(e: Uint8Array): { name: string; size: number; select: number } {
  const size = be32(e, 0);
  const select = (e[4] << 8) | e[5];
  let end = 8;
  while (end < 8 + FILE_NAME_SIZE && e[end] !== 0) end++;
  let name = '';
  for (let i = 8; i < end; i++) name += String.fromCharCode(e[i]);
  return { name, size, select };
}

export class RomfileList {
  /** Newest first, as romfile_add prepends to RomfileRoot. */
  readonly files: Romfile[] = [];

  constructor(private readonly cfg: CfgReader) {}

  add(name: string, select: number, skip: number, size: number): void {
    this.files.unshift({ name: name.slice(0, 127), select, skip, size });
  }

  /** const_romfile_add_int (src/romfile.c): a 4-byte little-endian file held in memory. */
  addConstInt(name: string, value: number): void {
    const data = Uint8Array.of(
      value & 0xff,
      (value >>> 8) & 0xff,
      (value >>> 16) & 0xff,
      (value >>> 24) & 0xff,
    );
    this.files.unshift({ name, select: -1, skip: 0, size: 4, data });
  }

  /** romfile_find: exact name (the comparison includes the terminating NUL). */
  find(name: string): Romfile | undefined {
    return this.files.find((f) => f.name === name);
  }

  /** qemu_cfg_read_file into guest memory: one DMA SELECT|READ when skip is 0. Returns size, or
   * -1 when the file is larger than maxlen. */
  copyTo(file: Romfile, dest: number, maxlen: number): number {
    if (file.size > maxlen) return -1;
    if (file.data) {
      this.cfg.mem.writeBytes(dest, file.data);
      return file.size;
    }
    if (file.skip === 0) {
      this.cfg.readTo(dest, file.size, file.select);
    } else {
      this.cfg.select(file.select);
      this.cfg.skip(file.skip);
      this.cfg.readTo(dest, file.size);
    }
    return file.size;
  }

  /** The file's bytes in JS (staged through the scratch buffer when using DMA). */
  readBytes(file: Romfile): Uint8Array {
    if (file.data) return file.data.slice();
    if (file.skip === 0) return this.cfg.read(file.size, file.select);
    this.cfg.select(file.select);
    this.cfg.skip(file.skip);
    return this.cfg.read(file.size);
  }

  /** romfile_loadint: missing, empty, larger than 8 bytes or non-power-of-two size → default;
   * otherwise the little-endian value (src/romfile.c). */
  loadInt(name: string, defval: bigint): bigint {
    const f = this.find(name);
    if (!f) return defval;
    const size = f.size;
    if (!size || size > 8 || size & (size - 1)) return defval;
    const b = this.readBytes(f);
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  }
}

export { FILE_ENTRY_SIZE };
