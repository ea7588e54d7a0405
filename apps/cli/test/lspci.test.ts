// `vmkit lspci` against pciutils' lspci (the oracle: Debian's `pciutils`, installed in CI by
// scripts/ci/setup-pciutils.sh): lspci reads vmkit's `-xxxx` output back as a config dump
// (`-F <file>`) with a names database holding exactly the class names vmkit knows (`-i <file>`), and
// must print the same bytes for each format. Then the round trip: the dump boots again as a host.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classNamesAsPciIds } from '@vmkit/pci';
import { describe, expect, it } from 'vitest';
import { tmp, vmkitBuilt as vmkit, vmkitAll } from './helpers.js';

const LSPCI = spawnSync('lspci', ['--version'], { encoding: 'utf8' }).status === 0;
if (!LSPCI) {
  const msg = "pciutils' lspci is not installed (apt-get install pciutils; scripts/ci/setup-pciutils.sh)";
  if (process.env.VMKIT_REQUIRE_TOOLS === '1') throw new Error(`${msg} and VMKIT_REQUIRE_TOOLS=1`);
  console.warn(`skipping the pciutils comparison: ${msg}`);
}

const FORMATS = [
  [],
  ['-n'],
  ['-nn'],
  ['-x'],
  ['-xxx'],
  ['-xxxx'],
  ['-nn', '-xxx'],
  ['-v'],
  ['-vnn'],
  ['-v', '-xxx'],
];
/** lspci reading a dump knows no BAR sizes; vmkit prints them as lspci on a live host does. */
const withoutSizes = (t: string) => t.replace(/ \[size=\d+[KMGT]?\]/g, '');

describe('vmkit lspci', () => {
  const machine = ['--firmware', 'hle'];

  it('prints every function of the booted machine; --help and bad flags behave', () => {
    const r = vmkit('lspci', ...machine);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter(Boolean)).toEqual([
      '00:00.0 Host bridge: Device 8086:1237 (rev 02)',
      '00:01.0 ISA bridge: Device 8086:7000',
      '00:01.1 IDE interface: Device 8086:7010',
      '00:01.3 Bridge: Device 8086:7113 (rev 03)',
      '00:02.0 VGA compatible controller: Device 8086:5916 (rev 02)',
    ]);
    expect(vmkit('lspci', '-q').err).toMatch(/^vmkit: unknown option '-q'/);
  });

  for (const igd of ['synthetic:kbl']) {
    it.skipIf(!LSPCI)(`matches pciutils lspci byte for byte, every format (--igd ${igd})`, async () => {
      const m = [...machine, '--igd', igd];
      const [dump, ...outs] = await vmkitAll([
        ['lspci', '-xxxx', ...m],
        ...FORMATS.map((f) => ['lspci', ...f, ...m]),
      ]);
      const file = join(tmp, `lspci-${igd.replace(':', '-')}.txt`);
      writeFileSync(file, dump!.out);
      const ids = join(tmp, 'vmkit.ids');
      writeFileSync(ids, classNamesAsPciIds());
      FORMATS.forEach((f, i) => {
        // hwdb.disable: names from udev's hardware database would differ between machines.
        const oracle = spawnSync('lspci', ['-O', 'hwdb.disable=1', '-F', file, '-i', ids, ...f], {
          encoding: 'utf8',
        });
        expect(oracle.status, f.join(' ')).toBe(0);
        const ours = f.some((x) => x.startsWith('-v')) ? withoutSizes(outs[i]!.out) : outs[i]!.out;
        expect(ours, `vmkit lspci ${f.join(' ')}`).toBe(oracle.stdout);
      });
      expect(outs[FORMATS.findIndex((f) => f[0] === '-v')]!.out).toMatch(
        /^\tMemory at [0-9a-f]{8} \(64-bit, non-prefetchable\) \[size=16M\]$/m,
      );
    });
  }

  it('-xxxx output boots again as a host dump (--igd dump:) with the same IGD', () => {
    const text = vmkit('lspci', '-xxxx', '--firmware', 'hle', '--igd', 'synthetic:skl').out;
    const dir = join(tmp, 'lspci-roundtrip');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'lspci.txt'), text);
    const again = vmkit('lspci', '-xxxx', '--firmware', 'hle', '--igd', `dump:${dir}`);
    expect(again.code).toBe(0);
    const igd = (t: string) => t.slice(t.indexOf('00:02.0 '));
    const first = igd(text).split('\n');
    const second = igd(again.out).split('\n');
    expect(second[0]).toBe(first[0]); // class, ids, revision
    // ids, command/status aside, class, subsystem, capability bytes: the header rows 00, 20 and the
    // capability rows are the same; BARs may differ (the firmware programs them again).
    for (const row of ['00:', '20:', '40:', '70:', 'a0:', 'd0:']) {
      const a = first.find((l) => l.startsWith(row))!;
      const b = second.find((l) => l.startsWith(row))!;
      if (row === '00:') expect(b.slice(0, 12)).toBe(a.slice(0, 12));
      else expect(b, row).toBe(a);
    }
  });
});
