// The memory layout QEMU 7.2's `-machine pc` gives a guest of a given size, and the `etc/e820`
// table it publishes for it (hw/i386/pc_piix.c pc_init1, hw/i386/pc.c pc_memory_init).
import type { E820Entry } from './report.js';

export {
  E820_ACPI,
  E820_NVS,
  E820_RAM,
  E820_RESERVED,
  E820_UNUSABLE,
  e820TypeName,
} from '@vmkit/seabios-port';

import { E820_RAM, E820_RESERVED } from '@vmkit/seabios-port';

/** AMD HyperTransport hole just below 1 TiB: QEMU 7.2 advertises it as reserved when the CPU
 * vendor is AMD (its default TCG CPU, qemu64, is) and phys-bits ≥ 40 (hw/i386/pc.c AMD_HT_START,
 * AMD_HT_SIZE). Debian SeaBIOS then lists it as e820 entry "000000fd00000000 - 0000010000000000". */
export const AMD_HT_START = 0xfd_0000_0000;
export const AMD_HT_END = 0x100_0000_0000;

export interface MemoryLayout {
  /** RAM below 4 GiB, from 0 */
  below4g: number;
  /** RAM at 4 GiB and up */
  above4g: number;
}

/** pc_piix.c: lowmem is 0xe0000000 unless RAM reaches it, then the split moves to 3 GiB
 * (gigabyte_align, true for every current machine type). */
export function qemuPcLayout(ramSize: number): MemoryLayout {
  let lowmem = 0xe000_0000;
  if (ramSize >= lowmem) lowmem = 0xc000_0000;
  if (ramSize >= lowmem) return { below4g: lowmem, above4g: ramSize - lowmem };
  return { below4g: ramSize, above4g: 0 };
}

/** The entries QEMU puts in fw_cfg `etc/e820` for this layout, in QEMU's order. */
export function qemuE820Table(layout: MemoryLayout): E820Entry[] {
  const t: E820Entry[] = [
    { start: AMD_HT_START, end: AMD_HT_END, type: E820_RESERVED, typeName: 'RESERVED' },
    { start: 0, end: layout.below4g, type: E820_RAM, typeName: 'RAM' },
  ];
  if (layout.above4g > 0) {
    t.push({ start: 0x1_0000_0000, end: 0x1_0000_0000 + layout.above4g, type: E820_RAM, typeName: 'RAM' });
  }
  return t;
}
