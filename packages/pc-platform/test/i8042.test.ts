import { describe, expect, it } from 'vitest';
import { I8042 } from '../src/i8042.js';
import { Port92 } from '../src/port92.js';
import type { PlatformEvent } from '../src/types.js';
import { RecordingIrq, TestIo } from './helpers.js';

function setup() {
  const irq = new RecordingIrq();
  const a20: boolean[] = [];
  let resets = 0;
  const events: PlatformEvent[] = [];
  const kbc = new I8042({
    irq,
    onA20: (e) => a20.push(e),
    onReset: () => resets++,
    onEvent: (e) => events.push(e),
  });
  const p92 = new Port92({ onA20: (e) => a20.push(e), onReset: () => resets++ });
  const io = new TestIo();
  io.map(0x60, 1, kbc.dataIo);
  io.map(0x64, 1, kbc.cmdIo);
  io.map(0x92, 1, p92);
  return { irq, a20, kbc, io, events, resets: () => resets };
}

describe('8042 + PS/2 keyboard', () => {
  it('answers the SeaBIOS ps2port init sequence with QEMU’s status values', () => {
    const { io } = setup();
    expect(io.in8(0x64)).toBe(0x18);
    io.out8(0x64, 0xad);
    io.out8(0x64, 0xa7);
    expect(io.in8(0x64)).toBe(0x18);
    io.out8(0x64, 0xaa);
    expect(io.in8(0x64)).toBe(0x1d);
    expect(io.in8(0x60)).toBe(0x55);
    expect(io.in8(0x64)).toBe(0x1c);
    io.out8(0x64, 0xab);
    expect(io.in8(0x64)).toBe(0x1d);
    expect(io.in8(0x60)).toBe(0x00);
    io.out8(0x64, 0x60);
    io.out8(0x60, 0x30);
    io.out8(0x60, 0xff); // keyboard reset
    expect(io.in8(0x64)).toBe(0x1d);
    expect(io.in8(0x60)).toBe(0xfa);
    expect(io.in8(0x64)).toBe(0x1d);
    expect(io.in8(0x60)).toBe(0xaa);
    expect(io.in8(0x64)).toBe(0x1c);
  });

  it('acks keyboard commands: disable, scancode set, enable, LEDs, get ID', () => {
    const { io, kbc } = setup();
    const send = (b: number) => io.out8(0x60, b);
    const drain = () => {
      const out: number[] = [];
      while (io.in8(0x64) & 1) out.push(io.in8(0x60));
      return out;
    };
    send(0xf5);
    expect(drain()).toEqual([0xfa]);
    send(0xf0);
    send(0x02);
    expect(drain()).toEqual([0xfa, 0xfa]);
    send(0xf4);
    expect(drain()).toEqual([0xfa]);
    send(0xed);
    send(0x07);
    expect(drain()).toEqual([0xfa, 0xfa]);
    expect(kbc.keyboardLeds).toBe(7);
    send(0xf2);
    expect(drain()).toEqual([0xfa, 0xab, 0x83]);
    io.out8(0x64, 0x60);
    io.out8(0x60, 0x61); // translate on
    send(0xf2);
    expect(drain()).toEqual([0xfa, 0xab, 0x41]);
    io.out8(0x64, 0x20);
    expect(drain()).toEqual([0x61]);
  });

  it('raises IRQ1 for keyboard data when enabled in the command byte and injects keys', () => {
    const { io, irq, kbc } = setup();
    io.out8(0x64, 0x60);
    io.out8(0x60, 0x61); // KBD_INT + translate
    kbc.key(0x1e, true); // 'A' make
    expect(irq.levels[1]).toBe(true);
    expect(io.in8(0x60)).toBe(0x1e);
    expect(irq.levels[1]).toBe(false);
    kbc.key(0x1e, false);
    expect(io.in8(0x60)).toBe(0x9e);
    io.out8(0x64, 0x60);
    io.out8(0x60, 0x01); // no translation: set 2 on the wire
    kbc.key(0x1e, true);
    kbc.key(0x1e, false);
    const got = [io.in8(0x60), io.in8(0x60), io.in8(0x60)];
    expect(got).toEqual([0x1c, 0xf0, 0x1c]);
    kbc.key(0x48, true, true); // up arrow
    expect([io.in8(0x60), io.in8(0x60)]).toEqual([0xe0, 0x75]);
  });

  it('holds keyboard bytes while the interface is disabled', () => {
    const { io, kbc } = setup();
    io.out8(0x64, 0xad);
    kbc.injectBytes([0x1c]);
    expect(io.in8(0x64) & 1).toBe(0);
    io.out8(0x64, 0xae);
    expect(io.in8(0x64) & 1).toBe(1);
    expect(io.in8(0x60)).toBe(0x1c);
  });

  it('A20 via output port (0xD1, 0xDD/0xDF) and port 0x92; reset via 0xFE and port 0x92 bit 0', () => {
    const { io, a20, kbc, resets } = setup();
    io.out8(0x64, 0xd0);
    expect(io.in8(0x60) & 0x02).toBe(0x02);
    io.out8(0x64, 0xdd);
    expect(kbc.a20).toBe(false);
    io.out8(0x64, 0xdf);
    io.out8(0x64, 0xd1);
    io.out8(0x60, 0xdd);
    expect(a20).toEqual([false, true, false]);
    expect(io.in8(0x92)).toBe(0);
    io.out8(0x92, 0x02);
    expect(io.in8(0x92)).toBe(0x02);
    expect(a20).toEqual([false, true, false, true]);
    io.out8(0x64, 0xfe);
    expect(resets()).toBe(1);
    io.out8(0x92, 0x03);
    expect(resets()).toBe(2);
    expect(io.in8(0x92)).toBe(0x02);
  });

  it('D3 loops a byte back as aux data even with the aux interface disabled (Linux i8042_check_aux)', () => {
    const { io, irq } = setup();
    io.out8(0x64, 0x60);
    io.out8(0x60, 0x30); // CTR: both interfaces disabled, no interrupts (Linux i8042_controller_init)
    io.out8(0x64, 0xd3);
    io.out8(0x60, 0x5a);
    expect(io.in8(0x64) & 0x21).toBe(0x21);
    expect(irq.levels[12]).toBeFalsy();
    expect(io.in8(0x60)).toBe(0x5a);
    expect(io.in8(0x64) & 0x21).toBe(0);
    io.out8(0x64, 0xd2);
    io.out8(0x60, 0x33);
    expect(io.in8(0x64) & 0x21).toBe(0x01);
    expect(io.in8(0x60)).toBe(0x33);
  });

  it('a write to the aux device re-enables the aux interface (QEMU KBD_CCMD_WRITE_MOUSE)', () => {
    const { io } = setup();
    io.out8(0x64, 0xa7);
    io.out8(0x64, 0xd4);
    io.out8(0x60, 0xf2);
    expect(io.in8(0x64) & 0x21).toBe(0x21);
    expect(io.in8(0x60)).toBe(0xfe);
    io.out8(0x64, 0x20);
    expect(io.in8(0x60) & 0x20).toBe(0);
  });

  it('answers aux writes with 0xFE (no mouse) on IRQ12 and reports unknown commands', () => {
    const { io, irq, events } = setup();
    io.out8(0x64, 0xd4);
    io.out8(0x60, 0xff);
    expect(io.in8(0x64) & 0x21).toBe(0x21);
    expect(irq.levels[12]).toBe(true);
    expect(io.in8(0x60)).toBe(0xfe);
    io.out8(0x64, 0x99);
    expect(events).toContainEqual({ kind: 'kbd-command', command: 0x99, supported: false });
  });

  it('state round-trips', () => {
    const { kbc } = setup();
    kbc.injectBytes([1, 2, 3]);
    const other = new I8042();
    other.setState(JSON.parse(JSON.stringify(kbc.getState())));
    expect(other.readData()).toBe(1);
    expect(other.readData()).toBe(2);
  });
});
