// getState/setState: a device restored mid-read continues byte for byte as the original would.
import { describe, expect, it } from 'vitest';
import { FwCfg } from '../src/index.js';
import { makeRig } from './machine.js';

function build() {
  const rig = makeRig(1 << 20);
  const fw = new FwCfg({ memory: rig.memory });
  fw.attachIo(rig.io);
  fw.addFile(
    'opt/a',
    Uint8Array.from({ length: 32 }, (_, i) => i),
  );
  fw.addFile('opt/w', new Uint8Array(8), { writable: true });
  return { fw, io: rig.io };
}

describe('FwCfg state', () => {
  it('restores the selection, offset, DMA address and writable contents', () => {
    const a = build();
    const key = a.fw.listFiles().find((f) => f.name === 'opt/a')!.select;
    a.fw.getFile('opt/w')![0] = 0x5a; // the live contents, as a guest DMA write leaves them
    a.io.out16(0x510, key);
    for (let i = 0; i < 5; i++) a.io.in8(0x511);
    a.io.out32(0x514, 0x12345678);
    const s = a.fw.getState();
    const b = build();
    b.fw.setState(structuredClone(s));
    expect(b.fw.getState()).toEqual(s);
    const rest = (x: typeof a) => Array.from({ length: 6 }, () => x.io.in8(0x511));
    expect(rest(b)).toEqual(rest(a));
    expect(b.fw.getFile('opt/w')![0]).toBe(0x5a);
    expect(() => b.fw.setState({ ...s, writable: [{ key, data: new Uint8Array(1) }] })).toThrow(
      /not a writable entry/,
    );
  });
});
