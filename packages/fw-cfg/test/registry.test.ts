// Host-side registry: file names, keys, callbacks, standard-item validation, events.
import { describe, expect, it } from 'vitest';
import {
  addStandardItems,
  decodeE820,
  encodeBootOrder,
  encodeE820,
  encodeHpet,
  encodeUuid,
  FwCfg,
  FwCfgKey,
} from '../src/index.js';
import { ascii, be32, guestFindFile, makeGuest } from './guest.js';
import { makeRig } from './machine.js';

const fresh = (opts: { fileSlots?: number } = {}) => new FwCfg({ memory: makeRig(1 << 20).memory, ...opts });

describe('file registration errors (host misuse → clear Error)', () => {
  it('names longer than 55 bytes are rejected; 55 is accepted; UTF-8 counts bytes', () => {
    const fw = fresh();
    expect(() => fw.addFile('x'.repeat(56), new Uint8Array(1))).toThrow(/56 bytes.*at most 55/);
    expect(fw.addFile('y'.repeat(55), new Uint8Array(1))).toBe(0x20);
    expect(() => fw.addFile('\u00e9'.repeat(28), new Uint8Array(1))).toThrow(/56 bytes/);
  });

  it('duplicate, empty, NUL-containing names and full slots are rejected', () => {
    const fw = fresh({ fileSlots: 2 });
    fw.addFile('opt/a', new Uint8Array(1));
    expect(() => fw.addFile('opt/a', new Uint8Array(2))).toThrow(/duplicate file name "opt\/a"/);
    expect(() => fw.addFile('', new Uint8Array(1))).toThrow(/empty/);
    expect(() => fw.addFile('opt/\0b', new Uint8Array(1))).toThrow(/NUL/);
    fw.addFile('opt/0', new Uint8Array(1));
    expect(() => fw.addFile('opt/c', new Uint8Array(1))).toThrow(/all 2 file slots/);
    expect(fw.listFiles().map((f) => f.name)).toEqual(['opt/0', 'opt/a']);
  });

  it('addItem: duplicate keys, file-range keys, the 0x4000 bit and bad data are rejected', () => {
    const fw = fresh();
    expect(() => fw.addItem(FwCfgKey.SIGNATURE, new Uint8Array(4))).toThrow(/0x0000 is already registered/);
    expect(() => fw.addItem(0x20, new Uint8Array(1))).toThrow(/file range/);
    expect(() => fw.addItem(0x4003, new Uint8Array(1))).toThrow(/0x4000/);
    expect(() => fw.addItem(0x10000, new Uint8Array(1))).toThrow(/16-bit/);
    expect(() => fw.addItem(0x8000 + 0x40, new Uint8Array(1))).toThrow(/beyond the last entry/);
    expect(() => fw.addItem(3, 'abc' as unknown as Uint8Array)).toThrow(/Uint8Array/);
    expect(() => fw.addU16(0x05, 0x10000)).toThrow(/0\.\.65535/);
  });

  it('standard-item validation names the field', () => {
    expect(() => addStandardItems(fresh(), { rebootTimeout: 70000 })).toThrow(/rebootTimeout/);
    expect(() => addStandardItems(fresh(), { splashTime: -1 })).toThrow(/splashTime/);
    expect(() => addStandardItems(fresh(), { uuid: 'not-a-uuid' })).toThrow(/encodeUuid/);
    expect(() => encodeE820([{ addr: -1, len: 1, type: 1 }])).toThrow(/entry 0 addr/);
    expect(() =>
      encodeHpet(new Array(9).fill({ eventTimerBlockId: 0, address: 0, minTick: 0, pageProt: 0 })),
    ).toThrow(/at most 8/);
  });
});

describe('directory and keys', () => {
  it('keys follow the sorted order and renumber as files are inserted', () => {
    const fw = fresh();
    expect(fw.addFile('opt/m', new Uint8Array(1))).toBe(0x20);
    expect(fw.addFile('opt/z', new Uint8Array(2))).toBe(0x21);
    expect(fw.addFile('etc/a', new Uint8Array(3))).toBe(0x20);
    expect(fw.listFiles().map((f) => [f.name, f.select])).toEqual([
      ['etc/a', 0x20],
      ['opt/m', 0x21],
      ['opt/z', 0x22],
    ]);
    expect(fw.getItem(0x22)).toEqual(new Uint8Array(2));
  });

  it('sorts by bytes like strcmp (upper case and "/" before lower case; UTF-8 after ASCII)', () => {
    const fw = fresh();
    for (const n of ['b', 'a/b', 'a-b', 'B', '\u00e9', 'a']) fw.addFile(n, new Uint8Array(1));
    expect(fw.listFiles().map((f) => f.name)).toEqual(['B', 'a', 'a-b', 'a/b', 'b', '\u00e9']);
  });

  it('setFile replaces contents, keeps the key and updates the directory size', () => {
    const g = makeGuest('io');
    g.fw.addFile('bootorder', encodeBootOrder(['/pci@i0cf8/ide@1,1/drive@0/disk@0']));
    g.fw.setFile('bootorder', encodeBootOrder(['/rom@genroms/linuxboot_dma.bin', 'HALT']));
    const f = guestFindFile(g, 'bootorder')!;
    expect(f.select).toBe(0x20);
    g.select(f.select);
    expect(ascii(g.read(f.size))).toBe('/rom@genroms/linuxboot_dma.bin\nHALT\n\0');
    expect(() => g.fw.setFile('nope', new Uint8Array(1))).toThrow(/no file named "nope"/);
  });
});

describe('read callbacks (items computed on select)', () => {
  it('runs on every selection (port or DMA) and its length reaches the directory', () => {
    const g = makeGuest('io');
    let n = 0;
    g.fw.addFile('etc/counter', () => new Uint8Array(++n).fill(n));
    g.fw.addItem(0x8005, () => Uint8Array.of(0xa5));
    expect(n).toBe(1); // run once at registration: the directory has a real size
    const f = guestFindFile(g, 'etc/counter')!;
    expect(f.size).toBe(1);
    g.select(f.select);
    expect([...g.read(3)]).toEqual([2, 2, 0]);
    g.select(f.select);
    expect([...g.read(4)]).toEqual([3, 3, 3, 0]);
    expect(guestFindFile(g, 'etc/counter')!.size).toBe(3);
    expect(g.dmaDesc((f.select << 16) | 0x08 | 0x02, 4, 0x8000)).toBe(0);
    expect([...g.rig.bytes(0x8000, 4)]).toEqual([4, 4, 4, 4]);
    g.select(0x8005);
    expect(g.readByte()).toBe(0xa5);
  });

  it('a throwing callback is reported, reads return zeros, nothing escapes to the guest', () => {
    const g = makeGuest('io');
    expect(() => g.fw.addFile('etc/worse', () => 'x' as unknown as Uint8Array)).toThrow(
      /file "etc\/worse": read callback did not return a Uint8Array/,
    );
    let calls = 0;
    g.fw.addFile('etc/bad', () => {
      if (calls++ > 0) throw new Error('boom');
      return new Uint8Array(4).fill(7);
    });
    const f = guestFindFile(g, 'etc/bad')!;
    expect(() => g.select(f.select)).not.toThrow();
    expect(g.readByte()).toBe(0);
    expect(g.events.find((e) => e.kind === 'fw-cfg-callback-error')).toMatchObject({
      name: 'etc/bad',
      callback: 'read',
      message: 'boom',
    });
  });

  it('a throwing write callback is reported; the write itself stands', () => {
    const g = makeGuest('io');
    const store = new Uint8Array(4);
    g.fw.addFile('etc/w', store, {
      writable: true,
      onWrite: () => {
        throw new Error('nope');
      },
    });
    g.rig.memory.writeBytes(0x8000, Uint8Array.of(1, 2, 3, 4));
    expect(g.dmaDesc((0x20 << 16) | 0x08 | 0x10, 4, 0x8000)).toBe(0);
    expect([...store]).toEqual([1, 2, 3, 4]);
    expect(g.events.some((e) => e.kind === 'fw-cfg-callback-error' && e.callback === 'write')).toBe(true);
  });
});

describe('events', () => {
  it('select events name the key; data reads are batched per selection', () => {
    const g = makeGuest('io');
    g.fw.addFile('etc/e820', encodeE820([{ addr: 0, len: 0xa0000, type: 1 }]));
    g.select(FwCfgKey.SIGNATURE);
    g.read(6);
    g.select(0x20);
    g.read(20);
    g.select(0x3fff);
    g.fw.flushEvents();
    expect(g.events).toEqual([
      { kind: 'fw-cfg-select', key: 0, name: 'signature', exists: true, via: 'io' },
      { kind: 'fw-cfg-read', key: 0, name: 'signature', offset: 0, length: 6, pastEnd: 2, via: 'io' },
      { kind: 'fw-cfg-select', key: 0x20, name: 'etc/e820', exists: true, via: 'io' },
      { kind: 'fw-cfg-read', key: 0x20, name: 'etc/e820', offset: 0, length: 20, pastEnd: 0, via: 'io' },
      { kind: 'fw-cfg-select', key: 0x3fff, name: null, exists: false, via: 'io' },
    ]);
  });

  it('works without a listener', () => {
    const rig = makeRig(1 << 20);
    const fw = new FwCfg({ memory: rig.memory });
    fw.attachIo(rig.io);
    rig.io.out16(0x510, 0);
    expect(rig.io.in8(0x511)).toBe(0x51);
  });
});

describe('builders', () => {
  it('encodeE820/decodeE820 round-trip; 20-byte packed entries', () => {
    const e = [
      { addr: 0n, len: 0x9fc00n, type: 1 },
      { addr: 0xfeffc000n, len: 0x4000n, type: 2 },
      { addr: 0x1_0000_0000n, len: 0x1_4000_0000n, type: 1 },
    ];
    const b = encodeE820(e);
    expect(b.length).toBe(60);
    expect(decodeE820(b)).toEqual(e);
    expect(() => decodeE820(new Uint8Array(21))).toThrow(/multiple of 20/);
  });

  it('encodeUuid keeps textual byte order; encodeHpet(null) is QEMU count 0xff; bootorder NUL-terminated', () => {
    expect([...encodeUuid('00112233-4455-6677-8899-aabbccddeeff')]).toEqual([
      0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
    ]);
    const h = encodeHpet(null);
    expect(h.length).toBe(121);
    expect(h[0]).toBe(0xff);
    expect(ascii(encodeBootOrder(['a', 'b']))).toBe('a\nb\n\0');
  });

  it('the directory is sized for every slot, as QEMU allocates it', () => {
    const fw = fresh({ fileSlots: 0x40 });
    fw.addFile('a', new Uint8Array(1));
    const dir = fw.getItem(FwCfgKey.FILE_DIR)!;
    expect(dir.length).toBe(4 + 64 * 0x40);
    expect(be32(dir)).toBe(1);
  });
});
