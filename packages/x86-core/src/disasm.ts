// A small Intel-syntax disassembler for the integer ISA this core executes (debugging aid).
// Unknown encodings come out as `db 0x..` with length 1.

export interface Disassembly {
  text: string;
  length: number;
}

const R8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const R16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const SREG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', '?', '?'];
const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const SHIFT = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const EA16 = ['bx+si', 'bx+di', 'bp+si', 'bp+di', 'si', 'di', 'bp', 'bx'];

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }
  u8(): number {
    if (this.pos >= this.bytes.length) throw new RangeError('truncated');
    return this.bytes[this.pos++];
  }
  u16(): number {
    return this.u8() | (this.u8() << 8);
  }
  u32(): number {
    return (this.u16() | (this.u16() << 16)) >>> 0;
  }
  s8(): number {
    return (this.u8() << 24) >> 24;
  }
}

/** Disassemble one instruction at `offset` of `bytes` in 16- or 32-bit code. */
export function disassemble(bytes: Uint8Array, offset: number, mode: 16 | 32): Disassembly {
  try {
    return decode(bytes, offset, mode);
  } catch {
    const b = offset < bytes.length ? bytes[offset] : 0;
    return { text: `db ${hex(b)}`, length: 1 };
  }
}

function decode(bytes: Uint8Array, offset: number, mode: 16 | 32): Disassembly {
  const rd = new Reader(bytes, offset);
  let o32 = mode === 32;
  let a32 = mode === 32;
  let seg = '';
  let prefix = '';
  let op = rd.u8();
  for (;;) {
    if (op === 0x66) o32 = mode !== 32;
    else if (op === 0x67) a32 = mode !== 32;
    else if (op === 0x26 || op === 0x2e || op === 0x36 || op === 0x3e) seg = SREG[(op >> 3) & 3];
    else if (op === 0x64) seg = 'fs';
    else if (op === 0x65) seg = 'gs';
    else if (op === 0xf0) prefix += 'lock ';
    else if (op === 0xf2) prefix += 'repne ';
    else if (op === 0xf3) prefix += 'rep ';
    else break;
    op = rd.u8();
  }
  const osz = o32 ? 4 : 2;
  const RV = o32 ? R32 : R16;
  let modrmByte = -1;
  let memText = '';
  const modrm = (): void => {
    modrmByte = rd.u8();
    const mod = modrmByte >> 6;
    const rm = modrmByte & 7;
    if (mod === 3) return;
    let s: string;
    if (!a32) {
      if (mod === 0 && rm === 6) s = hex(rd.u16());
      else {
        s = EA16[rm];
        if (mod === 1) {
          const d = rd.s8();
          s += d < 0 ? `-${hex(-d)}` : `+${hex(d)}`;
        } else if (mod === 2) s += `+${hex(rd.u16())}`;
      }
    } else {
      if (rm === 4) {
        const sib = rd.u8();
        const base = sib & 7;
        const index = (sib >> 3) & 7;
        const scale = 1 << (sib >> 6);
        const parts: string[] = [];
        if (base === 5 && mod === 0) parts.push(hex(rd.u32()));
        else parts.push(R32[base]);
        if (index !== 4) parts.push(scale > 1 ? `${R32[index]}*${scale}` : R32[index]);
        s = parts.join('+');
      } else if (rm === 5 && mod === 0) s = hex(rd.u32());
      else s = R32[rm];
      if (mod === 1) {
        const d = rd.s8();
        s += d < 0 ? `-${hex(-d)}` : `+${hex(d)}`;
      } else if (mod === 2) s += `+${hex(rd.u32())}`;
    }
    memText = `[${seg ? `${seg}:` : ''}${s}]`;
  };
  const reg = () => (modrmByte >> 3) & 7;
  const rmText = (size: number): string => {
    if (modrmByte >> 6 === 3) {
      const rm = modrmByte & 7;
      return size === 1 ? R8[rm] : size === 2 ? R16[rm] : R32[rm];
    }
    const w = size === 1 ? 'byte' : size === 2 ? 'word' : 'dword';
    return `${w} ${memText}`;
  };
  const imm = (size: number): string => hex(size === 1 ? rd.u8() : size === 2 ? rd.u16() : rd.u32());
  const rel = (size: number): string => {
    const d = size === 1 ? rd.s8() : size === 2 ? (rd.u16() << 16) >> 16 : rd.u32() | 0;
    const target = rd.pos - offset + d;
    return d >= 0 ? `$+${hex(target)}` : `$-${hex(-target)}`;
  };
  const done = (t: string): Disassembly => ({ text: prefix + t, length: rd.pos - offset });

  if (op < 0x40 && (op & 7) < 6) {
    const name = ALU[op >> 3];
    switch (op & 7) {
      case 0:
        modrm();
        return done(`${name} ${rmText(1)}, ${R8[reg()]}`);
      case 1:
        modrm();
        return done(`${name} ${rmText(osz)}, ${RV[reg()]}`);
      case 2:
        modrm();
        return done(`${name} ${R8[reg()]}, ${rmText(1)}`);
      case 3:
        modrm();
        return done(`${name} ${RV[reg()]}, ${rmText(osz)}`);
      case 4:
        return done(`${name} al, ${imm(1)}`);
      default:
        return done(`${name} ${RV[0]}, ${imm(osz)}`);
    }
  }
  if (op >= 0x40 && op < 0x60) {
    const n = ['inc', 'dec', 'push', 'pop'][(op - 0x40) >> 3];
    return done(`${n} ${RV[op & 7]}`);
  }
  if (op >= 0x70 && op < 0x80) return done(`j${CC[op & 15]} ${rel(1)}`);
  if (op >= 0x91 && op < 0x98) return done(`xchg ${RV[0]}, ${RV[op & 7]}`);
  if (op >= 0xb0 && op < 0xb8) return done(`mov ${R8[op & 7]}, ${imm(1)}`);
  if (op >= 0xb8 && op < 0xc0) return done(`mov ${RV[op & 7]}, ${imm(osz)}`);
  switch (op) {
    case 0x06:
    case 0x0e:
    case 0x16:
    case 0x1e:
      return done(`push ${SREG[op >> 3]}`);
    case 0x07:
    case 0x17:
    case 0x1f:
      return done(`pop ${SREG[op >> 3]}`);
    case 0x27:
      return done('daa');
    case 0x2f:
      return done('das');
    case 0x37:
      return done('aaa');
    case 0x3f:
      return done('aas');
    case 0x60:
      return done(o32 ? 'pushad' : 'pusha');
    case 0x61:
      return done(o32 ? 'popad' : 'popa');
    case 0x62:
      modrm();
      return done(`bound ${RV[reg()]}, ${memText}`);
    case 0x63:
      modrm();
      return done(`arpl ${rmText(2)}, ${R16[reg()]}`);
    case 0x68:
      return done(`push ${imm(osz)}`);
    case 0x69:
      modrm();
      return done(`imul ${RV[reg()]}, ${rmText(osz)}, ${imm(osz)}`);
    case 0x6a:
      return done(`push ${hex(rd.s8())}`);
    case 0x6b:
      modrm();
      return done(`imul ${RV[reg()]}, ${rmText(osz)}, ${hex(rd.s8())}`);
    case 0x6c:
      return done('insb');
    case 0x6d:
      return done(o32 ? 'insd' : 'insw');
    case 0x6e:
      return done('outsb');
    case 0x6f:
      return done(o32 ? 'outsd' : 'outsw');
    case 0x80:
    case 0x82:
      modrm();
      return done(`${ALU[reg()]} ${rmText(1)}, ${imm(1)}`);
    case 0x81:
      modrm();
      return done(`${ALU[reg()]} ${rmText(osz)}, ${imm(osz)}`);
    case 0x83:
      modrm();
      return done(`${ALU[reg()]} ${rmText(osz)}, ${hex(rd.s8())}`);
    case 0x84:
      modrm();
      return done(`test ${rmText(1)}, ${R8[reg()]}`);
    case 0x85:
      modrm();
      return done(`test ${rmText(osz)}, ${RV[reg()]}`);
    case 0x86:
      modrm();
      return done(`xchg ${rmText(1)}, ${R8[reg()]}`);
    case 0x87:
      modrm();
      return done(`xchg ${rmText(osz)}, ${RV[reg()]}`);
    case 0x88:
      modrm();
      return done(`mov ${rmText(1)}, ${R8[reg()]}`);
    case 0x89:
      modrm();
      return done(`mov ${rmText(osz)}, ${RV[reg()]}`);
    case 0x8a:
      modrm();
      return done(`mov ${R8[reg()]}, ${rmText(1)}`);
    case 0x8b:
      modrm();
      return done(`mov ${RV[reg()]}, ${rmText(osz)}`);
    case 0x8c:
      modrm();
      return done(`mov ${rmText(2)}, ${SREG[reg()]}`);
    case 0x8d:
      modrm();
      return done(`lea ${RV[reg()]}, ${memText}`);
    case 0x8e:
      modrm();
      return done(`mov ${SREG[reg()]}, ${rmText(2)}`);
    case 0x8f:
      modrm();
      return done(`pop ${rmText(osz)}`);
    case 0x90:
      return done(prefix === 'rep ' ? 'pause' : 'nop');
    case 0x98:
      return done(o32 ? 'cwde' : 'cbw');
    case 0x99:
      return done(o32 ? 'cdq' : 'cwd');
    case 0x9a: {
      const o = imm(osz);
      return done(`call far ${hex(rd.u16())}:${o}`);
    }
    case 0x9b:
      return done('wait');
    case 0x9c:
      return done(o32 ? 'pushfd' : 'pushf');
    case 0x9d:
      return done(o32 ? 'popfd' : 'popf');
    case 0x9e:
      return done('sahf');
    case 0x9f:
      return done('lahf');
    case 0xa0:
    case 0xa1:
    case 0xa2:
    case 0xa3: {
      const m = `[${seg || 'ds'}:${hex(a32 ? rd.u32() : rd.u16())}]`;
      const r = op & 1 ? RV[0] : 'al';
      return done(op < 0xa2 ? `mov ${r}, ${m}` : `mov ${m}, ${r}`);
    }
    case 0xa4:
      return done('movsb');
    case 0xa5:
      return done(o32 ? 'movsd' : 'movsw');
    case 0xa6:
      return done('cmpsb');
    case 0xa7:
      return done(o32 ? 'cmpsd' : 'cmpsw');
    case 0xa8:
      return done(`test al, ${imm(1)}`);
    case 0xa9:
      return done(`test ${RV[0]}, ${imm(osz)}`);
    case 0xaa:
      return done('stosb');
    case 0xab:
      return done(o32 ? 'stosd' : 'stosw');
    case 0xac:
      return done('lodsb');
    case 0xad:
      return done(o32 ? 'lodsd' : 'lodsw');
    case 0xae:
      return done('scasb');
    case 0xaf:
      return done(o32 ? 'scasd' : 'scasw');
    case 0xc0:
    case 0xc1:
      modrm();
      return done(`${SHIFT[reg()]} ${rmText(op & 1 ? osz : 1)}, ${imm(1)}`);
    case 0xc2:
      return done(`ret ${imm(2)}`);
    case 0xc3:
      return done('ret');
    case 0xc4:
      modrm();
      return done(`les ${RV[reg()]}, ${memText}`);
    case 0xc5:
      modrm();
      return done(`lds ${RV[reg()]}, ${memText}`);
    case 0xc6:
      modrm();
      return done(`mov ${rmText(1)}, ${imm(1)}`);
    case 0xc7:
      modrm();
      return done(`mov ${rmText(osz)}, ${imm(osz)}`);
    case 0xc8: {
      const a = imm(2);
      return done(`enter ${a}, ${imm(1)}`);
    }
    case 0xc9:
      return done('leave');
    case 0xca:
      return done(`retf ${imm(2)}`);
    case 0xcb:
      return done('retf');
    case 0xcc:
      return done('int3');
    case 0xcd:
      return done(`int ${imm(1)}`);
    case 0xce:
      return done('into');
    case 0xcf:
      return done(o32 ? 'iretd' : 'iret');
    case 0xd0:
    case 0xd1:
      modrm();
      return done(`${SHIFT[reg()]} ${rmText(op & 1 ? osz : 1)}, 1`);
    case 0xd2:
    case 0xd3:
      modrm();
      return done(`${SHIFT[reg()]} ${rmText(op & 1 ? osz : 1)}, cl`);
    case 0xd4:
      return done(`aam ${imm(1)}`);
    case 0xd5:
      return done(`aad ${imm(1)}`);
    case 0xd6:
      return done('salc');
    case 0xd7:
      return done('xlatb');
    case 0xe0:
      return done(`loopne ${rel(1)}`);
    case 0xe1:
      return done(`loope ${rel(1)}`);
    case 0xe2:
      return done(`loop ${rel(1)}`);
    case 0xe3:
      return done(`${a32 ? 'jecxz' : 'jcxz'} ${rel(1)}`);
    case 0xe4:
      return done(`in al, ${imm(1)}`);
    case 0xe5:
      return done(`in ${RV[0]}, ${imm(1)}`);
    case 0xe6:
      return done(`out ${imm(1)}, al`);
    case 0xe7:
      return done(`out ${imm(1)}, ${RV[0]}`);
    case 0xe8:
      return done(`call ${rel(osz)}`);
    case 0xe9:
      return done(`jmp ${rel(osz)}`);
    case 0xea: {
      const o = imm(osz);
      return done(`jmp far ${hex(rd.u16())}:${o}`);
    }
    case 0xeb:
      return done(`jmp short ${rel(1)}`);
    case 0xec:
      return done('in al, dx');
    case 0xed:
      return done(`in ${RV[0]}, dx`);
    case 0xee:
      return done('out dx, al');
    case 0xef:
      return done(`out dx, ${RV[0]}`);
    case 0xf1:
      return done('int1');
    case 0xf4:
      return done('hlt');
    case 0xf5:
      return done('cmc');
    case 0xf6:
    case 0xf7: {
      modrm();
      const size = op & 1 ? osz : 1;
      const n = ['test', 'test', 'not', 'neg', 'mul', 'imul', 'div', 'idiv'][reg()];
      if (reg() < 2) return done(`test ${rmText(size)}, ${imm(size)}`);
      return done(`${n} ${rmText(size)}`);
    }
    case 0xf8:
      return done('clc');
    case 0xf9:
      return done('stc');
    case 0xfa:
      return done('cli');
    case 0xfb:
      return done('sti');
    case 0xfc:
      return done('cld');
    case 0xfd:
      return done('std');
    case 0xfe:
      modrm();
      if (reg() > 1) break;
      return done(`${reg() === 0 ? 'inc' : 'dec'} ${rmText(1)}`);
    case 0xff: {
      modrm();
      const n = ['inc', 'dec', 'call', 'call far', 'jmp', 'jmp far', 'push', '?'][reg()];
      if (reg() === 7) break;
      if (reg() === 3 || reg() === 5) return done(`${n} ${memText}`);
      return done(`${n} ${rmText(osz)}`);
    }
    case 0x0f:
      return decode0f(rd, op, done, modrm, reg, rmText, rel, imm, () => memText, o32, RV);
    default:
      break;
  }
  if (op >= 0xd8 && op <= 0xdf) {
    modrm();
    return done(`esc ${hex(op)}, ${modrmByte >> 6 === 3 ? hex(modrmByte) : memText}`);
  }
  return { text: `db ${hex(bytes[offset])}`, length: 1 };
}

function decode0f(
  rd: Reader,
  _op: number,
  done: (t: string) => Disassembly,
  modrm: () => void,
  reg: () => number,
  rmText: (size: number) => string,
  rel: (size: number) => string,
  imm: (size: number) => string,
  mem: () => string,
  o32: boolean,
  RV: string[],
): Disassembly {
  const op = rd.u8();
  const osz = o32 ? 4 : 2;
  if (op >= 0x80 && op < 0x90) return done(`j${CC[op & 15]} ${rel(osz)}`);
  if (op >= 0x90 && op < 0xa0) {
    modrm();
    return done(`set${CC[op & 15]} ${rmText(1)}`);
  }
  if (op >= 0x40 && op < 0x50) {
    modrm();
    return done(`cmov${CC[op & 15]} ${RV[reg()]}, ${rmText(osz)}`);
  }
  if (op >= 0xc8) return done(`bswap ${RV[op & 7]}`);
  switch (op) {
    case 0x00:
      modrm();
      return done(`${['sldt', 'str', 'lldt', 'ltr', 'verr', 'verw', '?', '?'][reg()]} ${rmText(2)}`);
    case 0x01: {
      modrm();
      const n = ['sgdt', 'sidt', 'lgdt', 'lidt', 'smsw', '?', 'lmsw', 'invlpg'][reg()];
      if (reg() === 4 || reg() === 6) return done(`${n} ${rmText(2)}`);
      return done(`${n} ${mem()}`);
    }
    case 0x02:
      modrm();
      return done(`lar ${RV[reg()]}, ${rmText(2)}`);
    case 0x03:
      modrm();
      return done(`lsl ${RV[reg()]}, ${rmText(2)}`);
    case 0x06:
      return done('clts');
    case 0x08:
      return done('invd');
    case 0x09:
      return done('wbinvd');
    case 0x0b:
      return done('ud2');
    case 0x1f:
      modrm();
      return done(`nop ${rmText(osz)}`);
    case 0x20:
    case 0x21:
    case 0x22:
    case 0x23: {
      modrm();
      const x = `${op & 1 ? 'dr' : 'cr'}${reg()}`;
      const g = rmText(4).replace(/^dword /, '');
      return done(op & 2 ? `mov ${x}, ${g}` : `mov ${g}, ${x}`);
    }
    case 0x30:
      return done('wrmsr');
    case 0x31:
      return done('rdtsc');
    case 0x32:
      return done('rdmsr');
    case 0xa0:
      return done('push fs');
    case 0xa1:
      return done('pop fs');
    case 0xa2:
      return done('cpuid');
    case 0xa8:
      return done('push gs');
    case 0xa9:
      return done('pop gs');
    case 0xaa:
      return done('rsm');
    case 0xa3:
    case 0xab:
    case 0xb3:
    case 0xbb:
      modrm();
      return done(`${{ 163: 'bt', 171: 'bts', 179: 'btr', 187: 'btc' }[op]} ${rmText(osz)}, ${RV[reg()]}`);
    case 0xa4:
    case 0xac:
      modrm();
      return done(`${op === 0xa4 ? 'shld' : 'shrd'} ${rmText(osz)}, ${RV[reg()]}, ${imm(1)}`);
    case 0xa5:
    case 0xad:
      modrm();
      return done(`${op === 0xa5 ? 'shld' : 'shrd'} ${rmText(osz)}, ${RV[reg()]}, cl`);
    case 0xaf:
      modrm();
      return done(`imul ${RV[reg()]}, ${rmText(osz)}`);
    case 0xb0:
      modrm();
      return done(`cmpxchg ${rmText(1)}, ${R8[reg()]}`);
    case 0xb1:
      modrm();
      return done(`cmpxchg ${rmText(osz)}, ${RV[reg()]}`);
    case 0xb2:
      modrm();
      return done(`lss ${RV[reg()]}, ${mem()}`);
    case 0xb4:
      modrm();
      return done(`lfs ${RV[reg()]}, ${mem()}`);
    case 0xb5:
      modrm();
      return done(`lgs ${RV[reg()]}, ${mem()}`);
    case 0xb6:
      modrm();
      return done(`movzx ${RV[reg()]}, ${rmText(1)}`);
    case 0xb7:
      modrm();
      return done(`movzx ${RV[reg()]}, ${rmText(2)}`);
    case 0xba:
      modrm();
      return done(`${['?', '?', '?', '?', 'bt', 'bts', 'btr', 'btc'][reg()]} ${rmText(osz)}, ${imm(1)}`);
    case 0xbc:
      modrm();
      return done(`bsf ${RV[reg()]}, ${rmText(osz)}`);
    case 0xbd:
      modrm();
      return done(`bsr ${RV[reg()]}, ${rmText(osz)}`);
    case 0xbe:
      modrm();
      return done(`movsx ${RV[reg()]}, ${rmText(1)}`);
    case 0xbf:
      modrm();
      return done(`movsx ${RV[reg()]}, ${rmText(2)}`);
    case 0xc0:
      modrm();
      return done(`xadd ${rmText(1)}, ${R8[reg()]}`);
    case 0xc1:
      modrm();
      return done(`xadd ${rmText(osz)}, ${RV[reg()]}`);
    case 0xc7:
      modrm();
      return done(`cmpxchg8b ${mem()}`);
    default:
      break;
  }
  return done(`db 0x0f, ${hex(op)}`);
}
