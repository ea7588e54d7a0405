// x86 core: EFLAGS
// Behavioural references (no code copied): QEMU target/i386/tcg/cc_helper.c (lazy flags), v86
// src/rust/cpu/arith.rs.

import {
  AF,
  ARITH,
  CF,
  CpuCore,
  EFLAGS_WRITABLE,
  LZ_ADD,
  LZ_LOGIC,
  LZ_SUB,
  OF,
  PARITY,
  PF,
  RF,
  SF,
  ZF,
} from './state.js';

/** EFLAGS: the lazy arithmetic-flag record, materialisation, condition codes. */
export abstract class CpuFlags extends CpuCore {
  getFlags(): number {
    let f = this.flags;
    if (this.lzMask !== 0) f = (f & ~this.lzMask) | (this.lazyFlags() & this.lzMask);
    return f | 2;
  }

  protected setFlagsRaw(v: number): void {
    this.flags = (v & (EFLAGS_WRITABLE | RF)) | 2;
    this.lzMask = 0;
    this.intrPoll = true;
  }

  protected lazyFlags(): number {
    const a = this.lzA;
    const b = this.lzB;
    const r = this.lzR;
    const sh = this.lzSign;
    let f = PARITY[r & 0xff];
    if (r === 0) f |= ZF;
    if ((r >>> sh) & 1) f |= SF;
    switch (this.lzOp) {
      case LZ_ADD:
        if ((((a & b) | ((a | b) & ~r)) >>> sh) & 1) f |= CF;
        if ((((a ^ r) & (b ^ r)) >>> sh) & 1) f |= OF;
        f |= (a ^ b ^ r) & AF;
        break;
      case LZ_SUB:
        if ((((~a & b) | ((~a | b) & r)) >>> sh) & 1) f |= CF;
        if ((((a ^ b) & (a ^ r)) >>> sh) & 1) f |= OF;
        f |= (a ^ b ^ r) & AF;
        break;
      default:
        break;
    }
    return f;
  }

  /** @internal (TraceHost) */
  lazyCF(): number {
    const a = this.lzA;
    const b = this.lzB;
    const r = this.lzR;
    if (this.lzOp === LZ_ADD) return (((a & b) | ((a | b) & ~r)) >>> this.lzSign) & 1;
    if (this.lzOp === LZ_SUB) return (((~a & b) | ((~a | b) & r)) >>> this.lzSign) & 1;
    return 0;
  }

  protected getCF(): number {
    if (this.lzMask & CF) return this.lazyCF();
    return this.flags & CF;
  }

  protected getZF(): boolean {
    if (this.lzMask & ZF) return this.lzR === 0;
    return (this.flags & ZF) !== 0;
  }

  protected getSF(): boolean {
    if (this.lzMask & SF) return ((this.lzR >>> this.lzSign) & 1) === 1;
    return (this.flags & SF) !== 0;
  }

  protected getOF(): boolean {
    if (this.lzMask & OF) return (this.lazyFlags() & OF) !== 0;
    return (this.flags & OF) !== 0;
  }

  protected getPF(): boolean {
    if (this.lzMask & PF) return PARITY[this.lzR & 0xff] !== 0;
    return (this.flags & PF) !== 0;
  }

  /** Materialise lazy flags into this.flags. */
  protected settle(): void {
    if (this.lzMask !== 0) {
      this.flags = (this.flags & ~this.lzMask) | (this.lazyFlags() & this.lzMask);
      this.lzMask = 0;
    }
  }

  protected setFlag(bit: number, on: boolean): void {
    this.settle();
    if (on) this.flags |= bit;
    else this.flags &= ~bit;
  }

  /** @internal (TraceHost) */
  cond(cc: number): boolean {
    let r: boolean;
    switch (cc >> 1) {
      case 0:
        r = this.getOF();
        break;
      case 1:
        r = this.getCF() !== 0;
        break;
      case 2:
        r = this.getZF();
        break;
      case 3:
        r = this.getCF() !== 0 || this.getZF();
        break;
      case 4:
        r = this.getSF();
        break;
      case 5:
        r = this.getPF();
        break;
      case 6:
        r = this.getSF() !== this.getOF();
        break;
      default:
        r = this.getZF() || this.getSF() !== this.getOF();
        break;
    }
    return (cc & 1) === 0 ? r : !r;
  }

  protected lazy(op: number, a: number, b: number, r: number, sign: number, mask: number): void {
    // INC/DEC keep CF: materialise only CF from the previous producer (all other arithmetic flags are
    // overwritten by this one).
    if (mask !== ARITH && (this.lzMask & CF) !== 0) this.flags = (this.flags & ~CF) | this.lazyCF();
    this.lzOp = op;
    this.lzA = a;
    this.lzB = b;
    this.lzR = r;
    this.lzSign = sign;
    this.lzMask = mask;
  }

  /** Set result-derived flags (ZF SF PF) lazily; other arithmetic flags from `fl` (CF OF AF). */
  protected setResultFlags(r: number, sign: number, fl: number): void {
    this.lzMask = 0;
    this.flags = (this.flags & ~(CF | OF | AF)) | (fl & (CF | OF | AF));
    this.lzOp = LZ_LOGIC;
    this.lzR = r;
    this.lzSign = sign;
    this.lzMask = ZF | SF | PF;
  }
}
