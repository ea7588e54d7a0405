// The IGD handshake matrix on the TypeScript firmware (hle): policy × path × OpRegion size.
import { catalogueSource, decodeOpRegion } from '@vmkit/vfio-igd';
import { describe, expect, it } from 'vitest';
import { ConfigError, type OpRegionPolicy } from '../src/index.js';
import { boot, createMachine, MiB } from './helpers.js';

const policies: OpRegionPolicy[] = ['fw-cfg', 'map', 'copy-on-asls'];
const paths = [
  { name: 'intel_igd_setup', linker: false, hle: { igdSetup: true } },
  { name: 'linker automation', linker: true, hle: { igdSetup: false } },
] as const;
const sizes = [
  { name: '8 KiB OpRegion (kbl)', model: 'kbl', extended: false },
  { name: 'extended VBT (tgl)', model: 'tgl', extended: true },
] as const;

describe('IGD handshake matrix (hle firmware)', () => {
  for (const policy of policies) {
    for (const path of paths) {
      for (const size of sizes) {
        it(`${policy} × ${path.name} × ${size.name}`, () => {
          const source = catalogueSource(size.model);
          const host = source.opRegion!.slice();
          const { m, report } = boot({
            firmware: { kind: 'hle', options: path.hle },
            igd: { source, policy, linker: path.linker },
          });
          const g = report.igd!;
          expect(report.result.reason).toBe('boot-attempted');
          // ASLS points at a 4 KiB-aligned block in the firmware's high zone, below RAM's top.
          expect(g.asls).toBeGreaterThan(0x100000);
          expect(g.asls % 4096).toBe(0);
          expect(g.asls + g.opregionSize).toBeLessThanOrEqual(128 * MiB);
          // The guest-visible bytes at ASLS are a valid OpRegion, the host's bytes exactly.
          expect(g.guestOpregionValid).toBe(true);
          const guest = m.memory.readBytes(g.asls, g.opregionSize);
          expect(guest).toEqual(host);
          expect(g.opregionSize > 8192).toBe(size.extended);
          if (size.extended) {
            const d = decodeOpRegion(guest);
            expect(d.ok).toBe(true);
            expect(d.vbtLocation).not.toBe('none');
          }
          // It is not usable RAM in the map the OS receives.
          expect(g.opregionReserved).toBe(true);
          // No guest write ever reaches the host OpRegion.
          expect(g.hostOpregionWrites).toBe(0);
          expect(source.opRegion).toEqual(host);
          // BDSM: SeaBIOS programs 0x5C only (gen < 11), and only via intel_igd_setup.
          if (source.generation < 11 && path.name === 'intel_igd_setup') {
            expect(g.bdsm).toBeGreaterThan(0);
            expect(g.bdsm % MiB).toBe(0);
            expect(g.bdsmSize).toBeGreaterThan(0);
            expect(g.bdsmReserved).toBe(true);
          } else {
            expect(g.bdsm).toBe(0);
          }
        });
      }
    }
  }

  it('map policy: guest writes to the OpRegion are dropped and reported', () => {
    const source = catalogueSource('kbl');
    const m = createMachine({ firmware: { kind: 'hle' }, igd: { source, policy: 'map' } });
    const events: string[] = [];
    m.events.subscribe((e) => events.push(e.kind));
    const r = m.boot();
    const asls = r.igd!.asls;
    const before = m.memory.read32(asls + 0x200);
    m.memory.write32(asls + 0x200, 0xdeadbeef); // SWSCI SCIC, as a guest driver would
    expect(m.memory.read32(asls + 0x200)).toBe(before);
    expect(events).toContain('igd-opregion-write-dropped');
    expect(source.opRegion![0x200]).toBe(before & 0xff);
  });
});

describe('OpRegion policy safety', () => {
  it('map-rw (opt-in): guest writes reach the host image, are counted, and warn loudly', () => {
    const source = catalogueSource('kbl');
    const m = createMachine({ firmware: { kind: 'hle' }, igd: { source, policy: 'map-rw' }, trace: ['igd'] });
    const asls = m.boot().igd!.asls;
    m.memory.write32(asls + 0x300, 0x12345678);
    const kinds = m.events.recorded.map((e) => e.kind);
    expect(kinds).toContain('igd-opregion-map-rw-warning');
    expect(kinds).toContain('igd-opregion-host-write');
    // The fw_cfg file is a copy: what firmware saw never changes under the guest's feet.
    expect(m.fwCfg.getFile('etc/igd-opregion')![0x300]).not.toBe(0x78);
    expect(m.report().igd!.hostOpregionWrites).toBe(1);
  });

  it('a guest that points ASLS at MMIO gets failures, not device side effects or exceptions', () => {
    for (const policy of ['fw-cfg', 'copy-on-asls'] as const) {
      const m = createMachine({ firmware: { kind: 'hle' }, igd: { source: catalogueSource('kbl'), policy } });
      m.boot();
      const kinds: string[] = [];
      m.events.subscribe((e) => kinds.push(e.kind));
      const igd = m.platform.pci.findDevice(0x10)!;
      igd.configWrite(0xfc, 4, 0xfee00000); // the LAPIC page
      igd.configWrite(0xe8, 4, 0x8001); // SWSCI trigger with SCI select
      if (policy === 'copy-on-asls') expect(kinds).toContain('igd-opregion-error');
      expect(kinds).not.toContain('igd-opregion-copied');
      const swsci = kinds.indexOf('igd-swsci');
      expect(swsci).toBeGreaterThanOrEqual(0);
      expect(igd.configRead(0xfc, 4)).toBe(0xfee00000);
    }
  });

  it('fw_cfg DMA into MMIO fails with the error bit; unknown control bits are ignored as QEMU does', () => {
    const m = createMachine({ firmware: { kind: 'hle' } });
    const desc = 0x1000;
    // READ of the signature into the LAPIC page: refused.
    m.memory.writeBytes(desc, Uint8Array.of(0, 0, 0, 0x0a, 0, 0, 0, 4, 0, 0, 0, 0, 0xfe, 0xe0, 0, 0));
    m.io.out32(0x514, 0);
    m.io.out32(0x518, 0x00100000); // big-endian 0x1000
    expect(m.memory.read32(desc) & 0x01000000).not.toBe(0); // control (BE) has ERROR
    // READ into RAM with an unknown control bit (0x20) set: works.
    m.memory.writeBytes(desc, Uint8Array.of(0, 0, 0, 0x2a, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0x20, 0));
    m.io.out32(0x518, 0x00100000);
    expect(m.memory.read32(desc)).toBe(0);
    expect([...m.memory.readBytes(0x2000, 4)]).toEqual([0x51, 0x45, 0x4d, 0x55]); // "QEMU"
  });
});

describe('firmware and device variations', () => {
  it('firmware that never writes ASLS: guest sees 0 and the report flags it', () => {
    const { report } = boot({
      firmware: { kind: 'hle' },
      igd: { source: catalogueSource('kbl'), opregion: false },
    });
    expect(report.igd!.asls).toBe(0);
    expect(report.igd!.guestOpregionValid).toBe(false);
    expect(report.igd!.notes.join(' ')).toMatch(/never wrote an OpRegion address/);
  });

  it('IGD not at 00:02.0: OpRegion yes, BDSM no (as SeaBIOS)', () => {
    const { report } = boot({
      firmware: { kind: 'hle' },
      igd: { source: catalogueSource('kbl'), bdf: '00:03.0' },
    });
    expect(report.igd!.asls).toBeGreaterThan(0);
    expect(report.igd!.guestOpregionValid).toBe(true);
    expect(report.igd!.bdsm).toBe(0);
    expect(report.igd!.notes.join(' ')).toMatch(/not 00:02\.0/);
  });

  it('display-class 0x0380 IGD is ignored by SeaBIOS and the report says why', () => {
    const { report } = boot({
      firmware: { kind: 'hle' },
      igd: { source: catalogueSource('kbl'), classCode: 0x038000 },
    });
    expect(report.igd!.asls).toBe(0);
    expect(report.igd!.bdsm).toBe(0);
    expect(report.igd!.notes.join(' ')).toMatch(/class exactly 0x0300/);
  });

  it('two Intel VGA devices: each gets intel_igd_setup, BDSM only for 00:02.0', () => {
    const { report, m } = boot({
      firmware: { kind: 'hle' },
      igd: { source: catalogueSource('kbl') },
      extraDevices: [
        {
          kind: 'pci-stub',
          bdf: '00:03.0',
          vendorId: 0x8086,
          deviceId: 0x5916,
          classCode: 0x030000,
          bars: [{ index: 0, kind: 'mem32', size: 16 * MiB }],
        },
      ],
    });
    expect(report.igd!.guestOpregionValid).toBe(true);
    expect(report.igd!.bdsmReserved).toBe(true);
    expect(report.pci.map((d) => d.bdf)).toContain('00:03.0');
    const opregionLines = report.log.filter((l) => l.startsWith('Intel IGD OpRegion enabled'));
    expect(opregionLines.length).toBe(2);
    expect(report.log.filter((l) => l.startsWith('Intel IGD BDSM enabled')).length).toBe(1);
    expect(m.platform.pci.findDevice(0x10)!.configRead(0xfc, 4)).toBe(report.igd!.asls);
  });

  for (const mem of ['128M', '512M', '2G', '3584M']) {
    it(`memory ${mem}: handshake below RAM top, BDSM and OpRegion reserved`, () => {
      const { report, m } = boot({
        memory: mem,
        firmware: { kind: 'hle' },
        igd: { source: catalogueSource('kbl') },
      });
      const g = report.igd!;
      expect(g.guestOpregionValid).toBe(true);
      expect(g.bdsmReserved).toBe(true);
      expect(g.opregionReserved).toBe(true);
      expect(g.asls + 8192).toBeLessThanOrEqual(m.layout.below4g);
      const ram = report.e820.filter((e) => e.type === 1).reduce((a, e) => a + (e.end - e.start), 0);
      expect(ram).toBeGreaterThan(m.config.memory - 64 * MiB - g.bdsmSize);
    });
  }

  it('determinism: two boots give identical reports and event streams', () => {
    const run = () => {
      const m = createMachine({
        firmware: { kind: 'hle' },
        igd: { source: catalogueSource('kbl') },
        trace: ['all'],
      });
      const r = m.boot();
      return JSON.stringify({ r, e: m.events.recorded });
    };
    expect(run()).toBe(run());
  });

  it('rejects bad configs with readable errors', () => {
    expect(() => createMachine({ chipset: 'q35' })).toThrow(ConfigError);
    expect(() => createMachine({ memory: 'lots' })).toThrow(/not a size/);
    expect(() => createMachine({ igd: { source: catalogueSource('kbl'), bdf: '00:01.0' } })).toThrow(
      /taken by the chipset/,
    );
    expect(() =>
      createMachine({ igd: { source: catalogueSource('kbl'), bdf: '00:03.0', legacy: true } }),
    ).toThrow(/legacy mode: .*00:02\.0/);
    expect(() => createMachine({ jit: 'yes' as unknown as boolean })).toThrow(/jit must be true or false/);
  });

  it('legacy mode: an LPC bridge with the host LPC ids appears at 00:1f.0', () => {
    const source = catalogueSource('kbl');
    const { report } = boot({ firmware: { kind: 'hle' }, igd: { source, legacy: true } });
    const lpc = report.pci.find((d) => d.bdf === '00:1f.0');
    expect(lpc).toBeDefined();
    expect(lpc!.vendor).toBe(source.lpcBridge!.vendorId.toString(16).padStart(4, '0'));
    expect(lpc!.device).toBe(source.lpcBridge!.deviceId.toString(16).padStart(4, '0'));
    expect(report.igd!.guestOpregionValid).toBe(true);
  });
});
