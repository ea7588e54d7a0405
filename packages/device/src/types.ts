// The device contract (DESIGN.md §2 "Devices are packages plugged in by config"): a DeviceType
// declares a driver, its bus and typed properties and realizes a Device against a DeviceContext,
// through which the board injects everything the device may touch. Types only: the board
// (@vmkit/machine) implements the context.

import type { LinkerCommand } from '@vmkit/bios-linker';
import type { IoHandler, RegionHandle } from '@vmkit/memory-bus';
import type { PciDevice } from '@vmkit/pci';
import type { PropSpecs } from './props.js';

export type DeviceBus = 'pci' | 'isa' | 'system';

/** One device as the user configures it: QEMU's `-device driver,id=…,addr=…,prop=…`. */
export interface DeviceSpec {
  driver: string;
  /** Unique name; default: the driver name, then driver1, driver2 … for repeats. */
  id?: string;
  /** PCI devices: slot.function or bus:slot.function on bus 0 ('03.0', '00:03.0'); default: the
   * first free slot from 00:02.0 up, as QEMU assigns. */
  addr?: string;
  [prop: string]: unknown;
}

/** A virtual-time timer. The device's callback runs when the machine's clock reaches the deadline
 * (between instructions: the run loop ends its slice at the earliest deadline). */
export interface Timer {
  /** Armed deadline in virtual ns, or null. */
  readonly deadline: number | null;
  /** Fire at virtual time `ns` (replaces an earlier deadline). */
  arm(ns: number): void;
  cancel(): void;
}

/** An interrupt input of the board's interrupt controller, as a level. */
export interface IrqLine {
  set(level: boolean): void;
}

/** Why a guest-memory transfer was refused (nothing was read or written). */
export interface DmaRefusal {
  addr: number;
  length: number;
  access: 'read' | 'write';
  /** First byte that is not RAM, and what is there ('unassigned', an MMIO region's name, 'rom'). */
  at: number;
  what: string;
}

/**
 * Guest RAM for device DMA and copies (the DMA contract). A transfer is checked byte for byte over
 * its whole range: if any byte is not plain RAM for that direction (MMIO, an overlay such as the
 * IGD's mapped OpRegion, ROM, a hole, above the RAM size) nothing is transferred and the refusal
 * says where. The board uses the same object for fw_cfg DMA and every device.
 */
export interface GuestMemory {
  /** null when every byte of [addr, addr+length) is RAM for `access`, else the first problem. */
  check(addr: number, length: number, access: 'read' | 'write'): DmaRefusal | null;
  /** The bytes, or the refusal. */
  read(addr: number, length: number): Uint8Array | DmaRefusal;
  /** null when written, or the refusal (nothing written). */
  write(addr: number, data: Uint8Array): DmaRefusal | null;
}

/** An entry of the e820 map the firmware handed the OS (for report sections). */
export interface E820Range {
  start: number;
  end: number;
  type: number;
}

/** What report() may look at once the firmware has stopped. */
export interface ReportContext {
  /** The final e820 map (empty when the firmware did not get that far). */
  e820: readonly E820Range[];
  /** Whether [addr, addr+length) reads as RAM now (overlays such as a mapped OpRegion count). */
  readsAsRam(addr: number, length: number): boolean;
  readGuest(addr: number, length: number): Uint8Array;
}

/** The PCI side of the board, for devices that bring more than their one function. */
export interface PciBoard {
  /** The function at bus 0 devfn, or null. */
  functionAt(devfn: number): PciDevice | null;
  /** Add another function (e.g. the IGD's legacy-mode LPC bridge at 00:1f.0). Throws on a clash. */
  addFunction(device: PciDevice, devfn: number): void;
  /** The host bridge at 00:00.0 (legacy-mode id patches). */
  readonly hostBridge: PciDevice;
}

/** An ACPI description beyond the PCI slot entry the board writes for every PCI function. */
export interface AcpiIsaDevice {
  kind: 'isa';
  /** Four-character AML name. */
  name: string;
  /** _HID, e.g. 'PNP0501' or a QEMU id such as 'QEMU0002'. */
  hid: string;
  io?: Array<{ base: number; size: number }>;
  irq?: number;
}

/** Everything a device may touch, injected by the board at realize time. */
export interface DeviceContext {
  /** The device's id (unique in the machine). */
  readonly id: string;
  /** PCI devices: the BDF (bus 0) the board attaches `Device.pci` at; null for other buses. */
  readonly bdf: number | null;
  /** Virtual time in ns since power-on (never wall time). */
  now(): number;
  createTimer(callback: (now: number) => void): Timer;
  /** ISA IRQ n (routed to the 8259 and I/O APIC by the board). PCI devices raise INTx through
   * their PciDevice's setIrq(), which the board routes through the PIIX3 PIRQ links. */
  isaIrq(line: number): IrqLine;
  readonly guest: GuestMemory;
  /** Map a port-I/O handler; it sees offsets from `port`. */
  mapIo(name: string, port: number, size: number, handler: IoHandler): RegionHandle;
  /** Map an MMIO handler; it sees offsets from `addr`. A priority above 0 overlays RAM. */
  mapMmio(name: string, addr: number, size: number, handler: IoHandler, priority?: number): RegionHandle;
  /** Emit an event into the machine's stream; the board adds `device: id`, seq and time. */
  emit(event: { kind: string } & Record<string, unknown>): void;
  /** Whether anyone consumes events of this kind (skip building them when not). */
  wants(kind: string): boolean;
  /** A line of guest console output (a chardev): it joins the machine's log, its debugcon sink
   * and 'debugcon' events. */
  consoleLine(line: string): void;
  /** Publish a fw_cfg file (names outside opt/ are the device's own protocol, e.g. etc/igd-*). */
  addFwCfgFile(name: string, data: Uint8Array): void;
  /** Append commands to etc/table-loader (the board puts ALLOCATEs first, as QEMU's builder). */
  addLoaderCommands(commands: readonly LinkerCommand[]): void;
  /** Add an ACPI description (the board already lists every PCI function in the DSDT). */
  describeAcpi(description: AcpiIsaDevice): void;
  readonly pci: PciBoard;
}

/** What a device type's check may know about the board it will be plugged into. */
export interface BoardInfo {
  /** Guest RAM in bytes. */
  memory: number;
  /** RAM below 4 GiB (the rest is above 4 GiB). */
  ramBelow4g: number;
}

/** A realized device. */
export interface Device<S = unknown> {
  /** PCI devices: the function the board attaches at the context's bdf. Its config space and BAR
   * mapping are saved with the PCI bus; getState() holds everything else. */
  readonly pci?: PciDevice;
  /** Power-on state (the one reset path; the board calls it on a system reset). */
  reset(): void;
  /** Everything needed to continue the device exactly, as plain data (structured-clone safe). */
  getState(): S;
  setState(state: S): void;
  /** The device's section of the machine report. */
  report?(ctx: ReportContext): object;
}

/** A kind of device a package provides (QEMU's TypeInfo + Property list, as data). */
export interface DeviceType<P extends object = Record<string, unknown>, S = unknown> {
  /** Driver name as users write it ('edu', 'vfio-igd', 'pci-stub', 'isa-debugcon'). */
  readonly driver: string;
  readonly bus: DeviceBus;
  /** One line for `--device help`. */
  readonly description: string;
  readonly props: PropSpecs;
  /** Cross-property problems (every one, each naming the properties involved); [] when fine. The
   * board says what it is (e.g. RAM below 4 GiB) for checks that depend on it. */
  check?(props: P, board: BoardInfo): string[];
  /** Human-readable lines for the device's report section (`vmkit boot` without --json). */
  formatReport?(section: object): string[];
  /** Build the device. Throwing reports a configuration problem (the board wraps it). */
  realize(props: P, ctx: DeviceContext): Device<S>;
}

/** A DeviceType with its props erased, for registries and lists. */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds types of every props shape
export type AnyDeviceType = DeviceType<any, any>;
