// The snapshot compressor round-trips any bytes and rejects malformed input without throwing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lzCompress, lzDecompress } from '../src/lz.js';

describe('lz', () => {
  it('round-trips random, repetitive and zero data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 0, max: 3 }), (bytes, rep) => {
        const src = new Uint8Array(bytes.length * (rep + 1));
        for (let r = 0; r <= rep; r++) src.set(bytes, r * bytes.length);
        expect(lzDecompress(lzCompress(src), src.length)).toEqual(src);
      }),
    );
    const zeros = new Uint8Array(1 << 20);
    const z = lzCompress(zeros);
    expect(z.length).toBeLessThan(5000);
    expect(lzDecompress(z, zeros.length)).toEqual(zeros);
  });
  it('returns null for malformed or wrongly sized data', () => {
    const c = lzCompress(new TextEncoder().encode('hello hello hello hello hello'));
    expect(lzDecompress(c, 28)).toBeNull();
    expect(lzDecompress(c.subarray(0, c.length - 3), 29)).toBeNull();
    expect(lzDecompress(Uint8Array.of(0x0f, 0, 0), 100)).toBeNull();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => void lzDecompress(junk, 300)));
  });
});
