// Human-readable rendering of a BootReport (what `vmkit boot` prints without --json).
import type { BootReport } from './report.js';
import { groupDigits } from './size.js';

const hex = (n: number, w = 8) => `0x${n.toString(16).padStart(w, '0')}`;
const hex16 = (n: number) => n.toString(16).padStart(16, '0');

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

export function formatReport(r: BootReport): string {
  const out: string[] = [];
  const fw =
    r.firmware.kind === 'hle' ? 'hle (built-in TypeScript SeaBIOS port)' : `image ${r.firmware.image}`;
  out.push(`Firmware: ${fw}`);
  out.push(
    `Result:   ${r.result.reason}${r.result.detail ? ` — ${r.result.detail}` : ''}` +
      `${r.result.goalReached ? '' : ' — goal NOT reached'} ` +
      `(${groupDigits(r.result.instructions)} instructions, ${(r.result.virtualTimeNs / 1e6).toFixed(3)} ms virtual)`,
  );
  if (r.traces)
    out.push(
      `CPU:      ${groupDigits(r.traces.instructions)} of them in ${r.traces.compiled} compiled traces ` +
        `(${r.traces.invalidated} invalidated by writes, ${r.traces.flushes} cache flushes)`,
    );
  out.push('');
  if (!r.igd) {
    out.push('IGD: none assigned');
  } else {
    const g = r.igd;
    out.push(
      `IGD handshake (${g.model} at ${g.bdf}, generation ${g.generation ?? 'unknown'}, policy ${g.policy}):`,
    );
    out.push(
      `  OpRegion: ${g.opregionSize ? `etc/igd-opregion published, ${size(g.opregionSize)}` : 'not published'}` +
        `${g.linkerAutomation ? ' (+ WRITE_PCI_CONFIG / RESERVE_PCI_MEMORY in etc/table-loader)' : ''}`,
    );
    out.push(
      `  ASLS (0xFC) reads ${hex(g.asls)}` +
        (g.asls
          ? ` → guest memory there ${g.guestOpregionValid ? 'holds a valid OpRegion' : `is NOT a valid OpRegion (${g.guestOpregionProblems.slice(0, 2).join('; ')})`}` +
            reservedText(g.opregionReserved)
          : ' — firmware never programmed it: the guest driver will find no OpRegion'),
    );
    out.push(
      `  BDSM reads ${hex(g.bdsm)}` +
        (g.bdsm
          ? `, ${size(g.bdsmSize)} stolen memory${reservedText(g.bdsmReserved)}`
          : g.bdsmSize
            ? ` (etc/igd-bdsm-size ${size(g.bdsmSize)} published but not programmed)`
            : ' (no stolen memory published)'),
    );
    out.push(`  Guest writes that reached the host OpRegion: ${g.hostOpregionWrites}`);
    for (const n of g.notes) out.push(`  note: ${n}`);
  }
  out.push('');
  out.push(
    r.e820.length
      ? `e820 map (${r.e820.length} entries):`
      : 'e820 map: not reported (the firmware stopped before printing its final map)',
  );
  for (const e of r.e820) out.push(`  ${hex16(e.start)} - ${hex16(e.end)} ${e.typeName}`);
  out.push('');
  out.push('PCI devices:');
  for (const d of r.pci) {
    out.push(`  ${d.bdf} [${d.vendor}:${d.device}] class ${d.class} ${d.name}`);
    for (const b of d.bars) {
      out.push(
        `      BAR${b.kind === 'rom' ? ' ROM' : b.index} ${b.kind}${b.prefetchable ? ' prefetchable' : ''} at ${hex(b.address, b.kind === 'io' ? 4 : 8)} size ${size(b.size)}`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}
