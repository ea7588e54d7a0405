// Differential test: the same port script against qemu-system-i386 (-machine pc, qtest) and against
// a PciHost populated with functions that carry the ids/reset values of QEMU's i440FX + PIIX3 +
// PIIX4-ACPI. What is compared is behaviour this package implements: the CONFIG_ADDRESS latch,
// widths and byte lanes, misaligned splitting, absent functions, read-only ids, command mask, BAR
// sizing, latched bits 1:0, limit shortening. Skipped when QEMU is not installed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { IoBus } from '@vmkit/memory-bus';
import { describe, expect, it } from 'vitest';
import { PciBridge, PciDevice, PciHost } from '../src/index.js';
import { RecordingHandler } from './fakes.js';
import { QEMU_BRIDGE_SCRIPT, QEMU_SCRIPT } from './qemu-script.js';

const QEMU = '/usr/bin/qemu-system-i386';
const lines = QEMU_SCRIPT.trim().split('\n');
const bridgeLines = QEMU_BRIDGE_SCRIPT.trim().split('\n');

function i440fx(): { io: IoBus; host: PciHost } {
  const io = new IoBus();
  const host = new PciHost({ io });
  host.attachIo(io);
  host.addDevice(
    new PciDevice({ name: 'i440fx', vendorId: 0x8086, deviceId: 0x1237, classCode: 0x060000, revision: 2 }),
    0,
  );
  host.addDevice(
    new PciDevice({
      name: 'piix3',
      vendorId: 0x8086,
      deviceId: 0x7000,
      classCode: 0x060100,
      multifunction: true,
    }),
    1,
    0,
  );
  const ide = new PciDevice({
    name: 'piix3-ide',
    vendorId: 0x8086,
    deviceId: 0x7010,
    classCode: 0x010180,
    bars: [
      undefined,
      undefined,
      undefined,
      undefined,
      { kind: 'io', size: 16, handler: new RecordingHandler() },
    ],
  });
  ide.config.set16(0x06, 0x0280); // fast back-to-back + medium DEVSEL (QEMU piix_ide_realize)
  host.addDevice(ide, 1, 1);
  host.addDevice(
    new PciDevice({ name: 'piix4-pm', vendorId: 0x8086, deviceId: 0x7113, classCode: 0x068000, revision: 3 }),
    1,
    3,
  );
  return { io, host };
}

function replay(io: IoBus, script: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of script) {
    const [op, portText, valueText] = line.split(' ');
    const port = Number(portText);
    const value = Number(valueText);
    switch (op) {
      case 'outb':
        io.out8(port, value);
        out.push('OK');
        break;
      case 'outw':
        io.out16(port, value);
        out.push('OK');
        break;
      case 'outl':
        io.out32(port, value);
        out.push('OK');
        break;
      case 'inb':
        out.push(`OK ${io.in8(port)}`);
        break;
      case 'inw':
        out.push(`OK ${io.in16(port)}`);
        break;
      case 'inl':
        out.push(`OK ${io.in32(port)}`);
        break;
      default:
        throw new Error(`bad script line ${line}`);
    }
  }
  return out;
}

/** Run the script under qtest; QEMU does not exit on stdin EOF, so stop it (our own child) once
 * every line has its response. */
function runQemu(script: string, extra: string[] = []): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      QEMU,
      ['-machine', 'pc', '-display', 'none', '-nodefaults', ...extra, '-qtest', 'stdio', '-S'],
      {
        stdio: ['pipe', 'pipe', 'ignore'],
      },
    );
    const expected = script.trim().split('\n').length;
    let buf = '';
    const responses: string[] = [];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`qemu timed out after ${responses.length} responses`));
    }, 30_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const l = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (/^(OK|ERR|FAIL)/.test(l)) {
          const m = /^OK (0x[0-9a-f]+)$/.exec(l);
          responses.push(m ? `OK ${Number(m[1])}` : l);
        }
        nl = buf.indexOf('\n');
      }
      if (responses.length >= expected) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve(responses);
      }
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.stdin.write(`${script.trim()}\n`);
  });
}

describe.skipIf(!existsSync(QEMU))('differential against qemu-system-i386 (qtest)', () => {
  it('every response to the port script matches', async () => {
    const qemu = await runQemu(QEMU_SCRIPT);
    expect(qemu.length).toBe(lines.length);
    const model = replay(i440fx().io, lines);
    const diff = lines
      .map((l, i) => ({ l, q: qemu[i], m: model[i] }))
      .filter((x) => x.q !== x.m)
      .map((x) => `${x.l}: qemu ${x.q} model ${x.m}`);
    expect(diff).toEqual([]);
  });
});

describe.skipIf(!existsSync(QEMU))('differential against QEMU pci-bridge (type 1 masks)', () => {
  it('every response to the bridge script matches', async () => {
    const qemu = await runQemu(QEMU_BRIDGE_SCRIPT, ['-device', 'pci-bridge,chassis_nr=1,addr=5,shpc=off']);
    expect(qemu.length).toBe(bridgeLines.length);
    const { io, host } = i440fx();
    const br = new PciBridge({ name: 'pci-bridge', vendorId: 0x1b36, deviceId: 0x0001 });
    // QEMU's pci-bridge has capabilities (slot id, MSI): status CAP_LIST | 66 MHz | fast back-to-back.
    br.config.set16(0x06, 0x00b0);
    host.addDevice(br, 5);
    const model = replay(io, bridgeLines);
    const diff = bridgeLines
      .map((l, i) => ({ l, q: qemu[i], m: model[i] }))
      .filter((x) => x.q !== x.m)
      .map((x) => `${x.l}: qemu ${x.q} model ${x.m}`);
    expect(diff).toEqual([]);
  });
});

describe('the model replays the script without QEMU too', () => {
  it('matches the responses recorded from QEMU 7.2 for the checked lines', () => {
    const model = replay(i440fx().io, lines);
    const at = (needle: string) => model[lines.indexOf(needle)];
    expect(at('inl 0xcfd')).toBe(`OK ${0xff701080}`);
    expect(at('inw 0xcfa')).toBe(`OK ${0x5678}`);
    expect(at('inw 0xcff')).toBe(`OK ${0xff70}`);
    expect(model.at(-3)).toBe(`OK ${0}`);
  });
});
