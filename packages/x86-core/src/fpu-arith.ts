// x86 core: x87 arithmetic and compares — FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR (ST, m32, m64, m16int,
// m32int, the P forms), FCOM/FCOMP/FCOMPP/FUCOM*/FICOM*/FTST/FXAM, FCOMI/FUCOMI(P), FCMOVcc,
// FCHS/FABS/FSQRT/FRNDINT/FSCALE/FXTRACT/FPREM/FPREM1.
// Behavioural references (no code copied): Intel SDM vol. 2 (per-instruction results tables and
// "Floating-Point Exceptions"), vol. 1 4.9 and 8.5 (exception conditions, masked responses);
// QEMU target/i386/tcg/fpu_helper.c (fcom_ccval, helper_fxam_ST0, helper_fprem).

import { CpuFpuLdSt } from './fpu-ldst.js';
import {
  addResidual,
  directed,
  divResidual,
  mulResidual,
  overflowValue,
  RC_NEAREST,
  roundF32,
  roundInt,
  sqrtResidual,
} from './fpu-round.js';
import {
  FSW_C0,
  FSW_C1,
  FSW_C2,
  FSW_C3,
  FSW_DE,
  FSW_IE,
  FSW_OE,
  FSW_PE,
  FSW_UE,
  FSW_ZE,
  f32FromBits,
  f64FromBits,
  isDenormal32,
  isDenormal64,
  isSnan32,
  isSnan64,
} from './fpu-state.js';
import { CF, PF, ZF } from './state.js';

// Arithmetic operation numbers: the ModRM reg field of D8/DC/DA/DE.
export const OP_ADD = 0;
export const OP_MUL = 1;
export const OP_COM = 2;
export const OP_COMP = 3;
export const OP_SUB = 4;
export const OP_SUBR = 5;
export const OP_DIV = 6;
export const OP_DIVR = 7;

/** Result of `fpuCompute` (valid when it returned true). */
const RESULT = new Float64Array(1);
const MAX_DOUBLE = Number.MAX_VALUE;

/** x87 arithmetic and compares. */
export abstract class CpuFpuArith extends CpuFpuLdSt {
  /** Memory source of a D8/DC/DA/DE memory form: m32real, m64real, m32int, m16int by opcode.
   * Sets flags for an SNaN (#IA) or denormal (#D) source; NaN signals "source invalid". */
  protected fpuMemOperand(op: number): number {
    const s = this.eaSeg;
    const o = this.eaOff;
    switch (op) {
      case 0xd8: {
        const b = this.rd32(s, o);
        this.fpu.srcFlags = isSnan32(b) ? FSW_IE : isDenormal32(b) ? FSW_DE : 0;
        return f32FromBits(b);
      }
      case 0xdc: {
        const lo = this.rd32(s, o);
        const hi = this.rd32(s, o + 4);
        this.fpu.srcFlags = isSnan64(hi, lo) ? FSW_IE : isDenormal64(hi, lo) ? FSW_DE : 0;
        return f64FromBits(lo, hi);
      }
      case 0xda:
        this.fpu.srcFlags = 0;
        return this.rd32(s, o);
      default:
        this.fpu.srcFlags = 0;
        return (this.rd16(s, o) << 16) >> 16;
    }
  }

  /** D8/DC/DA/DE with a memory operand: ST(0) = ST(0) op m (or the compare). */
  protected fpuArithMem(op: number, kind: number): void {
    const m = this.fpuMemOperand(op);
    if (kind === OP_COM || kind === OP_COMP) {
      this.fpuCompare(0, m, false, kind === OP_COMP ? 1 : 0);
      return;
    }
    this.fpuArithTo(0, kind, m, this.fpu.srcFlags);
  }

  /** Register forms. `toSt0`: D8 (ST(0) = ST(0) op ST(i)); otherwise DC/DE (ST(i) = ST(i) op
   * ST(0), where /4–/7 are FSUBR, FSUB, FDIVR, FDIV: the SDM's reversed encodings). */
  protected fpuArithReg(kind: number, i: number, toSt0: boolean, pop: boolean): void {
    if (kind === OP_COM || kind === OP_COMP) {
      this.fpuCompareSt(i, false, kind === OP_COMP ? 1 : 0);
      return;
    }
    if (this.stEmpty(0) || this.stEmpty(i)) {
      if (!this.fpuUnderflow()) return;
      this.stSet(toSt0 ? 0 : i, Number.NaN);
      if (pop) this.fpuPop();
      return;
    }
    const snan = this.stSnan(0) || this.stSnan(i) ? FSW_IE : 0;
    if (toSt0) {
      if (!this.fpuArithTo(0, kind, this.stGet(i), snan)) return;
    } else {
      const k = kind >= OP_SUB ? kind ^ 1 : kind;
      if (!this.fpuArithTo(i, k, this.stGet(0), snan)) return;
    }
    if (pop) this.fpuPop();
  }

  /** ST(d) = ST(d) op src with the exception rules; false when an unmasked exception left the
   * destination unchanged. */
  private fpuArithTo(d: number, kind: number, src: number, flags: number): boolean {
    if (this.stEmpty(d)) {
      if (!this.fpuUnderflow()) return false;
      this.stSet(d, Number.NaN);
      return true;
    }
    if (flags === 0 && this.stSnan(d)) flags = FSW_IE;
    const a = this.stGet(d);
    const pre = this.fpuCompute(kind, a, src, flags);
    if (pre === false) return false;
    this.stSet(d, RESULT[0] as number);
    return true;
  }

  /** Computes a op b into RESULT with the exception flags; false when an unmasked pre-computation
   * exception (#I, #D, #Z) suppresses the result. */
  private fpuCompute(kind: number, a: number, b: number, srcFlags: number): boolean {
    if (srcFlags & FSW_IE || Number.isNaN(a) || Number.isNaN(b)) {
      if (srcFlags & FSW_IE && !this.fpuRaise(FSW_IE)) return false;
      RESULT[0] = Number.NaN;
      this.fpuClearC1();
      return true;
    }
    let x: number;
    switch (kind) {
      case OP_ADD:
        x = a + b;
        break;
      case OP_SUB:
        x = a - b;
        break;
      case OP_SUBR:
        x = b - a;
        break;
      case OP_MUL:
        x = a * b;
        break;
      case OP_DIV:
        x = a / b;
        break;
      default:
        x = b / a;
        break;
    }
    let flags = srcFlags;
    if (Number.isNaN(x))
      flags |= FSW_IE; // ∞ − ∞, 0 · ∞, 0/0, ∞/∞
    else if (!Number.isFinite(x) && Number.isFinite(a) && Number.isFinite(b) && kind >= OP_DIV) {
      const den = kind === OP_DIV ? b : a;
      if (den === 0) flags |= FSW_ZE;
    }
    if (flags & (FSW_IE | FSW_ZE | FSW_DE) && !this.fpuRaise(flags & (FSW_IE | FSW_ZE | FSW_DE)))
      return false;
    if (flags & (FSW_IE | FSW_ZE)) {
      // Masked responses: the QNaN indefinite, or ±∞ for a zero divide.
      RESULT[0] = flags & FSW_IE ? Number.NaN : x;
      this.fpuClearC1();
      return true;
    }
    this.fpuRound(kind, a, b, x);
    return true;
  }

  /** Rounds a result per RC and PC, sets #O/#U/#P and C1, into RESULT. */
  private fpuRound(kind: number, a: number, b: number, x: number): void {
    const rc = this.fpuRc();
    const finiteOps = Number.isFinite(a) && Number.isFinite(b);
    let resid = 0;
    let flags = 0;
    if (!finiteOps) {
      // An infinite operand gives an exact result.
    } else if (!Number.isFinite(x)) {
      flags = FSW_OE | FSW_PE;
      x = overflowValue(x < 0, rc, MAX_DOUBLE);
      resid = Number.isFinite(x) ? (x < 0 ? -1 : 1) : x < 0 ? 1 : -1;
    } else if (x !== 0) {
      resid = this.residual(kind, a, b, x);
      if (resid !== 0 && rc !== RC_NEAREST) {
        const y = directed(x, resid, rc);
        if (y !== x) resid = -resid;
        x = y;
      }
    } else if (kind !== OP_ADD && kind !== OP_SUB && kind !== OP_SUBR && a !== 0 && b !== 0) {
      // A product or quotient of non-zero operands that rounded to zero.
      resid = a < 0 !== b < 0 ? -1 : 1;
    }
    if ((this.fpu.fcw & 0x300) === 0 && Number.isFinite(x)) {
      // Precision control: single (24-bit significand).
      const y = roundF32(x, rc);
      if (y !== x) resid = y > x ? -1 : 1;
      x = y;
    }
    if (resid !== 0) {
      flags |= FSW_PE;
      if (Math.abs(x) < 2 ** -1022) flags |= FSW_UE;
    }
    RESULT[0] = x;
    // C1: rounded up in magnitude.
    if (resid !== 0 && (x > 0 || Object.is(x, 0) ? resid < 0 : resid > 0)) this.fpu.fsw |= FSW_C1;
    else this.fpu.fsw &= ~FSW_C1;
    if (flags) this.fpuRaise(flags);
  }

  /** Sign of (exact − rounded) for one operation (finite operands, finite non-zero result). */
  private residual(kind: number, a: number, b: number, x: number): number {
    switch (kind) {
      case OP_ADD:
        return addResidual(a, b, x);
      case OP_SUB:
        return addResidual(a, -b, x);
      case OP_SUBR:
        return addResidual(b, -a, x);
      case OP_MUL:
        return a === 0 || b === 0 ? 0 : mulResidual(a, b, x);
      case OP_DIV:
        return Number.isFinite(b) && b !== 0 && a !== 0 && Number.isFinite(a) ? divResidual(a, b, x) : 0;
      default:
        return Number.isFinite(a) && a !== 0 && b !== 0 && Number.isFinite(b) ? divResidual(b, a, x) : 0;
    }
  }

  // --- compares -----------------------------------------------------------------------------------

  /** FCOM/FCOMP/FCOMPP/FUCOM* against ST(i) (`pops` registers popped afterwards). */
  protected fpuCompareSt(i: number, quiet: boolean, pops: number): void {
    if (this.stEmpty(0) || this.stEmpty(i)) {
      if (!this.fpuUnderflow()) return;
      this.setCc(FSW_C3 | FSW_C2 | FSW_C0);
      for (let k = 0; k < pops; k++) this.fpuPop();
      return;
    }
    const snan = this.stSnan(0) || this.stSnan(i);
    this.fpuCompareValues(this.stGet(0), this.stGet(i), quiet, snan, pops);
  }

  /** FCOM/FCOMP m32/m64, FICOM/FICOMP m16/m32 (`m` from fpuMemOperand), FTST (m = 0). */
  protected fpuCompare(_unused: number, m: number, quiet: boolean, pops: number): void {
    if (this.stEmpty(0)) {
      if (!this.fpuUnderflow()) return;
      this.setCc(FSW_C3 | FSW_C2 | FSW_C0);
      for (let k = 0; k < pops; k++) this.fpuPop();
      return;
    }
    const snan = this.stSnan(0) || (this.fpu.srcFlags & FSW_IE) !== 0;
    if (this.fpu.srcFlags & FSW_DE && !this.fpuRaise(FSW_DE)) return;
    this.fpuCompareValues(this.stGet(0), m, quiet, snan, pops);
  }

  /** FTST (D9 E4): compare ST(0) with +0.0. */
  protected ftst(): void {
    this.fpu.srcFlags = 0;
    this.fpuCompare(0, 0, false, 0);
  }

  private fpuCompareValues(a: number, b: number, quiet: boolean, snan: boolean, pops: number): void {
    if (Number.isNaN(a) || Number.isNaN(b)) {
      // FCOM: any NaN is #IA; FUCOM: only an SNaN (SDM FCOM/FUCOM).
      if ((snan || !quiet) && !this.fpuRaise(FSW_IE)) return;
      this.setCc(FSW_C3 | FSW_C2 | FSW_C0);
    } else this.setCc(a > b ? 0 : a < b ? FSW_C0 : FSW_C3);
    for (let k = 0; k < pops; k++) this.fpuPop();
  }

  /** Sets C3 C2 C0 (C1 = 0). */
  private setCc(cc: number): void {
    this.fpu.fsw = (this.fpu.fsw & ~(FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)) | cc;
  }

  /** FCOMI/FCOMIP/FUCOMI/FUCOMIP ST(0), ST(i) (DB F0+i, DF F0+i, DB E8+i, DF E8+i): ZF PF CF
   * (OF SF AF cleared), unordered = 111 (SDM FCOMI). */
  protected fcomi(i: number, quiet: boolean, pop: boolean): void {
    let r: number;
    if (this.stEmpty(0) || this.stEmpty(i)) {
      if (!this.fpuUnderflow()) return;
      r = ZF | PF | CF;
    } else {
      const a = this.stGet(0);
      const b = this.stGet(i);
      this.fpuClearC1();
      if (Number.isNaN(a) || Number.isNaN(b)) {
        const snan = this.stSnan(0) || this.stSnan(i);
        if ((snan || !quiet) && !this.fpuRaise(FSW_IE)) return;
        r = ZF | PF | CF;
      } else r = a > b ? 0 : a < b ? CF : ZF;
    }
    this.settle();
    this.flags = (this.flags & ~0x8d5) | r;
    if (pop) this.fpuPop();
  }

  /** FCMOVcc ST(0), ST(i) (DA/DB C0–DF): B E BE U and their negations on CF ZF PF. */
  protected fcmov(op: number, reg: number, i: number): void {
    if (this.stEmpty(0) || this.stEmpty(i)) {
      if (!this.fpuUnderflow()) return;
      if (this.stEmpty(0)) this.stSet(0, Number.NaN);
      if (this.stEmpty(i)) return;
    } else this.fpuClearC1();
    // reg 0 B (cc 2), 1 E (4), 2 BE (6), 3 U (PF: 10); DB negates.
    const cc = [2, 4, 6, 10][reg & 3] as number;
    const want = this.cond(cc) !== (op === 0xdb);
    if (want) this.stCopy(0, i);
  }

  // --- one-operand operations ---------------------------------------------------------------------

  /** ST(0) present, or a masked stack underflow stored the indefinite (returns false then, or when
   * unmasked). */
  protected fpuSt0Ready(): boolean {
    if (!this.stEmpty(0)) return true;
    if (this.fpuUnderflow()) this.stSet(0, Number.NaN);
    return false;
  }

  /** FCHS / FABS (D9 E0 / E1): sign only, no exceptions, the 80-bit image kept. */
  protected fsign(abs: boolean): void {
    if (!this.fpuSt0Ready()) return;
    this.fpuClearC1();
    const f = this.fpu;
    const p = this.stIdx(0);
    const v = f.st[p] as number;
    f.st[p] = abs ? Math.abs(v) : -v;
    const se = f.rawSe[p] as number;
    f.rawSe[p] = abs ? se & 0x7fff : se ^ 0x8000;
  }

  /** FXAM (D9 E5): C3 C2 C0 class, C1 sign — also for an empty register (its old contents' sign). */
  protected fxam(): void {
    const f = this.fpu;
    const p = this.stIdx(0);
    let cc: number;
    let neg: boolean;
    if (f.rawValid[p]) {
      neg = ((f.rawSe[p] as number) & 0x8000) !== 0;
      cc = this.classifyRaw(p);
    } else {
      const v = f.st[p] as number;
      // A NaN here is the QNaN indefinite, whose sign bit is set.
      neg = v < 0 || Object.is(v, -0) || Number.isNaN(v);
      if (Number.isNaN(v)) cc = FSW_C0;
      else if (!Number.isFinite(v)) cc = FSW_C2 | FSW_C0;
      else cc = v === 0 ? FSW_C3 : FSW_C2;
    }
    if (f.empty[p]) cc = FSW_C3 | FSW_C0;
    f.fsw = (f.fsw & ~(FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)) | cc | (neg ? FSW_C1 : 0);
  }

  private classifyRaw(p: number): number {
    const f = this.fpu;
    const exp = (f.rawSe[p] as number) & 0x7fff;
    const hi = f.rawHi[p] as number;
    const lo = f.rawLo[p] as number;
    if (exp === 0x7fff) {
      if (hi >= 0) return 0; // unsupported (pseudo-NaN/∞)
      return (hi & 0x7fffffff) === 0 && lo === 0 ? FSW_C2 | FSW_C0 : FSW_C0;
    }
    if (exp === 0) return hi === 0 && lo === 0 ? FSW_C3 : FSW_C3 | FSW_C2;
    return hi < 0 ? FSW_C2 : 0;
  }

  /** FSQRT (D9 FA). */
  protected fsqrt(): void {
    if (!this.fpuSt0Ready()) return;
    const a = this.stGet(0);
    if (this.stSnan(0) || (a < 0 && !Number.isNaN(a))) {
      // C0 C2 C3 are undefined (SDM FSQRT); a negative operand gives C2 = 1 and the others 0, as
      // QEMU's helper_fsqrt.
      if (a < 0) this.fpu.fsw = (this.fpu.fsw & ~(FSW_C0 | FSW_C1 | FSW_C3)) | FSW_C2;
      if (!this.fpuRaise(FSW_IE)) return;
      this.stSet(0, Number.NaN);
      return;
    }
    let s = Math.sqrt(a);
    let resid = 0;
    if (a > 0 && Number.isFinite(a)) {
      resid = sqrtResidual(a, s);
      const y = directed(s, resid, this.fpuRc());
      if (y !== s) resid = -resid;
      s = y;
    }
    this.stSet(0, s);
    if (resid !== 0) {
      this.fpuRoundC1Sign(resid);
      this.fpuRaise(FSW_PE);
    } else this.fpuClearC1();
  }

  /** C1 from the residual sign of a positive result: rounded up when exact < result. */
  private fpuRoundC1Sign(resid: number): void {
    if (resid < 0) this.fpu.fsw |= FSW_C1;
    else this.fpu.fsw &= ~FSW_C1;
  }

  /** FRNDINT (D9 FC): rounds to an integer per RC; #P when that changed the value. */
  protected frndint(): void {
    if (!this.fpuSt0Ready()) return;
    const a = this.stGet(0);
    if (this.stSnan(0)) {
      if (!this.fpuRaise(FSW_IE)) return;
      this.stSet(0, Number.NaN);
      return;
    }
    if (!Number.isFinite(a)) return;
    let r = roundInt(a, this.fpuRc());
    if (r === 0 && a < 0) r = -0;
    this.stSet(0, r);
    if (r !== a) {
      this.fpuRoundC1(r, a);
      this.fpuRaise(FSW_PE);
    } else this.fpuClearC1();
  }

  /** FSCALE (D9 FD): ST(0) · 2^trunc(ST(1)). */
  protected fscale(): void {
    if (this.stEmpty(0) || this.stEmpty(1)) {
      if (this.fpuUnderflow()) this.stSet(0, Number.NaN);
      return;
    }
    const a = this.stGet(0);
    const b = this.stGet(1);
    if (Number.isNaN(a) || Number.isNaN(b)) {
      if ((this.stSnan(0) || this.stSnan(1)) && !this.fpuRaise(FSW_IE)) return;
      this.stSet(0, Number.NaN);
      return;
    }
    let r: number;
    if (!Number.isFinite(b)) {
      // ∞ scale: 0·2^+∞ and ∞·2^-∞ are invalid (SDM FSCALE table).
      if ((b > 0 && a === 0) || (b < 0 && !Number.isFinite(a))) {
        if (!this.fpuRaise(FSW_IE)) return;
        this.stSet(0, Number.NaN);
        return;
      }
      r = b > 0 ? (a === 0 ? a : a * Infinity) : a * 0;
    } else {
      const n = Math.trunc(b);
      r = a * pow2Clamp(n);
      if (Number.isFinite(a) && !Number.isFinite(r)) {
        this.stSet(0, overflowValue(r < 0, this.fpuRc(), MAX_DOUBLE));
        this.fpu.fsw |= FSW_C1;
        this.fpuRaise(FSW_OE | FSW_PE);
        return;
      }
      if (a !== 0 && r === 0) {
        this.stSet(0, r);
        this.fpuRaise(FSW_UE | FSW_PE);
        return;
      }
    }
    this.fpuClearC1();
    this.stSet(0, r);
  }

  /** FXTRACT (D9 F4): ST(0) → exponent, then push the significand (1 ≤ |s| < 2). */
  protected fxtract(): void {
    if (!this.fpuSt0Ready()) return;
    const a = this.stGet(0);
    if (!this.fpuPushCheck()) return;
    let e: number;
    let s: number;
    if (Number.isNaN(a)) {
      if (this.stSnan(0) && !this.fpuRaise(FSW_IE)) return;
      e = s = Number.NaN;
    } else if (a === 0) {
      // Zero: #Z, exponent −∞, significand the zero (SDM FXTRACT).
      if (!this.fpuRaise(FSW_ZE)) return;
      e = -Infinity;
      s = a;
    } else if (!Number.isFinite(a)) {
      e = Infinity;
      s = a;
    } else {
      e = Math.floor(Math.log2(Math.abs(a)));
      s = a / 2 ** e;
      if (Math.abs(s) >= 2) {
        e += 1;
        s /= 2;
      } else if (Math.abs(s) < 1) {
        e -= 1;
        s *= 2;
      }
    }
    this.fpuClearC1();
    this.stSet(0, e);
    this.fpuPush(s);
  }

  /** FPREM (D9 F8, truncating quotient) / FPREM1 (D9 F5, IEEE round-to-even quotient). The float64
   * remainder is exact in one step, so C2 (incomplete) is always 0; C0 C3 C1 = quotient bits 2 1 0. */
  protected fprem(ieee: boolean): void {
    if (this.stEmpty(0) || this.stEmpty(1)) {
      if (this.fpuUnderflow()) this.stSet(0, Number.NaN);
      return;
    }
    const a = this.stGet(0);
    const b = this.stGet(1);
    if (Number.isNaN(a) || Number.isNaN(b) || !Number.isFinite(a) || b === 0) {
      const invalid = !Number.isNaN(a) && !Number.isNaN(b);
      if ((invalid || this.stSnan(0) || this.stSnan(1)) && !this.fpuRaise(FSW_IE)) return;
      this.stSet(0, Number.NaN);
      return;
    }
    if (!Number.isFinite(b)) {
      // Finite ÷ ∞: the remainder is ST(0), quotient 0.
      this.fpu.fsw &= ~(FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3);
      return;
    }
    let r = a % b; // exact (fmod)
    // Quotient's low three bits: from the remainder modulo 8|b| (exact while 8|b| is finite).
    const m8 = Number.isFinite(8 * b) ? a % (8 * b) : a;
    let q = Math.round((m8 - r) / b);
    if (ieee) {
      const half = Math.abs(b) / 2;
      const ar = Math.abs(r);
      if (ar > half || (ar === half && (q & 1) === 1)) {
        r -= Math.sign(r) * Math.abs(b);
        q += 1;
      }
    }
    q = ((q % 8) + 8) % 8;
    if (r === 0) r = a < 0 ? -0 : 0;
    this.stSet(0, r);
    const fsw = this.fpu.fsw & ~(FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3);
    this.fpu.fsw = fsw | (q & 4 ? FSW_C0 : 0) | (q & 2 ? FSW_C3 : 0) | (q & 1 ? FSW_C1 : 0);
  }
}

/** 2^n clamped so huge scale counts still overflow / underflow. */
function pow2Clamp(n: number): number {
  if (n > 2100) return Infinity;
  if (n < -2200) return 0;
  if (n > 1023) return 2 ** 1023 * 2 ** (n - 1023);
  if (n < -1022) return 2 ** -1022 * 2 ** (n + 1022);
  return 2 ** n;
}
