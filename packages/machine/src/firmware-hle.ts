// Firmware 'hle': @vmkit/seabios-port runs SeaBIOS 1.16's POST logic in TypeScript against the
// machine's own port and memory buses, so every device model is exercised as real firmware
// would exercise it (fw_cfg DMA, PCI mechanism #1, the IGD's config registers).
import { e820TypeName, runSeabiosPort } from '@vmkit/seabios-port';
import type { HleOptions } from './config.js';
import type { Machine } from './machine.js';
import type { E820Entry, StopReason } from './report.js';

export interface FirmwareResult {
  reason: StopReason;
  detail: string;
  e820: E820Entry[];
}

export function bootHle(m: Machine, hle: HleOptions, opts: { until?: string }): FirmwareResult {
  let untilSeen = false;
  const res = runSeabiosPort({
    io: m.io,
    memory: m.memory,
    log: (line) => {
      m.onDebugconLine(line);
      if (opts.until && line.includes(opts.until)) untilSeen = true;
    },
    options: { igdSetup: hle.igdSetup, tableLoader: hle.tableLoader },
    onEvent: (e) => {
      if (m.events.wants(`firmware-${e.kind}`)) m.events.emit({ ...e, kind: `firmware-${e.kind}` });
    },
  });
  const e820 = res.e820.map((e) => ({
    start: e.start,
    end: e.start + e.size,
    type: e.type,
    typeName: e820TypeName(e.type),
  }));
  const failures = res.igd.flatMap((g) => g.failures);
  return {
    reason: untilSeen ? 'until' : 'boot-attempted',
    detail: untilSeen
      ? `the firmware printed "${opts.until}"`
      : `POST complete${failures.length ? `; IGD setup: ${failures.join('; ')}` : ''}`,
    e820,
  };
}
