// The README's API sketch runs as written (against the package's source).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

it('README API sketch runs and prints what its comments say', () => {
  const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)![1];
  const dir = mkdtempSync(join(pkg, '.tmp-readme-'));
  try {
    const file = join(dir, 'sketch.ts');
    writeFileSync(file, code);
    const out = execFileSync(process.execPath, ['--conditions=@vmkit/source', '--import', 'tsx', file], {
      cwd: pkg,
      encoding: 'utf8',
    });
    expect(out).toContain('{ present: true, dma: true }');
    expect(out).toContain('33554432n');
    expect(out).toContain("'23 etc/now 1'");
    expect(out).toContain('guest wrote 4 bytes at 0');
    expect(out).toMatch(/0, 16, 0, 0,\s+0,\s+0, 0, 0/);
    expect(out.trim().endsWith('2')).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
