// One machine run as the page sees it: a worker, the state it reports, and the controls. The page
// holds at most two (the main run and the compare run); each update hands a new snapshot to the
// listener so the views re-render.
import type { BootReport, MachineEvent } from '@vmkit/machine';
import type { HostFile } from './host-files.js';
import type { FromWorker, RunExtras, RunState, ToWorker } from './protocol.js';
import type { RunSpec } from './spec.js';

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

/** Idle machine workers. One is started with the page, so the worker's code is loaded while the
 * user picks a machine (and the page keeps working offline once loaded); a worker whose run ended
 * normally goes back here, keeping V8's compiled code warm for the next run. */
const idle: Worker[] = [];

function takeWorker(): Worker {
  return (
    idle.pop() ??
    new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'vmkit-machine' })
  );
}

export function prestartWorker(): void {
  if (idle.length === 0) idle.push(takeWorker());
}

export class Run {
  private worker: Worker | null;
  private view: RunView;

  constructor(
    spec: RunSpec,
    files: HostFile[],
    seabios: Uint8Array | null,
    private readonly onChange: (v: RunView) => void,
    paused = false,
  ) {
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
    this.worker = takeWorker();
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => this.receive(ev.data);
    this.worker.onerror = (ev) => {
      ev.preventDefault();
      this.finish({ state: 'error', error: `the machine worker failed: ${ev.message || 'could not start'}` });
    };
    this.send({ type: 'start', spec, files, seabios, paused });
    onChange(this.view);
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
    if (!this.worker) return;
    this.finish({ state: 'error', error: reason });
  }

  private update(patch: Partial<RunView>): void {
    this.view = { ...this.view, ...patch };
    this.onChange(this.view);
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
  }

  private receive(m: FromWorker): void {
    switch (m.type) {
      case 'started':
        this.update({ extras: m.extras });
        break;
      case 'events':
        this.update({ events: this.view.events.concat(m.events), droppedEvents: m.dropped });
        break;
      case 'console':
        this.update({ lines: this.view.lines.concat(m.lines), droppedLines: m.dropped });
        break;
      case 'progress':
        this.update({ state: m.state, instructions: m.instructions, virtualTimeNs: m.virtualTimeNs });
        break;
      case 'done':
        this.finish(
          {
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
      case 'error':
        this.finish({ state: 'error', error: m.message });
        break;
    }
  }
}
