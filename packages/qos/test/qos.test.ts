// @vmkit/qos against real vmkit devices on a bare MemoryBus + IoBus: the PC platform's chipset
// (PCI), the fw_cfg device (items, files, DMA) and its RTC/I/O APIC (clock and IRQ observation).
import { FwCfg } from '@vmkit/fw-cfg';
import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { createPcPlatform } from '@vmkit/pc-platform';
import { describe, expect, it } from 'vitest';
import {
  busTarget,
  devfn,
  interceptIrqInputs,
  PCI_COMMAND,
  QPciBus,
  qfwCfg,
  type TimerHost,
  timerClock,
  warpClock,
} from '../src/index.js';

function pc() {
  const memory = new MemoryBus();
  const io = new IoBus();
  memory.addRam('ram', 0, 16 * 2 ** 20);
  let now = 0;
  const platform = createPcPlatform({ memory, io, clock: { now: () => now }, ramSize: 16 * 2 ** 20 });
  const host: TimerHost = {
    now: () => now,
    warpTo: (t) => {
      if (t > now) now = t;
    },
    nextDeadline: () => platform.nextDeadline(),
    update: (t) => platform.update(t),
  };
  const target = busTarget(memory, io, timerClock(host));
  return { memory, io, platform, target, host };
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
    const cmos = (i: number, v?: number) => {
      target.out(0x70, 1, i);
      if (v === undefined) return target.in(0x71, 1);
      target.out(0x71, 1, v);
      return v;
    };
    cmos(0x0b, 0x42); // periodic interrupt, 1024 Hz
    target.clock!.step();
    expect(seen).toEqual(['8:true']);
    expect(obs.level(8)).toBe(true);
    expect(cmos(0x0c) & 0xc0).toBe(0xc0);
    expect(seen).toEqual(['8:true', '8:false']);
    obs.detach();
    target.clock!.step();
    expect(seen.length).toBe(2);
  });
});
