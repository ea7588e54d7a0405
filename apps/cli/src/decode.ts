// `vmkit opregion decode`, `vmkit vbt decode`, `vmkit linker decode`.
import { decodeLoader, formatLoader } from '@vmkit/bios-linker';
import { decodeOpRegion, decodeVbt, formatOpRegion, formatVbt } from '@vmkit/vfio-igd';
import { parse } from './args.js';
import { UsageError } from './errors.js';
import { readBytes } from './files.js';

const DECODE_HELP: Record<string, string> = {
  opregion: `usage: vmkit opregion decode <file> [--json]
Decode and validate an Intel OpRegion: header, mailboxes, extended-VBT pointers, the VBT inside.
Exit status 1 when the OpRegion has errors.`,
  vbt: `usage: vmkit vbt decode <file> [--json]
Decode and validate a Video BIOS Table: VBT and BDB headers, checksum, the BDB block list.
Exit status 1 when the VBT has errors.`,
  linker: `usage: vmkit linker decode <file> [--json]
Decode an etc/table-loader (BIOS linker/loader) script, one line per command.
Exit status 1 when the script has errors.`,
};

function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) => (v instanceof Uint8Array ? undefined : typeof v === 'bigint' ? Number(v) : v),
    2,
  );
}

export function decodeCommand(what: 'opregion' | 'vbt' | 'linker', args: string[]): number {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h') {
    (sub ? process.stdout : process.stderr).write(`${DECODE_HELP[what]}\n`); // usage error: stderr
    return sub ? 0 : 2;
  }
  if (sub !== 'decode')
    throw new UsageError(`unknown subcommand '${what} ${sub}' (try: vmkit ${what} decode <file>)`);
  const { values, positionals } = parse(
    rest,
    { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    1,
  );
  if (values.help) {
    process.stdout.write(`${DECODE_HELP[what]}\n`);
    return 0;
  }
  const file = positionals[0];
  if (!file) throw new UsageError(`missing <file> (usage: vmkit ${what} decode <file>)`);
  const bytes = readBytes(file, what === 'linker' ? 'linker script' : what === 'vbt' ? 'VBT' : 'OpRegion');
  let ok: boolean;
  let text: string;
  let json: unknown;
  if (what === 'opregion') {
    const d = decodeOpRegion(bytes);
    ok = d.ok;
    text = formatOpRegion(d);
    json = d;
  } else if (what === 'vbt') {
    const d = decodeVbt(bytes);
    ok = d.ok;
    text = formatVbt(d);
    json = d;
  } else {
    const d = decodeLoader(bytes);
    ok = d.errors.length === 0;
    const issues = [...d.errors, ...d.warnings].map(
      (i) => `${i.severity}: entry ${i.index} (offset 0x${i.offset.toString(16)}) ${i.field}: ${i.message}`,
    );
    text = `${formatLoader(d.commands)}${issues.length ? `\n${issues.join('\n')}` : ''}`;
    json = { ok, commands: d.commands, errors: d.errors, warnings: d.warnings };
  }
  process.stdout.write(values.json ? `${toJson(json)}\n` : `${text.trimEnd()}\n`);
  return ok ? 0 : 1;
}
