// The first module of the machine worker to run (src/worker.ts imports it before the machine's
// code, which runs after it in the same file): a worker the page started with a run of its own
// (protocol.ts `AUTOSTART`: index.html's first script for `?autoboot`, or the page) begins
// fetching that run's firmware here, before the machine's modules are evaluated; messages from the
// page that arrive meanwhile are kept and handed over in order (machine-worker.ts `serve`).
import { type Fetched, firmwareFor } from './firmware.js';
import { AUTOSTART, type AutoStart, type ToWorker } from './protocol.js';

const scope = self as unknown as { name: string; onmessage: ((ev: MessageEvent<ToWorker>) => void) | null };

/** Messages from the page that arrived before the machine's code took over. */
export const early: ToWorker[] = [];
scope.onmessage = (ev) => early.push(ev.data);

/** The run this worker was started with, if any. */
export const autostart = scope.name.startsWith(AUTOSTART)
  ? (JSON.parse(scope.name.slice(AUTOSTART.length)) as AutoStart)
  : null;

/** Its firmware, on the way. The fetch starts in a microtask, which runs at the `await` below,
 * before the machine's modules are evaluated: called from this file's top-level code, a fetch
 * makes Chromium re-parse the whole file for source positions whenever DevTools or automation
 * (playwright) records each request's initiator stack — ~30 ms of CPU on the critical path. */
export const fetching = autostart
  ? new Promise<Fetched | null>((resolve) => queueMicrotask(() => resolve(firmwareFor(autostart))))
  : null;
await 0;
