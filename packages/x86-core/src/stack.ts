// x86 core: The stack
// Behavioural references (no code copied): v86 src/rust/cpu/misc_instr.rs (push/pop, PUSHA/POPA),
// Intel SDM vol. 2 ENTER/LEAVE.

import { CpuModrm } from './modrm.js';
import { EBP, ESP, SS } from './state.js';

/** The stack: SP width, push/pop, PUSHA/POPA, ENTER. */
export abstract class CpuStack extends CpuModrm {
  protected spMask(): number {
    return this.ss32 ? -1 : 0xffff;
  }

  /** @internal (TraceHost) */
  setSp(v: number): void {
    // One path for both stack widths (see modrm.ts's register helpers).
    const r = this.regs;
    const m = this.spMask();
    r[ESP] = (r[ESP] & ~m) | (v & m);
  }

  protected push16(v: number): void {
    const sp = (this.regs[ESP] - 2) & this.spMask();
    this.wr16(SS, sp, v);
    this.setSp(sp);
  }

  protected push32(v: number): void {
    const sp = (this.regs[ESP] - 4) & this.spMask();
    this.wr32(SS, sp, v);
    this.setSp(sp);
  }

  protected pushO(v: number): void {
    if (this.o32) this.push32(v);
    else this.push16(v);
  }

  protected pop16(): number {
    const sp = this.regs[ESP] & this.spMask();
    const v = this.rd16(SS, sp);
    this.setSp(sp + 2);
    return v;
  }

  protected pop32(): number {
    const sp = this.regs[ESP] & this.spMask();
    const v = this.rd32(SS, sp);
    this.setSp(sp + 4);
    return v;
  }

  protected popO(): number {
    return this.o32 ? this.pop32() : this.pop16();
  }

  /** Read a stack slot at offset `delta` from the current stack pointer without popping. */
  protected peekStack(size: number, delta: number): number {
    const off = (this.regs[ESP] + delta) & this.spMask();
    return size === 4 ? this.rd32(SS, off) : this.rd16(SS, off);
  }

  protected pusha(): void {
    const r = this.regs;
    const n = this.o32 ? 32 : 16;
    this.checkWrite(SS, (r[ESP] - n) & this.spMask(), n);
    const sp = r[ESP];
    for (let i = 0; i < 8; i++) {
      const v = i === ESP ? sp : r[i];
      if (this.o32) this.push32(v);
      else this.push16(v);
    }
  }

  protected popa(): void {
    const r = this.regs;
    const sz = this.o32 ? 4 : 2;
    const vals = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 7; i >= 0; i--) vals[i] = this.peekStack(sz, (7 - i) * sz);
    for (let i = 0; i < 8; i++) if (i !== ESP) this.setReg(sz, i, vals[i]);
    this.setSp(r[ESP] + 8 * sz);
  }

  protected enter(): void {
    const r = this.regs;
    const size = this.fetch16();
    const level = this.fetch8() & 31;
    const osz = this.o32 ? 4 : 2;
    const mask = this.spMask();
    let sp = r[ESP];
    let bp = r[EBP];
    // Compute everything first, then commit (faults leave state unchanged).
    sp = (sp - osz) & mask;
    this.wrS(osz, SS, sp, bp);
    // FrameTemp is the whole ESP after the push: on a 16-bit stack SP wrapped inside ESP[15:0] and
    // ESP[31:16] is kept, and a 32-bit ENTER stores and loads all of it (Bochs cpu/stack32.cc
    // ENTER32_IwIb: frame_ptr32 = ESP after push_32; test386.asm POST 0x1A expects this; the SDM
    // pseudo-code's "FrameTemp ← SP" would zero EBP[31:16]).
    const frame = mask === -1 ? sp : (r[ESP] & ~0xffff) | sp;
    if (level > 0) {
      for (let i = 1; i < level; i++) {
        bp = (bp - osz) & mask;
        const v = this.rdS(osz, SS, bp);
        sp = (sp - osz) & mask;
        this.wrS(osz, SS, sp, v);
      }
      sp = (sp - osz) & mask;
      this.wrS(osz, SS, sp, frame);
    }
    sp = (sp - size) & mask;
    this.checkWrite(SS, sp, 1);
    this.setReg(osz, EBP, frame);
    this.setSp(sp);
  }

  /** POP r/m (8F). The pop happens first: an ESP-based destination uses the incremented ESP (SDM
   * POP). A fault restores ESP (run() rolls back to the instruction start). */
  protected popRm(): void {
    // POP r/m is /0 only (SDM opcode map group 1A); /1-/7 are #UD before anything is popped.
    if ((this.peek8() & 0x38) !== 0) this.ud();
    const v = this.popO();
    this.modrm();
    this.writeRm(this.o32 ? 4 : 2, v);
  }

  /** LEAVE (C9). */
  protected leave(): void {
    const osize = this.o32 ? 4 : 2;
    const bp = this.regs[EBP] & this.spMask();
    const v = this.o32 ? this.rd32(SS, bp) : this.rd16(SS, bp);
    this.setSp(bp + osize);
    this.setReg(osize, EBP, v);
  }

  /** PUSH r16/32 (50–57). */
  protected pushReg(i: number): void {
    if (this.o32) this.push32(this.regs[i]);
    else this.push16(this.regs[i]);
  }

  /** POP r16/32 (58–5F). */
  protected popReg(i: number): void {
    const v = this.popO();
    this.setReg(this.o32 ? 4 : 2, i, v);
  }
}
