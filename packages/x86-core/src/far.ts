// x86 core: Far transfers
// Behavioural references (no code copied): QEMU target/i386/tcg/seg_helper.c
// (helper_ljmp_protected, helper_lcall_protected, helper_lret_protected, helper_iret_protected).

import { CpuExceptions } from './exceptions.js';
import { CS, EFLAGS_WRITABLE, ESP, FAULT, GP, IF, IOPL, NP, NT, SS, SSF, TS, VM } from './state.js';

/** Far transfers: far JMP/CALL (direct and through call gates, inner-level stack switch), far RET,
 * IRET, and the EFLAGS write rules they share with POPF. */
export abstract class CpuFar extends CpuExceptions {
  protected farJmp(sel: number, off: number): void {
    sel &= 0xffff;
    if (!this.pe || this.flags & VM) {
      if (!this.o32) off &= 0xffff;
      this.setCsReal(sel);
      this.eip = off >>> 0;
      return;
    }
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    this.loadDescriptor(sel);
    const attr = this.descAttr();
    if (attr & 0x10) {
      this.checkCodeTarget(sel);
      if (!this.o32) off &= 0xffff;
      if (off >>> 0 > this.descLimit()) this.fault(GP, 0);
      this.loadCs(sel, this.cpl);
      this.eip = off >>> 0;
      return;
    }
    const type = attr & 0x1f;
    if (type === 0x04 || type === 0x0c) {
      // Call gate, same privilege only for JMP.
      this.throughCallGate(sel, false);
      return;
    }
    // Task gates and TSS targets (task switching) are not implemented.
    this.fault(GP, sel & 0xfffc);
  }

  protected farCall(sel: number, off: number): void {
    sel &= 0xffff;
    const retCs = this.segSel[CS];
    const retEip = this.eip;
    if (!this.pe || this.flags & VM) {
      if (!this.o32) off &= 0xffff;
      this.pushReturn(this.o32 ? 4 : 2, retCs, retEip);
      this.setCsReal(sel);
      this.eip = off >>> 0;
      return;
    }
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    this.loadDescriptor(sel);
    const attr = this.descAttr();
    if (attr & 0x10) {
      this.checkCodeTarget(sel);
      if (!this.o32) off &= 0xffff;
      if (off >>> 0 > this.descLimit()) this.fault(GP, 0);
      this.pushReturn(this.o32 ? 4 : 2, retCs, retEip);
      this.loadCs(sel, this.cpl);
      this.eip = off >>> 0;
      return;
    }
    const type = attr & 0x1f;
    if (type === 0x04 || type === 0x0c) {
      this.throughCallGate(sel, true);
      return;
    }
    this.fault(GP, sel & 0xfffc);
  }

  /** A far CALL's return address on the current stack, CS above EIP, as one frame (pushFrame:
   * from the top, as QEMU 7.2 helper_lcall_protected's PUSHL CS, PUSHL EIP). */
  private pushReturn(size: number, cs: number, eip: number): void {
    this.frame[0] = cs;
    this.frame[1] = eip;
    this.pushFrame(size, 2);
  }

  /** JMP/CALL through a call gate (descriptor of the gate in descLo/descHi). */
  protected throughCallGate(gateSel: number, isCall: boolean): void {
    const gLo = this.descLo;
    const gHi = this.descHi;
    const gattr = (gHi >>> 8) & 0xff;
    const gdpl = (gattr >> 5) & 3;
    const gate32 = (gattr & 8) !== 0;
    if (gdpl < this.cpl || gdpl < (gateSel & 3)) this.fault(GP, gateSel & 0xfffc);
    if ((gattr & 0x80) === 0) this.fault(NP, gateSel & 0xfffc);
    const sel = gLo >>> 16;
    let off = (gLo & 0xffff) | (gate32 ? gHi & 0xffff0000 : 0);
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    this.loadDescriptor(sel);
    const attr = this.descAttr();
    const dpl = (attr >> 5) & 3;
    if ((attr & 0x18) !== 0x18 || dpl > this.cpl) this.fault(GP, sel & 0xfffc);
    if ((attr & 0x80) === 0) this.fault(NP, sel & 0xfffc);
    off >>>= 0;
    if (off > this.descLimit()) this.fault(GP, 0);
    const retCs = this.segSel[CS];
    const retEip = this.eip;
    if (!isCall) {
      if ((attr & 4) === 0 && dpl !== this.cpl) this.fault(GP, sel & 0xfffc);
      this.loadCs(sel, this.cpl);
      this.eip = off;
      return;
    }
    const savedLo = this.descLo;
    const savedHi = this.descHi;
    if ((attr & 4) === 0 && dpl < this.cpl) {
      this.callToInner(dpl, gate32 ? 4 : 2, gHi & 0x1f, retCs, retEip);
      this.descLo = savedLo;
      this.descHi = savedHi;
      this.loadCs(sel, dpl);
    } else {
      this.pushReturn(gate32 ? 4 : 2, retCs, retEip);
      this.loadCs(sel, this.cpl);
    }
    this.eip = off;
  }

  /** A CALL through a gate to a more privileged code segment (SDM vol. 3A 5.8.5): SS, ESP, the
   * gate's `count` parameters (`size` bytes each, copied from the caller's stack, the last one
   * first), CS, EIP go on the TSS's stack for `dpl` as one frame (exceptions.ts pushOnInnerStack:
   * from the top; SS:ESP and the CPL change only once all of it is written, a fault restores them).
   * QEMU 7.2 (target/i386/tcg/seg_helper.c helper_lcall_protected) and Bochs (cpu/call_far.cc
   * call_gate) read each parameter just before pushing it, after the slots above it: so a read
   * that faults (#PF, #SS on the caller's stack) is raised after those slots are written, and not
   * at all when one of their pushes (or the TSS's stack, #TS) faults first. Here the parameters
   * are read first and such a fault is held back (CR2 as before it) until the slots above it are
   * pushed; what that leaves apart from their order is the reads' accessed bits when a push faults
   * first, and an inner stack overlapping the parameters (read before, not after, it is written).
   * The reads are the caller's, at its CPL (user reads at CPL 3, as Bochs's stack_read_dword; QEMU
   * 7.2 makes them with cpu_ldl_kernel_ra, supervisor reads: test/harness/programs.ts lists the
   * difference). */
  private callToInner(dpl: number, size: number, count: number, retCs: number, retEip: number): void {
    const f = this.frame;
    f[0] = this.segSel[SS];
    f[1] = this.regs[ESP];
    let n = 2;
    let i = count - 1;
    const cr2 = this.cr2;
    try {
      for (; i >= 0; i--, n++) f[n] = this.peekStack(size, i * size);
    } catch (e) {
      if (e !== FAULT) throw e;
    }
    if (i < 0) {
      f[n] = retCs;
      f[n + 1] = retEip;
      this.pushOnInnerStack(dpl, size, n + 2);
      return;
    }
    // Parameter i's read faulted: raise that once SS, ESP and the parameters above it are pushed.
    const vector = this.excVector;
    const code = this.excCode;
    const readCr2 = this.cr2;
    this.cr2 = cr2;
    this.pushOnInnerStack(dpl, size, n, false);
    this.cr2 = readCr2;
    this.fault(vector, code);
  }

  /** Load SS:ESP for privilege level `dpl` from the current TSS (SDM vol. 3A 7.2.1). */
  protected override switchToInnerStack(dpl: number): void {
    const type = this.trAttr & 0xf;
    let newSs: number;
    let newEsp: number;
    if (type === 0x9 || type === 0xb) {
      const o = 4 + dpl * 8;
      if (o + 5 > this.trLimit) this.fault(TS, this.trSel & 0xfffc);
      newEsp = this.readLinSys32(this.trBase + o);
      newSs = this.readLinSys32(this.trBase + o + 4) & 0xffff;
    } else if (type === 0x1 || type === 0x3) {
      const o = 2 + dpl * 4;
      if (o + 3 > this.trLimit) this.fault(TS, this.trSel & 0xfffc);
      const v = this.readLinSys32(this.trBase + o);
      newEsp = v & 0xffff;
      newSs = (v >>> 16) & 0xffff;
    } else this.fault(TS, this.trSel & 0xfffc);
    if ((newSs & 0xfffc) === 0) this.fault(TS, newSs & 0xfffc);
    const addr = this.loadDescriptor(newSs, TS);
    const attr = this.descAttr();
    if ((newSs & 3) !== dpl || ((attr >> 5) & 3) !== dpl || (attr & 0x1a) !== 0x12)
      this.fault(TS, newSs & 0xfffc);
    if ((attr & 0x80) === 0) this.fault(SSF, newSs & 0xfffc);
    this.setAccessed(addr);
    this.setSegCache(SS, newSs, this.descBase(), this.descLimit(), attr);
    this.regs[ESP] = newEsp;
  }

  protected farRet(o32: boolean, imm: number): void {
    const size = o32 ? 4 : 2;
    if (!this.pe || this.flags & VM) {
      const off = this.peekStack(size, 0);
      const sel = this.peekStack(size, size) & 0xffff;
      this.setSp(this.regs[ESP] + 2 * size + imm);
      this.setCsReal(sel);
      this.eip = o32 ? off >>> 0 : off & 0xffff;
      return;
    }
    const off = this.peekStack(size, 0) >>> 0;
    const sel = this.peekStack(size, size) & 0xffff;
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    this.loadDescriptor(sel);
    const attr = this.descAttr();
    const dpl = (attr >> 5) & 3;
    const rpl = sel & 3;
    if ((attr & 0x18) !== 0x18 || rpl < this.cpl) this.fault(GP, sel & 0xfffc);
    if (attr & 4 ? dpl > rpl : dpl !== rpl) this.fault(GP, sel & 0xfffc);
    if ((attr & 0x80) === 0) this.fault(NP, sel & 0xfffc);
    if (off > this.descLimit()) this.fault(GP, 0);
    if (rpl === this.cpl) {
      this.setSp(this.regs[ESP] + 2 * size + imm);
      this.loadCs(sel, this.cpl);
      this.eip = off;
      return;
    }
    // Return to an outer privilege level: SS:ESP follow CS:EIP (+imm) on the stack.
    const newEsp = this.peekStack(size, 2 * size + imm);
    const newSs = this.peekStack(size, 3 * size + imm) & 0xffff;
    const csLo = this.descLo;
    const csHi = this.descHi;
    this.cpl = rpl;
    try {
      this.loadSeg(SS, newSs);
    } catch (e) {
      this.cpl = (this.segSel[CS] & 3) | 0;
      throw e;
    }
    this.descLo = csLo;
    this.descHi = csHi;
    this.loadCs(sel, rpl);
    this.regs[ESP] =
      size === 4 || this.ss32 ? newEsp + imm : (this.regs[ESP] & ~0xffff) | ((newEsp + imm) & 0xffff);
    this.eip = off;
    this.invalidateSegsForCpl();
  }

  /** @internal (TraceHost) IRET as the last instruction of a compiled trace, which decoded the
   * operand size (o32) at compile time. */
  jitIret(o32: boolean): void {
    this.o32 = o32;
    this.iret();
  }

  protected iret(): void {
    const o32 = this.o32;
    const size = o32 ? 4 : 2;
    if (!this.pe) {
      const off = this.peekStack(size, 0);
      const sel = this.peekStack(size, size) & 0xffff;
      const fl = this.peekStack(size, 2 * size);
      this.setSp(this.regs[ESP] + 3 * size);
      this.setCsReal(sel);
      this.eip = o32 ? off >>> 0 : off & 0xffff;
      this.writeEflags(fl, o32 ? -1 : 0xffff, true);
      this.nmiBlocked = false;
      return;
    }
    if (this.flags & VM) {
      this.iretInVm86(o32);
      return;
    }
    if (this.flags & NT) {
      // Nested-task return needs task switching, which is not implemented.
      this.fault(TS, this.trSel & 0xfffc);
    }
    this.peekFrame(size, 3);
    const off = this.frame[0] >>> 0;
    const sel = this.frame[1] & 0xffff;
    const fl = this.frame[2];
    if (o32 && fl & VM && this.cpl === 0) {
      this.iretToVm86(off, sel, fl);
      return;
    }
    if ((sel & 0xfffc) === 0) this.fault(GP, 0);
    this.loadDescriptor(sel);
    const attr = this.descAttr();
    const dpl = (attr >> 5) & 3;
    const rpl = sel & 3;
    if ((attr & 0x18) !== 0x18 || rpl < this.cpl) this.fault(GP, sel & 0xfffc);
    if (attr & 4 ? dpl > rpl : dpl !== rpl) this.fault(GP, sel & 0xfffc);
    if ((attr & 0x80) === 0) this.fault(NP, sel & 0xfffc);
    if (off > this.descLimit()) this.fault(GP, 0);
    const oldCpl = this.cpl;
    const mask = o32 ? -1 : 0xffff;
    if (rpl === this.cpl) {
      this.setSp(this.regs[ESP] + 3 * size);
      this.loadCs(sel, rpl);
      this.eip = off;
      this.writeEflagsAt(fl, mask, oldCpl);
      this.nmiBlocked = false;
      return;
    }
    const newEsp = this.peekStack(size, 3 * size);
    const newSs = this.peekStack(size, 4 * size) & 0xffff;
    const csLo = this.descLo;
    const csHi = this.descHi;
    this.cpl = rpl;
    try {
      this.loadSeg(SS, newSs);
    } catch (e) {
      this.cpl = oldCpl;
      throw e;
    }
    this.descLo = csLo;
    this.descHi = csHi;
    this.loadCs(sel, rpl);
    this.regs[ESP] = size === 4 || this.ss32 ? newEsp : (this.regs[ESP] & ~0xffff) | (newEsp & 0xffff);
    this.eip = off;
    this.writeEflagsAt(fl, mask, oldCpl);
    this.invalidateSegsForCpl();
    this.nmiBlocked = false;
  }

  /** POPF/IRET flag update with the privilege rules (SDM vol. 2B POPF). */
  protected writeEflags(v: number, sizeMask: number, iret: boolean): void {
    this.writeEflagsAt(v, sizeMask, this.cpl, iret);
  }

  protected override writeEflagsAt(v: number, sizeMask: number, cpl: number, _iret = true): void {
    this.settle();
    let m = EFLAGS_WRITABLE & sizeMask;
    if (this.pe) {
      if (cpl > 0) m &= ~IOPL;
      if (cpl > (this.flags & IOPL) >> 12) m &= ~IF;
    }
    this.flags = (this.flags & ~m) | (v & m) | 2;
    if ((this.flags & IF) !== 0) this.intrPoll = true;
  }

  /** CALL ptr16:16/32 (9A). */
  protected farCallImm(): void {
    const off = this.fetchS(this.o32 ? 4 : 2);
    const sel = this.fetch16();
    this.farCall(sel, off);
  }

  /** JMP ptr16:16/32 (EA). */
  protected farJmpImm(): void {
    const off = this.fetchS(this.o32 ? 4 : 2);
    const sel = this.fetch16();
    this.farJmp(sel, off);
  }
}
