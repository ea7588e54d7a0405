// Human-readable rendering of a BootReport (what `vmkit boot` prints without --json).
import type { DeviceRegistry } from '@vmkit/device';
import type { BootReport } from './report.js';
import { groupDigits } from './size.js';

const hex = (n: number, w = 8) => `0x${n.toString(16).padStart(w, '0')}`;
const hex16 = (n: number) => n.toString(16).padStart(16, '0');

function size(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

/** How many serial lines the text report shows (JSON has every kept line). */
const SERIAL_TAIL = 20;

const bigintSafe = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

/** The report as text; device sections use their DeviceType's formatReport when `registry` has it. */
export function formatReport(r: BootReport, registry?: DeviceRegistry): string {
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
  for (const d of r.devices) {
    const type = registry?.get(d.driver);
    if (type?.formatReport) out.push(...type.formatReport(d.report));
    else
      out.push(
        `${d.id} (${d.driver}${d.bdf ? ` at ${d.bdf}` : ''}): ${JSON.stringify(d.report, bigintSafe)}`,
      );
  }
  if (r.devices.length === 0) out.push('Devices: none with a report section');
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
  if (r.serial) {
    out.push('');
    const shown = r.serial.slice(-SERIAL_TAIL);
    out.push(
      r.serial.length
        ? `Serial (COM1), last ${shown.length} of ${r.serial.length} kept lines:`
        : 'Serial (COM1): no output',
    );
    for (const l of shown) out.push(`  ${l}`);
  }
  return `${out.join('\n')}\n`;
}
