// edu: QEMU's educational PCI device (hw/misc/edu.c): factorial, interrupts and DMA.
// A PCI function with one 32-bit MMIO BAR: 0x00 reads the ids (device << 16 | vendor), 0x04 is a
// scratch register. Other offsets read all-ones and drop writes, as an unclaimed register would.
import type { DeviceType } from '@vmkit/device';
import type { AccessSize } from '@vmkit/memory-bus';
import { PciDevice } from '@vmkit/pci';

export interface EduProps {
  vendorId: number;
  deviceId: number;
}

export interface EduState {
  scratch: number;
}

const ONES: Record<AccessSize, number> = { 1: 0xff, 2: 0xffff, 4: 0xffffffff };

export const eduDeviceType: DeviceType<EduProps, EduState> = {
  driver: 'edu',
  bus: 'pci',
  description: "QEMU's educational PCI device (hw/misc/edu.c): factorial, interrupts and DMA",
  props: {
    vendorId: { type: 'int', doc: 'PCI vendor id', min: 0, max: 0xffff, default: 0x1234 },
    deviceId: { type: 'int', doc: 'PCI device id', min: 0, max: 0xffff, default: 0x0001 },
  },
  realize(props, ctx) {
    let scratch = 0;
    const handler = {
      read(offset: number, size: AccessSize): number {
        if (size !== 4) return ONES[size];
        if (offset === 0x00) return ((props.deviceId << 16) | props.vendorId) >>> 0;
        if (offset === 0x04) return scratch;
        return ONES[size];
      },
      write(offset: number, size: AccessSize, value: number): void {
        if (size === 4 && offset === 0x04) scratch = value >>> 0;
      },
    };
    const pci = new PciDevice({
      name: ctx.id,
      vendorId: props.vendorId,
      deviceId: props.deviceId,
      classCode: 0xff0000,
      interruptPin: 1,
      bars: [{ kind: 'mem32', size: 0x1000, handler }],
    });
    return {
      pci,
      reset: () => {
        scratch = 0;
      },
      getState: () => ({ scratch }),
      setState: (s) => {
        scratch = s.scratch >>> 0;
      },
      report: () => ({ scratch }),
    };
  },
};
