// `vmkit resume <file> [--json]`: continue a boot saved with `vmkit boot --stop-at N --save-state
// <file>`. The file holds the machine's snapshot and the boot options that built it; the machine
// is rebuilt from those options (the same firmware and host files must still be there: another
// config is refused), restored, and booted on to its goal. The report, instruction count and log
// equal the uninterrupted boot's.
import { decodeSnapshot, type MachineSnapshot, SnapshotError } from '@vmkit/machine';
import { BOOT_COMMAND, type CommandContext, printBoot, runMachine } from './boot.js';
import { EXIT, exitStatusHelp, inputError } from './errors.js';
import { readBytes, writeStdout } from './files.js';
import { type CommandSpec, parseCommandLine, renderHelp } from './options.js';

export const RESUME_COMMAND: CommandSpec = {
  name: 'resume',
  usage: '<file> [--json]',
  summary: 'continue a boot saved with vmkit boot --stop-at <n> --save-state <file>',
  options: BOOT_COMMAND.options.filter((o) => ['json', 'debugcon', 'trace'].includes(o.name)),
  positionals: { min: 1, max: 1, name: '<file>' },
  description:
    "The boot options saved in the file rebuild the machine; --trace and --debugcon apply from\nhere on. The goal and exit status are the original boot's.",
};

/** A state file: a snapshot whose meta holds the boot arguments. */
export function readStateFile(path: string): { snap: MachineSnapshot; argv: string[] } {
  const bytes = readBytes(path, 'saved state', 1024 * 1024 * 1024);
  let snap: MachineSnapshot;
  try {
    snap = decodeSnapshot(bytes);
  } catch (e) {
    if (e instanceof SnapshotError) throw inputError(`${path}: ${e.message}`);
    throw e;
  }
  const argv = (snap.meta as { argv?: unknown } | undefined)?.argv;
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string'))
    throw inputError(
      `${path}: not a vmkit boot state (no boot options saved; make it with vmkit boot --save-state)`,
    );
  return { snap, argv };
}

export async function resumeCommand(args: string[], ctx: CommandContext): Promise<number> {
  const own = parseCommandLine(RESUME_COMMAND, args);
  if (own.values.help) {
    process.stdout.write(renderHelp(RESUME_COMMAND, exitStatusHelp()));
    return EXIT.ok;
  }
  const path = own.positionals[0]!;
  const { snap, argv } = readStateFile(path);
  const { values } = parseCommandLine(BOOT_COMMAND, argv);
  for (const k of ['json', 'debugcon', 'trace'] as const) values[k] = own.values[k];
  const json = values.json === true;
  const run = runMachine(values, process.stderr.isTTY && !json, {
    restore: snap,
    restoreName: path,
    streamTrace: json ? undefined : writeStdout,
  });
  return printBoot(run, values, ctx);
}
