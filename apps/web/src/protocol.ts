// Messages between the page and the machine worker. Everything is structured-cloneable plain
// data; the report is @vmkit/machine's BootReport, the events its MachineEvent stream.
import type { BootReport, MachineEvent } from '@vmkit/machine';
import type { HostFile } from './host-files.js';
import type { RunSpec } from './spec.js';
import type { WorkerTiming } from './timing.js';

export interface StartMessage {
  type: 'start';
  spec: RunSpec;
  /** Dropped files (a BIOS image and/or host dumps). */
  files: HostFile[];
  /** Debian's SeaBIOS as fetched by the page (null: this site has none), or the URL the worker
   * fetches it from itself (a run the worker starts on its own, see `AUTOSTART`). */
  seabios: Uint8Array | null | { url: string };
  /** Start paused at instruction 0 (step from the first instruction). */
  paused?: boolean;
}

/** A worker whose name is this prefix followed by an AutoStart as JSON starts that run as soon
 * as its code has loaded, without waiting for a message from the page: a message posted to a
 * worker before its script has run is queued on the page's main thread and handed over only when
 * that thread is next free, which while the page's UI loads and renders is hundreds of
 * milliseconds later (`?autoboot`). */
export const AUTOSTART = 'vmkit-machine ';

/** The run the page's own query string asks for (`?autoboot`), as index.html's first script
 * starts it (src/early.ts), before any of the page's code has loaded: the worker reads the spec
 * from `search` with parseQuery, as the page does, and fetches Debian's SeaBIOS from `seabios`
 * when that spec boots it. */
export interface QueryStart {
  type: 'query';
  search: string;
  seabios: { url: string };
}

/** What a worker named AUTOSTART + JSON starts on its own. */
export type AutoStart = StartMessage | QueryStart;

export type ToWorker =
  | StartMessage
  | { type: 'pause' }
  | { type: 'resume' }
  /** Run this many instructions, then pause. */
  | { type: 'step'; instructions: number };

export type RunState = 'idle' | 'running' | 'paused' | 'done' | 'error';

/** Facts the panels need beyond the report. */
export interface RunExtras {
  /** How the x86 core ran: its trace compiler, the interpreter by choice, or the interpreter
   * because the page's Content-Security-Policy forbids `new Function` (no 'unsafe-eval'). */
  cpu: 'jit' | 'interpreter' | 'interpreter-csp' | 'none';
  /** Guest RAM below and above 4 GiB (bytes). */
  below4g: number;
  above4g: number;
  /** BIOS image size (mapped at 4 GiB − size and its last 128 KiB below 1 MiB); 0 for hle. */
  biosSize: number;
  firmwareName: string;
  /** Why the page used another firmware than asked (SeaBIOS missing from this build). */
  fallback: string | null;
  /** The host's OpRegion as the VMM holds it (what etc/igd-opregion publishes), if any. */
  hostOpRegion: Uint8Array | null;
  /** What the guest sees at ASLS after the run (opregionSize bytes, or 8 KiB), if ASLS ≠ 0. */
  guestOpRegion: Uint8Array | null;
}

/** What the run produced since the last message: new events and console lines, and how many of
 * each the worker counted but did not keep (totals so far). */
export interface Batch {
  events: MachineEvent[];
  lines: string[];
  droppedEvents: number;
  droppedLines: number;
}

/** Where the run is. */
export interface Progress extends Batch {
  state: RunState;
  instructions: number;
  virtualTimeNs: number;
}

export type FromWorker =
  | { type: 'started'; extras: RunExtras }
  /** One message per report to the page (at most every PROGRESS_MS while running, and at every
   * pause or step): batching keeps the page's re-renders off the machine's critical path. */
  | ({ type: 'progress' } & Progress)
  /** The run has ended: its last events and console lines, sent before the worker builds the
   * report (which takes a cold worker 10–25 ms), so the page can draw them meanwhile. */
  | ({ type: 'ended'; instructions: number; virtualTimeNs: number } & Batch)
  /** The report, with what the run produced after 'ended' (if anything). `workerMs`: wall-clock
   * time the worker spent building and running the machine; `timing`: its steps (src/timing.ts). */
  | ({ type: 'done'; report: BootReport; extras: RunExtras; workerMs: number; timing: WorkerTiming } & Batch)
  | { type: 'error'; message: string };
