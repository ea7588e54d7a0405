import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const pkg = join(import.meta.dirname, '..');

describe('README example', () => {
  it('runs as written and prints what the comments say', () => {
    const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
    const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    const dir = join(pkg, 'test', '.tmp');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'readme-example.mjs');
    writeFileSync(file, code!);
    try {
      const out = execFileSync(process.execPath, ['--conditions=@vmkit/source', '--import', 'tsx', file], {
        cwd: pkg,
        encoding: 'utf8',
      });
      const lines = out.split('\n');
      expect(lines[0]).toBe('0');
      expect(lines[1]).toBe("[ 'igd-asls-write', 'igd-opregion-copied' ]");
      expect(lines[2]).toBe('true');
      expect(lines[3]).toBe('etc/igd-opregion 8192');
      expect(lines[4]).toBe('etc/igd-bdsm-size 8');
      expect(lines[5]).toBe("[ 'allocate', 'write-pci-config' ]");
      expect(out).toContain('signature "IntelGraphicsMem"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
