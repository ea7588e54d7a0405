// `vmkit schema`: the JSON Schema of `vmkit boot --json` (from @vmkit/machine).
import { BOOT_REPORT_SCHEMA_VERSION, bootReportSchema } from '@vmkit/machine';
import { EXIT, exitStatusHelp } from './errors.js';
import { type CommandSpec, parseCommandLine, renderHelp } from './options.js';

export const SCHEMA_COMMAND: CommandSpec = {
  name: 'schema',
  usage: '',
  summary: `print the JSON Schema (draft-07) of the 'vmkit boot --json' report (schemaVersion ${BOOT_REPORT_SCHEMA_VERSION})`,
  options: [],
};

export function schemaCommand(args: string[]): number {
  const { values } = parseCommandLine(SCHEMA_COMMAND, args);
  if (values.help) process.stdout.write(renderHelp(SCHEMA_COMMAND, exitStatusHelp()));
  else process.stdout.write(`${JSON.stringify(bootReportSchema, null, 2)}\n`);
  return EXIT.ok;
}
