import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeLoader, igdOpRegionLoaderFragment } from '../src/index.js';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(pkg, 'README.md'), 'utf8');

describe('README', () => {
  it('the example runs as written and prints the documented output', () => {
    const m = /## Example[^\n]*\n+```ts\n([\s\S]*?)```\n+Output:\n+```\n([\s\S]*?)```/.exec(readme);
    expect(m).not.toBeNull();
    const [, code, output] = m as RegExpExecArray;
    const out = execFileSync(
      process.execPath,
      ['--conditions=@vmkit/source', '--import', 'tsx', '--input-type=module', '-e', code as string],
      {
        cwd: pkg,
        encoding: 'utf8',
      },
    );
    expect(out).toBe(output);
  });

  it('the spec hexdump is what igdOpRegionLoaderFragment() encodes', () => {
    const m = /\*\*Example table-loader[^\n]*\n+```\n([\s\S]*?)```/.exec(readme);
    expect(m).not.toBeNull();
    const bytes: number[] = [];
    for (const line of (m?.[1] ?? '').trim().split('\n')) {
      const hexPart = line.slice(10, 59);
      for (const h of hexPart.trim().split(/\s+/)) bytes.push(Number.parseInt(h, 16));
    }
    expect(Uint8Array.from(bytes)).toEqual(encodeLoader(igdOpRegionLoaderFragment()));
  });
});
