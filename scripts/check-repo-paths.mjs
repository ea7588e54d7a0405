#!/usr/bin/env node
// Refuses paths that reach outside the repository (part of `pnpm test`): a user's clone has nothing
// beside it, so no test, bench, script or source may read `../shared`, a team machine's absolute path,
// or a relative path that climbs above the repository root. Allowed absolute paths are the system
// locations tests legitimately use (Debian tools and firmware under /usr, /dev/zero, /proc, /tmp, …).
// Usage: node scripts/check-repo-paths.mjs [--self-test]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCAN = ['packages', 'apps', 'scripts', '.ci'];
const SKIP_DIRS = new Set(['node_modules', 'dist', '.tsbuild', '.turbo', 'coverage', '.cache', 'fixtures']);
const EXT = /\.(ts|tsx|mts|mjs|cjs|js|sh|json|py)$/;
const SYSTEM = /^\/(usr|dev|proc|sys|tmp|etc|bin|sbin|var\/tmp|run)(\/|$)/;

/** Every outside-reaching path literal in `text` (a file at `file`), with its line number. */
export function findOutsidePaths(text, file, repoRoot = root) {
  const hits = [];
  // A generator's templates are relative to the folder they are written into, which the generator
  // names in a marker comment: `check-repo-paths: base=packages/NAME`.
  const base = /check-repo-paths: base=([\w./-]+)/.exec(text);
  const from = base ? join(repoRoot, base[1]) : dirname(file);
  const lines = text.split('\n');
  const lit = /(['"`])((?:\.\.\/|\/)[^'"`\s$]*)/g;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/\bshared\/(docs|reference|fixtures)\b/.test(line) && /\.\.\/shared|\/work\/shared/.test(line)) {
      hits.push({ line: i + 1, path: line.trim(), why: 'reads the team folder beside the repository' });
      continue;
    }
    for (const m of line.matchAll(lit)) {
      const p = m[2];
      if (p.startsWith('/')) {
        if (p === '/' || p.startsWith('//') || SYSTEM.test(p) || !/^\/[a-z]+\/[A-Za-z0-9_.-]/.test(p))
          continue;
        if (/^\/(work|home|root|mnt|srv|opt)\//.test(p))
          hits.push({ line: i + 1, path: p, why: 'absolute path of one machine' });
        continue;
      }
      const target = resolve(from, p);
      const rel = relative(repoRoot, target);
      if (rel === '..' || rel.startsWith(`..${sep}`))
        hits.push({ line: i + 1, path: p, why: 'climbs above the repository root' });
    }
  }
  return hits;
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const full = join(dir, name);
    const st = statSync(full);
    if (st.isDirectory()) yield* walk(full);
    else if (EXT.test(name) || dir.endsWith(`${sep}bin`) || dir.endsWith(`${sep}.ci`)) yield full;
  }
}

function selfTest() {
  const f = join(root, 'packages/x/test/a.test.ts');
  const bad = [
    "readFileSync('/work/shared/fixtures/vbt/a.vbt')",
    "new URL('../../../../shared/reference/x.log', import.meta.url)",
    "const p = '/home/someone/data.bin';",
    "join(root, '../shared/fixtures/vbt/k.vbt')",
    "// check-repo-paths: base=packages/x\nextends: '../../../tsconfig.base.json'",
  ];
  const good = [
    "new URL('./fixtures/x.log', import.meta.url)",
    "new URL('../../machine/test/fixtures/x.log', import.meta.url)",
    "existsSync('/usr/share/seabios/bios-256k.bin')",
    "openSync('/dev/zero')",
    "// check-repo-paths: base=packages/x\nextends: '../../tsconfig.base.json'",
  ];
  for (const b of bad)
    if (findOutsidePaths(b, f).length === 0) throw new Error(`self-test: not caught: ${b}`);
  for (const g of good)
    if (findOutsidePaths(g, f).length !== 0) throw new Error(`self-test: false alarm: ${g}`);
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  selfTest();
  if (process.argv.includes('--self-test')) {
    console.log('check-repo-paths: self-test passed');
    process.exit(0);
  }
  const problems = [];
  for (const top of SCAN) {
    const dir = join(root, top);
    try {
      statSync(dir);
    } catch {
      continue;
    }
    for (const file of walk(dir)) {
      if (file === fileURLToPath(import.meta.url)) continue;
      for (const h of findOutsidePaths(readFileSync(file, 'utf8'), file))
        problems.push(`${relative(root, file)}:${h.line}: ${h.path} (${h.why})`);
    }
  }
  if (problems.length) {
    for (const p of problems) console.error(`check-repo-paths: ${p}`);
    console.error(
      `check-repo-paths: ${problems.length} path(s) reach outside the repository; copy what they need into the repo`,
    );
    process.exit(1);
  }
  console.log('check-repo-paths: no path reaches outside the repository');
}
