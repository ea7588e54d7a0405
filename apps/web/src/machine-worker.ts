// The machine's Web Worker (after worker-start.ts, in its entry worker.ts): builds the PC from the page's spec,
// runs its firmware, and streams the debug console, the event stream and progress back in
// batches, then the report. Everything a guest or a dropped file can do ends here as a message,
// never as an uncaught exception.
import { type BootReport, ConfigError, createMachine, type Machine, type MachineEvent } from '@vmkit/machine';
import { type Fetched, firmwareFor } from './firmware.js';
import { igdOf } from './igd.js';
import { machineInput } from './machine-input.js';
import type { AutoStart, Batch, FromWorker, RunExtras, StartMessage, ToWorker } from './protocol.js';
import { registry } from './registry.js';
import { parseQuery } from './spec.js';
import { stamp, type WorkerTiming } from './timing.js';
import { autostart, early, fetching } from './worker-start.js';

/** When this worker's code had loaded (its module evaluated). */
const LOADED = stamp();

/** The page shows at most this many events and console lines; the rest are counted, not kept. */
export const MAX_EVENTS = 50_000;
export const MAX_LINES = 20_000;

interface Scope {
  postMessage(msg: FromWorker): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as Scope;
const post = (m: FromWorker) => scope.postMessage(m);

class Outbox {
  private events: MachineEvent[] = [];
  private lines: string[] = [];
  private keptEvents = 0;
  private keptLines = 0;
  private droppedEvents = 0;
  private droppedLines = 0;

  event(e: MachineEvent): void {
    // The handshake's own events are always kept; the bulk (PCI reads, CPU mode changes) is capped.
    if (this.keptEvents < MAX_EVENTS || e.kind.startsWith('igd') || e.kind.startsWith('machine')) {
      this.events.push(e);
      this.keptEvents++;
    } else this.droppedEvents++;
  }

  line(l: string): void {
    if (this.keptLines < MAX_LINES) {
      this.lines.push(l);
      this.keptLines++;
    } else this.droppedLines++;
  }

  /** What arrived since the last take. */
  take(): Batch {
    const batch = {
      events: this.events,
      lines: this.lines,
      droppedEvents: this.droppedEvents,
      droppedLines: this.droppedLines,
    };
    this.events = [];
    this.lines = [];
    return batch;
  }
}

/** False where a Content-Security-Policy without 'unsafe-eval' forbids `new Function`. */
function evalAllowed(): boolean {
  try {
    return new Function('return 1')() === 1;
  } catch {
    return false;
  }
}

function describe(e: unknown): string {
  if (e instanceof ConfigError) return e.problems.join('; ');
  return e instanceof Error ? e.message : String(e);
}

function extrasFor(
  m: Machine,
  built: ReturnType<typeof machineInput>,
  cpu: RunExtras['cpu'],
  report: BootReport | null,
): RunExtras {
  const host = built.hostOpRegion;
  const asls = igdOf(report)?.asls ?? 0;
  const size = Math.max(host?.length ?? 0, 0x2000);
  return {
    cpu,
    below4g: m.layout.below4g,
    above4g: m.layout.above4g,
    biosSize: built.biosSize,
    firmwareName: built.firmwareName,
    fallback: built.fallback,
    hostOpRegion: host,
    guestOpRegion: asls && m.readsAsRam(asls, size) ? m.memory.readBytes(asls, size) : null,
  };
}

/** Instructions per slice between looks at the message queue: pause latency stays well under a
 * second while slicing costs nothing measurable (the machine's run loop is the same either way). */
export const SLICE = 1_000_000;

/** While running, the page hears about progress at most this often (wall clock): each message
 * costs the page a re-render, which on a busy machine competes with the worker for a core. */
export const PROGRESS_MS = 250;

/** Stops after which the machine does not run on (Machine's final stops). */
const FINAL = new Set([
  'boot-attempted',
  'triple-fault',
  'shutdown',
  'halted-forever',
  'firmware-error',
  'time-budget',
]);

interface Session {
  machine: Machine;
  built: ReturnType<typeof machineInput>;
  cpu: RunExtras['cpu'];
  out: Outbox;
  budget: number;
  mode: 'running' | 'paused' | 'done';
  t0: number;
  /** performance.now() of the last progress message. */
  reported: number;
  timing: WorkerTiming;
}

let current: Session | null = null;

/** Start messages received so far: a run the worker starts on its own gives way to a later one. */
let starts = 0;

/** Starts `msg` once `fetching` (the firmware it names by URL, if the run needs it) is here. */
async function begin(msg: StartMessage, fetching: Promise<Fetched | null> | null): Promise<void> {
  const which = ++starts;
  const t0 = performance.now();
  const started = stamp();
  const own = msg.seabios instanceof Uint8Array ? msg.seabios : null;
  const got = fetching && (await fetching);
  if (which !== starts) return;
  if (got) start({ ...msg, seabios: got.image }, t0, started, performance.timeOrigin + got.at);
  else start({ ...msg, seabios: own }, t0, started, 0);
}

function start(
  msg: StartMessage & { seabios: Uint8Array | null },
  t0: number,
  started: number,
  fetched: number,
): void {
  const out = new Outbox();
  const canEval = evalAllowed();
  let built: ReturnType<typeof machineInput>;
  let machine: Machine;
  current = null;
  try {
    built = machineInput(msg.spec, msg.files, msg.seabios, msg.spec.jit && canEval);
    machine = createMachine(built.input, { registry, debugcon: (l) => out.line(l) });
  } catch (e) {
    post({ type: 'error', message: describe(e) });
    return;
  }
  const image = built.input.firmware?.kind === 'image';
  const cpu: RunExtras['cpu'] = !image
    ? 'none'
    : !msg.spec.jit
      ? 'interpreter'
      : canEval
        ? 'jit'
        : 'interpreter-csp';
  machine.events.subscribe((e) => out.event(e));
  const s: Session = {
    machine,
    built,
    cpu,
    out,
    budget: msg.spec.budget,
    mode: msg.paused ? 'paused' : 'running',
    t0,
    reported: t0,
    timing: {
      loaded: LOADED,
      started,
      fetched,
      created: stamp(),
      ended: 0,
      reported: 0,
      runMs: 0,
      postMs: 0,
      slices: 0,
    },
  };
  current = s;
  post({ type: 'started', extras: extrasFor(machine, built, cpu, null) });
  if (s.mode === 'paused') progress(s);
  else loop(s);
}

function progress(s: Session): void {
  const t = performance.now();
  const m = s.machine;
  post({
    type: 'progress',
    state: s.mode === 'done' ? 'running' : s.mode,
    instructions: m.instructions,
    virtualTimeNs: Math.round(m.now()),
    ...s.out.take(),
  });
  s.reported = performance.now();
  s.timing.postMs += s.reported - t;
}

/** Runs up to `n` instructions; true when the run has ended (final stop or budget reached). */
function advance(s: Session, n: number): boolean {
  const left = s.budget - s.machine.instructions;
  if (left <= 0) return true;
  const t = performance.now();
  const r = s.machine.run(Math.min(n, left));
  s.timing.runMs += performance.now() - t;
  s.timing.slices++;
  return FINAL.has(r.reason) || s.machine.instructions >= s.budget;
}

function guarded(s: Session, body: () => void): void {
  try {
    body();
  } catch (e) {
    progress(s);
    s.mode = 'done';
    if (current === s) current = null;
    post({ type: 'error', message: `the machine stopped with an internal error: ${describe(e)}` });
  }
}

/** Yields to the worker's message queue (pause, step, a new start) without setTimeout's 4 ms
 * clamp on nested timers: a message to ourselves queues behind any message already waiting.
 * At most one is in flight, so there is only ever one loop. */
const yieldPort = new MessageChannel();
let nextSlice: Session | null = null;
let yielding = false;
yieldPort.port1.onmessage = () => {
  yielding = false;
  const s = nextSlice;
  nextSlice = null;
  if (s) loop(s);
};

function later(s: Session): void {
  nextSlice = s;
  if (yielding) return;
  yielding = true;
  yieldPort.port2.postMessage(null);
}

function loop(s: Session): void {
  if (current !== s || s.mode !== 'running') return;
  guarded(s, () => {
    if (advance(s, SLICE)) finish(s);
    else {
      if (performance.now() - s.reported >= PROGRESS_MS) progress(s);
      later(s);
    }
  });
}

/** The run's last lines and events at once (the page draws them while the report is built), then
 * the report exactly as one uninterrupted boot() gives it: boot() from where the machine is runs
 * nothing more after a final stop (or with the budget spent) and reports. */
function finish(s: Session): void {
  s.mode = 'done';
  s.timing.ended = stamp();
  const m = s.machine;
  post({ type: 'ended', instructions: m.instructions, virtualTimeNs: Math.round(m.now()), ...s.out.take() });
  const report = m.boot({ maxInstructions: s.budget });
  report.firmware.fallback = s.built.fallback;
  if (current === s) current = null;
  const extras = extrasFor(m, s.built, s.cpu, report);
  s.timing.reported = stamp();
  post({
    type: 'done',
    report,
    extras,
    workerMs: performance.now() - s.t0,
    timing: s.timing,
    ...s.out.take(),
  });
}

function control(msg: ToWorker): void {
  const s = current;
  if (!s) return;
  switch (msg.type) {
    case 'pause':
      if (s.mode === 'running') {
        s.mode = 'paused';
        progress(s);
      }
      break;
    case 'resume':
      if (s.mode === 'paused') {
        s.mode = 'running';
        loop(s);
      }
      break;
    case 'step':
      if (s.mode === 'paused')
        guarded(s, () => (advance(s, Math.max(1, Math.floor(msg.instructions))) ? finish(s) : progress(s)));
      break;
  }
}

function receive(msg: ToWorker): void {
  if (msg.type === 'start') void begin(msg, firmwareFor(msg));
  else control(msg);
}

/** Takes over from worker-start.ts: starts the run the worker was started with (its firmware on
 * the way), then the messages that arrived while this code loaded, then listens. */
export function serve(): void {
  scope.onmessage = (ev) => receive(ev.data);
  if (autostart) void begin(startOf(autostart), fetching);
  for (const m of early.splice(0)) receive(m);
}

/** The start message of a run the worker starts on its own: a query string read as the page reads
 * it (the page shows the same link problems, if any). */
function startOf(a: AutoStart): StartMessage {
  if (a.type === 'start') return a;
  return { type: 'start', spec: parseQuery(a.search).state.spec, files: [], seabios: a.seabios };
}
