// Trace compiler: its contract with the CPU (the TraceHost interface and how generated code names
// each member). Split from jit.ts; see there for the design.

/** Reads one byte of code at a linear address for the compiler, or -1 if it is not plain memory. */
export type CodePeek = (linear: number) => number;

/**
 * What compiled code reads and calls on the CPU: the compiler's contract with cpu.ts. The Cpu is
 * passed to every trace as a TraceHost (so a field renamed there no longer satisfies it), and the
 * generated source names each member through HOST below (so a member renamed here fails to
 * compile until every template follows).
 */
export interface TraceHost {
  eip: number;
  instructionCount: number;
  /** Where a fault inside the trace is reported from (the faulting instruction's EIP and ESP). */
  startEip: number;
  startEsp: number;
  /** Non-lazy EFLAGS bits and the lazy flag record (cpu.ts flags section). */
  flags: number;
  lzOp: number;
  lzA: number;
  lzB: number;
  lzR: number;
  lzSign: number;
  lzMask: number;
  /** Leave the trace after the current instruction: a store killed a trace, a stop was requested,
   * the slow loop path is needed, or the interrupt line must be polled. */
  jitBreak: boolean;
  stopRequested: boolean;
  slow: boolean;
  intrPoll: boolean;
  /** Segment caches: valid offset range, base, writable. */
  readonly segLo: Uint32Array;
  readonly segHi: Uint32Array;
  readonly segBase: Int32Array;
  readonly segWritable: Uint8Array;
  /** The bus's page tables (memory-bus PageTables) and the per-page code map. */
  readonly bufs: (Uint8Array | null)[];
  readonly readIdx: Int32Array;
  readonly readOff: Int32Array;
  readonly writeIdx: Int32Array;
  readonly writeOff: Int32Array;
  readonly codePages: Uint8Array;
  readonly a20Mask: number;
  /** The backing array compiled code reaches directly, a DataView over it, and the direct table
   * (per physical page: 0, or the page's offset in `ram` | 1 readable | 2 writable) that
   * `directFill` fills (trace.ts). */
  readonly ram: Uint8Array;
  readonly ramView: DataView;
  readonly direct: Int32Array;
  directFill(p: number, off: number, bit: number): void;
  /** The TLB (memory.ts): per linear page, frame | permission bits (1 read, 2 supervisor write,
   * 4 user read, 8 user write); 0 = not cached. Compiled code with paging on looks up here and
   * takes the readLin/writeLin helpers (which walk the tables, fill it and raise #PF) on a miss. */
  readonly tlb: Int32Array;
  alu(op: number, size: number, a: number, b: number): number;
  shift(op: number, size: number, a: number, count: number): number;
  imul2(size: number, a: number, b: number): number;
  cond(cc: number): boolean;
  lazyCF(): number;
  setSp(v: number): void;
  fault(vector: number, code: number): never;
  segFault(s: number): never;
  readLin8(lin: number): number;
  readLin16(lin: number): number;
  readLin32(lin: number): number;
  writeLin8(lin: number, v: number): void;
  writeLin16(lin: number, v: number): void;
  writeLin32(lin: number, v: number): void;
  /** Paging on: a #PF the access would raise, found and left pending without a throw (memory.ts). */
  pfFirst(lin: number, size: number, write: boolean): boolean;
  /** MOV r32, CRn (n 0, 2, 3, 4; system.ts) and IRET with its operand size (far.ts). */
  movFromCr(n: number): number;
  jitIret(o32: boolean): void;
}

/** `c.<member>` for every TraceHost member: how generated code names the CPU's fields and helpers
 * (a mapped type, so adding, removing or renaming a member without updating this fails the build). */
export const HOST: { readonly [K in keyof TraceHost]: `c.${K}` } = {
  eip: 'c.eip',
  instructionCount: 'c.instructionCount',
  startEip: 'c.startEip',
  startEsp: 'c.startEsp',
  flags: 'c.flags',
  lzOp: 'c.lzOp',
  lzA: 'c.lzA',
  lzB: 'c.lzB',
  lzR: 'c.lzR',
  lzSign: 'c.lzSign',
  lzMask: 'c.lzMask',
  jitBreak: 'c.jitBreak',
  stopRequested: 'c.stopRequested',
  slow: 'c.slow',
  intrPoll: 'c.intrPoll',
  segLo: 'c.segLo',
  segHi: 'c.segHi',
  segBase: 'c.segBase',
  segWritable: 'c.segWritable',
  bufs: 'c.bufs',
  readIdx: 'c.readIdx',
  readOff: 'c.readOff',
  writeIdx: 'c.writeIdx',
  writeOff: 'c.writeOff',
  codePages: 'c.codePages',
  a20Mask: 'c.a20Mask',
  ram: 'c.ram',
  ramView: 'c.ramView',
  direct: 'c.direct',
  directFill: 'c.directFill',
  tlb: 'c.tlb',
  alu: 'c.alu',
  shift: 'c.shift',
  imul2: 'c.imul2',
  cond: 'c.cond',
  lazyCF: 'c.lazyCF',
  setSp: 'c.setSp',
  fault: 'c.fault',
  segFault: 'c.segFault',
  readLin8: 'c.readLin8',
  readLin16: 'c.readLin16',
  readLin32: 'c.readLin32',
  writeLin8: 'c.writeLin8',
  writeLin16: 'c.writeLin16',
  writeLin32: 'c.writeLin32',
  pfFirst: 'c.pfFirst',
  movFromCr: 'c.movFromCr',
  jitIret: 'c.jitIret',
};
