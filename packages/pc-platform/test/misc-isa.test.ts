import { describe, expect, it } from 'vitest';
import { Apm } from '../src/apm.js';
import { Debugcon } from '../src/debugcon.js';
import { Dma8237 } from '../src/dma.js';
import { IdeBusMaster, IdeChannel } from '../src/ide.js';
import { Uart16550 } from '../src/uart.js';
import { RecordingIrq, TestIo } from './helpers.js';

describe('16550A UART', () => {
  function setup() {
    const irq = new RecordingIrq();
    const out: number[] = [];
    const uart = new Uart16550({ irq, onTransmit: (b) => out.push(b) });
    const io = new TestIo();
    io.map(0x3f8, 8, uart);
    return { irq, out, uart, io };
  }

  it('transmits to the sink with THR always empty and programs the divisor latch', () => {
    const { out, uart, io } = setup();
    expect(io.in8(0x3fd)).toBe(0x60);
    io.out8(0x3fb, 0x83);
    io.out8(0x3f8, 0x01);
    io.out8(0x3f9, 0x00);
    io.out8(0x3fb, 0x03);
    expect(uart.baud).toBe(115200);
    for (const c of 'Hi\n') io.out8(0x3f8, c.charCodeAt(0));
    expect(String.fromCharCode(...out)).toBe('Hi\n');
    expect(io.in8(0x3fd) & 0x60).toBe(0x60);
    io.out8(0x3ff, 0x5a);
    expect(io.in8(0x3ff)).toBe(0x5a);
  });

  it('THRE and receive interrupts on IRQ4 with IIR priorities and FIFO bits', () => {
    const { irq, uart, io } = setup();
    io.out8(0x3fa, 0xc7); // FIFO on, trigger 14
    io.out8(0x3f9, 0x02); // THRI
    expect(irq.levels[4]).toBe(true);
    expect(io.in8(0x3fa)).toBe(0xc2);
    expect(irq.levels[4]).toBe(false); // reading IIR cleared the THRE source
    io.out8(0x3f9, 0x01); // RDI
    uart.receive([0x41, 0x42]);
    expect(io.in8(0x3fa)).toBe(0xcc); // timeout-class RDA (below trigger)
    expect(io.in8(0x3fd) & 1).toBe(1);
    expect(io.in8(0x3f8)).toBe(0x41);
    expect(io.in8(0x3f8)).toBe(0x42);
    expect(io.in8(0x3fd) & 1).toBe(0);
    expect(irq.levels[4]).toBe(false);
  });

  it('loopback and overrun', () => {
    const { out, io, uart } = setup();
    io.out8(0x3fc, 0x10);
    io.out8(0x3f8, 0x77);
    expect(out).toEqual([]);
    expect(io.in8(0x3f8)).toBe(0x77);
    io.out8(0x3fc, 0x08);
    uart.receive([1, 2]); // no FIFO: 1-byte holding register
    expect(io.in8(0x3fd) & 0x02).toBe(0x02);
    expect(io.in8(0x3fd) & 0x02).toBe(0);
    const other = new Uart16550();
    other.setState(JSON.parse(JSON.stringify(uart.getState())));
    expect(other.getState()).toEqual(uart.getState());
  });
});

describe('debugcon', () => {
  it('reads back 0xE9 and assembles lines', () => {
    const lines: string[] = [];
    const d = new Debugcon({ onLine: (l) => lines.push(l) });
    const io = new TestIo();
    io.map(0x402, 1, d);
    expect(io.in8(0x402)).toBe(0xe9);
    for (const c of 'SeaBIOS (version x)\r\nNext') io.out8(0x402, c.charCodeAt(0));
    expect(lines).toEqual(['SeaBIOS (version x)']);
    expect(d.pending).toBe('Next');
    d.flush();
    expect(lines).toEqual(['SeaBIOS (version x)', 'Next']);
  });
});

describe('8237 DMA pair and POST port', () => {
  it('programs address/count through the flip-flop and page registers', () => {
    const posts: number[] = [];
    const dma = new Dma8237({ onPostCode: (c) => posts.push(c) });
    const io = new TestIo();
    io.map(0x00, 16, dma.dma1Io);
    io.map(0xc0, 32, dma.dma2Io);
    io.map(0x80, 16, dma.pageIo);
    // SeaBIOS dma_setup (QEMU trace): master clear both, cascade mode ch4, unmask ch4.
    io.out8(0x0d, 0);
    io.out8(0xda, 0);
    io.out8(0xd6, 0xc0);
    io.out8(0xd4, 0);
    expect(dma.channel(4).masked).toBe(false);
    expect(dma.channel(4).mode).toBe(0xc0);
    expect(dma.channel(2).masked).toBe(true);
    io.out8(0x0c, 0);
    io.out8(0x04, 0x34);
    io.out8(0x04, 0x12);
    io.out8(0x05, 0xff);
    io.out8(0x05, 0x01);
    io.out8(0x81, 0x05);
    io.out8(0x0a, 0x02); // unmask ch2
    expect(dma.channel(2)).toEqual({ address: 0x51234, count: 0x200, mode: 0, masked: false });
    io.out8(0x0c, 0);
    expect(io.in8(0x04)).toBe(0x34);
    expect(io.in8(0x04)).toBe(0x12);
    expect(io.in8(0x0f) & 0x0f).toBe(0x0b);
    io.out8(0x80, 0x42);
    expect(posts).toEqual([0x42]);
    expect(dma.postCode).toBe(0x42);
    expect(io.in8(0x80)).toBe(0xff);
    expect(io.in8(0x81)).toBe(0x05);
    const other = new Dma8237();
    other.setState(JSON.parse(JSON.stringify(dma.getState())));
    expect(other.channel(2)).toEqual(dma.channel(2));
  });
});

describe('PIIX IDE with empty channels', () => {
  it('answers SeaBIOS’s probe like QEMU: registers read 0, never BSY', () => {
    const ch = new IdeChannel({ index: 0 });
    const io = new TestIo();
    io.map(0x1f0, 8, ch.cmdIo);
    io.map(0x3f6, 1, ch.ctlIo);
    expect(io.in8(0x1f7)).toBe(0);
    io.out8(0x1f6, 0xa0);
    expect(io.in8(0x1f6)).toBe(0);
    io.out8(0x1f2, 0x55);
    io.out8(0x1f3, 0xaa);
    expect(io.in8(0x1f2)).toBe(0);
    expect(io.in8(0x1f3)).toBe(0);
    expect(io.in8(0x3f6)).toBe(0);
    expect(io.in8(0x1f0)).toBe(0xff);
    expect(io.in16(0x1f0)).toBe(0);
    expect(ch.register(2)).toBe(0x55);
  });

  it('bus-master registers: command bits, W1C status, aligned PRD pointer', () => {
    const bm = new IdeBusMaster();
    bm.write(2, 1, 0x66);
    expect(bm.read(2, 1)).toBe(0x60);
    bm.write(4, 4, 0x12345677);
    expect(bm.read(4, 4)).toBe(0x12345674);
    bm.write(8, 1, 0xff);
    expect(bm.read(8, 1)).toBe(0x09);
  });
});

describe('APM ports', () => {
  it('latches 0xB2/0xB3 and calls the control callback', () => {
    const seen: number[] = [];
    const apm = new Apm({ onControl: (v) => seen.push(v) });
    const io = new TestIo();
    io.map(0xb2, 2, apm);
    io.out8(0xb3, 1);
    io.out8(0xb2, 0);
    expect(io.in8(0xb3)).toBe(1);
    expect(io.in8(0xb2)).toBe(0);
    expect(seen).toEqual([0]);
  });
});
