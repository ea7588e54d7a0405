// `pnpm new-device` and `pnpm new-package` as a contributor runs them, in a scratch clone of this
// repository (git clone of the committed tree, plus this checkout's built dist/ folders so nothing
// but the new package needs building): the generated packages pass the project's own checks as
// generated — type check, biome, their vitest project and the pack-and-install smoke test — the
// device is registered with the CLI's registry, and unknown --deps are refused.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const isClone = existsSync(join(root, '.git'));
if (!isClone)
  console.warn('skipped: the generator test clones the repository, which is not a git checkout here');

const run = (cwd, cmd, args) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

describe.skipIf(!isClone)('pnpm new-device / new-package in a scratch clone', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'vmkit-gen-'));
  const clone = join(scratch, 'vmkit');
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('the clone builds nothing it already has', () => {
    execFileSync('git', ['clone', '--quiet', '--local', '--no-hardlinks', root, clone]);
    for (const d of readdirSync(join(root, 'packages'))) {
      for (const out of ['dist', '.tsbuild']) {
        const from = join(root, 'packages', d, out);
        if (existsSync(from) && existsSync(join(clone, 'packages', d)))
          cpSync(from, join(clone, 'packages', d, out), { recursive: true, preserveTimestamps: true });
      }
    }
    expect(existsSync(join(clone, 'scripts', 'new-device.mjs'))).toBe(true);
  });

  it('refuses unknown --deps and bad names, writing nothing', () => {
    const deps = run(clone, 'node', ['scripts/new-device.mjs', 'probe-dev', '--deps', 'pci,nonesuch']);
    expect(deps.code).toBe(2);
    expect(deps.out).toContain('new-device: unknown --deps: nonesuch (workspace packages: ');
    const name = run(clone, 'node', ['scripts/new-package.mjs', 'Bad_Name']);
    expect(name.code).toBe(2);
    expect(name.out).toContain('the name must be lower-case letters, digits and -');
    expect(existsSync(join(clone, 'packages', 'probe-dev'))).toBe(false);
  });

  it('generates a device and a plain package that pass type check, lint, tests and the pack check', () => {
    const dev = run(clone, 'node', [
      'scripts/new-device.mjs',
      'probe-dev',
      '--description',
      "a probe's device",
    ]);
    expect(dev.code, dev.out).toBe(0);
    expect(dev.out).toContain('next steps:');
    expect(dev.out).toContain('registered with: apps/cli/src/registry.ts');
    const lib = run(clone, 'node', ['scripts/new-package.mjs', 'probe-lib', '--deps', 'pci']);
    expect(lib.code, lib.out).toBe(0);
    for (const p of ['probe-dev', 'probe-lib']) {
      for (const f of ['LICENSE', 'README.md', 'test/pack-smoke.mjs'])
        expect(existsSync(join(clone, 'packages', p, f)), `${p}/${f}`).toBe(true);
      expect(readFileSync(join(clone, 'packages', p, 'README.md'), 'utf8')).toContain('## Install');
      expect(readFileSync(join(clone, 'tsconfig.json'), 'utf8')).toContain(
        `./packages/${p}/tsconfig.test.json`,
      );
      expect(existsSync(join(clone, '.changeset', `${p}-new.md`))).toBe(true);
    }
    expect(readFileSync(join(clone, 'apps/cli/src/registry.ts'), 'utf8')).toContain('probeDevDeviceType');

    const checks = [
      [
        'pnpm',
        [
          'exec',
          'tsc',
          '-b',
          'packages/probe-dev/tsconfig.test.json',
          'packages/probe-lib/tsconfig.test.json',
        ],
      ],
      [
        'pnpm',
        ['exec', 'biome', 'check', 'packages/probe-dev', 'packages/probe-lib', 'apps/cli', 'tsconfig.json'],
      ],
      ['pnpm', ['exec', 'vitest', 'run', '--project', 'probe-dev', '--project', 'probe-lib']],
      ['node', ['scripts/pack-check.mjs', '@vmkit/probe-dev', '@vmkit/probe-lib']],
    ];
    for (const [cmd, args] of checks) {
      const r = run(clone, cmd, args);
      expect(r.code, `${cmd} ${args.join(' ')}\n${r.out}`).toBe(0);
    }
    // The CLI (from source) now offers the new driver.
    const help = run(clone, 'pnpm', ['-s', 'vmkit', 'boot', '--device', 'help']);
    expect(help.code, help.out).toBe(0);
    expect(help.out).toMatch(/^ *probe-dev +bus pci +a probe's device/m);
  });
});
