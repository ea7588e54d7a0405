// bin/qemu-system-x86_64 as a process, the way libqtest runs it: bad options exit 1 with QEMU's
// message, the shim exits when its peer goes (a test program killed mid-run) or on SIGTERM (status
// 0, as QEMU), and a socket it listened on itself is gone afterwards.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const shim = fileURLToPath(new URL('../bin/qemu-system-x86_64', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vmkit-shim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(args: string[]): {
  child: ChildProcess;
  exit: Promise<{ code: number | null; stderr: string }>;
} {
  const child = spawn(shim, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr })),
  );
  return { child, exit };
}

function listen(path: string): { server: Server; peer: Promise<Socket> } {
  const server = createServer();
  const peer = new Promise<Socket>((resolve) => server.once('connection', resolve));
  server.listen(path);
  return { server, peer };
}

function reader(s: Socket) {
  let buf = '';
  const waiters: Array<() => void> = [];
  s.setEncoding('utf8');
  s.on('data', (d: string) => {
    buf += d;
    for (const w of waiters.splice(0)) w();
  });
  return async (): Promise<string> => {
    while (!buf.includes('\n')) await new Promise<void>((r) => waiters.push(r));
    const i = buf.indexOf('\n');
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    return line;
  };
}

describe('the shim process', () => {
  it('refuses an unknown option with exit status 1', { timeout: 120_000 }, async () => {
    const { exit } = start(['-qtest', `unix:${dir}/none`, '-frobnicate']);
    const r = await exit;
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('qemu-system-x86_64: -frobnicate: invalid option\n');
  });

  it('serves qtest and QMP, and exits 0 when the peer goes', { timeout: 120_000 }, async () => {
    const q = listen(`${dir}/q.sock`);
    const m = listen(`${dir}/m.qmp`);
    const { exit } = start([
      '-qtest',
      `unix:${dir}/q.sock`,
      '-chardev',
      `socket,path=${dir}/m.qmp,id=char0`,
      '-mon',
      'chardev=char0,mode=control',
      '-display',
      'none',
      '-accel',
      'qtest',
    ]);
    const qs = await q.peer;
    const ms = await m.peer;
    const qline = reader(qs);
    const mline = reader(ms);
    expect(await mline()).toMatch(/^\{"QMP": /);
    ms.write('{"execute": "qmp_capabilities"}\n');
    expect(await mline()).toBe('{"return": {}}\r');
    qs.write('outb zz\nendianness\n');
    expect(await qline()).toBe("FAIL invalid port 'zz'");
    expect(await qline()).toBe('OK little');
    // The test program dies: both sockets close without a word.
    qs.destroy();
    ms.destroy();
    q.server.close();
    m.server.close();
    expect((await exit).code).toBe(0);
  });

  it('listens with server=on, exits 0 on SIGTERM and removes its socket file', {
    timeout: 120_000,
  }, async () => {
    const path = `${dir}/listen.sock`;
    const { child, exit } = start(['-qtest', `unix:${path},server=on`, '-accel', 'qtest']);
    while (!existsSync(path)) await new Promise((r) => setTimeout(r, 50));
    const s = createConnection(path);
    const line = reader(s);
    s.write('endianness\n');
    expect(await line()).toBe('OK little');
    child.kill('SIGTERM');
    const r = await exit;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('terminating on signal 15');
    expect(existsSync(path)).toBe(false);
    s.destroy();
  });
});
