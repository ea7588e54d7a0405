// Legacy-mode (VGA/VBIOS) chipset tweaks, as data and functions the machine applies.
// QEMU hw/vfio/igd.c vfio_probe_igd_bar4_quirk (checks and error texts), vfio_pci_igd_host_init /
// vfio_pci_igd_lpc_init (which ids are copied) and the 2016 "igd passthrough chipset tweaks"
// series; docs/igd-passthrough.md §5.

import { PciDevice } from '@vmkit/pci';
import type { IgdHostSource, PciIdentity } from './host.js';
import { formatBdfText } from './util.js';

export interface LegacyModeInput {
  readonly source: IgdHostSource;
  /** Name shown in messages (QEMU prints vdev->vbasedev.name, the host BDF), e.g. "0000:00:02.0". */
  readonly deviceName?: string;
  /** Guest BDF of the IGD as "bb:dd.f" (must be 00:02.0). */
  readonly guestAddress: string;
  /** What already sits at guest 00:1f.0 (undefined = free). The ICH9 LPC on q35, for example. */
  readonly occupantAt1f?: string;
  /** Size of the VBIOS option ROM available (device ROM BAR or a romfile); 0 = none. */
  readonly romSize?: number;
  readonly hotplugged?: boolean;
}

export interface ConfigPatch {
  readonly offset: number;
  readonly size: 1 | 2 | 4;
  readonly value: number;
  readonly field: string;
}

export interface LegacyModePlan {
  readonly ok: boolean;
  readonly errors: readonly string[];
  /** Patches for the VM host bridge at 00:00.0 (revision and subsystem ids of the host's). */
  readonly hostBridgePatches: readonly ConfigPatch[];
  /** Identity of the ISA/LPC bridge to create at 00:1f.0 (host LPC's ids, class 0x060100). */
  readonly lpcBridge?: PciIdentity;
  /** Legacy VGA ranges to route to the IGD. */
  readonly vgaMemory: { readonly base: number; readonly size: number };
  readonly vgaIo: readonly { readonly base: number; readonly size: number }[];
}

export const LEGACY_VGA_MEMORY = { base: 0xa0000, size: 0x20000 } as const;
export const LEGACY_VGA_IO = [
  { base: 0x3b0, size: 0x0c },
  { base: 0x3c0, size: 0x20 },
] as const;

/**
 * Checks whether legacy mode can be enabled and returns what the machine must apply. Errors use
 * QEMU's wording where QEMU has one (so users recognise them).
 */
export function planLegacyMode(input: LegacyModeInput): LegacyModePlan {
  const src = input.source;
  const name = input.deviceName ?? '0000:00:02.0';
  const errors: string[] = [];
  const addr = formatBdfText(input.guestAddress);
  if (addr !== '00:02.0') {
    errors.push(
      `IGD device ${name} is at guest address ${addr}, legacy mode requires 00:02.0 (the vBIOS depends on the PCI address)`,
    );
  }
  if (input.occupantAt1f !== undefined) {
    errors.push(
      `IGD device ${name} cannot support legacy mode due to existing devices at address 1f.0 (${input.occupantAt1f})`,
    );
  }
  const gen = src.generation;
  if (gen < 6) {
    errors.push(`IGD device ${name} is unsupported in legacy mode, try SandyBridge or newer`);
  } else if (gen > 9) {
    errors.push(
      `IGD device ${name} (generation ${gen}) is unsupported in legacy mode: only generations 6 to 9 have a legacy VBIOS`,
    );
  }
  const rom = input.romSize ?? src.romSize;
  if (!rom) errors.push(`IGD device ${name} has no ROM, legacy mode disabled`);
  if (input.hotplugged) errors.push(`IGD device ${name} hotplugged, ROM disabled, legacy mode disabled`);
  if (!src.hostBridge)
    errors.push(`IGD device ${name} does not support host bridge access, legacy mode disabled`);
  if (!src.lpcBridge)
    errors.push(`IGD device ${name} does not support LPC bridge access, legacy mode disabled`);
  const hb = src.hostBridge;
  const hostBridgePatches: ConfigPatch[] = hb
    ? [
        { offset: 0x08, size: 1, value: hb.revision, field: 'revision' },
        { offset: 0x2c, size: 2, value: hb.subsystemVendorId, field: 'subsystem vendor id' },
        { offset: 0x2e, size: 2, value: hb.subsystemId, field: 'subsystem id' },
      ]
    : [];
  const lpc = src.lpcBridge;
  return {
    ok: errors.length === 0,
    errors,
    hostBridgePatches,
    lpcBridge: lpc ? { ...lpc, classCode: 0x060100 } : undefined,
    vgaMemory: LEGACY_VGA_MEMORY,
    vgaIo: LEGACY_VGA_IO,
  };
}

/** Applies config patches through a host-side setter (e.g. ConfigSpace.set8/set16). */
export function applyConfigPatches(
  patches: readonly ConfigPatch[],
  set: (offset: number, size: 1 | 2 | 4, value: number) => void,
): void {
  for (const p of patches) set(p.offset, p.size, p.value);
}

/**
 * The ISA/LPC bridge for guest 00:1f.0 carrying the host LPC's vendor, device, revision and
 * subsystem ids (QEMU "vfio-pci-igd-lpc-bridge", class 0x0601). Throws if the plan has none.
 */
export function createLegacyLpcBridge(plan: LegacyModePlan, name = 'igd-lpc-bridge'): PciDevice {
  const id = plan.lpcBridge;
  if (!id) throw new Error('legacy mode: the plan has no host LPC identity (lpcBridge)');
  return new PciDevice({
    name,
    vendorId: id.vendorId,
    deviceId: id.deviceId,
    classCode: 0x060100,
    revision: id.revision,
    subsystemVendorId: id.subsystemVendorId,
    subsystemId: id.subsystemId,
  });
}

/** Applies the host-bridge patches to the VM's 00:00.0 function (host-side writes, no masks). */
export function applyHostBridgePatches(plan: LegacyModePlan, hostBridge: PciDevice): void {
  applyConfigPatches(plan.hostBridgePatches, (offset, size, value) => {
    if (size === 1) hostBridge.config.set8(offset, value);
    else if (size === 2) hostBridge.config.set16(offset, value);
    else hostBridge.config.set32(offset, value);
  });
}
