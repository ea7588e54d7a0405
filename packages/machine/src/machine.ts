// The one composition point (DESIGN.md §1): a validated config → a PC board (memory and port
// spaces, the i440FX/PIIX chipset, fw_cfg with QEMU's items, ACPI) plus the plugged devices of
// the config (realized through @vmkit/device contexts), the virtual clock, one event stream, and a firmware (the x86 core running a BIOS image,
// or the TypeScript SeaBIOS port). Platform-neutral: the apps provide files and output.

import { buildPcAcpi, buildSmbios } from '@vmkit/acpi';
import { encodeLoader } from '@vmkit/bios-linker';
import type { DeviceRegistry, ReportContext } from '@vmkit/device';
import {
  addLinuxBootItems,
  addStandardItems,
  encodeBootOrder,
  FwCfg,
  type FwCfgEvent,
  type FwCfgState,
} from '@vmkit/fw-cfg';
import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { createPcPlatform, type PcPlatform, type PcPlatformState } from '@vmkit/pc-platform';
import { formatBdf, type PciEvent } from '@vmkit/pci';
import type { Cpu, CpuState } from '@vmkit/x86-core';
import {
  type BoardCollectors,
  CheckedGuestMemory,
  type PluggedDevice,
  RAM_REGIONS,
  realizeDevice,
  TimerList,
} from './board.js';
import { type HleOptions, type MachineConfig, type MachineConfigInput, validateConfig } from './config.js';
import { type MemoryLayout, qemuE820Table, qemuPcLayout } from './e820.js';
import { EventStream } from './events.js';
import { bootHle } from './firmware-hle.js';
import {
  createImageCpu,
  e820FromSeabiosLog,
  mapBiosImage,
  runImage,
  type StopInfo,
} from './firmware-image.js';
import { loadLinuxDirect } from './linux-direct.js';
import type {
  BootReport,
  DeviceReport,
  E820Entry,
  PciBarReport,
  PciDeviceReport,
  RunResult,
  StopReason,
} from './report.js';
import { SerialConsole, type SerialState } from './serial.js';
import {
  captureRam,
  fingerprint,
  forEachRamPage,
  type MachineSnapshot,
  type RamImage,
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  SnapshotError,
} from './snapshot.js';
import { BoundedWindow } from './window.js';

export interface MachineSinks {
  /** Debug console (port 0x402) lines as the firmware prints them. */
  debugcon?: (line: string) => void;
  /** COM1 bytes (config `serial: true`), as the guest transmits them. */
  serial?: (byte: number) => void;
}

export interface RunOptions {
  /** Called every few million instructions (image firmware). */
  onProgress?: (p: { instructions: number; virtualTimeNs: number }) => void;
}

export interface BootOptions extends RunOptions {
  /** Stop once the debug console (or COM1) has printed this text. */
  until?: string;
  /** Instruction budget for image firmware, counted from power-on (default 200 M). */
  maxInstructions?: number;
}

/** Default instruction budget of boot() and run(). */
export const DEFAULT_BUDGET = 200_000_000;

/** Stops after which the machine does not run on (the firmware's end, a dead CPU, or a guest reset
 * under `onReset: 'stop'`). */
const FINAL_STOPS: ReadonlySet<StopReason> = new Set<StopReason>([
  'boot-attempted',
  'triple-fault',
  'shutdown',
  'reset',
  'halted-forever',
  'firmware-error',
  'poweroff',
]);

/** The `state` part of a MachineSnapshot. */
interface SavedState {
  machine: {
    warpNs: number;
    lastStop: StopInfo | null;
    finished: StopInfo | null;
    hleE820: E820Entry[] | null;
    mapChanges: number;
    untilGoal: boolean;
    resetRequested: boolean;
  };
  cpu: CpuState | null;
  platform: PcPlatformState;
  fwCfg: FwCfgState;
  devices: Array<{ id: string; state: unknown }>;
  events: ReturnType<EventStream['getState']>;
  log: { lines: string[]; dropped: number };
  serial: SerialState;
}

export interface MachineOptions extends MachineSinks {
  /** Device types the app ships (the board adds isa-debugcon and pci-stub). */
  registry?: DeviceRegistry;
}

/** The debug-console text at which SeaBIOS has attempted every boot device. */
export const BOOT_FAIL_TEXT = 'No bootable device.';

export class Machine {
  readonly config: MachineConfig;
  /** What determines the guest's behaviour, for `configId`. */
  private readonly identity: unknown;
  private configIdText: string | null = null;
  readonly memory = new MemoryBus();
  readonly io = new IoBus();
  readonly layout: MemoryLayout;
  readonly events: EventStream;
  readonly platform: PcPlatform;
  readonly fwCfg: FwCfg;
  /** The plugged devices (config order), realized. */
  readonly devices: PluggedDevice[] = [];
  /** The DMA contract: guest RAM checked byte for byte (fw_cfg DMA and every device). */
  readonly guest = new CheckedGuestMemory(this.memory);
  private readonly timers = new TimerList();
  /** Virtual ns at which the CPU slice now running ends (null outside a slice). */
  private sliceEndNs: number | null = null;
  /** A timer was armed inside the running slice, before its end: the CPU was asked to stop early
   * so the slice can be cut at that deadline (timers then fire on time whatever the slice grid). */
  private resliceRequested = false;
  /** MMIO regions devices mapped over RAM (they read as guest memory, e.g. a mapped OpRegion). */
  private readonly overlays = new Set<string>();
  /** The CPU, for image firmware (created with the machine). */
  readonly cpu: Cpu | null = null;
  /** Virtual time skipped while the CPU halted (ns); now() adds instructions at the nominal rate. */
  private warpNs = 0;
  private readonly nsPerInstruction: number;
  private readonly debugconListeners: Array<(line: string) => void> = [];
  private readonly logWindow: BoundedWindow<string>;
  /** Memory-map changes since power-on (map-changed events). */
  private mapChanges = 0;
  /** The last stop of the run loop (null before the first run). */
  private lastStop: StopInfo | null = null;
  /** Set once the machine reached a final stop; running again returns it. */
  private finished: StopInfo | null = null;
  /** A stop raised while the CPU runs (debug console text, pause()). */
  private raisedStop: StopInfo | null = null;
  private untilText: string | null = null;
  /** Whether the last run had an until condition (the report's goalReached). */
  private untilGoal = false;
  private hleE820: E820Entry[] | null = null;
  /** COM1 output (config `serial`): the kept lines and the until watch. */
  readonly serial: SerialConsole;
  private readonly serialSink: ((byte: number) => void) | undefined;
  /** The guest asked for a system reset (0xCF9, 8042, port 0x92); the run loop acts on it. */
  private resetRequested = false;

  /** Fingerprint of what determines the guest's behaviour (snapshots restore only onto the same).
   * Computed when first asked for: its CRC-32 over the firmware image and the fw_cfg files is
   * 5–40 ms of a machine's creation in a browser's fresh worker, which a run that takes no
   * snapshot never needs. The same whenever first asked for (before or after a run: what the guest
   * changes is not part of it), provided the caller leaves the config's byte arrays as they were. */
  get configId(): string {
    this.configIdText ??= fingerprint(this.identity);
    return this.configIdText;
  }

  constructor(input: MachineConfigInput, sinks: MachineOptions = {}) {
    const config = validateConfig(input, sinks.registry);
    this.config = config;
    this.timers.onArm = (deadline) => {
      if (this.sliceEndNs !== null && deadline < this.sliceEndNs) {
        this.resliceRequested = true;
        this.cpu?.requestStop();
      }
    };
    this.identity = {
      chipset: config.chipset,
      memory: config.memory,
      firmware: config.firmware,
      fwCfgFiles: config.fwCfgFiles,
      devices: config.devices.map((d) => ({ driver: d.type.driver, id: d.id, bdf: d.bdf, props: d.props })),
      instructionsPerSecond: config.instructionsPerSecond,
      startDate: config.startDate,
      linux: config.linux,
      linuxbootRom: config.linuxbootRom,
      serial: config.serial,
      onReset: config.onReset,
    };
    this.nsPerInstruction = 1e9 / config.instructionsPerSecond;
    this.events = new EventStream(() => this.now(), config.trace, config.eventWindow);
    this.logWindow = new BoundedWindow<string>(
      config.logWindow.lines,
      (l) => l.length,
      config.logWindow.chars,
    );
    const { memory, io, events } = this;
    // map-changed events count the machine's own map changes (the bus's generation counter also
    // moves when a snapshot is restored, which is not a guest event).
    memory.setTracer(
      config.trace.has('bus') || config.trace.has('all')
        ? (e) => {
            if (e.kind !== 'map-changed') events.emit({ ...e });
            else if (!events.muted) events.emit({ ...e, generation: ++this.mapChanges });
          }
        : null,
    );

    // Memory: RAM below and above 4 GiB as QEMU lays it out; VGA window unassigned until SMRAM opens.
    this.layout = qemuPcLayout(config.memory);
    memory.addRam('ram-below-4g', 0, this.layout.below4g);
    if (this.layout.above4g) memory.addRam('ram-above-4g', 0x1_0000_0000, this.layout.above4g);
    memory.setRouting(0xa0000, 0x20000, 'none', 'none');

    if (sinks.debugcon) this.debugconListeners.push(sinks.debugcon);
    this.serial = new SerialConsole(config.serialWindow, (text) => {
      if (!this.raisedStop)
        this.raiseStop({ reason: 'until', detail: `the serial console printed "${text}"` });
    });
    this.serialSink = sinks.serial;
    this.platform = createPcPlatform({
      memory,
      io,
      clock: { now: () => this.now() },
      ramSize: config.memory,
      cpuA20: (en) => this.cpu?.setA20(en),
      cpuIgnne: () => this.cpu?.ignne(),
      onReset: () => {
        this.resliceRequested = false; // a reset request is a real stop
        this.resetRequested = true;
        events.emit({ kind: 'machine-reset-request' });
        this.cpu?.requestStop();
      },
      sinks: { serial: (b) => this.onSerialByte(b) },
      serial: config.serial, // QEMU -nodefaults has no COM1; -serial adds one
      debugconPort: null, // the debug console is a plugged isa-debugcon device
      startDate: parseDate(config.startDate),
      onEvent: (e) => {
        if (events.wants(e.kind)) events.emit({ ...e });
      },
    });
    // ACPI sleep: the DSDT's \_S5 is Package {0, 0, 0, 0} (@vmkit/acpi, as QEMU's build_dsdt), so
    // SLP_TYP 0 is soft-off; QEMU acpi_pm1_cnt_write also powers off for the S4 value (2).
    this.platform.acpi.onSleep = (slpTyp) => {
      if (slpTyp !== 0 && slpTyp !== 2) return;
      this.events.emit({ kind: 'poweroff', slpTyp });
      this.raiseStop({
        reason: 'poweroff',
        detail: `the guest entered ACPI ${slpTyp === 0 ? 'S5 (soft off)' : 'S4'}: SLP_TYP ${slpTyp} with SLP_EN in PM1a_CNT`,
      });
    };
    this.platform.i440fx.onSmramOpen = (open) =>
      memory.setRouting(0xa0000, 0x20000, open ? 'ram' : 'none', open ? 'ram' : 'none');
    this.platform.pci.setListener((e: PciEvent) => {
      if (events.wants(e.kind)) events.emit({ ...e, bdf: formatBdf(e.bdf) });
    });

    // fw_cfg at 0x510 with DMA, QEMU 7.2's items for `-machine pc -m N -nodefaults`.
    this.fwCfg = new FwCfg({
      memory,
      dma: true,
      // QEMU's fw_cfg_dma_transfer ignores unknown control bits, and DMA may target any guest RAM
      // (above 4 GiB too); anything else (MMIO, holes, ROM) fails with the ERROR bit.
      strictDmaControl: false,
      // The DMA contract: the whole range, byte for byte, must be RAM (a transfer that runs into
      // the IGD's mapped OpRegion or any MMIO fails whole with the ERROR bit, and an event).
      dmaRange: (addr, length, deviceWrites) => {
        const refusal = this.guest.check(addr, length, deviceWrites ? 'write' : 'read');
        if (refusal) events.emit({ kind: 'dma-refused', device: 'fw_cfg', ...refusal });
        return refusal === null;
      },
      onEvent: (e: FwCfgEvent) => {
        if (events.wants(e.kind)) events.emit({ ...e });
      },
    });
    this.fwCfg.attachIo(io);

    // Plugged devices, in config order (QEMU realizes -device options in order).
    const collect: BoardCollectors = { files: [], loader: [], acpi: [], overlays: this.overlays };
    const parts = {
      memory,
      io,
      platform: this.platform,
      events,
      timers: this.timers,
      guest: this.guest,
      now: () => this.now(),
      collect,
      consoleLine: (line: string) => this.onDebugconLine(line),
    };
    for (const d of config.devices) this.devices.push(realizeDevice(parts, d));
    const igdLoader = collect.loader;
    const files = collect.files;

    // ACPI + SMBIOS as QEMU publishes them; the IGD's linker commands join the same table-loader
    // (ALLOCATEs first, as QEMU's builder orders them).
    // The DSDT describes every other device on bus 0 as QEMU does (a VGA-class function as such).
    const acpi = buildPcAcpi({
      ramSize: config.memory,
      below4g: this.layout.below4g,
      above4g: this.layout.above4g,
      cpus: 1,
      pmBase: 0x600, // where SeaBIOS moves the PIIX4 PM block when etc/table-loader exists
      pciDevices: this.platform.pci.bus
        .walk()
        .filter(({ bdf }) => bdf >> 3 > 1)
        .map(({ bdf, device }) => ({ bdf, vga: device.configRead(0x0a, 2) === 0x0300 })),
      isaDevices: collect.acpi.map(({ kind: _kind, ...d }) => d),
    });
    const smbios = buildSmbios({
      ramSize: config.memory,
      below4g: this.layout.below4g,
      above4g: this.layout.above4g,
      cpus: 1,
    });
    const all = [...acpi.loader, ...igdLoader];
    const loaderCommands = [
      ...all.filter((c) => c.kind === 'allocate'),
      ...all.filter((c) => c.kind !== 'allocate'),
    ];
    const fw = this.fwCfg;
    addStandardItems(fw, {
      ramSize: config.memory,
      nbCpus: 1,
      maxCpus: 1,
      nographic: true,
      bootMenu: false,
      irq0Override: true,
      hpet: null,
      e820: qemuE820Table(this.layout).map((e) => ({ addr: e.start, len: e.end - e.start, type: e.type })),
    });
    fw.addItem(0x8000, new Uint8Array(0)); // FW_CFG_ACPI_TABLES: empty on pc (tables come via the loader)
    // QEMU hw/acpi/core.c acpi_pm1_cnt_init: {128, 0, 0, 129, 128, 128} with [3] = 1 | !disable_s3 << 7
    // and [4] = s4_val | !disable_s4 << 7; PIIX4 defaults disable_s3 = disable_s4 = 0, s4_val = 2.
    fw.addFile('etc/system-states', Uint8Array.of(128, 0, 0, 129, 130, 128));
    for (const f of acpi.files) fw.addFile(f.name, f.data);
    for (const f of smbios.files) fw.addFile(f.name, f.data);
    if (loaderCommands.length) fw.addFile('etc/table-loader', padLoader(encodeLoader(loaderCommands)));
    for (const f of files) fw.addFile(f.name, f.data);
    for (const f of config.fwCfgFiles) fw.addFile(f.name, f.data);
    fw.addFile('etc/tpm/log', new Uint8Array(0)); // no TPM: QEMU still registers the empty file
    this.addLinuxItems();
    fw.addFile('bios-geometry', new Uint8Array(0));

    if (config.firmware.kind === 'image') {
      mapBiosImage(this, config.firmware.image);
      (this as { cpu: Cpu | null }).cpu = createImageCpu(this);
    } else if (config.linux) {
      // hle + kernel: the TypeScript POST runs first, then the CPU runs the kernel.
      (this as { cpu: Cpu | null }).cpu = createImageCpu(this);
    }
  }

  /** `-kernel`: QEMU's fw_cfg kernel items, and for image firmware the option ROM that boots them
   * (x86_load_linux: option_rom "linuxboot_dma.bin" with bootindex 0, so bootorder names it). */
  private addLinuxItems(): void {
    const { linux, linuxbootRom } = this.config;
    if (linux) addLinuxBootItems(this.fwCfg, linux);
    if (linux && linuxbootRom) {
      this.fwCfg.addFile('genroms/linuxboot_dma.bin', linuxbootRom);
      this.fwCfg.addFile('bootorder', encodeBootOrder(['/rom@genroms/linuxboot_dma.bin']));
    } else this.fwCfg.addFile('bootorder', new Uint8Array(0));
  }

  private onSerialByte(byte: number): void {
    this.serial.push(byte);
    this.serialSink?.(byte);
  }

  /** The last debug console lines (at most config.logWindow), oldest first. */
  get log(): string[] {
    return this.logWindow.toArray();
  }

  /** Debug console lines that fell out of the window. */
  get droppedLogLines(): number {
    return this.logWindow.dropped;
  }

  /** Whether every byte of [addr, addr+length) reads as guest memory: RAM, or an overlay a device
   * mapped over it (e.g. the IGD's OpRegion under the 'map' policies). */
  readsAsRam(addr: number, length: number): boolean {
    if (!Number.isSafeInteger(addr) || !Number.isSafeInteger(length) || addr < 0 || length < 0) return false;
    for (let a = addr, end = addr + length; a < end; ) {
      const span = this.memory.resolveSpan(a);
      if (span.read === null || !(RAM_REGIONS.has(span.read) || this.overlays.has(span.read))) return false;
      a = span.end;
    }
    return true;
  }

  /** Virtual nanoseconds since power-on. */
  now(): number {
    return this.warpNs + (this.cpu ? this.cpu.instructionCount : 0) * this.nsPerInstruction;
  }

  /** Skip virtual time forward (while the CPU halts) to `t`. */
  warpTo(t: number): void {
    const cur = this.now();
    if (t > cur) this.warpNs += t - cur;
  }

  onDebugcon(listener: (line: string) => void): () => void {
    this.debugconListeners.push(listener);
    return () => {
      const i = this.debugconListeners.indexOf(listener);
      if (i >= 0) this.debugconListeners.splice(i, 1);
    };
  }

  /** Firmware log lines arrive here (debugcon for image firmware, the port's log for hle). */
  onDebugconLine(line: string): void {
    this.logWindow.push(line);
    if (this.events.wants('debugcon')) this.events.emit({ kind: 'debugcon', line });
    for (const l of this.debugconListeners) l(line);
    if (this.raisedStop) return;
    if (this.untilText !== null && line.includes(this.untilText)) {
      this.raiseStop({ reason: 'until', detail: `the debug console printed "${this.untilText}"` });
    } else if (line.startsWith(BOOT_FAIL_TEXT)) {
      this.raiseStop({ reason: 'boot-attempted', detail: `the firmware printed "${line}"` });
    }
  }

  private raiseStop(s: StopInfo): void {
    this.raisedStop = s;
    this.cpu?.requestStop();
  }

  /** @internal The run loop: a CPU slice runs until virtual time `endNs` (null: no slice runs). */
  setSliceEnd(endNs: number | null): void {
    this.sliceEndNs = endNs;
  }

  /** @internal Whether the CPU stopped only to cut its slice at a newly armed timer (taken once). */
  takeReslice(): boolean {
    const r = this.resliceRequested;
    this.resliceRequested = false;
    return r;
  }

  /** Earliest timer deadline (virtual ns) over the board's timers, or null. */
  nextDeadline(): number | null {
    const a = this.platform.nextDeadline();
    const b = this.timers.nextDeadline();
    return a === null ? b : b === null ? a : Math.min(a, b);
  }

  /** Fire every timer due at `now` (the board's, then the devices'). */
  updateTimers(now: number): void {
    this.platform.update(now);
    this.timers.update(now);
  }

  /**
   * A system reset, as QEMU's for `-machine pc` (softmmu/runstate.c qemu_system_reset): every board
   * device (PcPlatform.reset(): chipset, every PCI function's config space, PIC/PIT/…), fw_cfg,
   * every plugged device's reset(), then the CPU at its reset vector with A20 enabled (QEMU
   * x86_cpu_reset_hold: a20_mask all ones). RAM is kept; virtual time and the instruction count run
   * on. A guest reset does this under `onReset: 'reset'`; a host may call it between runs.
   */
  systemReset(cause: 'guest-request' | 'triple-fault' | 'host' = 'host'): void {
    this.resetRequested = false;
    this.platform.reset();
    this.fwCfg.reset();
    for (const d of this.devices) d.device.reset();
    if (this.cpu) {
      this.cpu.reset();
      this.cpu.setA20(true);
    }
    this.events.emit({ kind: 'machine-reset', cause });
  }

  /** @internal The run loop: act on a pending guest reset request — a system reset (null: run on)
   * under `onReset: 'reset'`, or the 'reset' stop under 'stop'. */
  takeResetRequest(): StopInfo | null {
    if (!this.resetRequested) return null;
    if (this.config.onReset === 'stop') {
      this.resetRequested = false;
      return { reason: 'reset', detail: 'the guest requested a system reset' };
    }
    this.systemReset('guest-request');
    return null;
  }

  /** Instructions executed since power-on (0 for hle firmware). */
  get instructions(): number {
    return this.cpu ? this.cpu.instructionCount : 0;
  }

  /** Ask a running run()/runUntil() to return at the next instruction boundary ('paused'). Safe
   * to call from an event subscriber or a debugcon listener; before a run it stops that run at
   * once. */
  pause(): void {
    this.raiseStop({ reason: 'paused', detail: 'pause() was called' });
  }

  /** Run at most `budget` more instructions (image firmware; hle runs its whole POST at once), or
   * until the firmware stops, pause(), a final stop. */
  run(budget: number = DEFAULT_BUDGET, opts: RunOptions = {}): RunResult {
    return this.execute(budget, null, null, opts);
  }

  /** Execute exactly one instruction (or deliver one interrupt). */
  step(): RunResult {
    return this.execute(1, null, null, {});
  }

  /** Run until the debug console prints `text` (a line containing it), or `predicate(machine)`
   * is true (checked every ≤ 10 000 instructions and timer deadline), within `budget`. */
  runUntil(
    condition: string | ((m: Machine) => boolean),
    budget: number = DEFAULT_BUDGET,
    opts: RunOptions = {},
  ): RunResult {
    return typeof condition === 'string'
      ? this.execute(budget, condition, null, opts)
      : this.execute(budget, null, () => condition(this), opts);
  }

  private execute(
    budget: number,
    until: string | null,
    predicate: (() => boolean) | null,
    opts: RunOptions,
  ): RunResult {
    if (!(Number.isSafeInteger(budget) && budget >= 0))
      throw new RangeError(`Machine.run: budget ${budget} must be a non-negative integer`);
    let stop = this.finished;
    if (!stop) {
      this.untilGoal = until !== null || predicate !== null;
      this.untilText = until;
      this.serial.setWatch(until);
      try {
        stop =
          this.config.firmware.kind === 'hle'
            ? this.runHle(until, budget, predicate, opts)
            : this.runCpu(budget, predicate, opts);
      } finally {
        this.untilText = null;
        this.serial.setWatch(null);
        this.raisedStop = null;
      }
      if (FINAL_STOPS.has(stop.reason)) this.finished = stop;
    }
    this.lastStop = stop;
    return { ...stop, instructions: this.instructions, virtualTimeNs: Math.round(this.now()) };
  }

  private runCpu(budget: number, predicate: (() => boolean) | null, opts: RunOptions): StopInfo {
    const cpu = this.cpu!;
    return runImage(this, cpu, {
      end: cpu.instructionCount + budget,
      predicate,
      onProgress: opts.onProgress,
      takeStop: () => {
        const s = this.raisedStop;
        this.raisedStop = null;
        return s;
      },
    });
  }

  private runHle(
    until: string | null,
    budget: number,
    predicate: (() => boolean) | null,
    opts: RunOptions,
  ): StopInfo {
    const linux = this.config.linux;
    // With a kernel, POST runs once; after it the CPU runs the kernel (hleE820 marks POST done).
    if (linux && this.cpu && this.hleE820 !== null) return this.runCpu(budget, predicate, opts);
    const fw = this.config.firmware as { kind: 'hle'; options?: HleOptions };
    const r = bootHle(this, fw.options ?? {}, { until: until ?? undefined });
    this.hleE820 = r.e820;
    if (!linux || !this.cpu || r.reason === 'until') return { reason: r.reason, detail: r.detail };
    const load = loadLinuxDirect(this.memory, this.cpu, linux, r.e820);
    this.events.emit({ kind: 'machine-kernel-entry', entry: load.entry, initrd: load.initrdAddr });
    return this.runCpu(budget, predicate, opts);
  }

  /** Run the firmware to a stop condition (from power-on, or from where the machine is) and
   * report: run()/runUntil() with a budget counted from power-on, then report(). */
  boot(opts: BootOptions = {}): BootReport {
    const budget = Math.max(0, (opts.maxInstructions ?? DEFAULT_BUDGET) - this.instructions);
    const r = opts.until !== undefined ? this.runUntil(opts.until, budget, opts) : this.run(budget, opts);
    // Only boot() reports its stop as an event: a run cut into run()/step() pieces anywhere gives
    // the same stream as one uninterrupted boot.
    this.events.emit({ kind: 'machine-stop', reason: r.reason, detail: r.detail });
    return this.report();
  }

  /** The structured report of where the machine is now (after its last stop). */
  report(): BootReport {
    const fw = this.config.firmware;
    const stop = this.lastStop ?? { reason: 'paused' as const, detail: 'the machine has not run yet' };
    const e820 = this.hleE820 ?? (this.cpu ? e820FromSeabiosLog(this.log) : []);
    const devices = this.deviceReports(e820);
    return {
      firmware: { kind: fw.kind, image: fw.kind === 'image' ? fw.name : null, fallback: null },
      result: {
        reason: stop.reason,
        detail: stop.detail,
        // The goal: the until text/condition when the last run had one, else the boot step.
        goalReached: this.untilGoal
          ? stop.reason === 'until'
          : stop.reason === 'poweroff' || (stop.reason === 'boot-attempted' && !this.config.linux),
        instructions: this.instructions,
        virtualTimeNs: Math.round(this.now()),
      },
      traces: this.cpu && this.config.jit ? { ...this.cpu.jitStats } : null,
      devices,
      igd: devices.find((d) => d.driver === 'vfio-igd')?.report ?? null,
      e820,
      pci: this.pciReport(),
      log: this.log,
      serial: this.config.serial ? this.serial.tail() : null,
    };
  }

  /** The machine's whole state as plain data (see snapshot.ts): taken between instructions. */
  snapshot(): MachineSnapshot {
    const ram: RamImage[] = [];
    for (const region of this.ramRegions()) {
      const c = this.memory.ramChunks(region);
      ram.push(captureRam(region, c.chunkSize, c.chunks));
    }
    return {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      configId: this.configId,
      instructions: this.instructions,
      state: {
        machine: {
          warpNs: this.warpNs,
          lastStop: this.lastStop,
          finished: this.finished,
          hleE820: this.hleE820,
          mapChanges: this.mapChanges,
          untilGoal: this.untilGoal,
          resetRequested: this.resetRequested,
        },
        cpu: this.cpu ? this.cpu.getState() : null,
        platform: this.platform.getState(),
        fwCfg: this.fwCfg.getState(),
        devices: this.devices.map((d) => ({ id: d.id, state: d.device.getState() })),
        events: this.events.getState(),
        log: { lines: this.logWindow.toArray(), dropped: this.logWindow.dropped },
        serial: this.serial.getState(),
      },
      ram,
    };
  }

  /** Continue from a snapshot of a machine built from the same config. Refused (SnapshotError)
   * for another config or snapshot version; the machine is unchanged then. */
  restore(snap: MachineSnapshot): void {
    if (snap?.format !== SNAPSHOT_FORMAT) throw new SnapshotError('not a vmkit machine snapshot');
    if (snap.version !== SNAPSHOT_VERSION)
      throw new SnapshotError(
        `snapshot version ${snap.version} is not supported (this vmkit reads ${SNAPSHOT_VERSION})`,
      );
    if (snap.configId !== this.configId)
      throw new SnapshotError(
        `snapshot was taken on a machine with another config (config id ${snap.configId}, this machine ${this.configId})`,
      );
    const regions = this.ramRegions();
    if (snap.ram.length !== regions.length || snap.ram.some((r, i) => r.region !== regions[i]))
      throw new SnapshotError('snapshot RAM regions do not match this machine');
    // Decompress everything before touching the machine, so a corrupted snapshot changes nothing.
    const pages = snap.ram.map((img) => {
      const list: Array<[number, Uint8Array]> = [];
      forEachRamPage(img, (off, bytes) => list.push([off, bytes]));
      return list;
    });
    const st = snap.state as unknown as SavedState;
    const byId = new Map(st.devices.map((d) => [d.id, d.state]));
    if (byId.size !== this.devices.length || this.devices.some((d) => !byId.has(d.id)))
      throw new SnapshotError('snapshot devices do not match this machine');
    if ((st.cpu === null) !== (this.cpu === null)) throw new SnapshotError('snapshot firmware kind differs');
    const boardProblem = this.platform.stateProblem(st.platform);
    if (boardProblem) throw new SnapshotError(`snapshot board does not match this machine: ${boardProblem}`);
    for (const [i, region] of regions.entries()) {
      this.memory.clearRamDirect(region);
      for (const [off, bytes] of pages[i]!) this.memory.writeRamDirect(region, off, bytes);
    }
    // Restoring may re-map regions (BARs, the IGD's overlay): those are not guest events.
    this.events.setMuted(true);
    try {
      this.platform.setState(st.platform);
      const smramOpen = (this.platform.i440fx.config.get8(0x72) & 0x40) !== 0; // SMRAM D_OPEN
      this.memory.setRouting(0xa0000, 0x20000, smramOpen ? 'ram' : 'none', smramOpen ? 'ram' : 'none');
      this.fwCfg.setState(st.fwCfg);
      for (const d of this.devices) d.device.setState(byId.get(d.id));
      if (this.cpu && st.cpu) this.cpu.setState(st.cpu);
    } finally {
      this.events.setMuted(false);
    }
    this.warpNs = st.machine.warpNs;
    this.lastStop = st.machine.lastStop;
    this.finished = st.machine.finished;
    this.hleE820 = st.machine.hleE820;
    this.mapChanges = st.machine.mapChanges;
    this.untilGoal = st.machine.untilGoal;
    this.resetRequested = st.machine.resetRequested === true; // absent in snapshots before guest resets reset
    this.raisedStop = null;
    this.events.setState(st.events);
    this.logWindow.reset(st.log.lines, st.log.dropped);
    this.serial.setState(st.serial);
  }

  private ramRegions(): string[] {
    return this.layout.above4g ? ['ram-below-4g', 'ram-above-4g'] : ['ram-below-4g'];
  }

  /** Report sections of the plugged devices that have one. */
  deviceReports(e820: readonly E820Entry[]): DeviceReport[] {
    const ctx: ReportContext = {
      e820,
      readsAsRam: (addr, length) => this.readsAsRam(addr, length),
      readGuest: (addr, length) => this.memory.readBytes(addr, length),
    };
    const out: DeviceReport[] = [];
    for (const d of this.devices) {
      const section = d.device.report?.(ctx);
      if (section)
        out.push({
          id: d.id,
          driver: d.type.driver,
          bdf: d.bdf === null ? null : formatBdf(d.bdf),
          report: section,
        });
    }
    return out;
  }

  pciReport(): PciDeviceReport[] {
    const out: PciDeviceReport[] = [];
    for (const { bdf, device } of this.platform.pci.bus.walk()) {
      const cfg = (o: number, s: number) => device.configRead(o, s);
      const hex4 = (n: number) => n.toString(16).padStart(4, '0');
      const bars: PciBarReport[] = [];
      for (const b of device.barInfos()) {
        let address: number;
        if (b.kind === 'rom') {
          address = (cfg(0x30, 4) & 0xfffff800) >>> 0;
        } else {
          const lo = cfg(0x10 + 4 * b.bar, 4) >>> 0;
          address = (b.kind === 'io' ? lo & 0xfffffffc : lo & 0xfffffff0) >>> 0;
          if (b.kind === 'mem64') address += (cfg(0x14 + 4 * b.bar, 4) >>> 0) * 0x1_0000_0000;
        }
        const prefetchable =
          b.kind === 'mem32' || b.kind === 'mem64' ? (cfg(0x10 + 4 * b.bar, 4) & 8) !== 0 : false;
        bars.push({ index: b.bar, kind: b.kind, prefetchable, address, size: b.size });
      }
      out.push({
        bdf: formatBdf(bdf),
        vendor: hex4(cfg(0, 2)),
        device: hex4(cfg(2, 2)),
        class: (cfg(8, 4) >>> 8).toString(16).padStart(6, '0'),
        name: device.name,
        bars,
      });
    }
    return out;
  }
}

/** QEMU pads etc/table-loader to 4 KiB with zero entries (the reference shows 4096 bytes). */
function padLoader(bytes: Uint8Array): Uint8Array {
  const size = Math.max(4096, Math.ceil(bytes.length / 4096) * 4096);
  const out = new Uint8Array(size);
  out.set(bytes);
  return out;
}

function parseDate(iso: string) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(iso)!;
  return {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
  };
}

export function createMachine(input: MachineConfigInput, options: MachineOptions = {}): Machine {
  return new Machine(input, options);
}
