// Shared contracts of @vmkit/pc-platform (Clock, IrqSink, timers: the contract the machine and devices build on).

/** Virtual time source owned by the machine: nanoseconds since power-on. */
export interface Clock {
  now(): number;
}

/** ISA IRQ 0–15 input into the PIC pair (level = wire state; the PIC applies edge/level rules). */
export interface IrqSink {
  setIrq(line: number, level: boolean): void;
}

/** The CPU's maskable-interrupt input (INTR/INTA), implemented by the PIC pair. */
export interface InterruptLine {
  pending(): boolean;
  /** INTA cycle: returns the vector and updates ISR/IRR as hardware does. */
  acknowledge(): number;
}

/** Every timer device exposes this (contracts.md "Virtual clock and interrupts"). */
export interface TimerDevice {
  /** Virtual ns of the next event this device must process, or null if none is scheduled. */
  nextDeadline(): number | null;
  /** Fire every event due at or before `now`. */
  update(now: number): void;
}

/**
 * One device of the board's device list (`PcPlatform.devices`): the platform resets, saves and
 * restores its devices only through this. State is plain JSON-able data.
 */
export interface BoardDevice<S = unknown> {
  /** Power-on state (a system reset). */
  reset(): void;
  /** Optional second phase, run after every device's reset() (as QEMU's "exit" phase): for a
   * device whose reset state depends on the lines the others drive after their reset. */
  afterReset?(): void;
  getState(): S;
  setState(state: S): void;
}

/** The state type of a BoardDevice (null for an absent optional device). */
export type BoardDeviceState<D> = D extends null ? null : D extends BoardDevice<infer S> ? S : never;

/** Events every device in this package may report (plain data, `kind` string). */
export type PlatformEvent =
  | { kind: 'pic-spurious'; chip: 'master' | 'slave'; vector: number }
  | { kind: 'pic-unsupported'; chip: 'master' | 'slave'; what: string; value: number }
  | { kind: 'kbd-command'; command: number; supported: boolean }
  | { kind: 'kbd-reset-request' }
  | { kind: 'ps2-command'; command: number; supported: boolean }
  | { kind: 'a20'; enabled: boolean; source: 'port92' | 'i8042' }
  | { kind: 'reset-request'; source: 'port92' | 'i8042' | 'cf9' }
  | { kind: 'post-code'; value: number }
  | { kind: 'apm'; port: 0xb2 | 0xb3; value: number }
  | { kind: 'smi'; source: 'apm' }
  | { kind: 'acpi-sleep'; slpTyp: number }
  | {
      kind: 'lapic-ipi';
      icrLow: number;
      icrHigh: number;
      deliveryMode: number;
      vector: number;
      shorthand: number;
    }
  | { kind: 'lapic-unsupported'; offset: number; write: boolean; value: number }
  | { kind: 'ioapic-unsupported'; register: number; value: number }
  | { kind: 'ide-command'; channel: number; drive: number; command: number }
  | { kind: 'pam'; index: number; value: number }
  | { kind: 'smram'; value: number };

export type PlatformEventListener = (e: PlatformEvent) => void;
