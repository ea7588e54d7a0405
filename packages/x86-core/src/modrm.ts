// x86 core: Registers by size and the ModRM/SIB effective address; r/m operand access
// Behavioural references (no code copied): v86 src/rust/cpu/modrm.rs, Intel SDM vol. 2 tables 2-1
// and 2-2.

import { CpuMemory } from './memory.js';
import { ARITH, DS, EAX, EBP, EBX, EDI, ESI, ESP, LZ_LOGIC, SS } from './state.js';

/** Registers by size and the ModRM/SIB effective address; r/m operand access. */
export abstract class CpuModrm extends CpuMemory {
  // The register helpers take one path for every size and register: no branch whose property loads
  // or calls V8 first meets after it has optimized a caller (SeaBIOS's 16-bit code after its 32-bit
  // POST), each of which deoptimized the dispatch function it was inlined into (docs/performance.md,
  // "The cold boot"). AL–BL are bits 0–7 of EAX–EBX, AH–BH bits 8–15.
  protected getReg8(i: number): number {
    return (this.regs[i & 3] >> ((i & 4) << 1)) & 0xff;
  }

  protected setReg8(i: number, v: number): void {
    const r = this.regs;
    const j = i & 3;
    const sh = (i & 4) << 1;
    r[j] = (r[j] & ~(0xff << sh)) | ((v & 0xff) << sh);
  }

  protected getReg(size: number, i: number): number {
    if (size === 1) return this.getReg8(i);
    return this.regs[i] & (size === 2 ? 0xffff : -1);
  }

  protected setReg(size: number, i: number, v: number): void {
    if (size === 1) this.setReg8(i, v);
    else {
      const r = this.regs;
      const m = size === 2 ? 0xffff : -1;
      r[i] = (r[i] & ~m) | (v & m);
    }
  }

  protected modrm(): void {
    const b = this.fetch8();
    this.mod = b >> 6;
    this.reg = (b >> 3) & 7;
    this.rm = b & 7;
    if (this.mod !== 3) {
      if (this.a32) this.ea32();
      else this.ea16();
    }
  }

  protected ea16(): void {
    const r = this.regs;
    const mod = this.mod;
    let seg = DS;
    let off: number;
    switch (this.rm) {
      case 0:
        off = r[EBX] + r[ESI];
        break;
      case 1:
        off = r[EBX] + r[EDI];
        break;
      case 2:
        off = r[EBP] + r[ESI];
        seg = SS;
        break;
      case 3:
        off = r[EBP] + r[EDI];
        seg = SS;
        break;
      case 4:
        off = r[ESI];
        break;
      case 5:
        off = r[EDI];
        break;
      case 6:
        if (mod === 0) off = this.fetch16();
        else {
          off = r[EBP];
          seg = SS;
        }
        break;
      default:
        off = r[EBX];
        break;
    }
    if (mod === 1) off += (this.fetch8() << 24) >> 24;
    else if (mod === 2) off += this.fetch16();
    this.eaOff = off & 0xffff;
    this.eaSeg = this.segOvr >= 0 ? this.segOvr : seg;
  }

  protected ea32(): void {
    const r = this.regs;
    const mod = this.mod;
    let seg = DS;
    let off: number;
    const rm = this.rm;
    if (rm === 4) {
      const sib = this.fetch8();
      const scale = sib >> 6;
      const index = (sib >> 3) & 7;
      const base = sib & 7;
      if (base === 5 && mod === 0) off = this.fetch32();
      else {
        off = r[base];
        if (base === ESP || base === EBP) seg = SS;
      }
      if (index !== 4) off += r[index] << scale;
    } else if (rm === 5 && mod === 0) {
      off = this.fetch32();
    } else {
      off = r[rm];
      if (rm === EBP) seg = SS;
    }
    if (mod === 1) off += (this.fetch8() << 24) >> 24;
    else if (mod === 2) off += this.fetch32();
    this.eaOff = off | 0;
    this.eaSeg = this.segOvr >= 0 ? this.segOvr : seg;
  }

  protected readRm(size: number): number {
    if (this.mod === 3) return this.getReg(size, this.rm);
    return this.rdS(size, this.eaSeg, this.eaOff);
  }

  protected writeRm(size: number, v: number): void {
    if (this.mod === 3) this.setReg(size, this.rm, v);
    else this.wrS(size, this.eaSeg, this.eaOff, v);
  }

  protected readRm8(): number {
    if (this.mod === 3) return this.getReg8(this.rm);
    return this.rd8(this.eaSeg, this.eaOff);
  }

  protected writeRm8(v: number): void {
    if (this.mod === 3) this.setReg8(this.rm, v);
    else this.wr8(this.eaSeg, this.eaOff, v);
  }

  protected readRm16(): number {
    if (this.mod === 3) return this.regs[this.rm] & 0xffff;
    return this.rd16(this.eaSeg, this.eaOff);
  }

  protected writeRm16(v: number): void {
    if (this.mod === 3) this.regs[this.rm] = (this.regs[this.rm] & ~0xffff) | (v & 0xffff);
    else this.wr16(this.eaSeg, this.eaOff, v);
  }

  /** With paging on, the r/m memory operand is about to take a #PF (pageFaultFirst): the handler
   * returns at once and execute() delivers the fault without a throw. Called where the operand's
   * first access would happen, before the instruction changes anything; `write` is that access's
   * kind (a read for read-modify-write forms, as the interpreter reads first). */
  protected rmFaultsFirst(size: number, write: boolean): boolean {
    return this.mod !== 3 && this.paging && this.pageFaultFirst(this.eaSeg, this.eaOff, size, write);
  }

  protected dataSeg(): number {
    return this.segOvr >= 0 ? this.segOvr : DS;
  }

  protected aluRmReg(op: number, size: number): void {
    this.modrm();
    if (this.rmFaultsFirst(size, false)) return;
    const a = this.readRm(size);
    const v = this.alu(op, size, a, this.getReg(size, this.reg));
    if (op !== 7) this.writeRm(size, v);
  }

  protected aluRegRm(op: number, size: number): void {
    this.modrm();
    if (this.rmFaultsFirst(size, false)) return;
    const b = this.readRm(size);
    const v = this.alu(op, size, this.getReg(size, this.reg), b);
    if (op !== 7) this.setReg(size, this.reg, v);
  }

  /** XCHG eAX, r (91–97). */
  protected xchgAcc(i: number): void {
    const osize = this.o32 ? 4 : 2;
    const a = this.getReg(osize, EAX);
    this.setReg(osize, EAX, this.getReg(osize, i));
    this.setReg(osize, i, a);
  }

  /** MOV AL/eAX ↔ moffs (A0–A3): the offset has the address size. */
  protected movMoffs(op: number): void {
    const off = this.a32 ? this.fetch32() : this.fetch16();
    const size = op & 1 ? (this.o32 ? 4 : 2) : 1;
    if (op < 0xa2) this.setReg(size, EAX, this.rdS(size, this.dataSeg(), off));
    else this.wrS(size, this.dataSeg(), off, this.getReg(size, EAX));
  }

  /** MOV r/m, imm (C6/C7). */
  protected movRmImm(size: number): void {
    this.modrm();
    if (this.reg !== 0) this.ud(); // group 11: MOV is /0 only
    const v = this.fetchS(size);
    if (this.rmFaultsFirst(size, true)) return;
    this.writeRm(size, v);
  }

  /** XLAT (D7). */
  protected xlat(): void {
    const r = this.regs;
    const off = this.a32 ? r[EBX] + (r[EAX] & 0xff) : (r[EBX] + (r[EAX] & 0xff)) & 0xffff;
    this.setReg8(0, this.rd8(this.dataSeg(), off));
  }

  /** MOVZX r, r/m8 / r/m16 (0F B6/B7). */
  protected movzx(size: number): void {
    this.modrm();
    if (this.rmFaultsFirst(size, false)) return;
    this.setReg(this.o32 ? 4 : 2, this.reg, size === 1 ? this.readRm8() : this.readRm16());
  }

  /** MOVSX r, r/m8 / r/m16 (0F BE/BF). */
  protected movsx(size: number): void {
    this.modrm();
    if (this.rmFaultsFirst(size, false)) return;
    const v = size === 1 ? (this.readRm8() << 24) >> 24 : (this.readRm16() << 16) >> 16;
    this.setReg(this.o32 ? 4 : 2, this.reg, v);
  }

  /** ALU AL/eAX, imm (04/05, 0C/0D, … 3C/3D). */
  protected aluAccImm(op: number): void {
    const aluOp = op >> 3;
    const size = (op & 1) === 0 ? 1 : this.o32 ? 4 : 2;
    const v = this.alu(aluOp, size, this.getReg(size, EAX), this.fetchS(size));
    if (aluOp !== 7) this.setReg(size, EAX, v);
  }

  /** TEST r/m, r (84/85). The 16/32-bit form writes the lazy logic record directly (lazy() with
   * LZ_LOGIC, written out: SeaBIOS's memset loop). */
  protected testRmReg(size: number): void {
    this.modrm();
    if (size === 1) {
      this.alu(4, 1, this.readRm8(), this.getReg8(this.reg));
      return;
    }
    const v = this.readRm(size) & this.getReg(size, this.reg);
    this.lzOp = LZ_LOGIC;
    this.lzR = size === 4 ? v : v & 0xffff;
    this.lzSign = size === 4 ? 31 : 15;
    this.lzMask = ARITH;
  }

  /** XCHG r/m, r (86/87). */
  protected xchgRmReg(size: number): void {
    this.modrm();
    if (size === 1) {
      const a = this.readRm8();
      this.writeRm8(this.getReg8(this.reg));
      this.setReg8(this.reg, a);
      return;
    }
    const a = this.readRm(size);
    this.writeRm(size, this.getReg(size, this.reg));
    this.setReg(size, this.reg, a);
  }

  /** MOV r/m, r (88/89), one path for every size (wrS's RAM fast path is SeaBIOS's memset). With
   * paging on, a store to a page the guest has yet to map takes its #PF without a throw
   * (pageFaultFirst: the first touch of a fresh page). */
  protected movRmReg(size: number): void {
    this.modrm();
    if (this.rmFaultsFirst(size, true)) return;
    this.writeRm(size, this.getReg(size, this.reg));
  }

  /** MOV r, r/m (8A/8B); a load's #PF as MOV r/m, r's. */
  protected movRegRm(size: number): void {
    this.modrm();
    if (this.rmFaultsFirst(size, false)) return;
    this.setReg(size, this.reg, this.readRm(size));
  }

  /** LEA (8D): a register operand is #UD. */
  protected lea(): void {
    this.modrm();
    if (this.mod === 3) this.ud();
    this.setReg(this.o32 ? 4 : 2, this.reg, this.eaOff);
  }

  /** MOV r16/32, imm (B8–BF). */
  protected movRegImm(i: number): void {
    if (this.o32) this.regs[i] = this.fetch32();
    else this.setReg(2, i, this.fetch16());
  }
}
