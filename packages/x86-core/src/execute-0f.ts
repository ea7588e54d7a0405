// x86 core: Dispatch of the 0F opcode map
// Behavioural references (no code copied): Intel SDM vol. 2 and 3, QEMU target/i386/tcg
// (seg_helper.c, excp_helper.c, misc_helper.c), v86 src/cpu.js.

import { CpuExecuteRest } from './execute-rest.js';
import { CR0_TS, EAX, ECX, EDX, FS, GP, GS, SS, ZF } from './state.js';

/** Dispatch of the 0F opcode map. */
export abstract class CpuExecute0f extends CpuExecuteRest {
  protected execute0f(): void {
    const op = this.fetch8();
    const r = this.regs;
    const osize = this.o32 ? 4 : 2;
    if (op >= 0x80 && op <= 0x8f) {
      const d = this.o32 ? this.fetch32() : (this.fetch16() << 16) >> 16;
      if (this.cond(op & 15)) this.jumpRel(d);
      return;
    }
    if (op >= 0x90 && op <= 0x9f) {
      this.modrm();
      this.writeRm8(this.cond(op & 15) ? 1 : 0);
      return;
    }
    if (op >= 0x40 && op <= 0x4f) {
      // CMOVcc: the source is always read (a memory operand may fault even when not moved).
      this.modrm();
      const v = this.readRm(osize);
      if (this.cond(op & 15)) this.setReg(osize, this.reg, v);
      else if (osize === 4) this.setReg(4, this.reg, this.regs[this.reg]);
      return;
    }
    if (op >= 0xc8 && op <= 0xcf) {
      const v = r[op & 7];
      if (this.o32)
        r[op & 7] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff);
      else this.setReg(2, op & 7, 0); // BSWAP r16 is undefined; Intel and QEMU give 0.
      return;
    }
    switch (op) {
      case 0x00:
        this.group6();
        return;
      case 0x01:
        this.group7();
        return;
      case 0x02:
      case 0x03:
        this.larLsl(op === 0x02);
        return;
      case 0x06:
        if (this.cpl !== 0) this.fault(GP, 0);
        this.cr0 &= ~CR0_TS;
        return;
      case 0x08:
      case 0x09:
        if (this.cpl !== 0) this.fault(GP, 0);
        return;
      case 0x0b:
        this.ud();
        return;
      case 0x18:
      case 0x19:
      case 0x1a:
      case 0x1b:
      case 0x1c:
      case 0x1d:
      case 0x1e:
      case 0x1f:
        // Hint NOPs (0F 18 prefetch, 0F 1F nop r/m).
        this.modrm();
        return;
      case 0x20:
      case 0x21:
      case 0x22:
      case 0x23:
        this.movCrDr(op);
        return;
      case 0x30:
        this.wrmsr();
        return;
      case 0x31:
        if (this.cr4 & 4 && this.cpl !== 0) this.fault(GP, 0);
        {
          const t = this.readTsc();
          r[EAX] = Number(t & 0xffffffffn);
          r[EDX] = Number((t >> 32n) & 0xffffffffn);
        }
        return;
      case 0x32:
        this.rdmsr();
        return;
      case 0xa0:
        this.pushO(this.segSel[FS]);
        return;
      case 0xa1:
        this.popSeg(FS);
        return;
      case 0xa2:
        this.cpuid();
        return;
      case 0xa3:
      case 0xab:
      case 0xb3:
      case 0xbb:
        this.btReg(op);
        return;
      case 0xa4:
      case 0xa5:
      case 0xac:
      case 0xad: {
        this.modrm();
        const a = this.readRm(osize);
        const count = op & 1 ? r[ECX] & 0xff : this.fetch8();
        if ((count & 31) === 0) return;
        const src = this.getReg(osize, this.reg);
        const v = op < 0xa8 ? this.shld(osize, a, src, count) : this.shrd(osize, a, src, count);
        this.writeRm(osize, v);
        return;
      }
      case 0xa8:
        this.pushO(this.segSel[GS]);
        return;
      case 0xa9:
        this.popSeg(GS);
        return;
      case 0xaf: {
        this.modrm();
        const b = this.readRm(osize);
        this.setReg(osize, this.reg, this.imul2(osize, this.getReg(osize, this.reg), b));
        return;
      }
      case 0xb0:
      case 0xb1: {
        const size = op === 0xb0 ? 1 : osize;
        this.modrm();
        const dst = this.readRm(size);
        const acc = this.getReg(size, EAX);
        this.alu(7, size, acc, dst);
        if (acc === dst) this.writeRm(size, this.getReg(size, this.reg));
        else {
          this.writeRm(size, dst); // the destination is always written (SDM CMPXCHG)
          this.setReg(size, EAX, dst);
        }
        return;
      }
      case 0xb2:
        this.loadFarPtr(SS);
        return;
      case 0xb4:
        this.loadFarPtr(FS);
        return;
      case 0xb5:
        this.loadFarPtr(GS);
        return;
      case 0xb6:
        this.modrm();
        this.setReg(osize, this.reg, this.readRm8());
        return;
      case 0xb7:
        this.modrm();
        this.setReg(osize, this.reg, this.readRm16());
        return;
      case 0xba:
        this.btImm();
        return;
      case 0xbc:
      case 0xbd: {
        this.modrm();
        const v = this.readRm(osize);
        if (v === 0) {
          this.settle();
          this.flags |= ZF;
          return;
        }
        let i: number;
        if (op === 0xbc) i = 31 - Math.clz32(v & -v);
        else i = 31 - Math.clz32(v);
        this.setReg(osize, this.reg, i);
        this.settle();
        this.flags &= ~ZF;
        return;
      }
      case 0xbe:
        this.modrm();
        this.setReg(osize, this.reg, (this.readRm8() << 24) >> 24);
        return;
      case 0xbf:
        this.modrm();
        this.setReg(osize, this.reg, (this.readRm16() << 16) >> 16);
        return;
      case 0xc0:
      case 0xc1: {
        const size = op === 0xc0 ? 1 : osize;
        this.modrm();
        const dst = this.readRm(size);
        const src = this.getReg(size, this.reg);
        const sum = this.alu(0, size, dst, src);
        if (this.mod === 3) {
          this.setReg(size, this.reg, dst);
          this.setReg(size, this.rm, sum);
        } else {
          this.writeRm(size, sum);
          this.setReg(size, this.reg, dst);
        }
        return;
      }
      case 0xc7:
        this.cmpxchg8b();
        return;
      case 0xaa:
        // RSM outside SMM.
        this.ud();
        return;
      default:
        this.ud();
    }
  }
}
