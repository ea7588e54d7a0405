// `vmkit boot --device <driver>[,prop=value…]` (QEMU's -device syntax, repeatable), `--device help`
// and `--device <driver>,help`, on the app's registry plus the board's own types.
import { type DeviceSpec, formatDriverHelp, formatDriverList, parseDeviceOption } from '@vmkit/device';
import { withBuiltins } from '@vmkit/machine';
import { UsageError } from './errors.js';
import { registry } from './registry.js';

/** The device specs of the --device options, or the help text to print instead. */
export function deviceOptions(texts: readonly string[]): { specs: DeviceSpec[] } | { help: string } {
  const all = withBuiltins(registry);
  const specs: DeviceSpec[] = [];
  for (const text of texts) {
    const r = parseDeviceOption(text);
    // A spec always has its driver; a parse problem has none (a property may be named 'problem').
    if (!('driver' in r) && 'problem' in r) throw new UsageError(r.problem, 2);
    if ('help' in r && r.help === true) {
      const driver = r.driver as string | undefined;
      if (driver === undefined) return { help: formatDriverList(all).join('\n') };
      const type = all.get(driver);
      if (!type)
        throw new UsageError(
          `--device '${driver}': unknown driver (drivers: ${all
            .list()
            .map((t) => t.driver)
            .join(', ')})`,
          2,
        );
      return { help: formatDriverHelp(type).join('\n') };
    }
    specs.push(r as DeviceSpec);
  }
  return { specs };
}
