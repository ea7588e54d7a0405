// The machine worker's entry, kept tiny. A worker the page started with a run of its own
// (protocol.ts `AUTOSTART`, `?autoboot`) begins fetching that run's firmware at once, while the
// machine's code — most of the site — loads; messages from the page that arrive meanwhile are
// kept and handed over in order (machine-worker.ts).
import { firmwareFor } from './firmware.js';
import { AUTOSTART, type StartMessage, type ToWorker } from './protocol.js';

const scope = self as unknown as { name: string; onmessage: ((ev: MessageEvent<ToWorker>) => void) | null };
const early: ToWorker[] = [];
scope.onmessage = (ev) => early.push(ev.data);
const autostart = scope.name.startsWith(AUTOSTART)
  ? (JSON.parse(scope.name.slice(AUTOSTART.length)) as StartMessage)
  : null;
const fetching = autostart ? firmwareFor(autostart) : null;
const { serve } = await import('./machine-worker.js');
serve(firmwareFor, autostart, fetching, early);
