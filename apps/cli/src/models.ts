// `vmkit models`: the synthetic IGD catalogue (`--igd synthetic:<model>`).
import { CATALOGUE } from '@vmkit/vfio-igd';
import { EXIT, exitStatusHelp } from './errors.js';
import { type CommandSpec, parseCommandLine, renderHelp } from './options.js';

export const MODELS_COMMAND: CommandSpec = {
  name: 'models',
  usage: '[--json]',
  summary: 'list the synthetic IGD models (for --igd synthetic:<model>)',
  options: [{ name: 'json', type: 'flag', help: 'print a JSON array' }],
};

export function modelsCommand(args: string[]): number {
  const { values } = parseCommandLine(MODELS_COMMAND, args);
  if (values.help) {
    process.stdout.write(renderHelp(MODELS_COMMAND, exitStatusHelp()));
    return EXIT.ok;
  }
  const rows = CATALOGUE.map((m) => ({
    key: m.key,
    name: m.name,
    codename: m.codename,
    device: m.deviceId.toString(16).padStart(4, '0'),
  }));
  if (values.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else
    for (const r of rows)
      process.stdout.write(`synthetic:${r.key.padEnd(8)} 8086:${r.device}  ${r.name} (${r.codename})\n`);
  return EXIT.ok;
}
