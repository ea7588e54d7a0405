// x86 core: dispatch of the x87 escape opcodes D8–DF (SDM vol. 2 appendix A.4, the opcode maps by
// ModRM for the floating-point instructions). Each case arm is a call into fpu*.ts.
// Behavioural references (no code copied): Intel SDM vol. 1 8.1.8 (which instructions update the
// instruction/operand pointers), 8.3.12 (the no-wait forms), QEMU target/i386/tcg/translate.c
// (the x87 decode and the undocumented aliases it accepts: fstp1, fcom2, fcomp3, fxch4, fcomp5,
// ffreep, fxch7, fstp8, fstp9).

import { CpuFpuTranscendental } from './fpu-transcendental.js';

/** The x87 escape dispatcher. */
export abstract class CpuFpuDispatch extends CpuFpuTranscendental {
  /** D8–DF: #NM (EM/TS), then the instruction. */
  protected esc(op: number): void {
    this.fpuCheckNm();
    this.modrm();
    if (this.mod === 3) this.escReg(op);
    else this.escMem(op);
  }

  /** A waiting, non-control instruction: deliver a pending error, then record FIP/FCS/FOP (and
   * the operand pointer for a memory form). */
  private begin(op: number): void {
    this.fpuPending();
    this.fpuRecord(op, (this.mod << 6) | (this.reg << 3) | this.rm);
  }

  private escMem(op: number): void {
    const r = this.reg;
    switch (op) {
      case 0xd8:
      case 0xda:
      case 0xdc:
      case 0xde:
        this.begin(op);
        this.fpuArithMem(op, r);
        return;
      case 0xd9:
        this.escMemD9(r);
        return;
      case 0xdb:
        this.escMemDb(r);
        return;
      case 0xdd:
        this.escMemDd(r);
        return;
      default:
        this.escMemDf(r);
    }
  }

  private escMemD9(r: number): void {
    switch (r) {
      case 0:
        this.begin(0xd9);
        this.fldM32();
        return;
      case 2:
      case 3:
        this.begin(0xd9);
        this.fstM32(r === 3);
        return;
      case 4:
        this.fpuPending();
        this.fldenv();
        return;
      case 5:
        this.fpuPending();
        this.fldcw();
        return;
      case 6:
        this.fnstenv();
        return;
      case 7:
        this.fnstcw();
        return;
      default:
        this.ud();
    }
  }

  private escMemDb(r: number): void {
    switch (r) {
      case 0:
        this.begin(0xdb);
        this.fild(4);
        return;
      case 2:
      case 3:
        this.begin(0xdb);
        this.fist(4, r === 3);
        return;
      case 5:
        this.begin(0xdb);
        this.fldM80();
        return;
      case 7:
        this.begin(0xdb);
        this.fstpM80();
        return;
      default:
        // /1 FISTTP needs SSE3 (not reported); /4 and /6 are undefined.
        this.ud();
    }
  }

  private escMemDd(r: number): void {
    switch (r) {
      case 0:
        this.begin(0xdd);
        this.fldM64();
        return;
      case 2:
      case 3:
        this.begin(0xdd);
        this.fstM64(r === 3);
        return;
      case 4:
        this.fpuPending();
        this.frstor();
        return;
      case 6:
        this.fnsave();
        return;
      case 7:
        this.fnstsw(false);
        return;
      default:
        this.ud();
    }
  }

  private escMemDf(r: number): void {
    if (r === 1) this.ud(); // FISTTP m16: SSE3
    this.begin(0xdf);
    switch (r) {
      case 0:
        this.fild(2);
        return;
      case 2:
      case 3:
        this.fist(2, r === 3);
        return;
      case 4:
        this.fbld();
        return;
      case 5:
        this.fild(8);
        return;
      case 6:
        this.fbstp();
        return;
      default:
        this.fist(8, true);
    }
  }

  private escReg(op: number): void {
    const r = this.reg;
    const i = this.rm;
    switch (op) {
      case 0xd8:
        this.begin(op);
        this.fpuArithReg(r, i, true, false);
        return;
      case 0xd9:
        this.escRegD9(r, i);
        return;
      case 0xda:
        this.escRegDa(r, i);
        return;
      case 0xdb:
        this.escRegDb(r, i);
        return;
      case 0xdc:
        this.begin(op);
        // DC D0+i / D8+i: FCOM2/FCOMP3 aliases of FCOM/FCOMP ST(i).
        this.fpuArithReg(r, i, false, false);
        return;
      case 0xdd:
        this.escRegDd(r, i);
        return;
      case 0xde:
        this.escRegDe(r, i);
        return;
      default:
        this.escRegDf(r, i);
    }
  }

  private escRegD9(r: number, i: number): void {
    if ((r === 2 && i !== 0) || (r === 4 && (i === 2 || i === 3 || i > 5)) || (r === 5 && i === 7)) this.ud();
    this.begin(0xd9);
    switch (r) {
      case 0:
        this.fldSt(i);
        return;
      case 1:
        this.fxch(i);
        return;
      case 2:
        return; // FNOP
      case 3:
        this.fstSt(i, true); // FSTP1 alias
        return;
      case 4:
        this.escD9E0(i);
        return;
      case 5:
        this.fldConst(i);
        return;
      case 6:
        this.escD9F0(i);
        return;
      default:
        this.escD9F8(i);
    }
  }

  private escD9E0(i: number): void {
    if (i === 0) this.fsign(false);
    else if (i === 1) this.fsign(true);
    else if (i === 4) this.ftst();
    else this.fxam();
  }

  private escD9F0(i: number): void {
    switch (i) {
      case 0:
        this.f2xm1();
        return;
      case 1:
        this.fyl2x();
        return;
      case 2:
        this.fptan();
        return;
      case 3:
        this.fpatan();
        return;
      case 4:
        this.fxtract();
        return;
      case 5:
        this.fprem(true);
        return;
      case 6:
        this.fstpAdjust(-1);
        return;
      default:
        this.fstpAdjust(1);
    }
  }

  private escD9F8(i: number): void {
    switch (i) {
      case 0:
        this.fprem(false);
        return;
      case 1:
        this.fyl2xp1();
        return;
      case 2:
        this.fsqrt();
        return;
      case 3:
        this.fsincos();
        return;
      case 4:
        this.frndint();
        return;
      case 5:
        this.fscale();
        return;
      case 6:
        this.fsin();
        return;
      default:
        this.fcos();
    }
  }

  private escRegDa(r: number, i: number): void {
    if (r < 4) {
      this.begin(0xda);
      this.fcmov(0xda, r, i);
      return;
    }
    if (r === 5 && i === 1) {
      // FUCOMPP
      this.begin(0xda);
      this.fpuCompareSt(1, true, 2);
      return;
    }
    this.ud();
  }

  private escRegDb(r: number, i: number): void {
    if (r < 4) {
      this.begin(0xdb);
      this.fcmov(0xdb, r, i);
      return;
    }
    if (r === 4) {
      // DB E0 FENI, E1 FDISI, E4 FSETPM: no-ops since the 387; E2 FNCLEX, E3 FNINIT.
      if (i === 2) this.fnclex();
      else if (i === 3) this.fninit();
      else if (i > 4) this.ud();
      return;
    }
    if (r === 5 || r === 6) {
      this.begin(0xdb);
      this.fcomi(i, r === 5, false);
      return;
    }
    this.ud();
  }

  private escRegDd(r: number, i: number): void {
    if (r >= 6) this.ud();
    this.begin(0xdd);
    switch (r) {
      case 0:
        this.ffree(i, false);
        return;
      case 1:
        this.fxch(i); // FXCH4 alias
        return;
      case 2:
      case 3:
        this.fstSt(i, r === 3);
        return;
      default:
        this.fpuCompareSt(i, true, r === 5 ? 1 : 0);
    }
  }

  private escRegDe(r: number, i: number): void {
    if (r === 3 && i !== 1) this.ud();
    this.begin(0xde);
    if (r === 3)
      this.fpuCompareSt(1, false, 2); // FCOMPP
    else if (r === 2)
      this.fpuCompareSt(i, false, 1); // FCOMP5 alias
    else this.fpuArithReg(r, i, false, true);
  }

  private escRegDf(r: number, i: number): void {
    if (r === 4) {
      if (i !== 0) this.ud();
      this.fnstsw(true);
      return;
    }
    if (r === 7) this.ud();
    this.begin(0xdf);
    switch (r) {
      case 0:
        this.ffree(i, true); // FFREEP
        return;
      case 1:
        this.fxch(i); // FXCH7 alias
        return;
      case 2:
      case 3:
        this.fstSt(i, true); // FSTP8/FSTP9 aliases
        return;
      default:
        this.fcomi(i, r === 5, true);
    }
  }
}
