import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { describe, expect, it } from 'vitest';
import { bdf, PCI_COMMAND_MEMORY, PciBridge, PciHost } from '../src/index.js';
import { RecordingHandler } from './fakes.js';
import { simpleDevice } from './helpers.js';

function build() {
  const memory = new MemoryBus();
  const io = new IoBus();
  const host = new PciHost({ memory, io });
  host.attachIo(io);
  host.addDevice(
    simpleDevice('a', { bars: [{ kind: 'mem32', size: 0x1000, handler: new RecordingHandler() }] }),
    2,
  );
  const br = new PciBridge({ name: 'br', vendorId: 0x1b36, deviceId: 1 });
  host.addDevice(br, 3);
  br.secondaryBus.addDevice(simpleDevice('b'), 0);
  return { memory, io, host };
}

describe('state as data', () => {
  it('round-trips config bytes, BAR mappings, bus numbers and the CF8 latch', () => {
    const one = build();
    one.host.configWrite(bdf(0, 2, 0), 0x10, 4, 0xfe000000);
    one.host.configWrite(bdf(0, 2, 0), 4, 2, PCI_COMMAND_MEMORY);
    one.host.configWrite(bdf(0, 3, 0), 0x18, 4, 0x00010100);
    one.host.configWrite(bdf(1, 0, 0), 0x3c, 1, 9);
    one.io.out32(0xcf8, 0x80001804);
    const state = JSON.parse(JSON.stringify(one.host.getState()));
    expect(state.devices.map((d: { name: string; bdf: number }) => [d.name, d.bdf])).toEqual([
      ['a', 0x10],
      ['br', 0x18],
      ['b', 0x100],
    ]);
    expect(state.devices[0].state.bars).toEqual([
      { bar: 0, kind: 'mem32', size: 0x1000, address: 0xfe000000 },
    ]);

    const two = build();
    two.host.setState(state);
    expect(two.io.in32(0xcf8)).toBe(0x80001804);
    expect(two.memory.resolve(0xfe000000).read).toBe('a BAR0');
    expect(two.host.configRead(bdf(1, 0, 0), 0x3c, 1)).toBe(9);
    expect(two.host.getState()).toEqual(state);
  });
  it('rejects state for unknown functions or of the wrong size', () => {
    const { host } = build();
    expect(() =>
      host.setState({
        configAddress: 0,
        devices: [{ bdf: 0, name: 'nope', state: { config: [], bars: [] } }],
      }),
    ).toThrow(/nope/);
    expect(() => host.findDevice(0x10)!.setState({ config: [1, 2, 3], bars: [] })).toThrow(/256 bytes/);
  });
});

describe('state with duplicate names and unplugged bridges', () => {
  it('restores functions that share a name in walk order', () => {
    const mk = () => {
      const host = new PciHost();
      host.addDevice(simpleDevice('nic'), 3);
      host.addDevice(simpleDevice('nic'), 4);
      return host;
    };
    const a = mk();
    a.configWrite(bdf(0, 3, 0), 0x3c, 1, 5);
    a.configWrite(bdf(0, 4, 0), 0x3c, 1, 10);
    const b = mk();
    b.setState(a.getState());
    expect(b.configRead(bdf(0, 3, 0), 0x3c, 1)).toBe(5);
    expect(b.configRead(bdf(0, 4, 0), 0x3c, 1)).toBe(10);
    expect(() => b.setState({ configAddress: 0, devices: [] as never })).not.toThrow();
    expect(() => b.setState({} as never)).toThrow(/devices/);
  });
  it('unplugging a bridge unmaps the BARs behind it', () => {
    const memory = new MemoryBus();
    const host = new PciHost({ memory });
    const br = new PciBridge({ name: 'br', vendorId: 0x1b36, deviceId: 1 });
    host.addDevice(br, 3);
    const c = br.secondaryBus.addDevice(
      simpleDevice('c', { bars: [{ kind: 'mem32', size: 0x1000, handler: new RecordingHandler() }] }),
      0,
    );
    host.configWrite(bdf(0, 3, 0), 0x18, 4, 0x00010100);
    host.configWrite(bdf(0, 3, 0), 0x20, 4, 0xfe00fe00);
    host.configWrite(bdf(0, 3, 0), 0x04, 2, PCI_COMMAND_MEMORY);
    host.configWrite(bdf(1, 0, 0), 0x10, 4, 0xfe000000);
    host.configWrite(bdf(1, 0, 0), 0x04, 2, PCI_COMMAND_MEMORY);
    expect(memory.resolve(0xfe000000).read).toBe('c BAR0');
    host.bus.removeDevice(br.devfn);
    expect(memory.resolve(0xfe000000).read).toBeNull();
    expect(c.barInfo(0)!.address).toBeNull();
    expect(host.configRead(bdf(1, 0, 0), 0, 4)).toBe(0xffffffff);
  });
});
