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
  /** Wall-clock milliseconds from start to the report (the page's own measurement). */
  wallMs: number | null;
}

let nextId = 1;

export class Run {
  private worker: Worker | null;
  private view: RunView;
  private readonly t0 = performance.now();

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
      wallMs: null,
    };
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), {
      type: 'module',
      name: 'vmkit-machine',
    });
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

  private finish(patch: Partial<RunView>): void {
    this.worker?.terminate();
    this.worker = null;
    this.update({ ...patch, wallMs: performance.now() - this.t0 });
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
        this.finish({
          state: 'done',
          report: m.report,
          extras: m.extras,
          instructions: m.report.result.instructions,
          virtualTimeNs: m.report.result.virtualTimeNs,
        });
        break;
      case 'error':
        this.finish({ state: 'error', error: m.message });
        break;
    }
  }
}
