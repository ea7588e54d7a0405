// The guest physical address map as drawable data: every range the report knows (RAM, the final
// e820 map's reservations, the OpRegion at ASLS, stolen memory at BDSM, PCI BAR windows, the BIOS
// ROM) and the views that show them to scale: the whole 4 GiB, then zooms on the places where the
// handshake happens, which would be a hairline at full scale.
import type { BootReport } from '@vmkit/machine';
import { igdOf } from './igd.js';
import type { RunExtras } from './protocol.js';

export type RegionKind = 'ram' | 'reserved' | 'acpi' | 'opregion' | 'stolen' | 'bar' | 'rom' | 'mmio';

export interface Region {
  start: number;
  /** exclusive */
  end: number;
  kind: RegionKind;
  label: string;
  /** Drawn over the base layer (RAM, e820) in a column of its own. */
  overlay: boolean;
}

export interface MapView {
  title: string;
  lo: number;
  hi: number;
}

const MiB = 1024 * 1024;
const GiB4 = 0x1_0000_0000;

/** Fixed windows of the i440FX PC (QEMU hw/i386/pc.c, hw/intc/apic.c, hw/intc/ioapic.c). */
const PLATFORM: Region[] = [
  { start: 0xa0000, end: 0xc0000, kind: 'mmio', label: 'VGA window', overlay: false },
  { start: 0xfec00000, end: 0xfec01000, kind: 'mmio', label: 'IOAPIC', overlay: true },
  { start: 0xfee00000, end: 0xfee01000, kind: 'mmio', label: 'LAPIC', overlay: true },
];

function e820Kind(type: number): RegionKind {
  if (type === 1) return 'ram';
  if (type === 3 || type === 4) return 'acpi';
  return 'reserved';
}

export function mapRegions(report: BootReport, extras: RunExtras): Region[] {
  const out: Region[] = [];
  if (report.e820.length) {
    for (const e of report.e820) {
      out.push({
        start: e.start,
        end: e.end,
        kind: e820Kind(e.type),
        label: e.type === 1 ? 'RAM' : `e820 ${e.typeName.toLowerCase()}`,
        overlay: false,
      });
    }
  } else {
    out.push({
      start: 0,
      end: extras.below4g,
      kind: 'ram',
      label: 'RAM (no e820 map reported)',
      overlay: false,
    });
    if (extras.above4g)
      out.push({
        start: GiB4,
        end: GiB4 + extras.above4g,
        kind: 'ram',
        label: 'RAM above 4 GiB',
        overlay: false,
      });
  }
  out.push(...PLATFORM);
  if (extras.biosSize) {
    out.push({ start: GiB4 - extras.biosSize, end: GiB4, kind: 'rom', label: 'BIOS ROM', overlay: true });
    const isa = Math.min(extras.biosSize, 128 * 1024);
    out.push({ start: 0x100000 - isa, end: 0x100000, kind: 'rom', label: 'isa-bios', overlay: true });
  }
  for (const d of report.pci) {
    for (const b of d.bars) {
      if (b.kind === 'io' || b.address === 0 || b.size === 0) continue;
      const label = `${d.bdf} ${b.kind === 'rom' ? 'ROM' : `BAR${b.index}`}`;
      out.push({ start: b.address, end: b.address + b.size, kind: 'bar', label, overlay: true });
    }
  }
  const igd = igdOf(report);
  if (igd?.bdsm) {
    out.push({
      start: igd.bdsm,
      end: igd.bdsm + (igd.bdsmSize || MiB),
      kind: 'stolen',
      label: igd.bdsmReserved === false ? 'stolen (BDSM) UNRESERVED' : 'stolen (BDSM)',
      overlay: true,
    });
  }
  if (igd?.asls) {
    out.push({
      start: igd.asls,
      end: igd.asls + (igd.opregionSize || 0x2000),
      kind: 'opregion',
      label: igd.guestOpregionValid ? 'OpRegion (ASLS)' : 'OpRegion (ASLS) INVALID',
      overlay: true,
    });
  }
  return out;
}

function alignDown(n: number, a: number): number {
  return Math.floor(n / a) * a;
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** The views: the whole low 4 GiB, the top of low RAM (where firmware puts the OpRegion and
 * stolen memory), the PCI hole's BARs, and the first MiB. Views with nothing in them are left out. */
export function mapViews(regions: readonly Region[], extras: RunExtras): MapView[] {
  const views: MapView[] = [{ title: 'low 4 GiB', lo: 0, hi: GiB4 }];
  const topOfRam = extras.below4g;
  const handshake = regions.filter((r) => (r.kind === 'opregion' || r.kind === 'stolen') && r.end <= GiB4);
  const reservedTop = regions.filter(
    (r) => r.kind !== 'ram' && !r.overlay && r.start >= topOfRam / 2 && r.end <= topOfRam + 16 * MiB,
  );
  const near = [...handshake, ...reservedTop];
  if (near.length) {
    const lo = Math.min(...near.map((r) => r.start));
    const hi = Math.max(topOfRam, ...near.map((r) => r.end));
    const pad = Math.max((hi - lo) / 8, MiB);
    views.push({
      title: 'top of low RAM',
      lo: Math.max(0, alignDown(lo - pad, MiB)),
      hi: alignUp(hi + pad / 2, MiB),
    });
  }
  const bars = regions.filter(
    (r) => (r.kind === 'bar' || r.kind === 'rom') && r.start >= topOfRam && r.end <= GiB4,
  );
  if (bars.length) {
    const lo = Math.min(...bars.map((r) => r.start));
    views.push({ title: 'PCI hole', lo: alignDown(lo, 16 * MiB), hi: GiB4 });
  }
  views.push({ title: 'first MiB', lo: 0, hi: 0x100000 });
  return views;
}
