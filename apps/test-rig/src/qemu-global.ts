// -global, as QEMU 7.2 applies it (softmmu/qdev-monitor.c qemu_global_option, qom/object.c
// object_apply_global_props, hw/core/qdev-properties.c qdev_prop_check_globals): a global is a
// default for a property of every instance of a driver, set before the instance's own properties
// (so `-device d,p=v` and the board's own settings win over `-global d.p=…`). A global naming a
// property the device does not have stops the machine: "can't apply global D.P=V: Property 'D.P'
// not found", exit status 1. A global naming no known driver is only a warning ("has invalid class
// name"), as in QEMU.

import type { AnyDeviceType, DeviceRegistry, DeviceSpec } from '@vmkit/device';
import { parseKeyval, QemuUsageError } from './qemu-args.js';

export interface GlobalProp {
  driver: string;
  property: string;
  value: string;
}

/** -global driver.prop=value, or -global driver=D,property=P,value=V (qemu_global_opts). */
export function parseGlobalOption(opt: string, arg: string): GlobalProp {
  // sscanf("%63[^.=].%63[^=]%n") then '=': the short form.
  const m = /^([^.=]{1,63})\.([^=]{1,63})=(.*)$/s.exec(arg);
  if (m) return { driver: m[1], property: m[2], value: m[3] };
  const kv = parseKeyval(arg);
  for (const k of kv.keys()) {
    if (!['driver', 'property', 'value'].includes(k))
      throw new QemuUsageError(`${opt}: Invalid parameter '${k}'`);
  }
  const driver = kv.get('driver');
  const property = kv.get('property');
  const value = kv.get('value');
  if (!driver || !property || value === undefined)
    throw new QemuUsageError(`${opt}: options 'driver', 'property', and 'value' are required`);
  return { driver, property, value };
}

const BOOL_ON = new Set(['on', 'yes', 'true', 'y']);
const BOOL_OFF = new Set(['off', 'no', 'false', 'n']);

/** A board property vmkit has with a fixed value: the global is accepted when it asks for that value. */
interface FixedBoardProp {
  /** Does `value` ask for what vmkit's board does? */
  matches(value: string): boolean;
  /** Why another value cannot be honoured. */
  why: string;
}

/**
 * QEMU type names of the pc board's own devices that vmkit models (hw/i386/pc_piix.c, pc.c), and
 * the properties of theirs vmkit has. Every other property of these types is refused.
 */
const BOARD: Record<string, Record<string, FixedBoardProp>> = {
  // hw/nvram/fw_cfg.c fw_cfg_io_properties: dma_enabled defaults to on; vmkit's fw_cfg has DMA.
  fw_cfg_io: {
    dma_enabled: {
      matches: (v) => BOOL_ON.has(v),
      why: "vmkit's fw_cfg always offers the DMA interface (dma_enabled=on)",
    },
  },
  'i440FX-pcihost': {},
  i440FX: {},
  PIIX3: {},
  'piix3-ide': {},
  PIIX4_PM: {},
  mc146818rtc: {},
  'isa-pit': {},
  'isa-i8259': {},
  i8042: {},
  port92: {},
  ioapic: {},
  'isa-serial': {},
  i8257: {},
};

/** Board type names the -global handling knows (for tests and the README). */
export const BOARD_GLOBAL_TYPES: readonly string[] = Object.keys(BOARD);

function notFound(g: GlobalProp): QemuUsageError {
  return new QemuUsageError(
    `can't apply global ${g.driver}.${g.property}=${g.value}: Property '${g.driver}.${g.property}' not found`,
  );
}

/**
 * Apply the globals to the device specs (the -device ones and the board's own, e.g. its
 * isa-debugcon): a spec that does not set the property gets the global's value, as text for the
 * registry to check like any -device value. Returns QEMU's warnings for globals naming no known
 * driver. Throws QemuUsageError for a property vmkit does not have.
 */
export function applyGlobals(
  globals: readonly GlobalProp[],
  specs: DeviceSpec[],
  registry: DeviceRegistry,
): { specs: DeviceSpec[]; warnings: string[] } {
  const warnings: string[] = [];
  const out = specs.map((s) => ({ ...s }));
  for (const g of globals) {
    const type: AnyDeviceType | undefined = registry.get(g.driver);
    if (type) {
      if (!Object.hasOwn(type.props, g.property)) throw notFound(g);
      for (const s of out) {
        if (s.driver === g.driver && !Object.hasOwn(s, g.property)) s[g.property] = g.value;
      }
      continue;
    }
    const board = BOARD[g.driver];
    if (board) {
      const p = board[g.property];
      if (!p) throw notFound(g);
      const v = g.value.toLowerCase();
      if (!p.matches(v)) {
        const bad = !BOOL_ON.has(v) && !BOOL_OFF.has(v);
        throw new QemuUsageError(
          bad
            ? `can't apply global ${g.driver}.${g.property}=${g.value}: Parameter '${g.property}' expects 'on' or 'off'`
            : `can't apply global ${g.driver}.${g.property}=${g.value}: ${p.why}`,
        );
      }
      continue;
    }
    warnings.push(`global ${g.driver}.${g.property} has invalid class name`);
  }
  return { specs: out, warnings };
}
