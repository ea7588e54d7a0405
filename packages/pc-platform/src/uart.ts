// NS16550A UART (COM1 at 0x3F8, IRQ4 on a PC). Registers and interrupt priorities follow QEMU
// hw/char/serial.c (serial_ioport_write/read, serial_update_irq, reset values) and the NS16550A
// datasheet. Transmission is instantaneous: a byte written to THR goes straight to the sink and
// THR/TSR are empty again at once. Receive data comes from the host via `receive()`.

import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import type { IrqSink } from './types.js';

const IER_RDI = 0x01;
const IER_THRI = 0x02;
const IER_RLSI = 0x04;
const IER_MSI = 0x08;
const IIR_NO_INT = 0x01;
const IIR_MSI = 0x00;
const IIR_THRI = 0x02;
const IIR_RDI = 0x04;
const IIR_RLSI = 0x06;
const IIR_FE = 0xc0;
const LCR_DLAB = 0x80;
const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_BI = 0x10;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const LSR_INT_ANY = 0x1e;
const MCR_LOOP = 0x10;
const MCR_OUT2 = 0x08;
const MSR_DCD = 0x80;
const MSR_DSR = 0x20;
const MSR_CTS = 0x10;
const FIFO_SIZE = 16;
const TRIGGER_LEVELS = [1, 4, 8, 14];

export interface UartState {
  divider: number;
  ier: number;
  iir: number;
  lcr: number;
  mcr: number;
  lsr: number;
  msr: number;
  scr: number;
  fcr: number;
  thrPending: boolean;
  rx: number[];
  irqLevel: boolean;
}

export class Uart16550 implements IoHandler {
  private divider = 0;
  private ier = 0;
  private iir = IIR_NO_INT;
  private lcr = 0;
  private mcr = MCR_OUT2;
  private lsr = LSR_TEMT | LSR_THRE;
  private msr = MSR_DCD | MSR_DSR | MSR_CTS;
  private scr = 0;
  private fcr = 0;
  private thrPending = false;
  private rx: number[] = [];
  private irqLevel = false;
  private readonly irq: IrqSink | null;
  private readonly irqLine: number;
  /** Receives every byte the guest transmits (not called in loopback mode). */
  onTransmit: ((byte: number) => void) | null;

  constructor(opts: { irq?: IrqSink; irqLine?: number; onTransmit?: (byte: number) => void } = {}) {
    this.irq = opts.irq ?? null;
    this.irqLine = opts.irqLine ?? 4;
    this.onTransmit = opts.onTransmit ?? null;
  }

  private get fifoEnabled(): boolean {
    return (this.fcr & 1) !== 0;
  }

  private triggerLevel(): number {
    if (!this.fifoEnabled) return 1;
    return TRIGGER_LEVELS[this.fcr >> 6];
  }

  private updateIrq(): void {
    let iir = IIR_NO_INT;
    if (this.ier & IER_RLSI && this.lsr & LSR_INT_ANY) iir = IIR_RLSI;
    else if (this.ier & IER_RDI && this.rx.length > 0 && this.rx.length >= this.triggerLevel()) iir = IIR_RDI;
    else if (this.ier & IER_RDI && this.rx.length > 0)
      iir = 0x0c; // character timeout (immediate)
    else if (this.ier & IER_THRI && this.thrPending) iir = IIR_THRI;
    else if (this.ier & IER_MSI && this.msr & 0x0f) iir = IIR_MSI;
    this.iir = iir | (this.fifoEnabled ? IIR_FE : 0);
    const level = iir !== IIR_NO_INT;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq?.setIrq(this.irqLine, level);
    }
  }

  /** Host → guest bytes (RX FIFO; overflow sets LSR.OE and drops the byte). */
  receive(bytes: ArrayLike<number>): void {
    const cap = this.fifoEnabled ? FIFO_SIZE : 1;
    for (let i = 0; i < bytes.length; i++) {
      if (this.rx.length >= cap) {
        this.lsr |= LSR_OE;
        continue;
      }
      this.rx.push(bytes[i] & 0xff);
    }
    if (this.rx.length > 0) this.lsr |= LSR_DR;
    this.updateIrq();
  }

  read(offset: number, _size: AccessSize): number {
    switch (offset & 7) {
      case 0:
        if (this.lcr & LCR_DLAB) return this.divider & 0xff;
        return this.readRbr();
      case 1:
        if (this.lcr & LCR_DLAB) return (this.divider >> 8) & 0xff;
        return this.ier;
      case 2: {
        const v = this.iir;
        // Reading IIR while it reports THRE clears that source (QEMU serial_ioport_read).
        if ((v & 0x0f) === IIR_THRI) {
          this.thrPending = false;
          this.updateIrq();
        }
        return v;
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5: {
        const v = this.lsr;
        // Reading LSR clears the error bits (OE, PE, FE, BI).
        if (this.lsr & (LSR_BI | LSR_OE | 0x0c)) {
          this.lsr &= ~(LSR_BI | LSR_OE | 0x0c);
          this.updateIrq();
        }
        return v;
      }
      case 6: {
        if (this.mcr & MCR_LOOP) {
          // Loopback: RTS→CTS, DTR→DSR, OUT1→RI, OUT2→DCD.
          const m = this.mcr;
          return ((m & 0x02) << 3) | ((m & 0x01) << 5) | ((m & 0x04) << 4) | ((m & 0x08) << 4);
        }
        const v = this.msr;
        this.msr &= 0xf0; // delta bits clear on read
        this.updateIrq();
        return v;
      }
      default:
        return this.scr;
    }
  }

  private readRbr(): number {
    const v = this.rx.length > 0 ? (this.rx.shift() as number) : 0;
    if (this.rx.length === 0) this.lsr &= ~LSR_DR;
    this.updateIrq();
    return v;
  }

  write(offset: number, _size: AccessSize, value: number): void {
    const v = value & 0xff;
    switch (offset & 7) {
      case 0:
        if (this.lcr & LCR_DLAB) {
          this.divider = (this.divider & 0xff00) | v;
          return;
        }
        if (this.mcr & MCR_LOOP) this.receive([v]);
        else this.onTransmit?.(v);
        // Transmission completes instantly: THR and TSR are empty again.
        this.lsr |= LSR_THRE | LSR_TEMT;
        this.thrPending = true;
        this.updateIrq();
        return;
      case 1:
        if (this.lcr & LCR_DLAB) {
          this.divider = (this.divider & 0x00ff) | (v << 8);
          return;
        }
        {
          const old = this.ier;
          this.ier = v & 0x0f;
          // Enabling THRI while THR is empty raises it at once (QEMU serial_ioport_write).
          if (!(old & IER_THRI) && this.ier & IER_THRI && this.lsr & LSR_THRE) this.thrPending = true;
          this.updateIrq();
        }
        return;
      case 2: {
        const wasEnabled = this.fifoEnabled;
        this.fcr = v & 0xc9;
        if (v & 0x02 || wasEnabled !== this.fifoEnabled) {
          this.rx.length = 0;
          this.lsr &= ~LSR_DR;
        }
        this.updateIrq();
        return;
      }
      case 3:
        this.lcr = v;
        return;
      case 4:
        this.mcr = v & 0x1f;
        return;
      case 5:
      case 6:
        return; // LSR/MSR are read-only (factory test writes ignored)
      default:
        this.scr = v;
        return;
    }
  }

  /** Baud rate programmed by the guest (115200 / divisor), 0 if the divisor is 0. */
  get baud(): number {
    return this.divider === 0 ? 0 : Math.floor(115200 / this.divider);
  }

  /** Power-on state: a fresh UART's registers. */
  reset(): void {
    this.setState((uartPowerOn ??= new Uart16550().getState()));
  }

  getState(): UartState {
    return {
      divider: this.divider,
      ier: this.ier,
      iir: this.iir,
      lcr: this.lcr,
      mcr: this.mcr,
      lsr: this.lsr,
      msr: this.msr,
      scr: this.scr,
      fcr: this.fcr,
      thrPending: this.thrPending,
      rx: [...this.rx],
      irqLevel: this.irqLevel,
    };
  }

  setState(s: UartState): void {
    this.divider = s.divider & 0xffff;
    this.ier = s.ier & 0x0f;
    this.iir = s.iir & 0xff;
    this.lcr = s.lcr & 0xff;
    this.mcr = s.mcr & 0x1f;
    this.lsr = s.lsr & 0xff;
    this.msr = s.msr & 0xff;
    this.scr = s.scr & 0xff;
    this.fcr = s.fcr & 0xc9;
    this.thrPending = s.thrPending;
    this.rx = s.rx.slice(0, FIFO_SIZE).map((b) => b & 0xff);
    this.irqLevel = s.irqLevel;
  }
}

export {
  IER_MSI as UART_IER_MSI,
  IER_RDI as UART_IER_RDI,
  IER_RLSI as UART_IER_RLSI,
  IER_THRI as UART_IER_THRI,
};

/** Power-on state, made once (setState copies it). */
let uartPowerOn: UartState | null = null;
