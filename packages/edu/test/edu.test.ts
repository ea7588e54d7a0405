// edu driven through the machine, register by register, against QEMU 7.2 hw/misc/edu.c behaviour.
import { createMachine } from '@vmkit/machine';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DMA_MASK, factorial32, REG } from '../src/index.js';
import { eduFunction, eduMachine, registry } from './helpers.js';

const MS = 1_000_000;

describe('edu: PCI identity', () => {
  it('1234:11e8 rev 0x10, class 00ff00 (QEMU "Class 0255"), INTA, a 1 MiB 32-bit memory BAR', () => {
    const { m, bar } = eduMachine();
    expect(eduFunction(m).readl(0x00)).toBe(0x11e81234);
    expect(eduFunction(m).readl(0x08)).toBe(0x00ff0010);
    expect(eduFunction(m).readl(0x2c)).toBe(0x11001af4);
    expect((eduFunction(m).readl(0x3c) >> 8) & 0xff).toBe(1);
    expect(bar % (1024 * 1024)).toBe(0);
    const dev = m.devices.find((d) => d.id === 'edu')!;
    expect(dev.device.pci!.barInfos()).toEqual([{ bar: 0, kind: 'mem32', size: 1 << 20, address: bar }]);
  });
});

describe('edu: registers', () => {
  it('identification and liveness (inverse of what was written)', () => {
    const { r, w } = eduMachine();
    expect(r(REG.ID)).toBe(0x010000ed);
    w(REG.LIVENESS, 0x12345678);
    expect(r(REG.LIVENESS)).toBe(0xedcba987);
    w(REG.ID, 0); // read-only
    expect(r(REG.ID)).toBe(0x010000ed);
  });

  it('accesses other than 32 bits, and holes, read all-ones and drop writes (edu_mmio_read)', () => {
    const { m, bar, r, w } = eduMachine();
    expect(m.memory.read8(bar)).toBe(0xff);
    expect(m.memory.read16(bar + 4)).toBe(0xffff);
    m.memory.write16(bar + 4, 0);
    expect(r(REG.LIVENESS)).toBe(0);
    expect(r(0x0c)).toBe(0xffffffff);
    expect(r(0x84)).toBe(0xffffffff);
    w(0x40000, 1);
    expect(r(0x40000)).toBe(0xffffffff);
  });

  it('factorial: COMPUTING while the virtual clock runs, then n! (32-bit); writes while computing are ignored', () => {
    const { r, w, advance } = eduMachine();
    w(REG.FACT, 10);
    expect(r(REG.STATUS) & 1).toBe(1);
    expect(r(REG.FACT)).toBe(10);
    w(REG.FACT, 3); // ignored: still computing
    advance(500);
    expect(r(REG.STATUS) & 1).toBe(1);
    advance(10_000);
    expect(r(REG.STATUS) & 1).toBe(0);
    expect(r(REG.FACT)).toBe(3628800);
    w(REG.FACT, 13);
    advance(10_000);
    expect(r(REG.FACT)).toBe(1932053504); // 13! mod 2^32, as edu.c's uint32_t loop
    expect(factorial32(40).value).toBe(0);
    expect(factorial32(0).value).toBe(1);
  });

  it('interrupts: raise/ack drive INTx through the PIIX PIRQ link; the factorial raises bit 0 when asked', () => {
    const { m, r, w, advance } = eduMachine({ trace: ['pci-intx'] });
    const pci = m.devices.find((d) => d.id === 'edu')!.device.pci!;
    w(REG.IRQ_RAISE, 0x10);
    expect(r(REG.IRQ_STATUS)).toBe(0x10);
    expect(pci.irqLevel).toBe(true);
    expect((eduFunction(m).readl(0x04) >>> 16) & 0x08).toBe(0x08); // status.INTERRUPT
    w(REG.IRQ_ACK, 0x10);
    expect(r(REG.IRQ_STATUS)).toBe(0);
    expect(pci.irqLevel).toBe(false);
    w(REG.STATUS, 0x80);
    expect(r(REG.STATUS)).toBe(0x80);
    w(REG.FACT, 5);
    expect(pci.irqLevel).toBe(false);
    advance(10_000);
    expect(r(REG.FACT)).toBe(120);
    expect(r(REG.IRQ_STATUS)).toBe(1);
    expect(pci.irqLevel).toBe(true);
    w(REG.IRQ_ACK, 1);
    expect(pci.irqLevel).toBe(false);
  });
});

describe('edu: DMA', () => {
  it('RAM → buffer → RAM after 100 ms of virtual time each, DMA interrupt on request', () => {
    const { m, r, w, advance } = eduMachine({ trace: ['edu'] });
    const src = 0x10000;
    const dst = 0x20000;
    m.memory.writeBytes(
      src,
      Uint8Array.from({ length: 64 }, (_, i) => i * 3),
    );
    w(REG.DMA_SRC, src);
    w(REG.DMA_DST, 0x40000 + 0x100);
    w(REG.DMA_COUNT, 64);
    w(REG.DMA_CMD, 1 | 4); // RUN, RAM → device, IRQ
    expect(r(REG.DMA_CMD)).toBe(5);
    w(REG.DMA_SRC, 0x999); // locked while running
    expect(r(REG.DMA_SRC)).toBe(src);
    advance(99 * MS);
    expect(r(REG.DMA_CMD) & 1).toBe(1);
    advance(2 * MS);
    expect(r(REG.DMA_CMD)).toBe(4);
    expect(r(REG.IRQ_STATUS)).toBe(0x100);
    w(REG.IRQ_ACK, 0x100);
    w(REG.DMA_SRC, 0x40000 + 0x100);
    w(REG.DMA_DST, dst);
    w(REG.DMA_CMD, 1 | 2); // RUN, device → RAM, no IRQ
    advance(101 * MS);
    expect(r(REG.DMA_CMD)).toBe(2);
    expect(r(REG.IRQ_STATUS)).toBe(0);
    expect(m.memory.readBytes(dst, 64)).toEqual(m.memory.readBytes(src, 64));
    expect(m.events.recorded.filter((e) => e.kind === 'edu-dma')).toHaveLength(2);
  });

  it('writing the command without RUN does nothing (edu_mmio_write)', () => {
    const { m, r, w } = eduMachine();
    w(REG.DMA_CMD, 4);
    expect(r(REG.DMA_CMD)).toBe(0);
    expect(m.devices.find((d) => d.id === 'edu')!.device.getState()).toMatchObject({ dmaDeadline: null });
  });

  it('the guest address is masked with dma_mask (QEMU default 0x0fffffff; the property changes it)', () => {
    const { m, w, advance } = eduMachine();
    m.memory.writeBytes(0x30000, Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd));
    w(REG.DMA_SRC, 0x3003_0000); // masked to 0x30000 by the default 28-bit mask
    w(REG.DMA_DST, 0x40000);
    w(REG.DMA_COUNT, 4);
    w(REG.DMA_CMD, 1);
    advance(101 * MS);
    const state = m.devices.find((d) => d.id === 'edu')!.device.getState() as { buffer: number[] };
    expect([...state.buffer.slice(0, 4)]).toEqual([0xaa, 0xbb, 0xcc, 0xdd]);
    expect(DEFAULT_DMA_MASK).toBe(0x0fffffff);

    const narrow = eduMachine({}, { dma_mask: 0xffff });
    narrow.m.memory.writeBytes(0x1230, Uint8Array.of(7));
    narrow.w(REG.DMA_SRC, 0x31230);
    narrow.w(REG.DMA_DST, 0x40000);
    narrow.w(REG.DMA_COUNT, 1);
    narrow.w(REG.DMA_CMD, 1);
    narrow.advance(101 * MS);
    const s2 = narrow.m.devices.find((d) => d.id === 'edu')!.device.getState() as { buffer: number[] };
    expect(s2.buffer[0]).toBe(7);
  });

  it('a transfer outside the 4 KiB buffer or outside RAM is refused whole with an event; the guest still sees it end', () => {
    const { m, r, w, advance, bar } = eduMachine({ trace: ['dma'] });
    w(REG.DMA_SRC, 0x1000);
    w(REG.DMA_DST, 0x40f00);
    w(REG.DMA_COUNT, 0x200); // runs past the buffer (QEMU 7.2: hw_error, the VM stops)
    w(REG.DMA_CMD, 1 | 4);
    advance(101 * MS);
    expect(r(REG.DMA_CMD)).toBe(4);
    expect(r(REG.IRQ_STATUS)).toBe(0x100);
    w(REG.IRQ_ACK, 0x100);
    // buffer → a guest range that runs from RAM into the edu BAR itself (MMIO): nothing written.
    const ramEnd = 128 * 1024 * 1024;
    m.memory.writeBytes(ramEnd - 8, new Uint8Array(8));
    w(REG.DMA_SRC, 0x40000);
    w(REG.DMA_DST, ramEnd - 8);
    w(REG.DMA_COUNT, 16);
    w(REG.DMA_CMD, 1 | 2);
    advance(101 * MS);
    const refused = m.events.recorded.filter((e) => e.kind === 'dma-refused');
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatchObject({
      device: 'edu',
      what: expect.stringContaining('outside 0x40000-0x40fff'),
    });
    expect(refused[1]).toMatchObject({ device: 'edu', access: 'write', at: ramEnd });
    expect(r(REG.DMA_CMD)).toBe(2);
    expect(bar).toBeGreaterThan(ramEnd);
  });
});

describe('edu: life cycle', () => {
  it('reset returns to power-on state and cancels pending work', () => {
    const { m, r, w } = eduMachine();
    w(REG.LIVENESS, 0);
    w(REG.FACT, 4);
    w(REG.DMA_CMD, 1);
    const dev = m.devices.find((d) => d.id === 'edu')!.device;
    dev.reset();
    expect(r(REG.LIVENESS)).toBe(0);
    expect(r(REG.STATUS)).toBe(0);
    expect(r(REG.DMA_CMD)).toBe(0);
    expect(dev.getState()).toMatchObject({ factDeadline: null, dmaDeadline: null });
    const before = m.nextDeadline();
    expect(before === null || before < 100 * MS).toBe(true); // no edu timer left armed
  });

  it('state round-trips through a machine snapshot, pending timers included', () => {
    const a = eduMachine();
    a.w(REG.LIVENESS, 1);
    a.m.memory.writeBytes(0x5000, Uint8Array.of(9, 8, 7));
    a.w(REG.DMA_SRC, 0x5000);
    a.w(REG.DMA_DST, 0x40010);
    a.w(REG.DMA_COUNT, 3);
    a.w(REG.DMA_CMD, 1 | 4);
    a.w(REG.FACT, 6);
    const snap = a.m.snapshot();
    const b = createMachine(
      { firmware: { kind: 'hle' }, devices: [{ driver: 'edu', addr: '03.0' }] },
      { registry },
    );
    b.restore(snap);
    expect(b.nextDeadline()).toBe(a.m.nextDeadline());
    for (const x of [a.m, b]) {
      const end = x.now() + 101 * MS;
      for (let d = x.nextDeadline(); d !== null && d <= end; d = x.nextDeadline()) {
        x.warpTo(d);
        x.updateTimers(x.now());
      }
    }
    const sa = a.m.devices[a.m.devices.length - 1]!.device.getState();
    const sb = b.devices[b.devices.length - 1]!.device.getState();
    expect(sb).toEqual(sa);
    expect(b.memory.read32(a.bar + REG.FACT) >>> 0).toBe(720);
    expect(b.memory.read32(a.bar + REG.LIVENESS) >>> 0).toBe(0xfffffffe);
  });

  it('bad properties are one ConfigError line each', () => {
    expect(() =>
      createMachine({ devices: [{ driver: 'edu', dma_mask: -1, colour: 1 }] }, { registry }),
    ).toThrow(/dma_mask.*\n?.*colour|colour[\s\S]*dma_mask|dma_mask[\s\S]*colour/);
  });
});
