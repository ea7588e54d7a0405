// Differential test: vmkit's VBT decoder against igt-gpu-tools' intel_vbt_decode (Debian package
// intel-gpu-tools, the tool i915 developers use), over every real VBT in test/fixtures/vbt, field for
// field on every block both decode. Where the two disagree the mapping (vbt-oracle-map.ts) or a
// test below says who is right, from i915's intel_bios.c. Skips without the tool unless
// VMKIT_REQUIRE_TOOLS=1 (CI installs it with scripts/ci/setup-intel-gpu-tools.sh).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeVbt, decodeVbtContents, type VbtBlockContent, type VbtContents } from '@vmkit/vfio-igd';
import { describe, expect, it } from 'vitest';
import {
  findTool,
  type IgtBlock,
  type IgtEntry,
  parseVbtDecode,
  parseVbtHeaders,
  runTool,
  VBT_DIR,
  VBT_FILES,
} from './igt-output.js';
import * as M from './vbt-oracle-map.js';

const DIR = VBT_DIR;
const FILES = VBT_FILES;
const TOOL = findTool('intel_vbt_decode');

interface Mismatch {
  readonly where: string;
  readonly igt: string;
  readonly ours: unknown;
}

function same(igt: IgtEntry['value'], ours: unknown): boolean {
  if (typeof igt === 'boolean') return typeof ours === 'boolean' && ours === igt;
  if (typeof igt === 'number') return typeof ours === 'number' && ours === igt;
  return String(ours) === igt;
}

type AnyMap = Readonly<Record<string, (f: never) => unknown>>;

function compare(
  where: string,
  entries: readonly IgtEntry[],
  map: AnyMap,
  fields: unknown,
  out: Mismatch[],
): number {
  let n = 0;
  for (const e of entries) {
    const f = map[e.key] as ((x: unknown) => unknown) | undefined;
    if (!f) {
      out.push({ where: `${where}: igt line "${e.key}" has no mapping`, igt: e.text, ours: undefined });
      continue;
    }
    const ours = f(fields);
    if (ours === M.SKIP) continue;
    n++;
    if (!same(e.value, ours)) out.push({ where: `${where}: ${e.key}`, igt: e.text, ours });
  }
  return n;
}

/** Device-type flag lines (no colon) of one child, back to the device_type bits igt printed. */
function flagBits(entries: readonly IgtEntry[]): { bits: number; rest: IgtEntry[] } {
  let bits = 0;
  const rest: IgtEntry[] = [];
  for (const e of entries) {
    const bit = M.IGT_TYPE_BITS[e.key];
    if (bit === undefined) rest.push(e);
    else bits |= 1 << bit;
  }
  return { bits: bits ^ (1 << 11), rest };
}

function comparePanels(
  where: string,
  block: IgtBlock,
  panels: readonly { panel: number }[],
  map: AnyMap,
  out: Mismatch[],
): number {
  let n = 0;
  for (const s of block.scopes.filter((x) => x.kind === 'panel')) {
    const p = panels.find((x) => x.panel === s.index);
    const entries = s.entries.map((e) =>
      e.key.includes(' clock ') && e.value === e.text ? { ...e, key: 'MODE_LINE' } : e,
    );
    n += compare(`${where} panel ${s.index}`, entries, map, p, out);
  }
  return n;
}

function compareChildren(where: string, block: IgtBlock, content: VbtBlockContent, out: Mismatch[]): number {
  if (content.kind !== 'general-definitions' && content.kind !== 'legacy-child-devices') return 0;
  const igtChildren = block.scopes.filter((s) => s.kind === 'child');
  const ours = content.fields.childDevices;
  if (igtChildren.length !== ours.length)
    out.push({ where: `${where}: child device count`, igt: String(igtChildren.length), ours: ours.length });
  let n = 0;
  igtChildren.forEach((s, i) => {
    const c = ours[i];
    const { bits, rest } = flagBits(s.entries);
    n++;
    if (c && bits !== (c.deviceType.value & 0xffff))
      out.push({
        where: `${where} child ${i}: device type flags`,
        igt: bits.toString(16),
        ours: c.deviceType.value.toString(16),
      });
    n += compare(`${where} child ${i}`, rest, M.CHILD_DEVICE, c, out);
  });
  return n;
}

function compareBlock(
  where: string,
  block: IgtBlock,
  content: VbtBlockContent,
  version: number,
  out: Mismatch[],
): number {
  const top = block.scopes[0].entries;
  const f = content.fields as never;
  const panels = 'panels' in content.fields ? (content.fields.panels as readonly { panel: number }[]) : [];
  /** The block-level lines with `map`, then each "Panel N" scope with `panelMap`. */
  const both = (map: AnyMap | undefined, panelMap: AnyMap | undefined) =>
    (map ? compare(where, top, map, f, out) : 0) +
    (panelMap ? comparePanels(where, block, panels, panelMap, out) : 0);
  switch (content.kind) {
    case 'general-features':
      return both(M.GENERAL_FEATURES, undefined);
    case 'general-definitions':
      return both(M.GENERAL_DEFINITIONS, undefined) + compareChildren(where, block, content, out);
    case 'legacy-child-devices':
      return both(M.LEGACY_CHILD_DEVICES, undefined) + compareChildren(where, block, content, out);
    case 'lfp-power':
      return both(M.LFP_POWER, M.LFP_POWER_PANEL);
    case 'psr':
      return both(undefined, M.PSR_PANEL);
    case 'driver-features':
      return both(M.DRIVER_FEATURES, undefined);
    case 'edp':
      return both(undefined, M.EDP_PANEL);
    case 'lfp-options':
      return both(M.LFP_OPTIONS, M.LFP_OPTIONS_PANEL);
    case 'lfp-data-pointers':
      return both(M.LFP_POINTERS, M.LFP_POINTERS_PANEL);
    case 'lfp-data':
      return both(undefined, M.LFP_DATA_PANEL);
    case 'lfp-backlight':
      if (!content.fields.entrySizeValid)
        return top.some((e) => e.key.startsWith("Backlight struct sizes don't match")) ? 1 : 0;
      return both(undefined, M.BACKLIGHT_PANEL(version));
    case 'generic-dtd':
      return 0; // igt 1.27.1 has no decoder for block 58 (tested with a built block in vbt-blocks.test.ts)
  }
}

function igtRun(file: string) {
  const r = runTool(TOOL!, ['--file', join(DIR, file), '--all-panels']);
  expect(r.code, r.err).toBe(0);
  return r.out;
}

function ours(file: string): { bytes: Uint8Array; contents: VbtContents; vbt: ReturnType<typeof decodeVbt> } {
  const bytes = new Uint8Array(readFileSync(join(DIR, file)));
  const vbt = decodeVbt(bytes);
  return { bytes, vbt, contents: decodeVbtContents(bytes, vbt) };
}

describe.skipIf(!TOOL)('VBT contents match intel_vbt_decode (igt-gpu-tools), field for field', () => {
  it.each(FILES)('%s', (file) => {
    const out = igtRun(file);
    const { contents } = ours(file);
    const igt = parseVbtDecode(out);
    const mismatches: Mismatch[] = [];
    let compared = 0;
    let blocksCompared = 0;
    for (const b of contents.blocks) {
      const ib = igt.get(b.id);
      if (!b.content || !ib) continue;
      blocksCompared++;
      compared += compareBlock(`block ${b.id}`, ib, b.content, contents.version, mismatches);
    }
    expect(mismatches).toEqual([]);
    // Every block igt decodes and vmkit has a decoder for was compared, with real content.
    expect(blocksCompared).toBeGreaterThanOrEqual(6);
    expect(compared).toBeGreaterThan(100);
  });

  it.each(FILES)('%s: headers and the block list', (file) => {
    const { fields, present } = parseVbtHeaders(igtRun(file));
    const { vbt, contents } = ours(file);
    expect(fields.get('VBT signature')).toBe(
      `"${new TextDecoder('latin1').decode(ours(file).bytes.subarray(0, 20))}"`,
    );
    expect(fields.get('VBT size')).toMatch(new RegExp(`\\(${vbt.header?.vbtSize}\\)$`));
    expect(fields.get('VBT checksum')).toBe(`0x${vbt.header?.checksum.toString(16).padStart(2, '0')}`);
    expect(fields.get('BDB version')).toBe(String(vbt.bdb?.version));
    expect(fields.get('BDB size')).toMatch(new RegExp(`\\(${vbt.bdb?.bdbSize}\\)$`));
    // igt lists the blocks find_raw_section() reaches (not one that overruns bdb_size, as vmkit
    // also reports with a warning) plus block 41 when it synthesises it, as i915 does.
    const reachable = vbt.blocks.filter((b) => !b.beyondBdb).map((b) => b.id);
    const ptrs = contents.blocks.find((b) => b.id === 42) && !reachable.includes(41) ? [41] : [];
    expect(present).toEqual([...new Set([...reachable, ...ptrs])].sort((a, b) => a - b));
  });
});

describe.skipIf(!TOOL)('where intel_vbt_decode and i915 disagree, vmkit follows i915', () => {
  it('PSR TP1/TP2 wake-up times from BDB 205 on gen9+ are an enum (intel_bios.c parse_psr()), not x100 us', () => {
    const { contents } = ours('tgl-starlabs-starbook-tgl.vbt');
    const psr = contents.blocks.find((b) => b.id === 9)?.content;
    if (psr?.kind !== 'psr') throw new Error('no PSR block');
    const p = psr.fields.panels[contents.panelType ?? 0];
    // igt prints "TP1 wakeup time: 200 usec (0x2)"; i915 maps 2 to 2500 us.
    expect(
      runTool(TOOL!, ['--file', join(DIR, 'tgl-starlabs-starbook-tgl.vbt'), '--block', '9']).out,
    ).toMatch(/TP1 wakeup time: 200 usec \(0x2\)/);
    expect(p.tp1WakeupTime).toMatchObject({ value: 2, us: 2500 });
    // Generation known and older than gen 9: i915 uses multiples of 100 us.
    const old = decodeVbtContents(
      ours('tgl-starlabs-starbook-tgl.vbt').bytes,
      ours('tgl-starlabs-starbook-tgl.vbt').vbt,
      { gen: 8 },
    );
    const q = old.blocks.find((b) => b.id === 9)?.content;
    expect(q?.kind === 'psr' && q.fields.panels[2].tp1WakeupTime.us).toBe(200);
  });
});
