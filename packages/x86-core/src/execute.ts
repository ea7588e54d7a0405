// x86 core: the hot dispatch loop: prefixes and the common one-byte opcodes. Each case arm is a
// call into the concern's file; the rare opcodes are in execute-rest.ts and the 0F map in
// execute-0f.ts (docs/performance.md, "Interpreter", says why the hot/rare split).

import { CpuExecute0f } from './execute-0f.js';
import {
  LOCK_REGS,
  PREFIX_ADSIZE,
  PREFIX_KIND,
  PREFIX_LOCK,
  PREFIX_OPSIZE,
  PREFIX_REP,
  PREFIX_REPNE,
  PREFIX_SEG,
  prefixSegment,
} from './opcodes.js';
import { CS, DS, ES, ESP, FAULT, GP, IF, SS, TF } from './state.js';

/** The hot dispatch loop. */
export abstract class CpuExecute extends CpuExecute0f {
  /** Execute instructions from the current EIP, counting each retired one, until the count reaches
   * `end` or the fast-path conditions of loop() (not slow, IF and TF clear, no stop request) no
   * longer hold. Looping here instead of in loop() saves a call and the prologue of this large
   * function per instruction. Returns the number of exceptions delivered here.
   *
   * A fault (the FAULT throw, or a #PF a handler found before changing anything: faultPending) is
   * delivered here when `fast` (loop()'s fast path; the single-step path lets it reach run(), so no
   * #DB follows a faulting instruction): as run() would — EIP and ESP rolled back, the delivery
   * counted against the budget — without unwinding through loop() and run() and re-entering them. */
  protected execute(end: number, fast: boolean): number {
    this.execEnd = end;
    let delivered = 0;
    let faulted = false;
    for (;;) {
      try {
        this.startEip = this.eip;
        this.startEsp = this.regs[ESP];
        this.o32 = this.a32 = this.cs32;
        this.segOvr = -1;
        this.rep = 0;
        let op = this.fetch8();
        // Prefixes: one table load on the common no-prefix path.
        if (PREFIX_KIND[op] !== 0) op = this.prefixes(op);
        if (op < 0x80) this.executeLow(op);
        else this.executeHigh(op);
        // pageFaultFirst(): the instruction did not happen and its #PF is pending.
        if (this.faultPending) faulted = true;
        else this.instructionCount++;
      } catch (e) {
        if (e !== FAULT || !fast) throw e;
        faulted = true;
      }
      if (faulted) {
        faulted = this.faultPending = false;
        if (!fast) throw FAULT;
        delivered++;
        this.execEnd = --end;
        this.takeFault();
        if (this.shutdownState) return delivered;
      }
      if (
        this.instructionCount >= end ||
        this.slow ||
        (this.flags & TF) !== 0 ||
        this.stopRequested ||
        this.jitProbe ||
        ((this.flags & IF) !== 0 && this.intrPoll)
      )
        return delivered;
    }
  }

  /** Consumes the prefix bytes starting with `op`; returns the opcode byte. LOCK is checked
   * (checkLock). An instruction longer than 15 bytes raises #GP(0) (SDM vol. 2 2.3.11). */
  private prefixes(op: number): number {
    const cs32 = this.cs32;
    let b = op;
    let lock = false;
    for (;;) {
      const kind = PREFIX_KIND[b];
      if (kind === 0) break;
      if (kind === PREFIX_SEG) this.segOvr = prefixSegment(b);
      else if (kind === PREFIX_OPSIZE) this.o32 = !cs32;
      else if (kind === PREFIX_ADSIZE) this.a32 = !cs32;
      else if (kind === PREFIX_LOCK) lock = true;
      else if (kind === PREFIX_REPNE) this.rep = 2;
      else if (kind === PREFIX_REP) this.rep = 1;
      b = this.fetch8();
      if (((this.eip - this.startEip) & 0xffffffff) > 14) this.fault(GP, 0);
    }
    if (lock) this.checkLock(b);
    return b;
  }

  /** LOCK prefix: #UD unless the instruction is lockable with a memory destination (the table's
   * `L` rows, LOCK_REGS in opcodes.ts; SDM vol. 2 LOCK). Peeks the opcode's second byte and ModRM;
   * the instruction then decodes them again. */
  private checkLock(op: number): void {
    const eip = this.eip;
    const key = op === 0x0f ? 0x100 | this.fetch8() : op;
    const allowed = LOCK_REGS[key] as number;
    const modrm = allowed !== 0 ? this.fetch8() : 0xc0;
    this.eip = eip;
    if (modrm >= 0xc0 || ((allowed >> ((modrm >> 3) & 7)) & 1) === 0) this.ud();
  }

  /** One-byte opcodes 00–7F of the hot set. */
  private executeLow(op: number): void {
    switch (op) {
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
        this.aluRmReg(op >> 3, this.o32 ? 4 : 2);
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
        this.aluRegRm(op >> 3, this.o32 ? 4 : 2);
        break;
      case 0x04:
      case 0x05:
      case 0x0c:
      case 0x0d:
      case 0x14:
      case 0x15:
      case 0x1c:
      case 0x1d:
      case 0x24:
      case 0x25:
      case 0x2c:
      case 0x2d:
      case 0x34:
      case 0x35:
      case 0x3c:
      case 0x3d:
        this.aluAccImm(op);
        break;
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
        this.popSs();
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
        this.incReg(op & 7);
        break;
      case 0x48:
      case 0x49:
      case 0x4a:
      case 0x4b:
      case 0x4c:
      case 0x4d:
      case 0x4e:
      case 0x4f:
        this.decReg(op & 7);
        break;
      case 0x50:
      case 0x51:
      case 0x52:
      case 0x53:
      case 0x54:
      case 0x55:
      case 0x56:
      case 0x57:
        this.pushReg(op & 7);
        break;
      case 0x58:
      case 0x59:
      case 0x5a:
      case 0x5b:
      case 0x5c:
      case 0x5d:
      case 0x5e:
      case 0x5f:
        this.popReg(op & 7);
        break;
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
      case 0x7f:
        this.jccShort(op);
        break;
      default:
        this.executeRest(op);
    }
  }

  /** One-byte opcodes 80–FF of the hot set. */
  private executeHigh(op: number): void {
    switch (op) {
      case 0x80:
      case 0x81:
      case 0x82:
      case 0x83:
        this.group1(op);
        break;
      case 0x84:
        this.testRmReg(1);
        break;
      case 0x85:
        this.testRmReg(this.o32 ? 4 : 2);
        break;
      case 0x86:
        this.xchgRmReg(1);
        break;
      case 0x87:
        this.xchgRmReg(this.o32 ? 4 : 2);
        break;
      case 0x88:
        this.movRmReg(1);
        break;
      case 0x89:
        this.movRmReg(this.o32 ? 4 : 2);
        break;
      case 0x8a:
        this.movRegRm(1);
        break;
      case 0x8b:
        this.movRegRm(this.o32 ? 4 : 2);
        break;
      case 0x8d:
        this.lea();
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
        this.movRegImm(op & 7);
        break;
      case 0xc3:
        this.retNear();
        break;
      case 0xe8:
        this.callNear();
        break;
      case 0xe9:
        this.jumpRel(this.fetchS(this.o32 ? 4 : 2));
        break;
      case 0xeb:
        this.jumpRel((this.fetch8() << 24) >> 24);
        break;
      default:
        this.executeRest(op);
    }
  }
}
