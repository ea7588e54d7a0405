// Debian's real SeaBIOS on @vmkit/x86-core + @vmkit/pc-platform: boots, log parity with QEMU 7.2,
// the IGD handshake under real firmware, real vs TypeScript firmware, memory sizes, determinism,
// bad images. Needs the Debian `seabios` package; skips without it unless VMKIT_REQUIRE_TOOLS=1.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { catalogueSource } from '@vmkit/vfio-igd';
import { describe, expect, it } from 'vitest';
import type { MachineConfigInput, OpRegionPolicy } from '../src/index.js';
import { createMachine } from './helpers.js';
import { LOG_PARITY_ALLOWLIST } from './log-parity-allowlist.js';

const BIOS256 = '/usr/share/seabios/bios-256k.bin';
const BIOS128 = '/usr/share/seabios/bios.bin';
const have = existsSync(BIOS256) && existsSync(BIOS128);
if (!have && process.env.VMKIT_REQUIRE_TOOLS === '1') {
  throw new Error(`Debian SeaBIOS (${BIOS256}) is required (VMKIT_REQUIRE_TOOLS=1): apt-get install seabios`);
}
const d = have ? describe : describe.skip;
const image = (p: string) => new Uint8Array(readFileSync(p));
const ref = (name: string) =>
  readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8');
const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8');
const lines = (text: string) => text.replace(/\n$/, '').split('\n');

function bootReal(input: Omit<MachineConfigInput, 'firmware'> = {}, path = BIOS256) {
  const m = createMachine({ ...input, firmware: { kind: 'image', image: image(path), name: path } });
  const report = m.boot({ maxInstructions: 60_000_000 });
  return { m, report };
}

/** Lines of `a` not matched in `b` and vice versa, by longest common subsequence. */
function diffLines(a: string[], b: string[]): { onlyA: string[]; onlyB: string[] } {
  const n = a.length;
  const k = b.length;
  const L = Array.from({ length: n + 1 }, () => new Int32Array(k + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = k - 1; j >= 0; j--)
      L[i]![j] = a[i] === b[j] ? L[i + 1]![j + 1]! + 1 : Math.max(L[i + 1]![j]!, L[i]![j + 1]!);
  const onlyA: string[] = [];
  const onlyB: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < k) {
    if (a[i] === b[j]) {
      i++;
      j++;
    } else if (L[i + 1]![j]! >= L[i]![j + 1]!) onlyA.push(a[i++]!);
    else onlyB.push(b[j++]!);
  }
  while (i < n) onlyA.push(a[i++]!);
  while (j < k) onlyB.push(b[j++]!);
  return { onlyA, onlyB };
}

const usedAllowEntries = new Set<number>();

function unexplained(qemu: string[], ours: string[]) {
  const { onlyA, onlyB } = diffLines(qemu, ours);
  const ok = (line: string, side: 'qemu' | 'ours') => {
    const i = LOG_PARITY_ALLOWLIST.findIndex(
      (e) => (e.side === side || e.side === 'both') && e.pattern.test(line),
    );
    if (i >= 0) usedAllowEntries.add(i);
    return i >= 0;
  };
  return { qemu: onlyA.filter((l) => !ok(l, 'qemu')), ours: onlyB.filter((l) => !ok(l, 'ours')) };
}

d('Debian SeaBIOS on the vmkit x86 core', () => {
  for (const [path, refName] of [
    [BIOS256, 'qemu72-i440fx-128M-bios256k.debugcon.log'],
    [BIOS128, 'qemu72-i440fx-128M-bios128k.debugcon.log'],
  ] as const) {
    it(`${path} boots to "No bootable device." with a log that matches QEMU 7.2's`, () => {
      const { report } = bootReal({ igd: null }, path);
      expect(report.result.reason).toBe('boot-attempted');
      expect(report.log.at(-1)).toBe('No bootable device.');
      const u = unexplained(lines(ref(refName)), report.log);
      expect(u).toEqual({ qemu: [], ours: [] });
    });
  }

  it('every allowlist entry is needed by at least one image (the allowlist stays short and true)', () => {
    const unused = LOG_PARITY_ALLOWLIST.filter((_, i) => !usedAllowEntries.has(i)).map(
      (e) => e.pattern.source,
    );
    expect(unused).toEqual([]);
  });

  it('the IGD handshake under real SeaBIOS (synthetic Kaby Lake at 00:02.0)', () => {
    const { report, m } = bootReal({ igd: { source: catalogueSource('kbl') } });
    const g = report.igd!;
    expect(report.log).toContain(
      `Intel IGD OpRegion enabled at 0x${g.asls.toString(16).padStart(8, '0')}, size 8KB, dev 00:02.0`,
    );
    expect(report.log).toContain(
      `Intel IGD BDSM enabled at 0x${g.bdsm.toString(16).padStart(8, '0')}, size 64MB, dev 00:02.0`,
    );
    expect(g.guestOpregionValid).toBe(true);
    expect(g.bdsmReserved && g.opregionReserved).toBe(true);
    expect(m.memory.readBytes(g.asls, 8192)).toEqual(catalogueSource('kbl').opRegion);
  });

  for (const policy of ['fw-cfg', 'map', 'copy-on-asls'] as OpRegionPolicy[]) {
    for (const linker of [false, true]) {
      it(`policy ${policy}${linker ? ' + linker automation (skipped by SeaBIOS)' : ''}: same guest-visible result as hle`, () => {
        const igd = { source: catalogueSource('kbl'), policy, linker };
        const real = bootReal({ igd }).report;
        const hle = createMachine({
          firmware: { kind: 'hle', options: { tableLoader: 'seabios-1.16' } },
          igd,
        }).boot();
        expect(real.igd!.guestOpregionValid).toBe(true);
        expect(real.igd!.hostOpregionWrites).toBe(0);
        // Real vs TypeScript firmware: BARs and the IGD's registers agree.
        expect(real.igd!.asls).toBe(hle.igd!.asls);
        expect(real.igd!.bdsm).toBe(hle.igd!.bdsm);
        expect(real.pci).toEqual(hle.pci);
        expect(real.e820).toEqual(hle.e820);
      });
    }
  }

  for (const [mem, log] of [
    ['512M', 'qemu72-pc-512M-bios256k.debugcon.log'],
    ['2G', 'qemu72-pc-2048M-bios256k.debugcon.log'],
    ['3584M', 'qemu72-pc-3584M-bios256k.debugcon.log'],
  ] as const) {
    it(`${mem} boots and its e820 map matches QEMU's`, () => {
      const { report } = bootReal({ memory: mem, igd: null });
      expect(report.result.reason).toBe('boot-attempted');
      const qemu = lines(fixture(log));
      const from = (l: string[]) => {
        const i = l.findIndex((x) => /^e820 map has/.test(x));
        return l.slice(i, i + 1 + Number(/has (\d+)/.exec(l[i]!)![1]));
      };
      expect(from(report.log)).toEqual(from(qemu));
    });
  }

  it('determinism: two boots give the same instruction count, log and event stream', () => {
    const run = () => {
      const { m, report } = bootReal({
        igd: { source: catalogueSource('kbl') },
        trace: ['pci-write', 'fwcfg', 'igd'],
      });
      return { n: report.result.instructions, log: report.log, ev: JSON.stringify(m.events.recorded) };
    };
    const a = run();
    const b = run();
    expect(b.n).toBe(a.n);
    expect(b.log).toEqual(a.log);
    expect(b.ev).toBe(a.ev);
    expect(a.ev.length).toBeGreaterThan(1000);
  });

  it('the trace compiler changes nothing the guest or the user sees (jit on vs off)', () => {
    const run = (jit: boolean) => {
      const { m, report } = bootReal({
        igd: { source: catalogueSource('kbl') },
        trace: ['pci-write', 'fwcfg', 'igd'],
        jit,
      });
      return { report, ev: JSON.stringify(m.events.recorded) };
    };
    const on = run(true);
    const off = run(false);
    expect(off.report.result).toEqual(on.report.result);
    expect(off.report.log).toEqual(on.report.log);
    expect(off.report.igd).toEqual(on.report.igd);
    expect(off.report.e820).toEqual(on.report.e820);
    expect(off.report.pci).toEqual(on.report.pci);
    expect(off.ev).toBe(on.ev);
    expect(off.report.traces).toBeNull();
    // Most of the boot (SeaBIOS's memset and checksum loops) runs compiled.
    expect(on.report.traces?.instructions).toBeGreaterThan(on.report.result.instructions * 0.8);
  });
});

describe('bad firmware images end with a clear reason', () => {
  it('a truncated image is refused by the config', () => {
    expect(() =>
      createMachine({ firmware: { kind: 'image', image: new Uint8Array(1000), name: 'x.bin' } }),
    ).toThrow(/multiple of 4 KiB/);
  });

  it('an image that loops forever hits the instruction budget', () => {
    const img = new Uint8Array(65536).fill(0x90);
    img.set([0xeb, 0xfe], 0xfff0); // jmp $
    const m = createMachine({ firmware: { kind: 'image', image: img, name: 'loop.bin' } });
    const r = m.boot({ maxInstructions: 100_000 });
    expect(r.result.reason).toBe('instruction-budget');
    expect(r.result.instructions).toBe(100_000);
  });

  it("an image that triple-faults reports the CPU state (onReset: 'stop'; by default it resets)", () => {
    const img = new Uint8Array(65536).fill(0);
    // cli; lidt [empty IDT]; int3 → #GP... → triple fault
    img.set([0xfa, 0x0f, 0x01, 0x1e, 0xf8, 0xff, 0xcc], 0xfff0);
    img.set([0, 0, 0, 0, 0, 0], 0xfff8);
    const m = createMachine({ firmware: { kind: 'image', image: img, name: 'tf.bin' }, onReset: 'stop' });
    const r = m.boot({ maxInstructions: 100_000 });
    expect(['triple-fault', 'shutdown']).toContain(r.result.reason);
    expect(r.result.detail).toMatch(/at 0x[0-9a-f]{4}:0x[0-9a-f]{8}/);
  });

  it('random bytes never throw out of the machine', () => {
    let s = 12345;
    const img = new Uint8Array(65536).map(() => {
      s = (s * 1103515245 + 12345) >>> 0;
      return s >>> 24;
    });
    const m = createMachine({ firmware: { kind: 'image', image: img, name: 'rand.bin' } });
    const r = m.boot({ maxInstructions: 200_000 });
    expect(r.result.reason).toMatch(/instruction-budget|triple-fault|shutdown|halted-forever/);
  });
});
