#!/usr/bin/env node
// `pnpm bench`: runs every package's bench/*.bench.ts (and apps' bench/*.bench.mjs) one after another,
// each in its own Node process (so one does not warm up or slow down the next), collects the
// `BENCH <package> <metric> <value> <unit>` lines they print, and shows them as one table.
// Figures are wall-clock measurements: run on an otherwise idle machine and compare like with like.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);
const files = [];
for (const area of ['packages', 'apps']) {
  for (const pkg of readdirSync(join(root, area)).sort()) {
    const dir = join(root, area, pkg, 'bench');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      if (!/\.bench\.(ts|mjs)$/.test(f)) continue;
      if (only.length && !only.some((o) => `${pkg}/${f}`.includes(o))) continue;
      files.push(join(dir, f));
    }
  }
}
const rows = [];
let failures = 0;
for (const file of files) {
  const rel = file.slice(root.length);
  process.stderr.write(`bench: ${rel}\n`);
  const args = file.endsWith('.ts') ? ['--conditions=@vmkit/source', '--import', 'tsx', file] : [file];
  // 20 minutes: the Linux boot bench (apps/cli/bench/linux-boot.bench.mjs) boots a whole kernel.
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 1_200_000 });
  if (r.status !== 0) {
    failures++;
    process.stderr.write(`bench: ${rel} failed (exit ${r.status ?? r.signal})\n${r.stderr}\n`);
  }
  for (const line of (r.stdout ?? '').split('\n')) {
    const m = /^BENCH\s+(\S+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(line.trim());
    if (m) rows.push({ package: m[1], metric: m[2], value: m[3], unit: m[4] });
    else if (line.trim()) process.stderr.write(`  ${line}\n`);
  }
}
const w = (s, n) => String(s).padEnd(n);
console.log(`${w('package', 14)} ${w('metric', 40)} ${'value'.padStart(14)}  unit`);
for (const r of rows)
  console.log(`${w(r.package, 14)} ${w(r.metric, 40)} ${String(r.value).padStart(14)}  ${r.unit}`);
process.exit(failures ? 1 : 0);
