// The instruction decoder: prefixes, opcode, ModRM/SIB/displacement and immediates of one
// instruction, driven by the opcode table (opcodes.ts). Shared by the trace compiler (jit.ts), the
// disassembler (disasm.ts) and the interpreter's length test (test/decode-length.test.ts). The
// interpreter itself decodes inline as it executes (cpu.ts execute(): fetch-as-you-go is what
// keeps its hot loop fast); the length test holds the two to the same byte count for every opcode
// and prefix combination.

import {
  OPCODES,
  OPND_A,
  OPND_I,
  OPND_J,
  OPND_M,
  OPND_O,
  OPND_R,
  type OpRow,
  OSIZE,
  PREFIX_ADSIZE,
  PREFIX_KIND,
  PREFIX_LOCK,
  PREFIX_OPSIZE,
  PREFIX_REP,
  PREFIX_REPNE,
  PREFIX_SEG,
  prefixSegment,
  SBYTE,
} from './opcodes.js';

const DS = 3;
const SS = 2;

/** Reads the byte at an instruction offset (EIP), or -1 when it cannot be read. */
export type ByteAt = (pos: number) => number;

/** One decoded instruction. Reused: decodeInstruction overwrites every field. */
export class Decoded {
  /** Offset (EIP) of the first prefix byte and of the next instruction. */
  eip = 0;
  next = 0;
  /** Bytes, prefixes included. */
  len = 0;
  /** Opcode: 0x00–0xFF, or 0x100 | second byte for the 0F map. */
  op = 0;
  o32 = false;
  a32 = false;
  /** Segment override (0–5) or -1. */
  seg = -1;
  /** 0 none, 1 REP/REPE (F3), 2 REPNE (F2). */
  rep = 0;
  lock = false;
  prefixes = 0;
  /** The table row (after group selection); null for an undefined encoding (#UD). */
  row: OpRow | null = null;
  hasModrm = false;
  modrm = 0;
  mod = 3;
  reg = 0;
  rm = 0;
  /** SIB byte or -1. */
  sib = -1;
  /** Effective address: base and index register (-1 none), scale shift, displacement as the
   * address computation adds it (16-bit: a disp16 unsigned, a disp8 sign-extended), and the
   * segment (the override, else DS or SS by the base register). */
  base = -1;
  index = -1;
  scale = 0;
  disp = 0;
  eaSeg = DS;
  /** Immediates in operand order (I, J, O, A); branch offsets and `Is` bytes sign-extended. */
  imm = 0;
  imm2 = 0;
  /** A byte could not be read (end of buffer, CS limit, not plain memory). */
  bad = false;
  /** The operation size in bytes (osize for v/z operands). */
  get osize(): number {
    return this.o32 ? 4 : 2;
  }
}

// 16-bit effective addresses by r/m: base, index (SDM vol. 2 table 2-1).
const EA16_BASE = [3, 3, 5, 5, 6, 7, 5, 3];
const EA16_INDEX = [6, 7, 6, 7, -1, -1, -1, -1];

/**
 * Decodes the instruction at offset `eip` in code of default size `cs32`. Returns false when a
 * byte could not be read (`d.bad`); an undefined encoding returns true with `d.row === null` (the
 * length then covers the prefixes, the opcode and, for a group, its ModRM byte).
 */
export function decodeInstruction(d: Decoded, at: ByteAt, eip: number, cs32: boolean): boolean {
  let pos = eip;
  d.bad = false;
  const byte = (): number => {
    const b = at(pos);
    if (b < 0) {
      d.bad = true;
      return 0;
    }
    pos++;
    return b;
  };
  d.eip = eip;
  d.o32 = cs32;
  d.a32 = cs32;
  d.seg = -1;
  d.rep = 0;
  d.lock = false;
  d.prefixes = 0;
  d.hasModrm = false;
  d.modrm = 0;
  d.mod = 3;
  d.reg = 0;
  d.rm = 0;
  d.sib = -1;
  d.base = -1;
  d.index = -1;
  d.scale = 0;
  d.disp = 0;
  d.eaSeg = DS;
  d.imm = 0;
  d.imm2 = 0;
  let op = byte();
  for (;;) {
    const kind = PREFIX_KIND[op];
    if (kind === 0 || d.bad) break;
    if (kind === PREFIX_SEG) d.seg = prefixSegment(op);
    else if (kind === PREFIX_OPSIZE) d.o32 = !cs32;
    else if (kind === PREFIX_ADSIZE) d.a32 = !cs32;
    else if (kind === PREFIX_LOCK) d.lock = true;
    else if (kind === PREFIX_REPNE) d.rep = 2;
    else if (kind === PREFIX_REP) d.rep = 1;
    d.prefixes++;
    op = byte();
  }
  if (op === 0x0f) op = 0x100 | byte();
  d.op = op;
  let row = OPCODES[op] ?? null;
  if (row?.modrm) {
    const m = byte();
    d.hasModrm = true;
    d.modrm = m;
    d.mod = m >> 6;
    d.reg = (m >> 3) & 7;
    d.rm = m & 7;
    if (row.group !== null) row = row.group[d.reg] ?? null;
    if (row !== null) row = operandsFit(row, d.mod);
    if (row !== null && d.mod !== 3 && !row.operands.some((o) => o.kind === OPND_R)) {
      if (d.a32) ea32(d, byte);
      else ea16(d, byte);
    }
  }
  d.row = row;
  if (row !== null) immediates(d, row, byte);
  d.next = pos;
  d.len = pos - eip;
  return !d.bad;
}

/** A memory-only operand (M) with mod 3 is #UD. */
function operandsFit(row: OpRow, mod: number): OpRow | null {
  if (mod === 3 && row.operands.some((o) => o.kind === OPND_M)) return null;
  return row;
}

function ea16(d: Decoded, byte: () => number): void {
  const rm = d.rm;
  let seg = rm === 2 || rm === 3 ? SS : DS;
  let base = EA16_BASE[rm] as number;
  let disp = 0;
  if (rm === 6) {
    if (d.mod === 0) {
      base = -1;
      disp = byte() | (byte() << 8);
    } else seg = SS;
  }
  if (d.mod === 1) disp += (byte() << 24) >> 24;
  else if (d.mod === 2) disp += byte() | (byte() << 8);
  d.base = base;
  d.index = EA16_INDEX[rm] as number;
  d.disp = disp;
  d.eaSeg = d.seg >= 0 ? d.seg : seg;
}

function ea32(d: Decoded, byte: () => number): void {
  const dword = (): number => byte() | (byte() << 8) | (byte() << 16) | (byte() << 24);
  let seg = DS;
  let disp = 0;
  if (d.rm === 4) {
    const sib = byte();
    d.sib = sib;
    d.scale = sib >> 6;
    const index = (sib >> 3) & 7;
    const base = sib & 7;
    d.index = index === 4 ? -1 : index;
    if (base === 5 && d.mod === 0) disp = dword();
    else {
      d.base = base;
      if (base === 4 || base === 5) seg = SS;
    }
  } else if (d.rm === 5 && d.mod === 0) {
    disp = dword();
  } else {
    d.base = d.rm;
    if (d.rm === 5) seg = SS;
  }
  if (d.mod === 1) disp += (byte() << 24) >> 24;
  else if (d.mod === 2) disp += dword();
  d.disp = disp | 0;
  d.eaSeg = d.seg >= 0 ? d.seg : seg;
}

function immediates(d: Decoded, row: OpRow, byte: () => number): void {
  let n = 0;
  for (const o of row.operands) {
    const k = o.kind;
    if (k !== OPND_I && k !== OPND_J && k !== OPND_O && k !== OPND_A) continue;
    let v: number;
    if (k === OPND_O) v = read(d.a32 ? 4 : 2, byte);
    else if (k === OPND_A) {
      d.imm = read(d.osize, byte);
      d.imm2 = read(2, byte);
      return;
    } else if (o.size === SBYTE || (k === OPND_J && o.size === 1)) v = (byte() << 24) >> 24;
    else if (k === OPND_J) v = d.o32 ? read(4, byte) : (read(2, byte) << 16) >> 16;
    else v = read(o.size === OSIZE ? d.osize : o.size, byte);
    if (n++ === 0) d.imm = v;
    else d.imm2 = v;
  }
}

function read(size: number, byte: () => number): number {
  if (size === 1) return byte();
  if (size === 2) return byte() | (byte() << 8);
  return byte() | (byte() << 8) | (byte() << 16) | (byte() << 24);
}

/** The operand size in bytes of an operand of `row` (E/G/I… with b/w/d/v/z). */
export function operandBytes(size: number, d: Decoded): number {
  return size === OSIZE ? d.osize : size === SBYTE ? 1 : size;
}
