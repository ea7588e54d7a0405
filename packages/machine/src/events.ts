// One event stream for the whole machine (DESIGN.md §2): every package reports through an
// injected listener, the machine stamps each event with a sequence number and the virtual time,
// and fans it out to subscribers (CLI --trace, the web timeline, test assertions) as it happens.
// Events of the traced kinds are also kept in a bounded window (`recorded`).
import { BoundedWindow } from './window.js';

export interface MachineEventBase {
  kind: string;
  /** sequence number within this machine, from 0 */
  seq: number;
  /** virtual time in ns when the event happened */
  t: number;
}

export type MachineEvent = MachineEventBase & Record<string, unknown>;

/** Event kinds grouped for `--trace`: a trace selector matches a kind by prefix. */
export const TRACE_GROUPS: Record<string, string[]> = {
  pci: ['pci-config-read', 'pci-config-write'],
  'pci-write': ['pci-config-write'],
  fwcfg: ['fw-cfg'],
  igd: ['igd'],
  debugcon: ['debugcon'],
  cpu: ['cpu'],
  bus: ['unassigned', 'rom-write', 'map-changed'],
  firmware: ['firmware'],
  machine: ['machine'],
  dma: ['dma-refused'],
};

/** Default size of the recorded-event window. */
export const DEFAULT_EVENT_WINDOW = 100_000;

export class EventStream {
  private seq = 0;
  private readonly listeners: Array<(e: MachineEvent) => void> = [];
  private readonly window: BoundedWindow<MachineEvent>;
  private readonly prefixes: string[];
  private readonly all: boolean;

  constructor(
    private readonly now: () => number,
    trace: Set<string>,
    windowSize = DEFAULT_EVENT_WINDOW,
  ) {
    this.all = trace.has('all');
    this.prefixes = [...trace].flatMap((t) => TRACE_GROUPS[t] ?? [t]);
    this.window = new BoundedWindow<MachineEvent>(windowSize);
  }

  /** The last recorded events of the traced kinds (at most the window size), oldest first. */
  get recorded(): MachineEvent[] {
    return this.window.toArray();
  }

  /** Recorded events that fell out of the window. */
  get droppedRecords(): number {
    return this.window.dropped;
  }

  private readonly recordsCache = new Map<string, boolean>();

  /** Whether events of this kind are recorded (traced). */
  records(kind: string): boolean {
    let r = this.recordsCache.get(kind);
    if (r === undefined) {
      r = this.all || this.prefixes.some((p) => kind.startsWith(p));
      this.recordsCache.set(kind, r);
    }
    return r;
  }

  /** Whether any consumer wants events of this kind (lets hot producers skip building them). */
  wants(kind: string): boolean {
    return this.listeners.length > 0 || this.records(kind);
  }

  /** While muted (restoring a snapshot) nothing is emitted. */
  muted = false;

  setMuted(muted: boolean): void {
    this.muted = muted;
  }

  emit(e: { kind: string } & Record<string, unknown>): void {
    if (this.muted) return;
    const ev = { ...e, seq: this.seq++, t: this.now() } as MachineEvent;
    if (this.records(ev.kind)) this.window.push(ev);
    for (const l of this.listeners) l(ev);
  }

  /** Call `listener` with every event from now on; returns the unsubscribe function. */
  subscribe(listener: (e: MachineEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Sequence counter and recorded window as data (snapshots). */
  getState(): { seq: number; recorded: MachineEvent[]; dropped: number } {
    return { seq: this.seq, recorded: this.window.toArray(), dropped: this.window.dropped };
  }

  setState(s: { seq: number; recorded: MachineEvent[]; dropped: number }): void {
    this.seq = s.seq;
    this.window.reset(s.recorded, s.dropped);
  }
}
