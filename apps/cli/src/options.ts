// The CLI's one argument layer: every command declares its options in a table (name, type, range,
// help line) and gets parsing, range checks, "did you mean", and its --help text from it. A new
// option or command is one more table row: nothing else to wire.
//
// Conventions (GNU getopt_long's): `--name value` or `--name=value`; the value is taken even when
// it starts with '-' (`--memory -1` is refused as a size, not as an unknown option); short flags
// cluster (`-nnv`); a counted flag repeats (`-xxx`); `--` ends the options; `-` alone is an
// argument (standard input). Every number goes through @vmkit/machine's parseNumber.
import { type NumberRule, parseNumber } from '@vmkit/machine';
import { UsageError } from './errors.js';
import { didYouMean } from './suggest.js';

export interface OptionSpec {
  /** Long name without the dashes. */
  name: string;
  short?: string;
  /** flag: on/off; count: how often given (-xxx); string/size/integer/choice: takes a value;
   * list: a comma list, repeatable; repeat: one value per occurrence (commas kept), repeatable. */
  type: 'flag' | 'count' | 'string' | 'size' | 'integer' | 'choice' | 'list' | 'repeat';
  /** The value placeholder in help, e.g. '<size>'. */
  value?: string;
  /** One line for --help (continuation lines may follow after '\n'). */
  help: string;
  /** size/integer: range and form. */
  rule?: NumberRule;
  /** Words accepted besides a number (e.g. 'auto' for --bdsm-size). */
  keywords?: readonly string[];
  /** choice: the accepted words. */
  choices?: readonly string[];
  /** Extra check of a string/list item: an error text, or undefined when fine. */
  check?: (value: string) => string | undefined;
  /** Shown in help as (default …). */
  default?: string;
}

export interface CommandSpec {
  /** As typed after `vmkit`, e.g. 'boot' or 'opregion decode'. */
  name: string;
  /** What follows the name in the usage line, e.g. '[options] <file>'. */
  usage: string;
  summary: string;
  /** Paragraph(s) after the usage line. */
  description?: string;
  options: OptionSpec[];
  /** How many positional arguments the command takes. */
  positionals?: { min: number; max: number; name: string };
  /** Text after the option list (formats, examples). */
  epilogue?: string;
}

export type OptionValue = string | number | boolean | string[];
export interface ParsedArgs {
  values: Record<string, OptionValue | undefined>;
  positionals: string[];
}

const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', type: 'flag', help: 'print this help' };

function takesValue(o: OptionSpec): boolean {
  return o.type !== 'flag' && o.type !== 'count';
}

function convert(o: OptionSpec, text: string, previous: OptionValue | undefined): OptionValue {
  const label = `--${o.name}`;
  if (o.type === 'size' || o.type === 'integer') {
    if (o.keywords?.includes(text)) return text;
    const r = parseNumber(text, o.rule ?? { kind: o.type });
    if (!r.ok)
      throw new UsageError(`${label}: ${r.error}${o.keywords ? ` (or ${o.keywords.join('/')})` : ''}`);
    return r.value;
  }
  if (text === '') throw new UsageError(`${label}: the value is empty`);
  if (o.type === 'choice') {
    const choices = o.choices ?? [];
    if (!choices.includes(text)) {
      throw new UsageError(
        `${label}: '${text}' is not one of ${choices.join(', ')}${didYouMean(text, choices)}`,
      );
    }
    return text;
  }
  if (o.type === 'repeat') {
    const e = o.check?.(text);
    if (e) throw new UsageError(`${label}: ${e}`);
    return [...((previous as string[] | undefined) ?? []), text];
  }
  if (o.type === 'list') {
    const items = text.split(',').filter(Boolean);
    for (const item of items) {
      const e = o.check?.(item);
      if (e) throw new UsageError(`${label}: ${e}`);
    }
    return [...((previous as string[] | undefined) ?? []), ...items];
  }
  const e = o.check?.(text);
  if (e) throw new UsageError(`${label}: ${e}`);
  return text;
}

/** Parse `argv` (after the command name) against a command's table. Throws UsageError (exit 2)
 * with one line naming the option and, for a typo, the option meant. */
export function parseCommandLine(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const options = [...spec.options, HELP_OPTION];
  const values: ParsedArgs['values'] = {};
  const positionals: string[] = [];
  const set = (o: OptionSpec, text: string | undefined) => {
    if (o.type === 'flag') values[o.name] = true;
    else if (o.type === 'count') values[o.name] = ((values[o.name] as number | undefined) ?? 0) + 1;
    else values[o.name] = convert(o, text!, values[o.name]);
  };
  let i = 0;
  const valueFor = (o: OptionSpec, inline: string | undefined, shown: string): string => {
    if (inline !== undefined) return inline;
    if (i >= argv.length) throw new UsageError(`${shown} needs a value ${o.value ?? ''}`.trimEnd());
    return argv[i++]!;
  };
  while (i < argv.length) {
    const arg = argv[i++]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const o = options.find((x) => x.name === name);
      if (!o) {
        const names = options.map((x) => x.name);
        throw new UsageError(`unknown option '--${name}'${didYouMean(name, names, '--')}`);
      }
      if (!takesValue(o) && eq >= 0) throw new UsageError(`--${name} takes no value`);
      set(o, takesValue(o) ? valueFor(o, eq < 0 ? undefined : arg.slice(eq + 1), `--${name}`) : undefined);
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let k = 1; k < arg.length; k++) {
        const o = options.find((x) => x.short === arg[k]);
        if (!o) {
          const shorts = options.flatMap((x) => (x.short ? [x.short] : []));
          const hint = didYouMean(
            arg.slice(1),
            options.map((x) => x.name),
            '--',
          );
          throw new UsageError(
            `unknown option '-${arg[k]}'${hint || (shorts.length ? ` (short options: -${shorts.join(', -')})` : '')}`,
          );
        }
        if (takesValue(o)) {
          const rest = arg.slice(k + 1);
          set(o, valueFor(o, rest === '' ? undefined : rest, `-${o.short}`));
          break;
        }
        set(o, undefined);
      }
    } else positionals.push(arg);
  }
  if (values.help) return { values, positionals };
  const p = spec.positionals ?? { min: 0, max: 0, name: '' };
  if (positionals.length > p.max) throw new UsageError(`unexpected argument '${positionals[p.max]}'`);
  if (positionals.length < p.min)
    throw new UsageError(`missing ${p.name} (usage: vmkit ${spec.name} ${spec.usage})`);
  return { values, positionals };
}

function optionLabel(o: OptionSpec): string {
  const long = `--${o.name}${takesValue(o) ? ` ${o.value ?? '<value>'}` : ''}`;
  return o.short ? `-${o.short}, ${long}` : `    ${long}`;
}

/** The command's --help text, from its table. */
export function renderHelp(spec: CommandSpec, footer: string): string {
  const out = [`usage: vmkit ${spec.name} ${spec.usage}`, ''];
  out.push(spec.summary.charAt(0).toUpperCase() + spec.summary.slice(1));
  if (spec.description) out.push('', spec.description);
  out.push('', 'Options:');
  const rows = [...spec.options, HELP_OPTION].map((o) => {
    const lines = o.help.split('\n');
    if (o.default !== undefined) {
      const d = `(default ${o.default})`;
      if (lines[lines.length - 1]!.length + d.length > 70) lines.push(d);
      else lines[lines.length - 1] += ` ${d}`;
    }
    return [optionLabel(o), lines] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  for (const [label, lines] of rows) {
    out.push(`  ${label.padEnd(width)}${lines[0]}`);
    for (const l of lines.slice(1)) out.push(`  ${''.padEnd(width)}${l}`);
  }
  if (spec.epilogue) out.push('', spec.epilogue);
  out.push('', footer);
  return `${out.join('\n')}\n`;
}
