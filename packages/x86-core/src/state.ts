// x86 core: The CPU state
// Behavioural references (no code copied): Intel SDM vol. 3A table 9-1 (power-on state), QEMU
// target/i386/cpu.h (CPUX86State).

import type { IoBusApi, MemoryBusApi, PageTables } from '@vmkit/memory-bus';
import { FpuRegs } from './fpu-state.js';
import type { Trace } from './jit.js';
import type { CpuEvent, CpuEventListener, CpuModel, InterruptLine } from './types.js';

// Segment register numbers (ModRM sreg encoding).
export const ES = 0;
export const CS = 1;
export const SS = 2;
export const DS = 3;
export const FS = 4;
export const GS = 5;

export const EAX = 0;
export const ECX = 1;
export const EDX = 2;
export const EBX = 3;
export const ESP = 4;
export const EBP = 5;
export const ESI = 6;
export const EDI = 7;

// EFLAGS bits.
export const CF = 0x1;
export const PF = 0x4;
export const AF = 0x10;
export const ZF = 0x40;
export const SF = 0x80;
export const TF = 0x100;
export const IF = 0x200;
export const DF = 0x400;
export const OF = 0x800;
export const IOPL = 0x3000;
export const NT = 0x4000;
export const RF = 0x10000;
export const VM = 0x20000;
export const AC = 0x40000;
export const ID = 0x200000;
export const ARITH = CF | PF | AF | ZF | SF | OF;
/** Bits POPF/IRET may change at CPL 0 (VM only through the IRET to vm86, `vm86.ts`; no VIF/VIP:
 * no VME). */
export const EFLAGS_WRITABLE = CF | PF | AF | ZF | SF | TF | IF | DF | OF | IOPL | NT | AC | ID;
/** Segment cache attributes in virtual-8086 mode: present, DPL 3, read/write data, accessed (QEMU
 * load_seg_vm; the SDM's vm86 segments are 64 KiB, byte-granular, 16-bit). */
export const VM86_SEG_ATTR = 0xf3;

// Lazy flag producers.
export const LZ_ADD = 1;
export const LZ_SUB = 2;
export const LZ_LOGIC = 3;

// Exception vectors.
export const DE = 0;
export const DB = 1;
export const NMI = 2;
export const BP = 3;
export const OFV = 4;
export const BR = 5;
export const UD = 6;
export const NM = 7;
export const DF_V = 8;
export const TS = 10;
export const NP = 11;
export const SSF = 12;
export const GP = 13;
export const PFV = 14;

export const CR0_PE = 1;
export const CR0_MP = 2;
export const CR0_EM = 4;
export const CR0_TS = 8;
export const CR0_ET = 0x10;
export const CR0_WP = 0x10000;
export const CR0_PG = 0x80000000 | 0;
export const CR4_PSE = 0x10;
export const CR4_PGE = 0x80;

/** Thrown (a single preallocated object) to abort the current instruction with an exception. */
export const FAULT = { fault: true };

/** Default for CpuOptions.jitThreshold. Compiling a trace costs far more than its `new Function`
 * (~0.3 ms): V8 then compiles the generated function again with Maglev and TurboFan, on threads a
 * cold browser worker shares with its own run. At 4000, SeaBIOS's boot compiles 4 traces that
 * retire 86% of its 5.6 M instructions (at 1000: 11 traces, 88%), for ~110 ms less background
 * compilation per first page visit (docs/performance.md, "Thresholds and trace length"). */
export const JIT_HOT = 4000;
/** Writes that may kill the traces at one entry before the entry is left to the interpreter (code
 * that keeps rewriting itself, or data sharing bytes with hot code, would otherwise recompile
 * forever). Forgotten on a flush. */
export const JIT_MAX_KILLS = 16;

/** Most elements a REP string instruction processes per step (each retires as one instruction; the
 * step also stops at the end of run()'s budget): an interrupt window opens in between. */
export const REP_CHUNK = 65536;

export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let p = 1;
  for (let b = 0; b < 8; b++) if (i & (1 << b)) p ^= 1;
  PARITY[i] = p ? PF : 0;
}

// CPUID.1:EDX bits this core implements (Intel SDM vol. 2A table 3-11).
export const FEATURE_FPU = 1 << 0;
export const FEATURE_PSE = 1 << 3;
export const FEATURE_TSC = 1 << 4;
export const FEATURE_MSR = 1 << 5;
export const FEATURE_CX8 = 1 << 8;
export const FEATURE_APIC = 1 << 9;
export const FEATURE_SEP = 1 << 11;
export const FEATURE_MTRR = 1 << 12;
export const FEATURE_PGE = 1 << 13;
export const FEATURE_CMOV = 1 << 15;
export const FEATURE_PAT = 1 << 16;
export const IMPLEMENTED_EDX =
  FEATURE_FPU |
  FEATURE_PSE |
  FEATURE_TSC |
  FEATURE_MSR |
  FEATURE_CX8 |
  FEATURE_APIC |
  FEATURE_SEP |
  FEATURE_MTRR |
  FEATURE_PGE |
  FEATURE_CMOV |
  FEATURE_PAT;

/** Default model: QEMU's "qemu32" signature (target/i386/cpu.c builtin_x86_defs: family 6, model 6,
 * stepping 3, GenuineIntel) with only the features this core implements. */
export const DEFAULT_MODEL: CpuModel = {
  vendor: 'GenuineIntel',
  family: 6,
  model: 6,
  stepping: 3,
  featuresEdx:
    FEATURE_FPU |
    FEATURE_PSE |
    FEATURE_TSC |
    FEATURE_MSR |
    FEATURE_CX8 |
    FEATURE_SEP |
    FEATURE_MTRR |
    FEATURE_PGE |
    FEATURE_CMOV |
    FEATURE_PAT,
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
export const MSR_TSC = 0x10;
export const MSR_APIC_BASE = 0x1b;
/** IA32_PLATFORM_ID: read-only, platform ID in bits 52:50 (SDM vol. 4 table 2-2, P6 family on). */
export const MSR_PLATFORM_ID = 0x17;
/** IA32_BIOS_SIGN_ID: the microcode update signature (revision in bits 63:32). */
export const MSR_UCODE_REV = 0x8b;
export const MSR_MTRRCAP = 0xfe;
/** IA32_SYSENTER_CS / _ESP / _EIP (SDM vol. 4 table 2-2; SYSENTER/SYSEXIT, vol. 2B). */
export const MSR_SYSENTER_CS = 0x174;
export const MSR_SYSENTER_ESP = 0x175;
export const MSR_SYSENTER_EIP = 0x176;
/** IA32_PAT (SDM vol. 3A 11.12.2). */
export const MSR_PAT = 0x277;
/** IA32_PAT's power-on value: WB WT UC- UC, twice (SDM vol. 3A table 11-12). */
export const PAT_RESET = 0x0007040600070406n;
/** The microcode revision RDMSR 0x8B returns: QEMU's default `ucode-rev` for non-AMD vendors
 * (target/i386/cpu.c x86_cpu_realizefn: 0x100000000, i.e. revision 1 in bits 63:32). */
export const UCODE_REV = 0x1_0000_0000n;
export const MSR_MTRR_DEF_TYPE = 0x2ff;

export function isKnownMtrr(index: number): boolean {
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
  /** Taken branches to a target before its trace is compiled (default JIT_HOT, 4000; 1..65535). */
  jitThreshold?: number;
}

/** The CPU state: every architectural and bookkeeping field of the core, in one structure (one V8
 * shape), with the constructor and the fault primitive. Cross-layer calls are declared abstract
 * here. */
export abstract class CpuCore {
  readonly memory: MemoryBusApi;
  readonly io: IoBusApi;
  readonly model: CpuModel;
  protected intr: InterruptLine | null;
  protected pages: PageTables;
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

  protected ldtrSel = 0;
  protected ldtrBase = 0;
  protected ldtrLimit = 0xffff;
  protected ldtrAttr = 0x82;
  protected trSel = 0;
  protected trBase = 0;
  protected trLimit = 0xffff;
  protected trAttr = 0x8b;
  protected gdtrBase = 0;
  protected gdtrLimit = 0xffff;
  protected idtrBase = 0;
  protected idtrLimit = 0xffff;

  protected cr0 = 0;
  protected cr2 = 0;
  protected cr3 = 0;
  protected cr4 = 0;
  protected dr = new Int32Array(8);
  /** The x87 FPU's registers (fpu-state.ts; the instructions are in fpu*.ts). */
  protected readonly fpu = new FpuRegs();
  protected cpl = 0;
  protected pe = false;
  protected paging = false;
  /** CS default operand/address size is 32-bit. */
  protected cs32 = false;
  /** SS B bit: stack pointer is ESP. */
  protected ss32 = false;

  /** @internal (TraceHost) */
  a20Mask = -1;
  halted = false;
  protected nmiPending = false;
  protected nmiBlocked = false;
  protected inhibit = false;
  protected shutdownState = false;
  /** @internal (TraceHost) */
  stopRequested = false;
  instructionCount = 0;
  /** run()'s budget: the instruction count at which it returns, lowered by one per exception
   * delivered (so a handler that faults forever cannot keep run() from returning). */
  protected runEnd = 0;
  /** execute()'s `end`: REP string steps size their work by it (strings.ts repQuota). */
  protected execEnd = 0;
  protected tscOffset = 0n;
  protected msrs = new Map<number, bigint>();

  // Per-instruction decode state.
  /** @internal (TraceHost) */
  startEip = 0;
  /** @internal (TraceHost) */
  startEsp = 0;
  protected o32 = false;
  protected a32 = false;
  protected segOvr = -1;
  protected rep = 0;
  protected mod = 0;
  protected reg = 0;
  protected rm = 0;
  protected eaSeg = DS;
  protected eaOff = 0;

  // Pending exception (FAULT).
  protected excVector = 0;
  protected excCode = -1;
  /** walkTry() found a #PF (recorded in excVector/excCode/CR2). */
  protected walkFaulted = false;
  /** An interpreter handler recorded a #PF before changing anything (pageFaultFirst) and returned:
   * execute() delivers it instead of retiring the instruction. */
  protected faultPending = false;

  /** Copies of CS base/limit for the fetch path. */
  protected csBase = 0;
  protected csLimit = 0xffff;
  /** Number of breakpoints (avoids Set.size in the loop). */
  protected bpCount = 0;
  protected softIntTaken = false;
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
  protected fetchLo = 0;
  protected fetchHi = -1;
  protected fetchDelta = 0;
  protected fetchBuf: Uint8Array = new Uint8Array(4096);

  // TLB: per linear page, physical frame | bits (1 valid, 2 supervisor-write ok, 4 user-read ok,
  // 8 user-write ok). 0 = not cached.
  /** @internal (TraceHost) */
  readonly tlb = new Int32Array(1 << 20);
  protected tlbList = new Int32Array(4096);
  protected tlbCount = 0;

  // Debugging.
  protected listeners: CpuEventListener[] = [];
  protected breakpoints = new Set<number>();
  protected bpResume = -1;
  /** Exceptions delivered, by vector. */
  readonly exceptionCounts = new Float64Array(32);

  // Trace compiler (jit.ts): compiled traces by entry linear address, heat per hashed branch
  // target, and the code pages with the traces compiled from them (for invalidation on writes).
  protected jitOn = false;
  /** The interpreter branched to a hot target, or a trace just left: loop() looks for a trace at
   * the new EIP before interpreting on. */
  protected jitProbe = false;
  /** A store killed a trace while one was running: the running trace leaves after the store. */
  /** @internal (TraceHost) */
  jitBreak = false;
  protected jitActive = false;
  protected traces = new Map<number, Trace>();
  protected heat = new Uint16Array(0x10000);
  protected jitHot = JIT_HOT;
  /** @internal (TraceHost) */
  codePages = new Uint8Array(1 << 20);
  protected pageTraces = new Map<number, Trace[]>();
  /** Entry linear address → traces there killed by writes to their code. */
  protected traceKills = new Map<number, number>();
  /** Trace-compiler counters: traces compiled, trace entries, instructions retired in traces,
   * traces killed by writes to their code, whole-cache flushes. */
  readonly jitStats = { compiled: 0, entries: 0, instructions: 0, invalidated: 0, flushes: 0 };
  protected deliveryDepth = 0;

  /** Scratch: the descriptor loadDescriptor read (low/high dwords); mulU32's 64-bit product. */
  protected descLo = 0;
  protected descHi = 0;
  protected mulLo = 0;
  protected mulHi = 0;
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
    this.seedDoubleFields();
    this.reset();
  }

  /** Fields that hold full 32-bit values (EIP, the CS limit, the fetch window, counters and budgets
   * past 2^30, CR0/CR2) leave V8's small-integer range in ordinary guests (a flat 4 GiB CS limit, a
   * kernel above 3 GiB, CR0 = 60000010h at reset). A field's first such value changes the Cpu's
   * hidden class (Smi to double representation), which deoptimizes every compiled function that
   * touched the object, in the middle of a cold boot. Storing a double in each here first gives them
   * the double representation from the start; reset() (or the line after) stores the real values. */
  private seedDoubleFields(): void {
    const d = 2 ** 31;
    this.eip = this.startEip = this.csLimit = d;
    this.fetchLo = this.fetchHi = this.fetchDelta = d;
    this.instructionCount = this.execEnd = this.runEnd = this.cr0 = this.cr2 = d;
    this.instructionCount = this.execEnd = this.runEnd = this.cr2 = this.fetchLo = this.fetchDelta = 0;
  }

  // Implemented by the later layers (memory.ts … cpu.ts); declared here so every layer can call them.
  /** @internal */
  abstract alu(op: number, size: number, a: number, b: number): number;
  protected abstract branched(): void;
  protected abstract codeWrite(a: number, len: number): void;
  protected abstract ioIn(size: number, port: number): number;
  protected abstract ioOut(size: number, port: number, v: number): void;
  protected abstract jitFlush(): void;
  abstract reset(): void;
  protected abstract signature(): number;
  protected abstract switchToInnerStack(dpl: number): void;
  protected abstract ud(): never;
  protected abstract writeEflagsAt(v: number, sizeMask: number, cpl: number, iret?: boolean): void;

  protected emit(e: CpuEvent): void {
    for (const l of this.listeners) l(e);
  }

  fault(vector: number, code: number): never {
    this.excVector = vector;
    this.excCode = code;
    throw FAULT;
  }

  /** @internal (TraceHost) */
  segFault(s: number): never {
    if (s === SS) return this.fault(SSF, 0);
    return this.fault(GP, 0);
  }
}
