// The structured result of a boot: what `vmkit boot --json` prints and what tests assert on.
// Addresses are numbers; ids are 4-digit lowercase hex strings.

export type StopReason =
  | 'boot-attempted' // firmware reached its boot step ("No bootable device." / INT 19 done for hle)
  | 'until' // the debug console printed the --until text
  | 'instruction-budget'
  | 'time-budget'
  | 'triple-fault'
  | 'shutdown' // the CPU shut down (a fault while delivering a double fault…)
  | 'reset' // the guest requested a system reset (port 0x92, the 8042, 0xCF9)
  | 'halted-forever' // HLT with interrupts disabled or no timer that could ever wake the CPU
  | 'firmware-error'
  | 'poweroff' // the guest powered the machine off (ACPI S5 through the PIIX4 PM block)
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

/** A device's section of the report (its DeviceType's report()), e.g. vfio-igd's IgdReport. */
export interface DeviceReport {
  id: string;
  driver: string;
  bdf: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: each device type defines its own section
  report: Record<string, any>;
}

export interface BootReport {
  firmware: { kind: 'hle' | 'image'; image: string | null; fallback: string | null };
  result: {
    reason: StopReason;
    detail: string;
    /** The boot reached its goal: the `until` text when one was given, else `poweroff` or (without
     * a kernel) `boot-attempted`. Anything else (budget, fault, reset, halt, firmware error) did not. */
    goalReached: boolean;
    instructions: number;
    virtualTimeNs: number;
  };
  /** Image firmware: the x86 core's trace compiler counters (null for hle, or with `jit: false`). */
  traces: {
    compiled: number;
    entries: number;
    instructions: number;
    invalidated: number;
    flushes: number;
  } | null;
  /** Report sections of the plugged devices that have one, in config order. */
  devices: DeviceReport[];
  /** The first vfio-igd device's section (@vmkit/vfio-igd IgdReport), or null: kept for the
   * IGD tools and scripts that read `igd` directly. */
  // biome-ignore lint/suspicious/noExplicitAny: the section's type is vfio-igd's IgdReport
  igd: Record<string, any> | null;
  e820: E820Entry[];
  pci: PciDeviceReport[];
  log: string[];
  /** COM1's last lines (config.serialWindow; the unfinished last line included), or null without
   * COM1. */
  serial: string[] | null;
}
