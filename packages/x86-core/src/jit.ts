// Trace compiler: hot guest code → JavaScript functions that V8 then compiles to machine code.
//
// A trace starts at a hot branch target and follows the guest's own control flow at compile time:
// straight-line code, unconditional jumps, calls (the return is then checked at run time against
// the address the call pushed), short forward conditional branches (compiled as `if` around the
// skipped instructions) and a jump back to the trace's entry (compiled as a loop). Any other branch
// leaves the trace. The first instruction the compiler does not handle ends the trace: the
// interpreter runs it. The generated code has exactly the interpreter's semantics because it calls
// the interpreter's own helpers (alu, shift, rd32, wr8, push32, cond …) with the decoding done once,
// at compile time: operand sizes, registers, effective-address shapes, immediates and segment
// choice become constants V8 folds into the helpers it inlines.
//
// Contract with the Cpu (cpu.ts), which owns the cache and the invalidation:
//   - keyed by linear entry address and valid for one (CS base, CS limit, CS D bit, SS B bit, paging
//     on/off); with paging off linear = physical (A20 applied); with paging on the trace records the
//     TLB frame of every linear code page it was compiled from and is entered only while the TLB
//     still maps each page there (the interpreter's instruction fetch reads through the same TLB, so
//     CR3/CR0/CR4 writes, INVLPG and stale entries after page-table edits behave as interpreted);
//     memory operands look up the TLB inline and call the interpreter's readLin*/writeLin* on a
//     miss (page walk, accessed/dirty bits, #PF); a map change or A20 change flushes everything;
//   - a write to a byte any trace was compiled from kills that trace (the Cpu keeps per-page lists
//     and checks its own fast-path stores; the bus tells it about every other write);
//   - instruction counts are exact: a trace is entered only when its longest iteration fits in the
//     budget, counts each instruction as it retires, and a fault inside it reports the faulting
//     instruction's EIP/ESP and the instructions retired before it, as the interpreter would;
//   - a trace runs only while nothing needs the per-instruction slow path (TF, breakpoints, NMI,
//     HLT, an interrupt ready to be taken), none of its instructions can change that, IF, the mode,
//     CS or SS, and it leaves right after any access that reached a device (which may raise an
//     interrupt, stop the CPU or change the memory map).
// Design notes: v86 (src/rust/jit.rs) compiles basic blocks to WebAssembly and QEMU TCG (accel/tcg)
// compiles translation blocks to host code; this is the same idea with JavaScript as the target
// and traces rather than basic blocks, so V8 sees a whole loop body at once. No code is shared.

import { Decoded, decodeInstruction } from './decode.js';
import {
  aluInline,
  cfOf,
  condExpr,
  condPrefix,
  incDec,
  type Producer,
  SYNC,
  shiftInline,
  syncFlags,
} from './jit-flags.js';
import { HOST as C, type CodePeek, type TraceHost } from './jit-host.js';
import {
  load,
  MemPlan,
  memoryConsts,
  memoryHelper,
  PF_EXIT,
  RL4,
  RT,
  type SegView,
  store,
  WB,
} from './jit-memory.js';

export type { CodePeek, TraceHost } from './jit-host.js';

/** A compiled trace, bound to the CPU it was compiled for (TraceEnv.host/regs): `lim` is how many
 * instructions it may retire; `user` is CPL 3 (paging on, the TLB permission bits it needs). */
export type TraceFn = (lim: number, user: boolean) => void;
/** The generated factory: binds a trace to its CPU, its register array and the flag helpers. */
type TraceFactory = (c: TraceHost, r: Int32Array, sync: typeof syncFlags, cf: typeof cfOf) => TraceFn;

export interface Trace {
  /** Map key: linear address of the entry. */
  readonly lin: number;
  readonly csBase: number;
  readonly csLimit: number;
  readonly cs32: boolean;
  readonly ss32: boolean;
  /** Compiled code, or null when the entry instruction itself is not compilable. */
  readonly fn: TraceFn | null;
  /** Most instructions one entry (or one loop iteration) can retire. */
  readonly maxLen: number;
  /** Physical byte ranges [start, end) the trace was compiled from, flattened pairs. */
  readonly ranges: number[];
  /** Compiled with paging on: memory operands go through the TLB, and the trace is entered only
   * while the TLB maps each of `pages` to the frame it was compiled from. */
  readonly paged: boolean;
  /** Paging on: linear code page, physical frame (page-aligned), flattened pairs. */
  readonly pages: number[];
  /** The segment state the code was specialised for: [segment, lo, hi, base, writable] of each
   * segment it reads, flattened (jit-memory.ts MemPlan.guard); empty when it reads the Cpu's
   * segment caches. The trace is entered only while those segments are in that state. */
  readonly segs: number[];
  dead: boolean;
  /** Entries that ended in a fault before any instruction retired (trace.ts). */
  idleFaults: number;
  /** Entries still to run with a short budget (trace.ts TRACE_WARM_ENTRIES). */
  warm: number;
}

/** What a Trace is keyed and validated by (compileTrace, and trace.ts for an entry left to the
 * interpreter). */
export type TraceKey = Pick<
  Trace,
  'lin' | 'csBase' | 'csLimit' | 'cs32' | 'ss32' | 'paged' | 'pages' | 'ranges' | 'segs'
>;

/** Every Trace comes from here, its fields in one order, so the Cpu's trace lookups (trace.ts
 * runTrace) see one object shape: traces built by different literals or spreads have different
 * hidden classes, and the lookup's optimised code then deoptimises ("wrong map") on each new one. */
export function makeTrace(k: TraceKey, fn: TraceFn | null, maxLen: number): Trace {
  return {
    lin: k.lin,
    csBase: k.csBase,
    csLimit: k.csLimit,
    cs32: k.cs32,
    ss32: k.ss32,
    paged: k.paged,
    pages: k.pages,
    ranges: k.ranges,
    segs: k.segs,
    fn,
    maxLen,
    dead: false,
    idleFaults: 0,
    warm: TRACE_WARM_ENTRIES,
  };
}

/** A new trace's first entries run with a budget of at most TRACE_WARM_ITERATIONS of its longest
 * iteration (trace.ts runTrace), so that each leaves through its exit path after a few loop
 * iterations. V8 gives a function its feedback vector only after it has run about eight times its
 * bytecode size (--interrupt-budget-factor-for-feedback-allocation); a loop that then runs long is
 * compiled while it runs (on-stack replacement, OSR), and whatever the function has not run with
 * a feedback vector — the entry of its first call, the exit path after the loop — is compiled as a
 * deoptimisation. Without these entries the OSR code deoptimised at every exit, V8 re-entered it
 * on every call (re-optimising only after hundreds of calls, each spending little interpreter
 * budget), and memset32-pg ran at ~1,300 or ~2,800 MIPS by how V8's concurrent compiles fell
 * (docs/performance.md, "Steady tier-up"). Exact either way: a short budget only ends an entry at
 * a loop-back. */
export const TRACE_WARM_ENTRIES = 3;
export const TRACE_WARM_ITERATIONS = 64;

/** Most guest instructions in one trace. */
const MAX_TRACE = 48;
/** Most instructions a trace follows past its last branch back to its entry (or from its entry,
 * when it has none): code that runs once per entry, reached only when every early exit falls
 * through, which V8 compiles all the same. SeaBIOS's cold boot retired as many instructions in
 * traces cut here as with 48, from 35 KB of generated source instead of 57 (its largest trace
 * 6 KB instead of 17: a ten-instruction loop with 30 instructions after it); docs/performance.md,
 * "Thresholds and trace length". */
const MAX_LINEAR = 16;

/** A decoded instruction with what the compiler adds: its linear address and the JavaScript
 * expression of its effective-address offset (already wrapped to the address size). */
class Insn extends Decoded {
  lin = 0;
  ea = '';
  /** The compile's memory operands (paging, segment specialisation, page caches). */
  mem!: MemPlan;
}

const SS = 2;
const DS = 3;

/** Decodes the instruction at CS:eip for the compiler (decode.ts), or null when the compiler does
 * not take it: a byte beyond the CS limit or outside plain memory, LOCK/REP, more than four
 * prefixes, or an opcode the table does not mark as compiled (`*`). */
function decodeForTrace(env: TraceEnv, eip: number): Insn | null {
  const d = new Insn();
  const { peek, csBase, csLimit } = env;
  const at = (pos: number): number => (pos >>> 0 > csLimit ? -1 : peek((csBase + pos) | 0));
  if (!decodeInstruction(d, at, eip, env.cs32)) return null;
  if (d.lock || d.rep !== 0 || d.prefixes > 4 || d.row === null || !d.row.jit) return null;
  if (d.op === 0x120) {
    // MOV r32, CRn ignores mod (system.ts movCrDr); CR1 and CR5-7 are #UD: left to the interpreter.
    if (d.reg === 1 || d.reg > 4) return null;
    d.mod = 3;
  }
  d.lin = (csBase + d.eip) | 0;
  if (d.hasModrm && d.mod !== 3) d.ea = d.a32 ? eaExpr32(d) : eaExpr16(d);
  return d;
}

function eaExpr32(d: Insn): string {
  const parts: string[] = [];
  if (d.base >= 0) parts.push(`r[${d.base}]`);
  if (d.index >= 0) parts.push(d.scale === 0 ? `r[${d.index}]` : `(r[${d.index}] << ${d.scale})`);
  if (d.disp !== 0 || parts.length === 0) parts.push(String(d.disp));
  return parts.length === 1 && /^-?\d+$/.test(parts[0] as string)
    ? (parts[0] as string)
    : `((${parts.join(' + ')}) | 0)`;
}

function eaExpr16(d: Insn): string {
  if (d.base < 0) return String(d.disp & 0xffff);
  const parts = [`r[${d.base}]`];
  if (d.index >= 0) parts.push(`r[${d.index}]`);
  parts.push(String(d.disp));
  return `((${parts.join(' + ')}) & 0xffff)`;
}

// ------------------------------------------------------------------ emitters
//
// A memory operand is: segment check (cpu.ts rd*/wr* rules: [segLo, segHi], writable), linear =
// base + offset, the TLB with paging on, A20, then the page table's typed array when the page is
// plain memory within one page, and the interpreter's own readLin*/writeLin* otherwise (a TLB
// miss, MMIO, page crossing, a store to a code page): jit-memory.ts. Flags: jit-flags.ts (the
// pending producer in locals, the interpreter's lazy record written where the Cpu may look).
// Registers: `r[i]` in the emitters, JavaScript locals in the generated function (traceSource).

function getReg(size: number, i: number): string {
  if (size === 4) return `r[${i}]`;
  if (size === 2) return `(r[${i}] & 0xffff)`;
  return i < 4 ? `(r[${i}] & 0xff)` : `((r[${i - 4}] >> 8) & 0xff)`;
}

function setReg(size: number, i: number, v: string): string {
  if (size === 4) return `r[${i}] = ${v};`;
  if (size === 2) return `r[${i}] = (r[${i}] & -65536) | ((${v}) & 0xffff);`;
  if (i < 4) return `r[${i}] = (r[${i}] & -256) | ((${v}) & 0xff);`;
  return `r[${i - 4}] = (r[${i - 4}] & -65281) | (((${v}) & 0xff) << 8);`;
}

/** Read the ModRM r/m operand into local `dst`. */
function ldRm(d: Insn, size: number, dst: string): string {
  if (d.mod === 3) return `${dst} = ${getReg(size, d.rm)};`;
  return load(size, d.eaSeg, d.ea, dst, d.mem);
}

function stRm(d: Insn, size: number, val: string): string {
  if (d.mod === 3) return setReg(size, d.rm, val);
  return store(size, d.eaSeg, d.ea, val, d.mem);
}

interface Ctx {
  ss32: boolean;
  csLimit: number;
  mem: MemPlan;
}

/** The instructions a trace from `eip` covers, in execution order, with the compile-time decision
 * for each control transfer (how: 'loop' | 'follow' | 'exit'), the return address each inlined RET
 * must see, and where straight-line code ends (pc). */
interface Path {
  list: Insn[];
  expectRet: Map<number, number>;
  how: Map<number, string>;
  pc: number;
}

/** Phase 1 of compileTrace: follow the guest's control flow from `eip`. */
function followTrace(env: TraceEnv, eip: number, max: number): Path {
  const csLimit = env.csLimit;
  const list: Insn[] = [];
  const retStack: number[] = [];
  /** For each list index, the expected return address when the instruction is an inlined RET. */
  const expectRet = new Map<number, number>();
  /** List index → compile-time decision for control instructions: 'loop' | 'follow' | 'exit'. */
  const how = new Map<number, string>();
  const visited = new Set<number>();
  let pc = eip;
  while (list.length < max) {
    if (visited.has(pc)) break;
    visited.add(pc);
    const d = decodeForTrace(env, pc);
    if (d === null || d.len > 15) break;
    const idx = list.length;
    list.push(d);
    const op = d.op;
    const isJmp = op === 0xe9 || op === 0xeb;
    const isCall = op === 0xe8;
    const isRet = op === 0xc3 || op === 0xc2;
    if (isJmp || isCall) {
      const t = branchTarget(d);
      if (t >>> 0 > csLimit) {
        list.pop();
        break;
      }
      if (isCall) {
        if (retStack.length < 8 && t !== eip) {
          retStack.push(d.next);
          how.set(idx, 'follow');
          pc = t;
          continue;
        }
        how.set(idx, 'exit');
        break;
      }
      if (t === eip) {
        how.set(idx, 'loop');
        break;
      }
      if (visited.has(t)) {
        how.set(idx, 'exit');
        break;
      }
      how.set(idx, 'follow');
      pc = t;
      continue;
    }
    if (op === 0xcf) {
      // IRET (jitIret) may change the mode, CS, SS and IF: the trace leaves right after it.
      how.set(idx, 'exit');
      break;
    }
    if (isRet) {
      const expect = retStack.pop();
      if (expect === undefined) {
        how.set(idx, 'exit');
        break;
      }
      expectRet.set(idx, expect);
      how.set(idx, 'follow');
      pc = expect;
      continue;
    }
    pc = d.next;
  }
  return { list, expectRet, how, pc };
}

/** The index of the path's last branch back to its entry (a JMP or a conditional branch to it:
 * a loop the trace runs in place), or -1. */
function lastLoopBack(path: Path, eip: number): number {
  let last = -1;
  for (let i = 0; i < path.list.length; i++) {
    const d = path.list[i] as Insn;
    if (path.how.get(i) === 'loop' || (condBranch(d) >= 0 && branchTarget(d) === eip)) last = i;
  }
  return last;
}

/** What the compiler sees of the CPU: code bytes, where they live, and the state a trace is
 * compiled for (and valid for). */
export interface TraceEnv {
  /** A code byte by linear address, or -1 when it is not plain memory (or, paging on, its page is
   * not in the TLB with fetch permission). */
  peek: CodePeek;
  /** Physical address (A20 applied) of a code byte `peek` returned. */
  phys(linear: number): number;
  /** Paging on: the TLB's frame (page-aligned) for a linear page `peek` read from. */
  frame(linearPage: number): number;
  csBase: number;
  csLimit: number;
  cs32: boolean;
  ss32: boolean;
  paged: boolean;
  /** The segment state to specialise the code for (the trace is then entered only while the
   * segments it reads are in that state: Trace.segs), or null for code that reads the Cpu's
   * segment caches. */
  seg: SegView | null;
  /** The CPU the trace is bound to, and its register array. */
  host: TraceHost;
  regs: Int32Array;
  /** Different for every compile (which CPU, which compile of it): written into the source so that
   * no two compiles share V8's cache entry for the same text, and with it one closure (traceSource). */
  tag: string;
}

/** The physical byte ranges and (paging on) the linear code pages with their frames that `list`
 * was compiled from. An instruction crossing a page boundary may continue in another frame. */
function codeSpan(env: TraceEnv, list: Insn[]): { ranges: number[]; pages: number[] } {
  const ranges: number[] = [];
  const pages: number[] = [];
  const add = (a: number, end: number): void => {
    const last = ranges.length - 1;
    if (last > 0 && ranges[last] === a) ranges[last] = end;
    else ranges.push(a, end);
  };
  const page = (lin: number): void => {
    const lp = lin >>> 12;
    for (let i = 0; i < pages.length; i += 2) if (pages[i] === lp) return;
    pages.push(lp, env.frame(lp));
  };
  for (const d of list) {
    const first = env.phys(d.lin);
    const lastLin = (d.lin + d.len - 1) | 0;
    const last = env.phys(lastLin);
    if (last - first === d.len - 1) add(first, last + 1);
    else {
      add(first, (first | 0xfff) + 1);
      add(last & ~0xfff, last + 1);
    }
    if (env.paged) {
      page(d.lin);
      page(lastLin);
    }
  }
  return { ranges, pages };
}

/** Compile the trace starting at `eip`. */
export function compileTrace(env: TraceEnv, eip: number): Trace {
  const { csBase, csLimit, cs32, ss32, paged } = env;
  const lin = (csBase + eip) | 0;
  const mem = new MemPlan(paged, env.seg);
  const ctx: Ctx = { ss32, csLimit, mem };
  // Phase 1: the trace as a list of instructions in execution order.
  let path = followTrace(env, eip, MAX_TRACE);
  const cut = lastLoopBack(path, eip) + 1 + MAX_LINEAR;
  if (path.list.length > cut) path = followTrace(env, eip, cut);
  const { list, expectRet, how, pc } = path;
  for (const d of list) d.mem = mem;
  const maxLen = list.length;
  const { ranges, pages } = codeSpan(env, list);
  const key = { lin, csBase, csLimit, cs32, ss32, paged, pages, ranges };
  if (list.length === 0) return makeTrace({ ...key, segs: [] }, null, 0);

  // Phase 2: JavaScript. Forward conditional branches whose target is a later instruction reached by
  // straight-line fall-through become `if (!cond) { … }`, properly nested; other conditional
  // branches leave the trace when taken (or loop when they target the entry).
  const indexOf = new Map<number, number>();
  for (let i = 0; i < list.length; i++) {
    const d = list[i] as Insn;
    if (!indexOf.has(d.eip)) indexOf.set(d.eip, i);
  }
  const sequential = (from: number, to: number): boolean => {
    for (let i = from; i < to; i++) {
      const a = list[i] as Insn;
      const b = list[i + 1] as Insn;
      if (a.next !== b.eip || how.get(i) === 'follow') return false;
    }
    return true;
  };
  const lines: string[] = [];
  const closeAt: number[] = []; // stack of list indices where an open `if` closes
  // Every exit leaves through the one exit path after the loop (traceSource): registers, flags,
  // EIP and count are stored there.
  const exit = (eipExpr: string) => `{ xe = ${eipExpr}; ${XN}; break out; }`;
  // Only the budget is checked on the way round: a stop request, the slow path or an interrupt to
  // poll can only arise from a device or listener reached by a slow memory access, and the check
  // after each such access leaves the trace.
  const loopBack = `{ if (n + ${maxLen} > lim) ${exit(String(eip >>> 0))} continue; }`;
  let prod: Producer | null = null;
  let ended = false;
  for (let i = 0; i < list.length; i++) {
    while (closeAt.length > 0 && closeAt[closeAt.length - 1] === i) {
      closeAt.pop();
      lines.push(`${FLUSH} }`);
      prod = null; // two paths meet: the producer is whichever ran
    }
    const d = list[i] as Insn;
    // Where a fault would be reported from (the catch below): only instructions that can fault.
    if (mayFault(d)) lines.push(`/*K${d.eip >>> 0}*/ k = ${d.eip >>> 0}; ks = r[4];`);
    const cc = condBranch(d);
    if (cc >= 0) {
      const t = branchTarget(d);
      if (t >>> 0 > csLimit) {
        lines.push(exit(String(d.eip >>> 0)));
        ended = true;
        break;
      }
      lines.push('n++;');
      const ti = indexOf.get(t);
      const limit = closeAt.length > 0 ? (closeAt[closeAt.length - 1] as number) : list.length;
      const pre = condPrefix(prod, cc);
      if (pre !== '') lines.push(pre);
      const cond = condExpr(cc, prod);
      if (t === eip) lines.push(`if (${cond}) ${loopBack}`);
      else if (ti !== undefined && ti > i && ti <= limit && sequential(i, ti)) {
        lines.push(`${FLUSH} if (!${cond}) {`);
        closeAt.push(ti);
      } else lines.push(`if (${cond}) ${exit(String(t >>> 0))}`);
      continue;
    }
    const out = emit(new Emit(d, ctx, prod, expectRet.get(i), how.get(i), exit, loopBack));
    prod = out.prod;
    lines.push(out.code);
    if ((d.mod !== 3 && d.op !== 0x8d) || out.mem) {
      // A slow memory access may have reached a device (which may stop the CPU or change the
      // memory map) or written this trace's own code: leave after this instruction.
      // Where the guest goes next: a followed CALL/JMP's target or inlined RET's return address
      // (its push or pop may be the slow access: a CALL whose push overwrites its own code).
      const next = how.get(i) === 'follow' ? (expectRet.get(i) ?? branchTarget(d)) : d.next;
      lines.push(`if (slowMem) { slowMem = false; if (brk()) ${exit(String(next >>> 0))} }`);
    }
    if (how.get(i) === 'exit' || how.get(i) === 'loop') {
      ended = true;
      break;
    }
  }
  // Close what is still open; control that skipped to an unemitted target leaves there.
  while (closeAt.length > 0) {
    const t = closeAt.pop() as number;
    lines.push(`${FLUSH} }`);
    lines.push(exit(String((list[t] as Insn).eip >>> 0)));
  }
  if (!ended) lines.push(exit(String(pc >>> 0)));
  const counted = deferCounts(lines.join('\n'));
  const src = traceSource(counted.body, counted.atFault, mem, env.tag);
  const make = new Function('c', 'r', 'sync', 'cfOf', src) as TraceFactory;
  const fn = make(env.host, env.regs, syncFlags, cfOf);
  return makeTrace({ ...key, segs: mem.guard() }, fn, maxLen);
}

/** Marks a straight-line point where `n` is brought up to date (deferCounts). */
const FLUSH = '/*F*/';

/**
 * The emitters count each retired instruction with `n++;`. Rather than an add per instruction,
 * the count is carried at compile time (the text is in execution order along each path) and
 * added to `n` only where it is read: at FLUSH points (where `if` blocks open and close, so both
 * paths agree), in exits (`xn = k`, added on the exit path), around the loop-back (budget check,
 * `n += k; continue`), and in the fault handler, which adds what was pending at the faulting
 * instruction (`atFault`: a switch on its EIP, marked `/*K<eip>*\/`; one EIP occurs once per trace).
 */
function deferCounts(body: string): { body: string; atFault: string } {
  let pending = 0;
  const cases: string[] = [];
  const out = body.replace(
    /n\+\+;|\/\*F\*\/|\/\*K(\d+)\*\/|(xn = 0\/\*XN\*\/)|(c\.instructionCount \+= n);|n \+ (\d+) > lim|continue;/g,
    (tok: string, faultEip?: string, xn?: string, count?: string, maxLen?: string) => {
      if (tok === 'n++;') {
        pending++;
        return '';
      }
      if (tok === FLUSH) {
        const flushed = pending === 0 ? '' : `n += ${pending};`;
        pending = 0;
        return flushed;
      }
      if (faultEip !== undefined) {
        if (pending !== 0) cases.push(`case ${faultEip}: n += ${pending}; break;`);
        return '';
      }
      if (xn !== undefined) return `xn = ${pending}`;
      if (count !== undefined) return pending === 0 ? tok : `${count} + ${pending};`;
      if (maxLen !== undefined) return `n + ${pending + Number(maxLen)} > lim`;
      return pending === 0 ? tok : `n += ${pending}; continue;`;
    },
  );
  return { body: out, atFault: cases.length === 0 ? '' : `switch (k) { ${cases.join(' ')} }` };
}

/**
 * The factory around a trace's statements: it names the CPU's tables and helpers once, as
 * constants of the closure it returns (the trace). V8 compiles a function created once by its
 * factory against that one closure, so the typed arrays (the RAM, the direct table, the TLB, the
 * segment caches) and the helpers are constants in its optimised code: no loads of their lengths and
 * data pointers on every access, no property loads on entry (on a store loop, ~1.6x the rate of
 * the same code reading them from parameters). Every table named here is replaced only by a memory-
 * map change, an A20 change or a flush, each of which kills every trace first (trace.ts).
 * Guest registers live in JavaScript locals
 * (`r0`…`r7`, loaded on entry) rather than the Cpu's Int32Array while the trace runs: the emitters
 * write `r[i]`, rewritten here, and every point where the Cpu may look — each exit (WB), the
 * fault handler, a slow memory access (which may reach a device) and RET imm16's setSp (which
 * also reloads ESP: RL4) — stores the registers the trace assigns back first. The segment caches
 * a trace reads are loaded into locals on entry as well.
 */
function traceSource(body: string, atFault: string, mem: MemPlan, tag: string): string {
  const paged = mem.paged;
  // Segment caches cannot change while a trace runs (no segment load is compiled): locals too.
  const segs = new Set<string>();
  const local = body
    .replace(/r\[(\d)\]/g, 'r$1')
    .replace(/\b(sLo|sHi|sB|sW)\[(\d)\]/g, (_m, f: string, i: string) => {
      segs.add(`${f}${i} = ${f}[${i}]`);
      return `${f}${i}`;
    });
  const used = new Set<number>();
  const written = new Set<number>();
  for (const m of local.matchAll(/\br(\d)\b/g)) used.add(Number(m[1]));
  for (const m of local.matchAll(/\br(\d) = /g)) written.add(Number(m[1]));
  const wrote = [...written].map((i) => `r${i}`).join(', ');
  const wb = [...written].map((i) => `r[${i}] = r${i};`).join(' ');
  // Page caches (jit-memory.ts): a tag no page has (1), emptied after every slow access.
  const tags = Array.from({ length: mem.caches }, (_, n) => `tg${n}`);
  const caches = tags.map((t, n) => `${t} = 1, ad${n} = 0`).join(', ');
  const empty = tags.length === 0 ? '' : `${tags.join(' = ')} = 1;`;
  const state = `${wrote ? `${wrote}, ` : ''}fk, fa, fb, fr, fc`;
  const code = local
    .replaceAll(WB, wrote ? `wb(${wrote});` : '')
    .replaceAll(RL4, 'r4 = r[4];')
    .replaceAll(RT, empty);
  const regs = [...used]
    .map((i) => `r${i} = r[${i}]`)
    .concat([...segs])
    .join(', ');
  const helpers = ['ld1', 'ld2', 'ld4', 'st1', 'st2', 'st4']
    .filter((h) => code.includes(`${h}(`))
    .map((h) => memoryHelper(h, paged))
    .join('\n');
  return `"use strict"; /* ${tag} */
const sLo = ${C.segLo}, sHi = ${C.segHi}, sB = ${C.segBase}, sW = ${C.segWritable}, ${memoryConsts(paged)};
${coldPaths(wrote, wb, state, atFault)}
${helpers}
return function trace(lim, user) {
let n = 0, k = 0, ks = 0, o = 0, a = 0, b = 0, v = 0, w = 0, x = 0, p = 0, i = 0,
  fk = 0, fa = 0, fb = 0, fr = 0, fc = 0, slowMem = false, l = 0, xe = 0, xn = 0${paged ? ', e = 0, nr = user ? 4 : 1, nw = user ? 8 : 2' : ''}${regs ? `, ${regs}` : ''}${caches ? `, ${caches}` : ''};
try {
${PF_EXIT}: {
out: for (;;) {
${code}
}
${wb} ${SYNC} ${C.eip} = xe; ${C.instructionCount} += n + xn; return;
}
} catch (e) { faulted(k, ks, n, ${state}); throw e; }
faulted(k, ks, n, ${state});
};`;
}

/** An exit's count of instructions retired since `n` was last brought up to date (deferCounts). */
const XN = 'xn = 0/*XN*/';

/**
 * The functions of a trace's factory its rarely run paths call: a fault (registers, flags and the
 * count stored, and where it happened), the check after a slow access, the register write-back
 * before one, and the faults of a RET beyond the CS limit and of a segment check. Out of line, as
 * memoryHelper (jit-memory.ts) explains, the trace's own code stays small (V8 compiles it sooner
 * and faster) and holds fewer operations that would need type feedback on a path it has not run
 * yet. Exits need no function: each sets `xe`/`xn` and breaks to the one exit path after the loop,
 * whose stores have their feedback from the first exit that ran.
 */
function coldPaths(wrote: string, wb: string, state: string, atFault: string): string {
  return `const faulted = function faulted(k, ks, n, ${state}) { ${atFault} ${wb} ${SYNC} ${C.instructionCount} += n; ${C.startEip} = k; ${C.startEsp} = ks; };
const brk = function brk() { if (${C.jitBreak} || ${C.stopRequested} || ${C.slow} || ${C.intrPoll}) { ${C.jitBreak} = false; return true; } return false; };
const wb = function wb(${wrote}) { ${wb} };
const fault = function fault(v, e) { ${C.fault}(v, e); };
const segFault = function segFault(s) { ${C.segFault}(s); };`;
}

/** Memory operands (not LEA) and stack accesses can fault; register-only work and branches whose
 * targets were checked at compile time cannot. */
function mayFault(d: Insn): boolean {
  const op = d.op;
  if (d.hasModrm && d.mod !== 3 && op !== 0x8d) return true;
  return (
    (op >= 0x50 && op <= 0x5f) ||
    (op >= 0xa0 && op <= 0xa3) ||
    op === 0x68 ||
    op === 0x6a ||
    op === 0xe8 ||
    op === 0xc2 ||
    op === 0xc3 ||
    op === 0xcf ||
    op === 0x120
  );
}

function branchTarget(d: Insn): number {
  let disp: number;
  const op = d.op;
  if (op === 0xeb || (op >= 0x70 && op <= 0x7f)) disp = (d.imm << 24) >> 24;
  else disp = d.o32 ? d.imm | 0 : (d.imm << 16) >> 16;
  let t = (d.next + disp) | 0;
  if (!d.o32) t &= 0xffff;
  return t >>> 0;
}

function condBranch(d: Insn): number {
  if (d.op >= 0x70 && d.op <= 0x7f) return d.op & 15;
  if (d.op >= 0x180 && d.op <= 0x18f) return d.op & 15;
  return -1;
}

interface Emitted {
  code: string;
  /** The flag producer after this instruction (null: unknown, read the Cpu's lazy record). */
  prod: Producer | null;
  /** Accesses memory other than through its ModRM operand (stack). */
  mem: boolean;
}

function push(ctx: Ctx, size: number, val: string): string {
  const sp = ctx.ss32 ? `b = (r[4] - ${size}) | 0;` : `b = (r[4] - ${size}) & 0xffff;`;
  const commit = ctx.ss32 ? 'r[4] = b;' : 'r[4] = (r[4] & -65536) | b;';
  return `${sp} ${store(size, SS, 'b', val, ctx.mem)} ${commit}`;
}

/** Pop `size` bytes into v. */
function pop(ctx: Ctx, size: number): string {
  const sp = ctx.ss32 ? 'b = r[4];' : 'b = r[4] & 0xffff;';
  const commit = ctx.ss32
    ? `r[4] = (b + ${size}) | 0;`
    : `r[4] = (r[4] & -65536) | ((b + ${size}) & 0xffff);`;
  return `${sp} ${load(size, SS, 'b', 'v', ctx.mem)} ${commit}`;
}

/** What emitting one instruction needs: the instruction, the trace context, the flag producer
 * before it, its compile-time control decision, and the trace's exit and loop-back statements. */
class Emit {
  constructor(
    readonly d: Insn,
    readonly ctx: Ctx,
    readonly prev: Producer | null,
    readonly expectRet: number | undefined,
    readonly how: string | undefined,
    readonly exit: (e: string) => string,
    readonly loopBack: string,
  ) {}

  done(code: string, prod: Producer | null = this.prev, mem = false): Emitted {
    return { code, prod, mem };
  }

  /** ALU op `aluOp` on locals a, b into v (flags recorded); `commit` stores v unless CMP. */
  alu(aluOp: number, size: number, pre: string, commit: string): Emitted {
    const inl = aluInline(aluOp, size);
    const w = aluOp === 7 ? '' : commit;
    if (inl === null)
      return this.done(`${pre} ${SYNC} v = ${C.alu}(${aluOp}, ${size}, a, b); ${w} n++;`, null);
    return this.done(`${pre} ${inl.code} ${w} n++;`, inl.prod);
  }
}

/** The statement(s) of one non-conditional-branch instruction. */
function emit(e: Emit): Emitted {
  const op = e.d.op;
  const out = op < 0x60 ? emitLow(e) : op < 0x100 ? emitHigh(e) : emit0f(e);
  if (out === null) throw new Error(`jit: no emitter for opcode 0x${op.toString(16)}`);
  return out;
}

/** ALU forms, INC/DEC r, PUSH/POP r (00–5F). */
function emitLow(e: Emit): Emitted | null {
  const { d, ctx, prev } = e;
  const op = d.op;
  const osz = d.o32 ? 4 : 2;
  if (op < 0x40) {
    const aluOp = op >> 3;
    const form = op & 7;
    const size = form & 1 ? osz : 1;
    if (form <= 1)
      return e.alu(aluOp, size, `${ldRm(d, size, 'a')} b = ${getReg(size, d.reg)};`, stRm(d, size, 'v'));
    if (form <= 3)
      return e.alu(
        aluOp,
        size,
        `a = ${getReg(size, d.reg)}; ${ldRm(d, size, 'b')}`,
        setReg(size, d.reg, 'v'),
      );
    return e.alu(aluOp, size, `a = ${getReg(size, 0)}; b = ${d.imm | 0};`, setReg(size, 0, 'v'));
  }
  if (op <= 0x4f) {
    const i = op & 7;
    const dec = op >= 0x48;
    const size = osz;
    return e.done(`a = ${getReg(size, i)}; ${incDec(dec, size, prev)} ${setReg(size, i, 'v')} n++;`, {
      kind: dec ? 'dec' : 'inc',
      size,
    });
  }
  if (op <= 0x57) return e.done(`${push(ctx, osz, getReg(osz, op & 7))} n++;`, prev, true);
  if (op <= 0x5f) return e.done(`${pop(ctx, osz)} ${setReg(osz, op & 7, 'v')} n++;`, prev, true);
  return null;
}

/** The one-byte opcodes 60–FF the table marks as compiled. */
function emitHigh(e: Emit): Emitted | null {
  const { d, ctx, prev, expectRet, how, exit, loopBack } = e;
  const op = d.op;
  const osz = d.o32 ? 4 : 2;
  switch (op) {
    case 0x68:
      return e.done(`${push(ctx, osz, String(d.imm | 0))} n++;`, prev, true);
    case 0x6a:
      return e.done(`${push(ctx, osz, String((d.imm << 24) >> 24))} n++;`, prev, true);
    case 0x69:
    case 0x6b:
      return e.done(
        `${ldRm(d, osz, 'a')} ${SYNC} v = ${C.imul2}(${osz}, a, ${d.imm | 0}); ${setReg(osz, d.reg, 'v')} n++;`,
        null,
      );
    case 0x80:
    case 0x81:
    case 0x82:
    case 0x83: {
      const size = op === 0x80 || op === 0x82 ? 1 : osz;
      let imm = d.imm;
      if (op === 0x83) imm = ((imm << 24) >> 24) & (d.o32 ? -1 : 0xffff);
      return e.alu(d.reg, size, `${ldRm(d, size, 'a')} b = ${imm | 0};`, stRm(d, size, 'v'));
    }
    case 0x84:
    case 0x85: {
      const size = op === 0x84 ? 1 : osz;
      return e.alu(4, size, `${ldRm(d, size, 'a')} b = ${getReg(size, d.reg)};`, '');
    }
    case 0x86:
    case 0x87: {
      const size = op === 0x86 ? 1 : osz;
      return e.done(
        `${ldRm(d, size, 'a')} ${stRm(d, size, getReg(size, d.reg))} ${setReg(size, d.reg, 'a')} n++;`,
      );
    }
    case 0x88:
    case 0x89: {
      const size = op === 0x88 ? 1 : osz;
      return e.done(`${stRm(d, size, getReg(size, d.reg))} n++;`);
    }
    case 0x8a:
    case 0x8b: {
      const size = op === 0x8a ? 1 : osz;
      return e.done(`${ldRm(d, size, 'v')} ${setReg(size, d.reg, 'v')} n++;`);
    }
    case 0x8d:
      return e.done(`${setReg(osz, d.reg, d.ea)} n++;`);
    case 0x90:
      return e.done('n++;');
    case 0x98:
      return e.done(d.o32 ? 'r[0] = (r[0] << 16) >> 16; n++;' : `${setReg(2, 0, '(r[0] << 24) >> 24')} n++;`);
    case 0x99:
      return e.done(d.o32 ? 'r[2] = r[0] >> 31; n++;' : `${setReg(2, 2, '(r[0] << 16) >> 31')} n++;`);
    case 0xa0:
    case 0xa1:
    case 0xa2:
    case 0xa3:
      return emitMoffs(e);
    case 0xa8:
      return e.alu(4, 1, `a = r[0] & 0xff; b = ${d.imm};`, '');
    case 0xa9:
      return e.alu(4, osz, `a = ${getReg(osz, 0)}; b = ${d.imm | 0};`, '');
    case 0xb0:
    case 0xb1:
    case 0xb2:
    case 0xb3:
    case 0xb4:
    case 0xb5:
    case 0xb6:
    case 0xb7:
      return e.done(`${setReg(1, op & 7, String(d.imm))} n++;`);
    case 0xb8:
    case 0xb9:
    case 0xba:
    case 0xbb:
    case 0xbc:
    case 0xbd:
    case 0xbe:
    case 0xbf:
      return e.done(`${setReg(osz, op & 7, String(d.imm | 0))} n++;`);
    case 0xc0:
    case 0xc1:
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
      const size = op & 1 ? osz : 1;
      if (op < 0xd2) {
        const imm = op < 0xd0 ? d.imm & 0x1f : 1;
        // A masked count of 0 reads the operand (which may fault) and changes nothing.
        if (imm === 0) return e.done(`${d.mod === 3 ? '' : ldRm(d, size, 'a')} n++;`);
        const inl = shiftInline(d.reg, size, imm);
        if (inl !== null)
          return e.done(`${ldRm(d, size, 'a')} ${inl.code} ${stRm(d, size, 'v')} n++;`, inl.prod);
      }
      const count = op < 0xd0 ? String(d.imm) : op < 0xd2 ? '1' : '(r[1] & 0xff)';
      return e.done(
        `${ldRm(d, size, 'a')} b = ${count}; if ((b & 0x1f) !== 0) { ${SYNC} ${stRm(d, size, `${C.shift}(${d.reg}, ${size}, a, b)`)} } n++;`,
        null,
      );
    }
    case 0xc2:
    case 0xc3: {
      const mask = d.o32 ? 'v >>> 0' : 'v & 0xffff';
      const adj = op === 0xc2 ? ` ${WB} ${C.setSp}(r[4] + ${d.imm}); ${RL4}` : '';
      // cpu.ts checkEip: #GP(0) when the return address is beyond the CS limit.
      const check = (d.o32 ? 0xffffffff : 0xffff) > ctx.csLimit >>> 0;
      const limit = check ? ` if (v > ${ctx.csLimit >>> 0}) fault(13, 0);` : '';
      const head = `${pop(ctx, osz)}${adj} v = ${mask};${limit} n++;`;
      if (how === 'follow' && expectRet !== undefined)
        return e.done(`${head} if (v !== ${expectRet >>> 0}) ${exit('v')}`, prev, true);
      return e.done(`${head} ${exit('v')}`, prev, true);
    }
    case 0xc6:
    case 0xc7: {
      const size = op === 0xc6 ? 1 : osz;
      return e.done(`${stRm(d, size, String(d.imm | 0))} n++;`);
    }
    case 0xcf:
      // The interpreter's IRET on the written-back registers and flags; it sets EIP (and whatever
      // else it changes), so the exit stores nothing after it.
      return e.done(`${WB} ${SYNC} ${C.jitIret}(${d.o32}); n++; ${C.instructionCount} += n; return;`);
    case 0xe8: {
      const t = branchTarget(d);
      const code = `${push(ctx, osz, String(d.next | 0))} n++;`;
      if (how === 'follow') return e.done(code, prev, true);
      return e.done(`${code} ${exit(String(t))}`, prev, true);
    }
    case 0xe9:
    case 0xeb: {
      const t = branchTarget(d);
      if (how === 'loop') return e.done(`n++; ${loopBack}`);
      if (how === 'follow') return e.done('n++;');
      return e.done(`n++; ${exit(String(t))}`);
    }
    case 0xf6:
    case 0xf7: {
      const size = op === 0xf6 ? 1 : osz;
      if (d.reg === 0) return e.alu(4, size, `${ldRm(d, size, 'a')} b = ${d.imm | 0};`, '');
      // NOT: no flags.
      return e.done(`${ldRm(d, size, 'a')} ${stRm(d, size, '~a')} n++;`);
    }
    case 0xfc:
      return e.done(`${C.flags} &= -1025; n++;`);
    case 0xfd:
      return e.done(`${C.flags} |= 1024; n++;`);
    case 0xfe: {
      const dec = d.reg === 1;
      return e.done(`${ldRm(d, 1, 'a')} ${incDec(dec, 1, prev)} ${stRm(d, 1, 'v')} n++;`, {
        kind: dec ? 'dec' : 'inc',
        size: 1,
      });
    }
    default:
      return null;
  }
}

/** MOV AL/eAX <-> moffs (A0-A3): the offset is an immediate of the address size, in DS or the
 * override (modrm.ts movMoffs). */
function emitMoffs(e: Emit): Emitted {
  const { d, prev } = e;
  const size = d.op & 1 ? (d.o32 ? 4 : 2) : 1;
  const seg = d.seg >= 0 ? d.seg : DS;
  const off = String(d.a32 ? d.imm >>> 0 : d.imm & 0xffff);
  if (d.op < 0xa2)
    return e.done(`${load(size, seg, off, 'v', d.mem)} ${setReg(size, 0, 'v')} n++;`, prev, true);
  return e.done(`${store(size, seg, off, getReg(size, 0), d.mem)} n++;`, prev, true);
}

/** The 0F opcodes the table marks as compiled: CMOVcc, SETcc, IMUL, MOVZX/MOVSX. */
function emit0f(e: Emit): Emitted | null {
  const { d, prev } = e;
  const op = d.op;
  const osz = d.o32 ? 4 : 2;
  const o2 = op & 0xff;
  if (o2 >= 0x40 && o2 <= 0x4f)
    return e.done(
      `${ldRm(d, osz, 'v')} ${condPrefix(prev, o2 & 15)} if (${condExpr(o2 & 15, prev)}) { ${setReg(osz, d.reg, 'v')} } n++;`,
    );
  if (o2 >= 0x90 && o2 <= 0x9f)
    return e.done(`${condPrefix(prev, o2 & 15)} ${stRm(d, 1, `(${condExpr(o2 & 15, prev)} ? 1 : 0)`)} n++;`);
  if (o2 === 0x20) return e.done(`${setReg(4, d.rm, `${C.movFromCr}(${d.reg})`)} n++;`);
  if (o2 === 0xaf)
    return e.done(
      `${ldRm(d, osz, 'b')} ${SYNC} v = ${C.imul2}(${osz}, ${getReg(osz, d.reg)}, b); ${setReg(osz, d.reg, 'v')} n++;`,
      null,
    );
  if (o2 === 0xb6) return e.done(`${ldRm(d, 1, 'v')} ${setReg(osz, d.reg, 'v')} n++;`);
  if (o2 === 0xb7) return e.done(`${ldRm(d, 2, 'v')} ${setReg(osz, d.reg, 'v')} n++;`);
  if (o2 === 0xbe) return e.done(`${ldRm(d, 1, 'v')} v = (v << 24) >> 24; ${setReg(osz, d.reg, 'v')} n++;`);
  if (o2 === 0xbf) return e.done(`${ldRm(d, 2, 'v')} v = (v << 16) >> 16; ${setReg(osz, d.reg, 'v')} n++;`);
  return null;
}
