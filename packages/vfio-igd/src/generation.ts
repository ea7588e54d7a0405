// IGD generation and GMCH (GGC) decoding.
// Sources: QEMU hw/vfio/igd.c igd_gen(), igd_gtt_memory_size(), igd_stolen_memory_size() and the
// x-igd-gms override check; docs/igd-passthrough.md §5.

/** Known IGD generations (QEMU's igd_gen); -1 = unknown (quirks disabled). */
export type IgdGeneration = 6 | 7 | 8 | 9 | 11 | 12 | -1;

/** QEMU hw/vfio/igd.c igd_gen(): generation by device id (mask 0xff00 unless noted). */
export function igdGeneration(deviceId: number): IgdGeneration {
  const id = deviceId & 0xffff;
  // Broxton / Apollo Lake: 0x5a84, 0x5a85, 0x1a84, 0x1a85 — QEMU checks (id & ~0x1) == 0xa84 on the
  // low 12 bits (docs/igd-passthrough.md §5: (id & 0xffe) == 0xa84).
  if ((id & 0xffe) === 0xa84) return 9;
  switch (id & 0xff00) {
    case 0x0100:
      return 6; // Sandy Bridge
    case 0x0400: // Haswell
    case 0x0a00: // Haswell
    case 0x0c00: // Haswell
    case 0x0d00: // Haswell
    case 0x0f00: // Valleyview/Bay Trail
      return 7;
    case 0x1600: // Broadwell
    case 0x2200: // Cherryview
      return 8;
    case 0x1900: // Skylake
    case 0x3100: // Gemini Lake
    case 0x5900: // Kaby Lake
    case 0x3e00: // Coffee Lake
    case 0x9b00: // Comet Lake
      return 9;
    case 0x8a00: // Ice Lake
    case 0x4500: // Elkhart Lake
    case 0x4e00: // Jasper Lake
      return 11;
    case 0x9a00: // Tiger Lake
    case 0x4c00: // Rocket Lake
    case 0x4600: // Alder Lake
    case 0xa700: // Raptor Lake
      return 12;
    default:
      return -1;
  }
}

export const IGD_GMCH = 0x50;
export const IGD_BDSM = 0x5c;
export const IGD_BDSM_GEN11 = 0xc0;
export const IGD_SWSCI = 0xe8;
export const IGD_ASLS = 0xfc;

const MiB = 1024 * 1024;

/** GMS field (stolen data memory size select) from a GMCH/GGC value. */
export function gmchGms(gen: number, gmch: number): number {
  return gen < 8 ? (gmch >>> 3) & 0x1f : (gmch >>> 8) & 0xff;
}

/** GGMS field (GTT stolen size select) from a GMCH/GGC value. */
export function gmchGgms(gen: number, gmch: number): number {
  return gen < 8 ? (gmch >>> 8) & 0x3 : (gmch >>> 6) & 0x3;
}

/** Replace the GMS field of a GMCH value. */
export function gmchWithGms(gen: number, gmch: number, gms: number): number {
  return gen < 8
    ? ((gmch & ~(0x1f << 3)) | ((gms & 0x1f) << 3)) & 0xffff
    : ((gmch & ~(0xff << 8)) | ((gms & 0xff) << 8)) & 0xffff;
}

/**
 * Stolen data memory (DSM) size in bytes for a GMS value (docs §5): gen6–8 GMS × 32 MiB;
 * gen9+ values < 0xF0 × 32 MiB, 0xF0..0xFE → (GMS − 0xEF) × 4 MiB; 0xFF → 0 (reserved).
 * QEMU igd_stolen_memory_size().
 */
export function gmsToBytes(gen: number, gms: number): number {
  if (gen < 9) return gms * 32 * MiB;
  if (gms < 0xf0) return gms * 32 * MiB;
  if (gms < 0xff) return (gms - 0xef) * 4 * MiB;
  return 0;
}

/** GTT stolen size in bytes: gen6/7 → value in MiB; gen8+ → (1 << value) MiB, 0 = none. */
export function ggmsToBytes(gen: number, ggms: number): number {
  if (gen < 8) return ggms * MiB;
  return ggms === 0 ? 0 : (1 << ggms) * MiB;
}

export interface StolenMemory {
  readonly gms: number;
  readonly ggms: number;
  /** Data stolen memory (DSM) size in bytes — what `etc/igd-bdsm-size` carries. */
  readonly dsmBytes: number;
  /** GTT stolen memory size in bytes. */
  readonly gttBytes: number;
  /** IVD bit (IGD VGA disable). */
  readonly vgaDisabled: boolean;
}

export function decodeGmch(gen: number, gmch: number): StolenMemory {
  const gms = gmchGms(gen, gmch);
  const ggms = gmchGgms(gen, gmch);
  return {
    gms,
    ggms,
    dsmBytes: gen < 0 ? 0 : gmsToBytes(gen, gms),
    gttBytes: gen < 0 ? 0 : ggmsToBytes(gen, ggms),
    vgaDisabled: (gmch & 2) !== 0,
  };
}

/**
 * Validates an x-igd-gms style override. QEMU hw/vfio/igd.c: gen < 8 accepts 0..0x10, gen ≥ 8
 * accepts 0..0x40 ("Unsupported IGD GMS value 0x%x" otherwise). We additionally accept the gen9+
 * 4 MiB-granular encodings 0xF0..0xFE (docs §5), which real firmware uses for small DSMs.
 * Returns an error string, or undefined when valid.
 */
export function validateGmsOverride(gen: number, gms: number): string | undefined {
  if (!Number.isInteger(gms) || gms < 0) return `Unsupported IGD GMS value ${String(gms)}`;
  if (gen < 6) return `IGD GMS override needs a known generation (device generation ${gen})`;
  if (gen < 8 && gms <= 0x10) return undefined;
  if (gen >= 8 && gms <= 0x40) return undefined;
  if (gen >= 9 && gms >= 0xf0 && gms <= 0xfe) return undefined;
  return `Unsupported IGD GMS value 0x${gms.toString(16)} for generation ${gen} (allowed: ${
    gen < 8 ? '0x00..0x10' : gen < 9 ? '0x00..0x40' : '0x00..0x40, 0xf0..0xfe'
  })`;
}

/** Meteor Lake and later have no BDSM config register (docs §5); QEMU publishes bdsm size 0. */
export function hasBdsmRegister(gen: number): boolean {
  return gen >= 6;
}

/** Gen ≥ 11 uses the 64-bit BDSM at 0xC0 instead of 0x5C. */
export function bdsmOffset(gen: number): number {
  return gen >= 11 ? IGD_BDSM_GEN11 : IGD_BDSM;
}
