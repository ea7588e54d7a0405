// BDB blocks 1 (general features), 9 (PSR), 12 (driver features), 27 (eDP) and 43 (LFP backlight).
// Layouts and version gates: Linux drivers/gpu/drm/i915/display/intel_vbt_defs.h (struct
// bdb_general_features, bdb_psr, bdb_driver_features, bdb_edp, bdb_lfp_backlight_data); how i915
// interprets the values: intel_bios.c parse_general_features(), parse_psr(), parse_driver_features(),
// parse_edp(), parse_lfp_backlight(). Fields a BDB version does not have are left out.
import { type BlockReader, type Named, named, PREEMPH, panelBits, VSWING } from './vbt-reader.js';

export interface DecodeContext {
  readonly version: number;
  /**
   * Display generation when known (Linux DISPLAY_VER). It changes how two values read: the SSC
   * frequency bit (intel_bios_ssc_frequency(): gen 2 48/66 MHz, gen 3-4 96/100, later 120/100) and
   * the PSR TP1/TP2 wake-up times (parse_psr(): an enum from BDB 205 on gen 9+ except Broxton,
   * multiples of 100 us otherwise). Unknown: gen 5+ and (from BDB 205) the enum are assumed.
   */
  readonly gen?: number;
}

const PANEL_FITTING: Readonly<Record<number, string>> = {
  0: 'disabled',
  1: 'text only',
  2: 'graphics only',
  3: 'text & graphics',
};

/** SSC reference clock for the ssc_freq bit (intel_bios.c intel_bios_ssc_frequency()). */
export function sscFrequency(bit: number, gen?: number): Named {
  const mhz = gen === 2 ? (bit ? 66 : 48) : gen === 3 || gen === 4 ? (bit ? 100 : 96) : bit ? 100 : 120;
  return { value: bit, name: `${mhz} MHz` };
}

export interface GeneralFeatures {
  readonly panelFitting: Named;
  readonly flexaim: boolean;
  readonly msgEnable: boolean;
  readonly clearScreen: number;
  readonly colorFlip: boolean;
  readonly downloadExtVbt: boolean;
  readonly enableSsc: boolean;
  readonly sscFreq: Named;
  readonly enableLfpOnOverride: boolean;
  readonly disableSscDdt: boolean;
  readonly underscanVgaTimings: boolean;
  readonly displayClockMode?: boolean;
  readonly vbiosHotplugSupport: boolean;
  readonly disableSmoothVision: boolean;
  readonly singleDvi: boolean;
  readonly rotate180?: boolean;
  readonly fdiRxPolarityInverted: boolean;
  readonly vbiosExtendedMode?: boolean;
  readonly copyIlfpDtdToSdvoLvdsDtd?: boolean;
  readonly panelBestFitTiming?: boolean;
  readonly ignoreStrapState?: boolean;
  readonly legacyMonitorDetect: number;
  readonly intCrtSupport: boolean;
  readonly intTvSupport: boolean;
  readonly intEfpSupport: boolean;
  readonly dpSscEnable: boolean;
  readonly dpSscFreq: Named;
  readonly dpSscDongleSupported: boolean;
  readonly tcHpdRetryTimeout?: number;
  readonly afcStartupConfig?: number;
}

export function decodeGeneralFeatures(r: BlockReader, c: DecodeContext): GeneralFeatures {
  const v = c.version;
  return {
    panelFitting: named(r.bits(0, 0, 2), PANEL_FITTING),
    flexaim: r.bit(0, 2),
    msgEnable: r.bit(0, 3),
    clearScreen: r.bits(0, 4, 3),
    colorFlip: r.bit(0, 7),
    downloadExtVbt: r.bit(1, 0),
    enableSsc: r.bit(1, 1),
    sscFreq: sscFrequency(r.bits(1, 2, 1), c.gen),
    enableLfpOnOverride: r.bit(1, 3),
    disableSscDdt: r.bit(1, 4),
    underscanVgaTimings: r.bit(1, 5),
    ...(v >= 183 ? { displayClockMode: r.bit(1, 6) } : {}),
    vbiosHotplugSupport: r.bit(1, 7),
    disableSmoothVision: r.bit(2, 0),
    singleDvi: r.bit(2, 1),
    ...(v >= 181 ? { rotate180: r.bit(2, 2) } : {}),
    fdiRxPolarityInverted: r.bit(2, 3),
    ...(v >= 160
      ? {
          vbiosExtendedMode: r.bit(2, 4),
          copyIlfpDtdToSdvoLvdsDtd: r.bit(2, 5),
          panelBestFitTiming: r.bit(2, 6),
          ignoreStrapState: r.bit(2, 7),
        }
      : {}),
    legacyMonitorDetect: r.u8(3),
    intCrtSupport: r.bit(4, 0),
    intTvSupport: r.bit(4, 1),
    intEfpSupport: r.bit(4, 2),
    dpSscEnable: r.bit(4, 3),
    dpSscFreq: sscFrequency(r.bits(4, 4, 1), c.gen),
    dpSscDongleSupported: r.bit(4, 5),
    ...(v >= 242 ? { tcHpdRetryTimeout: r.bits(5, 0, 7) } : {}),
    ...(v >= 249 ? { afcStartupConfig: r.bits(6, 0, 2) } : {}),
  };
}

// ---- block 9: PSR ----

export interface PsrPanel {
  readonly panel: number;
  readonly fullLink: boolean;
  readonly requireAuxToWakeup: boolean;
  readonly idleFrames: number;
  /** lines_to_wait: 0, 1, 4 or 8 lines (parse_psr(): PSR_0/1/4/8_LINES_TO_WAIT). */
  readonly linesToWait: Named;
  /** Raw field and the time i915 derives from it. */
  readonly tp1WakeupTime: Named & { readonly us: number };
  readonly tp2Tp3WakeupTime: Named & { readonly us: number };
  /** BDB 226+: 2 bits per panel, 0=500 us, 1=100 us, 2=2500 us, 3=50 us. */
  readonly psr2Tp2Tp3WakeupTime?: Named & { readonly us: number };
}

const PSR_ENUM_US: readonly number[] = [500, 100, 2500, 0];
const PSR2_US: readonly number[] = [500, 100, 2500, 50];

function wakeTime(raw: number, asEnum: boolean): Named & { us: number } {
  // parse_psr(): values outside 0..3 default to 2500 us in the enum encoding.
  const us = asEnum ? (PSR_ENUM_US[raw] ?? 2500) : raw * 100;
  return { value: raw, name: `${us} us`, us };
}

/** Block 9 is the PSR block from BDB 165 (before that the id held an ALM dot-clock table). */
export function decodePsr(r: BlockReader, c: DecodeContext): { panels: PsrPanel[] } | undefined {
  if (c.version < 165) return undefined;
  const asEnum = c.version >= 205 && (c.gen === undefined || c.gen >= 9);
  const psr2 = r.u32(96);
  const panels: PsrPanel[] = [];
  for (let i = 0; i < 16; i++) {
    const o = i * 6;
    const lines = r.bits(o + 1, 4, 3);
    const psr2Raw = panelBits(psr2, i, 2);
    panels.push({
      panel: i,
      fullLink: r.bit(o, 0),
      requireAuxToWakeup: r.bit(o, 1),
      idleFrames: r.bits(o + 1, 0, 4),
      linesToWait: { value: lines, name: lines < 2 ? `${lines}` : lines < 4 ? `${1 << lines}` : 'unknown' },
      tp1WakeupTime: wakeTime(r.u16(o + 2), asEnum),
      tp2Tp3WakeupTime: wakeTime(r.u16(o + 4), asEnum),
      ...(c.version >= 226
        ? {
            psr2Tp2Tp3WakeupTime: {
              value: psr2Raw,
              name: `${PSR2_US[psr2Raw]} us`,
              us: PSR2_US[psr2Raw],
            },
          }
        : {}),
    });
  }
  return { panels };
}

// ---- block 12: driver features ----

const LVDS_CONFIG: Readonly<Record<number, string>> = {
  0: 'no LVDS',
  1: 'integrated LVDS',
  2: 'SDVO LVDS',
  3: 'eDP',
};

export interface DriverFeatures {
  readonly bootDevAlgorithm: Named;
  readonly allowDisplaySwitchDvd: boolean;
  readonly allowDisplaySwitchDos: boolean;
  readonly hotplugDvo: boolean;
  readonly dualViewZoom: boolean;
  readonly int15hHook: boolean;
  readonly spriteInClone: boolean;
  readonly primaryLfpId: boolean;
  readonly bootModeX: number;
  readonly bootModeY: number;
  readonly bootModeBpp: number;
  readonly bootModeRefresh: number;
  readonly enableLfpPrimary: boolean;
  readonly selectiveModePruning: boolean;
  readonly dualFrequency: boolean;
  readonly renderClockFreq: Named;
  readonly ntCloneSupport: boolean;
  readonly powerSchemeUi: Named;
  readonly spriteDisplayAssign: Named;
  readonly cuiAspectScaling: boolean;
  readonly preserveAspectRatio: boolean;
  readonly sdvoDevicePowerDown: boolean;
  readonly crtHotplug: boolean;
  readonly lvdsConfig: Named;
  readonly tvHotplug: boolean;
  readonly hdmiConfig: number;
  readonly staticDisplay: boolean;
  readonly embeddedPlatform: boolean;
  readonly displaySubsystemEnable: boolean;
  readonly legacyCrtMaxX: number;
  readonly legacyCrtMaxY: number;
  readonly legacyCrtMaxRefresh: number;
  readonly hdmiTermination: boolean;
  readonly cea861dHdmiSupport: boolean;
  readonly selfRefreshEnable: boolean;
  readonly customVbtVersion: number;
  /** Driver feature flags (BDB 165+; DPST/ADB/DRRS/PSR/DMRRS moved to block 44 at 228). */
  readonly features: Readonly<Record<string, boolean>>;
}

const FEATURE_FLAGS = [
  'rmpm',
  's2ddt',
  'dpst',
  'bltclt',
  'adb',
  'drrs',
  'grs',
  'gpmt',
  'tbt',
  'psr',
  'ips',
  'dpfs',
  'dmrrs',
  'adt',
  'hpdWake',
  'pcFeatureValid',
] as const;

export function decodeDriverFeatures(r: BlockReader): DriverFeatures {
  const ext = r.u16(7);
  const flags = r.u16(17);
  const bit = (v: number, n: number) => ((v >> n) & 1) === 1;
  return {
    bootDevAlgorithm: named(r.bits(0, 0, 1), { 0: 'OS default', 1: 'driver default' }),
    allowDisplaySwitchDvd: r.bit(0, 1),
    allowDisplaySwitchDos: r.bit(0, 2),
    hotplugDvo: r.bit(0, 3),
    dualViewZoom: r.bit(0, 4),
    int15hHook: r.bit(0, 5),
    spriteInClone: r.bit(0, 6),
    primaryLfpId: r.bit(0, 7),
    bootModeX: r.u16(1),
    bootModeY: r.u16(3),
    bootModeBpp: r.u8(5),
    bootModeRefresh: r.u8(6),
    enableLfpPrimary: bit(ext, 0),
    selectiveModePruning: bit(ext, 1),
    dualFrequency: bit(ext, 2),
    renderClockFreq: named((ext >> 3) & 1, { 0: 'high', 1: 'low' }),
    ntCloneSupport: bit(ext, 4),
    powerSchemeUi: named((ext >> 5) & 1, { 0: 'CUI', 1: '3rd party' }),
    spriteDisplayAssign: named((ext >> 6) & 1, { 0: 'secondary', 1: 'primary' }),
    cuiAspectScaling: bit(ext, 7),
    preserveAspectRatio: bit(ext, 8),
    sdvoDevicePowerDown: bit(ext, 9),
    crtHotplug: bit(ext, 10),
    lvdsConfig: named((ext >> 11) & 3, LVDS_CONFIG),
    tvHotplug: bit(ext, 13),
    hdmiConfig: (ext >> 14) & 3,
    staticDisplay: r.bit(9, 0),
    embeddedPlatform: r.bit(9, 1),
    displaySubsystemEnable: r.bit(9, 2),
    legacyCrtMaxX: r.u16(10),
    legacyCrtMaxY: r.u16(12),
    legacyCrtMaxRefresh: r.u8(14),
    hdmiTermination: r.bit(15, 0),
    cea861dHdmiSupport: r.bit(15, 1),
    selfRefreshEnable: r.bit(15, 2),
    customVbtVersion: r.u8(16),
    features: Object.fromEntries(FEATURE_FLAGS.map((n, i) => [n, bit(flags, i)])),
  };
}

// ---- block 27: eDP ----

const EDP_BPP: Readonly<Record<number, string>> = { 0: '18 bpp', 1: '24 bpp', 2: '30 bpp' };
const EDP_RATE: Readonly<Record<number, string>> = { 0: '1.62 Gbps', 1: '2.7 Gbps', 2: '5.4 Gbps' };
const EDP_VSWING_TABLE: Readonly<Record<number, string>> = { 0: 'low power (200 mV)', 1: 'default (400 mV)' };

export interface EdpPanel {
  readonly panel: number;
  /** struct edp_power_seq: T1+T3, T8, T9, T10, T11+T12, in 100 us units. */
  readonly powerSequence: {
    readonly t1t3: number;
    readonly t8: number;
    readonly t9: number;
    readonly t10: number;
    readonly t11t12: number;
  };
  readonly colorDepth: Named;
  /** sdrrs_msa_timing_delay (2 bits; i915 prints "Lane n+1"). */
  readonly sdrrsMsaTimingDelay: number;
  readonly fastLink: {
    readonly rate: Named;
    readonly lanes: number;
    readonly preemphasis: Named;
    readonly vswing: Named;
  };
  readonly s3dFeature?: boolean;
  readonly t3Optimization?: boolean;
  readonly vswingPreemphTable?: Named;
  readonly fastLinkTraining?: boolean;
  readonly dpcd600hWriteRequired?: boolean;
  readonly pwmDelays?: { readonly pwmOnToBacklightEnable: number; readonly backlightDisableToPwmOff: number };
  readonly fullLinkParamsProvided?: boolean;
  readonly fullLink?: { readonly preemphasis: Named; readonly vswing: Named };
  readonly apicalEnable?: boolean;
  /** BDB 224+: the fast-link-training rate in units of 200 kHz (rate / 5000 = Gbps). */
  readonly fastLinkTrainingRate?: number;
  /** BDB 244+: max port link rate, same unit. */
  readonly maxPortLinkRate?: number;
}

function decodeEdpExtras(r: BlockReader, v: number, i: number): Partial<EdpPanel> {
  const out: Record<string, unknown> = {};
  if (v >= 162) out.s3dFeature = panelBits(r.u16(200), i, 1) === 1;
  if (v >= 165) out.t3Optimization = panelBits(r.u16(202), i, 1) === 1;
  if (v >= 173) {
    // u64 edp_vswing_preemph, 4 bits per panel.
    const word = i < 8 ? r.u32(204) : r.u32(208);
    out.vswingPreemphTable = named(panelBits(word, i % 8, 4), EDP_VSWING_TABLE);
  }
  if (v >= 182) out.fastLinkTraining = panelBits(r.u16(212), i, 1) === 1;
  if (v >= 185) out.dpcd600hWriteRequired = panelBits(r.u16(214), i, 1) === 1;
  if (v >= 186)
    out.pwmDelays = {
      pwmOnToBacklightEnable: r.u16(216 + i * 4),
      backlightDisableToPwmOff: r.u16(218 + i * 4),
    };
  if (v >= 199) {
    out.fullLinkParamsProvided = panelBits(r.u16(280), i, 1) === 1;
    const b = r.u8(282 + i);
    out.fullLink = { preemphasis: named(b & 15, PREEMPH), vswing: named(b >> 4, VSWING) };
  }
  if (v >= 203) out.apicalEnable = panelBits(r.u16(298), i, 1) === 1;
  if (v >= 224) out.fastLinkTrainingRate = r.u16(748 + i * 2);
  if (v >= 244) out.maxPortLinkRate = r.u16(780 + i * 2);
  return out as Partial<EdpPanel>;
}

export function decodeEdp(r: BlockReader, c: DecodeContext): { panels: EdpPanel[] } {
  const panels: EdpPanel[] = [];
  for (let i = 0; i < 16; i++) {
    const ps = i * 10;
    const fl0 = r.u8(164 + i * 2);
    const fl1 = r.u8(165 + i * 2);
    panels.push({
      panel: i,
      powerSequence: {
        t1t3: r.u16(ps),
        t8: r.u16(ps + 2),
        t9: r.u16(ps + 4),
        t10: r.u16(ps + 6),
        t11t12: r.u16(ps + 8),
      },
      colorDepth: named(panelBits(r.u32(160), i, 2), EDP_BPP),
      sdrrsMsaTimingDelay: panelBits(r.u32(196), i, 2),
      fastLink: {
        rate: named(fl0 & 15, EDP_RATE),
        // EDP_LANE_1/2/4 = 0/1/3: the field + 1.
        lanes: (fl0 >> 4) + 1,
        preemphasis: named(fl1 & 15, PREEMPH),
        vswing: named(fl1 >> 4, VSWING),
      },
      ...decodeEdpExtras(r, c.version, i),
    });
  }
  return { panels };
}

// ---- block 43: LFP backlight ----

const BACKLIGHT_TYPES: Readonly<Record<number, string>> = { 0: 'none', 2: 'PWM' };
const CONTROL_TYPES: Readonly<Record<number, string>> = {
  0: 'PMIC',
  1: 'LPSS PWM',
  2: 'display DDI',
  3: 'CABC',
};

export interface BacklightPanel {
  readonly panel: number;
  readonly type: Named;
  readonly activeLowPwm: boolean;
  readonly pwmFreqHz: number;
  /** 8-bit minimum (BDB < 234; later VBTs use minLevel). */
  readonly minBrightness: number;
  /** 8-bit level (BDB < 234). */
  readonly level: number;
  /** BDB 191+: control method type and controller. */
  readonly control?: { readonly type: Named; readonly controller: number };
  /** BDB 234+: 16-bit brightness level and minimum. */
  readonly brightnessLevel?: number;
  readonly brightnessMinLevel?: number;
  /** BDB 236+. */
  readonly brightnessPrecisionBits?: number;
  /** BDB 239+. */
  readonly hdrDpcdRefreshTimeout?: number;
}

export interface Backlight {
  readonly entrySize: number;
  /** i915 refuses the block when entry_size is not 6 (parse_lfp_backlight()). */
  readonly entrySizeValid: boolean;
  readonly panels: readonly BacklightPanel[];
}

export function decodeBacklight(r: BlockReader, c: DecodeContext): Backlight {
  const v = c.version;
  const entrySize = r.u8(0);
  const panels: BacklightPanel[] = [];
  for (let i = 0; i < 16; i++) {
    const o = 1 + i * 6;
    const ctl = r.u8(113 + i);
    panels.push({
      panel: i,
      type: named(r.bits(o, 0, 2), BACKLIGHT_TYPES),
      activeLowPwm: r.bit(o, 2),
      pwmFreqHz: r.u16(o + 1),
      minBrightness: r.u8(o + 3),
      level: r.u8(97 + i),
      ...(v >= 191 ? { control: { type: named(ctl & 15, CONTROL_TYPES), controller: ctl >> 4 } } : {}),
      ...(v >= 234 ? { brightnessLevel: r.u16(129 + i * 4), brightnessMinLevel: r.u16(193 + i * 4) } : {}),
      ...(v >= 236 ? { brightnessPrecisionBits: r.u8(257 + i) } : {}),
      ...(v >= 239 ? { hdrDpcdRefreshTimeout: r.u16(273 + i * 2) } : {}),
    });
  }
  return { entrySize, entrySizeValid: entrySize === 6, panels };
}
