// vmkit's qemu-system-x86_64: parse QEMU's command line, build the machine (no CPU runs: qtest
// accelerator), connect the qtest and QMP sockets libqtest listens on, and serve both protocols
// until the peer goes or a signal arrives. Exit status 0 on SIGTERM/quit (as QEMU), 1 on bad
// options or sockets.

import { closeSync, existsSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { type ChardevSpec, parseQemuArgs, QemuUsageError, type SocketSpec } from './qemu-args.js';
import { buildQtestMachine, type HostEnv, type QtestMachine } from './qemu-machine.js';
import { QmpSession } from './qmp.js';
import type { Json } from './qmp-json.js';
import { type QtestLog, QtestSession } from './qtest.js';

const PROG = 'qemu-system-x86_64';
/** Where QEMU (and Debian's seabios package) keep firmware files looked up by name. */
const DATA_DIRS = ['/usr/share/qemu', '/usr/share/seabios'];

export const nodeHostEnv: HostEnv = {
  warn: (message) => {
    process.stderr.write(`${PROG}: warning: ${message}\n`);
  },
  readFile: (p) => {
    try {
      return new Uint8Array(readFileSync(p));
    } catch {
      return null;
    }
  },
  findDataFile: (name) => {
    for (const d of DATA_DIRS) {
      const p = join(d, name);
      if (existsSync(p)) return new Uint8Array(readFileSync(p));
    }
    return null;
  },
  wallClock: () => {
    const utc = new Date();
    return { utc, tzOffsetMinutes: utc.getTimezoneOffset() };
  },
};

/** Connect (client) or listen-and-accept-one (server=on) on a unix socket. A socket file the shim
 * created itself is removed at exit (signal, quit or peer gone). */
function openSocket(spec: SocketSpec, cleanups: Array<() => void>): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (!spec.server) {
      const s = createConnection(spec.path);
      s.once('connect', () => resolve(s));
      s.once('error', (e) => reject(new Error(`Failed to connect to '${spec.path}': ${e.message}`)));
      return;
    }
    const server: Server = createServer((s) => {
      server.close();
      resolve(s);
    });
    const unlink = () => {
      if (existsSync(spec.path)) unlinkSync(spec.path);
    };
    cleanups.push(unlink);
    server.once('error', (e) => reject(new Error(`Failed to bind socket to ${spec.path}: ${e.message}`)));
    server.listen(spec.path);
  });
}

function fileLog(path: string, m: QtestMachine): (QtestLog & { close(): void }) | null {
  // /dev/fd/N (libqtest passes /dev/fd/2 when QTEST_LOG is set) is that descriptor itself: opening
  // it fails when it is a socket or pipe. QEMU carries on without a log when fopen fails.
  const fdPath = /^\/dev\/fd\/(\d+)$/.exec(path);
  let fd: number;
  try {
    fd = fdPath ? Number(fdPath[1]) : openSync(path, 'a');
  } catch (e) {
    process.stderr.write(`${PROG}: -qtest-log ${path}: ${(e as Error).message} (no qtest log)\n`);
    return null;
  }
  const stamp = () => (m.target.clock.now() / 1e9).toFixed(6);
  return {
    received: (words) => writeSync(fd, `[R +${stamp()}] ${words.join(' ')}\n`),
    sent: (text) => writeSync(fd, `[S +${stamp()}] ${text}`),
    close: () => {
      if (!fdPath) closeSync(fd);
    },
  };
}

function fail(message: string): never {
  process.stderr.write(`${PROG}: ${message}\n`);
  process.exit(1);
}

export async function runShim(argv: readonly string[], env: HostEnv = nodeHostEnv): Promise<void> {
  let m: QtestMachine;
  let opts: ReturnType<typeof parseQemuArgs>;
  try {
    opts = parseQemuArgs(argv);
    m = buildQtestMachine(opts, env);
  } catch (e) {
    if (e instanceof QemuUsageError) fail(e.message);
    throw e;
  }
  const cleanups: Array<() => void> = [];
  const log = opts.qtestLog ? fileLog(opts.qtestLog, m) : null;
  if (log) cleanups.push(() => log.close());
  let exiting = false;
  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    for (const c of cleanups.reverse()) {
      try {
        c();
      } catch {
        // best effort: the process is going away
      }
    }
    process.exit(code);
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(sig, () => {
      process.stderr.write(
        `${PROG}: terminating on signal ${sig === 'SIGTERM' ? 15 : sig === 'SIGINT' ? 2 : 1}\n`,
      );
      exit(0);
    });
  }

  let status: 'running' | 'paused' | 'prelaunch' = opts.startPaused ? 'prelaunch' : 'running';
  const peers = new Set<Socket>();
  const track = (s: Socket) => {
    peers.add(s);
    s.setNoDelay(true);
    s.on('error', () => s.destroy());
    s.on('close', () => {
      peers.delete(s);
      // Nobody left to talk to: QEMU would idle until killed; the shim exits instead.
      if (peers.size === 0) exit(0);
    });
  };

  const monitors: ChardevSpec[] = [];
  for (const mon of opts.monitors) {
    const cd = opts.chardevs.find((c) => c.id === mon.chardev);
    if (!cd) fail(`-mon chardev=${mon.chardev},mode=control: chardev "${mon.chardev}" not found`);
    monitors.push(cd);
  }
  try {
    if (opts.qtest) {
      const s = await openSocket(opts.qtest, cleanups);
      track(s);
      const session = new QtestSession(m, (t) => s.write(t), log);
      s.setEncoding('latin1');
      s.on('data', (d: string) => session.receive(d));
    }
    for (const cd of monitors) {
      const s = await openSocket(cd, cleanups);
      track(s);
      const qmp = new QmpSession(
        {
          now: () => m.target.clock.now(),
          status: () => status,
          stop: () => {
            if (status === 'running') status = 'paused';
          },
          cont: () => {
            status = 'running';
          },
          systemReset: () => m.reset(),
          quit: () => s.end(() => exit(0)),
          machines: () => MACHINES,
        },
        (t) => s.write(t),
      );
      s.setEncoding('utf8');
      s.on('data', (d: string) => qmp.receive(d));
      qmp.greeting();
    }
  } catch (e) {
    for (const p of peers) p.destroy();
    fail((e as Error).message);
  }
  if (peers.size === 0 && !opts.qtest && monitors.length === 0) {
    fail('nothing to serve: give -qtest and/or -mon (vmkit runs no CPU)');
  }
}

const MACHINES: Json[] = [
  {
    name: 'pc-i440fx-7.2',
    alias: 'pc',
    'is-default': true,
    'cpu-max': 1,
    'hotpluggable-cpus': false,
    'numa-mem-supported': false,
    deprecated: false,
    'default-ram-id': 'pc.ram',
  },
  {
    name: 'none',
    'is-default': false,
    'cpu-max': 1,
    'hotpluggable-cpus': false,
    'numa-mem-supported': false,
    deprecated: false,
  },
];
