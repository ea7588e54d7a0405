// The firmware × policy matrix: the CI slice passes every documented expectation (real Debian
// SeaBIOS and the TypeScript port), a doctored report fails the expectations it breaks by name,
// and the JUnit XML carries each failure.
import { existsSync, readFileSync } from 'node:fs';
import { createMachine } from '@vmkit/machine';
import { catalogueSource } from '@vmkit/vfio-igd';
import { describe, expect, it } from 'vitest';
import { junitXml } from '../src/junit.js';
import { type CellResult, cellName, ciSlice, judge, matrixCells, runCell } from '../src/matrix.js';
import { registry } from '../src/registry.js';

const BIOS = {
  'bios-256k.bin': '/usr/share/seabios/bios-256k.bin',
  'bios.bin': '/usr/share/seabios/bios.bin',
};
const have = Object.values(BIOS).every((p) => existsSync(p));
if (!have && process.env.VMKIT_REQUIRE_TOOLS === '1') {
  throw new Error('Debian SeaBIOS is required (VMKIT_REQUIRE_TOOLS=1): apt-get install seabios');
}
const images = have
  ? Object.fromEntries(Object.entries(BIOS).map(([k, p]) => [k, new Uint8Array(readFileSync(p))]))
  : {};
const now = () => performance.now();

describe('matrix cells', () => {
  it('the full matrix has 3 firmwares × 5 policies × 11 models × 3 memory sizes', () => {
    expect(matrixCells().length).toBe(3 * 5 * 11 * 3);
    const slice = ciSlice();
    expect(new Set(slice.map(cellName)).size).toBe(slice.length);
  });

  it('Meteor Lake (outside QEMU igd_gen): no stolen-memory size is published, so BDSM stays 0 and that is the expectation', () => {
    const cell = { firmware: 'ts-port', policy: 'fw-cfg', model: 'mtl', memory: '128M' } as const;
    expect(runCell(cell, {}, () => 0).ok).toBe(true);
    const m = createMachine(
      { firmware: { kind: 'hle' }, igd: { source: catalogueSource('mtl'), policy: 'fw-cfg' } },
      { registry },
    );
    const rep = m.boot();
    expect(rep.igd!.generation).toBeNull();
    expect(rep.igd!.bdsm).toBe(0);
    const read = (a: number, n: number) => m.memory.readBytes(a, n);
    const names = judge(cell, rep, read, m.layout.below4g).map((e) => e.name);
    expect(names).toContain('bdsm-unprogrammed-unknown-gen');
    expect(names).not.toContain('bdsm');
    // A BDSM that appears anyway fails that expectation.
    const bogus = { ...rep, igd: { ...rep.igd!, bdsm: 0x2f00000 } };
    expect(
      judge(cell, bogus, read, m.layout.below4g)
        .filter((e) => !e.ok)
        .map((e) => e.name),
    ).toEqual(['bdsm-unprogrammed-unknown-gen']);
  });

  it('a report that breaks the documented result fails the expectations it breaks, by name', () => {
    const cell = { firmware: 'ts-port', policy: 'fw-cfg', model: 'kbl', memory: '128M' } as const;
    const m = createMachine(
      {
        firmware: { kind: 'hle' },
        igd: { source: catalogueSource('kbl'), policy: 'fw-cfg' },
      },
      { registry },
    );
    const r = m.boot();
    const read = (a: number, n: number) => m.memory.readBytes(a, n);
    expect(judge(cell, r, read, m.layout.below4g).filter((e) => !e.ok)).toEqual([]);
    const bad = { ...r, igd: { ...r.igd!, hostOpregionWrites: 3, bdsmReserved: false } };
    const failed = judge(cell, bad, read, m.layout.below4g).filter((e) => !e.ok);
    expect(failed.map((e) => e.name)).toEqual(['host-opregion-untouched', 'bdsm-e820-reserved']);
    expect(failed[0].detail).toBe('3 guest writes reached the host OpRegion');
    // Guest RAM at ASLS overwritten: the bytes check fails.
    m.memory.fill(r.igd!.asls, 16, 0);
    expect(
      judge(cell, r, read, m.layout.below4g)
        .filter((e) => !e.ok)
        .map((e) => e.name),
    ).toEqual(['guest-opregion-bytes']);
    const xml = junitXml('m', [
      {
        name: cellName(cell),
        className: 'matrix.ts-port.fw-cfg',
        timeMs: 5,
        failures: failed.map((e) => `${e.name}: ${e.detail}`),
      },
    ]);
    expect(xml).toContain('failures="1"');
    expect(xml).toContain(
      '<failure message="host-opregion-untouched: 3 guest writes reached the host OpRegion" type="host-opregion-untouched">',
    );
  });
});

describe.skipIf(!have)(
  'the CI slice of the matrix (every firmware and policy; snb, kbl, tgl; kbl at 2G and 3584M)',
  () => {
    it('every cell meets its documented guest-visible result', { timeout: 900_000 }, () => {
      const results: CellResult[] = ciSlice().map((c) => runCell(c, images, now));
      const failed = results
        .filter((r) => !r.ok)
        .map(
          (r) =>
            `${cellName(r.cell)}: ${r.expectations
              .filter((e) => !e.ok)
              .map((e) => e.detail)
              .join('; ')}`,
        );
      expect(failed).toEqual([]);
      expect(results.length).toBe(75);
    });
  },
);
