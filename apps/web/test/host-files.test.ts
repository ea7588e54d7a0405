import { readFileSync } from 'node:fs';
import { buildOpRegion } from '@vmkit/vfio-igd';
import { describe, expect, it } from 'vitest';
import { checkSize, classifyFile, dumpInputs, HostFileError, MAX_FILE_BYTES } from '../src/host-files.ts';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`fixtures/dump-hsw/${name}`, import.meta.url)));

describe('dropped files are recognised by content', () => {
  it('a VBT, lspci text, an OpRegion, a config image and a BIOS image', () => {
    const vbt = classifyFile('x.bin', fixture('data.vbt'));
    expect(vbt.kind).toBe('vbt');
    expect(vbt.summary).toMatch(/\$VBT HASWELL/);
    const lspci = classifyFile('whatever', fixture('lspci.txt'));
    expect(lspci).toMatchObject({ kind: 'lspci', summary: 'lspci text, 1 device(s): 00:02.0' });
    const op = classifyFile('i915_opregion', buildOpRegion({ vbt: fixture('data.vbt') }));
    expect(op.kind).toBe('opregion');
    const cfg = new Uint8Array(256);
    cfg.set([0x86, 0x80, 0x16, 0x04]);
    expect(classifyFile('config', cfg).kind).toBe('config');
    expect(classifyFile('bios.bin', new Uint8Array(128 * 1024).fill(0x90)).kind).toBe('bios');
  });

  it('anything else is refused with one line saying why', () => {
    expect(() => classifyFile('notes.bin', new Uint8Array(1000).fill(7))).toThrow(
      /notes.bin \(1000 B\) is not a BIOS image \(a multiple of 64 KiB\), an OpRegion/,
    );
    expect(() => classifyFile('readme.txt', new TextEncoder().encode('hello\nworld\n'))).toThrow(
      HostFileError,
    );
    const cut = new TextDecoder().decode(fixture('lspci.txt')).split('\n').slice(0, 9).join('\n');
    expect(() => classifyFile('lspci.txt', new TextEncoder().encode(cut))).toThrow(/truncated: 128 bytes/);
    expect(() => checkSize('disk.img', 2 * 1024 ** 3)).toThrow(
      /disk.img is 2 GiB: larger than any BIOS image or host dump \(limit 16 MiB\)/,
    );
    expect(() => checkSize('big', MAX_FILE_BYTES + 1)).toThrow(HostFileError);
    expect(() => checkSize('empty', 0)).toThrow(/empty is empty/);
  });

  it('a dump without a config image borrows the fallback identity', () => {
    const vbt = classifyFile('data.vbt', fixture('data.vbt'));
    const fallback = new Uint8Array(256);
    expect(dumpInputs([vbt], fallback)).toEqual({ config: fallback, opRegion: undefined, vbt: vbt.bytes });
    expect(() => dumpInputs([vbt])).toThrow(/no config-space image or lspci text/);
  });
});
