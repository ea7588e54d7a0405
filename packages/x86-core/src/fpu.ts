// x86 core: the x87 FPU — register stack, exceptions, the #NM/#MF/FERR# rules and the control
// instructions (FNINIT, FNCLEX, FNSTSW, FNSTCW, FLDCW).
// Behavioural references (no code copied): Intel SDM vol. 1 ch. 8 (x87 execution environment,
// 8.5 exceptions, 8.6 exception synchronisation, appendix D: MS-DOS compatibility / FERR# and
// IGNNE#), vol. 3A 2.5 table 2-2 (CR0.EM/MP/TS), QEMU target/i386/tcg/fpu_helper.c
// (fpu_set_exception, cpu_set_fpus, cpu_set_ignne), Bochs cpu/fpu/fpu.cc.

import { FPU_EXC, FSW_B, FSW_C1, FSW_ES, FSW_IE, FSW_SF, MF } from './fpu-state.js';
import { CR0_EM, CR0_MP, CR0_TS, CS, NM, VM } from './state.js';
import { CpuSystem } from './system.js';

/** CR0.NE: native x87 error reporting (#MF) instead of FERR#. */
export const CR0_NE = 0x20;

/** The x87 base layer: stack access, exception flags and their delivery, control instructions. */
export abstract class CpuFpu extends CpuSystem {
  // --- #NM and pending exceptions ---------------------------------------------------------------

  /** #NM for an x87 instruction: CR0.EM or CR0.TS set (SDM vol. 3A table 2-2). */
  protected fpuCheckNm(): void {
    if (this.cr0 & (CR0_EM | CR0_TS)) this.fault(NM, -1);
  }

  /** WAIT/FWAIT: #NM when MP and TS are both set (EM does not matter), then the pending check. */
  protected fwait(): void {
    if ((this.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) this.fault(NM, -1);
    this.fpuPending();
  }

  /** A waiting x87 instruction with an unmasked exception pending (ES): #MF with CR0.NE, else
   * FERR# (the PC's IRQ 13 path) unless IGNNE# is asserted (SDM vol. 1 8.6, D.2.1). With FERR#
   * the instruction then runs, as with QEMU's fpu_raise_exception; a real processor would freeze
   * until the interrupt arrives (see the README's "x87"). */
  protected fpuPending(): void {
    const f = this.fpu;
    if ((f.fsw & FSW_ES) === 0) return;
    if (this.cr0 & CR0_NE) this.fault(MF, -1);
    if (f.ignne || f.ferr) return;
    f.ferr = true;
    this.fpu.ferrOut?.(true);
  }

  /** IGNNE# (the board's port F0h write): ignore pending errors until ES clears; FERR# drops. */
  protected fpuIgnne(): void {
    this.fpu.ignne = true;
    this.dropFerr();
  }

  private dropFerr(): void {
    if (this.fpu.ferr) {
      this.fpu.ferr = false;
      this.fpu.ferrOut?.(false);
    }
  }

  /** ES cleared (FNCLEX, FNINIT, FLDENV/FRSTOR): FERR# is deasserted and the chipset drops
   * IGNNE# (QEMU cpu_set_fpus → cpu_clear_ignne). */
  protected fpuErrorCleared(): void {
    this.fpu.ignne = false;
    this.dropFerr();
  }

  /** Raise exception flags. Returns true when every raised flag is masked (the masked response
   * applies); otherwise ES and B are set and the caller leaves the destination alone. */
  protected fpuRaise(flags: number): boolean {
    const f = this.fpu;
    f.fsw |= flags;
    if (flags & ~f.fcw & FPU_EXC) {
      f.fsw |= FSW_ES | FSW_B;
      return false;
    }
    return true;
  }

  /** Records FIP/FCS/FOP (and FDP/FDS for a memory operand) for a non-control instruction. */
  protected fpuRecord(op: number, modrm: number): void {
    const f = this.fpu;
    f.fip = this.startEip;
    f.fcs = this.segSel[CS] & 0xffff;
    f.fop = ((op & 7) << 8) | modrm;
    if (this.mod !== 3) {
      f.fdp = this.eaOff;
      f.fds = this.segSel[this.eaSeg] & 0xffff;
    }
  }

  /** Real-address or virtual-8086 mode: the environment image uses the real-mode layout. */
  protected fpuRealLayout(): boolean {
    return !this.pe || (this.flags & VM) !== 0;
  }

  // --- register stack ---------------------------------------------------------------------------

  protected stIdx(i: number): number {
    return (this.fpu.top + i) & 7;
  }

  protected stEmpty(i: number): boolean {
    return this.fpu.empty[(this.fpu.top + i) & 7] === 1;
  }

  protected stGet(i: number): number {
    return this.fpu.st[(this.fpu.top + i) & 7] as number;
  }

  /** Writes ST(i) (marks it valid, drops any kept 80-bit image). */
  protected stSet(i: number, v: number): void {
    const p = (this.fpu.top + i) & 7;
    this.fpu.st[p] = v;
    this.fpu.empty[p] = 0;
    this.fpu.rawValid[p] = 0;
  }

  /** Copies ST(src) to ST(dst) with its 80-bit image. */
  protected stCopy(dst: number, src: number): void {
    const f = this.fpu;
    const d = (f.top + dst) & 7;
    const s = (f.top + src) & 7;
    f.st[d] = f.st[s] as number;
    f.empty[d] = 0;
    f.rawValid[d] = f.rawValid[s] as number;
    f.rawSe[d] = f.rawSe[s] as number;
    f.rawHi[d] = f.rawHi[s] as number;
    f.rawLo[d] = f.rawLo[s] as number;
  }

  /** Stack overflow check before a push: R[TOP-1] must be empty. Returns false when the push must
   * not happen (unmasked #IS); with IM masked the push goes ahead with the QNaN indefinite. */
  protected fpuPushCheck(): boolean {
    const f = this.fpu;
    if (f.empty[(f.top - 1) & 7] === 1) return true;
    f.fsw |= FSW_C1;
    if (!this.fpuRaise(FSW_IE | FSW_SF)) return false;
    f.top = (f.top - 1) & 7;
    this.stSet(0, Number.NaN);
    return false;
  }

  /** Pushes a value (the caller did fpuPushCheck). */
  protected fpuPush(v: number): void {
    const f = this.fpu;
    f.top = (f.top - 1) & 7;
    this.stSet(0, v);
  }

  protected fpuPop(): void {
    const f = this.fpu;
    f.empty[f.top] = 1;
    f.top = (f.top + 1) & 7;
  }

  /** Stack underflow (#IS, C1 = 0). Returns true when masked: the caller stores the indefinite. */
  protected fpuUnderflow(): boolean {
    this.fpu.fsw &= ~FSW_C1;
    return this.fpuRaise(FSW_IE | FSW_SF);
  }

  /** Clears C1 (most instructions: "C1 set to 0 if stack underflow occurred; otherwise …"). */
  protected fpuClearC1(): void {
    this.fpu.fsw &= ~FSW_C1;
  }

  // --- memory operands --------------------------------------------------------------------------

  /** Writes an 80-bit image (EXT_OUT order: se, hi, lo) at seg:off. */
  protected fpuWrite80(seg: number, off: number, se: number, hi: number, lo: number): void {
    this.wr32(seg, off, lo);
    this.wr32(seg, off + 4, hi);
    this.wr16(seg, off + 8, se);
  }

  // --- control instructions ---------------------------------------------------------------------

  /** FNINIT (DB E3). */
  protected fninit(): void {
    this.fpu.init();
    this.fpuErrorCleared();
  }

  /** FNCLEX (DB E2): clears the exception flags, SF, ES and B. */
  protected fnclex(): void {
    this.fpu.fsw &= ~(FPU_EXC | FSW_SF | FSW_ES | FSW_B);
    this.fpuErrorCleared();
  }

  /** FLDCW m16 (D9 /5). Bit 6 is reserved and reads as 1, bits 13–15 read as 0. Unmasking a flagged exception makes it pending (SDM FLDCW). */
  protected fldcw(): void {
    const f = this.fpu;
    f.fcw = (this.rd16(this.eaSeg, this.eaOff) & 0x1f3f) | 0x40;
    this.fpuRecheckEs();
  }

  /** ES and B follow the flags against the masks (after FLDCW/FLDENV/FRSTOR). */
  protected fpuRecheckEs(): void {
    const f = this.fpu;
    if (f.fsw & ~f.fcw & FPU_EXC) f.fsw |= FSW_ES | FSW_B;
    else {
      f.fsw &= ~(FSW_ES | FSW_B);
      this.fpuErrorCleared();
    }
  }

  /** FNSTCW m16 (D9 /7). */
  protected fnstcw(): void {
    this.wr16(this.eaSeg, this.eaOff, this.fpu.fcw);
  }

  /** FNSTSW m16 (DD /7) or AX (DF E0). */
  protected fnstsw(toAx: boolean): void {
    const v = this.fpu.statusWord();
    if (toAx) this.regs[0] = (this.regs[0] & ~0xffff) | v;
    else this.wr16(this.eaSeg, this.eaOff, v);
  }
}
