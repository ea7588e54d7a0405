// FwCfgClient (the contract @vmkit/seabios-port uses) against the device on real buses.
import { describe, expect, it } from 'vitest';
import { addStandardItems, FwCfg, FwCfgClient, FwCfgKey } from '../src/index.js';
import { makeRig } from './machine.js';

function setup(opts: { dma?: boolean } = {}) {
  const rig = makeRig();
  const fw = new FwCfg({ memory: rig.memory, dma: opts.dma ?? true });
  fw.attachIo(rig.io);
  const client = new FwCfgClient(rig.io, rig.memory);
  return { rig, fw, client };
}

describe('FwCfgClient', () => {
  it('detect: present, DMA bit from the ID', () => {
    expect(setup().client.detect()).toEqual({ present: true, dma: true });
    expect(setup({ dma: false }).client.detect()).toEqual({ present: true, dma: false });
    const rig = makeRig();
    expect(new FwCfgClient(rig.io, rig.memory).detect()).toEqual({ present: false, dma: false });
  });

  it('select/read/skip/readItem', () => {
    const { fw, client } = setup();
    addStandardItems(fw, { ramSize: 0x1234_5678_9an });
    expect(client.readItem(FwCfgKey.SIGNATURE, 4)).toEqual(new Uint8Array([0x51, 0x45, 0x4d, 0x55]));
    client.select(FwCfgKey.RAM_SIZE);
    client.skip(1);
    expect([...client.read(3)]).toEqual([0x78, 0x56, 0x34]);
    client.detect();
    client.select(FwCfgKey.RAM_SIZE);
    client.skip(2); // via DMA SKIP now
    expect([...client.read(2)]).toEqual([0x56, 0x34]);
  });

  it('files/findFile/readFile follow the directory', () => {
    const { fw, client } = setup();
    fw.addFile('opt/b', new Uint8Array([2, 2]));
    fw.addFile('opt/a', new Uint8Array([1]));
    fw.addFile('etc/\u00e9t\u00e9', new Uint8Array([3, 3, 3]));
    const files = client.files();
    expect(files.map((f) => f.name)).toEqual(['etc/\u00e9t\u00e9', 'opt/a', 'opt/b']);
    expect(files.map((f) => [f.size, f.select])).toEqual([
      [3, 0x20],
      [1, 0x21],
      [2, 0x22],
    ]);
    expect(client.findFile('opt/b')).toEqual({ name: 'opt/b', size: 2, select: 0x22 });
    expect(client.findFile('opt/c')).toBeUndefined();
    expect(client.readFile('opt/b')).toEqual(new Uint8Array([2, 2]));
    expect(client.readFile('etc/\u00e9t\u00e9')).toEqual(new Uint8Array([3, 3, 3]));
    expect(client.readFile('nope')).toBeUndefined();
  });

  it('loadInt follows romfile_loadint: missing/empty/>8/non-power-of-two → default; LE value', () => {
    const { fw, client } = setup();
    fw.addFile('etc/one', new Uint8Array([0x7f]));
    fw.addFile('etc/two', new Uint8Array([0x34, 0x12]));
    fw.addFile('etc/four', new Uint8Array([1, 0, 0, 0x80]));
    fw.addFile('etc/eight', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 0xff]));
    fw.addFile('etc/three', new Uint8Array([1, 2, 3]));
    fw.addFile('etc/empty', new Uint8Array(0));
    fw.addFile('etc/sixteen', new Uint8Array(16).fill(1));
    expect(client.loadInt('etc/one', 9n)).toBe(0x7fn);
    expect(client.loadInt('etc/two', 9n)).toBe(0x1234n);
    expect(client.loadInt('etc/four', 9n)).toBe(0x80000001n);
    expect(client.loadInt('etc/eight', 9n)).toBe(0xff07060504030201n);
    expect(client.loadInt('etc/three', 9n)).toBe(9n);
    expect(client.loadInt('etc/empty', 9n)).toBe(9n);
    expect(client.loadInt('etc/sixteen', 9n)).toBe(9n);
    expect(client.loadInt('etc/missing', 42n)).toBe(42n);
  });

  it('dmaRead: with and without select, into guest memory; scratch area restored', () => {
    const { fw, rig, client } = setup();
    const data = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
    fw.addFile('opt/blob', data);
    rig.memory.writeBytes(0x6000, new Uint8Array(16).fill(0xaa)); // the default descriptor scratch
    expect(client.dmaRead(0x20, 0x10000, 5000)).toBe(true);
    expect(rig.bytes(0x10000, 5000)).toEqual(data);
    expect(rig.bytes(0x6000, 16)).toEqual(new Uint8Array(16).fill(0xaa));
    // Continue from the current offset; past the end fills zeros.
    client.select(0x20);
    client.read(4990);
    rig.memory.fill(0x20000, 32, 0xcc);
    expect(client.dmaRead(null, 0x20000, 20)).toBe(true);
    expect([...rig.bytes(0x20000, 21)]).toEqual([...data.subarray(4990), ...new Array(10).fill(0), 0xcc]);
  });

  it('dmaRead fails without DMA or without memory', () => {
    const { rig, client } = setup({ dma: false });
    expect(client.dmaRead(0, 0x10000, 4)).toBe(false);
    expect(new FwCfgClient(rig.io).dmaRead(0, 0x10000, 4)).toBe(false);
  });

  it('writeFile: offset 0 (SELECT|WRITE) and offset > 0 (SKIP then WRITE); callback sees it', () => {
    const { fw, rig, client } = setup();
    const seen: [number[], number][] = [];
    const store = new Uint8Array(8);
    fw.addFile('etc/vmgenid_addr', store, { writable: true, onWrite: (d, o) => seen.push([[...d], o]) });
    fw.addFile('etc/ro', new Uint8Array(8));
    rig.memory.fill(0x6010, 8, 0x5a);
    expect(client.writeFile('etc/vmgenid_addr', 0, new Uint8Array([1, 2, 3, 4]))).toBe(true);
    expect(client.writeFile('etc/vmgenid_addr', 6, new Uint8Array([9, 9]))).toBe(true);
    expect([...store]).toEqual([1, 2, 3, 4, 0, 0, 9, 9]);
    expect(fw.getFile('etc/vmgenid_addr')).toBe(store);
    expect(seen).toEqual([
      [[1, 2, 3, 4], 0],
      [[9, 9], 6],
    ]);
    expect(rig.bytes(0x6010, 8)).toEqual(new Uint8Array(8).fill(0x5a)); // scratch restored
    // Past the end, read-only, missing: false and nothing changes.
    expect(client.writeFile('etc/vmgenid_addr', 6, new Uint8Array([7, 7, 7]))).toBe(false);
    expect(client.writeFile('etc/ro', 0, new Uint8Array([1]))).toBe(false);
    expect(client.writeFile('etc/none', 0, new Uint8Array([1]))).toBe(false);
    expect([...store]).toEqual([1, 2, 3, 4, 0, 0, 9, 9]);
    expect(fw.getFile('etc/ro')).toEqual(new Uint8Array(8));
  });

  it('honours a custom base and descriptor address', () => {
    const rig = makeRig();
    const fw = new FwCfg({ memory: rig.memory });
    fw.attachIo(rig.io, 0x600);
    fw.addFile('opt/x', new Uint8Array([4, 5, 6]));
    const c = new FwCfgClient(rig.io, rig.memory, { base: 0x600, dmaDescriptorAddr: 0x9000 });
    expect(c.detect()).toEqual({ present: true, dma: true });
    expect(c.dmaRead(c.findFile('opt/x')!.select, 0x8000, 3)).toBe(true);
    expect([...rig.bytes(0x8000, 3)]).toEqual([4, 5, 6]);
  });
});
