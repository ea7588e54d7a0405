import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { bdf, PciDevice } from '@vmkit/pci';
import { describe, expect, it } from 'vitest';
import { piixSlotPirq } from '../src/chipset.js';
import { PIT_HZ } from '../src/pit.js';
import { createPcPlatform } from '../src/platform.js';
import { ticksToNs } from '../src/time.js';
import type { PlatformEvent } from '../src/types.js';
import { ManualClock } from './helpers.js';

function setup(extra: Partial<Parameters<typeof createPcPlatform>[0]> = {}) {
  const memory = new MemoryBus();
  const io = new IoBus();
  const clock = new ManualClock();
  const events: PlatformEvent[] = [];
  const a20: boolean[] = [];
  let resets = 0;
  const p = createPcPlatform({
    memory,
    io,
    clock,
    ramSize: 128 * 1024 * 1024,
    cpuA20: (e) => a20.push(e),
    onReset: () => resets++,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { memory, io, clock, events, a20, p, resets: () => resets };
}

const cfgAddr = (b: number, off: number) => (0x80000000 | (b << 8) | (off & 0xfc)) >>> 0;

describe('i440FX host bridge', () => {
  it('identifies as QEMU’s i440fx through mechanism #1', () => {
    const { io } = setup();
    io.out32(0xcf8, cfgAddr(bdf(0, 0, 0), 0));
    expect(io.in32(0xcfc)).toBe(0x12378086);
    io.out32(0xcf8, cfgAddr(bdf(0, 0, 0), 0x08));
    expect(io.in32(0xcfc)).toBe(0x06000002);
    io.out32(0xcf8, cfgAddr(bdf(0, 0, 0), 0x2c));
    expect(io.in32(0xcfc)).toBe(0x11001af4);
    io.out32(0xcf8, cfgAddr(bdf(0, 0, 0), 0x70));
    expect(io.in8(0xcfe)).toBe(0x02); // SMRAM
  });

  it('PAM routes 0xC0000–0xFFFFF reads and writes separately (SeaBIOS shadowing)', () => {
    const { memory, p } = setup();
    const ram = memory.addRam('ram', 0, 0x100000);
    void ram;
    const bios = new Uint8Array(0x20000).fill(0xaa);
    memory.addRom('isa-bios', 0xe0000, bios, { priority: 1 });
    // PAM 0: reads ROM, writes dropped
    expect(memory.read8(0xf0000)).toBe(0xaa);
    memory.write8(0xf0000, 0x11);
    expect(memory.read8(0xf0000)).toBe(0xaa);
    // SeaBIOS: 0x58 ← 0x33333000, 0x5C ← 0x33333333 (RAM read/write)
    p.pci.configWrite(bdf(0, 0, 0), 0x58, 4, 0x33333000);
    p.pci.configWrite(bdf(0, 0, 0), 0x5c, 4, 0x33333333);
    expect(memory.read8(0xf0000)).toBe(0x00);
    memory.write8(0xf0000, 0x5a);
    expect(memory.read8(0xf0000)).toBe(0x5a);
    // write-only DRAM: reads ROM, writes RAM
    p.pci.configWrite(bdf(0, 0, 0), 0x59, 1, 0x20);
    expect(memory.read8(0xf0000)).toBe(0xaa);
    memory.write8(0xf0001, 0x77);
    // read-only DRAM (the lock)
    p.pci.configWrite(bdf(0, 0, 0), 0x59, 1, 0x10);
    expect(memory.read8(0xf0001)).toBe(0x77);
    memory.write8(0xf0001, 0x00);
    expect(memory.read8(0xf0001)).toBe(0x77);
    // 16K segments are independent: 0xC4000 follows the high nibble of 0x5A
    p.pci.configWrite(bdf(0, 0, 0), 0x5a, 1, 0x30);
    memory.write8(0xc4000, 0x42);
    memory.write8(0xc0000, 0x42);
    expect(memory.read8(0xc4000)).toBe(0x42);
    expect(memory.read8(0xc0000)).toBe(0xff); // PCI/ROM side: unassigned below the BIOS alias
    expect(p.i440fx.pamAttribute(2)).toBe(3);
  });
});

describe('PIIX3 ISA bridge', () => {
  it('has the multifunction header, PIRQ defaults and routes PCI INTx to ISA IRQs', () => {
    const { p } = setup();
    const b = bdf(0, 1, 0);
    expect(p.pci.configRead(b, 0x0e, 1)).toBe(0x80);
    expect(p.pci.configRead(b, 0x60, 4)).toBe(0x80808080);
    // Unmask IRQ11 on the PICs (vectors 0x08/0x70), route PIRQA→11 like SeaBIOS (0x60 ← 0x0b).
    p.pic.masterIo.write(0, 1, 0x11);
    p.pic.masterIo.write(1, 1, 0x08);
    p.pic.masterIo.write(1, 1, 0x04);
    p.pic.masterIo.write(1, 1, 0x01);
    p.pic.masterIo.write(1, 1, 0xfb);
    p.pic.slaveIo.write(0, 1, 0x11);
    p.pic.slaveIo.write(1, 1, 0x70);
    p.pic.slaveIo.write(1, 1, 0x02);
    p.pic.slaveIo.write(1, 1, 0x01);
    p.pic.slaveIo.write(1, 1, 0xf7);
    p.pic.writeElcr(1, 0x08);
    p.piix3.setPirq(0, true);
    expect(p.pic.pending()).toBe(false); // link disabled (0x80)
    p.pci.configWrite(b, 0x60, 1, 0x0b);
    expect(p.pic.pending()).toBe(true);
    expect(p.interrupts.acknowledge()).toBe(0x73);
    p.piix3.setPirq(0, false);
    p.pic.slaveIo.write(0, 1, 0x20);
    p.pic.masterIo.write(0, 1, 0x20);
    expect(p.pic.pending()).toBe(false);
    expect(piixSlotPirq(2, 1)).toBe(1); // 00:02.0 INTA# → PIRQB
  });
});

describe('PIIX3 IDE', () => {
  it('exposes BAR4 as a 16-byte I/O BAR and decodes the bus-master block when enabled', () => {
    const { io, p } = setup();
    const b = bdf(0, 1, 1);
    expect(p.pci.configRead(b, 0x08, 4)).toBe(0x01018000);
    expect(p.pci.configRead(b, 0x20, 4)).toBe(1);
    p.pci.configWrite(b, 0x20, 4, 0xffffffff);
    expect(p.pci.configRead(b, 0x20, 4)).toBe(0xfffffff1);
    p.pci.configWrite(b, 0x20, 4, 0xc000);
    p.pci.configWrite(b, 0x04, 2, 0x0001);
    io.out32(0xc004, 0x1000);
    expect(p.ideBusMaster.read(4, 4)).toBe(0x1000);
    expect(io.in8(0x1f7)).toBe(0);
  });
});

describe('PIIX4 PM', () => {
  it('presets 0x5B = 0x02 (SMM initialised), maps the PM block at pm_base and SMBus at 0x90', () => {
    const { io, clock, p } = setup();
    const b = bdf(0, 1, 3);
    expect(p.pci.configRead(b, 0x08, 4)).toBe(0x06800003);
    expect(p.pci.configRead(b, 0x3d, 1)).toBe(1);
    expect(p.pci.configRead(b, 0x58, 4)).toBe(0x02000000);
    expect(io.in32(0x608)).toBe(0xffffffff);
    // SeaBIOS piix4_pm_setup
    p.pci.configWrite(b, 0x40, 4, 0x601);
    expect(io.in32(0x608)).toBe(0xffffffff); // not enabled yet
    p.pci.configWrite(b, 0x80, 1, 0x01);
    clock.t = 1e9;
    expect(io.in32(0x608)).toBe(3579545);
    expect(p.pci.configRead(b, 0x40, 4)).toBe(0x601);
    p.pci.configWrite(b, 0x90, 4, 0x701);
    p.pci.configWrite(b, 0xd2, 1, 0x09);
    io.out8(0x702, 0x48);
    expect(io.in8(0x700) & 0x04).toBe(0x04);
    // moving pm_base
    p.pci.configWrite(b, 0x40, 4, 0xb001);
    expect(io.in32(0x608)).toBe(0xffffffff);
    expect(io.in32(0xb008)).toBe(3579545);
  });

  it('reports an SMI on APMC writes only when DEVACTB.APMC_EN is set', () => {
    const { io, events, p } = setup();
    // 0x5B = 0x02 is APMC_EN (bit 25 of DEVACTB): the preset already "enables" SMIs.
    p.pci.configWrite(bdf(0, 1, 3), 0x58, 4, 0);
    io.out8(0xb2, 0);
    expect(events.some((e) => e.kind === 'smi')).toBe(false);
    p.pci.configWrite(bdf(0, 1, 3), 0x58, 4, 0x02000000);
    io.out8(0xb2, 0);
    expect(events.some((e) => e.kind === 'smi')).toBe(true);
  });

  it('ACPI_ENABLE / ACPI_DISABLE on APMC set and clear PM1_CNT.SCI_EN without an SMI (Linux acpi_enable)', () => {
    const { io, events, p } = setup();
    const b = bdf(0, 1, 3);
    p.pci.configWrite(b, 0x40, 4, 0x601);
    p.pci.configWrite(b, 0x80, 1, 0x01);
    p.pci.configWrite(b, 0x58, 4, 0x02000000); // APMC_EN: other values would raise SMI
    expect(io.in16(0x604) & 1).toBe(0);
    io.out8(0xb2, 0xf1);
    expect(io.in16(0x604) & 1).toBe(1);
    io.out8(0xb2, 0xf0);
    expect(io.in16(0x604) & 1).toBe(0);
    expect(events.some((e) => e.kind === 'smi')).toBe(false);
  });
});

describe('PcPlatform composition', () => {
  it('wires A20 and reset from both sources and aggregates timers', () => {
    const { io, clock, a20, p, resets } = setup();
    io.out8(0x92, 0x02);
    io.out8(0x64, 0xdd);
    expect(a20).toEqual([true, false]);
    io.out8(0x64, 0xfe);
    expect(resets()).toBe(1);
    // Power-on: channel 0 already runs in mode 3 with count 0x10000 (QEMU pit_reset_common).
    expect(p.nextDeadline()).toBe(ticksToNs(0x10000, PIT_HZ));
    io.out8(0x43, 0x34);
    io.out8(0x40, 0);
    io.out8(0x40, 0);
    const d = p.nextDeadline() as number;
    expect(d).toBeGreaterThan(54_000_000);
    expect(d).toBeLessThan(55_000_000);
    // Unmask IRQ0 as SeaBIOS does; the timer interrupt arrives through the LAPIC virtual wire.
    io.out8(0x20, 0x11);
    io.out8(0x21, 0x08);
    io.out8(0x21, 0x04);
    io.out8(0x21, 0x01);
    io.out8(0x21, 0xfe);
    p.interrupts.pending() && p.interrupts.acknowledge(); // initial OUT0 rise when programmed
    io.out8(0x20, 0x20);
    clock.t = d;
    p.update(d);
    expect(p.interrupts.pending()).toBe(true);
    expect(p.interrupts.acknowledge()).toBe(0x08);
  });

  it('fills CMOS for the RAM size and round-trips the whole state as JSON', () => {
    const { io, p, memory, clock } = setup();
    io.out8(0x70, 0x34);
    expect(io.in8(0x71) | (io.in8(0x70) & 0)).toBe(0x00); // (128M − 16M) / 64K = 0x700 → low byte 0
    io.out8(0x70, 0x35);
    expect(io.in8(0x71)).toBe(0x07);
    p.pci.configWrite(bdf(0, 1, 3), 0x40, 4, 0x601);
    p.pci.configWrite(bdf(0, 1, 3), 0x80, 1, 0x01);
    io.out8(0x64, 0xaa);
    const json = JSON.parse(JSON.stringify(p.getState()));
    const io2 = new IoBus();
    const q = createPcPlatform({ memory: new MemoryBus(), io: io2, clock, ramSize: 128 * 1024 * 1024 });
    q.setState(json);
    expect(q.getState()).toEqual(p.getState());
    expect(io2.in8(0x60)).toBe(0x55);
    expect(io2.in32(0x608)).toBe(io.in32(0x608));
    void memory;
  });

  it('LAPIC and IOAPIC are mapped at their standard addresses', () => {
    const { memory } = setup();
    expect(memory.read32(0xfee00030)).toBe(0x50014);
    memory.write32(0xfec00000, 1);
    expect(memory.read32(0xfec00010)).toBe(0x00170020);
  });
});

describe('PcPlatform.reset', () => {
  it('returns devices to power-on state, keeps RTC time/CMOS, unlocks PAM', () => {
    const { io, clock, p, memory } = setup();
    memory.addRam('ram', 0, 0x100000);
    p.pci.configWrite(bdf(0, 0, 0), 0x59, 1, 0x30);
    io.out8(0x21, 0x00); // PIC state
    io.out8(0x64, 0xaa); // 8042 output pending
    io.out8(0x3fb, 0x83); // UART DLAB
    io.out8(0x70, 0x0b);
    io.out8(0x71, 0x42); // RTC PIE
    p.pci.configWrite(bdf(0, 1, 3), 0x40, 4, 0x601);
    p.pci.configWrite(bdf(0, 1, 3), 0x80, 1, 1);
    clock.t = 5e9;
    p.reset();
    expect(p.i440fx.pamAttribute(0)).toBe(0);
    expect(io.in8(0x64)).toBe(0x18);
    expect(io.in8(0x3fb)).toBe(0x00);
    io.out8(0x70, 0x0b);
    expect(io.in8(0x71)).toBe(0x02); // PIE cleared, 24h kept
    io.out8(0x70, 0x00);
    expect(io.in8(0x71)).toBe(0x05); // the clock kept running: 5 s after the start date
    io.out8(0x70, 0x31);
    expect(io.in8(0x71)).toBe(0xff); // CMOS RAM kept (extended memory, capped at 0xffff KiB)
    expect(io.in32(0x608)).toBe(0xffffffff); // PM block unmapped again
    expect(p.pci.configRead(bdf(0, 1, 0), 0x60, 4)).toBe(0x80808080);
    expect(p.pic.getState().master.initState).toBe(0);
    expect(p.pic.getState().lines & ~1).toBe(0); // only OUT0 (PIT mode 3 at power-on) drives a line
  });
});

describe('the board device list (PcPlatform.boardDevices)', () => {
  const nicFunction = () =>
    new PciDevice({
      name: 'nic',
      vendorId: 0x1234,
      deviceId: 1,
      classCode: 0x020000,
      bars: [{ kind: 'io', size: 0x20, handler: { read: () => 0, write: () => {} } }],
    });

  /** Guest traffic that leaves every board device away from its power-on state. */
  function touchEverything(io: IoBus, p: ReturnType<typeof createPcPlatform>, memory: MemoryBus): void {
    for (const [port, v] of [
      [0x20, 0x11],
      [0x21, 0x20],
      [0x21, 0x04],
      [0x21, 0x01],
      [0x21, 0x0f], // PIC master ICW1-4, IMR
      [0x4d0, 0x20], // ELCR
      [0x43, 0xb0],
      [0x42, 0x34],
      [0x42, 0x12],
      [0x61, 0x03], // PIT channel 2, speaker gate
      [0x70, 0x0b],
      [0x71, 0x42], // RTC PIE
      [0x64, 0xaa], // 8042 self-test: output pending
      [0x92, 0x02], // fast A20
      [0x3fb, 0x83],
      [0x3f9, 0x01], // UART DLAB, divisor
      [0x402, 0x41], // debugcon partial line
      [0x0b, 0x56],
      [0x87, 0x12], // DMA mode, page register
      [0x1f2, 0x07],
      [0x172, 0x05],
      [0x3f6, 0x02], // IDE task files, device control
      [0xb3, 0x99], // APM status
      [0xcf9, 0x02], // reset control: hard reset type kept
    ] as const)
      io.out8(port, v);
    p.pci.configWrite(bdf(0, 1, 1), 0x20, 4, 0xc000); // PIIX IDE BAR4 → bus master at 0xC000
    p.pci.configWrite(bdf(0, 1, 1), 0x04, 2, 0x0001);
    io.out8(0xc000, 0x01); // bus-master command
    p.pci.configWrite(bdf(0, 1, 3), 0x40, 4, 0x601); // PM block at 0x600
    p.pci.configWrite(bdf(0, 1, 3), 0x80, 1, 1);
    p.pci.configWrite(bdf(0, 1, 3), 0x90, 4, 0x701); // SMBus at 0x700
    p.pci.configWrite(bdf(0, 1, 3), 0xd2, 1, 0x09);
    io.out16(0x602, 0x0100); // PM1 enable
    io.out8(0x703, 0x5a); // SMBus host address
    p.pci.configWrite(bdf(0, 0, 0), 0x59, 1, 0x30); // PAM
    memory.write32(0xfee00080, 0x20); // LAPIC TPR
    memory.write32(0xfec00000, 0x10);
    memory.write32(0xfec00010, 0x31); // I/O APIC redirection entry 0
  }

  it("the state has one key per list entry, and reset() gives a fresh board's state (the RTC keeps time and CMOS)", () => {
    const { io, clock, p, memory } = setup({ serial: true });
    expect(Object.keys(p.getState())).toEqual(Object.keys(p.boardDevices));
    const nic = nicFunction();
    p.pci.addDevice(nic, 3, 0);
    touchEverything(io, p, memory);
    p.pci.configWrite(bdf(0, 3, 0), 0x10, 4, 0xd001);
    p.pci.configWrite(bdf(0, 3, 0), 0x04, 2, 0x0001);
    clock.t = 5e9;
    const before = p.getState();
    p.reset();
    const after = p.getState();

    // A board built at the same virtual time, with the same plugged function, never touched.
    const at5s = new ManualClock();
    at5s.t = 5e9;
    const pristine = setup({ clock: at5s });
    pristine.p.pci.addDevice(nicFunction(), 3, 0);
    for (const name of Object.keys(p.boardDevices) as Array<keyof typeof after>) {
      if (name === 'rtc') continue;
      expect(before[name], `${name} was touched`).not.toEqual(after[name]);
      // The PM timer runs on through a reset: TMR_STS is armed for the next 2^23-tick half period
      // after now (2 have passed in 5 s at 3.579545 MHz), where a board built at 5 s starts at 0.
      const now = name === 'acpi' ? { ...after.acpi, tmrEpoch: 0 } : after[name];
      expect(now, name).toEqual(pristine.p.getState()[name]);
    }
    expect(after.acpi.tmrEpoch).toBe(2);
    expect(after.rtc.cmos).toEqual(before.rtc.cmos.map((b, i) => (i === 0x0b ? 0x02 : i === 0x0c ? 0 : b)));
  });

  it("setState() refuses another board's state before changing anything", () => {
    const { io, p } = setup();
    io.out8(0x21, 0x5a);
    const good = p.getState();
    const { ide1: _dropped, ...missing } = good;
    const target = setup().p;
    const untouched = target.getState();
    expect(() => target.setState(missing as typeof good)).toThrow("no state for board device 'ide1'");
    expect(() => target.setState({ ...good, hpet: {} } as typeof good)).toThrow(
      "this board has no device 'hpet'",
    );
    expect(() => target.setState({ ...good, uart: null })).toThrow("board device 'uart' presence differs");
    expect(target.getState()).toEqual(untouched);
    target.setState(JSON.parse(JSON.stringify(good)));
    expect(target.getState()).toEqual(good);
  });
});

describe('PIIX3 reset control (0xCF9) and INTx routing', () => {
  it('0xCF9 byte writes with bit 2 request a reset; 32-bit CONFIG_ADDRESS still works', () => {
    const { io, p, resets, events } = setup();
    io.out8(0xcf9, 0x02);
    expect(io.in8(0xcf9)).toBe(0x02);
    expect(resets()).toBe(0);
    io.out32(0xcf8, 0x80000000);
    expect(io.in32(0xcf8)).toBe(0x80000000);
    expect(io.in16(0xcfc)).toBe(0x8086);
    io.out8(0xcf9, 0x06); // SeaBIOS qemu_reboot: 0x02 then 0x06
    expect(resets()).toBe(1);
    expect(events).toContainEqual({ kind: 'reset-request', source: 'cf9' });
    expect(p.getState().rcr).toBe(0x02);
  });

  it('a PCI function’s INTx reaches the PIC through its PIRQ link', () => {
    const { p } = setup();
    const dev = new PciDevice({
      name: 'nic',
      vendorId: 0x1234,
      deviceId: 1,
      classCode: 0x020000,
      interruptPin: 1,
    });
    p.pci.addDevice(dev, 3, 0); // slot 3 INTA → PIRQC
    p.pci.configWrite(bdf(0, 1, 0), 0x62, 1, 0x0a); // PIRQC → IRQ10
    p.pic.writeElcr(1, 0x04);
    p.pic.masterIo.write(0, 1, 0x11);
    p.pic.masterIo.write(1, 1, 0x08);
    p.pic.masterIo.write(1, 1, 0x04);
    p.pic.masterIo.write(1, 1, 0x01);
    p.pic.masterIo.write(1, 1, 0xfb);
    p.pic.slaveIo.write(0, 1, 0x11);
    p.pic.slaveIo.write(1, 1, 0x70);
    p.pic.slaveIo.write(1, 1, 0x02);
    p.pic.slaveIo.write(1, 1, 0x01);
    p.pic.slaveIo.write(1, 1, 0xfb);
    dev.setIrq(true);
    expect(p.interrupts.pending()).toBe(true);
    expect(p.interrupts.acknowledge()).toBe(0x72);
    dev.setIrq(false);
    p.pic.slaveIo.write(0, 1, 0x20);
    p.pic.masterIo.write(0, 1, 0x20);
    expect(p.interrupts.pending()).toBe(false);
  });
});
