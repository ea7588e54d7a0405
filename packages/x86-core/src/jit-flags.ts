// Trace compiler: arithmetic flags in generated code. Split from jit.ts; see there for the design.
//
// The interpreter keeps flags lazily (flags.ts: lzOp/lzA/lzB/lzR/lzSign/lzMask, CF of INC/DEC
// settled into `flags`). Generated code defers even that: a flag producer (ADD/SUB/CMP, the logic
// ops, INC/DEC) only sets trace locals — `fk` (which producer and its size, 0: nothing pending),
// `fa`/`fb`/`fr` (operands and result) and `fc` (the CF that INC/DEC keep) — and the Cpu's record is
// written from them (`syncFlags`, the SYNC statement) only where something outside the trace may
// look: at every exit, in the fault handler, and before a helper or condition that reads the Cpu's
// flags. A following Jcc/SETcc/CMOVcc/INC/DEC whose producer is known at compile time evaluates
// its condition from the locals. So the Cpu sees exactly the record the interpreter would have
// written by then. Behavioural reference (no code copied): QEMU's TCG keeps cc_op/cc_src/cc_dst
// in TCG globals and spills them at TB exits and helper calls in the same way
// (target/i386/tcg/translate.c, set_cc_op / gen_update_cc_op).

import { HOST as C, type TraceHost } from './jit-host.js';

export const ARITH = 0x8d5; // CF PF AF ZF SF OF
const LZ_ADD = 1;
const LZ_SUB = 2;
const LZ_LOGIC = 3;

/** `fk` values: producer kind << 6 | sign bit number (7, 15, 31). */
const K_ADD = 1;
const K_SUB = 2;
const K_LOGIC = 3;
const K_INC = 4;
const K_DEC = 5;
/** SHL/SHR/SAR by a constant count: `fr` the result, `fc` CF (bit 0) | OF (bit 11), as the
 * interpreter's setResultFlags leaves them (AF cleared; ZF SF PF from the result). */
const K_SHIFT = 6;

/** The flag producer the compiler knows about at a point of the trace (null: unknown — read the
 * Cpu's record after SYNC). */
export interface Producer {
  kind: 'add' | 'sub' | 'logic' | 'inc' | 'dec' | 'shift';
  size: number;
}

/** Write the Cpu's lazy record (as the interpreter's producer would have) from the trace locals. */
export function syncFlags(c: TraceHost, fk: number, fa: number, fb: number, fr: number, fc: number): void {
  const kind = fk >> 6;
  if (kind === K_SHIFT) {
    // alu.ts setResultFlags: CF OF AF settled (AF 0), ZF SF PF lazy from the result.
    c.flags = (c.flags & ~(ARITH & ~0xc4)) | fc;
    c.lzOp = LZ_LOGIC;
    c.lzMask = 0xc4;
  } else if (kind >= K_INC) {
    c.flags = (c.flags & -2) | fc;
    c.lzOp = kind === K_INC ? LZ_ADD : LZ_SUB;
    c.lzA = fa;
    c.lzB = 1;
    c.lzMask = ARITH & ~1;
  } else if (kind === K_LOGIC) {
    c.lzOp = LZ_LOGIC;
    c.lzMask = ARITH;
  } else {
    c.lzOp = kind === K_ADD ? LZ_ADD : LZ_SUB;
    c.lzA = fa;
    c.lzB = fb;
    c.lzMask = ARITH;
  }
  c.lzR = fr;
  c.lzSign = fk & 63;
}

/** CF from the locals when a producer is pending (its kind known only at run time: after two paths
 * met), else from the Cpu; as the interpreter's INC/DEC settle it. */
export function cfOf(c: TraceHost, fk: number, fa: number, fb: number, fr: number, fc: number): number {
  const kind = fk >> 6;
  const s = fk & 63;
  if (kind === 0) return (c.lzMask & 1) !== 0 ? c.lazyCF() : c.flags & 1;
  if (kind === K_ADD) return (((fa & fb) | ((fa | fb) & ~fr)) >>> s) & 1;
  if (kind === K_SUB) return (((~fa & fb) | ((~fa | fb) & fr)) >>> s) & 1;
  if (kind === K_LOGIC) return 0;
  return fc & 1;
}

/** Flush pending flags to the Cpu (generated code's `sync` parameter is syncFlags). */
export const SYNC = 'if (fk !== 0) { sync(c, fk, fa, fb, fr, fc); fk = 0; }';

export function maskOf(size: number): string {
  return size === 4 ? '| 0' : size === 2 ? '& 0xffff' : '& 0xff';
}

function record(kind: number, size: number): string {
  return `fk = ${(kind << 6) | (size * 8 - 1)};`;
}

/** v = a OP b for ADD OR AND SUB XOR CMP, recorded as the pending producer; null for ADC/SBB. */
export function aluInline(op: number, size: number): { code: string; prod: Producer } | null {
  const m = maskOf(size);
  let expr: string;
  let kind: Producer['kind'];
  switch (op) {
    case 0:
      expr = `(a + b) ${m}`;
      kind = 'add';
      break;
    case 1:
      expr = `(a | b) ${m}`;
      kind = 'logic';
      break;
    case 4:
      expr = `(a & b) ${m}`;
      kind = 'logic';
      break;
    case 5:
    case 7:
      expr = `(a - b) ${m}`;
      kind = 'sub';
      break;
    case 6:
      expr = `(a ^ b) ${m}`;
      kind = 'logic';
      break;
    default:
      return null;
  }
  const k = kind === 'logic' ? K_LOGIC : kind === 'add' ? K_ADD : K_SUB;
  return { code: `v = ${expr}; ${record(k, size)} fa = a; fb = b; fr = v;`, prod: { kind, size } };
}

/** CF of a known producer as a 0/1 expression. */
function cfExpr(p: Producer): string {
  const s = p.size * 8 - 1;
  if (p.kind === 'logic') return '0';
  if (p.kind === 'shift') return '(fc & 1)';
  if (p.kind === 'add') return `((((fa & fb) | ((fa | fb) & ~fr)) >>> ${s}) & 1)`;
  if (p.kind === 'sub') return `((((~fa & fb) | ((~fa | fb) & fr)) >>> ${s}) & 1)`;
  return 'fc';
}

function ofExpr(p: Producer): string {
  const s = p.size * 8 - 1;
  if (p.kind === 'logic') return 'false';
  if (p.kind === 'shift') return '(fc & 0x800) !== 0';
  if (p.kind === 'add' || p.kind === 'inc') return `((((fa ^ fr) & (fb ^ fr)) >>> ${s}) & 1) !== 0`;
  return `((((fa ^ fb) & (fa ^ fr)) >>> ${s}) & 1) !== 0`;
}

/** A condition code as a JS boolean expression: from the locals when the producer is known, else
 * from the Cpu (the caller emits SYNC first: `condPrefix`). */
export function condExpr(cc: number, p: Producer | null): string {
  const neg = (cc & 1) !== 0;
  let e: string | null = null;
  if (p !== null) {
    const s = p.size * 8 - 1;
    const zf = 'fr === 0';
    const sf = `((fr >>> ${s}) & 1) !== 0`;
    let cf: string;
    if (p.kind === 'sub') cf = '(fa >>> 0) < (fb >>> 0)';
    else if (p.kind === 'logic') cf = 'false';
    else cf = `${cfExpr(p)} !== 0`;
    const of = ofExpr(p);
    switch (cc >> 1) {
      case 0:
        e = of;
        break;
      case 1:
        e = cf;
        break;
      case 2:
        e = zf;
        break;
      case 3:
        e = p.kind === 'sub' ? '(fa >>> 0) <= (fb >>> 0)' : `(${cf}) || ${zf}`;
        break;
      case 4:
        e = sf;
        break;
      case 5:
        e = null;
        break;
      case 6:
        e = `(${sf}) !== (${of})`;
        break;
      default:
        e = `${zf} || (${sf}) !== (${of})`;
        break;
    }
    if (e === null) return `(${SYNC_EXPR}, ${neg ? `!${C.cond}(${cc & 0xe})` : `${C.cond}(${cc})`})`;
  } else if ((cc & 0xe) === 4) {
    // ZF: any pending producer's result is masked to its size.
    e = `(fk !== 0 ? fr === 0 : (${C.lzMask} & 64) !== 0 ? ${C.lzR} === 0 : (${C.flags} & 64) !== 0)`;
  }
  if (e === null) return neg ? `!${C.cond}(${cc & 0xe})` : `${C.cond}(${cc})`;
  return neg ? `!(${e})` : `(${e})`;
}

/** SYNC as an expression (PF with a known producer goes through the Cpu's cond()). */
const SYNC_EXPR = '(fk !== 0 && (sync(c, fk, fa, fb, fr, fc), fk = 0))';

/** What must run before a condition on producer `p` is evaluated: SYNC when it reads the Cpu. */
export function condPrefix(p: Producer | null, cc: number): string {
  return p === null && (cc & 0xe) !== 4 ? SYNC : '';
}

/** INC/DEC: keep CF (from the previous producer), then record the producer (CF excluded). */
export function incDec(dec: boolean, size: number, prev: Producer | null): string {
  let settle: string;
  if (prev === null) settle = 'fc = cfOf(c, fk, fa, fb, fr, fc);';
  else if (prev.kind === 'logic') settle = 'fc = 0;';
  else if (prev.kind === 'add' || prev.kind === 'sub' || prev.kind === 'shift')
    settle = `fc = ${cfExpr(prev)};`;
  else settle = '';
  return `${settle} v = (a ${dec ? '-' : '+'} 1) ${maskOf(size)}; ${record(dec ? K_DEC : K_INC, size)} fa = a; fb = 1; fr = v;`;
}

/**
 * SHL/SAL (4, 6), SHR (5), SAR (7) of local `a` by the constant `count` (1..31, already masked by
 * the caller: a count of 0 changes nothing) into v, recorded as the pending producer; null for the
 * rotates. The same results and flags as the interpreter's shift() (alu.ts), specialised for the
 * count: CF the last bit shifted out (0 past the operand's width), OF from the final result for
 * SHL (for every count, as alu.ts; the SDM defines it for count 1 only), the operand's sign for
 * SHR by 1 and 0 otherwise, 0 for SAR.
 */
export function shiftInline(
  op: number,
  size: number,
  count: number,
): { code: string; prod: Producer } | null {
  const bits = size * 8;
  const sign = bits - 1;
  const m = maskOf(size);
  const src = size === 4 ? 'a' : `(a ${m})`;
  let r: string;
  let cf: string;
  let of: string;
  if (op === 4 || op === 6) {
    r = count >= bits ? '0' : `(a << ${count}) ${m}`;
    cf = count > bits ? '0' : `((${src} >>> ${bits - count}) & 1)`;
    of = `(((v >>> ${sign}) & 1) ^ ${cf})`;
  } else if (op === 5) {
    r = count >= bits ? '0' : `(${src} >>> ${count}) ${m}`;
    cf = count > bits ? '0' : `((${src} >>> ${count - 1}) & 1)`;
    of = count === 1 ? `((${src} >>> ${sign}) & 1)` : '0';
  } else if (op === 7) {
    const s = size === 4 ? 'a' : `((a << ${32 - bits}) >> ${32 - bits})`;
    const c = count >= bits ? sign : count;
    r = `(${s} >> ${c}) ${m}`;
    cf = `((${s} >> ${count >= bits ? sign : count - 1}) & 1)`;
    of = '0';
  } else return null;
  const code = `v = ${r}; fc = ${cf} | (${of} << 11); ${record(K_SHIFT, size)} fr = v;`;
  return { code, prod: { kind: 'shift', size } };
}
