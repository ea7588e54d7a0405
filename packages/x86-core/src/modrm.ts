// x86 core: Registers by size and the ModRM/SIB effective address; r/m operand access
// Behavioural references (no code copied): Intel SDM vol. 2 and 3, QEMU target/i386/tcg
// (seg_helper.c, excp_helper.c, misc_helper.c), v86 src/cpu.js.

import { CpuMemory } from './memory.js';
import { DS, EBP, EBX, EDI, ESI, ESP, SS } from './state.js';

/** Registers by size and the ModRM/SIB effective address; r/m operand access. */
export abstract class CpuModrm extends CpuMemory {
  protected getReg8(i: number): number {
    return i < 4 ? this.regs[i] & 0xff : (this.regs[i - 4] >> 8) & 0xff;
  }

  protected setReg8(i: number, v: number): void {
    if (i < 4) this.regs[i] = (this.regs[i] & ~0xff) | (v & 0xff);
    else this.regs[i - 4] = (this.regs[i - 4] & ~0xff00) | ((v & 0xff) << 8);
  }

  protected getReg(size: number, i: number): number {
    if (size === 1) return this.getReg8(i);
    if (size === 2) return this.regs[i] & 0xffff;
    return this.regs[i];
  }

  protected setReg(size: number, i: number, v: number): void {
    if (size === 1) this.setReg8(i, v);
    else if (size === 2) this.regs[i] = (this.regs[i] & ~0xffff) | (v & 0xffff);
    else this.regs[i] = v;
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

  protected dataSeg(): number {
    return this.segOvr >= 0 ? this.segOvr : DS;
  }

  protected aluRmReg(op: number, size: number): void {
    this.modrm();
    const a = this.readRm(size);
    const v = this.alu(op, size, a, this.getReg(size, this.reg));
    if (op !== 7) this.writeRm(size, v);
  }

  protected aluRegRm(op: number, size: number): void {
    this.modrm();
    const b = this.readRm(size);
    const v = this.alu(op, size, this.getReg(size, this.reg), b);
    if (op !== 7) this.setReg(size, this.reg, v);
  }
}
