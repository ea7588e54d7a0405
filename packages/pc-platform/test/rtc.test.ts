import { describe, expect, it } from 'vitest';
import { civilFromDays, daysFromCivil, pcCmosInit, Rtc, UIP_HOLD_NS } from '../src/rtc.js';
import { ManualClock, RecordingIrq, TestIo } from './helpers.js';

function setup(startDate?: ConstructorParameters<typeof Rtc>[0]['startDate']) {
  const clock = new ManualClock();
  const irq = new RecordingIrq();
  const rtc = new Rtc({ clock, irq, startDate });
  const io = new TestIo();
  io.map(0x70, 2, rtc.io);
  const rd = (i: number) => {
    io.out8(0x70, i | 0x80);
    return io.in8(0x71);
  };
  const wr = (i: number, v: number) => {
    io.out8(0x70, i | 0x80);
    io.out8(0x71, v);
  };
  return { clock, irq, rtc, io, rd, wr };
}

describe('civil calendar', () => {
  it('round-trips days', () => {
    for (let d = -800000; d < 800000; d += 997) {
      const c = civilFromDays(d);
      expect(daysFromCivil(c.year, c.month, c.day)).toBe(d);
    }
    expect(daysFromCivil(2016, 5, 1)).toBe(16922);
  });
});

describe('MC146818 RTC', () => {
  it('has QEMU power-on registers and a deterministic default date', () => {
    const { rd, io } = setup();
    expect(rd(0x0a)).toBe(0x26);
    expect(rd(0x0b)).toBe(0x02);
    expect(rd(0x0c)).toBe(0x00);
    expect(rd(0x0d)).toBe(0x80);
    expect([rd(9), rd(8), rd(7), rd(4), rd(2), rd(0)]).toEqual([0x16, 0x05, 0x01, 0, 0, 0]);
    expect(rd(0x32)).toBe(0x20);
    expect(rd(6)).toBe(1); // 2016-05-01 was a Sunday
    expect(io.in8(0x70)).toBe(0xff); // index port is write-only
  });

  it('advances with the virtual clock, BCD and binary, 24h and 12h', () => {
    const { clock, rd, wr } = setup({ year: 2099, month: 12, day: 31, hour: 23, minute: 59, second: 58 });
    clock.t = 3e9; // +3 s → 2100-01-01 00:00:01
    // century (0x32) is refreshed when a time register is read (QEMU rtc_update_time)
    expect([rd(9), rd(8), rd(7), rd(4), rd(2), rd(0), rd(0x32)]).toEqual([0x00, 0x01, 0x01, 0, 0, 1, 0x21]);
    wr(0x0b, 0x06); // binary, 24h
    clock.t = 3e9 + 13 * 3600e9; // 13:00:01
    expect(rd(4)).toBe(13);
    wr(0x0b, 0x04); // binary 12h
    expect(rd(4)).toBe(0x81); // 1 PM
    wr(0x0b, 0x00); // BCD 12h
    expect(rd(4)).toBe(0x81);
  });

  it('sets time while SET is held and restarts counting on release', () => {
    const { clock, rd, wr } = setup();
    wr(0x0b, 0x82);
    wr(0x04, 0x12);
    wr(0x02, 0x34);
    wr(0x00, 0x56);
    clock.t += 5e9;
    expect(rd(0)).toBe(0x56); // frozen
    wr(0x0b, 0x02);
    clock.t += 2e9;
    expect([rd(4), rd(2), rd(0)]).toEqual([0x12, 0x34, 0x58]);
  });

  it('holds UIP for 244 µs before each update', () => {
    const { clock, rd } = setup();
    clock.t = 1e9 - UIP_HOLD_NS - 1;
    expect(rd(0x0a) & 0x80).toBe(0);
    clock.t = 1e9 - UIP_HOLD_NS + 1;
    expect(rd(0x0a) & 0x80).toBe(0x80);
    clock.t = 1e9 + 1;
    expect(rd(0x0a) & 0x80).toBe(0);
  });

  it('update-ended interrupt on IRQ8 with register C read-to-clear', () => {
    const { clock, irq, rtc, rd, wr } = setup();
    wr(0x0b, 0x12); // UIE
    const d = rtc.nextDeadline();
    expect(d).toBe(1e9);
    clock.t = 1e9;
    rtc.update(clock.t);
    expect(irq.levels[8]).toBe(true);
    expect(rd(0x0c)).toBe(0x90);
    expect(irq.levels[8]).toBe(false);
    expect(rd(0x0c)).toBe(0);
  });

  it('periodic interrupt at the register A rate (1024 Hz for 0x26)', () => {
    const { clock, irq, rtc, rd, wr } = setup();
    wr(0x0b, 0x42);
    const d = rtc.nextDeadline() as number;
    expect(d).toBe(Math.ceil(1e9 / 1024));
    clock.t = Math.ceil(d);
    rtc.update(clock.t);
    expect(irq.levels[8]).toBe(true);
    expect(rd(0x0c) & 0xc0).toBe(0xc0);
  });

  it('a rate change right after a tick counts the new period from that tick (QEMU periodic_timer_update)', () => {
    // QEMU's rtc-test periodic/interrupt alternates 8 Hz and 2 Hz after each interrupt and expects
    // 50 × (125 ms + 500 ms); an RTC that re-aligns ticks to multiples of the new period fails it.
    const { clock, rtc, rd, wr } = setup();
    wr(0x0a, 0x2d); // 8 Hz (4096 clocks)
    wr(0x0b, 0x42); // PIE
    let t = rtc.nextDeadline() as number;
    expect(t).toBe(125_000_000 + 1);
    clock.t = t;
    rtc.update(t);
    expect(rd(0x0c) & 0x40).toBe(0x40);
    wr(0x0a, 0x2f); // 2 Hz, right after the tick
    t = rtc.nextDeadline() as number;
    expect(t - clock.t).toBeGreaterThanOrEqual(500_000_000 - 31_000); // one 32 kHz clock of rounding
    expect(t - clock.t).toBeLessThanOrEqual(500_000_000 + 1);
  });

  it('alarm interrupt with don’t-care fields', () => {
    const { clock, irq, rtc, wr } = setup();
    wr(0x05, 0xc0);
    wr(0x03, 0xc0);
    wr(0x01, 0x05); // every minute at :05
    wr(0x0b, 0x22);
    clock.t = 4e9;
    rtc.update(clock.t);
    expect(irq.levels[8]).toBe(false);
    clock.t = 5e9;
    rtc.update(clock.t);
    expect(irq.levels[8]).toBe(true);
  });

  it('port 0x70 bit 7 is the NMI mask', () => {
    const { rtc, io } = setup();
    const seen: boolean[] = [];
    rtc.onNmiMask = (m) => seen.push(m);
    io.out8(0x70, 0x8f);
    expect(rtc.nmiMask).toBe(true);
    io.out8(0x70, 0x0f);
    expect(seen).toEqual([true, false]);
  });

  it('pcCmosInit fills the memory, CPU and boot-order bytes like QEMU for 128 MiB', () => {
    const { rtc, rd } = setup();
    pcCmosInit(rtc, { ramSize: 128 * 1024 * 1024 });
    expect(rd(0x15) | (rd(0x16) << 8)).toBe(640);
    expect(rd(0x30) | (rd(0x31) << 8)).toBe(65535); // capped like QEMU
    expect(rd(0x17) | (rd(0x18) << 8)).toBe(65535);
    expect(rd(0x34) | (rd(0x35) << 8)).toBe((112 * 1024 * 1024) / 65536);
    expect([rd(0x5b), rd(0x5c), rd(0x5d)]).toEqual([0, 0, 0]);
    expect(rd(0x5f)).toBe(0);
    expect(rd(0x38)).toBe(0x30); // as in the QEMU trace
    expect(rd(0x3d)).toBe(0x12);
    expect(rd(0x10)).toBe(0);
    pcCmosInit(rtc, { ramSize: 6 * 1024 * 1024 * 1024, cpus: 4 });
    expect(rd(0x5b) | (rd(0x5c) << 8) | (rd(0x5d) << 16)).toBe((3 * 1024 * 1024 * 1024) / 65536);
    expect(rd(0x34) | (rd(0x35) << 8)).toBe(65535 & ((0xc0000000 - 16 * 1024 * 1024) / 65536));
    expect(rd(0x5f)).toBe(3);
    expect(() => pcCmosInit(rtc, { ramSize: 1000 })).toThrow(/ramSize/);
  });

  it('state round-trips', () => {
    const { clock, rtc } = setup();
    clock.t = 7.5e9;
    const other = new Rtc({ clock });
    other.setState(JSON.parse(JSON.stringify(rtc.getState())));
    expect(other.now()).toEqual(rtc.now());
    expect(other.getState()).toEqual(rtc.getState());
  });
});
