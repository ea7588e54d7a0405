// `pnpm rig <command>`: the test rig's command line.
//   rig matrix [--ci] [--firmware a,b] [--policy …] [--model …] [--memory …] [--junit FILE] [--json]
//   rig conformance [<package or driver>… | board] [--seed N] [--accesses N] [--json]
// Exit 0 when every cell/check passes, 1 when one fails, 2 on bad usage.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AnyDeviceType } from '@vmkit/device';
import { catalogueKeys } from '@vmkit/vfio-igd';
import { formatResult, runConformance } from './conformance.js';
import { BOARD_FUNCTIONS, runBoardConformance } from './conformance-board.js';
import { junitXml } from './junit.js';
import {
  type CellResult,
  cellName,
  ciSlice,
  FIRMWARES,
  type MatrixFirmware,
  type MatrixPolicy,
  MEMORIES,
  matrixCells,
  POLICIES,
  runCell,
} from './matrix.js';
import { conformanceRequiredProps, devicePackages, registry } from './registry.js';

class UsageError extends Error {}

const SEABIOS_DIR = '/usr/share/seabios';

function listArg(args: string[], flag: string, allowed: readonly string[]): string[] | undefined {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined) throw new UsageError(`${flag} needs a comma-separated list (${allowed.join(', ')})`);
  args.splice(i, 2);
  const items = v.split(',');
  for (const it of items) {
    if (!allowed.includes(it)) throw new UsageError(`${flag}: unknown '${it}' (${allowed.join(', ')})`);
  }
  return items;
}

function valueArg(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined) throw new UsageError(`${flag} needs a value`);
  args.splice(i, 2);
  return v;
}

function loadImages(needed: Set<string>): Record<string, Uint8Array> {
  const images: Record<string, Uint8Array> = {};
  for (const name of needed) {
    const p = `${SEABIOS_DIR}/${name}`;
    if (!existsSync(p))
      throw new UsageError(`${p} is missing: apt-get install seabios (or leave ${name} out with --firmware)`);
    images[name] = new Uint8Array(readFileSync(p));
  }
  return images;
}

function printTable(results: CellResult[]): void {
  const w = Math.max(...results.map((r) => cellName(r.cell).length), 4);
  console.log(
    `${'cell'.padEnd(w)}  result  ${'ASLS'.padEnd(10)}  ${'BDSM'.padEnd(10)}  ${'ms'.padStart(6)}  failed expectations`,
  );
  for (const r of results) {
    const h = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
    const failed = r.expectations.filter((e) => !e.ok).map((e) => `${e.name}: ${e.detail}`);
    console.log(
      `${cellName(r.cell).padEnd(w)}  ${r.ok ? 'ok    ' : 'FAIL  '}  ${h(r.asls)}  ${h(r.bdsm)}  ${r.wallMs.toFixed(0).padStart(6)}  ${failed.join('; ')}`,
    );
  }
}

function matrix(args: string[]): number {
  const ci = args.includes('--ci');
  if (ci) args.splice(args.indexOf('--ci'), 1);
  const json = args.includes('--json');
  if (json) args.splice(args.indexOf('--json'), 1);
  const junit = valueArg(args, '--junit');
  const firmwares = listArg(args, '--firmware', FIRMWARES) as MatrixFirmware[] | undefined;
  const policies = listArg(args, '--policy', POLICIES) as MatrixPolicy[] | undefined;
  const models = listArg(args, '--model', catalogueKeys());
  const memories = listArg(args, '--memory', MEMORIES);
  if (args.length) throw new UsageError(`matrix: unknown argument '${args[0]}'`);
  const sel = { firmwares, policies, models, memories };
  const cells = ci
    ? ciSlice().filter((c) => matrixCells(sel).some((d) => cellName(d) === cellName(c)))
    : matrixCells(sel);
  const images = loadImages(new Set(cells.map((c) => c.firmware).filter((f) => f !== 'ts-port')));
  const t0 = performance.now();
  const results = cells.map((c) => runCell(c, images, () => performance.now()));
  const wallMs = performance.now() - t0;
  const failed = results.filter((r) => !r.ok).length;
  const realBoots = results.filter((r) => r.cell.firmware !== 'ts-port').length;
  const summary = {
    cells: results.length,
    failed,
    wallMs: Math.round(wallMs),
    bootsPerSecond: Number((results.length / (wallMs / 1000)).toFixed(2)),
    realFirmwareBoots: realBoots,
    realFirmwareMs: Math.round(
      results.filter((r) => r.cell.firmware !== 'ts-port').reduce((t, r) => t + r.wallMs, 0),
    ),
  };
  if (junit) {
    writeFileSync(
      junit,
      junitXml(
        'vmkit firmware x policy matrix',
        results.map((r) => ({
          name: cellName(r.cell),
          className: `matrix.${r.cell.firmware}.${r.cell.policy}`,
          timeMs: r.wallMs,
          failures: r.expectations.filter((e) => !e.ok).map((e) => `${e.name}: ${e.detail}`),
        })),
      ),
    );
  }
  if (json) console.log(JSON.stringify({ summary, results }, null, 2));
  else {
    printTable(results);
    console.log(
      `${summary.cells} cells, ${failed} failed, ${summary.wallMs} ms (${summary.bootsPerSecond} boots/s; ${realBoots} real SeaBIOS boots in ${summary.realFirmwareMs} ms)`,
    );
  }
  return failed ? 1 : 0;
}

function intArg(args: string[], flag: string, dflt: number): number {
  const v = valueArg(args, flag);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag}: '${v}' is not a whole number`);
  return n;
}

/** Names are packages (@vmkit/vfio-igd) or drivers (vfio-igd); none = every registered type.
 * `board` (the i440FX board's own functions) is handled by the caller. */
function selectTypes(names: string[]): AnyDeviceType[] {
  if (!names.length) return registry.list();
  return names.flatMap((n) => {
    if (n === 'board') return [];
    const byPackage = devicePackages[n];
    if (byPackage) return [...byPackage];
    const t = registry.get(n);
    if (t) return [t];
    const known = [...Object.keys(devicePackages), ...registry.list().map((x) => x.driver), 'board'];
    throw new UsageError(`conformance: unknown package or driver '${n}' (${known.join(', ')})`);
  });
}

function conformance(args: string[]): number {
  const json = args.includes('--json');
  if (json) args.splice(args.indexOf('--json'), 1);
  const seed = intArg(args, '--seed', 1);
  const accesses = intArg(args, '--accesses', 2000);
  const flag = args.find((a) => a.startsWith('-'));
  if (flag) throw new UsageError(`conformance: unknown option '${flag}'`);
  const types = selectTypes(args);
  const board = args.length === 0 || args.includes('board');
  const results = [
    ...runConformance(types, { seed, accesses, requiredProps: conformanceRequiredProps }),
    ...(board ? runBoardConformance({ seed, accesses }) : []),
  ];
  const failed = results.filter((r) => r.status === 'fail').length;
  const devices = types.length + (board ? BOARD_FUNCTIONS.length : 0);
  const summary = { devices, checks: results.length, failed, seed, accesses };
  if (json) console.log(JSON.stringify({ summary, results }, null, 2));
  else {
    for (const r of results) console.log(formatResult(r));
    const skipped = results.filter((r) => r.status === 'skip').length;
    console.log(
      `${devices} device(s), ${results.length} checks, ${failed} failed, ${skipped} skipped (seed ${seed})`,
    );
  }
  return failed ? 1 : 0;
}

export function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === 'matrix') return matrix(rest);
    if (cmd === 'conformance') return conformance(rest);
    throw new UsageError(
      `usage: rig matrix [--ci] [--firmware …] [--policy …] [--model …] [--memory …] [--junit FILE] [--json]\n` +
        `       rig conformance [<package or driver>… | board] [--seed N] [--accesses N] [--json]`,
    );
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`rig: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

process.exitCode = main(process.argv.slice(2));
