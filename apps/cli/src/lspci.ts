// `vmkit lspci`: boot the machine the options describe, then print its PCI functions as pciutils'
// lspci does (@vmkit/pci lspciText). `-x`/`-xxx`/`-xxxx` output reads back as a host dump
// (`--igd dump:<dir>` with it saved as lspci.txt) and diffs against a real host's.
import { lspciText } from '@vmkit/pci';
import { type CommandContext, goalError, MACHINE_OPTIONS, runMachine } from './boot.js';
import { EXIT, exitStatusHelp } from './errors.js';
import { type CommandSpec, parseCommandLine, renderHelp } from './options.js';

export const LSPCI_COMMAND: CommandSpec = {
  name: 'lspci',
  usage: '[-n|-nn] [-v] [-x|-xxx|-xxxx] [boot options]',
  summary: "boot the machine, then print its PCI functions as pciutils' lspci does",
  description:
    'Byte for byte what lspci 3.9 prints (terse, -v, hex dumps) with a names database of class\n' +
    'names only (ids as "Device 8086:5916"); -v capability details for PM, MSI, MSI-X, Express\n' +
    'and vendor-specific only. Boot options as for vmkit boot.',
  options: [
    { name: 'numeric', short: 'n', type: 'count', help: '-n: numeric ids only; -nn: names and numbers' },
    { name: 'verbose', short: 'v', type: 'count', help: 'regions, interrupt, capabilities' },
    {
      name: 'hex',
      short: 'x',
      type: 'count',
      help: '-x: 64 bytes of config space; -xxx: 256; -xxxx: 4096 (PCIe)',
    },
    ...MACHINE_OPTIONS,
  ],
};

export function lspciCommand(args: string[], _ctx: CommandContext): number {
  const { values } = parseCommandLine(LSPCI_COMMAND, args);
  if (values.help) {
    process.stdout.write(renderHelp(LSPCI_COMMAND, exitStatusHelp()));
    return EXIT.ok;
  }
  const { machine, report } = runMachine(values, false);
  const x = (values.hex as number | undefined) ?? 0;
  process.stdout.write(
    lspciText(machine.platform.pci.bus, {
      numeric: Math.min((values.numeric as number | undefined) ?? 0, 2) as 0 | 1 | 2,
      verbose: values.verbose !== undefined,
      hex: x === 0 ? 0 : x < 3 ? 1 : x === 3 ? 3 : 4,
    }),
  );
  const err = goalError(report);
  if (err) throw err;
  return EXIT.ok;
}
