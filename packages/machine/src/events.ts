// One event stream for the whole machine (DESIGN.md §2): every package reports through an
// injected listener, the machine stamps each event with a sequence number and the virtual time,
// and fans it out to subscribers (CLI --trace, the web timeline, test assertions) as it happens.
// Events of the traced kinds are also kept in a bounded window (`recorded`).

import { formatBdf } from '@vmkit/pci';
import { formatHex } from './numbers.js';
import { BoundedWindow } from './window.js';

export interface MachineEventBase {
  kind: string;
  /** sequence number within this machine, from 0 */
  seq: number;
  /** virtual time in ns when the event happened */
  t: number;
}

export type MachineEvent = MachineEventBase & Record<string, unknown>;

/**
 * Every event kind the machine can emit, with a one-line description: the catalogue behind
 * `--trace help` and the check that refuses unknown trace selectors. `test/events.test.ts` boots
 * with `trace: ['all']` and fails on any recorded kind missing here.
 */
export const EVENT_KINDS: Readonly<Record<string, string>> = {
  // @vmkit/pci (config accesses from the guest or a TypeScript firmware; BAR decode; INTx)
  'pci-config-read': 'a PCI config read: bdf, offset, size, value, device',
  'pci-config-write': 'a PCI config write: bdf, offset, size, value, device',
  'pci-bar-mapped': 'a BAR started decoding at an address',
  'pci-bar-unmapped': 'a BAR stopped decoding',
  'pci-bar-map-failed': 'a BAR address the bus refused (left unmapped)',
  'pci-intx': 'a function changed its INTx level',
  // @vmkit/fw-cfg
  'fw-cfg-select': 'the guest selected an fw_cfg item',
  'fw-cfg-read': 'bytes read from an fw_cfg item through the data port',
  'fw-cfg-dma': 'an fw_cfg DMA transfer (read, write, skip) and its result',
  'fw-cfg-file-write': 'the guest wrote into a writable fw_cfg file',
  'fw-cfg-data-write-ignored': 'a write to the fw_cfg data register (ignored, as QEMU 2.4+)',
  'fw-cfg-callback-error': 'a writable fw_cfg file refused the guest data',
  // @vmkit/vfio-igd
  'igd-asls-write': 'the guest wrote ASLS (config 0xFC): value, previous, policy',
  'igd-bdsm-write': 'the guest wrote BDSM (config 0x5C, or 0xC0 on Gen11+)',
  'igd-readonly-write': 'a write to GMCH or the read-only BDSM copy (ignored)',
  'igd-opregion-latched': 'copy-on-ASLS policy: the OpRegion address is latched',
  'igd-opregion-copied': 'the host OpRegion was copied into guest RAM at ASLS',
  'igd-opregion-mapped': 'map policies: the host OpRegion is mapped at ASLS',
  'igd-opregion-moved': 'map policies: the mapping followed a new ASLS value',
  'igd-opregion-unmapped': 'map policies: the mapping was removed',
  'igd-opregion-map-rw-warning': 'map-rw policy: guest writes reach the host OpRegion',
  'igd-opregion-write-dropped': 'a guest write to the read-only OpRegion mapping (dropped)',
  'igd-opregion-host-write': 'map-rw: a guest write that reached the host OpRegion',
  'igd-opregion-error': 'the OpRegion could not be copied or mapped at ASLS',
  'igd-swsci': 'a SWSCI request served (or refused) from the guest OpRegion',
  'igd-swsci-write': 'the guest wrote SWSCI (config 0xE8)',
  'igd-legacy-mode': 'legacy (VGA) mode chipset tweaks applied at machine build',
  // the machine
  debugcon: 'a line the firmware printed on the debug console (port 0x402)',
  'machine-reset-request': "the guest requested a system reset (ends the boot under onReset: 'stop')",
  'machine-reset': 'a system reset ran (cause: guest-request, triple-fault, host): devices, CPU; RAM kept',
  'machine-stop': 'the boot stopped: reason and detail',
  'dma-refused': 'a device DMA touched something that is not RAM: refused whole (addr, length, at, what)',
  // @vmkit/memory-bus (with trace 'bus' or 'all' only)
  'unassigned-read': 'a memory or port read nothing answered (all-ones)',
  'unassigned-write': 'a memory or port write nothing answered (dropped)',
  'rom-write': 'a write to ROM (dropped)',
  'map-changed': 'the memory map changed (new generation)',
  // @vmkit/pc-platform
  'pic-spurious': 'the 8259 delivered a spurious interrupt',
  'pic-unsupported': 'an 8259 command this model does not implement',
  'kbd-command': 'an 8042 controller command',
  'kbd-reset-request': 'the 8042 pulsed the reset line',
  'ps2-command': 'a PS/2 device command',
  a20: 'the A20 gate changed (port 0x92 or the 8042)',
  'reset-request': 'a reset request (port 0x92, 8042, 0xCF9)',
  'post-code': 'a POST code written to port 0x80',
  apm: 'a write to the APM control/status ports (0xB2/0xB3)',
  smi: 'a software SMI was raised',
  'acpi-sleep': 'the guest entered an ACPI sleep state',
  'machine-kernel-entry':
    'hle firmware: the -kernel was loaded into RAM and the CPU set at its 32-bit boot-protocol entry',
  poweroff: 'the guest powered the machine off (ACPI S5 via PM1a_CNT; ends the run)',
  'lapic-ipi': 'the local APIC sent an IPI',
  'lapic-unsupported': 'a local APIC register this model does not implement',
  'ioapic-unsupported': 'an IOAPIC register this model does not implement',
  'ide-command': 'an IDE command (no disks: aborted)',
  pam: 'an i440FX PAM register changed BIOS-area routing',
  smram: 'the i440FX SMRAM register changed',
  // @vmkit/x86-core (image firmware), prefixed cpu-
  'cpu-exception': 'the CPU raised an exception: vector, error code, cs:eip',
  'cpu-double-fault': 'an exception while delivering another',
  'cpu-undefined-opcode': 'an opcode the core does not implement (#UD in the guest)',
  'cpu-triple-fault': "a triple fault (a system reset, or the end of the boot under onReset: 'stop')",
  'cpu-msr': 'RDMSR/WRMSR: index, value, whether the MSR is modelled',
  'cpu-internal-error': 'the core met a state it cannot continue from (ends the boot)',
  'cpu-halt': 'HLT',
  'cpu-mode-change': 'CR0 changed (real/protected mode, paging)',
  // @vmkit/seabios-port (hle firmware), prefixed firmware-
  'firmware-seabios-log': 'a line of the TypeScript firmware log',
  'firmware-e820-add': 'the firmware added an e820 entry',
  'firmware-pci-bar-mapped': 'the firmware assigned a BAR',
  'firmware-pci-config-write': 'a config write the firmware made on purpose (ASLS, BDSM, linker)',
  'firmware-igd-opregion': 'the firmware placed the OpRegion',
  'firmware-igd-bdsm': 'the firmware reserved stolen memory',
  'firmware-igd-failure': 'the firmware could not set up the IGD (allocation failed)',
  'firmware-loader': 'a line of the table-loader executor log',
};

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
  machine: ['machine', 'poweroff'],
  dma: ['dma-refused'],
  platform: [
    'pic-',
    'kbd-',
    'ps2-',
    'a20',
    'reset-request',
    'post-code',
    'apm',
    'smi',
    'acpi-',
    'lapic-',
    'ioapic-',
    'ide-',
    'pam',
    'smram',
  ],
};

/** Default size of the recorded-event window. */
export const DEFAULT_EVENT_WINDOW = 100_000;

/** Whether a trace selector means something: 'all', a group, or a prefix of a known kind that ends
 * at a word boundary ('igd-opregion' selects every igd-opregion-… kind; 'igd-opr' is refused). */
export function isTraceSelector(selector: string): boolean {
  if (selector === 'all' || selector in TRACE_GROUPS) return true;
  return Object.keys(EVENT_KINDS).some((k) => k === selector || k.startsWith(`${selector}-`));
}

/** The kinds a selector records. */
export function traceSelectorKinds(selector: string): string[] {
  const prefixes = selector === 'all' ? [''] : (TRACE_GROUPS[selector] ?? [selector]);
  return Object.keys(EVENT_KINDS).filter((k) => prefixes.some((p) => k.startsWith(p)));
}

export class EventStream {
  private seq = 0;
  private readonly listeners: Array<(e: MachineEvent) => void> = [];
  private readonly kept: BoundedWindow<MachineEvent>;
  private readonly prefixes: string[];
  private readonly all: boolean;

  constructor(
    private readonly now: () => number,
    trace: Set<string>,
    windowSize = DEFAULT_EVENT_WINDOW,
  ) {
    this.all = trace.has('all');
    this.prefixes = [...trace].flatMap((t) => TRACE_GROUPS[t] ?? [t]);
    this.kept = new BoundedWindow<MachineEvent>(windowSize);
  }

  /** The last recorded events of the traced kinds (at most the window size), oldest first. */
  get recorded(): MachineEvent[] {
    return this.kept.toArray();
  }

  /** Recorded events that fell out of the window. */
  get droppedRecords(): number {
    return this.kept.dropped;
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
    if (this.records(ev.kind)) {
      this.kept.push(ev);
      for (const l of this.tracedListeners) l(ev);
    }
    for (const l of this.listeners) l(ev);
  }

  private readonly tracedListeners: Array<(e: MachineEvent) => void> = [];

  /**
   * Call `listener` with every event from now on, as it happens; returns the unsubscribe function.
   * With `{ traced: true }` only the events of the traced kinds (those `recorded` keeps, in the
   * same order) — and other kinds stay unwanted, so producers keep skipping them (a streaming
   * `--trace` costs what recording costs).
   */
  subscribe(listener: (e: MachineEvent) => void, opts: { traced?: boolean } = {}): () => void {
    const list = opts.traced ? this.tracedListeners : this.listeners;
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Sequence counter and recorded window as data (snapshots). */
  getState(): { seq: number; recorded: MachineEvent[]; dropped: number } {
    return { seq: this.seq, recorded: this.kept.toArray(), dropped: this.kept.dropped };
  }

  setState(s: { seq: number; recorded: MachineEvent[]; dropped: number }): void {
    this.seq = s.seq;
    this.kept.reset(s.recorded, s.dropped);
  }
}

/** Event fields that hold an address, a register value, a port, a config offset, an id or an opcode:
 * text output prints them in hex (`0x…`). Counts, sizes, lengths, indices and times stay decimal. */
const HEX_FIELDS = new Set([
  'addr',
  'address',
  'value',
  'previous',
  'from',
  'to',
  'start',
  'end',
  'offset',
  'port',
  'cs',
  'eip',
  'linear',
  'cr0',
  'icrLow',
  'icrHigh',
  'command',
  'key',
  'scic',
  'parm',
  'errorCode',
  'vector',
  'first',
  'second',
  'register',
  'index',
  'cr3',
  'slpTyp',
]);

function fieldText(key: string, v: unknown): string {
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v) && HEX_FIELDS.has(key)))
    return formatHex(v as number | bigint);
  if (key === 'bdf' && typeof v === 'number') return formatBdf(v);
  if (key === 'bytes' && Array.isArray(v))
    return v.map((b) => Number(b).toString(16).padStart(2, '0')).join(' ');
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (typeof v === 'object' && v !== null)
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? formatHex(x) : x));
  return String(v);
}

/** One event as a text line, `#<seq> <kind> key=value …` — the one text rendering of events
 * (`vmkit boot --trace`): addresses and register values in hex, counts and sizes in decimal. */
export function formatEvent(ev: MachineEvent): string {
  const { seq, t: _t, kind, ...rest } = ev;
  const parts = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${fieldText(k, v)}`);
  return `#${seq} ${kind}${parts.length ? ` ${parts.join(' ')}` : ''}`;
}
