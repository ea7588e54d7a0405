// Differential test against real QEMU (qemu-system-i386 -qtest, CPU stopped): the same port and
// memory accesses go to QEMU's fw_cfg and to ours, configured with QEMU's own files (fetched from
// QEMU by DMA in a first run) plus our standard-item builders; every response must match.
// Skipped when qemu-system-i386 is not installed.
import { execFileSync, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { addStandardItems, bswap32, FwCfg } from '../src/index.js';
import { makeRig, type Rig } from './machine.js';

const QEMU = 'qemu-system-i386';
const hasQemu = (() => {
  try {
    execFileSync(QEMU, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const UUID = '4600cb32-38ec-4b2f-8acb-81c6ea54f2d8';
const ARGS = [
  '-machine',
  'pc',
  '-qtest',
  'stdio',
  '-display',
  'none',
  '-nodefaults',
  '-S',
  '-m',
  '128',
  '-smp',
  '1',
  '-uuid',
  UUID,
  '-boot',
  'menu=on,reboot-timeout=15,splash-time=12',
  '-device',
  'vmgenid,guid=324e6eaf-d1d1-4bf6-bf41-b9bb6c91fb87',
];

/** Run qtest commands; QEMU does not exit at end of input, so stop it once every command is answered. */
function runQemu(cmds: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(QEMU, ARGS, { stdio: ['pipe', 'pipe', 'ignore'] });
    const lines: string[] = [];
    let buf = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`qemu answered ${lines.length}/${cmds.length} commands in time`));
    }, 60_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const l = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (l.startsWith('OK') || l.startsWith('ERR') || l.startsWith('FAIL')) lines.push(l);
        nl = buf.indexOf('\n');
      }
      if (lines.length >= cmds.length) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve(lines);
      }
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.stdin.on('error', () => {});
    child.stdin.end(`${cmds.join('\n')}\n`);
  });
}

const hex = (n: number) => `0x${n.toString(16)}`;
const bytesHex = (b: Uint8Array) => `0x${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
function parseBytes(line: string): Uint8Array {
  const h = line.slice(5);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** qtest commands that write a DMA descriptor at 0x1000 and trigger it. */
function dmaCmds(control: number, length: number, address: number): string[] {
  const d = new Uint8Array(16);
  const dv = new DataView(d.buffer);
  dv.setUint32(0, control >>> 0, false);
  dv.setUint32(4, length >>> 0, false);
  dv.setBigUint64(8, BigInt(address), false);
  return [`write 0x1000 0x10 ${bytesHex(d)}`, `outl 0x518 ${hex(bswap32(0x1000))}`, 'readl 0x1000'];
}

/** The subset of the qtest protocol the script uses, executed on our buses. */
function runOurs(rig: Rig, cmds: string[]): string[] {
  const { io, memory } = rig;
  return cmds.map((c) => {
    const [op, a, b, v] = c.split(' ');
    const addr = Number(a);
    const w = (n: number, digits: number) => `OK 0x${n.toString(16).padStart(digits, '0')}`;
    switch (op) {
      case 'outb':
        io.out8(addr, Number(b));
        return 'OK';
      case 'outw':
        io.out16(addr, Number(b));
        return 'OK';
      case 'outl':
        io.out32(addr, Number(b));
        return 'OK';
      case 'inb':
        return w(io.in8(addr), 4);
      case 'inw':
        return w(io.in16(addr), 4);
      case 'inl':
        return w(io.in32(addr), 8);
      case 'readl':
        return w(memory.read32(addr), 16);
      case 'write':
        memory.writeBytes(addr, parseBytes(`OK 0x${v.slice(2)}`).subarray(0, Number(b)));
        return 'OK';
      case 'read':
        return `OK ${bytesHex(memory.readBytes(addr, Number(b)))}`;
      default:
        throw new Error(`unsupported qtest command ${c}`);
    }
  });
}

describe.skipIf(!hasQemu)('differential against QEMU fw_cfg (qtest)', () => {
  it('registers, numbered items, directory, files and DMA behave identically', async () => {
    // Run 1: fetch QEMU's directory and every file by DMA.
    const dirCmds = [...dmaCmds(0x0019000a, 4 + 64 * 64, 0x10000), `read 0x10000 ${hex(4 + 64 * 64)}`];
    const dir = parseBytes((await runQemu(dirCmds))[3]);
    const dv = new DataView(dir.buffer);
    const count = dv.getUint32(0, false);
    const files: { name: string; size: number; select: number }[] = [];
    for (let i = 0; i < count; i++) {
      const o = 4 + 64 * i;
      let end = o + 8;
      while (dir[end] !== 0) end++;
      files.push({
        name: String.fromCharCode(...dir.subarray(o + 8, end)),
        size: dv.getUint32(o, false),
        select: dv.getUint16(o + 4, false),
      });
    }
    expect(files.map((f) => f.name)).toContain('etc/vmgenid_addr');
    const fetch: string[] = [];
    for (const f of files) {
      if (f.size === 0) continue;
      fetch.push(
        ...dmaCmds(((f.select << 16) | 0x0a) >>> 0, f.size, 0x100000),
        `read 0x100000 ${hex(f.size)}`,
      );
    }
    const fetched = await runQemu(fetch);
    const contents = new Map<string, Uint8Array>();
    let k = 0;
    for (const f of files) {
      contents.set(f.name, f.size === 0 ? new Uint8Array(0) : parseBytes(fetched[k * 4 + 3]));
      if (f.size !== 0) k++;
    }

    // Our device: standard items from the builders, then QEMU's other files in reverse order.
    const rig = makeRig(128 << 20);
    // QEMU ignores unknown DMA control bits; our default (strict) fails them, so match QEMU here.
    const fw = new FwCfg({ memory: rig.memory, strictDmaControl: false });
    fw.attachIo(rig.io);
    addStandardItems(fw, {
      uuid: UUID,
      ramSize: 128 << 20,
      nbCpus: 1,
      maxCpus: 1,
      bootMenu: true,
      rebootTimeout: 15,
      splashTime: 12,
      irq0Override: true,
      // QEMU's HPET realize fills in the block id and address only (min_tick stays 0).
      hpet: [{ eventTimerBlockId: 0x8086a201, address: 0xfed00000, minTick: 0, pageProt: 0 }],
    });
    const ours = new Set(fw.listFiles().map((f) => f.name));
    for (const f of [...files].reverse()) {
      if (ours.has(f.name)) continue;
      fw.addFile(f.name, contents.get(f.name)!.slice(), { writable: f.name === 'etc/vmgenid_addr' });
    }

    // Run 2: the differential script.
    const script: string[] = [];
    const readPort = (key: number, n: number) => {
      script.push(`outw 0x510 ${hex(key)}`);
      for (let i = 0; i < n; i++) script.push('inb 0x511');
    };
    // DMA/selector register reads at every width.
    for (let p = 0x514; p < 0x51c; p++) script.push(`inb ${hex(p)}`);
    script.push('inw 0x514', 'inw 0x516', 'inl 0x514', 'inl 0x518', 'inw 0x510');
    // Numbered items (qtest fw_cfg-test keys), with bytes past the end.
    for (const [key, len] of [
      [0x00, 4],
      [0x01, 4],
      [0x02, 16],
      [0x03, 8],
      [0x04, 2],
      [0x05, 2],
      [0x0d, 16],
      [0x0e, 2],
      [0x0f, 2],
      [0x8002, 4],
      [0x8004, 121],
    ]) {
      readPort(key, len + 3);
    }
    // Non-existent keys, the 0x4000 bit, data-port writes.
    readPort(0x06, 4);
    readPort(0x3fff, 4);
    readPort(0xffff, 4);
    readPort(0x4000, 4);
    script.push('outw 0x510 0x0', 'outb 0x511 0x41', 'inb 0x511', 'outb 0x510 0x41', 'inb 0x511');
    // The directory's head by port, the whole directory by DMA, the first bytes of every file by port.
    readPort(0x19, 4 + 64 * 2);
    script.push(
      ...dmaCmds(0x0019000a, 4 + 64 * count + 64, 0x40000),
      `read 0x40000 ${hex(4 + 64 * count + 64)}`,
    );
    for (const f of files) readPort(f.select, Math.min(f.size, 8) + 2);
    // DMA: select+read, past the end, skip, no-op, invalid key, read-only write, writable write,
    // write past the end, unknown control bits (QEMU ignores them).
    const fw820 = files.find((f) => f.name === 'etc/boot-fail-wait')!;
    const vg = files.find((f) => f.name === 'etc/vmgenid_addr')!;
    const sel = (key: number, ctl: number) => ((key << 16) | 0x08 | ctl) >>> 0;
    script.push('write 0x20000 0x40 0x' + 'ee'.repeat(0x40));
    script.push(...dmaCmds(sel(fw820.select, 0x02), 0x10, 0x20000), 'read 0x20000 0x20');
    script.push(...dmaCmds(sel(0x00, 0x04), 2, 0), ...dmaCmds(0x02, 6, 0x20040), 'read 0x20040 0x8');
    script.push(...dmaCmds(sel(0x01, 0), 8, 0x20050), 'read 0x20050 0x8');
    script.push(...dmaCmds(sel(0x3ff0, 0x02), 8, 0x20060), 'read 0x20060 0x8');
    script.push(...dmaCmds(sel(0x3ff0, 0x10), 8, 0x20060));
    script.push('write 0x30000 0x8 0x0102030405060708');
    script.push(...dmaCmds(sel(fw820.select, 0x10), 4, 0x30000));
    script.push(...dmaCmds(sel(vg.select, 0x10), 8, 0x30000));
    readPort(vg.select, 10);
    script.push(...dmaCmds(sel(vg.select, 0x04), 4, 0), ...dmaCmds(0x10, 8, 0x30000));
    readPort(vg.select, 10);
    script.push(...dmaCmds(sel(0x01, 0x02 | 0x20 | 0x100), 4, 0x20070), 'read 0x20070 0x4');
    script.push(...dmaCmds(sel(0x00, 0x02 | 0x10 | 0x04), 4, 0x20080), 'read 0x20080 0x4');

    const theirs = await runQemu(script);
    const mine = runOurs(rig, script);
    const diffs = script
      .map((c, i) => ({ i, c, qemu: theirs[i], ours: mine[i] }))
      .filter((d) => d.qemu !== d.ours);
    expect(diffs.slice(0, 10)).toEqual([]);
    expect(script.length).toBeGreaterThan(500);
  });
});
