// The machine as a board plus devices: one validation path for device specs, the device context
// (timers, IRQs, regions, events, fw_cfg files, ACPI), the DSDT listing plugged devices, and the
// DMA contract (a fw_cfg DMA straddling RAM and the IGD's mapped OpRegion is refused whole).
import type { DeviceType } from '@vmkit/device';
import { DeviceRegistry } from '@vmkit/device';
import { catalogueSource, igdDeviceType } from '@vmkit/vfio-igd';
import { describe, expect, it } from 'vitest';
import {
  createMachine as bare,
  ConfigError,
  formatReport,
  type MachineConfigInput,
  OPREGION_POLICIES,
} from '../src/index.js';
import { createMachine, MiB, registry } from './helpers.js';

/** A test device: a port that counts, a timer that raises ISA IRQ 5, a fw_cfg file, an ACPI node. */
const ticker: DeviceType<{ iobase: number; periodNs: number }, { count: number; deadline: number | null }> = {
  driver: 'ticker',
  bus: 'isa',
  description: 'test device',
  props: {
    iobase: { type: 'int', doc: 'port', min: 0, max: 0xffff, default: 0x300 },
    periodNs: { type: 'int', doc: 'timer period', min: 1, default: 1000 },
  },
  realize(p, ctx) {
    let count = 0;
    const irq = ctx.isaIrq(5);
    const timer = ctx.createTimer((now) => {
      count++;
      irq.set(true);
      ctx.emit({ kind: 'ticker-tick', count, now });
    });
    ctx.mapIo('ticker', p.iobase, 1, {
      read: () => count & 0xff,
      write: (_o, _s, v) => {
        irq.set(false);
        timer.arm(ctx.now() + v * p.periodNs);
      },
    });
    ctx.addFwCfgFile('opt/ticker', Uint8Array.of(1, 2, 3));
    ctx.describeAcpi({
      kind: 'isa',
      name: 'TICK',
      hid: 'PNP0C02',
      io: [{ base: p.iobase, size: 1 }],
      irq: 5,
    });
    return {
      reset: () => {
        count = 0;
        timer.cancel();
      },
      getState: () => ({ count, deadline: timer.deadline }),
      setState: (s) => {
        count = s.count;
        if (s.deadline === null) timer.cancel();
        else timer.arm(s.deadline);
      },
      report: () => ({ count }),
    };
  },
};
const withTicker = new DeviceRegistry([igdDeviceType, ticker]);

function acpiTables(m: ReturnType<typeof bare>): string {
  return new TextDecoder('latin1').decode(m.fwCfg.getFile('etc/acpi/tables')!);
}

describe('device specs: one validation path', () => {
  it('reports every problem in one ConfigError', () => {
    let err: unknown;
    try {
      createMachine({
        devices: [
          { driver: 'nonesuch' },
          { driver: 'pci-stub', addr: '03.0', vendorId: 0x1234, deviceId: 'x', classCode: 0x1_000_000 },
          { driver: 'pci-stub', addr: '00:03.0', vendorId: 1, deviceId: 2, classCode: 3, colour: 'red' },
          { driver: 'pci-stub', addr: '01.1', vendorId: 1, deviceId: 2, classCode: 3 },
          { driver: 'isa-debugcon', iobase: 0x10000 },
        ],
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      "device #2: unknown driver 'nonesuch' (drivers: isa-debugcon, pci-stub, vfio-igd)",
      "device pci-stub (pci-stub): property 'deviceId' must be an integer from 0 to 65535",
      "device pci-stub (pci-stub): property 'classCode' 16777216 is out of range: must be an integer from 0 to 16777215",
      "device pci-stub1 (pci-stub): unknown property 'colour' (properties: vendorId, deviceId, classCode, bars)",
      "device isa-debugcon1 (isa-debugcon): property 'iobase' 65536 is out of range: must be an integer from 0 to 65535",
      'device pci-stub1 (pci-stub): addr 00:03.0 is already used by device pci-stub',
      'device pci-stub2 (pci-stub): addr 00:01.1 is taken by the chipset (00:00.0 host bridge, 00:01.x PIIX)',
    ]);
  });

  it('the machine names no device package: an unregistered driver is an unknown driver', () => {
    expect(() => bare({ igd: { source: catalogueSource('kbl') } })).toThrow(
      /unknown driver 'vfio-igd' \(drivers: isa-debugcon, pci-stub\)/,
    );
  });

  it('a device without addr gets the first free slot, as QEMU assigns', () => {
    const m = createMachine({
      firmware: { kind: 'hle' },
      devices: [
        { driver: 'pci-stub', vendorId: 0x1af4, deviceId: 1, classCode: 0xff0000 },
        { driver: 'pci-stub', addr: '02.0', vendorId: 0x1af4, deviceId: 2, classCode: 0xff0000 },
      ],
    });
    expect(m.devices.map((d) => [d.id, d.bdf])).toEqual([
      ['debugcon', null],
      ['pci-stub', 0x18],
      ['pci-stub1', 0x10],
    ]);
  });
});

describe('the device context', () => {
  const cfg = (more: MachineConfigInput = {}): MachineConfigInput => ({
    firmware: { kind: 'hle' },
    devices: [{ driver: 'ticker', id: 't0', iobase: 0x310 }],
    trace: ['ticker'],
    ...more,
  });

  it('timers on the virtual clock, ISA IRQs, port regions, events stamped with the id', () => {
    const m = createMachine(cfg(), { registry: withTicker });
    m.io.out8(0x310, 3); // arm 3 µs from now
    expect(m.nextDeadline()).toBe(3000);
    m.updateTimers(2999);
    expect(m.io.in8(0x310)).toBe(0);
    m.updateTimers(3000);
    expect(m.io.in8(0x310)).toBe(1);
    expect(m.platform.pic.getState().master.irr & (1 << 5)).not.toBe(0);
    expect(m.events.recorded.at(-1)).toMatchObject({
      kind: 'ticker-tick',
      device: 't0',
      count: 1,
      now: 3000,
    });
    expect(m.fwCfg.getFile('opt/ticker')).toEqual(Uint8Array.of(1, 2, 3));
    expect(m.report().devices.find((d) => d.id === 't0')).toEqual({
      id: 't0',
      driver: 'ticker',
      bdf: null,
      report: { count: 1 },
    });
  });

  it('the DSDT lists plugged devices: PCI functions by slot, ISA descriptions as given', () => {
    const plain = createMachine({ firmware: { kind: 'hle' } });
    const m = createMachine(
      cfg({
        devices: [
          { driver: 'ticker' },
          { driver: 'pci-stub', addr: '05.0', vendorId: 1, deviceId: 2, classCode: 0xff0000 },
        ],
      }),
      { registry: withTicker },
    );
    expect(acpiTables(plain)).not.toContain('S28_');
    expect(acpiTables(plain)).not.toContain('TICK');
    expect(acpiTables(m)).toContain('S28_');
    expect(acpiTables(m)).toContain('TICK');
  });

  it('a device type without a report section formats generically; the IGD formats itself', () => {
    const { report } = { report: createMachine(cfg(), { registry: withTicker }).boot() };
    expect(formatReport(report)).toContain('t0 (ticker): {"count":0}');
    const r = createMachine({ firmware: { kind: 'hle' }, igd: { source: catalogueSource('kbl') } }).boot();
    expect(formatReport(r, registry)).toContain('IGD handshake (');
  });
});

describe('the DMA contract', () => {
  for (const policy of OPREGION_POLICIES) {
    it(`policy ${policy}: a fw_cfg DMA straddling RAM and the OpRegion is ${policy.startsWith('map') ? 'refused whole (ERROR bit + event)' : 'plain RAM (allowed)'}`, () => {
      const m = createMachine({
        firmware: { kind: 'hle' },
        igd: { source: catalogueSource('kbl'), policy },
        trace: ['dma'],
      });
      const asls = m.boot().igd!.asls as number;
      expect(asls).toBeGreaterThan(0);
      const before = m.memory.readBytes(asls - 16, 64);
      const hostBefore = m.fwCfg.getFile('etc/igd-opregion')!.slice(0, 48);
      const desc = 0x1000;
      // FW_CFG_FILE_DIR (0x19) READ+SELECT, 64 bytes, to ASLS − 16: 16 bytes of RAM, 48 of OpRegion.
      const d = new DataView(new ArrayBuffer(16));
      d.setUint32(0, (0x19 << 16) | 0x0a);
      d.setUint32(4, 64);
      d.setUint32(12, asls - 16);
      m.memory.writeBytes(desc, new Uint8Array(d.buffer));
      m.io.out32(0x514, 0);
      m.io.out32(0x518, 0x00100000); // big-endian 0x1000
      const control = m.memory.read32(desc);
      const refusals = m.events.recorded.filter((e) => e.kind === 'dma-refused');
      if (policy === 'map' || policy === 'map-rw') {
        expect(control & 0x01000000).not.toBe(0); // ERROR
        expect(m.memory.readBytes(asls - 16, 64)).toEqual(before); // nothing written, RAM part included
        expect(m.fwCfg.getFile('etc/igd-opregion')!.slice(0, 48)).toEqual(hostBefore);
        expect(m.report().igd!.hostOpregionWrites).toBe(0);
        expect(refusals).toEqual([
          expect.objectContaining({
            device: 'fw_cfg',
            addr: asls - 16,
            length: 64,
            access: 'write',
            at: asls,
          }),
        ]);
      } else {
        expect(control).toBe(0);
        expect(refusals).toEqual([]);
      }
    });
  }

  it('checks byte-exactly: the last byte before an overlay is RAM, the first byte of it is not', () => {
    const m = createMachine({
      firmware: { kind: 'hle' },
      igd: { source: catalogueSource('kbl'), policy: 'map' },
    });
    const asls = m.boot().igd!.asls as number;
    expect(m.guest.check(asls - 4096, 4096, 'write')).toBeNull();
    expect(m.guest.check(asls - 4096, 4097, 'write')).toMatchObject({ at: asls });
    expect(m.guest.check(asls - 1, 2, 'read')).toMatchObject({ at: asls });
    expect(m.guest.read(0xfee00000, 4)).toMatchObject({ at: 0xfee00000, what: 'lapic' });
    expect(m.guest.check(0x9fffc, 8, 'read')).toMatchObject({ at: 0xa0000, what: 'unassigned' }); // VGA window
    expect(m.guest.check(0, 128 * MiB + 1, 'read')).not.toBeNull();
    expect(m.guest.write(0x5000, Uint8Array.of(7))).toBeNull();
    expect(m.memory.read8(0x5000)).toBe(7);
  });
});
