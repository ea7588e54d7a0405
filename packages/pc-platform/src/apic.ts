// Local APIC (xAPIC MMIO at 0xFEE00000) for one CPU and the 82093AA I/O APIC (0xFEC00000).
// Register layout per the Intel SDM vol. 3 ch. 11 and the 82093AA datasheet; reset values and
// behaviour follow QEMU hw/intc/apic.c (version 0x50014, BSP LINT0 = ExtINT 0x700 at reset,
// apic_accept_pic_intr, apic_get_interrupt, 1 GHz timer base >> divide shift) and
// hw/intc/ioapic.c (version 0x20 with 24 pins, ISA IRQ0 → pin 2, remote IRR, EOI register).
// With a single CPU, INIT/SIPI IPIs to others complete at once: the delivery-status bit never
// reads busy. The LAPIC is the CPU's InterruptLine: its own vectors first, then the 8259 through
// LINT0 (virtual-wire mode).

import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import type { Clock, InterruptLine, PlatformEventListener, TimerDevice } from './types.js';

export const LAPIC_BASE = 0xfee00000;
export const IOAPIC_BASE = 0xfec00000;

const LVT_MASKED = 0x10000;
const SVR_ENABLE = 0x100;
const LVT_TIMER = 0;
const LVT_LINT0 = 3;
const LVT_LINT1 = 4;
/** Writable bits of each LVT entry (timer, thermal, perf, LINT0, LINT1, error). */
const LVT_WRITE_MASK = [0x710ff, 0x117ff, 0x117ff, 0x1f7ff, 0x1f7ff, 0x110ff];

export interface LapicState {
  id: number;
  apicBase: number;
  tpr: number;
  svr: number;
  ldr: number;
  dfr: number;
  esr: number;
  icrLo: number;
  icrHi: number;
  lvt: number[];
  irr: number[];
  isr: number[];
  tmr: number[];
  divide: number;
  initialCount: number;
  loadTime: number;
  timerFired: number;
}

function highestBit(words: Uint32Array): number {
  for (let i = 7; i >= 0; i--) {
    const w = words[i];
    if (w !== 0) return i * 32 + (31 - Math.clz32(w));
  }
  return -1;
}

function setBit(words: Uint32Array, v: number): void {
  words[v >> 5] |= 1 << (v & 31);
}

function clearBit(words: Uint32Array, v: number): void {
  words[v >> 5] &= ~(1 << (v & 31));
}

function testBit(words: Uint32Array, v: number): boolean {
  return (words[v >> 5] & (1 << (v & 31))) !== 0;
}

export class LocalApic implements InterruptLine, TimerDevice, IoHandler {
  private id = 0;
  private apicBase = (LAPIC_BASE | 0x900) >>> 0; // BSP + global enable (IA32_APIC_BASE MSR)
  private tpr = 0;
  private svr = 0xff;
  private ldr = 0;
  private dfr = 0xffffffff;
  private esr = 0;
  private icrLo = 0;
  private icrHi = 0;
  private readonly lvt = new Uint32Array(6);
  private readonly irr = new Uint32Array(8);
  private readonly isr = new Uint32Array(8);
  private readonly tmr = new Uint32Array(8);
  private divide = 0;
  private initialCount = 0;
  private loadTime = 0;
  /** Timer periods already delivered since loadTime. */
  private timerFired = 0;
  private readonly clock: Clock;
  private readonly pic: InterruptLine | null;
  private readonly onEvent: PlatformEventListener | undefined;
  /** Receives the vector of level-triggered EOIs (wired to the I/O APIC). */
  onEoi: ((vector: number) => void) | null = null;
  /** LINT1 / NMI-mode deliveries. */
  onNmi: (() => void) | null = null;

  constructor(opts: { clock: Clock; pic?: InterruptLine; onEvent?: PlatformEventListener; id?: number }) {
    this.clock = opts.clock;
    this.pic = opts.pic ?? null;
    this.onEvent = opts.onEvent;
    this.id = opts.id ?? 0;
    this.reset();
  }

  reset(): void {
    this.apicBase = (LAPIC_BASE | 0x900) >>> 0;
    this.tpr = 0;
    this.svr = 0xff;
    this.ldr = 0;
    this.dfr = 0xffffffff;
    this.esr = 0;
    this.icrLo = 0;
    this.icrHi = 0;
    this.lvt.fill(LVT_MASKED);
    // QEMU apic_reset_common: the BSP's LINT0 starts as unmasked ExtINT so the PIC works.
    if (this.apicBase & 0x100) this.lvt[LVT_LINT0] = 0x700;
    this.irr.fill(0);
    this.isr.fill(0);
    this.tmr.fill(0);
    this.divide = 0;
    this.initialCount = 0;
    this.loadTime = this.clock.now();
    this.timerFired = 0;
    this.expiry = Number.POSITIVE_INFINITY;
  }

  /** IA32_APIC_BASE MSR (0x1B) value, for the CPU's RDMSR/WRMSR. */
  getApicBaseMsr(): number {
    return this.apicBase;
  }

  setApicBaseMsr(v: number): void {
    this.apicBase = ((this.apicBase & 0x100) | (v & 0xfffff000) | (v & 0x800)) >>> 0;
  }

  private get softwareEnabled(): boolean {
    return (this.svr & SVR_ENABLE) !== 0;
  }

  private ppr(): number {
    const isrv = highestBit(this.isr);
    const isrClass = isrv < 0 ? 0 : isrv & 0xf0;
    return (this.tpr & 0xf0) >= isrClass ? this.tpr & 0xff : isrClass;
  }

  /** Highest deliverable own vector or -1 (QEMU apic_irq_pending). */
  private ownPending(): number {
    if (!this.softwareEnabled) return -1;
    const v = highestBit(this.irr);
    if (v < 0) return -1;
    return (v & 0xf0) > (this.ppr() & 0xf0) ? v : -1;
  }

  /** QEMU apic_accept_pic_intr: the PIC reaches the CPU if the APIC is off or LINT0 is unmasked. */
  private acceptPic(): boolean {
    return (this.apicBase & 0x800) === 0 || (this.lvt[LVT_LINT0] & LVT_MASKED) === 0;
  }

  pending(): boolean {
    // Called by the CPU at instruction boundaries: the timer check is one comparison.
    if (this.initialCount !== 0) {
      const now = this.clock.now();
      if (now >= this.expiry) this.fireTimer(now);
    }
    if (this.ownPending() >= 0) return true;
    return this.pic !== null && this.acceptPic() && this.pic.pending();
  }

  acknowledge(): number {
    const v = this.ownPending();
    if (v >= 0) {
      clearBit(this.irr, v);
      setBit(this.isr, v);
      return v;
    }
    if (this.pic && this.acceptPic() && this.pic.pending()) return this.pic.acknowledge();
    return this.svr & 0xff; // spurious
  }

  /** Accept a fixed interrupt from the I/O APIC, an IPI or the timer. */
  deliver(vector: number, level: boolean): void {
    if (vector < 16) {
      this.esr |= 0x40; // received illegal vector
      return;
    }
    setBit(this.irr, vector);
    if (level) setBit(this.tmr, vector);
    else clearBit(this.tmr, vector);
  }

  private eoi(): void {
    const v = highestBit(this.isr);
    if (v < 0) return;
    clearBit(this.isr, v);
    if (testBit(this.tmr, v)) {
      clearBit(this.tmr, v);
      this.onEoi?.(v);
    }
  }

  // ---- timer -------------------------------------------------------------------------------

  private divShift(): number {
    const d = ((this.divide & 3) | ((this.divide >> 1) & 4)) + 1;
    return d & 7; // 1 → /2 ... 7 → /128, 0 (0b111) → /1
  }

  private ticks(now: number): number {
    return Math.floor((now - this.loadTime) / 2 ** this.divShift());
  }

  private timerPeriodic(): boolean {
    return ((this.lvt[LVT_TIMER] >> 17) & 3) === 1;
  }

  private currentCount(now: number): number {
    if (this.initialCount === 0) return 0;
    const t = this.ticks(now);
    if (this.timerPeriodic()) return this.initialCount - (t % this.initialCount);
    return t >= this.initialCount ? 0 : this.initialCount - t;
  }

  private nextExpiry(): number | null {
    if (this.initialCount === 0) return null;
    if (!this.timerPeriodic() && this.timerFired > 0) return null;
    return this.loadTime + (this.timerFired + 1) * this.initialCount * 2 ** this.divShift();
  }

  /** Cached nextExpiry() (Infinity when none); refreshed whenever a timer register changes. */
  private expiry = Number.POSITIVE_INFINITY;

  private refreshExpiry(): void {
    const t = this.nextExpiry();
    this.expiry = t === null ? Number.POSITIVE_INFINITY : t;
  }

  private timerDue(now: number): boolean {
    return now >= this.expiry;
  }

  private fireTimer(now: number): void {
    const per = this.initialCount * 2 ** this.divShift();
    const n = Math.floor((now - this.loadTime) / per);
    if (n <= this.timerFired) return;
    this.timerFired = this.timerPeriodic() ? n : 1;
    this.refreshExpiry();
    const l = this.lvt[LVT_TIMER];
    if (!(l & LVT_MASKED) && this.softwareEnabled) this.deliver(l & 0xff, false);
  }

  nextDeadline(): number | null {
    return this.nextExpiry();
  }

  update(now: number): void {
    if (this.timerDue(now)) this.fireTimer(now);
  }

  // ---- MMIO --------------------------------------------------------------------------------

  read(offset: number, size: AccessSize): number {
    const reg = this.readReg(offset & 0xff0);
    const sh = 8 * (offset & 3);
    const v = reg >>> sh;
    return size === 4 ? v >>> 0 : size === 2 ? v & 0xffff : v & 0xff;
  }

  write(offset: number, size: AccessSize, value: number): void {
    // Registers are 32-bit; narrower writes are treated as the full aligned dword (SDM: undefined).
    const sh = 8 * (offset & 3);
    const v = size === 4 ? value >>> 0 : (value << sh) >>> 0;
    this.writeReg(offset & 0xff0, v);
  }

  readReg(off: number): number {
    switch (off) {
      case 0x20:
        return (this.id << 24) >>> 0;
      case 0x30:
        return 0x00050014; // version 0x14, 6 LVT entries (QEMU)
      case 0x80:
        return this.tpr;
      case 0x90:
        return 0; // APR
      case 0xa0:
        return this.ppr();
      case 0xd0:
        return this.ldr;
      case 0xe0:
        return this.dfr;
      case 0xf0:
        return this.svr;
      case 0x280:
        return this.esr;
      case 0x300:
        return this.icrLo & ~0x1000; // delivery status: always idle
      case 0x310:
        return this.icrHi;
      case 0x320:
      case 0x330:
      case 0x340:
      case 0x350:
      case 0x360:
      case 0x370:
        return this.lvt[(off - 0x320) >> 4];
      case 0x380:
        return this.initialCount;
      case 0x390:
        return this.currentCount(this.clock.now());
      case 0x3e0:
        return this.divide;
      default:
        if (off >= 0x100 && off < 0x180) return this.isr[(off - 0x100) >> 4];
        if (off >= 0x180 && off < 0x200) return this.tmr[(off - 0x180) >> 4];
        if (off >= 0x200 && off < 0x280) return this.irr[(off - 0x200) >> 4];
        return 0;
    }
  }

  writeReg(off: number, v: number): void {
    switch (off) {
      case 0x20:
        this.id = (v >>> 24) & 0xff;
        return;
      case 0x80:
        this.tpr = v & 0xff;
        return;
      case 0xb0:
        this.eoi();
        return;
      case 0xd0:
        this.ldr = (v & 0xff000000) >>> 0;
        return;
      case 0xe0:
        this.dfr = (v | 0x0fffffff) >>> 0;
        return;
      case 0xf0:
        // QEMU apic_mem_write leaves the LVTs alone here (the SDM would force their masks).
        this.svr = v & 0x13ff;
        return;
      case 0x280:
        this.esr = 0;
        return;
      case 0x300:
        this.icrLo = (v & ~0x1000) >>> 0;
        this.sendIpi();
        return;
      case 0x310:
        this.icrHi = (v & 0xff000000) >>> 0;
        return;
      case 0x320:
      case 0x330:
      case 0x340:
      case 0x350:
      case 0x360:
      case 0x370: {
        const i = (off - 0x320) >> 4;
        this.lvt[i] = v & LVT_WRITE_MASK[i];
        if (i === LVT_TIMER) {
          this.refreshExpiry();
          if (this.timerDue(this.clock.now())) this.fireTimer(this.clock.now());
        }
        return;
      }
      case 0x380:
        this.initialCount = v >>> 0;
        this.loadTime = this.clock.now();
        this.timerFired = 0;
        this.refreshExpiry();
        return;
      case 0x3e0: {
        // Keep the elapsed count consistent across a divider change.
        const now = this.clock.now();
        const remaining = this.currentCount(now);
        this.divide = v & 0x0b;
        if (this.initialCount !== 0 && !this.timerPeriodic()) {
          this.loadTime = now - (this.initialCount - remaining) * 2 ** this.divShift();
        }
        this.refreshExpiry();
        return;
      }
      default:
        if (off !== 0x2f0) this.onEvent?.({ kind: 'lapic-unsupported', offset: off, write: true, value: v });
        return;
    }
  }

  private sendIpi(): void {
    const lo = this.icrLo;
    const vector = lo & 0xff;
    const mode = (lo >> 8) & 7;
    const shorthand = (lo >> 18) & 3;
    this.onEvent?.({
      kind: 'lapic-ipi',
      icrLow: lo,
      icrHigh: this.icrHi,
      deliveryMode: mode,
      vector,
      shorthand,
    });
    // Which CPUs receive it: with one CPU only "self" matters.
    const dest = this.icrHi >>> 24;
    const physical = (lo & 0x800) === 0;
    const toSelf =
      shorthand === 1 ||
      shorthand === 2 ||
      (shorthand === 0 && (physical ? dest === this.id || dest === 0xff : (dest & (this.ldr >>> 24)) !== 0));
    if (!toSelf) return; // INIT/SIPI/fixed to other (absent) CPUs complete immediately
    if (mode === 0 || mode === 1) this.deliver(vector, (lo & 0x8000) !== 0);
    else if (mode === 4) this.onNmi?.();
  }

  /** Host/LINT1 NMI input per the LINT1 LVT (NMI mode). */
  lint1(): void {
    const l = this.lvt[LVT_LINT1];
    if (!(l & LVT_MASKED) && ((l >> 8) & 7) === 4) this.onNmi?.();
  }

  getState(): LapicState {
    return {
      id: this.id,
      apicBase: this.apicBase,
      tpr: this.tpr,
      svr: this.svr,
      ldr: this.ldr,
      dfr: this.dfr,
      esr: this.esr,
      icrLo: this.icrLo,
      icrHi: this.icrHi,
      lvt: Array.from(this.lvt),
      irr: Array.from(this.irr),
      isr: Array.from(this.isr),
      tmr: Array.from(this.tmr),
      divide: this.divide,
      initialCount: this.initialCount,
      loadTime: this.loadTime,
      timerFired: this.timerFired,
    };
  }

  setState(s: LapicState): void {
    this.id = s.id & 0xff;
    this.apicBase = s.apicBase >>> 0;
    this.tpr = s.tpr & 0xff;
    this.svr = s.svr & 0x13ff;
    this.ldr = s.ldr >>> 0;
    this.dfr = s.dfr >>> 0;
    this.esr = s.esr >>> 0;
    this.icrLo = s.icrLo >>> 0;
    this.icrHi = s.icrHi >>> 0;
    this.lvt.set(s.lvt.slice(0, 6));
    this.irr.set(s.irr.slice(0, 8));
    this.isr.set(s.isr.slice(0, 8));
    this.tmr.set(s.tmr.slice(0, 8));
    this.divide = s.divide & 0x0b;
    this.initialCount = s.initialCount >>> 0;
    this.loadTime = s.loadTime;
    this.timerFired = s.timerFired;
    this.refreshExpiry();
  }
}

export interface IoApicState {
  id: number;
  sel: number;
  redir: number[]; // 24 × [low, high]
  irr: number;
  lines: number;
}

const IOAPIC_PINS = 24;

/** 82093AA I/O APIC: IOREGSEL at +0x00, IOWIN at +0x10, EOI at +0x40 (version 0x20). */
export class IoApic implements IoHandler {
  private id = 0;
  private sel = 0;
  private readonly redir = new Uint32Array(IOAPIC_PINS * 2);
  private irr = 0;
  private lines = 0;
  private readonly lapic: LocalApic;
  private readonly onEvent: PlatformEventListener | undefined;

  constructor(opts: { lapic: LocalApic; onEvent?: PlatformEventListener }) {
    this.lapic = opts.lapic;
    this.onEvent = opts.onEvent;
    opts.lapic.onEoi = (v) => this.eoi(v);
    this.reset();
  }

  reset(): void {
    this.id = 0;
    this.sel = 0;
    this.lines = 0;
    for (let i = 0; i < IOAPIC_PINS; i++) {
      this.redir[2 * i] = LVT_MASKED;
      this.redir[2 * i + 1] = 0;
    }
    this.irr = 0;
  }

  read(offset: number, _size: AccessSize): number {
    const o = offset & 0xff;
    if (o === 0x00) return this.sel;
    if (o === 0x10) return this.readReg(this.sel) >>> 0;
    return 0;
  }

  write(offset: number, _size: AccessSize, value: number): void {
    const o = offset & 0xff;
    if (o === 0x00) this.sel = value & 0xff;
    else if (o === 0x10) this.writeReg(this.sel, value >>> 0);
    else if (o === 0x40) this.eoi(value & 0xff);
  }

  private readReg(r: number): number {
    if (r === 0) return this.id << 24;
    if (r === 1) return ((IOAPIC_PINS - 1) << 16) | 0x20;
    if (r === 2) return this.id << 24; // arbitration ID
    if (r >= 0x10 && r < 0x10 + IOAPIC_PINS * 2) {
      let v = this.redir[r - 0x10];
      if ((r & 1) === 0) v &= ~0x1000; // delivery status: idle (delivery is immediate)
      return v;
    }
    return 0xffffffff;
  }

  private writeReg(r: number, v: number): void {
    if (r === 0) {
      this.id = (v >>> 24) & 0x0f;
      return;
    }
    if (r >= 0x10 && r < 0x10 + IOAPIC_PINS * 2) {
      const idx = r - 0x10;
      if ((idx & 1) === 0) {
        // Remote IRR (bit 14) and delivery status (bit 12) are read-only.
        this.redir[idx] = (v & ~0x5000) | (this.redir[idx] & 0x4000);
      } else {
        this.redir[idx] = v & 0xff000000;
      }
      this.service();
      return;
    }
    this.onEvent?.({ kind: 'ioapic-unsupported', register: r, value: v });
  }

  /** Drive GSI `pin` (ISA IRQ n → pin n, except IRQ0 → pin 2, done by the platform). */
  setPin(pin: number, level: boolean): void {
    if (pin < 0 || pin >= IOAPIC_PINS) return;
    const bit = 1 << pin;
    const was = (this.lines & bit) !== 0;
    if (level) this.lines |= bit;
    else this.lines &= ~bit;
    const lo = this.redir[2 * pin];
    const levelTrig = (lo & 0x8000) !== 0;
    if (levelTrig) {
      if (level) this.irr |= bit;
      else this.irr &= ~bit;
    } else if (level && !was) {
      this.irr |= bit;
    }
    this.service();
  }

  private service(): void {
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      const bit = 1 << pin;
      if (!(this.irr & bit)) continue;
      const lo = this.redir[2 * pin];
      if (lo & LVT_MASKED) continue;
      const levelTrig = (lo & 0x8000) !== 0;
      if (levelTrig && lo & 0x4000) continue; // remote IRR: waiting for EOI
      const mode = (lo >> 8) & 7;
      if (mode === 0 || mode === 1) {
        this.lapic.deliver(lo & 0xff, levelTrig);
      } else if (mode === 4) {
        this.lapic.onNmi?.();
      }
      // ExtINT (7): the 8259 supplies the vector through LINT0; nothing to do here.
      if (levelTrig) this.redir[2 * pin] |= 0x4000;
      else this.irr &= ~bit;
    }
  }

  /** EOI broadcast from the LAPIC (or the EOI register): clear remote IRR of matching pins. */
  eoi(vector: number): void {
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      const lo = this.redir[2 * pin];
      if ((lo & 0xff) === vector && lo & 0x4000) {
        this.redir[2 * pin] = lo & ~0x4000;
      }
    }
    this.service();
  }

  getState(): IoApicState {
    return { id: this.id, sel: this.sel, redir: Array.from(this.redir), irr: this.irr, lines: this.lines };
  }

  setState(s: IoApicState): void {
    this.id = s.id & 0x0f;
    this.sel = s.sel & 0xff;
    this.redir.set(s.redir.slice(0, IOAPIC_PINS * 2));
    this.irr = s.irr >>> 0;
    this.lines = s.lines >>> 0;
  }
}
