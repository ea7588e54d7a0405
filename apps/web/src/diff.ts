// Two boot reports side by side: the facts an engineer compares between runs (policy, ASLS,
// BDSM, reservations, the e820 map, the IGD's BARs, the handshake's events), each marked when the
// two runs differ.
import type { BootReport, MachineEvent } from '@vmkit/machine';
import { eventText, hex, size } from './format.js';
import { igdOf } from './igd.js';

export interface DiffRow {
  /** Stable key (automation: data-field). */
  field: string;
  label: string;
  a: string;
  b: string;
  differs: boolean;
  section: string;
}

function yesNo(v: boolean | null | undefined): string {
  return v === null || v === undefined ? 'unknown' : v ? 'yes' : 'no';
}

function facts(r: BootReport): Array<[string, string, string, string]> {
  const igd = igdOf(r);
  const rows: Array<[string, string, string, string]> = [
    ['run', 'firmware', 'firmware', r.firmware.image ?? r.firmware.kind],
    ['run', 'reason', 'stop reason', r.result.reason],
    ['run', 'instructions', 'instructions', String(r.result.instructions)],
    ['igd', 'model', 'IGD', igd?.model ?? 'none'],
    ['igd', 'policy', 'OpRegion policy', igd?.policy ?? '—'],
    ['igd', 'linker', 'linker automation', yesNo(igd?.linkerAutomation)],
    ['igd', 'asls', 'ASLS (0xFC)', igd ? hex(igd.asls, 8) : '—'],
    ['igd', 'opregion-valid', 'guest OpRegion valid', yesNo(igd?.guestOpregionValid)],
    ['igd', 'opregion-reserved', 'OpRegion reserved in e820', yesNo(igd?.opregionReserved)],
    ['igd', 'bdsm', 'BDSM', igd ? hex(igd.bdsm, 8) : '—'],
    ['igd', 'bdsm-size', 'stolen size', igd ? size(igd.bdsmSize) : '—'],
    ['igd', 'bdsm-reserved', 'BDSM reserved in e820', yesNo(igd?.bdsmReserved)],
    ['igd', 'host-writes', 'writes reaching the host OpRegion', String(igd?.hostOpregionWrites ?? 0)],
  ];
  for (const [i, e] of r.e820.entries()) {
    rows.push(['e820', `e820-${i}`, `e820 ${i}`, `${hex(e.start, 8)}–${hex(e.end, 8)} ${e.typeName}`]);
  }
  const igdDev = igd ? r.pci.find((d) => d.bdf === igd.bdf) : undefined;
  for (const b of igdDev?.bars ?? []) {
    rows.push([
      'igd',
      `bar-${b.kind}-${b.index}`,
      `IGD ${b.kind === 'rom' ? 'ROM' : `BAR${b.index}`}`,
      `${hex(b.address, 8)} (${size(b.size)})`,
    ]);
  }
  return rows;
}

export function compareReports(a: BootReport, b: BootReport): DiffRow[] {
  const fa = facts(a);
  const fb = new Map(facts(b).map(([s, f, l, v]) => [f, { s, l, v }]));
  const rows: DiffRow[] = [];
  for (const [section, field, label, va] of fa) {
    const vb = fb.get(field)?.v ?? '—';
    fb.delete(field);
    rows.push({ field, label, section, a: va, b: vb, differs: va !== vb });
  }
  for (const [field, { s, l, v }] of fb)
    rows.push({ field, label: l, section: s, a: '—', b: v, differs: true });
  return rows;
}

/** The handshake's own events (IGD policy actions and writes to the IGD), as text, for a
 * side-by-side list: virtual time and sequence differ run to run, the actions are what matter. */
export function handshakeLines(events: readonly MachineEvent[], igdBdf: string | null): string[] {
  return events
    .filter(
      (e) =>
        e.kind.startsWith('igd') ||
        (e.kind === 'pci-config-write' && (e as Record<string, unknown>).bdf === igdBdf) ||
        (e.kind.startsWith('fw-cfg') &&
          String((e as Record<string, unknown>).name ?? '').startsWith('etc/igd')),
    )
    .map((e) => `${e.kind}: ${eventText(e)}`);
}
