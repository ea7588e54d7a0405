// x86 core: rounding arithmetic for the x87 float64 model — the sign of each operation's rounding
// error (error-free transformations: Knuth's TwoSum, Dekker's product), directed rounding of a
// round-to-nearest result, float32 and integer rounding under the control word's RC field.
// Behavioural references (no code copied): Intel SDM vol. 1 4.8.4 (rounding control), 8.1.5.3;
// T. J. Dekker, "A floating-point technique for extending the available precision" (1971).

import { BITS_OUT, f32Bits, f32FromBits, f64Bits, f64FromBits, pow2 } from './fpu-state.js';

export const RC_NEAREST = 0;
export const RC_DOWN = 1;
export const RC_UP = 2;
export const RC_CHOP = 3;

const SPLIT = 134217729; // 2^27 + 1

/** Exponent k with |x|·2^-k in about [1, 2) (x finite, non-zero). */
function expOf(x: number): number {
  return Math.floor(Math.log2(Math.abs(x)));
}

/** Sign of (a + b) − s, where s is a + b rounded to nearest (s finite). */
export function addResidual(a: number, b: number, s: number): number {
  const bb = s - a;
  const e = a - (s - bb) + (b - bb);
  return Math.sign(e);
}

/** a·b − p exactly (Dekker), for operands and product well inside the float64 range. */
export function productError(a: number, b: number, p: number): number {
  const ca = SPLIT * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = SPLIT * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** Sign of a·b − p, where p is a·b rounded to nearest (finite, a, b non-zero). Operands are
 * scaled by powers of two so the error terms neither overflow nor underflow. */
export function mulResidual(a: number, b: number, p: number): number {
  const ka = expOf(a);
  const kb = expOf(b);
  const as = a * pow2(-ka);
  const bs = b * pow2(-kb);
  const q = as * bs;
  // p·2^-(ka+kb) is exact unless p is a float64 denormal, where the scaling up is exact too.
  const ps = p * pow2(-ka) * pow2(-kb);
  const d = q - ps;
  return Math.sign(d + productError(as, bs, q));
}

/** Sign of a/b − q (q the rounded quotient, finite and non-zero; a, b finite non-zero). */
export function divResidual(a: number, b: number, q: number): number {
  const ka = expOf(a);
  const kb = expOf(b);
  const as = a * pow2(-ka);
  const bs = b * pow2(-kb);
  const qs = q * pow2(kb - ka);
  const p = qs * bs;
  // as − qs·bs exactly: (as − p) is exact (Sterbenz: p is within a factor 2 of as).
  const r = as - p - productError(qs, bs, p);
  return Math.sign(r) * Math.sign(b);
}

/** Sign of √a − s (a > 0 finite, s its rounded root). */
export function sqrtResidual(a: number, s: number): number {
  const k = expOf(a) & ~1;
  const as = a * pow2(-k);
  const ss = s * pow2(-k / 2);
  const p = ss * ss;
  const r = as - p - productError(ss, ss, p);
  return Math.sign(r);
}

export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  f64Bits(x);
  let lo = BITS_OUT[0] as number;
  let hi = BITS_OUT[1] as number;
  if (x > 0) {
    lo = (lo + 1) | 0;
    if (lo === 0) hi = (hi + 1) | 0;
  } else {
    if (lo === 0) hi = (hi - 1) | 0;
    lo = (lo - 1) | 0;
  }
  return f64FromBits(lo, hi);
}

export function nextDown(x: number): number {
  return -nextUp(-x);
}

/** Result of directed rounding of `s` (round-to-nearest of a value v with sign(v − s) = resid). */
export function directed(s: number, resid: number, rc: number): number {
  if (resid === 0 || rc === RC_NEAREST) return s;
  if (rc === RC_DOWN) return resid < 0 ? nextDown(s) : s;
  if (rc === RC_UP) return resid > 0 ? nextUp(s) : s;
  // Chop: toward zero.
  if (s > 0 && resid < 0) return nextDown(s);
  if (s < 0 && resid > 0) return nextUp(s);
  return s;
}

/** The finite value an overflow gives under rc (SDM table 4-8: ±∞ or the largest finite). */
export function overflowValue(neg: boolean, rc: number, max: number): number {
  const toInf = rc === RC_NEAREST || (rc === RC_UP && !neg) || (rc === RC_DOWN && neg);
  const v = toInf ? Infinity : max;
  return neg ? -v : v;
}

/** Rounds a float64 to float32 precision under rc (the float32 as a number). */
export function roundF32(x: number, rc: number): number {
  const f = Math.fround(x);
  if (f === x || Number.isNaN(x) || rc === RC_NEAREST) return f;
  const step = (v: number, up: boolean): number => {
    if (v === 0) return up ? 2 ** -149 : -(2 ** -149);
    const b = f32Bits(v);
    return f32FromBits(v > 0 === up ? b + 1 : b - 1);
  };
  if (rc === RC_DOWN) return f > x ? step(f, false) : f;
  if (rc === RC_UP) return f < x ? step(f, true) : f;
  return Math.abs(f) > Math.abs(x) ? step(f, f < 0) : f;
}

/** Rounds to an integer under rc (round to nearest: ties to even). */
export function roundInt(x: number, rc: number): number {
  switch (rc) {
    case RC_DOWN:
      return Math.floor(x);
    case RC_UP:
      return Math.ceil(x);
    case RC_CHOP:
      return Math.trunc(x);
    default: {
      const r = Math.floor(x);
      const d = x - r;
      if (d > 0.5 || (d === 0.5 && r % 2 !== 0)) return r + 1;
      return r;
    }
  }
}
