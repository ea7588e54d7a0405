// Time from process start to "No bootable device." for Debian's bios-256k.bin, side by side:
//   vmkit: the built CLI under plain node (`node apps/cli/dist/main.js boot …`), no pnpm, no tsx;
//   QEMU TCG: `qemu-system-x86_64 -machine pc -m 128 -nodefaults` with the same image.
// Both are started as child processes and timed until the text appears on their debug console
// (stdout), best of N runs. Also prints the guest instruction count and effective MIPS for vmkit.
// Prints `BENCH <package> <metric> <value> <unit>` lines for scripts/bench.mjs.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const BIOS = '/usr/share/seabios/bios-256k.bin';
const RUNS = Number(process.env.VMKIT_BENCH_RUNS ?? 5);
const cli = new URL('../dist/main.js', import.meta.url).pathname;
if (!existsSync(BIOS)) {
  console.error(`boot bench: ${BIOS} not installed (apt-get install seabios); skipped`);
  process.exit(0);
}
if (!existsSync(cli)) {
  console.error('boot bench: apps/cli/dist/main.js missing: run the build first (pnpm build)');
  process.exit(1);
}

function timeUntil(cmd, args, text) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const finish = (ok) => {
      if (done) return;
      done = true;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      child.kill('SIGKILL');
      ok ? resolve({ ms, out }) : reject(new Error(`${cmd} ended without "${text}"`));
    };
    const onData = (d) => {
      out += d;
      if (out.includes(text)) finish(true);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => setTimeout(() => finish(out.includes(text)), 0));
    setTimeout(() => finish(false), 60_000);
  });
}

async function best(fn) {
  let b = Number.POSITIVE_INFINITY;
  let last;
  for (let i = 0; i < RUNS; i++) {
    last = await fn();
    b = Math.min(b, last.ms);
  }
  return { ms: b, last };
}

const vm = await best(() =>
  timeUntil(
    process.execPath,
    [cli, 'boot', '--firmware', BIOS, '--igd', 'none', '--debugcon', '-'],
    'No bootable device.',
  ),
);
console.log(`BENCH cli seabios-256k-boot-wall ${vm.ms.toFixed(0)} ms`);
// Instruction count from one JSON run.
const js = await timeUntil(
  process.execPath,
  [cli, 'boot', '--firmware', BIOS, '--igd', 'none', '--json'],
  '"log"',
);
await new Promise((r) => setTimeout(r, 50));
const m = /"instructions":\s*(\d+)/.exec(js.out);
if (m) {
  const n = Number(m[1]);
  console.log(`BENCH cli seabios-256k-instructions ${n} instructions`);
  console.log(`BENCH cli seabios-256k-effective-mips ${(n / vm.ms / 1000).toFixed(1)} MIPS`);
}
if (existsSync('/usr/bin/qemu-system-x86_64')) {
  const q = await best(() =>
    timeUntil(
      'qemu-system-x86_64',
      [
        '-machine',
        'pc',
        '-m',
        '128',
        '-nodefaults',
        '-display',
        'none',
        '-bios',
        BIOS,
        '-debugcon',
        'stdio',
        '-global',
        'isa-debugcon.iobase=0x402',
      ],
      'No bootable device.',
    ),
  );
  console.log(`BENCH cli qemu-tcg-seabios-256k-boot-wall ${q.ms.toFixed(0)} ms`);
  console.log(`BENCH cli vmkit-vs-qemu-wall-ratio ${(vm.ms / q.ms).toFixed(2)} x`);
} else {
  console.error('boot bench: qemu-system-x86_64 not installed; QEMU comparison skipped');
}
