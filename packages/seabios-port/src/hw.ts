// Hardware access exactly as SeaBIOS does it: PCI configuration mechanism #1 (rel-1.16.2
// src/hw/pci.c pci_ioconfig_*: outl(0x80000000 | bdf << 8 | (addr & 0xfc), 0xcf8), then data at
// 0xcfc + (addr & 3)) and CMOS reads (src/hw/rtc.c rtc_read: index | 0x80 (NMI off) to 0x70, data
// from 0x71).

import type { PortIo } from '@vmkit/fw-cfg';

export const PORT_PCI_CMD = 0xcf8;
export const PORT_PCI_DATA = 0xcfc;
export const PORT_CMOS_INDEX = 0x70;
export const PORT_CMOS_DATA = 0x71;
const NMI_DISABLE_BIT = 0x80;

export class PciConfigIo {
  constructor(private readonly io: PortIo) {}

  private cmd(bdf: number, addr: number): void {
    this.io.out32(PORT_PCI_CMD, (0x80000000 | ((bdf & 0xffff) << 8) | (addr & 0xfc)) >>> 0);
  }

  readl(bdf: number, addr: number): number {
    this.cmd(bdf, addr);
    return this.io.in32(PORT_PCI_DATA) >>> 0;
  }
  readw(bdf: number, addr: number): number {
    this.cmd(bdf, addr);
    return this.io.in16(PORT_PCI_DATA + (addr & 2)) & 0xffff;
  }
  readb(bdf: number, addr: number): number {
    this.cmd(bdf, addr);
    return this.io.in8(PORT_PCI_DATA + (addr & 3)) & 0xff;
  }
  writel(bdf: number, addr: number, v: number): void {
    this.cmd(bdf, addr);
    this.io.out32(PORT_PCI_DATA, v >>> 0);
  }
  writew(bdf: number, addr: number, v: number): void {
    this.cmd(bdf, addr);
    this.io.out16(PORT_PCI_DATA + (addr & 2), v & 0xffff);
  }
  writeb(bdf: number, addr: number, v: number): void {
    this.cmd(bdf, addr);
    this.io.out8(PORT_PCI_DATA + (addr & 3), v & 0xff);
  }
  /** pci_config_maskw */
  maskw(bdf: number, addr: number, off: number, on: number): void {
    const v = this.readw(bdf, addr);
    this.writew(bdf, addr, (v & ~off) | on);
  }

  /** pci_probe_host: write 0x80000000 to 0xcf8 and read it back. */
  probeHost(): boolean {
    this.io.out32(PORT_PCI_CMD, 0x80000000);
    return this.io.in32(PORT_PCI_CMD) >>> 0 === 0x80000000;
  }

  /** pci_find_capability (src/hw/pci.c). */
  findCapability(bdf: number, capId: number, cap: number): number {
    const status = this.readw(bdf, 0x06);
    if (!(status & 0x10)) return 0;
    cap = cap === 0 ? this.readb(bdf, 0x34) : this.readb(bdf, cap + 1);
    for (let i = 0; cap && i <= 0xff; i++) {
      if (this.readb(bdf, cap) === capId) return cap;
      cap = this.readb(bdf, cap + 1);
    }
    return 0;
  }
}

export function rtcRead(io: PortIo, index: number): number {
  io.out8(PORT_CMOS_INDEX, (index | NMI_DISABLE_BIT) & 0xff);
  return io.in8(PORT_CMOS_DATA) & 0xff;
}
