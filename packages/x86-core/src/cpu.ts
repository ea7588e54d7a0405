// x86 interpreter core: real / unreal / 16- and 32-bit protected mode, 32-bit paging.
// Behavioural references (no code copied): Intel SDM vol. 2 and 3, QEMU target/i386/tcg
// (seg_helper.c, excp_helper.c, misc_helper.c), v86 src/cpu.js.

import { disassemble } from './disasm.js';
import { CpuExecute } from './execute.js';
import {
  CR0_ET,
  CR0_PE,
  CR0_PG,
  CS,
  DB,
  DS,
  EAX,
  EBP,
  EBX,
  ECX,
  EDI,
  EDX,
  ES,
  ESI,
  ESP,
  FAULT,
  FS,
  GS,
  IF,
  NMI,
  SS,
  TF,
} from './state.js';
import type {
  CpuEventListener,
  CpuRegisters,
  CpuRegistersUpdate,
  CpuState,
  InterruptLine,
  RunExit,
  RunReason,
  SegmentRegister,
} from './types.js';

/** The x86 CPU: the public API (run/step, registers, state, events, breakpoints) over the layers that
 * hold the semantics (state.ts → flags.ts → memory.ts → … → execute.ts; see the README's "How the core
 * is organised"). */
export class Cpu extends CpuExecute {
  /** Power-on / RESET state (SDM vol. 3A table 9-1). */
  override reset(): void {
    this.regs.fill(0);
    this.regs[EDX] = this.signature();
    this.eip = 0xfff0;
    this.flags = 2;
    this.lzMask = 0;
    for (let s = 0; s < 6; s++) this.setSegCache(s, 0, 0, 0xffff, 0x93);
    this.setSegCache(CS, 0xf000, 0xffff0000 | 0, 0xffff, 0x9b);
    this.ldtrSel = 0;
    this.ldtrBase = 0;
    this.ldtrLimit = 0xffff;
    this.ldtrAttr = 0x82;
    this.trSel = 0;
    this.trBase = 0;
    this.trLimit = 0xffff;
    this.trAttr = 0x8b;
    this.gdtrBase = 0;
    this.gdtrLimit = 0xffff;
    this.idtrBase = 0;
    this.idtrLimit = 0xffff;
    this.cr0 = 0x60000000 | CR0_ET;
    this.cr2 = 0;
    this.cr3 = 0;
    this.cr4 = 0;
    this.dr.fill(0);
    this.dr[6] = 0xffff0ff0 | 0;
    this.dr[7] = 0x400;
    this.cpl = 0;
    this.pe = false;
    this.paging = false;
    this.updateModes();
    this.halted = false;
    this.nmiPending = false;
    this.nmiBlocked = false;
    this.inhibit = false;
    this.slow = true;
    this.shutdownState = false;
    this.msrs.clear();
    this.fpu.reset();
    this.fpu.ferrOut?.(false);
    this.flushTlb();
    this.fetchHi = -1;
    this.jitFlush();
  }

  protected override signature(): number {
    const m = this.model;
    const fam = Math.min(m.family, 15);
    const extFam = m.family > 15 ? m.family - 15 : 0;
    return (
      ((extFam & 0xff) << 20) |
      (((m.model >> 4) & 0xf) << 16) |
      (fam << 8) |
      ((m.model & 0xf) << 4) |
      (m.stepping & 0xf)
    );
  }

  onEvent(listener: CpuEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Connects the x87 FERR# output (the board routes it to IRQ 13 on a PC; SDM vol. 1 D.2.1).
   * Called with true when a waiting x87 instruction meets a pending unmasked exception while
   * CR0.NE = 0, and false when FERR# drops (IGNNE#, or the exception flags cleared). */
  setFerrHandler(handler: ((asserted: boolean) => void) | null): void {
    this.fpu.ferrOut = handler;
  }

  /** IGNNE# (a PC's write to port F0h): the CPU ignores the pending x87 error until its
   * exception flags clear, and FERR# drops. */
  ignne(): void {
    this.fpuIgnne();
  }

  requestStop(): void {
    this.stopRequested = true;
  }

  setA20(enabled: boolean): void {
    const m = enabled ? -1 : ~(1 << 20);
    if (m !== this.a20Mask) {
      this.a20Mask = m;
      this.fetchHi = -1;
      this.jitFlush();
    }
  }

  get a20(): boolean {
    return this.a20Mask === -1;
  }

  raiseNmi(): void {
    this.nmiPending = true;
    this.slow = true;
  }

  setInterruptLine(line: InterruptLine | null): void {
    this.intr = line;
    this.intrPoll = true;
  }

  addBreakpoint(linear: number): void {
    this.breakpoints.add(linear >>> 0);
    this.bpCount = this.breakpoints.size;
    this.slow = true;
  }

  removeBreakpoint(linear: number): void {
    this.breakpoints.delete(linear >>> 0);
    this.bpCount = this.breakpoints.size;
    this.slow = true;
  }

  clearBreakpoints(): void {
    this.breakpoints.clear();
    this.bpCount = 0;
  }

  /** Execute exactly one instruction (or deliver one pending interrupt). */
  step(): RunExit {
    return this.run(1);
  }

  /** Run up to maxInstructions instructions. Never throws for anything the guest does. */
  run(maxInstructions: number): RunExit {
    const start = this.instructionCount;
    if (this.shutdownState) return { reason: 'shutdown', instructions: 0 };
    this.stopRequested = false;
    // Devices may have raised or dropped the interrupt line since the last run().
    this.intrPoll = true;
    this.runEnd = start + Math.max(0, Math.floor(maxInstructions));
    let reason: RunReason = 'budget';
    for (;;) {
      try {
        reason = this.loop();
        break;
      } catch (e) {
        if (e === FAULT) {
          const end = this.deliverFault();
          if (end !== null) {
            reason = end;
            break;
          }
          continue;
        }
        const message = e instanceof Error ? e.message : String(e);
        try {
          this.emit({ kind: 'internal-error', message, cs: this.segSel[CS], eip: this.startEip >>> 0 });
        } catch {
          // A throwing listener must not turn an internal error into an exception out of run().
        }
        this.eip = this.startEip;
        this.regs[ESP] = this.startEsp;
        reason = 'stopped';
        break;
      }
    }
    return { reason, instructions: this.instructionCount - start };
  }

  /** Deliver the fault an instruction raised (thrown, or left pending by a compiled trace). An
   * exception delivery counts against the budget, so a handler that faults again forever cannot
   * keep run() from returning. Returns why the run ends now, or null to go on. */
  private deliverFault(): RunReason | null {
    this.runEnd--;
    this.takeFault();
    if (this.shutdownState) return 'triple-fault';
    if (this.stopRequested) return 'stopped';
    return null;
  }

  /** Runs until the instruction count reaches runEnd (which every exception delivery lowers by one)
   * or something stops the run. */
  private loop(): RunReason {
    const regs = this.regs;
    while (this.instructionCount < this.runEnd) {
      if (
        !this.slow &&
        (this.flags & TF) === 0 &&
        ((this.flags & IF) === 0 || !this.intrPoll || this.intr === null || !this.intr.pending())
      ) {
        // Fast path: not halted, no breakpoints, no single-step, and no interrupt to take now. The
        // line is polled again whenever it may have changed (intrPoll: I/O, device memory, IF set).
        // A compiled trace runs when the last instruction branched to a hot entry; otherwise
        // execute() keeps going while the fast-path conditions hold (and until the next branch).
        this.intrPoll = false;
        if (this.jitProbe) {
          this.jitProbe = false;
          if (this.runTrace(this.runEnd)) {
            this.jitProbe = true;
            if (this.faultPending) {
              // The trace left with a #PF pending (jit-memory.ts pfProbe): deliver it as a thrown one.
              this.faultPending = false;
              const end = this.deliverFault();
              if (end !== null) return end;
            }
            if (this.stopRequested) return 'stopped';
            continue;
          }
        }
        this.runEnd -= this.execute(this.runEnd, true);
        if (this.shutdownState) return 'triple-fault';
        if (this.stopRequested) return 'stopped';
        continue;
      }
      this.slow = this.nmiPending || this.halted || this.bpCount > 0;
      // Interrupt window.
      if (this.inhibit) {
        this.inhibit = false;
      } else {
        if (this.nmiPending && !this.nmiBlocked) {
          this.nmiPending = false;
          this.nmiBlocked = true;
          this.halted = false;
          this.startEip = this.eip;
          this.startEsp = regs[ESP];
          this.deliverInterrupt(NMI, -1, 2, this.eip);
          continue;
        }
        if (this.flags & IF && this.intr !== null && this.intr.pending()) {
          const vec = this.intr.acknowledge() & 0xff;
          this.halted = false;
          this.startEip = this.eip;
          this.startEsp = regs[ESP];
          this.deliverInterrupt(vec, -1, 2, this.eip);
          continue;
        }
      }
      if (this.halted) return 'halted';
      if (this.bpCount > 0) {
        const lin = (this.segBase[CS] + this.eip) >>> 0;
        if (this.breakpoints.has(lin) && this.bpResume !== lin) {
          this.bpResume = lin;
          return 'breakpoint';
        }
        this.bpResume = -1;
      }
      const tf = this.flags & TF;
      if (tf !== 0) this.softIntTaken = false;
      // Exactly one instruction (execute() sets startEip/startEsp and bumps the count).
      this.execute(this.instructionCount + 1, false);
      // Single-step trap: taken when TF was set as the instruction started (also after the POPF/IRET
      // that clears it), but not for INT n / INT3 / INTO, whose handler runs first (SDM 17.3.1.4).
      if (tf !== 0 && !this.softIntTaken) {
        this.dr[6] |= 0x4000;
        this.startEip = this.eip;
        this.startEsp = regs[ESP];
        this.deliverInterrupt(DB, -1, 0, this.eip);
      }
      if (this.stopRequested) return 'stopped';
    }
    return 'budget';
  }

  private segObj(s: number): SegmentRegister {
    return {
      selector: this.segSel[s] & 0xffff,
      base: this.segBase[s] >>> 0,
      limit: this.segLimit[s] >>> 0,
      access: this.segAttr[s] & 0xffff,
    };
  }

  getRegisters(): CpuRegisters {
    const r = this.regs;
    return {
      eax: r[EAX] >>> 0,
      ecx: r[ECX] >>> 0,
      edx: r[EDX] >>> 0,
      ebx: r[EBX] >>> 0,
      esp: r[ESP] >>> 0,
      ebp: r[EBP] >>> 0,
      esi: r[ESI] >>> 0,
      edi: r[EDI] >>> 0,
      eip: this.eip >>> 0,
      eflags: this.getFlags() >>> 0,
      cr0: this.cr0 >>> 0,
      cr2: this.cr2 >>> 0,
      cr3: this.cr3 >>> 0,
      cr4: this.cr4 >>> 0,
      dr: Array.from(this.dr, (v) => v >>> 0),
      segments: {
        es: this.segObj(ES),
        cs: this.segObj(CS),
        ss: this.segObj(SS),
        ds: this.segObj(DS),
        fs: this.segObj(FS),
        gs: this.segObj(GS),
      },
      gdtr: { base: this.gdtrBase >>> 0, limit: this.gdtrLimit },
      idtr: { base: this.idtrBase >>> 0, limit: this.idtrLimit },
      ldtr: {
        selector: this.ldtrSel,
        base: this.ldtrBase >>> 0,
        limit: this.ldtrLimit >>> 0,
        access: this.ldtrAttr,
      },
      tr: { selector: this.trSel, base: this.trBase >>> 0, limit: this.trLimit >>> 0, access: this.trAttr },
      cpl: this.cpl,
    };
  }

  setRegisters(p: CpuRegistersUpdate): void {
    const r = this.regs;
    if (p.eax !== undefined) r[EAX] = p.eax;
    if (p.ecx !== undefined) r[ECX] = p.ecx;
    if (p.edx !== undefined) r[EDX] = p.edx;
    if (p.ebx !== undefined) r[EBX] = p.ebx;
    if (p.esp !== undefined) r[ESP] = p.esp;
    if (p.ebp !== undefined) r[EBP] = p.ebp;
    if (p.esi !== undefined) r[ESI] = p.esi;
    if (p.edi !== undefined) r[EDI] = p.edi;
    if (p.eip !== undefined) this.eip = p.eip >>> 0;
    if (p.eflags !== undefined) this.setFlagsRaw(p.eflags);
    if (p.cr0 !== undefined) this.cr0 = p.cr0 | CR0_ET;
    if (p.cr2 !== undefined) this.cr2 = p.cr2 | 0;
    if (p.cr3 !== undefined) this.cr3 = p.cr3 | 0;
    if (p.cr4 !== undefined) this.cr4 = p.cr4 | 0;
    if (p.dr) for (let i = 0; i < 8 && i < p.dr.length; i++) this.dr[i] = p.dr[i];
    if (p.segments) {
      const names = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;
      for (let s = 0; s < 6; s++) {
        const v = p.segments[names[s]];
        if (v) this.setSegCache(s, v.selector, v.base | 0, v.limit >>> 0, v.access);
      }
    }
    if (p.gdtr) {
      this.gdtrBase = p.gdtr.base | 0;
      this.gdtrLimit = p.gdtr.limit & 0xffff;
    }
    if (p.idtr) {
      this.idtrBase = p.idtr.base | 0;
      this.idtrLimit = p.idtr.limit & 0xffff;
    }
    if (p.ldtr) {
      this.ldtrSel = p.ldtr.selector & 0xffff;
      this.ldtrBase = p.ldtr.base | 0;
      this.ldtrLimit = p.ldtr.limit >>> 0;
      this.ldtrAttr = p.ldtr.access;
    }
    if (p.tr) {
      this.trSel = p.tr.selector & 0xffff;
      this.trBase = p.tr.base | 0;
      this.trLimit = p.tr.limit >>> 0;
      this.trAttr = p.tr.access;
    }
    this.pe = (this.cr0 & CR0_PE) !== 0;
    this.paging = this.pe && (this.cr0 & CR0_PG) !== 0;
    this.cpl = this.pe ? (this.segAttr[CS] >> 5) & 3 : 0;
    if (p.segments?.cs && this.pe) this.cpl = p.segments.cs.selector & 3;
    this.updateModes();
    this.flushTlb();
    this.fetchHi = -1;
  }

  getState(): CpuState {
    const seg = [];
    for (let s = 0; s < 6; s++) seg.push(this.segObj(s));
    return {
      version: 2,
      regs: Array.from(this.regs),
      eip: this.eip >>> 0,
      eflags: this.getFlags() >>> 0,
      seg,
      ldtr: { selector: this.ldtrSel, base: this.ldtrBase, limit: this.ldtrLimit, access: this.ldtrAttr },
      tr: { selector: this.trSel, base: this.trBase, limit: this.trLimit, access: this.trAttr },
      gdtr: { base: this.gdtrBase, limit: this.gdtrLimit },
      idtr: { base: this.idtrBase, limit: this.idtrLimit },
      cr0: this.cr0,
      cr2: this.cr2,
      cr3: this.cr3,
      cr4: this.cr4,
      dr: Array.from(this.dr),
      cpl: this.cpl,
      halted: this.halted,
      a20: this.a20Mask === -1,
      nmiPending: this.nmiPending,
      nmiBlocked: this.nmiBlocked,
      inhibitInterrupts: this.inhibit,
      shutdown: this.shutdownState,
      instructionCount: this.instructionCount,
      tscOffset: this.tscOffset.toString(),
      msrs: Array.from(this.msrs, ([k, v]) => [k, v.toString()] as [number, string]),
      fpu: this.fpu.getState(),
    };
  }

  setState(st: CpuState): void {
    this.jitFlush();
    if (st?.version !== 2) throw new Error('Cpu.setState: unsupported state version');
    for (let i = 0; i < 8; i++) this.regs[i] = st.regs[i];
    this.eip = st.eip;
    this.setFlagsRaw(st.eflags);
    for (let s = 0; s < 6; s++) {
      const g = st.seg[s];
      this.setSegCache(s, g.selector, g.base, g.limit, g.access);
    }
    this.ldtrSel = st.ldtr.selector;
    this.ldtrBase = st.ldtr.base;
    this.ldtrLimit = st.ldtr.limit;
    this.ldtrAttr = st.ldtr.access;
    this.trSel = st.tr.selector;
    this.trBase = st.tr.base;
    this.trLimit = st.tr.limit;
    this.trAttr = st.tr.access;
    this.gdtrBase = st.gdtr.base;
    this.gdtrLimit = st.gdtr.limit;
    this.idtrBase = st.idtr.base;
    this.idtrLimit = st.idtr.limit;
    this.cr0 = st.cr0;
    this.cr2 = st.cr2;
    this.cr3 = st.cr3;
    this.cr4 = st.cr4;
    for (let i = 0; i < 8; i++) this.dr[i] = st.dr[i];
    this.cpl = st.cpl;
    this.halted = st.halted;
    this.a20Mask = st.a20 ? -1 : ~(1 << 20);
    this.nmiPending = st.nmiPending;
    this.nmiBlocked = st.nmiBlocked;
    this.inhibit = st.inhibitInterrupts;
    this.slow = true;
    this.shutdownState = st.shutdown;
    this.instructionCount = st.instructionCount;
    this.tscOffset = BigInt(st.tscOffset);
    this.msrs.clear();
    for (const [k, v] of st.msrs) this.msrs.set(k, BigInt(v));
    this.fpu.setState(st.fpu);
    this.pe = (this.cr0 & CR0_PE) !== 0;
    this.paging = this.pe && (this.cr0 & CR0_PG) !== 0;
    this.updateModes();
    this.flushTlb();
    this.fetchHi = -1;
  }

  /** Disassemble the instruction at CS:EIP (or at `linear`) without side effects. */
  disassembleAt(linear?: number): { linear: number; text: string; length: number; bytes: number[] } {
    const lin = linear === undefined ? (this.segBase[CS] + this.eip) >>> 0 : linear >>> 0;
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i++) bytes[i] = this.peekLin8((lin + i) | 0);
    const d = disassemble(bytes, 0, this.cs32 ? 32 : 16);
    return { linear: lin, text: d.text, length: d.length, bytes: Array.from(bytes.subarray(0, d.length)) };
  }

  /** Human-readable register dump. */
  dumpRegisters(): string {
    const r = this.getRegisters();
    const h = (v: number, w = 8) => v.toString(16).padStart(w, '0');
    const s = (n: string, g: SegmentRegister) =>
      `${n}=${h(g.selector, 4)} base=${h(g.base)} limit=${h(g.limit)} attr=${h(g.access, 4)}`;
    return [
      `EAX=${h(r.eax)} EBX=${h(r.ebx)} ECX=${h(r.ecx)} EDX=${h(r.edx)}`,
      `ESI=${h(r.esi)} EDI=${h(r.edi)} EBP=${h(r.ebp)} ESP=${h(r.esp)}`,
      `EIP=${h(r.eip)} EFL=${h(r.eflags)} CPL=${r.cpl} A20=${this.a20 ? 1 : 0} HLT=${this.halted ? 1 : 0}`,
      s('ES', r.segments.es),
      s('CS', r.segments.cs),
      s('SS', r.segments.ss),
      s('DS', r.segments.ds),
      s('FS', r.segments.fs),
      s('GS', r.segments.gs),
      s('LDT', r.ldtr),
      s('TR', r.tr),
      `GDT=${h(r.gdtr.base)} ${h(r.gdtr.limit, 4)} IDT=${h(r.idtr.base)} ${h(r.idtr.limit, 4)}`,
      `CR0=${h(r.cr0)} CR2=${h(r.cr2)} CR3=${h(r.cr3)} CR4=${h(r.cr4)}`,
    ].join('\n');
  }
}
