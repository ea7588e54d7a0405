// x86 core: The stack
// Behavioural references (no code copied): v86 src/rust/cpu/misc_instr.rs (push/pop, PUSHA/POPA),
// Intel SDM vol. 2 ENTER/LEAVE.

import { CpuModrm } from './modrm.js';
import { EBP, ESP, SS } from './state.js';

/** The stack: SP width, push/pop, PUSHA/POPA, ENTER. */
export abstract class CpuStack extends CpuModrm {
  protected spMask(): number {
    return this.ss32 ? -1 : 0xffff;
  }

  /** @internal (TraceHost) */
  setSp(v: number): void {
    // One path for both stack widths (see modrm.ts's register helpers).
    const r = this.regs;
    const m = this.spMask();
    r[ESP] = (r[ESP] & ~m) | (v & m);
  }

  protected push16(v: number): void {
    const sp = (this.regs[ESP] - 2) & this.spMask();
    this.wr16(SS, sp, v);
    this.setSp(sp);
  }

  protected push32(v: number): void {
    const sp = (this.regs[ESP] - 4) & this.spMask();
    this.wr32(SS, sp, v);
    this.setSp(sp);
  }

  /** A delivery's, far CALL's, PUSHA's or IRET's stack frame, in push order (frame[0] is pushed
   * first, i.e. lies at the highest address): pushFrame() writes it, peekFrame() reads it. The
   * largest is a call gate's to an inner level: SS, ESP, 31 parameters, CS, EIP (far.ts). */
  protected readonly frame = new Int32Array(35);

  /** Push frame[0..n) (`size` bytes each, frame[0] first) as one frame: the segment check over the
   * whole frame first (#SS before any store), then the stores. When the frame lies in one page of
   * RAM (and does not wrap a 16-bit stack) they are made with one translation (at the first slot
   * stored, which is CR2 when that page faults), straight to RAM (a code page's traces still see
   * the write: codeWrite). Otherwise slot by slot from the top, each slot a store of its own (one
   * across the page boundary translates its first page at its first byte, then the second at that
   * page's first byte, before writing either: memory.ts writeLin32), and ESP is set after the
   * last: a #PF leaves the slots above the faulting one written and ESP as it was. That is QEMU 7.2's order (target/i386/tcg/seg_helper.c do_interrupt_protected: PUSHL
   * from the top, each a cpu_stl_kernel_ra, SET_ESP after the last) and Bochs's
   * (cpu/exception.cc protected_mode_int: push_32, or write_new_stack_dword at temp_ESP-4, -8, …).
   * CR2 is the address of the first slot (from the top) that starts in a not-present page, or the
   * first byte of the page above when a slot starting in a present page reaches into it.
   * `fromBottom` (PUSHA) stores the slots the other way, frame[n-1] at the new ESP first. */
  protected pushFrame(size: number, n: number, fromBottom = false): void {
    const len = size * n;
    const esp = this.regs[ESP];
    const mask = this.spMask();
    // (Unsigned: the segment check compares offsets as memory.ts checkWrite does.)
    const sp = ((esp - len) & mask) >>> 0;
    if (sp < this.segLo[SS] || sp + len - 1 > this.segHi[SS] || this.segWritable[SS] === 0) this.segFault(SS);
    const lin = (this.segBase[SS] + sp) | 0;
    if ((lin & 0xfff) + len <= 0x1000 && (this.ss32 || (esp & 0xffff) >= len)) {
      // Translated at the first slot stored (the page's #PF has CR2 there), the frame's base
      // in the same page.
      const first = fromBottom ? 0 : len - size;
      const top = (lin + first) | 0;
      const a = ((((this.paging ? this.translate(top, true) : top) & this.a20Mask) >>> 0) - first) >>> 0;
      const p = a >>> 12;
      const buf = this.bufs[this.writeIdx[p]];
      if (buf != null) {
        let o = this.writeOff[p] + (a & 0xfff) + len;
        for (let i = 0; i < n; i++) {
          const v = this.frame[i];
          o -= size;
          buf[o] = v;
          buf[o + 1] = v >> 8;
          if (size === 4) {
            buf[o + 2] = v >> 16;
            buf[o + 3] = v >> 24;
          }
        }
        if (this.codePages[p] !== 0) this.codeWrite(a, len);
        this.setSp(sp);
        return;
      }
    }
    if (fromBottom) {
      for (let i = n - 1, off = sp; i >= 0; i--, off = (off + size) & mask)
        this.wrS(size, SS, off, this.frame[i]);
    } else {
      for (let i = 0, off = esp; i < n; i++) {
        off = (off - size) & mask;
        this.wrS(size, SS, off, this.frame[i]);
      }
    }
    this.setSp(sp);
  }

  /** frame[i] ← peekStack(size, i * size) for i < n: the same reads (and the same first fault), made
   * with one segment check and one translation when the n slots lie within the segment and in one
   * page of RAM. Otherwise slot by slot from the bottom, so a frame across a page boundary faults
   * first in the page its lowest not-present slot touches: QEMU 7.2's order (seg_helper.c
   * helper_ret_protected: POPL EIP, CS, EFLAGS). Bochs reads from the top instead (cpu/iret.cc
   * iret_protected: EFLAGS, CS, EIP), so their CR2s can differ (ESP 6 bytes below a page boundary,
   * the page below not present: QEMU faults at ESP, EIP's slot; Bochs reads EFLAGS above and faults
   * at ESP + 4, CS's slot). vmkit follows QEMU, its oracle (test/programs/stackframe.asm). */
  protected peekFrame(size: number, n: number): void {
    const len = size * n;
    const sp = (this.regs[ESP] & this.spMask()) >>> 0;
    const lin = (this.segBase[SS] + sp) | 0;
    if (
      sp >= this.segLo[SS] &&
      sp + len - 1 <= this.segHi[SS] &&
      (this.ss32 || sp + len <= 0x10000) &&
      (lin & 0xfff) + len <= 0x1000
    ) {
      const a = ((this.paging ? this.translate(lin, false) : lin) & this.a20Mask) >>> 0;
      const p = a >>> 12;
      const buf = this.bufs[this.readIdx[p]];
      if (buf != null) {
        let o = this.readOff[p] + (a & 0xfff);
        for (let i = 0; i < n; i++, o += size) {
          const v = buf[o] | (buf[o + 1] << 8);
          this.frame[i] = size === 4 ? v | (buf[o + 2] << 16) | (buf[o + 3] << 24) : v;
        }
        return;
      }
    }
    for (let i = 0; i < n; i++) this.frame[i] = this.peekStack(size, i * size);
  }

  protected pushO(v: number): void {
    if (this.o32) this.push32(v);
    else this.push16(v);
  }

  protected pop16(): number {
    const sp = this.regs[ESP] & this.spMask();
    const v = this.rd16(SS, sp);
    this.setSp(sp + 2);
    return v;
  }

  protected pop32(): number {
    const sp = this.regs[ESP] & this.spMask();
    const v = this.rd32(SS, sp);
    this.setSp(sp + 4);
    return v;
  }

  protected popO(): number {
    return this.o32 ? this.pop32() : this.pop16();
  }

  /** Read a stack slot at offset `delta` from the current stack pointer without popping. */
  protected peekStack(size: number, delta: number): number {
    const off = (this.regs[ESP] + delta) & this.spMask();
    return size === 4 ? this.rd32(SS, off) : this.rd16(SS, off);
  }

  /** PUSHA/PUSHAD: EAX ECX EDX EBX, the ESP before, EBP ESI EDI, EDI at the new ESP. One frame
   * (pushFrame: the segment check over all of it, then one translation when it lies in one page),
   * stored from the bottom when it does not: QEMU 7.2 (target/i386/tcg/translate.c gen_pusha)
   * stores EDI at ESP - 8 * size first and EAX last, so across a page boundary with the page above
   * not present the slots below it are written before the #PF (CR2 that page's first byte); with
   * the page below not present nothing is (CR2 the new ESP). Bochs stores from the top instead
   * (cpu/stack32.cc PUSHA32: EAX at ESP - 4 first), which gives other CR2s and bytes; vmkit follows
   * QEMU, its oracle (test/programs/stackframe.asm). */
  protected pusha(): void {
    const r = this.regs;
    const f = this.frame;
    for (let i = 0; i < 8; i++) f[i] = r[i];
    this.pushFrame(this.o32 ? 4 : 2, 8, true);
  }

  protected popa(): void {
    const r = this.regs;
    const sz = this.o32 ? 4 : 2;
    const vals = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 7; i >= 0; i--) vals[i] = this.peekStack(sz, (7 - i) * sz);
    for (let i = 0; i < 8; i++) if (i !== ESP) this.setReg(sz, i, vals[i]);
    this.setSp(r[ESP] + 8 * sz);
  }

  /** ENTER Iw, Ib (C8). Its stores are made one by one, in QEMU 7.2's order (target/i386/tcg/
   * translate.c gen_enter) and Bochs's (cpu/stack32.cc ENTER32_IwIb, stack16.cc ENTER16_IwIb): EBP
   * at ESP - size; for i in 1 .. level - 1 a read of [EBP - size * i], stored at ESP - size * (i + 1);
   * then the new frame pointer at ESP - size * (level + 1). Then the write probe at the final ESP
   * (SDM vol. 2A ENTER: #SS(0) outside the limit, #PF "if a write using the final value of the stack
   * pointer ... would cause a page fault"; Bochs: read_RMW_virtual_dword there; QEMU 7.2 has none,
   * test/harness/programs.ts). EBP and ESP are loaded last: a fault (a store's or a read's #PF at
   * its own address, a slot across a page boundary as memory.ts writeLin32) leaves them as they were
   * and the slots stored before it written (test/programs/stackframe.asm, compared with QEMU). Each
   * store is one wrS, whose RAM fast path is the one-page case. */
  protected enter(): void {
    const r = this.regs;
    const size = this.fetch16();
    const level = this.fetch8() & 31;
    const osz = this.o32 ? 4 : 2;
    const mask = this.spMask();
    let sp = r[ESP];
    let bp = r[EBP];
    sp = (sp - osz) & mask;
    this.wrS(osz, SS, sp, bp);
    // FrameTemp is the whole ESP after the push: on a 16-bit stack SP wrapped inside ESP[15:0] and
    // ESP[31:16] is kept, and a 32-bit ENTER stores and loads all of it (Bochs cpu/stack32.cc
    // ENTER32_IwIb: frame_ptr32 = ESP after push_32; test386.asm POST 0x1A expects this; the SDM
    // pseudo-code's "FrameTemp ← SP" would zero EBP[31:16]).
    const frame = mask === -1 ? sp : (r[ESP] & ~0xffff) | sp;
    if (level > 0) {
      for (let i = 1; i < level; i++) {
        bp = (bp - osz) & mask;
        const v = this.rdS(osz, SS, bp);
        sp = (sp - osz) & mask;
        this.wrS(osz, SS, sp, v);
      }
      sp = (sp - osz) & mask;
      this.wrS(osz, SS, sp, frame);
    }
    sp = (sp - size) & mask;
    this.checkWrite(SS, sp, 1);
    this.setReg(osz, EBP, frame);
    this.setSp(sp);
  }

  /** POP r/m (8F). The pop happens first: an ESP-based destination uses the incremented ESP (SDM
   * POP). A fault restores ESP (run() rolls back to the instruction start). */
  protected popRm(): void {
    // POP r/m is /0 only (SDM opcode map group 1A); /1-/7 are #UD before anything is popped.
    if ((this.peek8() & 0x38) !== 0) this.ud();
    const v = this.popO();
    this.modrm();
    this.writeRm(this.o32 ? 4 : 2, v);
  }

  /** LEAVE (C9). */
  protected leave(): void {
    const osize = this.o32 ? 4 : 2;
    const bp = this.regs[EBP] & this.spMask();
    const v = this.o32 ? this.rd32(SS, bp) : this.rd16(SS, bp);
    this.setSp(bp + osize);
    this.setReg(osize, EBP, v);
  }

  /** PUSH r16/32 (50–57). */
  protected pushReg(i: number): void {
    if (this.o32) this.push32(this.regs[i]);
    else this.push16(this.regs[i]);
  }

  /** POP r16/32 (58–5F). */
  protected popReg(i: number): void {
    const v = this.popO();
    this.setReg(this.o32 ? 4 : 2, i, v);
  }
}
