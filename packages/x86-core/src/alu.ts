// x86 core: Integer arithmetic
// Behavioural references (no code copied): QEMU target/i386/tcg/cc_helper.c and int_helper.c, v86
// src/rust/cpu/arith.rs.

import { CpuStack } from './stack.js';
import { AF, ARITH, CF, DE, EAX, EBX, ECX, EDX, LZ_ADD, LZ_LOGIC, LZ_SUB, OF, ZF } from './state.js';

/** Integer arithmetic: ALU ops, INC/DEC, shifts and rotates, SHLD/SHRD, MUL/IMUL/DIV/IDIV (group
 * 3), BCD adjusts, bit tests, CMPXCHG8B. */
export abstract class CpuAlu extends CpuStack {
  /** @internal (TraceHost) */
  override alu(op: number, size: number, a: number, b: number): number {
    const mask = size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
    const sign = size * 8 - 1;
    let r: number;
    switch (op) {
      case 0:
        r = (a + b) & mask;
        this.lazy(LZ_ADD, a, b, r, sign, ARITH);
        return r;
      case 1:
        r = (a | b) & mask;
        this.lazy(LZ_LOGIC, a, b, r, sign, ARITH);
        return r;
      case 2:
        r = (a + b + this.getCF()) & mask;
        this.lazy(LZ_ADD, a, b, r, sign, ARITH);
        return r;
      case 3:
        r = (a - b - this.getCF()) & mask;
        this.lazy(LZ_SUB, a, b, r, sign, ARITH);
        return r;
      case 4:
        r = a & b & mask;
        this.lazy(LZ_LOGIC, a, b, r, sign, ARITH);
        return r;
      case 6:
        r = (a ^ b) & mask;
        this.lazy(LZ_LOGIC, a, b, r, sign, ARITH);
        return r;
      default:
        // SUB and CMP
        r = (a - b) & mask;
        this.lazy(LZ_SUB, a, b, r, sign, ARITH);
        return r;
    }
  }

  protected inc(size: number, a: number): number {
    const mask = size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
    const r = (a + 1) & mask;
    this.lazy(LZ_ADD, a, 1, r, size * 8 - 1, ARITH & ~CF);
    return r;
  }

  protected dec(size: number, a: number): number {
    const mask = size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
    const r = (a - 1) & mask;
    this.lazy(LZ_SUB, a, 1, r, size * 8 - 1, ARITH & ~CF);
    return r;
  }

  /** Group-2 shifts/rotates. Flags for counts > 1 follow QEMU/Intel: OF as for count 1 (computed
   * from the final result), AF cleared for shifts. */
  /** @internal (TraceHost) */
  shift(op: number, size: number, a: number, count: number): number {
    const bits = size * 8;
    const mask = size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
    const sign = bits - 1;
    count &= 0x1f;
    if (count === 0) return a;
    a &= mask;
    let r: number;
    let cf: number;
    let of: number;
    switch (op) {
      case 0: {
        // ROL
        const c = count & (bits - 1);
        r = c === 0 ? a : ((a << c) | ((a & mask) >>> (bits - c))) & mask;
        cf = r & 1;
        of = ((r >>> sign) & 1) ^ cf;
        this.settle();
        this.flags = (this.flags & ~(CF | OF)) | cf | (of ? OF : 0);
        return r;
      }
      case 1: {
        // ROR
        const c = count & (bits - 1);
        r = c === 0 ? a : (((a & mask) >>> c) | (a << (bits - c))) & mask;
        cf = (r >>> sign) & 1;
        of = cf ^ ((r >>> (sign - 1)) & 1);
        this.settle();
        this.flags = (this.flags & ~(CF | OF)) | cf | (of ? OF : 0);
        return r;
      }
      case 2: {
        // RCL: rotate through carry over bits+1 positions.
        let c = count;
        if (size === 1) c %= 9;
        else if (size === 2) c %= 17;
        this.settle();
        let carry = this.flags & CF;
        r = a;
        for (let i = 0; i < c; i++) {
          const out = (r >>> sign) & 1;
          r = ((r << 1) | carry) & mask;
          carry = out;
        }
        of = ((r >>> sign) & 1) ^ carry;
        if (c !== 0) this.flags = (this.flags & ~(CF | OF)) | carry | (of ? OF : 0);
        return r;
      }
      case 3: {
        // RCR
        let c = count;
        if (size === 1) c %= 9;
        else if (size === 2) c %= 17;
        this.settle();
        let carry = this.flags & CF;
        r = a;
        for (let i = 0; i < c; i++) {
          const out = r & 1;
          r = ((r >>> 1) | (carry << sign)) & mask;
          carry = out;
        }
        of = ((r >>> sign) ^ (r >>> (sign - 1))) & 1;
        if (c !== 0) this.flags = (this.flags & ~(CF | OF)) | carry | (of ? OF : 0);
        return r;
      }
      case 4:
      case 6: {
        // SHL/SAL
        if (count <= bits) {
          cf = count === 32 ? a & 1 : (a >>> (bits - count)) & 1;
          r = count >= 32 ? 0 : (a << count) & mask;
        } else {
          cf = 0;
          r = 0;
        }
        of = ((r >>> sign) & 1) ^ cf;
        this.setResultFlags(r, sign, cf | (of ? OF : 0));
        return r;
      }
      case 5: {
        // SHR
        cf = count > bits ? 0 : ((a & mask) >>> (count - 1)) & 1;
        r = count >= bits ? 0 : ((a & mask) >>> count) & mask;
        of = count === 1 ? (a >>> sign) & 1 : 0;
        this.setResultFlags(r, sign, cf | (of ? OF : 0));
        return r;
      }
      default: {
        // SAR
        const s = (a << (32 - bits)) >> (32 - bits);
        const c = count >= bits ? bits - 1 : count;
        cf = (s >> (c - 1)) & 1;
        if (count >= bits) cf = (s >> (bits - 1)) & 1;
        r = (s >> c) & mask;
        this.setResultFlags(r, sign, cf);
        return r;
      }
    }
  }

  protected shld(size: number, dst: number, src: number, count: number): number {
    count &= 31;
    if (count === 0) return dst;
    const bits = size * 8;
    const sign = bits - 1;
    let r: number;
    let cf: number;
    if (size === 4) {
      r = (dst << count) | (src >>> (32 - count));
      cf = (dst >>> (32 - count)) & 1;
    } else {
      // 16-bit: counts > 16 are undefined; model as a 32-bit rotate through dst:src:dst (QEMU).
      const wide = ((dst & 0xffff) << 16) | (src & 0xffff);
      const w2 = count <= 16 ? wide : ((src & 0xffff) << 16) | (dst & 0xffff);
      const c = count <= 16 ? count : count - 16;
      r = ((w2 << c) | ((count <= 16 ? dst & 0xffff : src & 0xffff) >>> (16 - c))) >>> 16;
      cf = c === 0 ? 0 : (w2 >>> (32 - c)) & 1;
      r &= 0xffff;
    }
    const of = ((r >>> sign) ^ (dst >>> sign)) & 1;
    this.setResultFlags(r, sign, cf | (of ? OF : 0));
    return r;
  }

  protected shrd(size: number, dst: number, src: number, count: number): number {
    count &= 31;
    if (count === 0) return dst;
    const bits = size * 8;
    const sign = bits - 1;
    let r: number;
    let cf: number;
    if (size === 4) {
      r = (dst >>> count) | (src << (32 - count));
      cf = (dst >>> (count - 1)) & 1;
    } else {
      const wide = ((src & 0xffff) << 16) | (dst & 0xffff);
      if (count <= 16) {
        r = (wide >>> count) & 0xffff;
        cf = (wide >>> (count - 1)) & 1;
      } else {
        const w2 = ((dst & 0xffff) << 16) | (src & 0xffff);
        r = (w2 >>> (count - 16)) & 0xffff;
        cf = (w2 >>> (count - 17)) & 1;
      }
    }
    const of = ((r >>> sign) ^ (dst >>> sign)) & 1;
    this.setResultFlags(r, sign, cf | (of ? OF : 0));
    return r;
  }

  /** @internal (TraceHost) */
  imul2(size: number, a: number, b: number): number {
    let r: number;
    let over: boolean;
    if (size === 4) {
      r = Math.imul(a, b);
      // The double product is exact below 2^53; beyond that it certainly overflowed 32 bits.
      over = (a | 0) * (b | 0) !== r;
    } else {
      const sa = (a << 16) >> 16;
      const sb = (b << 16) >> 16;
      const p = sa * sb;
      r = p & 0xffff;
      over = (r << 16) >> 16 !== p;
    }
    this.setResultFlags(r, size * 8 - 1, over ? CF | OF : 0);
    return r;
  }

  /** Unsigned 32x32 → 64 multiply into mulLo/mulHi without BigInt. */
  protected mulU32(a: number, b: number): void {
    const al = a & 0xffff;
    const ah = a >>> 16;
    const bl = b & 0xffff;
    const bh = b >>> 16;
    const ll = al * bl;
    const lh = al * bh;
    const hl = ah * bl;
    const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
    this.mulLo = ((mid & 0xffff) << 16) | (ll & 0xffff);
    this.mulHi = (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
  }

  protected group3(size: number): void {
    this.modrm();
    const r = this.regs;
    const op = this.reg;
    switch (op) {
      case 0:
      case 1: {
        const a = this.readRm(size);
        this.alu(4, size, a, this.fetchS(size));
        return;
      }
      case 2:
        this.writeRm(size, ~this.readRm(size));
        return;
      case 3: {
        const a = this.readRm(size);
        const v = this.alu(5, size, 0, a);
        this.writeRm(size, v);
        return;
      }
      case 4: {
        // MUL
        const a = this.readRm(size);
        if (size === 1) {
          const p = (r[EAX] & 0xff) * a;
          this.setReg(2, EAX, p);
          this.setResultFlags(p & 0xff, 7, p & 0xff00 ? CF | OF : 0);
        } else if (size === 2) {
          const p = (r[EAX] & 0xffff) * a;
          this.setReg(2, EAX, p);
          this.setReg(2, EDX, p >>> 16);
          this.setResultFlags(p & 0xffff, 15, p >>> 16 ? CF | OF : 0);
        } else {
          this.mulU32(r[EAX], a);
          r[EAX] = this.mulLo;
          r[EDX] = this.mulHi;
          this.setResultFlags(this.mulLo, 31, this.mulHi !== 0 ? CF | OF : 0);
        }
        return;
      }
      case 5: {
        // IMUL (one operand)
        const a = this.readRm(size);
        if (size === 1) {
          const p = ((r[EAX] << 24) >> 24) * ((a << 24) >> 24);
          this.setReg(2, EAX, p);
          this.setResultFlags(p & 0xff, 7, (p << 24) >> 24 !== p ? CF | OF : 0);
        } else if (size === 2) {
          const p = ((r[EAX] << 16) >> 16) * ((a << 16) >> 16);
          this.setReg(2, EAX, p);
          this.setReg(2, EDX, p >> 16);
          this.setResultFlags(p & 0xffff, 15, (p << 16) >> 16 !== p ? CF | OF : 0);
        } else {
          // Signed high half = unsigned high half - (a<0 ? b : 0) - (b<0 ? a : 0) (mod 2^32).
          const x = r[EAX] | 0;
          const y = a | 0;
          this.mulU32(x, y);
          let hi = this.mulHi;
          if (x < 0) hi = (hi - y) | 0;
          if (y < 0) hi = (hi - x) | 0;
          const lo = this.mulLo | 0;
          r[EAX] = lo;
          r[EDX] = hi;
          this.setResultFlags(lo, 31, hi !== lo >> 31 ? CF | OF : 0);
        }
        return;
      }
      case 6: {
        // DIV
        const d = this.readRm(size);
        if (d === 0) this.fault(DE, -1);
        if (size === 1) {
          const n = r[EAX] & 0xffff;
          const q = Math.floor(n / d);
          if (q > 0xff) this.fault(DE, -1);
          this.setReg(2, EAX, ((n % d) << 8) | q);
        } else if (size === 2) {
          const n = (((r[EDX] & 0xffff) << 16) | (r[EAX] & 0xffff)) >>> 0;
          const q = Math.floor(n / d);
          if (q > 0xffff) this.fault(DE, -1);
          this.setReg(2, EAX, q);
          this.setReg(2, EDX, n % d);
        } else {
          const dv = d >>> 0;
          const hi = r[EDX] >>> 0;
          if (hi === 0) {
            const n = r[EAX] >>> 0;
            r[EAX] = Math.floor(n / dv);
            r[EDX] = n % dv;
          } else {
            if (hi >= dv) this.fault(DE, -1);
            const n = (BigInt(hi) << 32n) | BigInt(r[EAX] >>> 0);
            const bd = BigInt(dv);
            r[EAX] = Number(n / bd);
            r[EDX] = Number(n % bd);
          }
        }
        return;
      }
      default: {
        // IDIV
        const d = this.readRm(size);
        if (d === 0) this.fault(DE, -1);
        if (size === 1) {
          const n = (r[EAX] << 16) >> 16;
          const sd = (d << 24) >> 24;
          const q = Math.trunc(n / sd);
          if (q > 127 || q < -128) this.fault(DE, -1);
          this.setReg(2, EAX, (((n % sd) & 0xff) << 8) | (q & 0xff));
        } else if (size === 2) {
          const n = ((r[EDX] & 0xffff) << 16) | (r[EAX] & 0xffff);
          const sd = (d << 16) >> 16;
          const q = Math.trunc(n / sd);
          if (q > 32767 || q < -32768) this.fault(DE, -1);
          this.setReg(2, EAX, q);
          this.setReg(2, EDX, n % sd);
        } else {
          const n = (BigInt(r[EDX] | 0) << 32n) | BigInt(r[EAX] >>> 0);
          const bd = BigInt(d | 0);
          const q = n / bd;
          if (q > 0x7fffffffn || q < -0x80000000n) this.fault(DE, -1);
          r[EAX] = Number(q);
          r[EDX] = Number(n % bd);
        }
        return;
      }
    }
  }

  protected daa(): void {
    this.settle();
    const r = this.regs;
    const oldAl = r[EAX] & 0xff;
    const oldCf = this.flags & CF;
    let al = oldAl;
    let cf = 0;
    let af = 0;
    if ((al & 0xf) > 9 || this.flags & AF) {
      al = (al + 6) & 0xff;
      cf = oldCf || oldAl > 0xf9 ? 1 : 0;
      af = 1;
    }
    if (oldAl > 0x99 || oldCf) {
      al = (al + 0x60) & 0xff;
      cf = 1;
    }
    this.setReg8(0, al);
    this.setResultFlags(al, 7, (cf ? CF : 0) | (af ? AF : 0));
  }

  protected das(): void {
    this.settle();
    const r = this.regs;
    const oldAl = r[EAX] & 0xff;
    const oldCf = this.flags & CF;
    let al = oldAl;
    let cf = 0;
    let af = 0;
    if ((al & 0xf) > 9 || this.flags & AF) {
      al = (al - 6) & 0xff;
      cf = oldCf || oldAl < 6 ? 1 : 0;
      af = 1;
    }
    if (oldAl > 0x99 || oldCf) {
      al = (al - 0x60) & 0xff;
      cf = 1;
    }
    this.setReg8(0, al);
    this.setResultFlags(al, 7, (cf ? CF : 0) | (af ? AF : 0));
  }

  /** AAA (dir 1) / AAS (dir -1). */
  protected aaa(dir: number): void {
    this.settle();
    const r = this.regs;
    let ax = r[EAX] & 0xffff;
    if ((ax & 0xf) > 9 || this.flags & AF) {
      if (dir > 0) ax = (ax + 0x106) & 0xffff;
      else ax = (ax - 6 - 0x100) & 0xffff; // AX ← AX − 6 (borrow reaches AH), AH ← AH − 1 (SDM AAS)
      ax &= 0xff0f;
      this.setReg(2, EAX, ax);
      this.setResultFlags(ax & 0xff, 7, CF | AF);
    } else {
      ax &= 0xff0f;
      this.setReg(2, EAX, ax);
      this.setResultFlags(ax & 0xff, 7, 0);
    }
  }

  protected btReg(op: number): void {
    this.modrm();
    const osize = this.o32 ? 4 : 2;
    const bits = osize * 8;
    let bit = this.getReg(osize, this.reg);
    let v: number;
    if (this.mod === 3) {
      bit &= bits - 1;
      v = this.getReg(osize, this.rm);
    } else {
      // Register bit offsets address memory beyond the operand (signed).
      const sbit = osize === 4 ? bit | 0 : (bit << 16) >> 16;
      const disp = Math.floor(sbit / bits) * osize;
      this.eaOff = this.a32 ? (this.eaOff + disp) | 0 : (this.eaOff + disp) & 0xffff;
      bit = sbit & (bits - 1);
      v = this.rdS(osize, this.eaSeg, this.eaOff);
    }
    this.btApply(op === 0xa3 ? 0 : op === 0xab ? 1 : op === 0xb3 ? 2 : 3, osize, v, bit);
  }

  protected btImm(): void {
    this.modrm();
    const osize = this.o32 ? 4 : 2;
    if (this.reg < 4) this.ud();
    const v = this.readRm(osize);
    const bit = this.fetch8() & (osize * 8 - 1);
    this.btApply(this.reg - 4, osize, v, bit);
  }

  /** kind 0 BT, 1 BTS, 2 BTR, 3 BTC. */
  protected btApply(kind: number, osize: number, v: number, bit: number): void {
    const cf = (v >>> bit) & 1;
    this.settle();
    this.flags = (this.flags & ~CF) | cf;
    if (kind === 0) return;
    const m = 1 << bit;
    const nv = kind === 1 ? v | m : kind === 2 ? v & ~m : v ^ m;
    this.writeRm(osize, nv);
  }

  protected cmpxchg8b(): void {
    this.modrm();
    if (this.mod === 3 || this.reg !== 1) this.ud();
    const r = this.regs;
    const lo = this.rd32(this.eaSeg, this.eaOff);
    const hi = this.rd32(this.eaSeg, this.eaOff + 4);
    this.checkWrite(this.eaSeg, this.eaOff, 8);
    if (lo === r[EAX] && hi === r[EDX]) {
      this.wr32(this.eaSeg, this.eaOff, r[EBX]);
      this.wr32(this.eaSeg, this.eaOff + 4, r[ECX]);
      this.setFlag(ZF, true);
    } else {
      this.wr32(this.eaSeg, this.eaOff, lo);
      this.wr32(this.eaSeg, this.eaOff + 4, hi);
      r[EAX] = lo;
      r[EDX] = hi;
      this.setFlag(ZF, false);
    }
  }

  /** IMUL r, r/m, imm (69: imm16/32; 6B: imm8 sign-extended). */
  protected imul3(imm8: boolean): void {
    const osize = this.o32 ? 4 : 2;
    this.modrm();
    const a = this.readRm(osize);
    const b = imm8 ? (this.fetch8() << 24) >> 24 : this.fetchS(osize);
    this.setReg(osize, this.reg, this.imul2(osize, a, b));
  }

  /** IMUL r, r/m (0F AF). */
  protected imulRegRm(): void {
    const osize = this.o32 ? 4 : 2;
    this.modrm();
    const b = this.readRm(osize);
    this.setReg(osize, this.reg, this.imul2(osize, this.getReg(osize, this.reg), b));
  }

  /** CBW / CWDE (98). */
  protected cbw(): void {
    const r = this.regs;
    if (this.o32) r[EAX] = (r[EAX] << 16) >> 16;
    else this.setReg(2, EAX, (r[EAX] << 24) >> 24);
  }

  /** CWD / CDQ (99). */
  protected cwd(): void {
    const r = this.regs;
    if (this.o32) r[EDX] = r[EAX] >> 31;
    else this.setReg(2, EDX, (r[EAX] << 16) >> 31);
  }

  /** Group 2 (C0/C1 by imm8, D0/D1 by 1, D2/D3 by CL): rotates and shifts. */
  protected group2(op: number): void {
    this.modrm();
    const size = op & 1 ? (this.o32 ? 4 : 2) : 1;
    const a = this.readRm(size);
    const count = op < 0xd0 ? this.fetch8() : op < 0xd2 ? 1 : this.regs[ECX] & 0xff;
    if ((count & 0x1f) !== 0) this.writeRm(size, this.shift(this.reg, size, a, count));
  }

  /** SHLD/SHRD by imm8 (0F A4/AC) or CL (0F A5/AD). */
  protected shiftDouble(op: number): void {
    const osize = this.o32 ? 4 : 2;
    this.modrm();
    const a = this.readRm(osize);
    const count = op & 1 ? this.regs[ECX] & 0xff : this.fetch8();
    if ((count & 31) === 0) return;
    const src = this.getReg(osize, this.reg);
    const v = op < 0xa8 ? this.shld(osize, a, src, count) : this.shrd(osize, a, src, count);
    this.writeRm(osize, v);
  }

  /** Group 4 (FE): INC/DEC r/m8. */
  protected group4(): void {
    this.modrm();
    const a = this.readRm8();
    if (this.reg === 0) this.writeRm8(this.inc(1, a));
    else if (this.reg === 1) this.writeRm8(this.dec(1, a));
    else this.ud();
  }

  /** AAM imm8 (D4): #DE for a zero base. */
  protected aam(): void {
    const base = this.fetch8();
    if (base === 0) this.fault(DE, -1);
    const al = this.regs[EAX] & 0xff;
    const v = (Math.floor(al / base) << 8) | (al % base);
    this.setReg(2, EAX, v);
    this.setResultFlags(v & 0xff, 7, 0);
  }

  /** AAD imm8 (D5). */
  protected aad(): void {
    const r = this.regs;
    const base = this.fetch8();
    const v = ((r[EAX] & 0xff) + ((r[EAX] >> 8) & 0xff) * base) & 0xff;
    this.setReg(2, EAX, v);
    this.setResultFlags(v, 7, 0);
  }

  /** SALC (D6; undocumented, present on the 486). */
  protected salc(): void {
    this.setReg8(0, this.getCF() ? 0xff : 0);
  }

  /** SETcc r/m8 (0F 90–9F). */
  protected setcc(op: number): void {
    this.modrm();
    this.writeRm8(this.cond(op & 15) ? 1 : 0);
  }

  /** CMOVcc (0F 40–4F): the source is always read (a memory operand may fault even when not moved). */
  protected cmovcc(op: number): void {
    const osize = this.o32 ? 4 : 2;
    this.modrm();
    const v = this.readRm(osize);
    if (this.cond(op & 15)) this.setReg(osize, this.reg, v);
    else if (osize === 4) this.setReg(4, this.reg, this.regs[this.reg]);
  }

  /** BSWAP r32 (0F C8–CF); BSWAP r16 is undefined: Intel and QEMU give 0. */
  protected bswap(op: number): void {
    const r = this.regs;
    const v = r[op & 7];
    if (this.o32)
      r[op & 7] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff);
    else this.setReg(2, op & 7, 0);
  }

  /** CMPXCHG r/m, r (0F B0/B1). */
  protected cmpxchg(op: number): void {
    const size = op === 0xb0 ? 1 : this.o32 ? 4 : 2;
    this.modrm();
    const dst = this.readRm(size);
    const acc = this.getReg(size, EAX);
    this.alu(7, size, acc, dst);
    if (acc === dst) this.writeRm(size, this.getReg(size, this.reg));
    else {
      this.writeRm(size, dst); // the destination is always written (SDM CMPXCHG)
      this.setReg(size, EAX, dst);
    }
  }

  /** XADD r/m, r (0F C0/C1). */
  protected xadd(op: number): void {
    const size = op === 0xc0 ? 1 : this.o32 ? 4 : 2;
    this.modrm();
    const dst = this.readRm(size);
    const src = this.getReg(size, this.reg);
    const sum = this.alu(0, size, dst, src);
    if (this.mod === 3) {
      this.setReg(size, this.reg, dst);
      this.setReg(size, this.rm, sum);
    } else {
      this.writeRm(size, sum);
      this.setReg(size, this.reg, dst);
    }
  }

  /** BSF/BSR (0F BC/BD): only ZF changes; the destination is unchanged for a zero source. */
  protected bitScan(op: number): void {
    const osize = this.o32 ? 4 : 2;
    this.modrm();
    const v = this.readRm(osize);
    if (v === 0) {
      this.settle();
      this.flags |= ZF;
      return;
    }
    const i = op === 0xbc ? 31 - Math.clz32(v & -v) : 31 - Math.clz32(v);
    this.setReg(osize, this.reg, i);
    this.settle();
    this.flags &= ~ZF;
  }

  /** INC r16/32 (40–47). */
  protected incReg(i: number): void {
    const r = this.regs;
    if (this.o32) r[i] = this.inc(4, r[i]);
    else this.setReg(2, i, this.inc(2, r[i] & 0xffff));
  }

  /** DEC r16/32 (48–4F). DEC r32 is written out (the loop counter of SeaBIOS's memset): CF is
   * kept, so it is materialised from the previous producer as lazy() does. */
  protected decReg(i: number): void {
    const r = this.regs;
    if (!this.o32) {
      this.setReg(2, i, this.dec(2, r[i] & 0xffff));
      return;
    }
    const a = r[i];
    const v = (a - 1) | 0;
    r[i] = v;
    if ((this.lzMask & CF) !== 0) this.flags = (this.flags & ~CF) | this.lazyCF();
    this.lzOp = LZ_SUB;
    this.lzA = a;
    this.lzB = 1;
    this.lzR = v;
    this.lzSign = 31;
    this.lzMask = ARITH & ~CF;
  }

  /** Group 1 (80–83): ALU r/m, imm (83: a sign-extended imm8). */
  protected group1(op: number): void {
    this.modrm();
    // One path for the byte and word/dword forms (see modrm.ts's register helpers).
    const size = op === 0x80 || op === 0x82 ? 1 : this.o32 ? 4 : 2;
    if (this.rmFaultsFirst(size, false)) return;
    const a = this.readRm(size);
    // 83: a sign-extended imm8 at the operand size.
    const imm = this.fetchS(op === 0x83 ? 1 : size);
    const b = op === 0x83 ? ((imm << 24) >> 24) & (size === 4 ? -1 : 0xffff) : imm;
    const v = this.alu(this.reg, size, a, b);
    if (this.reg !== 7) this.writeRm(size, v);
  }
}
