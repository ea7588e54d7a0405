// The board's own device types, always available whatever the app registers: `isa-debugcon`
// (QEMU hw/char/debugcon.c, the port SeaBIOS logs to) and `pci-stub` (a PCI function described by
// ids and BARs with nothing behind them). Device packages (vfio-igd, edu, …) are the app's.

import {
  type AnyDeviceType,
  type DeviceRegistry,
  type DeviceType,
  DeviceRegistry as Registry,
} from '@vmkit/device';
import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import { Debugcon, type DebugconState } from '@vmkit/pc-platform';
import { PciDevice } from '@vmkit/pci';

type DebugconProps = { iobase: number; readback: number };

export const isaDebugconType: DeviceType<DebugconProps, DebugconState> = {
  driver: 'isa-debugcon',
  bus: 'isa',
  description: 'debug console port: every byte written is guest output (QEMU isa-debugcon)',
  props: {
    // QEMU's defaults (hw/char/debugcon.c debugcon_isa_properties): iobase 0xe9, readback 0xe9.
    // The machine plugs one at 0x402, where SeaBIOS logs.
    iobase: { type: 'int', doc: 'I/O port', min: 0, max: 0xffff, default: 0xe9 },
    readback: { type: 'int', doc: 'value reads return', min: 0, max: 0xff, default: 0xe9 },
  },
  realize(p, ctx) {
    const dc = new Debugcon({ readback: p.readback, onLine: (line) => ctx.consoleLine(line) });
    ctx.mapIo('debugcon', p.iobase, 1, dc);
    return {
      reset: () => dc.setState({ partial: [] }),
      getState: () => dc.getState(),
      setState: (s) => dc.setState(s),
    };
  },
};

/** No device behind a stub's BARs: reads all-ones, writes dropped (as an empty BAR). */
const unbacked: IoHandler = {
  read: (_o: number, size: AccessSize) => (size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff),
  write: () => {},
};

export interface StubBar {
  index: number;
  kind: 'io' | 'mem32' | 'mem64';
  size: number;
  prefetchable?: boolean;
}

type StubProps = { vendorId: number; deviceId: number; classCode: number; bars?: StubBar[] };

function barProblem(v: unknown): string | null {
  if (!Array.isArray(v)) return 'must be a list of { index, kind, size, prefetchable? }';
  for (const b of v as StubBar[]) {
    if (!b || !Number.isInteger(b.index) || b.index < 0 || b.index > 5) return 'bar index must be 0-5';
    if (!['io', 'mem32', 'mem64'].includes(b.kind)) return `bar ${b.index} kind must be io, mem32 or mem64`;
    const min = b.kind === 'io' ? 4 : 16;
    if (!Number.isSafeInteger(b.size) || b.size < min || (b.size & (b.size - 1)) !== 0)
      return `bar ${b.index} size ${b.size} must be a power of two ≥ ${min}`;
  }
  return null;
}

export const pciStubType: DeviceType<StubProps, Record<string, never>> = {
  driver: 'pci-stub',
  bus: 'pci',
  description: 'an inert PCI function: ids, class and BARs with nothing behind them',
  props: {
    vendorId: { type: 'int', doc: 'vendor id', min: 0, max: 0xffff, required: true },
    deviceId: { type: 'int', doc: 'device id', min: 0, max: 0xffff, required: true },
    classCode: { type: 'int', doc: '24-bit class code', min: 0, max: 0xffffff, required: true },
    bars: {
      type: 'object',
      doc: 'BARs',
      what: 'a list of { index, kind, size, prefetchable? }',
      check: barProblem,
    },
  },
  realize(p, ctx) {
    const bars: Array<{
      kind: StubBar['kind'];
      size: number;
      prefetchable?: boolean;
      handler: IoHandler;
    } | null> = [null, null, null, null, null, null];
    for (const b of p.bars ?? [])
      bars[b.index] = { kind: b.kind, size: b.size, prefetchable: b.prefetchable, handler: unbacked };
    const pci = new PciDevice({
      name: ctx.id,
      vendorId: p.vendorId,
      deviceId: p.deviceId,
      classCode: p.classCode,
      bars,
    });
    return { pci, reset: () => {}, getState: () => ({}), setState: () => {} };
  },
};

export const BUILTIN_DEVICE_TYPES: readonly AnyDeviceType[] = [isaDebugconType, pciStubType];

/** A registry with the board's own types plus the app's (the app's may not reuse their names). */
export function withBuiltins(registry?: DeviceRegistry): DeviceRegistry {
  const r = new Registry(BUILTIN_DEVICE_TYPES);
  for (const t of registry?.list() ?? []) r.register(t);
  return r;
}
