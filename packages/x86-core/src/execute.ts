// x86 core: The hot dispatch loop
// Behavioural references (no code copied): Intel SDM vol. 2 and 3, QEMU target/i386/tcg
// (seg_helper.c, excp_helper.c, misc_helper.c), v86 src/cpu.js.

import { CpuExecute0f } from './execute-0f.js';
import { PREFIX_KIND } from './opcodes.js';
import { ARITH, CF, CS, DS, EAX, ES, ESP, FS, GP, GS, IF, LZ_LOGIC, LZ_SUB, SS, TF, ZF } from './state.js';

/** The hot dispatch loop: prefixes and the common one-byte opcodes (see the README's "Speed design" for the hot/rare split). */
export abstract class CpuExecute extends CpuExecute0f {
  /** Execute instructions from the current EIP, counting each retired one, until the count reaches
   * `end` or the fast-path conditions of loop() (not slow, IF and TF clear, no stop request) no
   * longer hold. Looping here instead of in loop() saves a call and the prologue of this large
   * function per instruction. A fault throws out of it before the count is bumped, as before. */
  protected execute(end: number): void {
    for (;;) {
      this.startEip = this.eip;
      this.startEsp = this.regs[ESP];
      let o32 = this.cs32;
      let a32 = o32;
      this.segOvr = -1;
      this.rep = 0;
      let op = this.fetch8();
      // Prefixes (one table load on the common no-prefix path).
      while (PREFIX_KIND[op] !== 0) {
        switch (op) {
          case 0x66:
            o32 = !this.cs32;
            break;
          case 0x67:
            a32 = !this.cs32;
            break;
          case 0x26:
            this.segOvr = ES;
            break;
          case 0x2e:
            this.segOvr = CS;
            break;
          case 0x36:
            this.segOvr = SS;
            break;
          case 0x3e:
            this.segOvr = DS;
            break;
          case 0x64:
            this.segOvr = FS;
            break;
          case 0x65:
            this.segOvr = GS;
            break;
          case 0xf2:
            this.rep = 2;
            break;
          case 0xf3:
            this.rep = 1;
            break;
          default:
            // 0xF0 LOCK: accepted.
            break;
        }
        op = this.fetch8();
        // An instruction longer than 15 bytes raises #GP(0) (SDM vol. 2 2.3.11).
        if (((this.eip - this.startEip) & 0xffffffff) > 14) this.fault(GP, 0);
      }
      this.o32 = o32;
      this.a32 = a32;
      const osize = o32 ? 4 : 2;
      const r = this.regs;
      switch (op) {
        // ALU r/m, reg forms.
        case 0x00:
        case 0x08:
        case 0x10:
        case 0x18:
        case 0x20:
        case 0x28:
        case 0x30:
        case 0x38:
          this.aluRmReg(op >> 3, 1);
          break;
        case 0x01:
        case 0x09:
        case 0x11:
        case 0x19:
        case 0x21:
        case 0x29:
        case 0x31:
        case 0x39:
          this.aluRmReg(op >> 3, osize);
          break;
        case 0x02:
        case 0x0a:
        case 0x12:
        case 0x1a:
        case 0x22:
        case 0x2a:
        case 0x32:
        case 0x3a:
          this.aluRegRm(op >> 3, 1);
          break;
        case 0x03:
        case 0x0b:
        case 0x13:
        case 0x1b:
        case 0x23:
        case 0x2b:
        case 0x33:
        case 0x3b:
          this.aluRegRm(op >> 3, osize);
          break;
        case 0x04:
        case 0x0c:
        case 0x14:
        case 0x1c:
        case 0x24:
        case 0x2c:
        case 0x34:
        case 0x3c: {
          const v = this.alu(op >> 3, 1, r[EAX] & 0xff, this.fetch8());
          if (op >> 3 !== 7) this.setReg8(0, v);
          break;
        }
        case 0x05:
        case 0x0d:
        case 0x15:
        case 0x1d:
        case 0x25:
        case 0x2d:
        case 0x35:
        case 0x3d: {
          const v = this.alu(op >> 3, osize, this.getReg(osize, EAX), this.fetchS(osize));
          if (op >> 3 !== 7) this.setReg(osize, EAX, v);
          break;
        }
        case 0x06:
          this.pushO(this.segSel[ES]);
          break;
        case 0x07:
          this.popSeg(ES);
          break;
        case 0x0e:
          this.pushO(this.segSel[CS]);
          break;
        case 0x0f:
          this.execute0f();
          break;
        case 0x16:
          this.pushO(this.segSel[SS]);
          break;
        case 0x17:
          this.popSeg(SS);
          this.inhibit = this.slow = true;
          break;
        case 0x1e:
          this.pushO(this.segSel[DS]);
          break;
        case 0x1f:
          this.popSeg(DS);
          break;
        case 0x27:
          this.daa();
          break;
        case 0x2f:
          this.das();
          break;
        case 0x37:
          this.aaa(1);
          break;
        case 0x40:
        case 0x41:
        case 0x42:
        case 0x43:
        case 0x44:
        case 0x45:
        case 0x46:
        case 0x47:
          if (o32) r[op & 7] = this.inc(4, r[op & 7]);
          else this.setReg(2, op & 7, this.inc(2, r[op & 7] & 0xffff));
          break;
        case 0x48:
        case 0x49:
        case 0x4a:
        case 0x4b:
        case 0x4c:
        case 0x4d:
        case 0x4e:
        case 0x4f:
          if (o32) {
            // DEC r32 written out (the hot loop counter of SeaBIOS's memset): CF is kept, so
            // materialise it from the previous producer as lazy() does.
            const a = r[op & 7];
            const v = (a - 1) | 0;
            r[op & 7] = v;
            if ((this.lzMask & CF) !== 0) this.flags = (this.flags & ~CF) | this.lazyCF();
            this.lzOp = LZ_SUB;
            this.lzA = a;
            this.lzB = 1;
            this.lzR = v;
            this.lzSign = 31;
            this.lzMask = ARITH & ~CF;
          } else this.setReg(2, op & 7, this.dec(2, r[op & 7] & 0xffff));
          break;
        case 0x50:
        case 0x51:
        case 0x52:
        case 0x53:
        case 0x54:
        case 0x55:
        case 0x56:
        case 0x57:
          if (o32) this.push32(r[op & 7]);
          else this.push16(r[op & 7]);
          break;
        case 0x58:
        case 0x59:
        case 0x5a:
        case 0x5b:
        case 0x5c:
        case 0x5d:
        case 0x5e:
        case 0x5f: {
          const v = this.popO();
          this.setReg(osize, op & 7, v);
          break;
        }
        case 0x70:
        case 0x71:
        case 0x72:
        case 0x73:
        case 0x74:
        case 0x75:
        case 0x76:
        case 0x77:
        case 0x78:
        case 0x79:
        case 0x7a:
        case 0x7b:
        case 0x7c:
        case 0x7d:
        case 0x7e:
        case 0x7f: {
          const d = (this.fetch8() << 24) >> 24;
          let taken: boolean;
          if ((op & 0xe) === 4) {
            // JE/JNE: ZF straight from the lazy result (the common case, no call into cond()).
            const zf = (this.lzMask & ZF) !== 0 ? this.lzR === 0 : (this.flags & ZF) !== 0;
            taken = (op & 1) === 0 ? zf : !zf;
          } else taken = this.cond(op & 15);
          if (taken) this.jumpRel(d);
          break;
        }
        case 0x80:
        case 0x82: {
          this.modrm();
          const a = this.readRm8();
          const v = this.alu(this.reg, 1, a, this.fetch8());
          if (this.reg !== 7) this.writeRm8(v);
          break;
        }
        case 0x81:
        case 0x83: {
          this.modrm();
          const a = this.readRm(osize);
          const b = op === 0x83 ? ((this.fetch8() << 24) >> 24) & (o32 ? -1 : 0xffff) : this.fetchS(osize);
          const v = this.alu(this.reg, osize, a, b);
          if (this.reg !== 7) this.writeRm(osize, v);
          break;
        }
        case 0x84:
          this.modrm();
          this.alu(4, 1, this.readRm8(), this.getReg8(this.reg));
          break;
        case 0x85: {
          this.modrm();
          // TEST: a logic result; flags derive from it alone (lazy() with LZ_LOGIC, written out).
          const v = this.readRm(osize) & this.getReg(osize, this.reg);
          this.lzOp = LZ_LOGIC;
          this.lzR = o32 ? v : v & 0xffff;
          this.lzSign = o32 ? 31 : 15;
          this.lzMask = ARITH;
          break;
        }
        case 0x86: {
          this.modrm();
          const a = this.readRm8();
          this.writeRm8(this.getReg8(this.reg));
          this.setReg8(this.reg, a);
          break;
        }
        case 0x87: {
          this.modrm();
          const a = this.readRm(osize);
          this.writeRm(osize, this.getReg(osize, this.reg));
          this.setReg(osize, this.reg, a);
          break;
        }
        case 0x88: {
          this.modrm();
          const v = this.getReg8(this.reg);
          if (this.mod === 3) {
            this.setReg8(this.rm, v);
            break;
          }
          // Byte store fast path (SeaBIOS's memset): in-limit writable segment, no paging, plain RAM.
          const s = this.eaSeg;
          const off = this.eaOff >>> 0;
          if (!this.paging && off >= this.segLo[s] && off <= this.segHi[s] && this.segWritable[s] !== 0) {
            const a = (this.segBase[s] + off) & this.a20Mask;
            const p = a >>> 12;
            const buf = this.bufs[this.writeIdx[p]];
            if (buf !== null) {
              buf[this.writeOff[p] + (a & 0xfff)] = v;
              if (this.codePages[p] !== 0) this.codeWrite(a, 1);
              break;
            }
          }
          this.wr8(s, off, v);
          break;
        }
        case 0x89:
          this.modrm();
          this.writeRm(osize, this.getReg(osize, this.reg));
          break;
        case 0x8a:
          this.modrm();
          this.setReg8(this.reg, this.readRm8());
          break;
        case 0x8b:
          this.modrm();
          this.setReg(osize, this.reg, this.readRm(osize));
          break;
        case 0x8d:
          this.modrm();
          if (this.mod === 3) this.ud();
          this.setReg(osize, this.reg, this.eaOff);
          break;
        case 0xb0:
        case 0xb1:
        case 0xb2:
        case 0xb3:
        case 0xb4:
        case 0xb5:
        case 0xb6:
        case 0xb7:
          this.setReg8(op & 7, this.fetch8());
          break;
        case 0xb8:
        case 0xb9:
        case 0xba:
        case 0xbb:
        case 0xbc:
        case 0xbd:
        case 0xbe:
        case 0xbf:
          if (o32) r[op & 7] = this.fetch32();
          else this.setReg(2, op & 7, this.fetch16());
          break;
        case 0xc3: {
          const ip = this.popO();
          this.eip = o32 ? ip >>> 0 : ip & 0xffff;
          this.checkEip();
          if (this.jitOn) this.branched();
          break;
        }
        case 0xe8: {
          const d = this.fetchS(osize);
          const ret = this.eip;
          let t = (this.eip + d) | 0;
          if (!o32) t &= 0xffff;
          if (t >>> 0 > this.segLimit[CS]) this.fault(GP, 0);
          this.pushO(ret);
          this.eip = t >>> 0;
          if (this.jitOn) this.branched();
          break;
        }
        case 0xe9:
          this.jumpRel(this.fetchS(osize));
          break;
        case 0xeb:
          this.jumpRel((this.fetch8() << 24) >> 24);
          break;
        default:
          this.executeRest(op, o32, a32);
      }
      this.instructionCount++;
      if (
        this.instructionCount >= end ||
        this.slow ||
        (this.flags & TF) !== 0 ||
        this.stopRequested ||
        this.jitProbe ||
        ((this.flags & IF) !== 0 && this.intrPoll)
      )
        return;
    }
  }
}
