import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogueSource, decodeIgdBlob, diagnoseIgd, sourceFromDumps } from '../src/index.js';

const codes = (xs: { code: string }[]) => xs.map((x) => x.code);

describe('diagnoseIgd (docs §8 problems made visible)', () => {
  it('a healthy Kaby Lake under SeaBIOS has no findings', () => {
    expect(diagnoseIgd(catalogueSource('kbl'))).toEqual([]);
  });
  it('gen ≥ 11 BDSM at 0xC0 and the extended VBT', () => {
    const c = codes(diagnoseIgd(catalogueSource('adl')));
    expect(c).toEqual(['bdsm-gen11', 'extended-vbt']);
    expect(codes(diagnoseIgd(catalogueSource('adl'), { firmware: 'linker' }))).toEqual(['extended-vbt']);
  });
  it('unknown ids, class 0x0380, zero GMS, short dumps, OVMF', () => {
    expect(codes(diagnoseIgd(catalogueSource('mtl')))).toContain('unknown-generation');
    const kbl = catalogueSource('kbl');
    const other = { ...kbl, identity: { ...kbl.identity, classCode: 0x038000 } };
    expect(diagnoseIgd(other).find((f) => f.code === 'display-class-0380')?.severity).toBe('error');
    const cfg = kbl.config.slice(0, 256);
    cfg[0x51] = 0; // GMS 0
    expect(codes(diagnoseIgd(sourceFromDumps({ config: cfg })))).toEqual([
      'no-stolen-memory',
      'no-opregion',
      'no-bridge-ids',
    ]);
    expect(codes(diagnoseIgd(sourceFromDumps({ config: kbl.config.slice(0, 64) })))).toContain(
      'short-config',
    );
    expect(codes(diagnoseIgd(kbl, { firmware: 'ovmf' }))).toEqual(['ovmf']);
  });
  it('a corrupted OpRegion is reported', () => {
    const kbl = catalogueSource('kbl');
    const op = kbl.opRegion!.slice();
    op[0x410] = 0xff; // vbt_size high byte region of the mailbox-4 VBT header (0x400 + 0x18 = 0x418)
    op[0x419] = 0xff;
    const f = diagnoseIgd({ ...kbl, opRegion: op });
    expect(f.some((x) => x.code === 'opregion-invalid' && /vbt_size/.test(x.message))).toBe(true);
  });
});

describe('decodeIgdBlob', () => {
  it('detects a VBT file and an OpRegion', () => {
    const vbt = new Uint8Array(readFileSync(new URL('./fixtures/vbt/snb-lenovo-t420.vbt', import.meta.url)));
    const a = decodeIgdBlob(vbt);
    expect(a.type).toBe('vbt');
    expect(a.text).toContain('$VBT SANDYBRIDGE-M');
    const b = decodeIgdBlob(catalogueSource('snb').opRegion!);
    expect(b.type).toBe('opregion');
    expect(b.text).toContain('VBT location: mailbox4');
    expect(decodeIgdBlob(new Uint8Array(3)).decoded.problems[0].field).toBe('header');
  });
});
