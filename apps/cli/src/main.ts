#!/usr/bin/env node
// `vmkit` — boot a PC with an assigned IGD and report the OpRegion/BDSM handshake; decode
// OpRegions, VBTs and linker scripts. Run from the repo root as `pnpm vmkit …`, or the built
// `node apps/cli/dist/main.js …`.
import { UsageError } from './errors.js';

const HELP = `vmkit — PC device models and the assigned-IGD OpRegion/BDSM handshake

usage:
  vmkit boot [options]             boot a machine and report the IGD handshake
  vmkit opregion decode <file>     decode an OpRegion (i915_opregion dump, or etc/igd-opregion)
  vmkit vbt decode <file>          decode a Video BIOS Table
  vmkit linker decode <file>       decode an etc/table-loader script
  vmkit models                     list the synthetic IGD models

Run 'vmkit <command> --help' for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(`${HELP}\n`);
    return cmd ? 0 : 2;
  }
  switch (cmd) {
    case 'boot': {
      const { bootCommand } = await import('./boot.js');
      return bootCommand(rest);
    }
    case 'opregion':
    case 'vbt':
    case 'linker': {
      const { decodeCommand } = await import('./decode.js');
      return decodeCommand(cmd, rest);
    }
    case 'models': {
      const { modelsCommand } = await import('./decode.js');
      return modelsCommand(rest);
    }
    default:
      throw new UsageError(`unknown command '${cmd}' (try: vmkit --help)`);
  }
}

// A reader that goes away early (`vmkit models | head`) is not an error: stop quietly, as
// coreutils do on SIGPIPE. Node reports it as an asynchronous EPIPE on stdout.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  process.stderr.write(`vmkit: cannot write output: ${e.message}\n`);
  process.exit(74);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`vmkit: ${e.message}\n`);
      process.exitCode = e.code;
    } else {
      const err = e as Error;
      process.stderr.write(`vmkit: internal error: ${err?.message ?? String(e)}\n`);
      if (process.env.VMKIT_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
      process.exitCode = 70;
    }
  },
);
