// A RunSpec plus the user's files → @vmkit/machine's config input, as `vmkit boot` builds it from
// its flags (apps/cli/src/boot.ts): the same defaults, so the page and the CLI boot the same PC.
import type { FirmwareConfig, MachineConfigInput } from '@vmkit/machine';
import { catalogueKeys, catalogueSource, type IgdHostSource, sourceFromDumps } from '@vmkit/vfio-igd';
import { parseDevices } from './devices.js';
import { dumpInputs, type HostFile, HostFileError, hasDump } from './host-files.js';
import type { RunSpec } from './spec.js';

export interface BuiltInput {
  input: MachineConfigInput;
  firmwareName: string;
  /** Why another firmware than the one asked for runs. */
  fallback: string | null;
  biosSize: number;
  /** The host OpRegion as the VMM holds it (what etc/igd-opregion publishes), if any. */
  hostOpRegion: Uint8Array | null;
}

export function igdSource(spec: RunSpec, files: readonly HostFile[]): IgdHostSource | null {
  if (spec.igd === 'none') return null;
  if (spec.igd === 'dump') {
    if (!hasDump(files)) throw new HostFileError('IGD "host dump" chosen, but no dump files were dropped');
    const needsFallback = !files.some((f) => f.kind === 'config' || f.kind === 'lspci');
    const fallback = needsFallback ? modelSource(spec.model).config : undefined;
    try {
      return sourceFromDumps(dumpInputs(files, fallback));
    } catch (e) {
      throw new HostFileError(`host dump: ${(e as Error).message}`);
    }
  }
  return modelSource(spec.igd);
}

function modelSource(key: string): IgdHostSource {
  if (!catalogueKeys().includes(key)) {
    throw new HostFileError(`IGD model '${key}' is unknown (known: ${catalogueKeys().join(', ')})`);
  }
  return catalogueSource(key);
}

function firmwareFor(
  spec: RunSpec,
  files: readonly HostFile[],
  seabios: Uint8Array | null,
): Pick<BuiltInput, 'firmwareName' | 'fallback' | 'biosSize'> & { firmware: FirmwareConfig } {
  if (spec.firmware === 'file') {
    const f = files.find((x) => x.kind === 'bios');
    if (!f) throw new HostFileError('firmware "your BIOS image" chosen, but no BIOS image was dropped');
    return {
      firmware: { kind: 'image', image: f.bytes, name: f.name },
      firmwareName: f.name,
      fallback: null,
      biosSize: f.bytes.length,
    };
  }
  if (spec.firmware === 'seabios') {
    if (seabios) {
      return {
        firmware: { kind: 'image', image: seabios, name: 'bios-256k.bin' },
        firmwareName: 'bios-256k.bin (Debian SeaBIOS)',
        fallback: null,
        biosSize: seabios.length,
      };
    }
    return {
      firmware: { kind: 'hle' },
      firmwareName: 'TypeScript SeaBIOS port (hle)',
      fallback:
        'this site was built without Debian SeaBIOS (/usr/share/seabios/bios-256k.bin): using the built-in TypeScript firmware',
      biosSize: 0,
    };
  }
  return {
    firmware: { kind: 'hle' },
    firmwareName: 'TypeScript SeaBIOS port (hle)',
    fallback: null,
    biosSize: 0,
  };
}

export function machineInput(
  spec: RunSpec,
  files: readonly HostFile[],
  seabios: Uint8Array | null,
  jit: boolean,
): BuiltInput {
  const devices = parseDevices(spec.devices);
  if (devices.problems.length) throw new HostFileError(devices.problems.join('; '));
  const { firmware, ...fw } = firmwareFor(spec, files, seabios);
  const source = igdSource(spec, files);
  return {
    ...fw,
    hostOpRegion: source?.opRegion ?? null,
    input: {
      memory: spec.memory,
      firmware,
      igd: source ? { source, policy: spec.policy, linker: spec.linker } : null,
      devices: devices.specs,
      jit,
    },
  };
}
