import { encodeLoader, executeLoader } from '@vmkit/bios-linker';
import { devfn, type QosPc, qosPc } from '@vmkit/qos';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  catalogueSource,
  decodeOpRegion,
  type IgdEvent,
  type IgdGuestMemory,
  IgdPciDevice,
  igdFwCfgFiles,
  linkerFragment,
  planLegacyMode,
  validateGmsOverride,
} from '../src/index.js';

/** The IGD's guest memory on @vmkit/qos's PC (64 MiB, vmkit's i440FX board): its real MemoryBus,
 * the OpRegion overlay an MMIO region above RAM (priority 10), as the machine's adapter in
 * src/device-type.ts maps it. */
function busMemory(pc: QosPc): IgdGuestMemory {
  return {
    readGuest: (addr, len) => pc.memory.readBytes(addr, len),
    writeGuest: (addr, data) => pc.memory.writeBytes(addr, data),
    mapOverlay: (addr, size, h) =>
      pc.memory.addMmio(`igd-opregion-overlay@${addr.toString(16)}`, addr, size, h, { priority: 10 }),
  };
}

/** The overlay regions on the bus now. */
const overlays = (pc: QosPc) =>
  pc.memory.listRegions().filter((r) => r.name.startsWith('igd-opregion-overlay'));

/** The IGD at 00:02.0 of a qos PC; `cfg` reaches it through configuration mechanism #1. */
function setup(key: string, extra: Partial<ConstructorParameters<typeof IgdPciDevice>[0]> = {}) {
  const events: IgdEvent[] = [];
  const pc = qosPc({ ramSize: 64 * 1024 * 1024, fwCfg: false });
  const memory = busMemory(pc);
  const source = catalogueSource(key);
  const dev = new IgdPciDevice({ source, memory, onEvent: (e) => events.push(e), ...extra });
  pc.pci.addDevice(dev, 2);
  const cfg = pc.bus.device(devfn(2, 0))!;
  return { dev, cfg, events, memory, source, pc };
}

const ASLS = 0xfc;

describe('IGD config virtualisation', () => {
  it('identity, class, GMCH host value; ASLS/BDSM read 0 until written', () => {
    const { dev, source } = setup('kbl');
    expect(dev.configRead(0, 4)).toBe(0x59168086);
    expect(dev.configRead(0x08, 4) >>> 8).toBe(0x030000);
    expect(dev.configRead(0x50, 2)).toBe(source.stolen!.gmch);
    expect(dev.configRead(ASLS, 4)).toBe(0);
    expect(dev.configRead(0x5c, 4)).toBe(0);
    expect(source.config[0x5c] | source.config[0xfc]).not.toBe(0); // host had values
  });
  it('ASLS and BDSM are fully writable, byte-wise too; GMCH writes are dropped and reported', () => {
    const { dev, events } = setup('kbl');
    dev.configWrite(ASLS, 4, 0x7ffe0000);
    expect(dev.configRead(ASLS, 4)).toBe(0x7ffe0000);
    dev.configWrite(ASLS + 1, 1, 0x12);
    expect(dev.configRead(ASLS, 4)).toBe(0x7ffe1200);
    dev.configWrite(0x5c, 4, 0x7c000000);
    expect(dev.configRead(0x5c, 4)).toBe(0x7c000000);
    const gmch = dev.configRead(0x50, 2);
    dev.configWrite(0x50, 2, 0xffff);
    expect(dev.configRead(0x50, 2)).toBe(gmch);
    expect(events.some((e) => e.kind === 'igd-readonly-write' && e.register === 'GMCH')).toBe(true);
    expect(events.filter((e) => e.kind === 'igd-asls-write')).toHaveLength(2);
    expect(events.some((e) => e.kind === 'igd-bdsm-write' && e.value === 0x7c000000)).toBe(true);
  });
  it('gen ≥ 11: 64-bit BDSM at 0xC0, 0x5C read-only 0', () => {
    const { dev } = setup('tgl');
    expect(dev.regs.bdsmOffset).toBe(0xc0);
    dev.configWrite(0xc0, 4, 0x7c000001);
    dev.configWrite(0xc4, 4, 0x1);
    expect(dev.regs.bdsm).toBe(0x17c000001n);
    dev.configWrite(0x5c, 4, 0x12345678);
    expect(dev.configRead(0x5c, 4)).toBe(0);
  });
  it('Meteor Lake has no BDSM register', () => {
    const { dev } = setup('mtl');
    expect(dev.regs.bdsmOffset).toBe(-1);
    expect(igdFwCfgFiles(dev.source, dev.regs).find((f) => f.name === 'etc/igd-bdsm-size')!.data).toEqual(
      new Uint8Array(8),
    );
  });
  it('GMS override validated per generation', () => {
    expect(validateGmsOverride(6, 0x10)).toBeUndefined();
    expect(validateGmsOverride(6, 0x11)).toMatch(/Unsupported IGD GMS value 0x11/);
    expect(validateGmsOverride(8, 0x40)).toBeUndefined();
    expect(validateGmsOverride(8, 0xf0)).toMatch(/Unsupported/);
    expect(validateGmsOverride(9, 0xf0)).toBeUndefined();
    expect(validateGmsOverride(-1, 1)).toMatch(/known generation/);
    expect(() => setup('snb', { gmsOverride: 0x20 })).toThrow(/gmsOverride: Unsupported IGD GMS value 0x20/);
    const { dev } = setup('kbl', { gmsOverride: 0xf1 });
    expect((dev.configRead(0x50, 2) >> 8) & 0xff).toBe(0xf1);
    expect(dev.regs.stolen.dsmBytes).toBe(8 * 1024 * 1024);
    const snb = setup('snb', { gmsOverride: 0x10 }).dev;
    expect((snb.configRead(0x50, 2) >> 3) & 0x1f).toBe(0x10);
    expect(snb.regs.stolen.dsmBytes).toBe(512 * 1024 * 1024);
  });
  it('BARs size like hardware; host capabilities are read-only; MSI is guest-owned', () => {
    const { dev } = setup('kbl');
    dev.configWrite(0x10, 4, 0xffffffff);
    expect(dev.configRead(0x10, 4)).toBe((~(16 * 1024 * 1024 - 1) | 0x4) >>> 0);
    dev.configWrite(0x18, 4, 0xffffffff);
    expect(dev.configRead(0x18, 4)).toBe((~(256 * 1024 * 1024 - 1) | 0xc) >>> 0);
    dev.configWrite(0x20, 4, 0xffffffff);
    expect(dev.configRead(0x20, 4)).toBe(0xffffffc1);
    const cap = dev.configRead(0x40, 4);
    dev.configWrite(0x40, 4, 0);
    expect(dev.configRead(0x40, 4)).toBe(cap);
    dev.configWrite(0xac + 4, 4, 0xfee00000);
    expect(dev.configRead(0xac + 4, 4)).toBe(0xfee00000);
  });
  it('guest-controlled config traffic never throws and never changes read-only state', () => {
    const { dev, source } = setup('adl', { policy: 'copy-on-asls' });
    const gmch = dev.configRead(0x50, 2);
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            off: fc.integer({ min: 0, max: 4095 }),
            size: fc.constantFrom(1, 2, 4),
            v: fc.integer({ min: 0, max: 0xffffffff }),
          }),
          { maxLength: 40 },
        ),
        (ops) => {
          for (const o of ops) {
            const off = Math.min(o.off, 4096 - o.size);
            dev.configWrite(off, o.size, o.v);
            dev.configRead(off, o.size);
          }
          expect(dev.configRead(0x50, 2)).toBe(gmch);
          expect(dev.configRead(0, 4)).toBe(0x46a68086);
          expect(dev.configRead(0x34, 1)).toBe(source.config[0x34]);
        },
      ),
      { numRuns: 200, seed: 42 },
    );
  });
  it('reset clears ASLS/BDSM and removes an overlay', () => {
    const { dev, pc } = setup('kbl', { policy: 'map' });
    dev.configWrite(ASLS, 4, 0x100000);
    dev.configWrite(0x5c, 4, 0x7c000000);
    expect(overlays(pc)).toHaveLength(1);
    dev.reset();
    expect(dev.configRead(ASLS, 4)).toBe(0);
    expect(dev.configRead(0x5c, 4)).toBe(0);
    expect(overlays(pc)).toHaveLength(0);
  });
});

describe('OpRegion policies', () => {
  it('fw-cfg: latch only', () => {
    const { cfg, events, memory } = setup('kbl');
    cfg.writel(ASLS, 0x200000);
    expect(events.map((e) => e.kind)).toEqual(['igd-asls-write', 'igd-opregion-latched']);
    expect(memory.readGuest(0x200000, 16).every((b) => b === 0)).toBe(true);
  });
  it('copy-on-asls: copies, re-copies on rewrite, nothing on 0', () => {
    const { cfg, events, memory, source } = setup('tgl', { policy: 'copy-on-asls' });
    cfg.writel(ASLS, 0x300000);
    const op = source.opRegion!;
    expect(memory.readGuest(0x300000, op.length)).toEqual(op);
    cfg.writel(ASLS, 0x400000);
    expect(memory.readGuest(0x400000, op.length)).toEqual(op);
    cfg.writel(ASLS, 0);
    expect(
      events.filter((e) => e.kind === 'igd-opregion-copied').map((e) => (e as { addr: number }).addr),
    ).toEqual([0x300000, 0x400000]);
    expect(decodeOpRegion(memory.readGuest(0x400000, op.length)).vbtLocation).toBe('extended');
  });
  it('map: read-only overlay, writes dropped and reported, rewrite moves, 0 removes', () => {
    const { cfg, events, memory, source, pc } = setup('kbl', { policy: 'map' });
    const before = source.opRegion!.slice();
    cfg.writel(ASLS, 0x500000);
    expect(memory.readGuest(0x500000, 16)).toEqual(before.subarray(0, 16));
    memory.writeGuest(0x500200, Uint8Array.of(1, 2));
    expect(source.opRegion).toEqual(before);
    expect(events.filter((e) => e.kind === 'igd-opregion-write-dropped')).toHaveLength(2);
    cfg.writel(ASLS, 0x600000);
    expect(events.some((e) => e.kind === 'igd-opregion-moved' && e.to === 0x600000)).toBe(true);
    expect(memory.readGuest(0x600000, 4)).toEqual(before.subarray(0, 4));
    expect(memory.readGuest(0x500000, 4)).toEqual(new Uint8Array(4));
    cfg.writel(ASLS, 0);
    expect(overlays(pc)).toHaveLength(0);
    expect(events.at(-1)).toEqual({ kind: 'igd-opregion-unmapped', addr: 0x600000 });
  });
  it('map-rw: loud warning, writes reach the image', () => {
    const { cfg, events, memory, source } = setup('kbl', { policy: 'map-rw' });
    expect(events[0].kind).toBe('igd-opregion-map-rw-warning');
    cfg.writel(ASLS, 0x500000);
    memory.writeGuest(0x500204, Uint8Array.of(0xaa));
    expect(source.opRegion![0x204]).toBe(0xaa);
    expect(events.some((e) => e.kind === 'igd-opregion-host-write')).toBe(true);
  });
  it('host-side misuse throws', () => {
    const source = catalogueSource('kbl');
    expect(() => new IgdPciDevice({ source, policy: 'map' })).toThrow(/mapOverlay/);
    expect(() => new IgdPciDevice({ source, policy: 'copy-on-asls' })).toThrow(/memory interface/);
    expect(() => new IgdPciDevice({ source, policy: 'mmap' as never })).toThrow(
      /unknown OpRegion policy "mmap"/,
    );
  });
  it('a refusing memory side is reported, not thrown into the guest', () => {
    const events: IgdEvent[] = [];
    const memory: IgdGuestMemory = {
      readGuest: () => new Uint8Array(8),
      writeGuest: () => {
        throw new Error('no RAM there');
      },
    };
    const dev = new IgdPciDevice({
      source: catalogueSource('kbl'),
      policy: 'copy-on-asls',
      memory,
      onEvent: (e) => events.push(e),
    });
    expect(() => dev.configWrite(ASLS, 4, 0xfffff000)).not.toThrow();
    expect(events.some((e) => e.kind === 'igd-opregion-error' && e.message === 'no RAM there')).toBe(true);
  });
});

describe('SWSCI emulation', () => {
  const SCIC = 0x200;
  function request(memory: IgdGuestMemory, asls: number, func: number, sub: number, parm = 0) {
    const b = new Uint8Array(8);
    const scic = (func << 1) | (sub << 8) | 1;
    new DataView(b.buffer).setUint32(0, scic, true);
    new DataView(b.buffer).setUint32(4, parm, true);
    memory.writeGuest(asls + SCIC, b);
  }
  const readMb = (m: IgdGuestMemory, asls: number) => {
    const dv = new DataView(m.readGuest(asls + SCIC, 8).buffer);
    return { scic: dv.getUint32(0, true), parm: dv.getUint32(4, true) };
  };
  it('capability queries are answered in the guest copy; others fail; trigger self-clears', () => {
    const { cfg, events, memory } = setup('kbl', {
      policy: 'copy-on-asls',
      swsci: { gbdaSupported: 0x3, sbcbSupported: 0x1 },
    });
    cfg.writel(ASLS, 0x700000);
    // i915 swsci(): select SCI, then set GSSCIE.
    request(memory, 0x700000, 4, 0);
    cfg.writew(0xe8, 0x8000);
    cfg.writew(0xe8, 0x8001);
    expect(cfg.readw(0xe8)).toBe(0x8000);
    expect(readMb(memory, 0x700000)).toEqual({ scic: 1 << 5, parm: 0x3 });
    request(memory, 0x700000, 6, 0);
    cfg.writew(0xe8, 0x8001);
    expect(readMb(memory, 0x700000)).toEqual({ scic: 1 << 5, parm: 0x1 });
    request(memory, 0x700000, 4, 1, 0x55);
    cfg.writew(0xe8, 0x8001);
    expect(readMb(memory, 0x700000).scic).toBe(4 << 5);
    const sw = events.filter((e) => e.kind === 'igd-swsci');
    expect(sw.map((e) => (e as { result: string }).result)).toEqual(['answered', 'answered', 'unsupported']);
    // Reserved bits of SWSCI stay 0.
    cfg.writel(0xe8, 0xfffffffe);
    expect(cfg.readl(0xe8)).toBe(0x8000);
  });
  it('no OpRegion / not pending / mapped host OpRegion: nothing written', () => {
    const a = setup('kbl', { policy: 'copy-on-asls' });
    a.cfg.writew(0xe8, 0x8001);
    expect(a.events.at(-1)).toMatchObject({ kind: 'igd-swsci', result: 'no-opregion' });
    a.cfg.writel(ASLS, 0x700000);
    a.cfg.writew(0xe8, 0x8001);
    expect(a.events.at(-1)).toMatchObject({ kind: 'igd-swsci', result: 'not-pending' });
    const b = setup('kbl', { policy: 'map' });
    b.cfg.writel(ASLS, 0x700000);
    const before = b.source.opRegion!.slice();
    b.source.opRegion![0x200] = 0x09; // pretend the host mailbox holds a pending GBDA
    b.cfg.writew(0xe8, 0x8001);
    expect(b.events.at(-1)).toMatchObject({ kind: 'igd-swsci', result: 'opregion-mapped' });
    expect(b.source.opRegion!.subarray(0x201)).toEqual(before.subarray(0x201));
    expect(b.source.opRegion![0x200]).toBe(0x09);
  });
});

describe('published blobs, linker fragment and legacy mode', () => {
  it('etc/igd-opregion is byte-exact and etc/igd-bdsm-size is u64 LE', () => {
    const src = catalogueSource('kbl');
    const files = igdFwCfgFiles(src);
    expect(files[0].name).toBe('etc/igd-opregion');
    expect(files[0].data).toEqual(src.opRegion);
    expect(files[1].name).toBe('etc/igd-bdsm-size');
    expect(new DataView(files[1].data.buffer).getBigUint64(0, true)).toBe(64n * 1024n * 1024n);
    const tgl = igdFwCfgFiles(catalogueSource('tgl'));
    expect(tgl[0].data.length).toBe(0x2000 + 8704);
    expect(decodeOpRegion(tgl[0].data).extendedVbt?.rvda).toBe('0x0000000000002000');
  });
  it('the linker fragment gives the same guest-visible result as SeaBIOS intel_igd_setup', () => {
    const run = (known: 'all' | 'seabios-1.16') => {
      const { dev, memory, source } = setup('kbl');
      const files = new Map(igdFwCfgFiles(source).map((f) => [f.name, f.data]));
      let high = 0x3f00000;
      const result = executeLoader(
        encodeLoader(linkerFragment()),
        {
          readFile: (n) => files.get(n),
          allocate: (_zone, size, align) => {
            high = Math.floor((high - size) / align) * align;
            return high;
          },
          memory: {
            readBytes: (a, l) => memory.readGuest(a, l),
            writeBytes: (a, d) => memory.writeGuest(a, d),
          },
          writeFile: () => false,
          writePciConfig: (bdf, off, width, value) => {
            expect(bdf).toBe(0x10);
            dev.configWrite(off, width as 4, Number(value));
          },
        },
        { knownCommands: known },
      );
      expect(result.ok).toBe(true);
      // SeaBIOS intel_igd_setup path: firmware writes ASLS itself when the command was skipped.
      if (known === 'seabios-1.16') {
        expect(result.skipped).toHaveLength(1);
        dev.configWrite(ASLS, 4, result.allocations[0].addr);
      }
      const asls = dev.configRead(ASLS, 4);
      return { asls, copy: memory.readGuest(asls, source.opRegion!.length), op: source.opRegion! };
    };
    const a = run('all');
    const b = run('seabios-1.16');
    expect(a.asls).toBe(b.asls);
    expect(a.asls % 4096).toBe(0);
    expect(a.copy).toEqual(a.op);
    expect(b.copy).toEqual(a.copy);
  });
  it('legacy mode plan: i440fx ok, q35 1f.0 conflict, wrong slot, generation, ROM', () => {
    const kbl = catalogueSource('kbl');
    const ok = planLegacyMode({ source: kbl, guestAddress: '00:02.0' });
    expect(ok.ok).toBe(true);
    expect(ok.hostBridgePatches.map((p) => p.offset)).toEqual([0x08, 0x2c, 0x2e]);
    expect(ok.lpcBridge).toMatchObject({ vendorId: 0x8086, deviceId: 0x9d58, classCode: 0x060100 });
    expect(ok.vgaMemory).toEqual({ base: 0xa0000, size: 0x20000 });
    const q35 = planLegacyMode({ source: kbl, guestAddress: '00:02.0', occupantAt1f: 'ICH9-LPC' });
    expect(q35.errors).toEqual([
      'IGD device 0000:00:02.0 cannot support legacy mode due to existing devices at address 1f.0 (ICH9-LPC)',
    ]);
    expect(planLegacyMode({ source: kbl, guestAddress: '00:03.0' }).errors[0]).toMatch(
      /legacy mode requires 00:02.0/,
    );
    expect(planLegacyMode({ source: catalogueSource('tgl'), guestAddress: '00:02.0' }).errors[0]).toMatch(
      /generation 12/,
    );
    expect(
      planLegacyMode({ source: catalogueSource('mtl'), guestAddress: '0000:00:02.0' }).errors[0],
    ).toMatch(/try SandyBridge or newer/);
    expect(planLegacyMode({ source: kbl, guestAddress: '00:02.0', romSize: 0 }).errors[0]).toMatch(
      /has no ROM/,
    );
    expect(
      planLegacyMode({ source: { ...kbl, romSize: 0 }, guestAddress: '00:02.0', romSize: 65536 }).ok,
    ).toBe(true);
    expect(planLegacyMode({ source: { ...kbl, romSize: 0 }, guestAddress: '00:02.0' }).errors[0]).toMatch(
      /has no ROM, legacy mode disabled/,
    );
  });
});

describe('state and legacy devices', () => {
  it('getState/setState round-trips the virtual registers and re-maps a map-policy overlay', () => {
    const a = setup('tgl', { policy: 'map' });
    a.dev.configWrite(0xc0, 4, 0x7c000001);
    a.dev.configWrite(ASLS, 4, 0x500000);
    a.dev.configWrite(0x04, 2, 0x0006);
    const st = JSON.parse(JSON.stringify(a.dev.getState()));
    const b = setup('tgl', { policy: 'map' });
    b.dev.setState(st);
    expect(b.dev.configRead(ASLS, 4)).toBe(0x500000);
    expect(b.dev.regs.bdsm).toBe(0x7c000001n);
    expect(b.dev.configRead(0x04, 2)).toBe(0x0006);
    expect(overlays(b.pc).map((o) => o.base)).toEqual([0x500000]);
  });
  it('creates the legacy LPC bridge and patches the host bridge', async () => {
    const { createLegacyLpcBridge, applyHostBridgePatches } = await import('../src/index.js');
    const { PciDevice } = await import('@vmkit/pci');
    const plan = planLegacyMode({ source: catalogueSource('hsw'), guestAddress: '00:02.0' });
    const lpc = createLegacyLpcBridge(plan);
    expect(lpc.configRead(0, 4)).toBe(0x8c4f8086);
    expect(lpc.configRead(0x08, 4)).toBe(0x06010005);
    const hb = new PciDevice({
      name: 'i440fx',
      vendorId: 0x8086,
      deviceId: 0x1237,
      classCode: 0x060000,
      revision: 2,
    });
    applyHostBridgePatches(plan, hb);
    expect(hb.configRead(0x08, 1)).toBe(0x06);
    expect(hb.configRead(0x2c, 4)).toBe(0x22128086);
    expect(hb.configRead(0, 4)).toBe(0x12378086);
  });
});

describe('hostile host dumps', () => {
  it('a looping or out-of-range capability chain does not hang the device model', async () => {
    const { sourceFromDumps } = await import('../src/index.js');
    const c = catalogueSource('kbl').config.slice(0, 256);
    c[0x34] = 0x40;
    c[0x40] = 0x05;
    c[0x41] = 0x40; // MSI capability pointing at itself
    const dev = new IgdPciDevice({ source: sourceFromDumps({ config: c }) });
    expect(dev.configRead(0x34, 1)).toBe(0x40);
    const c2 = catalogueSource('kbl').config.slice(0, 256);
    c2[0x34] = 0xfe;
    expect(new IgdPciDevice({ source: sourceFromDumps({ config: c2 }) }).configRead(0x34, 1)).toBe(0xfe);
  });
});
