import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CMD_RESERVE_PCI_MEMORY,
  CMD_WRITE_PCI_CONFIG,
  decodeLoader,
  encodeLoader,
  executeLoader,
  formatLoader,
  LinkerBuilder,
  type LinkerCommand,
  validateLoader,
} from '../src/index.js';
import { makeEnv, withPci } from './fake-env.js';

const SLOT = 8; // every pointer field gets its own 8-byte slot, so fields never overlap

interface FileSpec {
  name: string;
  slots: number; // file size = slots * SLOT
  align: number;
  zone: 'high' | 'fseg';
}
interface Plan {
  files: FileSpec[];
  pointers: Array<{ dest: number; slot: number; size: 1 | 2 | 4 | 8; src: number; srcOffset: number }>;
  checksums: Array<{ file: number; start: number; length: number; result: number }>;
  writePointers: Array<{ src: number; srcOffset: number; dst: number; size: 4 | 8 }>;
  pci: Array<{ file: number; srcOffset: number; bdf: number; configOffset: number; width: 4 | 8 }>;
}

const fileArb = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9/_-]{0,54}$/),
  slots: fc.integer({ min: 1, max: 16 }),
  align: fc.constantFrom(1, 2, 4, 16, 64, 4096),
  zone: fc.constantFrom('high' as const, 'high' as const, 'fseg' as const),
});

const rawPlanArb: fc.Arbitrary<Plan> = fc
  .uniqueArray(fileArb, { minLength: 1, maxLength: 5, selector: (f) => f.name })
  .chain((files) => {
    const n = files.length;
    const fileIdx = fc.integer({ min: 0, max: n - 1 });
    const pointer = fileIdx.chain((dest) =>
      fc.record({
        dest: fc.constant(dest),
        slot: fc.integer({ min: 0, max: (files[dest] as FileSpec).slots - 1 }),
        size: fc.constantFrom(4 as const, 8 as const, 8 as const),
        src: fileIdx,
        srcOffset: fc.integer({ min: 0, max: SLOT - 1 }),
      }),
    );
    const checksum = fileIdx.chain((file) => {
      const size = (files[file] as FileSpec).slots * SLOT;
      return fc
        .tuple(fc.integer({ min: 0, max: size - 1 }), fc.integer({ min: 1, max: size }))
        .chain(([start, len]) => {
          const length = Math.min(len, size - start);
          return fc.record({
            file: fc.constant(file),
            start: fc.constant(start),
            length: fc.constant(length),
            result: fc.integer({ min: start, max: start + length - 1 }),
          });
        });
    });
    return fc.record({
      files: fc.constant(files),
      pointers: fc.uniqueArray(pointer, { maxLength: 8, selector: (p) => `${p.dest}:${p.slot}` }),
      checksums: fc.array(checksum, { maxLength: 4 }),
      writePointers: fc.array(
        fc.record({
          src: fileIdx,
          srcOffset: fc.integer({ min: 0, max: SLOT - 1 }),
          dst: fc.integer({ min: 0, max: 1 }),
          size: fc.constantFrom(4 as const, 8 as const),
        }),
        { maxLength: 2 },
      ),
      pci: fc.array(
        fc.record({
          file: fileIdx,
          srcOffset: fc.integer({ min: 0, max: SLOT - 1 }),
          bdf: fc.integer({ min: 0, max: 0xffff }),
          configOffset: fc.integer({ min: 0, max: 511 }).map((x) => x * 8),
          width: fc.constantFrom(4 as const, 8 as const),
        }),
        { maxLength: 3 },
      ),
    });
  });

// A checksum byte inside a pointer field corrupts the pointer (validateLoader reports it): drop those.
const planArb: fc.Arbitrary<Plan> = rawPlanArb.map((p) => ({
  ...p,
  checksums: p.checksums.filter(
    (c) =>
      !p.pointers.some(
        (q) => q.dest === c.file && c.result >= q.slot * SLOT && c.result < q.slot * SLOT + q.size,
      ),
  ),
}));

function build(plan: Plan): { cmds: LinkerCommand[]; blobs: Map<string, Uint8Array> } {
  const b = new LinkerBuilder();
  const blobs = new Map<string, Uint8Array>();
  for (const f of plan.files) {
    const blob = new Uint8Array(f.slots * SLOT);
    for (let i = 0; i < blob.length; i++) blob[i] = (i * 37 + f.name.length) & 0xff;
    blobs.set(f.name, blob);
    b.allocate(f.name, f.align, f.zone, blob);
  }
  const name = (i: number) => (plan.files[i] as FileSpec).name;
  for (const p of plan.pointers) b.addPointer(name(p.dest), p.slot * SLOT, p.size, name(p.src), p.srcOffset);
  for (const c of plan.checksums) b.addChecksum(name(c.file), c.start, c.length, c.result);
  for (const w of plan.writePointers) b.writePointer(`opt/wp${w.dst}`, 0, w.size, name(w.src), w.srcOffset);
  for (const p of plan.pci)
    b.writePciConfig({
      file: name(p.file),
      srcOffset: p.srcOffset,
      bdf: p.bdf,
      configOffset: p.configOffset,
      width: p.width,
    });
  return { cmds: b.commands(), blobs };
}

describe('property: valid scripts', () => {
  it('round-trip, validate clean and execute correctly', () => {
    fc.assert(
      fc.property(planArb, (plan) => {
        const { cmds, blobs } = build(plan);
        const bytes = encodeLoader(cmds);
        const d = decodeLoader(bytes);
        expect(d.errors).toEqual([]);
        expect(d.warnings).toEqual([]);
        expect(d.commands).toEqual(cmds);
        expect(encodeLoader(d.commands)).toEqual(bytes);
        const fileInfo = new Map<string, number | { size: number; writable: boolean }>();
        for (const [k, v] of blobs) fileInfo.set(k, v.length);
        fileInfo.set('opt/wp0', { size: 8, writable: true });
        fileInfo.set('opt/wp1', { size: 8, writable: true });
        expect(validateLoader(cmds, fileInfo).filter((i) => i.severity === 'error')).toEqual([]);

        const files: Record<string, Uint8Array> = {
          'opt/wp0': new Uint8Array(8),
          'opt/wp1': new Uint8Array(8),
        };
        for (const [k, v] of blobs) files[k] = v.slice();
        const env = makeEnv(files, ['opt/wp0', 'opt/wp1']);
        const r = executeLoader(bytes, env);
        expect(r.errors).toEqual([]);
        expect(r.ok).toBe(true);
        const addr = new Map(r.allocations.map((a) => [a.file, a]));
        for (const f of plan.files) {
          const a = addr.get(f.name);
          expect(a).toBeDefined();
          expect((a?.addr ?? 1) % Math.max(f.align, 16)).toBe(0);
          expect(a?.zone).toBe(f.zone);
        }
        const name = (i: number) => (plan.files[i] as FileSpec).name;
        for (const p of plan.pointers) {
          const d0 = addr.get(name(p.dest))?.addr ?? 0;
          const s0 = addr.get(name(p.src))?.addr ?? 0;
          const at = p.slot * SLOT;
          let v = 0n;
          for (let i = p.size - 1; i >= 0; i--) v = (v << 8n) | BigInt(env.mem[d0 + at + i] as number);
          expect(v).toBe((BigInt(s0) + BigInt(p.srcOffset)) & ((1n << BigInt(p.size * 8)) - 1n));
        }
        // The last checksum of each file sums its range to zero.
        const last = new Map<number, Plan['checksums'][number]>();
        for (const c of plan.checksums) last.set(c.file, c);
        for (const [fi, c] of last) {
          const base = addr.get(name(fi))?.addr ?? 0;
          let s = 0;
          for (let i = 0; i < c.length; i++) s = (s + (env.mem[base + c.start + i] as number)) & 0xff;
          expect(s).toBe(0);
        }
        expect(env.fileWrites).toHaveLength(plan.writePointers.length);
        expect(env.pciWrites.map((w) => w.value)).toEqual(
          plan.pci.map((p) => BigInt((addr.get(name(p.file))?.addr ?? 0) + p.srcOffset)),
        );
        // In seabios-1.16 mode the PCI commands are skipped, nothing else changes.
        const env2 = makeEnv({ ...files }, ['opt/wp0', 'opt/wp1']);
        const r2 = executeLoader(bytes, env2, { knownCommands: 'seabios-1.16' });
        expect(r2.ok).toBe(true);
        expect(r2.skipped.every((s) => s.command === CMD_WRITE_PCI_CONFIG)).toBe(true);
        expect(r2.skipped).toHaveLength(plan.pci.length);
        expect(env2.pciWrites).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

type Mutation = (cmds: LinkerCommand[]) => LinkerCommand[] | undefined;
const mutations: Array<[string, Mutation]> = [
  [
    'drop an ALLOCATE that is used',
    (c) => {
      const used = c.find((x) => x.kind !== 'allocate');
      if (!used) return undefined;
      const f =
        used.kind === 'add-pointer'
          ? used.destFile
          : used.kind === 'write-pointer'
            ? used.srcFile
            : used.kind === 'unknown' || used.kind === 'reserve-pci-memory'
              ? ''
              : used.file;
      return c.filter((x) => !(x.kind === 'allocate' && x.file === f));
    },
  ],
  ['bad align', (c) => c.map((x, i) => (i === 0 && x.kind === 'allocate' ? { ...x, align: 12 } : x))],
  ['bad zone', (c) => c.map((x, i) => (i === 0 && x.kind === 'allocate' ? { ...x, zone: 7 } : x))],
  [
    'pointer size 3',
    (c) => {
      const i = c.findIndex((x) => x.kind === 'add-pointer');
      return i < 0
        ? undefined
        : c.map((x, j) => (j === i && x.kind === 'add-pointer' ? { ...x, size: 3 } : x));
    },
  ],
  [
    'pointer out of range',
    (c) => {
      const i = c.findIndex((x) => x.kind === 'add-pointer');
      return i < 0
        ? undefined
        : c.map((x, j) => (j === i && x.kind === 'add-pointer' ? { ...x, offset: 0x10000 } : x));
    },
  ],
  [
    'checksum out of range',
    (c) => {
      const i = c.findIndex((x) => x.kind === 'add-checksum');
      return i < 0
        ? undefined
        : c.map((x, j) => (j === i && x.kind === 'add-checksum' ? { ...x, length: 0x10000 } : x));
    },
  ],
  [
    'pci misaligned',
    (c) => {
      const i = c.findIndex((x) => x.kind === 'write-pci-config');
      return i < 0
        ? undefined
        : c.map((x, j) =>
            j === i && x.kind === 'write-pci-config' ? { ...x, configOffset: x.configOffset + 2 } : x,
          );
    },
  ],
  [
    'pci width 3',
    (c) => {
      const i = c.findIndex((x) => x.kind === 'write-pci-config');
      return i < 0 ? undefined : c.map((x, j) => (j === i ? { ...x, width: 3 } : x));
    },
  ],
];

describe('property: invalid scripts', () => {
  it('are rejected with a reason by the validator and the executor, never a crash', () => {
    fc.assert(
      fc.property(planArb, fc.integer({ min: 0, max: mutations.length - 1 }), (plan, mi) => {
        const { cmds, blobs } = build(plan);
        const [label, mutate] = mutations[mi] as [string, Mutation];
        const bad = mutate(cmds);
        fc.pre(bad !== undefined);
        if (!bad) return;
        const info = new Map<string, number | { size: number; writable: boolean }>();
        for (const [k, v] of blobs) info.set(k, v.length);
        info.set('opt/wp0', { size: 8, writable: true });
        info.set('opt/wp1', { size: 8, writable: true });
        const errs = validateLoader(bad, info).filter((i) => i.severity === 'error');
        expect(errs.length, label).toBeGreaterThan(0);
        for (const e of errs) expect(e.message).toMatch(/^entry \d+ \(offset 0x[0-9a-f]+\) \S+ field \w+: /);
        const files: Record<string, Uint8Array> = {
          'opt/wp0': new Uint8Array(8),
          'opt/wp1': new Uint8Array(8),
        };
        for (const [k, v] of blobs) files[k] = v.slice();
        const r = executeLoader(encodeLoader(bad), makeEnv(files, ['opt/wp0', 'opt/wp1']));
        expect(r.ok, label).toBe(false);
        expect(r.errors.length).toBeGreaterThan(0);
        for (const e of r.errors) expect(e).toMatch(/^entry \d+ \(offset 0x[0-9a-f]+\) \S+ field \w+: /);
      }),
      { numRuns: 300 },
    );
  });
});

const names = ['a', 'b', 'etc/igd-opregion'];
const nameBytes = fc.oneof(
  fc.constantFrom(...names).map((n) => [...n].map((c) => c.charCodeAt(0))),
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 56, maxLength: 56 }),
);
const entryArb = fc
  .tuple(
    fc.constantFrom(1, 2, 3, 4, CMD_WRITE_PCI_CONFIG, CMD_RESERVE_PCI_MEMORY, 0, 5, 0xffffffff),
    nameBytes,
    nameBytes,
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 68, maxLength: 68 }),
  )
  .map(([cmd, n1, n2, tail]) => {
    const e = new Uint8Array(128);
    new DataView(e.buffer).setUint32(0, cmd, true);
    e.set(n1.slice(0, 56), 4);
    if (cmd === 2 || cmd === 4) e.set(n2.slice(0, 56), 60);
    else e.set(tail.slice(0, 12), 60);
    e.set(tail.slice(12, 24), 116); // offsets / size / width / reserved area
    return e;
  });

describe('property: arbitrary bytes', () => {
  it('never make decode, format, validate or execute throw', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 1100 }),
          fc.array(entryArb, { maxLength: 12 }).map((es) => {
            const out = new Uint8Array(es.length * 128);
            for (let i = 0; i < es.length; i++) out.set(es[i] as Uint8Array, i * 128);
            return out;
          }),
        ),
        (bytes) => {
          const d = decodeLoader(bytes);
          formatLoader(bytes);
          validateLoader(
            d.commands,
            new Map([
              ['a', 64],
              ['b', 8],
              ['etc/igd-opregion', 8192],
            ]),
          );
          const env = withPci(
            makeEnv(
              { a: new Uint8Array(64), b: new Uint8Array(8), 'etc/igd-opregion': new Uint8Array(8192) },
              ['b'],
            ),
            { readOnly: [0x5c] },
          );
          const r = executeLoader(bytes, env);
          expect(r.ok).toBe(r.errors.length === 0);
          // Clean decodes re-encode to the same bytes.
          if (d.errors.length === 0 && d.warnings.length === 0)
            expect(encodeLoader(d.commands)).toEqual(bytes);
        },
      ),
      { numRuns: 500 },
    );
  });
});
