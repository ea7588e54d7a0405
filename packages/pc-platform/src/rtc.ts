// Motorola MC146818 RTC + 128 bytes of CMOS RAM on ports 0x70 (index, bit 7 = NMI mask) and 0x71.
// Behaviour follows QEMU hw/rtc/mc146818rtc.c (cmos_ioport_write/read, rtc_set_time,
// rtc_update_time, update_in_progress with UIP held 244 µs before each update, register A
// divider handling, register C read-to-clear, IRQF) and the MC146818A datasheet. Time comes only
// from the virtual clock plus a configurable start date, so runs are deterministic.

import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import { fromBcd, toBcd } from './time.js';
import type { Clock, IrqSink, TimerDevice } from './types.js';

export const RTC_SECONDS = 0x00;
export const RTC_SECONDS_ALARM = 0x01;
export const RTC_MINUTES = 0x02;
export const RTC_MINUTES_ALARM = 0x03;
export const RTC_HOURS = 0x04;
export const RTC_HOURS_ALARM = 0x05;
export const RTC_DAY_OF_WEEK = 0x06;
export const RTC_DAY_OF_MONTH = 0x07;
export const RTC_MONTH = 0x08;
export const RTC_YEAR = 0x09;
export const RTC_REG_A = 0x0a;
export const RTC_REG_B = 0x0b;
export const RTC_REG_C = 0x0c;
export const RTC_REG_D = 0x0d;
export const RTC_CENTURY = 0x32;

const REG_A_UIP = 0x80;
const REG_B_SET = 0x80;
const REG_B_PIE = 0x40;
const REG_B_AIE = 0x20;
const REG_B_UIE = 0x10;
const REG_B_DM = 0x04;
const REG_B_24H = 0x02;
const REG_C_IRQF = 0x80;
const REG_C_PF = 0x40;
const REG_C_AF = 0x20;
const REG_C_UF = 0x10;

const NS_PER_S = 1_000_000_000;
/** QEMU mc146818rtc.c UIP_HOLD_LENGTH: 8 cycles of the 32.768 kHz clock. */
export const UIP_HOLD_NS = Math.floor((8 * NS_PER_S) / 32768);

/** A calendar date/time (UTC, no time zone anywhere in this model). */
export interface RtcDateTime {
  year: number;
  month: number; // 1–12
  day: number; // 1–31
  hour: number;
  minute: number;
  second: number;
}

/** Deterministic default start date. */
export const DEFAULT_RTC_START: RtcDateTime = { year: 2016, month: 5, day: 1, hour: 0, minute: 0, second: 0 };

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of daysFromCivil. */
export function civilFromDays(z: number): { year: number; month: number; day: number } {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function secondsFromDateTime(t: RtcDateTime): number {
  return daysFromCivil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
}

export function dateTimeFromSeconds(s: number): RtcDateTime & { weekday: number } {
  const days = Math.floor(s / 86400);
  let rem = s - days * 86400;
  const { year, month, day } = civilFromDays(days);
  const hour = Math.floor(rem / 3600);
  rem -= hour * 3600;
  const minute = Math.floor(rem / 60);
  // 1970-01-01 was a Thursday; weekday 0 = Sunday.
  const weekday = (((days + 4) % 7) + 7) % 7;
  return { year, month, day, hour, minute, second: rem - minute * 60, weekday };
}

export interface RtcState {
  cmos: number[];
  index: number;
  nmiMasked: boolean;
  /** Guest time while running: secBase + (now - nsBase) / 1e9. */
  secBase: number;
  nsBase: number;
  running: boolean;
  /** Frozen guest time (whole seconds + ns) while stopped. */
  stoppedSec: number;
  stoppedNs: number;
  lastUpdateSec: number;
  /** Periodic interrupt period in 32.768 kHz clocks (0: off) and the virtual ns of its next tick. */
  periodClocks: number;
  nextPeriodicNs: number;
  irqLevel: boolean;
}

export class Rtc implements TimerDevice {
  private readonly cmos = new Uint8Array(128);
  private index = 0;
  private nmiMasked = false;
  private secBase = 0;
  private nsBase = 0;
  private running = true;
  private stoppedSec = 0;
  private stoppedNs = 0;
  /** Last guest second whose update cycle has been accounted for (UF/AF). */
  private lastUpdateSec = 0;
  /** Periodic interrupt (QEMU mc146818rtc.c s->period / s->next_periodic_time). */
  private periodClocks = 0;
  private nextPeriodicNs = 0;
  private irqLevel = false;
  private readonly clock: Clock;
  private readonly irq: IrqSink | null;
  private readonly irqLine: number;

  /** Ports 0x70 (offset 0) and 0x71 (offset 1); 0x72/0x73 alias them as on PIIX. */
  readonly io: IoHandler;
  /** Called when the guest changes the NMI mask (port 0x70 bit 7). */
  onNmiMask: ((masked: boolean) => void) | null = null;

  constructor(opts: { clock: Clock; irq?: IrqSink; irqLine?: number; startDate?: RtcDateTime }) {
    this.clock = opts.clock;
    this.irq = opts.irq ?? null;
    this.irqLine = opts.irqLine ?? 8;
    const start = opts.startDate ?? DEFAULT_RTC_START;
    validateDate(start);
    this.cmos[RTC_REG_A] = 0x26;
    this.cmos[RTC_REG_B] = REG_B_24H;
    this.cmos[RTC_REG_C] = 0;
    this.cmos[RTC_REG_D] = 0x80;
    this.setTime(start);
    this.io = {
      read: (offset: number, size: AccessSize) => {
        if (size !== 1) return size === 2 ? 0xffff : 0xffffffff;
        return (offset & 1) === 0 ? 0xff : this.readData();
      },
      write: (offset: number, size: AccessSize, value: number) => {
        if ((offset & 1) === 0) this.writeIndex(value & 0xff);
        else this.writeData(value & 0xff);
        if (size > 1 && (offset & 1) === 0) this.writeData((value >> 8) & 0xff);
      },
    };
  }

  /** Set the guest wall clock to `t` as of the current virtual time. */
  setTime(t: RtcDateTime): void {
    validateDate(t);
    const now = this.clock.now();
    this.secBase = secondsFromDateTime(t);
    this.nsBase = now;
    this.stoppedSec = this.secBase;
    this.stoppedNs = 0;
    this.lastUpdateSec = this.secBase;
    this.storeTime(this.secBase);
  }

  /** Guest time at `now`, written to gtSec (whole seconds since 1970) and gtNs (sub-second ns);
   * fields instead of a returned tuple so port reads allocate nothing. */
  private gtSec = 0;
  private gtNs = 0;
  private guestTime(now: number): void {
    if (!this.running) {
      this.gtSec = this.stoppedSec;
      this.gtNs = this.stoppedNs;
      return;
    }
    const dt = now - this.nsBase;
    const s = Math.floor(dt / NS_PER_S);
    this.gtSec = this.secBase + s;
    this.gtNs = dt - s * NS_PER_S;
  }

  private guestSec(now: number): number {
    this.guestTime(now);
    return this.gtSec;
  }

  private guestNs(now: number): number {
    this.guestTime(now);
    return this.gtNs;
  }

  /** The guest's current date/time (decoded, independent of BCD/12h mode). */
  now(): RtcDateTime {
    const { weekday: _w, ...t } = dateTimeFromSeconds(this.guestSec(this.clock.now()));
    return t;
  }

  private enc(v: number): number {
    return this.cmos[RTC_REG_B] & REG_B_DM ? v & 0xff : toBcd(v);
  }

  private dec(v: number): number {
    return this.cmos[RTC_REG_B] & REG_B_DM ? v : fromBcd(v);
  }

  private encHour(h: number): number {
    if (this.cmos[RTC_REG_B] & REG_B_24H) return this.enc(h);
    const h12 = h % 12 === 0 ? 12 : h % 12;
    return this.enc(h12) | (h >= 12 ? 0x80 : 0);
  }

  private decHour(v: number): number {
    if (this.cmos[RTC_REG_B] & REG_B_24H) return this.dec(v & 0x7f);
    let h = this.dec(v & 0x7f) % 12;
    if (v & 0x80) h += 12;
    return h;
  }

  /** QEMU rtc_set_cmos: write the time fields (and century) for guest second `s`. */
  private storeTime(s: number): void {
    const t = dateTimeFromSeconds(s);
    this.cmos[RTC_SECONDS] = this.enc(t.second);
    this.cmos[RTC_MINUTES] = this.enc(t.minute);
    this.cmos[RTC_HOURS] = this.encHour(t.hour);
    this.cmos[RTC_DAY_OF_WEEK] = this.enc(t.weekday + 1);
    this.cmos[RTC_DAY_OF_MONTH] = this.enc(t.day);
    this.cmos[RTC_MONTH] = this.enc(t.month);
    this.cmos[RTC_YEAR] = this.enc(t.year % 100);
    this.cmos[RTC_CENTURY] = this.enc(Math.floor(t.year / 100) % 100);
  }

  /** QEMU rtc_get_time: guest seconds described by the time registers. */
  private loadTime(): number {
    const c = this.cmos;
    let month = this.dec(c[RTC_MONTH]);
    let day = this.dec(c[RTC_DAY_OF_MONTH]);
    if (month < 1 || month > 12) month = 1;
    if (day < 1 || day > 31) day = 1;
    const year = this.dec(c[RTC_YEAR]) + this.dec(c[RTC_CENTURY]) * 100;
    const hour = this.decHour(c[RTC_HOURS]);
    return (
      daysFromCivil(year, month, day) * 86400 +
      hour * 3600 +
      this.dec(c[RTC_MINUTES]) * 60 +
      this.dec(c[RTC_SECONDS])
    );
  }

  /** Divider in normal operation (010) and SET clear: the clock counts. QEMU rtc_running. */
  private dividerRunning(): boolean {
    return (this.cmos[RTC_REG_A] & 0x70) <= 0x20;
  }

  private writeIndex(v: number): void {
    this.index = v & 0x7f;
    const masked = (v & 0x80) !== 0;
    if (masked !== this.nmiMasked) {
      this.nmiMasked = masked;
      this.onNmiMask?.(masked);
    }
  }

  get nmiMask(): boolean {
    return this.nmiMasked;
  }

  /** Account for update cycles and periodic ticks up to `now` (sets UF/AF/PF, drives IRQF). */
  private advance(now: number): void {
    if (this.running) {
      const sec = this.guestSec(now);
      if (sec > this.lastUpdateSec) {
        this.cmos[RTC_REG_C] |= REG_C_UF;
        // Alarm: check every second that passed (bounded: a day covers every alarm pattern).
        const from = Math.max(this.lastUpdateSec + 1, sec - 86400);
        for (let s = from; s <= sec; s++) {
          if (this.alarmMatches(s)) {
            this.cmos[RTC_REG_C] |= REG_C_AF;
            break;
          }
        }
        this.lastUpdateSec = sec;
      }
    }
    if (this.periodClocks > 0 && now >= this.nextPeriodicNs) {
      // QEMU rtc_periodic_timer: each tick schedules the next from its own due time. Ticks
      // missed in one jump collapse into one PF (bounded work however far time moved).
      const periodNs = clocksToNs(this.periodClocks);
      const missed = Math.floor((now - this.nextPeriodicNs) / periodNs);
      if (missed > 1) this.nextPeriodicNs += (missed - 1) * periodNs;
      while (now >= this.nextPeriodicNs) this.periodicUpdate(this.nextPeriodicNs, this.periodClocks, false);
      this.cmos[RTC_REG_C] |= REG_C_PF;
    }
    this.updateIrq();
  }

  private alarmMatches(s: number): boolean {
    const t = dateTimeFromSeconds(s);
    const c = this.cmos;
    const dontCare = (v: number) => (v & 0xc0) === 0xc0;
    if (!dontCare(c[RTC_SECONDS_ALARM]) && this.dec(c[RTC_SECONDS_ALARM]) !== t.second) return false;
    if (!dontCare(c[RTC_MINUTES_ALARM]) && this.dec(c[RTC_MINUTES_ALARM]) !== t.minute) return false;
    if (!dontCare(c[RTC_HOURS_ALARM]) && this.decHour(c[RTC_HOURS_ALARM]) !== t.hour) return false;
    return true;
  }

  /** QEMU rtc_periodic_clock_ticks: the period in 32.768 kHz clocks, 0 without PIE or rate. */
  private periodicTicks(): number {
    if (!(this.cmos[RTC_REG_B] & REG_B_PIE)) return 0;
    let code = this.cmos[RTC_REG_A] & 0x0f;
    if (code === 0) return 0;
    if (code <= 2) code += 7;
    return 1 << (code - 1);
  }

  /**
   * QEMU periodic_timer_update (no lost-tick slew): schedule the next tick one period after
   * `now`; when the period was just reprogrammed, count from the last tick instead, so a rate
   * change right after an interrupt keeps the interrupt spacing (at most one period is carried).
   */
  private periodicUpdate(now: number, oldPeriod: number, periodChange: boolean): void {
    const period = this.periodicTicks();
    this.periodClocks = period;
    if (!period) return;
    const curClock = nsToClocks(now);
    let lost = 0;
    if (oldPeriod && periodChange) {
      const last = nsToClocks(this.nextPeriodicNs) - oldPeriod;
      lost = Math.max(0, Math.min(curClock - last, period));
    }
    this.nextPeriodicNs = clocksToNs(curClock + period - lost) + 1;
  }

  private updateIrq(): void {
    const c = this.cmos[RTC_REG_C];
    const want = (c & this.cmos[RTC_REG_B] & (REG_C_PF | REG_C_AF | REG_C_UF)) !== 0;
    if (want) this.cmos[RTC_REG_C] |= REG_C_IRQF;
    if (want !== this.irqLevel) {
      this.irqLevel = want;
      this.irq?.setIrq(this.irqLine, want);
    }
  }

  readData(): number {
    const i = this.index;
    const now = this.clock.now();
    switch (i) {
      case RTC_SECONDS:
      case RTC_MINUTES:
      case RTC_HOURS:
      case RTC_DAY_OF_WEEK:
      case RTC_DAY_OF_MONTH:
      case RTC_MONTH:
      case RTC_YEAR:
        if (this.running) this.storeTime(this.guestSec(now));
        return this.cmos[i];
      case RTC_REG_A: {
        let v = this.cmos[RTC_REG_A] & ~REG_A_UIP;
        if (this.running && this.guestNs(now) >= NS_PER_S - UIP_HOLD_NS) v |= REG_A_UIP;
        return v;
      }
      case RTC_REG_C: {
        this.advance(now);
        const v = this.cmos[RTC_REG_C];
        this.cmos[RTC_REG_C] = 0;
        if (this.irqLevel) {
          this.irqLevel = false;
          this.irq?.setIrq(this.irqLine, false);
        }
        return v;
      }
      default:
        return this.cmos[i];
    }
  }

  writeData(v: number): void {
    const i = this.index;
    const now = this.clock.now();
    switch (i) {
      case RTC_SECONDS_ALARM:
      case RTC_MINUTES_ALARM:
      case RTC_HOURS_ALARM:
        this.advance(now);
        this.cmos[i] = v;
        break;
      case RTC_SECONDS:
      case RTC_MINUTES:
      case RTC_HOURS:
      case RTC_DAY_OF_WEEK:
      case RTC_DAY_OF_MONTH:
      case RTC_MONTH:
      case RTC_YEAR:
        this.cmos[i] = v;
        // Writing while the clock runs sets it at once (QEMU cmos_ioport_write: rtc_set_time).
        if (this.running) this.restartFromRegisters(now, this.guestNs(now));
        break;
      case RTC_REG_A: {
        this.advance(now);
        const rateChanged = ((this.cmos[RTC_REG_A] ^ v) & 0x0f) !== 0;
        const oldPeriod = this.periodicTicks();
        const wasRunning = this.dividerRunning();
        this.cmos[RTC_REG_A] = v & ~REG_A_UIP;
        const isRunning = this.dividerRunning();
        if (wasRunning && !isRunning) this.stop(now);
        else if (!wasRunning && isRunning && !(this.cmos[RTC_REG_B] & REG_B_SET)) {
          // Leaving divider reset: the first update comes 500 ms later (datasheet; QEMU).
          this.restartFromRegisters(now, NS_PER_S / 2);
        }
        if (rateChanged) this.periodicUpdate(now, oldPeriod, true);
        break;
      }
      case RTC_REG_B: {
        this.advance(now);
        const old = this.cmos[RTC_REG_B];
        const oldPeriod = this.periodicTicks();
        let nv = v;
        if (nv & REG_B_SET) nv &= ~REG_B_UIE; // QEMU: UIE is cleared while SET is set
        if (!(old & REG_B_SET) && nv & REG_B_SET) {
          this.stop(now);
        }
        if (this.running && (old ^ nv) & (REG_B_DM | REG_B_24H)) {
          // Re-encode the time registers in the new format.
          this.cmos[RTC_REG_B] = nv;
          this.storeTime(this.guestSec(now));
        }
        this.cmos[RTC_REG_B] = nv;
        if (old & REG_B_SET && !(nv & REG_B_SET) && this.dividerRunning()) {
          this.restartFromRegisters(now, this.stoppedNs);
        }
        if ((old ^ nv) & REG_B_PIE) this.periodicUpdate(now, oldPeriod, true);
        this.updateIrq();
        break;
      }
      case RTC_REG_C:
      case RTC_REG_D:
        break; // read-only
      default:
        this.cmos[i] = v;
        break;
    }
  }

  private stop(now: number): void {
    if (!this.running) return;
    this.guestTime(now);
    const s = this.gtSec;
    this.stoppedSec = s;
    this.stoppedNs = this.gtNs;
    this.storeTime(s);
    this.running = false;
  }

  /** Restart counting from the time registers with the given sub-second phase. */
  private restartFromRegisters(now: number, subNs: number): void {
    const s = this.loadTime();
    this.secBase = s;
    this.nsBase = now - subNs;
    this.running = !(this.cmos[RTC_REG_B] & REG_B_SET) && this.dividerRunning();
    this.stoppedSec = s;
    this.stoppedNs = subNs;
    this.lastUpdateSec = s;
  }

  nextDeadline(): number | null {
    let next: number | null = null;
    const b = this.cmos[RTC_REG_B];
    if (this.running && b & (REG_B_UIE | REG_B_AIE)) {
      const now = this.clock.now();
      next = now - this.guestNs(now) + NS_PER_S;
    }
    if (this.periodClocks > 0 && (next === null || this.nextPeriodicNs < next)) next = this.nextPeriodicNs;
    return next;
  }

  update(now: number): void {
    this.advance(now);
  }

  /** System reset (QEMU mc146818rtc.c rtc_reset): time and CMOS RAM survive; PIE/AIE/SQWE and
   * the register C flags clear and IRQ8 drops. */
  reset(): void {
    this.cmos[RTC_REG_B] &= ~(REG_B_PIE | REG_B_AIE | 0x08);
    this.cmos[RTC_REG_C] = 0;
    this.irqLevel = false;
    this.periodClocks = 0;
  }

  /** Raw CMOS byte access for the host (no side effects). */
  getCmos(index: number): number {
    return this.cmos[index & 0x7f];
  }

  setCmos(index: number, value: number): void {
    if (!Number.isInteger(index) || index < 0 || index > 0x7f)
      throw new Error(`Rtc.setCmos: index ${index} out of range 0..0x7f`);
    this.cmos[index] = value & 0xff;
  }

  getState(): RtcState {
    return {
      cmos: Array.from(this.cmos),
      index: this.index,
      nmiMasked: this.nmiMasked,
      secBase: this.secBase,
      nsBase: this.nsBase,
      running: this.running,
      stoppedSec: this.stoppedSec,
      stoppedNs: this.stoppedNs,
      lastUpdateSec: this.lastUpdateSec,
      periodClocks: this.periodClocks,
      nextPeriodicNs: this.nextPeriodicNs,
      irqLevel: this.irqLevel,
    };
  }

  setState(s: RtcState): void {
    if (!Array.isArray(s.cmos) || s.cmos.length !== 128)
      throw new Error('Rtc.setState: cmos must be 128 bytes');
    this.cmos.set(s.cmos.map((b) => b & 0xff));
    this.index = s.index & 0x7f;
    this.nmiMasked = s.nmiMasked;
    this.secBase = s.secBase;
    this.nsBase = s.nsBase;
    this.running = s.running;
    this.stoppedSec = s.stoppedSec;
    this.stoppedNs = s.stoppedNs;
    this.lastUpdateSec = s.lastUpdateSec;
    this.periodClocks = s.periodClocks;
    this.nextPeriodicNs = s.nextPeriodicNs;
    this.irqLevel = s.irqLevel;
  }
}

const RTC_CLOCK_RATE = 32768;
/** muldiv64(ns, 32768, 1e9), floored as QEMU's (exact: the product outgrows 2^53 within hours). */
const nsToClocks = (ns: number): number =>
  Number((BigInt(Math.floor(ns)) * BigInt(RTC_CLOCK_RATE)) / BigInt(NS_PER_S));
/** QEMU periodic_clock_to_ns: muldiv64(clocks, 1e9, 32768), floored. */
const clocksToNs = (clocks: number): number =>
  Number((BigInt(clocks) * BigInt(NS_PER_S)) / BigInt(RTC_CLOCK_RATE));

function validateDate(t: RtcDateTime): void {
  const ok =
    Number.isInteger(t.year) &&
    t.year >= 1900 &&
    t.year <= 9999 &&
    Number.isInteger(t.month) &&
    t.month >= 1 &&
    t.month <= 12 &&
    Number.isInteger(t.day) &&
    t.day >= 1 &&
    t.day <= 31 &&
    Number.isInteger(t.hour) &&
    t.hour >= 0 &&
    t.hour < 24 &&
    Number.isInteger(t.minute) &&
    t.minute >= 0 &&
    t.minute < 60 &&
    Number.isInteger(t.second) &&
    t.second >= 0 &&
    t.second < 60;
  if (!ok)
    throw new Error(
      `Rtc: invalid start date ${JSON.stringify(t)} (year 1900-9999, month 1-12, day 1-31, hh:mm:ss)`,
    );
}

/** Options for {@link pcCmosInit}. */
export interface PcCmosOptions {
  /** Guest RAM size in bytes. */
  ramSize: number;
  /** Number of CPUs (CMOS 0x5F holds count − 1). Default 1. */
  cpus?: number;
  /** QEMU boot order string (letters a, c, d, n; up to 3). Default 'cad' as QEMU. */
  bootOrder?: string;
  /** Floppy drive types for drives A/B (CMOS 0x10 nibbles; 0 = none, 4 = 1.44 MB). Default none. */
  floppy?: [number, number];
  /** Where RAM is split at 4 GiB. Default: QEMU pc_init1 rules (0xC0000000 for ≥ 3.5 GiB RAM). */
  belowFourGiB?: number;
}

/** RAM below 4 GiB on an i440FX machine (QEMU hw/i386/pc_piix.c pc_init1, gigabyte_align). */
export function i440fxLowMem(ramSize: number): number {
  const lowmem = ramSize >= 0xe0000000 ? 0xc0000000 : 0xe0000000;
  return Math.min(ramSize, lowmem);
}

/**
 * Fill the CMOS bytes a PC BIOS reads, like QEMU hw/i386/pc.c pc_cmos_init / pc_cmos_init_late
 * and set_boot_dev: base/extended memory 0x15–0x18/0x30/0x31, 16M–4G 0x34/0x35, above 4G
 * 0x5B–0x5D, CPU count 0x5F, equipment 0x14, floppy 0x10, boot order 0x3D/0x38, no hard disks.
 */
export function pcCmosInit(rtc: Rtc, opts: PcCmosOptions): void {
  const ram = opts.ramSize;
  if (!Number.isInteger(ram) || ram < 0x100000)
    throw new Error(`pcCmosInit: ramSize ${ram} must be an integer ≥ 1 MiB`);
  const below = opts.belowFourGiB ?? i440fxLowMem(ram);
  const above = ram - below;
  const KiB = 1024;
  const MiB = 1024 * 1024;
  let val = Math.min(Math.floor(below / KiB), 640);
  rtc.setCmos(0x15, val & 0xff);
  rtc.setCmos(0x16, val >> 8);
  val = below > MiB ? Math.floor((below - MiB) / KiB) : 0;
  val = Math.min(val, 65535);
  rtc.setCmos(0x17, val & 0xff);
  rtc.setCmos(0x18, val >> 8);
  rtc.setCmos(0x30, val & 0xff);
  rtc.setCmos(0x31, val >> 8);
  val = below > 16 * MiB ? Math.floor((below - 16 * MiB) / (64 * KiB)) : 0;
  val = Math.min(val, 65535);
  rtc.setCmos(0x34, val & 0xff);
  rtc.setCmos(0x35, val >> 8);
  val = Math.floor(above / 65536);
  rtc.setCmos(0x5b, val & 0xff);
  rtc.setCmos(0x5c, (val >> 8) & 0xff);
  rtc.setCmos(0x5d, Math.floor(val / 65536) & 0xff);
  const cpus = opts.cpus ?? 1;
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > 255)
    throw new Error(`pcCmosInit: cpus ${cpus} must be 1..255`);
  rtc.setCmos(0x5f, cpus - 1);
  setBootOrder(rtc, opts.bootOrder ?? 'cad');
  const [fa, fb] = opts.floppy ?? [0, 0];
  rtc.setCmos(0x10, ((fa & 0xf) << 4) | (fb & 0xf));
  // Equipment byte: FPU present, PS/2 mouse port; floppy count in bits 6-7 + bit 0.
  let equip = 0x02 | 0x04;
  const nfd = (fa ? 1 : 0) + (fb ? 1 : 0);
  if (nfd > 0) equip |= 0x01 | ((nfd - 1) << 6);
  rtc.setCmos(0x14, equip);
  // No hard disks (pc_cmos_init_late: 0x12 types, 0x19/0x1A extended types, 0x39 translation).
  rtc.setCmos(0x12, 0);
  rtc.setCmos(0x19, 0);
  rtc.setCmos(0x1a, 0);
  rtc.setCmos(0x39, 0);
}

/** QEMU hw/i386/pc.c set_boot_dev: nibbles a=1 c=2 d=3 n=4; 0x38 bit 0 = skip floppy signature check. */
export function setBootOrder(rtc: Rtc, order: string, fdBootCheck = true): void {
  if (order.length > 3) throw new Error(`setBootOrder: at most 3 boot devices, got '${order}'`);
  const nib: number[] = [0, 0, 0];
  for (let i = 0; i < order.length; i++) {
    const n = { a: 1, c: 2, d: 3, n: 4 }[order[i]];
    if (n === undefined) throw new Error(`setBootOrder: invalid boot device '${order[i]}' at offset ${i}`);
    nib[i] = n;
  }
  rtc.setCmos(0x3d, (nib[1] << 4) | nib[0]);
  rtc.setCmos(0x38, (nib[2] << 4) | (fdBootCheck ? 0 : 1));
}
