// x86 core: x87 loads and stores — FLD/FST/FSTP (m32, m64, m80, ST(i)), FILD/FIST/FISTP (m16, m32,
// m64), FBLD/FBSTP, the constants (FLD1, FLDZ, FLDPI, …), FXCH, FFREE, FINCSTP/FDECSTP.
// Behavioural references (no code copied): Intel SDM vol. 2 (each instruction's "Floating-Point
// Exceptions" and masked responses), vol. 1 4.8.3.7 (indefinites), 8.5; QEMU
// target/i386/tcg/fpu_helper.c (constant images and their RC variants: helper_fldpi_ST0 …).

import { CpuFpuEnv } from './fpu-env.js';
import { overflowValue, RC_CHOP, RC_DOWN, roundF32, roundInt } from './fpu-round.js';
import {
  BITS_OUT,
  EXT_OUT,
  FSW_C1,
  FSW_CC,
  FSW_DE,
  FSW_IE,
  FSW_OE,
  FSW_PE,
  FSW_UE,
  f32Bits,
  f32FromBits,
  f64Bits,
  f64FromBits,
  f64ToExt80,
  isDenormal32,
  isDenormal64,
  isSnan32,
  isSnan64,
} from './fpu-state.js';

/** Constant images (sign/exponent, significand high, low) for FLD1 … FLDZ (D9 E8–EE); index 1–5
 * have a second image for the RC modes that round the other way (SDM FLD1/FLDL2T/…: "rounded per
 * RC"; the images as QEMU's floatx80_l2t/_l2t_u, l2e/_l2e_d, pi/_pi_d, lg2/_lg2_d, ln2/_ln2_d). */
const CONSTS: readonly (readonly number[])[] = [
  [0x3fff, 0x80000000 | 0, 0], // 1
  [0x4000, 0xd49a784b | 0, 0xcd1b8afe | 0, 0xcd1b8aff | 0], // log2(10): up rounds up
  [0x3fff, 0xb8aa3b29 | 0, 0x5c17f0bc | 0, 0x5c17f0bb | 0], // log2(e): down/chop round down
  [0x4000, 0xc90fdaa2 | 0, 0x2168c235 | 0, 0x2168c234 | 0], // pi
  [0x3ffd, 0x9a209a84 | 0, 0xfbcff799 | 0, 0xfbcff798 | 0], // log10(2)
  [0x3ffe, 0xb17217f7 | 0, 0xd1cf79ac | 0, 0xd1cf79ab | 0], // ln(2)
  [0, 0, 0], // +0
];

/** x87 loads and stores. */
export abstract class CpuFpuLdSt extends CpuFpuEnv {
  protected fpuRc(): number {
    return (this.fpu.fcw >> 10) & 3;
  }

  // --- loads --------------------------------------------------------------------------------------

  /** FLD m32real (D9 /0): #IA on an SNaN, #D on a denormal. */
  protected fldM32(): void {
    const b = this.rd32(this.eaSeg, this.eaOff);
    this.fpuLoadChecked(f32FromBits(b), isSnan32(b), isDenormal32(b));
  }

  /** FLD m64real (DD /0). */
  protected fldM64(): void {
    const lo = this.rd32(this.eaSeg, this.eaOff);
    const hi = this.rd32(this.eaSeg, this.eaOff + 4);
    this.fpuLoadChecked(f64FromBits(lo, hi), isSnan64(hi, lo), isDenormal64(hi, lo));
  }

  private fpuLoadChecked(v: number, snan: boolean, denormal: boolean): void {
    if (!this.fpuPushCheck()) return;
    if (snan && !this.fpuRaise(FSW_IE)) return;
    if (denormal && !this.fpuRaise(FSW_DE)) return;
    this.fpuClearC1();
    this.fpuPush(v);
  }

  /** FLD m80real (DB /5): no conversion, so no exception but stack overflow. */
  protected fldM80(): void {
    const lo = this.rd32(this.eaSeg, this.eaOff);
    const hi = this.rd32(this.eaSeg, this.eaOff + 4);
    const se = this.rd16(this.eaSeg, this.eaOff + 8);
    if (!this.fpuPushCheck()) return;
    this.fpuClearC1();
    const f = this.fpu;
    f.top = (f.top - 1) & 7;
    f.empty[f.top] = 0;
    f.loadRaw(f.top, se, hi, lo);
  }

  /** FLD ST(i) (D9 C0+i). */
  protected fldSt(i: number): void {
    if (this.stEmpty(i)) {
      if (!this.fpuUnderflow()) return;
      if (!this.fpuPushCheck()) return;
      this.fpuPush(Number.NaN);
      return;
    }
    if (!this.fpuPushCheck()) return;
    this.fpuClearC1();
    const f = this.fpu;
    f.top = (f.top - 1) & 7;
    this.stCopy(0, i + 1);
  }

  /** FILD m16/m32/m64int (DF /0, DB /0, DF /5): exact on the x87; an m64 beyond 2^53 rounds to
   * the nearest float64. */
  protected fild(size: number): void {
    const s = this.eaSeg;
    const o = this.eaOff;
    let v: number;
    if (size === 2) v = (this.rd16(s, o) << 16) >> 16;
    else if (size === 4) v = this.rd32(s, o);
    else v = this.rd32(s, o + 4) * 4294967296 + (this.rd32(s, o) >>> 0);
    if (!this.fpuPushCheck()) return;
    this.fpuClearC1();
    this.fpuPush(v);
  }

  /** FLD1 … FLDZ (D9 E8+i). */
  protected fldConst(i: number): void {
    if (!this.fpuPushCheck()) return;
    this.fpuClearC1();
    const c = CONSTS[i] as readonly number[];
    const rc = this.fpuRc();
    let lo = c[2] as number;
    if (c.length > 3 && (i === 1 ? rc === 2 : rc === RC_DOWN || rc === RC_CHOP)) lo = c[3] as number;
    const f = this.fpu;
    f.top = (f.top - 1) & 7;
    f.empty[f.top] = 0;
    f.loadRaw(f.top, c[0] as number, c[1] as number, lo);
  }

  /** FBLD m80bcd (DF /4): 18 packed BCD digits and a sign byte (digits above 9 are undefined on
   * the x87; here each nibble counts with its value). */
  protected fbld(): void {
    const s = this.eaSeg;
    const o = this.eaOff;
    let v = 0;
    for (let i = 8; i >= 0; i--) {
      const b = this.rd8(s, o + i);
      v = v * 100 + (b >> 4) * 10 + (b & 15);
    }
    const neg = (this.rd8(s, o + 9) & 0x80) !== 0;
    if (!this.fpuPushCheck()) return;
    this.fpuClearC1();
    this.fpuPush(neg ? -v : v);
  }

  // --- stores -------------------------------------------------------------------------------------

  /** FST/FSTP m32real (D9 /2, /3). */
  protected fstM32(pop: boolean): void {
    const s = this.eaSeg;
    const o = this.eaOff;
    if (this.stEmpty(0)) {
      if (this.fpuUnderflow()) {
        this.wr32(s, o, 0xffc00000 | 0);
        if (pop) this.fpuPop();
      }
      return;
    }
    const v = this.stGet(0);
    let bits: number;
    let flags = 0;
    if (Number.isNaN(v)) {
      if (this.stSnan(0)) flags |= FSW_IE;
      bits = this.nanBits32();
    } else {
      const r = roundF32(v, this.fpuRc());
      let out = r;
      if (!Number.isFinite(r) && Number.isFinite(v)) {
        flags |= FSW_OE | FSW_PE;
        out = overflowValue(v < 0, this.fpuRc(), 3.4028234663852886e38);
      } else if (r !== v) {
        flags |= FSW_PE;
        if (r !== 0 && Math.abs(r) < 2 ** -126) flags |= FSW_UE;
      }
      bits = f32Bits(out);
      this.fpuRoundC1(out, v);
    }
    if (flags && !this.fpuRaise(flags) && flags & (FSW_IE | FSW_OE | FSW_UE)) return;
    this.wr32(s, o, bits);
    if (pop) this.fpuPop();
  }

  /** FST/FSTP m64real (DD /2, /3). Registers hold float64 values, so this is exact (an 80-bit
   * image loaded by FLD m80/FRSTOR is stored as its nearest float64, without #P). */
  protected fstM64(pop: boolean): void {
    const s = this.eaSeg;
    const o = this.eaOff;
    this.checkWrite(s, o, 8);
    if (this.stEmpty(0)) {
      if (this.fpuUnderflow()) {
        this.wr32(s, o, 0);
        this.wr32(s, o + 4, 0xfff80000 | 0);
        if (pop) this.fpuPop();
      }
      return;
    }
    const v = this.stGet(0);
    this.fpuClearC1();
    if (Number.isNaN(v)) {
      if (this.stSnan(0) && !this.fpuRaise(FSW_IE)) return;
      this.nanBits64();
    } else {
      f64Bits(v);
      this.fpuM64Inexact(v);
    }
    this.wr32(s, o, BITS_OUT[0] as number);
    this.wr32(s, o + 4, BITS_OUT[1] as number);
    if (pop) this.fpuPop();
  }

  /** FSTP m80real (DB /7). */
  protected fstpM80(): void {
    const s = this.eaSeg;
    const o = this.eaOff;
    this.checkWrite(s, o, 10);
    if (this.stEmpty(0)) {
      if (!this.fpuUnderflow()) return;
      f64ToExt80(Number.NaN);
    } else {
      this.fpuClearC1();
      this.fpu.image(this.stIdx(0));
    }
    this.fpuWrite80(s, o, EXT_OUT[0] as number, EXT_OUT[1] as number, EXT_OUT[2] as number);
    this.fpuPop();
  }

  /** FST/FSTP ST(i) (DD D0+i, DD D8+i; the aliases D9 D8+i, DF D0+i, DF D8+i). */
  protected fstSt(i: number, pop: boolean): void {
    if (this.stEmpty(0)) {
      if (!this.fpuUnderflow()) return;
      this.stSet(i, Number.NaN);
    } else {
      this.fpuClearC1();
      this.stCopy(i, 0);
    }
    if (pop) this.fpuPop();
  }

  /** ST(0) rounded to an integer per RC for an integer or BCD store, valid when low ≤ v < high,
   * with #IS/#IA/#P and C1. Returns the integer, NaN
   * when the masked response (the indefinite) is to be stored, or null when an unmasked exception
   * cancels the store. */
  private roundedSt0(low: number, high: number): number | null {
    if (this.stEmpty(0)) return this.fpuUnderflow() ? Number.NaN : null;
    const x = this.stGet(0);
    const v = roundInt(x, this.fpuRc());
    if (!(v >= low && v < high)) return this.fpuRaise(FSW_IE) ? Number.NaN : null;
    if (v === x) {
      this.fpuClearC1();
      return v;
    }
    this.fpuRoundC1(v, x);
    this.fpuRaise(FSW_PE); // #P is post-computation: the store happens even when it is unmasked
    return v;
  }

  /** FIST/FISTP m16/m32/m64int (DF /2 /3, DB /2 /3, DF /7): rounded per RC; out of range or NaN
   * is #IA with the integer indefinite (the most negative integer) as the masked response. */
  protected fist(size: number, pop: boolean): void {
    this.checkWrite(this.eaSeg, this.eaOff, size);
    const half = size === 2 ? 0x8000 : size === 4 ? 0x80000000 : 2 ** 63;
    const v = this.roundedSt0(-half, half);
    if (v === null) return;
    this.storeInt(size, Number.isNaN(v) ? -half : v);
    if (pop) this.fpuPop();
  }

  private storeInt(size: number, v: number): void {
    const s = this.eaSeg;
    const o = this.eaOff;
    if (size === 2) this.wr16(s, o, v);
    else if (size === 4) this.wr32(s, o, v);
    else {
      const b = BigInt.asUintN(64, BigInt(v));
      this.wr32(s, o, Number(b & 0xffffffffn) | 0);
      this.wr32(s, o + 4, Number(b >> 32n) | 0);
    }
  }

  /** FBSTP m80bcd (DF /6): rounded per RC; |value| ≥ 10^18, NaN or ∞ is #IA with the packed-BCD
   * indefinite (FFFF C000 0000 0000 0000h) as the masked response. */
  protected fbstp(): void {
    const s = this.eaSeg;
    const o = this.eaOff;
    this.checkWrite(s, o, 10);
    const v = this.roundedSt0(-1e18 + 1, 1e18);
    if (v === null) return;
    if (Number.isNaN(v)) {
      for (let i = 0; i < 7; i++) this.wr8(s, o + i, 0);
      this.wr8(s, o + 7, 0xc0);
      this.wr8(s, o + 8, 0xff);
      this.wr8(s, o + 9, 0xff);
    } else {
      let d = BigInt(Math.abs(v));
      for (let i = 0; i < 9; i++) {
        const lo = Number(d % 10n);
        d /= 10n;
        const hi = Number(d % 10n);
        d /= 10n;
        this.wr8(s, o + i, (hi << 4) | lo);
      }
      this.wr8(s, o + 9, v < 0 || Object.is(v, -0) ? 0x80 : 0);
    }
    this.fpuPop();
  }

  /** #P (and C1) when ST(0) holds an 80-bit image that its float64 `v` does not represent exactly
   * (the only case where FST m64 rounds in this model). BITS_OUT (v's bits) is preserved. */
  private fpuM64Inexact(v: number): void {
    const f = this.fpu;
    const p = this.stIdx(0);
    if (!f.rawValid[p] || !Number.isFinite(v)) return;
    const se = f.rawSe[p] as number;
    const hi = f.rawHi[p] as number;
    const lo = f.rawLo[p] as number;
    const bits0 = BITS_OUT[0] as number;
    const bits1 = BITS_OUT[1] as number;
    f64ToExt80(v);
    const e = EXT_OUT[0] as number;
    const h = EXT_OUT[1] as number;
    const l = EXT_OUT[2] as number;
    BITS_OUT[0] = bits0;
    BITS_OUT[1] = bits1;
    if (e === se && h === hi && l === lo) return;
    // Rounded up in magnitude: a larger exponent, or the same exponent and a larger significand.
    const up = (e & 0x7fff) !== (se & 0x7fff) || h >>> 0 > hi >>> 0 || (h === hi && l >>> 0 > lo >>> 0);
    if (up) f.fsw |= FSW_C1;
    this.fpuRaise(FSW_PE);
  }

  // --- register moves -----------------------------------------------------------------------------

  /** FXCH ST(i) (D9 C8+i and aliases): an empty operand is #IS; masked, it reads as the
   * indefinite. */
  protected fxch(i: number): void {
    if (this.stEmpty(0) || this.stEmpty(i)) {
      if (!this.fpuUnderflow()) return;
      if (this.stEmpty(0)) this.stSet(0, Number.NaN);
      if (this.stEmpty(i)) this.stSet(i, Number.NaN);
    } else this.fpuClearC1();
    const f = this.fpu;
    const a = this.stIdx(0);
    const b = this.stIdx(i);
    const t = f.st[a] as number;
    f.st[a] = f.st[b] as number;
    f.st[b] = t;
    swap(f.rawValid, a, b);
    swap(f.rawSe, a, b);
    swap(f.rawHi, a, b);
    swap(f.rawLo, a, b);
  }

  /** FFREE ST(i) (DD C0+i); FFREEP (DF C0+i) pops as well. */
  protected ffree(i: number, pop: boolean): void {
    this.fpu.empty[this.stIdx(i)] = 1;
    if (pop) this.fpuPop();
  }

  /** FINCSTP / FDECSTP (D9 F7 / F6): TOP ± 1, no tag changes. C1 = 0; C0 C2 C3 are undefined
   * (SDM) and cleared, as QEMU's helper_fincstp does. */
  protected fstpAdjust(delta: number): void {
    const f = this.fpu;
    f.top = (f.top + delta) & 7;
    f.fsw &= ~FSW_CC;
  }

  // --- helpers ------------------------------------------------------------------------------------

  /** C1 = 1 when rounding increased the magnitude (SDM 8.1.3.1 "rounded up"), else 0. */
  protected fpuRoundC1(rounded: number, exact: number): void {
    if (Math.abs(rounded) > Math.abs(exact)) this.fpu.fsw |= FSW_C1;
    else this.fpu.fsw &= ~FSW_C1;
  }

  /** ST(i) holds a signalling NaN (known only for registers loaded from an 80-bit image). */
  protected stSnan(i: number): boolean {
    const f = this.fpu;
    const p = this.stIdx(i);
    if (!f.rawValid[p]) return false;
    const hi = f.rawHi[p] as number;
    return (
      ((f.rawSe[p] as number) & 0x7fff) === 0x7fff &&
      (hi & 0x40000000) === 0 &&
      ((hi & 0x3fffffff) !== 0 || f.rawLo[p] !== 0)
    );
  }

  /** The float32 bits for a NaN ST(0): its quietened payload when the 80-bit image is known, else
   * the indefinite FFC00000h. */
  private nanBits32(): number {
    const f = this.fpu;
    const p = this.stIdx(0);
    if (!f.rawValid[p]) return 0xffc00000 | 0;
    const sign = (f.rawSe[p] as number) & 0x8000 ? 0x80000000 : 0;
    return sign | 0x7fc00000 | (((f.rawHi[p] as number) >>> 8) & 0x3fffff) | 0;
  }

  /** As nanBits32 for float64 (BITS_OUT; indefinite FFF8000000000000h). */
  private nanBits64(): void {
    const f = this.fpu;
    const p = this.stIdx(0);
    if (!f.rawValid[p]) {
      BITS_OUT[0] = 0;
      BITS_OUT[1] = 0xfff80000 | 0;
      return;
    }
    const hi = f.rawHi[p] as number;
    const lo = f.rawLo[p] as number;
    const sign = (f.rawSe[p] as number) & 0x8000 ? 0x80000000 : 0;
    BITS_OUT[1] = sign | 0x7ff80000 | ((hi >>> 11) & 0x7ffff) | 0;
    BITS_OUT[0] = (hi << 21) | (lo >>> 11) | 0;
  }
}

function swap(a: Uint8Array | Uint16Array | Int32Array, i: number, j: number): void {
  const t = a[i] as number;
  a[i] = a[j] as number;
  a[j] = t;
}
