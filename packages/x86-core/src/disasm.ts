// A small Intel-syntax disassembler for the integer ISA this core executes (debugging aid): the
// shared decoder (decode.ts) reads the instruction and the opcode table's operand codes
// (opcodes.ts) give the text. Unknown encodings come out as `db 0x..` with length 1 (`db 0x0f,
// 0x..` for the 0F map).

import { Decoded, decodeInstruction } from './decode.js';
import {
  OPND_A,
  OPND_C,
  OPND_D,
  OPND_E,
  OPND_FIXED,
  OPND_G,
  OPND_I,
  OPND_J,
  OPND_M,
  OPND_O,
  OPND_R,
  OPND_S,
  OPND_Z,
  type Operand,
  OSIZE,
  PREFIX_KIND,
  PREFIX_LOCK,
  PREFIX_REP,
  PREFIX_REPNE,
  X87_MEM,
  x87RegText,
} from './opcodes.js';

export interface Disassembly {
  text: string;
  length: number;
}

const R8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const R16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const SREG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', '?', '?'];
const EA16 = ['bx+si', 'bx+di', 'bp+si', 'bp+di', 'si', 'di', 'bp', 'bx'];
const WIDTH: Record<number, string> = { 1: 'byte', 2: 'word', 4: 'dword' };

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

function signedDisp(v: number): string {
  return v < 0 ? `-${hex(-v)}` : `+${hex(v)}`;
}

/** Disassemble one instruction at `offset` of `bytes` in 16- or 32-bit code. */
export function disassemble(bytes: Uint8Array, offset: number, mode: 16 | 32): Disassembly {
  const d = new Decoded();
  const at = (pos: number): number => (pos >= 0 && pos < bytes.length ? (bytes[pos] as number) : -1);
  const first = offset < bytes.length ? (bytes[offset] as number) : 0;
  if (!decodeInstruction(d, at, offset, mode === 32)) return { text: `db ${hex(first)}`, length: 1 };
  const prefix = prefixText(bytes, offset, d.prefixes);
  const row = d.row;
  if (row === null) {
    if (d.op < 0x100) return { text: `db ${hex(first)}`, length: 1 };
    return { text: `${prefix}db 0x0f, ${hex(d.op & 0xff)}`, length: d.prefixes + 2 };
  }
  const ctx = new Text(d);
  let name = (row.byAddress ? d.a32 : d.o32) ? row.name32 : row.name16;
  let ops: string;
  if (name === 'esc') {
    // x87: the instruction's own name, or `esc` with the raw bytes for an undefined encoding.
    const reg = (d.modrm >> 3) & 7;
    const text = d.mod === 3 ? x87RegText(d.op, d.modrm) : X87_MEM[d.op - 0xd8]?.[reg];
    if (text) {
      const sp = text.indexOf(' ');
      const mem =
        d.mod === 3
          ? ''
          : text.endsWith('env') || text.endsWith('stor') || text.endsWith('save')
            ? ctx.mem()
            : `${text.slice(sp + 1)} ${ctx.mem()}`;
      name = d.mod === 3 || sp < 0 ? text : text.slice(0, sp);
      return { text: `${prefix}${name}${mem ? ` ${mem}` : ''}`, length: d.len };
    }
    ops = `${hex(d.op)}, ${d.mod === 3 ? hex(d.modrm) : ctx.mem()}`;
  } else
    ops = row.operands
      .map((o, i) => ctx.operand(o, i > 0 && row.operands[i - 1]?.kind === OPND_I))
      .join(', ');
  if (d.op === 0x90 && prefix === 'rep ') name = 'pause';
  return { text: `${prefix}${name}${ops ? ` ${ops}` : ''}`, length: d.len };
}

/** LOCK/REP prefixes in the order they appear. */
function prefixText(bytes: Uint8Array, offset: number, count: number): string {
  let s = '';
  for (let i = 0; i < count; i++) {
    const k = PREFIX_KIND[bytes[offset + i] as number];
    if (k === PREFIX_LOCK) s += 'lock ';
    else if (k === PREFIX_REPNE) s += 'repne ';
    else if (k === PREFIX_REP) s += 'rep ';
  }
  return s;
}

/** Operand text of a decoded instruction. */
class Text {
  constructor(private readonly d: Decoded) {}

  private size(o: Operand): number {
    return o.size === OSIZE ? this.d.osize : o.size;
  }

  private regName(size: number, i: number): string {
    return ((size === 1 ? R8 : size === 2 ? R16 : R32)[i] as string) ?? '?';
  }

  /** The memory operand `[seg:ea]`. */
  mem(): string {
    const d = this.d;
    let s: string;
    if (!d.a32) {
      if (d.base < 0) s = hex(d.disp);
      else {
        s = EA16[d.rm] as string;
        if (d.mod === 1) s += signedDisp(d.disp);
        else if (d.mod === 2) s += `+${hex(d.disp)}`;
      }
    } else {
      if (d.sib >= 0) {
        const parts = [d.base < 0 ? hex(d.disp) : (R32[d.base] as string)];
        const scale = 1 << d.scale;
        if (d.index >= 0) parts.push(scale > 1 ? `${R32[d.index]}*${scale}` : (R32[d.index] as string));
        s = parts.join('+');
      } else s = d.base < 0 ? hex(d.disp) : (R32[d.base] as string);
      if (d.mod === 1) s += signedDisp(d.disp);
      else if (d.mod === 2) s += `+${hex(d.disp)}`;
    }
    return `[${d.seg >= 0 ? `${SREG[d.seg]}:` : ''}${s}]`;
  }

  /** `second`: the instruction's second immediate (ENTER's level byte). */
  operand(o: Operand, second: boolean): string {
    const d = this.d;
    switch (o.kind) {
      case OPND_E: {
        const size = this.size(o);
        if (d.mod === 3) return this.regName(size, d.rm);
        return `${WIDTH[size]} ${this.mem()}`;
      }
      case OPND_M:
        return this.mem();
      case OPND_R:
        return R32[d.rm] as string;
      case OPND_G:
        return this.regName(this.size(o), d.reg);
      case OPND_S:
        return SREG[d.reg] as string;
      case OPND_C:
        return `cr${d.reg}`;
      case OPND_D:
        return `dr${d.reg}`;
      case OPND_I:
        return hex(second ? d.imm2 : d.imm);
      case OPND_J: {
        const target = d.len + d.imm;
        return d.imm >= 0 ? `$+${hex(target)}` : `$-${hex(-target)}`;
      }
      case OPND_O:
        return `[${d.seg >= 0 ? SREG[d.seg] : 'ds'}:${hex(d.imm)}]`;
      case OPND_A:
        return `${hex(d.imm2 & 0xffff)}:${hex(d.imm)}`;
      case OPND_Z:
        return this.regName(this.size(o), d.op & 7);
      case OPND_FIXED:
        return o.text === 'rAX' ? this.regName(d.osize, 0) : o.text;
      default:
        return '?';
    }
  }
}
