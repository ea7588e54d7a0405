// `--device <driver>,<prop>=<value>,…` (QEMU's -device syntax, repeatable; `--device help`,
// `--device <driver>,help`), `--fw-cfg name=opt/…,file=…|string=…` (QEMU's -fw_cfg) and the
// options that stop a boot and save its state (`--stop-at`, `--save-state`).
import { type DeviceSpec, formatDriverHelp, formatDriverList, parseDeviceOption } from '@vmkit/device';
import { withBuiltins } from '@vmkit/machine';
import { UsageError } from './errors.js';
import { readBytes } from './files.js';
import type { OptionSpec, ParsedArgs } from './options.js';
import { registry } from './registry.js';
import { didYouMean } from './suggest.js';

export const DEVICE_OPTIONS: OptionSpec[] = [
  {
    name: 'device',
    type: 'repeat',
    value: '<driver>[,prop=value…]',
    help: "plug a device, QEMU -device syntax (repeatable), e.g. pci-stub,addr=03.0,…;\n'--device help' lists drivers, '--device <driver>,help' their properties",
  },
  {
    name: 'fw-cfg',
    type: 'repeat',
    value: 'name=opt/<n>,file=<f>',
    help: 'add an fw_cfg file (QEMU -fw_cfg; string=<text> instead of file=; repeatable)',
  },
  {
    name: 'stop-at',
    type: 'integer',
    value: '<n>',
    rule: { kind: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER },
    help: 'stop after <n> instructions from power-on (with --save-state: save and exit 0)',
  },
  {
    name: 'save-state',
    type: 'string',
    value: '<file>',
    help: "write the machine's state there when it stops ('vmkit resume <file>' continues it)",
  },
];

const registryWithBoard = () => withBuiltins(registry);

/** The text for `--device help` / `--device <driver>,help`, or null when no help was asked. */
export function deviceHelp(values: ParsedArgs['values']): string | null {
  for (const text of (values.device as string[] | undefined) ?? []) {
    const p = parseDeviceOption(text);
    if (!('help' in p)) continue;
    const reg = registryWithBoard();
    if (p.driver === undefined)
      return `${['Drivers (--device <driver>,help for properties):', ...formatDriverList(reg).map((l) => `  ${l}`)].join('\n')}\n`;
    const type = reg.get(p.driver);
    if (!type) {
      const names = reg.list().map((t) => t.driver);
      throw new UsageError(
        `--device: unknown driver '${p.driver}'${didYouMean(p.driver, names)} (drivers: ${names.join(', ')})`,
      );
    }
    return `${formatDriverHelp(type).join('\n')}\n`;
  }
  return null;
}

/** The --device options as specs (text values; the machine checks them against the registry). */
export function deviceSpecs(values: ParsedArgs['values']): DeviceSpec[] {
  return ((values.device as string[] | undefined) ?? []).map((text) => {
    const p = parseDeviceOption(text);
    if ('problem' in p) throw new UsageError(p.problem as string);
    if ('help' in p) throw new UsageError(`--device '${text}': help cannot be combined with other devices`);
    return p;
  });
}

/** The --fw-cfg options as files. */
export function fwCfgFiles(values: ParsedArgs['values']): Array<{ name: string; data: Uint8Array }> {
  return ((values['fw-cfg'] as string[] | undefined) ?? []).map((text) => {
    const fields = new Map<string, string>();
    for (const part of text.split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new UsageError(`--fw-cfg '${text}': '${part}' is not key=value (name=opt/…,file=…)`);
      fields.set(part.slice(0, eq), part.slice(eq + 1));
    }
    const name = fields.get('name');
    const file = fields.get('file');
    const str = fields.get('string');
    const unknown = [...fields.keys()].filter((k) => !['name', 'file', 'string'].includes(k));
    if (unknown.length)
      throw new UsageError(`--fw-cfg '${text}': unknown key '${unknown[0]}' (name, file, string)`);
    if (!name) throw new UsageError(`--fw-cfg '${text}': name=opt/… is required`);
    if ((file === undefined) === (str === undefined))
      throw new UsageError(`--fw-cfg '${text}': give exactly one of file=<path> or string=<text>`);
    const data =
      file !== undefined ? readBytes(file, 'fw_cfg file', 16 * 1024 * 1024) : new TextEncoder().encode(str);
    return { name, data };
  });
}
