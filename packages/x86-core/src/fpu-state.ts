// x86 core: the x87 register file (data only) and the number-format conversions the x87 layers
// share. Behavioural references (no code copied): Intel SDM vol. 1 ch. 8 (x87 FPU state, tag word,
// status word) and 4.8 (real-number encodings); QEMU target/i386/tcg/fpu_helper.c (do_fstenv's
// tag computation).
//
// Values live as float64 (see the README's "x87" section for what that approximates). A register
// loaded from an 80-bit image (FLD m80, FRSTOR, setState) keeps that image until it is written
// again, so saving it back (FSTP m80, FNSAVE, getState) is bit-exact whatever it holds.

/** #MF, the x87 floating-point error (SDM vol. 3A 6.15). */
export const MF = 16;

// Status word bits (SDM vol. 1 8.1.3).
export const FSW_IE = 0x1;
export const FSW_DE = 0x2;
export const FSW_ZE = 0x4;
export const FSW_OE = 0x8;
export const FSW_UE = 0x10;
export const FSW_PE = 0x20;
export const FSW_SF = 0x40;
export const FSW_ES = 0x80;
export const FSW_C0 = 0x100;
export const FSW_C1 = 0x200;
export const FSW_C2 = 0x400;
export const FSW_C3 = 0x4000;
export const FSW_B = 0x8000;
export const FSW_CC = FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3;
/** The six exception flags (and the control word's six mask bits). */
export const FPU_EXC = 0x3f;

// Tag values (SDM vol. 1 8.1.7).
export const TAG_VALID = 0;
export const TAG_ZERO = 1;
export const TAG_SPECIAL = 2;
export const TAG_EMPTY = 3;

/** The 80-bit QNaN floating-point indefinite: sign 1, exponent 7FFF, significand C000…0. */
export const INDEFINITE_SE = 0xffff;
export const INDEFINITE_HI = 0xc0000000 | 0;

/** JSON-safe x87 state (part of CpuState). Registers are physical R0–R7 as 80-bit images, 20 hex
 * digits each (sign/exponent, then the 64-bit significand). */
export interface FpuState {
  fcw: number;
  /** Status word with TOP in bits 11–13. */
  fsw: number;
  /** Empty flags per physical register (bit i: R_i empty). */
  empty: number;
  regs: string[];
  fip: number;
  fcs: number;
  fdp: number;
  fds: number;
  fop: number;
  /** FERR# is asserted (and not yet answered by IGNNE#). */
  ferr: boolean;
  /** IGNNE# is asserted (a write to port F0h; dropped when ES clears). */
  ignne: boolean;
}

/** The x87 register file: one object held by CpuCore (`fpu`). */
export class FpuRegs {
  /** Physical registers R0–R7 as float64. */
  readonly st = new Float64Array(8);
  /** 1 = empty (the only tag the hardware keeps; the others are derived from the contents). */
  readonly empty = new Uint8Array(8);
  /** 1 = `rawSe/rawHi/rawLo` hold the register's exact 80-bit image. */
  readonly rawValid = new Uint8Array(8);
  readonly rawSe = new Uint16Array(8);
  readonly rawHi = new Int32Array(8);
  readonly rawLo = new Int32Array(8);
  fcw = 0x40;
  /** Status word without TOP (bits 11–13 always 0 here). */
  fsw = 0;
  top = 0;
  fip = 0;
  fcs = 0;
  fdp = 0;
  fds = 0;
  fop = 0;
  ferr = false;
  ignne = false;
  /** The FERR# output (the board's callback; not state). */
  ferrOut: ((asserted: boolean) => void) | null = null;
  /** Scratch: exception flags (#IA for an SNaN, #D for a denormal) of the memory operand just read. */
  srcFlags = 0;

  /** Power-on values (SDM vol. 3A table 9-1: FCW 0040h, FSW 0, FTW 5555h, registers +0.0). */
  reset(): void {
    this.st.fill(0);
    this.empty.fill(0);
    this.rawValid.fill(0);
    this.fcw = 0x40;
    this.fsw = 0;
    this.top = 0;
    this.fip = this.fcs = this.fdp = this.fds = this.fop = 0;
    this.ferr = false;
    this.ignne = false;
  }

  /** FNINIT (SDM FINIT): FCW 037Fh, FSW 0, all registers empty, pointers and opcode 0. */
  init(): void {
    this.fcw = 0x37f;
    this.fsw = 0;
    this.top = 0;
    this.empty.fill(1);
    this.fip = this.fcs = this.fdp = this.fds = this.fop = 0;
  }

  /** Status word as FNSTSW stores it (TOP merged). */
  statusWord(): number {
    return (this.fsw & ~0x3800) | (this.top << 11);
  }

  /** Loads a status word (FLDENV/FRSTOR): TOP from bits 11–13, B mirrors ES. */
  setStatusWord(v: number): void {
    this.top = (v >> 11) & 7;
    let s = v & ~0x3800 & ~FSW_B & 0xffff;
    if (s & FSW_ES) s |= FSW_B;
    this.fsw = s;
  }

  /** The tag of physical register i (SDM vol. 1 8.1.7), derived from its contents. */
  tag(i: number): number {
    if (this.empty[i]) return TAG_EMPTY;
    if (this.rawValid[i])
      return rawTag(this.rawSe[i] as number, this.rawHi[i] as number, this.rawLo[i] as number);
    const v = this.st[i] as number;
    if (v === 0) return TAG_ZERO;
    return Number.isFinite(v) ? TAG_VALID : TAG_SPECIAL;
  }

  /** The full 16-bit tag word (FNSTENV/FNSAVE). */
  tagWord(): number {
    let w = 0;
    for (let i = 7; i >= 0; i--) w = (w << 2) | this.tag(i);
    return w;
  }

  /** Applies a tag word (FLDENV/FRSTOR): only "empty" (11) is kept, as the hardware recomputes
   * the others from the register contents (QEMU do_fldenv does the same). */
  setTagWord(w: number): void {
    for (let i = 0; i < 8; i++) this.empty[i] = ((w >> (2 * i)) & 3) === 3 ? 1 : 0;
  }

  /** Writes physical register i from an 80-bit image, keeping the image. */
  loadRaw(i: number, se: number, hi: number, lo: number): void {
    this.st[i] = ext80ToF64(se, hi, lo);
    this.rawValid[i] = 1;
    this.rawSe[i] = se;
    this.rawHi[i] = hi;
    this.rawLo[i] = lo;
  }

  /** The 80-bit image of physical register i in `EXT_OUT` (se, hi, lo). */
  image(i: number): void {
    if (this.rawValid[i]) {
      EXT_OUT[0] = this.rawSe[i] as number;
      EXT_OUT[1] = this.rawHi[i] as number;
      EXT_OUT[2] = this.rawLo[i] as number;
    } else f64ToExt80(this.st[i] as number);
  }

  getState(): FpuState {
    const regs: string[] = [];
    for (let i = 0; i < 8; i++) {
      this.image(i);
      regs.push(
        hex(EXT_OUT[0] as number, 4) +
          hex((EXT_OUT[1] as number) >>> 0, 8) +
          hex((EXT_OUT[2] as number) >>> 0, 8),
      );
    }
    let empty = 0;
    for (let i = 0; i < 8; i++) empty |= (this.empty[i] as number) << i;
    return {
      fcw: this.fcw,
      fsw: this.statusWord(),
      empty,
      regs,
      fip: this.fip >>> 0,
      fcs: this.fcs,
      fdp: this.fdp >>> 0,
      fds: this.fds,
      fop: this.fop,
      ferr: this.ferr,
      ignne: this.ignne,
    };
  }

  setState(s: FpuState): void {
    if (!s || !Array.isArray(s.regs) || s.regs.length !== 8) throw new Error('Cpu.setState: bad fpu state');
    for (let i = 0; i < 8; i++) {
      const r = s.regs[i] as string;
      if (!/^[0-9a-f]{20}$/.test(r)) throw new Error('Cpu.setState: bad fpu register image');
      this.loadRaw(
        i,
        Number.parseInt(r.slice(0, 4), 16),
        Number.parseInt(r.slice(4, 12), 16) | 0,
        Number.parseInt(r.slice(12), 16) | 0,
      );
      this.empty[i] = (s.empty >> i) & 1;
    }
    this.fcw = s.fcw & 0xffff;
    this.setStatusWord(s.fsw);
    this.fip = s.fip | 0;
    this.fcs = s.fcs & 0xffff;
    this.fdp = s.fdp | 0;
    this.fds = s.fds & 0xffff;
    this.fop = s.fop & 0x7ff;
    this.ferr = s.ferr === true;
    this.ignne = s.ignne === true;
  }
}

function hex(v: number, digits: number): string {
  return v.toString(16).padStart(digits, '0');
}

/** Tag of an 80-bit image: zero, special (NaN, infinity, denormal, unnormal/pseudo forms) or valid. */
function rawTag(se: number, hi: number, lo: number): number {
  const exp = se & 0x7fff;
  if (exp === 0) return hi === 0 && lo === 0 ? TAG_ZERO : TAG_SPECIAL;
  if (exp === 0x7fff || hi >= 0) return TAG_SPECIAL;
  return TAG_VALID;
}

// Scratch for bit conversions (one DataView over 8 bytes; little-endian words).
const scratch = new DataView(new ArrayBuffer(8));

/** Out-parameters of `f64ToExt80`/`FpuRegs.image`: [sign|exponent, significand bits 63–32, 31–0]. */
export const EXT_OUT = new Int32Array(3);
/** Out-parameters of `f64Bits`: [low dword, high dword]. */
export const BITS_OUT = new Int32Array(2);

/** 2^n for any integer n (two steps so exponents beyond the float64 range scale without a
 * premature overflow or underflow to zero). */
export function pow2(n: number): number {
  if (n > 1023) return 2 ** 1023 * 2 ** (n - 1023);
  if (n < -1022) return 2 ** -1022 * 2 ** (n + 1022);
  return 2 ** n;
}

/** The float64 nearest an 80-bit image (NaNs become NaN; extended denormals and values beyond the
 * float64 range round to 0 / infinity: the float64 model's range). */
export function ext80ToF64(se: number, hi: number, lo: number): number {
  const exp = se & 0x7fff;
  const neg = (se & 0x8000) !== 0;
  const h = hi >>> 0;
  const l = lo >>> 0;
  if (exp === 0x7fff) {
    if ((h & 0x7fffffff) === 0 && l === 0) return neg ? -Infinity : Infinity;
    return Number.NaN;
  }
  // h·2^32 + l is rounded once (round to nearest even) to 53 bits; the scaling is exact unless the
  // result leaves the float64 range.
  const mant = h * 4294967296 + l;
  if (mant === 0) return neg ? -0 : 0;
  const e = (exp === 0 ? 1 : exp) - 16383 - 63;
  // Scale in two steps through an intermediate that keeps 53 bits.
  const v = e < -1000 ? mant * 2 ** -600 * pow2(e + 600) : mant * pow2(e);
  return neg ? -v : v;
}

/** The 80-bit image of a float64 in EXT_OUT (exact: every float64 is an extended value). NaN is
 * written as the QNaN indefinite (the model keeps no NaN payloads). */
export function f64ToExt80(v: number): void {
  if (Number.isNaN(v)) {
    EXT_OUT[0] = INDEFINITE_SE;
    EXT_OUT[1] = INDEFINITE_HI;
    EXT_OUT[2] = 0;
    return;
  }
  scratch.setFloat64(0, v, true);
  const lo = scratch.getUint32(0, true);
  const hi = scratch.getUint32(4, true);
  const sign = hi >>> 31 ? 0x8000 : 0;
  let exp = (hi >>> 20) & 0x7ff;
  let fh = hi & 0xfffff;
  let fl = lo;
  if (exp === 0x7ff) {
    EXT_OUT[0] = sign | 0x7fff;
    EXT_OUT[1] = 0x80000000 | 0;
    EXT_OUT[2] = 0;
    return;
  }
  if (exp === 0) {
    if (fh === 0 && fl === 0) {
      EXT_OUT[0] = sign;
      EXT_OUT[1] = 0;
      EXT_OUT[2] = 0;
      return;
    }
    // float64 denormal: normalise (it is a normal extended value).
    exp = 1;
    while ((fh & 0x100000) === 0) {
      fh = (fh << 1) | (fl >>> 31);
      fl = (fl << 1) >>> 0;
      exp--;
    }
    fh &= 0xfffff;
  }
  // 1.f (52 bits of fraction) → explicit integer bit at 63, fraction shifted left by 11.
  EXT_OUT[0] = sign | (exp - 1023 + 16383);
  EXT_OUT[1] = 0x80000000 | (fh << 11) | (fl >>> 21) | 0;
  EXT_OUT[2] = (fl << 11) | 0;
}

export function f64FromBits(lo: number, hi: number): number {
  scratch.setInt32(0, lo, true);
  scratch.setInt32(4, hi, true);
  return scratch.getFloat64(0, true);
}

export function f64Bits(v: number): void {
  scratch.setFloat64(0, v, true);
  BITS_OUT[0] = scratch.getInt32(0, true);
  BITS_OUT[1] = scratch.getInt32(4, true);
}

export function f32FromBits(b: number): number {
  scratch.setInt32(0, b, true);
  return scratch.getFloat32(0, true);
}

export function f32Bits(v: number): number {
  scratch.setFloat32(0, v, true);
  return scratch.getInt32(0, true);
}

/** Whether a float32 / float64 bit pattern is a denormal (for the #D operand check). */
export function isDenormal32(b: number): boolean {
  return (b & 0x7f800000) === 0 && (b & 0x7fffff) !== 0;
}

export function isDenormal64(hi: number, lo: number): boolean {
  return (hi & 0x7ff00000) === 0 && ((hi & 0xfffff) !== 0 || lo !== 0);
}

/** Whether a float32 / float64 / 80-bit pattern is a signalling NaN (an #IA operand). */
export function isSnan32(b: number): boolean {
  return (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0 && (b & 0x400000) === 0;
}

export function isSnan64(hi: number, lo: number): boolean {
  return (hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0x7ffff) !== 0 || lo !== 0) && (hi & 0x80000) === 0;
}
