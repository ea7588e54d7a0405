// Host BARs are validated when a source is built (sourceFromDumps / sysfs), not by an exception
// from the PCI model when the machine is built.
import { describe, expect, it } from 'vitest';
import { barsFromConfig, catalogueSource, hostBarProblems, sourceFromDumps } from '../src/index.js';

function config(patch: Record<number, number>): Uint8Array {
  const c = catalogueSource('kbl').config.slice(0, 256);
  for (const [off, v] of Object.entries(patch)) new DataView(c.buffer).setUint32(Number(off), v >>> 0, true);
  return c;
}

describe('hostBarProblems', () => {
  it('a real layout (64-bit BAR0/BAR2, I/O BAR4) has none', () => {
    const c = config({});
    expect(hostBarProblems(c, barsFromConfig(c))).toEqual([]);
    expect(hostBarProblems(c, barsFromConfig(c, [16 << 20, 0, 256 << 20, 0, 64]))).toEqual([]);
  });

  it('names the BAR and its offset for each problem', () => {
    const io0 = config({ 16: 0xf001 });
    expect(hostBarProblems(io0, barsFromConfig(io0))).toEqual([
      "BAR0 (offset 0x10) is an I/O BAR: an Intel IGD's GTTMMADR is a memory BAR",
    ]);
    const ones = config({ 24: 0xffffffff });
    expect(hostBarProblems(ones, barsFromConfig(ones))).toEqual([
      'BAR2 (offset 0x18) reads 0xffffffff: an absent or powered-off device, or a bad dump',
    ]);
    const c = config({});
    expect(hostBarProblems(c, barsFromConfig(c, [3000]))).toEqual([
      'BAR0 (offset 0x10) size 3000 is not a power of two in 16..4503599627370496 for a mem64 BAR',
    ]);
  });

  it('sourceFromDumps refuses such a dump with one line', () => {
    expect(() => sourceFromDumps({ config: config({ 16: 0xffffffff }) })).toThrow(
      /^IGD config: BAR0 \(offset 0x10\) reads 0xffffffff/,
    );
  });
});
