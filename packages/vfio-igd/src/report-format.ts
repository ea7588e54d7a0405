// Human-readable rendering of the IGD report section (what `vmkit boot` prints without --json).
import type { IgdReport } from './device-type.js';

const hex8 = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

function size(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

function reservedText(r: boolean | null): string {
  return r === null
    ? ', e820 reservation unknown (no final map reported)'
    : r
      ? ', reserved in e820'
      : ', NOT reserved in e820';
}

export function formatIgdReport(g: IgdReport): string[] {
  const out: string[] = [];
  out.push(
    `IGD handshake (${g.model} at ${g.bdf}, generation ${g.generation ?? 'unknown'}, policy ${g.policy}):`,
  );
  out.push(
    `  OpRegion: ${g.opregionSize ? `etc/igd-opregion published, ${size(g.opregionSize)}` : 'not published'}` +
      `${g.linkerAutomation ? ' (+ WRITE_PCI_CONFIG in etc/table-loader)' : ''}`,
  );
  out.push(
    `  ASLS (0xFC) reads ${hex8(g.asls)}` +
      (g.asls
        ? ` → guest memory there ${g.guestOpregionValid ? 'holds a valid OpRegion' : `is NOT a valid OpRegion (${g.guestOpregionProblems.slice(0, 2).join('; ')})`}` +
          reservedText(g.opregionReserved)
        : ' — firmware never programmed it: the guest driver will find no OpRegion'),
  );
  out.push(
    `  BDSM reads ${hex8(g.bdsm)}` +
      (g.bdsm
        ? `, ${size(g.bdsmSize)} stolen memory${reservedText(g.bdsmReserved)}`
        : g.bdsmSize
          ? ` (etc/igd-bdsm-size ${size(g.bdsmSize)} published but not programmed)`
          : ' (no stolen memory published)'),
  );
  out.push(`  Guest writes that reached the host OpRegion: ${g.hostOpregionWrites}`);
  for (const n of g.notes) out.push(`  note: ${n}`);
  return out;
}
