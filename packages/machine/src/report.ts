// The structured result of a boot: what `vmkit boot --json` prints and what tests assert on.
// Addresses are numbers; ids are 4-digit lowercase hex strings.

export type StopReason =
  | 'boot-attempted' // firmware reached its boot step ("No bootable device." / INT 19 done for hle)
  | 'until' // the debug console printed the --until text
  | 'instruction-budget'
  | 'time-budget'
  | 'triple-fault'
  | 'shutdown'
  | 'halted-forever' // HLT with interrupts disabled or no timer that could ever wake the CPU
  | 'firmware-error'
  | 'paused'; // pause() (or report() before any run)

/** What run(), step() and runUntil() return. */
export interface RunResult {
  reason: StopReason;
  detail: string;
  /** instructions executed since power-on */
  instructions: number;
  virtualTimeNs: number;
}

export interface E820Entry {
  start: number;
  /** exclusive */
  end: number;
  type: number;
  typeName: string;
}

export interface PciBarReport {
  index: number;
  kind: 'io' | 'mem32' | 'mem64' | 'rom';
  prefetchable: boolean;
  address: number;
  size: number;
}

export interface PciDeviceReport {
  bdf: string;
  vendor: string;
  device: string;
  /** 6 hex digits: class, subclass, prog-if */
  class: string;
  name: string;
  bars: PciBarReport[];
}

export interface IgdReport {
  bdf: string;
  model: string;
  generation: number | null;
  policy: string;
  /** config 0xFC as the guest reads it */
  asls: number;
  opregionSize: number;
  /** the guest-visible bytes at ASLS parse as a valid OpRegion */
  guestOpregionValid: boolean;
  guestOpregionProblems: string[];
  /** config 0x5C (or 0xC0 for gen ≥ 11) as the guest reads it */
  bdsm: number;
  bdsmSize: number;
  /** the BDSM range is reserved in the final e820 map (null: the firmware reported no map) */
  bdsmReserved: boolean | null;
  /** the OpRegion range is not usable RAM in the final e820 map (null: no map reported) */
  opregionReserved: boolean | null;
  /** guest writes that would have reached the host OpRegion (must be 0 for every safe policy) */
  hostOpregionWrites: number;
  /** true when the linker automation command was published */
  linkerAutomation: boolean;
  /** human-readable findings: why something did not happen */
  notes: string[];
}

export interface BootReport {
  firmware: { kind: 'hle' | 'image'; image: string | null; fallback: string | null };
  result: { reason: StopReason; detail: string; instructions: number; virtualTimeNs: number };
  /** Image firmware: the x86 core's trace compiler counters (null for hle, or with `jit: false`). */
  traces: {
    compiled: number;
    entries: number;
    instructions: number;
    invalidated: number;
    flushes: number;
  } | null;
  igd: IgdReport | null;
  e820: E820Entry[];
  pci: PciDeviceReport[];
  log: string[];
}
