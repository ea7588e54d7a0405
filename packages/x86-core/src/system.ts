// x86 core: System instructions
// Behavioural references (no code copied): QEMU target/i386/tcg/misc_helper.c, Intel SDM vol. 3A
// (I/O permission bitmap, control registers).

import { CR0_ET, CR0_PE, CR0_PG, CR0_TS, CR0_WP, CS, FEATURE_PGE, GP, IOPL, VM } from './state.js';
import { CpuStrings } from './strings.js';

/** System instructions: port I/O with the IOPL/bitmap checks, group 7
 * (SGDT/SIDT/LGDT/LIDT/SMSW/LMSW/INVLPG), MOV CRn/DRn and CR0 writes. */
export abstract class CpuSystem extends CpuStrings {
  protected checkIo(port: number, size: number): void {
    if (!this.pe) return;
    if (this.cpl <= (this.flags & IOPL) >> 12 && (this.flags & VM) === 0) return;
    // I/O permission bitmap (SDM vol. 1 18.5.2).
    const type = this.trAttr & 0xf;
    if (type !== 0x9 && type !== 0xb) this.fault(GP, 0);
    if (this.trLimit < 0x67) this.fault(GP, 0);
    const mapBase = this.readLinSys32(this.trBase + 0x64) >>> 16;
    const byteOff = mapBase + (port >> 3);
    if (byteOff + 1 > this.trLimit) this.fault(GP, 0);
    const bits = this.readLinSys32(this.trBase + byteOff) & 0xffff;
    if ((bits >> (port & 7)) & ((1 << size) - 1)) this.fault(GP, 0);
  }

  protected override ioIn(size: number, port: number): number {
    port &= 0xffff;
    this.checkIo(port, size);
    this.intrPoll = true;
    if (size === 1) return this.io.in8(port) & 0xff;
    if (size === 2) return this.io.in16(port) & 0xffff;
    return this.io.in32(port) | 0;
  }

  protected override ioOut(size: number, port: number, v: number): void {
    port &= 0xffff;
    this.checkIo(port, size);
    this.intrPoll = true;
    if (size === 1) this.io.out8(port, v & 0xff);
    else if (size === 2) this.io.out16(port, v & 0xffff);
    else this.io.out32(port, v >>> 0);
  }

  protected group7(): void {
    this.modrm();
    const op = this.reg;
    switch (op) {
      case 0:
      case 1: {
        // SGDT / SIDT
        if (this.mod === 3) this.ud();
        const limit = op === 0 ? this.gdtrLimit : this.idtrLimit;
        const base = op === 0 ? this.gdtrBase : this.idtrBase;
        this.checkWrite(this.eaSeg, this.eaOff, 6);
        this.wr16(this.eaSeg, this.eaOff, limit);
        // 16-bit operand size stores 24 bits of base and 0 in the top byte on a 486 (SDM SGDT).
        this.wr32(this.eaSeg, this.eaOff + 2, this.o32 ? base : base & 0xffffff);
        return;
      }
      case 2:
      case 3: {
        // LGDT / LIDT
        if (this.mod === 3) this.ud();
        if (this.pe && this.cpl !== 0) this.fault(GP, 0);
        const limit = this.rd16(this.eaSeg, this.eaOff);
        let base = this.rd32(this.eaSeg, this.eaOff + 2);
        if (!this.o32) base &= 0xffffff;
        if (op === 2) {
          this.gdtrBase = base;
          this.gdtrLimit = limit;
        } else {
          this.idtrBase = base;
          this.idtrLimit = limit;
        }
        return;
      }
      case 4:
        // SMSW
        if (this.mod === 3) this.setReg(this.o32 ? 4 : 2, this.rm, this.cr0);
        else this.wr16(this.eaSeg, this.eaOff, this.cr0);
        return;
      case 6: {
        // LMSW: sets PE (cannot clear it), MP, EM, TS.
        if (this.pe && this.cpl !== 0) this.fault(GP, 0);
        const v = this.readRm16();
        const nv = (this.cr0 & ~0xe) | (v & 0xf) | (this.cr0 & 1);
        this.writeCr0(nv);
        return;
      }
      case 7: {
        // INVLPG
        if (this.mod === 3) this.ud();
        if (this.pe && this.cpl !== 0) this.fault(GP, 0);
        const lin = (this.segBase[this.eaSeg] + this.eaOff) | 0;
        this.tlb[lin >>> 12] = 0;
        this.fetchHi = -1;
        return;
      }
      default:
        this.ud();
    }
  }

  /** @internal (TraceHost) MOV r32, CRn for n = 0, 2, 3 or 4 (the others are #UD: movCrDr): #GP(0)
   * in protected mode outside CPL 0 (vm86 included: its CPL is 3). */
  movFromCr(n: number): number {
    if (this.pe && this.cpl !== 0) this.fault(GP, 0);
    return n === 0 ? this.cr0 : n === 2 ? this.cr2 : n === 3 ? this.cr3 : this.cr4;
  }

  protected movCrDr(op: number): void {
    // MOV CR/DR ignores mod and always uses a 32-bit register: no displacement follows the ModRM
    // byte whatever mod says (SDM vol. 2 MOV—Move to/from Control Registers; QEMU's translate.c
    // reads the ModRM byte without an address for them too).
    const b = this.fetch8();
    this.mod = 3;
    this.reg = (b >> 3) & 7;
    this.rm = b & 7;
    if (this.pe && this.cpl !== 0) this.fault(GP, 0);
    const r = this.regs;
    const n = this.reg;
    if (op === 0x20) {
      if (n === 1 || n > 4) this.ud();
      r[this.rm] = this.movFromCr(n);
    } else if (op === 0x22) {
      const v = r[this.rm];
      switch (n) {
        case 0:
          this.writeCr0(v);
          break;
        case 2:
          this.cr2 = v;
          break;
        case 3:
          this.cr3 = v & ~0xfe7;
          this.flushTlb();
          break;
        case 4:
          // Implemented CR4 bits: TSD (2), DE (3), PSE (4), and PGE (7) when CPUID reports it.
          // Others (PAE, VME, ...) #GP. Global pages: the TLB drops every entry on a CR3 write
          // too, which the SDM allows (a TLB may drop any entry at any time, vol. 3A 4.10.2.2).
          if (v & ~(this.model.featuresEdx & FEATURE_PGE ? 0x9c : 0x1c)) this.fault(GP, 0);
          this.cr4 = v;
          this.flushTlb();
          break;
        default:
          this.ud();
      }
    } else if (op === 0x21) {
      const d = n === 4 ? 6 : n === 5 ? 7 : n;
      r[this.rm] = this.dr[d];
    } else {
      const d = n === 4 ? 6 : n === 5 ? 7 : n;
      this.dr[d] = r[this.rm];
    }
  }

  protected writeCr0(v: number): void {
    if (v & CR0_PG && (v & CR0_PE) === 0) this.fault(GP, 0);
    const prev = this.cr0;
    this.cr0 = v | CR0_ET;
    const pe = (v & CR0_PE) !== 0;
    if (pe !== this.pe) {
      this.pe = pe;
      if (!pe) this.cpl = 0;
      else this.cpl = 0; // CPL is 0 when entering protected mode from real mode
      this.updateModes();
    }
    this.paging = pe && (v & CR0_PG) !== 0;
    if ((prev ^ v) & (CR0_PG | CR0_WP | CR0_PE)) this.flushTlb();
    this.fetchHi = -1;
    if (((prev ^ v) & (CR0_PE | CR0_PG)) !== 0 && this.listeners.length > 0)
      this.emit({ kind: 'mode-change', cr0: this.cr0 >>> 0, previous: prev >>> 0 });
  }

  /** HLT (F4): CPL 0 only. */
  protected hlt(): void {
    if (this.cpl !== 0) this.fault(GP, 0);
    this.halted = this.slow = true;
    if (this.listeners.length > 0) this.emit({ kind: 'halt', cs: this.segSel[CS], eip: this.eip >>> 0 });
  }

  /** CLTS (0F 06). */
  protected clts(): void {
    if (this.cpl !== 0) this.fault(GP, 0);
    this.cr0 &= ~CR0_TS;
  }

  /** INVD / WBINVD (0F 08/09): no caches to drop; CPL 0 only. */
  protected invd(): void {
    if (this.cpl !== 0) this.fault(GP, 0);
  }
}
