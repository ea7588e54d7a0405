// The machine's validated config object: defaults, readable errors, no Node APIs. The CLI, the
// test rig and the web demo all build one of these; `validateConfig` is the only way in.
import type { DeviceRegistry, DeviceSpec } from '@vmkit/device';
import { parseBdf } from '@vmkit/pci';
import { withBuiltins } from './builtin-devices.js';
import { type PlannedDevice, planDevices } from './devices-config.js';
import { qemuPcLayout } from './e820.js';
import { DEFAULT_EVENT_WINDOW } from './events.js';
import { type LinuxLoadPlan, planLinuxLoad } from './linux-load.js';
import { formatSize, parseSize } from './size.js';

/** The OpRegion policies of @vmkit/vfio-igd's vfio-igd device (QEMU's x-igd-opregion and the
 * alternatives it models). */
export const OPREGION_POLICIES = ['fw-cfg', 'map', 'map-rw', 'copy-on-asls'] as const;
export type OpRegionPolicy = (typeof OPREGION_POLICIES)[number];

export interface HleOptions {
  /** Run SeaBIOS's intel_igd_setup (default true); false leaves the IGD to the linker path alone. */
  igdSetup?: boolean;
  /** Which etc/table-loader commands the port executes: 'all' (with WRITE_PCI_CONFIG, default) or
   * 'seabios-1.16' (exactly what real SeaBIOS 1.16 runs: the new command is skipped). */
  tableLoader?: 'all' | 'seabios-1.16';
}

export type FirmwareConfig =
  | { kind: 'hle'; options?: HleOptions }
  /** A BIOS image run by the x86 core, mapped as QEMU maps `-bios`. `name` is for reports. */
  | { kind: 'image'; image: Uint8Array; name: string };

/** Shorthand for a `vfio-igd` device spec (the app must register @vmkit/vfio-igd's igdDeviceType). */
export interface IgdConfigInput {
  /** An @vmkit/vfio-igd IgdHostSource. */
  source: unknown;
  /** '00:02.0' by default (the only address SeaBIOS programs BDSM for). */
  bdf?: string;
  policy?: OpRegionPolicy;
  /** GMCH GMS override (raw field value), validated per generation by vfio-igd. */
  gms?: number;
  /** `etc/igd-bdsm-size` in bytes; 'auto' = the stolen size decoded from GMCH (recent QEMU). */
  bdsmSize?: number | 'auto';
  /** Legacy (VGA) mode chipset tweaks. */
  legacy?: boolean;
  /** Also publish ALLOCATE + WRITE_PCI_CONFIG (OpRegion) and RESERVE_PCI_MEMORY (BDSM) in etc/table-loader. */
  linker?: boolean;
  /** Publish etc/igd-opregion (default true). */
  opregion?: boolean;
  /** Override the class code the guest sees (e.g. 0x038000 to reproduce the "display class" case). */
  classCode?: number;
}

/** Shorthand for a `pci-stub` device spec. */
export interface ExtraDeviceInput {
  /** An extra PCI function described by ids and BARs (e.g. a second Intel VGA device). */
  kind: 'pci-stub';
  bdf: string;
  vendorId: number;
  deviceId: number;
  classCode: number;
  bars?: Array<{ index: number; kind: 'io' | 'mem32' | 'mem64'; size: number; prefetchable?: boolean }>;
}

export interface MachineConfigInput {
  chipset?: string;
  memory?: number | string;
  cpus?: number;
  firmware?: FirmwareConfig;
  /** Extra fw_cfg files; names must live under opt/ (QEMU's rule for user files). */
  fwCfgFiles?: Array<{ name: string; data: Uint8Array }>;
  /** Plugged devices, QEMU `-device` style: `{ driver: 'edu', addr: '03.0', … }`; drivers come
   * from the registry given to createMachine (plus the board's isa-debugcon and pci-stub). */
  devices?: DeviceSpec[];
  /** The debug console SeaBIOS logs to: an isa-debugcon at this port (default 0x402), or null. */
  debugconPort?: number | null;
  /** Shorthand: a vfio-igd device (id 'igd'), plugged before `devices`. */
  igd?: IgdConfigInput | null;
  /** Shorthand: pci-stub devices (ids extra0, extra1, …), plugged before `devices`. */
  extraDevices?: ExtraDeviceInput[];
  /** Event kinds to record in the result's event list ('all' for everything). */
  trace?: string[];
  /** Nominal instruction rate for the virtual clock (instructions per virtual second). */
  instructionsPerSecond?: number;
  /** RTC start time, ISO 8601 (deterministic default). */
  startDate?: string;
  /** Image firmware: compile hot guest code to JavaScript (@vmkit/x86-core's trace compiler).
   * Default true; false runs the pure interpreter (same results, slower). */
  jit?: boolean;
  /** How much debug-console output the machine keeps (`log`, the report): the last `lines` lines
   * and at most `chars` characters (defaults 100 000 and 8 Mi). Subscribers see every line. */
  logWindow?: { lines?: number; chars?: number };
  /** How many recorded (traced) events the machine keeps (default 100 000). Subscribers see all. */
  eventWindow?: number;
  /** A Linux bzImage to boot as QEMU's `-kernel` does (fw_cfg kernel/setup/cmdline/initrd items;
   * image firmware runs `linuxbootRom` as an option ROM, hle firmware loads it directly). */
  kernel?: Uint8Array;
  /** QEMU `-initrd` (needs `kernel`). */
  initrd?: Uint8Array;
  /** QEMU `-append`: the kernel command line (needs `kernel`). */
  append?: string;
  /** The option ROM that boots the kernel under image firmware: QEMU's linuxboot_dma.bin (Debian
   * qemu-system-data: /usr/share/qemu/linuxboot_dma.bin), published as genroms/linuxboot_dma.bin. */
  linuxbootRom?: Uint8Array;
  /** A 16550 COM1 at 0x3F8/IRQ 4 (QEMU `-serial`; `-nodefaults` has none). Default false. */
  serial?: boolean;
  /** How much COM1 output the machine keeps (`serial`, the report): last `lines` lines and at most
   * `chars` characters (defaults 10 000 and 1 Mi). Subscribers see every byte. */
  serialWindow?: { lines?: number; chars?: number };
  /** What a guest reset (0xCF9, the 8042's reset pulse, port 0x92, a triple fault) does:
   * 'reset' (default, as QEMU `-machine pc`): a system reset — every device's reset, the CPU at
   * the reset vector, RAM kept — and the run goes on; 'stop' (QEMU `-no-reboot`): the run ends
   * with reason 'reset' (or 'triple-fault'). */
  onReset?: ResetPolicy;
}

export const RESET_POLICIES = ['reset', 'stop'] as const;
export type ResetPolicy = (typeof RESET_POLICIES)[number];

export interface MachineConfig {
  chipset: 'i440fx';
  memory: number;
  cpus: 1;
  firmware: FirmwareConfig;
  fwCfgFiles: Array<{ name: string; data: Uint8Array }>;
  /** Every plugged device (shorthands expanded), checked, with its PCI address. */
  devices: PlannedDevice[];
  trace: Set<string>;
  instructionsPerSecond: number;
  startDate: string;
  jit: boolean;
  logWindow: { lines: number; chars: number };
  eventWindow: number;
  /** The planned `-kernel` load, or null. */
  linux: LinuxLoadPlan | null;
  linuxbootRom: Uint8Array | null;
  serial: boolean;
  serialWindow: { lines: number; chars: number };
  onReset: ResetPolicy;
}

export const DEFAULT_LOG_WINDOW = { lines: 100_000, chars: 8 * 1024 * 1024 };
export const DEFAULT_SERIAL_WINDOW = { lines: 10_000, chars: 1024 * 1024 };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    // One problem per line, so an app can print each as its own prefixed line.
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** Smallest and largest guest RAM this machine builds (sizes from 3.5 GiB up are split 3 GiB below
 * 4 GiB + the rest above, as QEMU's pc machine does). */
export const MIN_MEMORY = 16 * 1024 * 1024;
export const MAX_MEMORY = 64 * 1024 ** 3;

/** A bus-0-style PCI address ('00:02.0', '0000:00:02.0') as a BDF number, or undefined. */
export function parseBdfText(text: string): number | undefined {
  try {
    return parseBdf(text);
  } catch {
    return undefined;
  }
}

/** The `igd` and `extraDevices` shorthands as device specs. */
function shorthandSpecs(input: MachineConfigInput): DeviceSpec[] {
  const specs: DeviceSpec[] = [];
  if (input.igd) {
    const { bdf, ...props } = input.igd;
    const spec: DeviceSpec = { driver: 'vfio-igd', id: 'igd', addr: bdf ?? '00:02.0' };
    for (const [k, v] of Object.entries(props)) if (v !== undefined) spec[k] = v;
    specs.push(spec);
  }
  for (const [i, d] of (input.extraDevices ?? []).entries()) {
    const { kind: _kind, bdf, ...props } = d;
    specs.push({ driver: 'pci-stub', id: `extra${i}`, addr: bdf, ...props });
  }
  return specs;
}

/** Check a config (devices against `registry` plus the board's own types): every problem at once. */
export function validateConfig(input: MachineConfigInput = {}, registry?: DeviceRegistry): MachineConfig {
  const problems: string[] = [];
  const chipset = input.chipset ?? 'i440fx';
  if (chipset === 'q35') {
    problems.push(
      "chipset 'q35' is not supported yet (only 'i440fx'); note that IGD legacy mode can never work on Q35: " +
        'its ICH9 LPC occupies 00:1f.0',
    );
  } else if (chipset !== 'i440fx') {
    problems.push(`chipset '${chipset}' is unknown (supported: i440fx)`);
  }

  const memory = parseSize(input.memory ?? '128M');
  if (memory === undefined)
    problems.push(`memory '${input.memory}' is not a size (examples: 128M, 3584M, 2G)`);
  else if (memory < MIN_MEMORY)
    problems.push(`memory ${formatSize(memory)} is below the minimum of ${formatSize(MIN_MEMORY)}`);
  else if (memory > MAX_MEMORY)
    problems.push(`memory ${formatSize(memory)} is above the maximum of ${formatSize(MAX_MEMORY)}`);
  else if (memory % (1024 * 1024) !== 0) problems.push(`memory ${memory} is not a whole number of MiB`);

  const cpus = input.cpus ?? 1;
  if (cpus !== 1) problems.push(`cpus ${cpus}: only 1 CPU is supported`);

  const firmware = input.firmware ?? { kind: 'hle' };
  if (firmware.kind === 'image') {
    const n = firmware.image.length;
    if (n === 0) problems.push(`firmware image ${firmware.name} is empty`);
    else if (n % 4096 !== 0 || n > 16 * 1024 * 1024) {
      problems.push(
        `firmware image ${firmware.name} is ${n} bytes: a BIOS image must be a multiple of 4 KiB and at most 16 MiB`,
      );
    }
  } else if (firmware.kind !== 'hle') {
    problems.push(`firmware kind '${(firmware as { kind: string }).kind}' is unknown (hle or image)`);
  }

  const fwCfgFiles = input.fwCfgFiles ?? [];
  for (const f of fwCfgFiles) {
    if (!f.name.startsWith('opt/')) problems.push(`fw_cfg file '${f.name}': user files must be named opt/…`);
    if (utf8Length(f.name) > 55) problems.push(`fw_cfg file '${f.name}': name longer than 55 bytes`);
  }

  const dcPort = input.debugconPort === undefined ? 0x402 : input.debugconPort;
  const board = memory === undefined ? undefined : { memory, ramBelow4g: qemuPcLayout(memory).below4g };
  const planned = planDevices(
    withBuiltins(registry),
    [
      ...(dcPort === null ? [] : [{ driver: 'isa-debugcon', id: 'debugcon', iobase: dcPort }]),
      ...shorthandSpecs(input),
      ...(input.devices ?? []),
    ],
    board,
  );
  problems.push(...planned.problems);

  const ips = input.instructionsPerSecond ?? 1_000_000_000;
  if (!(ips >= 1_000_000 && ips <= 100_000_000_000))
    problems.push(`instructionsPerSecond ${ips} out of range`);
  const startDate = input.startDate ?? '2016-05-01T00:00:00Z';
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(startDate)) {
    problems.push(`startDate '${startDate}' must look like 2016-05-01T00:00:00Z`);
  }

  const jit = input.jit ?? true;
  if (typeof jit !== 'boolean') problems.push(`jit must be true or false, got ${String(jit)}`);

  const windowProblem = (what: string, n: unknown) =>
    Number.isSafeInteger(n) && (n as number) >= 1 ? null : `${what} ${String(n)} must be a positive integer`;
  const logWindow = {
    lines: input.logWindow?.lines ?? DEFAULT_LOG_WINDOW.lines,
    chars: input.logWindow?.chars ?? DEFAULT_LOG_WINDOW.chars,
  };
  const eventWindow = input.eventWindow ?? DEFAULT_EVENT_WINDOW;
  const serialWindow = {
    lines: input.serialWindow?.lines ?? DEFAULT_SERIAL_WINDOW.lines,
    chars: input.serialWindow?.chars ?? DEFAULT_SERIAL_WINDOW.chars,
  };
  for (const p of [
    windowProblem('logWindow.lines', logWindow.lines),
    windowProblem('logWindow.chars', logWindow.chars),
    windowProblem('eventWindow', eventWindow),
    windowProblem('serialWindow.lines', serialWindow.lines),
    windowProblem('serialWindow.chars', serialWindow.chars),
  ])
    if (p) problems.push(p);
  const serial = input.serial ?? false;
  if (typeof serial !== 'boolean') problems.push(`serial must be true or false, got ${String(serial)}`);
  const linux = checkLinux(input, firmware, board?.ramBelow4g, problems);

  const onReset = input.onReset ?? 'reset';
  if (!RESET_POLICIES.includes(onReset))
    problems.push(`onReset '${String(onReset)}' is unknown (${RESET_POLICIES.join(' or ')})`);

  if (problems.length) throw new ConfigError(problems);
  return {
    chipset: 'i440fx',
    memory: memory!,
    cpus: 1,
    firmware,
    fwCfgFiles,
    devices: planned.devices,
    trace: new Set(input.trace ?? []),
    instructionsPerSecond: ips,
    startDate,
    jit,
    logWindow,
    eventWindow,
    linux,
    linuxbootRom: linux && firmware.kind === 'image' ? input.linuxbootRom! : null,
    serial,
    serialWindow,
    onReset,
  };
}

/** The `kernel`/`initrd`/`append` fields: the planned load, or problems (into `problems`). */
function checkLinux(
  input: MachineConfigInput,
  firmware: FirmwareConfig,
  below4g: number | undefined,
  problems: string[],
): LinuxLoadPlan | null {
  if (!input.kernel) {
    // QEMU: "-initrd only allowed with -kernel option" (and the same for -append).
    if (input.initrd) problems.push('initrd needs a kernel');
    if (input.append !== undefined) problems.push('append (a kernel command line) needs a kernel');
    return null;
  }
  if (firmware.kind === 'image') {
    const rom = input.linuxbootRom;
    if (!rom)
      problems.push(
        'kernel: image firmware boots a kernel through the linuxboot_dma.bin option ROM (Debian qemu-system-data, /usr/share/qemu/linuxboot_dma.bin): give linuxbootRom',
      );
    else if (rom.length < 512 || rom.length % 512 !== 0 || rom[0] !== 0x55 || rom[1] !== 0xaa)
      problems.push(
        `linuxbootRom: ${rom.length} bytes is not an option ROM (55 AA signature, 512-byte blocks)`,
      );
  }
  if (below4g === undefined) return null;
  const plan = planLinuxLoad({ kernel: input.kernel, initrd: input.initrd, append: input.append }, below4g);
  if ('problems' in plan) {
    problems.push(...plan.problems);
    return null;
  }
  return plan;
}

function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}
