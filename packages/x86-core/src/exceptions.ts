// x86 core: Exceptions and interrupts
// Behavioural references (no code copied): QEMU target/i386/tcg/seg_helper.c (do_interrupt_*),
// excp_helper.c, Intel SDM vol. 3A ch. 6.

import {
  AC,
  BR,
  CS,
  DB,
  DE,
  DF_V,
  ESP,
  FAULT,
  GP,
  IF,
  IOPL,
  NP,
  NT,
  OFV,
  PFV,
  RF,
  SS,
  SSF,
  TF,
  TS,
  UD,
  VM,
} from './state.js';
import type { CpuEvent } from './types.js';
import { CpuVm86 } from './vm86.js';

/** Exceptions and interrupts: #UD reporting, IVT/IDT delivery (gates, stack switch), double and
 * triple fault, software interrupts, BOUND. */
export abstract class CpuExceptions extends CpuVm86 {
  protected override ud(): never {
    const lin = (this.segBase[CS] + this.startEip) >>> 0;
    if (this.listeners.length > 0) {
      const bytes: number[] = [];
      for (let i = 0; i < 8; i++) bytes.push(this.peekLin8(lin + i));
      this.emit({
        kind: 'undefined-opcode',
        linear: lin,
        bytes,
        cs: this.segSel[CS],
        eip: this.startEip >>> 0,
      });
    }
    return this.fault(UD, -1);
  }

  /** kind: 0 exception/fault, 1 software INT n / INT3 / INTO, 2 external (INTR/NMI). */
  protected deliverInterrupt(vector: number, errorCode: number, kind: number, retEip: number): void {
    this.settle();
    const fl = this.getFlags();
    if (!this.pe) {
      if (vector * 4 + 3 > this.idtrLimit) this.fault(GP, vector * 8 + 2);
      const ent = this.readLin32((this.idtrBase + vector * 4) | 0);
      this.checkWrite(SS, (this.regs[ESP] - 6) & this.spMask(), 6);
      this.push16(fl);
      this.push16(this.segSel[CS]);
      this.push16(retEip);
      this.flags &= ~(IF | TF | AC | RF);
      const sel = (ent >>> 16) & 0xffff;
      this.setCsReal(sel);
      this.eip = ent & 0xffff;
      this.halted = false;
      return;
    }
    const ext = kind === 0 || kind === 2 ? 1 : 0;
    const gsel = vector * 8 + 2 + ext;
    if (vector * 8 + 7 > this.idtrLimit) this.fault(GP, gsel);
    this.readDesc((this.idtrBase + vector * 8) | 0);
    const gLo = this.descLo;
    const gHi = this.descHi;
    const gattr = (gHi >>> 8) & 0xff;
    const type = gattr & 0x1f;
    if (type !== 0x06 && type !== 0x07 && type !== 0x0e && type !== 0x0f) {
      // Task gates (0x05) need task switching, which is not implemented.
      this.fault(GP, gsel);
    }
    const gdpl = (gattr >> 5) & 3;
    if (kind === 1 && gdpl < this.cpl) this.fault(GP, vector * 8 + 2);
    if ((gattr & 0x80) === 0) this.fault(NP, gsel);
    const gate32 = (type & 8) !== 0;
    const trap = (type & 1) !== 0;
    const sel = gLo >>> 16;
    const off = ((gLo & 0xffff) | (gate32 ? gHi & 0xffff0000 : 0)) >>> 0;
    if ((sel & 0xfffc) === 0) this.fault(GP, ext);
    this.loadDescriptor(sel);
    const attr = this.descAttr();
    const dpl = (attr >> 5) & 3;
    if ((attr & 0x18) !== 0x18 || dpl > this.cpl) this.fault(GP, (sel & 0xfffc) + ext);
    const fromVm86 = (this.flags & VM) !== 0;
    if (fromVm86) this.checkVm86Handler(attr, dpl, sel, ext);
    if ((attr & 0x80) === 0) this.fault(NP, (sel & 0xfffc) + ext);
    if (off > this.descLimit()) this.fault(GP, ext);
    const csLo = this.descLo;
    const csHi = this.descHi;
    const oldCpl = this.cpl;
    const inner = (attr & 4) === 0 && dpl < oldCpl;
    // The frame, top slot first (the inner stack's: GS FS DS ES from vm86, then SS ESP).
    const f = this.frame;
    let n = 0;
    if (inner) {
      if (fromVm86) n = this.vm86SegmentSlots();
      f[n] = this.segSel[SS];
      f[n + 1] = this.regs[ESP];
      n += 2;
    }
    f[n] = fl;
    f[n + 1] = this.segSel[CS];
    f[n + 2] = retEip;
    n += 3;
    if (errorCode >= 0) f[n++] = errorCode;
    const push = gate32 ? 4 : 2;
    if (inner) this.pushOnInnerStack(dpl, push, n);
    else this.pushFrame(push, n);
    if (inner && fromVm86) this.nullVm86Segments();
    const newCpl = inner ? dpl : oldCpl;
    this.descLo = csLo;
    this.descHi = csHi;
    this.loadCs(sel, newCpl);
    this.eip = off;
    this.flags &= ~(TF | NT | RF | VM);
    if (!trap) this.flags &= ~IF;
    this.halted = false;
  }

  /** Switch to the TSS's stack for `dpl` and push frame[0..n) there (pushFrame) at CPL `dpl`, so
   * the stores are supervisor accesses. A fault (#SS, #PF) restores SS:ESP and the CPL: its
   * exception is delivered from the interrupted context, with the slots pushed before it written
   * (QEMU 7.2 do_interrupt_protected and helper_lcall_protected load the new SS and ESP only after
   * the pushes). `commit` false restores them after the pushes too (far.ts: a call gate's
   * parameter read that faults after the slots above it are pushed). A frame beyond the new SS's
   * limit is #SS with that selector (RPL cleared) as error code, not #SS(0) as on the current stack
   * (SDM vol. 2A CALL and INT n pseudo-code: "#SS(SS selector)" for the new stack's pushes; Bochs
   * cpu/access2.cc write_new_stack_dword/word: exception(BX_SS_EXCEPTION, selector & 0xfffc) when
   * its RPL is not the CPL, which it never is here; QEMU 7.2 checks no limit there). */
  protected pushOnInnerStack(dpl: number, size: number, n: number, commit = true): void {
    const oldCpl = this.cpl;
    const oldEsp = this.regs[ESP];
    const save = [this.segSel[SS], this.segBase[SS], this.segLimit[SS], this.segAttr[SS]];
    this.switchToInnerStack(dpl);
    this.cpl = dpl;
    let pushed = false;
    try {
      this.pushFrame(size, n);
      pushed = commit;
    } catch (e) {
      if (e === FAULT && this.excVector === SSF) this.excCode = this.segSel[SS] & 0xfffc;
      throw e;
    } finally {
      if (!pushed) {
        this.cpl = oldCpl;
        this.setSegCache(SS, save[0], save[1], save[2], save[3]);
        this.regs[ESP] = oldEsp;
      }
    }
  }

  protected static contributory(v: number): boolean {
    return v === DE || (v >= TS && v <= GP);
  }

  /** The instruction that raised the pending fault (fault()) did not happen: roll EIP and ESP back
   * to its start and deliver the exception (run() and execute() catch the FAULT throw). */
  protected takeFault(): void {
    this.eip = this.startEip;
    this.regs[ESP] = this.startEsp;
    this.deliverException(this.excVector, this.excCode);
    // The handler's entry is a branch target like any other: once hot, it runs as a trace.
    if (this.jitOn) this.branched();
  }

  /** Deliver an exception raised by an instruction, handling double and triple faults. */
  protected deliverException(vector: number, code: number): void {
    if (vector < 32) this.exceptionCounts[vector]++;
    if (this.listeners.length > 0) {
      const e: CpuEvent =
        code >= 0
          ? { kind: 'exception', vector, errorCode: code, cs: this.segSel[CS], eip: this.startEip >>> 0 }
          : { kind: 'exception', vector, cs: this.segSel[CS], eip: this.startEip >>> 0 };
      this.emit(e);
    }
    const depth = this.deliveryDepth;
    if (depth >= 3) {
      this.tripleFault(vector, 'fault nesting');
      return;
    }
    this.deliveryDepth = depth + 1;
    try {
      this.deliverInterrupt(vector, code, 0, this.startEip);
    } catch (e) {
      if (e !== FAULT) throw e;
      const second = this.excVector;
      const secondCode = this.excCode;
      this.eip = this.startEip;
      this.regs[ESP] = this.startEsp;
      if (vector === DF_V) {
        this.tripleFault(second, 'exception while delivering #DF');
      } else if (
        (CpuExceptions.contributory(vector) && CpuExceptions.contributory(second)) ||
        (vector === PFV && (second === PFV || CpuExceptions.contributory(second)))
      ) {
        if (this.listeners.length > 0)
          this.emit({
            kind: 'double-fault',
            first: vector,
            second,
            cs: this.segSel[CS],
            eip: this.startEip >>> 0,
          });
        this.deliverException(DF_V, 0);
      } else {
        this.deliverException(second, secondCode);
      }
    } finally {
      this.deliveryDepth = depth;
    }
  }

  protected tripleFault(vector: number, cause: string): void {
    this.shutdownState = true;
    this.halted = false;
    if (this.listeners.length > 0)
      this.emit({ kind: 'triple-fault', vector, cs: this.segSel[CS], eip: this.startEip >>> 0, cause });
  }

  /** Software interrupt (INT n, INT3, INTO): the return address is the next instruction. */
  protected softInt(vector: number): void {
    this.softIntTaken = true;
    this.deliverInterrupt(vector, -1, 1, this.eip);
  }

  protected bound(): void {
    this.modrm();
    if (this.mod === 3) this.ud();
    if (this.o32) {
      const idx = this.regs[this.reg];
      const lo = this.rd32(this.eaSeg, this.eaOff);
      const hi = this.rd32(this.eaSeg, this.eaOff + 4);
      if (idx < lo || idx > hi) this.fault(BR, -1);
    } else {
      const idx = (this.regs[this.reg] << 16) >> 16;
      const lo = (this.rd16(this.eaSeg, this.eaOff) << 16) >> 16;
      const hi = (this.rd16(this.eaSeg, this.eaOff + 2) << 16) >> 16;
      if (idx < lo || idx > hi) this.fault(BR, -1);
    }
  }

  /** INT imm8 (CD): #GP in vm86 below IOPL 3. */
  protected intN(): void {
    const v = this.fetch8();
    if (this.flags & VM && (this.flags & IOPL) !== IOPL) this.fault(GP, 0);
    this.softInt(v);
  }

  /** INTO (CE). */
  protected into(): void {
    if (this.getOF()) this.softInt(OFV);
  }

  /** INT1 / ICEBP (F1): a #DB trap delivered like an external event (no DPL check). */
  protected int1(): void {
    this.deliverInterrupt(DB, -1, 2, this.eip);
  }
}
