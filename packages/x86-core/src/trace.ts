// x86 core: Glue to the trace compiler (jit.ts)
// Behavioural references (no code copied): see jit.ts.

import { CpuCpuid } from './cpuid.js';
import { compileTrace, makeTrace, TRACE_WARM_ITERATIONS, type Trace, type TraceEnv } from './jit.js';
import { CS, JIT_MAX_KILLS } from './state.js';

/** Entries of a trace that fault (by a throw) before it retires anything, after which its entry is
 * left to the interpreter. A #PF a compiled access finds before it happens (jit-memory.ts pfProbe)
 * leaves the trace without a throw and does not count: that round trip is as cheap compiled. */
const JIT_IDLE_FAULTS = 16;

/** Slots of the trace cache in front of the entry map (CpuTrace.traceSlots), a power of two. */
const TRACE_SLOTS = 1024;

/** Numbers the CPUs that compile traces (in creation order: the same program numbers them the same). */
let jitInstances = 0;

/** Glue to the trace compiler (jit.ts): branch heat, trace lookup/compile/run, invalidation on code
 * writes, flushes. */
export abstract class CpuTrace extends CpuCpuid {
  /** @internal (TraceHost) The backing array compiled memory accesses reach directly
   * (jit-memory.ts): the longest of the bus's arrays (the RAM when it is one array, else one of
   * its chunks) and a DataView over it. Chosen before the first compile after a flush (every
   * memory-map change flushes). */
  ram: Uint8Array = new Uint8Array(0);
  /** @internal (TraceHost) */
  ramView: DataView = new DataView(this.ram.buffer);
  /** @internal (TraceHost) The direct table: per physical page below its length, 0 (not known to
   * be in `ram`) or the page's page-aligned offset in `ram` | 1 (plain reads go there) | 2 (plain
   * writes go there and no trace was compiled from the page). Filled from the bus's page tables
   * when `ram` is picked (fillDirect), and by compiled code (directFill) when an access above the
   * table finds its page in `ram`. Sized for `ram`'s pages from 0 and grown to the next power of
   * two of pages that covers a fill above (16 KiB for 16 MiB of RAM at 0, not the 4 MiB a whole
   * 4 GiB table would allocate for every Cpu); a flush refills it. */
  direct = new Int32Array(0);
  private ramStale = true;
  /** This CPU's number, and its compiles so far: every trace's source says both (TraceEnv.tag). */
  private readonly jitInstance = ++jitInstances;
  private compiles = 0;
  /** The highest page with a direct entry (fillDirect, directFill). */
  private directHi = -1;
  /** Entries whose trace met another segment state than it was specialised for: compiled from
   * then on to read the Cpu's segment caches (so code run under changing segments compiles once
   * more, not on every change). */
  private segVaries = new Set<number>();
  /** A direct-mapped cache in front of `traces`, indexed by the entry's heat hash: a slot holds the
   * trace `traces` has for its `lin` as long as that trace is not dead (a live trace is always the
   * map's entry for its lin: a new one replaces only a killed one). Two entries per #PF round trip
   * (the handler's, the faulting loop's) made the map lookup a tenth of the round trip. */
  private readonly traceSlots: (Trace | null)[] = new Array<Trace | null>(TRACE_SLOTS).fill(null);

  /** Run the compiled trace at CS:EIP if it is hot, compiled (compiling it now if it just became
   * hot) and its longest iteration fits in the budget. False: interpret instead. */
  /** The interpreter just branched to CS:EIP: count the target's heat (hashed), and once it is hot
   * have execute() return so loop() runs (or compiles) the trace there. Cold branches stay in
   * execute()'s loop. */
  protected override branched(): void {
    const lin = (this.csBase + this.eip) | 0;
    const h = (lin ^ (lin >>> 16)) & 0xffff;
    // Both outcomes through the same stores: the probe's store is first reached long after V8 has
    // optimized the callers this is inlined into (jumpRel, callNear …), and a store V8 never saw
    // run deoptimizes them there (docs/performance.md, "The cold boot").
    const heat = this.heat;
    const n = heat[h];
    const hot = n >= this.jitHot;
    heat[h] = hot ? n : n + 1;
    this.jitProbe = this.jitProbe || hot;
  }

  protected runTrace(end: number): boolean {
    const lin = (this.csBase + this.eip) | 0;
    const h = (lin ^ (lin >>> 16)) & 0xffff;
    if (this.heat[h] < this.jitHot) {
      // Reached by leaving a trace (interpreted branches count in branched()): count it here, or a
      // target whose only branches now run compiled would never become hot.
      this.heat[h]++;
      return false;
    }
    const slot = h & (TRACE_SLOTS - 1);
    let t = this.traceSlots[slot] ?? undefined;
    if (t === undefined || t.lin !== lin || t.dead) {
      t = this.traces.get(lin);
      if (t !== undefined) this.traceSlots[slot] = t;
    }
    const segsOk = t === undefined || this.segsMatch(t.segs);
    if (
      t === undefined ||
      t.csBase !== this.csBase ||
      t.csLimit !== this.csLimit ||
      t.cs32 !== this.cs32 ||
      t.ss32 !== this.ss32 ||
      t.paged !== this.paging ||
      (t.paged && this.codeMoved(t)) ||
      !segsOk
    ) {
      if (t !== undefined) {
        if (!segsOk) this.segVaries.add(lin);
        this.killTrace(t);
      }
      const made = this.compile();
      if (made === null) return false;
      t = made;
      this.traceSlots[slot] = t;
    }
    const fn = t.fn;
    if (fn === null || this.instructionCount + t.maxLen > end) return false;
    if (t.paged && !this.codeMapped(t)) return false;
    this.jitStats.entries++;
    this.jitActive = true;
    this.jitBreak = false;
    const before = this.instructionCount;
    let lim = end - before;
    if (t.warm > 0) {
      // jit.ts TRACE_WARM_ENTRIES: the first entries leave after a few iterations.
      t.warm--;
      lim = Math.min(lim, t.maxLen * TRACE_WARM_ITERATIONS);
    }
    let left = false;
    try {
      fn(lim, this.cpl === 3);
      left = true;
    } finally {
      this.jitActive = false;
      const ran = this.instructionCount - before;
      this.jitStats.instructions += ran;
      // A trace that keeps throwing a fault from its first instruction only adds its entry and an
      // extra unwind to each fault.
      if (!left && ran === 0 && ++t.idleFaults >= JIT_IDLE_FAULTS) {
        this.killTrace(t);
        this.traceKills.set(t.lin, JIT_MAX_KILLS);
      }
    }
    return true;
  }

  /** The segments a trace was specialised for are in the state it was compiled for (jit.ts
   * Trace.segs). Segment caches change only by segment loads and mode switches, which no trace
   * contains, so checking at entry covers the whole run of the trace. */
  private segsMatch(g: number[]): boolean {
    for (let i = 0; i < g.length; i += 5) {
      const s = g[i] as number;
      if (
        this.segLo[s] !== g[i + 1] ||
        this.segHi[s] !== g[i + 2] ||
        this.segBase[s] !== g[i + 3] ||
        this.segWritable[s] !== g[i + 4]
      )
        return false;
    }
    return true;
  }

  /** Paging on: the TLB maps one of the trace's code pages to another frame than it was compiled
   * from (CR3 switched, the tables were edited and the entry refilled): recompile. */
  private codeMoved(t: Trace): boolean {
    const pg = t.pages;
    for (let i = 0; i < pg.length; i += 2) {
      const e = this.tlb[pg[i] as number];
      if (e !== 0 && (e & ~0xfff) !== pg[i + 1]) return true;
    }
    return false;
  }

  /** Paging on: every code page of the trace is in the TLB with fetch permission for this CPL (and,
   * codeMoved() having said no, at the frame compiled from), so the interpreter would fetch these
   * very bytes without walking the tables. Otherwise interpret: the fetch then walks (accessed bits,
   * TLB fill, #PF) exactly as it must, and a later entry finds the page mapped. */
  private codeMapped(t: Trace): boolean {
    const need = this.cpl === 3 ? 4 : 1;
    const pg = t.pages;
    for (let i = 0; i < pg.length; i += 2) if ((this.tlb[pg[i] as number] & need) === 0) return false;
    return true;
  }

  /** What the compiler reads: code through the TLB only (never a walk: compiling has no side effects
   * on the guest), with fetch permission for this CPL. */
  private traceEnv(): TraceEnv {
    const paged = this.paging;
    const need = this.cpl === 3 ? 4 : 1;
    const phys = (lin: number): number => {
      if (!paged) return lin & this.a20Mask;
      const e = this.tlb[lin >>> 12];
      return (e & need) === 0 ? -1 : ((e & ~0xfff) | (lin & 0xfff)) & this.a20Mask;
    };
    return {
      peek: (lin) => {
        const a = phys(lin);
        if (a === -1) return -1;
        const p = a >>> 12;
        const buf = this.bufs[this.readIdx[p]];
        return buf === null ? -1 : buf[this.readOff[p] + (a & 0xfff)];
      },
      phys,
      frame: (lp) => this.tlb[lp] & ~0xfff,
      csBase: this.csBase,
      csLimit: this.csLimit,
      cs32: this.cs32,
      ss32: this.ss32,
      paged,
      seg: this.segVaries.has((this.csBase + this.eip) | 0)
        ? null
        : {
            lo: this.segLo.slice(),
            hi: this.segHi.slice(),
            base: this.segBase.slice(),
            w: this.segWritable.slice(),
          },
      host: this,
      regs: this.regs,
      tag: `cpu ${this.jitInstance} trace ${++this.compiles}`,
    };
  }

  /** Pick `ram` (the longest of the bus's backing arrays) and fill the direct table afresh. */
  private pickRam(): void {
    const bufs = this.bufs;
    let buf: Uint8Array = new Uint8Array(0);
    for (let b = 1; b < bufs.length; b++) {
      const x = bufs[b];
      if (x != null && x.length > buf.length) buf = x;
    }
    this.ram = buf;
    this.ramView = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    // Room for as many pages as `ram` holds from page 0 (where RAM usually starts); directFill
    // grows it for pages above.
    let want = 1024;
    while (want < buf.length >>> 12 && want < this.readIdx.length) want *= 2;
    if (this.direct.length < want) this.direct = new Int32Array(want);
    this.fillDirect(Math.max(want, this.directHi + 1));
    this.ramStale = false;
  }

  /** Rewrite the direct table's first `pages` entries from the bus's page tables: every page whose
   * reads `ram` backs, writable where its writes go to the same bytes and no trace was compiled from
   * it. Filled before any trace runs, so compiled code meets the generic path only for what is not
   * plain RAM (and V8 compiles the hot loops without it). */
  private fillDirect(pages: number): void {
    const { bufs, readIdx, readOff, writeIdx, writeOff, ram, direct, codePages } = this;
    const end = Math.min(pages, direct.length, readIdx.length);
    let hi = -1;
    for (let p = 0; p < end; p++) {
      const off = readOff[p] as number;
      let e = 0;
      if (bufs[readIdx[p] as number] === ram && (off & 0xfff) === 0) {
        e = off | 1;
        const w = bufs[writeIdx[p] as number] === ram && writeOff[p] === off;
        if (w && codePages[p] === 0) e |= 2;
        hi = p;
      }
      direct[p] = e;
    }
    this.directHi = hi;
  }

  /** @internal (TraceHost) Compiled code found physical page `p` at offset `off` of `ram` through
   * the bus's page tables, for reads (`bit` 1) or writes (2: and not a code page). */
  directFill(p: number, off: number, bit: number): void {
    if ((off & 0xfff) !== 0) return;
    if (p >= this.direct.length) {
      // Every trace names the table as a constant (jit.ts traceSource): a new table retires them
      // all. A running trace keeps the one it started with (its entries stay true) until it leaves.
      let n = 1024;
      while (n <= p) n *= 2;
      const grown = new Int32Array(n);
      grown.set(this.direct);
      this.retireTraces();
      this.direct = grown;
    }
    const cur = this.direct[p] as number;
    // Reads and writes of a page may go to different places (PAM): one offset per entry.
    this.direct[p] = cur !== 0 && (cur & -4096) === off ? cur | bit : off | bit;
    if (p > this.directHi) this.directHi = p;
  }

  protected compile(): Trace | null {
    if (this.ramStale) this.pickRam();
    let t: Trace;
    const lin = (this.csBase + this.eip) | 0;
    const interpretHere = (): Trace => {
      const { csBase, csLimit, cs32, ss32 } = this;
      const key = { lin, csBase, csLimit, cs32, ss32, paged: this.paging, pages: [], ranges: [], segs: [] };
      const none = makeTrace(key, null, 0);
      this.traces.set(lin, none);
      return none;
    };
    if ((this.traceKills.get(lin) ?? 0) >= JIT_MAX_KILLS) return interpretHere();
    // Paging on and the entry's page not in the TLB (just flushed): compile once the interpreter has
    // fetched from it.
    if (this.paging && (this.tlb[lin >>> 12] & (this.cpl === 3 ? 4 : 1)) === 0) return null;
    try {
      t = compileTrace(this.traceEnv(), this.eip);
    } catch (e) {
      if (e instanceof EvalError) {
        // `new Function` refused (a Content-Security-Policy without 'unsafe-eval'): interpret.
        this.jitOn = false;
        this.jitFlush();
        return null;
      }
      // A compiler bug must not stop the guest: report it and interpret this code.
      const message = e instanceof Error ? e.message : String(e);
      try {
        this.emit({
          kind: 'internal-error',
          message: `trace compiler: ${message} (interpreting this code instead)`,
          cs: this.segSel[CS],
          eip: this.eip >>> 0,
        });
      } catch {
        // A throwing listener must not turn this into an exception out of run().
      }
      return interpretHere();
    }
    this.jitStats.compiled++;
    this.traces.set(t.lin, t);
    const r = t.ranges;
    for (let i = 0; i < r.length; i += 2) {
      const first = (r[i] as number) >>> 12;
      const last = (((r[i + 1] as number) - 1) >>> 0) >>> 12;
      for (let p = first; p <= last; p++) {
        let list = this.pageTraces.get(p);
        if (list === undefined) {
          list = [];
          this.pageTraces.set(p, list);
        }
        if (list[list.length - 1] !== t) list.push(t);
        this.codePages[p] = 1;
        if (p < this.direct.length) this.direct[p] &= ~2;
      }
    }
    return t;
  }

  protected killTrace(t: Trace): void {
    if (t.dead) return;
    t.dead = true;
    if (this.traces.get(t.lin) === t) this.traces.delete(t.lin);
    this.jitStats.invalidated++;
    if (this.jitActive) this.jitBreak = true;
  }

  /** Physical bytes [a, a+len) of a code page were written: kill the traces compiled from them. */
  protected override codeWrite(a: number, len: number): void {
    const p = a >>> 12;
    const list = this.pageTraces.get(p);
    if (list === undefined) {
      this.codePages[p] = 0;
      return;
    }
    const lo = a >>> 0;
    const hi = lo + len;
    let live = 0;
    for (let i = 0; i < list.length; i++) {
      const t = list[i] as Trace;
      if (t.dead) continue;
      const r = t.ranges;
      let hit = false;
      for (let j = 0; j < r.length; j += 2) {
        if ((r[j] as number) >>> 0 < hi && (r[j + 1] as number) >>> 0 > lo) {
          hit = true;
          break;
        }
      }
      if (hit) {
        this.killTrace(t);
        this.traceKills.set(t.lin, (this.traceKills.get(t.lin) ?? 0) + 1);
      } else list[live++] = t;
    }
    list.length = live;
    if (live === 0) {
      this.pageTraces.delete(p);
      this.codePages[p] = 0;
    }
  }

  /** Forget every compiled trace (memory map, A20, reset, state load). */
  protected override jitFlush(): void {
    this.ramStale = true;
    this.retireTraces();
  }

  /** Kill every compiled trace: their entries compile afresh when hot again. */
  private retireTraces(): void {
    if (this.traces.size === 0 && this.pageTraces.size === 0) return;
    for (const t of this.traces.values()) t.dead = true;
    if (this.jitActive) this.jitBreak = true;
    this.traces.clear();
    for (const p of this.pageTraces.keys()) this.codePages[p] = 0;
    this.pageTraces.clear();
    this.traceKills.clear();
    this.segVaries.clear();
    this.heat.fill(0);
    this.jitStats.flushes++;
  }
}
