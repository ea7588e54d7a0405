// x86 core: Segments and descriptors
// Behavioural references (no code copied): QEMU target/i386/tcg/seg_helper.c (segment loads,
// LLDT/LTR/LAR/LSL/VERR/VERW).

import { CpuAlu } from './alu.js';
import { CS, DS, ES, ESP, FS, GP, GS, NP, SS, SSF, VM, ZF } from './state.js';

/** Segments and descriptors: the hidden segment caches, descriptor loads with their checks,
 * segment-register loads, LDS/LES/…, ARPL, and group 6 (SLDT/STR/LLDT/LTR/VERR/VERW) with LAR/LSL. */
export abstract class CpuSegments extends CpuAlu {
  protected setSegCache(s: number, sel: number, base: number, limit: number, attr: number): void {
    this.segSel[s] = sel & 0xffff;
    this.segBase[s] = base | 0;
    this.segLimit[s] = limit >>> 0;
    this.segAttr[s] = attr & 0xf0ff;
    this.updateSegRange(s);
    if (s === CS) {
      this.cs32 = (attr & 0x4000) !== 0;
      this.fetchHi = -1;
    } else if (s === SS) {
      this.ss32 = (attr & 0x4000) !== 0;
    }
  }

  /** Real-mode / vm86 CS load: selector and base only. */
  protected setCsReal(sel: number): void {
    this.segSel[CS] = sel & 0xffff;
    this.segBase[CS] = (sel & 0xffff) << 4;
    this.csBase = this.segBase[CS];
    this.fetchHi = -1;
  }

  protected updateSegRange(s: number): void {
    const attr = this.segAttr[s];
    const limit = this.segLimit[s];
    if (this.pe && (attr & 0x80) === 0 && s !== CS) {
      // Unusable (null selector loaded in protected mode).
      this.segLo[s] = 0xffffffff;
      this.segHi[s] = 0;
      this.segWritable[s] = 0;
      return;
    }
    if ((attr & 0x18) === 0x10 && (attr & 4) !== 0) {
      // Expand-down data segment.
      this.segLo[s] = (limit + 1) >>> 0;
      this.segHi[s] = attr & 0x4000 ? 0xffffffff : 0xffff;
    } else {
      this.segLo[s] = 0;
      this.segHi[s] = limit;
    }
    this.segWritable[s] = !this.pe || (attr & 0x1a) === 0x12 ? 1 : 0;
    if (s === CS) {
      this.csBase = this.segBase[CS];
      this.csLimit = this.segHi[CS];
      this.fetchHi = -1;
    }
  }

  protected updateModes(): void {
    this.cs32 = (this.segAttr[CS] & 0x4000) !== 0;
    this.ss32 = (this.segAttr[SS] & 0x4000) !== 0;
    for (let s = 0; s < 6; s++) this.updateSegRange(s);
  }

  /** Load the 8-byte descriptor for `sel` into descLo/descHi; raises #GP(sel) (or the given vector)
   * when outside the table. Returns the linear address of the descriptor. */
  protected loadDescriptor(sel: number, vector = GP): number {
    let base: number;
    let limit: number;
    if (sel & 4) {
      if ((this.ldtrAttr & 0x80) === 0 || (this.ldtrSel & 0xfffc) === 0)
        return this.fault(vector, sel & 0xfffc);
      base = this.ldtrBase;
      limit = this.ldtrLimit;
    } else {
      base = this.gdtrBase;
      limit = this.gdtrLimit;
    }
    if ((sel | 7) > limit) return this.fault(vector, sel & 0xfffc);
    const addr = (base + (sel & ~7)) | 0;
    this.readDesc(addr);
    return addr;
  }

  /** descLo/descHi ← the 8 bytes at linear `lin`, as readLinSys32(lin) and readLinSys32(lin + 4)
   * read them (supervisor reads: the same walk, TLB fill and first #PF), with one translation when
   * they lie in one page of RAM. */
  protected readDesc(lin: number): void {
    if ((lin & 0xfff) <= 0xff8) {
      let a = lin;
      if (this.paging) {
        const e = this.tlb[lin >>> 12];
        a = (e & 1) !== 0 ? (e & ~0xfff) | (lin & 0xfff) : this.walk(lin, false, false);
      }
      a &= this.a20Mask;
      const p = a >>> 12;
      const buf = this.bufs[this.readIdx[p]];
      if (buf != null) {
        const i = this.readOff[p] + (a & 0xfff);
        this.descLo = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
        this.descHi = buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24);
        return;
      }
    }
    this.descLo = this.readLinSys32(lin);
    this.descHi = this.readLinSys32(lin + 4);
  }

  /** System-structure reads are supervisor accesses even at CPL 3. Paging makes only a CPL-3
   * access a user one (memory.ts translate), so below CPL 3 the plain read is the same access
   * (without the try/finally, which every exception delivery and IRET pays for). */
  protected readLinSys32(lin: number): number {
    if (this.cpl !== 3) return this.readLin32(lin | 0);
    const c = this.cpl;
    this.cpl = 0;
    try {
      return this.readLin32(lin | 0);
    } finally {
      this.cpl = c;
    }
  }

  protected writeLinSys8(lin: number, v: number): void {
    if (this.cpl !== 3) {
      this.writeLin8(lin | 0, v);
      return;
    }
    const c = this.cpl;
    this.cpl = 0;
    try {
      this.writeLin8(lin | 0, v);
    } finally {
      this.cpl = c;
    }
  }

  protected descBase(): number {
    return (this.descLo >>> 16) | ((this.descHi & 0xff) << 16) | (this.descHi & 0xff000000) | 0;
  }

  protected descLimit(): number {
    let l = (this.descLo & 0xffff) | (this.descHi & 0xf0000);
    if (this.descHi & 0x800000) l = ((l << 12) | 0xfff) >>> 0;
    return l;
  }

  protected descAttr(): number {
    return (this.descHi >>> 8) & 0xf0ff;
  }

  protected setAccessed(addr: number): void {
    if ((this.descHi & 0x100) === 0) {
      this.descHi |= 0x100;
      this.writeLinSys8(addr + 5, (this.descHi >>> 8) & 0xff);
    }
  }

  /** MOV/POP/LxS to a data segment register or SS. */
  protected loadSeg(s: number, sel: number): void {
    sel &= 0xffff;
    if (!this.pe || this.flags & VM) {
      // Real mode: only selector and base change; the hidden limit/attributes stay (unreal mode).
      this.segSel[s] = sel;
      this.segBase[s] = sel << 4;
      if (s === CS) this.fetchHi = -1;
      return;
    }
    if ((sel & 0xfffc) === 0) {
      if (s === SS) this.fault(GP, 0);
      this.segSel[s] = sel;
      this.segBase[s] = 0;
      this.segLimit[s] = 0;
      this.segAttr[s] = 0;
      this.updateSegRange(s);
      return;
    }
    const addr = this.loadDescriptor(sel);
    const attr = this.descAttr();
    const dpl = (attr >> 5) & 3;
    const rpl = sel & 3;
    if (s === SS) {
      // Writable data segment with RPL = DPL = CPL.
      if ((attr & 0x1a) !== 0x12 || rpl !== this.cpl || dpl !== this.cpl) this.fault(GP, sel & 0xfffc);
      if ((attr & 0x80) === 0) this.fault(SSF, sel & 0xfffc);
    } else {
      // Data or readable code.
      if ((attr & 0x10) === 0 || (attr & 0x0a) === 0x08) this.fault(GP, sel & 0xfffc);
      const conformingCode = (attr & 0x0c) === 0x0c;
      if (!conformingCode && (dpl < this.cpl || dpl < rpl)) this.fault(GP, sel & 0xfffc);
      if ((attr & 0x80) === 0) this.fault(NP, sel & 0xfffc);
    }
    this.setAccessed(addr);
    this.setSegCache(s, sel, this.descBase(), this.descLimit(), this.descAttr());
  }

  /** Load CS for a far transfer to a code segment (descriptor already in descLo/descHi). */
  protected loadCs(sel: number, cpl: number): void {
    const s = (sel & 0xfffc) | cpl;
    const base = this.descBase();
    const limit = this.descLimit();
    const attr = this.descAttr();
    // The commonest far transfer (an exception delivery and its IRET in one code segment) reloads
    // the cache with what it holds: nothing changes, and the fetch window stays valid. (A cache
    // loaded in real mode may hold the same values but a writable CS: setSegCache recomputes it.)
    if (
      this.segWritable[CS] !== 0 ||
      this.segSel[CS] !== s ||
      this.segBase[CS] !== base ||
      this.segLimit[CS] !== limit ||
      this.segAttr[CS] !== (attr & 0xf0ff)
    )
      this.setSegCache(CS, s, base, limit, attr);
    this.cpl = cpl;
  }

  /** Checks for a code-segment target of a JMP/CALL (not through a gate). */
  protected checkCodeTarget(sel: number): void {
    const attr = this.descAttr();
    const dpl = (attr >> 5) & 3;
    if ((attr & 0x18) !== 0x18) this.fault(GP, sel & 0xfffc);
    if (attr & 4) {
      if (dpl > this.cpl) this.fault(GP, sel & 0xfffc);
    } else if ((sel & 3) > this.cpl || dpl !== this.cpl) this.fault(GP, sel & 0xfffc);
    if ((attr & 0x80) === 0) this.fault(NP, sel & 0xfffc);
  }

  /** After a return to an outer privilege level: null out data segments the new CPL may not use. */
  protected invalidateSegsForCpl(): void {
    for (const s of [ES, DS, FS, GS]) {
      const attr = this.segAttr[s];
      const dpl = (attr >> 5) & 3;
      const conformingCode = (attr & 0x1c) === 0x1c;
      if ((attr & 0x10) !== 0 && !conformingCode && dpl < this.cpl) {
        this.segSel[s] = 0;
        this.segAttr[s] = 0;
        this.updateSegRange(s);
      }
    }
  }

  protected popSeg(s: number): void {
    const n = this.o32 ? 4 : 2;
    const v = this.peekStack(n, 0);
    // The increment uses the stack width before the load: POP SS may switch SS.B (SDM vol. 2
    // POP: "the stack pointer is incremented" by the current stack-address size; Bochs pops with
    // pop_16/pop_32 before load_seg_reg). A faulting load leaves ESP unchanged.
    const esp = this.regs[ESP];
    const next = this.ss32 ? (esp + n) | 0 : (esp & ~0xffff) | ((esp + n) & 0xffff);
    this.loadSeg(s, v & 0xffff);
    this.regs[ESP] = next;
  }

  protected loadFarPtr(s: number): void {
    this.modrm();
    if (this.mod === 3) this.ud();
    const osize = this.o32 ? 4 : 2;
    const off = this.rdS(osize, this.eaSeg, this.eaOff);
    const sel = this.rd16(this.eaSeg, this.eaOff + osize);
    this.loadSeg(s, sel);
    this.setReg(osize, this.reg, off);
    if (s === SS) this.inhibit = this.slow = true;
  }

  protected arpl(): void {
    if (!this.pe || this.flags & VM) this.ud();
    this.modrm();
    const dst = this.readRm16();
    const src = this.regs[this.reg] & 3;
    if ((dst & 3) < src) {
      this.writeRm16((dst & ~3) | src);
      this.setFlag(ZF, true);
    } else this.setFlag(ZF, false);
  }

  protected group6(): void {
    this.modrm();
    if (!this.pe || this.flags & VM) this.ud();
    switch (this.reg) {
      case 0:
        // SLDT
        if (this.mod === 3) this.setReg(this.o32 ? 4 : 2, this.rm, this.ldtrSel);
        else this.wr16(this.eaSeg, this.eaOff, this.ldtrSel);
        return;
      case 1:
        if (this.mod === 3) this.setReg(this.o32 ? 4 : 2, this.rm, this.trSel);
        else this.wr16(this.eaSeg, this.eaOff, this.trSel);
        return;
      case 2: {
        // LLDT
        if (this.cpl !== 0) this.fault(GP, 0);
        const sel = this.readRm16();
        if ((sel & 0xfffc) === 0) {
          this.ldtrSel = sel;
          this.ldtrAttr = 0;
          this.ldtrBase = 0;
          this.ldtrLimit = 0;
          return;
        }
        if (sel & 4) this.fault(GP, sel & 0xfffc);
        this.loadDescriptor(sel);
        const attr = this.descAttr();
        if ((attr & 0x1f) !== 0x02) this.fault(GP, sel & 0xfffc);
        if ((attr & 0x80) === 0) this.fault(NP, sel & 0xfffc);
        this.ldtrSel = sel;
        this.ldtrBase = this.descBase();
        this.ldtrLimit = this.descLimit();
        this.ldtrAttr = attr;
        return;
      }
      case 3: {
        // LTR
        if (this.cpl !== 0) this.fault(GP, 0);
        const sel = this.readRm16();
        if ((sel & 0xfffc) === 0 || sel & 4) this.fault(GP, sel & 0xfffc);
        const addr = this.loadDescriptor(sel);
        const attr = this.descAttr();
        const type = attr & 0x1f;
        if (type !== 0x01 && type !== 0x09) this.fault(GP, sel & 0xfffc);
        if ((attr & 0x80) === 0) this.fault(NP, sel & 0xfffc);
        // Mark busy.
        this.writeLinSys8(addr + 5, ((this.descHi >>> 8) & 0xff) | 2);
        this.trSel = sel;
        this.trBase = this.descBase();
        this.trLimit = this.descLimit();
        this.trAttr = attr | 2;
        return;
      }
      case 4:
      case 5: {
        // VERR / VERW
        const sel = this.readRm16();
        this.setFlag(ZF, this.verify(sel, this.reg === 5));
        return;
      }
      default:
        this.ud();
    }
  }

  /** Descriptor visible at CPL/RPL for LAR/LSL/VERR/VERW; loads descLo/descHi. */
  protected probeDescriptor(sel: number): boolean {
    if ((sel & 0xfffc) === 0) return false;
    let base: number;
    let limit: number;
    if (sel & 4) {
      if ((this.ldtrSel & 0xfffc) === 0) return false;
      base = this.ldtrBase;
      limit = this.ldtrLimit;
    } else {
      base = this.gdtrBase;
      limit = this.gdtrLimit;
    }
    if ((sel | 7) > limit) return false;
    this.descLo = this.readLinSys32(base + (sel & ~7));
    this.descHi = this.readLinSys32(base + (sel & ~7) + 4);
    const attr = this.descAttr();
    const dpl = (attr >> 5) & 3;
    const conformingCode = (attr & 0x1c) === 0x1c;
    if (!conformingCode && (dpl < this.cpl || dpl < (sel & 3))) return false;
    return true;
  }

  protected verify(sel: number, write: boolean): boolean {
    if (!this.probeDescriptor(sel)) return false;
    const attr = this.descAttr();
    if ((attr & 0x10) === 0) return false;
    if (write) return (attr & 0x1a) === 0x12;
    return (attr & 0x18) === 0x10 || (attr & 0x0a) === 0x0a;
  }

  protected larLsl(lar: boolean): void {
    if (!this.pe || this.flags & VM) this.ud();
    this.modrm();
    const sel = this.readRm16();
    const osize = this.o32 ? 4 : 2;
    let ok = this.probeDescriptor(sel);
    if (ok) {
      const attr = this.descAttr();
      if ((attr & 0x10) === 0) {
        const t = attr & 0xf;
        // System types valid for LAR: LDT, TSS (avail/busy), call gate (LAR only), task gate (LAR).
        const valid = lar
          ? t === 1 || t === 2 || t === 3 || t === 4 || t === 5 || t === 9 || t === 0xb || t === 0xc
          : t === 1 || t === 2 || t === 3 || t === 9 || t === 0xb;
        if (!valid) ok = false;
      }
    }
    if (ok) {
      if (lar) this.setReg(osize, this.reg, this.descHi & 0x00f0ff00);
      else this.setReg(osize, this.reg, this.descLimit());
    }
    this.setFlag(ZF, ok);
  }

  /** MOV r/m, Sreg (8C): #UD for reg 6/7; a register destination takes the operand size. */
  protected movFromSreg(): void {
    this.modrm();
    if (this.reg > 5) this.ud();
    if (this.mod === 3) this.setReg(this.o32 ? 4 : 2, this.rm, this.segSel[this.reg]);
    else this.wr16(this.eaSeg, this.eaOff, this.segSel[this.reg]);
  }

  /** MOV Sreg, r/m (8E): #UD for CS and reg 6/7; a load of SS opens the interrupt shadow. */
  protected movToSreg(): void {
    this.modrm();
    if (this.reg === CS || this.reg > 5) this.ud();
    this.loadSeg(this.reg, this.readRm16());
    if (this.reg === SS) this.inhibit = this.slow = true;
  }

  /** POP SS (17): opens the interrupt shadow (MOV SS / POP SS). */
  protected popSs(): void {
    this.popSeg(SS);
    this.inhibit = this.slow = true;
  }
}
