// The `devices` part of the machine config: the one validation path for plugged devices (unknown
// driver, unknown or mistyped property, out-of-range value, cross-property checks, duplicate ids,
// bad or clashing PCI addresses — all reported together), and the older shorthands (`igd`,
// `extraDevices`, the debug console) expanded into device specs.

import {
  type AnyDeviceType,
  type BoardInfo,
  type CheckedSpec,
  checkDeviceSpecs,
  type DeviceRegistry,
  type DeviceSpec,
} from '@vmkit/device';

/** A checked device with its bus-0 address (PCI) or null. */
export interface PlannedDevice {
  type: AnyDeviceType;
  id: string;
  props: Record<string, unknown>;
  bdf: number | null;
}

/** devfns the board itself occupies: 00:00.0 (i440FX) and slot 1 (PIIX3/PIIX4 functions). */
function boardOwns(devfn: number): boolean {
  return devfn === 0 || devfn >> 3 === 1;
}

const ADDR = /^(?:(?:[0-9a-f]{4}:)?([0-9a-f]{1,2}):)?([0-9a-f]{1,2})(?:\.([0-7]))?$/i;

/** QEMU's `addr=` forms ('3', '03.0', '00:03.0', '0000:00:03.0') → bus-0 devfn, or a problem. */
export function parsePciAddr(text: string): number | string {
  const m = ADDR.exec(text.trim());
  if (!m) return `'${text}' is not a PCI address like 03.0 or 00:03.0`;
  if (m[1] !== undefined && Number.parseInt(m[1], 16) !== 0)
    return `'${text}': only bus 0 exists on this machine`;
  const slot = Number.parseInt(m[2]!, 16);
  if (slot > 31) return `'${text}': slot ${slot} is past 1f`;
  return (slot << 3) | Number(m[3] ?? 0);
}

function fmt(devfn: number): string {
  return `00:${(devfn >> 3).toString(16).padStart(2, '0')}.${devfn & 7}`;
}

/** Check specs against the registry and give every PCI device a free, valid address. */
export function planDevices(
  registry: DeviceRegistry,
  specs: readonly DeviceSpec[],
  board?: BoardInfo,
): { devices: PlannedDevice[]; problems: string[] } {
  const { devices: checked, problems } = checkDeviceSpecs(registry, specs, board);
  const taken = new Map<number, string>();
  const planned: PlannedDevice[] = [];
  const wantsAuto: Array<{ c: CheckedSpec; i: number }> = [];
  for (const c of checked) {
    const where = `device ${c.id} (${c.type.driver})`;
    let bdf: number | null = null;
    if (c.type.bus === 'pci' && c.addr !== undefined) {
      const a = parsePciAddr(c.addr);
      if (typeof a === 'string') problems.push(`${where}: addr ${a}`);
      else if (boardOwns(a))
        problems.push(`${where}: addr ${fmt(a)} is taken by the chipset (00:00.0 host bridge, 00:01.x PIIX)`);
      else if (taken.has(a))
        problems.push(`${where}: addr ${fmt(a)} is already used by device ${taken.get(a)}`);
      else {
        taken.set(a, c.id);
        bdf = a;
      }
    } else if (c.type.bus === 'pci') wantsAuto.push({ c, i: planned.length });
    planned.push({ type: c.type, id: c.id, props: c.props, bdf });
  }
  // QEMU gives a device without addr the first free slot (function 0), in creation order.
  for (const { c, i } of wantsAuto) {
    let slot = 2;
    while (slot < 32 && [...taken.keys()].some((d) => d >> 3 === slot)) slot++;
    if (slot === 32) {
      problems.push(`device ${c.id} (${c.type.driver}): no free PCI slot left on bus 0`);
      continue;
    }
    taken.set(slot << 3, c.id);
    planned[i]!.bdf = slot << 3;
  }
  return { devices: planned, problems };
}
