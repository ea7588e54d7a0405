// --igd none | synthetic:<model> | dump:<dir> | sysfs:<bdf>: where the "physical" IGD comes from.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  catalogueKeys,
  catalogueSource,
  type IgdHostSource,
  readSysfsSource,
  sourceFromDumps,
} from '@vmkit/vfio-igd';
import { UsageError } from './errors.js';
import { listDir, readBytes } from './files.js';
import { didYouMean } from './suggest.js';

/**
 * A dump directory holds any of these files (names as the Linux tools produce them):
 *   config | config.bin          binary config image (/sys/bus/pci/devices/0000:00:02.0/config)
 *   lspci.txt                    `lspci -xxxx` (or -xxx) text; the 00:02.0 entry is used
 *   i915_opregion | opregion.bin the OpRegion (/sys/kernel/debug/dri/0/i915_opregion)
 *   i915_vbt | vbt.bin | *.vbt   a VBT (extended VBT, or wrapped into an OpRegion when no OpRegion)
 *   host-bridge-config           00:00.0 config image (legacy mode ids)
 *   lpc-config                   00:1f.0 config image (legacy mode ids)
 */
export function loadIgdSource(spec: string): IgdHostSource {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const arg = colon < 0 ? '' : spec.slice(colon + 1);
  try {
    switch (kind) {
      case 'synthetic': {
        const key = arg || 'kbl';
        if (!catalogueKeys().includes(key)) {
          throw new UsageError(
            `--igd synthetic:${key}: unknown model${didYouMean(key, catalogueKeys())} (known: ${catalogueKeys().join(', ')})`,
          );
        }
        return catalogueSource(key);
      }
      case 'dump':
        if (!arg) throw new UsageError('--igd dump:<dir>: missing directory');
        return loadDumpDir(arg);
      case 'sysfs': {
        const bdf = arg || '0000:00:02.0';
        return readSysfsSource(
          {
            readFile(path) {
              try {
                return new Uint8Array(readFileSync(path));
              } catch {
                return undefined;
              }
            },
          },
          { bdf: bdf.split(':').length === 2 ? `0000:${bdf}` : bdf },
        );
      }
      default:
        throw new UsageError(`--igd '${spec}': expected none, synthetic:<model>, dump:<dir> or sysfs:<bdf>`);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--igd ${spec}: ${(e as Error).message}`, 1);
  }
}

function loadDumpDir(dir: string): IgdHostSource {
  const names = listDir(dir);
  const pick = (...cands: string[]) => cands.find((c) => names.includes(c));
  const file = (n: string | undefined, what: string) => (n ? readBytes(join(dir, n), what) : undefined);
  const cfgName = pick('config', 'config.bin');
  const lspciName = pick('lspci.txt', 'lspci');
  if (!cfgName && !lspciName) {
    throw new UsageError(
      `--igd dump:${dir}: no config image ('config') or lspci text ('lspci.txt') in the directory`,
      1,
    );
  }
  const config = cfgName
    ? file(cfgName, 'config image')!
    : new TextDecoder().decode(file(lspciName, 'lspci text'));
  const vbtName = pick('i915_vbt', 'vbt.bin', 'data.vbt') ?? names.find((n) => n.endsWith('.vbt'));
  return sourceFromDumps({
    config,
    opRegion: file(pick('i915_opregion', 'opregion.bin', 'opregion'), 'OpRegion'),
    vbt: file(vbtName, 'VBT'),
    hostBridgeConfig: file(pick('host-bridge-config'), 'host bridge config'),
    lpcConfig: file(pick('lpc-config'), 'LPC config'),
  });
}
