// DMA engine (docs/specs/fw_cfg.rst "DMA interface", QEMU fw_cfg_dma_transfer) through both variants,
// plus the bad-input cases: nothing outside the target is written and nothing throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bswap32, FwCfgDmaCtl, FwCfgKey } from '../src/index.js';
import { type Guest, MMIO_BASE, makeGuest, writeDesc } from './guest.js';

const { ERROR, READ, SKIP, SELECT, WRITE } = FwCfgDmaCtl;
const sel = (key: number) => ((key << 16) | SELECT) >>> 0;
const DESC = 0x1000;
const BUF = 0x8000;

function withFiles(variant: 'io' | 'mmio') {
  const g = makeGuest(variant);
  const blob = new Uint8Array(300).map((_, i) => (i * 13 + 5) & 0xff);
  const store = new Uint8Array(16);
  const writes: [number[], number][] = [];
  g.fw.addFile('opt/blob', blob); // 0x20
  g.fw.addFile('opt/rw', store, { writable: true, onWrite: (d, o) => writes.push([[...d], o]) }); // 0x21
  return { g, blob, store, writes, BLOB: 0x20, RW: 0x21 };
}

/** First index where two equal-length byte arrays differ, or -1 (toEqual on 1 MiB is too slow). */
function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

const dmaEvents = (g: Guest) => g.events.filter((e) => e.kind === 'fw-cfg-dma');

for (const variant of ['io', 'mmio'] as const) {
  describe(`DMA (${variant})`, () => {
    it('SELECT|READ copies into guest memory and writes control = 0', () => {
      const { g, blob, BLOB } = withFiles(variant);
      expect(g.dmaDesc(sel(BLOB) | READ, 300, BUF)).toBe(0);
      expect(g.rig.bytes(BUF, 300)).toEqual(blob);
      expect(g.fw.selection).toEqual({ key: BLOB, offset: 300 });
    });

    it('READ without SELECT continues at the current offset; SKIP advances', () => {
      const { g, blob, BLOB } = withFiles(variant);
      g.select(BLOB);
      g.read(10); // data-port reads share the offset
      expect(g.dmaDesc(SKIP, 90, 0)).toBe(0);
      expect(g.dmaDesc(READ, 50, BUF)).toBe(0);
      expect(g.rig.bytes(BUF, 50)).toEqual(blob.subarray(100, 150));
      expect(g.readByte()).toBe(blob[150]);
    });

    it('reads past the end fill zeros without error; skips past the end clamp', () => {
      const { g, blob, BLOB } = withFiles(variant);
      g.rig.memory.fill(BUF, 400, 0xee);
      expect(g.dmaDesc(sel(BLOB) | READ, 350, BUF)).toBe(0);
      expect(g.rig.bytes(BUF, 300)).toEqual(blob);
      expect(g.rig.bytes(BUF + 300, 50).every((b) => b === 0)).toBe(true);
      expect(g.rig.bytes(BUF + 350, 50).every((b) => b === 0xee)).toBe(true);
      expect(g.dmaDesc(sel(BLOB) | SKIP, 1000, 0)).toBe(0);
      expect(g.fw.selection.offset).toBe(300);
    });

    it('SELECT of a non-existent key: READ gives zeros, SKIP succeeds, WRITE errors', () => {
      const { g } = withFiles(variant);
      g.rig.memory.fill(BUF, 8, 0xee);
      for (const key of [0x06, 0x30, 0x3fff, 0xffff]) {
        expect(g.dmaDesc(sel(key) | READ, 8, BUF)).toBe(0);
        expect(g.rig.bytes(BUF, 8)).toEqual(new Uint8Array(8));
        expect(g.dmaDesc(sel(key) | SKIP, 8, 0)).toBe(0);
        expect(g.dmaDesc(sel(key) | WRITE, 8, BUF)).toBe(ERROR);
      }
    });

    it('no READ/WRITE/SKIP: only the selection happens', () => {
      const { g, BLOB } = withFiles(variant);
      g.rig.memory.fill(BUF, 8, 0xee);
      expect(g.dmaDesc(sel(BLOB), 8, BUF)).toBe(0);
      expect(g.fw.selection).toEqual({ key: BLOB, offset: 0 });
      expect(g.rig.bytes(BUF, 8)).toEqual(new Uint8Array(8).fill(0xee));
    });

    it('READ beats WRITE beats SKIP', () => {
      const { g, store, RW } = withFiles(variant);
      g.rig.memory.writeBytes(BUF, new Uint8Array([1, 2, 3, 4]));
      // READ|WRITE|SKIP → a read: memory gets the (zero) item, item unchanged.
      expect(g.dmaDesc(sel(RW) | READ | WRITE | SKIP, 4, BUF)).toBe(0);
      expect(g.rig.bytes(BUF, 4)).toEqual(new Uint8Array(4));
      expect(store).toEqual(new Uint8Array(16));
      // WRITE|SKIP → a write.
      g.rig.memory.writeBytes(BUF, new Uint8Array([1, 2, 3, 4]));
      expect(g.dmaDesc(sel(RW) | WRITE | SKIP, 4, BUF)).toBe(0);
      expect([...store.subarray(0, 5)]).toEqual([1, 2, 3, 4, 0]);
    });

    it('WRITE to a writable file: in place, callback with (data, offset), file-write event', () => {
      const { g, store, writes, RW } = withFiles(variant);
      g.rig.memory.writeBytes(BUF, new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
      expect(g.dmaDesc(sel(RW) | SKIP, 8, 0)).toBe(0);
      expect(g.dmaDesc(WRITE, 4, BUF)).toBe(0);
      expect([...store.subarray(8, 12)]).toEqual([0xde, 0xad, 0xbe, 0xef]);
      expect(writes).toEqual([[[0xde, 0xad, 0xbe, 0xef], 8]]);
      expect(g.events.filter((e) => e.kind === 'fw-cfg-file-write')).toEqual([
        { kind: 'fw-cfg-file-write', key: RW, name: 'opt/rw', offset: 8, length: 4 },
      ]);
    });

    it('WRITE past the end is dropped whole with ERROR; item unchanged', () => {
      const { g, store, writes, RW } = withFiles(variant);
      g.rig.memory.fill(BUF, 32, 0x77);
      expect(g.dmaDesc(sel(RW) | SKIP, 10, 0)).toBe(0);
      expect(g.dmaDesc(WRITE, 7, BUF)).toBe(ERROR);
      expect(store).toEqual(new Uint8Array(16));
      expect(g.dmaDesc(sel(RW) | WRITE, 17, BUF)).toBe(ERROR);
      expect(store).toEqual(new Uint8Array(16));
      expect(writes).toEqual([]);
      expect(dmaEvents(g).map((e) => (e.kind === 'fw-cfg-dma' ? e.error : null))).toEqual([
        null,
        'write-past-end',
        'write-past-end',
      ]);
    });

    it('WRITE to a read-only item or file → ERROR, item unchanged', () => {
      const { g, blob, BLOB } = withFiles(variant);
      const before = blob.slice();
      g.rig.memory.fill(BUF, 8, 0x11);
      expect(g.dmaDesc(sel(BLOB) | WRITE, 8, BUF)).toBe(ERROR);
      expect(g.dmaDesc(sel(FwCfgKey.SIGNATURE) | WRITE, 4, BUF)).toBe(ERROR);
      expect(blob).toEqual(before);
      expect(g.fw.getItem(FwCfgKey.SIGNATURE)).toEqual(new Uint8Array([0x51, 0x45, 0x4d, 0x55]));
    });

    it('DMA events carry control, length, address, result', () => {
      const { g, BLOB } = withFiles(variant);
      g.dmaDesc(sel(BLOB) | READ, 4, BUF, DESC);
      expect(dmaEvents(g).at(-1)).toEqual({
        kind: 'fw-cfg-dma',
        descriptor: DESC,
        control: sel(BLOB) | READ,
        length: 4,
        address: BUF,
        key: BLOB,
        name: 'opt/blob',
        offset: 0,
        result: 0,
        error: null,
      });
    });
  });
}

describe('DMA bad input', () => {
  const RAM = 1 << 20;
  const setup = (variant: 'io' | 'mmio' = 'io', strict = true) => {
    const g = makeGuest(variant, { strictDmaControl: strict }, RAM);
    g.fw.addFile('opt/blob', new Uint8Array(64).fill(0xab));
    g.fw.addFile('opt/rw', new Uint8Array(64), { writable: true });
    return g;
  };
  const snapshot = (g: Guest) => g.rig.bytes(0, RAM);

  it('descriptor outside RAM (beyond the end, straddling it, above 4 GiB, ≥ 2^53): no write, no throw', () => {
    const g = setup();
    const before = snapshot(g);
    for (const at of [RAM, RAM - 8, 0x2_0000_0000, 2 ** 60, 0x7f_ffff_0000_0000]) g.dma(at);
    expect(firstDiff(snapshot(g), before)).toBe(-1);
    const errs = dmaEvents(g).map((e) => (e.kind === 'fw-cfg-dma' ? [e.descriptor, e.error] : null));
    expect(errs).toEqual(
      [RAM, RAM - 8, 0x2_0000_0000, 2 ** 60, 0x7f_ffff_0000_0000].map((d) => [d, 'descriptor-outside-ram']),
    );
  });

  it('target outside RAM, partly outside, or in MMIO → ERROR and nothing written anywhere', () => {
    for (const variant of ['io', 'mmio'] as const) {
      const g = setup(variant);
      for (const [addr, len] of [
        [RAM, 16],
        [RAM - 8, 16],
        [0x1_0000_0000, 16],
        [MMIO_BASE, 8],
      ]) {
        writeDesc(g.rig, DESC, sel(0x20) | READ, len, addr);
        const before = snapshot(g);
        g.dma(DESC);
        const after = snapshot(g);
        expect(bswap32(g.rig.memory.read32(DESC))).toBe(ERROR);
        after.set(before.subarray(DESC, DESC + 4), DESC); // only the control word may change
        expect(firstDiff(after, before)).toBe(-1);
      }
      expect(dmaEvents(g).every((e) => e.kind === 'fw-cfg-dma' && e.error === 'target-outside-ram')).toBe(
        true,
      );
    }
  });

  it('address + length overflowing 2^64 → ERROR', () => {
    const g = setup();
    const before = snapshot(g);
    writeDesc(g.rig, DESC, sel(0x20) | READ, 0x100, 0xffff_ffff_ffff_ff80n);
    g.dma(DESC);
    expect(bswap32(g.rig.memory.read32(DESC))).toBe(ERROR);
    writeDesc(g.rig, DESC, sel(0x21) | WRITE, 0x10, 0xffff_ffff_ffff_fff8n);
    g.dma(DESC);
    expect(bswap32(g.rig.memory.read32(DESC))).toBe(ERROR);
    expect(g.fw.getFile('opt/rw')).toEqual(new Uint8Array(64));
    const after = snapshot(g);
    after.set(before.subarray(DESC, DESC + 16), DESC);
    expect(firstDiff(after, before)).toBe(-1);
  });

  it('WRITE sourcing from outside RAM → ERROR, item unchanged', () => {
    const g = setup();
    expect(g.dmaDesc(sel(0x21) | WRITE, 16, RAM - 8)).toBe(ERROR);
    expect(g.fw.getFile('opt/rw')).toEqual(new Uint8Array(64));
  });

  it('unknown control bits → ERROR, no select, nothing transferred (QEMU-lenient mode ignores them)', () => {
    const g = setup();
    g.select(0x21);
    g.rig.memory.fill(BUF, 64, 0x33);
    for (const bit of [0x20, 0x40, 0x100, 0x8000]) {
      expect(g.dmaDesc(sel(0x20) | READ | bit, 64, BUF)).toBe(ERROR);
    }
    expect(g.fw.selection.key).toBe(0x21);
    expect(g.rig.bytes(BUF, 64)).toEqual(new Uint8Array(64).fill(0x33));
    const lenient = setup('io', false);
    expect(lenient.dmaDesc(sel(0x20) | READ | 0x20, 64, BUF)).toBe(0);
    expect(lenient.rig.bytes(BUF, 64)).toEqual(new Uint8Array(64).fill(0xab));
  });

  it('DMA register: other widths/offsets do not trigger; the address resets after a transfer', () => {
    const g = setup();
    writeDesc(g.rig, DESC, sel(0x20) | READ, 4, BUF);
    g.rig.io.out16(0x518, 0x1000);
    g.rig.io.out8(0x51b, 0x10);
    expect(bswap32(g.rig.memory.read32(DESC))).toBe(sel(0x20) | READ); // untouched
    g.rig.io.out32(0x514, bswap32(1)); // high half = 1 → descriptor at 4 GiB + DESC...
    g.rig.io.out32(0x514, bswap32(0)); // ...rewritten before the low half: back to 0
    g.rig.io.out32(0x518, bswap32(DESC));
    expect(bswap32(g.rig.memory.read32(DESC))).toBe(0);
    writeDesc(g.rig, DESC, sel(0x20) | READ, 4, BUF);
    g.rig.io.out32(0x518, bswap32(DESC)); // high half is 0 again after the last transfer
    expect(bswap32(g.rig.memory.read32(DESC))).toBe(0);
  });

  it('fuzz: random descriptors never throw and write only the control word and the target', () => {
    const g = setup();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 0xffffffff })),
        fc.oneof(
          fc.bigInt({ min: 0n, max: BigInt(RAM + 4096) }),
          fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }),
        ),
        fc.integer({ min: 0, max: RAM / 16 }),
        (key, ctlLow, length, address, descSlot) => {
          const desc = descSlot * 16;
          const control = ((key << 16) | ctlLow) >>> 0;
          if (desc + 16 <= RAM) writeDesc(g.rig, desc, control, length, address);
          const before = snapshot(g);
          g.dma(desc);
          const after = snapshot(g);
          if (desc + 16 <= RAM) after.set(before.subarray(desc, desc + 4), desc);
          const a = Number(address);
          if (a < RAM) {
            const end = Math.min(RAM, a + length);
            after.set(before.subarray(a, end), a);
          }
          expect(firstDiff(after, before)).toBe(-1);
          const ctl = desc + 16 <= RAM ? bswap32(g.rig.memory.read32(desc)) : 0;
          expect(ctl === 0 || ctl === ERROR || desc + 16 > RAM).toBe(true);
        },
      ),
      { seed: 0x5eed, numRuns: 150 },
    );
  });
});
