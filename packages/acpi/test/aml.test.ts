import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Aml, aml, decodeAml, decodeEisaId, decodeResources } from '../src/index.js';
import { qemuFile, walkTables } from './fixtures.js';

const { pkgLength, nameString, int, str, eisaId, buffer, packageOf, name, scope, device, method } = aml;

describe('AML encodings (QEMU hw/acpi/aml-build.c)', () => {
  it('PkgLength picks 1..4 bytes like build_prepend_package_length and counts itself', () => {
    expect(pkgLength(0)).toEqual([1]);
    expect(pkgLength(62)).toEqual([63]);
    expect(pkgLength(63)).toEqual([0x41, 0x04]); // 63 + 2 = 65 = 0x41
    expect(pkgLength(4093)).toEqual([0x4f, 0xff]); // 4093 + 2 = 4095
    expect(pkgLength(4094)).toEqual([0x81, 0x00, 0x01]); // 4094 + 3 = 4097
    expect(pkgLength(1 << 20)).toEqual([0xc4, 0x00, 0x00, 0x01]);
    expect(pkgLength(8, false)).toEqual([8]);
    expect(() => pkgLength(-1)).toThrow(/length/);
  });

  it('NameString: padding, root/parent prefixes, dual and multi name prefixes, NullName', () => {
    const s = (x: string) => String.fromCharCode(...nameString(x));
    expect(s('KBD')).toBe('KBD_');
    expect(s('\\_SB.PCI0')).toBe('\\\x2e_SB_PCI0');
    expect(nameString('PCI0.S08.P40C').slice(0, 2)).toEqual([0x2f, 3]);
    expect(nameString('^^FOO')).toEqual([0x5e, 0x5e, 0x46, 0x4f, 0x4f, 0x5f]);
    expect(nameString('\\')).toEqual([0x5c, 0x00]);
    expect(() => nameString('toolong')).toThrow(/segment/);
    expect(() => nameString('1ABC')).toThrow(/invalid character/);
  });

  it('integers use the smallest prefix; EisaId is a DWordConst', () => {
    expect(int(0)).toEqual([0x00]);
    expect(int(1)).toEqual([0x01]);
    expect(int(2)).toEqual([0x0a, 2]);
    expect(int(0x100)).toEqual([0x0b, 0, 1]);
    expect(int(0x10000)).toEqual([0x0c, 0, 0, 1, 0]);
    expect(int(0x100000000n)).toEqual([0x0e, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(() => int(-1)).toThrow(/outside/);
    expect(eisaId('PNP0303')).toEqual([0x0c, 0x41, 0xd0, 0x03, 0x03]);
    expect(eisaId('PNP0F13')).toEqual([0x0c, 0x41, 0xd0, 0x0f, 0x13]);
    expect(() => eisaId('pnp0303')).toThrow(/eisaId/);
    expect(str('A')).toEqual([0x0d, 0x41, 0]);
    expect(() => str('\u00e9')).toThrow(/ASCII/);
  });

  it('decodeEisaId inverts eisaId', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
        fc.integer({ min: 0, max: 0xffff }),
        (a, b, c, n) => {
          const id = `${a}${b}${c}${n.toString(16).toUpperCase().padStart(4, '0')}`;
          const bytes = eisaId(id);
          const v = (bytes[1] | (bytes[2] << 8) | (bytes[3] << 16) | (bytes[4] << 24)) >>> 0;
          expect(decodeEisaId(v)).toBe(id);
        },
      ),
    );
  });
});

// Random namespace trees: build with the builder, decode, compare.
type Node =
  | {
      k: 'name';
      n: string;
      v:
        | { t: 'int'; v: bigint }
        | { t: 'str'; v: string }
        | { t: 'buf'; v: number[] }
        | { t: 'pkg'; v: bigint[] };
    }
  | { k: 'scope' | 'device'; n: string; c: Node[] }
  | { k: 'method'; n: string; argc: number; ser: boolean };

const seg = fc
  .tuple(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ_'), fc.stringMatching(/^[A-Z0-9_]{0,3}$/))
  .map(([a, b]) => a + b);
const value = fc.oneof(
  fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }).map((v) => ({ t: 'int' as const, v })),
  fc.stringMatching(/^[ -~]{0,20}$/).map((v) => ({ t: 'str' as const, v })),
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 300 }).map((v) => ({ t: 'buf' as const, v })),
  fc
    .array(fc.bigInt({ min: 0n, max: 0xffffffffn }), { maxLength: 20 })
    .map((v) => ({ t: 'pkg' as const, v })),
);
const tree: fc.Arbitrary<Node[]> = fc.letrec<{ nodes: Node[]; node: Node }>((tie) => ({
  nodes: fc.array(tie('node'), { maxLength: 5 }) as fc.Arbitrary<Node[]>,
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ k: fc.constant('name' as const), n: seg, v: value }),
    fc.record({
      k: fc.constant('method' as const),
      n: seg,
      argc: fc.integer({ min: 0, max: 7 }),
      ser: fc.boolean(),
    }),
    fc.record({
      k: fc.constantFrom('scope' as const, 'device' as const),
      n: seg,
      c: tie('nodes') as fc.Arbitrary<Node[]>,
    }),
  ) as fc.Arbitrary<Node>,
})).nodes;

function build(nodes: Node[]): Aml {
  return nodes.flatMap((n): number[] => {
    if (n.k === 'name') {
      const v = n.v;
      const val =
        v.t === 'int'
          ? int(v.v)
          : v.t === 'str'
            ? str(v.v)
            : v.t === 'buf'
              ? buffer(v.v)
              : packageOf(v.v.map((x) => int(x)));
      return name(n.n, val);
    }
    if (n.k === 'method') return method(n.n, n.argc, n.ser, aml.ret(aml.arg(0)));
    return (n.k === 'scope' ? scope : device)(n.n, ...(build(n.c).length ? [build(n.c)] : []));
  });
}

function expected(nodes: Node[], path: string, out: string[]): string[] {
  for (const n of nodes) {
    const p = `${path === '\\' ? '\\' : `${path}.`}${n.n.padEnd(4, '_')}`;
    if (n.k === 'name') {
      const v = n.v;
      const text =
        v.t === 'int'
          ? `i${v.v}`
          : v.t === 'str'
            ? `s${v.v}`
            : v.t === 'buf'
              ? `b${v.v.join(',')}`
              : `p${v.v.join(',')}`;
      out.push(`name ${p} ${text}`);
    } else if (n.k === 'method') out.push(`method ${p} ${n.argc} ${n.ser}`);
    else {
      out.push(`${n.k} ${p}`);
      expected(n.c, p, out);
    }
  }
  return out;
}

function actual(objs: ReturnType<typeof decodeAml>['objects'], out: string[]): string[] {
  for (const o of objs) {
    if (o.kind === 'name') {
      const v = o.value;
      const text =
        v?.type === 'integer'
          ? `i${v.value}`
          : v?.type === 'string'
            ? `s${v.value}`
            : v?.type === 'buffer'
              ? `b${[...v.bytes].join(',')}`
              : v?.type === 'package'
                ? `p${v.elements.map((e) => (e.type === 'integer' ? e.value : '?')).join(',')}`
                : '?';
      out.push(`name ${o.path} ${text}`);
    } else if (o.kind === 'method') out.push(`method ${o.path} ${o.argCount} ${o.serialized}`);
    else {
      out.push(`${o.kind} ${o.path}`);
      actual(o.children, out);
    }
  }
  return out;
}

describe('AML decoder', () => {
  it('round-trips random builder trees (names, values, nesting, PkgLength sizes)', () => {
    fc.assert(
      fc.property(tree, (nodes) => {
        const bytes = Uint8Array.from(build(nodes));
        const d = decodeAml(bytes);
        expect(d.issues).toEqual([]);
        expect(actual(d.objects, [])).toEqual(expected(nodes, '\\', []));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary bytes, and reports problems with offsets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        const d = decodeAml(b);
        for (const i of d.issues) expect(i.offset).toBeGreaterThanOrEqual(0);
        decodeResources(b);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on mutated real DSDTs', () => {
    const dsdt = walkTables(qemuFile(128, 'etc/acpi/tables'))[1].bytes;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(dsdt.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (muts) => {
          const b = dsdt.slice();
          for (const [i, v] of muts) b[i] = v;
          decodeAml(b);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodes QEMU’s full DSDT (with PCI and CPU hotplug methods) without issues', () => {
    const d = decodeAml(walkTables(qemuFile(4096, 'etc/acpi/tables'))[1].bytes);
    expect(d.issues).toEqual([]);
    expect(d.devices.length).toBeGreaterThan(40);
    expect(d.index.get('\\_SB_.PCI0.PCNT')?.kind).toBe('method');
  });

  it('reports truncation and bad opcodes instead of throwing', () => {
    const good = Uint8Array.from(scope('\\_SB', device('KBD', name('_HID', eisaId('PNP0303')))));
    expect(decodeAml(good.subarray(0, good.length - 2)).issues.length).toBeGreaterThan(0);
    expect(decodeAml(Uint8Array.of(0x03, 0x77)).issues[0].message).toMatch(
      /unexpected opcode|unknown opcode/,
    );
    expect(decodeResources(Uint8Array.of(0x47, 1)).issues[0]).toMatch(/runs past/);
  });
});
