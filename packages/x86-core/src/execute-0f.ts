// x86 core: dispatch of the 0F opcode map. Each case arm is a call into the concern's file.

import { CpuExecuteRest } from './execute-rest.js';
import { FS, GS, SS } from './state.js';

/** Dispatch of the 0F opcode map. */
export abstract class CpuExecute0f extends CpuExecuteRest {
  protected execute0f(): void {
    const op = this.fetch8();
    if (op >= 0x80 && op <= 0x8f) this.jccNear(op);
    else if (op >= 0x90 && op <= 0x9f) this.setcc(op);
    else if (op >= 0x40 && op <= 0x4f) this.cmovcc(op);
    else if (op >= 0xc8 && op <= 0xcf) this.bswap(op);
    else if (op < 0xa0) this.execute0fLow(op);
    else this.execute0fHigh(op);
  }

  /** 0F 00–3F: system instructions, hint NOPs, MOV CRn/DRn, MSRs, TSC. */
  private execute0fLow(op: number): void {
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
        this.clts();
        return;
      case 0x08:
      case 0x09:
        this.invd();
        return;
      case 0x18:
      case 0x19:
      case 0x1a:
      case 0x1b:
      case 0x1c:
      case 0x1d:
      case 0x1e:
      case 0x1f:
        // Hint NOPs (0F 18 prefetch, 0F 1F nop r/m): the operand is decoded, nothing happens.
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
        this.rdtsc();
        return;
      case 0x32:
        this.rdmsr();
        return;
      case 0x34:
        this.sysenter();
        return;
      case 0x35:
        this.sysexit();
        return;
      default:
        // Includes 0F 0B (UD2).
        this.ud();
    }
  }

  /** 0F A0–C7: FS/GS push/pop, CPUID, bit tests, double shifts, CMPXCHG/XADD, MOVZX/MOVSX, LxS. */
  private execute0fHigh(op: number): void {
    switch (op) {
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
      case 0xad:
        this.shiftDouble(op);
        return;
      case 0xa8:
        this.pushO(this.segSel[GS]);
        return;
      case 0xa9:
        this.popSeg(GS);
        return;
      case 0xaf:
        this.imulRegRm();
        return;
      case 0xb0:
      case 0xb1:
        this.cmpxchg(op);
        return;
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
      case 0xb7:
        this.movzx(op === 0xb6 ? 1 : 2);
        return;
      case 0xba:
        this.btImm();
        return;
      case 0xbc:
      case 0xbd:
        this.bitScan(op);
        return;
      case 0xbe:
      case 0xbf:
        this.movsx(op === 0xbe ? 1 : 2);
        return;
      case 0xc0:
      case 0xc1:
        this.xadd(op);
        return;
      case 0xc7:
        this.cmpxchg8b();
        return;
      default:
        // Includes 0F AA (RSM: no SMM in this core).
        this.ud();
    }
  }
}
