// PCI-side conformance checks, through the guest's own path (config mechanism #1 at 0xCF8/0xCFC):
// BAR sizing as the PCI Local Bus Specification 3.0 §6.2.5.1 describes it (write all-ones, read
// back: the low type bits stay, the address bits read back as a size mask of contiguous ones), the
// read-only identification registers (§6.2.1: vendor, device, revision, class code, header type),
// and BAR placement so the BAR-mapped regions can be exercised (I/O and memory decode on, bus
// mastering off).
import type { IoBus } from '@vmkit/memory-bus';

const CONFIG_ADDRESS = 0xcf8;
const CONFIG_DATA = 0xcfc;

export class ConfigPort {
  constructor(
    private readonly io: IoBus,
    private readonly bdf: number,
  ) {}

  private select(off: number): void {
    this.io.out32(CONFIG_ADDRESS, (0x80000000 | (this.bdf << 8) | (off & 0xfc)) >>> 0);
  }

  read(off: number, size: 1 | 2 | 4): number {
    this.select(off);
    const port = CONFIG_DATA + (off & 3);
    return size === 1 ? this.io.in8(port) : size === 2 ? this.io.in16(port) : this.io.in32(port) >>> 0;
  }

  write(off: number, size: 1 | 2 | 4, value: number): void {
    this.select(off);
    const port = CONFIG_DATA + (off & 3);
    if (size === 1) this.io.out8(port, value & 0xff);
    else if (size === 2) this.io.out16(port, value & 0xffff);
    else this.io.out32(port, value >>> 0);
  }
}

export interface SizedBar {
  /** Config offset of the BAR (0x10 + 4·index, or 0x30 for the expansion ROM). */
  offset: number;
  kind: 'io' | 'mem32' | 'mem64' | 'rom';
  size: number;
  prefetchable: boolean;
}

/** Size every BAR and the ROM BAR; problems name the offset and what the spec wants. */
export function sizeBars(cfg: ConfigPort): { bars: SizedBar[]; problems: string[] } {
  const bars: SizedBar[] = [];
  const problems: string[] = [];
  const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
  for (let off = 0x10; off <= 0x24; off += 4) {
    const orig = cfg.read(off, 4);
    cfg.write(off, 4, 0xffffffff);
    const rb = cfg.read(off, 4);
    cfg.write(off, 4, orig);
    if (rb === 0) continue;
    if ((rb & 1) !== (orig & 1)) problems.push(`BAR ${hex(off)}: space bit changed by a write (${hex(rb)})`);
    if (rb & 1) {
      if (rb & 2) problems.push(`BAR ${hex(off)}: I/O BAR bit 1 is reserved and must read 0 (${hex(rb)})`);
      const mask = (rb & 0xfffffffc) | 0xffff0000; // upper 16 bits may be hardwired to 0 (§6.2.5.1)
      const size = (~mask >>> 0) + 1;
      if (!contiguous(mask, 2)) problems.push(`BAR ${hex(off)}: I/O size mask ${hex(rb)} is not contiguous`);
      bars.push({ offset: off, kind: 'io', size, prefetchable: false });
      continue;
    }
    const type = (rb >> 1) & 3;
    if ((orig & 0xf) !== (rb & 0xf)) problems.push(`BAR ${hex(off)}: type bits changed by a write`);
    if (type !== 0 && type !== 2) problems.push(`BAR ${hex(off)}: memory type ${type} is reserved`);
    if (!contiguous(rb & 0xfffffff0, 4))
      problems.push(`BAR ${hex(off)}: size mask ${hex(rb)} is not contiguous`);
    let size = (~(rb & 0xfffffff0) >>> 0) + 1;
    if (type === 2) {
      if (off === 0x24) {
        problems.push('BAR 0x24: a 64-bit BAR cannot be the last one');
        continue;
      }
      const hiOrig = cfg.read(off + 4, 4);
      cfg.write(off + 4, 4, 0xffffffff);
      const hi = cfg.read(off + 4, 4);
      cfg.write(off + 4, 4, hiOrig);
      // Above 4 GiB the low dword's address bits are all writable and the size is in the high dword.
      if (hi !== 0xffffffff) size = 2 ** 32 * ((~hi >>> 0) + 1);
    }
    bars.push({ offset: off, kind: type === 2 ? 'mem64' : 'mem32', size, prefetchable: (rb & 8) !== 0 });
    if (type === 2) off += 4;
  }
  const romOrig = cfg.read(0x30, 4);
  cfg.write(0x30, 4, 0xfffffffe);
  const rom = cfg.read(0x30, 4);
  cfg.write(0x30, 4, romOrig);
  if (rom !== 0) {
    if (rom & 0x7fe) problems.push(`ROM BAR: bits 1-10 are reserved and must read 0 (${hex(rom)})`);
    if (!contiguous(rom & 0xfffff800, 11)) problems.push(`ROM BAR: size mask ${hex(rom)} is not contiguous`);
    bars.push({ offset: 0x30, kind: 'rom', size: (~(rom & 0xfffff800) >>> 0) + 1, prefetchable: false });
  }
  return { bars, problems };
}

/** Whether `mask` (a 32-bit value with bits below `low` clear) is ones from bit 31 down, then zeros. */
function contiguous(mask: number, low: number): boolean {
  const inv = ~mask >>> 0; // zeros-then-ones when contiguous: inv + 1 is a power of two
  const m = (inv >>> low) + 1;
  return mask >>> 0 !== 0 && (m & (m - 1)) === 0;
}

const READ_ONLY: ReadonlyArray<[string, number, 1 | 2]> = [
  ['vendor id', 0x00, 2],
  ['device id', 0x02, 2],
  ['revision', 0x08, 1],
  ['class code (prog-if)', 0x09, 1],
  ['class code (subclass, class)', 0x0a, 2],
  ['header type', 0x0e, 1],
];

/** Write the complement of every read-only identification register; each must read back unchanged. */
export function readOnlyProblems(cfg: ConfigPort): string[] {
  const problems: string[] = [];
  for (const [name, off, size] of READ_ONLY) {
    const before = cfg.read(off, size);
    cfg.write(off, size, ~before);
    const after = cfg.read(off, size);
    if (after !== before) {
      problems.push(
        `${name} at 0x${off.toString(16)} changed from 0x${before.toString(16)} to 0x${after.toString(16)}`,
      );
      cfg.write(off, size, before);
    }
  }
  return problems;
}

export interface PlacedBar {
  space: 'io' | 'mem';
  base: number;
  size: number;
}

/** Place the BARs (memory at 0xe0000000 up, largest first as SeaBIOS's pci_bios_map does, I/O at
 * 0xc000 up, naturally aligned; the ROM is left off) and turn on I/O and memory decode with bus
 * mastering off. A BAR that does not fit below the I/O APIC stays unplaced. */
export function placeBars(cfg: ConfigPort, bars: readonly SizedBar[]): PlacedBar[] {
  let mem = 0xe0000000;
  let io = 0xc000;
  const placed: PlacedBar[] = [];
  for (const b of [...bars].sort((x, y) => y.size - x.size)) {
    if (b.kind === 'rom') continue;
    if (b.kind === 'io') {
      io = Math.ceil(io / b.size) * b.size;
      cfg.write(b.offset, 4, io);
      placed.push({ space: 'io', base: io, size: b.size });
      io += b.size;
      continue;
    }
    mem = Math.ceil(mem / b.size) * b.size;
    if (mem + b.size > 0xfec00000) continue; // would not fit below the I/O APIC: leave it unmapped
    cfg.write(b.offset, 4, mem);
    if (b.kind === 'mem64') cfg.write(b.offset + 4, 4, 0);
    placed.push({ space: 'mem', base: mem, size: b.size });
    mem += b.size;
  }
  const cmd = cfg.read(0x04, 2);
  cfg.write(0x04, 2, (cmd | 0x3) & ~0x4);
  return placed;
}
