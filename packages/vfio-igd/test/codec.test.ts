import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildOpRegion,
  buildSyntheticVbt,
  buildVbt,
  decodeOpRegion,
  decodeVbt,
  extractVbt,
  formatOpRegion,
  formatVbt,
  presentOpRegion,
} from '../src/index.js';

const DIR = fileURLToPath(new URL('./fixtures/vbt', import.meta.url));
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.vbt'))
  .sort();

describe('real VBT fixtures', () => {
  it('has thirteen', () => {
    expect(files).toHaveLength(13);
  });
  for (const f of files) {
    const bytes = new Uint8Array(readFileSync(join(DIR, f)));
    it(`${f}: decodes with blocks, version 100, no errors`, () => {
      const d = decodeVbt(bytes);
      expect(d.ok).toBe(true);
      expect(d.header?.signature.startsWith('$VBT')).toBe(true);
      expect(d.header?.version).toBe(100);
      expect(d.bdb?.version).toBeGreaterThanOrEqual(129);
      expect(d.bdb?.version).toBeLessThanOrEqual(261);
      expect(d.blocks.length).toBeGreaterThan(3);
      expect(d.blocks.some((b) => b.id === 2 && b.name === 'BDB_GENERAL_DEFINITIONS')).toBe(true);
      // Blocks tile the BDB without overlap.
      for (let i = 1; i < d.blocks.length; i++) {
        const prev = d.blocks[i - 1];
        expect(d.blocks[i].offset).toBeGreaterThanOrEqual(prev.offset + 3 + prev.size);
      }
      expect(d.trailingBytes).toBe(bytes.length - (d.header?.vbtSize ?? 0));
      // Checksum problems are warnings only.
      if (!d.header?.checksumValid)
        expect(d.problems.some((p) => p.field === 'vbt_checksum' && p.severity === 'warning')).toBe(true);
      expect(formatVbt(d)).toContain('VBT OK');
      // JSON-able.
      expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    });
    it(`${f}: wraps into an OpRegion and decodes back`, () => {
      const op = buildOpRegion({ vbt: bytes });
      const d = decodeOpRegion(op);
      expect(d.ok).toBe(true);
      if (bytes.length > 0x1800) {
        expect(op.length).toBe(0x2000 + bytes.length);
        expect(d.header?.version.raw).toBe(0x0201);
        expect(d.vbtLocation).toBe('extended');
        expect(d.extendedVbt?.offsetInImage).toBe(0x2000);
        expect(d.extendedVbt?.rvds).toBe(bytes.length);
      } else {
        expect(op.length).toBe(0x2000);
        expect(d.vbtLocation).toBe('mailbox4');
      }
      expect(d.vbt?.blocks.length).toBe(decodeVbt(bytes).blocks.length);
      const back = extractVbt(op);
      expect(back).toEqual(bytes.subarray(0, decodeVbt(bytes).header?.vbtSize));
      expect(formatOpRegion(d)).toContain('OpRegion OK');
      expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    });
  }
  it('some real VBTs have a checksum that does not sum to zero', () => {
    const bad = files.filter(
      (f) => !decodeVbt(new Uint8Array(readFileSync(join(DIR, f)))).header?.checksumValid,
    );
    expect(bad.length).toBeGreaterThan(0);
  });
});

describe('VBT corruption', () => {
  const tgl = new Uint8Array(readFileSync(join(DIR, 'tgl-starlabs-starbook-tgl.vbt')));
  it('truncated header', () => {
    const d = decodeVbt(tgl.subarray(0, 20));
    expect(d.ok).toBe(false);
    expect(d.problems[0].field).toBe('vbt_header');
  });
  it('truncated body reports vbt_size and the BDB overrun', () => {
    const d = decodeVbt(tgl.subarray(0, 4000));
    expect(d.ok).toBe(false);
    expect(d.problems.map((p) => p.field)).toContain('vbt_size');
    expect(d.problems.find((p) => p.field === 'vbt_size')?.offset).toBe(0x18);
    expect(d.problems.map((p) => p.field)).toContain('bdb_size');
  });
  it('reports every problem at once', () => {
    const c = tgl.slice();
    c[0] = 0x58; // signature
    c[0x30] = 0x58; // BDB signature
    const d = decodeVbt(c);
    const fields = d.problems.map((p) => p.field);
    expect(fields).toContain('signature');
    expect(fields).toContain('bdb_signature');
    expect(fields).toContain('vbt_checksum');
  });
  it('bdb_offset out of range', () => {
    const c = tgl.slice();
    c[0x1c] = 0xff;
    c[0x1d] = 0xff;
    const d = decodeVbt(c);
    expect(d.problems.find((p) => p.field === 'bdb_offset')?.offset).toBe(0x1c);
  });
  it('block overrun names the block and offset', () => {
    const d0 = decodeVbt(tgl);
    const c = tgl.slice();
    const b = d0.blocks[2];
    c[b.offset + 1] = 0xff;
    c[b.offset + 2] = 0x7f;
    const d = decodeVbt(c);
    const p = d.problems.find((x) => x.field === 'block');
    expect(p?.severity).toBe('warning');
    expect(p?.offset).toBe(b.offset);
    expect(p?.message).toContain(b.name);
  });
  it('builder output is valid with zero checksum', () => {
    const v = buildSyntheticVbt('VMKIT TEST', 230);
    const d = decodeVbt(v);
    expect(d.ok).toBe(true);
    expect(d.header?.checksumValid).toBe(true);
    expect(d.blocks.map((b) => b.id)).toEqual([1, 2, 12]);
    expect(() =>
      buildVbt({ name: 'x', bdbVersion: 1, blocks: [{ id: 0, data: new Uint8Array(1) }] }),
    ).toThrow(/block id 0/);
  });
});

describe('OpRegion corruption', () => {
  const adl = new Uint8Array(readFileSync(join(DIR, 'adl-starlabs-starbook-adl.vbt')));
  const kbl = new Uint8Array(readFileSync(join(DIR, 'kbl-lenovo-sklkbl_thinkpad-t480.vbt')));
  it('truncated header', () => {
    expect(decodeOpRegion(new Uint8Array(100)).problems[0].field).toBe('header');
  });
  it('bad signature and size mismatch together', () => {
    const op = buildOpRegion({ vbt: kbl });
    op[0] = 0x41;
    op[0x10] = 16;
    const d = decodeOpRegion(op);
    expect(d.problems.map((p) => [p.field, p.offset])).toEqual(
      expect.arrayContaining([
        ['signature', 0],
        ['size', 0x10],
      ]),
    );
  });
  it('extended VBT truncated → VBT outside the region', () => {
    const op = buildOpRegion({ vbt: adl });
    const d = decodeOpRegion(op.subarray(0, 0x2000 + 100));
    expect(d.problems.find((p) => p.field === 'rvda')?.message).toMatch(/outside/);
  });
  it('RVDA pointing into the mailboxes is self-overlapping', () => {
    const op = buildOpRegion({ vbt: adl });
    op[0x3ba] = 0x00;
    op[0x3bb] = 0x04;
    const d = decodeOpRegion(op);
    expect(d.problems.find((p) => p.field === 'rvda')?.message).toMatch(/inside the OpRegion/);
  });
  it('mailbox-4 VBT corruption is reported with absolute offsets', () => {
    const op = buildOpRegion({ vbt: kbl });
    op[0x400] = 0;
    const d = decodeOpRegion(op);
    expect(d.problems.find((p) => p.field === 'vbt.signature')?.offset).toBe(0x400);
  });
  it('presents a 2.0 absolute-RVDA OpRegion as vfio does', () => {
    const op = buildOpRegion({ vbt: adl }).slice(0, 0x2000);
    op[0x16] = 0; // version 2.0
    op.set([0x00, 0x20, 0x6e, 0x7f, 0, 0, 0, 0], 0x3ba); // absolute host address
    expect(decodeOpRegion(op).problems.find((p) => p.field === 'rvda')?.message).toMatch(/absolute/);
    expect(() => presentOpRegion(op)).toThrow(/absolute/);
    const shown = presentOpRegion(op, adl);
    const d = decodeOpRegion(shown);
    expect(d.ok).toBe(true);
    expect(d.header?.version.raw).toBe(0x0201);
    expect(d.extendedVbt?.rvda).toBe('0x0000000000002000');
    expect(shown.subarray(0x2000)).toEqual(adl);
  });
  it('relocates a non-contiguous 2.1 extended VBT', () => {
    const op = new Uint8Array(0x3000 + adl.length);
    op.set(buildOpRegion({ vbt: adl }).subarray(0, 0x2000));
    op.set([0x00, 0x30], 0x3ba);
    op.set(adl, 0x3000);
    const shown = presentOpRegion(op);
    expect(shown.length).toBe(0x2000 + adl.length);
    expect(decodeOpRegion(shown).ok).toBe(true);
  });
});

describe('decoders never throw on hostile bytes', () => {
  const fcP = import('fast-check');
  const real = files.map((f) => new Uint8Array(readFileSync(join(DIR, f))));
  it('random and mutated inputs give JSON-able results, never exceptions', async () => {
    const fc = (await fcP).default;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: real.length - 1 }),
        fc.array(fc.record({ at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }), { maxLength: 24 }),
        fc.nat({ max: 20000 }),
        fc.boolean(),
        (which, muts, cut, wrap) => {
          let b: Uint8Array = wrap ? buildOpRegion({ vbt: real[which] }) : real[which].slice();
          // Aim half of the mutations at the headers/pointers where they matter most.
          for (const m of muts) b[m.at % 2 ? m.at % 0x40 : m.at % b.length] = m.v;
          if (wrap) for (const m of muts.slice(0, 4)) b[0x3ba + (m.at % 12)] = m.v;
          b = b.subarray(0, Math.min(b.length, cut + 1));
          const d = wrap ? decodeOpRegion(b) : decodeVbt(b);
          JSON.stringify(d);
          (wrap ? formatOpRegion(d as never) : formatVbt(d as never)).length;
          for (const p of d.problems) expect(p.offset).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 400, seed: 7 },
    );
  });
  it('random bytes', async () => {
    const fc = (await fcP).default;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 0x3000 }), (b) => {
        decodeVbt(b);
        decodeOpRegion(b);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
