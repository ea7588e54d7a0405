// `rig conformance`: every device type of the registry, realized on a vmkit machine with default
// props and with each prop at its edges, against the device contract (@vmkit/device README):
//   reset      reset twice gives the same getState()
//   state      getState() is JSON-safe, and setState(getState()) gives the same getState()
//   fuzz       seeded random accesses to every region the device maps (its BARs, its mapIo/mapMmio
//              regions) and to every config register never throw and leave guest RAM as it was
//              (bus mastering stays off, so no byte may change)
//   bars       BAR sizing per the PCI spec (PCI devices)
//   read-only  vendor/device/revision/class/header type ignore writes (PCI devices)
//   determinism two machines given the same inputs emit the same event stream and end in the same state
import { isDeepStrictEqual } from 'node:util';
import type { AnyDeviceType, Device, DeviceSpec, PropSpec } from '@vmkit/device';
import { DeviceRegistry } from '@vmkit/device';
import { ConfigError, createMachine, type Machine } from '@vmkit/machine';
import type { RegionHandle } from '@vmkit/memory-bus';
import { ConfigPort, type PlacedBar, placeBars, readOnlyProblems, sizeBars } from './conformance-pci.js';

export const CHECKS = ['reset', 'state', 'fuzz', 'bars', 'read-only', 'determinism'] as const;
export type CheckName = (typeof CHECKS)[number];

export interface CheckResult {
  driver: string;
  /** 'default' or 'prop=value' (one prop at an edge, the rest default). */
  variant: string;
  check: CheckName | 'realize';
  status: 'pass' | 'fail' | 'skip';
  detail: string;
}

export interface ConformanceOptions {
  /** PRNG seed for the random accesses (default 1). */
  seed?: number;
  /** Random accesses per region and to config space (default 2000). */
  accesses?: number;
  /** Values for required props that have no default, by driver (e.g. the IGD's host source). */
  requiredProps?: Record<string, Record<string, unknown>>;
}

/** mulberry32: a small seeded PRNG (no Math.random: runs are reproducible from the seed). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The values a prop is tried at besides its default: int/size min and max, every enum value,
 * both booleans. Strings and objects keep their default (no edges to derive from the spec). */
export function edgeValues(spec: PropSpec): unknown[] {
  const s = spec as PropSpec & { min?: number; max?: number; values?: readonly string[]; default?: unknown };
  let vals: unknown[] = [];
  if (s.type === 'int' || s.type === 'size') vals = [s.min, s.max].filter((v) => v !== undefined);
  else if (s.type === 'enum') vals = [...(s.values ?? [])];
  else if (s.type === 'bool') vals = [false, true];
  return vals.filter((v) => v !== s.default);
}

export function variants(type: AnyDeviceType): Array<{ name: string; props: Record<string, unknown> }> {
  const out = [{ name: 'default', props: {} as Record<string, unknown> }];
  for (const [prop, spec] of Object.entries(type.props))
    for (const v of edgeValues(spec)) out.push({ name: `${prop}=${fmt(v)}`, props: { [prop]: v } });
  return out;
}

const fmt = (v: unknown) => (typeof v === 'number' && v > 9 ? `0x${v.toString(16)}` : String(v));

/** What the device did through its context, recorded by a wrapper around realize. */
export interface Recording {
  regions: Array<{ space: 'io' | 'mem'; handle: RegionHandle }>;
  /** Guest RAM the device wrote through the DMA contract (ctx.guest.write) and the board accepted. */
  dma: Array<{ addr: number; length: number }>;
  device: Device | null;
}

function recordingType(type: AnyDeviceType, rec: Recording): AnyDeviceType {
  return {
    ...type,
    realize(props, ctx) {
      const guest = {
        check: ctx.guest.check.bind(ctx.guest),
        read: ctx.guest.read.bind(ctx.guest),
        write: (addr: number, data: Uint8Array) => {
          const refusal = ctx.guest.write(addr, data);
          if (!refusal) rec.dma.push({ addr, length: data.length });
          return refusal;
        },
      };
      const device = type.realize(props, {
        ...ctx,
        guest,
        mapIo: (name, port, size, h) => {
          const handle = ctx.mapIo(name, port, size, h);
          rec.regions.push({ space: 'io', handle });
          return handle;
        },
        mapMmio: (name, addr, size, h, priority) => {
          const handle = ctx.mapMmio(name, addr, size, h, priority);
          rec.regions.push({ space: 'mem', handle });
          return handle;
        },
      });
      rec.device = device;
      return device;
    },
  };
}

// 00:02.0, where QEMU puts the first -device without addr (and IGD legacy mode needs it).
const PCI_ADDR = '02.0';

function build(type: AnyDeviceType, props: Record<string, unknown>): { machine: Machine; rec: Recording } {
  const rec: Recording = { regions: [], dma: [], device: null };
  const spec: DeviceSpec = { driver: type.driver, id: 'dut', ...props };
  if (type.bus === 'pci') spec.addr = PCI_ADDR;
  const machine = createMachine(
    { memory: '128M', debugconPort: null, trace: ['all'], devices: [spec] },
    { registry: new DeviceRegistry([recordingType(type, rec)]) },
  );
  return { machine, rec };
}

export type Outcome = { ok: boolean; detail: string };
export const pass = (detail = ''): Outcome => ({ ok: true, detail });
export const fail = (detail: string): Outcome => ({ ok: false, detail });

export function resetCheck(d: Pick<Device, 'reset' | 'getState'>): Outcome {
  d.reset();
  const a = d.getState();
  d.reset();
  const b = d.getState();
  return isDeepStrictEqual(a, b)
    ? pass()
    : fail(`getState() after a second reset differs: ${firstDiff(a, b)}`);
}

export function stateCheck(d: Pick<Device, 'getState' | 'setState'>): Outcome {
  const s = d.getState();
  let copy: unknown;
  try {
    copy = JSON.parse(JSON.stringify(s));
  } catch (e) {
    return fail(`getState() is not JSON-safe: ${(e as Error).message}`);
  }
  if (!isDeepStrictEqual(copy, s)) return fail(`getState() does not survive JSON: ${firstDiff(s, copy)}`);
  d.setState(copy);
  const again = d.getState();
  return isDeepStrictEqual(again, s)
    ? pass()
    : fail(`setState(getState()) changed the state: ${firstDiff(s, again)}`);
}

/** The first path where two plain-data values differ, for a one-line detail. */
export function firstDiff(a: unknown, b: unknown, path = '$'): string {
  if (isDeepStrictEqual(a, b)) return '';
  const kind = (v: unknown) =>
    v === null ? 'null' : Array.isArray(v) ? 'array' : (v?.constructor?.name ?? typeof v);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || kind(a) !== kind(b))
    return `${path}: ${short(a)} vs ${short(b)}`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return `${path}: ${kind(a)} vs ${kind(b)}`;
}

function short(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && v.constructor !== Object)
    return v.constructor.name;
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function ramCopy(m: Machine): Array<Uint8Array | null> {
  return m.memory.ramChunks('ram-below-4g').chunks.map((c) => (c ? c.slice() : null));
}

/** The first RAM byte that changed outside the ranges the device wrote through the DMA contract. */
function ramChanges(before: Array<Uint8Array | null>, m: Machine, dma: Recording['dma']): string | null {
  const { chunks, chunkSize } = m.memory.ramChunks('ram-below-4g');
  const declared = (a: number) => dma.some((d) => a >= d.addr && a < d.addr + d.length);
  for (const [i, c] of chunks.entries()) {
    const b = before[i] ?? null;
    if (c === null) continue;
    for (let j = 0; j < c.length; j++) {
      const a = i * chunkSize + j;
      if (c[j] !== (b ? b[j] : 0) && !declared(a)) return `guest RAM at 0x${a.toString(16)} changed`;
    }
  }
  return null;
}

export type Region = { space: 'io' | 'mem'; base: number; size: number; name: string };

function access(m: Machine, r: Region, rand: () => number): string {
  const size = ([1, 2, 4] as const)[rand() % 3]!;
  const off = Math.min(r.size - size, rand() % r.size) & ~(size - 1);
  const addr = r.base + Math.max(0, off);
  const write = (rand() & 1) === 1;
  const value = rand();
  const what = `${write ? 'write' : 'read'}${size * 8} ${r.name}+0x${Math.max(0, off).toString(16)}`;
  try {
    perform(m, r.space, addr, size, write ? value : null);
  } catch (e) {
    throw new Error(`${what} threw: ${(e as Error).message}`);
  }
  return what;
}

function perform(m: Machine, space: 'io' | 'mem', addr: number, size: 1 | 2 | 4, value: number | null): void {
  const write = value !== null;
  if (space === 'io') {
    if (write)
      size === 1
        ? m.io.out8(addr, value & 0xff)
        : size === 2
          ? m.io.out16(addr, value & 0xffff)
          : m.io.out32(addr, value);
    else size === 1 ? m.io.in8(addr) : size === 2 ? m.io.in16(addr) : m.io.in32(addr);
  } else if (write)
    size === 1
      ? m.memory.write8(addr, value & 0xff)
      : size === 2
        ? m.memory.write16(addr, value & 0xffff)
        : m.memory.write32(addr, value >>> 0);
  else size === 1 ? m.memory.read8(addr) : size === 2 ? m.memory.read16(addr) : m.memory.read32(addr);
}

function configAccess(cfg: ConfigPort, rand: () => number): string {
  const size = ([1, 2, 4] as const)[rand() % 3]!;
  const off = (rand() % 256) & ~(size - 1);
  const write = (rand() & 1) === 1;
  // Bus mastering stays off (command bit 2 at 0x04): the device may not DMA during the fuzz.
  const value = off === 4 ? rand() & ~4 : rand();
  const what = `config ${write ? 'write' : 'read'}${size * 8} 0x${off.toString(16)}${write ? `=0x${(value >>> 0).toString(16)}` : ''}`;
  try {
    if (write) cfg.write(off, size, value);
    else cfg.read(off, size);
  } catch (e) {
    throw new Error(`${what} threw: ${(e as Error).message}`);
  }
  return what;
}

export function fuzzCheck(
  m: Machine,
  rec: Recording,
  regions: Region[],
  cfg: ConfigPort | null,
  n: number,
  rand: () => number,
): Outcome {
  const before = ramCopy(m);
  let count = 0;
  try {
    for (const r of regions) for (let i = 0; i < n; i++, count++) access(m, r, rand);
    if (cfg) for (let i = 0; i < n; i++, count++) configAccess(cfg, rand);
  } catch (e) {
    return fail((e as Error).message);
  }
  const changed = ramChanges(before, m, rec.dma);
  if (changed) return fail(`${changed}, not through the DMA contract (bus mastering is off)`);
  const dma = rec.dma.length ? `; ${rec.dma.length} write(s) through the DMA contract` : '';
  return pass(`${count} accesses to ${regions.length} region(s)${cfg ? ' and config space' : ''}${dma}`);
}

/** The PCI checks through mechanism #1 — `bars` (PCI 3.0 §6.2.5.1) and `read-only` (§6.2.1) — into
 * `out`; then the BARs placed and decoding on (bus mastering off): the regions to fuzz. */
export function pciChecks(cfg: ConfigPort, out: Map<CheckName, Outcome>): Region[] {
  const sized = sizeBars(cfg);
  out.set(
    'bars',
    sized.problems.length ? fail(sized.problems.join('; ')) : pass(`${sized.bars.length} BAR(s)`),
  );
  const ro = readOnlyProblems(cfg);
  out.set('read-only', ro.length ? fail(ro.join('; ')) : pass());
  const placed: PlacedBar[] = placeBars(cfg, sized.bars);
  return placed.map((p, i) => ({ ...p, name: `bar${i}@0x${p.base.toString(16)}` }));
}

/** One pass over a freshly built machine; what determinism compares is returned with the checks. */
function sequence(m: Machine, rec: Recording, accesses: number, seed: number) {
  const d = rec.device!;
  const out = new Map<CheckName, Outcome>();
  const rand = prng(seed);
  out.set('reset', resetCheck(d));
  const bdf = m.devices.find((p) => p.id === 'dut')?.bdf ?? null;
  const cfg = bdf === null ? null : new ConfigPort(m.io, bdf);
  const regions: Region[] = cfg ? pciChecks(cfg, out) : [];
  for (const { space, handle } of rec.regions)
    regions.push({ space, base: handle.base, size: handle.size, name: handle.name });
  out.set('fuzz', fuzzCheck(m, rec, regions, cfg, accesses, rand));
  out.set('state', stateCheck(d));
  return { out, events: m.events.recorded, state: d.getState() };
}

/** Realize `type` with `props` on two machines, run the same sequence on both, and check. */
export function runVariant(
  type: AnyDeviceType,
  variant: { name: string; props: Record<string, unknown> },
  opts: ConformanceOptions = {},
): CheckResult[] {
  const row = (check: CheckResult['check'], status: CheckResult['status'], detail: string): CheckResult => ({
    driver: type.driver,
    variant: variant.name,
    check,
    status,
    detail,
  });
  const props = { ...opts.requiredProps?.[type.driver], ...variant.props };
  const seed = opts.seed ?? 1;
  const n = opts.accesses ?? 2000;
  let a: ReturnType<typeof build>;
  try {
    a = build(type, props);
  } catch (e) {
    // The type's own checks refusing an edge combination is its documented behaviour, not a failure.
    if (e instanceof ConfigError && variant.name !== 'default') return [row('realize', 'skip', oneLine(e))];
    return [row('realize', 'fail', oneLine(e))];
  }
  const first = sequence(a.machine, a.rec, n, seed);
  const b = build(type, props);
  const second = sequence(b.machine, b.rec, n, seed);
  const results: CheckResult[] = [];
  for (const c of CHECKS) {
    if (c === 'determinism') continue;
    const o = first.out.get(c);
    if (!o) results.push(row(c, 'skip', `not a PCI device (${type.bus})`));
    else results.push(row(c, o.ok ? 'pass' : 'fail', o.detail));
  }
  const same =
    isDeepStrictEqual(first.events, second.events) && isDeepStrictEqual(first.state, second.state)
      ? pass(`${first.events.length} events`)
      : fail(
          isDeepStrictEqual(first.events, second.events)
            ? `final states differ: ${firstDiff(first.state, second.state)}`
            : `event streams differ: ${firstDiff(first.events, second.events)}`,
        );
  results.push(row('determinism', same.ok ? 'pass' : 'fail', same.detail));
  return results;
}

export const oneLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n').join(' ');

/** Every variant of every type. */
export function runConformance(
  types: readonly AnyDeviceType[],
  opts: ConformanceOptions = {},
): CheckResult[] {
  return types.flatMap((t) => variants(t).flatMap((v) => runVariant(t, v, opts)));
}

export function formatResult(r: CheckResult): string {
  return `${r.status === 'pass' ? 'ok  ' : r.status === 'skip' ? 'skip' : 'FAIL'}  ${r.driver} [${r.variant}] ${r.check}${r.detail ? `: ${r.detail}` : ''}`;
}
