// `vmkit boot`: build a machine from options, run its firmware, print the handshake report.
import { existsSync } from 'node:fs';
import type { BootReport } from '@vmkit/machine';
import {
  bootReportDocument,
  ConfigError,
  createMachine,
  EVENT_KINDS,
  encodeSnapshot,
  type FirmwareConfig,
  formatEvent,
  formatReport,
  isTraceSelector,
  MAX_MEMORY,
  type Machine,
  type MachineConfigInput,
  type MachineEvent,
  type MachineSnapshot,
  MIN_MEMORY,
  OPREGION_POLICIES,
  type OpRegionPolicy,
  parseBdfText,
  SnapshotError,
  TRACE_GROUPS,
  traceSelectorKinds,
} from '@vmkit/machine';
import { DEVICE_OPTIONS, deviceHelp, deviceSpecs, fwCfgFiles } from './device-options.js';
import { EXIT, exitStatusHelp, inputError, UsageError } from './errors.js';
import { type ByteOutput, openByteOutput, openOutput, readBytes, writeBytes, writeStdout } from './files.js';
import { loadIgdSource } from './igd-source.js';
import { jsonText } from './json.js';
import {
  type CommandSpec,
  type OptionSpec,
  type ParsedArgs,
  parseCommandLine,
  renderHelp,
} from './options.js';
import { registry } from './registry.js';
import { didYouMean } from './suggest.js';

export const DEBIAN_SEABIOS = ['/usr/share/seabios/bios-256k.bin', '/usr/share/seabios/bios.bin'];
/** QEMU's option ROM that boots a `-kernel` under SeaBIOS (Debian qemu-system-data). */
export const DEBIAN_LINUXBOOT = '/usr/share/qemu/linuxboot_dma.bin';
const MiB = 1024 * 1024;
/** The largest BIOS image the machine maps (@vmkit/machine validateConfig: 16 MiB below 4 GiB). */
const MAX_BIOS = 16 * MiB;

function traceCheck(s: string): string | undefined {
  if (s === 'help' || isTraceSelector(s)) return undefined;
  const words = ['all', ...Object.keys(TRACE_GROUPS), ...Object.keys(EVENT_KINDS)];
  return `'${s}' is not an event kind or group${didYouMean(s, words)} ('--trace help' lists them)`;
}

/** The options that build and run a machine (boot, lspci). */
export const MACHINE_OPTIONS: OptionSpec[] = [
  {
    name: 'firmware',
    type: 'string',
    value: '<hle|seabios|path>',
    help: `hle: the built-in TypeScript SeaBIOS port; seabios: Debian's\n${DEBIAN_SEABIOS[0]}; or a BIOS image path`,
    default: 'seabios when installed, else hle',
  },
  {
    name: 'memory',
    type: 'size',
    value: '<size>',
    rule: { kind: 'size', min: MIN_MEMORY, max: MAX_MEMORY, multipleOf: MiB },
    help: 'guest RAM, e.g. 128M, 3584M, 2G (16M..64G, whole MiB)',
    default: '128M',
  },
  {
    name: 'igd',
    type: 'string',
    value: '<spec>',
    help: "none | synthetic:<model> | dump:<dir> | sysfs:<bdf>\n('vmkit models' lists models)",
    default: 'synthetic:kbl',
  },
  {
    name: 'igd-bdf',
    type: 'string',
    value: '<bdf>',
    help: 'where the IGD sits',
    default: '00:02.0',
    check: (v) => (parseBdfText(v) === undefined ? `'${v}' is not a PCI address like 00:02.0` : undefined),
  },
  {
    name: 'opregion-policy',
    type: 'choice',
    value: '<policy>',
    choices: OPREGION_POLICIES,
    help: OPREGION_POLICIES.join(' | '),
    default: 'fw-cfg',
  },
  {
    name: 'bdsm-size',
    type: 'size',
    value: '<size|auto>',
    keywords: ['auto'],
    rule: { kind: 'size', min: 0, max: MAX_MEMORY, multipleOf: MiB },
    help: 'etc/igd-bdsm-size: auto = the stolen size from GMCH; 0 = none;\nmust fit in RAM below 4 GiB',
    default: 'auto',
  },
  {
    name: 'gms',
    type: 'integer',
    value: '<n>',
    rule: { kind: 'integer', hex: true, min: 0, max: 0xff },
    help: 'override the GMCH GMS field (stolen memory size code), 0..255 or 0x..,\nchecked per generation',
  },
  { name: 'legacy', type: 'flag', help: 'legacy (VGA) mode chipset tweaks' },
  {
    name: 'linker',
    type: 'flag',
    help: 'also publish the IGD linker commands (WRITE_PCI_CONFIG for ASLS,\nRESERVE_PCI_MEMORY for BDSM 0x5C / 0xC0) in etc/table-loader',
  },
  { name: 'no-opregion', type: 'flag', help: 'do not publish etc/igd-opregion' },
  {
    name: 'debugcon',
    type: 'string',
    value: '<file|->',
    help: "write the firmware's debug console (port 0x402) there (opened before booting)",
  },
  {
    name: 'trace',
    type: 'list',
    value: '<kinds>',
    check: traceCheck,
    help: "comma list of event kinds or groups (pci, fwcfg, igd, cpu, …, all);\n'--trace help' lists them",
  },
  {
    name: 'until',
    type: 'string',
    value: '<text>',
    help: 'the goal: stop once the debug console or COM1 has printed <text>',
  },
  {
    name: 'kernel',
    type: 'string',
    value: '<bzImage>',
    help: "boot a Linux bzImage as QEMU's -kernel does (fw_cfg items; SeaBIOS runs\nlinuxboot_dma.bin, hle loads it directly); the goal becomes poweroff",
  },
  { name: 'initrd', type: 'string', value: '<file>', help: 'initial ramdisk for --kernel (QEMU -initrd)' },
  {
    name: 'append',
    type: 'string',
    value: '<cmdline>',
    help: 'kernel command line for --kernel (QEMU -append), e.g. "console=ttyS0"',
  },
  {
    name: 'linuxboot-rom',
    type: 'string',
    value: '<file>',
    help: 'the option ROM that starts --kernel under SeaBIOS',
    default: DEBIAN_LINUXBOOT,
  },
  {
    name: 'serial',
    type: 'string',
    value: '<file|->',
    help: "add COM1 (16550 at 0x3F8, IRQ 4) and write its output there ('-': stdout);\nthe report shows its last lines",
  },
  {
    name: 'max-instructions',
    type: 'integer',
    value: '<n>',
    rule: { kind: 'integer', min: 1, max: Number.MAX_SAFE_INTEGER },
    help: 'instruction budget (decimal)',
    default: '200000000',
  },
  { name: 'no-jit', type: 'flag', help: 'interpret only (no trace compiler): same results, slower' },
  {
    name: 'no-reboot',
    type: 'flag',
    help: 'a guest reset (0xCF9, 8042, port 0x92, triple fault) ends the boot (exit 3)\ninstead of resetting the machine (QEMU -no-reboot)',
  },
  ...DEVICE_OPTIONS.filter((o) => o.name === 'device' || o.name === 'fw-cfg'),
];

const JSON_OPTION: OptionSpec = {
  name: 'json',
  type: 'flag',
  help: 'print one JSON object (schema: vmkit schema); errors as JSON on stderr',
};

export const BOOT_COMMAND: CommandSpec = {
  name: 'boot',
  usage: '[options]',
  summary: 'boot an i440FX PC with an assigned Intel IGD and report the OpRegion/BDSM handshake',
  description:
    'The goal is the --until text when given, else the firmware\'s boot attempt ("No bootable\n' +
    'device.") or the guest powering off (ACPI S5, e.g. a --kernel guest\'s poweroff). A boot that\n' +
    'stops before its goal prints the report and exits 3.',
  options: [
    ...MACHINE_OPTIONS,
    ...DEVICE_OPTIONS.filter((o) => o.name === 'stop-at' || o.name === 'save-state'),
    JSON_OPTION,
  ],
};

function traceHelp(): string {
  const lines = ['Trace groups (--trace <group>):'];
  for (const [g, _] of Object.entries(TRACE_GROUPS))
    lines.push(`  ${g.padEnd(10)} ${traceSelectorKinds(g).join(', ')}`);
  lines.push(
    `  ${'all'.padEnd(10)} every kind`,
    '',
    'Event kinds (--trace <kind>; a prefix like igd-opregion selects every igd-opregion-… kind):',
  );
  const w = Math.max(...Object.keys(EVENT_KINDS).map((k) => k.length));
  for (const [k, d] of Object.entries(EVENT_KINDS)) lines.push(`  ${k.padEnd(w)}  ${d}`);
  return `${lines.join('\n')}\n`;
}

export function resolveFirmware(spec: string | undefined): {
  firmware: FirmwareConfig;
  fallback: string | null;
} {
  if (spec === 'hle') return { firmware: { kind: 'hle' }, fallback: null };
  if (spec === undefined || spec === 'seabios') {
    const found = DEBIAN_SEABIOS.find((p) => existsSync(p));
    if (found)
      return {
        firmware: { kind: 'image', image: readBytes(found, 'BIOS image', MAX_BIOS), name: found },
        fallback: null,
      };
    if (spec === 'seabios') {
      throw inputError(
        `--firmware seabios: Debian's SeaBIOS is not installed (${DEBIAN_SEABIOS[0]}; apt-get install seabios)`,
      );
    }
    return {
      firmware: { kind: 'hle' },
      fallback: `SeaBIOS is not installed (${DEBIAN_SEABIOS[0]}): using the built-in TypeScript firmware (hle)`,
    };
  }
  return {
    firmware: { kind: 'image', image: readBytes(spec, 'BIOS image', MAX_BIOS), name: spec },
    fallback: null,
  };
}

export interface BootRun {
  machine: Machine;
  report: BootReport;
  /** Events the --trace selectors recorded (the machine's bounded recorded window). */
  traced: MachineEvent[];
  /** Where --save-state wrote the machine's state. */
  saved?: string;
}

/** The state file: the machine snapshot plus the boot options that rebuild the same machine. */
function saveState(machine: Machine, path: string, argv: readonly string[]): void {
  const keep = argv.filter((_, i) => !isStateOption(argv, i));
  const bytes = encodeSnapshot({ ...machine.snapshot(), meta: { app: 'vmkit boot', argv: keep } });
  writeBytes(path, 'saved state', bytes);
}

/** --stop-at/--save-state/--json and their values are not part of the machine's config. */
function isStateOption(argv: readonly string[], i: number): boolean {
  const a = argv[i]!;
  const prev = argv[i - 1];
  if (/^--(stop-at|save-state)(=|$)/.test(a) || a === '--json') return true;
  return (prev === '--stop-at' || prev === '--save-state') && !a.startsWith('--');
}

/** Build the machine the options describe and boot it: the part `boot` and `lspci` share. Outputs
 * (--debugcon) are opened before any input is read or any instruction runs. */
export function runMachine(
  values: ParsedArgs['values'],
  progress: boolean,
  opts: {
    argv?: readonly string[];
    restore?: MachineSnapshot;
    restoreName?: string;
    /** Print each traced event there as it happens (text --trace) instead of only recording it. */
    streamTrace?: (text: string) => void;
  } = {},
): BootRun {
  if (values['save-state'] !== undefined && values['stop-at'] === undefined)
    throw new UsageError('--save-state needs --stop-at <n>');
  const debugTo = values.debugcon as string | undefined;
  const debugOut = debugTo && debugTo !== '-' ? openOutput(debugTo, 'debug console output') : null;
  const serialTo = values.serial as string | undefined;
  if (serialTo === '-' && values.json === true)
    throw new UsageError('--serial - writes to stdout, where --json prints: give --serial a file');
  const serialOut =
    serialTo === '-' ? stdoutBytes() : serialTo ? openByteOutput(serialTo, 'serial output') : null;
  try {
    const { firmware, fallback } = resolveFirmware(values.firmware as string | undefined);
    const igdSpec = (values.igd as string | undefined) ?? 'synthetic:kbl';
    const source = igdSpec === 'none' ? null : loadIgdSource(igdSpec);
    const trace = (values.trace as string[] | undefined) ?? [];
    const input: MachineConfigInput = {
      memory: (values.memory as number | undefined) ?? 128 * MiB,
      firmware,
      igd: source
        ? {
            source,
            bdf: values['igd-bdf'] as string | undefined,
            policy: values['opregion-policy'] as OpRegionPolicy | undefined,
            bdsmSize: (values['bdsm-size'] as number | 'auto' | undefined) ?? 'auto',
            gms: values.gms as number | undefined,
            legacy: values.legacy === true,
            linker: values.linker === true,
            opregion: values['no-opregion'] !== true,
          }
        : null,
      trace,
      jit: values['no-jit'] !== true,
      onReset: values['no-reboot'] === true ? 'stop' : 'reset',
      devices: deviceSpecs(values),
      fwCfgFiles: fwCfgFiles(values),
      ...linuxInput(values, firmware),
      serial: serialTo !== undefined || values.kernel !== undefined,
    };
    let machine: Machine;
    try {
      machine = createMachine(input, {
        registry,
        debugcon:
          debugTo === '-'
            ? (line) => process.stderr.write(`${line}\n`)
            : debugOut
              ? (line) => debugOut.write(line)
              : undefined,
        serial: serialOut ? (b) => serialOut.write(b) : undefined,
      });
    } catch (e) {
      if (e instanceof ConfigError) throw inputError(e.problems.map((p) => `config: ${p}`));
      throw e;
    }
    if (opts.restore) {
      try {
        machine.restore(opts.restore);
      } catch (e) {
        if (e instanceof SnapshotError) throw inputError(`${opts.restoreName}: ${e.message}`);
        throw e;
      }
    }
    const stream = opts.streamTrace && trace.length > 0 ? new TraceStream(machine, opts.streamTrace) : null;
    try {
      return bootTo(machine, values, { progress, fallback, argv: opts.argv ?? [] });
    } finally {
      stream?.close();
    }
  } finally {
    debugOut?.close();
    serialOut?.close();
  }
}

/** The largest kernel and initrd files read (the machine then checks they fit its RAM). */
const MAX_KERNEL = 256 * MiB;
const MAX_INITRD = 2048 * MiB;

/** --kernel/--initrd/--append (and the option ROM image firmware boots them with). */
function linuxInput(values: ParsedArgs['values'], firmware: FirmwareConfig): Partial<MachineConfigInput> {
  const kernel = values.kernel as string | undefined;
  if (kernel === undefined) {
    if (values.initrd !== undefined) throw new UsageError('--initrd needs --kernel');
    if (values.append !== undefined) throw new UsageError('--append needs --kernel');
    return {};
  }
  const romPath = (values['linuxboot-rom'] as string | undefined) ?? DEBIAN_LINUXBOOT;
  if (firmware.kind === 'image' && values['linuxboot-rom'] === undefined && !existsSync(romPath))
    throw inputError(
      `--kernel with SeaBIOS needs QEMU's option ROM ${romPath} (apt-get install qemu-system-data), or --firmware hle`,
    );
  return {
    kernel: readBytes(kernel, 'kernel', MAX_KERNEL),
    initrd:
      values.initrd === undefined ? undefined : readBytes(values.initrd as string, 'initrd', MAX_INITRD),
    append: values.append as string | undefined,
    linuxbootRom: firmware.kind === 'image' ? readBytes(romPath, 'option ROM', MiB) : undefined,
  };
}

/** COM1 bytes to stdout, flushed per line and when the run ends. */
function stdoutBytes(): ByteOutput {
  let line: number[] = [];
  const flush = () => {
    if (line.length) writeStdout(Uint8Array.from(line));
    line = [];
  };
  return {
    write(b) {
      line.push(b);
      if (b === 0x0a || line.length >= 4096) flush();
    },
    close: flush,
  };
}

/** Run a built machine to --stop-at (and save it) or to its goal, and report. */
function bootTo(
  machine: Machine,
  values: ParsedArgs['values'],
  o: { progress: boolean; fallback: string | null; argv: readonly string[] },
): BootRun {
  const { progress, fallback } = o;
  const stopAt = values['stop-at'] as number | undefined;
  if (stopAt !== undefined) {
    machine.run(Math.max(0, stopAt - machine.instructions));
    const report = machine.report();
    report.firmware.fallback = fallback;
    const saveTo = values['save-state'] as string | undefined;
    if (saveTo) saveState(machine, saveTo, o.argv);
    return { machine, report, traced: machine.events.recorded, saved: saveTo };
  }
  const report = machine.boot({
    until: values.until as string | undefined,
    maxInstructions: (values['max-instructions'] as number | undefined) ?? 200_000_000,
    onProgress: progress
      ? (p) => process.stderr.write(`\r  ${(p.instructions / 1e6).toFixed(1)} M instructions…`)
      : undefined,
  });
  if (progress) process.stderr.write('\r\x1b[K');
  report.firmware.fallback = fallback;
  return { machine, report, traced: machine.events.recorded };
}

/**
 * Text `--trace`: every traced event printed as it happens (`events.subscribe(…, { traced: true })`,
 * so in stream order and whatever the recorded window keeps), in chunks of at most 64 KiB: memory
 * stays bounded however many events a guest causes.
 */
class TraceStream {
  count = 0;
  private buf = '';
  private readonly off: () => void;
  constructor(
    machine: Machine,
    private readonly write: (text: string) => void,
  ) {
    this.write('Trace (printed as the events happen):\n');
    this.off = machine.events.subscribe(
      (ev) => {
        this.count++;
        this.buf += `  ${formatEvent(ev)}\n`;
        if (this.buf.length >= 65536) this.flush();
      },
      { traced: true },
    );
  }
  private flush(): void {
    if (this.buf) this.write(this.buf);
    this.buf = '';
  }
  close(): void {
    this.off();
    this.flush();
    this.write(`(${this.count} events)\n\n`);
  }
}

/** Exit 3 with the reason when the boot stopped before its goal. */
export function goalError(report: BootReport): UsageError | null {
  if (report.result.goalReached) return null;
  const { reason, detail } = report.result;
  return new UsageError(`goal not reached: ${reason}${detail ? ` (${detail})` : ''}`, EXIT.goalNotReached);
}

export interface CommandContext {
  version: string;
}

export async function bootCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommandLine(BOOT_COMMAND, args);
  if (values.help) {
    process.stdout.write(renderHelp(BOOT_COMMAND, exitStatusHelp()));
    return EXIT.ok;
  }
  if ((values.trace as string[] | undefined)?.includes('help')) {
    process.stdout.write(traceHelp());
    return EXIT.ok;
  }
  const dh = deviceHelp(values);
  if (dh !== null) {
    process.stdout.write(dh);
    return EXIT.ok;
  }
  const json = values.json === true;
  const run = runMachine(values, process.stderr.isTTY && !json, {
    argv: args,
    streamTrace: json ? undefined : writeStdout,
  });
  const { report, saved } = run;
  if (saved) {
    if (json) process.stdout.write(`${jsonText({ saved, instructions: report.result.instructions })}\n`);
    else
      process.stdout.write(
        `state saved at ${report.result.instructions} instructions to ${saved} (vmkit resume ${saved})\n`,
      );
    return EXIT.ok;
  }
  return printBoot(run, values, ctx);
}

/** Print a boot's report (text or JSON) and return the exit status (3 when the goal was missed).
 * JSON carries the recorded (bounded) event window; text --trace was streamed while it ran. */
export function printBoot(
  run: Pick<BootRun, 'report' | 'traced'>,
  values: ParsedArgs['values'],
  ctx: CommandContext,
): number {
  const { report, traced } = run;
  const json = values.json === true;
  const tracing = ((values.trace as string[] | undefined) ?? []).length > 0;
  if (json) {
    const doc = bootReportDocument(
      report,
      { name: 'vmkit', version: ctx.version },
      tracing ? traced : undefined,
    );
    process.stdout.write(`${jsonText(doc)}\n`);
  } else {
    if (report.firmware.fallback) process.stdout.write(`note: ${report.firmware.fallback}\n`);
    process.stdout.write(formatReport(report, registry));
  }
  const err = goalError(report);
  if (err) throw err;
  return EXIT.ok;
}
