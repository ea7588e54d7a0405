// QEMU's educational device (QEMU 7.2 hw/misc/edu.c, docs/specs/edu.txt): register offsets and
// bits of BAR0, and the timing vmkit gives the work QEMU does in a thread or on a timer.

/** PCI identity (edu.c edu_class_init): PCI_VENDOR_ID_QEMU, device 0x11e8, revision 0x10, and
 * PCI_CLASS_OTHERS (0xff) written as the 16-bit class — base class 0x00, subclass 0xff — which
 * QEMU's `info pci` prints as "Class 0255". Subsystem: QEMU's default 1af4:1100 (hw/pci/pci.c). */
export const EDU_PCI = {
  vendorId: 0x1234,
  deviceId: 0x11e8,
  revision: 0x10,
  classCode: 0x00ff00,
  subsystemVendorId: 0x1af4,
  subsystemId: 0x1100,
} as const;

/** BAR0: 1 MiB of 32-bit, non-prefetchable MMIO (edu.c pci_edu_realize). */
export const EDU_BAR_SIZE = 1024 * 1024;

export const REG = {
  /** RO: identification 0xRRrr00edu, major.minor 1.0. */
  ID: 0x00,
  /** RW: liveness check — reads return the bitwise inverse of what was written. */
  LIVENESS: 0x04,
  /** RW: factorial — write n (ignored while computing), read n! once COMPUTING clears. */
  FACT: 0x08,
  /** RW: status — bit 0 COMPUTING (RO), bit 7 raise an interrupt after a factorial. */
  STATUS: 0x20,
  /** RO: interrupt status (which causes are raised). */
  IRQ_STATUS: 0x24,
  /** WO: raise interrupt — ORs the value into the interrupt status. */
  IRQ_RAISE: 0x60,
  /** WO: acknowledge — clears those bits; the line drops when nothing is left. */
  IRQ_ACK: 0x64,
  /** RW 32/64: DMA source, destination, count, command. */
  DMA_SRC: 0x80,
  DMA_DST: 0x88,
  DMA_COUNT: 0x90,
  DMA_CMD: 0x98,
} as const;

export const EDU_ID = 0x010000ed;
export const STATUS_COMPUTING = 0x01;
export const STATUS_IRQFACT = 0x80;
export const FACT_IRQ = 0x00000001;
export const DMA_IRQ = 0x00000100;

export const DMA_CMD_RUN = 0x1;
/** Direction bit: 0 = RAM → device buffer (EDU_DMA_FROM_PCI), 1 = buffer → RAM (EDU_DMA_TO_PCI). */
export const DMA_CMD_TO_RAM = 0x2;
export const DMA_CMD_IRQ = 0x4;
/** The device's DMA buffer sits at this "address" in the src/dst registers, 4 KiB long. */
export const DMA_BUFFER_START = 0x40000n;
export const DMA_BUFFER_SIZE = 4096;
/** QEMU's default dma_mask (edu.c edu_instance_init): (1 << 28) − 1. */
export const DEFAULT_DMA_MASK = 0x0fff_ffff;

/** QEMU arms the DMA timer at qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) + 100 on a millisecond timer:
 * the transfer happens at the next whole millisecond 100 ms on, in virtual time. */
export function dmaDeadline(nowNs: number): number {
  return (Math.floor(nowNs / 1e6) + 100) * 1e6;
}

/**
 * QEMU computes the factorial in a thread ("we should sleep for a random period here, so that
 * students are forced to check the status properly"), so the result appears some time after the
 * write. vmkit makes that time deterministic virtual time: 1 µs plus 100 ns per multiplication.
 */
export const FACT_BASE_NS = 1000;
export const FACT_STEP_NS = 100;

/** n! in 32-bit arithmetic, as edu.c's `ret *= val--` loop, and the multiplications it takes. The
 * product is 0 once it holds 32 factors of two (n ≥ 34) and stays 0, so the loop stops there. */
export function factorial32(n: number): { value: number; steps: number } {
  let ret = 1;
  let steps = 0;
  for (let v = n >>> 0; v > 0 && ret !== 0; v--, steps++) ret = Math.imul(ret, v) >>> 0;
  return { value: ret >>> 0, steps };
}
