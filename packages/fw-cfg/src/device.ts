// The QEMU fw_cfg device: item registry, file directory, I/O and MMIO register views, DMA engine.
// Behaviour follows QEMU docs/specs/fw_cfg.rst and hw/nvram/fw_cfg.c (cited per function).

import type { AccessSize, IoBusApi, IoHandler, MemoryBusApi, RegionHandle } from '@vmkit/memory-bus';
import { bswap16, bswap32, compareBytes, u16, u32, u64, utf8Encode } from './bytes.js';
import {
  FW_CFG_CTL_SIZE,
  FW_CFG_DMA_CTL_UNKNOWN_MASK,
  FW_CFG_DMA_SIGNATURE_BYTES,
  FW_CFG_DMA_SIZE,
  FW_CFG_ENTRY_MASK,
  FW_CFG_FILE_ENTRY_SIZE,
  FW_CFG_FILE_SLOTS_DEFAULT,
  FW_CFG_FILE_SLOTS_MAX,
  FW_CFG_INVALID,
  FW_CFG_IO_BASE,
  FW_CFG_MAX_FILE_PATH,
  FW_CFG_MMIO_DMA,
  FW_CFG_MMIO_SELECTOR,
  FW_CFG_MMIO_SIZE,
  FW_CFG_VERSION,
  FW_CFG_VERSION_DMA,
  FwCfgDmaCtl,
  FwCfgKey,
  fwCfgKeyName,
} from './constants.js';

/** Where an access came from, for events. */
export type FwCfgVia = 'io' | 'mmio' | 'dma' | 'host';

/** Why a DMA transfer set the ERROR bit. */
export type FwCfgDmaError =
  | 'descriptor-outside-ram'
  | 'unknown-control-bits'
  | 'address-overflow'
  | 'target-outside-ram'
  | 'no-item'
  | 'read-only'
  | 'write-past-end';

export type FwCfgEvent =
  | {
      kind: 'fw-cfg-select';
      key: number;
      /** Well-known key name or file name, if any. */
      name: string | null;
      /** An item is registered under this key (reads return its bytes); false → reads return 0. */
      exists: boolean;
      via: FwCfgVia;
    }
  | {
      /** Data-register reads since the last selection, batched: emitted on the next select, DMA,
       * reset or flushEvents(). */
      kind: 'fw-cfg-read';
      key: number;
      name: string | null;
      offset: number;
      /** Bytes returned (including zero padding past the end). */
      length: number;
      /** How many of those bytes were past the item's end (returned as 0). */
      pastEnd: number;
      via: 'io' | 'mmio';
    }
  | {
      kind: 'fw-cfg-dma';
      /** Guest-physical address of the descriptor (approximate above 2^53). */
      descriptor: number;
      control: number;
      length: number;
      /** Descriptor's address field (approximate above 2^53). */
      address: number;
      /** Current key after any SELECT (0xffff = none). */
      key: number;
      name: string | null;
      /** Offset within the item before the transfer. */
      offset: number;
      /** Value written back to the descriptor's control field: 0 or ERROR (1). */
      result: number;
      error: FwCfgDmaError | null;
    }
  | { kind: 'fw-cfg-file-write'; key: number; name: string; offset: number; length: number }
  | { kind: 'fw-cfg-data-write-ignored'; value: number; size: number; via: 'io' | 'mmio' }
  | {
      kind: 'fw-cfg-callback-error';
      key: number;
      name: string | null;
      callback: 'read' | 'write';
      message: string;
    };

/** Called after a successful DMA write into a writable item. `data` is a view of the bytes just
 * written (within the item's own array); `offset` is where they start in the item. */
export type FwCfgWriteCallback = (data: Uint8Array, offset: number) => void;

/** Item contents: fixed bytes (the device reads, and for writable items writes, this very array),
 * or a read callback run on every selection whose result becomes the item's contents. */
export type FwCfgItemData = Uint8Array | (() => Uint8Array);

export interface FwCfgFileOptions {
  /** Allow guest DMA writes (QEMU fw_cfg_add_file_callback with read_only = false). */
  writable?: boolean;
  onWrite?: FwCfgWriteCallback;
}

export interface FwCfgItemOptions {
  writable?: boolean;
  onWrite?: FwCfgWriteCallback;
}

export interface FwCfgOptions {
  /** The DMA address space (guest physical memory). */
  memory: MemoryBusApi;
  /** Offer the DMA interface (ID bit 1, the DMA register). Default true. */
  dma?: boolean;
  onEvent?: (e: FwCfgEvent) => void;
  /** Number of file slots (QEMU x-file-slots). Default 0x20; keys ≥ 0x20 + slots select nothing. */
  fileSlots?: number;
  /** true (default): a DMA descriptor with control bits 5..15 set fails with ERROR and does
   * nothing. false: ignore those bits as QEMU does. */
  strictDmaControl?: boolean;
  /** Decides whether [addr, addr+length) is guest memory DMA may touch. Default: every 4 KiB page
   * of the range is below 4 GiB and backed by RAM/ROM in `memory.pages`. */
  dmaRange?: (addr: number, length: number, deviceWrites: boolean) => boolean;
}

export interface FwCfgFileInfo {
  name: string;
  size: number;
  select: number;
  writable: boolean;
}

/** Handlers for the x86 port layout: `ctl` at 0x510 (2 ports: selector/data), `dma` at 0x514 (8 ports). */
/** Device state as data (snapshots): the selection, DMA address, a pending batched read event,
 * the contents of writable entries, and the current entry's data when it is computed on select. */
export interface FwCfgState {
  curKey: number;
  curOffset: number;
  dmaHi: number;
  dmaLo: number;
  read: { count: number; pastEnd: number; start: number; via: 'io' | 'mmio' };
  curData: Uint8Array | null;
  writable: Array<{ key: number; data: Uint8Array }>;
}

export interface FwCfgIoHandlers {
  ctl: IoHandler;
  dma: IoHandler | null;
}

class Entry {
  data: Uint8Array;
  readonly compute: (() => Uint8Array) | null;
  readonly writable: boolean;
  readonly onWrite: FwCfgWriteCallback | null;
  /** File name (files only). */
  readonly name: string | null;
  readonly nameBytes: Uint8Array | null;
  key = 0;

  constructor(
    data: FwCfgItemData,
    writable: boolean,
    onWrite: FwCfgWriteCallback | null,
    name: string | null,
  ) {
    if (typeof data === 'function') {
      this.compute = data;
      this.data = EMPTY; // filled by FwCfg.initCompute at registration, then on every select
    } else {
      this.compute = null;
      this.data = data;
    }
    this.writable = writable;
    this.onWrite = onWrite;
    this.name = name;
    this.nameBytes = name === null ? null : utf8Encode(name);
  }
}

const TWO32 = 0x1_0000_0000;
/** High halves ≥ this make the 64-bit address ≥ 2^53 (not exactly representable). */
const HI_LIMIT = 0x20_0000;
const EMPTY = new Uint8Array(0);

function describeKey(key: number): string {
  return `0x${key.toString(16).padStart(4, '0')}`;
}

/** Items computed on select get their initial contents (and so their directory size) at
 * registration; a callback that fails then is host misuse. */
function initCompute(e: Entry, what: string): void {
  if (e.compute === null) return;
  let r: unknown;
  try {
    r = e.compute();
  } catch (err) {
    throw new Error(
      `fw_cfg ${what}: read callback threw at registration: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (!(r instanceof Uint8Array))
    throw new TypeError(`fw_cfg ${what}: read callback did not return a Uint8Array`);
  e.data = r;
}

function checkData(data: unknown, what: string): void {
  if (!(data instanceof Uint8Array) && typeof data !== 'function') {
    throw new TypeError(`fw_cfg ${what}: data must be a Uint8Array or a function returning one`);
  }
  if (data instanceof Uint8Array && data.length > 0xffffffff) {
    throw new RangeError(`fw_cfg ${what}: size ${data.length} exceeds u32`);
  }
}

export class FwCfg {
  readonly memory: MemoryBusApi;
  readonly dmaEnabled: boolean;
  readonly fileSlots: number;
  private readonly maxEntry: number;
  private readonly strict: boolean;
  private readonly listener: ((e: FwCfgEvent) => void) | null;
  private readonly dmaRangeFn: ((addr: number, length: number, deviceWrites: boolean) => boolean) | null;
  /** entries[0]: standard keys; entries[1]: arch-local keys (QEMU s->entries[arch]). */
  private readonly entries: [(Entry | null)[], (Entry | null)[]];
  /** Files sorted by name (strcmp order). Key of files[i] is FILE_FIRST + i. */
  private readonly files: Entry[] = [];
  private dir: Uint8Array | null = null;

  // Current selection (QEMU cur_entry / cur_offset).
  private curKey = FW_CFG_INVALID;
  private cur: Entry | null = null;
  private curOffset = 0;
  // DMA address register (two 32-bit halves of QEMU's dma_addr).
  private dmaHi = 0;
  private dmaLo = 0;
  // Batched data-register read event.
  private readCount = 0;
  private readPastEnd = 0;
  private readStart = 0;
  private readVia: 'io' | 'mmio' = 'io';

  private readonly ctlHandler: IoHandler;
  private readonly dmaHandler: IoHandler;
  private readonly mmioHandler: IoHandler;

  constructor(opts: FwCfgOptions) {
    if (!opts || typeof opts.memory !== 'object' || opts.memory === null) {
      throw new TypeError('FwCfg: options.memory (MemoryBusApi for DMA) is required');
    }
    const slots = opts.fileSlots ?? FW_CFG_FILE_SLOTS_DEFAULT;
    if (!Number.isInteger(slots) || slots < 1 || slots > FW_CFG_FILE_SLOTS_MAX) {
      throw new RangeError(`FwCfg: fileSlots must be an integer 1..0x${FW_CFG_FILE_SLOTS_MAX.toString(16)}`);
    }
    this.memory = opts.memory;
    this.dmaEnabled = opts.dma ?? true;
    this.fileSlots = slots;
    this.maxEntry = FwCfgKey.FILE_FIRST + slots;
    this.strict = opts.strictDmaControl ?? true;
    this.listener = opts.onEvent ?? null;
    this.dmaRangeFn = opts.dmaRange ?? null;
    this.entries = [new Array(this.maxEntry).fill(null), new Array(this.maxEntry).fill(null)];

    // QEMU fw_cfg_common_realize: signature and ID are always present.
    this.addItem(FwCfgKey.SIGNATURE, Uint8Array.of(0x51, 0x45, 0x4d, 0x55)); // "QEMU"
    const id = FW_CFG_VERSION | (this.dmaEnabled ? FW_CFG_VERSION_DMA : 0);
    this.addItem(FwCfgKey.ID, Uint8Array.of(id, 0, 0, 0));

    this.ctlHandler = {
      read: (offset, size) => this.ioCtlRead(offset, size),
      write: (offset, size, value) => this.ioCtlWrite(offset, size, value),
    };
    this.dmaHandler = {
      read: (offset, size) => this.dmaRegRead(offset, size),
      write: (offset, size, value) => this.dmaRegWrite(offset, size, value),
      read64: (offset) => this.dmaRegRead64(offset),
      write64: (offset, value) => this.dmaRegWrite64(offset, value),
    };
    this.mmioHandler = {
      read: (offset, size) => this.mmioRead(offset, size),
      write: (offset, size, value) => this.mmioWrite(offset, size, value),
      read64: (offset) => this.mmioRead64(offset),
      write64: (offset, value) => this.mmioWrite64(offset, value),
    };
    this.reset();
  }

  // ---------------------------------------------------------------- registry (host side)

  /** Register a numbered item (key < 0x20, or arch-local 0x8000 | n). Throws on a bad or duplicate key. */
  addItem(key: number, data: FwCfgItemData, opts: FwCfgItemOptions = {}): void {
    checkData(data, `item ${describeKey(key)}`);
    if (!Number.isInteger(key) || key < 0 || key > 0xffff) {
      throw new RangeError(`fw_cfg addItem: key ${key} is not a 16-bit integer`);
    }
    if (key & FwCfgKey.WRITE_CHANNEL) {
      throw new RangeError(`fw_cfg addItem: key ${describeKey(key)} has the legacy write bit 0x4000 set`);
    }
    const arch = key & FwCfgKey.ARCH_LOCAL ? 1 : 0;
    const idx = key & FW_CFG_ENTRY_MASK;
    if (arch === 0 && idx >= FwCfgKey.FILE_FIRST) {
      throw new RangeError(
        `fw_cfg addItem: key ${describeKey(key)} is in the file range (≥ 0x20); use addFile(name, ...)`,
      );
    }
    if (idx >= this.maxEntry) {
      throw new RangeError(`fw_cfg addItem: key ${describeKey(key)} is beyond the last entry`);
    }
    if (this.entries[arch][idx] !== null) {
      throw new Error(`fw_cfg addItem: key ${describeKey(key)} is already registered`);
    }
    const e = new Entry(data, opts.writable ?? false, opts.onWrite ?? null, null);
    initCompute(e, `item ${describeKey(key)}`);
    e.key = key;
    this.entries[arch][idx] = e;
  }

  /** Replace the contents of an existing numbered item (QEMU fw_cfg_modify_*). */
  setItem(key: number, data: FwCfgItemData): void {
    const arch = key & FwCfgKey.ARCH_LOCAL ? 1 : 0;
    const old = this.entries[arch][key & FW_CFG_ENTRY_MASK];
    if (!old || old.name !== null || (key & FwCfgKey.WRITE_CHANNEL) !== 0) {
      throw new Error(`fw_cfg setItem: key ${describeKey(key)} is not a registered numbered item`);
    }
    checkData(data, `item ${describeKey(key)}`);
    const e = new Entry(data, old.writable, old.onWrite, null);
    initCompute(e, `item ${describeKey(key)}`);
    e.key = old.key;
    this.entries[arch][key & FW_CFG_ENTRY_MASK] = e;
    if (this.cur === old) this.cur = e;
  }

  addU16(key: number, v: number): void {
    this.addItem(key, u16(v, `item ${describeKey(key)}`));
  }
  addU32(key: number, v: number): void {
    this.addItem(key, u32(v, `item ${describeKey(key)}`));
  }
  addU64(key: number, v: number | bigint): void {
    this.addItem(key, u64(v, `item ${describeKey(key)}`));
  }
  /** NUL-terminated string item (QEMU fw_cfg_add_string). */
  addString(key: number, s: string): void {
    const b = utf8Encode(s);
    const out = new Uint8Array(b.length + 1);
    out.set(b);
    this.addItem(key, out);
  }

  /** Register a file; its key is 0x20 + its index in the name-sorted directory, so adding files
   * may renumber others (as in QEMU fw_cfg_add_file_callback). Returns the key it has now. */
  addFile(name: string, data: FwCfgItemData, opts: FwCfgFileOptions = {}): number {
    if (typeof name !== 'string') throw new TypeError('fw_cfg addFile: name must be a string');
    checkData(data, `file "${name}"`);
    const e = new Entry(data, opts.writable ?? false, opts.onWrite ?? null, name);
    const nb = e.nameBytes!;
    if (nb.length === 0) throw new RangeError('fw_cfg addFile: name is empty');
    if (nb.length > FW_CFG_MAX_FILE_PATH - 1) {
      throw new RangeError(
        `fw_cfg addFile: name "${name}" is ${nb.length} bytes; the directory's name field holds at most ${FW_CFG_MAX_FILE_PATH - 1}`,
      );
    }
    if (nb.indexOf(0) >= 0) throw new RangeError(`fw_cfg addFile: name "${name}" contains a NUL byte`);
    initCompute(e, `file "${name}"`);
    if (this.files.length >= this.fileSlots) {
      throw new RangeError(
        `fw_cfg addFile: cannot add "${name}": all ${this.fileSlots} file slots are used (raise fileSlots)`,
      );
    }
    // Insertion point: after every name that is ≤ this one (QEMU: strcmp, stable for ties).
    let index = this.files.length;
    while (index > 0) {
      const c = compareBytes(nb, this.files[index - 1].nameBytes!);
      if (c === 0) throw new Error(`fw_cfg addFile: duplicate file name "${name}"`);
      if (c > 0) break;
      index--;
    }
    for (let i = 0; i < index; i++) {
      if (compareBytes(nb, this.files[i].nameBytes!) === 0) {
        throw new Error(`fw_cfg addFile: duplicate file name "${name}"`);
      }
    }
    this.files.splice(index, 0, e);
    for (let i = 0; i < this.files.length; i++) {
      const f = this.files[i];
      f.key = FwCfgKey.FILE_FIRST + i;
      this.entries[0][f.key] = f;
    }
    this.rebuildDirectory();
    return e.key;
  }

  /** Replace a file's contents, keeping its key and flags (QEMU fw_cfg_modify_file). */
  setFile(name: string, data: FwCfgItemData): void {
    const i = this.files.findIndex((f) => f.name === name);
    if (i < 0) throw new Error(`fw_cfg setFile: no file named "${name}"`);
    checkData(data, `file "${name}"`);
    const old = this.files[i];
    const e = new Entry(data, old.writable, old.onWrite, name);
    initCompute(e, `file "${name}"`);
    e.key = old.key;
    this.files[i] = e;
    this.entries[0][e.key] = e;
    if (this.cur === old) this.cur = e;
    this.rebuildDirectory();
  }

  /** The file's current contents (the very array the device serves), or undefined. */
  getFile(name: string): Uint8Array | undefined {
    const f = this.files.find((x) => x.name === name);
    return f ? f.data : undefined;
  }

  /** The item's current contents under `key`, or undefined. */
  getItem(key: number): Uint8Array | undefined {
    const idx = key & FW_CFG_ENTRY_MASK;
    if (idx >= this.maxEntry) return undefined;
    const e = this.entries[key & FwCfgKey.ARCH_LOCAL ? 1 : 0][idx];
    return e ? e.data : undefined;
  }

  /** Directory listing in key order. */
  listFiles(): FwCfgFileInfo[] {
    return this.files.map((f) => ({
      name: f.name!,
      size: f.data.length,
      select: f.key,
      writable: f.writable,
    }));
  }

  private rebuildDirectory(): void {
    // QEMU allocates the directory for every slot: 4 + 64 * file_slots bytes, count big-endian.
    if (this.dir === null) {
      this.dir = new Uint8Array(4 + FW_CFG_FILE_ENTRY_SIZE * this.fileSlots);
      const e = new Entry(this.dir, false, null, null);
      e.key = FwCfgKey.FILE_DIR;
      this.entries[0][FwCfgKey.FILE_DIR] = e;
    }
    const d = this.dir;
    d.fill(0);
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    dv.setUint32(0, this.files.length, false);
    for (let i = 0; i < this.files.length; i++) this.writeDirEntry(dv, i);
  }

  private writeDirEntry(dv: DataView, i: number): void {
    const f = this.files[i];
    const off = 4 + i * FW_CFG_FILE_ENTRY_SIZE;
    dv.setUint32(off, f.data.length >>> 0, false);
    dv.setUint16(off + 4, f.key, false);
    dv.setUint16(off + 6, 0, false);
    const nb = f.nameBytes!;
    for (let j = 0; j < FW_CFG_MAX_FILE_PATH; j++) dv.setUint8(off + 8 + j, j < nb.length ? nb[j] : 0);
  }

  // ---------------------------------------------------------------- bus attachment

  ioHandlers(): FwCfgIoHandlers {
    return { ctl: this.ctlHandler, dma: this.dmaEnabled ? this.dmaHandler : null };
  }

  /** Map the x86 port layout: selector/data at base (2 ports), DMA register at base + 4 (8 ports). */
  attachIo(io: IoBusApi, base = FW_CFG_IO_BASE): RegionHandle[] {
    const regions = [io.addPio('fw-cfg', base, FW_CFG_CTL_SIZE, this.ctlHandler)];
    if (this.dmaEnabled) regions.push(io.addPio('fw-cfg-dma', base + 4, FW_CFG_DMA_SIZE, this.dmaHandler));
    return regions;
  }

  /** The MMIO view (24 bytes): data at +0, selector at +8 (big-endian), DMA at +16 (big-endian). */
  mmioHandlers(): IoHandler {
    return this.mmioHandler;
  }

  /** Map the MMIO variant (docs/specs/fw_cfg.rst, Arm virt layout) at `base`. */
  attachMmio(memory: MemoryBusApi, base: number): RegionHandle {
    const size = this.dmaEnabled ? FW_CFG_MMIO_SIZE : FW_CFG_MMIO_DMA;
    return memory.addMmio('fw-cfg', base, size, this.mmioHandler);
  }

  // ---------------------------------------------------------------- guest-visible state

  /** Device reset: select the signature and clear the DMA address (QEMU fw_cfg_reset). */
  reset(): void {
    this.flushEvents();
    this.dmaHi = 0;
    this.dmaLo = 0;
    this.doSelect(FwCfgKey.SIGNATURE, 'host', false);
  }

  /** Emit any pending batched read event. */
  flushEvents(): void {
    if (this.readCount === 0) return;
    const n = this.readCount;
    const past = this.readPastEnd;
    this.readCount = 0;
    this.readPastEnd = 0;
    if (this.listener) {
      this.listener({
        kind: 'fw-cfg-read',
        key: this.curKey,
        name: this.nameOf(this.curKey, this.cur),
        offset: this.readStart,
        length: n,
        pastEnd: past,
        via: this.readVia,
      });
    }
  }

  /** Current selector key (0xffff when the last selection was out of range) and offset. */
  get selection(): { key: number; offset: number } {
    return { key: this.curKey, offset: this.curOffset };
  }

  /** Select a key as a guest selector write would (QEMU fw_cfg_select). */
  select(key: number): void {
    this.doSelect(key & 0xffff, 'host', true);
  }

  private entryAt(key: number): Entry | null {
    const idx = key & FW_CFG_ENTRY_MASK;
    return idx >= this.maxEntry ? null : this.entries[key & FwCfgKey.ARCH_LOCAL ? 1 : 0][idx];
  }

  getState(): FwCfgState {
    const writable: FwCfgState['writable'] = [];
    for (const list of this.entries)
      for (const e of list) if (e?.writable) writable.push({ key: e.key, data: e.data.slice() });
    return {
      curKey: this.curKey,
      curOffset: this.curOffset,
      dmaHi: this.dmaHi,
      dmaLo: this.dmaLo,
      read: { count: this.readCount, pastEnd: this.readPastEnd, start: this.readStart, via: this.readVia },
      curData: this.cur?.compute ? this.cur.data.slice() : null,
      writable,
    };
  }

  /** Restore getState() output on a device with the same items (no events, no read callbacks). */
  setState(s: FwCfgState): void {
    for (const w of s.writable) {
      const e = this.entryAt(w.key);
      if (!e?.writable)
        throw new Error(`FwCfg.setState: key 0x${w.key.toString(16)} is not a writable entry here`);
      e.data = w.data.slice();
    }
    this.curKey = s.curKey;
    this.cur = s.curKey === FW_CFG_INVALID ? null : this.entryAt(s.curKey);
    if (this.cur?.compute && s.curData) this.cur.data = s.curData.slice();
    this.curOffset = s.curOffset;
    this.dmaHi = s.dmaHi >>> 0;
    this.dmaLo = s.dmaLo >>> 0;
    this.readCount = s.read.count;
    this.readPastEnd = s.read.pastEnd;
    this.readStart = s.read.start;
    this.readVia = s.read.via;
  }

  private nameOf(key: number, e: Entry | null): string | null {
    if (e?.name) return e.name;
    if (key === FW_CFG_INVALID) return null;
    return fwCfgKeyName(key);
  }

  private doSelect(key: number, via: FwCfgVia, report: boolean): void {
    this.flushEvents();
    this.curOffset = 0;
    const idx = key & FW_CFG_ENTRY_MASK;
    if (idx >= this.maxEntry) {
      this.curKey = FW_CFG_INVALID;
      this.cur = null;
    } else {
      this.curKey = key;
      const e = this.entries[key & FwCfgKey.ARCH_LOCAL ? 1 : 0][idx];
      this.cur = e;
      if (e?.compute) this.runReadCallback(e);
    }
    if (report && this.listener) {
      this.listener({
        kind: 'fw-cfg-select',
        key,
        name: this.nameOf(key, this.cur),
        exists: this.cur !== null,
        via,
      });
    }
  }

  private runReadCallback(e: Entry): void {
    let d: Uint8Array = EMPTY;
    try {
      const r = e.compute!();
      if (r instanceof Uint8Array) d = r;
      else throw new TypeError('read callback did not return a Uint8Array');
    } catch (err) {
      this.listener?.({
        kind: 'fw-cfg-callback-error',
        key: e.key,
        name: this.nameOf(e.key, e),
        callback: 'read',
        message: err instanceof Error ? err.message : String(err),
      });
    }
    const lenChanged = d.length !== e.data.length;
    e.data = d;
    if (lenChanged && e.name !== null && this.dir) {
      const i = e.key - FwCfgKey.FILE_FIRST;
      this.writeDirEntry(new DataView(this.dir.buffer, this.dir.byteOffset, this.dir.byteLength), i);
    }
  }

  /** One data-register byte (QEMU fw_cfg_data_read, one byte at a time). */
  private nextByte(): number {
    this.readCount++;
    const e = this.cur;
    if (e !== null && this.curOffset < e.data.length) return e.data[this.curOffset++];
    this.readPastEnd++;
    return 0;
  }

  private beginRead(via: 'io' | 'mmio'): void {
    if (this.readCount === 0) {
      this.readStart = this.curOffset;
      this.readVia = via;
    } else if (via !== this.readVia) {
      this.flushEvents();
      this.readStart = this.curOffset;
      this.readVia = via;
    }
  }

  // x86 combined selector/data ports (QEMU fw_cfg_comb_mem_ops, little-endian, 2 ports).
  private ioCtlRead(_offset: number, size: AccessSize): number {
    // fw_cfg_comb_valid: only byte reads are valid (at either port); others read as 0.
    if (size !== 1) return 0;
    this.beginRead('io');
    return this.nextByte();
  }

  private ioCtlWrite(_offset: number, size: AccessSize, value: number): void {
    // fw_cfg_comb_write: 16-bit writes select; byte writes go to fw_cfg_write, a no-op since QEMU 2.4.
    if (size === 2) this.doSelect(value & 0xffff, 'io', true);
    else if (size === 1)
      this.listener?.({ kind: 'fw-cfg-data-write-ignored', value: value & 0xff, size, via: 'io' });
  }

  // DMA address register (QEMU fw_cfg_dma_mem_ops, big-endian, 8 bytes).
  private dmaRegRead(offset: number, size: AccessSize): number {
    // fw_cfg_dma_mem_read returns the signature bytes in register order; on the little-endian bus
    // the first byte at `offset` lands in the least significant position.
    let v = 0;
    for (let i = size - 1; i >= 0; i--) {
      const o = offset + i;
      v = v * 256 + (o >= 0 && o < 8 ? FW_CFG_DMA_SIGNATURE_BYTES[o] : 0);
    }
    return v;
  }

  private dmaRegRead64(offset: number): bigint {
    const lo = this.dmaRegRead(offset, 4);
    const hi = this.dmaRegRead(offset + 4, 4);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  private dmaRegWrite(offset: number, size: AccessSize, value: number): void {
    // fw_cfg_dma_mem_write: 32-bit writes at 0 (high half) / 4 (low half, triggers); others invalid.
    if (size !== 4) return;
    const v = bswap32(value);
    if (offset === 0) {
      this.dmaHi = v;
      this.dmaLo = 0;
    } else if (offset === 4) {
      this.dmaLo = (this.dmaLo | v) >>> 0;
      const hi = this.dmaHi;
      const lo = this.dmaLo;
      this.dmaHi = 0;
      this.dmaLo = 0;
      this.dmaTransfer(hi, lo);
    }
  }

  private dmaRegWrite64(offset: number, value: bigint): void {
    if (offset !== 0) return;
    // Big-endian register on a little-endian bus: the value's first byte is the MSB of the address.
    const le = BigInt.asUintN(64, value);
    const lo32 = Number(le & 0xffffffffn);
    const hi32 = Number(le >> 32n);
    this.dmaHi = 0;
    this.dmaLo = 0;
    this.dmaTransfer(bswap32(lo32), bswap32(hi32));
  }

  // MMIO view: data at 0..7, selector at 8..9, DMA at 16..23.
  private mmioRead(offset: number, size: AccessSize): number {
    if (offset === 0) {
      // fw_cfg_data_read composes the bytes in string order; the big-endian region puts the first
      // byte at the lowest address, i.e. the least significant position of the bus value.
      this.beginRead('mmio');
      let v = 0;
      let mul = 1;
      for (let i = 0; i < size; i++) {
        v += this.nextByte() * mul;
        mul *= 256;
      }
      return v;
    }
    if (offset >= FW_CFG_MMIO_DMA && this.dmaEnabled) return this.dmaRegRead(offset - FW_CFG_MMIO_DMA, size);
    // Data at offsets 1..7 (fw_cfg_data_mem_valid: addr == 0 only) and the write-only selector read 0.
    return 0;
  }

  private mmioRead64(offset: number): bigint {
    if (offset === 0) {
      const lo = this.mmioRead(0, 4);
      const hi = this.mmioRead(0, 4);
      return (BigInt(hi) << 32n) | BigInt(lo);
    }
    if (offset === FW_CFG_MMIO_DMA && this.dmaEnabled) return this.dmaRegRead64(0);
    return 0n;
  }

  private mmioWrite(offset: number, size: AccessSize, value: number): void {
    if (offset === FW_CFG_MMIO_SELECTOR) {
      // fw_cfg_ctl_mem_ops: big-endian, only 16-bit writes are valid.
      if (size === 2) this.doSelect(bswap16(value & 0xffff), 'mmio', true);
      return;
    }
    if (offset >= FW_CFG_MMIO_DMA) {
      if (this.dmaEnabled) this.dmaRegWrite(offset - FW_CFG_MMIO_DMA, size, value);
      return;
    }
    if (offset === 0) this.listener?.({ kind: 'fw-cfg-data-write-ignored', value, size, via: 'mmio' });
  }

  private mmioWrite64(offset: number, value: bigint): void {
    if (offset === FW_CFG_MMIO_DMA && this.dmaEnabled) this.dmaRegWrite64(0, value);
    else if (offset === 0) {
      this.listener?.({
        kind: 'fw-cfg-data-write-ignored',
        value: Number(BigInt.asUintN(32, value)),
        size: 8,
        via: 'mmio',
      });
    }
  }

  // ---------------------------------------------------------------- DMA engine

  /** Is [addr, addr+length) memory DMA may touch (RAM or ROM; QEMU fails DMA to anything else
   * with MEMTX_DECODE_ERROR → ERROR bit)? Page granular. */
  private inRam(addr: number, length: number, deviceWrites: boolean): boolean {
    if (length === 0) return true;
    if (this.dmaRangeFn !== null) {
      try {
        return this.dmaRangeFn(addr, length, deviceWrites) === true;
      } catch {
        return false;
      }
    }
    const end = addr + length;
    if (end > TWO32) return false;
    const { bufs, readIdx } = this.memory.pages;
    const first = Math.floor(addr / 4096);
    const last = Math.floor((end - 1) / 4096);
    for (let p = first; p <= last; p++) {
      if (bufs[readIdx[p]]) continue;
      // Not on the fast path: lazily allocated RAM, MMIO, or unassigned. Ask the bus when it can
      // tell (MemoryBus.resolve/listRegions); otherwise refuse.
      if (!this.slowIsMemory(p === first ? addr : p * 4096)) return false;
      if (p === last && !this.slowIsMemory(end - 1)) return false;
    }
    return true;
  }

  private kindGen = -1;
  private kindByName: Map<string, string> | null = null;

  private slowIsMemory(a: number): boolean {
    const m = this.memory as MemoryBusApi & {
      resolve?: (addr: number) => { read: string | null; write: string | null };
      listRegions?: () => Array<{ name: string; kind: string }>;
    };
    if (typeof m.resolve !== 'function' || typeof m.listRegions !== 'function') return false;
    if (this.kindByName === null || this.kindGen !== m.generation) {
      this.kindByName = new Map();
      for (const r of m.listRegions()) this.kindByName.set(r.name, r.kind);
      this.kindGen = m.generation;
    }
    const r = m.resolve(a).read;
    if (r === null) return false;
    const k = this.kindByName.get(r);
    return k === 'ram' || k === 'rom';
  }

  /** Run one DMA transfer whose descriptor is at hi:lo (QEMU fw_cfg_dma_transfer). Never throws. */
  private dmaTransfer(hi: number, lo: number): void {
    this.flushEvents();
    const mem = this.memory;
    const desc = hi * TWO32 + lo;
    if (hi >= HI_LIMIT || !this.inRam(desc, 16, false)) {
      // QEMU tries to write ERROR into the unreadable descriptor; there is nowhere to write it.
      this.emitDma(desc, 0, 0, 0, this.curOffset, FwCfgDmaCtl.ERROR, 'descriptor-outside-ram');
      return;
    }
    const control = bswap32(mem.read32(desc));
    const length = bswap32(mem.read32(desc + 4));
    const aHi = bswap32(mem.read32(desc + 8));
    const aLo = bswap32(mem.read32(desc + 12));
    const address = aHi * TWO32 + aLo;
    let offsetBefore = this.curOffset;
    let error: FwCfgDmaError | null = null;

    if (this.strict && (control & FW_CFG_DMA_CTL_UNKNOWN_MASK) !== 0) {
      error = 'unknown-control-bits';
    } else {
      if (control & FwCfgDmaCtl.SELECT) {
        this.doSelect(control >>> 16, 'dma', true);
        offsetBefore = 0;
      }
      // READ beats WRITE beats SKIP; none of them: nothing to transfer.
      if (control & FwCfgDmaCtl.READ) error = this.dmaRead(aHi, address, length);
      else if (control & FwCfgDmaCtl.WRITE) error = this.dmaWrite(aHi, address, length);
      else if (control & FwCfgDmaCtl.SKIP) this.advance(length);
    }
    const result = error === null ? 0 : FwCfgDmaCtl.ERROR;
    mem.write32(desc, bswap32(result));
    this.emitDma(desc, control, length, address, offsetBefore, result, error);
  }

  private emitDma(
    desc: number,
    control: number,
    length: number,
    address: number,
    offset: number,
    result: number,
    error: FwCfgDmaError | null,
  ): void {
    if (!this.listener) return;
    this.listener({
      kind: 'fw-cfg-dma',
      descriptor: desc,
      control,
      length,
      address,
      key: this.curKey,
      name: this.nameOf(this.curKey, this.cur),
      offset,
      result,
      error,
    });
  }

  /** Bytes left in the current item. */
  private remaining(): number {
    const e = this.cur;
    return e === null ? 0 : Math.max(0, e.data.length - this.curOffset);
  }

  private advance(length: number): number {
    const n = Math.min(length, this.remaining());
    this.curOffset += n;
    return n;
  }

  private dmaRead(aHi: number, address: number, length: number): FwCfgDmaError | null {
    if (length === 0) return null;
    if (aHi >= HI_LIMIT) return 'address-overflow';
    if (!this.inRam(address, length, true)) return 'target-outside-ram';
    const e = this.cur;
    const n = Math.min(length, this.remaining());
    if (n > 0 && e !== null) {
      const off = this.curOffset;
      const d = e.data;
      this.memory.writeBytes(address, off === 0 && n === d.length ? d : d.subarray(off, off + n));
      this.curOffset += n;
    }
    // Past the end (or no item): the rest of the buffer is filled with zeros, without error.
    if (n < length) this.memory.fill(address + n, length - n, 0);
    return null;
  }

  private dmaWrite(aHi: number, address: number, length: number): FwCfgDmaError | null {
    if (length === 0) return null;
    const e = this.cur;
    if (e === null) return 'no-item';
    const avail = this.remaining();
    if (avail === 0) return 'write-past-end';
    // QEMU checks allow_write, then that the whole write fits; both advance the offset by the part
    // that fits and drop the data.
    if (!e.writable) {
      this.curOffset += Math.min(length, avail);
      return 'read-only';
    }
    if (length > avail) {
      this.curOffset += avail;
      return 'write-past-end';
    }
    if (aHi >= HI_LIMIT) return 'address-overflow';
    if (!this.inRam(address, length, false)) return 'target-outside-ram';
    const off = this.curOffset;
    const view = e.data.subarray(off, off + length);
    this.memory.readBytes(address, length, view);
    this.curOffset += length;
    if (this.listener && e.name !== null) {
      this.listener({ kind: 'fw-cfg-file-write', key: e.key, name: e.name, offset: off, length });
    }
    if (e.onWrite) {
      try {
        e.onWrite(view, off);
      } catch (err) {
        this.listener?.({
          kind: 'fw-cfg-callback-error',
          key: e.key,
          name: this.nameOf(e.key, e),
          callback: 'write',
          message: err instanceof Error ? err.message : String(err),
        });
      }
    }
    return null;
  }
}
