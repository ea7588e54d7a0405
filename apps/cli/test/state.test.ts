// vmkit boot --stop-at/--save-state and vmkit resume: the resumed run's report, instruction count
// and log equal the uninterrupted boot's; bad state files get one line and exit 1. Also --device
// and --fw-cfg (QEMU syntax) and their bad input.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmp, vmkitAll, vmkitBuilt } from './helpers.js';

const SEABIOS = existsSync('/usr/share/seabios/bios-256k.bin');
if (!SEABIOS && process.env.VMKIT_REQUIRE_TOOLS === '1') throw new Error('Debian SeaBIOS is required');
const guest = (j: Record<string, unknown>) => ({ ...j, traces: null, generator: null });

describe.skipIf(!SEABIOS)('boot --save-state / resume (Debian SeaBIOS)', () => {
  it('a boot saved at an instruction and resumed ends exactly as the uninterrupted boot', async () => {
    const file = join(tmp, 'state.vmkit');
    const opts = ['--firmware', 'seabios', '--opregion-policy', 'map', '--fw-cfg', 'name=opt/x,string=hi'];
    const [whole, saved] = await vmkitAll([
      ['boot', ...opts, '--json'],
      ['boot', ...opts, '--stop-at', '900001', '--save-state', file],
    ]);
    expect(saved!.code).toBe(0);
    expect(saved!.out).toBe(`state saved at 900001 instructions to ${file} (vmkit resume ${file})\n`);
    const resumed = vmkitBuilt('resume', file, '--json');
    expect(resumed.code).toBe(0);
    const a = JSON.parse(whole!.out);
    const b = JSON.parse(resumed.out);
    expect(b.result).toEqual(a.result);
    expect(b.log).toEqual(a.log);
    expect(guest(b)).toEqual(guest(a));

    // Damaged, foreign and other-version files: one line each, exit 1, no stack trace.
    const bytes = readFileSync(file);
    const variants: Array<[string, Uint8Array, RegExp]> = [
      ['truncated', bytes.subarray(0, bytes.length - 100), /truncated or corrupted/],
      [
        'corrupted',
        Uint8Array.from(bytes, (x, i) => (i === bytes.length >> 1 ? x ^ 1 : x)),
        /truncated or corrupted/,
      ],
      ['version', Uint8Array.from(bytes, (x, i) => (i === 8 ? 9 : x)), /snapshot version 9 is not supported/],
      ['text', new TextEncoder().encode('hello'), /not a vmkit snapshot/],
    ];
    const runs = await vmkitAll(
      variants.map(([name, data]) => {
        const p = join(tmp, `bad-${name}.vmkit`);
        writeFileSync(p, data);
        return ['resume', p];
      }),
    );
    for (const [i, [name, , re]] of variants.entries()) {
      expect(runs[i]!.code, name).toBe(1);
      expect(runs[i]!.err, name).toMatch(re);
      expect(runs[i]!.err.trim().split('\n'), name).toHaveLength(1);
    }
  });
});

describe('--device and --fw-cfg', () => {
  it('plugs devices in QEMU syntax, lists drivers and properties, refuses bad input in one line each', async () => {
    const [plugged, list, props, bad, clash, syntax, fwcfg] = await vmkitAll([
      [
        'boot',
        '--firmware',
        'hle',
        '--json',
        '--device',
        'pci-stub,addr=05.0,vendorId=0x1234,deviceId=0x11e8,classCode=0xff0000',
      ],
      ['boot', '--device', 'help'],
      ['boot', '--device', 'vfio-igd,help'],
      [
        'boot',
        '--firmware',
        'hle',
        '--device',
        'nope',
        '--device',
        'pci-stub,addr=03.0,vendorId=x,deviceId=1,classCode=1',
      ],
      ['boot', '--firmware', 'hle', '--device', 'pci-stub,addr=02.0,vendorId=1,deviceId=1,classCode=1'],
      ['boot', '--firmware', 'hle', '--device', 'pci-stub,addr'],
      ['boot', '--firmware', 'hle', '--fw-cfg', 'name=opt/a,file=/nonexistent'],
    ]);
    const j = JSON.parse(plugged!.out);
    expect(j.pci.find((d: { bdf: string }) => d.bdf === '00:05.0')).toMatchObject({
      vendor: '1234',
      device: '11e8',
    });
    expect(list!.code).toBe(0);
    expect(list!.out).toMatch(/^ {2}pci-stub +bus pci/m);
    expect(list!.out).toMatch(/^ {2}vfio-igd +bus pci/m);
    expect(props!.out).toMatch(
      /^ {2}policy=<enum> +how the guest gets the OpRegion \(one of fw-cfg, map, map-rw, copy-on-asls; default fw-cfg\)$/m,
    );
    expect(bad!.code).toBe(1);
    expect(bad!.err.trim().split('\n')).toEqual([
      "vmkit: config: device #3: unknown driver 'nope' (drivers: isa-debugcon, pci-stub, vfio-igd)",
      "vmkit: config: device pci-stub (pci-stub): property 'vendorId' must be an integer from 0 to 65535",
    ]);
    expect(clash!.code).toBe(1);
    expect(clash!.err.trim()).toBe(
      'vmkit: config: device pci-stub (pci-stub): addr 00:02.0 is already used by device igd',
    );
    expect(syntax!.code).toBe(2);
    expect(syntax!.err.trim()).toBe("vmkit: --device 'pci-stub,addr': 'addr' is not prop=value");
    expect(fwcfg!.code).toBe(1);
    expect(fwcfg!.err).toMatch(/cannot read fw_cfg file \/nonexistent/);
  });
});
