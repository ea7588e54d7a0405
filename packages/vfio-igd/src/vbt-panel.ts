// BDB blocks 40 (LFP options), 41 (LFP data table pointers), 42 (LFP data: fp timing, DTD, PnP id,
// panel names) and 58 (generic DTDs). Layouts: Linux drivers/gpu/drm/i915/display/intel_vbt_defs.h
// (struct bdb_lfp_options, bdb_lfp_data_ptrs, lfp_data tables, bdb_generic_dtd); the pointer
// validation and the synthesis of missing pointers: intel_bios.c validate_lfp_data_ptrs(),
// fixup_lfp_data_ptrs(), generate_lfp_data_ptrs(); DTD arithmetic: fill_detail_timing_data() and
// parse_generic_dtd().
import { type BlockReader, type Named, named, panelBits } from './vbt-reader.js';

// ---- block 40: LFP options ----

const CHANNEL_TYPES: Readonly<Record<number, string>> = {
  0: 'automatic',
  1: 'single',
  2: 'dual',
  3: 'reserved',
};
const DPS_TYPES: Readonly<Record<number, string>> = {
  0: 'static DRRS',
  1: 'D2PO',
  2: 'seamless DRRS',
  3: 'reserved',
};
const BLT_TYPES: Readonly<Record<number, string>> = { 0: 'default', 1: 'CCFL', 2: 'LED', 3: 'reserved' };
const POSITIONS: Readonly<Record<number, string>> = { 0: 'inside shell', 1: 'outside shell' };

export interface LfpOptionsPanel {
  readonly panel: number;
  readonly channelType: Named;
  readonly ssc: boolean;
  /** Raw per-panel SSC frequency bit (same meaning as block 1's ssc_freq). */
  readonly sscFreq: number;
  readonly sscDdt: boolean;
  /** Present when the block has the panel_color_depth word (≥ 16 bytes): 0 = 18 bpp, 1 = 24 bpp. */
  readonly colorDepth?: Named;
  readonly dpsType?: Named;
  readonly backlightType?: Named;
  readonly lcdvccS0Enable?: boolean;
  readonly rotation?: Named;
  readonly position?: Named;
}

export interface LfpOptions {
  /** Index of this machine's panel in the per-panel tables (255: ask the OpRegion / PnP id). */
  readonly panelType: number;
  readonly panelType2?: number;
  readonly pfitMode: number;
  readonly pfitTextModeEnhanced: boolean;
  readonly pfitGfxModeEnhanced: boolean;
  readonly pfitRatioAuto: boolean;
  readonly pixelDither: boolean;
  readonly lvdsEdid: boolean;
  /** Per-panel fields, when the block is long enough to hold them (≥ 14 bytes). */
  readonly panels: readonly LfpOptionsPanel[];
}

function decodeLfpOptionsPanel(r: BlockReader, v: number, i: number): LfpOptionsPanel {
  const p: Record<string, unknown> = {
    panel: i,
    channelType: named(panelBits(r.u32(4), i, 2), CHANNEL_TYPES),
    ssc: panelBits(r.u16(8), i, 1) === 1,
    sscFreq: panelBits(r.u16(10), i, 1),
    sscDdt: panelBits(r.u16(12), i, 1) === 1,
  };
  if (r.has(14, 2)) p.colorDepth = named(panelBits(r.u16(14), i, 1), { 0: '18 bpp', 1: '24 bpp' });
  if (r.has(16, 8)) {
    p.dpsType = named(panelBits(r.u32(16), i, 2), DPS_TYPES);
    p.backlightType = named(panelBits(r.u32(20), i, 2), BLT_TYPES);
  }
  if (v >= 200) p.lcdvccS0Enable = panelBits(r.u16(24), i, 1) === 1;
  if (v >= 228) {
    const rot = panelBits(r.u32(26), i, 2);
    p.rotation = { value: rot, name: `${rot * 90} degrees` };
  }
  if (v >= 240) p.position = named(panelBits(r.u32(30), i, 2), POSITIONS, 'reserved');
  return p as unknown as LfpOptionsPanel;
}

export function decodeLfpOptions(r: BlockReader, v: number): LfpOptions {
  const panels: LfpOptionsPanel[] = [];
  if (r.has(0, 14)) for (let i = 0; i < 16; i++) panels.push(decodeLfpOptionsPanel(r, v, i));
  return {
    panelType: r.u8(0),
    ...(v >= 212 ? { panelType2: r.u8(1) } : {}),
    pfitMode: r.bits(2, 0, 2),
    pfitTextModeEnhanced: r.bit(2, 2),
    pfitGfxModeEnhanced: r.bit(2, 3),
    pfitRatioAuto: r.bit(2, 4),
    pixelDither: r.bit(2, 5),
    lvdsEdid: r.bit(2, 6),
    panels,
  };
}

// ---- block 41: LFP data table pointers ----

export interface LfpTablePointer {
  /** Offset from the start of the BDB header, as stored. */
  readonly offset: number;
  /** The same offset relative to block 42's data (what i915 uses after fixup_lfp_data_ptrs()). */
  readonly dataOffset: number;
  readonly size: number;
}

export interface LfpDataPointers {
  /** True when block 41 was absent and the pointers were synthesised like generate_lfp_data_ptrs(). */
  readonly generated: boolean;
  readonly entries: number;
  readonly panels: readonly {
    readonly panel: number;
    readonly fpTiming: LfpTablePointer;
    readonly dvoTiming: LfpTablePointer;
    readonly pnpId: LfpTablePointer;
  }[];
  readonly panelName?: LfpTablePointer;
  /** Why i915 would reject these pointers (validate_lfp_data_ptrs()), or undefined when it accepts them. */
  readonly invalid?: string;
}

function pointer(r: BlockReader, off: number, dataStart: number): LfpTablePointer {
  const offset = r.u16(off);
  return { offset, dataOffset: offset - dataStart, size: r.u8(off + 2) };
}

/**
 * Decodes block 41. `dataStart` is the BDB-relative offset of block 42's data (0 when block 42 is
 * missing); `dataSize` its size.
 */
export function decodeLfpDataPointers(r: BlockReader, dataStart: number, dataSize: number): LfpDataPointers {
  const panels = [];
  for (let i = 0; i < 16; i++) {
    const o = 1 + i * 9;
    panels.push({
      panel: i,
      fpTiming: pointer(r, o, dataStart),
      dvoTiming: pointer(r, o + 3, dataStart),
      pnpId: pointer(r, o + 6, dataStart),
    });
  }
  const name = pointer(r, 145, dataStart);
  const ptrs = { generated: false, entries: r.u8(0), panels, ...(name.size ? { panelName: name } : {}) };
  return { ...ptrs, invalid: validatePointers(ptrs, dataSize) };
}

const DVO_TIMING_SIZE = 18;
const PNP_ID_SIZE = 10;
const PANEL_NAME_SIZE = 13;

/** intel_bios.c validate_lfp_data_ptrs(): the checks i915 makes before it uses the pointers. */
function validatePointers(p: Omit<LfpDataPointers, 'invalid'>, dataSize: number): string | undefined {
  if (dataSize === 0) return 'no LFP data block (42)';
  if (p.entries !== 3) return `lvds_entries is ${p.entries}, not 3`;
  const [e0, e1] = p.panels;
  let fpSize = e0.fpTiming.size;
  if (fpSize < 32 || e0.dvoTiming.size !== DVO_TIMING_SIZE || e0.pnpId.size !== PNP_ID_SIZE)
    return `unexpected table sizes ${fpSize}/${e0.dvoTiming.size}/${e0.pnpId.size}`;
  if (p.panelName && p.panelName.size !== PANEL_NAME_SIZE) return `panel name size ${p.panelName.size}`;
  if ([e0.fpTiming, e0.dvoTiming, e0.pnpId, p.panelName].some((t) => t && t.dataOffset < 0))
    return 'a table pointer lies before the LFP data block';
  const stride = e1.fpTiming.dataOffset - e0.fpTiming.dataOffset;
  if (16 * stride > dataSize) return `16 entries of ${stride} bytes exceed the ${dataSize}-byte data block`;
  for (let i = 1; i < 16; i++) {
    const a = p.panels[i - 1];
    const b = p.panels[i];
    if (b.fpTiming.size !== fpSize || b.dvoTiming.size !== DVO_TIMING_SIZE || b.pnpId.size !== PNP_ID_SIZE)
      return `entry ${i} has different table sizes`;
    if (
      b.fpTiming.dataOffset - a.fpTiming.dataOffset !== stride ||
      b.dvoTiming.dataOffset - a.dvoTiming.dataOffset !== stride ||
      b.pnpId.dataOffset - a.pnpId.dataOffset !== stride
    )
      return `entry ${i} is not ${stride} bytes after entry ${i - 1}`;
  }
  // Real VBTs (except VLV/CHV) have 6 unaccounted bytes after fp_timing (i915 comment).
  if (fpSize + 6 + DVO_TIMING_SIZE + PNP_ID_SIZE === stride) fpSize += 6;
  if (fpSize + DVO_TIMING_SIZE + PNP_ID_SIZE !== stride)
    return `tables do not add up to the ${stride}-byte entry`;
  if (
    e0.fpTiming.dataOffset + fpSize !== e0.dvoTiming.dataOffset ||
    e0.dvoTiming.dataOffset + DVO_TIMING_SIZE !== e0.pnpId.dataOffset ||
    e0.pnpId.dataOffset + PNP_ID_SIZE !== stride
  )
    return 'tables are not contiguous';
  const last = p.panels[15];
  if (last.pnpId.dataOffset + PNP_ID_SIZE > dataSize) return 'tables overrun the LFP data block';
  if (p.panelName && p.panelName.dataOffset + 16 * PANEL_NAME_SIZE > dataSize)
    return 'panel names overrun the LFP data block';
  return undefined;
}

/** intel_bios.c generate_lfp_data_ptrs(): pointers for a BDB ≥ 155 VBT without block 41. */
export function generateLfpDataPointers(
  dataStart: number,
  dataSize: number,
  version: number,
): LfpDataPointers | undefined {
  const fpSize = 38;
  const stride = fpSize + DVO_TIMING_SIZE + PNP_ID_SIZE;
  if (version < 155 || dataSize === 0 || 16 * stride > dataSize) return undefined;
  const at = (dataOffset: number, size: number): LfpTablePointer => ({
    offset: dataStart + dataOffset,
    dataOffset,
    size,
  });
  const panels = [];
  for (let i = 0; i < 16; i++) {
    const o = i * stride;
    panels.push({
      panel: i,
      fpTiming: at(o, fpSize),
      dvoTiming: at(o + fpSize, DVO_TIMING_SIZE),
      pnpId: at(o + fpSize + DVO_TIMING_SIZE, PNP_ID_SIZE),
    });
  }
  const withNames = 16 * (stride + PANEL_NAME_SIZE) <= dataSize;
  return {
    generated: true,
    entries: 3,
    panels,
    ...(withNames ? { panelName: at(16 * stride, PANEL_NAME_SIZE) } : {}),
  };
}

// ---- DTDs (block 42's dvo_timing, block 58) ----

export interface Dtd {
  readonly clockKHz: number;
  readonly hdisplay: number;
  readonly hsyncStart: number;
  readonly hsyncEnd: number;
  readonly htotal: number;
  readonly vdisplay: number;
  readonly vsyncStart: number;
  readonly vsyncEnd: number;
  readonly vtotal: number;
  readonly widthMm: number;
  readonly heightMm: number;
  readonly hsyncPositive: boolean;
  readonly vsyncPositive: boolean;
}

/** An 18-byte EDID-style detailed timing (struct lfp_dvo_timing; fill_detail_timing_data()). */
export function decodeDvoTiming(r: BlockReader, o: number): Dtd {
  const b = (i: number) => r.u8(o + i);
  const hdisplay = b(2) | ((b(4) >> 4) << 8);
  const hblank = b(3) | ((b(4) & 15) << 8);
  const vdisplay = b(5) | ((b(7) >> 4) << 8);
  const vblank = b(6) | ((b(7) & 15) << 8);
  const hsyncOff = b(8) | ((b(11) >> 6) << 8);
  const hsyncWidth = b(9) | (((b(11) >> 4) & 3) << 8);
  const vsyncOff = (b(10) >> 4) | (((b(11) >> 2) & 3) << 4);
  const vsyncWidth = (b(10) & 15) | ((b(11) & 3) << 4);
  return {
    clockKHz: r.u16(o) * 10,
    hdisplay,
    hsyncStart: hdisplay + hsyncOff,
    hsyncEnd: hdisplay + hsyncOff + hsyncWidth,
    htotal: hdisplay + hblank,
    vdisplay,
    vsyncStart: vdisplay + vsyncOff,
    vsyncEnd: vdisplay + vsyncOff + vsyncWidth,
    vtotal: vdisplay + vblank,
    widthMm: b(12) | ((b(14) >> 4) << 8),
    heightMm: b(13) | ((b(14) & 15) << 8),
    hsyncPositive: ((b(17) >> 6) & 1) === 1,
    vsyncPositive: ((b(17) >> 5) & 1) === 1,
  };
}

export interface GenericDtds {
  readonly entrySize: number;
  readonly dtds: readonly (Dtd & { readonly panel: number })[];
}

/** Block 58 (BDB 229+): struct generic_dtd_entry, 28 bytes each (parse_generic_dtd()). */
export function decodeGenericDtds(r: BlockReader): GenericDtds {
  const entrySize = r.u16(0);
  const dtds = [];
  const n = entrySize >= 24 ? Math.floor((r.size - 2) / entrySize) : 0;
  for (let i = 0; i < n; i++) {
    const o = 2 + i * entrySize;
    const hactive = r.u16(o + 4);
    const vactive = r.u16(o + 12);
    const hsyncStart = hactive + r.u16(o + 8);
    const vsyncStart = vactive + r.u16(o + 16);
    const flags = r.u8(o + 24);
    dtds.push({
      panel: i,
      clockKHz: r.u32(o),
      hdisplay: hactive,
      hsyncStart,
      hsyncEnd: hsyncStart + r.u16(o + 10),
      htotal: hactive + r.u16(o + 6),
      vdisplay: vactive,
      vsyncStart,
      vsyncEnd: vsyncStart + r.u16(o + 18),
      vtotal: vactive + r.u16(o + 14),
      widthMm: r.u16(o + 20),
      heightMm: r.u16(o + 22),
      hsyncPositive: ((flags >> 7) & 1) === 1,
      vsyncPositive: ((flags >> 6) & 1) === 1,
    });
  }
  return { entrySize, dtds };
}

// ---- block 42: LFP data ----

export interface PnpId {
  /** The stored u16 (big-endian EISA id read little-endian, as igt prints it) and its 3 letters. */
  readonly mfgName: Named;
  readonly productCode: number;
  readonly serial: number;
  readonly mfgWeek: number;
  readonly mfgYear: number;
}

export interface LfpDataPanel {
  readonly panel: number;
  readonly fpTiming: {
    readonly xRes: number;
    readonly yRes: number;
    readonly lvdsRegVal: number;
    readonly ppOnRegVal: number;
    readonly ppOffRegVal: number;
    readonly ppCycleRegVal: number;
    readonly pfitRegVal: number;
  };
  readonly dtd: Dtd;
  readonly pnpId: PnpId;
  readonly name?: string;
  readonly scalingEnable?: boolean;
  readonly seamlessDrrsMinRefreshRate?: number;
  readonly pixelOverlapCount?: number;
  readonly blackBorder?: {
    readonly top: number;
    readonly bottom: number;
    readonly left: number;
    readonly right: number;
  };
  readonly dualLfpPortSyncEnable?: boolean;
  readonly gpuDitheringForBandingArtifacts?: boolean;
}

function pnpLetters(raw: number): string {
  const be = ((raw & 0xff) << 8) | (raw >> 8);
  return [10, 5, 0].map((s) => String.fromCharCode(0x40 + ((be >> s) & 31))).join('');
}

function decodePnpId(r: BlockReader, o: number): PnpId {
  const raw = r.u16(o);
  return {
    mfgName: { value: raw, name: pnpLetters(raw) },
    productCode: r.u16(o + 2),
    serial: r.u32(o + 4),
    mfgWeek: r.u8(o + 8),
    mfgYear: 1990 + r.u8(o + 9),
  };
}

/** struct lfp_data_tail after the 16 panel names (versions per intel_vbt_defs.h). */
function decodeTail(r: BlockReader, t: number, i: number, v: number): Partial<LfpDataPanel> {
  const out: Record<string, unknown> = { name: r.text(t + i * 13, 13) };
  const x = t + 16 * 13;
  if (v >= 187) out.scalingEnable = panelBits(r.u16(x), i, 1) === 1;
  if (v >= 188) out.seamlessDrrsMinRefreshRate = r.u8(x + 2 + i);
  if (v >= 208) out.pixelOverlapCount = r.u8(x + 18 + i);
  if (v >= 227) {
    const b = x + 34 + i * 4;
    out.blackBorder = { top: r.u8(b), bottom: r.u8(b + 1), left: r.u8(b + 2), right: r.u8(b + 3) };
  }
  if (v >= 231) out.dualLfpPortSyncEnable = panelBits(r.u16(x + 98), i, 1) === 1;
  if (v >= 245) out.gpuDitheringForBandingArtifacts = panelBits(r.u16(x + 100), i, 1) === 1;
  return out as Partial<LfpDataPanel>;
}

export function decodeLfpData(r: BlockReader, ptrs: LfpDataPointers, v: number): { panels: LfpDataPanel[] } {
  const panels: LfpDataPanel[] = [];
  for (const p of ptrs.panels) {
    const fp = p.fpTiming.dataOffset;
    panels.push({
      panel: p.panel,
      fpTiming: {
        xRes: r.u16(fp),
        yRes: r.u16(fp + 2),
        lvdsRegVal: r.u32(fp + 8),
        ppOnRegVal: r.u32(fp + 16),
        ppOffRegVal: r.u32(fp + 24),
        ppCycleRegVal: r.u32(fp + 32),
        pfitRegVal: r.u32(fp + 40),
      },
      dtd: decodeDvoTiming(r, p.dvoTiming.dataOffset),
      pnpId: decodePnpId(r, p.pnpId.dataOffset),
      ...(ptrs.panelName ? decodeTail(r, ptrs.panelName.dataOffset, p.panel, v) : {}),
    });
  }
  return { panels };
}
