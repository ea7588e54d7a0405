// ACPI power-management registers of the PIIX4 PM function: PM1a event block (status +0,
// enable +2), PM1a control (+4), PM timer (+8, 24-bit at 3.579545 MHz on the virtual clock) in a
// 64-byte block at pm_base, plus the GPE0 block (QEMU PIIX4 places it at 0xAFE0: status +0..1,
// enable +2..3) and the SCI output (ISA IRQ 9 on PIIX4).
// Semantics follow QEMU hw/acpi/core.c (acpi_pm1_evt_write_sts W1C, acpi_pm_tmr_get,
// acpi_pm_tmr_update with TMR_STS on every bit-23 transition, acpi_pm1_cnt_write SLP_EN,
// acpi_gpe_ioport_writeb) and hw/acpi/piix4.c (pm_update_sci); holes in the block read all-ones
// as on QEMU (the access trace shows pm_base+0x28 → 0xFFFFFFFF).

import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import { nsToTicks, ticksToNs } from './time.js';
import type { Clock, IrqSink, PlatformEventListener, TimerDevice } from './types.js';

export const PM_TIMER_HZ = 3_579_545;

export const PM1_TMR_STS = 0x0001;
export const PM1_BM_STS = 0x0010;
export const PM1_GBL_STS = 0x0020;
export const PM1_PWRBTN_STS = 0x0100;
export const PM1_RTC_STS = 0x0400;
export const PM1_WAK_STS = 0x8000;
const PM1_STS_MASK = 0x8731;
const PM1_EN_MASK = 0x0721;
const CNT_SCI_EN = 0x0001;
const CNT_SLP_EN = 0x2000;

export interface AcpiPmState {
  sts: number;
  en: number;
  cnt: number;
  gpeSts: number;
  gpeEn: number;
  /** Count of 2^23-tick half-periods of the PM timer already reflected in TMR_STS. */
  tmrEpoch: number;
  sciLevel: boolean;
}

export class AcpiPm implements TimerDevice {
  private sts = 0;
  private en = 0;
  private cnt = 0;
  private gpeSts = 0;
  private gpeEn = 0;
  private tmrEpoch = 0;
  private sciLevel = false;
  private readonly clock: Clock;
  private readonly irq: IrqSink | null;
  private readonly sciLine: number;
  private readonly onEvent: PlatformEventListener | undefined;
  /** SLP_EN written: S-state type from SLP_TYP (QEMU: type 0 = S5 soft-off on PIIX4, 1 = S3). */
  onSleep: ((slpTyp: number) => void) | null;

  /** The 64-byte PM I/O block (mapped at pm_base). */
  readonly io: IoHandler;
  /** GPE0 block (4 bytes). */
  readonly gpeIo: IoHandler;

  constructor(opts: {
    clock: Clock;
    irq?: IrqSink;
    sciLine?: number;
    onEvent?: PlatformEventListener;
    onSleep?: (slpTyp: number) => void;
  }) {
    this.clock = opts.clock;
    this.irq = opts.irq ?? null;
    this.sciLine = opts.sciLine ?? 9;
    this.onEvent = opts.onEvent;
    this.onSleep = opts.onSleep ?? null;
    this.io = {
      read: (o: number, size: AccessSize) => this.readPm(o & 0x3f, size),
      write: (o: number, size: AccessSize, v: number) => this.writePm(o & 0x3f, size, v),
    };
    this.gpeIo = {
      read: (o: number, size: AccessSize) => {
        let v = 0;
        for (let i = 0; i < size; i++) v |= this.gpeByte((o + i) & 3) << (8 * i);
        return v >>> 0;
      },
      write: (o: number, size: AccessSize, v: number) => {
        for (let i = 0; i < size; i++) this.writeGpeByte((o + i) & 3, (v >>> (8 * i)) & 0xff);
        this.updateSci();
      },
    };
  }

  /** Current 24-bit PM timer value. */
  timer(): number {
    return nsToTicks(this.clock.now(), PM_TIMER_HZ) % 0x1000000;
  }

  /** Fold timer bit-23 transitions into TMR_STS (QEMU acpi_pm_tmr_timer / overflow). */
  private syncTimer(now: number): void {
    const epoch = Math.floor(nsToTicks(now, PM_TIMER_HZ) / 0x800000);
    if (epoch > this.tmrEpoch) {
      this.tmrEpoch = epoch;
      this.sts |= PM1_TMR_STS;
    }
  }

  private readPm(o: number, size: AccessSize): number {
    const now = this.clock.now();
    // Byte-granular for the 16-bit registers, like QEMU's evt/cnt regions (min access 1).
    if (o < 4) {
      this.syncTimer(now);
      this.updateSci();
      const word = o < 2 ? this.sts : this.en;
      return this.slice(word, o & 1, size, 2);
    }
    if (o < 6) return this.slice(this.cnt & ~CNT_SLP_EN, o & 1, size, 2);
    if (o >= 8 && o < 12) return this.slice(this.timer(), o - 8, size, 4);
    return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
  }

  /** Read `size` bytes from a `width`-byte register starting at byte `at` (bytes past the end read 0xff). */
  private slice(value: number, at: number, size: AccessSize, width: number): number {
    let v = 0;
    for (let i = 0; i < size; i++) {
      const b = at + i < width ? (value >>> (8 * (at + i))) & 0xff : 0xff;
      v |= b << (8 * i);
    }
    return v >>> 0;
  }

  private writePm(o: number, size: AccessSize, v: number): void {
    const now = this.clock.now();
    for (let i = 0; i < size; i++) {
      const off = o + i;
      const b = (v >>> (8 * i)) & 0xff;
      if (off < 2) {
        this.syncTimer(now);
        const bits = (b << (8 * off)) & PM1_STS_MASK;
        this.sts &= ~bits; // write-1-to-clear
      } else if (off < 4) {
        const sh = 8 * (off - 2);
        this.en = ((this.en & ~(0xff << sh)) | (b << sh)) & PM1_EN_MASK;
      } else if (off < 6) {
        const sh = 8 * (off - 4);
        const nv = (this.cnt & ~(0xff << sh)) | (b << sh);
        if (nv & CNT_SLP_EN) {
          const slpTyp = (nv >> 10) & 7;
          this.onEvent?.({ kind: 'acpi-sleep', slpTyp });
          this.onSleep?.(slpTyp);
        }
        this.cnt = nv & ~CNT_SLP_EN & 0xffff;
      }
    }
    this.updateSci();
  }

  private gpeByte(o: number): number {
    return o < 2 ? (this.gpeSts >> (8 * o)) & 0xff : (this.gpeEn >> (8 * (o - 2))) & 0xff;
  }

  private writeGpeByte(o: number, b: number): void {
    if (o < 2) this.gpeSts &= ~(b << (8 * o));
    else {
      const sh = 8 * (o - 2);
      this.gpeEn = (this.gpeEn & ~(0xff << sh)) | (b << sh);
    }
  }

  /** Host: set a GPE0 status bit (e.g. hotplug) and update SCI. */
  raiseGpe(bit: number): void {
    if (bit < 0 || bit > 15) throw new Error(`AcpiPm.raiseGpe: bit ${bit} out of range 0..15`);
    this.gpeSts |= 1 << bit;
    this.updateSci();
  }

  /** The chipset's ACPI mode switch (QEMU hw/acpi/core.c acpi_pm1_cnt_update): SCI_EN on or off. */
  setSciEnabled(on: boolean): void {
    this.cnt = on ? this.cnt | CNT_SCI_EN : this.cnt & ~CNT_SCI_EN;
    this.updateSci();
  }

  /** Host: press the power button (PWRBTN_STS). */
  pressPowerButton(): void {
    this.sts |= PM1_PWRBTN_STS;
    this.updateSci();
  }

  /** QEMU piix4.c pm_update_sci: SCI when SCI_EN and an enabled PM1/GPE event is pending. */
  private updateSci(): void {
    const level =
      (this.cnt & CNT_SCI_EN) !== 0 &&
      ((this.sts & this.en & (PM1_TMR_STS | PM1_GBL_STS | PM1_PWRBTN_STS | PM1_RTC_STS | 0x200)) !== 0 ||
        (this.gpeSts & this.gpeEn) !== 0);
    if (level !== this.sciLevel) {
      this.sciLevel = level;
      this.irq?.setIrq(this.sciLine, level);
    }
  }

  nextDeadline(): number | null {
    if (!(this.en & PM1_TMR_STS) || !(this.cnt & CNT_SCI_EN)) return null;
    return ticksToNs((this.tmrEpoch + 1) * 0x800000, PM_TIMER_HZ);
  }

  update(now: number): void {
    this.syncTimer(now);
    this.updateSci();
  }

  /** Power-on values (QEMU acpi_pm1_evt_reset / cnt_reset). */
  reset(): void {
    this.sts = 0;
    this.en = 0;
    this.cnt = 0;
    this.gpeSts = 0;
    this.gpeEn = 0;
    this.tmrEpoch = Math.floor(nsToTicks(this.clock.now(), PM_TIMER_HZ) / 0x800000);
    this.updateSci();
  }

  getState(): AcpiPmState {
    return {
      sts: this.sts,
      en: this.en,
      cnt: this.cnt,
      gpeSts: this.gpeSts,
      gpeEn: this.gpeEn,
      tmrEpoch: this.tmrEpoch,
      sciLevel: this.sciLevel,
    };
  }

  setState(s: AcpiPmState): void {
    this.sts = s.sts & PM1_STS_MASK;
    this.en = s.en & PM1_EN_MASK;
    this.cnt = s.cnt & 0xffff & ~CNT_SLP_EN;
    this.gpeSts = s.gpeSts & 0xffff;
    this.gpeEn = s.gpeEn & 0xffff;
    this.tmrEpoch = s.tmrEpoch;
    this.sciLevel = s.sciLevel;
  }
}

export interface SmbusState {
  regs: number[];
}

/**
 * PIIX4 SMBus host controller register block (16 bytes at the SMBus base) with no devices on the
 * bus: every started transaction ends with DEV_ERR, as QEMU hw/i2c/pm_smbus.c reports for an
 * address with no slave. Registers: HST_STS +0 (W1C), HST_CNT +2, HST_CMD +3, HST_ADD +4,
 * HST_D0 +5, HST_D1 +6, BLK_DAT +7.
 */
export class SmbusHost implements IoHandler {
  private regs = new Array<number>(16).fill(0);

  read(offset: number, size: AccessSize): number {
    let v = 0;
    for (let i = 0; i < size; i++) {
      const o = (offset + i) & 0x0f;
      const b = o === 2 ? this.regs[2] & ~0x40 : this.regs[o]; // START reads back 0
      v |= b << (8 * i);
    }
    return v >>> 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    for (let i = 0; i < size; i++) {
      const o = (offset + i) & 0x0f;
      const b = (value >>> (8 * i)) & 0xff;
      if (o === 0) {
        this.regs[0] &= ~b; // write-1-to-clear
      } else if (o === 2) {
        this.regs[2] = b;
        if (b & 0x40) this.regs[0] |= 0x04; // START: no slave answers → DEV_ERR
      } else {
        this.regs[o] = b;
      }
    }
  }

  /** Power-on state: every host register 0. */
  reset(): void {
    this.setState((smbusPowerOn ??= new SmbusHost().getState()));
  }

  getState(): SmbusState {
    return { regs: [...this.regs] };
  }

  setState(s: SmbusState): void {
    this.regs = s.regs.slice(0, 16).map((b) => b & 0xff);
    while (this.regs.length < 16) this.regs.push(0);
  }
}

/** Power-on state, made once (setState copies it). */
let smbusPowerOn: SmbusState | null = null;
