#!/usr/bin/env node
// `vmkit` — boot a PC with an assigned IGD and report the OpRegion/BDSM handshake; decode
// OpRegions, VBTs and linker scripts. Run from the repo root as `pnpm vmkit …`, or the built
// `node apps/cli/dist/main.js …`. This entry stays small: each command is loaded on demand.
import { readFileSync } from 'node:fs';
import { EXIT, exitKind, exitStatusHelp, UsageError } from './errors.js';
import { didYouMean } from './suggest.js';
import { tuneV8 } from './v8-tuning.js';

interface Context {
  version: string;
}
type Run = (args: string[], ctx: Context) => number | Promise<number>;

type CommandEntry = { name: string; usage: string; summary: string; load: () => Promise<Run> };

/** `vmkit <what> decode <file>` (decode.ts). */
function decoder(what: 'opregion' | 'vbt' | 'linker', summary: string): CommandEntry {
  return {
    name: what,
    usage: 'decode <file|->',
    summary,
    load: async () => {
      const { decodeCommand } = await import('./decode.js');
      return (args) => decodeCommand(what, args);
    },
  };
}

/** The command table: name, usage, one line of help, and how to load it. */
const COMMANDS: ReadonlyArray<CommandEntry> = [
  {
    name: 'boot',
    usage: '[options]',
    summary: 'boot a machine and report the IGD handshake',
    load: async () => (await import('./boot.js')).bootCommand,
  },
  {
    name: 'resume',
    usage: '<file> [--json]',
    summary: 'continue a boot saved with boot --stop-at <n> --save-state <file>',
    load: async () => (await import('./resume.js')).resumeCommand,
  },
  {
    name: 'lspci',
    usage: '[-n|-nn] [-v] [-x|-xxx|-xxxx] [boot options]',
    summary: "the booted machine's PCI functions, as lspci prints them",
    load: async () => (await import('./lspci.js')).lspciCommand,
  },
  decoder('opregion', 'decode an OpRegion (i915_opregion dump, or etc/igd-opregion)'),
  decoder('vbt', 'decode a Video BIOS Table'),
  decoder('linker', 'decode an etc/table-loader script'),
  {
    name: 'models',
    usage: '[--json]',
    summary: 'list the synthetic IGD models',
    load: async () => (await import('./models.js')).modelsCommand,
  },
  {
    name: 'schema',
    usage: '',
    summary: "print the JSON Schema of 'vmkit boot --json'",
    load: async () => (await import('./schema.js')).schemaCommand,
  },
  {
    name: 'help',
    usage: '[<command>]',
    summary: "this text, or a command's help",
    load: async () => help,
  },
];

function topHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => `${c.name} ${c.usage}`.length)) + 2;
  const rows = COMMANDS.map((c) => `  vmkit ${`${c.name} ${c.usage}`.padEnd(w)} ${c.summary}`);
  return `vmkit — PC device models and the assigned-IGD OpRegion/BDSM handshake

usage:
${rows.join('\n')}
  vmkit --version

Run 'vmkit help <command>' or 'vmkit <command> --help' for a command's options.
With --json, output is one JSON object and errors are JSON on stderr.

${exitStatusHelp()}
`;
}

function findCommand(name: string) {
  const c = COMMANDS.find((x) => x.name === name);
  if (!c) {
    throw new UsageError(
      `unknown command '${name}'${didYouMean(
        name,
        COMMANDS.map((x) => x.name),
      )} (try: vmkit --help)`,
    );
  }
  return c;
}

async function help(args: string[], ctx: Context): Promise<number> {
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h') {
    process.stdout.write(topHelp());
    return EXIT.ok;
  }
  if (args.length > 1)
    throw new UsageError(`unexpected argument '${args[1]}' (usage: vmkit help [<command>])`);
  const c = findCommand(args[0]!);
  return (await c.load())(['--help'], ctx);
}

function version(): string {
  // src/main.ts and dist/main.js both sit one level below the package's package.json.
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd) {
    process.stderr.write(topHelp()); // a usage error: the usage goes to stderr
    return EXIT.usage;
  }
  if (cmd === '--help' || cmd === '-h') return help([], { version: '' });
  if (cmd === '--version' || cmd === '-V') {
    process.stdout.write(`vmkit ${version()}\n`);
    return EXIT.ok;
  }
  const c = findCommand(cmd);
  tuneV8(); // before the command's code (the machine) is loaded and compiled
  return (await c.load())(rest, { version: version() });
}

/** Whether the user asked for JSON (errors then go to stderr as JSON too). */
function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

function reportError(messages: readonly string[], code: number, json: boolean): void {
  if (json) {
    const error = { kind: exitKind(code), exitCode: code, messages };
    process.stderr.write(`${JSON.stringify({ error })}\n`);
  } else for (const m of messages) process.stderr.write(`vmkit: ${m}\n`);
}

// A reader that goes away early (`vmkit models | head`) is not an error: stop quietly, as
// coreutils do on SIGPIPE. Node reports it as an asynchronous EPIPE on stdout.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(EXIT.ok);
  reportError([`cannot write output: ${e.message}`], EXIT.input, wantsJson(process.argv.slice(2)));
  process.exit(EXIT.input);
});

const argv = process.argv.slice(2);
main(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      reportError(e.messages, e.code, wantsJson(argv));
      process.exitCode = e.code;
    } else {
      const err = e as Error;
      const first = (err?.message ?? String(e)).split('\n')[0];
      reportError([`internal error: ${first}`], EXIT.internal, wantsJson(argv));
      if (process.env.VMKIT_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
      process.exitCode = EXIT.internal;
    }
  },
);
