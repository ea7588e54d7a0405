// x86 core: x87 transcendental instructions — FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X,
// FYL2XP1 — computed with the host's float64 Math functions (results may differ from the x87's
// 80-bit ones in the last float64 bits; exact cases are exact: see the README's "x87").
// Behavioural references (no code copied): Intel SDM vol. 2 (each instruction's results table,
// the |x| < 2^63 range of FSIN/FCOS/FSINCOS/FPTAN with C2 = 1 outside it), QEMU
// target/i386/tcg/fpu_helper.c (helper_fptan, helper_fyl2x special cases).

import { CpuFpuArith } from './fpu-arith.js';
import { productError } from './fpu-round.js';
import { FSW_C1, FSW_C2, FSW_IE, FSW_PE, FSW_ZE } from './fpu-state.js';

const TRIG_LIMIT = 2 ** 63;

/** x87 transcendental instructions. */
export abstract class CpuFpuTranscendental extends CpuFpuArith {
  /** Common entry of FSIN/FCOS/FSINCOS/FPTAN: ST(0) checked; returns the argument, or NaN when
   * the instruction is finished (underflow, invalid, out of range). */
  private trigArg(pushes: boolean): number {
    if (!this.fpuSt0Ready()) return Number.NaN;
    const x = this.stGet(0);
    if (Number.isNaN(x) || !Number.isFinite(x)) {
      // ∞ is #IA; an SNaN is #IA; a QNaN passes through.
      if ((this.stSnan(0) || !Number.isNaN(x)) && !this.fpuRaise(FSW_IE)) return Number.NaN;
      this.stSet(0, Number.NaN);
      this.fpu.fsw &= ~(FSW_C1 | FSW_C2);
      if (pushes && this.fpuPushCheck()) this.fpuPush(Number.NaN);
      return Number.NaN;
    }
    if (Math.abs(x) >= TRIG_LIMIT) {
      // Out of range: C2 = 1, ST(0) unchanged.
      this.fpu.fsw |= FSW_C2;
      return Number.NaN;
    }
    if (pushes && this.fpu.empty[(this.fpu.top - 1) & 7] !== 1) {
      this.fpuPushCheck();
      return Number.NaN;
    }
    this.fpu.fsw &= ~(FSW_C1 | FSW_C2);
    return x;
  }

  /** #P unless the result is exact (a zero argument for sin/tan, cos(0) = 1). */
  private inexactUnless(exact: boolean): void {
    if (!exact) this.fpuRaise(FSW_PE);
  }

  /** FSIN (D9 FE). */
  protected fsin(): void {
    const x = this.trigArg(false);
    if (Number.isNaN(x)) return;
    this.stSet(0, x === 0 ? x : Math.sin(x));
    this.inexactUnless(x === 0);
  }

  /** FCOS (D9 FF). */
  protected fcos(): void {
    const x = this.trigArg(false);
    if (Number.isNaN(x)) return;
    this.stSet(0, x === 0 ? 1 : Math.cos(x));
    this.inexactUnless(x === 0);
  }

  /** FSINCOS (D9 FB): ST(0) = sin, then push cos. */
  protected fsincos(): void {
    const x = this.trigArg(true);
    if (Number.isNaN(x)) return;
    this.stSet(0, x === 0 ? x : Math.sin(x));
    this.fpuPush(x === 0 ? 1 : Math.cos(x));
    this.inexactUnless(x === 0);
  }

  /** FPTAN (D9 F2): ST(0) = tan, then push 1.0. */
  protected fptan(): void {
    const x = this.trigArg(true);
    if (Number.isNaN(x)) return;
    this.stSet(0, x === 0 ? x : Math.tan(x));
    this.fpuPush(1);
    this.inexactUnless(x === 0);
  }

  /** Two-operand entry (FPATAN, FYL2X, FYL2XP1): both present, NaNs handled. Returns false when
   * finished (the result, if any, is in ST(1) and the stack popped). */
  private twoArgs(): boolean {
    if (this.stEmpty(0) || this.stEmpty(1)) {
      if (!this.fpuUnderflow()) return false;
      this.stSet(1, Number.NaN);
      this.fpuPop();
      return false;
    }
    const a = this.stGet(0);
    const b = this.stGet(1);
    if (Number.isNaN(a) || Number.isNaN(b)) {
      if ((this.stSnan(0) || this.stSnan(1)) && !this.fpuRaise(FSW_IE)) return false;
      this.stSet(1, Number.NaN);
      this.fpuPop();
      return false;
    }
    this.fpuClearC1();
    return true;
  }

  /** Stores ST(1) = r, pops; #P unless exact. */
  private twoArgResult(r: number, exact: boolean): void {
    this.stSet(1, r);
    this.fpuPop();
    this.inexactUnless(exact);
  }

  /** FPATAN (D9 F3): ST(1) = arctan(ST(1)/ST(0)) with the quadrant of both signs, pop. */
  protected fpatan(): void {
    if (!this.twoArgs()) return;
    const x = this.stGet(0);
    const y = this.stGet(1);
    const r = Math.atan2(y, x);
    // Exact only for a zero result (y = ±0 with x > 0, or x = +∞ with finite y).
    this.twoArgResult(r, r === 0);
  }

  /** F2XM1 (D9 F0): ST(0) = 2^ST(0) − 1 (defined for −1 ≤ ST(0) ≤ 1). */
  protected f2xm1(): void {
    if (!this.fpuSt0Ready()) return;
    const x = this.stGet(0);
    this.fpuClearC1();
    if (Number.isNaN(x)) {
      if (this.stSnan(0) && !this.fpuRaise(FSW_IE)) return;
      this.stSet(0, Number.NaN);
      return;
    }
    if (Number.isInteger(x) || !Number.isFinite(x)) {
      // 2^n − 1 is exact for the integers in range; +∞ → +∞, −∞ → −1.
      this.stSet(0, x === -Infinity ? -1 : 2 ** x - 1);
      return;
    }
    this.stSet(0, exp2m1(x));
    this.fpuRaise(FSW_PE);
  }

  /** FYL2X (D9 F1): ST(1) = ST(1) · log2(ST(0)), pop. */
  protected fyl2x(): void {
    if (!this.twoArgs()) return;
    const x = this.stGet(0);
    const y = this.stGet(1);
    if (x < 0 || (x === 0 && y === 0) || (x === 1 && !Number.isFinite(y)) || (x === Infinity && y === 0)) {
      if (!this.fpuRaise(FSW_IE)) return;
      this.twoArgResult(Number.NaN, true);
      return;
    }
    if (x === 0) {
      // log2(0) = −∞: #Z; the result is ∓∞ against ST(1)'s sign.
      if (!this.fpuRaise(FSW_ZE)) return;
      this.twoArgResult(y > 0 ? -Infinity : Infinity, true);
      return;
    }
    const l = Math.log2(x);
    const exactLog = Number.isInteger(l) && 2 ** l === x;
    const r = y * l;
    this.twoArgResult(r, exactLog && (l === 0 || !Number.isFinite(r) || r / l === y));
  }

  /** FYL2XP1 (D9 F9): ST(1) = ST(1) · log2(ST(0) + 1), pop (|ST(0)| < 1 − √2/2). */
  protected fyl2xp1(): void {
    if (!this.twoArgs()) return;
    const x = this.stGet(0);
    const y = this.stGet(1);
    if ((x === 0 && !Number.isFinite(y)) || x <= -1) {
      if (!this.fpuRaise(FSW_IE)) return;
      this.twoArgResult(Number.NaN, true);
      return;
    }
    if (x === 0) {
      this.twoArgResult(y < 0 !== Object.is(x, -0) ? -0 : 0, true);
      return;
    }
    this.twoArgResult((y * Math.log1p(x)) / Math.LN2, false);
  }
}

/** ln 2 as a float64 (LN2_HI = Math.LN2) and the rest (ln 2 − LN2_HI, to float64 precision). */
const LN2_LO = 2.3190468138462996e-17;

/** 2^x − 1 for |x| ≤ 1 to about one float64 rounding: expm1 of x·ln 2 with the product's rounding
 * error (Dekker's split of x · LN2_HI plus x · LN2_LO) added back to first order. */
function exp2m1(x: number): number {
  const t = x * Math.LN2;
  const e = productError(x, Math.LN2, t) + x * LN2_LO;
  const m = Math.expm1(t);
  return m + (1 + m) * e;
}
