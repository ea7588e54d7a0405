#!/usr/bin/env node
// `pnpm bench:before-after [rounds] [--before <rev>]`: the device contract's cost, measured the only
// honest way on a shared box — the same workloads, same run, same machine, interleaved. "Before" is
// main just before the device contract landed (the first parent of the "Merge branch
// 'open-machine'" commit on this branch's first-parent history; --before overrides it). It is
// checked out in a temporary `git worktree` under the OS temp dir, installed from the pnpm store
// (`pnpm install --frozen-lockfile --offline`), and removed at the end. Each round starts one Node
// process per tree (order alternating) running scripts/bench/before-after-worker.mjs: createMachine
// time, a Debian SeaBIOS boot (plain, and with the synthetic KBL IGD under `map`), and x86-core's
// CPU bench bodies run as machine firmware — wall time and CPU time (process.cpuUsage). Prints a
// Markdown table of medians and the load average before and after.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const args = process.argv.slice(2);
const flag = args.indexOf('--before');
const beforeRev = flag >= 0 ? args.splice(flag, 2)[1] : null;
const rounds = Number(args[0] ?? 5);
const worker = join(root, 'scripts/bench/before-after-worker.mjs');
const git = (...a) => execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim();

if (!existsSync('/usr/share/seabios/bios-256k.bin')) {
  console.error('bench-before-after: Debian SeaBIOS is required (apt-get install seabios)');
  process.exit(1);
}
const merge = beforeRev
  ? null
  : git('rev-list', '--first-parent', '--merges', '-1', "--grep=^Merge branch 'open-machine'", 'HEAD');
if (!beforeRev && !merge) {
  console.error('bench-before-after: no "Merge branch \'open-machine\'" on this branch: pass --before <rev>');
  process.exit(1);
}
const before = git('rev-parse', '--verify', `${beforeRev ?? `${merge}^1`}^{commit}`);
const after = git('rev-parse', 'HEAD');
const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
const tmp = mkdtempSync(join(tmpdir(), 'vmkit-before-'));
const beforeTree = join(tmp, 'tree');
const cleanup = () => {
  spawnSync('git', ['worktree', 'remove', '--force', beforeTree], { cwd: root });
  rmSync(tmp, { recursive: true, force: true });
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const load0 = loadavg();
try {
  process.stderr.write(`before ${before.slice(0, 10)} → ${beforeTree}\n`);
  git('worktree', 'add', '--detach', beforeTree, before);
  const install = (extra) =>
    spawnSync('pnpm', ['install', '--frozen-lockfile', ...extra], {
      cwd: beforeTree,
      stdio: ['ignore', 2, 2],
    });
  if (install(['--offline']).status !== 0 && install([]).status !== 0) throw new Error('pnpm install failed');

  const trees = { before: beforeTree, after: root };
  const results = { before: [], after: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
    for (const which of order) {
      process.stderr.write(`round ${r + 1}/${rounds}: ${which}\n`);
      const p = spawnSync(
        process.execPath,
        ['--conditions=@vmkit/source', '--import', 'tsx', worker, trees[which]],
        {
          cwd: trees[which],
          encoding: 'utf8',
          timeout: 900_000,
        },
      );
      if (p.status !== 0)
        throw new Error(`${which} worker failed (exit ${p.status ?? p.signal}):\n${p.stderr}`);
      results[which].push(JSON.parse(p.stdout.trim().split('\n').at(-1)));
    }
  }
  print(results, load0);
} finally {
  cleanup();
}

function print(results, load0) {
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const pct = (b, a) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)}%`;
  const f = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
  const load1 = loadavg();
  console.log(
    `before ${before.slice(0, 10)} (main before the device contract), after ${after.slice(0, 10)}${dirty ? ' + uncommitted changes' : ''}; ` +
      `${rounds} interleaved rounds, medians; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}; ` +
      `load average ${load0.map((x) => x.toFixed(2)).join(' ')} at start, ${load1.map((x) => x.toFixed(2)).join(' ')} at end\n`,
  );
  console.log(
    '| workload | instructions | wall before (ms) | wall after (ms) | Δ wall | CPU before (ms) | CPU after (ms) | Δ CPU |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const name of Object.keys(results.after[0])) {
    const b = results.before.map((x) => x[name]);
    const a = results.after.map((x) => x[name]);
    const [bw, aw, bc, ac] = [
      med(b.map((x) => x.wallMs)),
      med(a.map((x) => x.wallMs)),
      med(b.map((x) => x.cpuMs)),
      med(a.map((x) => x.cpuMs)),
    ];
    const ins =
      a[0].instructions === b[0].instructions
        ? String(a[0].instructions)
        : `${b[0].instructions} / ${a[0].instructions}`;
    console.log(
      `| ${name} | ${ins} | ${f(bw)} | ${f(aw)} | ${pct(bw, aw)} | ${f(bc)} | ${f(ac)} | ${pct(bc, ac)} |`,
    );
  }
}
