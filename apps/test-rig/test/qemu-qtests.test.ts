// QEMU 7.2's own qtest programs (built by scripts/ci/setup-qemu-qtest.sh into .cache/qemu-qtest/)
// run against bin/qemu-system-x86_64: every case must pass, and the number of cases per program is
// pinned so a program that silently registers fewer cases (an arch mismatch, a skipped machine)
// fails here. Skips with a message when the programs are absent, unless VMKIT_REQUIRE_TOOLS=1.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = `${root}.cache/qemu-qtest`;
const shim = fileURLToPath(new URL('../bin/qemu-system-x86_64', import.meta.url));

/** Program → test cases it registers for x86_64 (QEMU 7.2 sources; counted from its TAP plan). */
const PROGRAMS: Record<string, number> = {
  'fw_cfg-test': 12,
  'rtc-test': 15,
  'i440fx-test': 4,
  'boot-order-test': 1,
};

const have = Object.keys(PROGRAMS).every((p) => existsSync(`${dir}/${p}`));
if (!have && process.env.VMKIT_REQUIRE_TOOLS === '1') {
  throw new Error(
    `QEMU qtest programs missing in ${dir} (VMKIT_REQUIRE_TOOLS=1): run scripts/ci/setup-qemu-qtest.sh`,
  );
}
if (!have) console.warn(`skipping QEMU qtests: ${dir} is missing; run scripts/ci/setup-qemu-qtest.sh`);

interface Tap {
  plan: number;
  ok: string[];
  notOk: string[];
  code: number | null;
  output: string;
  pid: number | undefined;
}

function runTap(program: string): Promise<Tap> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, QTEST_QEMU_BINARY: shim };
    delete env.QTEST_LOG; // set, it makes libqtest log every command to stderr
    const child = spawn(`${dir}/${program}`, ['--tap', '-k'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('close', (code) => {
      const plan = Number(/^1\.\.(\d+)$/m.exec(output)?.[1] ?? -1);
      const ok = [...output.matchAll(/^ok \d+ (\S+)/gm)].map((m) => m[1]);
      const notOk = [...output.matchAll(/^not ok \d+ (\S+)/gm)].map((m) => m[1]);
      resolve({ plan, ok, notOk, code, output, pid: child.pid });
    });
  });
}

/** libqtest names its sockets /tmp/qtest-<pid>.{sock,qmp} after the program's own pid
 * (tests/qtest/libqtest.c, getpid()): none of the program's may be left behind. (Only the program's:
 * other processes on the machine, other test files included, may hold sockets of their own.) */
const qtestSockets = (pid: number | undefined) =>
  readdirSync(tmpdir()).filter((f) => f === `qtest-${pid}.sock` || f === `qtest-${pid}.qmp`);

describe.skipIf(!have)('QEMU 7.2 qtest programs against the vmkit shim', () => {
  for (const [program, cases] of Object.entries(PROGRAMS)) {
    it(`${program}: all ${cases} cases pass`, { timeout: 900_000 }, async () => {
      const tap = await runTap(program);
      const tail = tap.output.split('\n').slice(-15).join('\n');
      expect(tap.notOk, tail).toEqual([]);
      expect(tap.code, tail).toBe(0);
      expect(tap.plan, tail).toBe(cases);
      expect(tap.ok.length, tail).toBe(cases);
      expect(tap.pid).toBeDefined();
      expect(qtestSockets(tap.pid)).toEqual([]);
    });
  }
});
