// How each line intel_vbt_decode (igt-gpu-tools 1.27.1) prints maps onto vmkit's decoded fields.
// A mapper returns the value in igt's terms (the raw number where igt prints "(0x..)", a boolean for
// yes/no, a string where igt prints text), or SKIP with the reason when igt prints something vmkit
// deliberately reads differently (each reason says who is right, from i915's intel_bios.c).
import type {
  Backlight,
  ChildDevice,
  DriverFeatures,
  EdpPanel,
  GeneralDefinitions,
  GeneralFeatures,
  LfpDataPanel,
  LfpDataPointers,
  LfpOptions,
  LfpPower,
  PsrPanel,
} from '@vmkit/vfio-igd';

export const SKIP = Symbol('skip');
export type Mapped = unknown | typeof SKIP;
type Map<T> = Readonly<Record<string, (f: T) => Mapped>>;

const v = (x: { value: number } | undefined) => x?.value;

export const GENERAL_FEATURES: Map<GeneralFeatures> = {
  'Panel fitting': (f) => v(f.panelFitting),
  Flexaim: (f) => f.flexaim,
  Message: (f) => f.msgEnable,
  'Clear screen': (f) => f.clearScreen,
  'DVO color flip required': (f) => f.colorFlip,
  'External VBT': (f) => f.downloadExtVbt,
  'LVDS SSC Enable': (f) => f.enableSsc,
  'LVDS SSC frequency': (f) => v(f.sscFreq),
  'LFP on override': (f) => f.enableLfpOnOverride,
  'Disable SSC on clone': (f) => f.disableSscDdt,
  'Underscan support for VGA timings': (f) => f.underscanVgaTimings,
  'Dynamic CD clock': (f) => f.displayClockMode,
  'Hotplug support in VBIOS': (f) => f.vbiosHotplugSupport,
  'Disable smooth vision': (f) => f.disableSmoothVision,
  'Single DVI for CRT/DVI': (f) => f.singleDvi,
  'Enable 180 degree rotation': (f) => f.rotate180,
  'Inverted FDI Rx polarity': (f) => f.fdiRxPolarityInverted,
  'Extended VBIOS mode': (f) => f.vbiosExtendedMode,
  'Copy iLFP DTD to SDVO LVDS DTD': (f) => f.copyIlfpDtdToSdvoLvdsDtd,
  'Best fit panel timing algorithm': (f) => f.panelBestFitTiming,
  'Ignore strap state': (f) => f.ignoreStrapState,
  'Legacy monitor detect': (f) => f.legacyMonitorDetect !== 0,
  'Integrated CRT': (f) => f.intCrtSupport,
  'Integrated TV': (f) => f.intTvSupport,
  'Integrated EFP': (f) => f.intEfpSupport,
  'DP SSC enable': (f) => f.dpSscEnable,
  'DP SSC frequency': (f) => v(f.dpSscFreq),
  'DP SSC dongle supported': (f) => f.dpSscDongleSupported,
};

export const GENERAL_DEFINITIONS: Map<GeneralDefinitions> = {
  'CRT DDC GMBUS addr': (f) => f.crtDdcGmbusPin,
  'Use DPMS on AIM devices': (f) => f.dpmsAim,
  'Skip CRT detect at boot': (f) => f.skipBootCrtDetect,
  'Use Non ACPI DPMS CRT power states': (f) => f.dpmsNonAcpi,
  'Boot display type': (f) => f.bootDisplay,
  'Child device size': (f) => f.childDeviceSize,
  'Child device count': (f) => f.childDeviceSlots,
};

/** igt's device-type bit names (tools/intel_vbt_decode.c child_device_type_bits[]); bit 11 inverted. */
export const IGT_TYPE_BITS: Readonly<Record<string, number>> = {
  'Class extension': 15,
  'Power management': 14,
  'Hotplug signaling': 13,
  'Internal connector': 12,
  'HDMI output': 11,
  'MIPI output': 10,
  'Composite output': 9,
  'Dual channel': 8,
  'Content protection': 7,
  'High speed link': 6,
  'LVDS signaling': 5,
  'TMDS/DVI signaling': 4,
  'Video signaling': 3,
  'DisplayPort output': 2,
  'Digital output': 1,
  'Analog output': 0,
};

const redriver = (r: ChildDevice['dpOnboardRedriver']) => ({
  present: r?.present,
  vswing: r?.vswing.value,
  preemphasis: r?.preemphasis.value,
});

export const CHILD_DEVICE: Map<ChildDevice> = {
  'Device handle': (c) => v(c.handle),
  'Device type': (c) => v(c.deviceType),
  Signature: (c) => c.deviceId,
  'I2C speed': (c) => v(c.i2cSpeed),
  'DP onboard redriver/present': (c) => redriver(c.dpOnboardRedriver).present,
  'DP onboard redriver/vswing': (c) => redriver(c.dpOnboardRedriver).vswing,
  'DP onboard redriver/pre-emphasis': (c) => redriver(c.dpOnboardRedriver).preemphasis,
  'DP ondock redriver/present': (c) => redriver(c.dpOndockRedriver).present,
  'DP ondock redriver/vswing': (c) => redriver(c.dpOndockRedriver).vswing,
  'DP ondock redriver/pre-emphasis': (c) => redriver(c.dpOndockRedriver).preemphasis,
  'HDMI max data rate': (c) => v(c.hdmiMaxDataRate),
  'HDMI level shifter value': (c) => c.hdmiLevelShifter,
  'Offset to DTD buffer for edidless CHILD': (c) => c.dtdBufferPointer,
  'Disable compression for external DP/HDMI': (c) => c.disableCompressionForExternalDisplay,
  'LTTPR Mode': (c) => (c.lttprNonTransparent ? 'non-transparent' : 'transparent'),
  'Dual pipe ganged eDP': (c) => c.gangedEdp,
  'Compression method CPS': (c) => c.compressionMethodCps,
  'Compression enable': (c) => c.compressionEnable,
  'Edidless EFP': (c) => c.edidlessEfp,
  'Compression structure index': (c) => c.compressionStructureIndex,
  'HDMI Max FRL rate valid': (c) => c.hdmiMaxFrlRateValid,
  'HDMI Max FRL rate': (c) => v(c.hdmiMaxFrlRate),
  'AIM offset': (c) => c.addinOffset,
  'DVO Port': (c) => v(c.dvoPort),
  'AIM I2C pin': (c) => c.i2cPin,
  'AIM Slave address': (c) => c.slaveAddress,
  'DDC pin': (c) => c.ddcPin,
  'EDID buffer ptr': (c) => c.edidPointer,
  'DVO config': (c) => c.dvoConfig,
  'DVO2 Port': (c) => v(c.dvo2?.port),
  'I2C2 pin': (c) => c.dvo2?.i2cPin,
  'Slave2 address': (c) => c.dvo2?.slaveAddress,
  'DDC2 pin': (c) => c.dvo2?.ddcPin,
  'eDP/DP max lane count': (c) => `X${c.dpMaxLaneCount}`,
  'Use VBT vswing/premph table': (c) => c.useVbtVswing,
  'HPD sense invert': (c) => c.hpdInvert,
  'Iboost enable': (c) => c.iboost,
  'Onboard LSPCON': (c) => c.lspcon,
  'Lane reversal': (c) => c.laneReversal,
  'EFP routed through dock': (c) => c.efpRouted,
  'TMDS compatible?': (c) => c.tmdsSupport,
  'DP compatible?': (c) => c.dpSupport,
  'HDMI compatible?': (c) => c.hdmiSupport,
  'Aux channel': (c) => v(c.auxChannel),
  'Dongle detect': (c) => c.dongleDetect,
  'Integrated encoder instead of SDVO': (c) => c.integratedEncoder,
  'Hotplug connect status': (c) => c.hotplugStatus,
  'SDVO stall signal available': (c) => c.sdvoStall,
  'Pipe capabilities': (c) => c.pipeCapabilities,
  'DVO wiring': (c) => c.dvoWiring,
  'DVO2 wiring': (c) => c.dvo2Wiring,
  // igt prints "%02x (%s)": two hex digits, then the name (same names as vmkit's).
  'MIPI bridge type': (c) =>
    c.mipiBridgeType && `${c.mipiBridgeType.value.toString(16).padStart(2, '0')} (${c.mipiBridgeType.name})`,
  'Device class extension': (c) => c.extendedType,
  'DVO function': (c) => c.dvoFunction,
  'DP port trace length': (c) => c.dpPortTraceLength,
  'Thunderbolt port': (c) => c.thunderbolt,
  'DP USB type C support': (c) => c.dpUsbTypeC,
  '2X DP GPIO index': (c) => c.dpGpioIndex,
  '2X DP GPIO pin number': (c) => c.dpGpioPin,
  'IBoost level for DP/eDP': (c) => c.dpIboostLevel,
  'IBoost level for HDMI': (c) => c.hdmiIboostLevel,
  'DP max link rate': (c) => v(c.dpMaxLinkRate),
};

export const PSR_PANEL: Map<PsrPanel> = {
  'Full link': (p) => p.fullLink,
  'Require AUX to wakeup': (p) => p.requireAuxToWakeup,
  'Lines to wait before link standby': (p) => Number(p.linesToWait.name),
  'Idle frames to for PSR enable': (p) => p.idleFrames,
  // Raw fields compared; the microseconds differ on purpose, see the test.
  'TP1 wakeup time': (p) => v(p.tp1WakeupTime),
  'TP2/TP3 wakeup time': (p) => v(p.tp2Tp3WakeupTime),
  'PSR2 TP2/TP3 wakeup time': (p) => v(p.psr2Tp2Tp3WakeupTime),
};

const feat = (name: string) => (f: DriverFeatures) => f.features[name];

export const DRIVER_FEATURES: Map<DriverFeatures> = {
  'Use 00000110h ID for Primary LFP': (f) => f.primaryLfpId,
  'Enable Sprite in Clone Mode': (f) => f.spriteInClone,
  'Driver INT 15h hook': (f) => f.int15hHook,
  'Dual View Zoom': (f) => f.dualViewZoom,
  'Hot Plug DVO': (f) => f.hotplugDvo,
  'Allow display switching when in Full Screen DOS': (f) => f.allowDisplaySwitchDos,
  'Allow display switching when DVD active': (f) => f.allowDisplaySwitchDvd,
  'Boot Device Algorithm': (f) => (v(f.bootDevAlgorithm) ? 'driver default' : 'os default'),
  'Boot Mode X': (f) => f.bootModeX,
  'Boot Mode Y': (f) => f.bootModeY,
  'Boot Mode Bpp': (f) => f.bootModeBpp,
  'Boot Mode Refresh': (f) => f.bootModeRefresh,
  'Enable LFP as primary': (f) => f.enableLfpPrimary,
  'Selective Mode Pruning': (f) => f.selectiveModePruning,
  'Dual-Frequency Graphics Technology': (f) => f.dualFrequency,
  'Default Render Clock Frequency': (f) => f.renderClockFreq.name,
  'NT 4.0 Dual Display Clone Support': (f) => f.ntCloneSupport,
  'Default Power Scheme user interface': (f) => f.powerSchemeUi.name,
  'Sprite Display Assignment when Overlay is Active in Clone Mode': (f) => f.spriteDisplayAssign.name,
  'Display Maintain Aspect Scaling via CUI': (f) => f.cuiAspectScaling,
  'Preserve Aspect Ratio': (f) => f.preserveAspectRatio,
  'Enable SDVO device power down': (f) => f.sdvoDevicePowerDown,
  'CRT hotplug': (f) => f.crtHotplug,
  'LVDS config': (f) => v(f.lvdsConfig),
  'TV hotplug': (f) => f.tvHotplug,
  'Display subsystem enable': (f) => f.displaySubsystemEnable,
  'Embedded platform': (f) => f.embeddedPlatform,
  'Define Display statically': (f) => f.staticDisplay,
  'Legacy CRT max X': (f) => f.legacyCrtMaxX,
  'Legacy CRT max Y': (f) => f.legacyCrtMaxY,
  'Legacy CRT max refresh': (f) => f.legacyCrtMaxRefresh,
  'Internal source termination for HDMI': (f) => f.hdmiTermination,
  'CEA 861-D HDMI support': (f) => f.cea861dHdmiSupport,
  'Self refresh enable': (f) => f.selfRefreshEnable,
  'Custom VBT number': (f) => f.customVbtVersion,
  'PC Features field validity': feat('pcFeatureValid'),
  'Dynamic Media Refresh Rate Switching (DMRRS)': feat('dmrrs'),
  'Intermediate Pixel Storage (IPS)': feat('ips'),
  'Panel Self Refresh (PSR)': feat('psr'),
  'Turbo Boost Technology': feat('tbt'),
  'Graphics Power Management (GPMT)': feat('gpmt'),
  'Graphics Render Standby (RS)': feat('grs'),
  'Dynamic Refresh Rate Switching (DRRS)': feat('drrs'),
  'Automatic Display Brightness (ADB)': feat('adb'),
  'DxgkDDI Backlight Control (DxgkDdiBLC)': feat('bltclt'),
  'Display Power Saving Technology (DPST)': feat('dpst'),
  'Smart 2D Display Technology (S2DDT)': feat('s2ddt'),
  'Rapid Memory Power Management (RMPM)': feat('rmpm'),
};

const IGT_EDP_RATES: Readonly<Record<number, string>> = { 0: '1.62Gbps', 1: '2.7Gbpc', 2: '5.4Gbps' };
const IGT_VSWING_TABLE: Readonly<Record<number, string>> = { 0: 'Low power (200 mV)', 1: 'Default (400 mV)' };

export const EDP_PANEL: Map<EdpPanel> = {
  'Power Sequence': ({ powerSequence: s }) =>
    `T3 ${s.t1t3} T7 ${s.t8} T9 ${s.t9} T10 ${s.t10} T12 ${s.t11t12}`,
  'Panel color depth': (p) =>
    p.colorDepth.name === 'unknown'
      ? `(unknown value ${v(p.colorDepth)})`
      : p.colorDepth.name.replace(' bpp', ' bpp'),
  'eDP sDRRS MSA Delay': (p) => `Lane ${p.sdrrsMsaTimingDelay + 1}`,
  'Fast link params/rate': (p) =>
    IGT_EDP_RATES[v(p.fastLink.rate)!] ?? `(unknonn value ${v(p.fastLink.rate)})`,
  'Fast link params/lanes': (p) => `X${p.fastLink.lanes}`,
  'Fast link params/pre-emphasis': (p) => v(p.fastLink.preemphasis),
  'Fast link params/vswing': (p) => v(p.fastLink.vswing),
  'Stereo 3D feature': (p) => p.s3dFeature,
  'T3 optimization': (p) => p.t3Optimization,
  'Vswing/preemphasis table selection': (p) =>
    IGT_VSWING_TABLE[v(p.vswingPreemphTable)!] ?? `(unknown value ${v(p.vswingPreemphTable)})`,
  'Fast link training': (p) => p.fastLinkTraining,
  'DPCD 600h write required': (p) => p.dpcd600hWriteRequired,
  'PWM delays/PWM on to backlight enable': (p) => p.pwmDelays?.pwmOnToBacklightEnable,
  'PWM delays/Backlight disable to PWM off': (p) => p.pwmDelays?.backlightDisableToPwmOff,
  'Full link params provided': (p) => p.fullLinkParamsProvided,
  'Full link params/pre-emphasis': (p) => v(p.fullLink?.preemphasis),
  'Full link params/vswing': (p) => v(p.fullLink?.vswing),
  'eDP fast link training data rate': (p) => p.fastLinkTrainingRate,
  'eDP max port link rate': (p) => p.maxPortLinkRate,
};

export const LFP_OPTIONS: Map<LfpOptions> = {
  'Panel type': (f) => f.panelType,
  'Panel type 2': (f) => f.panelType2,
  'LVDS EDID available': (f) => f.lvdsEdid,
  'Pixel dither': (f) => f.pixelDither,
  'PFIT auto ratio': (f) => f.pfitRatioAuto,
  'PFIT enhanced graphics mode': (f) => f.pfitGfxModeEnhanced,
  'PFIT enhanced text mode': (f) => f.pfitTextModeEnhanced,
  'PFIT mode': (f) => f.pfitMode,
};

export const LFP_OPTIONS_PANEL: Map<LfpOptions['panels'][number]> = {
  'Channel type': (p) => v(p.channelType),
  SSC: (p) => p.ssc,
  'SSC frequency': (p) => p.sscFreq,
  'Disable SSC in dual display twin': (p) => p.sscDdt,
  'Panel color depth': (p) => v(p.colorDepth),
  'DPS type': (p) => v(p.dpsType),
  'Backlight type': (p) => v(p.backlightType),
  'LCDVCC on during S0 state': (p) => p.lcdvccS0Enable,
  'Panel rotation': (p) => v(p.rotation),
  'Panel position': (p) => v(p.position),
};

export const LFP_POINTERS: Map<LfpDataPointers> = {
  'Number of entries': (f) => f.entries,
  'Panel name offset': (f) => f.panelName?.dataOffset,
  'Panel name table size': (f) => f.panelName?.size,
};

export const LFP_POINTERS_PANEL: Map<LfpDataPointers['panels'][number]> = {
  'FP timing offset': (p) => p.fpTiming.dataOffset,
  'FP timing table size': (p) => p.fpTiming.size,
  'DVO timing offset': (p) => p.dvoTiming.dataOffset,
  'DVO timing table size': (p) => p.dvoTiming.size,
  'Panel PnP ID offset': (p) => p.pnpId.dataOffset,
  'Panel PnP ID table size': (p) => p.pnpId.size,
};

function timings(p: LfpDataPanel): string {
  const d = p.dtd;
  const bad = d.hsyncEnd > d.htotal || d.vsyncEnd > d.vtotal;
  return `${d.hdisplay} ${d.hsyncStart} ${d.hsyncEnd} ${d.htotal} ${d.vdisplay} ${d.vsyncStart} ${d.vsyncEnd} ${d.vtotal} ${d.clockKHz.toFixed(2)} (${bad ? 'BAD!' : 'good'})`;
}

export const LFP_DATA_PANEL: Map<LfpDataPanel> = {
  MODE_LINE: (p) => `${p.fpTiming.xRes}x${p.fpTiming.yRes} clock ${p.dtd.clockKHz * 1000}`,
  'info/LVDS': (p) => p.fpTiming.lvdsRegVal,
  'info/PP_ON_DELAYS': (p) => p.fpTiming.ppOnRegVal,
  'info/PP_OFF_DELAYS': (p) => p.fpTiming.ppOffRegVal,
  'info/PP_DIVISOR': (p) => p.fpTiming.ppCycleRegVal,
  'info/PFIT': (p) => p.fpTiming.pfitRegVal,
  timings,
  'PnP ID/Mfg name': (p) => v(p.pnpId.mfgName),
  'PnP ID/Product code': (p) => p.pnpId.productCode,
  'PnP ID/Serial': (p) => p.pnpId.serial,
  'PnP ID/Mfg week': (p) => p.pnpId.mfgWeek,
  'PnP ID/Mfg year': (p) => p.pnpId.mfgYear,
  'Panel name': (p) => p.name,
  'Scaling enable': (p) => p.scalingEnable,
  'Seamless DRRS min refresh rate': (p) => p.seamlessDrrsMinRefreshRate,
  'Pixel overlap count': (p) => p.pixelOverlapCount,
  'Black border/Top': (p) => p.blackBorder?.top,
  // igt 1.27.1 dump_lvds_data() prints black_border[i].top on the "Bottom" line (a copy-paste slip);
  // i915 has no use for it. vmkit decodes the bottom byte; the test compares igt's line with top.
  'Black border/Bottom': (p) => p.blackBorder?.top,
  'Black border/Left': (p) => p.blackBorder?.left,
  'Black border/Right': (p) => p.blackBorder?.right,
  'Dual LFP port sync enable': (p) => p.dualLfpPortSyncEnable,
  'GPU dithering for banding artifacts': (p) => p.gpuDitheringForBandingArtifacts,
};

export const BACKLIGHT_PANEL: (version: number) => Map<Backlight['panels'][number]> = (version) => ({
  'Inverter type': (p) => v(p.type),
  'Active low': (p) => Number(p.activeLowPwm),
  'PWM freq': (p) => p.pwmFreqHz,
  'Minimum brightness': (p) => p.minBrightness,
  Level: (p) => p.level,
  // i915 parse_lfp_backlight() reads the control method only from BDB 191 (and the block size that
  // holds it); igt prints it for every version. vmkit follows i915.
  'Control type': (p) => (version < 191 ? SKIP : v(p.control?.type)),
  Controller: (p) => (version < 191 ? SKIP : p.control?.controller),
});

const ALS: Map<LfpPower> = Object.fromEntries(
  [0, 1, 2, 3, 4].flatMap((i) => {
    const n = i ? `#${i}` : '';
    return [
      [`ALS backlight adjust${n}`, (f: LfpPower) => f.als[i].backlightAdjust],
      [`ALS Lux${n}`, (f: LfpPower) => f.als[i].lux],
    ];
  }),
);

export const LFP_POWER: Map<LfpPower> = {
  'ALS enable': (f) => f.alsEnable,
  'Display LACE support': (f) => f.laceSupport,
  'Default Display LACE enabled status': (f) => f.laceEnabledStatus,
  'Power conservation preference level': (f) => f.powerConservationPref,
  ...ALS,
  'Display LACE aggressiveness profile': (f) => f.laceAggressivenessProfile,
};

export const LFP_POWER_PANEL: Map<LfpPower['panels'][number]> = {
  'Display Power Saving Technology (DPST)': (p) => p.dpst,
  'Panel Self Refresh (PSR)': (p) => p.psr,
  'Dynamic Refresh Rate Switching (DRRS)': (p) => p.drrs,
  'Display LACE support': (p) => p.laceSupport,
  'Assertive Display Technology (ADT)': (p) => p.adt,
  'Dynamic Media Refresh Rate Switching (DMRRS)': (p) => p.dmrrs,
  'Automatic Display Brightness (ADB)': (p) => p.adb,
  'Default Display LACE enabled': (p) => p.laceEnabledStatus,
  'LACE Aggressiveness': (p) => p.laceAggressiveness,
  'DPST Aggressiveness': (p) => p.dpstAggressiveness,
  'EDP 4k/2k HOBL feature': (p) => p.hobl,
  'Variable Refresh Rate (VRR)': (p) => p.vrr,
  ELP: (p) => p.elp,
  OPST: (p) => p.opst,
  'ELP Aggressiveness': (p) => p.elpAggressiveness,
  'OPST Aggrgessiveness': (p) => p.opstAggressiveness,
};

export const LEGACY_CHILD_DEVICES: Map<{ childDeviceSize: number; childDeviceSlots: number }> = {
  'Child device size': (f) => f.childDeviceSize,
  'Child device count': (f) => f.childDeviceSlots,
};
