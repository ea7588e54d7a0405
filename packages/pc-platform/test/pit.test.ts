import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PIT_HZ, Pit } from '../src/pit.js';
import { nsToTicks, ticksToNs } from '../src/time.js';
import { ManualClock, RecordingIrq, TestIo } from './helpers.js';

function setup() {
  const clock = new ManualClock();
  const irq = new RecordingIrq();
  const pit = new Pit({ clock, irq });
  const io = new TestIo();
  io.map(0x40, 4, pit.io);
  io.map(0x61, 1, pit.port61);
  return { clock, irq, pit, io };
}

const tickNs = (t: number) => ticksToNs(t, PIT_HZ);

describe('tick conversions', () => {
  it('ticksToNs is the least ns with that many ticks elapsed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (t) => {
        const ns = ticksToNs(t, PIT_HZ);
        expect(nsToTicks(ns, PIT_HZ)).toBeGreaterThanOrEqual(t);
        if (ns > 0) expect(nsToTicks(ns - 1, PIT_HZ)).toBeLessThan(t);
      }),
    );
  });
});

describe('8254 PIT', () => {
  it('channel 0 mode 2 (SeaBIOS 0x34, count 0) raises IRQ0 at 18.2 Hz', () => {
    const { clock, irq, pit, io } = setup();
    io.out8(0x43, 0x34);
    io.out8(0x40, 0);
    io.out8(0x40, 0);
    const rises0 = irq.rises(0);
    const d1 = pit.nextDeadline();
    expect(d1).toBe(tickNs(0x10000));
    clock.t = d1 as number;
    pit.update(clock.t);
    expect(irq.rises(0)).toBe(rises0 + 1);
    expect(pit.nextDeadline()).toBe(tickNs(0x20000));
    // one second of virtual time → ~18 periods
    let n = 0;
    for (;;) {
      const d = pit.nextDeadline() as number;
      if (d > 1e9) break;
      clock.t = d;
      pit.update(d);
      n++;
    }
    expect(irq.rises(0)).toBe(rises0 + 1 + n);
    expect(1 + n).toBe(Math.floor(PIT_HZ / 0x10000));
  });

  it('counts down and latches (mode 2, lobyte/hibyte)', () => {
    const { clock, io } = setup();
    io.out8(0x43, 0x34);
    io.out8(0x40, 0x00);
    io.out8(0x40, 0x10); // 0x1000
    clock.t = tickNs(0x100);
    io.out8(0x43, 0x00); // latch channel 0
    clock.t = tickNs(0x200); // later reads still see the latched value
    expect(io.in8(0x40) | (io.in8(0x40) << 8)).toBe(0x1000 - 0x100);
    expect(io.in8(0x40) | (io.in8(0x40) << 8)).toBe(0x1000 - 0x200);
  });

  it('read-back returns status then count', () => {
    const { clock, io } = setup();
    io.out8(0x43, 0xb0); // ch2, lo/hi, mode 0
    io.out8(0x42, 0x34);
    io.out8(0x42, 0x12);
    clock.t = tickNs(0x10);
    io.out8(0x43, 0xc8); // read-back count+status of channel 2
    expect(io.in8(0x42)).toBe(0x30); // OUT low, rw 3, mode 0, binary
    expect(io.in8(0x42) | (io.in8(0x42) << 8)).toBe(0x1234 - 0x10);
  });

  it('lobyte-only and hibyte-only access modes', () => {
    const { clock, io } = setup();
    io.out8(0x43, 0x54); // ch1 lobyte mode 2
    io.out8(0x41, 0x80);
    clock.t = tickNs(0x10);
    expect(io.in8(0x41)).toBe(0x70);
    io.out8(0x43, 0x64); // ch1 hibyte mode 2
    io.out8(0x41, 0x02); // count 0x200
    clock.t += tickNs(0x100);
    expect(io.in8(0x41)).toBe(0x01);
  });

  it('BCD counting', () => {
    const { clock, io } = setup();
    io.out8(0x43, 0x35); // ch0 lo/hi mode 2 BCD
    io.out8(0x40, 0x00);
    io.out8(0x40, 0x10); // 1000 decimal
    clock.t = tickNs(1);
    io.out8(0x43, 0x00);
    expect(io.in8(0x40)).toBe(0x99);
    expect(io.in8(0x40)).toBe(0x09); // 999
  });

  it('OUT2 rises in virtual time for the SeaBIOS TSC calibration loop (port 0x61 bit 5)', () => {
    const { clock, io } = setup();
    const orig = io.in8(0x61);
    io.out8(0x61, (orig & ~0x02) | 0x01); // gate on, speaker off
    io.out8(0x43, 0xb0); // ch2 mode 0 lo/hi
    io.out8(0x42, 0x9c); // CALIBRATE_COUNT 0x349c (SeaBIOS timer.c)
    io.out8(0x42, 0x34);
    expect(io.in8(0x61) & 0x20).toBe(0);
    let polls = 0;
    while ((io.in8(0x61) & 0x20) === 0) {
      clock.advance(1000); // the machine advances time as instructions retire
      polls++;
      if (polls > 1e6) throw new Error('OUT2 never rose');
    }
    expect(clock.t).toBeGreaterThanOrEqual(tickNs(0x349c));
    expect(clock.t).toBeLessThan(tickNs(0x349c) + 1000);
    expect(io.in8(0x61) & 0x01).toBe(1);
  });

  it('port 0x61 bit 4 toggles every 15.085 µs', () => {
    const { clock, io } = setup();
    const a = io.in8(0x61) & 0x10;
    clock.advance(15_085);
    const b = io.in8(0x61) & 0x10;
    expect(a ^ b).toBe(0x10);
    io.out8(0x61, 0x02);
    expect(io.in8(0x61) & 0x03).toBe(0x02);
  });

  it('mode 3 square wave and mode 1 gate trigger on channel 2', () => {
    const { clock, io, pit } = setup();
    io.out8(0x43, 0xb6); // ch2 mode 3
    io.out8(0x42, 100);
    io.out8(0x42, 0);
    io.out8(0x61, 0x01);
    clock.t = tickNs(10);
    expect(pit.out(2)).toBe(true);
    clock.t = tickNs(60);
    expect(pit.out(2)).toBe(false);
    clock.t = tickNs(100);
    expect(pit.out(2)).toBe(true);
    // mode 1: output low after trigger for `count` clocks
    io.out8(0x61, 0x00);
    io.out8(0x43, 0xb2);
    io.out8(0x42, 50);
    io.out8(0x42, 0);
    clock.t += tickNs(100);
    expect(pit.out(2)).toBe(true); // not triggered yet
    io.out8(0x61, 0x01); // rising gate triggers
    const t0 = clock.t;
    clock.t = t0 + tickNs(10);
    expect(pit.out(2)).toBe(false);
    clock.t = t0 + tickNs(51);
    expect(pit.out(2)).toBe(true);
  });

  it('mode 0 one-shot on channel 0 interrupts once', () => {
    const { clock, irq, io, pit } = setup();
    io.out8(0x43, 0x30);
    io.out8(0x40, 100);
    io.out8(0x40, 0);
    const before = irq.rises(0);
    const d = pit.nextDeadline() as number;
    expect(d).toBe(tickNs(100));
    clock.t = d;
    pit.update(d);
    expect(irq.rises(0)).toBe(before + 1);
    expect(pit.nextDeadline()).toBeNull();
  });

  it('state round-trips', () => {
    const { clock, io, pit } = setup();
    io.out8(0x43, 0x34);
    io.out8(0x40, 0x00);
    io.out8(0x40, 0x10);
    clock.t = tickNs(5);
    const st = JSON.parse(JSON.stringify(pit.getState()));
    const other = new Pit({ clock });
    other.setState(st);
    expect(other.out(0)).toBe(pit.out(0));
    expect(other.getState()).toEqual(pit.getState());
  });
});

describe('8254 power-on state', () => {
  it('matches QEMU pit_reset_common: mode 3, count 0x10000, counting, IRQ0 toggling', () => {
    const clock = new ManualClock();
    const irq = new RecordingIrq();
    const pit = new Pit({ clock, irq });
    const io = new TestIo();
    io.map(0x40, 4, pit.io);
    io.out8(0x43, 0xc2); // read-back status of channel 0
    expect(io.in8(0x40)).toBe(0x80 | (3 << 1)); // OUT high, mode 3, rw 0
    expect(irq.levels[0]).toBe(true);
    const half = ticksToNs(0x8000, PIT_HZ);
    clock.t = half;
    pit.update(half);
    expect(irq.levels[0]).toBe(false);
    expect(pit.nextDeadline()).toBe(tickNs(0x10000));
  });
});
