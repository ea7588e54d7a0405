// The one composition point (DESIGN.md §1): a validated config → a PC with memory and port
// spaces, the i440FX/PIIX chipset, fw_cfg with QEMU's items, the assigned IGD and its fw_cfg
// files, the virtual clock, one event stream, and a firmware (the x86 core running a BIOS image,
// or the TypeScript SeaBIOS port). Platform-neutral: the apps provide files and output.

import { buildPcAcpi, buildSmbios } from '@vmkit/acpi';
import { encodeLoader, type LinkerCommand } from '@vmkit/bios-linker';
import { addStandardItems, FwCfg, type FwCfgEvent } from '@vmkit/fw-cfg';
import { IoBus, MemoryBus, type RegionHandle } from '@vmkit/memory-bus';
import { createPcPlatform, type PcPlatform } from '@vmkit/pc-platform';
import { formatBdf, PciDevice, type PciEvent } from '@vmkit/pci';
import {
  applyHostBridgePatches,
  createLegacyLpcBridge,
  decodeOpRegion,
  IGD_BDSM_SIZE_FILE,
  IGD_OPREGION_FILE,
  IgdPciDevice,
  igdBdsmSizeBlob,
  igdFwCfgFiles,
  linkerFragment,
  planLegacyMode,
  UnbackedBar,
} from '@vmkit/vfio-igd';
import type { Cpu } from '@vmkit/x86-core';
import {
  ConfigError,
  type HleOptions,
  type MachineConfig,
  type MachineConfigInput,
  validateConfig,
} from './config.js';
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
import type {
  BootReport,
  E820Entry,
  IgdReport,
  PciBarReport,
  PciDeviceReport,
  RunResult,
  StopReason,
} from './report.js';
import { BoundedWindow } from './window.js';

export interface MachineSinks {
  /** Debug console (port 0x402) lines as the firmware prints them. */
  debugcon?: (line: string) => void;
  /** COM1 bytes. */
  serial?: (byte: number) => void;
}

export interface RunOptions {
  /** Called every few million instructions (image firmware). */
  onProgress?: (p: { instructions: number; virtualTimeNs: number }) => void;
}

export interface BootOptions extends RunOptions {
  /** Stop once the debug console has printed this text. */
  until?: string;
  /** Instruction budget for image firmware, counted from power-on (default 200 M). */
  maxInstructions?: number;
}

/** Default instruction budget of boot() and run(). */
export const DEFAULT_BUDGET = 200_000_000;

/** Stops after which the machine does not run on (the firmware's end, or a dead CPU). */
const FINAL_STOPS: ReadonlySet<StopReason> = new Set<StopReason>([
  'boot-attempted',
  'triple-fault',
  'shutdown',
  'halted-forever',
  'firmware-error',
]);

/** The debug-console text at which SeaBIOS has attempted every boot device. */
export const BOOT_FAIL_TEXT = 'No bootable device.';

export class Machine {
  readonly config: MachineConfig;
  readonly memory = new MemoryBus();
  readonly io = new IoBus();
  readonly layout: MemoryLayout;
  readonly events: EventStream;
  readonly platform: PcPlatform;
  readonly fwCfg: FwCfg;
  readonly igd: IgdPciDevice | null = null;
  readonly extraDevices: PciDevice[] = [];
  /** The CPU, for image firmware (created with the machine). */
  readonly cpu: Cpu | null = null;
  /** Virtual time skipped while the CPU halted (ns); now() adds instructions at the nominal rate. */
  private warpNs = 0;
  private readonly nsPerInstruction: number;
  private readonly debugconListeners: Array<(line: string) => void> = [];
  /** Guest writes that reached a host OpRegion image (map-rw). */
  hostOpregionWrites = 0;
  private readonly logWindow: BoundedWindow<string>;
  /** The last stop of the run loop (null before the first run). */
  private lastStop: StopInfo | null = null;
  /** Set once the machine reached a final stop; running again returns it. */
  private finished: StopInfo | null = null;
  /** A stop raised while the CPU runs (debug console text, pause()). */
  private raisedStop: StopInfo | null = null;
  private untilText: string | null = null;
  private hleE820: E820Entry[] | null = null;

  constructor(input: MachineConfigInput, sinks: MachineSinks = {}) {
    const config = validateConfig(input);
    this.config = config;
    this.nsPerInstruction = 1e9 / config.instructionsPerSecond;
    this.events = new EventStream(() => this.now(), config.trace, config.eventWindow);
    this.logWindow = new BoundedWindow<string>(
      config.logWindow.lines,
      (l) => l.length,
      config.logWindow.chars,
    );
    const { memory, io, events } = this;
    memory.setTracer(
      config.trace.has('bus') || config.trace.has('all') ? (e) => events.emit({ ...e }) : null,
    );

    // Memory: RAM below and above 4 GiB as QEMU lays it out; VGA window unassigned until SMRAM opens.
    this.layout = qemuPcLayout(config.memory);
    memory.addRam('ram-below-4g', 0, this.layout.below4g);
    if (this.layout.above4g) memory.addRam('ram-above-4g', 0x1_0000_0000, this.layout.above4g);
    memory.setRouting(0xa0000, 0x20000, 'none', 'none');

    if (sinks.debugcon) this.debugconListeners.push(sinks.debugcon);
    this.platform = createPcPlatform({
      memory,
      io,
      clock: { now: () => this.now() },
      ramSize: config.memory,
      cpuA20: (en) => this.cpu?.setA20(en),
      onReset: () => {
        events.emit({ kind: 'machine-reset-request' });
        this.cpu?.requestStop();
      },
      sinks: {
        debugconLine: (line) => this.onDebugconLine(line),
        serial: sinks.serial,
      },
      serial: false, // QEMU -nodefaults has no COM1
      startDate: parseDate(config.startDate),
      onEvent: (e) => {
        if (events.wants(e.kind)) events.emit({ ...e });
      },
    });
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
      dmaRange: (addr, length, deviceWrites) => this.isRam(addr, length, deviceWrites ? 'write' : 'read'),
      onEvent: (e: FwCfgEvent) => {
        if (events.wants(e.kind)) events.emit({ ...e });
      },
    });
    this.fwCfg.attachIo(io);

    // The assigned IGD.
    const igdLoader: LinkerCommand[] = [];
    const files: Array<{ name: string; data: Uint8Array }> = [];
    if (config.igd) {
      const ic = config.igd;
      const classOverride = ic.classCode;
      const source =
        classOverride === undefined
          ? ic.source
          : { ...ic.source, identity: { ...ic.source.identity, classCode: classOverride } };
      const igd = new IgdPciDevice({
        source,
        policy: ic.policy,
        gmsOverride: ic.gms,
        // The IGD model may only touch guest RAM: an ASLS pointing into MMIO or a hole makes its
        // accesses fail (reported as igd events), never reach a device or vanish silently.
        memory: {
          readGuest: (addr, len) => {
            if (!this.isRam(addr, len))
              throw new Error(`guest range 0x${addr.toString(16)}+${len} is not RAM`);
            return memory.readBytes(addr, len);
          },
          writeGuest: (addr, data) => {
            if (!this.isRam(addr, data.length, 'write')) {
              throw new Error(`guest range 0x${addr.toString(16)}+${data.length} is not RAM`);
            }
            memory.writeBytes(addr, data);
          },
          mapOverlay: (addr, size, handler) => {
            const h: RegionHandle = memory.addMmio(
              `igd-opregion-overlay@${addr.toString(16)}`,
              addr,
              size,
              handler,
              {
                priority: 10,
              },
            );
            return h;
          },
        },
        onEvent: (e) => {
          if (e.kind === 'igd-opregion-host-write') this.hostOpregionWrites++;
          events.emit({ ...e });
        },
      });
      (this as { igd: IgdPciDevice | null }).igd = igd;
      this.platform.pci.addDevice(igd, (ic.bdfNumber >> 3) & 31, ic.bdfNumber & 7);
      if (ic.legacy) {
        const at1f = this.platform.pci.bus.deviceAt((0x1f << 3) | 0);
        const plan = planLegacyMode({
          source,
          guestAddress: ic.bdf,
          occupantAt1f: at1f ? at1f.name : undefined,
          romSize: source.romSize,
        });
        if (!plan.ok) throw new ConfigError(plan.errors.map((e) => `legacy mode: ${e}`));
        applyHostBridgePatches(plan, this.platform.i440fx);
        this.platform.pci.addDevice(createLegacyLpcBridge(plan), 0x1f, 0);
        events.emit({
          kind: 'igd-legacy-mode',
          lpc: plan.lpcBridge,
          hostBridgePatches: plan.hostBridgePatches,
        });
      }
      // etc/igd-opregion (a copy: the host image stays the host's) and etc/igd-bdsm-size.
      for (const f of igdFwCfgFiles(source, igd.regs)) {
        if (f.name === IGD_OPREGION_FILE && !ic.opregion) continue;
        if (f.name === IGD_BDSM_SIZE_FILE && ic.bdsmSize !== 'auto') {
          files.push({ name: f.name, data: igdBdsmSizeBlob(ic.bdsmSize) });
        } else files.push(f);
      }
      if (ic.linker && ic.opregion && source.opRegion) {
        igdLoader.push(...linkerFragment({ bdf: ic.bdf }));
      }
    }
    for (const d of config.extraDevices) {
      const dev = new PciDevice({
        name: `extra-${d.bdf}`,
        vendorId: d.vendorId,
        deviceId: d.deviceId,
        classCode: d.classCode,
        bars: (() => {
          const bars: Array<{
            kind: 'io' | 'mem32' | 'mem64';
            size: number;
            prefetchable?: boolean;
            handler: UnbackedBar;
          } | null> = [null, null, null, null, null, null];
          // No device behind the stub's BARs: reads all-ones, writes dropped (as an empty BAR).
          for (const b of d.bars ?? [])
            bars[b.index] = {
              kind: b.kind,
              size: b.size,
              prefetchable: b.prefetchable,
              handler: new UnbackedBar(),
            };
          return bars;
        })(),
      });
      this.extraDevices.push(dev);
      this.platform.pci.addDevice(dev, (d.bdfNumber >> 3) & 31, d.bdfNumber & 7);
    }

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
    fw.addFile('bootorder', new Uint8Array(0));
    fw.addFile('bios-geometry', new Uint8Array(0));

    if (config.firmware.kind === 'image') {
      mapBiosImage(this, config.firmware.image);
      (this as { cpu: Cpu | null }).cpu = createImageCpu(this);
    }
  }

  /** The last debug console lines (at most config.logWindow), oldest first. */
  get log(): string[] {
    return this.logWindow.toArray();
  }

  /** Debug console lines that fell out of the window. */
  get droppedLogLines(): number {
    return this.logWindow.dropped;
  }

  /** True when every byte of [addr, addr+length) reaches guest RAM for this kind of access (not
   * MMIO, not a hole, not ROM; in 0xC0000–0xFFFFF it depends on the PAM routing, as for the CPU).
   * `allowOverlay` also accepts the IGD's mapped OpRegion. */
  isRam(addr: number, length: number, access: 'read' | 'write' = 'read', allowOverlay = false): boolean {
    if (!Number.isSafeInteger(addr) || !Number.isSafeInteger(length) || addr < 0 || length < 0) return false;
    const end = addr + length;
    const { below4g, above4g } = this.layout;
    if (!(end <= below4g || (addr >= 0x1_0000_0000 && end <= 0x1_0000_0000 + above4g))) return false;
    for (let a = addr - (addr % 4096); a < end; a += 4096) {
      const r = this.memory.resolve(a)[access];
      if (r === 'ram-below-4g' || r === 'ram-above-4g') continue;
      if (allowOverlay && r?.startsWith('igd-opregion-overlay@')) continue;
      return false;
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

  /** Earliest timer deadline (virtual ns) over the board's timers, or null. */
  nextDeadline(): number | null {
    return this.platform.nextDeadline();
  }

  /** Fire every timer due at `now`. */
  updateTimers(now: number): void {
    this.platform.update(now);
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
      this.untilText = until;
      try {
        stop =
          this.config.firmware.kind === 'hle' ? this.runHle(until) : this.runCpu(budget, predicate, opts);
      } finally {
        this.untilText = null;
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

  private runHle(until: string | null): StopInfo {
    const fw = this.config.firmware as { kind: 'hle'; options?: HleOptions };
    const r = bootHle(this, fw.options ?? {}, { until: until ?? undefined });
    this.hleE820 = r.e820;
    return { reason: r.reason, detail: r.detail };
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
    return {
      firmware: { kind: fw.kind, image: fw.kind === 'image' ? fw.name : null, fallback: null },
      result: {
        reason: stop.reason,
        detail: stop.detail,
        instructions: this.instructions,
        virtualTimeNs: Math.round(this.now()),
      },
      traces: this.cpu && this.config.jit ? { ...this.cpu.jitStats } : null,
      igd: this.igdReport(e820),
      e820,
      pci: this.pciReport(),
      log: this.log,
    };
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

  /** The IGD part of the report, judged against a final e820 map (empty: unknown). */
  igdReport(e820: E820Entry[]): IgdReport | null {
    const igd = this.igd;
    const ic = this.config.igd;
    if (!igd || !ic) return null;
    const regs = igd.regs;
    const asls = regs.asls >>> 0;
    const opregion = ic.opregion ? igd.source.opRegion : undefined;
    const opregionSize = opregion?.length ?? 0;
    const notes: string[] = [];
    let guestOpregionValid = false;
    let problems: string[] = [];
    // What the guest sees at ASLS: RAM (a firmware or VMM copy) or the 'map' overlay.
    if (asls && !this.isRam(asls, Math.max(opregionSize, 0x2000), 'read', true)) {
      problems = [`ASLS 0x${asls.toString(16)} does not point at guest RAM`];
    } else if (asls) {
      const probeLen = Math.max(opregionSize, 0x2000);
      const bytes = this.memory.readBytes(asls, probeLen);
      const d = decodeGuestOpRegion(bytes);
      guestOpregionValid = d.ok;
      problems = d.problems;
    } else {
      notes.push(
        'ASLS is 0: the firmware never wrote an OpRegion address (the guest driver will run without one)',
      );
    }
    const cls = (igd.configRead(0x08, 4) >>> 8) & 0xffffff;
    if (cls !== 0x030000) {
      notes.push(
        `class code is ${cls.toString(16).padStart(6, '0')}, not 030000: SeaBIOS's intel_igd_setup only handles class exactly 0x0300 (VGA), so it ignored this device`,
      );
    }
    if (ic.bdfNumber !== 0x10) {
      notes.push(`the IGD is at ${ic.bdf}, not 00:02.0: SeaBIOS programs BDSM only for 00:02.0`);
    }
    if (regs.bdsmOffset === 0xc0) {
      notes.push('generation ≥ 11: BDSM is the 64-bit register at 0xC0, which SeaBIOS never programs');
    } else if (regs.bdsmOffset < 0) {
      notes.push('this generation has no BDSM register');
    }
    const bdsm = Number(regs.bdsm);
    const bdsmFile = this.fwCfg.getFile(IGD_BDSM_SIZE_FILE);
    let bdsmSize = 0;
    if (bdsmFile && bdsmFile.length === 8) {
      bdsmSize = Number(new DataView(bdsmFile.buffer, bdsmFile.byteOffset, 8).getBigUint64(0, true));
    }
    // Without a final map (the firmware stopped early) reservation is unknown, not false.
    const covered = (start: number, len: number, pred: (type: number) => boolean) =>
      e820.length === 0
        ? null
        : len > 0 && e820.some((e) => e.start <= start && e.end >= start + len && pred(e.type));
    return {
      bdf: ic.bdf,
      model: `${igd.source.origin} ${hex4(igd.source.identity.vendorId)}:${hex4(igd.source.identity.deviceId)}`,
      generation: regs.generation > 0 ? regs.generation : null,
      policy: ic.policy,
      asls,
      opregionSize,
      guestOpregionValid,
      guestOpregionProblems: problems,
      bdsm,
      bdsmSize,
      bdsmReserved: bdsm === 0 ? false : covered(bdsm, bdsmSize, (t) => t === 2),
      opregionReserved: asls === 0 ? false : covered(asls, opregionSize || 0x2000, (t) => t !== 1),
      hostOpregionWrites: this.hostOpregionWrites,
      linkerAutomation: ic.linker,
      notes,
    };
  }
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

function decodeGuestOpRegion(bytes: Uint8Array): { ok: boolean; problems: string[] } {
  // The guest sees 8 KiB at ASLS (plus an extended VBT after it, 2.1 relative addressing): decode
  // what is there with the same validator the CLI uses, trimmed to the size the header claims.
  const d = decodeOpRegion(bytes);
  return {
    ok: d.ok,
    problems: d.problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.field}@0x${p.offset.toString(16)}: ${p.message}`),
  };
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

export function createMachine(input: MachineConfigInput, sinks: MachineSinks = {}): Machine {
  return new Machine(input, sinks);
}
