// The files `pnpm new-device <name>` writes beside the common package layout: a working PCI device
// (one 4 KiB MMIO BAR with an id and a scratch register, state and reset), a test that plugs it
// into a machine through the registry, and a pack smoke test. Replace the registers with yours.
import { camel } from './scaffold.mjs';

/** A single-quoted TypeScript string literal. */
const jsString = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const pascal = (s) => camel(s).replace(/^./, (c) => c.toUpperCase());

export function deviceFiles(name, description) {
  const type = `${camel(name)}DeviceType`;
  const Props = pascal(`${name}-props`);
  const State = pascal(`${name}-state`);
  const deviceTs = `// ${name}: ${description}.
// A PCI function with one 32-bit MMIO BAR: 0x00 reads the ids (device << 16 | vendor), 0x04 is a
// scratch register. Other offsets read all-ones and drop writes, as an unclaimed register would.
import type { DeviceType } from '@vmkit/device';
import type { AccessSize } from '@vmkit/memory-bus';
import { PciDevice } from '@vmkit/pci';

export interface ${Props} {
  vendorId: number;
  deviceId: number;
}

export interface ${State} {
  scratch: number;
}

const ONES: Record<AccessSize, number> = { 1: 0xff, 2: 0xffff, 4: 0xffffffff };

export const ${type}: DeviceType<${Props}, ${State}> = {
  driver: '${name}',
  bus: 'pci',
  description: ${jsString(description)},
  props: {
    vendorId: { type: 'int', doc: 'PCI vendor id', min: 0, max: 0xffff, default: 0x1234 },
    deviceId: { type: 'int', doc: 'PCI device id', min: 0, max: 0xffff, default: 0x0001 },
  },
  realize(props, ctx) {
    let scratch = 0;
    const handler = {
      read(offset: number, size: AccessSize): number {
        if (size !== 4) return ONES[size];
        if (offset === 0x00) return ((props.deviceId << 16) | props.vendorId) >>> 0;
        if (offset === 0x04) return scratch;
        return ONES[size];
      },
      write(offset: number, size: AccessSize, value: number): void {
        if (size === 4 && offset === 0x04) scratch = value >>> 0;
      },
    };
    const pci = new PciDevice({
      name: ctx.id,
      vendorId: props.vendorId,
      deviceId: props.deviceId,
      classCode: 0xff0000,
      interruptPin: 1,
      bars: [{ kind: 'mem32', size: 0x1000, handler }],
    });
    return {
      pci,
      reset: () => {
        scratch = 0;
      },
      getState: () => ({ scratch }),
      setState: (s) => {
        scratch = s.scratch >>> 0;
      },
      report: () => ({ scratch }),
    };
  },
};
`;
  const indexTs = `export const PACKAGE_NAME = '@vmkit/${name}';
export * from './device-type.js';
`;
  const testTs = `// Plugs the device into a machine through the registry, as an app does, and drives its BAR.
import { DeviceRegistry } from '@vmkit/device';
import { createMachine } from '@vmkit/machine';
import { describe, expect, it } from 'vitest';
import { ${type} } from '../src/index.js';

const registry = new DeviceRegistry([${type}]);

/** PCI config read through the 0xcf8/0xcfc mechanism, as a guest does. */
function configRead(m: ReturnType<typeof createMachine>, devfn: number, offset: number): number {
  m.io.out32(0xcf8, (0x80000000 | (devfn << 8) | offset) >>> 0);
  return m.io.in32(0xcfc) >>> 0;
}

describe('${name}', () => {
  it('is plugged by config, gets its BAR from the firmware and keeps its scratch register', () => {
    const m = createMachine(
      { firmware: { kind: 'hle' }, devices: [{ driver: '${name}', addr: '03.0', deviceId: 0x4242 }] },
      { registry },
    );
    m.boot();
    const devfn = 3 << 3;
    expect(configRead(m, devfn, 0x00)).toBe(0x42421234);
    const bar = (configRead(m, devfn, 0x10) & ~0xf) >>> 0;
    expect(bar).not.toBe(0);
    expect(m.memory.read32(bar) >>> 0).toBe(0x42421234);
    m.memory.write32(bar + 4, 0xcafef00d);
    expect(m.memory.read32(bar + 4) >>> 0).toBe(0xcafef00d);
    expect(m.memory.read32(bar + 8) >>> 0).toBe(0xffffffff);
    const dev = m.devices.find((d) => d.id === '${name}')!;
    expect(dev.device.getState()).toEqual({ scratch: 0xcafef00d });
  });

  it('refuses a property out of range', () => {
    expect(() => createMachine({ devices: [{ driver: '${name}', vendorId: 0x10000 }] }, { registry })).toThrow(
      /vendorId/,
    );
  });
});
`;
  const smoke = `// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).
import { checkDeviceSpecs, DeviceRegistry } from '@vmkit/device';
import { ${type} } from '@vmkit/${name}';

const r = checkDeviceSpecs(new DeviceRegistry([${type}]), [{ driver: '${name}', deviceId: '0x10000' }]);
if (r.problems.length !== 1) throw new Error(\`unexpected problems: \${JSON.stringify(r.problems)}\`);
`;
  const readme = `## Purpose

A PCI device for vmkit machines: ${description}.

## API sketch

\`\`\`ts
import { DeviceRegistry } from '@vmkit/device';
import { createMachine } from '@vmkit/machine';
import { ${type} } from '@vmkit/${name}';

const m = createMachine({ devices: [{ driver: '${name}', addr: '03.0' }] }, { registry: new DeviceRegistry([${type}]) });
\`\`\`

The apps register it (\`apps/*/src/registry.ts\`), so \`vmkit boot --device ${name},addr=03.0\` plugs it.

| BAR0 offset | access | what                              |
| ----------- | ------ | --------------------------------- |
| 0x00        | R, 32  | device id << 16 \\| vendor id      |
| 0x04        | RW, 32 | scratch register (0 after reset)  |
| other       |        | reads all-ones, writes dropped    |

## Limits and untrusted input

Accesses other than 32 bits read all-ones and are dropped on write; nothing a guest writes can throw.
`;
  const files = {
    'src/device-type.ts': deviceTs,
    'src/index.ts': indexTs,
    'test/index.test.ts': testTs,
    'test/pack-smoke.mjs': smoke,
  };
  return { files, readme, exportName: type };
}
