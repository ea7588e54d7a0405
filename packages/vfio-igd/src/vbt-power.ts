// BDB block 44 (LFP power conservation features). Layout and version gates: Linux
// drivers/gpu/drm/i915/display/intel_vbt_defs.h struct bdb_lfp_power (igt-gpu-tools mirrors it);
// i915 reads the per-panel DPST/PSR/DRRS/… bits from BDB 228 (intel_bios.c parse_power_conservation_features()).
import { type BlockReader, panelBits } from './vbt-reader.js';

export interface LfpPowerPanel {
  readonly panel: number;
  readonly dpst: boolean;
  readonly psr: boolean;
  readonly drrs: boolean;
  readonly laceSupport: boolean;
  readonly adt: boolean;
  readonly dmrrs: boolean;
  readonly adb: boolean;
  readonly laceEnabledStatus: boolean;
  readonly laceAggressiveness: number;
  readonly dpstAggressiveness: number;
  /** BDB 232+. */
  readonly hobl?: boolean;
  /** BDB 233+. */
  readonly vrr?: boolean;
  /** BDB 247+. */
  readonly elp?: boolean;
  readonly opst?: boolean;
  readonly elpAggressiveness?: number;
  readonly opstAggressiveness?: number;
}

export interface LfpPower {
  readonly alsEnable: boolean;
  readonly laceSupport: boolean;
  readonly laceEnabledStatus: boolean;
  readonly powerConservationPref: number;
  /** Ambient light sensor table: 5 × (backlight adjust, lux). */
  readonly als: readonly { readonly backlightAdjust: number; readonly lux: number }[];
  readonly laceAggressivenessProfile: number;
  /** Per-panel feature bits, BDB 228+ (absent before). */
  readonly panels: readonly LfpPowerPanel[];
}

function powerPanel(r: BlockReader, v: number, i: number): LfpPowerPanel {
  const bit = (off: number) => panelBits(r.u16(off), i, 1) === 1;
  const aggr = r.u8(38 + i);
  const aggr2 = r.u8(62 + i);
  return {
    panel: i,
    dpst: bit(22),
    psr: bit(24),
    drrs: bit(26),
    laceSupport: bit(28),
    adt: bit(30),
    dmrrs: bit(32),
    adb: bit(34),
    laceEnabledStatus: bit(36),
    laceAggressiveness: aggr >> 4,
    dpstAggressiveness: aggr & 15,
    ...(v >= 232 ? { hobl: bit(54) } : {}),
    ...(v >= 233 ? { vrr: bit(56) } : {}),
    ...(v >= 247
      ? { elp: bit(58), opst: bit(60), elpAggressiveness: aggr2 >> 4, opstAggressiveness: aggr2 & 15 }
      : {}),
  };
}

export function decodeLfpPower(r: BlockReader, v: number): LfpPower {
  const panels: LfpPowerPanel[] = [];
  if (v >= 228) for (let i = 0; i < 16; i++) panels.push(powerPanel(r, v, i));
  return {
    alsEnable: r.bit(0, 7),
    laceSupport: r.bit(0, 6),
    laceEnabledStatus: r.bit(0, 5),
    powerConservationPref: r.bits(0, 1, 3),
    als: Array.from({ length: 5 }, (_, k) => ({ backlightAdjust: r.u16(1 + k * 4), lux: r.u16(3 + k * 4) })),
    laceAggressivenessProfile: r.bits(21, 0, 3),
    panels,
  };
}
