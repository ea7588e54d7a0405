// The first module of the machine worker to run (src/worker.ts imports it before the machine's
// code, which runs after it in the same file): a worker the page started with a run of its own
// (protocol.ts `AUTOSTART`: index.html's first script for `?autoboot`, or the page) begins
// fetching that run's firmware here, before the machine's modules are evaluated; messages from the
// page that arrive meanwhile are kept and handed over in order (machine-worker.ts `serve`).
import { firmwareFor } from './firmware.js';
import { AUTOSTART, type AutoStart, type ToWorker } from './protocol.js';

const scope = self as unknown as { name: string; onmessage: ((ev: MessageEvent<ToWorker>) => void) | null };

/** Messages from the page that arrived before the machine's code took over. */
export const early: ToWorker[] = [];
scope.onmessage = (ev) => early.push(ev.data);

/** The run this worker was started with, if any. */
export const autostart = scope.name.startsWith(AUTOSTART)
  ? (JSON.parse(scope.name.slice(AUTOSTART.length)) as AutoStart)
  : null;

/** Its firmware, on the way. */
export const fetching = autostart ? firmwareFor(autostart) : null;
