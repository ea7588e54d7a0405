// The contract every vmkit device and CPU builds against. Devices don't know where they live: a
// handler gets (offset, size) relative to its region and, for writes, a value. Widths are explicit.
// Physical addresses are plain numbers (< 2^53); 64-bit values are bigint only at API edges.

/** Access width in bytes for handler calls. 8-byte accesses are split into two 4-byte accesses
 * (low half first) unless the handler implements read64/write64. */
export type AccessSize = 1 | 2 | 4;

/** An MMIO or port-I/O device handler. Offsets are relative to the region's start. Values are
 * unsigned and fit the access width. Handlers must never throw for any offset/size/value. */
export interface IoHandler {
  read(offset: number, size: AccessSize): number;
  write(offset: number, size: AccessSize, value: number): void;
  /** Optional native 64-bit access (e.g. fw_cfg MMIO data). */
  read64?(offset: number): bigint;
  write64?(offset: number, value: bigint): void;
}

/** Where reads or writes of a routed range go (i440FX PAM model and every other combination). */
export type RouteTarget = 'ram' | 'rom' | 'none';

/** Events the bus emits when tracing is on. */
export type BusEvent =
  | { kind: 'unassigned-read'; space: 'mem' | 'io'; addr: number; size: number }
  | { kind: 'unassigned-write'; space: 'mem' | 'io'; addr: number; size: number; value: number }
  | { kind: 'rom-write'; region: string; addr: number; size: number; value: number }
  | { kind: 'map-changed'; generation: number };

/** Region handle returned by registrations; lets the owner move/enable/disable it at run time (BARs). */
export interface RegionHandle {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  readonly priority: number;
  readonly enabled: boolean;
  /** Move to a new base (same size). Fails loudly on an unintended same-priority overlap. */
  move(base: number): void;
  setEnabled(enabled: boolean): void;
  /** Remove from the address space entirely. */
  remove(): void;
}

/** Fast page path for CPUs (DESIGN.md §4). The physical space is cut into 4 KiB pages (2^20 pages
 * below 4 GiB; addresses ≥ 4 GiB always take the slow path). For page p:
 *   - `bufs[readIdx[p]]` is the typed array backing reads of that page, or null (index 0: use
 *     bus.read*); the byte at physical address a is `bufs[readIdx[p]][readOff[p] + (a & 0xfff)]`.
 *   - `writeIdx[p]` / `writeOff[p]` likewise for writes (0 for ROM, MMIO, unassigned).
 * The per-page tables are typed arrays (cheap to create, never scanned by the garbage collector);
 * `bufs` is the short list of backing arrays (RAM chunks, ROM images), `bufs[0]` is always null,
 * and it only grows (same array object). The tables change only when the map changes (or a lazy
 * RAM chunk is first touched); `generation` then increments and listeners run. Reading the tables
 * never allocates. */
export interface PageTables {
  readonly bufs: (Uint8Array | null)[];
  readonly readIdx: Int32Array;
  readonly readOff: Int32Array;
  readonly writeIdx: Int32Array;
  readonly writeOff: Int32Array;
}

export interface MemoryBusApi {
  readonly pages: PageTables;
  /** Increments every time the memory map changes (region added/removed/moved/enabled, routing). */
  readonly generation: number;
  onMapChange(listener: (generation: number) => void): () => void;

  /** RAM: typed-array backed; large sizes allocate lazily per chunk where possible. */
  addRam(name: string, base: number, size: number, opts?: { priority?: number }): RegionHandle;
  /** ROM: reads return `data`; writes are dropped (a 'rom-write' event when tracing). */
  addRom(name: string, base: number, data: Uint8Array, opts?: { priority?: number }): RegionHandle;
  addMmio(
    name: string,
    base: number,
    size: number,
    handler: IoHandler,
    opts?: { priority?: number },
  ): RegionHandle;
  /** Make [targetOffset, targetOffset+size) of `target` visible at `base` too. */
  addAlias(
    name: string,
    base: number,
    target: RegionHandle,
    targetOffset: number,
    size: number,
    opts?: { priority?: number },
  ): RegionHandle;
  /** Separate read/write routing for [base, base+size) between a RAM region and a ROM region
   * covering the same addresses (PAM). Later calls replace earlier ones for the same range. */
  setRouting(base: number, size: number, read: RouteTarget, write: RouteTarget): void;

  read8(addr: number): number;
  read16(addr: number): number;
  read32(addr: number): number;
  read64(addr: number): bigint;
  write8(addr: number, value: number): void;
  write16(addr: number, value: number): void;
  write32(addr: number, value: number): void;
  write64(addr: number, value: bigint): void;
  readBytes(addr: number, length: number, into?: Uint8Array): Uint8Array;
  writeBytes(addr: number, data: Uint8Array): void;
  fill(addr: number, length: number, value: number): void;
  copy(dest: number, src: number, length: number): void;

  /** Ask to be told when anything *other than the fast path* writes page p (bulk writes, DMA,
   * slow-path writes). CPUs use this to invalidate decoded-code caches; a CPU's own fast-path
   * stores must check its own watch set. */
  watchWrites(listener: (page: number) => void): () => void;

  /** Tracing: when set, unassigned accesses and ROM writes are reported. */
  setTracer(tracer: ((e: BusEvent) => void) | null): void;
}

export interface IoBusApi {
  addPio(
    name: string,
    base: number,
    size: number,
    handler: IoHandler,
    opts?: { priority?: number },
  ): RegionHandle;
  in8(port: number): number;
  in16(port: number): number;
  in32(port: number): number;
  out8(port: number, value: number): void;
  out16(port: number, value: number): void;
  out32(port: number, value: number): void;
  setTracer(tracer: ((e: BusEvent) => void) | null): void;
}
