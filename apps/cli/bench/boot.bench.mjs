// Time from process start to "No bootable device." for Debian's bios-256k.bin, side by side:
//   vmkit: the built CLI under plain node (`node apps/cli/dist/main.js boot …`), no pnpm, no tsx;
//   QEMU TCG: `qemu-system-x86_64 -machine pc -m 128 -nodefaults` with the same image.
//   v86: npm `v86` (x86-to-wasm JIT) in a fresh `node apps/cli/bench/v86-boot.mjs <image>` process,
//        the same image, 128 MiB, SeaBIOS's port-0x402 log copied to stdout (see v86-boot.mjs for
//        how v86 loads the image and why the runner answers 0xE9 on reads of 0x402).
// All are started as child processes and timed until the text appears on their debug console
// (stdout), best of N runs. Also prints the guest instruction count and effective MIPS for vmkit.
// Prints `BENCH <package> <metric> <value> <unit>` lines for scripts/bench.mjs; an emulator that
// cannot reach the text prints `<name>: not comparable: <reason>` instead of a figure.
// Caveat printed with the figures: v86's PC is fixed (it always has an IDE ATAPI CD-ROM, a floppy
// controller, VGA, NE2000, and no ACPI unless asked), so SeaBIOS walks a different device list there
// than on QEMU's `-nodefaults` pc; the `# … boot path:` lines show which boot devices each tried.
// SeaBIOS also does not recognise v86 as QEMU (host bridge subsystem id), so it skips fw_cfg's files
// (ACPI tables, …) and builds its own tables: a similar amount of work (v86's counter ~5.4 M
// instructions, vmkit 5.3 M), not the identical path.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const BIOS = '/usr/share/seabios/bios-256k.bin';
const RUNS = Number(process.env.VMKIT_BENCH_RUNS ?? 5);
const TIMEOUT_MS = 60_000;
const DONE = 'No bootable device.';
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
      clearTimeout(timer); // else the pending timer keeps this process alive for TIMEOUT_MS
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      child.kill('SIGKILL');
      if (ok) resolve({ ms, out });
      else reject(Object.assign(new Error(`${cmd} ended without "${text}"`), { out }));
    };
    const onData = (d) => {
      out += d;
      if (out.includes(text)) finish(true);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => setTimeout(() => finish(out.includes(text)), 0));
    const timer = setTimeout(() => finish(false), TIMEOUT_MS);
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
  console.log(`# QEMU boot path: ${bootPath(q.last.out)}`);
} else {
  console.error('boot bench: qemu-system-x86_64 not installed; QEMU comparison skipped');
}

/** The boot devices SeaBIOS tried, from its "Booting from X..." lines. */
function bootPath(log) {
  const tried = [...log.matchAll(/Booting from ([^.\n]+)\.\.\./g)].map((m) => m[1]);
  return tried.length > 0 ? tried.join(', ') : '(none logged)';
}

// v86: resolvable from the repo root's devDependencies (pnpm links it in node_modules/v86).
const v86Runner = new URL('./v86-boot.mjs', import.meta.url).pathname;
let v86Found = true;
try {
  createRequire(import.meta.url).resolve('v86');
} catch {
  v86Found = false;
}
if (!v86Found) {
  console.log('v86-seabios-256k-boot: not comparable: npm package v86 not installed (pnpm install)');
} else {
  try {
    const v = await best(() => timeUntil(process.execPath, [v86Runner, BIOS, '128'], DONE));
    console.log(`BENCH cli v86-seabios-256k-boot-wall ${v.ms.toFixed(0)} ms`);
    console.log(`BENCH cli vmkit-vs-v86-wall-ratio ${(vm.ms / v.ms).toFixed(2)} x`);
    console.log(
      `# v86 boot path: ${bootPath(v.last.out)} (v86's fixed PC; QEMU's line above for comparison)`,
    );
    const st = /v86-stats instructions=(\d+) first-log-ms=(\d+) done-ms=(\d+)/.exec(v.last.out);
    if (st) {
      const [n, first, done] = [Number(st[1]), Number(st[2]), Number(st[3])];
      console.log(`BENCH cli v86-seabios-256k-instructions ${n} instructions`);
      console.log(
        `# v86 (last run): first SeaBIOS byte ${first} ms after its process started (node + v86 + wasm ` +
          `compile), "${DONE}" at ${done} ms; ${n} instructions by v86's counter on its machine`,
      );
    }
    // The same with v86's JIT off (its interpreter only): SeaBIOS's code runs mostly once, so the
    // JIT's per-block wasm compilation costs more than it saves there.
    const nj = await best(() => timeUntil(process.execPath, [v86Runner, BIOS, '128', '--no-jit'], DONE));
    console.log(`BENCH cli v86-nojit-seabios-256k-boot-wall ${nj.ms.toFixed(0)} ms`);
  } catch (e) {
    const lines = String(e.out ?? '')
      .split('\n')
      .filter((l) => l.trim() !== '');
    const last =
      lines.length > 0 ? `last log line ${JSON.stringify(lines[lines.length - 1])}` : 'no log output';
    console.log(
      `v86-seabios-256k-boot: not comparable: no "${DONE}" within ${TIMEOUT_MS / 1000} s (${last})`,
    );
  }
}
