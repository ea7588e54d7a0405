// lspci-style description of functions (pciutils lspci -nn / -v layout, without the name database),
// for CLI inspection and test logs. Reads the guest-visible config bytes (backed bits included)
// without calling device hooks, so describing a machine has no side effects and emits no events.

import { formatBdf } from './bdf.js';
import type { PciBus } from './bus.js';
import { listCapabilities, listExtendedCapabilities } from './capabilities.js';
import { className, knownClassName } from './class-code.js';
import { PCI_HEADER_TYPE, PCI_INTERRUPT_LINE, PCI_INTERRUPT_PIN, PCI_REVISION_ID } from './constants.js';
import type { PciDevice } from './device.js';
import { progIfName, verboseLines } from './lspci-verbose.js';

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

/** What `lspci` prints, chosen as with its options: `numeric` 0 (names), 1 (`-n`: numbers only),
 * 2 (`-nn`: both); `verbose` (`-v`); `hex` 0, 1 (`-x`: 64 bytes), 3 (`-xxx`: 256), 4 (`-xxxx`: the
 * whole 4 KiB of a PCI Express function, 256 bytes of a conventional one). */
export interface LspciOptions {
  numeric?: 0 | 1 | 2;
  verbose?: boolean;
  hex?: 0 | 1 | 3 | 4;
}

/**
 * pciutils 3.9 `lspci` output for the functions below `bus`, byte for byte in its terse line and hex
 * dump (`show_terse`, `show_hex_dump` in lspci.c): the names are the class names this package knows
 * (`classNamesAsPciIds()`); vendor and device ids print as lspci prints ids its database lacks
 * (`Device 8086:5916`). So `-x`/`-xxx`/`-xxxx` output is what `lspci -F` and vmkit's host-dump
 * reader take back. The `-v` lines after the first are this package's `describeFunction` lines
 * (sizes as a live host shows them; capability names without their details).
 * Reads the guest-visible config (`configRead`, virtual registers included) without side effects.
 */
export function lspciText(bus: PciBus, opts: LspciOptions = {}): string {
  let out = '';
  for (const { device } of bus.walk()) out += lspciFunction(device, opts);
  return out;
}

function lookupName(numeric: number, known: string | undefined, fallback: string, id: string): string {
  if (numeric === 1) return id;
  if (numeric === 2) return `${known ?? fallback} [${id}]`;
  return known ?? `${fallback} ${id}`;
}

function verboseFunctionLines(device: PciDevice, cfg: (o: number, n: 1 | 2 | 4) => number, numeric: number) {
  // Other header types (bridges) keep the lspci-style describeFunction lines.
  if ((cfg(PCI_HEADER_TYPE, 1) & 0x7f) !== 0) return describeFunction(device, true).slice(1);
  const sizes = [0, 0, 0, 0, 0, 0];
  let romSize = 0;
  for (const b of device.barInfos()) {
    if (b.kind === 'rom') romSize = b.size;
    else sizes[b.bar] = b.size;
  }
  const sv = cfg(0x2c, 2);
  const sd = cfg(0x2e, 2);
  const subsystem =
    sv && sv !== 0xffff ? lookupName(numeric, undefined, 'Device', `${hex(sv, 4)}:${hex(sd, 4)}`) : null;
  return verboseLines(cfg, { sizes, romSize, configSize: device.config.size, subsystem });
}

function lspciFunction(device: PciDevice, opts: LspciOptions): string {
  const numeric = opts.numeric ?? 0;
  const cfg = (o: number, n: 1 | 2 | 4) => device.configRead(o, n) >>> 0;
  const cls = (cfg(0x08, 4) >>> 8) & 0xffffff;
  const classId = hex(cls >>> 8, 4);
  const vd = `${hex(cfg(0, 2), 4)}:${hex(cfg(2, 2), 4)}`;
  const clsText =
    numeric === 2
      ? `${knownClassName(cls) ?? 'Class'} [${classId}]`
      : lookupName(numeric, knownClassName(cls), 'Class', classId);
  const devText = numeric === 2 ? `Device [${vd}]` : lookupName(numeric, undefined, 'Device', vd);
  const rev = cfg(PCI_REVISION_ID, 1);
  const line = `${formatBdf(device.bdf)} ${clsText}: ${devText}${rev ? ` (rev ${hex(rev, 2)})` : ''}`;
  const lines = [line];
  if (opts.verbose) {
    const progIf = cls & 0xff;
    const pifName = progIfName(cls >>> 8, progIf); // pciutils names it even with -n
    if (progIf || pifName) lines[0] += ` (prog-if ${hex(progIf, 2)}${pifName ? ` [${pifName}]` : ''})`;
    lines.push(...verboseFunctionLines(device, cfg, numeric));
  }
  const hexLevel = opts.hex ?? 0;
  if (hexLevel) {
    const n = hexLevel === 1 ? 64 : hexLevel === 3 ? 256 : Math.min(device.config.size, 4096);
    for (let row = 0; row < n; row += 16) {
      let l = `${hex(row, 2)}:`;
      for (let i = 0; i < 16; i += 4) {
        const d = cfg(row + i, 4);
        for (let b = 0; b < 4; b++) l += ` ${hex((d >>> (8 * b)) & 0xff, 2)}`;
      }
      lines.push(l);
    }
  }
  return `${lines.join('\n')}\n${opts.verbose || hexLevel ? '\n' : ''}`;
}
