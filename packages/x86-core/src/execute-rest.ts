// x86 core: Dispatch of the rare one-byte opcodes (the default case of execute())
// Behavioural references (no code copied): Intel SDM vol. 2 and 3, QEMU target/i386/tcg
// (seg_helper.c, excp_helper.c, misc_helper.c), v86 src/cpu.js.

import {
  AF,
  BP,
  CF,
  CR0_EM,
  CR0_MP,
  CR0_TS,
  CS,
  DB,
  DE,
  DF,
  DS,
  EAX,
  EBP,
  EBX,
  ECX,
  EDX,
  ES,
  ESP,
  GP,
  IF,
  IOPL,
  NM,
  OFV,
  PF,
  RF,
  SF,
  SS,
  VM,
  ZF,
} from './state.js';
import { CpuTrace } from './trace.js';

/** Dispatch of the rare one-byte opcodes (the default case of execute()). */
export abstract class CpuExecuteRest extends CpuTrace {
  /** The one-byte opcodes outside execute()'s hot set (a separate function keeps execute() small,
   * so it compiles quickly, and a first use of a rare opcode deoptimises only this one). */
  protected executeRest(op: number, o32: boolean, a32: boolean): void {
    const osize = o32 ? 4 : 2;
    const r = this.regs;
    switch (op) {
      case 0x3f:
        this.aaa(-1);
        break;
      case 0x60:
        this.pusha();
        break;
      case 0x61:
        this.popa();
        break;
      case 0x62:
        this.bound();
        break;
      case 0x63:
        this.arpl();
        break;
      case 0x68:
        this.pushO(this.fetchS(osize));
        break;
      case 0x69:
      case 0x6b: {
        this.modrm();
        const a = this.readRm(osize);
        const b = op === 0x6b ? (this.fetch8() << 24) >> 24 : this.fetchS(osize);
        this.setReg(osize, this.reg, this.imul2(osize, a, b));
        break;
      }
      case 0x6a:
        this.pushO((this.fetch8() << 24) >> 24);
        break;
      case 0x6c:
      case 0x6d:
        this.ins(op === 0x6c ? 1 : osize);
        break;
      case 0x6e:
      case 0x6f:
        this.outs(op === 0x6e ? 1 : osize);
        break;
      case 0x8c:
        this.modrm();
        if (this.reg > 5) this.ud();
        if (this.mod === 3) this.setReg(osize, this.rm, this.segSel[this.reg]);
        else this.wr16(this.eaSeg, this.eaOff, this.segSel[this.reg]);
        break;
      case 0x8e: {
        this.modrm();
        if (this.reg === CS || this.reg > 5) this.ud();
        this.loadSeg(this.reg, this.readRm16());
        if (this.reg === SS) this.inhibit = this.slow = true;
        break;
      }
      case 0x8f: {
        // The pop happens first: an ESP-based destination uses the incremented ESP (SDM POP).
        // A fault restores ESP (run() rolls back to the instruction start).
        const v = this.popO();
        this.modrm();
        this.writeRm(osize, v);
        break;
      }
      case 0x90:
        break;
      case 0x91:
      case 0x92:
      case 0x93:
      case 0x94:
      case 0x95:
      case 0x96:
      case 0x97: {
        const a = this.getReg(osize, EAX);
        this.setReg(osize, EAX, this.getReg(osize, op & 7));
        this.setReg(osize, op & 7, a);
        break;
      }
      case 0x98:
        if (o32) r[EAX] = (r[EAX] << 16) >> 16;
        else this.setReg(2, EAX, (r[EAX] << 24) >> 24);
        break;
      case 0x99:
        if (o32) r[EDX] = r[EAX] >> 31;
        else this.setReg(2, EDX, (r[EAX] << 16) >> 31);
        break;
      case 0x9a: {
        const off = this.fetchS(osize);
        const sel = this.fetch16();
        this.farCall(sel, off);
        break;
      }
      case 0x9b:
        if ((this.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) this.fault(NM, -1);
        break;
      case 0x9c:
        if (this.flags & VM && (this.flags & IOPL) !== IOPL) this.fault(GP, 0);
        if (o32) this.push32(this.getFlags() & ~(VM | RF));
        else this.push16(this.getFlags());
        break;
      case 0x9d: {
        if (this.flags & VM && (this.flags & IOPL) !== IOPL) this.fault(GP, 0);
        const v = this.popO();
        this.writeEflags(v, o32 ? -1 : 0xffff, false);
        break;
      }
      case 0x9e: {
        this.settle();
        const ah = (r[EAX] >> 8) & (SF | ZF | AF | PF | CF);
        this.flags = (this.flags & ~(SF | ZF | AF | PF | CF)) | ah;
        break;
      }
      case 0x9f:
        this.setReg8(4, this.getFlags() & 0xff);
        break;
      case 0xa0:
      case 0xa1:
      case 0xa2:
      case 0xa3: {
        const off = a32 ? this.fetch32() : this.fetch16();
        const size = op & 1 ? osize : 1;
        if (op < 0xa2) this.setReg(size, EAX, this.rdS(size, this.dataSeg(), off));
        else this.wrS(size, this.dataSeg(), off, this.getReg(size, EAX));
        break;
      }
      case 0xa4:
        this.movs(1);
        break;
      case 0xa5:
        this.movs(osize);
        break;
      case 0xa6:
        this.cmps(1);
        break;
      case 0xa7:
        this.cmps(osize);
        break;
      case 0xa8:
        this.alu(4, 1, r[EAX] & 0xff, this.fetch8());
        break;
      case 0xa9:
        this.alu(4, osize, this.getReg(osize, EAX), this.fetchS(osize));
        break;
      case 0xaa:
        this.stos(1);
        break;
      case 0xab:
        this.stos(osize);
        break;
      case 0xac:
        this.lods(1);
        break;
      case 0xad:
        this.lods(osize);
        break;
      case 0xae:
        this.scas(1);
        break;
      case 0xaf:
        this.scas(osize);
        break;
      case 0xc0:
      case 0xc1:
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3: {
        this.modrm();
        const size = op & 1 ? osize : 1;
        const a = this.readRm(size);
        const count = op < 0xd0 ? this.fetch8() : op < 0xd2 ? 1 : r[ECX] & 0xff;
        if ((count & 0x1f) !== 0) this.writeRm(size, this.shift(this.reg, size, a, count));
        break;
      }
      case 0xc2: {
        const imm = this.fetch16();
        const ip = this.popO();
        this.setSp(r[ESP] + imm);
        this.eip = o32 ? ip >>> 0 : ip & 0xffff;
        this.checkEip();
        break;
      }
      case 0xc4:
      case 0xc5:
        this.loadFarPtr(op === 0xc4 ? ES : DS);
        break;
      case 0xc6:
        this.modrm();
        this.writeRm8(this.fetch8());
        break;
      case 0xc7:
        this.modrm();
        this.writeRm(osize, this.fetchS(osize));
        break;
      case 0xc8:
        this.enter();
        break;
      case 0xc9: {
        const bp = r[EBP] & this.spMask();
        const v = o32 ? this.rd32(SS, bp) : this.rd16(SS, bp);
        this.setSp(bp + osize);
        this.setReg(osize, EBP, v);
        break;
      }
      case 0xca:
        this.farRet(o32, this.fetch16());
        break;
      case 0xcb:
        this.farRet(o32, 0);
        break;
      case 0xcc:
        this.softInt(BP);
        break;
      case 0xcd: {
        const v = this.fetch8();
        if (this.flags & VM && (this.flags & IOPL) !== IOPL) this.fault(GP, 0);
        this.softInt(v);
        break;
      }
      case 0xce:
        if (this.getOF()) this.softInt(OFV);
        break;
      case 0xcf:
        this.iret();
        break;
      case 0xd4: {
        const base = this.fetch8();
        if (base === 0) this.fault(DE, -1);
        const al = r[EAX] & 0xff;
        const v = (Math.floor(al / base) << 8) | (al % base);
        this.setReg(2, EAX, v);
        this.setResultFlags(v & 0xff, 7, 0);
        break;
      }
      case 0xd5: {
        const base = this.fetch8();
        const v = ((r[EAX] & 0xff) + ((r[EAX] >> 8) & 0xff) * base) & 0xff;
        this.setReg(2, EAX, v);
        this.setResultFlags(v, 7, 0);
        break;
      }
      case 0xd6:
        // SALC (undocumented, present on the 486).
        this.setReg8(0, this.getCF() ? 0xff : 0);
        break;
      case 0xd7: {
        const off = a32 ? r[EBX] + (r[EAX] & 0xff) : (r[EBX] + (r[EAX] & 0xff)) & 0xffff;
        this.setReg8(0, this.rd8(this.dataSeg(), off));
        break;
      }
      case 0xd8:
      case 0xd9:
      case 0xda:
      case 0xdb:
      case 0xdc:
      case 0xdd:
      case 0xde:
      case 0xdf:
        // No FPU: with EM or TS set the instruction raises #NM; otherwise it is decoded and has no
        // effect (a board without a coprocessor: nothing answers, nothing is stored).
        if (this.cr0 & (CR0_EM | CR0_TS)) this.fault(NM, -1);
        this.modrm();
        break;
      case 0xe0:
      case 0xe1:
      case 0xe2:
      case 0xe3: {
        const d = (this.fetch8() << 24) >> 24;
        const cx = a32 ? r[ECX] : r[ECX] & 0xffff;
        if (op === 0xe3) {
          if (cx === 0) this.jumpRel(d);
          break;
        }
        const n = a32 ? cx - 1 : (cx - 1) & 0xffff;
        if (a32) r[ECX] = n;
        else this.setReg(2, ECX, n);
        let take = n !== 0;
        if (op === 0xe0) take = take && !this.getZF();
        else if (op === 0xe1) take = take && this.getZF();
        if (take) this.jumpRel(d);
        break;
      }
      case 0xe4:
        this.setReg8(0, this.ioIn(1, this.fetch8()));
        break;
      case 0xe5:
        this.setReg(osize, EAX, this.ioIn(osize, this.fetch8()));
        break;
      case 0xe6:
        this.ioOut(1, this.fetch8(), r[EAX]);
        break;
      case 0xe7:
        this.ioOut(osize, this.fetch8(), r[EAX]);
        break;
      case 0xea: {
        const off = this.fetchS(osize);
        const sel = this.fetch16();
        this.farJmp(sel, off);
        break;
      }
      case 0xec:
        this.setReg8(0, this.ioIn(1, r[EDX]));
        break;
      case 0xed:
        this.setReg(osize, EAX, this.ioIn(osize, r[EDX]));
        break;
      case 0xee:
        this.ioOut(1, r[EDX], r[EAX]);
        break;
      case 0xef:
        this.ioOut(osize, r[EDX], r[EAX]);
        break;
      case 0xf1:
        // INT1 / ICEBP: a #DB trap delivered like an external event (no DPL check).
        this.deliverInterrupt(DB, -1, 2, this.eip);
        break;
      case 0xf4:
        if (this.cpl !== 0) this.fault(GP, 0);
        this.halted = this.slow = true;
        if (this.listeners.length > 0) this.emit({ kind: 'halt', cs: this.segSel[CS], eip: this.eip >>> 0 });
        break;
      case 0xf5:
        this.settle();
        this.flags ^= CF;
        break;
      case 0xf6:
      case 0xf7:
        this.group3(op === 0xf6 ? 1 : osize);
        break;
      case 0xf8:
        this.setFlag(CF, false);
        break;
      case 0xf9:
        this.setFlag(CF, true);
        break;
      case 0xfa:
        if (this.pe && this.cpl > (this.flags & IOPL) >> 12) this.fault(GP, 0);
        this.flags &= ~IF;
        break;
      case 0xfb:
        if (this.pe && this.cpl > (this.flags & IOPL) >> 12) this.fault(GP, 0);
        if ((this.flags & IF) === 0) this.inhibit = this.slow = true;
        this.flags |= IF;
        this.intrPoll = true;
        break;
      case 0xfc:
        this.flags &= ~DF;
        break;
      case 0xfd:
        this.flags |= DF;
        break;
      case 0xfe: {
        this.modrm();
        const a = this.readRm8();
        if (this.reg === 0) this.writeRm8(this.inc(1, a));
        else if (this.reg === 1) this.writeRm8(this.dec(1, a));
        else this.ud();
        break;
      }
      case 0xff:
        this.group5(osize);
        break;
      default:
        this.ud();
    }
  }
}
