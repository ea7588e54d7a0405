// x86 core: dispatch of the rare one-byte opcodes (execute()'s default case). Each case arm is a
// call into the concern's file (alu.ts, stack.ts, segments.ts, control.ts, …).

import { BP, CF, DS, EAX, EDX, ES } from './state.js';
import { CpuTrace } from './trace.js';

/** Dispatch of the rare one-byte opcodes (the default case of execute()). */
export abstract class CpuExecuteRest extends CpuTrace {
  /** The one-byte opcodes outside execute()'s hot set (a separate function keeps execute() small,
   * so it compiles quickly, and a first use of a rare opcode deoptimises only this one). Split by
   * opcode range so each switch stays small. */
  protected executeRest(op: number): void {
    if (op < 0xa0) this.executeRest3x9x(op);
    else if (op < 0xd0) this.executeRestAxCx(op);
    else this.executeRestDxFx(op);
  }

  private executeRest3x9x(op: number): void {
    const osize = this.o32 ? 4 : 2;
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
      case 0x6b:
        this.imul3(op === 0x6b);
        break;
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
        this.movFromSreg();
        break;
      case 0x8e:
        this.movToSreg();
        break;
      case 0x8f:
        this.popRm();
        break;
      case 0x90:
        break;
      case 0x91:
      case 0x92:
      case 0x93:
      case 0x94:
      case 0x95:
      case 0x96:
      case 0x97:
        this.xchgAcc(op & 7);
        break;
      case 0x98:
        this.cbw();
        break;
      case 0x99:
        this.cwd();
        break;
      case 0x9a:
        this.farCallImm();
        break;
      case 0x9b:
        this.fwait();
        break;
      case 0x9c:
        this.pushf();
        break;
      case 0x9d:
        this.popf();
        break;
      case 0x9e:
        this.sahf();
        break;
      case 0x9f:
        this.lahf();
        break;
      default:
        this.ud();
    }
  }

  private executeRestAxCx(op: number): void {
    const osize = this.o32 ? 4 : 2;
    switch (op) {
      case 0xa0:
      case 0xa1:
      case 0xa2:
      case 0xa3:
        this.movMoffs(op);
        break;
      case 0xa4:
      case 0xa5:
        this.movs(op === 0xa4 ? 1 : osize);
        break;
      case 0xa6:
      case 0xa7:
        this.cmps(op === 0xa6 ? 1 : osize);
        break;
      case 0xa8:
        this.alu(4, 1, this.regs[EAX] & 0xff, this.fetch8());
        break;
      case 0xa9:
        this.alu(4, osize, this.getReg(osize, EAX), this.fetchS(osize));
        break;
      case 0xaa:
      case 0xab:
        this.stos(op === 0xaa ? 1 : osize);
        break;
      case 0xac:
      case 0xad:
        this.lods(op === 0xac ? 1 : osize);
        break;
      case 0xae:
      case 0xaf:
        this.scas(op === 0xae ? 1 : osize);
        break;
      case 0xc0:
      case 0xc1:
        this.group2(op);
        break;
      case 0xc2:
        this.retNearImm();
        break;
      case 0xc4:
      case 0xc5:
        this.loadFarPtr(op === 0xc4 ? ES : DS);
        break;
      case 0xc6:
      case 0xc7:
        this.movRmImm(op === 0xc6 ? 1 : osize);
        break;
      case 0xc8:
        this.enter();
        break;
      case 0xc9:
        this.leave();
        break;
      case 0xca:
        this.farRet(this.o32, this.fetch16());
        break;
      case 0xcb:
        this.farRet(this.o32, 0);
        break;
      case 0xcc:
        this.softInt(BP);
        break;
      case 0xcd:
        this.intN();
        break;
      case 0xce:
        this.into();
        break;
      case 0xcf:
        this.iret();
        break;
      default:
        this.ud();
    }
  }

  private executeRestDxFx(op: number): void {
    const osize = this.o32 ? 4 : 2;
    const r = this.regs;
    switch (op) {
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3:
        this.group2(op);
        break;
      case 0xd4:
        this.aam();
        break;
      case 0xd5:
        this.aad();
        break;
      case 0xd6:
        this.salc();
        break;
      case 0xd7:
        this.xlat();
        break;
      case 0xd8:
      case 0xd9:
      case 0xda:
      case 0xdb:
      case 0xdc:
      case 0xdd:
      case 0xde:
      case 0xdf:
        this.esc(op);
        break;
      case 0xe0:
      case 0xe1:
      case 0xe2:
      case 0xe3:
        this.loopCx(op);
        break;
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
      case 0xea:
        this.farJmpImm();
        break;
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
        this.int1();
        break;
      case 0xf4:
        this.hlt();
        break;
      case 0xf5:
        this.cmc();
        break;
      case 0xf6:
      case 0xf7:
        this.group3(op === 0xf6 ? 1 : osize);
        break;
      case 0xf8:
      case 0xf9:
        this.setFlag(CF, op === 0xf9);
        break;
      case 0xfa:
        this.cli();
        break;
      case 0xfb:
        this.sti();
        break;
      case 0xfc:
      case 0xfd:
        this.setDf(op === 0xfd);
        break;
      case 0xfe:
        this.group4();
        break;
      case 0xff:
        this.group5(osize);
        break;
      default:
        this.ud();
    }
  }
}
