// x86 core: Virtual-8086 mode
// Behavioural references (no code copied): Intel SDM vol. 3A ch. 20, vol. 2A IRET
// (RETURN-TO-VIRTUAL-8086-MODE, "IF VM = 1") and INT n (INTERRUPT-FROM-VIRTUAL-8086-MODE);
// QEMU target/i386/tcg/seg_helper.c (helper_ret_protected "return to vm86 mode",
// do_interrupt_protected, load_seg_vm).

import { CpuSegments } from './segments.js';
import { CS, DS, EFLAGS_WRITABLE, ES, ESP, FS, GP, GS, IF, IOPL, SS, VM, VM86_SEG_ATTR } from './state.js';

/** Virtual-8086 mode: entering it by IRET, IRET inside it, and the extra frame an interrupt out of
 * it builds. The IOPL rules of CLI/STI/PUSHF/POPF/INT n live with those instructions
 * (`control.ts`, `exceptions.ts`), the I/O bitmap rule in `system.ts` `checkIo`. */
export abstract class CpuVm86 extends CpuSegments {
  /** IRET executed in virtual-8086 mode (SDM vol. 2A IRET, "IF VM = 1"): with IOPL 3 it returns
   * as in real mode but leaves VM and IOPL alone; otherwise #GP(0) for the monitor to emulate. */
  protected iretInVm86(o32: boolean): void {
    if ((this.flags & IOPL) !== IOPL) this.fault(GP, 0);
    const size = o32 ? 4 : 2;
    const off = this.peekStack(size, 0);
    const sel = this.peekStack(size, size) & 0xffff;
    const fl = this.peekStack(size, 2 * size);
    if (off >>> 0 > 0xffff) this.fault(GP, 0);
    this.setSp(this.regs[ESP] + 3 * size);
    this.setCsReal(sel);
    this.eip = off & 0xffff;
    this.writeEflagsAt(fl, o32 ? -1 : 0xffff, 3);
    this.nmiBlocked = false;
  }

  /** IRET at CPL 0 with VM set in the popped EFLAGS (SDM vol. 2A IRET,
   * RETURN-TO-VIRTUAL-8086-MODE; QEMU helper_ret_protected "return to vm86 mode"): pops EIP, CS,
   * EFLAGS, ESP, SS, ES, DS, FS, GS (32 bits each) and loads every segment the vm86 way
   * (base = selector << 4, limit 0xFFFF, a present DPL-3 read/write segment). */
  protected iretToVm86(off: number, sel: number, fl: number): void {
    const v: number[] = [0, 0, 0, 0, 0, 0];
    v[CS] = sel;
    const newEsp = this.peekStack(4, 12);
    v[SS] = this.peekStack(4, 16) & 0xffff;
    v[ES] = this.peekStack(4, 20) & 0xffff;
    v[DS] = this.peekStack(4, 24) & 0xffff;
    v[FS] = this.peekStack(4, 28) & 0xffff;
    v[GS] = this.peekStack(4, 32) & 0xffff;
    this.settle();
    this.flags = (fl & (EFLAGS_WRITABLE | VM)) | 2;
    if ((this.flags & IF) !== 0) this.intrPoll = true;
    this.cpl = 3;
    for (let s = 0; s < 6; s++)
      this.setSegCache(s, v[s] as number, (v[s] as number) << 4, 0xffff, VM86_SEG_ATTR);
    this.regs[ESP] = newEsp;
    this.eip = off & 0xffff;
    this.nmiBlocked = false;
  }

  /** From vm86 an interrupt handler must be a non-conforming ring-0 code segment (SDM vol. 2A
   * INT n: "IF VM = 1 … code segment DPL ≠ 0 THEN #GP(new code segment selector)"; conforming or
   * same-level: #GP too). `attr`/`dpl` are the handler's descriptor's. */
  protected checkVm86Handler(attr: number, dpl: number, sel: number, ext: number): void {
    if ((attr & 4) !== 0 || dpl !== 0) this.fault(GP, (sel & 0xfffc) + ext);
  }

  /** Interrupt from vm86 (SDM vol. 2A INT n, INTERRUPT-FROM-VIRTUAL-8086-MODE): GS, FS, DS, ES go
   * on the ring-0 stack first (frame[0..4), above SS and ESP; returns 4), then those registers are
   * loaded with null selectors (nullVm86Segments). */
  protected vm86SegmentSlots(): number {
    const f = this.frame;
    f[0] = this.segSel[GS] as number;
    f[1] = this.segSel[FS] as number;
    f[2] = this.segSel[DS] as number;
    f[3] = this.segSel[ES] as number;
    return 4;
  }

  protected nullVm86Segments(): void {
    for (const s of [GS, FS, DS, ES]) this.setSegCache(s, 0, 0, 0, 0);
  }
}
