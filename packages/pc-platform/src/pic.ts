// Intel 8259A programmable interrupt controller pair (master 0x20/0x21, slave 0xA0/0xA1, slave
// cascaded on master IR2) plus the PIIX ELCR at 0x4D0/0x4D1.
// Behaviour follows QEMU hw/intc/i8259.c (pic_set_irq, pic_get_irq, pic_intack, pic_read_irq,
// pic_ioport_write/read) and the Intel 8259A datasheet (ICW1–4, OCW1–3, poll, special mask).

import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import type { InterruptLine, IrqSink, PlatformEventListener } from './types.js';

export interface PicChipState {
  irr: number;
  imr: number;
  isr: number;
  lastIrr: number;
  priorityAdd: number;
  irqBase: number;
  readRegSelect: number;
  poll: boolean;
  specialMask: boolean;
  initState: number;
  autoEoi: boolean;
  rotateOnAutoEoi: boolean;
  specialFullyNested: boolean;
  init4: boolean;
  singleMode: boolean;
  ltim: boolean;
  elcr: number;
}

export interface PicState {
  master: PicChipState;
  slave: PicChipState;
  /** Current wire level of each ISA IRQ input 0–15 as last driven by devices. */
  lines: number;
}

class PicChip {
  irr = 0;
  imr = 0;
  isr = 0;
  lastIrr = 0;
  priorityAdd = 0;
  irqBase = 0;
  readRegSelect = 0;
  poll = false;
  specialMask = false;
  initState = 0;
  autoEoi = false;
  rotateOnAutoEoi = false;
  specialFullyNested = false;
  init4 = false;
  singleMode = false;
  ltim = false;
  elcr = 0;
  /** INT output level. */
  out = false;

  constructor(
    readonly isMaster: boolean,
    readonly elcrMask: number,
  ) {}

  /** Priority (0 = highest) of the highest-priority bit of mask under the rotation, 8 if none. */
  priority(mask: number): number {
    if ((mask & 0xff) === 0) return 8;
    let p = 0;
    while ((mask & (1 << ((p + this.priorityAdd) & 7))) === 0) p++;
    return p;
  }

  /** IRQ the chip would present now, or -1. QEMU i8259.c pic_get_irq. */
  getIrq(): number {
    const p = this.priority(this.irr & ~this.imr);
    if (p === 8) return -1;
    let inService = this.isr;
    if (this.specialMask) inService &= ~this.imr;
    // Fully nested mode on the master: a slave request may interrupt a slave handler.
    if (this.specialFullyNested && this.isMaster) inService &= ~(1 << 2);
    const cur = this.priority(inService);
    return p < cur ? (p + this.priorityAdd) & 7 : -1;
  }

  /** Drive input `irq` (0–7) to `level`; returns nothing, caller re-evaluates outputs. */
  setInput(irq: number, level: boolean): void {
    const mask = 1 << irq;
    if (this.ltim || this.elcr & mask) {
      if (level) {
        this.irr |= mask;
        this.lastIrr |= mask;
      } else {
        this.irr &= ~mask;
        this.lastIrr &= ~mask;
      }
    } else if (level) {
      if ((this.lastIrr & mask) === 0) this.irr |= mask;
      this.lastIrr |= mask;
    } else {
      this.lastIrr &= ~mask;
    }
  }

  intack(irq: number): void {
    const mask = 1 << irq;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.priorityAdd = (irq + 1) & 7;
    } else {
      this.isr |= mask;
    }
    // A level-sensitive request stays in IRR while the line is held (QEMU pic_intack).
    if (!(this.elcr & mask) && !this.ltim) this.irr &= ~mask;
  }

  initReset(): void {
    this.lastIrr = 0;
    this.irr &= this.elcr;
    this.imr = 0;
    this.isr = 0;
    this.priorityAdd = 0;
    this.irqBase = 0;
    this.readRegSelect = 0;
    this.poll = false;
    this.specialMask = false;
    this.initState = 0;
    this.autoEoi = false;
    this.rotateOnAutoEoi = false;
    this.specialFullyNested = false;
    this.init4 = false;
    this.singleMode = false;
    this.ltim = false;
  }

  getState(): PicChipState {
    return {
      irr: this.irr,
      imr: this.imr,
      isr: this.isr,
      lastIrr: this.lastIrr,
      priorityAdd: this.priorityAdd,
      irqBase: this.irqBase,
      readRegSelect: this.readRegSelect,
      poll: this.poll,
      specialMask: this.specialMask,
      initState: this.initState,
      autoEoi: this.autoEoi,
      rotateOnAutoEoi: this.rotateOnAutoEoi,
      specialFullyNested: this.specialFullyNested,
      init4: this.init4,
      singleMode: this.singleMode,
      ltim: this.ltim,
      elcr: this.elcr,
    };
  }

  setState(s: PicChipState): void {
    this.irr = s.irr & 0xff;
    this.imr = s.imr & 0xff;
    this.isr = s.isr & 0xff;
    this.lastIrr = s.lastIrr & 0xff;
    this.priorityAdd = s.priorityAdd & 7;
    this.irqBase = s.irqBase & 0xf8;
    this.readRegSelect = s.readRegSelect & 1;
    this.poll = s.poll;
    this.specialMask = s.specialMask;
    this.initState = s.initState & 3;
    this.autoEoi = s.autoEoi;
    this.rotateOnAutoEoi = s.rotateOnAutoEoi;
    this.specialFullyNested = s.specialFullyNested;
    this.init4 = s.init4;
    this.singleMode = s.singleMode;
    this.ltim = s.ltim;
    this.elcr = s.elcr & this.elcrMask;
  }
}

/** The cascaded 8259A pair. Implements the CPU's InterruptLine and the platform IrqSink. */
export class DualPic implements InterruptLine, IrqSink {
  private readonly m = new PicChip(true, 0xf8);
  // QEMU i8259.c: slave ELCR mask 0xde (IRQ8 and IRQ13 are always edge).
  private readonly s = new PicChip(false, 0xde);
  private lines = 0;
  private readonly onEvent: PlatformEventListener | undefined;
  /** Called whenever the master INT output changes (optional, for CPUs that want a push). */
  onOutputChange: ((level: boolean) => void) | null = null;

  readonly masterIo: IoHandler;
  readonly slaveIo: IoHandler;
  readonly elcrIo: IoHandler;

  constructor(opts: { onEvent?: PlatformEventListener } = {}) {
    this.onEvent = opts.onEvent;
    this.masterIo = {
      read: (offset: number, _size: AccessSize) => this.ioRead(this.m, offset),
      write: (offset: number, _size: AccessSize, value: number) => this.ioWrite(this.m, offset, value),
    };
    this.slaveIo = {
      read: (offset: number, _size: AccessSize) => this.ioRead(this.s, offset),
      write: (offset: number, _size: AccessSize, value: number) => this.ioWrite(this.s, offset, value),
    };
    this.elcrIo = {
      read: (offset: number, size: AccessSize) => {
        let v = 0;
        for (let i = 0; i < size; i++) v |= this.readElcr((offset + i) & 1) << (8 * i);
        return v;
      },
      write: (offset: number, size: AccessSize, value: number) => {
        for (let i = 0; i < size; i++) this.writeElcr((offset + i) & 1, (value >>> (8 * i)) & 0xff);
      },
    };
  }

  /** ELCR byte: 0 = master (IRQ0–7), 1 = slave (IRQ8–15). Bit set = level-triggered. */
  readElcr(which: number): number {
    return which === 0 ? this.m.elcr : this.s.elcr;
  }

  writeElcr(which: number, value: number): void {
    const chip = which === 0 ? this.m : this.s;
    chip.elcr = value & chip.elcrMask;
    this.update();
  }

  setIrq(line: number, level: boolean): void {
    if (line < 0 || line > 15) return;
    const bit = 1 << line;
    if (level) this.lines |= bit;
    else this.lines &= ~bit;
    if (line < 8) this.m.setInput(line, level);
    else this.s.setInput(line - 8, level);
    this.update();
  }

  /** Re-evaluate the slave output into master IR2, then the master INT output. */
  private update(): void {
    const slaveOut = this.s.getIrq() >= 0;
    if (slaveOut !== this.s.out) {
      this.s.out = slaveOut;
      this.m.setInput(2, slaveOut);
    }
    const masterOut = this.m.getIrq() >= 0;
    if (masterOut !== this.m.out) {
      this.m.out = masterOut;
      if (this.onOutputChange) this.onOutputChange(masterOut);
    }
  }

  pending(): boolean {
    return this.m.out;
  }

  /** INTA cycle (QEMU i8259.c pic_read_irq). Spurious requests yield IRQ7 / IRQ15 vectors. */
  acknowledge(): number {
    const m = this.m;
    let irq = m.getIrq();
    let vector: number;
    if (irq >= 0) {
      if (irq === 2 && !m.singleMode) {
        let irq2 = this.s.getIrq();
        if (irq2 >= 0) {
          this.s.intack(irq2);
        } else {
          irq2 = 7;
          this.onEvent?.({ kind: 'pic-spurious', chip: 'slave', vector: this.s.irqBase + 7 });
        }
        vector = this.s.irqBase + irq2;
      } else {
        vector = m.irqBase + irq;
      }
      m.intack(irq);
    } else {
      irq = 7;
      vector = m.irqBase + 7;
      this.onEvent?.({ kind: 'pic-spurious', chip: 'master', vector });
    }
    this.update();
    return vector & 0xff;
  }

  private ioRead(c: PicChip, offset: number): number {
    if (c.poll) {
      // Poll command (OCW3 bit 2): the next read is an INTA without a vector.
      c.poll = false;
      const irq = c.getIrq();
      if (irq < 0) return 0;
      c.intack(irq);
      this.update();
      return irq | 0x80;
    }
    if ((offset & 1) === 0) return c.readRegSelect ? c.isr : c.irr;
    return c.imr;
  }

  private ioWrite(c: PicChip, offset: number, value: number): void {
    const val = value & 0xff;
    if ((offset & 1) === 0) {
      if (val & 0x10) {
        // ICW1
        c.initReset();
        c.initState = 1;
        c.init4 = (val & 1) !== 0;
        c.singleMode = (val & 2) !== 0;
        c.ltim = (val & 8) !== 0;
        if (val & 4)
          this.onEvent?.({
            kind: 'pic-unsupported',
            chip: this.name(c),
            what: 'ICW1 call interval 4',
            value: val,
          });
      } else if (val & 0x08) {
        // OCW3
        if (val & 0x04) c.poll = true;
        if (val & 0x02) c.readRegSelect = val & 1;
        if (val & 0x40) c.specialMask = ((val >> 5) & 1) !== 0;
      } else {
        // OCW2
        const cmd = val >> 5;
        switch (cmd) {
          case 0:
          case 4:
            c.rotateOnAutoEoi = cmd === 4;
            break;
          case 1: // non-specific EOI
          case 5: {
            // rotate on non-specific EOI
            const p = c.priority(c.isr);
            if (p !== 8) {
              const irq = (p + c.priorityAdd) & 7;
              c.isr &= ~(1 << irq);
              if (cmd === 5) c.priorityAdd = (irq + 1) & 7;
            }
            break;
          }
          case 3: // specific EOI
            c.isr &= ~(1 << (val & 7));
            break;
          case 6: // set priority
            c.priorityAdd = (val + 1) & 7;
            break;
          case 7: {
            // rotate on specific EOI
            const irq = val & 7;
            c.isr &= ~(1 << irq);
            c.priorityAdd = (irq + 1) & 7;
            break;
          }
          default:
            break; // cmd 2: no operation
        }
      }
    } else {
      switch (c.initState) {
        case 0: // OCW1
          c.imr = val;
          break;
        case 1: // ICW2
          c.irqBase = val & 0xf8;
          c.initState = c.singleMode ? (c.init4 ? 3 : 0) : 2;
          break;
        case 2: // ICW3 (cascade wiring is fixed on a PC)
          c.initState = c.init4 ? 3 : 0;
          break;
        default: // ICW4
          c.specialFullyNested = ((val >> 4) & 1) !== 0;
          c.autoEoi = ((val >> 1) & 1) !== 0;
          if ((val & 1) === 0)
            this.onEvent?.({
              kind: 'pic-unsupported',
              chip: this.name(c),
              what: 'ICW4 8080 mode',
              value: val,
            });
          c.initState = 0;
          break;
      }
    }
    this.update();
  }

  private name(c: PicChip): 'master' | 'slave' {
    return c === this.m ? 'master' : 'slave';
  }

  /** Power-on reset (QEMU pic_reset: also clears ELCR). With `dropLines`, the input wires are
   * considered low too (every device is being reset at the same time). IRR starts clear: a line
   * that is already high is remembered as high (it needs a fresh low-to-high edge to request, as
   * an edge-triggered input does; ELCR is 0 after reset) but is not latched — QEMU's
   * pic_reset_common clears IRR, and QEMU resets the 8259s after the ISA devices that drive them
   * (the PIT's OUT0 is high at power-on), so a PC starts with no interrupt requested. */
  reset(dropLines = false): void {
    if (dropLines) this.lines = 0;
    this.m.elcr = 0;
    this.s.elcr = 0;
    this.m.initReset();
    this.s.initReset();
    this.m.irr = 0;
    this.s.irr = 0;
    this.m.lastIrr = this.lines & 0xff;
    this.s.lastIrr = (this.lines >> 8) & 0xff;
    this.m.out = false;
    this.s.out = false;
    this.update();
  }

  /** Debug view: IRR/ISR/IMR of both chips. */
  registers(): {
    master: { irr: number; isr: number; imr: number; base: number };
    slave: { irr: number; isr: number; imr: number; base: number };
  } {
    return {
      master: { irr: this.m.irr, isr: this.m.isr, imr: this.m.imr, base: this.m.irqBase },
      slave: { irr: this.s.irr, isr: this.s.isr, imr: this.s.imr, base: this.s.irqBase },
    };
  }

  getState(): PicState {
    return { master: this.m.getState(), slave: this.s.getState(), lines: this.lines };
  }

  setState(state: PicState): void {
    this.m.setState(state.master);
    this.s.setState(state.slave);
    this.lines = state.lines & 0xffff;
    this.s.out = this.s.getIrq() >= 0;
    this.m.out = this.m.getIrq() >= 0;
  }
}
