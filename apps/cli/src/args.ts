import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
>;

/** node:util parseArgs with one-line errors that name the bad option. */
export function parse<O extends Options>(args: string[], options: O, positionals = 0): Parsed<O> {
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true });
    if (r.positionals.length > positionals) {
      throw new UsageError(`unexpected argument '${r.positionals[positionals]}'`);
    }
    return r as Parsed<O>;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const msg = (e as Error).message.split('\n')[0]!.replace(/^TypeError \[[A-Z_]+\]: /, '');
    throw new UsageError(msg.replace(/\. To specify a positional argument.*$/, ''));
  }
}
