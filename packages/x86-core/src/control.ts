// x86 core: Near control flow
// Behavioural references (no code copied): Intel SDM vol. 2 (Jcc, LOOP, CALL/RET, PUSHF/POPF,
// CLI/STI), v86 src/rust/cpu/instructions.rs.

import { CpuFar } from './far.js';
import { AF, CF, CS, DF, EAX, ECX, ESP, GP, IF, IOPL, PF, RF, SF, VM, ZF } from './state.js';

/** Near control flow: EIP checks, relative jumps, group 5 (INC/DEC/CALL/JMP/PUSH r/m). */
export abstract class CpuControl extends CpuFar {
  protected checkEip(): void {
    if (this.eip > this.segLimit[CS] && this.segLo[CS] === 0) this.fault(GP, 0);
  }

  protected jumpRel(d: number): void {
    const t = (this.eip + d) & (this.o32 ? -1 : 0xffff);
    if (t >>> 0 > this.segHi[CS]) this.fault(GP, 0);
    this.eip = t >>> 0;
    if (this.jitOn) this.branched();
  }

  protected group5(osize: number): void {
    this.modrm();
    const r = this.regs;
    switch (this.reg) {
      case 0:
        this.writeRm(osize, this.inc(osize, this.readRm(osize)));
        return;
      case 1:
        this.writeRm(osize, this.dec(osize, this.readRm(osize)));
        return;
      case 2: {
        const t = this.readRm(osize);
        const target = this.o32 ? t >>> 0 : t & 0xffff;
        if (target > this.segLimit[CS]) this.fault(GP, 0);
        this.pushO(this.eip);
        this.eip = target;
        return;
      }
      case 3:
      case 5: {
        if (this.mod === 3) this.ud();
        const off = this.rdS(osize, this.eaSeg, this.eaOff);
        const sel = this.rd16(this.eaSeg, this.eaOff + osize);
        if (this.reg === 3) this.farCall(sel, off);
        else this.farJmp(sel, off);
        return;
      }
      case 4: {
        const t = this.readRm(osize);
        const target = this.o32 ? t >>> 0 : t & 0xffff;
        if (target > this.segLimit[CS]) this.fault(GP, 0);
        this.eip = target;
        return;
      }
      case 6: {
        const v = this.readRm(osize);
        this.pushO(v);
        return;
      }
      default:
        void r;
        this.ud();
    }
  }

  /** RET imm16 (C2). */
  protected retNearImm(): void {
    const imm = this.fetch16();
    const ip = this.popO();
    this.setSp(this.regs[ESP] + imm);
    this.eip = this.o32 ? ip >>> 0 : ip & 0xffff;
    this.checkEip();
  }

  /** LOOPNE/LOOPE/LOOP/JCXZ (E0–E3): the count register has the address size. */
  protected loopCx(op: number): void {
    const r = this.regs;
    const d = (this.fetch8() << 24) >> 24;
    const a32 = this.a32;
    const cx = a32 ? r[ECX] : r[ECX] & 0xffff;
    if (op === 0xe3) {
      if (cx === 0) this.jumpRel(d);
      return;
    }
    const n = a32 ? cx - 1 : (cx - 1) & 0xffff;
    if (a32) r[ECX] = n;
    else this.setReg(2, ECX, n);
    let take = n !== 0;
    if (op === 0xe0) take = take && !this.getZF();
    else if (op === 0xe1) take = take && this.getZF();
    if (take) this.jumpRel(d);
  }

  /** Jcc rel16/32 (0F 80–8F). */
  protected jccNear(op: number): void {
    const sh = this.o32 ? 0 : 16;
    const d = (this.fetchS(this.o32 ? 4 : 2) << sh) >> sh;
    if (this.cond(op & 15)) this.jumpRel(d);
  }

  // Flag instructions.

  /** PUSHF/PUSHFD (9C): #GP in vm86 below IOPL 3; VM and RF read as 0 in the image. */
  protected pushf(): void {
    if (this.flags & VM && (this.flags & IOPL) !== IOPL) this.fault(GP, 0);
    if (this.o32) this.push32(this.getFlags() & ~(VM | RF));
    else this.push16(this.getFlags());
  }

  /** POPF/POPFD (9D): the write rules of writeEflags (far.ts). */
  protected popf(): void {
    if (this.flags & VM && (this.flags & IOPL) !== IOPL) this.fault(GP, 0);
    const v = this.popO();
    this.writeEflags(v, this.o32 ? -1 : 0xffff, false);
  }

  /** SAHF (9E). */
  protected sahf(): void {
    this.settle();
    const ah = (this.regs[EAX] >> 8) & (SF | ZF | AF | PF | CF);
    this.flags = (this.flags & ~(SF | ZF | AF | PF | CF)) | ah;
  }

  /** LAHF (9F). */
  protected lahf(): void {
    this.setReg8(4, this.getFlags() & 0xff);
  }

  /** CMC (F5). */
  protected cmc(): void {
    this.settle();
    this.flags ^= CF;
  }

  /** CLI (FA): IOPL-sensitive in protected mode. */
  protected cli(): void {
    if (this.pe && this.cpl > (this.flags & IOPL) >> 12) this.fault(GP, 0);
    this.flags &= ~IF;
  }

  /** STI (FB): IOPL-sensitive; setting IF opens the one-instruction interrupt shadow. */
  protected sti(): void {
    if (this.pe && this.cpl > (this.flags & IOPL) >> 12) this.fault(GP, 0);
    if ((this.flags & IF) === 0) this.inhibit = this.slow = true;
    this.flags |= IF;
    this.intrPoll = true;
  }

  /** CLD (FC) / STD (FD). */
  protected setDf(on: boolean): void {
    if (on) this.flags |= DF;
    else this.flags &= ~DF;
  }

  /** Jcc rel8 (70–7F). JE/JNE read ZF straight from the lazy result (the common case, no call
   * into cond()). */
  protected jccShort(op: number): void {
    const d = (this.fetch8() << 24) >> 24;
    let taken: boolean;
    if ((op & 0xe) === 4) {
      const zf = (this.lzMask & ZF) !== 0 ? this.lzR === 0 : (this.flags & ZF) !== 0;
      taken = (op & 1) === 0 ? zf : !zf;
    } else taken = this.cond(op & 15);
    if (taken) this.jumpRel(d);
  }

  /** RET (C3). */
  protected retNear(): void {
    const ip = this.popO();
    this.eip = (ip & (this.o32 ? -1 : 0xffff)) >>> 0;
    this.checkEip();
    if (this.jitOn) this.branched();
  }

  /** CALL rel16/32 (E8): #GP(0) for a target beyond the CS limit, checked before the push. */
  protected callNear(): void {
    const d = this.fetchS(this.o32 ? 4 : 2);
    const ret = this.eip;
    const t = (this.eip + d) & (this.o32 ? -1 : 0xffff);
    if (t >>> 0 > this.segLimit[CS]) this.fault(GP, 0);
    this.pushO(ret);
    this.eip = t >>> 0;
    if (this.jitOn) this.branched();
  }
}
