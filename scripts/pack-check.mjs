#!/usr/bin/env node
// Pack-and-install check (part of the test command): every library package is packed with pnpm
// (which rewrites workspace: ranges), the tarballs are installed with npm into an empty temporary
// project, and each package's `test/pack-smoke.mjs` runs there under plain Node (no tsx, no source
// condition), importing the package by name and calling one real function. This is how users
// consume single packages. It also requires LICENSE and README.md in every tarball, and a passing
// `pnpm -r publish --dry-run` that names every library package.
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
    // What a user installs must carry its licence and its README (npm takes LICENSE from the
    // package folder, not the repository root).
    const installed = join(proj, 'node_modules', ...p.json.name.split('/'));
    for (const f of ['LICENSE', 'README.md', 'package.json']) {
      if (!existsSync(join(installed, f))) {
        console.error(`FAIL ${p.json.name}: the tarball has no ${f}`);
        failed++;
      }
    }
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
  // Publishing goes through pnpm (which rewrites workspace:* ranges; npm pack/publish would not):
  // a dry run of the whole workspace must pass and name every library package.
  const dry = execFileSync('pnpm', ['-r', 'publish', '--dry-run', '--no-git-checks'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const p of packages) {
    if (!dry.includes(`+ ${p.json.name}@${p.json.version}`)) {
      console.error(`FAIL ${p.json.name}: not in 'pnpm -r publish --dry-run' output`);
      failed++;
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`pack-check: ${packages.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
