// A guest reset resets the plugged devices too (the machine's default, QEMU `-machine pc`): QEMU's
// edu device, plugged as `vmkit boot --device edu` does (the app's registry), has its registers
// and its PCI function back at their reset values after the guest writes 0xCF9.
import { createMachine, type Machine } from '@vmkit/machine';
import { bdf } from '@vmkit/pci';
import { describe, expect, it } from 'vitest';
import { registry } from '../src/registry.js';

/** A 64 KiB BIOS: spin 0x4000 times, then reset through 0xCF9 (at F000:0000; the reset vector jumps there). */
function image(): Uint8Array {
  const img = new Uint8Array(64 * 1024);
  // biome-ignore format: one instruction a line
  img.set([
    0xb9, 0x00, 0x40, // mov cx, 0x4000
    0xe2, 0xfe, // loop $
    0xb0, 0x06, 0xba, 0xf9, 0x0c, 0xee, // mov al, 6; mov dx, 0xcf9; out dx, al
    0xeb, 0xfe, // jmp $
  ]);
  img.set([0xea, 0x00, 0x00, 0x00, 0xf0], 0xfff0); // jmp F000:0000
  return img;
}

const EDU = bdf(0, 3, 0);
const BAR = 0xfe000000;
const eduState = (m: Machine) => m.devices.find((d) => d.id === 'edu')!.device.getState();
const build = () =>
  createMachine(
    {
      firmware: { kind: 'image', image: image(), name: 'reset.bin' },
      devices: [{ driver: 'edu', addr: '03.0' }],
    },
    { registry },
  );

/** Map edu's BAR0 and enable memory decoding and bus mastering, as firmware does. */
function mapEdu(m: Machine): void {
  m.platform.pci.configWrite(EDU, 0x10, 4, BAR);
  m.platform.pci.configWrite(EDU, 0x04, 2, 0x0006);
}

/** What a driver reads from edu's registers (QEMU hw/misc/edu.c offsets). */
function registers(m: Machine) {
  const r = (o: number) => m.memory.read32(BAR + o) >>> 0;
  return {
    liveness: r(0x04),
    fact: r(0x08),
    status: r(0x20),
    irqStatus: r(0x24),
    dmaSrc: r(0x80),
    dmaCount: r(0x90),
  };
}

describe('a guest reset resets the plugged edu device', () => {
  it('its registers, interrupt and PCI function return to their reset values', () => {
    const pristine = build();
    mapEdu(pristine);
    const atReset = registers(pristine);

    const m = build();
    mapEdu(m);
    const w = (o: number, v: number) => m.memory.write32(BAR + o, v);
    w(0x04, 0x12345678); // liveness → ~value
    w(0x20, 0x80); // raise an interrupt when the factorial is done
    w(0x08, 5); // factorial of 5 (computing on the virtual clock)
    w(0x60, 0x100); // raise interrupt bit 8 (INTx asserted)
    w(0x80, 0x1000); // DMA source
    w(0x90, 64); // DMA count
    m.run(3000); // the factorial completes (1.5 µs of virtual time)
    expect(registers(m)).not.toEqual(atReset);
    expect(registers(m).fact).toBe(120);
    expect(eduState(m)).not.toEqual(eduState(pristine));

    let resets = 0;
    m.events.subscribe((e) => {
      if (e.kind === 'machine-reset') {
        resets++;
        m.pause();
      }
    });
    expect(m.run(100_000).reason).toBe('paused');
    expect(resets).toBe(1);
    // The PCI function is reset (BAR and command register cleared) and its INTx is low.
    expect(m.platform.pci.configRead(EDU, 0x10, 4) >>> 0).toBe(0);
    expect(m.platform.pci.configRead(EDU, 0x04, 2)).toBe(0);
    expect(m.platform.pic.getState().lines & ~1).toBe(0);
    // The device's own state is its power-on state; mapped again, it reads as a fresh one.
    expect(eduState(m)).toEqual(eduState(pristine));
    mapEdu(m);
    expect(registers(m)).toEqual(atReset);
  });
});
