// Class code helpers (PCI Local Bus Spec 3.0 Appendix D; PCI Code and ID Assignment Spec).
// A "class code" here is the 24-bit value at config 0x09..0x0b: base << 16 | sub << 8 | progIf.
// A "class id" is the 16-bit base << 8 | sub, as Linux's PCI_CLASS_* and SeaBIOS's pci_config_readw(0x0a).

export const PCI_BASE_CLASS_STORAGE = 0x01;
export const PCI_BASE_CLASS_NETWORK = 0x02;
export const PCI_BASE_CLASS_DISPLAY = 0x03;
export const PCI_BASE_CLASS_MULTIMEDIA = 0x04;
export const PCI_BASE_CLASS_MEMORY = 0x05;
export const PCI_BASE_CLASS_BRIDGE = 0x06;
export const PCI_BASE_CLASS_SERIAL = 0x0c;

export const PCI_CLASS_STORAGE_IDE = 0x0101;
export const PCI_CLASS_NETWORK_ETHERNET = 0x0200;
export const PCI_CLASS_DISPLAY_VGA = 0x0300;
export const PCI_CLASS_DISPLAY_OTHER = 0x0380;
export const PCI_CLASS_BRIDGE_HOST = 0x0600;
export const PCI_CLASS_BRIDGE_ISA = 0x0601;
export const PCI_CLASS_BRIDGE_PCI = 0x0604;
export const PCI_CLASS_BRIDGE_OTHER = 0x0680;
export const PCI_CLASS_SERIAL_USB = 0x0c03;
export const PCI_CLASS_SERIAL_SMBUS = 0x0c05;

/** Compose a 24-bit class code. */
export function classCode(base: number, sub: number, progIf = 0): number {
  return ((base & 0xff) << 16) | ((sub & 0xff) << 8) | (progIf & 0xff);
}

/** Split a 24-bit class code. */
export function splitClassCode(code: number): { base: number; sub: number; progIf: number } {
  return { base: (code >>> 16) & 0xff, sub: (code >>> 8) & 0xff, progIf: code & 0xff };
}

/** The 16-bit class id (base << 8 | sub) of a 24-bit class code. */
export function classIdOf(code: number): number {
  return (code >>> 8) & 0xffff;
}

const BASE_NAMES: Record<number, string> = {
  0: 'Unclassified device',
  1: 'Mass storage controller',
  2: 'Network controller',
  3: 'Display controller',
  4: 'Multimedia controller',
  5: 'Memory controller',
  6: 'Bridge',
  7: 'Communication controller',
  8: 'Generic system peripheral',
  9: 'Input device controller',
  10: 'Docking station',
  11: 'Processor',
  12: 'Serial bus controller',
  13: 'Wireless controller',
  14: 'Intelligent controller',
  15: 'Satellite communications controller',
  16: 'Encryption controller',
  17: 'Signal processing controller',
  18: 'Processing accelerators',
  255: 'Unassigned class',
};

const CLASS_NAMES: Record<number, string> = {
  256: 'SCSI storage controller',
  257: 'IDE interface',
  262: 'SATA controller',
  264: 'Non-Volatile memory controller',
  512: 'Ethernet controller',
  768: 'VGA compatible controller',
  770: '3D controller',
  896: 'Display controller',
  1027: 'Audio device',
  1280: 'RAM memory',
  1536: 'Host bridge',
  1537: 'ISA bridge',
  1540: 'PCI bridge',
  1664: 'Bridge',
  3075: 'USB controller',
  3077: 'SMBus',
};

/** Human-readable class name as lspci prints it (class id first, then base class). */
export function className(code: number): string {
  return knownClassName(code) ?? 'Unknown class';
}

/** The class name when this table knows the class id or its base class, else undefined (lspci then
 * prints `Class xxxx`). */
export function knownClassName(code: number): string | undefined {
  return CLASS_NAMES[classIdOf(code)] ?? BASE_NAMES[(code >>> 16) & 0xff];
}

/** The class names above in pci.ids syntax (`C 03  Display controller` / `\t00  VGA …`), so
 * pciutils' lspci can be run with exactly the names vmkit knows (`lspci -i <file>`). */
export function classNamesAsPciIds(): string {
  const lines: string[] = [];
  for (const [base, name] of Object.entries(BASE_NAMES)) {
    const b = Number(base);
    lines.push(`C ${b.toString(16).padStart(2, '0')}  ${name}`);
    for (const [id, sub] of Object.entries(CLASS_NAMES)) {
      if (Number(id) >> 8 === b) lines.push(`\t${(Number(id) & 0xff).toString(16).padStart(2, '0')}  ${sub}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
