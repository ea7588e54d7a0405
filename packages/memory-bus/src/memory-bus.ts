// The physical address space. Regions (RAM, ROM, MMIO, aliases) are flattened into sorted,
// non-overlapping segments, each with its own read target and write target (so PAM-style routing is
// just a segment whose read and write sides differ). Below 4 GiB a per-4 KiB-page table gives CPUs
// direct typed-array access to RAM and ROM (PageTables in types.ts).
//
// Model: QEMU softmmu/memory.c (priorities, aliases, enable/disable, FlatView rendering) and the
// i440FX PAM registers (hw/pci-host/pam.c: each 16 KiB/64 KiB range reads from / writes to RAM or
// the BIOS ROM independently).

import {
  BusRegion,
  checkHandler,
  checkOverlap,
  checkPriority,
  checkRange,
  hex,
  KIND_ALIAS,
  KIND_IO,
  KIND_NONE,
  KIND_RAM,
  KIND_ROM,
  type RamOptions,
  type RegionOptions,
  type RegionOwner,
  wins,
} from './region.js';
import type { BusEvent, IoHandler, MemoryBusApi, PageTables, RegionHandle, RouteTarget } from './types.js';

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
/** Pages covered by the fast page tables: everything below 4 GiB. */
export const PAGE_COUNT = 1 << 20;
/** Physical addresses are integers in [0, 2^52). */
export const ADDRESS_LIMIT = 2 ** 52;
const FOUR_GIB = 0x1_0000_0000;
const DEFAULT_SINGLE_CHUNK_MAX = 32 * 1024 * 1024;
const DEFAULT_CHUNK = 1024 * 1024;
const LABEL = 'memory-bus';

/** One flattened interval of the address space. leaf offset = addr - rBase (resp. wBase). */
class Segment {
  constructor(
    public start: number,
    public end: number,
    public rKind: number,
    public rRegion: BusRegion | null,
    public rBase: number,
    public wKind: number,
    public wRegion: BusRegion | null,
    public wBase: number,
  ) {}
}

interface Route {
  start: number;
  end: number;
  read: RouteTarget;
  write: RouteTarget;
}

const ONES = [0, 0xff, 0xffff, 0xffffff, 0xffffffff];

function leRead(b: Uint8Array, o: number, size: number): number {
  if (size === 4) return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
  if (size === 2) return b[o] | (b[o + 1] << 8);
  return b[o];
}

function leWrite(b: Uint8Array, o: number, size: number, v: number): void {
  b[o] = v;
  if (size === 1) return;
  b[o + 1] = v >>> 8;
  if (size === 2) return;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}

function checkRoute(t: RouteTarget, which: string): void {
  if (t !== 'ram' && t !== 'rom' && t !== 'none') {
    throw new Error(`${LABEL}: setRouting: ${which} target ${String(t)} is not 'ram', 'rom' or 'none'`);
  }
}

export class MemoryBus implements MemoryBusApi, RegionOwner {
  readonly label = LABEL;
  readonly pages: PageTables;
  /** Backing arrays of the page tables (index 0: none) and each array's index there. */
  private readonly bufs: (Uint8Array | null)[] = [null];
  private readonly bufIndex = new Map<Uint8Array, number>();
  private readonly ri: Int32Array;
  private readonly ro: Int32Array;
  private readonly wi: Int32Array;
  private readonly wo: Int32Array;
  private gen = 0;
  private stampCounter = 0;
  private readonly regions: BusRegion[] = [];
  private routes: Route[] = [];
  private segs: Segment[] = [];
  private segStarts = new Float64Array(0);
  private last: Segment;
  private readonly outside = new Segment(-Infinity, Infinity, KIND_NONE, null, 0, KIND_NONE, null, 0);
  private readonly mapListeners: ((generation: number) => void)[] = [];
  private watchers: ((page: number) => void)[] = [];
  private tracer: ((e: BusEvent) => void) | null = null;

  constructor() {
    this.ri = new Int32Array(PAGE_COUNT);
    this.ro = new Int32Array(PAGE_COUNT);
    this.wi = new Int32Array(PAGE_COUNT);
    this.wo = new Int32Array(PAGE_COUNT);
    this.pages = {
      bufs: this.bufs,
      readIdx: this.ri,
      readOff: this.ro,
      writeIdx: this.wi,
      writeOff: this.wo,
    };
    this.rebuildSegments();
    this.last = this.segs[0];
  }

  get generation(): number {
    return this.gen;
  }

  onMapChange(listener: (generation: number) => void): () => void {
    this.mapListeners.push(listener);
    return () => {
      const i = this.mapListeners.indexOf(listener);
      if (i >= 0) this.mapListeners.splice(i, 1);
    };
  }

  watchWrites(listener: (page: number) => void): () => void {
    this.watchers = [...this.watchers, listener];
    return () => {
      this.watchers = this.watchers.filter((l) => l !== listener);
    };
  }

  setTracer(tracer: ((e: BusEvent) => void) | null): void {
    this.tracer = tracer;
  }

  // ---------------------------------------------------------------- registration

  addRam(name: string, base: number, size: number, opts: RamOptions = {}): RegionHandle {
    const what = `addRam "${name}"`;
    checkRange(LABEL, what, base, size, ADDRESS_LIMIT);
    let chunkSize = opts.chunkSize ?? (size <= DEFAULT_SINGLE_CHUNK_MAX ? size : DEFAULT_CHUNK);
    if (opts.chunkSize !== undefined) {
      const c = opts.chunkSize;
      if (!Number.isSafeInteger(c) || c < PAGE_SIZE || (c & (c - 1)) !== 0 || c > 0x4000_0000) {
        throw new Error(`${LABEL}: ${what}: chunkSize ${String(c)} is not a power of two in [4096, 1 GiB]`);
      }
    }
    if (chunkSize > size) chunkSize = size;
    const r = this.newRegion(name, KIND_RAM, base, size, opts, what);
    r.chunkSize = chunkSize;
    r.chunks = new Array<Uint8Array | null>(Math.ceil(size / chunkSize)).fill(null);
    return this.insert(r);
  }

  addRom(name: string, base: number, data: Uint8Array, opts: RegionOptions = {}): RegionHandle {
    const what = `addRom "${name}"`;
    if (!(data instanceof Uint8Array)) throw new Error(`${LABEL}: ${what}: data must be a Uint8Array`);
    checkRange(LABEL, what, base, data.length, ADDRESS_LIMIT);
    const r = this.newRegion(name, KIND_ROM, base, data.length, opts, what);
    r.rom = data.slice();
    return this.insert(r);
  }

  addMmio(
    name: string,
    base: number,
    size: number,
    handler: IoHandler,
    opts: RegionOptions = {},
  ): RegionHandle {
    const what = `addMmio "${name}"`;
    checkRange(LABEL, what, base, size, ADDRESS_LIMIT);
    checkHandler(LABEL, what, handler);
    const r = this.newRegion(name, KIND_IO, base, size, opts, what);
    r.handler = handler;
    return this.insert(r);
  }

  addAlias(
    name: string,
    base: number,
    target: RegionHandle,
    targetOffset: number,
    size: number,
    opts: RegionOptions = {},
  ): RegionHandle {
    const what = `addAlias "${name}"`;
    checkRange(LABEL, what, base, size, ADDRESS_LIMIT);
    if (!(target instanceof BusRegion) || target.owner !== this || target.removed) {
      throw new Error(`${LABEL}: ${what}: target is not a live region of this bus`);
    }
    if (!Number.isSafeInteger(targetOffset) || targetOffset < 0 || targetOffset + size > target.size) {
      throw new Error(
        `${LABEL}: ${what}: target window [${hex(targetOffset)}, ${hex(targetOffset + size)}) is outside "${target.name}" (size ${hex(target.size)})`,
      );
    }
    const r = this.newRegion(name, KIND_ALIAS, base, size, opts, what);
    r.target = target;
    r.targetOffset = targetOffset;
    return this.insert(r);
  }

  setRouting(base: number, size: number, read: RouteTarget, write: RouteTarget): void {
    checkRange(LABEL, 'setRouting', base, size, ADDRESS_LIMIT);
    checkRoute(read, 'read');
    checkRoute(write, 'write');
    const end = base + size;
    const kept: Route[] = [];
    for (const rt of this.routes) {
      if (rt.end <= base || rt.start >= end) {
        kept.push(rt);
        continue;
      }
      if (rt.start < base) kept.push({ start: rt.start, end: base, read: rt.read, write: rt.write });
      if (rt.end > end) kept.push({ start: end, end: rt.end, read: rt.read, write: rt.write });
    }
    kept.push({ start: base, end, read, write });
    kept.sort((a, b) => a.start - b.start);
    this.routes = kept;
    this.changed([base, end]);
  }

  /** Remove any routing from [base, base+size): the top-priority region serves reads and writes. */
  clearRouting(base: number, size: number): void {
    checkRange(LABEL, 'clearRouting', base, size, ADDRESS_LIMIT);
    const end = base + size;
    const kept: Route[] = [];
    for (const rt of this.routes) {
      if (rt.end <= base || rt.start >= end) kept.push(rt);
      else {
        if (rt.start < base) kept.push({ start: rt.start, end: base, read: rt.read, write: rt.write });
        if (rt.end > end) kept.push({ start: end, end: rt.end, read: rt.read, write: rt.write });
      }
    }
    this.routes = kept;
    this.changed([base, end]);
  }

  /** The regions currently registered (enabled or not), for inspection and debugging. */
  listRegions(): Array<{
    name: string;
    kind: string;
    base: number;
    size: number;
    priority: number;
    enabled: boolean;
  }> {
    const kinds = ['none', 'ram', 'rom', 'mmio', 'alias'];
    return this.regions.map((r) => ({
      name: r.name,
      kind: kinds[r.kind],
      base: r.base,
      size: r.size,
      priority: r.priority,
      enabled: r.enabled,
    }));
  }

  /** What serves reads and writes at `addr` and up to where that stays so (exclusive `end`): walk a
   * range span by span to check it byte for byte (the DMA contract). */
  resolveSpan(addr: number): { read: string | null; write: string | null; end: number } {
    const s = this.find(addr);
    return {
      read: s.rRegion ? s.rRegion.name : null,
      write: s.wRegion ? s.wRegion.name : null,
      end: s === this.outside ? Number.POSITIVE_INFINITY : s.end,
    };
  }

  /** What serves reads and writes at `addr` (names of leaf regions, or null when unassigned). */
  resolve(addr: number): { read: string | null; write: string | null } {
    const s = this.find(addr);
    return { read: s.rRegion ? s.rRegion.name : null, write: s.wRegion ? s.wRegion.name : null };
  }

  private newRegion(
    name: string,
    kind: number,
    base: number,
    size: number,
    opts: RegionOptions,
    what: string,
  ) {
    if (typeof name !== 'string' || name.length === 0)
      throw new Error(`${LABEL}: ${what}: name must be a non-empty string`);
    const priority = opts.priority ?? 0;
    checkPriority(LABEL, what, priority);
    return new BusRegion(
      this,
      name,
      kind,
      base,
      size,
      priority,
      opts.enabled ?? true,
      opts.mayOverlap ?? false,
      ++this.stampCounter,
    );
  }

  private insert(r: BusRegion): BusRegion {
    if (r.enabled) checkOverlap(LABEL, this.regions, r, null, r.base, r.size);
    this.regions.push(r);
    this.changed([r.base, r.end]);
    return r;
  }

  moveRegion(r: BusRegion, base: number): void {
    this.checkLive(r, 'move');
    checkRange(LABEL, `move "${r.name}"`, base, r.size, ADDRESS_LIMIT);
    if (base === r.base) return;
    if (r.enabled) checkOverlap(LABEL, this.regions, r, r, base, r.size);
    const oldBase = r.base;
    r.base = base;
    r.stamp = ++this.stampCounter;
    this.changed([oldBase, oldBase + r.size, base, base + r.size]);
  }

  enableRegion(r: BusRegion, enabled: boolean): void {
    this.checkLive(r, 'setEnabled');
    enabled = !!enabled;
    if (enabled === r.enabled) return;
    if (enabled) checkOverlap(LABEL, this.regions, r, r, r.base, r.size);
    r.enabled = enabled;
    if (enabled) r.stamp = ++this.stampCounter;
    this.changed(this.dependentRanges(r));
  }

  removeRegion(r: BusRegion): void {
    this.checkLive(r, 'remove');
    for (const a of this.regions) {
      if (a.target === r) {
        throw new Error(
          `${LABEL}: remove "${r.name}": alias "${a.name}" still targets it; remove the alias first`,
        );
      }
    }
    const ranges = this.dependentRanges(r);
    r.removed = true;
    r.enabled = false;
    this.regions.splice(this.regions.indexOf(r), 1);
    this.changed(ranges);
  }

  private checkLive(r: BusRegion, op: string): void {
    if (r.owner !== this || r.removed) throw new Error(`${LABEL}: ${op} "${r.name}": region was removed`);
  }

  /** r's own range plus the ranges of every alias that (transitively) shows r. */
  private dependentRanges(r: BusRegion): number[] {
    const out = [r.base, r.end];
    const seen = new Set<BusRegion>([r]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const a of this.regions) {
        if (a.target !== null && seen.has(a.target) && !seen.has(a)) {
          seen.add(a);
          out.push(a.base, a.end);
          grew = true;
        }
      }
    }
    return out;
  }

  /** The map changed inside `ranges` (pairs start,end): re-flatten, refresh pages, notify. */
  private changed(ranges: number[]): void {
    this.rebuildSegments();
    for (let i = 0; i < ranges.length; i += 2) this.refreshPages(ranges[i], ranges[i + 1]);
    const g = ++this.gen;
    if (this.tracer !== null) this.tracer({ kind: 'map-changed', generation: g });
    for (const l of this.mapListeners.slice()) l(g);
  }

  // ---------------------------------------------------------------- flattening

  private rebuildSegments(): void {
    const active = this.regions.filter((r) => r.enabled);
    const pts = new Set<number>([0, ADDRESS_LIMIT]);
    for (const r of active) {
      pts.add(r.base);
      pts.add(r.end);
    }
    for (const rt of this.routes) {
      pts.add(rt.start);
      pts.add(rt.end);
    }
    const points = [...pts].sort((a, b) => a - b);
    const segs: Segment[] = [];
    const covering: BusRegion[] = [];
    let ri = 0;
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i];
      const b = points[i + 1];
      covering.length = 0;
      for (const r of active) if (r.base <= a && r.end >= b) covering.push(r);
      covering.sort((x, y) => (wins(x, y) ? -1 : wins(y, x) ? 1 : 0));
      while (ri < this.routes.length && this.routes[ri].end <= a) ri++;
      const route = ri < this.routes.length && this.routes[ri].start <= a ? this.routes[ri] : null;
      let rKind = KIND_NONE;
      let rRegion: BusRegion | null = null;
      let rBase = 0;
      let wKind = KIND_NONE;
      let wRegion: BusRegion | null = null;
      let wBase = 0;
      if (covering.length > 0) {
        const top = this.leaf(covering[0]);
        if (
          route !== null &&
          top !== null &&
          (top.region.kind === KIND_RAM || top.region.kind === KIND_ROM)
        ) {
          const rd = this.pick(covering, route.read);
          const wr = this.pick(covering, route.write);
          if (rd !== null) {
            rKind = rd.region.kind;
            rRegion = rd.region;
            rBase = rd.base;
          }
          if (wr !== null) {
            wKind = wr.region.kind;
            wRegion = wr.region;
            wBase = wr.base;
          }
        } else if (top !== null) {
          rKind = wKind = top.region.kind;
          rRegion = wRegion = top.region;
          rBase = wBase = top.base;
        }
      }
      const prev = segs.length > 0 ? segs[segs.length - 1] : null;
      if (
        prev !== null &&
        prev.rKind === rKind &&
        prev.rRegion === rRegion &&
        prev.rBase === rBase &&
        prev.wKind === wKind &&
        prev.wRegion === wRegion &&
        prev.wBase === wBase
      ) {
        prev.end = b;
      } else {
        segs.push(new Segment(a, b, rKind, rRegion, rBase, wKind, wRegion, wBase));
      }
    }
    this.segs = segs;
    this.segStarts = Float64Array.from(segs, (s) => s.start);
    this.last = segs[0];
  }

  /** Follow aliases to the leaf; base is such that leaf offset = addr - base. null if a target in
   * the chain is disabled (QEMU: a disabled region is invisible through its aliases too). */
  private leaf(r: BusRegion): { region: BusRegion; base: number } | null {
    let base = r.base;
    let cur = r;
    while (cur.kind === KIND_ALIAS) {
      base -= cur.targetOffset;
      cur = cur.target!;
      if (!cur.enabled) return null;
    }
    return { region: cur, base };
  }

  private pick(covering: BusRegion[], t: RouteTarget): { region: BusRegion; base: number } | null {
    if (t === 'none') return null;
    const want = t === 'ram' ? KIND_RAM : KIND_ROM;
    for (const r of covering) {
      const l = this.leaf(r);
      if (l !== null && l.region.kind === want) return l;
    }
    return null;
  }

  private find(addr: number): Segment {
    const l = this.last;
    if (addr >= l.start && addr < l.end) return l;
    if (!(addr >= 0 && addr < ADDRESS_LIMIT)) return this.outside;
    const starts = this.segStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid] <= addr) lo = mid;
      else hi = mid - 1;
    }
    const s = this.segs[lo];
    this.last = s;
    return s;
  }

  /** Recompute page-table entries for pages overlapping [start, end) (clipped to 4 GiB). Works a
   * segment at a time: the pages a segment covers whole get its targets (runs of unallocated RAM or
   * unassigned space as one fill, so mapping 128 MiB of lazy RAM does not loop over 32 Ki pages one
   * by one); a page that straddles a segment boundary has no direct buffer on either side. */
  private refreshPages(start: number, end: number): void {
    if (start >= FOUR_GIB || end <= start) return;
    const pLo = Math.floor(start / PAGE_SIZE);
    const pHi = Math.min(PAGE_COUNT, Math.ceil(Math.min(end, FOUR_GIB) / PAGE_SIZE));
    let seg = this.find(pLo * PAGE_SIZE);
    let si = this.segs.indexOf(seg);
    let p = pLo;
    while (p < pHi) {
      const a = p * PAGE_SIZE;
      while (seg.end <= a) seg = this.segs[++si];
      if (seg.end >= a + PAGE_SIZE) {
        // Pages p .. q-1 lie wholly inside seg (seg.start <= a: segments are contiguous).
        const q = Math.min(pHi, Math.floor(seg.end / PAGE_SIZE));
        this.setPagesSide(p, q, seg.rKind, seg.rRegion, seg.rBase, this.ri, this.ro, false);
        this.setPagesSide(p, q, seg.wKind, seg.wRegion, seg.wBase, this.wi, this.wo, true);
        p = q;
      } else {
        this.ri[p] = 0;
        this.wi[p] = 0;
        p++;
      }
    }
  }

  /** One side (read or write) of pages [p, q), all inside one segment with these targets. A RAM
   * page gets its chunk when the chunk is allocated and holds the whole page; a ROM page is
   * readable directly; anything else goes the slow way (null buffer, offset 0). */
  private setPagesSide(
    p: number,
    q: number,
    kind: number,
    region: BusRegion | null,
    base: number,
    idx: Int32Array,
    offs: Int32Array,
    write: boolean,
  ): void {
    if (kind === KIND_RAM) {
      const cs = region!.chunkSize;
      const chunks = region!.chunks!;
      while (p < q) {
        const lo = p * PAGE_SIZE - base;
        const ci = Math.floor(lo / cs);
        // Pages whose first byte falls in chunk ci.
        const runEnd = Math.min(q, p + Math.ceil(((ci + 1) * cs - lo) / PAGE_SIZE));
        const chunk = chunks[ci];
        if (chunk === null) {
          idx.fill(0, p, runEnd);
          offs.fill(0, p, runEnd);
          p = runEnd;
          continue;
        }
        const bi = this.indexOfBuf(chunk);
        for (let co = lo - ci * cs; p < runEnd; p++, co += PAGE_SIZE) {
          if (co + PAGE_SIZE <= chunk.length) {
            idx[p] = bi;
            offs[p] = co;
          } else {
            idx[p] = 0;
            offs[p] = 0;
          }
        }
      }
    } else if (kind === KIND_ROM && !write) {
      const bi = this.indexOfBuf(region!.rom!);
      for (let off = p * PAGE_SIZE - base; p < q; p++, off += PAGE_SIZE) {
        idx[p] = bi;
        offs[p] = off;
      }
    } else {
      idx.fill(0, p, q);
      offs.fill(0, p, q);
    }
  }

  /** The index of a backing array in `pages.bufs`, adding it on first use. */
  private indexOfBuf(buf: Uint8Array): number {
    let i = this.bufIndex.get(buf);
    if (i === undefined) {
      i = this.bufs.length;
      this.bufs.push(buf);
      this.bufIndex.set(buf, i);
    }
    return i;
  }

  /** Allocate chunk ci of RAM region r and point every page that shows it at the new array. */
  private allocChunk(r: BusRegion, ci: number): Uint8Array {
    const cs = r.chunkSize;
    const len = Math.min(cs, r.size - ci * cs);
    const chunk = new Uint8Array(len);
    r.chunks![ci] = chunk;
    const lo = ci * cs;
    const hi = lo + len;
    for (const s of this.segs) {
      if (s.start >= FOUR_GIB) break;
      if (s.rRegion === r) this.refreshClipped(s, s.rBase, lo, hi);
      if (s.wRegion === r && (s.rRegion !== r || s.wBase !== s.rBase))
        this.refreshClipped(s, s.wBase, lo, hi);
    }
    return chunk;
  }

  private refreshClipped(s: Segment, base: number, lo: number, hi: number): void {
    const a = Math.max(s.start, lo + base);
    const b = Math.min(s.end, hi + base);
    if (a < b) this.refreshPages(a, b);
  }

  // ---------------------------------------------------------------- accessors (fast page path first)

  read8(addr: number): number {
    if (addr >= 0 && addr < FOUR_GIB) {
      const p = addr >>> 12;
      const b = this.bufs[this.ri[p]];
      if (b !== null) return b[this.ro[p] + (addr & 0xfff)];
    }
    return this.slowRead(addr, 1);
  }

  read16(addr: number): number {
    if (addr >= 0 && addr < FOUR_GIB && (addr & 0xfff) <= 0xffe) {
      const p = addr >>> 12;
      const b = this.bufs[this.ri[p]];
      if (b !== null) {
        const o = this.ro[p] + (addr & 0xfff);
        return b[o] | (b[o + 1] << 8);
      }
    }
    return this.slowRead(addr, 2);
  }

  read32(addr: number): number {
    if (addr >= 0 && addr < FOUR_GIB && (addr & 0xfff) <= 0xffc) {
      const p = addr >>> 12;
      const b = this.bufs[this.ri[p]];
      if (b !== null) {
        const o = this.ro[p] + (addr & 0xfff);
        return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
      }
    }
    return this.slowRead(addr, 4);
  }

  read64(addr: number): bigint {
    const s = this.find(addr);
    if (s.rKind === KIND_IO && addr + 8 <= s.end) {
      const h = s.rRegion!.handler!;
      if (h.read64 !== undefined) return BigInt.asUintN(64, h.read64(addr - s.rBase));
    }
    const lo = this.read32(addr);
    const hi = this.read32(addr + 4);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  write8(addr: number, value: number): void {
    if (addr >= 0 && addr < FOUR_GIB) {
      const p = addr >>> 12;
      const b = this.bufs[this.wi[p]];
      if (b !== null) {
        b[this.wo[p] + (addr & 0xfff)] = value;
        if (this.watchers.length !== 0) this.notify(addr, 1);
        return;
      }
    }
    this.slowWrite(addr, 1, value & 0xff);
  }

  write16(addr: number, value: number): void {
    if (addr >= 0 && addr < FOUR_GIB && (addr & 0xfff) <= 0xffe) {
      const p = addr >>> 12;
      const b = this.bufs[this.wi[p]];
      if (b !== null) {
        const o = this.wo[p] + (addr & 0xfff);
        b[o] = value;
        b[o + 1] = value >>> 8;
        if (this.watchers.length !== 0) this.notify(addr, 2);
        return;
      }
    }
    this.slowWrite(addr, 2, value & 0xffff);
  }

  write32(addr: number, value: number): void {
    if (addr >= 0 && addr < FOUR_GIB && (addr & 0xfff) <= 0xffc) {
      const p = addr >>> 12;
      const b = this.bufs[this.wi[p]];
      if (b !== null) {
        const o = this.wo[p] + (addr & 0xfff);
        b[o] = value;
        b[o + 1] = value >>> 8;
        b[o + 2] = value >>> 16;
        b[o + 3] = value >>> 24;
        if (this.watchers.length !== 0) this.notify(addr, 4);
        return;
      }
    }
    this.slowWrite(addr, 4, value >>> 0);
  }

  write64(addr: number, value: bigint): void {
    const v = BigInt.asUintN(64, BigInt(value));
    const s = this.find(addr);
    if (s.wKind === KIND_IO && addr + 8 <= s.end) {
      const h = s.wRegion!.handler!;
      if (h.write64 !== undefined) {
        h.write64(addr - s.wBase, v);
        return;
      }
    }
    this.write32(addr, Number(v & 0xffff_ffffn));
    this.write32(addr + 4, Number(v >> 32n));
  }

  private slowRead(addr: number, size: number): number {
    const s = this.find(addr);
    if (addr + size <= s.end) return this.readIn(s, addr, size);
    // Straddles a segment boundary: one byte at a time, each to whatever serves it.
    let v = 0;
    for (let i = 0; i < size; i++) {
      const a = addr + i;
      v += this.readIn(this.find(a), a, 1) * 2 ** (8 * i);
    }
    return v;
  }

  private readIn(s: Segment, addr: number, size: number): number {
    switch (s.rKind) {
      case KIND_RAM: {
        const r = s.rRegion!;
        const off = addr - s.rBase;
        const cs = r.chunkSize;
        const ci = Math.floor(off / cs);
        const co = off - ci * cs;
        if (co + size <= cs) {
          const c = r.chunks![ci];
          return c === null ? 0 : leRead(c, co, size);
        }
        let v = 0;
        for (let i = 0; i < size; i++) v += this.readIn(s, addr + i, 1) * 2 ** (8 * i);
        return v;
      }
      case KIND_ROM:
        return leRead(s.rRegion!.rom!, addr - s.rBase, size);
      case KIND_IO: {
        const v = s.rRegion!.handler!.read(addr - s.rBase, size as 1 | 2 | 4);
        return size === 4 ? v >>> 0 : v & ONES[size];
      }
      default:
        if (this.tracer !== null) this.tracer({ kind: 'unassigned-read', space: 'mem', addr, size });
        return ONES[size];
    }
  }

  private slowWrite(addr: number, size: number, value: number): void {
    const s = this.find(addr);
    if (addr + size <= s.end) {
      this.writeIn(s, addr, size, value);
      return;
    }
    for (let i = 0; i < size; i++) {
      const a = addr + i;
      this.writeIn(this.find(a), a, 1, Math.floor(value / 2 ** (8 * i)) & 0xff);
    }
  }

  private writeIn(s: Segment, addr: number, size: number, value: number): void {
    switch (s.wKind) {
      case KIND_RAM: {
        const r = s.wRegion!;
        const off = addr - s.wBase;
        const cs = r.chunkSize;
        const ci = Math.floor(off / cs);
        const co = off - ci * cs;
        if (co + size <= cs) {
          const c = r.chunks![ci] ?? this.allocChunk(r, ci);
          leWrite(c, co, size, value);
          if (this.watchers.length !== 0) this.notify(addr, size);
        } else {
          for (let i = 0; i < size; i++)
            this.writeIn(s, addr + i, 1, Math.floor(value / 2 ** (8 * i)) & 0xff);
        }
        return;
      }
      case KIND_ROM:
        if (this.tracer !== null)
          this.tracer({ kind: 'rom-write', region: s.wRegion!.name, addr, size, value });
        return;
      case KIND_IO:
        s.wRegion!.handler!.write(addr - s.wBase, size as 1 | 2 | 4, value);
        return;
      default:
        if (this.tracer !== null) this.tracer({ kind: 'unassigned-write', space: 'mem', addr, size, value });
    }
  }

  private notify(addr: number, len: number): void {
    const first = Math.floor(addr / PAGE_SIZE);
    const lastPage = Math.floor((addr + len - 1) / PAGE_SIZE);
    const ws = this.watchers;
    for (let p = first; p <= lastPage; p++) for (let i = 0; i < ws.length; i++) ws[i](p);
  }

  // ---------------------------------------------------------------- bulk

  readBytes(addr: number, length: number, into?: Uint8Array): Uint8Array {
    checkLength('readBytes', length);
    const out = into ?? new Uint8Array(length);
    if (out.length < length)
      throw new Error(`${LABEL}: readBytes: 'into' holds ${out.length} bytes, ${length} requested`);
    let done = 0;
    while (done < length) {
      const a = addr + done;
      const s = this.find(a);
      const n = Math.min(length - done, s.end - a);
      switch (s.rKind) {
        case KIND_RAM: {
          const r = s.rRegion!;
          const cs = r.chunkSize;
          let k = 0;
          while (k < n) {
            const off = a + k - s.rBase;
            const ci = Math.floor(off / cs);
            const co = off - ci * cs;
            const m = Math.min(n - k, cs - co);
            const c = r.chunks![ci];
            if (c === null) out.fill(0, done + k, done + k + m);
            else out.set(c.subarray(co, co + m), done + k);
            k += m;
          }
          break;
        }
        case KIND_ROM: {
          const off = a - s.rBase;
          out.set(s.rRegion!.rom!.subarray(off, off + n), done);
          break;
        }
        case KIND_IO: {
          const h = s.rRegion!.handler!;
          for (let i = 0; i < n; i++) out[done + i] = h.read(a + i - s.rBase, 1);
          break;
        }
        default:
          out.fill(0xff, done, done + n);
          if (this.tracer !== null) this.tracer({ kind: 'unassigned-read', space: 'mem', addr: a, size: n });
      }
      done += n;
    }
    return out;
  }

  writeBytes(addr: number, data: Uint8Array): void {
    this.bulkWrite(addr, data.length, data, 0);
  }

  fill(addr: number, length: number, value: number): void {
    checkLength('fill', length);
    this.bulkWrite(addr, length, null, value & 0xff);
  }

  copy(dest: number, src: number, length: number): void {
    checkLength('copy', length);
    if (length === 0 || dest === src) return;
    // memmove semantics through a bounded bounce buffer; backwards when dest overlaps above src.
    const step = Math.min(length, 0x10000);
    const tmp = new Uint8Array(step);
    if (dest > src && dest < src + length) {
      let left = length;
      while (left > 0) {
        const n = Math.min(step, left);
        left -= n;
        const buf = tmp.subarray(0, n);
        this.readBytes(src + left, n, buf);
        this.writeBytes(dest + left, buf);
      }
    } else {
      for (let done = 0; done < length; ) {
        const n = Math.min(step, length - done);
        const buf = tmp.subarray(0, n);
        this.readBytes(src + done, n, buf);
        this.writeBytes(dest + done, buf);
        done += n;
      }
    }
  }

  private bulkWrite(addr: number, length: number, data: Uint8Array | null, fillValue: number): void {
    let done = 0;
    while (done < length) {
      const a = addr + done;
      const s = this.find(a);
      const n = Math.min(length - done, s.end - a);
      switch (s.wKind) {
        case KIND_RAM: {
          const r = s.wRegion!;
          const cs = r.chunkSize;
          let k = 0;
          while (k < n) {
            const off = a + k - s.wBase;
            const ci = Math.floor(off / cs);
            const co = off - ci * cs;
            const m = Math.min(n - k, cs - co);
            const c = r.chunks![ci] ?? this.allocChunk(r, ci);
            if (data !== null) c.set(data.subarray(done + k, done + k + m), co);
            else c.fill(fillValue, co, co + m);
            k += m;
          }
          if (this.watchers.length !== 0) this.notify(a, n);
          break;
        }
        case KIND_ROM:
          if (this.tracer !== null) {
            this.tracer({
              kind: 'rom-write',
              region: s.wRegion!.name,
              addr: a,
              size: n,
              value: data ? data[done] : fillValue,
            });
          }
          break;
        case KIND_IO: {
          const h = s.wRegion!.handler!;
          for (let i = 0; i < n; i++) h.write(a + i - s.wBase, 1, data !== null ? data[done + i] : fillValue);
          break;
        }
        default:
          if (this.tracer !== null) {
            this.tracer({
              kind: 'unassigned-write',
              space: 'mem',
              addr: a,
              size: n,
              value: data ? data[done] : fillValue,
            });
          }
      }
      done += n;
    }
  }

  /** A RAM region's backing for snapshots: its chunks in order (null = never touched: all zero).
   * The arrays are the live backing; read them, don't keep them. */
  ramChunks(name: string): { size: number; chunkSize: number; chunks: ReadonlyArray<Uint8Array | null> } {
    const r = this.ramRegion(name, 'ramChunks');
    return { size: r.size, chunkSize: r.chunkSize, chunks: r.chunks! };
  }

  /** Restore: write `data` straight into RAM region `name` at `offset` (not through the address
   * map: PAM routing and overlays don't apply). Write watchers are told, as for any bulk write. */
  writeRamDirect(name: string, offset: number, data: Uint8Array): void {
    const r = this.ramRegion(name, 'writeRamDirect');
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + data.length > r.size)
      throw new Error(`${LABEL}: writeRamDirect: [${offset}, +${data.length}) is outside "${name}"`);
    const cs = r.chunkSize;
    for (let done = 0; done < data.length; ) {
      const at = offset + done;
      const ci = Math.floor(at / cs);
      const c = r.chunks![ci] ?? this.allocChunk(r, ci);
      const n = Math.min(data.length - done, c.length - (at - ci * cs));
      c.set(data.subarray(done, done + n), at - ci * cs);
      done += n;
    }
    if (this.watchers.length !== 0 && data.length) this.notify(r.base + offset, data.length);
  }

  /** Restore: zero every allocated chunk of RAM region `name` (watchers are told). */
  clearRamDirect(name: string): void {
    const r = this.ramRegion(name, 'clearRamDirect');
    for (const [ci, c] of r.chunks!.entries()) {
      if (c === null) continue;
      c.fill(0);
      if (this.watchers.length !== 0) this.notify(r.base + ci * r.chunkSize, c.length);
    }
  }

  private ramRegion(name: string, op: string): BusRegion {
    const r = this.regions.find((x) => x.name === name && x.chunks);
    if (!r) throw new Error(`${LABEL}: ${op}: no RAM region named "${name}"`);
    return r;
  }

  /** Bytes of RAM actually allocated (lazy chunks), for diagnostics and tests. */
  allocatedBytes(): number {
    let n = 0;
    for (const r of this.regions) if (r.chunks) for (const c of r.chunks) if (c !== null) n += c.length;
    return n;
  }
}

function checkLength(op: string, length: number): void {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new Error(`${LABEL}: ${op}: length ${String(length)} is not a non-negative integer`);
  }
}
