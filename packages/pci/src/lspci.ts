// lspci-style description of functions (pciutils lspci -nn / -v layout, without the name database),
// for CLI inspection and test logs. Reads the guest-visible config bytes (backed bits included)
// without calling device hooks, so describing a machine has no side effects and emits no events.

import { formatBdf } from './bdf.js';
import type { PciBus } from './bus.js';
import { listCapabilities, listExtendedCapabilities } from './capabilities.js';
import { className } from './class-code.js';
import { PCI_HEADER_TYPE, PCI_INTERRUPT_LINE, PCI_INTERRUPT_PIN, PCI_REVISION_ID } from './constants.js';
import type { PciDevice } from './device.js';

const CAP_NAMES: Record<number, string> = {
  1: 'Power Management',
  2: 'AGP',
  3: 'Vital Product Data',
  5: 'MSI',
  9: 'Vendor Specific Information',
  13: 'Subsystem',
  16: 'Express',
  17: 'MSI-X',
  18: 'SATA HBA',
  19: 'PCI Advanced Features',
};

function hex(v: number, n: number): string {
  return v.toString(16).padStart(n, '0');
}

function sizeText(size: number): string {
  const units: Array<[number, string]> = [
    [2 ** 30, 'G'],
    [2 ** 20, 'M'],
    [2 ** 10, 'K'],
  ];
  for (const [u, s] of units) if (size >= u && size % u === 0) return `${size / u}${s}`;
  return String(size);
}

/** One function as `lspci -nn` prints it; with `verbose`, BAR, interrupt and capability lines. */
export function describeFunction(device: PciDevice, verbose = false): string[] {
  const c = device.config;
  const vendor = c.read(0, 2);
  const devId = c.read(2, 2);
  const cls = c.read(0x09, 4) & 0xffffff;
  const rev = c.read(PCI_REVISION_ID, 1);
  const lines = [
    `${formatBdf(device.bdf)} ${className(cls)} [${hex(cls >>> 8, 4)}]: Device [${hex(vendor, 4)}:${hex(devId, 4)}]${rev ? ` (rev ${hex(rev, 2)})` : ''}`,
  ];
  if (!verbose) return lines;
  const type = c.read(PCI_HEADER_TYPE, 1) & 0x7f;
  lines.push(`\tName: ${device.name}${type === 1 ? ' (PCI bridge)' : ''}`);
  const pin = c.read(PCI_INTERRUPT_PIN, 1);
  if (pin >= 1 && pin <= 4)
    lines.push(`\tInterrupt: pin ${'ABCD'[pin - 1]} routed to IRQ ${c.read(PCI_INTERRUPT_LINE, 1)}`);
  for (const b of device.barInfos()) {
    const where = b.address === null ? '<unassigned>' : hex(b.address, 1);
    const disabled = b.address === null ? ' [disabled]' : '';
    if (b.kind === 'rom') lines.push(`\tExpansion ROM at ${where}${disabled} [size=${sizeText(b.size)}]`);
    else if (b.kind === 'io')
      lines.push(`\tRegion ${b.bar}: I/O ports at ${where}${disabled} [size=${sizeText(b.size)}]`);
    else {
      const raw = c.read(0x10 + 4 * b.bar, 4);
      const pf = raw & 8 ? 'prefetchable' : 'non-prefetchable';
      lines.push(
        `\tRegion ${b.bar}: Memory at ${where} (${b.kind === 'mem64' ? '64' : '32'}-bit, ${pf})${disabled} [size=${sizeText(b.size)}]`,
      );
    }
  }
  for (const cap of listCapabilities(c)) {
    lines.push(
      `\tCapabilities: [${hex(cap.offset, 2)}] ${CAP_NAMES[cap.id] ?? `Capability ${hex(cap.id, 2)}`}`,
    );
  }
  for (const cap of listExtendedCapabilities(c)) {
    lines.push(
      `\tCapabilities: [${hex(cap.offset, 3)} v${cap.version}] Extended capability ${hex(cap.id, 4)}`,
    );
  }
  return lines;
}

/** Every function below `bus` (depth first), as `lspci -nn` (or `-v` with verbose). */
export function lspci(bus: PciBus, verbose = false): string[] {
  const out: string[] = [];
  for (const { device } of bus.walk()) out.push(...describeFunction(device, verbose));
  return out;
}
