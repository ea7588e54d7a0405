// `vmkit boot`: build a machine from options, run its firmware, print the handshake report.
import { existsSync, writeFileSync } from 'node:fs';
import {
  type BootReport,
  ConfigError,
  createMachine,
  type FirmwareConfig,
  formatReport,
  type MachineConfigInput,
  type MachineEvent,
  OPREGION_POLICIES,
  type OpRegionPolicy,
  parseSize,
} from '@vmkit/machine';
import { parse } from './args.js';
import { UsageError } from './errors.js';
import { readBytes } from './files.js';
import { loadIgdSource } from './igd-source.js';
import { registry } from './registry.js';

export const DEBIAN_SEABIOS = ['/usr/share/seabios/bios-256k.bin', '/usr/share/seabios/bios.bin'];

const HELP = `usage: vmkit boot [options]

Boot an i440FX PC with an assigned Intel IGD and report the OpRegion/BDSM handshake.

  --firmware <hle|seabios|path>    hle: the built-in TypeScript SeaBIOS port; seabios: Debian's
                                   ${DEBIAN_SEABIOS[0]}; or a BIOS image path
                                   (default: seabios when installed, else hle)
  --memory <size>                  guest RAM, e.g. 128M, 3584M, 2G (default 128M)
  --igd <spec>                     none | synthetic:<model> | dump:<dir> | sysfs:<bdf>
                                   (default synthetic:kbl; 'vmkit models' lists models)
  --igd-bdf <bdf>                  where the IGD sits (default 00:02.0)
  --opregion-policy <policy>       ${OPREGION_POLICIES.join(' | ')} (default fw-cfg)
  --bdsm-size <size|auto>          etc/igd-bdsm-size (default auto: stolen size from GMCH; 0 = none)
  --gms <n>                        override the GMCH GMS field (stolen memory size code)
  --legacy                         legacy (VGA) mode chipset tweaks
  --linker                         also publish the WRITE_PCI_CONFIG linker automation
  --no-opregion                    do not publish etc/igd-opregion
  --debugcon <file|->              write the firmware's debug console (port 0x402) there
  --trace <kinds>                  comma list: pci,pci-write,fwcfg,igd,debugcon,cpu,bus,firmware,all
  --until <text>                   stop once the debug console has printed <text>
  --max-instructions <n>           instruction budget (default 200000000)
  --no-jit                         interpret only (no trace compiler): same results, slower
  --json                           print one JSON object instead of text`;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** JSON replacer for trace events: 64-bit values (MSRs) are bigints in the model; they print as
 * numbers when exact, else as 0x-prefixed hex strings (JSON.stringify throws on a bigint). */
export function bigintAsNumber(_key: string, v: unknown): unknown {
  if (typeof v !== 'bigint') return v;
  if (v <= MAX_SAFE && v >= -MAX_SAFE) return Number(v);
  return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
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
        firmware: { kind: 'image', image: readBytes(found, 'BIOS image'), name: found },
        fallback: null,
      };
    if (spec === 'seabios') {
      throw new UsageError(
        `--firmware seabios: Debian's SeaBIOS is not installed (${DEBIAN_SEABIOS[0]}; apt-get install seabios)`,
        1,
      );
    }
    return {
      firmware: { kind: 'hle' },
      fallback: `SeaBIOS is not installed (${DEBIAN_SEABIOS[0]}): using the built-in TypeScript firmware (hle)`,
    };
  }
  return { firmware: { kind: 'image', image: readBytes(spec, 'BIOS image'), name: spec }, fallback: null };
}

export async function bootCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    firmware: { type: 'string' },
    memory: { type: 'string' },
    igd: { type: 'string' },
    'igd-bdf': { type: 'string' },
    'opregion-policy': { type: 'string' },
    'bdsm-size': { type: 'string' },
    gms: { type: 'string' },
    legacy: { type: 'boolean' },
    linker: { type: 'boolean' },
    'no-opregion': { type: 'boolean' },
    debugcon: { type: 'string' },
    trace: { type: 'string' },
    until: { type: 'string' },
    'max-instructions': { type: 'string' },
    'no-jit': { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const { firmware, fallback } = resolveFirmware(values.firmware);
  const policy = (values['opregion-policy'] ?? 'fw-cfg') as OpRegionPolicy;
  if (!OPREGION_POLICIES.includes(policy)) {
    throw new UsageError(`--opregion-policy '${policy}' is unknown (${OPREGION_POLICIES.join(', ')})`);
  }
  let bdsmSize: number | 'auto' = 'auto';
  if (values['bdsm-size'] !== undefined && values['bdsm-size'] !== 'auto') {
    const n = parseSize(values['bdsm-size']);
    if (n === undefined)
      throw new UsageError(`--bdsm-size '${values['bdsm-size']}' is not a size (e.g. 64M) or auto`);
    bdsmSize = n;
  }
  let gms: number | undefined;
  if (values.gms !== undefined) {
    gms = Number(values.gms);
    if (!Number.isInteger(gms) || gms < 0 || gms > 0xff)
      throw new UsageError(`--gms '${values.gms}' must be 0..255`);
  }
  let maxInstructions = 200_000_000;
  if (values['max-instructions'] !== undefined) {
    maxInstructions = Number(values['max-instructions']);
    if (!Number.isSafeInteger(maxInstructions) || maxInstructions <= 0) {
      throw new UsageError(`--max-instructions '${values['max-instructions']}' must be a positive integer`);
    }
  }
  const igdSpec = values.igd ?? 'synthetic:kbl';
  const source = igdSpec === 'none' ? null : loadIgdSource(igdSpec);
  const trace = values.trace ? values.trace.split(',').filter(Boolean) : [];

  const input: MachineConfigInput = {
    memory: values.memory ?? '128M',
    firmware,
    igd: source
      ? {
          source,
          bdf: values['igd-bdf'],
          policy,
          bdsmSize,
          gms,
          legacy: values.legacy ?? false,
          linker: values.linker ?? false,
          opregion: !values['no-opregion'],
        }
      : null,
    trace,
    jit: !values['no-jit'],
  };

  const debugLines: string[] = [];
  const debugTo = values.debugcon;
  let machine: ReturnType<typeof createMachine>;
  try {
    machine = createMachine(input, {
      registry,
      debugcon:
        debugTo === '-'
          ? (line) => process.stderr.write(`${line}\n`)
          : debugTo
            ? (line) => debugLines.push(line)
            : undefined,
    });
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message, 2);
    throw e;
  }
  const traced: MachineEvent[] = [];
  if (trace.length && !values.json) {
    machine.events.subscribe((ev) => {
      if (machine.events.records(ev.kind)) traced.push(ev);
    });
  }
  const tty = process.stderr.isTTY && !values.json;
  const report: BootReport = machine.boot({
    until: values.until,
    maxInstructions,
    onProgress: tty
      ? (p) => process.stderr.write(`\r  ${(p.instructions / 1e6).toFixed(1)} M instructions…`)
      : undefined,
  });
  if (tty) process.stderr.write('\r\x1b[K');
  report.firmware.fallback = fallback;
  if (debugTo && debugTo !== '-') writeFileSync(debugTo, debugLines.map((l) => `${l}\n`).join(''));

  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ ...report, events: trace.length ? machine.events.recorded : undefined }, bigintAsNumber, 2)}\n`,
    );
  } else {
    if (fallback) process.stdout.write(`note: ${fallback}\n`);
    process.stdout.write(formatReport(report, registry));
    if (traced.length) {
      process.stdout.write(`\nTrace (${traced.length} events):\n`);
      for (const ev of traced) {
        const { seq, t, kind, ...rest } = ev;
        process.stdout.write(`  #${seq} ${kind} ${JSON.stringify(rest, bigintAsNumber)}\n`);
      }
    }
  }
  const bad = ['triple-fault', 'firmware-error', 'instruction-budget', 'time-budget', 'halted-forever'];
  return bad.includes(report.result.reason) && !values.until ? 3 : 0;
}
