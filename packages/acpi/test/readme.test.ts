// Runs the README example and compares its printed output.
import { readFileSync } from 'node:fs';
import { encodeLoader } from '@vmkit/bios-linker';
import { expect, it } from 'vitest';
import { buildPcAcpi, buildSmbios, decodeAml } from '../src/index.js';

it('README example prints what the README says', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const blocks = [...readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)];
  const code = blocks.find((b) => b[1] === 'ts')?.[2] ?? '';
  const expected = blocks.find((b, i) => i > 0 && b[1] === '')?.[2] ?? '';
  const body = code.replace(/^import .*$/gm, '');
  const lines: string[] = [];
  const log = (...a: unknown[]) => lines.push(a.map(String).join(' '));
  new Function('encodeLoader', 'buildPcAcpi', 'buildSmbios', 'decodeAml', 'console', body)(
    encodeLoader,
    buildPcAcpi,
    buildSmbios,
    decodeAml,
    { log },
  );
  expect(`${lines.join('\n')}\n`).toBe(expected);
});
