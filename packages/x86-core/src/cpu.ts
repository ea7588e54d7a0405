// x86 interpreter core: real / unreal / 16- and 32-bit protected mode, 32-bit paging.
// Behavioural references (no code copied): Intel SDM vol. 2 and 3, QEMU target/i386/tcg
// (seg_helper.c, excp_helper.c, misc_helper.c), v86 src/cpu.js.

import type { IoBusApi, MemoryBusApi, PageTables } from '@vmkit/memory-bus';
import { disassemble } from './disasm.js';
import { compileTrace, type Trace } from './jit.js';
import { PREFIX_KIND } from './opcodes.js';
import type {
  CpuEvent,
  CpuEventListener,
  CpuModel,
  CpuRegisters,
  CpuRegistersUpdate,
  CpuState,
  InterruptLine,
  RunExit,
  RunReason,
  SegmentRegister,
} from './types.js';

// Segment register numbers (ModRM sreg encoding).
export const ES = 0;
export const CS = 1;
export const SS = 2;
export const DS = 3;
export const FS = 4;
export const GS = 5;

const EAX = 0;
const ECX = 1;
const EDX = 2;
const EBX = 3;
const ESP = 4;
const EBP = 5;
const ESI = 6;
const EDI = 7;

// EFLAGS bits.
const CF = 0x1;
const PF = 0x4;
const AF = 0x10;
const ZF = 0x40;
const SF = 0x80;
const TF = 0x100;
const IF = 0x200;
const DF = 0x400;
const OF = 0x800;
const IOPL = 0x3000;
const NT = 0x4000;
const RF = 0x10000;
const VM = 0x20000;
const AC = 0x40000;
const ID = 0x200000;
const ARITH = CF | PF | AF | ZF | SF | OF;
/** Bits POPF/IRET may change at CPL 0 (no VM/VIF/VIP: vm86 is not implemented). */
const EFLAGS_WRITABLE = CF | PF | AF | ZF | SF | TF | IF | DF | OF | IOPL | NT | AC | ID;

// Lazy flag producers.
const LZ_ADD = 1;
const LZ_SUB = 2;
const LZ_LOGIC = 3;

// Exception vectors.
const DE = 0;
const DB = 1;
const NMI = 2;
const BP = 3;
const OFV = 4;
const BR = 5;
const UD = 6;
const NM = 7;
const DF_V = 8;
const TS = 10;
const NP = 11;
const SSF = 12;
const GP = 13;
const PFV = 14;

const CR0_PE = 1;
const CR0_MP = 2;
const CR0_EM = 4;
const CR0_TS = 8;
const CR0_ET = 0x10;
const CR0_WP = 0x10000;
const CR0_PG = 0x80000000 | 0;
const CR4_PSE = 0x10;

/** Thrown (a single preallocated object) to abort the current instruction with an exception. */
const FAULT = { fault: true };

/** Default for CpuOptions.jitThreshold. About where interpreting a target's code that many more
 * times costs what compiling it does (~0.3 ms of `new Function` for a typical trace): SeaBIOS's
 * boot then compiles ~15 traces that retire 94% of its 5.3 M instructions. */
const JIT_HOT = 1000;
/** Writes that may kill the traces at one entry before the entry is left to the interpreter (code
 * that keeps rewriting itself, or data sharing bytes with hot code, would otherwise recompile
 * forever). Forgotten on a flush. */
const JIT_MAX_KILLS = 16;

/** Element iterations (or page-sized bulk runs) of a REP string instruction per step. */
const REP_CHUNK = 4096;

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let p = 1;
  for (let b = 0; b < 8; b++) if (i & (1 << b)) p ^= 1;
  PARITY[i] = p ? PF : 0;
}

// CPUID.1:EDX bits this core implements (Intel SDM vol. 2A table 3-11).
export const FEATURE_PSE = 1 << 3;
export const FEATURE_TSC = 1 << 4;
export const FEATURE_MSR = 1 << 5;
export const FEATURE_CX8 = 1 << 8;
export const FEATURE_APIC = 1 << 9;
export const FEATURE_MTRR = 1 << 12;
export const FEATURE_CMOV = 1 << 15;
const IMPLEMENTED_EDX =
  FEATURE_PSE | FEATURE_TSC | FEATURE_MSR | FEATURE_CX8 | FEATURE_APIC | FEATURE_MTRR | FEATURE_CMOV;

/** Default model: QEMU's "qemu32" signature (target/i386/cpu.c builtin_x86_defs: family 6, model 6,
 * stepping 3, GenuineIntel) with only the features this core implements. */
export const DEFAULT_MODEL: CpuModel = {
  vendor: 'GenuineIntel',
  family: 6,
  model: 6,
  stepping: 3,
  featuresEdx: FEATURE_PSE | FEATURE_TSC | FEATURE_MSR | FEATURE_CX8 | FEATURE_MTRR | FEATURE_CMOV,
  featuresEcx: 0,
  apic: false,
  maxBasicLeaf: 1,
  maxExtendedLeaf: 0x80000008,
  physAddrBits: 32,
  linearAddrBits: 32,
  tsc: null,
  apicId: 0,
};

// MSR numbers (Intel SDM vol. 4).
const MSR_TSC = 0x10;
const MSR_APIC_BASE = 0x1b;
const MSR_MTRRCAP = 0xfe;
const MSR_MTRR_DEF_TYPE = 0x2ff;

function isKnownMtrr(index: number): boolean {
  // MTRRphysBase/Mask0..7, fixed-range MTRRs, default type (SDM vol. 3A 11.11).
  return (
    (index >= 0x200 && index <= 0x20f) ||
    index === 0x250 ||
    index === 0x258 ||
    index === 0x259 ||
    (index >= 0x268 && index <= 0x26f) ||
    index === MSR_MTRR_DEF_TYPE
  );
}

export interface CpuOptions {
  memory: MemoryBusApi;
  io: IoBusApi;
  interrupts?: InterruptLine;
  model?: Partial<CpuModel>;
  /** Compile hot code to JavaScript (jit.ts). Default true; false keeps the pure interpreter.
   * Off by itself where the platform forbids `new Function` (a strict Content-Security-Policy). */
  jit?: boolean;
  /** Taken branches to a target before its trace is compiled (default 1000; 1..65535). */
  jitThreshold?: number;
}

export class Cpu {
  readonly memory: MemoryBusApi;
  readonly io: IoBusApi;
  readonly model: CpuModel;
  private intr: InterruptLine | null;
  private pages: PageTables;
  /** The bus's page tables (memory-bus PageTables): backing arrays and per-page indexes. */
  /** @internal (TraceHost) */
  bufs: (Uint8Array | null)[];
  /** @internal (TraceHost) */
  readIdx: Int32Array;
  /** @internal (TraceHost) */
  readOff: Int32Array;
  /** @internal (TraceHost) */
  writeIdx: Int32Array;
  /** @internal (TraceHost) */
  writeOff: Int32Array;

  // Architectural state.
  readonly regs = new Int32Array(8);
  eip = 0;
  /** Non-lazy EFLAGS bits (and lazily computed arithmetic bits when lzMask is 0). */
  /** @internal (TraceHost) */
  flags = 2;
  /** @internal (TraceHost) */
  lzMask = 0;
  /** @internal (TraceHost) */
  lzOp = 0;
  /** @internal (TraceHost) */
  lzA = 0;
  /** @internal (TraceHost) */
  lzB = 0;
  /** @internal (TraceHost) */
  lzR = 0;
  /** @internal (TraceHost) */
  lzSign = 31;

  readonly segSel = new Int32Array(6);
  readonly segBase = new Int32Array(6);
  /** Valid offset range [segLo, segHi] (handles expand-down and unusable segments). */
  readonly segLo = new Uint32Array(6);
  readonly segHi = new Uint32Array(6);
  readonly segLimit = new Uint32Array(6);
  readonly segAttr = new Int32Array(6);
  /** @internal (TraceHost) */
  segWritable = new Uint8Array(6);

  private ldtrSel = 0;
  private ldtrBase = 0;
  private ldtrLimit = 0xffff;
  private ldtrAttr = 0x82;
  private trSel = 0;
  private trBase = 0;
  private trLimit = 0xffff;
  private trAttr = 0x8b;
  private gdtrBase = 0;
  private gdtrLimit = 0xffff;
  private idtrBase = 0;
  private idtrLimit = 0xffff;

  private cr0 = 0;
  private cr2 = 0;
  private cr3 = 0;
  private cr4 = 0;
  private dr = new Int32Array(8);
  private cpl = 0;
  private pe = false;
  private paging = false;
  /** CS default operand/address size is 32-bit. */
  private cs32 = false;
  /** SS B bit: stack pointer is ESP. */
  private ss32 = false;

  /** @internal (TraceHost) */
  a20Mask = -1;
  halted = false;
  private nmiPending = false;
  private nmiBlocked = false;
  private inhibit = false;
  private shutdownState = false;
  /** @internal (TraceHost) */
  stopRequested = false;
  instructionCount = 0;
  private tscOffset = 0n;
  private msrs = new Map<number, bigint>();

  // Per-instruction decode state.
  /** @internal (TraceHost) */
  startEip = 0;
  /** @internal (TraceHost) */
  startEsp = 0;
  private o32 = false;
  private a32 = false;
  private segOvr = -1;
  private rep = 0;
  private mod = 0;
  private reg = 0;
  private rm = 0;
  private eaSeg = DS;
  private eaOff = 0;

  // Pending exception (FAULT).
  private excVector = 0;
  private excCode = -1;

  /** Copies of CS base/limit for the fetch path. */
  private csBase = 0;
  private csLimit = 0xffff;
  /** Number of breakpoints (avoids Set.size in the loop). */
  private bpCount = 0;
  private softIntTaken = false;
  /** Something needs the slow loop path (STI/MOV SS shadow, NMI, HLT, breakpoints). */
  /** @internal (TraceHost) */
  slow = true;
  /** With IF set, the interrupt line may have changed since it was last polled: an I/O port or
   * device-memory access ran, or IF was just set. execute() and traces return so loop() polls. */
  /** @internal (TraceHost) */
  intrPoll = true;

  // Instruction-fetch page cache.
  /** EIP window [fetchLo, fetchHi] whose bytes are fetchBuf[fetchDelta + eip]: one directly
   * readable page, clipped to the CS limit (fetchHi -1: empty; refilled by fetchSlow). */
  private fetchLo = 0;
  private fetchHi = -1;
  private fetchDelta = 0;
  private fetchBuf: Uint8Array = new Uint8Array(4096);

  // TLB: per linear page, physical frame | bits (1 valid, 2 supervisor-write ok, 4 user-read ok,
  // 8 user-write ok). 0 = not cached.
  private tlb = new Int32Array(1 << 20);
  private tlbList = new Int32Array(4096);
  private tlbCount = 0;

  // Debugging.
  private listeners: CpuEventListener[] = [];
  private breakpoints = new Set<number>();
  private bpResume = -1;
  /** Exceptions delivered, by vector. */
  readonly exceptionCounts = new Float64Array(32);

  // Trace compiler (jit.ts): compiled traces by entry linear address, heat per hashed branch
  // target, and the code pages with the traces compiled from them (for invalidation on writes).
  private jitOn = false;
  /** The interpreter branched to a hot target, or a trace just left: loop() looks for a trace at
   * the new EIP before interpreting on. */
  private jitProbe = false;
  /** A store killed a trace while one was running: the running trace leaves after the store. */
  /** @internal (TraceHost) */
  jitBreak = false;
  private jitActive = false;
  private traces = new Map<number, Trace>();
  private heat = new Uint16Array(0x10000);
  private jitHot = JIT_HOT;
  /** @internal (TraceHost) */
  codePages = new Uint8Array(1 << 20);
  private pageTraces = new Map<number, Trace[]>();
  /** Entry linear address → traces there killed by writes to their code. */
  private traceKills = new Map<number, number>();
  /** Trace-compiler counters: traces compiled, trace entries, instructions retired in traces,
   * traces killed by writes to their code, whole-cache flushes. */
  readonly jitStats = { compiled: 0, entries: 0, instructions: 0, invalidated: 0, flushes: 0 };
  private readonly codePeek = (lin: number): number => {
    const a = lin & this.a20Mask;
    const p = a >>> 12;
    const buf = this.bufs[this.readIdx[p]];
    return buf === null ? -1 : buf[this.readOff[p] + (a & 0xfff)];
  };
  private deliveryDepth = 0;

  constructor(opts: CpuOptions) {
    if (!opts?.memory || !opts.io) throw new Error('Cpu: options.memory and options.io are required');
    this.memory = opts.memory;
    this.io = opts.io;
    this.intr = opts.interrupts ?? null;
    const model: CpuModel = { ...DEFAULT_MODEL, ...(opts.model ?? {}) };
    if (typeof model.vendor !== 'string' || model.vendor.length !== 12)
      throw new Error('Cpu: model.vendor must be a 12-character string');
    model.featuresEdx &= IMPLEMENTED_EDX;
    if (model.apic) model.featuresEdx |= FEATURE_APIC;
    else model.featuresEdx &= ~FEATURE_APIC;
    model.featuresEcx = 0;
    this.model = model;
    this.pages = opts.memory.pages;
    this.bufs = this.pages.bufs;
    this.readIdx = this.pages.readIdx;
    this.readOff = this.pages.readOff;
    this.writeIdx = this.pages.writeIdx;
    this.writeOff = this.pages.writeOff;
    opts.memory.onMapChange(() => {
      this.bufs = this.pages.bufs;
      this.readIdx = this.pages.readIdx;
      this.readOff = this.pages.readOff;
      this.writeIdx = this.pages.writeIdx;
      this.writeOff = this.pages.writeOff;
      this.fetchHi = -1;
      this.jitFlush();
    });
    if (opts.jitThreshold !== undefined) {
      const h = opts.jitThreshold;
      if (!Number.isInteger(h) || h < 1 || h > 0xffff)
        throw new Error(`Cpu: options.jitThreshold must be an integer 1..65535, got ${h}`);
      this.jitHot = h;
    }
    if (opts.jit !== false) {
      this.jitOn = true;
      // Every write that does not go through this CPU's own fast stores (device DMA, bus writes,
      // other agents) reaches here; traces compiled from that page die.
      opts.memory.watchWrites((page) => {
        if (this.codePages[page] !== 0) this.codeWrite(page << 12, 0x1000);
      });
    }
    this.reset();
  }

  // ---------------------------------------------------------------- public API

  /** Power-on / RESET state (SDM vol. 3A table 9-1). */
  reset(): void {
    this.regs.fill(0);
    this.regs[EDX] = this.signature();
    this.eip = 0xfff0;
    this.flags = 2;
    this.lzMask = 0;
    for (let s = 0; s < 6; s++) this.setSegCache(s, 0, 0, 0xffff, 0x93);
    this.setSegCache(CS, 0xf000, 0xffff0000 | 0, 0xffff, 0x9b);
    this.ldtrSel = 0;
    this.ldtrBase = 0;
    this.ldtrLimit = 0xffff;
    this.ldtrAttr = 0x82;
    this.trSel = 0;
    this.trBase = 0;
    this.trLimit = 0xffff;
    this.trAttr = 0x8b;
    this.gdtrBase = 0;
    this.gdtrLimit = 0xffff;
    this.idtrBase = 0;
    this.idtrLimit = 0xffff;
    this.cr0 = 0x60000000 | CR0_ET;
    this.cr2 = 0;
    this.cr3 = 0;
    this.cr4 = 0;
    this.dr.fill(0);
    this.dr[6] = 0xffff0ff0 | 0;
    this.dr[7] = 0x400;
    this.cpl = 0;
    this.pe = false;
    this.paging = false;
    this.updateModes();
    this.halted = false;
    this.nmiPending = false;
    this.nmiBlocked = false;
    this.inhibit = false;
    this.slow = true;
    this.shutdownState = false;
    this.msrs.clear();
    this.flushTlb();
    this.fetchHi = -1;
    this.jitFlush();
  }

  private signature(): number {
    const m = this.model;
    const fam = Math.min(m.family, 15);
    const extFam = m.family > 15 ? m.family - 15 : 0;
    return (
      ((extFam & 0xff) << 20) |
      (((m.model >> 4) & 0xf) << 16) |
      (fam << 8) |
      ((m.model & 0xf) << 4) |
      (m.stepping & 0xf)
    );
  }

  onEvent(listener: CpuEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private emit(e: CpuEvent): void {
    for (const l of this.listeners) l(e);
  }

  requestStop(): void {
    this.stopRequested = true;
  }

  setA20(enabled: boolean): void {
    const m = enabled ? -1 : ~(1 << 20);
    if (m !== this.a20Mask) {
      this.a20Mask = m;
      this.fetchHi = -1;
      this.jitFlush();
    }
  }

  get a20(): boolean {
    return this.a20Mask === -1;
  }

  raiseNmi(): void {
    this.nmiPending = true;
    this.slow = true;
  }

  setInterruptLine(line: InterruptLine | null): void {
    this.intr = line;
    this.intrPoll = true;
  }

  addBreakpoint(linear: number): void {
    this.breakpoints.add(linear >>> 0);
    this.bpCount = this.breakpoints.size;
    this.slow = true;
  }

  removeBreakpoint(linear: number): void {
    this.breakpoints.delete(linear >>> 0);
    this.bpCount = this.breakpoints.size;
    this.slow = true;
  }

  clearBreakpoints(): void {
    this.breakpoints.clear();
    this.bpCount = 0;
  }

  /** Execute exactly one instruction (or deliver one pending interrupt). */
  step(): RunExit {
    return this.run(1);
  }

  /** Run up to maxInstructions instructions. Never throws for anything the guest does. */
  run(maxInstructions: number): RunExit {
    const start = this.instructionCount;
    if (this.shutdownState) return { reason: 'shutdown', instructions: 0 };
    this.stopRequested = false;
    // Devices may have raised or dropped the interrupt line since the last run().
    this.intrPoll = true;
    let end = start + Math.max(0, Math.floor(maxInstructions));
    let reason: RunReason = 'budget';
    for (;;) {
      try {
        reason = this.loop(end);
        break;
      } catch (e) {
        if (e === FAULT) {
          this.eip = this.startEip;
          this.regs[ESP] = this.startEsp;
          // An exception delivery counts against the budget, so a handler that faults again forever
          // cannot keep run() from returning.
          end--;
          this.deliverException(this.excVector, this.excCode);
          if (this.shutdownState) {
            reason = 'triple-fault';
            break;
          }
          if (this.stopRequested) {
            reason = 'stopped';
            break;
          }
          continue;
        }
        const message = e instanceof Error ? e.message : String(e);
        try {
          this.emit({ kind: 'internal-error', message, cs: this.segSel[CS], eip: this.startEip >>> 0 });
        } catch {
          // A throwing listener must not turn an internal error into an exception out of run().
        }
        this.eip = this.startEip;
        this.regs[ESP] = this.startEsp;
        reason = 'stopped';
        break;
      }
    }
    return { reason, instructions: this.instructionCount - start };
  }

  private loop(end: number): RunReason {
    const regs = this.regs;
    while (this.instructionCount < end) {
      if (
        !this.slow &&
        (this.flags & TF) === 0 &&
        ((this.flags & IF) === 0 || !this.intrPoll || this.intr === null || !this.intr.pending())
      ) {
        // Fast path: not halted, no breakpoints, no single-step, and no interrupt to take now. The
        // line is polled again whenever it may have changed (intrPoll: I/O, device memory, IF set).
        // A compiled trace runs when the last instruction branched to a hot entry; otherwise
        // execute() keeps going while the fast-path conditions hold (and until the next branch).
        this.intrPoll = false;
        if (this.jitProbe) {
          this.jitProbe = false;
          if (this.runTrace(end)) {
            this.jitProbe = true;
            if (this.stopRequested) return 'stopped';
            continue;
          }
        }
        this.execute(end);
        if (this.stopRequested) return 'stopped';
        continue;
      }
      this.slow = this.nmiPending || this.halted || this.bpCount > 0;
      // Interrupt window.
      if (this.inhibit) {
        this.inhibit = false;
      } else {
        if (this.nmiPending && !this.nmiBlocked) {
          this.nmiPending = false;
          this.nmiBlocked = true;
          this.halted = false;
          this.startEip = this.eip;
          this.startEsp = regs[ESP];
          this.deliverInterrupt(NMI, -1, 2, this.eip);
          continue;
        }
        if (this.flags & IF && this.intr !== null && this.intr.pending()) {
          const vec = this.intr.acknowledge() & 0xff;
          this.halted = false;
          this.startEip = this.eip;
          this.startEsp = regs[ESP];
          this.deliverInterrupt(vec, -1, 2, this.eip);
          continue;
        }
      }
      if (this.halted) return 'halted';
      if (this.bpCount > 0) {
        const lin = (this.segBase[CS] + this.eip) >>> 0;
        if (this.breakpoints.has(lin) && this.bpResume !== lin) {
          this.bpResume = lin;
          return 'breakpoint';
        }
        this.bpResume = -1;
      }
      const tf = this.flags & TF;
      if (tf !== 0) this.softIntTaken = false;
      // Exactly one instruction (execute() sets startEip/startEsp and bumps the count).
      this.execute(this.instructionCount + 1);
      // Single-step trap: taken when TF was set as the instruction started (also after the POPF/IRET
      // that clears it), but not for INT n / INT3 / INTO, whose handler runs first (SDM 17.3.1.4).
      if (tf !== 0 && !this.softIntTaken) {
        this.dr[6] |= 0x4000;
        this.startEip = this.eip;
        this.startEsp = regs[ESP];
        this.deliverInterrupt(DB, -1, 0, this.eip);
      }
      if (this.stopRequested) return 'stopped';
    }
    return 'budget';
  }

  // ---------------------------------------------------------------- registers API

  private segObj(s: number): SegmentRegister {
    return {
      selector: this.segSel[s] & 0xffff,
      base: this.segBase[s] >>> 0,
      limit: this.segLimit[s] >>> 0,
      access: this.segAttr[s] & 0xffff,
    };
  }

  getRegisters(): CpuRegisters {
    const r = this.regs;
    return {
      eax: r[EAX] >>> 0,
      ecx: r[ECX] >>> 0,
      edx: r[EDX] >>> 0,
      ebx: r[EBX] >>> 0,
      esp: r[ESP] >>> 0,
      ebp: r[EBP] >>> 0,
      esi: r[ESI] >>> 0,
      edi: r[EDI] >>> 0,
      eip: this.eip >>> 0,
      eflags: this.getFlags() >>> 0,
      cr0: this.cr0 >>> 0,
      cr2: this.cr2 >>> 0,
      cr3: this.cr3 >>> 0,
      cr4: this.cr4 >>> 0,
      dr: Array.from(this.dr, (v) => v >>> 0),
      segments: {
        es: this.segObj(ES),
        cs: this.segObj(CS),
        ss: this.segObj(SS),
        ds: this.segObj(DS),
        fs: this.segObj(FS),
        gs: this.segObj(GS),
      },
      gdtr: { base: this.gdtrBase >>> 0, limit: this.gdtrLimit },
      idtr: { base: this.idtrBase >>> 0, limit: this.idtrLimit },
      ldtr: {
        selector: this.ldtrSel,
        base: this.ldtrBase >>> 0,
        limit: this.ldtrLimit >>> 0,
        access: this.ldtrAttr,
      },
      tr: { selector: this.trSel, base: this.trBase >>> 0, limit: this.trLimit >>> 0, access: this.trAttr },
      cpl: this.cpl,
    };
  }

  setRegisters(p: CpuRegistersUpdate): void {
    const r = this.regs;
    if (p.eax !== undefined) r[EAX] = p.eax;
    if (p.ecx !== undefined) r[ECX] = p.ecx;
    if (p.edx !== undefined) r[EDX] = p.edx;
    if (p.ebx !== undefined) r[EBX] = p.ebx;
    if (p.esp !== undefined) r[ESP] = p.esp;
    if (p.ebp !== undefined) r[EBP] = p.ebp;
    if (p.esi !== undefined) r[ESI] = p.esi;
    if (p.edi !== undefined) r[EDI] = p.edi;
    if (p.eip !== undefined) this.eip = p.eip >>> 0;
    if (p.eflags !== undefined) this.setFlagsRaw(p.eflags);
    if (p.cr0 !== undefined) this.cr0 = p.cr0 | CR0_ET;
    if (p.cr2 !== undefined) this.cr2 = p.cr2 | 0;
    if (p.cr3 !== undefined) this.cr3 = p.cr3 | 0;
    if (p.cr4 !== undefined) this.cr4 = p.cr4 | 0;
    if (p.dr) for (let i = 0; i < 8 && i < p.dr.length; i++) this.dr[i] = p.dr[i];
    if (p.segments) {
      const names = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;
      for (let s = 0; s < 6; s++) {
        const v = p.segments[names[s]];
        if (v) this.setSegCache(s, v.selector, v.base | 0, v.limit >>> 0, v.access);
      }
    }
    if (p.gdtr) {
      this.gdtrBase = p.gdtr.base | 0;
      this.gdtrLimit = p.gdtr.limit & 0xffff;
    }
    if (p.idtr) {
      this.idtrBase = p.idtr.base | 0;
      this.idtrLimit = p.idtr.limit & 0xffff;
    }
    if (p.ldtr) {
      this.ldtrSel = p.ldtr.selector & 0xffff;
      this.ldtrBase = p.ldtr.base | 0;
      this.ldtrLimit = p.ldtr.limit >>> 0;
      this.ldtrAttr = p.ldtr.access;
    }
    if (p.tr) {
      this.trSel = p.tr.selector & 0xffff;
      this.trBase = p.tr.base | 0;
      this.trLimit = p.tr.limit >>> 0;
      this.trAttr = p.tr.access;
    }
    this.pe = (this.cr0 & CR0_PE) !== 0;
    this.paging = this.pe && (this.cr0 & CR0_PG) !== 0;
    this.cpl = this.pe ? (this.segAttr[CS] >> 5) & 3 : 0;
    if (p.segments?.cs && this.pe) this.cpl = p.segments.cs.selector & 3;
    this.updateModes();
    this.flushTlb();
    this.fetchHi = -1;
  }

  getState(): CpuState {
    const seg = [];
    for (let s = 0; s < 6; s++) seg.push(this.segObj(s));
    return {
      version: 1,
      regs: Array.from(this.regs),
      eip: this.eip >>> 0,
      eflags: this.getFlags() >>> 0,
      seg,
      ldtr: { selector: this.ldtrSel, base: this.ldtrBase, limit: this.ldtrLimit, access: this.ldtrAttr },
      tr: { selector: this.trSel, base: this.trBase, limit: this.trLimit, access: this.trAttr },
      gdtr: { base: this.gdtrBase, limit: this.gdtrLimit },
      idtr: { base: this.idtrBase, limit: this.idtrLimit },
      cr0: this.cr0,
      cr2: this.cr2,
      cr3: this.cr3,
      cr4: this.cr4,
      dr: Array.from(this.dr),
      cpl: this.cpl,
      halted: this.halted,
      a20: this.a20Mask === -1,
      nmiPending: this.nmiPending,
      nmiBlocked: this.nmiBlocked,
      inhibitInterrupts: this.inhibit,
      shutdown: this.shutdownState,
      instructionCount: this.instructionCount,
      tscOffset: this.tscOffset.toString(),
      msrs: Array.from(this.msrs, ([k, v]) => [k, v.toString()] as [number, string]),
    };
  }

  setState(st: CpuState): void {
    this.jitFlush();
    if (st?.version !== 1) throw new Error('Cpu.setState: unsupported state version');
    for (let i = 0; i < 8; i++) this.regs[i] = st.regs[i];
    this.eip = st.eip;
    this.setFlagsRaw(st.eflags);
    for (let s = 0; s < 6; s++) {
      const g = st.seg[s];
      this.setSegCache(s, g.selector, g.base, g.limit, g.access);
    }
    this.ldtrSel = st.ldtr.selector;
    this.ldtrBase = st.ldtr.base;
    this.ldtrLimit = st.ldtr.limit;
    this.ldtrAttr = st.ldtr.access;
    this.trSel = st.tr.selector;
    this.trBase = st.tr.base;
    this.trLimit = st.tr.limit;
    this.trAttr = st.tr.access;
    this.gdtrBase = st.gdtr.base;
    this.gdtrLimit = st.gdtr.limit;
    this.idtrBase = st.idtr.base;
    this.idtrLimit = st.idtr.limit;
    this.cr0 = st.cr0;
    this.cr2 = st.cr2;
    this.cr3 = st.cr3;
    this.cr4 = st.cr4;
    for (let i = 0; i < 8; i++) this.dr[i] = st.dr[i];
    this.cpl = st.cpl;
    this.halted = st.halted;
    this.a20Mask = st.a20 ? -1 : ~(1 << 20);
    this.nmiPending = st.nmiPending;
    this.nmiBlocked = st.nmiBlocked;
    this.inhibit = st.inhibitInterrupts;
    this.slow = true;
    this.shutdownState = st.shutdown;
    this.instructionCount = st.instructionCount;
    this.tscOffset = BigInt(st.tscOffset);
    this.msrs.clear();
    for (const [k, v] of st.msrs) this.msrs.set(k, BigInt(v));
    this.pe = (this.cr0 & CR0_PE) !== 0;
    this.paging = this.pe && (this.cr0 & CR0_PG) !== 0;
    this.updateModes();
    this.flushTlb();
    this.fetchHi = -1;
  }

  /** Disassemble the instruction at CS:EIP (or at `linear`) without side effects. */
  disassembleAt(linear?: number): { linear: number; text: string; length: number; bytes: number[] } {
    const lin = linear === undefined ? (this.segBase[CS] + this.eip) >>> 0 : linear >>> 0;
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i++) bytes[i] = this.peekLin8((lin + i) | 0);
    const d = disassemble(bytes, 0, this.cs32 ? 32 : 16);
    return { linear: lin, text: d.text, length: d.length, bytes: Array.from(bytes.subarray(0, d.length)) };
  }

  /** Human-readable register dump. */
  dumpRegisters(): string {
    const r = this.getRegisters();
    const h = (v: number, w = 8) => v.toString(16).padStart(w, '0');
    const s = (n: string, g: SegmentRegister) =>
      `${n}=${h(g.selector, 4)} base=${h(g.base)} limit=${h(g.limit)} attr=${h(g.access, 4)}`;
    return [
      `EAX=${h(r.eax)} EBX=${h(r.ebx)} ECX=${h(r.ecx)} EDX=${h(r.edx)}`,
      `ESI=${h(r.esi)} EDI=${h(r.edi)} EBP=${h(r.ebp)} ESP=${h(r.esp)}`,
      `EIP=${h(r.eip)} EFL=${h(r.eflags)} CPL=${r.cpl} A20=${this.a20 ? 1 : 0} HLT=${this.halted ? 1 : 0}`,
      s('ES', r.segments.es),
      s('CS', r.segments.cs),
      s('SS', r.segments.ss),
      s('DS', r.segments.ds),
      s('FS', r.segments.fs),
      s('GS', r.segments.gs),
      s('LDT', r.ldtr),
      s('TR', r.tr),
      `GDT=${h(r.gdtr.base)} ${h(r.gdtr.limit, 4)} IDT=${h(r.idtr.base)} ${h(r.idtr.limit, 4)}`,
      `CR0=${h(r.cr0)} CR2=${h(r.cr2)} CR3=${h(r.cr3)} CR4=${h(r.cr4)}`,
    ].join('\n');
  }

  // ---------------------------------------------------------------- flags

  getFlags(): number {
    let f = this.flags;
    if (this.lzMask !== 0) f = (f & ~this.lzMask) | (this.lazyFlags() & this.lzMask);
    return f | 2;
  }

  private setFlagsRaw(v: number): void {
    this.flags = (v & (EFLAGS_WRITABLE | RF)) | 2;
    this.lzMask = 0;
    this.intrPoll = true;
  }

  private lazyFlags(): number {
    const a = this.lzA;
    const b = this.lzB;
    const r = this.lzR;
    const sh = this.lzSign;
    let f = PARITY[r & 0xff];
    if (r === 0) f |= ZF;
    if ((r >>> sh) & 1) f |= SF;
    switch (this.lzOp) {
      case LZ_ADD:
        if ((((a & b) | ((a | b) & ~r)) >>> sh) & 1) f |= CF;
        if ((((a ^ r) & (b ^ r)) >>> sh) & 1) f |= OF;
        f |= (a ^ b ^ r) & AF;
        break;
      case LZ_SUB:
        if ((((~a & b) | ((~a | b) & r)) >>> sh) & 1) f |= CF;
        if ((((a ^ b) & (a ^ r)) >>> sh) & 1) f |= OF;
        f |= (a ^ b ^ r) & AF;
        break;
      default:
        break;
    }
    return f;
  }

  /** @internal (TraceHost) */
  lazyCF(): number {
    const a = this.lzA;
    const b = this.lzB;
    const r = this.lzR;
    if (this.lzOp === LZ_ADD) return (((a & b) | ((a | b) & ~r)) >>> this.lzSign) & 1;
    if (this.lzOp === LZ_SUB) return (((~a & b) | ((~a | b) & r)) >>> this.lzSign) & 1;
    return 0;
  }

  private getCF(): number {
    if (this.lzMask & CF) return this.lazyCF();
    return this.flags & CF;
  }

  private getZF(): boolean {
    if (this.lzMask & ZF) return this.lzR === 0;
    return (this.flags & ZF) !== 0;
  }

  private getSF(): boolean {
    if (this.lzMask & SF) return ((this.lzR >>> this.lzSign) & 1) === 1;
    return (this.flags & SF) !== 0;
  }

  private getOF(): boolean {
    if (this.lzMask & OF) return (this.lazyFlags() & OF) !== 0;
    return (this.flags & OF) !== 0;
  }

  private getPF(): boolean {
    if (this.lzMask & PF) return PARITY[this.lzR & 0xff] !== 0;
    return (this.flags & PF) !== 0;
  }

  /** Materialise lazy flags into this.flags. */
  private settle(): void {
    if (this.lzMask !== 0) {
      this.flags = (this.flags & ~this.lzMask) | (this.lazyFlags() & this.lzMask);
      this.lzMask = 0;
    }
  }

  private setFlag(bit: number, on: boolean): void {
    this.settle();
    if (on) this.flags |= bit;
    else this.flags &= ~bit;
  }

  /** @internal (TraceHost) */
  cond(cc: number): boolean {
    let r: boolean;
    switch (cc >> 1) {
      case 0:
        r = this.getOF();
        break;
      case 1:
        r = this.getCF() !== 0;
        break;
      case 2:
        r = this.getZF();
        break;
      case 3:
        r = this.getCF() !== 0 || this.getZF();
        break;
      case 4:
        r = this.getSF();
        break;
      case 5:
        r = this.getPF();
        break;
      case 6:
        r = this.getSF() !== this.getOF();
        break;
      default:
        r = this.getZF() || this.getSF() !== this.getOF();
        break;
    }
    return (cc & 1) === 0 ? r : !r;
  }

  private lazy(op: number, a: number, b: number, r: number, sign: number, mask: number): void {
    // INC/DEC keep CF: materialise only CF from the previous producer (all other arithmetic flags are
    // overwritten by this one).
    if (mask !== ARITH && (this.lzMask & CF) !== 0) this.flags = (this.flags & ~CF) | this.lazyCF();
    this.lzOp = op;
    this.lzA = a;
    this.lzB = b;
    this.lzR = r;
    this.lzSign = sign;
    this.lzMask = mask;
  }

  /** Set result-derived flags (ZF SF PF) lazily; other arithmetic flags from `fl` (CF OF AF). */
  private setResultFlags(r: number, sign: number, fl: number): void {
    this.lzMask = 0;
    this.flags = (this.flags & ~(CF | OF | AF)) | (fl & (CF | OF | AF));
    this.lzOp = LZ_LOGIC;
    this.lzR = r;
    this.lzSign = sign;
    this.lzMask = ZF | SF | PF;
  }

  // ---------------------------------------------------------------- segments

  private setSegCache(s: number, sel: number, base: number, limit: number, attr: number): void {
    this.segSel[s] = sel & 0xffff;
    this.segBase[s] = base | 0;
    this.segLimit[s] = limit >>> 0;
    this.segAttr[s] = attr & 0xf0ff;
    this.updateSegRange(s);
    if (s === CS) {
      this.cs32 = (attr & 0x4000) !== 0;
      this.fetchHi = -1;
    } else if (s === SS) {
      this.ss32 = (attr & 0x4000) !== 0;
    }
  }

  /** Real-mode / vm86 CS load: selector and base only. */
  private setCsReal(sel: number): void {
    this.segSel[CS] = sel & 0xffff;
    this.segBase[CS] = (sel & 0xffff) << 4;
    this.csBase = this.segBase[CS];
    this.fetchHi = -1;
  }

  private updateSegRange(s: number): void {
    const attr = this.segAttr[s];
    const limit = this.segLimit[s];
    if (this.pe && (attr & 0x80) === 0 && s !== CS) {
      // Unusable (null selector loaded in protected mode).
      this.segLo[s] = 0xffffffff;
      this.segHi[s] = 0;
      this.segWritable[s] = 0;
      return;
    }
    if ((attr & 0x18) === 0x10 && (attr & 4) !== 0) {
      // Expand-down data segment.
      this.segLo[s] = (limit + 1) >>> 0;
      this.segHi[s] = attr & 0x4000 ? 0xffffffff : 0xffff;
    } else {
      this.segLo[s] = 0;
      this.segHi[s] = limit;
    }
    this.segWritable[s] = !this.pe || (attr & 0x1a) === 0x12 ? 1 : 0;
    if (s === CS) {
      this.csBase = this.segBase[CS];
      this.csLimit = this.segHi[CS];
      this.fetchHi = -1;
    }
  }

  private updateModes(): void {
    this.cs32 = (this.segAttr[CS] & 0x4000) !== 0;
    this.ss32 = (this.segAttr[SS] & 0x4000) !== 0;
    for (let s = 0; s < 6; s++) this.updateSegRange(s);
  }

  /** @internal (TraceHost) */
  segFault(s: number): never {
    if (s === SS) return this.fault(SSF, 0);
    return this.fault(GP, 0);
  }

  fault(vector: number, code: number): never {
    this.excVector = vector;
    this.excCode = code;
    throw FAULT;
  }

  private ud(): never {
    const lin = (this.segBase[CS] + this.startEip) >>> 0;
    if (this.listeners.length > 0) {
      const bytes: number[] = [];
      for (let i = 0; i < 8; i++) bytes.push(this.peekLin8(lin + i));
      this.emit({
        kind: 'undefined-opcode',
        linear: lin,
        bytes,
        cs: this.segSel[CS],
        eip: this.startEip >>> 0,
      });
    }
    return this.fault(UD, -1);
  }

  /** Side-effect-free byte read used for diagnostics (never faults). */
  private peekLin8(lin: number): number {
    let a = lin | 0;
    if (this.paging) {
      const e = this.tlb[a >>> 12];
      if (e & 1) a = (e & ~0xfff) | (a & 0xfff);
      else {
        const p = this.walkNoFault(a);
        if (p < 0 && p !== -0x1000) return 0xff;
        a = p;
      }
    }
    a &= this.a20Mask;
    const pg = a >>> 12;
    const buf = this.bufs[this.readIdx[pg]];
    if (buf !== null) return buf[this.readOff[pg] + (a & 0xfff)];
    return 0xff;
  }

  private walkNoFault(lin: number): number {
    const pde = this.memory.read32(((this.cr3 & ~0xfff) + ((lin >>> 22) << 2)) >>> 0);
    if ((pde & 1) === 0) return -1;
    if (pde & 0x80 && this.cr4 & CR4_PSE) return (pde & 0xffc00000) | (lin & 0x3fffff);
    const pte = this.memory.read32(((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) >>> 0);
    if ((pte & 1) === 0) return -1;
    return (pte & ~0xfff) | (lin & 0xfff);
  }

  // ---------------------------------------------------------------- paging

  private flushTlb(): void {
    if (this.tlbCount > this.tlbList.length) this.tlb.fill(0);
    else for (let i = 0; i < this.tlbCount; i++) this.tlb[this.tlbList[i]] = 0;
    this.tlbCount = 0;
    this.fetchHi = -1;
  }

  /** Linear → physical; raises #PF. access: 0 read, 1 write, 2 fetch. */
  private translate(lin: number, write: boolean): number {
    const vp = lin >>> 12;
    const e = this.tlb[vp];
    const user = this.cpl === 3;
    const need = user ? (write ? 8 : 4) : write ? 2 : 1;
    if ((e & need) !== 0) return (e & ~0xfff) | (lin & 0xfff);
    return this.walk(lin, write, user);
  }

  private walk(lin: number, write: boolean, user: boolean): number {
    const mem = this.memory;
    const pdeAddr = (((this.cr3 & ~0xfff) + ((lin >>> 22) << 2)) & this.a20Mask) >>> 0;
    let pde = mem.read32(pdeAddr) | 0;
    const errBase = (write ? 2 : 0) | (user ? 4 : 0);
    if ((pde & 1) === 0) {
      this.cr2 = lin;
      return this.fault(PFV, errBase);
    }
    const wp = (this.cr0 & CR0_WP) !== 0;
    let frame: number;
    let rw: number;
    let us: number;
    let dirty: number;
    if (pde & 0x80 && this.cr4 & CR4_PSE) {
      // 4 MiB page.
      rw = pde & 2;
      us = pde & 4;
      if ((user && !us) || (write && !rw && (user || wp))) {
        this.cr2 = lin;
        return this.fault(PFV, errBase | 1);
      }
      const want = 0x20 | (write ? 0x40 : 0);
      if ((pde & want) !== want) {
        pde |= want;
        mem.write32(pdeAddr, pde >>> 0);
      }
      dirty = pde & 0x40;
      frame = (pde & 0xffc00000) | (lin & 0x3ff000);
    } else {
      const pteAddr = (((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) & this.a20Mask) >>> 0;
      let pte = mem.read32(pteAddr) | 0;
      if ((pte & 1) === 0) {
        this.cr2 = lin;
        return this.fault(PFV, errBase);
      }
      rw = pde & pte & 2;
      us = pde & pte & 4;
      if ((user && !us) || (write && !rw && (user || wp))) {
        this.cr2 = lin;
        return this.fault(PFV, errBase | 1);
      }
      if ((pde & 0x20) === 0) mem.write32(pdeAddr, (pde | 0x20) >>> 0);
      const want = 0x20 | (write ? 0x40 : 0);
      if ((pte & want) !== want) {
        pte |= want;
        mem.write32(pteAddr, pte >>> 0);
      }
      dirty = pte & 0x40;
      frame = pte & ~0xfff;
    }
    // TLB permission bits; writes are only cached once the dirty bit is set.
    let bits = 1;
    if (us) bits |= 4;
    if (dirty) {
      if (rw || !wp) bits |= 2;
      if (us && rw) bits |= 8;
    }
    const vp = lin >>> 12;
    if (this.tlb[vp] === 0) {
      if (this.tlbCount < this.tlbList.length) this.tlbList[this.tlbCount] = vp;
      this.tlbCount++;
    }
    this.tlb[vp] = frame | bits;
    return frame | (lin & 0xfff);
  }

  // ---------------------------------------------------------------- memory (linear)

  /** @internal (TraceHost) */
  readLin8(lin: number): number {
    let a = lin;
    if (this.paging) a = this.translate(lin, false);
    a &= this.a20Mask;
    const p = a >>> 12;
    const buf = this.bufs[this.readIdx[p]];
    if (buf !== null) return buf[this.readOff[p] + (a & 0xfff)];
    this.intrPoll = true;
    return this.memory.read8(a >>> 0);
  }

  /** @internal (TraceHost) */
  readLin16(lin: number): number {
    if ((lin & 0xfff) === 0xfff) return this.readLin8(lin) | (this.readLin8(lin + 1) << 8);
    let a = lin;
    if (this.paging) a = this.translate(lin, false);
    a &= this.a20Mask;
    const p = a >>> 12;
    const buf = this.bufs[this.readIdx[p]];
    if (buf !== null) {
      const i = this.readOff[p] + (a & 0xfff);
      return buf[i] | (buf[i + 1] << 8);
    }
    this.intrPoll = true;
    return this.memory.read16(a >>> 0);
  }

  /** @internal (TraceHost) */
  readLin32(lin: number): number {
    if ((lin & 0xfff) > 0xffc) return this.readLin16(lin) | (this.readLin16(lin + 2) << 16);
    let a = lin;
    if (this.paging) a = this.translate(lin, false);
    a &= this.a20Mask;
    const p = a >>> 12;
    const buf = this.bufs[this.readIdx[p]];
    if (buf !== null) {
      const i = this.readOff[p] + (a & 0xfff);
      return buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    }
    this.intrPoll = true;
    return this.memory.read32(a >>> 0) | 0;
  }

  /** @internal (TraceHost) */
  writeLin8(lin: number, v: number): void {
    let a = lin;
    if (this.paging) a = this.translate(lin, true);
    a &= this.a20Mask;
    const p = a >>> 12;
    const buf = this.bufs[this.writeIdx[p]];
    if (buf !== null) {
      buf[this.writeOff[p] + (a & 0xfff)] = v;
      if (this.codePages[p] !== 0) this.codeWrite(a, 1);
    } else {
      this.intrPoll = true;
      this.memory.write8(a >>> 0, v & 0xff);
    }
  }

  /** @internal (TraceHost) */
  writeLin16(lin: number, v: number): void {
    if ((lin & 0xfff) === 0xfff) {
      // Check both pages before writing either (no partial store on #PF).
      if (this.paging) {
        this.translate(lin, true);
        this.translate(lin + 1, true);
      }
      this.writeLin8(lin, v);
      this.writeLin8(lin + 1, v >> 8);
      return;
    }
    let a = lin;
    if (this.paging) a = this.translate(lin, true);
    a &= this.a20Mask;
    const p = a >>> 12;
    const buf = this.bufs[this.writeIdx[p]];
    if (buf !== null) {
      const i = this.writeOff[p] + (a & 0xfff);
      buf[i] = v;
      buf[i + 1] = v >> 8;
      if (this.codePages[p] !== 0) this.codeWrite(a, 2);
    } else {
      this.intrPoll = true;
      this.memory.write16(a >>> 0, v & 0xffff);
    }
  }

  /** @internal (TraceHost) */
  writeLin32(lin: number, v: number): void {
    if ((lin & 0xfff) > 0xffc) {
      if (this.paging) {
        this.translate(lin, true);
        this.translate(lin + 3, true);
      }
      this.writeLin8(lin, v);
      this.writeLin8(lin + 1, v >> 8);
      this.writeLin8(lin + 2, v >> 16);
      this.writeLin8(lin + 3, v >> 24);
      return;
    }
    let a = lin;
    if (this.paging) a = this.translate(lin, true);
    a &= this.a20Mask;
    const p = a >>> 12;
    const buf = this.bufs[this.writeIdx[p]];
    if (buf !== null) {
      const i = this.writeOff[p] + (a & 0xfff);
      buf[i] = v;
      buf[i + 1] = v >> 8;
      buf[i + 2] = v >> 16;
      buf[i + 3] = v >> 24;
      if (this.codePages[p] !== 0) this.codeWrite(a, 4);
    } else {
      this.intrPoll = true;
      this.memory.write32(a >>> 0, v >>> 0);
    }
  }

  // ---------------------------------------------------------------- memory (segmented)

  private rd8(s: number, off: number): number {
    off >>>= 0;
    if (off < this.segLo[s] || off > this.segHi[s]) this.segFault(s);
    return this.readLin8((this.segBase[s] + off) | 0);
  }

  private rd16(s: number, off: number): number {
    off >>>= 0;
    if (off < this.segLo[s] || off + 1 > this.segHi[s]) this.segFault(s);
    return this.readLin16((this.segBase[s] + off) | 0);
  }

  private rd32(s: number, off: number): number {
    off >>>= 0;
    if (off < this.segLo[s] || off + 3 > this.segHi[s]) this.segFault(s);
    return this.readLin32((this.segBase[s] + off) | 0);
  }

  private wr8(s: number, off: number, v: number): void {
    off >>>= 0;
    if (off < this.segLo[s] || off > this.segHi[s] || this.segWritable[s] === 0) this.segFault(s);
    this.writeLin8((this.segBase[s] + off) | 0, v);
  }

  private wr16(s: number, off: number, v: number): void {
    off >>>= 0;
    if (off < this.segLo[s] || off + 1 > this.segHi[s] || this.segWritable[s] === 0) this.segFault(s);
    this.writeLin16((this.segBase[s] + off) | 0, v);
  }

  private wr32(s: number, off: number, v: number): void {
    off >>>= 0;
    if (off < this.segLo[s] || off + 3 > this.segHi[s] || this.segWritable[s] === 0) this.segFault(s);
    this.writeLin32((this.segBase[s] + off) | 0, v);
  }

  private rdS(size: number, s: number, off: number): number {
    if (size === 1) return this.rd8(s, off);
    if (size === 2) return this.rd16(s, off);
    return this.rd32(s, off);
  }

  private wrS(size: number, s: number, off: number, v: number): void {
    if (size === 1) this.wr8(s, off, v);
    else if (size === 2) this.wr16(s, off, v);
    else this.wr32(s, off, v);
  }

  /** Check that [off, off+len) is writable in segment s (used before multi-part stores). */
  private checkWrite(s: number, off: number, len: number): void {
    off >>>= 0;
    if (off < this.segLo[s] || off + len - 1 > this.segHi[s] || this.segWritable[s] === 0) this.segFault(s);
    if (this.paging) {
      const lin = (this.segBase[s] + off) | 0;
      this.translate(lin, true);
      this.translate((lin + len - 1) | 0, true);
    }
  }

  // ---------------------------------------------------------------- fetch

  private fetch8(): number {
    const eip = this.eip;
    if (eip >= this.fetchLo && eip <= this.fetchHi) {
      this.eip = eip + 1;
      return this.fetchBuf[this.fetchDelta + eip];
    }
    return this.fetchSlow();
  }

  /** Fetch one byte outside the cached window: limit check, translation, and a new window when the
   * page is directly readable. */
  private fetchSlow(): number {
    const eip = this.eip;
    if (eip > this.csLimit) this.fault(GP, 0);
    const lin = (this.csBase + eip) | 0;
    let a = lin;
    if (this.paging) a = this.translate(lin, false);
    a &= this.a20Mask;
    const p = a >>> 12;
    const buf = this.bufs[this.readIdx[p]];
    this.eip = eip + 1;
    if (buf !== null) {
      const lo = eip - (lin & 0xfff);
      this.fetchLo = lo;
      this.fetchHi = Math.min(lo + 0xfff, this.csLimit);
      this.fetchBuf = buf;
      this.fetchDelta = this.readOff[p] + (a & 0xfff) - eip;
      return buf[this.readOff[p] + (a & 0xfff)];
    }
    this.fetchHi = -1;
    this.intrPoll = true;
    return this.memory.read8(a >>> 0);
  }

  private fetch16(): number {
    const eip = this.eip;
    if (eip >= this.fetchLo && eip + 1 <= this.fetchHi) {
      this.eip = eip + 2;
      const i = this.fetchDelta + eip;
      const b = this.fetchBuf;
      return b[i] | (b[i + 1] << 8);
    }
    const lo = this.fetch8();
    return lo | (this.fetch8() << 8);
  }

  private fetch32(): number {
    const eip = this.eip;
    if (eip >= this.fetchLo && eip + 3 <= this.fetchHi) {
      this.eip = eip + 4;
      const i = this.fetchDelta + eip;
      const b = this.fetchBuf;
      return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
    }
    const a = this.fetch8();
    const b = this.fetch8();
    const c = this.fetch8();
    return a | (b << 8) | (c << 16) | (this.fetch8() << 24);
  }

  private fetchS(size: number): number {
    if (size === 1) return this.fetch8();
    if (size === 2) return this.fetch16();
    return this.fetch32();
  }

  // ---------------------------------------------------------------- registers

  private getReg8(i: number): number {
    return i < 4 ? this.regs[i] & 0xff : (this.regs[i - 4] >> 8) & 0xff;
  }

  private setReg8(i: number, v: number): void {
    if (i < 4) this.regs[i] = (this.regs[i] & ~0xff) | (v & 0xff);
    else this.regs[i - 4] = (this.regs[i - 4] & ~0xff00) | ((v & 0xff) << 8);
  }

  private getReg(size: number, i: number): number {
    if (size === 1) return this.getReg8(i);
    if (size === 2) return this.regs[i] & 0xffff;
    return this.regs[i];
  }

  private setReg(size: number, i: number, v: number): void {
    if (size === 1) this.setReg8(i, v);
    else if (size === 2) this.regs[i] = (this.regs[i] & ~0xffff) | (v & 0xffff);
    else this.regs[i] = v;
  }

  // ---------------------------------------------------------------- ModRM

  private modrm(): void {
    const b = this.fetch8();
    this.mod = b >> 6;
    this.reg = (b >> 3) & 7;
    this.rm = b & 7;
    if (this.mod !== 3) {
      if (this.a32) this.ea32();
      else this.ea16();
    }
  }

  private ea16(): void {
    const r = this.regs;
    const mod = this.mod;
    let seg = DS;
    let off: number;
    switch (this.rm) {
      case 0:
        off = r[EBX] + r[ESI];
        break;
      case 1:
        off = r[EBX] + r[EDI];
        break;
      case 2:
        off = r[EBP] + r[ESI];
        seg = SS;
        break;
      case 3:
        off = r[EBP] + r[EDI];
        seg = SS;
        break;
      case 4:
        off = r[ESI];
        break;
      case 5:
        off = r[EDI];
        break;
      case 6:
        if (mod === 0) off = this.fetch16();
        else {
          off = r[EBP];
          seg = SS;
        }
        break;
      default:
        off = r[EBX];
        break;
    }
    if (mod === 1) off += (this.fetch8() << 24) >> 24;
    else if (mod === 2) off += this.fetch16();
    this.eaOff = off & 0xffff;
    this.eaSeg = this.segOvr >= 0 ? this.segOvr : seg;
  }

  private ea32(): void {
    const r = this.regs;
    const mod = this.mod;
    let seg = DS;
    let off: number;
    const rm = this.rm;
    if (rm === 4) {
      const sib = this.fetch8();
      const scale = sib >> 6;
      const index = (sib >> 3) & 7;
      const base = sib & 7;
      if (base === 5 && mod === 0) off = this.fetch32();
      else {
        off = r[base];
        if (base === ESP || base === EBP) seg = SS;
      }
      if (index !== 4) off += r[index] << scale;
    } else if (rm === 5 && mod === 0) {
      off = this.fetch32();
    } else {
      off = r[rm];
      if (rm === EBP) seg = SS;
    }
    if (mod === 1) off += (this.fetch8() << 24) >> 24;
    else if (mod === 2) off += this.fetch32();
    this.eaOff = off | 0;
    this.eaSeg = this.segOvr >= 0 ? this.segOvr : seg;
  }

  private readRm(size: number): number {
    if (this.mod === 3) return this.getReg(size, this.rm);
    return this.rdS(size, this.eaSeg, this.eaOff);
  }

  private writeRm(size: number, v: number): void {
    if (this.mod === 3) this.setReg(size, this.rm, v);
    else this.wrS(size, this.eaSeg, this.eaOff, v);
  }

  private readRm8(): number {
    if (this.mod === 3) return this.getReg8(this.rm);
    return this.rd8(this.eaSeg, this.eaOff);
  }

  private writeRm8(v: number): void {
    if (this.mod === 3) this.setReg8(this.rm, v);
    else this.wr8(this.eaSeg, this.eaOff, v);
  }

  private readRm16(): number {
    if (this.mod === 3) return this.regs[this.rm] & 0xffff;
    return this.rd16(this.eaSeg, this.eaOff);
  }

  private writeRm16(v: number): void {
    if (this.mod === 3) this.regs[this.rm] = (this.regs[this.rm] & ~0xffff) | (v & 0xffff);
    else this.wr16(this.eaSeg, this.eaOff, v);
  }

  private dataSeg(): number {
    return this.segOvr >= 0 ? this.segOvr : DS;
  }

  // ---------------------------------------------------------------- stack

  private spMask(): number {
    return this.ss32 ? -1 : 0xffff;
  }

  /** @internal (TraceHost) */
  setSp(v: number): void {
    if (this.ss32) this.regs[ESP] = v;
    else this.regs[ESP] = (this.regs[ESP] & ~0xffff) | (v & 0xffff);
  }

  private push16(v: number): void {
    const sp = (this.regs[ESP] - 2) & this.spMask();
    this.wr16(SS, sp, v);
    this.setSp(sp);
  }

  private push32(v: number): void {
    const sp = (this.regs[ESP] - 4) & this.spMask();
    this.wr32(SS, sp, v);
    this.setSp(sp);
  }

  private pushO(v: number): void {
    if (this.o32) this.push32(v);
    else this.push16(v);
  }

  private pop16(): number {
    const sp = this.regs[ESP] & this.spMask();
    const v = this.rd16(SS, sp);
    this.setSp(sp + 2);
    return v;
  }

  private pop32(): number {
    const sp = this.regs[ESP] & this.spMask();
    const v = this.rd32(SS, sp);
    this.setSp(sp + 4);
    return v;
  }

  private popO(): number {
    return this.o32 ? this.pop32() : this.pop16();
  }

  /** Read a stack slot at offset `delta` from the current stack pointer without popping. */
  private peekStack(size: number, delta: number): number {
    const off = (this.regs[ESP] + delta) & this.spMask();
    return size === 4 ? this.rd32(SS, off) : this.rd16(SS, off);
  }

  // ---------------------------------------------------------------- ALU

  /** @internal (TraceHost) */
  alu(op: number, size: number, a: number, b: number): number {
    const mask = size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
    const sign = size * 8 - 1;
    let r: number;
    switch (op) {
      case 0:
        r = (a + b) & mask;
        this.lazy(LZ_ADD, a, b, r, sign, ARITH);
        return r;
      case 1:
        r = (a | b) & mask;
        this.lazy(LZ_LOGIC, a, b, r, sign, ARITH);
        return r;
      case 2:
        r = (a + b + this.getCF()) & mask;
        this.lazy(LZ_ADD, a, b, r, sign, ARITH);
        return r;
      case 3:
        r = (a - b - this.getCF()) & mask;
        this.lazy(LZ_SUB, a, b, r, sign, ARITH);
        return r;
      case 4:
        r = a & b & mask;
        this.lazy(LZ_LOGIC, a, b, r, sign, ARITH);
        return r;
      case 6:
        r = (a ^ b) & mask;
        this.lazy(LZ_LOGIC, a, b, r, sign, ARITH);
        return r;
      default:
        // SUB and CMP
        r = (a - b) & mask;
        this.lazy(LZ_SUB, a, b, r, sign, ARITH);
        return r;
    }
  }

  private inc(size: number, a: number): number {
    const mask = size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
    const r = (a + 1) & mask;
    this.lazy(LZ_ADD, a, 1, r, size * 8 - 1, ARITH & ~CF);
    return r;
  }

  private dec(size: number, a: number): number {
    const mask = size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
    const r = (a - 1) & mask;
    this.lazy(LZ_SUB, a, 1, r, size * 8 - 1, ARITH & ~CF);
    return r;
  }

  /** Group-2 shifts/rotates. Flags for counts > 1 follow QEMU/Intel: OF as for count 1 (computed
   * from the final result), AF cleared for shifts. */
  /** @internal (TraceHost) */
  shift(op: number, size: number, a: number, count: number): number {
    const bits = size * 8;
    const mask = size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
    const sign = bits - 1;
    count &= 0x1f;
    if (count === 0) return a;
    a &= mask;
    let r: number;
    let cf: number;
    let of: number;
    switch (op) {
      case 0: {
        // ROL
        const c = count & (bits - 1);
        r = c === 0 ? a : ((a << c) | ((a & mask) >>> (bits - c))) & mask;
        cf = r & 1;
        of = ((r >>> sign) & 1) ^ cf;
        this.settle();
        this.flags = (this.flags & ~(CF | OF)) | cf | (of ? OF : 0);
        return r;
      }
      case 1: {
        // ROR
        const c = count & (bits - 1);
        r = c === 0 ? a : (((a & mask) >>> c) | (a << (bits - c))) & mask;
        cf = (r >>> sign) & 1;
        of = cf ^ ((r >>> (sign - 1)) & 1);
        this.settle();
        this.flags = (this.flags & ~(CF | OF)) | cf | (of ? OF : 0);
        return r;
      }
      case 2: {
        // RCL: rotate through carry over bits+1 positions.
        let c = count;
        if (size === 1) c %= 9;
        else if (size === 2) c %= 17;
        this.settle();
        let carry = this.flags & CF;
        r = a;
        for (let i = 0; i < c; i++) {
          const out = (r >>> sign) & 1;
          r = ((r << 1) | carry) & mask;
          carry = out;
        }
        of = ((r >>> sign) & 1) ^ carry;
        if (c !== 0) this.flags = (this.flags & ~(CF | OF)) | carry | (of ? OF : 0);
        return r;
      }
      case 3: {
        // RCR
        let c = count;
        if (size === 1) c %= 9;
        else if (size === 2) c %= 17;
        this.settle();
        let carry = this.flags & CF;
        r = a;
        for (let i = 0; i < c; i++) {
          const out = r & 1;
          r = ((r >>> 1) | (carry << sign)) & mask;
          carry = out;
        }
        of = ((r >>> sign) ^ (r >>> (sign - 1))) & 1;
        if (c !== 0) this.flags = (this.flags & ~(CF | OF)) | carry | (of ? OF : 0);
        return r;
      }
      case 4:
      case 6: {
        // SHL/SAL
        if (count <= bits) {
          cf = count === 32 ? a & 1 : (a >>> (bits - count)) & 1;
          r = count >= 32 ? 0 : (a << count) & mask;
        } else {
          cf = 0;
          r = 0;
        }
        of = ((r >>> sign) & 1) ^ cf;
        this.setResultFlags(r, sign, cf | (of ? OF : 0));
        return r;
      }
      case 5: {
        // SHR
        cf = count > bits ? 0 : ((a & mask) >>> (count - 1)) & 1;
        r = count >= bits ? 0 : ((a & mask) >>> count) & mask;
        of = count === 1 ? (a >>> sign) & 1 : 0;
        this.setResultFlags(r, sign, cf | (of ? OF : 0));
        return r;
      }
      default: {
        // SAR
        const s = (a << (32 - bits)) >> (32 - bits);
        const c = count >= bits ? bits - 1 : count;
        cf = (s >> (c - 1)) & 1;
        if (count >= bits) cf = (s >> (bits - 1)) & 1;
        r = (s >> c) & mask;
        this.setResultFlags(r, sign, cf);
        return r;
      }
    }
  }

  private shld(size: number, dst: number, src: number, count: number): number {
    count &= 31;
    if (count === 0) return dst;
    const bits = size * 8;
    const sign = bits - 1;
    let r: number;
    let cf: number;
    if (size === 4) {
      r = (dst << count) | (src >>> (32 - count));
      cf = (dst >>> (32 - count)) & 1;
    } else {
      // 16-bit: counts > 16 are undefined; model as a 32-bit rotate through dst:src:dst (QEMU).
      const wide = ((dst & 0xffff) << 16) | (src & 0xffff);
      const w2 = count <= 16 ? wide : ((src & 0xffff) << 16) | (dst & 0xffff);
      const c = count <= 16 ? count : count - 16;
      r = ((w2 << c) | ((count <= 16 ? dst & 0xffff : src & 0xffff) >>> (16 - c))) >>> 16;
      cf = c === 0 ? 0 : (w2 >>> (32 - c)) & 1;
      r &= 0xffff;
    }
    const of = ((r >>> sign) ^ (dst >>> sign)) & 1;
    this.setResultFlags(r, sign, cf | (of ? OF : 0));
    return r;
  }

  private shrd(size: number, dst: number, src: number, count: number): number {
    count &= 31;
    if (count === 0) return dst;
    const bits = size * 8;
    const sign = bits - 1;
    let r: number;
    let cf: number;
    if (size === 4) {
      r = (dst >>> count) | (src << (32 - count));
      cf = (dst >>> (count - 1)) & 1;
    } else {
      const wide = ((src & 0xffff) << 16) | (dst & 0xffff);
      if (count <= 16) {
        r = (wide >>> count) & 0xffff;
        cf = (wide >>> (count - 1)) & 1;
      } else {
        const w2 = ((dst & 0xffff) << 16) | (src & 0xffff);
        r = (w2 >>> (count - 16)) & 0xffff;
        cf = (w2 >>> (count - 17)) & 1;
      }
    }
    const of = ((r >>> sign) ^ (dst >>> sign)) & 1;
    this.setResultFlags(r, sign, cf | (of ? OF : 0));
    return r;
  }

  // ---------------------------------------------------------------- descriptors

  private descLo = 0;
  private descHi = 0;

  /** Load the 8-byte descriptor for `sel` into descLo/descHi; raises #GP(sel) (or the given vector)
   * when outside the table. Returns the linear address of the descriptor. */
  private loadDescriptor(sel: number, vector = GP): number {
    let base: number;
    let limit: number;
    if (sel & 4) {
      if ((this.ldtrAttr & 0x80) === 0 || (this.ldtrSel & 0xfffc) === 0)
        return this.fault(vector, sel & 0xfffc);
      base = this.ldtrBase;
      limit = this.ldtrLimit;
    } else {
      base = this.gdtrBase;
      limit = this.gdtrLimit;
    }
    if ((sel | 7) > limit) return this.fault(vector, sel & 0xfffc);
    const addr = (base + (sel & ~7)) | 0;
    this.descLo = this.readLinSys32(addr);
    this.descHi = this.readLinSys32(addr + 4);
    return addr;
  }

  /** System-structure reads are supervisor accesses even at CPL 3. */
  private readLinSys32(lin: number): number {
    const c = this.cpl;
    this.cpl = 0;
    try {
      return this.readLin32(lin | 0);
    } finally {
      this.cpl = c;
    }
  }

  private writeLinSys8(lin: number, v: number): void {
    const c = this.cpl;
    this.cpl = 0;
    try {
      this.writeLin8(lin | 0, v);
    } finally {
      this.cpl = c;
    }
  }

  private descBase(): number {
    return (this.descLo >>> 16) | ((this.descHi & 0xff) << 16) | (this.descHi & 0xff000000) | 0;
  }

  private descLimit(): number {
    let l = (this.descLo & 0xffff) | (this.descHi & 0xf0000);
    if (this.descHi & 0x800000) l = ((l << 12) | 0xfff) >>> 0;
    return l;
  }

  private descAttr(): number {
    return (this.descHi >>> 8) & 0xf0ff;
  }

  private setAccessed(addr: number): void {
    if ((this.descHi & 0x100) === 0) {
      this.descHi |= 0x100;
      this.writeLinSys8(addr + 5, (this.descHi >>> 8) & 0xff);
    }
  }

  /** MOV/POP/LxS to a data segment register or SS. */
  private loadSeg(s: number, sel: number): void {
    sel &= 0xffff;
    if (!this.pe || this.flags & VM) {
      // Real mode: only selector and base change; the hidden limit/attributes stay (unreal mode).
      this.segSel[s] = sel;
      this.segBase[s] = sel << 4;
      if (s === CS) this.fetchHi = -1;
      return;
    }
    if ((sel & 0xfffc) === 0) {
      if (s === SS) this.fault(GP, 0);
      this.segSel[s] = sel;
      this.segBase[s] = 0;
      this.segLimit[s] = 0;
      this.segAttr[s] = 0;
      this.updateSegRange(s);
      return;
    }
    const addr = this.loadDescriptor(sel);
    const attr = this.descAttr();
    const dpl = (attr >> 5) & 3;
    const rpl = sel & 3;
    if (s === SS) {
      // Writable data segment with RPL = DPL = CPL.
      if ((attr & 0x1a) !== 0x12 || rpl !== this.cpl || dpl !== this.cpl) this.fault(GP, sel & 0xfffc);
      if ((attr & 0x80) === 0) this.fault(SSF, sel & 0xfffc);
    } else {
      // Data or readable code.
      if ((attr & 0x10) === 0 || (attr & 0x0a) === 0x08) this.fault(GP, sel & 0xfffc);
      const conformingCode = (attr & 0x0c) === 0x0c;
      if (!conformingCode && (dpl < this.cpl || dpl < rpl)) this.fault(GP, sel & 0xfffc);
      if ((attr & 0x80) === 0) this.fault(NP, sel & 0xfffc);
    }
    this.setAccessed(addr);
    this.setSegCache(s, sel, this.descBase(), this.descLimit(), this.descAttr());
  }

  /** Load CS for a far transfer to a code segment (descriptor already in descLo/descHi). */
  private loadCs(sel: number, cpl: number): void {
    this.setSegCache(CS, (sel & 0xfffc) | cpl, this.descBase(), this.descLimit(), this.descAttr());
    this.cpl = cpl;
  }

  /** Checks for a code-segment target of a JMP/CALL (not through a gate). */
  private checkCodeTarget(sel: number): void {
    const attr = this.descAttr();
    const dpl = (attr >> 5) & 3;
    if ((attr & 0x18) !== 0x18) this.fault(GP, sel & 0xfffc);
    if (attr & 4) {
      if (dpl > this.cpl) this.fault(GP, sel & 0xfffc);
    } else if ((sel & 3) > this.cpl || dpl !== this.cpl) this.fault(GP, sel & 0xfffc);
    if ((attr & 0x80) === 0) this.fault(NP, sel & 0xfffc);
  }

  /** After a return to an outer privilege level: null out data segments the new CPL may not use. */
  private invalidateSegsForCpl(): void {
    for (const s of [ES, DS, FS, GS]) {
      const attr = this.segAttr[s];
      const dpl = (attr >> 5) & 3;
      const conformingCode = (attr & 0x1c) === 0x1c;
      if ((attr & 0x10) !== 0 && !conformingCode && dpl < this.cpl) {
        this.segSel[s] = 0;
        this.segAttr[s] = 0;
        this.updateSegRange(s);
      }
    }
  }

  // ---------------------------------------------------------------- far transfers

  private farJmp(sel: number, off: number): void {
    sel &= 0xffff;
    if (!this.pe || this.flags & VM) {
      if (!this.o32) off &= 0xffff;
      this.setCsReal(sel);
      this.eip = off >>> 0;
      return;
    }
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    this.loadDescriptor(sel);
    const attr = this.descAttr();
    if (attr & 0x10) {
      this.checkCodeTarget(sel);
      if (!this.o32) off &= 0xffff;
      if (off >>> 0 > this.descLimit()) this.fault(GP, 0);
      this.loadCs(sel, this.cpl);
      this.eip = off >>> 0;
      return;
    }
    const type = attr & 0x1f;
    if (type === 0x04 || type === 0x0c) {
      // Call gate, same privilege only for JMP.
      this.throughCallGate(sel, false);
      return;
    }
    // Task gates and TSS targets (task switching) are not implemented.
    this.fault(GP, sel & 0xfffc);
  }

  private farCall(sel: number, off: number): void {
    sel &= 0xffff;
    const retCs = this.segSel[CS];
    const retEip = this.eip;
    if (!this.pe || this.flags & VM) {
      if (!this.o32) off &= 0xffff;
      if (this.o32) {
        this.checkWrite(SS, (this.regs[ESP] - 8) & this.spMask(), 8);
        this.push32(retCs);
        this.push32(retEip);
      } else {
        this.checkWrite(SS, (this.regs[ESP] - 4) & this.spMask(), 4);
        this.push16(retCs);
        this.push16(retEip);
      }
      this.setCsReal(sel);
      this.eip = off >>> 0;
      return;
    }
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    this.loadDescriptor(sel);
    const attr = this.descAttr();
    if (attr & 0x10) {
      this.checkCodeTarget(sel);
      if (!this.o32) off &= 0xffff;
      if (off >>> 0 > this.descLimit()) this.fault(GP, 0);
      const n = this.o32 ? 8 : 4;
      this.checkWrite(SS, (this.regs[ESP] - n) & this.spMask(), n);
      this.pushO(retCs);
      this.pushO(retEip);
      this.loadCs(sel, this.cpl);
      this.eip = off >>> 0;
      return;
    }
    const type = attr & 0x1f;
    if (type === 0x04 || type === 0x0c) {
      this.throughCallGate(sel, true);
      return;
    }
    this.fault(GP, sel & 0xfffc);
  }

  /** JMP/CALL through a call gate (descriptor of the gate in descLo/descHi). */
  private throughCallGate(gateSel: number, isCall: boolean): void {
    const gLo = this.descLo;
    const gHi = this.descHi;
    const gattr = (gHi >>> 8) & 0xff;
    const gdpl = (gattr >> 5) & 3;
    const gate32 = (gattr & 8) !== 0;
    if (gdpl < this.cpl || gdpl < (gateSel & 3)) this.fault(GP, gateSel & 0xfffc);
    if ((gattr & 0x80) === 0) this.fault(NP, gateSel & 0xfffc);
    const sel = gLo >>> 16;
    let off = (gLo & 0xffff) | (gate32 ? gHi & 0xffff0000 : 0);
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    this.loadDescriptor(sel);
    const attr = this.descAttr();
    const dpl = (attr >> 5) & 3;
    if ((attr & 0x18) !== 0x18 || dpl > this.cpl) this.fault(GP, sel & 0xfffc);
    if ((attr & 0x80) === 0) this.fault(NP, sel & 0xfffc);
    off >>>= 0;
    if (off > this.descLimit()) this.fault(GP, 0);
    const retCs = this.segSel[CS];
    const retEip = this.eip;
    if (!isCall) {
      if ((attr & 4) === 0 && dpl !== this.cpl) this.fault(GP, sel & 0xfffc);
      this.loadCs(sel, this.cpl);
      this.eip = off;
      return;
    }
    const savedLo = this.descLo;
    const savedHi = this.descHi;
    if ((attr & 4) === 0 && dpl < this.cpl) {
      // Inter-privilege call: new stack from the TSS; parameters are copied.
      const count = gHi & 0x1f;
      const oldSs = this.segSel[SS];
      const oldEsp = this.regs[ESP];
      const params: number[] = [];
      for (let i = 0; i < count; i++) params.push(this.peekStack(gate32 ? 4 : 2, i * (gate32 ? 4 : 2)));
      this.switchToInnerStack(dpl);
      this.descLo = savedLo;
      this.descHi = savedHi;
      if (gate32) {
        this.push32(oldSs);
        this.push32(oldEsp);
        for (let i = count - 1; i >= 0; i--) this.push32(params[i]);
        this.push32(retCs);
        this.push32(retEip);
      } else {
        this.push16(oldSs);
        this.push16(oldEsp);
        for (let i = count - 1; i >= 0; i--) this.push16(params[i]);
        this.push16(retCs);
        this.push16(retEip);
      }
      this.loadCs(sel, dpl);
    } else {
      const n = gate32 ? 8 : 4;
      this.checkWrite(SS, (this.regs[ESP] - n) & this.spMask(), n);
      if (gate32) {
        this.push32(retCs);
        this.push32(retEip);
      } else {
        this.push16(retCs);
        this.push16(retEip);
      }
      this.loadCs(sel, this.cpl);
    }
    this.eip = off;
  }

  /** Load SS:ESP for privilege level `dpl` from the current TSS (SDM vol. 3A 7.2.1). */
  private switchToInnerStack(dpl: number): void {
    const type = this.trAttr & 0xf;
    let newSs: number;
    let newEsp: number;
    if (type === 0x9 || type === 0xb) {
      const o = 4 + dpl * 8;
      if (o + 5 > this.trLimit) this.fault(TS, this.trSel & 0xfffc);
      newEsp = this.readLinSys32(this.trBase + o);
      newSs = this.readLinSys32(this.trBase + o + 4) & 0xffff;
    } else if (type === 0x1 || type === 0x3) {
      const o = 2 + dpl * 4;
      if (o + 3 > this.trLimit) this.fault(TS, this.trSel & 0xfffc);
      const v = this.readLinSys32(this.trBase + o);
      newEsp = v & 0xffff;
      newSs = (v >>> 16) & 0xffff;
    } else this.fault(TS, this.trSel & 0xfffc);
    if ((newSs & 0xfffc) === 0) this.fault(TS, newSs & 0xfffc);
    const addr = this.loadDescriptor(newSs, TS);
    const attr = this.descAttr();
    if ((newSs & 3) !== dpl || ((attr >> 5) & 3) !== dpl || (attr & 0x1a) !== 0x12)
      this.fault(TS, newSs & 0xfffc);
    if ((attr & 0x80) === 0) this.fault(SSF, newSs & 0xfffc);
    this.setAccessed(addr);
    this.setSegCache(SS, newSs, this.descBase(), this.descLimit(), attr);
    this.regs[ESP] = newEsp;
  }

  private farRet(o32: boolean, imm: number): void {
    const size = o32 ? 4 : 2;
    if (!this.pe || this.flags & VM) {
      const off = this.peekStack(size, 0);
      const sel = this.peekStack(size, size) & 0xffff;
      this.setSp(this.regs[ESP] + 2 * size + imm);
      this.setCsReal(sel);
      this.eip = o32 ? off >>> 0 : off & 0xffff;
      return;
    }
    const off = this.peekStack(size, 0) >>> 0;
    const sel = this.peekStack(size, size) & 0xffff;
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    this.loadDescriptor(sel);
    const attr = this.descAttr();
    const dpl = (attr >> 5) & 3;
    const rpl = sel & 3;
    if ((attr & 0x18) !== 0x18 || rpl < this.cpl) this.fault(GP, sel & 0xfffc);
    if (attr & 4 ? dpl > rpl : dpl !== rpl) this.fault(GP, sel & 0xfffc);
    if ((attr & 0x80) === 0) this.fault(NP, sel & 0xfffc);
    if (off > this.descLimit()) this.fault(GP, 0);
    if (rpl === this.cpl) {
      this.setSp(this.regs[ESP] + 2 * size + imm);
      this.loadCs(sel, this.cpl);
      this.eip = off;
      return;
    }
    // Return to an outer privilege level: SS:ESP follow CS:EIP (+imm) on the stack.
    const newEsp = this.peekStack(size, 2 * size + imm);
    const newSs = this.peekStack(size, 3 * size + imm) & 0xffff;
    const csLo = this.descLo;
    const csHi = this.descHi;
    this.cpl = rpl;
    try {
      this.loadSeg(SS, newSs);
    } catch (e) {
      this.cpl = (this.segSel[CS] & 3) | 0;
      throw e;
    }
    this.descLo = csLo;
    this.descHi = csHi;
    this.loadCs(sel, rpl);
    this.regs[ESP] =
      size === 4 || this.ss32 ? newEsp + imm : (this.regs[ESP] & ~0xffff) | ((newEsp + imm) & 0xffff);
    this.eip = off;
    this.invalidateSegsForCpl();
  }

  private iret(): void {
    const o32 = this.o32;
    const size = o32 ? 4 : 2;
    if (!this.pe) {
      const off = this.peekStack(size, 0);
      const sel = this.peekStack(size, size) & 0xffff;
      const fl = this.peekStack(size, 2 * size);
      this.setSp(this.regs[ESP] + 3 * size);
      this.setCsReal(sel);
      this.eip = o32 ? off >>> 0 : off & 0xffff;
      this.writeEflags(fl, o32 ? -1 : 0xffff, true);
      this.nmiBlocked = false;
      return;
    }
    if (this.flags & VM) this.fault(GP, 0);
    if (this.flags & NT) {
      // Nested-task return needs task switching, which is not implemented.
      this.fault(TS, this.trSel & 0xfffc);
    }
    const off = this.peekStack(size, 0) >>> 0;
    const sel = this.peekStack(size, size) & 0xffff;
    const fl = this.peekStack(size, 2 * size);
    if (o32 && fl & VM && this.cpl === 0) {
      // Return to virtual-8086 mode is not implemented.
      this.fault(GP, 0);
    }
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    this.loadDescriptor(sel);
    const attr = this.descAttr();
    const dpl = (attr >> 5) & 3;
    const rpl = sel & 3;
    if ((attr & 0x18) !== 0x18 || rpl < this.cpl) this.fault(GP, sel & 0xfffc);
    if (attr & 4 ? dpl > rpl : dpl !== rpl) this.fault(GP, sel & 0xfffc);
    if ((attr & 0x80) === 0) this.fault(NP, sel & 0xfffc);
    if (off > this.descLimit()) this.fault(GP, 0);
    const oldCpl = this.cpl;
    const mask = o32 ? -1 : 0xffff;
    if (rpl === this.cpl) {
      this.setSp(this.regs[ESP] + 3 * size);
      this.loadCs(sel, rpl);
      this.eip = off;
      this.writeEflagsAt(fl, mask, oldCpl);
      this.nmiBlocked = false;
      return;
    }
    const newEsp = this.peekStack(size, 3 * size);
    const newSs = this.peekStack(size, 4 * size) & 0xffff;
    const csLo = this.descLo;
    const csHi = this.descHi;
    this.cpl = rpl;
    try {
      this.loadSeg(SS, newSs);
    } catch (e) {
      this.cpl = oldCpl;
      throw e;
    }
    this.descLo = csLo;
    this.descHi = csHi;
    this.loadCs(sel, rpl);
    this.regs[ESP] = size === 4 || this.ss32 ? newEsp : (this.regs[ESP] & ~0xffff) | (newEsp & 0xffff);
    this.eip = off;
    this.writeEflagsAt(fl, mask, oldCpl);
    this.invalidateSegsForCpl();
    this.nmiBlocked = false;
  }

  /** POPF/IRET flag update with the privilege rules (SDM vol. 2B POPF). */
  private writeEflags(v: number, sizeMask: number, iret: boolean): void {
    this.writeEflagsAt(v, sizeMask, this.cpl, iret);
  }

  private writeEflagsAt(v: number, sizeMask: number, cpl: number, _iret = true): void {
    this.settle();
    let m = EFLAGS_WRITABLE & sizeMask;
    if (this.pe) {
      if (cpl > 0) m &= ~IOPL;
      if (cpl > (this.flags & IOPL) >> 12) m &= ~IF;
    }
    this.flags = (this.flags & ~m) | (v & m) | 2;
    if ((this.flags & IF) !== 0) this.intrPoll = true;
  }

  // ---------------------------------------------------------------- interrupts & exceptions

  /** kind: 0 exception/fault, 1 software INT n / INT3 / INTO, 2 external (INTR/NMI). */
  private deliverInterrupt(vector: number, errorCode: number, kind: number, retEip: number): void {
    this.settle();
    const fl = this.getFlags();
    if (!this.pe) {
      if (vector * 4 + 3 > this.idtrLimit) this.fault(GP, vector * 8 + 2);
      const ent = this.readLin32((this.idtrBase + vector * 4) | 0);
      this.checkWrite(SS, (this.regs[ESP] - 6) & this.spMask(), 6);
      this.push16(fl);
      this.push16(this.segSel[CS]);
      this.push16(retEip);
      this.flags &= ~(IF | TF | AC | RF);
      const sel = (ent >>> 16) & 0xffff;
      this.setCsReal(sel);
      this.eip = ent & 0xffff;
      this.halted = false;
      return;
    }
    const ext = kind === 0 || kind === 2 ? 1 : 0;
    const gsel = vector * 8 + 2 + ext;
    if (vector * 8 + 7 > this.idtrLimit) this.fault(GP, gsel);
    const gLo = this.readLinSys32((this.idtrBase + vector * 8) | 0);
    const gHi = this.readLinSys32((this.idtrBase + vector * 8 + 4) | 0);
    const gattr = (gHi >>> 8) & 0xff;
    const type = gattr & 0x1f;
    if (type !== 0x06 && type !== 0x07 && type !== 0x0e && type !== 0x0f) {
      // Task gates (0x05) need task switching, which is not implemented.
      this.fault(GP, gsel);
    }
    const gdpl = (gattr >> 5) & 3;
    if (kind === 1 && gdpl < this.cpl) this.fault(GP, vector * 8 + 2);
    if ((gattr & 0x80) === 0) this.fault(NP, gsel);
    const gate32 = (type & 8) !== 0;
    const trap = (type & 1) !== 0;
    const sel = gLo >>> 16;
    const off = ((gLo & 0xffff) | (gate32 ? gHi & 0xffff0000 : 0)) >>> 0;
    if ((sel & 0xfffc) === 0) this.fault(GP, ext);
    this.loadDescriptor(sel);
    const attr = this.descAttr();
    const dpl = (attr >> 5) & 3;
    if ((attr & 0x18) !== 0x18 || dpl > this.cpl) this.fault(GP, (sel & 0xfffc) + ext);
    if ((attr & 0x80) === 0) this.fault(NP, (sel & 0xfffc) + ext);
    if (off > this.descLimit()) this.fault(GP, ext);
    const csLo = this.descLo;
    const csHi = this.descHi;
    const oldCs = this.segSel[CS];
    const oldSs = this.segSel[SS];
    const oldEsp = this.regs[ESP];
    const push = gate32 ? 4 : 2;
    let newCpl = this.cpl;
    if ((attr & 4) === 0 && dpl < this.cpl) {
      // Inter-privilege: switch to the inner stack from the TSS.
      const saveSs = [this.segSel[SS], this.segBase[SS], this.segLimit[SS], this.segAttr[SS]];
      this.switchToInnerStack(dpl);
      try {
        const n = push * (errorCode >= 0 ? 6 : 5);
        this.checkWriteAt(dpl, (this.regs[ESP] - n) & this.spMask(), n);
      } catch (e) {
        this.setSegCache(SS, saveSs[0], saveSs[1], saveSs[2], saveSs[3]);
        this.regs[ESP] = oldEsp;
        throw e;
      }
      newCpl = dpl;
      this.cpl = dpl;
      if (gate32) {
        this.push32(oldSs);
        this.push32(oldEsp);
      } else {
        this.push16(oldSs);
        this.push16(oldEsp);
      }
    } else {
      const n = push * (errorCode >= 0 ? 4 : 3);
      this.checkWrite(SS, (this.regs[ESP] - n) & this.spMask(), n);
    }
    if (gate32) {
      this.push32(fl);
      this.push32(oldCs);
      this.push32(retEip);
      if (errorCode >= 0) this.push32(errorCode);
    } else {
      this.push16(fl);
      this.push16(oldCs);
      this.push16(retEip);
      if (errorCode >= 0) this.push16(errorCode);
    }
    this.descLo = csLo;
    this.descHi = csHi;
    this.loadCs(sel, newCpl);
    this.eip = off;
    this.flags &= ~(TF | NT | RF | VM);
    if (!trap) this.flags &= ~IF;
    this.halted = false;
  }

  private checkWriteAt(cpl: number, off: number, len: number): void {
    const c = this.cpl;
    this.cpl = cpl;
    try {
      this.checkWrite(SS, off, len);
    } finally {
      this.cpl = c;
    }
  }

  private static contributory(v: number): boolean {
    return v === DE || (v >= TS && v <= GP);
  }

  /** Deliver an exception raised by an instruction, handling double and triple faults. */
  private deliverException(vector: number, code: number): void {
    if (vector < 32) this.exceptionCounts[vector]++;
    if (this.listeners.length > 0) {
      const e: CpuEvent =
        code >= 0
          ? { kind: 'exception', vector, errorCode: code, cs: this.segSel[CS], eip: this.startEip >>> 0 }
          : { kind: 'exception', vector, cs: this.segSel[CS], eip: this.startEip >>> 0 };
      this.emit(e);
    }
    const depth = this.deliveryDepth;
    if (depth >= 3) {
      this.tripleFault(vector, 'fault nesting');
      return;
    }
    this.deliveryDepth = depth + 1;
    try {
      this.deliverInterrupt(vector, code, 0, this.startEip);
    } catch (e) {
      if (e !== FAULT) throw e;
      const second = this.excVector;
      const secondCode = this.excCode;
      this.eip = this.startEip;
      this.regs[ESP] = this.startEsp;
      if (vector === DF_V) {
        this.tripleFault(second, 'exception while delivering #DF');
      } else if (
        (Cpu.contributory(vector) && Cpu.contributory(second)) ||
        (vector === PFV && (second === PFV || Cpu.contributory(second)))
      ) {
        if (this.listeners.length > 0)
          this.emit({
            kind: 'double-fault',
            first: vector,
            second,
            cs: this.segSel[CS],
            eip: this.startEip >>> 0,
          });
        this.deliverException(DF_V, 0);
      } else {
        this.deliverException(second, secondCode);
      }
    } finally {
      this.deliveryDepth = depth;
    }
  }

  private tripleFault(vector: number, cause: string): void {
    this.shutdownState = true;
    this.halted = false;
    if (this.listeners.length > 0)
      this.emit({ kind: 'triple-fault', vector, cs: this.segSel[CS], eip: this.startEip >>> 0, cause });
  }

  /** Software interrupt (INT n, INT3, INTO): the return address is the next instruction. */
  private softInt(vector: number): void {
    this.softIntTaken = true;
    this.deliverInterrupt(vector, -1, 1, this.eip);
  }

  // ---------------------------------------------------------------- I/O

  private checkIo(port: number, size: number): void {
    if (!this.pe) return;
    if (this.cpl <= (this.flags & IOPL) >> 12 && (this.flags & VM) === 0) return;
    // I/O permission bitmap (SDM vol. 1 18.5.2).
    const type = this.trAttr & 0xf;
    if (type !== 0x9 && type !== 0xb) this.fault(GP, 0);
    if (this.trLimit < 0x67) this.fault(GP, 0);
    const mapBase = this.readLinSys32(this.trBase + 0x64) >>> 16;
    const byteOff = mapBase + (port >> 3);
    if (byteOff + 1 > this.trLimit) this.fault(GP, 0);
    const bits = this.readLinSys32(this.trBase + byteOff) & 0xffff;
    if ((bits >> (port & 7)) & ((1 << size) - 1)) this.fault(GP, 0);
  }

  private ioIn(size: number, port: number): number {
    port &= 0xffff;
    this.checkIo(port, size);
    this.intrPoll = true;
    if (size === 1) return this.io.in8(port) & 0xff;
    if (size === 2) return this.io.in16(port) & 0xffff;
    return this.io.in32(port) | 0;
  }

  private ioOut(size: number, port: number, v: number): void {
    port &= 0xffff;
    this.checkIo(port, size);
    this.intrPoll = true;
    if (size === 1) this.io.out8(port, v & 0xff);
    else if (size === 2) this.io.out16(port, v & 0xffff);
    else this.io.out32(port, v >>> 0);
  }

  // ---------------------------------------------------------------- execute

  /** Execute instructions from the current EIP, counting each retired one, until the count reaches
   * `end` or the fast-path conditions of loop() (not slow, IF and TF clear, no stop request) no
   * longer hold. Looping here instead of in loop() saves a call and the prologue of this large
   * function per instruction. A fault throws out of it before the count is bumped, as before. */
  private execute(end: number): void {
    for (;;) {
      this.startEip = this.eip;
      this.startEsp = this.regs[ESP];
      let o32 = this.cs32;
      let a32 = o32;
      this.segOvr = -1;
      this.rep = 0;
      let op = this.fetch8();
      // Prefixes (one table load on the common no-prefix path).
      while (PREFIX_KIND[op] !== 0) {
        switch (op) {
          case 0x66:
            o32 = !this.cs32;
            break;
          case 0x67:
            a32 = !this.cs32;
            break;
          case 0x26:
            this.segOvr = ES;
            break;
          case 0x2e:
            this.segOvr = CS;
            break;
          case 0x36:
            this.segOvr = SS;
            break;
          case 0x3e:
            this.segOvr = DS;
            break;
          case 0x64:
            this.segOvr = FS;
            break;
          case 0x65:
            this.segOvr = GS;
            break;
          case 0xf2:
            this.rep = 2;
            break;
          case 0xf3:
            this.rep = 1;
            break;
          default:
            // 0xF0 LOCK: accepted.
            break;
        }
        op = this.fetch8();
        // An instruction longer than 15 bytes raises #GP(0) (SDM vol. 2 2.3.11).
        if (((this.eip - this.startEip) & 0xffffffff) > 14) this.fault(GP, 0);
      }
      this.o32 = o32;
      this.a32 = a32;
      const osize = o32 ? 4 : 2;
      const r = this.regs;
      switch (op) {
        // ALU r/m, reg forms.
        case 0x00:
        case 0x08:
        case 0x10:
        case 0x18:
        case 0x20:
        case 0x28:
        case 0x30:
        case 0x38:
          this.aluRmReg(op >> 3, 1);
          break;
        case 0x01:
        case 0x09:
        case 0x11:
        case 0x19:
        case 0x21:
        case 0x29:
        case 0x31:
        case 0x39:
          this.aluRmReg(op >> 3, osize);
          break;
        case 0x02:
        case 0x0a:
        case 0x12:
        case 0x1a:
        case 0x22:
        case 0x2a:
        case 0x32:
        case 0x3a:
          this.aluRegRm(op >> 3, 1);
          break;
        case 0x03:
        case 0x0b:
        case 0x13:
        case 0x1b:
        case 0x23:
        case 0x2b:
        case 0x33:
        case 0x3b:
          this.aluRegRm(op >> 3, osize);
          break;
        case 0x04:
        case 0x0c:
        case 0x14:
        case 0x1c:
        case 0x24:
        case 0x2c:
        case 0x34:
        case 0x3c: {
          const v = this.alu(op >> 3, 1, r[EAX] & 0xff, this.fetch8());
          if (op >> 3 !== 7) this.setReg8(0, v);
          break;
        }
        case 0x05:
        case 0x0d:
        case 0x15:
        case 0x1d:
        case 0x25:
        case 0x2d:
        case 0x35:
        case 0x3d: {
          const v = this.alu(op >> 3, osize, this.getReg(osize, EAX), this.fetchS(osize));
          if (op >> 3 !== 7) this.setReg(osize, EAX, v);
          break;
        }
        case 0x06:
          this.pushO(this.segSel[ES]);
          break;
        case 0x07:
          this.popSeg(ES);
          break;
        case 0x0e:
          this.pushO(this.segSel[CS]);
          break;
        case 0x0f:
          this.execute0f();
          break;
        case 0x16:
          this.pushO(this.segSel[SS]);
          break;
        case 0x17:
          this.popSeg(SS);
          this.inhibit = this.slow = true;
          break;
        case 0x1e:
          this.pushO(this.segSel[DS]);
          break;
        case 0x1f:
          this.popSeg(DS);
          break;
        case 0x27:
          this.daa();
          break;
        case 0x2f:
          this.das();
          break;
        case 0x37:
          this.aaa(1);
          break;
        case 0x40:
        case 0x41:
        case 0x42:
        case 0x43:
        case 0x44:
        case 0x45:
        case 0x46:
        case 0x47:
          if (o32) r[op & 7] = this.inc(4, r[op & 7]);
          else this.setReg(2, op & 7, this.inc(2, r[op & 7] & 0xffff));
          break;
        case 0x48:
        case 0x49:
        case 0x4a:
        case 0x4b:
        case 0x4c:
        case 0x4d:
        case 0x4e:
        case 0x4f:
          if (o32) {
            // DEC r32 written out (the hot loop counter of SeaBIOS's memset): CF is kept, so
            // materialise it from the previous producer as lazy() does.
            const a = r[op & 7];
            const v = (a - 1) | 0;
            r[op & 7] = v;
            if ((this.lzMask & CF) !== 0) this.flags = (this.flags & ~CF) | this.lazyCF();
            this.lzOp = LZ_SUB;
            this.lzA = a;
            this.lzB = 1;
            this.lzR = v;
            this.lzSign = 31;
            this.lzMask = ARITH & ~CF;
          } else this.setReg(2, op & 7, this.dec(2, r[op & 7] & 0xffff));
          break;
        case 0x50:
        case 0x51:
        case 0x52:
        case 0x53:
        case 0x54:
        case 0x55:
        case 0x56:
        case 0x57:
          if (o32) this.push32(r[op & 7]);
          else this.push16(r[op & 7]);
          break;
        case 0x58:
        case 0x59:
        case 0x5a:
        case 0x5b:
        case 0x5c:
        case 0x5d:
        case 0x5e:
        case 0x5f: {
          const v = this.popO();
          this.setReg(osize, op & 7, v);
          break;
        }
        case 0x70:
        case 0x71:
        case 0x72:
        case 0x73:
        case 0x74:
        case 0x75:
        case 0x76:
        case 0x77:
        case 0x78:
        case 0x79:
        case 0x7a:
        case 0x7b:
        case 0x7c:
        case 0x7d:
        case 0x7e:
        case 0x7f: {
          const d = (this.fetch8() << 24) >> 24;
          let taken: boolean;
          if ((op & 0xe) === 4) {
            // JE/JNE: ZF straight from the lazy result (the common case, no call into cond()).
            const zf = (this.lzMask & ZF) !== 0 ? this.lzR === 0 : (this.flags & ZF) !== 0;
            taken = (op & 1) === 0 ? zf : !zf;
          } else taken = this.cond(op & 15);
          if (taken) this.jumpRel(d);
          break;
        }
        case 0x80:
        case 0x82: {
          this.modrm();
          const a = this.readRm8();
          const v = this.alu(this.reg, 1, a, this.fetch8());
          if (this.reg !== 7) this.writeRm8(v);
          break;
        }
        case 0x81:
        case 0x83: {
          this.modrm();
          const a = this.readRm(osize);
          const b = op === 0x83 ? ((this.fetch8() << 24) >> 24) & (o32 ? -1 : 0xffff) : this.fetchS(osize);
          const v = this.alu(this.reg, osize, a, b);
          if (this.reg !== 7) this.writeRm(osize, v);
          break;
        }
        case 0x84:
          this.modrm();
          this.alu(4, 1, this.readRm8(), this.getReg8(this.reg));
          break;
        case 0x85: {
          this.modrm();
          // TEST: a logic result; flags derive from it alone (lazy() with LZ_LOGIC, written out).
          const v = this.readRm(osize) & this.getReg(osize, this.reg);
          this.lzOp = LZ_LOGIC;
          this.lzR = o32 ? v : v & 0xffff;
          this.lzSign = o32 ? 31 : 15;
          this.lzMask = ARITH;
          break;
        }
        case 0x86: {
          this.modrm();
          const a = this.readRm8();
          this.writeRm8(this.getReg8(this.reg));
          this.setReg8(this.reg, a);
          break;
        }
        case 0x87: {
          this.modrm();
          const a = this.readRm(osize);
          this.writeRm(osize, this.getReg(osize, this.reg));
          this.setReg(osize, this.reg, a);
          break;
        }
        case 0x88: {
          this.modrm();
          const v = this.getReg8(this.reg);
          if (this.mod === 3) {
            this.setReg8(this.rm, v);
            break;
          }
          // Byte store fast path (SeaBIOS's memset): in-limit writable segment, no paging, plain RAM.
          const s = this.eaSeg;
          const off = this.eaOff >>> 0;
          if (!this.paging && off >= this.segLo[s] && off <= this.segHi[s] && this.segWritable[s] !== 0) {
            const a = (this.segBase[s] + off) & this.a20Mask;
            const p = a >>> 12;
            const buf = this.bufs[this.writeIdx[p]];
            if (buf !== null) {
              buf[this.writeOff[p] + (a & 0xfff)] = v;
              if (this.codePages[p] !== 0) this.codeWrite(a, 1);
              break;
            }
          }
          this.wr8(s, off, v);
          break;
        }
        case 0x89:
          this.modrm();
          this.writeRm(osize, this.getReg(osize, this.reg));
          break;
        case 0x8a:
          this.modrm();
          this.setReg8(this.reg, this.readRm8());
          break;
        case 0x8b:
          this.modrm();
          this.setReg(osize, this.reg, this.readRm(osize));
          break;
        case 0x8d:
          this.modrm();
          if (this.mod === 3) this.ud();
          this.setReg(osize, this.reg, this.eaOff);
          break;
        case 0xb0:
        case 0xb1:
        case 0xb2:
        case 0xb3:
        case 0xb4:
        case 0xb5:
        case 0xb6:
        case 0xb7:
          this.setReg8(op & 7, this.fetch8());
          break;
        case 0xb8:
        case 0xb9:
        case 0xba:
        case 0xbb:
        case 0xbc:
        case 0xbd:
        case 0xbe:
        case 0xbf:
          if (o32) r[op & 7] = this.fetch32();
          else this.setReg(2, op & 7, this.fetch16());
          break;
        case 0xc3: {
          const ip = this.popO();
          this.eip = o32 ? ip >>> 0 : ip & 0xffff;
          this.checkEip();
          if (this.jitOn) this.branched();
          break;
        }
        case 0xe8: {
          const d = this.fetchS(osize);
          const ret = this.eip;
          let t = (this.eip + d) | 0;
          if (!o32) t &= 0xffff;
          if (t >>> 0 > this.segLimit[CS]) this.fault(GP, 0);
          this.pushO(ret);
          this.eip = t >>> 0;
          if (this.jitOn) this.branched();
          break;
        }
        case 0xe9:
          this.jumpRel(this.fetchS(osize));
          break;
        case 0xeb:
          this.jumpRel((this.fetch8() << 24) >> 24);
          break;
        default:
          this.executeRest(op, o32, a32);
      }
      this.instructionCount++;
      if (
        this.instructionCount >= end ||
        this.slow ||
        (this.flags & TF) !== 0 ||
        this.stopRequested ||
        this.jitProbe ||
        ((this.flags & IF) !== 0 && this.intrPoll)
      )
        return;
    }
  }

  /** The one-byte opcodes outside execute()'s hot set (a separate function keeps execute() small,
   * so it compiles quickly, and a first use of a rare opcode deoptimises only this one). */
  private executeRest(op: number, o32: boolean, a32: boolean): void {
    const osize = o32 ? 4 : 2;
    const r = this.regs;
    switch (op) {
      case 0x3f:
        this.aaa(-1);
        break;
      case 0x60:
        this.pusha();
        break;
      case 0x61:
        this.popa();
        break;
      case 0x62:
        this.bound();
        break;
      case 0x63:
        this.arpl();
        break;
      case 0x68:
        this.pushO(this.fetchS(osize));
        break;
      case 0x69:
      case 0x6b: {
        this.modrm();
        const a = this.readRm(osize);
        const b = op === 0x6b ? (this.fetch8() << 24) >> 24 : this.fetchS(osize);
        this.setReg(osize, this.reg, this.imul2(osize, a, b));
        break;
      }
      case 0x6a:
        this.pushO((this.fetch8() << 24) >> 24);
        break;
      case 0x6c:
      case 0x6d:
        this.ins(op === 0x6c ? 1 : osize);
        break;
      case 0x6e:
      case 0x6f:
        this.outs(op === 0x6e ? 1 : osize);
        break;
      case 0x8c:
        this.modrm();
        if (this.reg > 5) this.ud();
        if (this.mod === 3) this.setReg(osize, this.rm, this.segSel[this.reg]);
        else this.wr16(this.eaSeg, this.eaOff, this.segSel[this.reg]);
        break;
      case 0x8e: {
        this.modrm();
        if (this.reg === CS || this.reg > 5) this.ud();
        this.loadSeg(this.reg, this.readRm16());
        if (this.reg === SS) this.inhibit = this.slow = true;
        break;
      }
      case 0x8f: {
        // The pop happens first: an ESP-based destination uses the incremented ESP (SDM POP).
        // A fault restores ESP (run() rolls back to the instruction start).
        const v = this.popO();
        this.modrm();
        this.writeRm(osize, v);
        break;
      }
      case 0x90:
        break;
      case 0x91:
      case 0x92:
      case 0x93:
      case 0x94:
      case 0x95:
      case 0x96:
      case 0x97: {
        const a = this.getReg(osize, EAX);
        this.setReg(osize, EAX, this.getReg(osize, op & 7));
        this.setReg(osize, op & 7, a);
        break;
      }
      case 0x98:
        if (o32) r[EAX] = (r[EAX] << 16) >> 16;
        else this.setReg(2, EAX, (r[EAX] << 24) >> 24);
        break;
      case 0x99:
        if (o32) r[EDX] = r[EAX] >> 31;
        else this.setReg(2, EDX, (r[EAX] << 16) >> 31);
        break;
      case 0x9a: {
        const off = this.fetchS(osize);
        const sel = this.fetch16();
        this.farCall(sel, off);
        break;
      }
      case 0x9b:
        if ((this.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) this.fault(NM, -1);
        break;
      case 0x9c:
        if (this.flags & VM && (this.flags & IOPL) !== IOPL) this.fault(GP, 0);
        if (o32) this.push32(this.getFlags() & ~(VM | RF));
        else this.push16(this.getFlags());
        break;
      case 0x9d: {
        if (this.flags & VM && (this.flags & IOPL) !== IOPL) this.fault(GP, 0);
        const v = this.popO();
        this.writeEflags(v, o32 ? -1 : 0xffff, false);
        break;
      }
      case 0x9e: {
        this.settle();
        const ah = (r[EAX] >> 8) & (SF | ZF | AF | PF | CF);
        this.flags = (this.flags & ~(SF | ZF | AF | PF | CF)) | ah;
        break;
      }
      case 0x9f:
        this.setReg8(4, this.getFlags() & 0xff);
        break;
      case 0xa0:
      case 0xa1:
      case 0xa2:
      case 0xa3: {
        const off = a32 ? this.fetch32() : this.fetch16();
        const size = op & 1 ? osize : 1;
        if (op < 0xa2) this.setReg(size, EAX, this.rdS(size, this.dataSeg(), off));
        else this.wrS(size, this.dataSeg(), off, this.getReg(size, EAX));
        break;
      }
      case 0xa4:
        this.movs(1);
        break;
      case 0xa5:
        this.movs(osize);
        break;
      case 0xa6:
        this.cmps(1);
        break;
      case 0xa7:
        this.cmps(osize);
        break;
      case 0xa8:
        this.alu(4, 1, r[EAX] & 0xff, this.fetch8());
        break;
      case 0xa9:
        this.alu(4, osize, this.getReg(osize, EAX), this.fetchS(osize));
        break;
      case 0xaa:
        this.stos(1);
        break;
      case 0xab:
        this.stos(osize);
        break;
      case 0xac:
        this.lods(1);
        break;
      case 0xad:
        this.lods(osize);
        break;
      case 0xae:
        this.scas(1);
        break;
      case 0xaf:
        this.scas(osize);
        break;
      case 0xc0:
      case 0xc1:
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3: {
        this.modrm();
        const size = op & 1 ? osize : 1;
        const a = this.readRm(size);
        const count = op < 0xd0 ? this.fetch8() : op < 0xd2 ? 1 : r[ECX] & 0xff;
        if ((count & 0x1f) !== 0) this.writeRm(size, this.shift(this.reg, size, a, count));
        break;
      }
      case 0xc2: {
        const imm = this.fetch16();
        const ip = this.popO();
        this.setSp(r[ESP] + imm);
        this.eip = o32 ? ip >>> 0 : ip & 0xffff;
        this.checkEip();
        break;
      }
      case 0xc4:
      case 0xc5:
        this.loadFarPtr(op === 0xc4 ? ES : DS);
        break;
      case 0xc6:
        this.modrm();
        this.writeRm8(this.fetch8());
        break;
      case 0xc7:
        this.modrm();
        this.writeRm(osize, this.fetchS(osize));
        break;
      case 0xc8:
        this.enter();
        break;
      case 0xc9: {
        const bp = r[EBP] & this.spMask();
        const v = o32 ? this.rd32(SS, bp) : this.rd16(SS, bp);
        this.setSp(bp + osize);
        this.setReg(osize, EBP, v);
        break;
      }
      case 0xca:
        this.farRet(o32, this.fetch16());
        break;
      case 0xcb:
        this.farRet(o32, 0);
        break;
      case 0xcc:
        this.softInt(BP);
        break;
      case 0xcd: {
        const v = this.fetch8();
        if (this.flags & VM && (this.flags & IOPL) !== IOPL) this.fault(GP, 0);
        this.softInt(v);
        break;
      }
      case 0xce:
        if (this.getOF()) this.softInt(OFV);
        break;
      case 0xcf:
        this.iret();
        break;
      case 0xd4: {
        const base = this.fetch8();
        if (base === 0) this.fault(DE, -1);
        const al = r[EAX] & 0xff;
        const v = (Math.floor(al / base) << 8) | (al % base);
        this.setReg(2, EAX, v);
        this.setResultFlags(v & 0xff, 7, 0);
        break;
      }
      case 0xd5: {
        const base = this.fetch8();
        const v = ((r[EAX] & 0xff) + ((r[EAX] >> 8) & 0xff) * base) & 0xff;
        this.setReg(2, EAX, v);
        this.setResultFlags(v, 7, 0);
        break;
      }
      case 0xd6:
        // SALC (undocumented, present on the 486).
        this.setReg8(0, this.getCF() ? 0xff : 0);
        break;
      case 0xd7: {
        const off = a32 ? r[EBX] + (r[EAX] & 0xff) : (r[EBX] + (r[EAX] & 0xff)) & 0xffff;
        this.setReg8(0, this.rd8(this.dataSeg(), off));
        break;
      }
      case 0xd8:
      case 0xd9:
      case 0xda:
      case 0xdb:
      case 0xdc:
      case 0xdd:
      case 0xde:
      case 0xdf:
        // No FPU: with EM or TS set the instruction raises #NM; otherwise it is decoded and has no
        // effect (a board without a coprocessor: nothing answers, nothing is stored).
        if (this.cr0 & (CR0_EM | CR0_TS)) this.fault(NM, -1);
        this.modrm();
        break;
      case 0xe0:
      case 0xe1:
      case 0xe2:
      case 0xe3: {
        const d = (this.fetch8() << 24) >> 24;
        const cx = a32 ? r[ECX] : r[ECX] & 0xffff;
        if (op === 0xe3) {
          if (cx === 0) this.jumpRel(d);
          break;
        }
        const n = a32 ? cx - 1 : (cx - 1) & 0xffff;
        if (a32) r[ECX] = n;
        else this.setReg(2, ECX, n);
        let take = n !== 0;
        if (op === 0xe0) take = take && !this.getZF();
        else if (op === 0xe1) take = take && this.getZF();
        if (take) this.jumpRel(d);
        break;
      }
      case 0xe4:
        this.setReg8(0, this.ioIn(1, this.fetch8()));
        break;
      case 0xe5:
        this.setReg(osize, EAX, this.ioIn(osize, this.fetch8()));
        break;
      case 0xe6:
        this.ioOut(1, this.fetch8(), r[EAX]);
        break;
      case 0xe7:
        this.ioOut(osize, this.fetch8(), r[EAX]);
        break;
      case 0xea: {
        const off = this.fetchS(osize);
        const sel = this.fetch16();
        this.farJmp(sel, off);
        break;
      }
      case 0xec:
        this.setReg8(0, this.ioIn(1, r[EDX]));
        break;
      case 0xed:
        this.setReg(osize, EAX, this.ioIn(osize, r[EDX]));
        break;
      case 0xee:
        this.ioOut(1, r[EDX], r[EAX]);
        break;
      case 0xef:
        this.ioOut(osize, r[EDX], r[EAX]);
        break;
      case 0xf1:
        // INT1 / ICEBP: a #DB trap delivered like an external event (no DPL check).
        this.deliverInterrupt(DB, -1, 2, this.eip);
        break;
      case 0xf4:
        if (this.cpl !== 0) this.fault(GP, 0);
        this.halted = this.slow = true;
        if (this.listeners.length > 0) this.emit({ kind: 'halt', cs: this.segSel[CS], eip: this.eip >>> 0 });
        break;
      case 0xf5:
        this.settle();
        this.flags ^= CF;
        break;
      case 0xf6:
      case 0xf7:
        this.group3(op === 0xf6 ? 1 : osize);
        break;
      case 0xf8:
        this.setFlag(CF, false);
        break;
      case 0xf9:
        this.setFlag(CF, true);
        break;
      case 0xfa:
        if (this.pe && this.cpl > (this.flags & IOPL) >> 12) this.fault(GP, 0);
        this.flags &= ~IF;
        break;
      case 0xfb:
        if (this.pe && this.cpl > (this.flags & IOPL) >> 12) this.fault(GP, 0);
        if ((this.flags & IF) === 0) this.inhibit = this.slow = true;
        this.flags |= IF;
        this.intrPoll = true;
        break;
      case 0xfc:
        this.flags &= ~DF;
        break;
      case 0xfd:
        this.flags |= DF;
        break;
      case 0xfe: {
        this.modrm();
        const a = this.readRm8();
        if (this.reg === 0) this.writeRm8(this.inc(1, a));
        else if (this.reg === 1) this.writeRm8(this.dec(1, a));
        else this.ud();
        break;
      }
      case 0xff:
        this.group5(osize);
        break;
      default:
        this.ud();
    }
  }

  // ---------------------------------------------------------------- trace compiler glue

  /** Run the compiled trace at CS:EIP if it is hot, compiled (compiling it now if it just became
   * hot) and its longest iteration fits in the budget. False: interpret instead. */
  /** The interpreter just branched to CS:EIP: count the target's heat (hashed), and once it is hot
   * have execute() return so loop() runs (or compiles) the trace there. Cold branches stay in
   * execute()'s loop. */
  private branched(): void {
    const lin = (this.csBase + this.eip) | 0;
    const h = (lin ^ (lin >>> 16)) & 0xffff;
    if (this.heat[h] < this.jitHot) this.heat[h]++;
    else this.jitProbe = true;
  }

  private runTrace(end: number): boolean {
    if (this.paging) return false;
    const lin = (this.csBase + this.eip) | 0;
    const h = (lin ^ (lin >>> 16)) & 0xffff;
    if (this.heat[h] < this.jitHot) {
      // Reached by leaving a trace (interpreted branches count in branched()): count it here, or a
      // target whose only branches now run compiled would never become hot.
      this.heat[h]++;
      return false;
    }
    let t = this.traces.get(lin);
    if (
      t === undefined ||
      t.csBase !== this.csBase ||
      t.csLimit !== this.csLimit ||
      t.cs32 !== this.cs32 ||
      t.ss32 !== this.ss32
    ) {
      if (t !== undefined) this.killTrace(t);
      const made = this.compile();
      if (made === null) return false;
      t = made;
    }
    const fn = t.fn;
    if (fn === null || this.instructionCount + t.maxLen > end) return false;
    this.jitStats.entries++;
    this.jitActive = true;
    this.jitBreak = false;
    const before = this.instructionCount;
    try {
      fn(this, this.regs, end - before);
    } finally {
      this.jitActive = false;
      this.jitStats.instructions += this.instructionCount - before;
    }
    return true;
  }

  private compile(): Trace | null {
    let t: Trace;
    const lin = (this.csBase + this.eip) | 0;
    const interpretHere = (): Trace => {
      const none: Trace = {
        lin,
        csBase: this.csBase,
        csLimit: this.csLimit,
        cs32: this.cs32,
        ss32: this.ss32,
        fn: null,
        maxLen: 0,
        ranges: [],
        dead: false,
      };
      this.traces.set(lin, none);
      return none;
    };
    if ((this.traceKills.get(lin) ?? 0) >= JIT_MAX_KILLS) return interpretHere();
    try {
      t = compileTrace(
        this.codePeek,
        this.csBase,
        this.csLimit,
        this.cs32,
        this.ss32,
        this.eip,
        this.a20Mask,
      );
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
      }
    }
    return t;
  }

  private killTrace(t: Trace): void {
    if (t.dead) return;
    t.dead = true;
    if (this.traces.get(t.lin) === t) this.traces.delete(t.lin);
    this.jitStats.invalidated++;
    if (this.jitActive) this.jitBreak = true;
  }

  /** Physical bytes [a, a+len) of a code page were written: kill the traces compiled from them. */
  private codeWrite(a: number, len: number): void {
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
  private jitFlush(): void {
    if (this.traces.size === 0 && this.pageTraces.size === 0) return;
    for (const t of this.traces.values()) t.dead = true;
    if (this.jitActive) this.jitBreak = true;
    this.traces.clear();
    for (const p of this.pageTraces.keys()) this.codePages[p] = 0;
    this.pageTraces.clear();
    this.traceKills.clear();
    this.heat.fill(0);
    this.jitStats.flushes++;
  }

  private checkEip(): void {
    if (this.eip > this.segLimit[CS] && this.segLo[CS] === 0) this.fault(GP, 0);
  }

  private jumpRel(d: number): void {
    let t = (this.eip + d) | 0;
    if (!this.o32) t &= 0xffff;
    if (t >>> 0 > this.segHi[CS]) this.fault(GP, 0);
    this.eip = t >>> 0;
    if (this.jitOn) this.branched();
  }

  private aluRmReg(op: number, size: number): void {
    this.modrm();
    const a = this.readRm(size);
    const v = this.alu(op, size, a, this.getReg(size, this.reg));
    if (op !== 7) this.writeRm(size, v);
  }

  private aluRegRm(op: number, size: number): void {
    this.modrm();
    const b = this.readRm(size);
    const v = this.alu(op, size, this.getReg(size, this.reg), b);
    if (op !== 7) this.setReg(size, this.reg, v);
  }

  private popSeg(s: number): void {
    const v = this.o32 ? this.peekStack(4, 0) : this.peekStack(2, 0);
    this.loadSeg(s, v & 0xffff);
    this.setSp(this.regs[ESP] + (this.o32 ? 4 : 2));
  }

  private loadFarPtr(s: number): void {
    this.modrm();
    if (this.mod === 3) this.ud();
    const osize = this.o32 ? 4 : 2;
    const off = this.rdS(osize, this.eaSeg, this.eaOff);
    const sel = this.rd16(this.eaSeg, this.eaOff + osize);
    this.loadSeg(s, sel);
    this.setReg(osize, this.reg, off);
    if (s === SS) this.inhibit = this.slow = true;
  }

  private pusha(): void {
    const r = this.regs;
    const n = this.o32 ? 32 : 16;
    this.checkWrite(SS, (r[ESP] - n) & this.spMask(), n);
    const sp = r[ESP];
    for (let i = 0; i < 8; i++) {
      const v = i === ESP ? sp : r[i];
      if (this.o32) this.push32(v);
      else this.push16(v);
    }
  }

  private popa(): void {
    const r = this.regs;
    const sz = this.o32 ? 4 : 2;
    const vals = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 7; i >= 0; i--) vals[i] = this.peekStack(sz, (7 - i) * sz);
    for (let i = 0; i < 8; i++) if (i !== ESP) this.setReg(sz, i, vals[i]);
    this.setSp(r[ESP] + 8 * sz);
  }

  private bound(): void {
    this.modrm();
    if (this.mod === 3) this.ud();
    if (this.o32) {
      const idx = this.regs[this.reg];
      const lo = this.rd32(this.eaSeg, this.eaOff);
      const hi = this.rd32(this.eaSeg, this.eaOff + 4);
      if (idx < lo || idx > hi) this.fault(BR, -1);
    } else {
      const idx = (this.regs[this.reg] << 16) >> 16;
      const lo = (this.rd16(this.eaSeg, this.eaOff) << 16) >> 16;
      const hi = (this.rd16(this.eaSeg, this.eaOff + 2) << 16) >> 16;
      if (idx < lo || idx > hi) this.fault(BR, -1);
    }
  }

  private arpl(): void {
    if (!this.pe || this.flags & VM) this.ud();
    this.modrm();
    const dst = this.readRm16();
    const src = this.regs[this.reg] & 3;
    if ((dst & 3) < src) {
      this.writeRm16((dst & ~3) | src);
      this.setFlag(ZF, true);
    } else this.setFlag(ZF, false);
  }

  private enter(): void {
    const r = this.regs;
    const size = this.fetch16();
    const level = this.fetch8() & 31;
    const osz = this.o32 ? 4 : 2;
    const mask = this.spMask();
    let sp = r[ESP];
    let bp = r[EBP];
    // Compute everything first, then commit (faults leave state unchanged).
    sp = (sp - osz) & mask;
    this.wrS(osz, SS, sp, bp);
    const frame = sp;
    if (level > 0) {
      for (let i = 1; i < level; i++) {
        bp = (bp - osz) & mask;
        const v = this.rdS(osz, SS, bp);
        sp = (sp - osz) & mask;
        this.wrS(osz, SS, sp, v);
      }
      sp = (sp - osz) & mask;
      this.wrS(osz, SS, sp, frame);
    }
    sp = (sp - size) & mask;
    this.checkWrite(SS, sp, 1);
    this.setReg(osz, EBP, frame);
    this.setSp(sp);
  }

  /** @internal (TraceHost) */
  imul2(size: number, a: number, b: number): number {
    let r: number;
    let over: boolean;
    if (size === 4) {
      r = Math.imul(a, b);
      // The double product is exact below 2^53; beyond that it certainly overflowed 32 bits.
      over = (a | 0) * (b | 0) !== r;
    } else {
      const sa = (a << 16) >> 16;
      const sb = (b << 16) >> 16;
      const p = sa * sb;
      r = p & 0xffff;
      over = (r << 16) >> 16 !== p;
    }
    this.setResultFlags(r, size * 8 - 1, over ? CF | OF : 0);
    return r;
  }

  private mulLo = 0;
  private mulHi = 0;

  /** Unsigned 32x32 → 64 multiply into mulLo/mulHi without BigInt. */
  private mulU32(a: number, b: number): void {
    const al = a & 0xffff;
    const ah = a >>> 16;
    const bl = b & 0xffff;
    const bh = b >>> 16;
    const ll = al * bl;
    const lh = al * bh;
    const hl = ah * bl;
    const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
    this.mulLo = ((mid & 0xffff) << 16) | (ll & 0xffff);
    this.mulHi = (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
  }

  private group3(size: number): void {
    this.modrm();
    const r = this.regs;
    const op = this.reg;
    switch (op) {
      case 0:
      case 1: {
        const a = this.readRm(size);
        this.alu(4, size, a, this.fetchS(size));
        return;
      }
      case 2:
        this.writeRm(size, ~this.readRm(size));
        return;
      case 3: {
        const a = this.readRm(size);
        const v = this.alu(5, size, 0, a);
        this.writeRm(size, v);
        return;
      }
      case 4: {
        // MUL
        const a = this.readRm(size);
        if (size === 1) {
          const p = (r[EAX] & 0xff) * a;
          this.setReg(2, EAX, p);
          this.setResultFlags(p & 0xff, 7, p & 0xff00 ? CF | OF : 0);
        } else if (size === 2) {
          const p = (r[EAX] & 0xffff) * a;
          this.setReg(2, EAX, p);
          this.setReg(2, EDX, p >>> 16);
          this.setResultFlags(p & 0xffff, 15, p >>> 16 ? CF | OF : 0);
        } else {
          this.mulU32(r[EAX], a);
          r[EAX] = this.mulLo;
          r[EDX] = this.mulHi;
          this.setResultFlags(this.mulLo, 31, this.mulHi !== 0 ? CF | OF : 0);
        }
        return;
      }
      case 5: {
        // IMUL (one operand)
        const a = this.readRm(size);
        if (size === 1) {
          const p = ((r[EAX] << 24) >> 24) * ((a << 24) >> 24);
          this.setReg(2, EAX, p);
          this.setResultFlags(p & 0xff, 7, (p << 24) >> 24 !== p ? CF | OF : 0);
        } else if (size === 2) {
          const p = ((r[EAX] << 16) >> 16) * ((a << 16) >> 16);
          this.setReg(2, EAX, p);
          this.setReg(2, EDX, p >> 16);
          this.setResultFlags(p & 0xffff, 15, (p << 16) >> 16 !== p ? CF | OF : 0);
        } else {
          // Signed high half = unsigned high half - (a<0 ? b : 0) - (b<0 ? a : 0) (mod 2^32).
          const x = r[EAX] | 0;
          const y = a | 0;
          this.mulU32(x, y);
          let hi = this.mulHi;
          if (x < 0) hi = (hi - y) | 0;
          if (y < 0) hi = (hi - x) | 0;
          const lo = this.mulLo | 0;
          r[EAX] = lo;
          r[EDX] = hi;
          this.setResultFlags(lo, 31, hi !== lo >> 31 ? CF | OF : 0);
        }
        return;
      }
      case 6: {
        // DIV
        const d = this.readRm(size);
        if (d === 0) this.fault(DE, -1);
        if (size === 1) {
          const n = r[EAX] & 0xffff;
          const q = Math.floor(n / d);
          if (q > 0xff) this.fault(DE, -1);
          this.setReg(2, EAX, ((n % d) << 8) | q);
        } else if (size === 2) {
          const n = (((r[EDX] & 0xffff) << 16) | (r[EAX] & 0xffff)) >>> 0;
          const q = Math.floor(n / d);
          if (q > 0xffff) this.fault(DE, -1);
          this.setReg(2, EAX, q);
          this.setReg(2, EDX, n % d);
        } else {
          const dv = d >>> 0;
          const hi = r[EDX] >>> 0;
          if (hi === 0) {
            const n = r[EAX] >>> 0;
            r[EAX] = Math.floor(n / dv);
            r[EDX] = n % dv;
          } else {
            if (hi >= dv) this.fault(DE, -1);
            const n = (BigInt(hi) << 32n) | BigInt(r[EAX] >>> 0);
            const bd = BigInt(dv);
            r[EAX] = Number(n / bd);
            r[EDX] = Number(n % bd);
          }
        }
        return;
      }
      default: {
        // IDIV
        const d = this.readRm(size);
        if (d === 0) this.fault(DE, -1);
        if (size === 1) {
          const n = (r[EAX] << 16) >> 16;
          const sd = (d << 24) >> 24;
          const q = Math.trunc(n / sd);
          if (q > 127 || q < -128) this.fault(DE, -1);
          this.setReg(2, EAX, (((n % sd) & 0xff) << 8) | (q & 0xff));
        } else if (size === 2) {
          const n = ((r[EDX] & 0xffff) << 16) | (r[EAX] & 0xffff);
          const sd = (d << 16) >> 16;
          const q = Math.trunc(n / sd);
          if (q > 32767 || q < -32768) this.fault(DE, -1);
          this.setReg(2, EAX, q);
          this.setReg(2, EDX, n % sd);
        } else {
          const n = (BigInt(r[EDX] | 0) << 32n) | BigInt(r[EAX] >>> 0);
          const bd = BigInt(d | 0);
          const q = n / bd;
          if (q > 0x7fffffffn || q < -0x80000000n) this.fault(DE, -1);
          r[EAX] = Number(q);
          r[EDX] = Number(n % bd);
        }
        return;
      }
    }
  }

  private group5(osize: number): void {
    this.modrm();
    const r = this.regs;
    switch (this.reg) {
      case 0:
        this.writeRm(osize, this.inc(osize, this.readRm(osize)));
        return;
      case 1:
        this.writeRm(osize, this.dec(osize, this.readRm(osize)));
        return;
      case 2: {
        const t = this.readRm(osize);
        const target = this.o32 ? t >>> 0 : t & 0xffff;
        if (target > this.segLimit[CS]) this.fault(GP, 0);
        this.pushO(this.eip);
        this.eip = target;
        return;
      }
      case 3:
      case 5: {
        if (this.mod === 3) this.ud();
        const off = this.rdS(osize, this.eaSeg, this.eaOff);
        const sel = this.rd16(this.eaSeg, this.eaOff + osize);
        if (this.reg === 3) this.farCall(sel, off);
        else this.farJmp(sel, off);
        return;
      }
      case 4: {
        const t = this.readRm(osize);
        const target = this.o32 ? t >>> 0 : t & 0xffff;
        if (target > this.segLimit[CS]) this.fault(GP, 0);
        this.eip = target;
        return;
      }
      case 6: {
        const v = this.readRm(osize);
        this.pushO(v);
        return;
      }
      default:
        void r;
        this.ud();
    }
  }

  // ---------------------------------------------------------------- BCD

  private daa(): void {
    this.settle();
    const r = this.regs;
    const oldAl = r[EAX] & 0xff;
    const oldCf = this.flags & CF;
    let al = oldAl;
    let cf = 0;
    let af = 0;
    if ((al & 0xf) > 9 || this.flags & AF) {
      al = (al + 6) & 0xff;
      cf = oldCf || oldAl > 0xf9 ? 1 : 0;
      af = 1;
    }
    if (oldAl > 0x99 || oldCf) {
      al = (al + 0x60) & 0xff;
      cf = 1;
    }
    this.setReg8(0, al);
    this.setResultFlags(al, 7, (cf ? CF : 0) | (af ? AF : 0));
  }

  private das(): void {
    this.settle();
    const r = this.regs;
    const oldAl = r[EAX] & 0xff;
    const oldCf = this.flags & CF;
    let al = oldAl;
    let cf = 0;
    let af = 0;
    if ((al & 0xf) > 9 || this.flags & AF) {
      al = (al - 6) & 0xff;
      cf = oldCf || oldAl < 6 ? 1 : 0;
      af = 1;
    }
    if (oldAl > 0x99 || oldCf) {
      al = (al - 0x60) & 0xff;
      cf = 1;
    }
    this.setReg8(0, al);
    this.setResultFlags(al, 7, (cf ? CF : 0) | (af ? AF : 0));
  }

  /** AAA (dir 1) / AAS (dir -1). */
  private aaa(dir: number): void {
    this.settle();
    const r = this.regs;
    let ax = r[EAX] & 0xffff;
    if ((ax & 0xf) > 9 || this.flags & AF) {
      if (dir > 0) ax = (ax + 0x106) & 0xffff;
      else ax = (ax - 6 - 0x100) & 0xffff; // AX ← AX − 6 (borrow reaches AH), AH ← AH − 1 (SDM AAS)
      ax &= 0xff0f;
      this.setReg(2, EAX, ax);
      this.setResultFlags(ax & 0xff, 7, CF | AF);
    } else {
      ax &= 0xff0f;
      this.setReg(2, EAX, ax);
      this.setResultFlags(ax & 0xff, 7, 0);
    }
  }

  // ---------------------------------------------------------------- strings

  /** A long REP is split into chunks: re-execute the same instruction later (an interrupt window
   * opens in between, as on hardware), so no single step of run() is unbounded. */
  private repRestart(): void {
    this.eip = this.startEip;
  }

  private strSrcSeg(): number {
    return this.segOvr >= 0 ? this.segOvr : DS;
  }

  /** Number of iterations requested (ECX or CX) for a REP prefix. */
  private repCount(): number {
    return this.a32 ? this.regs[ECX] >>> 0 : this.regs[ECX] & 0xffff;
  }

  private setRepCount(n: number): void {
    if (this.a32) this.regs[ECX] = n;
    else this.regs[ECX] = (this.regs[ECX] & ~0xffff) | (n & 0xffff);
  }

  private idx(i: number): number {
    return this.a32 ? this.regs[i] : this.regs[i] & 0xffff;
  }

  private advance(i: number, delta: number): void {
    if (this.a32) this.regs[i] = this.regs[i] + delta;
    else this.regs[i] = (this.regs[i] & ~0xffff) | ((this.regs[i] + delta) & 0xffff);
  }

  private movs(size: number): void {
    const src = this.strSrcSeg();
    const delta = this.flags & DF ? -size : size;
    if (this.rep === 0) {
      const v = this.rdS(size, src, this.idx(ESI));
      this.wrS(size, ES, this.idx(EDI), v);
      this.advance(ESI, delta);
      this.advance(EDI, delta);
      return;
    }
    let n = this.repCount();
    let budget = REP_CHUNK;
    while (n > 0) {
      if (--budget < 0) {
        this.repRestart();
        return;
      }
      if (delta > 0 && n > 1) {
        const done = this.bulkMovs(size, src, n);
        if (done > 0) {
          n -= done;
          this.setRepCount(n);
          if (n === 0) break;
        }
      }
      const v = this.rdS(size, src, this.idx(ESI));
      this.wrS(size, ES, this.idx(EDI), v);
      this.advance(ESI, delta);
      this.advance(EDI, delta);
      n--;
      this.setRepCount(n);
    }
  }

  /** Bulk forward copy within one page on both sides when both are plain RAM. Returns the number of
   * elements copied (0 when the fast path does not apply). */
  private bulkMovs(size: number, src: number, n: number): number {
    const si = this.idx(ESI) >>> 0;
    const di = this.idx(EDI) >>> 0;
    const linS = (this.segBase[src] + si) | 0;
    const linD = (this.segBase[ES] + di) | 0;
    let count = n;
    const roomS = (0x1000 - (linS & 0xfff)) / size;
    const roomD = (0x1000 - (linD & 0xfff)) / size;
    count = Math.min(count, Math.floor(roomS), Math.floor(roomD));
    if (!this.a32)
      count = Math.min(count, Math.floor((0x10000 - si) / size), Math.floor((0x10000 - di) / size));
    if (count < 2) return 0;
    const bytes = count * size;
    // Segment checks for the whole run.
    if (si < this.segLo[src] || si + bytes - 1 > this.segHi[src]) return 0;
    if (di < this.segLo[ES] || di + bytes - 1 > this.segHi[ES] || this.segWritable[ES] === 0) return 0;
    let ps = linS;
    let pd = linD;
    if (this.paging) {
      ps = this.translate(linS, false);
      pd = this.translate(linD, true);
    }
    ps &= this.a20Mask;
    pd &= this.a20Mask;
    const pgS = ps >>> 12;
    const pgD = pd >>> 12;
    const bs = this.bufs[this.readIdx[pgS]];
    const bd = this.bufs[this.writeIdx[pgD]];
    if (bs === null || bd === null) return 0;
    const s0 = this.readOff[pgS] + (ps & 0xfff);
    const d0 = this.writeOff[pgD] + (pd & 0xfff);
    if (bs === bd) {
      if (d0 > s0 && d0 < s0 + bytes) return 0; // overlapping forward copy must replicate bytes
      bd.copyWithin(d0, s0, s0 + bytes);
    } else {
      // Different backing arrays (e.g. firmware ROM -> RAM, as SeaBIOS's relocation out of the
      // high BIOS alias does). Views of one ArrayBuffer may still overlap: compare absolute offsets.
      if (bs.buffer === bd.buffer) {
        const as = bs.byteOffset + s0;
        const ad = bd.byteOffset + d0;
        if (ad > as && ad < as + bytes) return 0;
      }
      for (let i = 0; i < bytes; i++) bd[d0 + i] = bs[s0 + i];
    }
    if (this.codePages[pgD] !== 0) this.codeWrite(pd, bytes);
    this.advance(ESI, bytes);
    this.advance(EDI, bytes);
    return count;
  }

  private stos(size: number): void {
    const delta = this.flags & DF ? -size : size;
    const v = this.getReg(size, EAX);
    if (this.rep === 0) {
      this.wrS(size, ES, this.idx(EDI), v);
      this.advance(EDI, delta);
      return;
    }
    let n = this.repCount();
    let budget = REP_CHUNK;
    while (n > 0) {
      if (--budget < 0) {
        this.repRestart();
        return;
      }
      if (delta > 0 && n > 1) {
        const done = this.bulkStos(size, v, n);
        if (done > 0) {
          n -= done;
          this.setRepCount(n);
          if (n === 0) break;
        }
      }
      this.wrS(size, ES, this.idx(EDI), v);
      this.advance(EDI, delta);
      n--;
      this.setRepCount(n);
    }
  }

  private bulkStos(size: number, v: number, n: number): number {
    const di = this.idx(EDI) >>> 0;
    const linD = (this.segBase[ES] + di) | 0;
    let count = Math.min(n, Math.floor((0x1000 - (linD & 0xfff)) / size));
    if (!this.a32) count = Math.min(count, Math.floor((0x10000 - di) / size));
    if (count < 2) return 0;
    const bytes = count * size;
    if (di < this.segLo[ES] || di + bytes - 1 > this.segHi[ES] || this.segWritable[ES] === 0) return 0;
    let pd = linD;
    if (this.paging) pd = this.translate(linD, true);
    pd &= this.a20Mask;
    const pg = pd >>> 12;
    const bd = this.bufs[this.writeIdx[pg]];
    if (bd === null) return 0;
    const d0 = this.writeOff[pg] + (pd & 0xfff);
    if (size === 1) bd.fill(v & 0xff, d0, d0 + bytes);
    else {
      const b0 = v & 0xff;
      const b1 = (v >> 8) & 0xff;
      if (size === 2 && b0 === b1) bd.fill(b0, d0, d0 + bytes);
      else if (size === 4 && v === ((b0 * 0x01010101) | 0)) bd.fill(b0, d0, d0 + bytes);
      else {
        for (let i = 0; i < bytes; i += size) {
          bd[d0 + i] = v;
          bd[d0 + i + 1] = v >> 8;
          if (size === 4) {
            bd[d0 + i + 2] = v >> 16;
            bd[d0 + i + 3] = v >> 24;
          }
        }
      }
    }
    if (this.codePages[pg] !== 0) this.codeWrite(pd, bytes);
    this.advance(EDI, bytes);
    return count;
  }

  private lods(size: number): void {
    const src = this.strSrcSeg();
    const delta = this.flags & DF ? -size : size;
    if (this.rep === 0) {
      this.setReg(size, EAX, this.rdS(size, src, this.idx(ESI)));
      this.advance(ESI, delta);
      return;
    }
    let n = this.repCount();
    let budget = REP_CHUNK;
    while (n > 0) {
      if (--budget < 0) {
        this.repRestart();
        return;
      }
      this.setReg(size, EAX, this.rdS(size, src, this.idx(ESI)));
      this.advance(ESI, delta);
      n--;
      this.setRepCount(n);
    }
  }

  private cmps(size: number): void {
    const src = this.strSrcSeg();
    const delta = this.flags & DF ? -size : size;
    if (this.rep === 0) {
      const a = this.rdS(size, src, this.idx(ESI));
      const b = this.rdS(size, ES, this.idx(EDI));
      this.alu(7, size, a, b);
      this.advance(ESI, delta);
      this.advance(EDI, delta);
      return;
    }
    let n = this.repCount();
    let budget = REP_CHUNK;
    while (n > 0) {
      if (--budget < 0) {
        this.repRestart();
        return;
      }
      const a = this.rdS(size, src, this.idx(ESI));
      const b = this.rdS(size, ES, this.idx(EDI));
      this.alu(7, size, a, b);
      this.advance(ESI, delta);
      this.advance(EDI, delta);
      n--;
      this.setRepCount(n);
      const z = this.getZF();
      if (this.rep === 1 ? !z : z) break;
    }
  }

  private scas(size: number): void {
    const delta = this.flags & DF ? -size : size;
    const a = this.getReg(size, EAX);
    if (this.rep === 0) {
      this.alu(7, size, a, this.rdS(size, ES, this.idx(EDI)));
      this.advance(EDI, delta);
      return;
    }
    let n = this.repCount();
    let budget = REP_CHUNK;
    while (n > 0) {
      if (--budget < 0) {
        this.repRestart();
        return;
      }
      this.alu(7, size, a, this.rdS(size, ES, this.idx(EDI)));
      this.advance(EDI, delta);
      n--;
      this.setRepCount(n);
      const z = this.getZF();
      if (this.rep === 1 ? !z : z) break;
    }
  }

  private ins(size: number): void {
    const delta = this.flags & DF ? -size : size;
    const port = this.regs[EDX] & 0xffff;
    let n = this.rep === 0 ? 1 : this.repCount();
    let budget = REP_CHUNK;
    while (n > 0) {
      if (--budget < 0) {
        this.repRestart();
        return;
      }
      this.checkWrite(ES, this.idx(EDI), size);
      const v = this.ioIn(size, port);
      this.wrS(size, ES, this.idx(EDI), v);
      this.advance(EDI, delta);
      n--;
      if (this.rep !== 0) this.setRepCount(n);
    }
  }

  private outs(size: number): void {
    const src = this.strSrcSeg();
    const delta = this.flags & DF ? -size : size;
    const port = this.regs[EDX] & 0xffff;
    let n = this.rep === 0 ? 1 : this.repCount();
    let budget = REP_CHUNK;
    while (n > 0) {
      if (--budget < 0) {
        this.repRestart();
        return;
      }
      const v = this.rdS(size, src, this.idx(ESI));
      this.ioOut(size, port, v);
      this.advance(ESI, delta);
      n--;
      if (this.rep !== 0) this.setRepCount(n);
    }
  }

  // ---------------------------------------------------------------- 0F map

  private execute0f(): void {
    const op = this.fetch8();
    const r = this.regs;
    const osize = this.o32 ? 4 : 2;
    if (op >= 0x80 && op <= 0x8f) {
      const d = this.o32 ? this.fetch32() : (this.fetch16() << 16) >> 16;
      if (this.cond(op & 15)) this.jumpRel(d);
      return;
    }
    if (op >= 0x90 && op <= 0x9f) {
      this.modrm();
      this.writeRm8(this.cond(op & 15) ? 1 : 0);
      return;
    }
    if (op >= 0x40 && op <= 0x4f) {
      // CMOVcc: the source is always read (a memory operand may fault even when not moved).
      this.modrm();
      const v = this.readRm(osize);
      if (this.cond(op & 15)) this.setReg(osize, this.reg, v);
      else if (osize === 4) this.setReg(4, this.reg, this.regs[this.reg]);
      return;
    }
    if (op >= 0xc8 && op <= 0xcf) {
      const v = r[op & 7];
      if (this.o32)
        r[op & 7] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff);
      else this.setReg(2, op & 7, 0); // BSWAP r16 is undefined; Intel and QEMU give 0.
      return;
    }
    switch (op) {
      case 0x00:
        this.group6();
        return;
      case 0x01:
        this.group7();
        return;
      case 0x02:
      case 0x03:
        this.larLsl(op === 0x02);
        return;
      case 0x06:
        if (this.cpl !== 0) this.fault(GP, 0);
        this.cr0 &= ~CR0_TS;
        return;
      case 0x08:
      case 0x09:
        if (this.cpl !== 0) this.fault(GP, 0);
        return;
      case 0x0b:
        this.ud();
        return;
      case 0x18:
      case 0x19:
      case 0x1a:
      case 0x1b:
      case 0x1c:
      case 0x1d:
      case 0x1e:
      case 0x1f:
        // Hint NOPs (0F 18 prefetch, 0F 1F nop r/m).
        this.modrm();
        return;
      case 0x20:
      case 0x21:
      case 0x22:
      case 0x23:
        this.movCrDr(op);
        return;
      case 0x30:
        this.wrmsr();
        return;
      case 0x31:
        if (this.cr4 & 4 && this.cpl !== 0) this.fault(GP, 0);
        {
          const t = this.readTsc();
          r[EAX] = Number(t & 0xffffffffn);
          r[EDX] = Number((t >> 32n) & 0xffffffffn);
        }
        return;
      case 0x32:
        this.rdmsr();
        return;
      case 0xa0:
        this.pushO(this.segSel[FS]);
        return;
      case 0xa1:
        this.popSeg(FS);
        return;
      case 0xa2:
        this.cpuid();
        return;
      case 0xa3:
      case 0xab:
      case 0xb3:
      case 0xbb:
        this.btReg(op);
        return;
      case 0xa4:
      case 0xa5:
      case 0xac:
      case 0xad: {
        this.modrm();
        const a = this.readRm(osize);
        const count = op & 1 ? r[ECX] & 0xff : this.fetch8();
        if ((count & 31) === 0) return;
        const src = this.getReg(osize, this.reg);
        const v = op < 0xa8 ? this.shld(osize, a, src, count) : this.shrd(osize, a, src, count);
        this.writeRm(osize, v);
        return;
      }
      case 0xa8:
        this.pushO(this.segSel[GS]);
        return;
      case 0xa9:
        this.popSeg(GS);
        return;
      case 0xaf: {
        this.modrm();
        const b = this.readRm(osize);
        this.setReg(osize, this.reg, this.imul2(osize, this.getReg(osize, this.reg), b));
        return;
      }
      case 0xb0:
      case 0xb1: {
        const size = op === 0xb0 ? 1 : osize;
        this.modrm();
        const dst = this.readRm(size);
        const acc = this.getReg(size, EAX);
        this.alu(7, size, acc, dst);
        if (acc === dst) this.writeRm(size, this.getReg(size, this.reg));
        else {
          this.writeRm(size, dst); // the destination is always written (SDM CMPXCHG)
          this.setReg(size, EAX, dst);
        }
        return;
      }
      case 0xb2:
        this.loadFarPtr(SS);
        return;
      case 0xb4:
        this.loadFarPtr(FS);
        return;
      case 0xb5:
        this.loadFarPtr(GS);
        return;
      case 0xb6:
        this.modrm();
        this.setReg(osize, this.reg, this.readRm8());
        return;
      case 0xb7:
        this.modrm();
        this.setReg(osize, this.reg, this.readRm16());
        return;
      case 0xba:
        this.btImm();
        return;
      case 0xbc:
      case 0xbd: {
        this.modrm();
        const v = this.readRm(osize);
        if (v === 0) {
          this.settle();
          this.flags |= ZF;
          return;
        }
        let i: number;
        if (op === 0xbc) i = 31 - Math.clz32(v & -v);
        else i = 31 - Math.clz32(v);
        this.setReg(osize, this.reg, i);
        this.settle();
        this.flags &= ~ZF;
        return;
      }
      case 0xbe:
        this.modrm();
        this.setReg(osize, this.reg, (this.readRm8() << 24) >> 24);
        return;
      case 0xbf:
        this.modrm();
        this.setReg(osize, this.reg, (this.readRm16() << 16) >> 16);
        return;
      case 0xc0:
      case 0xc1: {
        const size = op === 0xc0 ? 1 : osize;
        this.modrm();
        const dst = this.readRm(size);
        const src = this.getReg(size, this.reg);
        const sum = this.alu(0, size, dst, src);
        if (this.mod === 3) {
          this.setReg(size, this.reg, dst);
          this.setReg(size, this.rm, sum);
        } else {
          this.writeRm(size, sum);
          this.setReg(size, this.reg, dst);
        }
        return;
      }
      case 0xc7:
        this.cmpxchg8b();
        return;
      case 0xaa:
        // RSM outside SMM.
        this.ud();
        return;
      default:
        this.ud();
    }
  }

  private btReg(op: number): void {
    this.modrm();
    const osize = this.o32 ? 4 : 2;
    const bits = osize * 8;
    let bit = this.getReg(osize, this.reg);
    let v: number;
    if (this.mod === 3) {
      bit &= bits - 1;
      v = this.getReg(osize, this.rm);
    } else {
      // Register bit offsets address memory beyond the operand (signed).
      const sbit = osize === 4 ? bit | 0 : (bit << 16) >> 16;
      const disp = Math.floor(sbit / bits) * osize;
      this.eaOff = this.a32 ? (this.eaOff + disp) | 0 : (this.eaOff + disp) & 0xffff;
      bit = sbit & (bits - 1);
      v = this.rdS(osize, this.eaSeg, this.eaOff);
    }
    this.btApply(op === 0xa3 ? 0 : op === 0xab ? 1 : op === 0xb3 ? 2 : 3, osize, v, bit);
  }

  private btImm(): void {
    this.modrm();
    const osize = this.o32 ? 4 : 2;
    if (this.reg < 4) this.ud();
    const v = this.readRm(osize);
    const bit = this.fetch8() & (osize * 8 - 1);
    this.btApply(this.reg - 4, osize, v, bit);
  }

  /** kind 0 BT, 1 BTS, 2 BTR, 3 BTC. */
  private btApply(kind: number, osize: number, v: number, bit: number): void {
    const cf = (v >>> bit) & 1;
    this.settle();
    this.flags = (this.flags & ~CF) | cf;
    if (kind === 0) return;
    const m = 1 << bit;
    const nv = kind === 1 ? v | m : kind === 2 ? v & ~m : v ^ m;
    this.writeRm(osize, nv);
  }

  private cmpxchg8b(): void {
    this.modrm();
    if (this.mod === 3 || this.reg !== 1) this.ud();
    const r = this.regs;
    const lo = this.rd32(this.eaSeg, this.eaOff);
    const hi = this.rd32(this.eaSeg, this.eaOff + 4);
    this.checkWrite(this.eaSeg, this.eaOff, 8);
    if (lo === r[EAX] && hi === r[EDX]) {
      this.wr32(this.eaSeg, this.eaOff, r[EBX]);
      this.wr32(this.eaSeg, this.eaOff + 4, r[ECX]);
      this.setFlag(ZF, true);
    } else {
      this.wr32(this.eaSeg, this.eaOff, lo);
      this.wr32(this.eaSeg, this.eaOff + 4, hi);
      r[EAX] = lo;
      r[EDX] = hi;
      this.setFlag(ZF, false);
    }
  }

  private group6(): void {
    this.modrm();
    if (!this.pe || this.flags & VM) this.ud();
    switch (this.reg) {
      case 0:
        // SLDT
        if (this.mod === 3) this.setReg(this.o32 ? 4 : 2, this.rm, this.ldtrSel);
        else this.wr16(this.eaSeg, this.eaOff, this.ldtrSel);
        return;
      case 1:
        if (this.mod === 3) this.setReg(this.o32 ? 4 : 2, this.rm, this.trSel);
        else this.wr16(this.eaSeg, this.eaOff, this.trSel);
        return;
      case 2: {
        // LLDT
        if (this.cpl !== 0) this.fault(GP, 0);
        const sel = this.readRm16();
        if ((sel & 0xfffc) === 0) {
          this.ldtrSel = sel;
          this.ldtrAttr = 0;
          this.ldtrBase = 0;
          this.ldtrLimit = 0;
          return;
        }
        if (sel & 4) this.fault(GP, sel & 0xfffc);
        this.loadDescriptor(sel);
        const attr = this.descAttr();
        if ((attr & 0x1f) !== 0x02) this.fault(GP, sel & 0xfffc);
        if ((attr & 0x80) === 0) this.fault(NP, sel & 0xfffc);
        this.ldtrSel = sel;
        this.ldtrBase = this.descBase();
        this.ldtrLimit = this.descLimit();
        this.ldtrAttr = attr;
        return;
      }
      case 3: {
        // LTR
        if (this.cpl !== 0) this.fault(GP, 0);
        const sel = this.readRm16();
        if ((sel & 0xfffc) === 0 || sel & 4) this.fault(GP, sel & 0xfffc);
        const addr = this.loadDescriptor(sel);
        const attr = this.descAttr();
        const type = attr & 0x1f;
        if (type !== 0x01 && type !== 0x09) this.fault(GP, sel & 0xfffc);
        if ((attr & 0x80) === 0) this.fault(NP, sel & 0xfffc);
        // Mark busy.
        this.writeLinSys8(addr + 5, ((this.descHi >>> 8) & 0xff) | 2);
        this.trSel = sel;
        this.trBase = this.descBase();
        this.trLimit = this.descLimit();
        this.trAttr = attr | 2;
        return;
      }
      case 4:
      case 5: {
        // VERR / VERW
        const sel = this.readRm16();
        this.setFlag(ZF, this.verify(sel, this.reg === 5));
        return;
      }
      default:
        this.ud();
    }
  }

  /** Descriptor visible at CPL/RPL for LAR/LSL/VERR/VERW; loads descLo/descHi. */
  private probeDescriptor(sel: number): boolean {
    if ((sel & 0xfffc) === 0) return false;
    let base: number;
    let limit: number;
    if (sel & 4) {
      if ((this.ldtrSel & 0xfffc) === 0) return false;
      base = this.ldtrBase;
      limit = this.ldtrLimit;
    } else {
      base = this.gdtrBase;
      limit = this.gdtrLimit;
    }
    if ((sel | 7) > limit) return false;
    this.descLo = this.readLinSys32(base + (sel & ~7));
    this.descHi = this.readLinSys32(base + (sel & ~7) + 4);
    const attr = this.descAttr();
    const dpl = (attr >> 5) & 3;
    const conformingCode = (attr & 0x1c) === 0x1c;
    if (!conformingCode && (dpl < this.cpl || dpl < (sel & 3))) return false;
    return true;
  }

  private verify(sel: number, write: boolean): boolean {
    if (!this.probeDescriptor(sel)) return false;
    const attr = this.descAttr();
    if ((attr & 0x10) === 0) return false;
    if (write) return (attr & 0x1a) === 0x12;
    return (attr & 0x18) === 0x10 || (attr & 0x0a) === 0x0a;
  }

  private larLsl(lar: boolean): void {
    if (!this.pe || this.flags & VM) this.ud();
    this.modrm();
    const sel = this.readRm16();
    const osize = this.o32 ? 4 : 2;
    let ok = this.probeDescriptor(sel);
    if (ok) {
      const attr = this.descAttr();
      if ((attr & 0x10) === 0) {
        const t = attr & 0xf;
        // System types valid for LAR: LDT, TSS (avail/busy), call gate (LAR only), task gate (LAR).
        const valid = lar
          ? t === 1 || t === 2 || t === 3 || t === 4 || t === 5 || t === 9 || t === 0xb || t === 0xc
          : t === 1 || t === 2 || t === 3 || t === 9 || t === 0xb;
        if (!valid) ok = false;
      }
    }
    if (ok) {
      if (lar) this.setReg(osize, this.reg, this.descHi & 0x00f0ff00);
      else this.setReg(osize, this.reg, this.descLimit());
    }
    this.setFlag(ZF, ok);
  }

  private group7(): void {
    this.modrm();
    const op = this.reg;
    switch (op) {
      case 0:
      case 1: {
        // SGDT / SIDT
        if (this.mod === 3) this.ud();
        const limit = op === 0 ? this.gdtrLimit : this.idtrLimit;
        const base = op === 0 ? this.gdtrBase : this.idtrBase;
        this.checkWrite(this.eaSeg, this.eaOff, 6);
        this.wr16(this.eaSeg, this.eaOff, limit);
        // 16-bit operand size stores 24 bits of base and 0 in the top byte on a 486 (SDM SGDT).
        this.wr32(this.eaSeg, this.eaOff + 2, this.o32 ? base : base & 0xffffff);
        return;
      }
      case 2:
      case 3: {
        // LGDT / LIDT
        if (this.mod === 3) this.ud();
        if (this.pe && this.cpl !== 0) this.fault(GP, 0);
        const limit = this.rd16(this.eaSeg, this.eaOff);
        let base = this.rd32(this.eaSeg, this.eaOff + 2);
        if (!this.o32) base &= 0xffffff;
        if (op === 2) {
          this.gdtrBase = base;
          this.gdtrLimit = limit;
        } else {
          this.idtrBase = base;
          this.idtrLimit = limit;
        }
        return;
      }
      case 4:
        // SMSW
        if (this.mod === 3) this.setReg(this.o32 ? 4 : 2, this.rm, this.cr0);
        else this.wr16(this.eaSeg, this.eaOff, this.cr0);
        return;
      case 6: {
        // LMSW: sets PE (cannot clear it), MP, EM, TS.
        if (this.pe && this.cpl !== 0) this.fault(GP, 0);
        const v = this.readRm16();
        const nv = (this.cr0 & ~0xe) | (v & 0xf) | (this.cr0 & 1);
        this.writeCr0(nv);
        return;
      }
      case 7: {
        // INVLPG
        if (this.mod === 3) this.ud();
        if (this.pe && this.cpl !== 0) this.fault(GP, 0);
        const lin = (this.segBase[this.eaSeg] + this.eaOff) | 0;
        this.tlb[lin >>> 12] = 0;
        this.fetchHi = -1;
        return;
      }
      default:
        this.ud();
    }
  }

  private movCrDr(op: number): void {
    // MOV CR/DR ignores mod and always uses a 32-bit register: no displacement follows the ModRM
    // byte whatever mod says (SDM vol. 2 MOV—Move to/from Control Registers; QEMU's translate.c
    // reads the ModRM byte without an address for them too).
    const b = this.fetch8();
    this.mod = 3;
    this.reg = (b >> 3) & 7;
    this.rm = b & 7;
    if (this.pe && this.cpl !== 0) this.fault(GP, 0);
    const r = this.regs;
    const n = this.reg;
    if (op === 0x20) {
      let v: number;
      switch (n) {
        case 0:
          v = this.cr0;
          break;
        case 2:
          v = this.cr2;
          break;
        case 3:
          v = this.cr3;
          break;
        case 4:
          v = this.cr4;
          break;
        default:
          this.ud();
      }
      r[this.rm] = v;
    } else if (op === 0x22) {
      const v = r[this.rm];
      switch (n) {
        case 0:
          this.writeCr0(v);
          break;
        case 2:
          this.cr2 = v;
          break;
        case 3:
          this.cr3 = v & ~0xfe7;
          this.flushTlb();
          break;
        case 4:
          // Implemented CR4 bits: TSD (2), DE (3), PSE (4). Others (PAE, PGE, VME, ...) #GP.
          if (v & ~0x1c) this.fault(GP, 0);
          this.cr4 = v;
          this.flushTlb();
          break;
        default:
          this.ud();
      }
    } else if (op === 0x21) {
      const d = n === 4 ? 6 : n === 5 ? 7 : n;
      r[this.rm] = this.dr[d];
    } else {
      const d = n === 4 ? 6 : n === 5 ? 7 : n;
      this.dr[d] = r[this.rm];
    }
  }

  private writeCr0(v: number): void {
    if (v & CR0_PG && (v & CR0_PE) === 0) this.fault(GP, 0);
    const prev = this.cr0;
    this.cr0 = v | CR0_ET;
    const pe = (v & CR0_PE) !== 0;
    if (pe !== this.pe) {
      this.pe = pe;
      if (!pe) this.cpl = 0;
      else this.cpl = 0; // CPL is 0 when entering protected mode from real mode
      this.updateModes();
    }
    this.paging = pe && (v & CR0_PG) !== 0;
    if ((prev ^ v) & (CR0_PG | CR0_WP | CR0_PE)) this.flushTlb();
    this.fetchHi = -1;
    if (((prev ^ v) & (CR0_PE | CR0_PG)) !== 0 && this.listeners.length > 0)
      this.emit({ kind: 'mode-change', cr0: this.cr0 >>> 0, previous: prev >>> 0 });
  }

  // ---------------------------------------------------------------- CPUID / MSR / TSC

  private readTsc(): bigint {
    const src = this.model.tsc;
    const base = src === null ? BigInt(this.instructionCount) : tscValue(src());
    return BigInt.asUintN(64, base + this.tscOffset);
  }

  private cpuid(): void {
    const r = this.regs;
    const m = this.model;
    let leaf = r[EAX] >>> 0;
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    // Leaves above the maximum return the highest basic leaf (Intel SDM CPUID; QEMU cpu_x86_cpuid).
    if (leaf >= 0x80000000) {
      if (m.maxExtendedLeaf === 0 || leaf > m.maxExtendedLeaf) leaf = m.maxBasicLeaf;
    } else if (leaf > m.maxBasicLeaf) leaf = m.maxBasicLeaf;
    const v = m.vendor;
    const word = (i: number) =>
      v.charCodeAt(i) |
      (v.charCodeAt(i + 1) << 8) |
      (v.charCodeAt(i + 2) << 16) |
      (v.charCodeAt(i + 3) << 24);
    switch (leaf) {
      case 0:
        a = m.maxBasicLeaf;
        b = word(0);
        d = word(4);
        c = word(8);
        break;
      case 1:
        a = this.signature();
        b = (m.apicId & 0xff) << 24;
        c = m.featuresEcx;
        d = m.featuresEdx;
        break;
      case 0x80000000:
        a = m.maxExtendedLeaf;
        break;
      case 0x80000008:
        a = (m.physAddrBits & 0xff) | ((m.linearAddrBits & 0xff) << 8);
        break;
      default:
        break;
    }
    r[EAX] = a;
    r[EBX] = b;
    r[ECX] = c;
    r[EDX] = d;
  }

  private msrKnown(index: number): boolean {
    const f = this.model.featuresEdx;
    if (index === MSR_TSC) return (f & FEATURE_TSC) !== 0;
    if (index === MSR_APIC_BASE) return this.model.apic;
    if (index === MSR_MTRRCAP || isKnownMtrr(index)) return (f & FEATURE_MTRR) !== 0;
    return false;
  }

  private rdmsr(): void {
    if (this.cpl !== 0) this.fault(GP, 0);
    if ((this.model.featuresEdx & FEATURE_MSR) === 0) this.ud();
    const r = this.regs;
    const index = r[ECX] >>> 0;
    const known = this.msrKnown(index);
    if (!known) {
      if (this.listeners.length > 0) this.emit({ kind: 'msr', op: 'read', index, value: 0n, known: false });
      this.fault(GP, 0);
    }
    let v: bigint;
    if (index === MSR_TSC) v = this.readTsc();
    else if (index === MSR_MTRRCAP)
      v = 0x508n; // VCNT=8, FIX (bit 8), WC (bit 10) — QEMU MSR_MTRRcap_VCNT 8
    else if (index === MSR_APIC_BASE)
      v = this.msrs.get(index) ?? 0xfee00900n; // BSP, enabled
    else v = this.msrs.get(index) ?? 0n;
    r[EAX] = Number(v & 0xffffffffn);
    r[EDX] = Number((v >> 32n) & 0xffffffffn);
    if (this.listeners.length > 0) this.emit({ kind: 'msr', op: 'read', index, value: v, known: true });
  }

  private wrmsr(): void {
    if (this.cpl !== 0) this.fault(GP, 0);
    if ((this.model.featuresEdx & FEATURE_MSR) === 0) this.ud();
    const r = this.regs;
    const index = r[ECX] >>> 0;
    const value = (BigInt(r[EDX] >>> 0) << 32n) | BigInt(r[EAX] >>> 0);
    const known = this.msrKnown(index) && index !== MSR_MTRRCAP;
    if (this.listeners.length > 0) this.emit({ kind: 'msr', op: 'write', index, value, known });
    if (!known) this.fault(GP, 0);
    if (index === MSR_TSC) {
      const src = this.model.tsc;
      const base = src === null ? BigInt(this.instructionCount) : tscValue(src());
      this.tscOffset = value - base;
      return;
    }
    this.msrs.set(index, value);
  }
}

/** A TSC callback value as a bigint (non-integral or non-finite numbers are floored / zeroed). */
function tscValue(v: number | bigint): bigint {
  if (typeof v === 'bigint') return v;
  return Number.isFinite(v) ? BigInt(Math.floor(v)) : 0n;
}
