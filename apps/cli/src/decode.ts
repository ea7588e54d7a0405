// `vmkit opregion decode`, `vmkit vbt decode`, `vmkit linker decode`, `vmkit models`.
import { DEFAULT_MAX_ENTRIES, decodeLoader, ENTRY_SIZE, formatLoader } from '@vmkit/bios-linker';
import {
  type BlobKind,
  decodeOpRegion,
  decodeVbt,
  decodeVbtContents,
  formatOpRegion,
  formatVbt,
  identifyBlob,
  OPREGION_SIZE,
  vbtBlockBytes,
} from '@vmkit/vfio-igd';
import { parse } from './args.js';
import { UsageError } from './errors.js';
import { type InputSpec, inputName, readInput } from './input.js';
import { formatVbtBlock, hexDump } from './vbt-format.js';

type What = 'opregion' | 'vbt' | 'linker';

const DECODE_HELP: Record<What, string> = {
  opregion: `usage: vmkit opregion decode <file|-> [--json]
Decode and validate an Intel OpRegion: header, mailboxes, extended-VBT pointers, the VBT inside.
<file> may be - for standard input. Reads at most 8 KiB + 64 KiB (OpRegion + largest extended VBT).
Exit status 1 when the OpRegion has errors or the input cannot be read or is another kind of file.`,
  vbt: `usage: vmkit vbt decode <file|-> [--block N] [--hexdump] [--all-panels] [--gen N] [--json]
Decode and validate a Video BIOS Table: VBT and BDB headers, checksum, the block list, and the
contents of blocks 1 (general features), 2 (general definitions and every child device), 9 (PSR),
11 (legacy child devices), 12 (driver features), 27 (eDP), 40/41/42 (LFP options, data pointers,
panel data/DTD), 43 (backlight), 44 (LFP power features) and 58 (generic DTDs).
  --block N      only block N (0..255)
  --hexdump      also dump each block's bytes (header included)
  --all-panels   show all 16 entries of per-panel tables (default: the panel block 40 selects, marked *)
  --gen N        display generation (2..20): selects the SSC clock and PSR wake-up time encodings
  --json         machine-readable output
<file> may be - for standard input. Reads at most 65535 bytes (the u16 vbt_size field).
Exit status 1 when the VBT has errors or the input cannot be read or is another kind of file.`,
  linker: `usage: vmkit linker decode <file|-> [--json]
Decode an etc/table-loader (BIOS linker/loader) script, one line per command.
<file> may be - for standard input. Reads at most ${DEFAULT_MAX_ENTRIES} entries of ${ENTRY_SIZE} bytes.
Exit status 1 when the script has errors or the input cannot be read or is another kind of file.`,
};

/** The largest input each decoder reads (see readInput). */
const INPUT: Record<What, InputSpec & { readonly kind: BlobKind; readonly article: string }> = {
  vbt: { what: 'VBT', max: 0xffff, why: 'the u16 vbt_size field', kind: 'vbt', article: 'a VBT' },
  opregion: {
    what: 'OpRegion',
    max: OPREGION_SIZE + 0xffff,
    why: '8 KiB OpRegion + the largest extended VBT',
    kind: 'opregion',
    article: 'an OpRegion',
  },
  linker: {
    what: 'linker script',
    max: DEFAULT_MAX_ENTRIES * ENTRY_SIZE,
    why: `${DEFAULT_MAX_ENTRIES} entries of ${ENTRY_SIZE} bytes, the most decodeLoader accepts`,
    kind: 'linker-script',
    article: 'an etc/table-loader script',
  },
};

/** What an oversized input looks like (identifyBlob on its head), unless it is the expected kind. */
function describeHead(what: What): InputSpec['describe'] {
  return (head, size, last16) => {
    const id = identifyBlob(head, size === undefined ? undefined : { size, last16 });
    return id.kind === INPUT[what].kind || id.kind === 'unknown' ? undefined : id.description;
  };
}

const TRY: Partial<Record<BlobKind, What>> = { vbt: 'vbt', opregion: 'opregion', 'linker-script': 'linker' };

/** A file of another recognisable kind is refused with one line saying what it looks like. */
function checkKind(what: What, name: string, path: string, bytes: Uint8Array, decodedOk: boolean): void {
  if (decodedOk) return;
  const id = identifyBlob(bytes);
  if (id.kind === INPUT[what].kind || id.kind === 'unknown') return;
  const other = TRY[id.kind];
  const hint = other
    ? `; try: vmkit ${other} decode ${path}`
    : what === 'vbt' && id.vbtOffset !== undefined && path !== '-'
      ? `; to decode that VBT: tail -c +${id.vbtOffset + 1} ${path} | vmkit vbt decode -`
      : '';
  throw new UsageError(`${name} is not ${INPUT[what].article}: it looks like ${id.description}${hint}`, 1);
}

function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) => (v instanceof Uint8Array ? undefined : typeof v === 'bigint' ? Number(v) : v),
    2,
  );
}

interface VbtFlags {
  readonly json?: boolean;
  readonly block?: string;
  readonly hexdump?: boolean;
  readonly 'all-panels'?: boolean;
  readonly gen?: string;
}

function intOption(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
    throw new UsageError(`--${name} ${JSON.stringify(text)}: expected an integer ${min}..${max}`);
  return Number(text);
}

function vbtOutput(bytes: Uint8Array, flags: VbtFlags): { ok: boolean; text: string; json: unknown } {
  const blockId = intOption('block', flags.block, 0, 255);
  const d = decodeVbt(bytes);
  const contents = decodeVbtContents(bytes, d, { gen: intOption('gen', flags.gen, 2, 20) });
  const opts = { allPanels: flags['all-panels'], hexdump: flags.hexdump };
  const hexOf = (b: (typeof contents.blocks)[number]) =>
    flags.hexdump ? { bytes: hexDump(vbtBlockBytes(bytes, b), '').join('\n') } : {};
  const show = (b: (typeof contents.blocks)[number]) =>
    formatVbtBlock(b, contents, vbtBlockBytes(bytes, b), opts);
  if (blockId !== undefined) {
    const b = contents.blocks.find((x) => x.id === blockId);
    if (!b)
      throw new UsageError(
        `block ${blockId} is not in this VBT (blocks: ${contents.blocks.map((x) => x.id).join(' ') || 'none'})`,
        1,
      );
    return { ok: d.ok, text: show(b).join('\n'), json: { ...b, ...hexOf(b) } };
  }
  const text = [formatVbt(d), ...contents.blocks.flatMap((b) => ['', ...show(b)])].join('\n');
  const json = {
    ...d,
    panelType: contents.panelType,
    blocks: contents.blocks.map((b) => ({ ...b, ...hexOf(b) })),
  };
  return { ok: d.ok, text, json };
}

function linkerOutput(bytes: Uint8Array): { ok: boolean; text: string; json: unknown } {
  const d = decodeLoader(bytes);
  const ok = d.errors.length === 0;
  const issues = [...d.errors, ...d.warnings].map(
    (i) => `${i.severity}: entry ${i.index} (offset 0x${i.offset.toString(16)}) ${i.field}: ${i.message}`,
  );
  const text = `${formatLoader(d.commands)}${issues.length ? `\n${issues.join('\n')}` : ''}`;
  return { ok, text, json: { ok, commands: d.commands, errors: d.errors, warnings: d.warnings } };
}

function options(what: What) {
  const common = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;
  if (what !== 'vbt') return common;
  return {
    ...common,
    block: { type: 'string' },
    hexdump: { type: 'boolean' },
    'all-panels': { type: 'boolean' },
    gen: { type: 'string' },
  } as const;
}

export async function decodeCommand(what: What, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h') {
    (sub ? process.stdout : process.stderr).write(`${DECODE_HELP[what]}\n`); // usage error: stderr
    return sub ? 0 : 2;
  }
  if (sub !== 'decode')
    throw new UsageError(`unknown subcommand '${what} ${sub}' (try: vmkit ${what} decode <file>)`);
  const { values, positionals } = parse(rest, options(what), 1);
  if (values.help) {
    process.stdout.write(`${DECODE_HELP[what]}\n`);
    return 0;
  }
  const file = positionals[0];
  if (!file) throw new UsageError(`missing <file> (usage: vmkit ${what} decode <file|->)`);
  const bytes = await readInput(file, { ...INPUT[what], describe: describeHead(what) });
  let r: { ok: boolean; text: string; json: unknown };
  if (what === 'opregion') {
    const d = decodeOpRegion(bytes);
    r = { ok: d.ok, text: formatOpRegion(d), json: d };
  } else if (what === 'vbt') {
    r = vbtOutput(bytes, values as VbtFlags);
  } else {
    r = linkerOutput(bytes);
  }
  checkKind(what, inputName(file), file, bytes, r.ok);
  process.stdout.write(values.json ? `${toJson(r.json)}\n` : `${r.text.trimEnd()}\n`);
  return r.ok ? 0 : 1;
}
