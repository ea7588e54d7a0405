// BDB block 2 (general definitions) and its child devices ("display device data", the description of
// each port). Layout and the BDB version each field appeared in: Linux
// drivers/gpu/drm/i915/display/intel_vbt_defs.h (struct bdb_general_definitions, struct
// child_device_config, DEVICE_TYPE_*, DVO_PORT_*, DP_AUX_*, HDMI_MAX_DATA_RATE_*,
// BDB_230_VBT_DP_MAX_LINK_RATE_*), which igt-gpu-tools' tools/intel_vbt_defs.h mirrors. Linux's
// parse_general_definitions() (intel_bios.c) skips children whose device_type is 0; so do we.
import { type BlockReader, type Named, named, PREEMPH, VSWING } from './vbt-reader.js';

/** DEVICE_TYPE_* bit names, bit 15 first (intel_vbt_defs.h; bit 7 per igt's decoder). */
const DEVICE_TYPE_BITS: readonly [number, string][] = [
  [15, 'class extension'],
  [14, 'power management'],
  [13, 'hotplug signaling'],
  [12, 'internal connector'],
  [11, 'not HDMI output'],
  [10, 'MIPI output'],
  [9, 'composite output'],
  [8, 'dual channel'],
  [7, 'content protection'],
  [6, 'high speed link'],
  [5, 'LVDS signaling'],
  [4, 'TMDS/DVI signaling'],
  [3, 'video signaling'],
  [2, 'DisplayPort output'],
  [1, 'digital output'],
  [0, 'analog output'],
];

/** Whole device_type values with a name (intel_vbt_defs.h DEVICE_TYPE_*, 915+ values). */
const DEVICE_TYPES: Readonly<Record<number, string>> = {
  1: 'CRT',
  9: 'TV',
  18: 'EFP',
  34: 'LFP',
  24577: 'CRT (DPMS)',
  16385: 'CRT (DPMS, hotplug)',
  521: 'TV composite',
  649: 'TV (Macrovision)',
  524: 'TV RF composite',
  1545: 'TV S-Video composite',
  24585: 'TV codec (hotplug, power)',
  24594: 'EFP (hotplug, power)',
  24658: 'DVI (hotplug, power)',
  24659: 'DVI-I',
  24914: 'dual-link DVI-D',
  24786: 'HDMI / DVI-D with HDCP',
  24674: 'OpenLDI (hotplug, power)',
  24930: 'OpenLDI dual pixel',
  20498: 'PanelLink LFP',
  20546: 'CMOS LFP',
  20578: 'LVDS LFP',
  20834: 'dual-channel LVDS LFP',
  20962: 'dual-channel LVDS LFP with HDCP',
  4130: 'integrated LFP',
  4105: 'integrated TV',
  26822: 'DisplayPort',
  24790: 'DisplayPort dual mode (DP/HDMI/DVI)',
  26838: 'DisplayPort/DVI',
  26834: 'DVI',
  30918: 'eDP',
  31938: 'MIPI',
};

/** DVO_PORT_* (BDB 155+); before 155 the field is DEVICE_PORT_DVOA/B/C. */
const DVO_PORTS: Readonly<Record<number, string>> = {
  0: 'HDMI-A',
  1: 'HDMI-B',
  2: 'HDMI-C',
  3: 'HDMI-D',
  4: 'LVDS',
  5: 'TV',
  6: 'CRT',
  7: 'DP-B',
  8: 'DP-C',
  9: 'DP-D',
  10: 'DP-A',
  11: 'DP-E',
  12: 'HDMI-E',
  13: 'DP-F',
  14: 'HDMI-F',
  15: 'DP-G',
  16: 'HDMI-G',
  17: 'DP-H',
  18: 'HDMI-H',
  19: 'DP-I',
  20: 'HDMI-I',
  21: 'MIPI-A',
  22: 'MIPI-B',
  23: 'MIPI-C',
  24: 'MIPI-D',
};
const LEGACY_DVO_PORTS: Readonly<Record<number, string>> = { 0: 'DVO-A', 1: 'DVO-B', 2: 'DVO-C' };

/** DP_AUX_* values of aux_channel. */
const AUX_CHANNELS: Readonly<Record<number, string>> = {
  0: 'none',
  64: 'AUX-A',
  16: 'AUX-B',
  32: 'AUX-C',
  48: 'AUX-D',
  80: 'AUX-E',
  96: 'AUX-F',
  112: 'AUX-G',
  128: 'AUX-H',
  144: 'AUX-I',
};

/** DEVICE_HANDLE_* (handle 0x0001 is the CRT before BDB 217 and EFP 6 from 217). */
function handleName(handle: number, version: number): string {
  const names: Record<number, string> = {
    1: version >= 217 ? 'EFP 6' : 'CRT',
    2: 'EFP 5',
    4: 'EFP 1',
    64: 'EFP 2',
    32: 'EFP 3',
    16: 'EFP 4',
    256: 'EFP 7',
    512: 'EFP 8',
    8: 'LFP 1',
    128: 'LFP 2',
  };
  return names[handle] ?? 'unknown';
}

const I2C_SPEEDS: Readonly<Record<number, string>> = { 0: '100 kHz', 1: '50 kHz', 2: '400 kHz', 3: '1 MHz' };
/** HDMI_MAX_DATA_RATE_* (204+; 3..5 from 249). */
const HDMI_MAX_RATE: Readonly<Record<number, string>> = {
  0: 'platform max',
  1: '297 MHz',
  2: '165 MHz',
  3: '594 MHz',
  4: '340 MHz',
  5: '300 MHz',
};
const HDMI_FRL_RATE: Readonly<Record<number, string>> = {
  0: 'FRL not supported',
  1: '3 GT/s',
  2: '6 GT/s',
  3: '8 GT/s',
  4: '10 GT/s',
  5: '12 GT/s',
};
/** BDB_216_VBT_DP_MAX_LINK_RATE_* (2 bits) and BDB_230_VBT_DP_MAX_LINK_RATE_* (3 bits). */
const DP_RATE_216: Readonly<Record<number, string>> = {
  0: '8.1 Gbps',
  1: '5.4 Gbps',
  2: '2.7 Gbps',
  3: '1.62 Gbps',
};
const DP_RATE_230: Readonly<Record<number, string>> = {
  0: 'platform max',
  1: '1.62 Gbps',
  2: '2.7 Gbps',
  3: '5.4 Gbps',
  4: '8.1 Gbps',
  5: '10 Gbps',
  6: '13.5 Gbps',
  7: '20 Gbps',
};
const MIPI_BRIDGES: Readonly<Record<number, string>> = { 1: 'ASUS', 2: 'Toshiba', 3: 'Renesas' };

export interface DpRedriver {
  readonly present: boolean;
  readonly vswing: Named;
  readonly preemphasis: Named;
}

/** One child_device_config. Fields absent for the BDB version are left out. */
export interface ChildDevice {
  /** Slot in the block's device array. */
  readonly index: number;
  readonly handle: Named;
  readonly deviceType: Named;
  /** Names of the set DEVICE_TYPE_* bits. */
  readonly deviceTypeFlags: readonly string[];
  /** BDB < 152: the 10-byte ASCII device id instead of the fields below. */
  readonly deviceId?: string;
  readonly i2cSpeed?: Named;
  readonly dpOnboardRedriver?: DpRedriver;
  readonly dpOndockRedriver?: DpRedriver;
  readonly hdmiLevelShifter?: number;
  readonly hdmiMaxDataRate?: Named;
  readonly dtdBufferPointer?: number;
  readonly edidlessEfp?: boolean;
  readonly compressionEnable?: boolean;
  readonly compressionMethodCps?: boolean;
  readonly gangedEdp?: boolean;
  readonly lttprNonTransparent?: boolean;
  readonly disableCompressionForExternalDisplay?: boolean;
  readonly compressionStructureIndex?: number;
  readonly hdmiMaxFrlRateValid?: boolean;
  readonly hdmiMaxFrlRate?: Named;
  readonly addinOffset: number;
  readonly dvoPort: Named;
  readonly i2cPin: number;
  readonly slaveAddress: number;
  readonly ddcPin: number;
  readonly edidPointer: number;
  readonly dvoConfig: number;
  /** BDB < 155: the second DVO port's fields. */
  readonly dvo2?: {
    readonly port: Named;
    readonly i2cPin: number;
    readonly slaveAddress: number;
    readonly ddcPin: number;
  };
  readonly efpRouted?: boolean;
  readonly laneReversal?: boolean;
  readonly lspcon?: boolean;
  readonly iboost?: boolean;
  readonly hpdInvert?: boolean;
  readonly useVbtVswing?: boolean;
  /** eDP/DP max lane count (the field + 1), BDB 244+. */
  readonly dpMaxLaneCount?: number;
  readonly hdmiSupport?: boolean;
  readonly dpSupport?: boolean;
  readonly tmdsSupport?: boolean;
  readonly auxChannel?: Named;
  readonly dongleDetect?: number;
  readonly pipeCapabilities: number;
  readonly sdvoStall: boolean;
  readonly hotplugStatus: number;
  readonly integratedEncoder: boolean;
  readonly dvoWiring: number;
  readonly dvo2Wiring?: number;
  readonly mipiBridgeType?: Named;
  readonly extendedType: number;
  readonly dvoFunction: number;
  readonly dpUsbTypeC?: boolean;
  readonly thunderbolt?: boolean;
  readonly dpPortTraceLength?: number;
  readonly dpGpioIndex?: number;
  readonly dpGpioPin?: number;
  readonly dpIboostLevel?: number;
  readonly hdmiIboostLevel?: number;
  readonly dpMaxLinkRate?: Named;
}

export interface GeneralDefinitions extends ChildTable {
  readonly crtDdcGmbusPin: number;
  readonly dpmsNonAcpi: boolean;
  readonly skipBootCrtDetect: boolean;
  readonly dpmsAim: boolean;
  readonly bootDisplay: number;
}

function redriver(byte: number): DpRedriver {
  return {
    present: ((byte >> 6) & 1) === 1,
    vswing: named((byte >> 3) & 7, VSWING),
    preemphasis: named(byte & 7, PREEMPH),
  };
}

/** Bytes 4..13: the union that is an ASCII id before BDB 152. */
function decodeChildLinkFields(r: BlockReader, v: number): Partial<ChildDevice> {
  if (v < 152) return { deviceId: r.text(4, 10) };
  const out: Record<string, unknown> = { i2cSpeed: named(r.u8(4), I2C_SPEEDS) };
  if (v >= 158) {
    out.dpOnboardRedriver = redriver(r.u8(5));
    out.dpOndockRedriver = redriver(r.u8(6));
  }
  if (v >= 204) out.hdmiMaxDataRate = named(r.bits(7, 5, 3), HDMI_MAX_RATE);
  if (v >= 169) out.hdmiLevelShifter = r.bits(7, 0, 5);
  if (v >= 161) {
    out.dtdBufferPointer = r.u16(8);
    out.edidlessEfp = r.bit(10, 0);
  }
  if (v >= 198) {
    out.compressionEnable = r.bit(10, 1);
    out.compressionMethodCps = r.bit(10, 2);
    out.compressionStructureIndex = r.bits(11, 0, 4);
  }
  if (v >= 202) out.gangedEdp = r.bit(10, 3);
  if (v >= 235) out.lttprNonTransparent = r.bit(10, 4);
  if (v >= 251) out.disableCompressionForExternalDisplay = r.bit(10, 5);
  if (v >= 237) {
    out.hdmiMaxFrlRate = named(r.bits(12, 0, 4), HDMI_FRL_RATE);
    out.hdmiMaxFrlRateValid = r.bit(12, 4);
  }
  return out as Partial<ChildDevice>;
}

/** Bytes 23..26: DVO2 fields before BDB 155, port flags / AUX channel after. */
function decodeChildPortFields(r: BlockReader, v: number): Partial<ChildDevice> {
  if (v < 155) {
    return {
      dvo2: {
        port: named(r.u8(23), LEGACY_DVO_PORTS),
        i2cPin: r.u8(24),
        slaveAddress: r.u8(25),
        ddcPin: r.u8(26),
      },
    };
  }
  const out: Record<string, unknown> = { auxChannel: named(r.u8(25), AUX_CHANNELS), dongleDetect: r.u8(26) };
  if (v >= 158) {
    out.efpRouted = r.bit(23, 0);
    out.hdmiSupport = r.bit(24, 0);
    out.dpSupport = r.bit(24, 1);
    out.tmdsSupport = r.bit(24, 2);
  }
  if (v >= 184) out.laneReversal = r.bit(23, 1);
  if (v >= 192) out.lspcon = r.bit(23, 2);
  if (v >= 196) {
    out.iboost = r.bit(23, 3);
    out.hpdInvert = r.bit(23, 4);
  }
  if (v >= 218) out.useVbtVswing = r.bit(23, 5);
  if (v >= 244) out.dpMaxLaneCount = r.bits(23, 6, 2) + 1;
  return out as Partial<ChildDevice>;
}

/** Bytes 29..38: wiring, extended type and the Gen9+ tail. */
function decodeChildTail(r: BlockReader, v: number): Partial<ChildDevice> {
  const out: Record<string, unknown> = {};
  if (v < 171) out.dvo2Wiring = r.u8(29);
  else out.mipiBridgeType = named(r.u8(29), MIPI_BRIDGES);
  if (v >= 195) {
    out.dpUsbTypeC = r.bit(33, 0);
    out.dpGpioIndex = r.u8(34);
    out.dpGpioPin = r.u16(35);
  }
  if (v >= 209) {
    out.thunderbolt = r.bit(33, 1);
    out.dpPortTraceLength = r.bits(33, 4, 4);
  }
  if (v >= 196) {
    out.dpIboostLevel = r.bits(37, 0, 4);
    out.hdmiIboostLevel = r.bits(37, 4, 4);
  }
  if (v >= 230) out.dpMaxLinkRate = named(r.bits(38, 0, 3), DP_RATE_230);
  else if (v >= 216) out.dpMaxLinkRate = named(r.bits(38, 0, 2), DP_RATE_216);
  return out as Partial<ChildDevice>;
}

export function decodeChildDevice(r: BlockReader, index: number, v: number): ChildDevice {
  const type = r.u16(2);
  return {
    index,
    handle: { value: r.u16(0), name: handleName(r.u16(0), v) },
    deviceType: named(type, DEVICE_TYPES),
    deviceTypeFlags: DEVICE_TYPE_BITS.filter(([bit]) => (type >> bit) & 1).map(([, n]) => n),
    ...decodeChildLinkFields(r, v),
    addinOffset: r.u16(14),
    dvoPort: named(r.u8(16), v >= 155 ? DVO_PORTS : LEGACY_DVO_PORTS),
    i2cPin: r.u8(17),
    slaveAddress: r.u8(18),
    ddcPin: r.u8(19),
    edidPointer: r.u16(20),
    dvoConfig: r.u8(22),
    ...decodeChildPortFields(r, v),
    pipeCapabilities: r.bits(27, 0, 2),
    sdvoStall: r.bit(27, 2),
    hotplugStatus: r.bits(27, 3, 2),
    integratedEncoder: r.bit(27, 5),
    dvoWiring: r.u8(28),
    extendedType: r.u16(30),
    dvoFunction: r.u8(32),
    ...decodeChildTail(r, v),
  };
}

export interface ChildTable {
  readonly childDeviceSize: number;
  /** Slots in the block: (block size - header) / child size. */
  readonly childDeviceSlots: number;
  /** The slots whose device_type is non-zero (i915 skips the others). */
  readonly childDevices: readonly ChildDevice[];
}

/** The child records after a `header`-byte prefix whose last byte is the record size. */
function decodeChildTable(r: BlockReader, header: number, v: number): ChildTable {
  const childSize = r.u8(header - 1);
  const slots = childSize > 0 && r.size > header ? Math.floor((r.size - header) / childSize) : 0;
  const childDevices: ChildDevice[] = [];
  for (let i = 0; i < slots; i++) {
    const c = r.sub(header + i * childSize, childSize);
    if (c.u16(2) !== 0) childDevices.push(decodeChildDevice(c, i, v));
  }
  return { childDeviceSize: childSize, childDeviceSlots: slots, childDevices };
}

export function decodeGeneralDefinitions(r: BlockReader, v: number): GeneralDefinitions {
  return {
    crtDdcGmbusPin: r.u8(0),
    dpmsNonAcpi: r.bit(1, 0),
    skipBootCrtDetect: r.bit(1, 1),
    dpmsAim: r.bit(1, 2),
    bootDisplay: r.u16(2),
    ...decodeChildTable(r, 5, v),
  };
}

export type LegacyChildDevices = ChildTable;

/** Block 11 (struct bdb_legacy_child_devices): a child size byte, then the same child records. */
export function decodeLegacyChildDevices(r: BlockReader, v: number): LegacyChildDevices {
  return decodeChildTable(r, 1, v);
}
