// The edu DeviceType: QEMU's `-device edu[,dma_mask=…]` as a vmkit device package.
import type { DeviceType } from '@vmkit/device';
import { PciDevice } from '@vmkit/pci';
import { Edu, type EduSavedState } from './edu.js';
import { DEFAULT_DMA_MASK, EDU_BAR_SIZE, EDU_PCI } from './registers.js';

export interface EduProps {
  dma_mask: number;
}

export const eduDeviceType: DeviceType<EduProps, EduSavedState> = {
  driver: 'edu',
  bus: 'pci',
  description: "QEMU's educational PCI device 1234:11e8: factorial, interrupts and DMA (hw/misc/edu.c)",
  props: {
    // QEMU: a uint64 property (edu.c edu_instance_init); vmkit's addresses are below 2^52, so a
    // mask up to 2^53 − 1 covers every address.
    dma_mask: {
      type: 'int',
      doc: 'DMA address mask applied to the guest address of a transfer',
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      default: DEFAULT_DMA_MASK,
    },
  },
  realize(props, ctx) {
    let edu: Edu | null = null;
    const pci = new PciDevice({
      name: ctx.id,
      ...EDU_PCI,
      interruptPin: 1,
      bars: [
        {
          kind: 'mem32',
          size: EDU_BAR_SIZE,
          name: `${ctx.id}-mmio`,
          handler: {
            read: (o, s) => edu!.read(o, s),
            write: (o, s, v) => edu!.write(o, s, v),
            read64: (o) => edu!.read64(o),
            write64: (o, v) => edu!.write64(o, v),
          },
        },
      ],
    });
    const model = new Edu(ctx, pci, BigInt(props.dma_mask));
    edu = model;
    return {
      pci,
      reset: () => model.reset(),
      getState: () => model.getState(),
      setState: (s) => model.setState(s),
      report: () => model.report(),
    };
  },
};
