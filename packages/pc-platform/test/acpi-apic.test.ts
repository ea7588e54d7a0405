import { describe, expect, it } from 'vitest';
import { AcpiPm, PM_TIMER_HZ, SmbusHost } from '../src/acpi-pm.js';
import { IoApic, LocalApic } from '../src/apic.js';
import { DualPic } from '../src/pic.js';
import { ticksToNs } from '../src/time.js';
import type { PlatformEvent } from '../src/types.js';
import { ManualClock, RecordingIrq, TestIo } from './helpers.js';

describe('ACPI PM (PIIX4)', () => {
  function setup() {
    const clock = new ManualClock();
    const irq = new RecordingIrq();
    const sleeps: number[] = [];
    const pm = new AcpiPm({ clock, irq, onSleep: (t) => sleeps.push(t) });
    const io = new TestIo();
    io.map(0x600, 64, pm.io);
    io.map(0xafe0, 4, pm.gpeIo);
    return { clock, irq, pm, io, sleeps };
  }

  it('PM timer counts at 3.579545 MHz and wraps at 24 bits', () => {
    const { clock, io } = setup();
    expect(io.in32(0x608)).toBe(0);
    clock.t = 1e9;
    expect(io.in32(0x608)).toBe(PM_TIMER_HZ);
    clock.t = ticksToNs(0x1000000 + 5, PM_TIMER_HZ);
    expect(io.in32(0x608)).toBe(5);
    expect(io.in32(0x628)).toBe(0xffffffff); // hole, as in the QEMU trace
  });

  it('TMR_STS on bit-23 transitions raises SCI when enabled; W1C clears it', () => {
    const { clock, irq, pm, io } = setup();
    io.out16(0x604, 1); // SCI_EN
    io.out16(0x602, 1); // TMR_EN
    const d = pm.nextDeadline() as number;
    expect(d).toBe(ticksToNs(0x800000, PM_TIMER_HZ));
    clock.t = d;
    pm.update(d);
    expect(io.in16(0x600) & 1).toBe(1);
    expect(irq.levels[9]).toBe(true);
    io.out16(0x600, 1);
    expect(io.in16(0x600) & 1).toBe(0);
    expect(irq.levels[9]).toBe(false);
  });

  it('GPE0 and sleep requests', () => {
    const { irq, pm, io, sleeps } = setup();
    io.out16(0x604, 1);
    io.out8(0xafe2, 0x02);
    pm.raiseGpe(1);
    expect(io.in8(0xafe0)).toBe(0x02);
    expect(irq.levels[9]).toBe(true);
    io.out8(0xafe0, 0x02);
    expect(irq.levels[9]).toBe(false);
    io.out16(0x604, 0x2001 | (5 << 10));
    expect(sleeps).toEqual([5]);
    expect(io.in16(0x604) & 0x2000).toBe(0);
    const other = new AcpiPm({ clock: new ManualClock() });
    other.setState(JSON.parse(JSON.stringify(pm.getState())));
    expect(other.getState()).toEqual(pm.getState());
  });

  it('SMBus with no devices reports DEV_ERR', () => {
    const smb = new SmbusHost();
    smb.write(4, 1, 0xa1);
    smb.write(2, 1, 0x48);
    expect(smb.read(0, 1) & 0x04).toBe(0x04);
    smb.write(0, 1, 0x04);
    expect(smb.read(0, 1)).toBe(0);
  });
});

describe('LAPIC + IOAPIC', () => {
  function setup() {
    const clock = new ManualClock();
    const events: PlatformEvent[] = [];
    const pic = new DualPic();
    const lapic = new LocalApic({ clock, pic, onEvent: (e) => events.push(e) });
    const ioapic = new IoApic({ lapic });
    return { clock, events, pic, lapic, ioapic };
  }

  it('answers SeaBIOS’s SMP scan like QEMU (trace values) and records INIT/SIPI', () => {
    const { lapic, events } = setup();
    expect(lapic.read(0xf0, 4)).toBe(0xff);
    lapic.write(0xf0, 4, 0x1ff);
    lapic.write(0x350, 4, 0x8700);
    lapic.write(0x360, 4, 0x8400);
    lapic.write(0x300, 4, 0xc4500);
    expect(lapic.read(0x300, 4) & 0x1000).toBe(0); // delivered at once
    lapic.write(0x300, 4, 0xc4610);
    expect(lapic.read(0x30, 4)).toBe(0x50014);
    lapic.write(0x20, 4, 0);
    expect(lapic.read(0x20, 4)).toBe(0);
    const ipis = events.filter((e) => e.kind === 'lapic-ipi');
    expect(ipis).toEqual([
      { kind: 'lapic-ipi', icrLow: 0xc4500, icrHigh: 0, deliveryMode: 5, vector: 0, shorthand: 3 },
      { kind: 'lapic-ipi', icrLow: 0xc4610, icrHigh: 0, deliveryMode: 6, vector: 0x10, shorthand: 3 },
    ]);
  });

  it('passes 8259 interrupts through LINT0 (virtual wire) and blocks them when LINT0 is masked', () => {
    const { pic, lapic } = setup();
    pic.masterIo.write(0, 1, 0x11);
    pic.masterIo.write(1, 1, 0x08);
    pic.masterIo.write(1, 1, 0x04);
    pic.masterIo.write(1, 1, 0x01);
    pic.masterIo.write(1, 1, 0x00);
    pic.setIrq(1, true);
    expect(lapic.pending()).toBe(true);
    lapic.write(0x350, 4, 0x10700);
    expect(lapic.pending()).toBe(false);
    lapic.write(0x350, 4, 0x700);
    expect(lapic.acknowledge()).toBe(9);
  });

  it('IOAPIC routes a level-triggered pin to the LAPIC; EOI clears remote IRR', () => {
    const { lapic, ioapic } = setup();
    lapic.write(0xf0, 4, 0x1ff);
    lapic.write(0x350, 4, 0x10700);
    ioapic.write(0, 4, 0x01);
    expect(ioapic.read(0x10, 4)).toBe(0x00170020);
    ioapic.write(0, 4, 0x10 + 2 * 10);
    ioapic.write(0x10, 4, 0x8000 | 0x45); // level, vector 0x45, unmasked
    ioapic.setPin(10, true);
    expect(lapic.pending()).toBe(true);
    expect(lapic.acknowledge()).toBe(0x45);
    expect(ioapic.read(0x10, 4) & 0x4000).toBe(0x4000);
    lapic.write(0xb0, 4, 0);
    // still asserted → redelivered after EOI
    expect(lapic.pending()).toBe(true);
    expect(lapic.acknowledge()).toBe(0x45);
    ioapic.setPin(10, false);
    lapic.write(0xb0, 4, 0);
    expect(lapic.pending()).toBe(false);
    expect(ioapic.read(0x10, 4) & 0x4000).toBe(0);
  });

  it('TPR blocks lower-priority vectors', () => {
    const { lapic } = setup();
    lapic.write(0xf0, 4, 0x1ff);
    lapic.write(0x350, 4, 0x10700);
    lapic.deliver(0x31, false);
    lapic.write(0x80, 4, 0x40);
    expect(lapic.pending()).toBe(false);
    lapic.write(0x80, 4, 0x20);
    expect(lapic.acknowledge()).toBe(0x31);
  });

  it('timer: one-shot and periodic with divide', () => {
    const { clock, lapic } = setup();
    lapic.write(0xf0, 4, 0x1ff);
    lapic.write(0x350, 4, 0x10700);
    lapic.write(0x3e0, 4, 0x0b); // divide by 1
    lapic.write(0x320, 4, 0x20040); // periodic, vector 0x40
    lapic.write(0x380, 4, 1000);
    expect(lapic.nextDeadline()).toBe(1000);
    clock.t = 500;
    expect(lapic.read(0x390, 4)).toBe(500);
    clock.t = 1000;
    lapic.update(1000);
    expect(lapic.acknowledge()).toBe(0x40);
    lapic.write(0xb0, 4, 0);
    expect(lapic.nextDeadline()).toBe(2000);
    lapic.write(0x320, 4, 0x41); // one-shot
    lapic.write(0x3e0, 4, 0x00); // divide by 2
    lapic.write(0x380, 4, 100);
    expect(lapic.nextDeadline()).toBe(1200);
    clock.t = 1200;
    expect(lapic.pending()).toBe(true);
    expect(lapic.acknowledge()).toBe(0x41);
    expect(lapic.nextDeadline()).toBeNull();
    const other = new LocalApic({ clock });
    other.setState(JSON.parse(JSON.stringify(lapic.getState())));
    expect(other.getState()).toEqual(lapic.getState());
  });
});
