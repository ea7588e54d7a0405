// Extra devices in QEMU's -device text (`pci-stub,addr=03.0,vendor=0x8086,…`), as the URL's
// `device=` entries carry them, checked against the registry the page ships plus the board's own
// types (isa-debugcon, pci-stub). Property values stay text: the machine's one validation path
// converts and checks them, and reports every problem at once.
import { type AnyDeviceType, type DeviceSpec, formatDriverHelp, parseDeviceOption } from '@vmkit/device';
import { withBuiltins } from '@vmkit/machine';
import { registry } from './registry.js';

/** The registry's types and the board's, by driver name (code-unit order, as DeviceRegistry
 * lists them: a first `localeCompare` builds an ICU collator, tens of milliseconds of the page's
 * first render). */
export function deviceTypes(): readonly AnyDeviceType[] {
  return withBuiltins(registry).list();
}

export function driverHelp(driver: string): string[] {
  const t = deviceTypes().find((x) => x.driver === driver);
  return t ? formatDriverHelp(t) : [];
}

/** Parses the device texts; every unparsable one is listed (one line each). */
export function parseDevices(texts: readonly string[]): { specs: DeviceSpec[]; problems: string[] } {
  const specs: DeviceSpec[] = [];
  const problems: string[] = [];
  for (const text of texts) {
    const r = parseDeviceOption(text);
    if ('problem' in r) problems.push(String(r.problem).replace(/^--device/, 'device'));
    else if ('help' in r) problems.push(`device '${text}': help is shown under "Extra devices", not run`);
    else specs.push(r);
  }
  return { specs, problems };
}
