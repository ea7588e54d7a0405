// x86 core: the x87 environment and state images — FNSTENV/FLDENV (14/28 bytes) and FNSAVE/FRSTOR
// (94/108 bytes), in the 16- and 32-bit layouts of protected mode and of real-address / virtual-8086
// mode. Behavioural references (no code copied): Intel SDM vol. 1 8.1.10 and figures 8-9 to 8-12
// (the layouts), 8.1.8 (pointers, opcode), QEMU target/i386/tcg/fpu_helper.c (do_fstenv, do_fldenv,
// do_fsave, do_frstor).

import { CpuFpu } from './fpu.js';
import { EXT_OUT, FPU_EXC } from './fpu-state.js';

/** FNSTENV/FLDENV/FNSAVE/FRSTOR. */
export abstract class CpuFpuEnv extends CpuFpu {
  /** Bytes of the environment image for the current operand size. */
  private envSize(): number {
    return this.o32 ? 28 : 14;
  }

  /** Stores the environment at seg:off (the caller checked the whole area is writable). */
  private storeEnv(seg: number, off: number): void {
    const f = this.fpu;
    const real = this.fpuRealLayout();
    const ip = real ? ((f.fcs << 4) + f.fip) | 0 : f.fip;
    const dp = real ? ((f.fds << 4) + f.fdp) | 0 : f.fdp;
    if (this.o32) {
      this.wr32(seg, off, f.fcw);
      this.wr32(seg, off + 4, f.statusWord());
      this.wr32(seg, off + 8, f.tagWord());
      if (real) {
        this.wr32(seg, off + 12, ip & 0xffff);
        this.wr32(seg, off + 16, ((ip >>> 16) << 12) | f.fop);
        this.wr32(seg, off + 20, dp & 0xffff);
        this.wr32(seg, off + 24, (dp >>> 16) << 12);
      } else {
        this.wr32(seg, off + 12, ip);
        this.wr32(seg, off + 16, f.fcs | (f.fop << 16));
        this.wr32(seg, off + 20, dp);
        this.wr32(seg, off + 24, f.fds);
      }
    } else {
      this.wr16(seg, off, f.fcw);
      this.wr16(seg, off + 2, f.statusWord());
      this.wr16(seg, off + 4, f.tagWord());
      this.wr16(seg, off + 6, ip);
      this.wr16(seg, off + 8, real ? (((ip >>> 16) & 0xf) << 12) | f.fop : f.fcs);
      this.wr16(seg, off + 10, dp);
      this.wr16(seg, off + 12, real ? ((dp >>> 16) & 0xf) << 12 : f.fds);
    }
  }

  /** Reads the environment at seg:off into the FPU (every read happens before any change). */
  private loadEnv(seg: number, off: number): void {
    const real = this.fpuRealLayout();
    let cw: number;
    let sw: number;
    let tw: number;
    let ip: number;
    let cs: number;
    let op: number;
    let dp: number;
    let ds: number;
    if (this.o32) {
      cw = this.rd16(seg, off);
      sw = this.rd16(seg, off + 4);
      tw = this.rd16(seg, off + 8);
      const a = this.rd32(seg, off + 12);
      const b = this.rd32(seg, off + 16);
      const c = this.rd32(seg, off + 20);
      const d = this.rd32(seg, off + 24);
      if (real) {
        ip = (a & 0xffff) | (((b >>> 12) & 0xffff) << 16);
        op = b & 0x7ff;
        dp = (c & 0xffff) | (((d >>> 12) & 0xffff) << 16);
        cs = ds = 0;
      } else {
        ip = a;
        cs = b & 0xffff;
        op = (b >>> 16) & 0x7ff;
        dp = c;
        ds = d & 0xffff;
      }
    } else {
      cw = this.rd16(seg, off);
      sw = this.rd16(seg, off + 2);
      tw = this.rd16(seg, off + 4);
      const a = this.rd16(seg, off + 6);
      const b = this.rd16(seg, off + 8);
      const c = this.rd16(seg, off + 10);
      const d = this.rd16(seg, off + 12);
      if (real) {
        ip = a | ((b >>> 12) << 16);
        op = b & 0x7ff;
        dp = c | ((d >>> 12) << 16);
        cs = ds = 0;
      } else {
        ip = a;
        cs = b;
        op = 0;
        dp = c;
        ds = d;
      }
    }
    const f = this.fpu;
    f.fcw = (cw & 0x1f3f) | 0x40;
    f.setStatusWord(sw);
    f.setTagWord(tw);
    f.fip = ip;
    f.fcs = cs;
    f.fop = op;
    f.fdp = dp;
    f.fds = ds;
    this.fpuRecheckEs();
  }

  /** FNSTENV m14/28byte (D9 /6): stores the environment, then masks every exception. */
  protected fnstenv(): void {
    const seg = this.eaSeg;
    const off = this.eaOff;
    this.checkWrite(seg, off, this.envSize());
    this.storeEnv(seg, off);
    this.fpu.fcw |= FPU_EXC;
  }

  /** FLDENV m14/28byte (D9 /4). */
  protected fldenv(): void {
    this.loadEnv(this.eaSeg, this.eaOff);
  }

  /** FNSAVE m94/108byte (DD /6): environment, ST(0)–ST(7) as 80-bit values, then FNINIT. */
  protected fnsave(): void {
    const seg = this.eaSeg;
    const off = this.eaOff;
    const env = this.envSize();
    this.checkWrite(seg, off, env + 80);
    this.storeEnv(seg, off);
    const f = this.fpu;
    for (let i = 0; i < 8; i++) {
      f.image(this.stIdx(i));
      const p = off + env + i * 10;
      this.fpuWrite80(seg, p, EXT_OUT[0] as number, EXT_OUT[1] as number, EXT_OUT[2] as number);
    }
    this.fninit();
  }

  /** FRSTOR m94/108byte (DD /4): the registers are read before the environment is applied, so a
   * fault part-way leaves the FPU unchanged. */
  protected frstor(): void {
    const seg = this.eaSeg;
    const off = this.eaOff;
    const env = this.envSize();
    const img = FRSTOR_SCRATCH;
    for (let i = 0; i < 8; i++) {
      const p = off + env + i * 10;
      img[i * 3] = this.rd16(seg, p + 8);
      img[i * 3 + 1] = this.rd32(seg, p + 4);
      img[i * 3 + 2] = this.rd32(seg, p);
    }
    this.loadEnv(seg, off);
    const f = this.fpu;
    for (let i = 0; i < 8; i++) {
      f.loadRaw(this.stIdx(i), img[i * 3] as number, img[i * 3 + 1] as number, img[i * 3 + 2] as number);
    }
  }
}

const FRSTOR_SCRATCH = new Int32Array(24);
