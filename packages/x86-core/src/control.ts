// x86 core: Near control flow
// Behavioural references (no code copied): Intel SDM vol. 2 and 3, QEMU target/i386/tcg
// (seg_helper.c, excp_helper.c, misc_helper.c), v86 src/cpu.js.

import { CpuFar } from './far.js';
import { CS, GP } from './state.js';

/** Near control flow: EIP checks, relative jumps, group 5 (INC/DEC/CALL/JMP/PUSH r/m). */
export abstract class CpuControl extends CpuFar {
  protected checkEip(): void {
    if (this.eip > this.segLimit[CS] && this.segLo[CS] === 0) this.fault(GP, 0);
  }

  protected jumpRel(d: number): void {
    let t = (this.eip + d) | 0;
    if (!this.o32) t &= 0xffff;
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
}
