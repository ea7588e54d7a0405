// One event stream for the whole machine (DESIGN.md §2): every package reports through an
// injected listener, the machine stamps each event with a sequence number and the virtual time,
// and fans it out to subscribers (CLI --trace, the web timeline, test assertions).

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
};

export class EventStream {
  private seq = 0;
  private readonly listeners: Array<(e: MachineEvent) => void> = [];
  readonly recorded: MachineEvent[] = [];
  private readonly prefixes: string[];
  private readonly all: boolean;

  constructor(
    private readonly now: () => number,
    trace: Set<string>,
  ) {
    this.all = trace.has('all');
    this.prefixes = [...trace].flatMap((t) => TRACE_GROUPS[t] ?? [t]);
  }

  /** Whether any consumer wants events of this kind (lets hot producers skip building them). */
  wants(kind: string): boolean {
    return this.listeners.length > 0 || this.all || this.prefixes.some((p) => kind.startsWith(p));
  }

  emit(e: { kind: string } & Record<string, unknown>): void {
    const ev = { ...e, seq: this.seq++, t: this.now() } as MachineEvent;
    if (this.all || this.prefixes.some((p) => ev.kind.startsWith(p))) this.recorded.push(ev);
    for (const l of this.listeners) l(ev);
  }

  subscribe(listener: (e: MachineEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
}
