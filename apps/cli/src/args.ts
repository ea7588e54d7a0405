// node:util parseArgs-style option objects for the decode commands, parsed by the CLI's one
// argument layer (options.ts): same conventions, "did you mean", one-line errors.
import { parseCommandLine } from './options.js';

interface NodeStyleOption {
  type: 'boolean' | 'string';
  short?: string;
}
type Values<O extends Record<string, NodeStyleOption>> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
};

/** Parse `args` against `options`, allowing up to `positionals` arguments. */
export function parse<O extends Record<string, NodeStyleOption>>(
  args: string[],
  options: O,
  positionals = 0,
): { values: Values<O>; positionals: string[] } {
  const r = parseCommandLine(
    {
      name: '',
      usage: '',
      summary: '',
      positionals: { min: 0, max: positionals, name: 'argument' },
      options: Object.entries(options)
        .filter(([name]) => name !== 'help')
        .map(([name, o]) => ({
          name,
          short: o.short,
          type: o.type === 'boolean' ? 'flag' : 'string',
          help: '',
        })),
    },
    args,
  );
  return { values: r.values as Values<O>, positionals: r.positionals };
}
