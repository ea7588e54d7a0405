// The event catalogue behind `--trace help`, the one text rendering of events, and the numbers
// helper every app parses typed numbers with.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EVENT_KINDS,
  formatEvent,
  isTraceSelector,
  parseNumber,
  TRACE_GROUPS,
  traceSelectorKinds,
  validateConfig,
} from '../src/index.js';
import { createMachine, kbl, registry } from './helpers.js';

const BIOS = '/usr/share/seabios/bios-256k.bin';

function recordedKinds(firmware: Parameters<typeof createMachine>[0]['firmware']): Set<string> {
  const m = createMachine({ firmware, igd: { source: kbl(), linker: true }, trace: ['all'] });
  m.boot({ maxInstructions: 50_000_000 });
  return new Set(m.events.recorded.map((e) => e.kind));
}

describe('EVENT_KINDS', () => {
  it('catalogues every kind a boot with trace all records (hle)', () => {
    const kinds = recordedKinds({ kind: 'hle' });
    expect(kinds.size).toBeGreaterThan(10);
    for (const k of kinds) expect(EVENT_KINDS, k).toHaveProperty([k]);
  });

  it.skipIf(!existsSync(BIOS))('catalogues every kind a boot with trace all records (Debian SeaBIOS)', () => {
    const kinds = recordedKinds({ kind: 'image', image: new Uint8Array(readFileSync(BIOS)), name: BIOS });
    expect(kinds.has('cpu-msr')).toBe(true);
    for (const k of kinds) expect(EVENT_KINDS, k).toHaveProperty([k]);
  });

  it('every group selects at least one catalogued kind; selectors are refused unless they mean something', () => {
    for (const g of Object.keys(TRACE_GROUPS)) expect(traceSelectorKinds(g).length, g).toBeGreaterThan(0);
    for (const s of ['all', 'igd', 'platform', 'igd-opregion', 'cpu-msr', 'a20'])
      expect(isTraceSelector(s), s).toBe(true);
    for (const s of ['banana', 'igd-opr', '', 'cpu-']) expect(isTraceSelector(s), s).toBe(false);
  });
});

describe('formatEvent', () => {
  it('prints addresses and register values in hex, sizes and counts in decimal', () => {
    expect(
      formatEvent({ kind: 'igd-asls-write', seq: 3, t: 10, value: 0x7ffe000, previous: 0, policy: 'fw-cfg' }),
    ).toBe('#3 igd-asls-write value=0x7ffe000 previous=0x0 policy=fw-cfg');
    expect(
      formatEvent({
        kind: 'pci-config-write',
        seq: 4,
        t: 0,
        bdf: '00:02.0',
        offset: 0x5c,
        size: 4,
        value: 0x2f00000,
      }),
    ).toBe('#4 pci-config-write bdf=00:02.0 offset=0x5c size=4 value=0x2f00000');
    expect(
      formatEvent({
        kind: 'cpu-msr',
        seq: 5,
        t: 0,
        op: 'read',
        index: 0x1b,
        value: 0xfee00900n,
        known: true,
      }),
    ).toBe('#5 cpu-msr op=read index=0x1b value=0xfee00900 known=true');
    expect(formatEvent({ kind: 'debugcon', seq: 6, t: 0, line: 'No bootable device.' })).toBe(
      '#6 debugcon line="No bootable device."',
    );
  });
});

describe('parseNumber', () => {
  const size = { kind: 'size', min: 16 * 2 ** 20, max: 2 ** 36, multipleOf: 2 ** 20 } as const;
  it('accepts sizes and decimal (or opted-in hex) integers in range', () => {
    expect(parseNumber('128M', size)).toEqual({ ok: true, value: 128 * 2 ** 20 });
    expect(parseNumber('2G', size)).toEqual({ ok: true, value: 2 ** 31 });
    expect(parseNumber('200000000', { kind: 'integer', min: 1 })).toEqual({ ok: true, value: 200_000_000 });
    expect(parseNumber('0x1f', { kind: 'integer', hex: true, max: 255 })).toEqual({ ok: true, value: 31 });
  });
  it('refuses what Number() would silently take, and out-of-range values, in one line', () => {
    const bad: Array<[string, Parameters<typeof parseNumber>[1], string]> = [
      ['-1', size, "'-1' is not a size like 64M, 2G or a byte count"],
      ['', size, 'is empty: expected a size like 64M, 2G or a byte count'],
      ['8M', size, '8M is below the minimum of 16 MiB'],
      ['1T', size, '1T is above the maximum of 64 GiB'],
      ['17000K', size, '17000K is not a multiple of 1 MiB'],
      ['1e3', { kind: 'integer' }, "'1e3' is not a decimal integer"],
      ['0x10', { kind: 'integer' }, "'0x10' is not a decimal integer"],
      [' ', { kind: 'integer', hex: true }, 'is empty: expected a decimal or 0x-hex integer'],
      ['256', { kind: 'integer', hex: true, max: 255 }, '256 is above the maximum of 255 (0xff)'],
      ['99999999999999999999', { kind: 'integer' }, "'99999999999999999999' is not a decimal integer"],
    ];
    for (const [text, rule, error] of bad)
      expect(parseNumber(text, rule), text).toEqual({ ok: false, error });
  });
});

describe('validateConfig cross-checks', () => {
  it('refuses stolen memory that cannot fit below 4 GiB and lists every problem', () => {
    try {
      validateConfig(
        { memory: '16M', igd: { source: kbl(), bdsmSize: 64 * 2 ** 20, bdf: '00:01.0' } },
        registry,
      );
      expect.unreachable();
    } catch (e) {
      expect((e as { problems: string[] }).problems).toEqual([
        'device igd (vfio-igd): bdsm size 64 MiB does not fit in guest RAM below 4 GiB (memory 16 MiB)',
        'device igd (vfio-igd): addr 00:01.0 is taken by the chipset (00:00.0 host bridge, 00:01.x PIIX)',
      ]);
    }
  });
  it('refuses an IGD source whose BAR0 is I/O (the PCI model would throw later)', () => {
    const src = kbl();
    const config = src.config.slice();
    new DataView(config.buffer).setUint32(0x10, 0xf001, true);
    expect(() =>
      validateConfig(
        {
          igd: { source: { ...src, config, bars: [{ index: 0, type: 'io', prefetchable: false, size: 0 }] } },
        },
        registry,
      ),
    ).toThrow(/device igd \(vfio-igd\): source: BAR0 \(offset 0x10\) is an I\/O BAR/);
  });
});
