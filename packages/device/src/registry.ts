// The registry apps fill with the device packages they ship (the machine names none), the one
// validation path for device specs, and QEMU's `-device` text syntax.

import { describeAllowed, describeDefault, resolveProps } from './props.js';
import type { AnyDeviceType, BoardInfo, DeviceSpec } from './types.js';

export class DeviceRegistry {
  private readonly types = new Map<string, AnyDeviceType>();

  constructor(types: readonly AnyDeviceType[] = []) {
    for (const t of types) this.register(t);
  }

  /** Add a type; a second type with the same driver name is an error. */
  register(type: AnyDeviceType): this {
    if (!/^[a-z][a-z0-9-]*$/.test(type.driver))
      throw new Error(
        `DeviceRegistry: driver name '${type.driver}' must be lower-case letters, digits and -`,
      );
    if (this.types.has(type.driver))
      throw new Error(`DeviceRegistry: driver '${type.driver}' is already registered`);
    this.types.set(type.driver, type);
    return this;
  }

  get(driver: string): AnyDeviceType | undefined {
    return this.types.get(driver);
  }

  /** Every registered type, sorted by driver name (by code unit: the same order under every locale,
   * and no ICU collator to build: a first `localeCompare` costs ~8 ms, which machine creation
   * paid on every cold start). */
  list(): AnyDeviceType[] {
    return [...this.types.values()].sort((a, b) => (a.driver < b.driver ? -1 : a.driver > b.driver ? 1 : 0));
  }
}

/** A spec whose driver exists and whose props are checked and defaulted. */
export interface CheckedSpec {
  type: AnyDeviceType;
  id: string;
  addr: string | undefined;
  props: Record<string, unknown>;
}

const ID_TEXT = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/**
 * Check a list of device specs: unknown drivers, unknown/mistyped/out-of-range properties, the
 * types' cross-property checks, and duplicate or malformed ids — every problem, in order. Address
 * checks (bus occupancy) are the board's.
 */
export function checkDeviceSpecs(
  registry: DeviceRegistry,
  specs: readonly DeviceSpec[],
  board: BoardInfo = { memory: 128 * 1024 * 1024, ramBelow4g: 128 * 1024 * 1024 },
): { devices: CheckedSpec[]; problems: string[] } {
  const problems: string[] = [];
  const devices: CheckedSpec[] = [];
  const ids = new Set<string>();
  const perDriver = new Map<string, number>();
  for (const [i, spec] of specs.entries()) {
    const type = spec && typeof spec.driver === 'string' ? registry.get(spec.driver) : undefined;
    if (!type) {
      const names = registry.list().map((t) => t.driver);
      problems.push(
        `device #${i + 1}: unknown driver '${String(spec?.driver)}' (${names.length ? `drivers: ${names.join(', ')}` : 'no drivers are registered'})`,
      );
      continue;
    }
    const n = perDriver.get(type.driver) ?? 0;
    perDriver.set(type.driver, n + 1);
    const id = spec.id ?? (n === 0 ? type.driver : `${type.driver}${n}`);
    if (typeof id !== 'string' || !ID_TEXT.test(id))
      problems.push(
        `device #${i + 1} (${type.driver}): id '${String(id)}' must start with a letter (letters, digits, _ . -)`,
      );
    else if (ids.has(id)) problems.push(`device #${i + 1} (${type.driver}): id '${id}' is used twice`);
    ids.add(id);
    const where = `device ${id} (${type.driver})`;
    if (spec.addr !== undefined && typeof spec.addr !== 'string')
      problems.push(`${where}: addr must be text like 03.0`);
    if (spec.addr !== undefined && type.bus !== 'pci')
      problems.push(`${where}: addr is only for PCI devices (this one sits on the ${type.bus} bus)`);
    const r = resolveProps(type.props, spec, where);
    problems.push(...r.problems);
    if (r.problems.length === 0 && type.check)
      problems.push(...type.check(r.props, board).map((p) => `${where}: ${p}`));
    devices.push({ type, id, addr: spec.addr as string | undefined, props: r.props });
  }
  return { devices, problems };
}

/**
 * QEMU's `-device` text: `driver[,prop=value]…` (a value may contain ',' written as ',,', as in
 * QEMU's option parser). `help` alone, or `driver,help`, asks for help. Values stay text;
 * checkDeviceSpecs converts them.
 */
export function parseDeviceOption(
  text: string,
): DeviceSpec | { help: true; driver?: string } | { problem: string } {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ',' && text[i + 1] === ',') {
      cur += ',';
      i++;
    } else if (c === ',') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  const driver = parts[0]!.trim();
  if (driver === 'help' || driver === '?') return { help: true };
  if (!driver) return { problem: `--device '${text}': the driver name comes first (e.g. edu,addr=03.0)` };
  const spec: DeviceSpec = { driver };
  for (const p of parts.slice(1)) {
    if (p === 'help' || p === '?') return { help: true, driver };
    const eq = p.indexOf('=');
    if (eq <= 0) return { problem: `--device '${text}': '${p}' is not prop=value` };
    const key = p.slice(0, eq);
    if (key === 'driver') return { problem: `--device '${text}': driver is given first, not as a property` };
    // These two name the other results of this function, so no property may use them.
    if (key === 'help' || key === 'problem')
      return { problem: `--device '${text}': '${key}' is not a property name` };
    if (Object.hasOwn(spec, key)) return { problem: `--device '${text}': property '${key}' is given twice` };
    spec[key] = p.slice(eq + 1);
  }
  return spec;
}

/** `--device help`: one line per driver. */
export function formatDriverList(registry: DeviceRegistry): string[] {
  const types = registry.list();
  const w = Math.max(0, ...types.map((t) => t.driver.length));
  return types.map((t) => `${t.driver.padEnd(w)}  bus ${t.bus.padEnd(6)}  ${t.description}`);
}

/** `--device <driver>,help`: its properties with type, default and doc. */
export function formatDriverHelp(type: AnyDeviceType): string[] {
  const out = [`${type.driver} (bus ${type.bus}): ${type.description}`];
  if (type.bus === 'pci') out.push('  addr=<slot.fn>  PCI address on bus 0 (default: first free slot)');
  out.push('  id=<name>  device id (default: the driver name)');
  for (const [name, spec] of Object.entries(type.props)) {
    const d = describeDefault(spec);
    out.push(
      `  ${name}=<${spec.type}>  ${spec.doc} (${describeAllowed(spec)}${d ? `; default ${d}` : ''}${spec.required ? '; required' : ''})`,
    );
  }
  return out;
}
