// Intel 8254 programmable interval timer (ports 0x40–0x43) at 1.193182 MHz on the virtual clock,
// plus the port 0x61 "system control port B" (gate/speaker/refresh/OUT2).
// Register semantics follow QEMU hw/timer/i8254.c (pit_ioport_write/read, pit_latch_count,
// read-back) and hw/timer/i8254_common.c (pit_get_out, pit_get_next_transition_time); the output
// waveforms follow the Intel 8254 datasheet (mode 2 is low for the final clock of each period,
// mode 3 is a square wave, modes 1/5 are gate triggered). Port 0x61 follows QEMU hw/audio/pcspk.c
// (bit 0 gate 2, bit 1 speaker data, bit 4 refresh toggle every 15.085 µs, bit 5 OUT2).

import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import { fromBcd, nsToTicks, ticksToNs, toBcd } from './time.js';
import type { Clock, IrqSink, TimerDevice } from './types.js';

export const PIT_HZ = 1_193_182;
/** QEMU hw/audio/pcspk.c PIT_REFRESH_INTERVAL / DRAM refresh period (15.085 µs). */
export const REFRESH_INTERVAL_NS = 15_085;

// Access modes (control word bits 5-4): 1 = LSB only (the default branches below), 2 = MSB only,
// 3 = LSB then MSB (WORD0/WORD1 track which half comes next).
const RW_MSB = 2;
const RW_WORD0 = 3;
const RW_WORD1 = 4;

export interface PitChannelState {
  count: number;
  latchedCount: number;
  countLatched: number;
  statusLatched: boolean;
  status: number;
  readState: number;
  writeState: number;
  writeLatch: number;
  rwMode: number;
  mode: number;
  bcd: boolean;
  gate: boolean;
  /** Virtual ns when counting (re)started; meaningful only when `running`. */
  loadTime: number;
  /** A count has been written since the last control word (and for modes 1/5, triggered). */
  running: boolean;
  /** Modes 1/5: count written but no gate trigger yet. */
  armed: boolean;
  /** Counter value held while counting is suspended (mode 0/2/3/4 with gate low). */
  frozen: number;
}

export interface PitState {
  channels: PitChannelState[];
  speakerData: boolean;
  /** Last OUT0 level driven onto IRQ0 and the time up to which IRQ0 edges were delivered. */
  irqLevel: boolean;
  irqTime: number;
}

class Channel {
  // Power-on state as QEMU hw/timer/i8254_common.c pit_reset_common: mode 3, count 0x10000,
  // counting from reset (channel 2's gate is low but QEMU counts it anyway).
  count = 0x10000;
  latchedCount = 0;
  countLatched = 0;
  statusLatched = false;
  status = 0;
  // Access mode 0 until the first control word (zeroed state in QEMU; accesses act as LSB).
  readState = 0;
  writeState = 0;
  writeLatch = 0;
  rwMode = 0;
  mode = 3;
  bcd = false;
  gate: boolean;
  loadTime: number;
  running = true;
  armed = false;
  frozen = 0;

  constructor(gate: boolean, now: number) {
    this.gate = gate;
    this.loadTime = now;
  }

  /** Counter clocks elapsed since counting started. */
  elapsed(now: number): number {
    return now > this.loadTime ? nsToTicks(now - this.loadTime, PIT_HZ) : 0;
  }

  /** Current counting-element value (binary 1..count, or 0..0xffff for one-shot modes). */
  counter(now: number): number {
    if (!this.running) return this.frozen;
    const d = this.elapsed(now);
    const n = this.count;
    switch (this.mode) {
      case 2:
        return n - (d % n);
      case 3: {
        // Decrements by two each clock (QEMU pit_get_count mode 3).
        return n - ((2 * d) % n);
      }
      default: {
        // Modes 0/1/4/5 wrap through 0 after terminal count.
        const modulus = this.bcd ? 10000 : 0x10000;
        return (((n - d) % modulus) + modulus) % modulus;
      }
    }
  }

  out(now: number): boolean {
    if (!this.running) {
      // After a control word: OUT low in mode 0, high otherwise (8254 datasheet).
      return this.mode !== 0;
    }
    const d = this.elapsed(now);
    const n = this.count;
    switch (this.mode) {
      case 0:
        return d >= n;
      case 1:
        return d >= n;
      case 2:
        return d % n !== n - 1 || n === 1;
      case 3:
        return d % n < (n + 1) >> 1;
      default:
        // Modes 4/5: one low clock at terminal count.
        return d !== n;
    }
  }

  /** Next time strictly after `now` at which OUT rises (virtual ns), or null. */
  nextRise(now: number): number | null {
    if (!this.running) return null;
    const d = this.elapsed(now);
    const n = this.count;
    let t: number;
    switch (this.mode) {
      case 0:
      case 1:
        if (d >= n) return null;
        t = n;
        break;
      case 2:
      case 3:
        t = (Math.floor(d / n) + 1) * n;
        break;
      default:
        if (d > n) return null;
        t = n + 1;
        break;
    }
    return this.loadTime + ticksToNs(t, PIT_HZ);
  }

  getState(): PitChannelState {
    return {
      count: this.count,
      latchedCount: this.latchedCount,
      countLatched: this.countLatched,
      statusLatched: this.statusLatched,
      status: this.status,
      readState: this.readState,
      writeState: this.writeState,
      writeLatch: this.writeLatch,
      rwMode: this.rwMode,
      mode: this.mode,
      bcd: this.bcd,
      gate: this.gate,
      loadTime: this.loadTime,
      running: this.running,
      armed: this.armed,
      frozen: this.frozen,
    };
  }

  setState(s: PitChannelState): void {
    this.count = s.count >= 1 && s.count <= 0x10000 ? s.count : 0x10000;
    this.latchedCount = s.latchedCount & 0xffff;
    this.countLatched = s.countLatched;
    this.statusLatched = s.statusLatched;
    this.status = s.status & 0xff;
    this.readState = s.readState;
    this.writeState = s.writeState;
    this.writeLatch = s.writeLatch & 0xff;
    this.rwMode = s.rwMode;
    this.mode = s.mode & 7;
    this.bcd = s.bcd;
    this.gate = s.gate;
    this.loadTime = s.loadTime;
    this.running = s.running;
    this.armed = s.armed;
    this.frozen = s.frozen & 0xffff;
  }
}

/** 8254 PIT. Channel 0 drives IRQ0; channel 2's gate and OUT are reached through port 0x61. */
export class Pit implements TimerDevice {
  private readonly ch: Channel[];
  private speakerData = false;
  private irqLevel = false;
  private irqTime = 0;
  private readonly clock: Clock;
  private readonly irq: IrqSink | null;

  /** Ports 0x40–0x43 (offsets 0–3). */
  readonly io: IoHandler;
  /** Port 0x61 (offset 0). */
  readonly port61: IoHandler;

  constructor(opts: { clock: Clock; irq?: IrqSink }) {
    this.clock = opts.clock;
    this.irq = opts.irq ?? null;
    const now = this.clock.now();
    this.ch = [new Channel(true, now), new Channel(true, now), new Channel(false, now)];
    this.irqTime = now;
    this.syncIrq(now);
    this.io = {
      read: (offset: number, _size: AccessSize) => this.readPort(offset & 3),
      write: (offset: number, _size: AccessSize, value: number) => this.writePort(offset & 3, value & 0xff),
    };
    this.port61 = {
      read: (_offset: number, _size: AccessSize) => this.readPort61(),
      write: (_offset: number, _size: AccessSize, value: number) => this.writePort61(value & 0xff),
    };
  }

  readPort(port: number): number {
    if (port === 3) return 0xff; // control word register is write-only (QEMU returns all-ones)
    const s = this.ch[port];
    if (s.statusLatched) {
      s.statusLatched = false;
      return s.status;
    }
    if (s.countLatched) {
      switch (s.countLatched) {
        case RW_MSB:
          s.countLatched = 0;
          return (s.latchedCount >> 8) & 0xff;
        case RW_WORD0:
          s.countLatched = RW_MSB;
          return s.latchedCount & 0xff;
        default:
          s.countLatched = 0;
          return s.latchedCount & 0xff;
      }
    }
    const count = this.visibleCount(s);
    switch (s.readState) {
      case RW_MSB:
        return (count >> 8) & 0xff;
      case RW_WORD0:
        s.readState = RW_WORD1;
        return count & 0xff;
      case RW_WORD1:
        s.readState = RW_WORD0;
        return (count >> 8) & 0xff;
      default:
        return count & 0xff;
    }
  }

  /** Counter as the guest sees it (BCD-encoded in BCD mode; 0x10000 reads as 0). */
  private visibleCount(s: Channel): number {
    const c = s.counter(this.clock.now()) & 0xffff;
    if (!s.bcd) return c;
    const dec = c % 10000;
    return (toBcd(Math.floor(dec / 100)) << 8) | toBcd(dec % 100);
  }

  writePort(port: number, val: number): void {
    const now = this.clock.now();
    if (port === 3) {
      const channel = val >> 6;
      if (channel === 3) {
        // Read-back command: bit 5 = don't latch count, bit 4 = don't latch status.
        for (let i = 0; i < 3; i++) {
          if (!(val & (2 << i))) continue;
          const s = this.ch[i];
          if (!(val & 0x20)) this.latch(s);
          if (!(val & 0x10) && !s.statusLatched) {
            const nullCount = s.running ? 0 : 0x40;
            s.status =
              ((s.out(now) ? 1 : 0) << 7) | nullCount | (s.rwMode << 4) | (s.mode << 1) | (s.bcd ? 1 : 0);
            s.statusLatched = true;
          }
        }
        return;
      }
      const s = this.ch[channel];
      const access = (val >> 4) & 3;
      if (access === 0) {
        this.latch(s);
        return;
      }
      this.syncIrq(now);
      s.rwMode = access;
      s.readState = access;
      s.writeState = access;
      let mode = (val >> 1) & 7;
      if (mode >= 6) mode -= 4; // modes 6/7 are aliases of 2/3
      s.mode = mode;
      s.bcd = (val & 1) !== 0;
      s.frozen = s.running ? s.counter(now) & 0xffff : s.frozen;
      s.running = false;
      s.armed = false;
      if (channel === 0) this.syncIrq(now);
      return;
    }
    const s = this.ch[port];
    switch (s.writeState) {
      case RW_MSB:
        this.load(port, val << 8, now);
        break;
      case RW_WORD0:
        s.writeLatch = val;
        s.writeState = RW_WORD1;
        break;
      case RW_WORD1:
        s.writeState = RW_WORD0;
        this.load(port, s.writeLatch | (val << 8), now);
        break;
      default:
        this.load(port, val, now);
        break;
    }
  }

  private latch(s: Channel): void {
    if (!s.countLatched) {
      s.latchedCount = this.visibleCount(s);
      s.countLatched = s.rwMode;
    }
  }

  private load(index: number, raw: number, now: number): void {
    const s = this.ch[index];
    if (index === 0) this.syncIrq(now);
    let n: number;
    if (s.bcd) {
      n = fromBcd((raw >> 8) & 0xff) * 100 + fromBcd(raw & 0xff);
      if (n === 0) n = 10000;
    } else {
      n = raw === 0 ? 0x10000 : raw;
    }
    s.count = n;
    if (s.mode === 1 || s.mode === 5) {
      // Gate-triggered modes wait for a rising gate edge (datasheet); a new count while counting
      // takes effect at the next trigger.
      if (!s.running) s.armed = true;
      s.frozen = n & 0xffff;
    } else if ((s.mode === 2 || s.mode === 3) && s.running) {
      // Periodic modes: the new count is used from the next period (datasheet); QEMU reloads
      // immediately, which is what firmware expects too.
      s.loadTime = now;
    } else {
      s.loadTime = now;
      s.running = s.gate || s.mode === 0 || s.mode === 4;
      if (!s.running) s.frozen = n & 0xffff;
    }
    if (index === 0) this.syncIrq(now);
  }

  /** Channel gate input (channel 2 via port 0x61 bit 0; channels 0/1 are tied high). */
  setGate(index: number, gate: boolean): void {
    const s = this.ch[index];
    const now = this.clock.now();
    if (index === 0) this.syncIrq(now);
    const rising = gate && !s.gate;
    switch (s.mode) {
      case 1:
      case 5:
        if (rising && (s.armed || s.running)) {
          s.loadTime = now;
          s.running = true;
          s.armed = false;
        }
        break;
      case 2:
      case 3:
        if (rising && (s.running || s.frozen !== 0)) {
          s.loadTime = now;
          s.running = true;
        } else if (!gate && s.running) {
          // Gate low stops counting and forces OUT high; the count reloads on the next rise.
          s.frozen = s.count & 0xffff;
          s.running = false;
        }
        break;
      default:
        // Modes 0/4: QEMU only records the gate ("XXX: just disable/enable counting").
        break;
    }
    s.gate = gate;
    if (index === 0) this.syncIrq(now);
  }

  readPort61(): number {
    const now = this.clock.now();
    const refresh = Math.floor(now / REFRESH_INTERVAL_NS) & 1;
    const out2 = this.ch[2].out(now) ? 1 : 0;
    return (this.ch[2].gate ? 1 : 0) | (this.speakerData ? 2 : 0) | (refresh << 4) | (out2 << 5);
  }

  writePort61(val: number): void {
    this.speakerData = (val & 2) !== 0;
    this.setGate(2, (val & 1) !== 0);
  }

  /** OUT level of a channel now. */
  out(index: number): boolean {
    return this.ch[index].out(this.clock.now());
  }

  /** Drive IRQ0 from OUT0 up to `now`, delivering the rising edge of every elapsed period once. */
  private syncIrq(now: number): void {
    if (!this.irq) return;
    const c = this.ch[0];
    const rise = c.nextRise(this.irqTime);
    if (rise !== null && rise <= now) {
      // At least one rising edge happened since the last sync: pulse the line so the PIC latches it.
      // Missed edges beyond one collapse into one, like lost ticks on real hardware.
      if (this.irqLevel) this.irq.setIrq(0, false);
      this.irq.setIrq(0, true);
      this.irqLevel = true;
    }
    const level = c.out(now);
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq.setIrq(0, level);
    }
    this.irqTime = now;
  }

  nextDeadline(): number | null {
    if (!this.irq) return null;
    return this.ch[0].nextRise(this.irqTime);
  }

  update(now: number): void {
    this.syncIrq(now);
  }

  reset(): void {
    const now = this.clock.now();
    for (let i = 0; i < 3; i++) this.ch[i].setState(new Channel(i !== 2, now).getState());
    this.speakerData = false;
    this.irqTime = now;
    // The PIC is reset with the rest of the machine; drive OUT0's power-on level afresh.
    this.irqLevel = false;
    this.syncIrq(now);
  }

  getState(): PitState {
    return {
      channels: this.ch.map((c) => c.getState()),
      speakerData: this.speakerData,
      irqLevel: this.irqLevel,
      irqTime: this.irqTime,
    };
  }

  setState(state: PitState): void {
    if (!Array.isArray(state.channels) || state.channels.length !== 3) {
      throw new Error('Pit.setState: channels must be an array of 3 channel states');
    }
    for (let i = 0; i < 3; i++) this.ch[i].setState(state.channels[i]);
    this.speakerData = state.speakerData;
    this.irqLevel = state.irqLevel;
    this.irqTime = state.irqTime;
  }
}
