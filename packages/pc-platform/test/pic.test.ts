import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { describe, expect, it } from 'vitest';
import { DualPic } from '../src/pic.js';
import { PIT_HZ } from '../src/pit.js';
import { createPcPlatform } from '../src/platform.js';
import { ticksToNs } from '../src/time.js';
import { ManualClock, TestIo } from './helpers.js';

function setup() {
  const events: unknown[] = [];
  const pic = new DualPic({ onEvent: (e) => events.push(e) });
  const io = new TestIo();
  io.map(0x20, 2, pic.masterIo);
  io.map(0xa0, 2, pic.slaveIo);
  io.map(0x4d0, 2, pic.elcrIo);
  return { pic, io, events };
}

/** SeaBIOS pic_setup / QEMU trace: ICW1 0x11, ICW2 0x08/0x70, ICW3 4/2, ICW4 1. */
function biosInit(io: TestIo): void {
  io.out8(0x20, 0x11);
  io.out8(0xa0, 0x11);
  io.out8(0x21, 0x08);
  io.out8(0xa1, 0x70);
  io.out8(0x21, 0x04);
  io.out8(0xa1, 0x02);
  io.out8(0x21, 0x01);
  io.out8(0xa1, 0x01);
  io.out8(0x21, 0xfb);
  io.out8(0xa1, 0xff);
}

describe('8259A pair', () => {
  it('initialises like SeaBIOS and reads back the masks', () => {
    const { io } = setup();
    biosInit(io);
    expect(io.in8(0x21)).toBe(0xfb);
    expect(io.in8(0xa1)).toBe(0xff);
  });

  it('delivers a master edge IRQ with vector base + irq, then EOI clears ISR', () => {
    const { pic, io } = setup();
    biosInit(io);
    io.out8(0x21, 0xfa); // unmask IRQ0
    expect(pic.pending()).toBe(false);
    pic.setIrq(0, true);
    expect(pic.pending()).toBe(true);
    io.out8(0x20, 0x0a); // OCW3 read IRR
    expect(io.in8(0x20)).toBe(0x01);
    expect(pic.acknowledge()).toBe(0x08);
    expect(pic.pending()).toBe(false);
    io.out8(0x20, 0x0b); // OCW3 read ISR
    expect(io.in8(0x20)).toBe(0x01);
    // edge: holding the line high does not re-trigger
    io.out8(0x20, 0x20);
    expect(pic.pending()).toBe(false);
    pic.setIrq(0, false);
    pic.setIrq(0, true);
    expect(pic.pending()).toBe(true);
  });

  it('cascades slave IRQs through IR2 and masks them', () => {
    const { pic, io } = setup();
    biosInit(io);
    pic.setIrq(14, true);
    expect(pic.pending()).toBe(false); // masked on the slave
    io.out8(0xa1, 0xbf);
    expect(pic.pending()).toBe(true);
    expect(pic.acknowledge()).toBe(0x70 + 6);
    io.out8(0xa0, 0x0b);
    expect(io.in8(0xa0)).toBe(0x40);
    io.out8(0x20, 0x0b);
    expect(io.in8(0x20)).toBe(0x04);
    io.out8(0xa0, 0x20);
    io.out8(0x20, 0x20);
    expect(io.in8(0xa0)).toBe(0);
  });

  it('respects priority: a lower-priority request waits for EOI of a higher one', () => {
    const { pic, io } = setup();
    biosInit(io);
    io.out8(0x21, 0x00);
    pic.setIrq(1, true);
    expect(pic.acknowledge()).toBe(9);
    pic.setIrq(3, true);
    expect(pic.pending()).toBe(false);
    pic.setIrq(0, true);
    expect(pic.pending()).toBe(true); // IRQ0 outranks IRQ1 in service
    expect(pic.acknowledge()).toBe(8);
    io.out8(0x20, 0x20); // EOI IRQ0
    expect(pic.pending()).toBe(false); // IRQ1 still in service
    io.out8(0x20, 0x20); // EOI IRQ1
    expect(pic.acknowledge()).toBe(11);
  });

  it('level-triggered lines via ELCR stay pending while held', () => {
    const { pic, io } = setup();
    biosInit(io);
    io.out8(0x4d1, 0x0c); // IRQ10/11 level, as SeaBIOS writes
    expect(io.in8(0x4d1)).toBe(0x0c);
    io.out8(0x4d0, 0xff);
    expect(io.in8(0x4d0)).toBe(0xf8); // IRQ0-2 can never be level (QEMU elcr_mask)
    io.out8(0xa1, 0x00);
    pic.setIrq(11, true);
    expect(pic.acknowledge()).toBe(0x73);
    io.out8(0xa0, 0x20);
    io.out8(0x20, 0x20);
    expect(pic.pending()).toBe(true); // still asserted
    pic.setIrq(11, false);
    // The master's IR2 is edge-triggered and stays latched: the INTA finds no slave request and
    // gets the slave's spurious vector (IRQ15), as QEMU pic_read_irq and the 8259A do.
    expect(pic.pending()).toBe(true);
    expect(pic.acknowledge()).toBe(0x77);
    expect(pic.pending()).toBe(false);
  });

  it('answers a spurious INTA with IRQ7 of the master or IRQ15 of the slave', () => {
    const { pic, io, events } = setup();
    biosInit(io);
    expect(pic.acknowledge()).toBe(0x0f);
    expect(events).toContainEqual({ kind: 'pic-spurious', chip: 'master', vector: 0x0f });
    io.out8(0x21, 0x00);
    io.out8(0xa1, 0x00);
    pic.setIrq(9, true);
    expect(pic.pending()).toBe(true);
    pic.setIrq(9, false); // edge: request remains latched
    io.out8(0xa1, 0xff); // masked before INTA: slave no longer requests
    expect(pic.acknowledge()).toBe(0x77);
  });

  it('supports auto-EOI, poll mode and specific EOI', () => {
    const { pic, io } = setup();
    io.out8(0x20, 0x11);
    io.out8(0x21, 0x20);
    io.out8(0x21, 0x04);
    io.out8(0x21, 0x03); // ICW4: 8086 + auto EOI
    io.out8(0x21, 0x00);
    pic.setIrq(5, true);
    expect(pic.acknowledge()).toBe(0x25);
    io.out8(0x20, 0x0b);
    expect(io.in8(0x20)).toBe(0); // nothing in service
    pic.setIrq(4, true);
    io.out8(0x20, 0x0c); // poll
    expect(io.in8(0x20)).toBe(0x84);
    io.out8(0x20, 0x0c);
    expect(io.in8(0x20)).toBe(0x00);
  });

  it('round-trips state as plain data', () => {
    const { pic, io } = setup();
    biosInit(io);
    io.out8(0x21, 0x00);
    pic.setIrq(3, true);
    const st = JSON.parse(JSON.stringify(pic.getState()));
    const other = new DualPic();
    other.setState(st);
    expect(other.pending()).toBe(true);
    expect(other.acknowledge()).toBe(0x0b);
  });
});

// test386.asm enables interrupts right after reset without programming the 8259s: on QEMU nothing
// arrives, because the PICs come out of reset after the PIT drives OUT0 high (qdev resets a bus's
// children newest first) and pic_reset_common clears IRR. The first IRQ0 is the PIT's next rising
// edge: mode 3, count 0x10000, so one full period (~54.9 ms) after power-on.
describe('power-on: no interrupt requested until the PIT next rises', () => {
  function platform() {
    const clock = new ManualClock();
    const p = createPcPlatform({ memory: new MemoryBus(), io: new IoBus(), clock, ramSize: 16 << 20 });
    return { clock, p };
  }
  const periodNs = ticksToNs(0x10000, PIT_HZ);

  for (const how of ['created', 'reset'] as const) {
    it(`IRR is clear after the platform is ${how}, and IRQ0 latches at the next rising edge`, () => {
      const { clock, p } = platform();
      if (how === 'reset') {
        clock.t = 123_456_789;
        p.update(clock.t);
        p.reset();
      }
      const t0 = clock.t;
      expect(p.pic.registers().master.irr).toBe(0);
      expect(p.pic.pending()).toBe(false);
      // Half a period later OUT0 falls; still nothing requested.
      clock.t = t0 + periodNs / 2 + 1000;
      p.update(clock.t);
      expect(p.pic.pending()).toBe(false);
      const next = p.nextDeadline();
      expect(next).not.toBeNull();
      clock.t = Math.max(t0 + periodNs, next as number);
      p.update(clock.t);
      expect(p.pic.registers().master.irr & 1).toBe(1);
      expect(p.pic.pending()).toBe(true);
      expect(p.pic.acknowledge()).toBe(0x00); // ICW2 not written: vector base 0 (QEMU pic_reset_common)
    });
  }
});

// The x87 error path of the AT (QEMU hw/i386/pc.c ioportF0, x86_register_ferr_irq): the CPU's
// FERR# output is IRQ 13 (slave input 5); a write to port F0h asserts the CPU's IGNNE#.
describe('FERR# and IGNNE#: IRQ 13 and port F0h', () => {
  it('setFerr raises and lowers IRQ 13; a write to port F0h calls cpuIgnne; reads return FFh', () => {
    const io = new IoBus();
    let ignne = 0;
    const p = createPcPlatform({
      memory: new MemoryBus(),
      io,
      clock: new ManualClock(),
      ramSize: 16 << 20,
      cpuIgnne: () => ignne++,
    });
    p.setFerr(true);
    expect((p.pic.registers().slave.irr >> 5) & 1).toBe(1);
    io.out8(0xf0, 0);
    expect(ignne).toBe(1);
    expect(io.in8(0xf0)).toBe(0xff);
    p.setFerr(false);
    p.setFerr(true);
    expect((p.pic.registers().slave.irr >> 5) & 1).toBe(1);
  });
});
