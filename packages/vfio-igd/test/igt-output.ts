// Runs igt-gpu-tools' intel_vbt_decode / intel_opregion_decode (Debian package intel-gpu-tools) and
// parses their text output into comparable entries. The tools print one "label: value" per line,
// nested by tabs; a few lines have no colon (device type flags, the panel mode line, "X? yes").
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The real VBTs (see fixtures/vbt/README.md). */
export const VBT_DIR = fileURLToPath(new URL('./fixtures/vbt', import.meta.url));
export const VBT_FILES = readdirSync(VBT_DIR).filter((f) => f.endsWith('.vbt'));

export type IgtValue = number | boolean | string;

export interface IgtEntry {
  /** "Header/label" path within the block scope (scope headers like "Panel 2 *" excluded). */
  readonly key: string;
  readonly value: IgtValue;
  readonly text: string;
}

/** A scope inside a block: the block itself, one "Panel N" or one "Child device info". */
export interface IgtScope {
  readonly kind: 'block' | 'panel' | 'child';
  readonly index: number;
  readonly entries: IgtEntry[];
}

export interface IgtBlock {
  readonly id: number;
  readonly size: number;
  readonly title: string;
  readonly scopes: IgtScope[];
}

/** The tool's path; undefined (tests skip) when absent, unless VMKIT_REQUIRE_TOOLS=1 (then throws). */
export function findTool(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (r.status === 0) return r.stdout.trim();
  if (process.env.VMKIT_REQUIRE_TOOLS === '1')
    throw new Error(`${name} is required (VMKIT_REQUIRE_TOOLS=1): scripts/ci/setup-intel-gpu-tools.sh`);
  return undefined;
}

export function runTool(tool: string, args: string[]): { out: string; err: string; code: number | null } {
  const r = spawnSync(tool, args, { encoding: 'latin1', timeout: 30_000 });
  return { out: r.stdout, err: r.stderr, code: r.status };
}

/**
 * The value as igt means it: a leading 0x number ("0x0008 (LFP 1 (eDP))"), else the raw value in
 * trailing parentheses ("DP-A (0x0a)", "120 MHz (0x0)"), else yes/no, else a plain integer; anything
 * else stays text.
 */
export function igtValue(text: string): IgtValue {
  const lead = /^0x([0-9a-f]+)\b/i.exec(text);
  if (lead) return Number.parseInt(lead[1], 16);
  const trail = /\(0x([0-9a-f]+)\)$/i.exec(text);
  if (trail) return Number.parseInt(trail[1], 16);
  if (text === 'yes' || text === 'no') return text === 'yes';
  if (/^-?\d+$/.test(text)) return Number.parseInt(text, 10);
  return text;
}

function indentOf(line: string): number {
  const m = /^(\t*)( *)/.exec(line)!;
  return m[1].length * 2 + m[2].length;
}

/**
 * igt prints "lanes: X%d" without a newline before the next "\t\t\tpre-emphasis" field
 * (dump_edp()); split such glued lines back into one line each.
 */
function unglue(line: string): string[] {
  const m = /^(\t+)(\S.*?\S)(\t+)(\S.*)$/.exec(line);
  if (!m?.[2].includes(': ')) return [line];
  return [`${m[1]}${m[2]}`, `${m[3]}${m[4]}`];
}

function splitLabel(body: string): { label: string; text: string } | undefined {
  const q = /^(.*\?) (yes|no)$/.exec(body);
  if (q) return { label: q[1], text: q[2] };
  const i = body.indexOf(':');
  if (i < 0) return undefined;
  return { label: body.slice(0, i), text: body.slice(i + 1).trim() };
}

/** Parses the "BDB block N (S bytes) - title:" sections of intel_vbt_decode's output. */
export function parseVbtDecode(out: string): Map<number, IgtBlock> {
  const blocks = new Map<number, IgtBlock>();
  let block: IgtBlock | undefined;
  let scope: IgtScope | undefined;
  let headers: { indent: number; label: string }[] = [];
  for (const raw of out.split('\n').flatMap(unglue)) {
    const head = /^BDB block (\d+) \((\d+) bytes\) - (.*):$/.exec(raw);
    if (head) {
      scope = { kind: 'block', index: 0, entries: [] };
      block = { id: Number(head[1]), size: Number(head[2]), title: head[3], scopes: [scope] };
      blocks.set(block.id, block);
      headers = [];
      continue;
    }
    if (!block || !scope || raw.trim() === '') continue;
    const indent = indentOf(raw);
    const body = raw.trim();
    headers = headers.filter((h) => h.indent < indent);
    const panel = /^Panel (\d+)( \*)?$/.exec(body);
    if (panel || body === 'Child device info:') {
      const kind = panel ? 'panel' : 'child';
      const index = panel ? Number(panel[1]) : block.scopes.filter((s) => s.kind === 'child').length;
      scope = { kind, index, entries: [] };
      block.scopes.push(scope);
      headers = [];
      continue;
    }
    if (indent <= 2 && scope.kind !== 'block') {
      // Back at block level (e.g. "Panel name offset" after the per-panel pointer lists).
      scope = block.scopes[0];
    }
    const kv = splitLabel(body);
    const prefix = headers.map((h) => `${h.label}/`).join('');
    if (!kv) {
      scope.entries.push({ key: `${prefix}${body}`, value: body, text: body });
      continue;
    }
    if (kv.text === '') {
      headers.push({ indent, label: kv.label });
      continue;
    }
    // A label repeated in one scope (block 44's five "ALS Lux" lines) gets "#n" from its second use.
    const base = `${prefix}${kv.label}`;
    const seen = scope.entries.filter((e) => e.key === base || e.key.startsWith(`${base}#`)).length;
    scope.entries.push({ key: seen ? `${base}#${seen}` : base, value: igtValue(kv.text), text: kv.text });
  }
  return blocks;
}

/** "BDB blocks present:" list and the header fields of intel_vbt_decode's output. */
export function parseVbtHeaders(out: string): { fields: Map<string, string>; present: number[] } {
  const fields = new Map<string, string>();
  const lines = out.split('\n');
  let i = 0;
  for (; i < lines.length && !lines[i].startsWith('BDB blocks present'); i++) {
    const m = /^\t([^:]+):\t+(.*)$/.exec(lines[i]);
    if (m) fields.set(m[1], m[2]);
  }
  const present: number[] = [];
  for (i++; i < lines.length && lines[i].startsWith('\t'); i++)
    for (const n of lines[i].trim().split(/\s+/)) present.push(Number(n));
  return { fields, present };
}

/** intel_opregion_decode's "name:\tvalue" lines, keyed "Mailbox title/name" (arrays as name[i]). */
export function parseOpRegionDecode(out: string): Map<string, string> {
  const fields = new Map<string, string>();
  let section = '';
  for (const line of out.split('\n')) {
    if (line === '') continue;
    if (!line.startsWith('\t')) {
      section = line.replace(/:$/, '');
      continue;
    }
    const m = /^\t+([^:\t]+):\t?(.*)$/.exec(line);
    if (m && m[2].trim() !== '') fields.set(`${section}/${m[1].trim()}`, m[2].trim());
  }
  return fields;
}
