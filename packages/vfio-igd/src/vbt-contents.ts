// The contents of a VBT's BDB blocks: which decoder reads which block id, with the context (BDB
// version, generation, cross-block pointers) each needs. Block ids and the decoders i915 has for
// them: Linux drivers/gpu/drm/i915/display/intel_bios.c (intel_bios_init(), parse_*()).

import type { DecodedVbt, VbtBlock } from './vbt.js';
import {
  decodeGeneralDefinitions,
  decodeLegacyChildDevices,
  type GeneralDefinitions,
  type LegacyChildDevices,
} from './vbt-child.js';
import {
  type Backlight,
  type DecodeContext,
  type DriverFeatures,
  decodeBacklight,
  decodeDriverFeatures,
  decodeEdp,
  decodeGeneralFeatures,
  decodePsr,
  type EdpPanel,
  type GeneralFeatures,
  type PsrPanel,
} from './vbt-features.js';
import {
  decodeGenericDtds,
  decodeLfpData,
  decodeLfpDataPointers,
  decodeLfpOptions,
  type GenericDtds,
  generateLfpDataPointers,
  type LfpDataPanel,
  type LfpDataPointers,
  type LfpOptions,
} from './vbt-panel.js';
import { decodeLfpPower, type LfpPower } from './vbt-power.js';
import { BlockReader } from './vbt-reader.js';

export type { ChildDevice, GeneralDefinitions, LegacyChildDevices } from './vbt-child.js';
export type { Backlight, DriverFeatures, EdpPanel, GeneralFeatures, PsrPanel } from './vbt-features.js';
export type { Dtd, GenericDtds, LfpDataPanel, LfpDataPointers, LfpOptions } from './vbt-panel.js';
export type { LfpPower, LfpPowerPanel } from './vbt-power.js';
export type { Named } from './vbt-reader.js';

/** What a decoded block holds, by decoder. */
export type VbtBlockContent =
  | { readonly kind: 'general-features'; readonly fields: GeneralFeatures }
  | { readonly kind: 'general-definitions'; readonly fields: GeneralDefinitions }
  | { readonly kind: 'legacy-child-devices'; readonly fields: LegacyChildDevices }
  | { readonly kind: 'psr'; readonly fields: { readonly panels: readonly PsrPanel[] } }
  | { readonly kind: 'driver-features'; readonly fields: DriverFeatures }
  | { readonly kind: 'edp'; readonly fields: { readonly panels: readonly EdpPanel[] } }
  | { readonly kind: 'lfp-options'; readonly fields: LfpOptions }
  | { readonly kind: 'lfp-data-pointers'; readonly fields: LfpDataPointers }
  | {
      readonly kind: 'lfp-data';
      readonly fields: {
        /** Where the table pointers came from: block 41, or synthesised (no block 41, BDB 155+). */
        readonly pointers: 'block 41' | 'generated';
        readonly panels: readonly LfpDataPanel[];
      };
    }
  | { readonly kind: 'lfp-backlight'; readonly fields: Backlight }
  | { readonly kind: 'lfp-power'; readonly fields: LfpPower }
  | { readonly kind: 'generic-dtd'; readonly fields: GenericDtds };

export interface DecodedVbtBlock extends VbtBlock {
  /** Absent when vmkit has no decoder for the block (or, for id 9, the BDB predates the PSR block). */
  readonly content?: VbtBlockContent;
}

export interface VbtContents {
  readonly version: number;
  /** Block 40's panel_type: the index of this machine's panel in every per-panel table. */
  readonly panelType?: number;
  readonly blocks: readonly DecodedVbtBlock[];
}

export interface VbtContentOptions {
  /** Display generation, when known (see DecodeContext.gen). */
  readonly gen?: number;
}

/** Block ids vmkit decodes. */
export const DECODED_BLOCK_IDS: readonly number[] = [1, 2, 9, 11, 12, 27, 40, 41, 42, 43, 44, 58];

function readerFor(bytes: Uint8Array, b: VbtBlock): BlockReader {
  return new BlockReader(bytes, b.offset + 3, b.size);
}

interface Scope {
  readonly bytes: Uint8Array;
  readonly vbt: DecodedVbt;
  readonly ctx: DecodeContext;
  readonly first: ReadonlyMap<number, VbtBlock>;
}

/** Block 41 as i915 sees it: decoded, or synthesised when absent (BDB 155+). */
function lfpPointers(s: Scope): LfpDataPointers | undefined {
  const data = s.first.get(42);
  const bdbAt = s.vbt.base + (s.vbt.header?.bdbOffset ?? 0);
  const dataStart = data ? data.offset + 3 - bdbAt : 0;
  const dataSize = data?.size ?? 0;
  const ptrs = s.first.get(41);
  if (ptrs) return decodeLfpDataPointers(readerFor(s.bytes, ptrs), dataStart, dataSize);
  return generateLfpDataPointers(dataStart, dataSize, s.ctx.version);
}

function decodeContent(s: Scope, b: VbtBlock): VbtBlockContent | undefined {
  const r = readerFor(s.bytes, b);
  const v = s.ctx.version;
  switch (b.id) {
    case 1:
      return { kind: 'general-features', fields: decodeGeneralFeatures(r, s.ctx) };
    case 2:
      return { kind: 'general-definitions', fields: decodeGeneralDefinitions(r, v) };
    case 9: {
      const psr = decodePsr(r, s.ctx);
      return psr && { kind: 'psr', fields: psr };
    }
    case 11:
      return { kind: 'legacy-child-devices', fields: decodeLegacyChildDevices(r, v) };
    case 12:
      return { kind: 'driver-features', fields: decodeDriverFeatures(r) };
    case 27:
      return { kind: 'edp', fields: decodeEdp(r, s.ctx) };
    case 40:
      return { kind: 'lfp-options', fields: decodeLfpOptions(r, v) };
    case 41:
      return lfpContent(s, 'lfp-data-pointers');
    case 42:
      return lfpContent(s, 'lfp-data', r);
    case 43:
      return { kind: 'lfp-backlight', fields: decodeBacklight(r, s.ctx) };
    case 44:
      return { kind: 'lfp-power', fields: decodeLfpPower(r, v) };
    case 58:
      return { kind: 'generic-dtd', fields: decodeGenericDtds(r) };
    default:
      return undefined;
  }
}

function lfpContent(
  s: Scope,
  kind: 'lfp-data-pointers' | 'lfp-data',
  r?: BlockReader,
): VbtBlockContent | undefined {
  const ptrs = lfpPointers(s);
  if (!ptrs) return undefined;
  if (kind === 'lfp-data-pointers') return { kind, fields: ptrs };
  // i915 ignores block 42 when the pointers fail validation; so do we.
  if (ptrs.invalid || !r) return undefined;
  const pointers = ptrs.generated ? 'generated' : 'block 41';
  return { kind, fields: { pointers, ...decodeLfpData(r, ptrs, s.ctx.version) } };
}

/**
 * Decodes the contents of every block vmkit understands (ids in DECODED_BLOCK_IDS). `vbt` is the
 * result of decodeVbt() over the same `bytes`. Never throws: a short block reads as zero-filled,
 * as in i915; fields a BDB version does not define are left out.
 */
export function decodeVbtContents(
  bytes: Uint8Array,
  vbt: DecodedVbt,
  opts: VbtContentOptions = {},
): VbtContents {
  const version = vbt.bdb?.version ?? 0;
  const first = new Map<number, VbtBlock>();
  for (const b of vbt.blocks) if (!first.has(b.id)) first.set(b.id, b);
  const scope: Scope = { bytes, vbt, ctx: { version, gen: opts.gen }, first };
  const options = first.get(40);
  return {
    version,
    ...(options ? { panelType: bytes[options.offset + 3] ?? 0 } : {}),
    blocks: vbt.blocks.map((b) => {
      const content = first.get(b.id) === b ? decodeContent(scope, b) : undefined;
      return content ? { ...b, content } : { ...b };
    }),
  };
}

/** The bytes of one block, header included (id, size), as intel_vbt_decode --hexdump shows them. */
export function vbtBlockBytes(bytes: Uint8Array, b: VbtBlock): Uint8Array {
  return bytes.subarray(b.offset, Math.min(bytes.length, b.offset + 3 + b.size));
}
