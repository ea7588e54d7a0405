// Where a cold SeaBIOS boot's time goes, and what a warm one costs. Runs boot-split-child.mjs (a
// fresh Node process booting Debian's bios-256k.bin, 128 MiB, no IGD, with @vmkit/machine's built
// dist — the code the CLI bundles, unbundled here, so `import` is an upper bound of the CLI's — to
// "No bootable device.") RUNS times, and reports the median
// of each phase, wall and CPU time (the shared box's load inflates wall time; CPU time much less):
//   node    process start -> the script's first line (Node's own start-up)
//   import  loading @vmkit/machine and its packages
//   create  createMachine (RAM, devices, firmware image)
//   run     the guest: reset vector to "No bootable device." (5,538,451 instructions)
// and, from one process, WARM further boots (createMachine + boot) after the first: ms per boot
// once V8 has compiled the interpreter and the traces (the rig's matrix and the web page).
// VMKIT_JIT=0 in the environment runs the same with the trace compiler off.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const BIOS = '/usr/share/seabios/bios-256k.bin';
const RUNS = Number(process.env.VMKIT_BENCH_RUNS ?? 5);
const WARM = 5;
const child = new URL('./boot-split-child.mjs', import.meta.url).pathname;
if (!existsSync(BIOS)) {
  console.error(`boot split bench: ${BIOS} not installed (apt-get install seabios); skipped`);
  process.exit(0);
}
if (!existsSync(new URL('../../../packages/machine/dist/index.js', import.meta.url))) {
  console.error('boot split bench: packages/machine/dist missing: run the build first (pnpm build)');
  process.exit(1);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const runs = [];
for (let i = 0; i < RUNS; i++) {
  const r = spawnSync(process.execPath, [child, BIOS], {
    encoding: 'utf8',
    env: { ...process.env, WARM: i === 0 ? String(WARM) : '0' },
    timeout: 120_000,
  });
  if (r.status !== 0) {
    console.error(`boot split bench: child failed (${r.status ?? r.signal}):\n${r.stderr}`);
    process.exit(1);
  }
  const j = JSON.parse(r.stdout.trim().split('\n').pop());
  if (!j.goal) throw new Error('boot split bench: the boot did not reach "No bootable device."');
  runs.push(j);
}
for (const phase of ['node', 'import', 'create', 'run', 'total']) {
  console.log(`BENCH cli cold-boot-${phase}-wall ${median(runs.map((r) => r[phase])).toFixed(0)} ms`);
  console.log(`BENCH cli cold-boot-${phase}-cpu ${median(runs.map((r) => r.cpu[phase])).toFixed(0)} ms`);
}
console.log(`BENCH cli warm-boot-wall ${median(runs[0].warm).toFixed(0)} ms/boot`);
console.log(`BENCH cli warm-boot-cpu ${median(runs[0].warmCpu).toFixed(0)} ms/boot`);
console.log(`# ${runs[0].instructions} instructions per boot; ${RUNS} cold runs, ${WARM} warm boots`);
