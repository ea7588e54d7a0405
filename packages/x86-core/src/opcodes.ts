// The opcode table: one row per one-byte and 0F opcode of the ISA this core executes, written in
// the operand notation of the Intel SDM's opcode map (vol. 2 appendix A). The decoder (decode.ts)
// derives ModRM presence and immediate sizes from it, the disassembler (disasm.ts) the text, and
// the trace compiler (jit.ts) which instructions it compiles. Shape after v86's gen/x86_table.js
// (one table feeding interpreter, JIT and analyser) and Bochs' decoder/ia_opcodes.def; no code
// copied.
//
// A row is `mnemonic operands flags`:
//   mnemonic   `a|b` picks by operand size (16|32), `a/b` by address size; `grpN` rows list eight
//              rows, one per ModRM reg value, in GROUPS.
//   operands   comma-separated, SDM appendix A.2 codes:
//     E  ModRM r/m (register or memory)   G  ModRM reg (general register)   M  ModRM r/m, memory
//        only (mod 3 raises #UD)          R  ModRM r/m, always a register (MOV CRn/DRn ignore mod)
//     S  ModRM reg: segment register      C / D  ModRM reg: control / debug register
//     I  immediate   J  relative branch offset   O  offset of the address size (moffs)
//     A  far pointer (offset of the operand size, then a 16-bit selector)
//     Z  register from the opcode's low three bits
//   with a size letter: b byte, w word, d dword, v operand size (16/32), z operand size (16/32,
//   immediates), s sign-extended byte, p far pointer. Fixed operands are written out: AL, rAX,
//   CL, DX, 1, ES CS SS DS FS GS.
//   flags      `*` the trace compiler (jit.ts) compiles it; `!` control transfer: ends a basic
//              block (jumps, calls, returns, interrupts, far transfers); `?` a conditional branch;
//              `L` LOCK-able (SDM vol. 2 LOCK: ADD ADC AND BTC BTR BTS CMPXCHG CMPXCHG8B DEC INC NEG
//              NOT OR SBB SUB XOR XADD XCHG), with a memory destination only. A LOCK prefix on any
//              other row, or with a register destination, is #UD (LOCK_REGS below).
// A missing row is an encoding this core does not define: it raises #UD.

/** Prefix kinds per byte (PREFIX_* below; 0: not a prefix). */
export const PREFIX_KIND = new Uint8Array(256);
export const PREFIX_SEG = 1;
export const PREFIX_OPSIZE = 2;
export const PREFIX_ADSIZE = 3;
export const PREFIX_LOCK = 4;
export const PREFIX_REPNE = 5;
export const PREFIX_REP = 6;
for (const p of [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65]) PREFIX_KIND[p] = PREFIX_SEG;
PREFIX_KIND[0x66] = PREFIX_OPSIZE;
PREFIX_KIND[0x67] = PREFIX_ADSIZE;
PREFIX_KIND[0xf0] = PREFIX_LOCK;
PREFIX_KIND[0xf2] = PREFIX_REPNE;
PREFIX_KIND[0xf3] = PREFIX_REP;

/** Segment register number of a segment-override prefix byte (ES CS SS DS FS GS = 0..5). */
export function prefixSegment(b: number): number {
  return b === 0x64 ? 4 : b === 0x65 ? 5 : (b >> 3) & 3;
}

export const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const SHIFT = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];

const ONE_BYTE: Record<number, string> = {
  6: 'push ES',
  7: 'pop ES',
  14: 'push CS',
  22: 'push SS',
  23: 'pop SS',
  30: 'push DS',
  31: 'pop DS',
  39: 'daa',
  47: 'das',
  55: 'aaa',
  63: 'aas',
  96: 'pusha|pushad',
  97: 'popa|popad',
  98: 'bound Gv,M',
  99: 'arpl Ew,Gw',
  104: 'push Iz *',
  105: 'imul Gv,Ev,Iz *',
  106: 'push Is *',
  107: 'imul Gv,Ev,Is *',
  108: 'insb',
  109: 'insw|insd',
  110: 'outsb',
  111: 'outsw|outsd',
  128: 'grp1 Eb,Ib *',
  129: 'grp1 Ev,Iz *',
  130: 'grp1 Eb,Ib *',
  131: 'grp1 Ev,Is *',
  132: 'test Eb,Gb *',
  133: 'test Ev,Gv *',
  134: 'xchg Eb,Gb * L',
  135: 'xchg Ev,Gv * L',
  136: 'mov Eb,Gb *',
  137: 'mov Ev,Gv *',
  138: 'mov Gb,Eb *',
  139: 'mov Gv,Ev *',
  140: 'grp8c',
  141: 'lea Gv,M *',
  142: 'grp8e',
  // POP r/m is /0 only (SDM group 1A).
  143: 'grp1a Ev',
  144: 'nop *',
  152: 'cbw|cwde *',
  153: 'cwd|cdq *',
  154: 'call far Ap !',
  155: 'wait',
  156: 'pushf|pushfd',
  157: 'popf|popfd',
  158: 'sahf',
  159: 'lahf',
  160: 'mov AL,Ob *',
  161: 'mov rAX,Ov *',
  162: 'mov Ob,AL *',
  163: 'mov Ov,rAX *',
  164: 'movsb',
  165: 'movsw|movsd',
  166: 'cmpsb',
  167: 'cmpsw|cmpsd',
  168: 'test AL,Ib *',
  169: 'test rAX,Iz *',
  170: 'stosb',
  171: 'stosw|stosd',
  172: 'lodsb',
  173: 'lodsw|lodsd',
  174: 'scasb',
  175: 'scasw|scasd',
  192: 'grp2 Eb,Ib *',
  193: 'grp2 Ev,Ib *',
  194: 'ret Iw * !',
  195: 'ret * !',
  196: 'les Gv,M',
  197: 'lds Gv,M',
  // MOV r/m, imm is /0 only (SDM group 11; XABORT/XBEGIN at /7 are TSX, not implemented).
  198: 'grp11 Eb,Ib',
  199: 'grp11 Ev,Iz',
  200: 'enter Iw,Ib',
  201: 'leave',
  202: 'retf Iw !',
  203: 'retf !',
  204: 'int3 !',
  205: 'int Ib !',
  206: 'into !',
  207: 'iret|iretd * !',
  208: 'grp2 Eb,1 *',
  209: 'grp2 Ev,1 *',
  210: 'grp2 Eb,CL *',
  211: 'grp2 Ev,CL *',
  212: 'aam Ib',
  213: 'aad Ib',
  214: 'salc',
  215: 'xlatb',
  224: 'loopne Jb ! ?',
  225: 'loope Jb ! ?',
  226: 'loop Jb ! ?',
  227: 'jcxz/jecxz Jb ! ?',
  228: 'in AL,Ib',
  229: 'in rAX,Ib',
  230: 'out Ib,AL',
  231: 'out Ib,rAX',
  232: 'call Jz * !',
  233: 'jmp Jz * !',
  234: 'jmp far Ap !',
  235: 'jmp short Jb * !',
  236: 'in AL,DX',
  237: 'in rAX,DX',
  238: 'out DX,AL',
  239: 'out DX,rAX',
  241: 'int1 !',
  244: 'hlt',
  245: 'cmc',
  246: 'grp3b',
  247: 'grp3v',
  248: 'clc',
  249: 'stc',
  250: 'cli',
  251: 'sti',
  252: 'cld *',
  253: 'std *',
  254: 'grp4',
  255: 'grp5',
};

const TWO_BYTE: Record<number, string> = {
  0: 'grp6',
  1: 'grp7',
  2: 'lar Gv,Ew',
  3: 'lsl Gv,Ew',
  6: 'clts',
  8: 'invd',
  9: 'wbinvd',
  11: 'ud2',
  32: 'mov Rd,Cd *',
  33: 'mov Rd,Dd',
  34: 'mov Cd,Rd',
  35: 'mov Dd,Rd',
  48: 'wrmsr',
  49: 'rdtsc',
  50: 'rdmsr',
  52: 'sysenter',
  53: 'sysexit',
  160: 'push FS',
  161: 'pop FS',
  162: 'cpuid',
  163: 'bt Ev,Gv',
  164: 'shld Ev,Gv,Ib',
  165: 'shld Ev,Gv,CL',
  168: 'push GS',
  169: 'pop GS',
  // RSM: decoded, raises #UD outside SMM (the core has no SMM).
  170: 'rsm',
  171: 'bts Ev,Gv L',
  172: 'shrd Ev,Gv,Ib',
  173: 'shrd Ev,Gv,CL',
  175: 'imul Gv,Ev *',
  176: 'cmpxchg Eb,Gb L',
  177: 'cmpxchg Ev,Gv L',
  178: 'lss Gv,M',
  179: 'btr Ev,Gv L',
  180: 'lfs Gv,M',
  181: 'lgs Gv,M',
  182: 'movzx Gv,Eb *',
  183: 'movzx Gv,Ew *',
  186: 'grp8',
  187: 'btc Ev,Gv L',
  188: 'bsf Gv,Ev',
  189: 'bsr Gv,Ev',
  190: 'movsx Gv,Eb *',
  191: 'movsx Gv,Ew *',
  192: 'xadd Eb,Gb L',
  193: 'xadd Ev,Gv L',
  199: 'grp9',
};

const SREG_OK = ['mov Ew,Sw', 'mov Ew,Sw', 'mov Ew,Sw', 'mov Ew,Sw', 'mov Ew,Sw', 'mov Ew,Sw', '', ''];

/** Group rows by ModRM reg value ('' = #UD). `grp1`/`grp2`/`grp1a`/`grp11` take their operands from
 * the opcode row. */
const GROUPS: Record<string, string[]> = {
  grp1: ALU.map((n) => (n === 'cmp' ? `${n} *` : `${n} * L`)),
  grp2: SHIFT.map((n) => `${n} *`),
  grp1a: ['pop', '', '', '', '', '', '', ''],
  grp11: ['mov *', '', '', '', '', '', '', ''],
  grp8c: SREG_OK,
  // MOV Sreg, r/m: CS is not a destination.
  grp8e: ['mov Sw,Ew', '', 'mov Sw,Ew', 'mov Sw,Ew', 'mov Sw,Ew', 'mov Sw,Ew', '', ''],
  grp3b: ['test Eb,Ib *', 'test Eb,Ib', 'not Eb * L', 'neg Eb L', 'mul Eb', 'imul Eb', 'div Eb', 'idiv Eb'],
  grp3v: ['test Ev,Iz *', 'test Ev,Iz', 'not Ev * L', 'neg Ev L', 'mul Ev', 'imul Ev', 'div Ev', 'idiv Ev'],
  grp4: ['inc Eb * L', 'dec Eb * L', '', '', '', '', '', ''],
  grp5: ['inc Ev L', 'dec Ev L', 'call Ev !', 'call far M !', 'jmp Ev !', 'jmp far M !', 'push Ev', ''],
  grp6: ['sldt Ew', 'str Ew', 'lldt Ew', 'ltr Ew', 'verr Ew', 'verw Ew', '', ''],
  grp7: ['sgdt M', 'sidt M', 'lgdt M', 'lidt M', 'smsw Ew', '', 'lmsw Ew', 'invlpg M'],
  grp8: ['', '', '', '', 'bt Ev,Ib', 'bts Ev,Ib L', 'btr Ev,Ib L', 'btc Ev,Ib L'],
  grp9: ['', 'cmpxchg8b M L', '', '', '', '', '', ''],
};

function fillRanges(): void {
  for (let op = 0; op < 0x40; op++) {
    const form = op & 7;
    if (form >= 6) continue;
    const n = ALU[op >> 3];
    const lock = form < 2 && n !== 'cmp' ? ' L' : '';
    ONE_BYTE[op] = `${n} ${['Eb,Gb', 'Ev,Gv', 'Gb,Eb', 'Gv,Ev', 'AL,Ib', 'rAX,Iz'][form]} *${lock}`;
  }
  for (let i = 0; i < 8; i++) {
    ONE_BYTE[0x40 + i] = 'inc Zv *';
    ONE_BYTE[0x48 + i] = 'dec Zv *';
    ONE_BYTE[0x50 + i] = 'push Zv *';
    ONE_BYTE[0x58 + i] = 'pop Zv *';
    if (i > 0) ONE_BYTE[0x90 + i] = 'xchg rAX,Zv';
    ONE_BYTE[0xb0 + i] = 'mov Zb,Ib *';
    ONE_BYTE[0xb8 + i] = 'mov Zv,Iz *';
    ONE_BYTE[0xd8 + i] = 'esc Ev';
    TWO_BYTE[0x18 + i] = 'nop Ev';
    TWO_BYTE[0xc8 + i] = 'bswap Zv';
  }
  for (let cc = 0; cc < 16; cc++) {
    ONE_BYTE[0x70 + cc] = `j${CC[cc]} Jb * ! ?`;
    TWO_BYTE[0x40 + cc] = `cmov${CC[cc]} Gv,Ev *`;
    TWO_BYTE[0x80 + cc] = `j${CC[cc]} Jz * ! ?`;
    TWO_BYTE[0x90 + cc] = `set${CC[cc]} Eb *`;
  }
}
fillRanges();

// Operand kinds (OpRow.operands).
export const OPND_E = 1;
export const OPND_G = 2;
export const OPND_M = 3;
export const OPND_R = 4;
export const OPND_S = 5;
export const OPND_C = 6;
export const OPND_D = 7;
export const OPND_I = 8;
export const OPND_J = 9;
export const OPND_O = 10;
export const OPND_A = 11;
export const OPND_Z = 12;
/** A fixed operand (register or the constant 1): `Operand.text`. */
export const OPND_FIXED = 13;

/** Operand size codes: 1, 2, 4 bytes; OSIZE the operand size; SBYTE a sign-extended byte. */
export const OSIZE = 0;
export const SBYTE = -1;

export interface Operand {
  kind: number;
  /** Bytes (1, 2, 4), OSIZE or SBYTE. */
  size: number;
  /** OPND_FIXED: the register name ('al', 'cl', 'dx', '1', 'es' …) or 'rAX' (ax/eax). */
  text: string;
}

export interface OpRow {
  /** Mnemonic for 16-bit operand (or address) size and for 32-bit. */
  name16: string;
  name32: string;
  /** The name choice follows the address size (JCXZ/JECXZ) rather than the operand size. */
  byAddress: boolean;
  operands: Operand[];
  /** Has a ModRM byte (an E/G/M/R/S/C/D operand, or a group). */
  modrm: boolean;
  /** Group rows by reg value (null: #UD) when this is a group opcode. */
  group: (OpRow | null)[] | null;
  /** Compiled by the trace compiler. */
  jit: boolean;
  /** Control transfer (ends a basic block). */
  branch: boolean;
  /** Conditional branch. */
  conditional: boolean;
  /** LOCK-able with a memory destination (`L`). */
  lockable: boolean;
}

/** The fixed operands a row writes out (registers and the constant 1). */
const FIXED_OPERANDS = ['AL', 'CL', 'DX', '1', 'ES', 'CS', 'SS', 'DS', 'FS', 'GS', 'rAX'];

// The table is parsed when the module is evaluated, by code that has never run (V8's interpreter,
// every builtin's first call): ~450 rows, kept to plain comparisons and loops rather than regular
// expressions, sets and callbacks per row, which cost a cold start several milliseconds.

function parseOperand(s: string): Operand {
  if (FIXED_OPERANDS.includes(s))
    return { kind: OPND_FIXED, size: 0, text: s === 'rAX' ? s : s.toLowerCase() };
  const kind = 'EGMRSCDIJOAZ'.indexOf(s[0] as string) + 1;
  if (kind === 0) throw new Error(`opcode table: unknown operand ${s}`);
  const sz = s.slice(1);
  const size =
    sz === 'b'
      ? 1
      : sz === 'w'
        ? 2
        : sz === 'd'
          ? 4
          : sz === 's'
            ? SBYTE
            : sz === '' || sz === 'p'
              ? OSIZE
              : OSIZE;
  return { kind, size, text: '' };
}

function parseOperands(ops: string): Operand[] {
  const out: Operand[] = [];
  if (ops !== '') for (const s of ops.split(',')) out.push(parseOperand(s));
  return out;
}

/** Parses `name[|name32][/nameA32] operands flags` (see the header). */
function parseRow(spec: string, inherited: Operand[] | null): OpRow {
  let jit = false;
  let branch = false;
  let conditional = false;
  let lockable = false;
  const rest: string[] = [];
  for (const w of spec.split(' ')) {
    if (w === '*') jit = true;
    else if (w === '!') branch = true;
    else if (w === '?') conditional = true;
    else if (w === 'L') lockable = true;
    else rest.push(w);
  }
  // `call far Ap`, `jmp short Jb`: a two-word mnemonic when the second word is not operands.
  const nameWords = rest[1] === 'far' || rest[1] === 'short' ? 2 : 1;
  const name = rest.slice(0, nameWords).join(' ');
  const operands = inherited ?? parseOperands(rest.slice(nameWords).join(' '));
  const byAddress = name.includes('/');
  const cut = name.indexOf(byAddress ? '/' : '|');
  let modrm = false;
  for (const o of operands) if (o.kind >= OPND_E && o.kind <= OPND_D) modrm = true;
  return {
    name16: cut < 0 ? name : name.slice(0, cut),
    name32: cut < 0 ? name : name.slice(cut + 1),
    byAddress,
    operands,
    modrm,
    group: null,
    jit,
    branch,
    conditional,
    lockable,
  };
}

function build(map: Record<number, string>): (OpRow | null)[] {
  const rows: (OpRow | null)[] = new Array(256).fill(null);
  for (const [k, spec] of Object.entries(map)) {
    const op = Number(k);
    const grp = /^(grp\w+)(?: (\S+))?/.exec(spec);
    if (grp) {
      const members = GROUPS[grp[1] as string];
      if (!members) throw new Error(`opcode table: unknown group ${grp[1]}`);
      const shared = grp[2] && grp[2] !== '*' ? parseOperands(grp[2]) : null;
      const row = parseRow(spec.replace(/^grp\w+/, 'group'), null);
      row.modrm = true;
      row.group = members.map((m) => (m === '' ? null : parseRow(m, shared)));
      for (const g of row.group) if (g) g.modrm = true;
      rows[op] = row;
    } else rows[op] = parseRow(spec, null);
  }
  return rows;
}

/** Rows by opcode: 0x00–0xFF the one-byte map, 0x100–0x1FF the 0F map (null: #UD). 0x0F and the
 * prefix bytes have no row (the decoder consumes them). */
export const OPCODES: readonly (OpRow | null)[] = [...build(ONE_BYTE), ...build(TWO_BYTE)];

/** The LOCK rule of the table for the interpreter: index = opcode (0x100 | second byte for the 0F
 * map), value = the ModRM reg fields whose row is `L` (bit r set; 0xFF for a row that is not a
 * group). A LOCK prefix is #UD unless its instruction's bit is set and ModRM addresses memory. */
export const LOCK_REGS = new Uint8Array(512);
OPCODES.forEach((row, op) => {
  if (row === null) return;
  if (row.group === null) LOCK_REGS[op] = row.lockable ? 0xff : 0;
  else
    row.group.forEach((g, reg) => {
      if (g?.lockable) LOCK_REGS[op] = (LOCK_REGS[op] as number) | (1 << reg);
    });
});

// The x87 escape opcodes D8–DF (SDM vol. 2 appendix A.4). Their rows above are `esc Ev` (a ModRM
// byte, nothing else: the decoder's lengths need no more); these tables name the instructions for
// the disassembler. The interpreter's decode is fpu-dispatch.ts. '' = #UD.

const FARITH = ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'];

/** Memory forms by opcode (D8–DF) and ModRM.reg, with the operand size keyword. */
export const X87_MEM: readonly (readonly string[])[] = [
  FARITH.map((n) => `${n} dword`),
  ['fld dword', '', 'fst dword', 'fstp dword', 'fldenv', 'fldcw word', 'fnstenv', 'fnstcw word'],
  FARITH.map((n) => `fi${n.slice(1)} dword`),
  ['fild dword', '', 'fist dword', 'fistp dword', '', 'fld tword', '', 'fstp tword'],
  FARITH.map((n) => `${n} qword`),
  ['fld qword', '', 'fst qword', 'fstp qword', 'frstor', '', 'fnsave', 'fnstsw word'],
  FARITH.map((n) => `fi${n.slice(1)} word`),
  ['fild word', '', 'fist word', 'fistp word', 'fbld tword', 'fild qword', 'fbstp tword', 'fistp qword'],
];

const D9_GROUPS: Record<number, string[]> = {
  4: ['fchs', 'fabs', '', '', 'ftst', 'fxam', '', ''],
  5: ['fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz', ''],
  6: ['f2xm1', 'fyl2x', 'fptan', 'fpatan', 'fxtract', 'fprem1', 'fdecstp', 'fincstp'],
  7: ['fprem', 'fyl2xp1', 'fsqrt', 'fsincos', 'frndint', 'fscale', 'fsin', 'fcos'],
};
const FCMOV = ['fcmovb', 'fcmove', 'fcmovbe', 'fcmovu', 'fcmovnb', 'fcmovne', 'fcmovnbe', 'fcmovnu'];
const DB_E0 = ['fneni', 'fndisi', 'fnclex', 'fninit', 'fnsetpm', '', '', ''];

/** Text of a register form (ModRM mod = 3) of opcode D8–DF, or '' for an undefined encoding. */
export function x87RegText(op: number, modrm: number): string {
  const reg = (modrm >> 3) & 7;
  const i = modrm & 7;
  const st = `st${i}`;
  switch (op) {
    case 0xd8:
      return reg === 2 || reg === 3 ? `${FARITH[reg]} ${st}` : `${FARITH[reg]} st0, ${st}`;
    case 0xd9:
      if (reg === 0) return `fld ${st}`;
      if (reg === 1) return `fxch ${st}`;
      if (reg === 2) return i === 0 ? 'fnop' : '';
      if (reg === 3) return `fstp1 ${st}`;
      return D9_GROUPS[reg]?.[i] as string;
    case 0xda:
      if (reg < 4) return `${FCMOV[reg]} st0, ${st}`;
      return reg === 5 && i === 1 ? 'fucompp' : '';
    case 0xdb:
      if (reg < 4) return `${FCMOV[reg + 4]} st0, ${st}`;
      if (reg === 4) return DB_E0[i] as string;
      return reg === 5 ? `fucomi st0, ${st}` : reg === 6 ? `fcomi st0, ${st}` : '';
    case 0xdc:
      return [
        `fadd ${st}, st0`,
        `fmul ${st}, st0`,
        `fcom2 ${st}`,
        `fcomp3 ${st}`,
        `fsubr ${st}, st0`,
        `fsub ${st}, st0`,
        `fdivr ${st}, st0`,
        `fdiv ${st}, st0`,
      ][reg] as string;
    case 0xdd:
      return [`ffree ${st}`, `fxch4 ${st}`, `fst ${st}`, `fstp ${st}`, `fucom ${st}`, `fucomp ${st}`, '', ''][
        reg
      ] as string;
    case 0xde:
      if (reg === 3) return i === 1 ? 'fcompp' : '';
      return [
        `faddp ${st}, st0`,
        `fmulp ${st}, st0`,
        `fcomp5 ${st}`,
        '',
        `fsubrp ${st}, st0`,
        `fsubp ${st}, st0`,
        `fdivrp ${st}, st0`,
        `fdivp ${st}, st0`,
      ][reg] as string;
    default:
      if (reg === 4) return i === 0 ? 'fnstsw ax' : '';
      return [
        `ffreep ${st}`,
        `fxch7 ${st}`,
        `fstp8 ${st}`,
        `fstp9 ${st}`,
        '',
        `fucomip st0, ${st}`,
        `fcomip st0, ${st}`,
        '',
      ][reg] as string;
  }
}
