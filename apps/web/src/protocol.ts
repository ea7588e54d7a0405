// Messages between the page and the machine worker. Everything is structured-cloneable plain
// data; the report is @vmkit/machine's BootReport, the events its MachineEvent stream.
import type { BootReport, MachineEvent } from '@vmkit/machine';
import type { HostFile } from './host-files.js';
import type { RunSpec } from './spec.js';

export interface StartMessage {
  type: 'start';
  spec: RunSpec;
  /** Dropped files (a BIOS image and/or host dumps). */
  files: HostFile[];
  /** Debian's SeaBIOS as fetched by the page (null: this site has none). */
  seabios: Uint8Array | null;
  /** Start paused at instruction 0 (step from the first instruction). */
  paused?: boolean;
}

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

export type FromWorker =
  | { type: 'started'; extras: RunExtras }
  | { type: 'events'; events: MachineEvent[]; dropped: number }
  | { type: 'console'; lines: string[]; dropped: number }
  | { type: 'progress'; state: RunState; instructions: number; virtualTimeNs: number }
  /** `workerMs`: wall-clock time the worker spent building and running the machine. */
  | { type: 'done'; report: BootReport; extras: RunExtras; workerMs: number }
  | { type: 'error'; message: string };
