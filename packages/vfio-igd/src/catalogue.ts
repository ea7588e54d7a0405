// Synthetic catalogue of real IGD models across generations. Ids are the real PCI ids (Linux
// include/drm/intel/i915_pciids.h; host bridge/LPC ids from the matching chipsets); the config
// space layout is plausible, not a byte-copy of any particular machine. Each model's OpRegion wraps
// the real coreboot VBT of the matching generation where test/fixtures/vbt has one
// (embedded base64 in fixture-vbts.ts), else a generated synthetic VBT (named "$VBT VMKIT ...").
import { base64Decode, put16, put32 } from './bytes.js';
import { FIXTURE_VBTS } from './fixture-vbts.js';
import { decodeGmch, IGD_GMCH, igdGeneration } from './generation.js';
import { type BarInfo, type IgdHostSource, identityFromConfig, type PciIdentity } from './host.js';
import { buildOpRegion } from './opregion.js';
import { buildSyntheticVbt } from './vbt.js';

export interface CatalogueModel {
  readonly key: string;
  readonly name: string;
  readonly codename: string;
  readonly deviceId: number;
  readonly revision: number;
  readonly hostBridge: { readonly deviceId: number; readonly revision: number };
  readonly lpc: { readonly deviceId: number; readonly revision: number };
  /** GMCH/GGC value at 0x50. */
  readonly gmch: number;
  /** Key into FIXTURE_VBTS, or a synthetic VBT spec. */
  readonly vbt: { readonly fixture: string } | { readonly synthetic: string; readonly bdbVersion: number };
  /** OpRegion version for a VBT that fits mailbox 4. */
  readonly opRegionVersion: { readonly major: number; readonly minor: number };
  readonly gttSize: number;
  readonly apertureSize: number;
}

const MiB = 1024 * 1024;
// Subsystem ids: a generic "Intel" subsystem, as reference boards report.
const SUBSYS_VENDOR = 0x8086;
const SUBSYS_ID = 0x2212;

export const CATALOGUE: readonly CatalogueModel[] = [
  {
    key: 'snb',
    name: 'HD Graphics 3000',
    codename: 'Sandy Bridge',
    deviceId: 0x0126,
    revision: 0x09,
    hostBridge: { deviceId: 0x0104, revision: 0x09 },
    lpc: { deviceId: 0x1c4f, revision: 0x04 }, // QM67
    gmch: (2 << 8) | (1 << 3), // gen6/7 layout: GGMS 2 MiB, GMS 1 (32 MiB)
    vbt: { fixture: 'snb' },
    opRegionVersion: { major: 2, minor: 0 },
    gttSize: 4 * MiB,
    apertureSize: 256 * MiB,
  },
  {
    key: 'ivb',
    name: 'HD Graphics 4000',
    codename: 'Ivy Bridge',
    deviceId: 0x0166,
    revision: 0x09,
    hostBridge: { deviceId: 0x0154, revision: 0x09 },
    lpc: { deviceId: 0x1e55, revision: 0x04 }, // QM77
    gmch: (2 << 8) | (2 << 3), // GGMS 2 MiB, GMS 2 (64 MiB)
    vbt: { fixture: 'ivb' },
    opRegionVersion: { major: 2, minor: 0 },
    gttSize: 4 * MiB,
    apertureSize: 256 * MiB,
  },
  {
    key: 'hsw',
    name: 'HD Graphics 4600',
    codename: 'Haswell',
    deviceId: 0x0416,
    revision: 0x06,
    hostBridge: { deviceId: 0x0c04, revision: 0x06 },
    lpc: { deviceId: 0x8c4f, revision: 0x05 }, // QM87
    gmch: (2 << 8) | (2 << 3), // GGMS 2 MiB, GMS 2 (64 MiB)
    vbt: { fixture: 'hsw' },
    opRegionVersion: { major: 2, minor: 0 },
    gttSize: 4 * MiB,
    apertureSize: 256 * MiB,
  },
  {
    key: 'bdw',
    name: 'HD Graphics 5500',
    codename: 'Broadwell',
    deviceId: 0x1616,
    revision: 0x09,
    hostBridge: { deviceId: 0x1604, revision: 0x09 },
    lpc: { deviceId: 0x9cc3, revision: 0x03 },
    gmch: (0x02 << 8) | (3 << 6),
    vbt: { fixture: 'bdw' },
    opRegionVersion: { major: 2, minor: 0 },
    gttSize: 16 * MiB,
    apertureSize: 256 * MiB,
  },
  {
    key: 'skl',
    name: 'HD Graphics 520',
    codename: 'Skylake',
    deviceId: 0x1916,
    revision: 0x07,
    hostBridge: { deviceId: 0x1904, revision: 0x08 },
    lpc: { deviceId: 0x9d48, revision: 0x21 },
    gmch: (0x02 << 8) | (3 << 6),
    vbt: { synthetic: 'VMKIT SKL', bdbVersion: 196 },
    opRegionVersion: { major: 2, minor: 0 },
    gttSize: 16 * MiB,
    apertureSize: 256 * MiB,
  },
  {
    key: 'kbl',
    name: 'HD Graphics 620',
    codename: 'Kaby Lake',
    deviceId: 0x5916,
    revision: 0x02,
    hostBridge: { deviceId: 0x5904, revision: 0x02 },
    lpc: { deviceId: 0x9d58, revision: 0x21 },
    gmch: (0x02 << 8) | (3 << 6),
    vbt: { fixture: 'kbl' },
    opRegionVersion: { major: 2, minor: 0 },
    gttSize: 16 * MiB,
    apertureSize: 256 * MiB,
  },
  {
    key: 'cfl',
    name: 'UHD Graphics 630',
    codename: 'Coffee Lake',
    deviceId: 0x3e92,
    revision: 0x00,
    hostBridge: { deviceId: 0x3ec2, revision: 0x07 },
    lpc: { deviceId: 0xa305, revision: 0x10 }, // Z390
    gmch: (0x02 << 8) | (3 << 6),
    vbt: { synthetic: 'VMKIT CFL', bdbVersion: 221 },
    opRegionVersion: { major: 2, minor: 0 },
    gttSize: 16 * MiB,
    apertureSize: 256 * MiB,
  },
  {
    key: 'cml',
    name: 'UHD Graphics (Comet Lake-U)',
    codename: 'Comet Lake',
    deviceId: 0x9b41,
    revision: 0x02,
    hostBridge: { deviceId: 0x9b61, revision: 0x0c },
    lpc: { deviceId: 0x0284, revision: 0x00 },
    gmch: (0x02 << 8) | (3 << 6),
    vbt: { fixture: 'cml' },
    opRegionVersion: { major: 2, minor: 0 },
    gttSize: 16 * MiB,
    apertureSize: 256 * MiB,
  },
  {
    key: 'tgl',
    name: 'Iris Xe Graphics',
    codename: 'Tiger Lake',
    deviceId: 0x9a49,
    revision: 0x01,
    hostBridge: { deviceId: 0x9a14, revision: 0x01 },
    lpc: { deviceId: 0xa082, revision: 0x20 },
    gmch: (0x02 << 8) | (3 << 6),
    vbt: { fixture: 'tgl' },
    opRegionVersion: { major: 2, minor: 1 },
    gttSize: 16 * MiB,
    apertureSize: 256 * MiB,
  },
  {
    key: 'adl',
    name: 'Iris Xe Graphics',
    codename: 'Alder Lake-P',
    deviceId: 0x46a6,
    revision: 0x0c,
    hostBridge: { deviceId: 0x4641, revision: 0x02 },
    lpc: { deviceId: 0x5182, revision: 0x01 },
    gmch: (0x02 << 8) | (3 << 6),
    vbt: { fixture: 'adl' },
    opRegionVersion: { major: 2, minor: 1 },
    gttSize: 16 * MiB,
    apertureSize: 256 * MiB,
  },
  {
    key: 'mtl',
    name: 'Arc Graphics',
    codename: 'Meteor Lake',
    deviceId: 0x7d55,
    revision: 0x08,
    hostBridge: { deviceId: 0x7d14, revision: 0x04 },
    lpc: { deviceId: 0x7e02, revision: 0x20 },
    gmch: (0x02 << 8) | (3 << 6),
    vbt: { fixture: 'mtl' },
    opRegionVersion: { major: 2, minor: 1 },
    gttSize: 16 * MiB,
    apertureSize: 256 * MiB,
  },
];

export function catalogueKeys(): string[] {
  return CATALOGUE.map((m) => m.key);
}

export function catalogueModel(key: string): CatalogueModel {
  const m = CATALOGUE.find((x) => x.key === key);
  if (!m) throw new Error(`catalogue: unknown IGD model "${key}" (known: ${catalogueKeys().join(', ')})`);
  return m;
}

/** The VBT bytes of a catalogue model (real fixture or synthetic). */
export function catalogueVbt(m: CatalogueModel): Uint8Array {
  if ('fixture' in m.vbt) {
    const f = FIXTURE_VBTS[m.vbt.fixture];
    if (!f) throw new Error(`catalogue: fixture VBT "${m.vbt.fixture}" is not embedded`);
    return base64Decode(f.base64);
  }
  return buildSyntheticVbt(m.vbt.synthetic, m.vbt.bdbVersion);
}

// Host physical addresses used in the synthetic images (typical values below 4 GiB).
const HOST_ASLS = 0x7b6f9018;
const HOST_BDSM = 0x7c000001; // base | lock bit

/** Builds the 4 KiB config space of a catalogue model. */
export function catalogueConfig(m: CatalogueModel): Uint8Array {
  const c = new Uint8Array(4096);
  const gen = igdGeneration(m.deviceId);
  put16(c, 0x00, 0x8086);
  put16(c, 0x02, m.deviceId);
  put16(c, 0x04, 0x0007); // I/O, memory, bus master (host driver active)
  put16(c, 0x06, 0x0010); // capabilities list
  c[0x08] = m.revision;
  c[0x09] = 0x00;
  c[0x0a] = 0x00; // VGA-compatible controller
  c[0x0b] = 0x03;
  c[0x0e] = 0x00; // header type 0
  // BAR0 GTTMMADR: 64-bit non-prefetchable memory; BAR2 GMADR: 64-bit prefetchable; BAR4 IOBAR.
  put32(c, 0x10, 0xf6000004);
  put32(c, 0x14, 0x00000000);
  put32(c, 0x18, 0xe000000c);
  put32(c, 0x1c, 0x00000000);
  put32(c, 0x20, 0x0000f001);
  put16(c, 0x2c, SUBSYS_VENDOR);
  put16(c, 0x2e, SUBSYS_ID);
  c[0x34] = 0x40;
  c[0x3c] = 0x0b; // interrupt line
  c[0x3d] = 0x01; // INTA#
  // 0x40: vendor-specific capability (Intel "capability identification"), length 0x0c.
  c[0x40] = 0x09;
  c[0x41] = gen >= 8 || gen < 0 ? 0x70 : 0x90;
  c[0x42] = 0x0c;
  put16(c, IGD_GMCH, m.gmch);
  put32(c, 0x5c, gen >= 11 || gen < 0 ? 0 : HOST_BDSM);
  if (gen >= 8 || gen < 0) {
    // 0x70: PCI Express capability (root-complex integrated endpoint), next MSI.
    c[0x70] = 0x10;
    c[0x71] = 0xac;
    put16(c, 0x72, 0x0092); // version 2, device/port type 9 (RCiEP)
  }
  // MSI at 0x90 (older) or 0xac (gen8+), then PM at 0xd0.
  const msi = gen >= 8 || gen < 0 ? 0xac : 0x90;
  c[msi] = 0x05;
  c[msi + 1] = 0xd0;
  put16(c, msi + 2, 0x0000);
  c[0xd0] = 0x01;
  c[0xd1] = 0x00;
  put16(c, 0xd2, 0x0022); // PM version 3 (D1/D2 unsupported)
  if (gen >= 11 || gen < 0) {
    // 64-bit BDSM at 0xC0 (gen ≥ 11); Meteor Lake has none (left 0).
    if (gen >= 11) {
      put32(c, 0xc0, HOST_BDSM);
      put32(c, 0xc4, 0);
    }
  }
  put32(c, 0xe8, 0x00008000); // SWSCI: SCI selected, not triggered
  put32(c, 0xfc, HOST_ASLS);
  return c;
}

function identity(deviceId: number, revision: number, classCode: number): PciIdentity {
  return {
    vendorId: 0x8086,
    deviceId,
    revision,
    classCode,
    subsystemVendorId: SUBSYS_VENDOR,
    subsystemId: SUBSYS_ID,
  };
}

/** A complete host source for a catalogue model ("catalogue:<key>"). */
export function catalogueSource(key: string): IgdHostSource {
  const m = catalogueModel(key);
  const config = catalogueConfig(m);
  const gen = igdGeneration(m.deviceId);
  const opRegion = buildOpRegion({
    vbt: catalogueVbt(m),
    version: m.opRegionVersion,
    sver: `VMKIT ${m.codename.toUpperCase()} SBIOS`,
    vver: 'VMKIT VBIOS',
    gver: 'VMKIT GOP',
    dver: 'VMKIT DRIVER',
  });
  const bars: BarInfo[] = [
    { index: 0, type: 'mem64', prefetchable: false, size: m.gttSize },
    { index: 2, type: 'mem64', prefetchable: true, size: m.apertureSize },
    { index: 4, type: 'io', prefetchable: false, size: 64 },
  ];
  return {
    origin: `catalogue:${m.key}`,
    config,
    configLength: 4096,
    identity: identityFromConfig(config),
    generation: gen,
    bars,
    opRegion,
    stolen: {
      ...decodeGmch(gen, m.gmch),
      gmch: m.gmch,
      hostBdsm: gen >= 11 ? HOST_BDSM : gen < 0 ? 0 : HOST_BDSM,
    },
    hostBridge: identity(m.hostBridge.deviceId, m.hostBridge.revision, 0x060000),
    lpcBridge: identity(m.lpc.deviceId, m.lpc.revision, 0x060100),
    // Legacy-capable generations ship a VBIOS option ROM (64 KiB).
    romSize: gen >= 6 && gen <= 9 ? 64 * 1024 : 0,
  };
}
