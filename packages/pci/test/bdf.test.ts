import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bdf,
  bdfBus,
  bdfDevice,
  bdfFunction,
  classCode,
  classIdOf,
  className,
  formatBdf,
  PCI_CLASS_DISPLAY_VGA,
  parseBdf,
  splitClassCode,
} from '../src/index.js';

describe('bdf helpers', () => {
  it('builds and formats', () => {
    expect(bdf(0, 2, 0)).toBe(0x10);
    expect(formatBdf(bdf(0, 2, 0))).toBe('00:02.0');
    expect(formatBdf(bdf(0xab, 0x1f, 7))).toBe('ab:1f.7');
    expect(formatBdf(bdf(1, 0, 3), 0)).toBe('0000:01:00.3');
  });
  it('parses both forms', () => {
    expect(parseBdf('00:02.0')).toBe(0x10);
    expect(parseBdf('0000:00:1f.3')).toBe(bdf(0, 0x1f, 3));
    expect(parseBdf('FF:1F.7')).toBe(0xffff);
  });
  it('rejects malformed text and out-of-range parts with a clear error', () => {
    expect(() => parseBdf('00:02')).toThrow(/bb:dd.f/);
    expect(() => parseBdf('00:20.0')).toThrow(/device/);
    expect(() => parseBdf('00:02.8')).toThrow();
    expect(() => parseBdf('0001:00:02.0')).toThrow(/domain/);
    expect(() => bdf(256, 0, 0)).toThrow(/bus/);
    expect(() => bdf(0, 32, 0)).toThrow(/device/);
    expect(() => bdf(0, 0, 8)).toThrow(/function/);
  });
  it('round-trips every bdf', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (b) => {
        expect(parseBdf(formatBdf(b))).toBe(b);
        expect(bdf(bdfBus(b), bdfDevice(b), bdfFunction(b))).toBe(b);
      }),
    );
  });
  it('class code helpers', () => {
    const c = classCode(3, 0, 0);
    expect(c).toBe(0x030000);
    expect(classIdOf(c)).toBe(PCI_CLASS_DISPLAY_VGA);
    expect(splitClassCode(0x0c0320)).toEqual({ base: 0x0c, sub: 0x03, progIf: 0x20 });
    expect(className(0x030000)).toBe('VGA compatible controller');
    expect(className(0x0b4000)).toBe('Processor');
  });
});
