// One machine run as the page sees it: a worker, the state it reports, and the controls. The page
// holds at most two (the main run and the compare run); each update hands a new snapshot to the
// listener so the views re-render.
import type { BootReport, MachineEvent } from '@vmkit/machine';
import type { HostFile } from './host-files.js';
import {
  AUTOSTART,
  type AutoStart,
  type Batch,
  type FromWorker,
  type RunExtras,
  type RunState,
  type StartMessage,
  type ToWorker,
} from './protocol.js';
import type { RunSpec } from './spec.js';
import { mark, markWorker } from './timing.js';

export interface RunView {
  id: number;
  spec: RunSpec;
  state: RunState;
  instructions: number;
  virtualTimeNs: number;
  events: readonly MachineEvent[];
  droppedEvents: number;
  lines: readonly string[];
  droppedLines: number;
  report: BootReport | null;
  extras: RunExtras | null;
  error: string | null;
  /** Wall-clock milliseconds the worker spent building and running the machine. */
  workerMs: number | null;
}

let nextId = 1;

/** While a run streams in, the views re-render at most this often; a run's end, a pause or a
 * step shows at once. */
export const RENDER_MS = 200;

/** Idle machine workers. One is started with the page, so the worker's code is loaded while the
 * user picks a machine (and the page keeps working offline once loaded); a worker whose run ended
 * normally goes back here, keeping V8's compiled code warm for the next run. */
const idle: Worker[] = [];

/** An idle worker, or a new one; with `autostart`, always a new one that starts that run itself. */
function takeWorker(autostart?: AutoStart): Worker {
  const reused = autostart ? undefined : idle.pop();
  if (reused) return reused;
  mark('worker-created');
  const name = autostart ? `${AUTOSTART}${JSON.stringify(autostart)}` : 'vmkit-machine';
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name });
}

export function prestartWorker(): void {
  if (idle.length === 0) idle.push(takeWorker());
}

export class Run {
  private worker: Worker | null;
  private view: RunView;
  private onChange: ((v: RunView) => void) | null = null;
  private settle: (v: RunView) => void = () => {};
  /** Resolves with the final view when the run has ended (done, error or stopped). */
  readonly ended = new Promise<RunView>((resolve) => {
    this.settle = resolve;
  });
  /** A re-render is scheduled (updates while running are coalesced). */
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** Resolves when the worker has built the machine (or the run has ended before that). */
  readonly started: Promise<void>;
  private onStarted: () => void = () => {};

  /** `seabios` as StartMessage takes it: with `{ url }` (and no dropped files) a new worker
   * starts the run on its own and fetches the firmware itself (`?autoboot`: nothing on the
   * critical path waits for the page's main thread). `started`: a worker already started on its
   * own with this run (index.html's first script, src/early.ts). */
  constructor(
    spec: RunSpec,
    files: HostFile[],
    seabios: StartMessage['seabios'],
    paused = false,
    started: Worker | null = null,
  ) {
    this.started = new Promise<void>((resolve) => {
      this.onStarted = resolve;
    });
    this.view = {
      id: nextId++,
      spec,
      state: paused ? 'paused' : 'running',
      instructions: 0,
      virtualTimeNs: 0,
      events: [],
      droppedEvents: 0,
      lines: [],
      droppedLines: 0,
      report: null,
      extras: null,
      error: null,
      workerMs: null,
    };
    const start: StartMessage = { type: 'start', spec, files, seabios, paused };
    const autostart =
      started !== null || (seabios !== null && !(seabios instanceof Uint8Array) && files.length === 0);
    this.worker = started ?? takeWorker(autostart ? start : undefined);
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => this.receive(ev.data);
    this.worker.onerror = (ev) => {
      ev.preventDefault();
      this.finish({ state: 'error', error: `the machine worker failed: ${ev.message || 'could not start'}` });
    };
    mark('start-sent');
    if (!autostart) this.send(start);
  }

  /** Who re-renders with each new view (the page; set once it is up: a run started by main.ts
   * for ?autoboot begins before the page has rendered). Called at once with the current view. */
  listen(onChange: (v: RunView) => void): void {
    this.onChange = onChange;
    this.show();
  }

  get current(): RunView {
    return this.view;
  }

  send(msg: ToWorker): void {
    this.worker?.postMessage(msg);
  }

  pause(): void {
    this.send({ type: 'pause' });
  }

  resume(): void {
    this.send({ type: 'resume' });
  }

  step(instructions: number): void {
    this.send({ type: 'step', instructions });
  }

  /** Ends the worker (a guest that runs on, or a run the user abandons). */
  stop(reason = 'stopped by the user'): void {
    if (this.worker) this.finish({ state: 'error', error: reason });
    // A stopped or replaced run shows nothing more (not even a batch of events still on its way).
    this.onChange = null;
  }

  /** Applies a change; shows it now (`now`) or with the next coalesced re-render. */
  private update(patch: Partial<RunView>, now = true): void {
    this.view = { ...this.view, ...patch };
    if (now) this.show();
    else this.timer ??= setTimeout(() => this.show(), RENDER_MS);
  }

  private show(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.onChange?.(this.view);
  }

  /** The view with a batch of events and console lines appended. */
  private appended(b: Batch): Partial<RunView> {
    const v = this.view;
    return {
      events: b.events.length ? v.events.concat(b.events) : v.events,
      lines: b.lines.length ? v.lines.concat(b.lines) : v.lines,
      droppedEvents: b.droppedEvents,
      droppedLines: b.droppedLines,
    };
  }

  private finish(patch: Partial<RunView>, reuse = false): void {
    const w = this.worker;
    this.worker = null;
    if (w && reuse) {
      w.onmessage = null;
      w.onerror = null;
      idle.push(w);
    } else w?.terminate();
    this.update(patch);
    this.onStarted();
    this.settle(this.view);
  }

  private receive(m: FromWorker): void {
    switch (m.type) {
      case 'started':
        this.update({ extras: m.extras }, false);
        this.onStarted();
        break;
      case 'progress':
        this.update(
          {
            ...this.appended(m),
            state: m.state,
            instructions: m.instructions,
            virtualTimeNs: m.virtualTimeNs,
          },
          m.state !== 'running',
        );
        break;
      case 'ended':
        // The console's last lines now; the report follows.
        this.update({ ...this.appended(m), instructions: m.instructions, virtualTimeNs: m.virtualTimeNs });
        break;
      case 'done': {
        mark('done-received');
        markWorker(m.timing);
        // The views show the last batch of events and lines one paint after the report
        // (panels/view-data.ts).
        this.finish(
          {
            ...this.appended(m),
            state: 'done',
            report: m.report,
            extras: m.extras,
            instructions: m.report.result.instructions,
            virtualTimeNs: m.report.result.virtualTimeNs,
            workerMs: m.workerMs,
          },
          true,
        );
        break;
      }
      case 'error':
        this.finish({ state: 'error', error: m.message });
        break;
    }
  }
}
