// Trace compiler: memory operands in generated code (loads and stores through the segment checks,
// A20, the TLB with paging on, and the bus's page tables). Split from jit.ts; see there for the
// design. Behavioural references (no code copied): v86 src/rust/cpu/cpu.rs (TLB lookups inlined into
// generated code), QEMU accel/tcg/cputlb.c (softmmu fast path: TLB hit -> host pointer, miss -> helper).
//
// Three tiers, fastest first:
//   1. the direct table (trace.ts `direct`, `dn` entries): one Int32Array lookup by physical page gives the page's
//      offset in ONE backing array (`ram`: the longest, with a DataView `rv` over it for words and
//      dwords) with a bit each for plain reads and plain writes, or 0 (not seen yet, another
//      array, ROM for writes, MMIO, unmapped, a page a trace was compiled from for writes). `ram`
//      and `rv` are constant for the whole trace, so V8 checks them once rather than per access;
//   2. the bus's page tables (`bufs[ri[p]]` / `bufs[wi[p]]`, offsets `ro`/`wo`; for stores the
//      Cpu's code-page map `cp`): RAM chunks other than `ram`, ROM reads, and a page of `ram` the
//      first time (which fills its direct entry: directFill);
//   3. the interpreter's readLin*/writeLin*: a TLB miss (page walk, accessed/dirty bits, #PF), MMIO,
//      unmapped, a page crossing, a store to a code page.
// In front of them, a page cache in trace locals (MemPlan.cache): the linear page a site's last tier-1
// access went to and the delta from its linear address to `ram`. What tier 1 found stays true while
// the trace runs until a slow access (tier 3: a walk refills TLB entries, a device may remap memory),
// after which every cache of the trace is emptied (the RT marker), so a hit is exactly a tier-1 access.
// Behavioural reference (no code copied): QEMU's softmmu TLB compares the page tag and adds the
// cached host addend (accel/tcg/cputlb.c, tlb_entry addend); here the tag and addend are per site.

import { HOST as C } from './jit-host.js';

/** The label of the trace's main loop (jit.ts traceSource): `break`ing out of it leaves the trace with
 * a #PF pending (the fault exit after the loop reports it as the catch would a thrown one). */
export const PF_EXIT = 'pf';

/** Paging on, before a slow access: a #PF the access would raise is found by the Cpu's pfFirst
 * (memory.ts) and the trace leaves with it pending instead of the helper throwing it (a JavaScript
 * throw and unwind cost about as much as the rest of a #PF round trip). */
function pfProbe(paged: boolean, size: number, write: boolean): string {
  return paged ? `if (${C.pfFirst}(l, ${size}, ${write})) break ${PF_EXIT};` : '';
}

/** Markers traceSource (jit.ts) replaces: store the registers the trace assigns back to the Cpu
 * (before anything outside the trace may look at them), reload ESP after setSp, and empty every
 * page cache (after a slow access). */
export const WB = '/*WB*/';
export const RL4 = '/*RL4*/';
export const RT = '/*RT*/';

/** The segment state a trace is specialised for: the Cpu's segment caches (cpu.ts segLo/segHi/
 * segBase/segWritable) as they were at compile time. */
export interface SegView {
  readonly lo: ArrayLike<number>;
  readonly hi: ArrayLike<number>;
  readonly base: ArrayLike<number>;
  readonly w: ArrayLike<number>;
}

/**
 * One compile's memory operands: paging on/off, the segment state the code is specialised for
 * (null: read the Cpu's segment caches, which any segment state passes), the segments the code
 * reads (their compile-time state is the trace's entry guard, trace.ts), and the page caches.
 * Specialised code turns the limit checks and bases into constants: with flat 4 GiB segments
 * there is no base to add, no lower bound and only the wrap check of a multi-byte access; in
 * real mode the 0xFFFF limit stays, as a constant.
 */
export class MemPlan {
  /** Cache locals by key (the kind of access and the offset expression: sites with the same
   * address share one). */
  private readonly byKey = new Map<string, number>();
  readonly used = new Set<number>();
  constructor(
    readonly paged: boolean,
    readonly seg: SegView | null,
  ) {}

  /** The number of the page cache for a site (locals `tgN`: the linear page, `adN`: the addend to `ram`). */
  cache(write: boolean, off: string): number {
    const key = `${write ? 'w' : 'r'}${off}`;
    let n = this.byKey.get(key);
    if (n === undefined) {
      n = this.byKey.size;
      this.byKey.set(key, n);
    }
    return n;
  }

  /** How many page caches the trace declares. */
  get caches(): number {
    return this.byKey.size;
  }

  /** [segment, lo, hi, base, writable] for every segment the code reads, flattened; empty when
   * not specialised. */
  guard(): number[] {
    const s = this.seg;
    if (s === null) return [];
    const out: number[] = [];
    for (const i of [...this.used].sort())
      out.push(i, s.lo[i] as number, s.hi[i] as number, s.base[i] as number, s.w[i] as number);
    return out;
  }

  /** The segment check (memory.ts rd8…wr32: [segLo, segHi], writable) of a `last + 1`-byte access at
   * local `o`, then the linear address into local `l`. */
  check(seg: number, last: number, write: boolean): string {
    this.used.add(seg);
    const s = this.seg;
    if (s === null) {
      const w = write ? ` || sW[${seg}] === 0` : '';
      return `if (o < sLo[${seg}] || o${last ? ` + ${last}` : ''} > sHi[${seg}]${w}) segFault(${seg}); l = (sB[${seg}] + o) | 0;`;
    }
    const lo = s.lo[seg] as number;
    const top = (s.hi[seg] as number) - last;
    const base = s.base[seg] as number;
    const conds: string[] = [];
    if (lo > 0) conds.push(`o < ${lo}`);
    if (top < 0 || (write && s.w[seg] === 0)) conds.push('true');
    else if (top < 0xffffffff) conds.push(`o > ${top}`);
    const fault = conds.length === 0 ? '' : `if (${conds.join(' || ')}) segFault(${seg}); `;
    return `${fault}l = ${base === 0 ? 'o | 0' : `(${base} + o) | 0`};`;
  }
}

/** The prologue constants the memory emitters name (jit.ts traceSource puts them in the trace). */
export function memoryConsts(paged: boolean): string {
  const pg = paged ? `, tlb = ${C.tlb}` : '';
  return `bufs = ${C.bufs}, ri = ${C.readIdx}, ro = ${C.readOff}, wi = ${C.writeIdx}, wo = ${C.writeOff}, cp = ${C.codePages}, am = ${C.a20Mask}, dt = ${C.direct}, dn = dt.length, ram = ${C.ram}, rv = ${C.ramView}${pg}`;
}

/** Where the bytes at linear `l` are: `x` = physical address (A20 applied), `p` its page, `i` its
 * direct entry. Paging off: linear = physical. Paging on: the TLB entry of the linear page when it
 * grants the access (`need`: the local holding the permission bit for this CPL), else i = 0 and
 * `m` null (`generic`), so the access takes the interpreter's readLin/writeLin (page walk, TLB
 * fill, #PF), exactly what the interpreter's translate() does. */
function locate(paged: boolean, need: string): string {
  if (!paged) return 'x = l & am; p = x >>> 12; i = p < dn ? dt[p] : 0;';
  return `e = tlb[l >>> 12]; x = ((e & -4096) | (l & 0xfff)) & am; p = x >>> 12; i = (e & ${need}) !== 0 && p < dn ? dt[p] : 0;`;
}

/** Page cache `n`: a hit (same linear page as the last tier-1 access, and the access within it),
 * and the fill after a tier-1 access (the page's offset in `ram` minus its linear page). */
function cached(n: number, size: number): { hit: string; fill: string; at: string } {
  const inPage = size === 1 ? '' : ` && (l & 0xfff) <= ${0x1000 - size}`;
  return {
    hit: `(l & -4096) === tg${n}${inPage}`,
    fill: `tg${n} = l & -4096; ad${n} = ((i & -4096) - tg${n}) | 0;`,
    at: `(ad${n} + l) | 0`,
  };
}

/** The out-of-line tiers 2 and 3 of a `size`-byte load or store, called as `ld4(l, x, p[, e,
 * need])` / `st4(l, x, p[, e, need], w)` from the trace (jit.ts traceSource defines those it calls
 * in the trace's factory). Out of line, the trace has no property, element or arithmetic
 * operations on paths its first runs never took: V8 would compile each such operation without
 * type feedback into a deoptimisation, taken (and the trace recompiled) the first time the path
 * runs after optimisation. A call to a function of the factory needs no feedback.
 * Tier 2: the bus's page tables (`bufs[ri[p]]` / `bufs[wi[p]]`, null when paging denies the
 * access; a store also needs a page no trace was compiled from), filling the direct entry of a page
 * of `ram`; tier 3: the interpreter's readLin/writeLin. */
export function memoryHelper(name: string, paged: boolean): string {
  const size = Number(name.slice(2));
  const write = name[0] === 's';
  const args = `l, x, p${paged ? ', e, need' : ''}${write ? ', w' : ''}`;
  const idx = write ? 'wi' : 'ri';
  const off = write ? 'wo' : 'ro';
  const m = paged ? `(e & need) !== 0 ? bufs[${idx}[p]] : null` : `bufs[${idx}[p]]`;
  const ok = `m !== null${write ? ' && cp[p] === 0' : ''}${size === 1 ? '' : ` && (x & 0xfff) <= ${0x1000 - size}`}`;
  const fill = `if (m === ram) ${C.directFill}(p, ${off}[p], ${write ? 2 : 1});`;
  let plain: string;
  if (write) {
    plain = 'm[i] = w;';
    if (size >= 2) plain += ' m[i + 1] = w >> 8;';
    if (size === 4) plain += ' m[i + 2] = w >> 16; m[i + 3] = w >> 24;';
    plain += ` ${fill} return;`;
  } else {
    const bytes = ['m[i]', '(m[i + 1] << 8)', '(m[i + 2] << 16)', '(m[i + 3] << 24)'].slice(0, size);
    plain = `const v = ${bytes.join(' | ')}; ${fill} return v;`;
  }
  const slow = write
    ? `${size === 1 ? C.writeLin8 : size === 2 ? C.writeLin16 : C.writeLin32}(l, w);`
    : `return ${size === 1 ? C.readLin8 : size === 2 ? C.readLin16 : C.readLin32}(l);`;
  return `const ${name} = function ${name}(${args}) { const m = ${m}; if (${ok}) { const i = ${off}[p] + (x & 0xfff); ${plain} } ${slow} };`;
}

/** The call to tiers 2 and 3 (memoryHelper) where tier 1 does not apply: registers written back
 * first (the slow path may reach a device), with paging a #PF found first (pfProbe: the TLB does not
 * allow the access and the walk faults), then every page cache emptied. */
function slowCall(name: string, paged: boolean, dst: string | null): string {
  const args = `l, x, p${paged ? `, e, ${dst === null ? 'nw' : 'nr'}` : ''}${dst === null ? ', w' : ''}`;
  const probe = pfProbe(paged, Number(name.slice(2)), dst === null);
  return `{ ${WB} ${probe} ${dst === null ? '' : `${dst} = `}${name}(${args}); slowMem = true; ${RT} }`;
}

/** Load `size` bytes at segment `seg`, offset `off` (a JS expression) into local `dst`. */
export function load(size: number, seg: number, off: string, dst: string, plan: MemPlan): string {
  const at = (a: string): string =>
    size === 1 ? `ram[${a}]` : `rv.${size === 2 ? 'getUint16' : 'getInt32'}(${a}, true)`;
  return access(size, seg, off, plan, dst, '', (a) => `${dst} = ${at(a)};`);
}

/** Store local/expression `val` (evaluated once, into w) as `size` bytes at seg:off. */
export function store(size: number, seg: number, off: string, val: string, plan: MemPlan): string {
  const put = (a: string): string =>
    size === 1 ? `ram[${a}] = w;` : `rv.${size === 2 ? 'setInt16' : 'setInt32'}(${a}, w, true);`;
  return access(size, seg, off, plan, null, `w = ${val}; `, put);
}

/** One memory operand: the segment check, the page cache, tier 1 (`direct(at)`: the access to
 * `ram` at an offset expression) and, on a miss tier 1 does not serve, the slow call. `dst` is the
 * load's destination, null for a store (whose value `pre` evaluates into w first). */
function access(
  size: number,
  seg: number,
  off: string,
  plan: MemPlan,
  dst: string | null,
  pre: string,
  direct: (at: string) => string,
): string {
  const write = dst === null;
  const check = `${pre}o = (${off}) >>> 0; ${plan.check(seg, size - 1, write)}`;
  const pc = cached(plan.cache(write, off), size);
  const inPage = size === 1 ? '' : ` && (x & 0xfff) <= ${0x1000 - size}`;
  const tier1 = write ? '(i & 2) !== 0' : 'i !== 0';
  const name = `${write ? 'st' : 'ld'}${size}`;
  const miss = `${locate(plan.paged, write ? 'nw' : 'nr')} if (!(${tier1}${inPage})) { ${slowCall(name, plan.paged, dst)} break mem; } ${pc.fill}`;
  return `${check} mem: { if (!(${pc.hit})) { ${miss} } ${direct(pc.at)} }`;
}
