// `rig conformance`: every registered device type passes every check, and each check catches the
// bug it exists for, shown with deliberately broken device types defined here.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AnyDeviceType } from '@vmkit/device';
import { DeviceRegistry } from '@vmkit/device';
import { createMachine } from '@vmkit/machine';
import { PciDevice } from '@vmkit/pci';
import { describe, expect, it } from 'vitest';
import { type CheckResult, edgeValues, prng, runConformance, variants } from '../src/conformance.js';
import { BOARD_FUNCTIONS, runBoardConformance } from '../src/conformance-board.js';
import { ConfigPort, readOnlyProblems, sizeBars } from '../src/conformance-pci.js';
import { conformanceRequiredProps, registry } from '../src/registry.js';

const failed = (rs: CheckResult[]) => rs.filter((r) => r.status === 'fail');
const checksThatFailed = (rs: CheckResult[]) => [...new Set(failed(rs).map((r) => r.check))].sort();

/** A port device that behaves: its state is a counter a port write sets, reset clears it. */
function wellBehaved(): AnyDeviceType {
  return {
    driver: 'good-port',
    bus: 'isa',
    description: 'test: a conforming port device',
    props: {
      iobase: { type: 'int', doc: 'port', min: 0x100, max: 0xfff0, default: 0x300 },
      loud: { type: 'bool', doc: 'emit an event per write', default: false },
    },
    realize(p, ctx) {
      let value = 0;
      ctx.mapIo('reg', p.iobase, 4, {
        read: () => value,
        write: (_o, _s, v) => {
          value = v;
          if (p.loud) ctx.emit({ kind: 'good-port-write', value: v });
        },
      });
      return { reset: () => (value = 0), getState: () => ({ value }), setState: (s) => (value = s.value) };
    },
  };
}

describe('rig conformance', () => {
  it('every registered device type passes, with default and edge props', () => {
    const types = registry.list();
    expect(types.length).toBeGreaterThan(0);
    const results = runConformance(types, { accesses: 300, requiredProps: conformanceRequiredProps });
    expect(failed(results)).toEqual([]);
    // Every type ran every check at least at its default props.
    for (const t of types)
      for (const c of ['reset', 'state', 'fuzz', 'bars', 'read-only', 'determinism'])
        expect(
          results.some(
            (r) => r.driver === t.driver && r.variant === 'default' && r.check === c && r.status === 'pass',
          ),
        ).toBe(true);
  });

  it('edges come from the PropSpecs: int min/max, enum values, both booleans', () => {
    expect(edgeValues({ type: 'int', doc: '', min: 1, max: 9, default: 1 })).toEqual([9]);
    expect(edgeValues({ type: 'enum', doc: '', values: ['a', 'b', 'c'], default: 'b' })).toEqual(['a', 'c']);
    expect(variants(wellBehaved()).map((v) => v.name)).toEqual([
      'default',
      'iobase=0x100',
      'iobase=0xfff0',
      'loud=true',
    ]);
  });

  it('the PRNG is seeded: same seed, same sequence; another seed, another', () => {
    const a = prng(7);
    const b = prng(7);
    const c = prng(8);
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(xs);
    expect([c(), c(), c()]).not.toEqual(xs);
  });

  it('a conforming ISA device passes (PCI checks skipped, with the reason)', () => {
    const rs = runConformance([wellBehaved()], { accesses: 200 });
    expect(failed(rs)).toEqual([]);
    expect(rs.find((r) => r.check === 'bars')).toMatchObject({
      status: 'skip',
      detail: 'not a PCI device (isa)',
    });
  });

  it('a reset that does not reset and a state that is not JSON-safe fail reset and state', () => {
    const broken: AnyDeviceType = {
      ...wellBehaved(),
      driver: 'bad-state',
      realize(_p, ctx) {
        let resets = 0;
        ctx.mapIo('reg', 0x300, 1, { read: () => 0, write: () => {} });
        return {
          reset: () => void resets++,
          getState: () => ({ resets, buffer: new Uint8Array([resets]) }),
          setState: (s) => (resets = s.resets),
        };
      },
    };
    const rs = runConformance([broken], { accesses: 10 });
    expect(checksThatFailed(rs)).toEqual(['reset', 'state']);
    expect(rs.find((r) => r.check === 'reset' && r.variant === 'default')?.detail).toMatch(
      /second reset differs: \$\.resets/,
    );
    expect(rs.find((r) => r.check === 'state' && r.variant === 'default')?.detail).toMatch(
      /does not survive JSON: \$\.buffer/,
    );
  });

  it('a guest write that throws fails fuzz, naming the access', () => {
    const broken: AnyDeviceType = {
      ...wellBehaved(),
      driver: 'bad-throw',
      realize(p, ctx) {
        ctx.mapIo('reg', p.iobase, 4, {
          read: () => 0,
          write: (o) => {
            if (o === 2) throw new Error('register 2 is not implemented');
          },
        });
        return { reset: () => {}, getState: () => ({}), setState: () => {} };
      },
    };
    const rs = runConformance([broken], { accesses: 200 });
    expect(checksThatFailed(rs)).toEqual(['fuzz']);
    expect(rs.find((r) => r.check === 'fuzz')?.detail).toMatch(
      /^write(8|16) dut:reg\+0x2 threw: register 2 is not implemented$/,
    );
  });

  it('state shared between instances makes two identical machines differ: determinism fails', () => {
    let global = 0; // a device that leaks state across machines (as wall-clock or Math.random use would)
    const broken: AnyDeviceType = {
      ...wellBehaved(),
      driver: 'bad-determinism',
      realize(p, ctx) {
        ctx.mapIo('reg', p.iobase, 4, {
          read: () => 0,
          write: () => ctx.emit({ kind: 'bad-write', n: global++ }),
        });
        return { reset: () => {}, getState: () => ({}), setState: () => {} };
      },
    };
    const rs = runConformance([broken], { accesses: 50 });
    expect(checksThatFailed(rs)).toEqual(['determinism']);
    expect(rs.find((r) => r.check === 'determinism')?.detail).toMatch(/^event streams differ: \$\.\d+\.n: /);
  });

  it('a PCI function with a writable vendor id fails read-only', () => {
    const broken: AnyDeviceType = {
      driver: 'bad-pci',
      bus: 'pci',
      description: 'test: writable identification register',
      props: {},
      realize(_p, ctx) {
        const pci = new PciDevice({
          name: ctx.id,
          vendorId: 0x1234,
          deviceId: 0x5678,
          classCode: 0xff0000,
          bars: [
            { kind: 'mem32', size: 4096, backing: new Uint8Array(4096) },
            { kind: 'io', size: 16, handler: { read: () => 0xff, write: () => {} } },
          ],
        });
        pci.config.setWritable(0x00, 2, 0xffff);
        return { pci, reset: () => {}, getState: () => ({}), setState: () => {} };
      },
    };
    const rs = runConformance([broken], { accesses: 100 });
    expect(checksThatFailed(rs)).toEqual(['read-only']);
    expect(rs.find((r) => r.check === 'read-only')?.detail).toMatch(
      /^vendor id at 0x0 changed from 0x1234 to 0xedcb/,
    );
    expect(rs.find((r) => r.check === 'bars')).toMatchObject({ status: 'pass', detail: '2 BAR(s)' });
  });
  it('a BAR register whose size mask has holes fails bars (PCI 3.0 §6.2.5.1)', () => {
    const broken: AnyDeviceType = {
      driver: 'bad-bar',
      bus: 'pci',
      description: 'test: a BAR with a non-contiguous size mask',
      props: {},
      realize(_p, ctx) {
        const pci = new PciDevice({ name: ctx.id, vendorId: 0x1234, deviceId: 0x5678, classCode: 0xff0000 });
        pci.config.setWritable(0x14, 4, 0xff00fff0); // plain bytes the BAR logic does not own
        return { pci, reset: () => {}, getState: () => ({}), setState: () => {} };
      },
    };
    const rs = runConformance([broken], { accesses: 50 });
    expect(checksThatFailed(rs)).toEqual(['bars']);
    expect(rs.find((r) => r.check === 'bars')?.detail).toBe(
      'BAR 0x14: size mask 0xff00fff0 is not contiguous',
    );
  });
});

describe("the board's own PCI functions", () => {
  it('host bridge, PIIX3, IDE and PIIX4 PM pass bars, read-only, fuzz, reset, state and determinism', () => {
    const rs = runBoardConformance({ accesses: 500 });
    expect(failed(rs)).toEqual([]);
    expect([...new Set(rs.map((r) => r.driver))]).toEqual(['i440FX', 'PIIX3', 'piix3-ide', 'PIIX4_PM']);
    expect(rs.filter((r) => r.driver === 'PIIX4_PM').map((r) => r.check)).toEqual([
      'reset',
      'bars',
      'read-only',
      'fuzz',
      'state',
      'determinism',
    ]);
  });

  it("the checks reach the board's real config spaces: the IDE's BAR4, a writable vendor id caught", () => {
    const m = createMachine({ memory: '128M', debugconPort: null }, { registry: new DeviceRegistry([]) });
    const ide = new ConfigPort(m.io, BOARD_FUNCTIONS[2].devfn);
    expect(sizeBars(ide)).toEqual({
      bars: [{ offset: 0x20, kind: 'io', size: 16, prefetchable: false }],
      problems: [],
    });
    expect(readOnlyProblems(ide)).toEqual([]);
    // Break the PIIX4 PM's identification as a device model bug would: the check names it.
    m.platform.pci.bus.deviceAt(BOARD_FUNCTIONS[3].devfn)!.config.setWritable(0, 2, 0xffff);
    expect(readOnlyProblems(new ConfigPort(m.io, BOARD_FUNCTIONS[3].devfn))).toEqual([
      'vendor id at 0x0 changed from 0x8086 to 0x7f79',
    ]);
  });
});

describe('pnpm rig conformance', () => {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const rig = (...args: string[]) =>
    spawnSync(
      'node',
      ['--conditions=@vmkit/source', '--import', 'tsx', 'apps/test-rig/src/main.ts', ...args],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );

  it('prints one line per device × check and exits 0 when all pass; --json has the summary', () => {
    const text = rig('conformance', 'vfio-igd', '--accesses', '50');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^ok {4}vfio-igd \[default\] bars: 3 BAR\(s\)$/m);
    const json = JSON.parse(rig('conformance', '@vmkit/vfio-igd', '--json', '--accesses', '50').stdout);
    expect(json.summary).toMatchObject({ devices: 1, failed: 0, seed: 1, accesses: 50 });
  }, 60_000);

  it('board: the i440FX functions, one line per function × check', () => {
    const r = rig('conformance', 'board', '--accesses', '50');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ok {4}piix3-ide \[board\] bars: 1 BAR\(s\)$/m);
    expect(r.stdout).toMatch(/^4 device\(s\), 24 checks, 0 failed, 0 skipped \(seed 1\)$/m);
  }, 60_000);

  it('an unknown package is a one-line error with exit 2', () => {
    const r = rig('conformance', '@vmkit/nope');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      "rig: conformance: unknown package or driver '@vmkit/nope' (@vmkit/vfio-igd, @vmkit/edu, edu, vfio-igd, board)",
    );
  }, 60_000);
});
