// RESERVE_PCI_MEMORY (vmkit extension 2) and the PCI checks both vmkit commands share.
import { describe, expect, it } from 'vitest';
import {
  CMD_RESERVE_PCI_MEMORY,
  decodeLoader,
  encodeLoader,
  executeLoader,
  formatLoader,
  LinkerBuilder,
  type LinkerCommand,
  type ReservePciMemoryCommand,
  validateLoader,
} from '../src/index.js';
import { makeEnv, withPci } from './fake-env.js';

const MiB = 1 << 20;
const bdsm32: ReservePciMemoryCommand = {
  kind: 'reserve-pci-memory',
  size: 64n * BigInt(MiB),
  align: MiB,
  flags: 0,
  segment: 0,
  bdf: 0x10,
  configOffset: 0x5c,
  width: 4,
};

describe('RESERVE_PCI_MEMORY encoding', () => {
  it('lays out size@4 (u64), align@12, flags@16 and the PCI target where WRITE_PCI_CONFIG has it', () => {
    const bytes = encodeLoader([{ ...bdsm32, configOffset: 0xc0, width: 8, flags: 1 }]);
    const dv = new DataView(bytes.buffer);
    expect(bytes.length).toBe(128);
    expect([...bytes.subarray(0, 4)]).toEqual([0x56, 0x4d, 0x4b, 0x02]); // "VMK\x02"
    expect(dv.getUint32(0, true)).toBe(CMD_RESERVE_PCI_MEMORY);
    expect(dv.getBigUint64(4, true)).toBe(64n << 20n);
    expect(dv.getUint32(12, true)).toBe(MiB);
    expect(bytes[16]).toBe(1);
    expect(dv.getUint16(64, true)).toBe(0x10);
    expect(dv.getUint16(66, true)).toBe(0xc0);
    expect(bytes[68]).toBe(8);
    expect(dv.getUint16(70, true)).toBe(0);
    const d = decodeLoader(bytes);
    expect(d.errors).toEqual([]);
    expect(d.commands).toEqual([{ ...bdsm32, configOffset: 0xc0, width: 8, flags: 1 }]);
    expect(formatLoader(bytes)).toBe(
      '#  0 @    0x0 RESERVE_PCI_MEMORY pci 00:02.0 cfg[0xc0..+8] := &reserved(64 MiB, align=0x100000, zeroed) below 4 GiB, e820 reserved',
    );
  });

  it('decode reports bad fields and non-zero reserved bytes', () => {
    const bytes = encodeLoader([{ ...bdsm32, align: 3, width: 3, flags: 6 }]);
    bytes[40] = 1;
    const fields = decodeLoader(bytes).errors.map((e) => e.field);
    expect(fields).toEqual(['align', 'flags', 'width', 'reserved']);
  });

  it('the builder emits it and refuses misuse', () => {
    const b = new LinkerBuilder().reservePciMemory({
      size: 64 * MiB,
      align: MiB,
      bdf: 0x10,
      configOffset: 0x5c,
      width: 4,
    });
    expect(b.commands()).toEqual([bdsm32]);
    const bad = (a: Partial<Parameters<LinkerBuilder['reservePciMemory']>[0]>) => () =>
      new LinkerBuilder().reservePciMemory({
        size: MiB,
        align: MiB,
        bdf: 0x10,
        configOffset: 0x5c,
        width: 4,
        ...a,
      });
    expect(bad({ align: 3 })).toThrow(/align 3 is not a non-zero power of two/);
    expect(bad({ configOffset: 0x5e })).toThrow(/not aligned to width 4/);
    expect(bad({ configOffset: 0x1000 })).toThrow(/beyond the 4 KiB config space/);
    expect(bad({ size: 2 ** 32 })).toThrow(/overflow 4 GiB for a 32-bit register/);
    expect(bad({ size: 0 })).toThrow(/size is 0/);
  });
});

describe('RESERVE_PCI_MEMORY validation', () => {
  const issues = (c: LinkerCommand, devices = [0x10]) =>
    validateLoader([c], new Map(), { pciDevices: devices }).map(
      (i) => `${i.severity} ${i.field}: ${i.message}`,
    );

  it('accepts the BDSM shapes (0x5C/4 and 0xC0/8)', () => {
    expect(issues(bdsm32)).toEqual([]);
    expect(issues({ ...bdsm32, configOffset: 0xc0, width: 8 })).toEqual([]);
  });
  it('catches bad width, offset beyond config space, non-power-of-two alignment', () => {
    expect(issues({ ...bdsm32, width: 3 })).toEqual([
      expect.stringMatching(/^error width: .*3 is not 1, 2, 4 or 8/),
    ]);
    expect(issues({ ...bdsm32, configOffset: 0x1000 })).toEqual([
      expect.stringMatching(/^error configOffset: .*0x1000\+4 is beyond the 4 KiB config space/),
    ]);
    expect(issues({ ...bdsm32, align: 0x30000 })).toEqual([
      expect.stringMatching(/^error align: .*196608 is not a non-zero power of two/),
    ]);
  });
  it('catches a reservation that overflows 4 GiB for a 32-bit register (fine for 64 bits: placed below 4 GiB)', () => {
    const big = { ...bdsm32, size: 0x1_0000_0000n - BigInt(MiB) };
    expect(issues(big)).toEqual([]); // ends exactly at 4 GiB when placed at align
    expect(issues({ ...big, size: big.size + 1n })).toEqual([
      expect.stringMatching(/^error size: .*overflow 4 GiB for a 32-bit register/),
    ]);
    expect(issues({ ...big, size: 0x2_0000_0000n, configOffset: 0xc0, width: 8 })).toEqual([
      expect.stringMatching(/^error size: .*cannot be placed below 4 GiB/),
    ]);
  });
  it('catches an unknown device (and the same for WRITE_PCI_CONFIG)', () => {
    expect(issues({ ...bdsm32, bdf: 0x18 })).toEqual([
      expect.stringMatching(/^error bdf: .*unknown device 00:03\.0/),
    ]);
    const cmds: LinkerCommand[] = [
      { kind: 'allocate', file: 'f', align: 4096, zone: 1 },
      {
        kind: 'write-pci-config',
        file: 'f',
        srcOffset: 0,
        segment: 0,
        bdf: 0x18,
        configOffset: 0xfc,
        width: 4,
      },
    ];
    expect(validateLoader(cmds, new Map([['f', 8192]]), { pciDevices: [0x10] }).map((i) => i.field)).toEqual([
      'bdf',
    ]);
  });
});

describe('RESERVE_PCI_MEMORY execution', () => {
  const run = (cmds: LinkerCommand[], pci: Parameters<typeof withPci>[1] = {}, files = {}) => {
    const env = withPci(makeEnv(files), pci);
    return { env, r: executeLoader(encodeLoader(cmds), env) };
  };
  const u32 = (c: Uint8Array, o: number) => new DataView(c.buffer).getUint32(o, true);

  it('reserves below the top, writes 0x5C (32-bit) and marks it reserved', () => {
    const { env, r } = run([{ ...bdsm32, size: 0x10000n, align: 0x10000 }]);
    expect(r.ok).toBe(true);
    expect(r.reservations).toEqual([
      { addr: 0x90000, size: 0x10000, bdf: 0x10, configOffset: 0x5c, width: 4, zeroed: false },
    ]);
    expect(u32(env.config.get(0x10)!, 0x5c)).toBe(0x90000);
    expect(env.reserved).toEqual([{ addr: 0x90000, size: 0x10000 }]);
  });

  it('writes 0xC0 as 64 bits (two dwords, low first) and zeroes when asked', () => {
    const env0 = makeEnv({});
    env0.mem.fill(0xaa);
    const env = withPci(env0);
    const r = executeLoader(
      encodeLoader([{ ...bdsm32, size: 0x8000n, align: 0x1000, configOffset: 0xc0, width: 8, flags: 1 }]),
      env,
    );
    expect(r.ok).toBe(true);
    const c = env.config.get(0x10)!;
    expect([u32(c, 0xc0), u32(c, 0xc4)]).toEqual([0x98000, 0]);
    expect(env.pciWrites.at(-1)).toEqual({ bdf: 0x10, offset: 0xc0, width: 8, value: 0x98000n });
    expect(env.mem.subarray(0x98000, 0xa0000).every((b) => b === 0)).toBe(true);
    expect(env.mem[0x97fff]).toBe(0xaa);
  });

  it('bad input: missing device, read-only register, unsatisfiable size → that entry logged and skipped, the rest runs', () => {
    const ok = { ...bdsm32, size: 0x1000n, align: 0x1000, configOffset: 0x40 };
    const { env, r } = run(
      [
        { ...bdsm32, bdf: 0x18 }, // no device at 00:03.0
        { ...ok, configOffset: 0x5c }, // 0x5C is read-only below
        { ...bdsm32, size: 0x80000000n }, // 2 GiB cannot fit in the fake zone
        ok,
      ],
      { readOnly: [0x5c, 0x5d, 0x5e, 0x5f] },
    );
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([
      expect.stringMatching(/^entry 0 \(offset 0x0\) RESERVE_PCI_MEMORY field bdf: no device at 00:03\.0$/),
      expect.stringMatching(
        /^entry 1 .* field configOffset: 00:02\.0 cfg\[0x5c\] is not writable \(wrote 0x9f000, reads 0x0\)$/,
      ),
      expect.stringMatching(
        /^entry 2 .* field size: cannot reserve 2147483648 bytes \(align 0x100000\) below 4 GiB$/,
      ),
    ]);
    // The refused reservation was given back; only the last one is live and reserved in e820.
    expect([...env.live]).toEqual([0x9e000]);
    expect(env.reserved).toEqual([{ addr: 0x9e000, size: 0x1000 }]);
    expect(u32(env.config.get(0x10)!, 0x40)).toBe(0x9e000);
  });

  it('firmware without it skips it: seabios-1.16 mode, or an env with no reserve()', () => {
    const bytes = encodeLoader([bdsm32]);
    const a = executeLoader(bytes, withPci(makeEnv({})), { knownCommands: 'seabios-1.16' });
    const b = executeLoader(bytes, makeEnv({}));
    for (const r of [a, b]) {
      expect(r.ok).toBe(true);
      expect(r.skipped).toEqual([{ index: 0, command: CMD_RESERVE_PCI_MEMORY }]);
      expect(r.reservations).toEqual([]);
    }
  });
});

describe('WRITE_PCI_CONFIG device and register checks', () => {
  const script = (bdf: number, configOffset = 0xfc) =>
    new LinkerBuilder()
      .allocate('f', 4096, 'high')
      .writePciConfig({ file: 'f', bdf, configOffset, width: 4 })
      .encode();
  it('no device at the BDF: logged, skipped, nothing written', () => {
    const env = withPci(makeEnv({ f: new Uint8Array(8192) }));
    const r = executeLoader(script(0x18), env);
    expect(r.errors).toEqual([expect.stringMatching(/WRITE_PCI_CONFIG field bdf: no device at 00:03\.0$/)]);
    expect(env.pciWrites).toEqual([]);
  });
  it('a register that does not take the value is reported', () => {
    const env = withPci(makeEnv({ f: new Uint8Array(8192) }), { readOnly: [0xfc, 0xfd, 0xfe, 0xff] });
    const r = executeLoader(script(0x10), env);
    expect(r.errors).toEqual([
      expect.stringMatching(/field configOffset: 00:02\.0 cfg\[0xfc\] is not writable/),
    ]);
  });
  it('offsets ≥ 256 need extended config space', () => {
    const env = withPci(makeEnv({ f: new Uint8Array(8192) }));
    env.pciExtendedConfig = false;
    const r = executeLoader(script(0x10, 0x100), env);
    expect(r.errors).toEqual([expect.stringMatching(/0x100 needs extended config space/)]);
  });
});
