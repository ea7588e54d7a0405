// The firmware × policy matrix's wall time and boots per second (one process, `pnpm rig matrix`'s
// engine on a slice: every firmware and policy for Kaby Lake and Tiger Lake at 128 MiB), and, side by
// side, QEMU 7.2 TCG booting the same Debian SeaBIOS image as many times as the slice has real-SeaBIOS
// boots, each as its own `qemu-system-x86_64 -machine pc -m 128 -nodefaults` process (the way a QEMU
// user runs a matrix), timed until "No bootable device." on the debug console.
// Caveat: QEMU's boots have no assigned IGD (it cannot fake one); vmkit's do.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('../../../', import.meta.url).pathname;
const BIOS = {
  'bios-256k.bin': '/usr/share/seabios/bios-256k.bin',
  'bios.bin': '/usr/share/seabios/bios.bin',
};
const SLICE = ['--model', 'kbl,tgl', '--memory', '128M'];
if (!Object.values(BIOS).every((p) => existsSync(p))) {
  console.error('matrix bench: Debian SeaBIOS not installed (apt-get install seabios); skipped');
  process.exit(0);
}

const r = spawnSync(
  process.execPath,
  [
    '--conditions=@vmkit/source',
    '--import',
    'tsx',
    'apps/test-rig/src/main.ts',
    'matrix',
    ...SLICE,
    '--json',
  ],
  { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
);
if (r.status !== 0) {
  console.error(`matrix bench: the matrix failed (exit ${r.status})\n${r.stderr}`);
  process.exit(1);
}
const { summary, results } = JSON.parse(r.stdout);
console.log(`BENCH test-rig matrix-slice-cells ${summary.cells} cells`);
console.log(`BENCH test-rig matrix-slice-wall ${summary.wallMs} ms`);
console.log(`BENCH test-rig matrix-boots-per-second ${summary.bootsPerSecond} boots/s`);
const perBoot = summary.realFirmwareMs / summary.realFirmwareBoots;
console.log(`BENCH test-rig matrix-real-seabios-per-boot ${perBoot.toFixed(0)} ms`);

function bootQemu(image) {
  return new Promise((resolve, reject) => {
    const child = spawn(
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
        image,
        '-debugcon',
        'stdio',
        '-global',
        'isa-debugcon.iobase=0x402',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('No bootable device.')) child.kill('SIGKILL');
    });
    child.on('close', () => {
      clearTimeout(timer);
      if (out.includes('No bootable device.')) resolve();
      else reject(new Error(`qemu-system-x86_64 -bios ${image} ended without "No bootable device."`));
    });
  });
}

if (existsSync('/usr/bin/qemu-system-x86_64')) {
  const real = results.filter((x) => x.cell.firmware !== 'ts-port');
  const t0 = process.hrtime.bigint();
  for (const x of real) await bootQemu(BIOS[x.cell.firmware]);
  const qemuMs = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`BENCH test-rig qemu-tcg-processes-wall ${qemuMs.toFixed(0)} ms`);
  console.log(`BENCH test-rig qemu-tcg-processes-boots ${real.length} boots`);
  console.log(`BENCH test-rig qemu-tcg-per-boot ${(qemuMs / real.length).toFixed(0)} ms`);
  console.log(
    `BENCH test-rig vmkit-vs-qemu-per-boot-ratio ${(perBoot / (qemuMs / real.length)).toFixed(2)} x`,
  );
} else {
  console.error('matrix bench: qemu-system-x86_64 not installed; QEMU comparison skipped');
}
