// Booting the Linux guest (scripts/guest-linux.sh → .cache/guest-linux: Debian's i386 686 kernel
// and the busybox initramfs whose /init prints `VMKIT-GUEST:` lines and powers off), side by side:
//   vmkit: the built CLI under plain node (`node apps/cli/dist/main.js boot --kernel … --serial -`),
//          Debian's SeaBIOS + QEMU's linuxboot_dma.bin, no IGD, 256 MiB;
//   QEMU TCG: `qemu-system-x86_64 -machine pc -m 256 -nodefaults -nographic -serial stdio -kernel …`.
// Each is started as a child process and timed from process start to the first `VMKIT-GUEST:` line
// on its COM1 (stdout) and to its exit after the guest's poweroff; one run each (a boot is long).
// Also prints the instructions vmkit retired (from its report). Prints `BENCH <package> <metric>
// <value> <unit>` lines for scripts/bench.mjs; a side that does not reach the line or poweroff
// prints `<name>: not comparable: <reason>` instead (with vmkit's report line saying where it
// stopped).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('../../../', import.meta.url).pathname;
const KERNEL = `${root}.cache/guest-linux/vmlinuz`;
const INITRD = `${root}.cache/guest-linux/initrd.img`;
// As packages/machine/test/linux-guest.test.ts (why each option is there).
const APPEND = 'console=ttyS0 quiet iomem=relaxed cryptomgr.notests noisapnp';
const BIOS = '/usr/share/seabios/bios-256k.bin';
const TIMEOUT_MS = Number(process.env.VMKIT_LINUX_BENCH_TIMEOUT_MS ?? 900_000);
const BUDGET = '8000000000';
const cli = new URL('../dist/main.js', import.meta.url).pathname;
if (!existsSync(KERNEL) || !existsSync(INITRD) || !existsSync(BIOS)) {
  console.error('linux bench: the guest or SeaBIOS is missing (scripts/ci/setup-guest-linux.sh); skipped');
  process.exit(0);
}

/** Run `cmd`, note when `first` appears on stdout and when the process exits. */
function run(cmd, args) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let firstMs = null;
    child.stdout.on('data', (d) => {
      out += d;
      if (firstMs === null && out.includes('VMKIT-GUEST:')) firstMs = ms();
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ firstMs, exitMs: ms(), code, signal, out });
    });
  });
}

const vm = await run(process.execPath, [
  cli,
  'boot',
  '--firmware',
  BIOS,
  '--igd',
  'none',
  '--memory',
  '256M',
  '--kernel',
  KERNEL,
  '--initrd',
  INITRD,
  '--append',
  APPEND,
  '--serial',
  '-',
  '--max-instructions',
  BUDGET,
]);
const result = /Result:\s+(.*)/.exec(vm.out)?.[1] ?? `no report (exit ${vm.code ?? vm.signal})`;
const instr = /\(([\d,]+) instructions/.exec(result)?.[1]?.replace(/,/g, '');
if (vm.firstMs !== null) console.log(`BENCH cli linux-first-guest-line-wall ${vm.firstMs.toFixed(0)} ms`);
else console.log(`vmkit: not comparable: no VMKIT-GUEST line (${result})`);
if (vm.code === 0 && /^poweroff/.test(result)) {
  console.log(`BENCH cli linux-poweroff-wall ${vm.exitMs.toFixed(0)} ms`);
  console.log(`BENCH cli linux-instructions ${instr} instructions`);
  console.log(`BENCH cli linux-mips ${(Number(instr) / vm.exitMs / 1000).toFixed(1)} MIPS`);
} else {
  console.log(`vmkit: not comparable: did not power off within ${TIMEOUT_MS} ms: ${result}`);
  if (instr) console.log(`BENCH cli linux-instructions-before-stop ${instr} instructions`);
}

const q = await run('qemu-system-x86_64', [
  '-machine',
  'pc',
  '-m',
  '256',
  '-nodefaults',
  '-nographic',
  '-serial',
  'stdio',
  '-no-reboot',
  '-kernel',
  KERNEL,
  '-initrd',
  INITRD,
  '-append',
  APPEND,
]);
if (q.firstMs !== null && q.code === 0) {
  console.log(`BENCH cli qemu-tcg-linux-first-guest-line-wall ${q.firstMs.toFixed(0)} ms`);
  console.log(`BENCH cli qemu-tcg-linux-poweroff-wall ${q.exitMs.toFixed(0)} ms`);
} else console.log(`QEMU: not comparable: exit ${q.code ?? q.signal}, guest line ${q.firstMs !== null}`);
