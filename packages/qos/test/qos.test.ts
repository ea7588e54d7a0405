// @vmkit/qos against real vmkit devices on a bare MemoryBus + IoBus: the PC platform's chipset
// (PCI), the fw_cfg device (items, files, DMA) and its RTC/I/O APIC (clock and IRQ observation).
import { FwCfg, FwCfgKey } from '@vmkit/fw-cfg';
import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { PciDevice } from '@vmkit/pci';
import { describe, expect, it } from 'vitest';
import {
  busTarget,
  cmosRead,
  cmosReadsOf,
  cmosWrite,
  devfn,
  interceptIrqInputs,
  PCI_COMMAND,
  QPciBus,
  qfwCfg,
  qosPc,
  type TimerHost,
  targetPorts,
  timerClock,
  tracePorts,
  warpClock,
} from '../src/index.js';

function pc() {
  const q = qosPc({ ramSize: 16 * 2 ** 20, fwCfg: false });
  return { ...q, platform: q.platform! };
}

describe('PCI helpers', () => {
  it('enumerate the i440FX functions, find by ids, size and map a BAR, enable bus mastering', () => {
    const { target } = pc();
    const bus = new QPciBus(target);
    expect(bus.functions().map((d) => d.bdf)).toEqual(['00:00.0', '00:01.0', '00:01.1', '00:01.3']);
    const host = bus.device(devfn(0, 0));
    expect(host?.vendorId).toBe(0x8086);
    expect(host?.deviceId).toBe(0x1237);
    expect(bus.readw(devfn(0, 0), 0x0a)).toBe(0x0600); // class via an unaligned CONFIG_ADDRESS, as libqos does
    expect(bus.device(devfn(5, 0))).toBeNull();
    const ide = bus.find(0x8086, 0x7010);
    expect(ide?.bdf).toBe('00:01.1');
    expect(ide?.probeBar(4)).toEqual({ kind: 'io', prefetchable: false, size: 16 });
    expect(ide?.probeBar(0).size).toBe(0); // not implemented
    ide?.mapBar(4, 0xc000);
    expect(ide?.barAddress(4)).toBe(0xc000);
    expect(ide!.readw(PCI_COMMAND) & 1).toBe(1);
    ide?.enableBusMastering();
    expect(ide!.readw(PCI_COMMAND) & 4).toBe(4);
    expect(() => ide?.mapBar(4, 0xc004)).toThrow(/not aligned/);
    expect(bus.find(0x1234, 0x1111)).toBeNull();
  });
});

describe('fw_cfg helpers', () => {
  it('read items and files through the ports, and by DMA through guest RAM', () => {
    const memory = new MemoryBus();
    const io = new IoBus();
    memory.addRam('ram', 0, 2 ** 20);
    const fw = new FwCfg({ memory, dma: true });
    fw.attachIo(io);
    fw.addFile('opt/hello', new TextEncoder().encode('hello, qos'));
    const c = qfwCfg(busTarget(memory, io));
    expect(c.detect()).toEqual({ present: true, dma: true });
    expect(new TextDecoder().decode(c.readFile('opt/hello'))).toBe('hello, qos');
    const f = c.findFile('opt/hello')!;
    expect(c.dmaRead(f.select, 0x8000, f.size)).toBe(true);
    expect(new TextDecoder().decode(memory.readBytes(0x8000, f.size))).toBe('hello, qos');
    expect(c.readFile('opt/absent')).toBeUndefined();
  });
});

describe('clock and IRQ observation', () => {
  it('warpClock stops at every deadline on the way, in order', () => {
    let now = 0;
    const deadlines = [30, 10, 20];
    const fired: number[] = [];
    const host: TimerHost = {
      now: () => now,
      warpTo: (t) => {
        now = Math.max(now, t);
      },
      nextDeadline: () => (deadlines.length ? Math.min(...deadlines) : null),
      update: (t) => {
        for (const d of [...deadlines].sort((a, b) => a - b)) {
          if (d <= t) {
            fired.push(t);
            deadlines.splice(deadlines.indexOf(d), 1);
          }
        }
      },
    };
    expect(warpClock(host, 25)).toBe(25);
    expect(fired).toEqual([10, 20]);
    expect(timerClock(host).step()).toBe(30); // no argument: to the next deadline
    expect(timerClock(host).step()).toBe(30); // nothing armed: time stays
  });

  it('reports the I/O APIC input changes the RTC causes, without changing what the machine sees', () => {
    const { target, platform } = pc();
    const seen: string[] = [];
    const obs = interceptIrqInputs(platform.ioapic!, 'setPin', (line, level) =>
      seen.push(`${line}:${level}`),
    );
    cmosWrite(target, 0x0b, 0x42); // periodic interrupt, 1024 Hz
    target.clock!.step();
    expect(seen).toEqual(['8:true']);
    expect(obs.level(8)).toBe(true);
    expect(cmosRead(target, 0x0c) & 0xc0).toBe(0xc0);
    expect(seen).toEqual(['8:true', '8:false']);
    obs.detach();
    target.clock!.step();
    expect(seen.length).toBe(2);
  });
});

describe('qosPc', () => {
  it("is QEMU's pc for a test: the board's functions, fw_cfg with QEMU's items, the memory layout", () => {
    const pc = qosPc({ ramSize: 0xe0000000 + 2 ** 28, files: { 'opt/x': new Uint8Array([7]) } });
    expect(
      pc.bus.functions().map((d) => `${d.bdf} ${d.vendorId.toString(16)}:${d.deviceId.toString(16)}`),
    ).toEqual(['00:00.0 8086:1237', '00:01.0 8086:7000', '00:01.1 8086:7010', '00:01.3 8086:7113']);
    const fw = qfwCfg(pc.target);
    expect(fw.detect()).toEqual({ present: true, dma: true });
    expect([...fw.readFile('opt/x')!]).toEqual([7]);
    // etc/e820: 3 GiB below 4 GiB (QEMU's gigabyte_align), the rest from 4 GiB, QEMU's
    // reservation below 1 TiB.
    const e820 = new DataView(fw.readFile('etc/e820')!.buffer);
    const entries = Array.from({ length: e820.byteLength / 20 }, (_, i) => [
      Number(e820.getBigUint64(i * 20, true)),
      Number(e820.getBigUint64(i * 20 + 8, true)),
      e820.getUint32(i * 20 + 16, true),
    ]);
    expect(entries).toEqual([
      [0, 0xc0000000, 1],
      [2 ** 32, 0x20000000 + 2 ** 28, 1],
      [0xfd00000000, 0x300000000, 2],
    ]);
    pc.target.write(2 ** 32 + 16, 4, 0x12345678n); // RAM above 4 GiB is there
    expect(pc.target.read(2 ** 32 + 16, 4)).toBe(0x12345678n);
    // The board's CMOS: (RAM below 4 GiB − 16 MiB) / 64 KiB at 0x34/0x35 (QEMU pc_cmos_init).
    expect(cmosRead(pc.target, 0x34) | (cmosRead(pc.target, 0x35) << 8)).toBe(0xbf00);
    expect(qosPc({ ramSize: 2 ** 28, fwCfg: false }).memory.read32(2 ** 28 - 4)).toBe(0);
    expect(qosPc({ ramSize: 2 ** 30, below4g: 2 ** 29, fwCfg: false }).target.read(2 ** 32, 4)).toBe(0n);
    expect(u64(fw.readItem(FwCfgKey.RAM_SIZE, 8))).toBe(0xe0000000 + 2 ** 28);
  });

  it("chipset 'none' keeps the PCI host, RTC and fw_cfg for a test's own functions; dma/fwCfg off", () => {
    const pc = qosPc({ chipset: 'none', dma: false });
    expect(pc.platform).toBeNull();
    expect(pc.bus.functions()).toEqual([]);
    pc.pci.addDevice(
      new PciDevice({ name: 'mch', vendorId: 0x8086, deviceId: 0x29c0, classCode: 0x060000 }),
      0,
    );
    expect(pc.bus.find(0x8086, 0x29c0)?.bdf).toBe('00:00.0');
    expect(qfwCfg(pc.target).detect()).toEqual({ present: true, dma: false });
    cmosWrite(pc.target, 0x40, 0xa5);
    expect(cmosRead(pc.target, 0x40)).toBe(0xa5);
    const bare = qosPc({ fwCfg: false });
    expect(bare.fwCfg).toBeNull();
    expect(qfwCfg(bare.target).detect().present).toBe(false);
  });

  it('tracePorts reports every access after it happened; cmosReadsOf picks the CMOS registers read', () => {
    const pc = qosPc({ fwCfg: false });
    const seen: string[] = [];
    const cmos = cmosReadsOf();
    const io = tracePorts(targetPorts(pc.target), (a) => {
      seen.push(`${a.dir}${a.size} ${a.port.toString(16)} ${a.value.toString(16)}`);
      cmos.onAccess(a);
    });
    io.out8(0x70, 0x80 | 0x34); // NMI-disable bit set: still register 0x34
    const lo = io.in8(0x71);
    io.out32(0xcf8, 0x80000000);
    expect(io.in32(0xcfc) >>> 0).toBe(0x12378086);
    io.in16(0xcfc);
    expect(seen).toEqual([
      'out1 70 b4',
      `in1 71 ${lo.toString(16)}`,
      'out4 cf8 80000000',
      'in4 cfc 12378086',
      'in2 cfc 8086',
    ]);
    expect(cmos.reads).toEqual([0x34]);
  });
});

function u64(b: Uint8Array): number {
  return Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true));
}
