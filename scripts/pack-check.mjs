#!/usr/bin/env node
// Pack-and-install check (part of the test command): every library package is packed with pnpm
// (which rewrites workspace: ranges), the tarballs are installed with npm into an empty temporary
// project, and each package's `test/pack-smoke.mjs` runs there under plain Node (no tsx, no source
// condition), importing the package by name and calling one real function. This is how users
// consume single packages.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkgsDir = join(root, 'packages');
const packages = readdirSync(pkgsDir)
  .map((d) => ({
    dir: join(pkgsDir, d),
    json: JSON.parse(readFileSync(join(pkgsDir, d, 'package.json'), 'utf8')),
  }))
  .filter((p) => !p.json.private);

const work = mkdtempSync(join(tmpdir(), 'vmkit-pack-'));
const tarDir = join(work, 'tarballs');
const proj = join(work, 'project');
let failed = 0;
try {
  execFileSync('mkdir', ['-p', tarDir, proj]);
  const tarballs = [];
  for (const p of packages) {
    if (!existsSync(join(p.dir, 'dist', 'index.js'))) {
      throw new Error(`${p.json.name}: dist/index.js missing; run the build first`);
    }
    const out = execFileSync('pnpm', ['pack', '--pack-destination', tarDir], {
      cwd: p.dir,
      encoding: 'utf8',
    });
    const tgz = out.trim().split('\n').pop().trim();
    tarballs.push(tgz);
  }
  writeFileSync(
    join(proj, 'package.json'),
    JSON.stringify({ name: 'pack-check', private: true, type: 'module' }),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', '--loglevel=error', ...tarballs], {
    cwd: proj,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (const p of packages) {
    const smoke = join(p.dir, 'test', 'pack-smoke.mjs');
    if (!existsSync(smoke)) {
      console.error(`FAIL ${p.json.name}: no test/pack-smoke.mjs`);
      failed++;
      continue;
    }
    const target = join(proj, `smoke-${p.json.name.replace('@vmkit/', '')}.mjs`);
    copyFileSync(smoke, target);
    try {
      execFileSync(process.execPath, [target], {
        cwd: proj,
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
      });
      console.log(`ok   ${p.json.name}`);
    } catch (e) {
      failed++;
      console.error(`FAIL ${p.json.name}\n${e.stderr || e.message}`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`pack-check: ${packages.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
