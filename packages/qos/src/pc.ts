// A PC for tests, after libqos's qtest_pc_boot: vmkit's real i440FX board (@vmkit/pc-platform:
// host bridge, PIIX3 ISA bridge and IDE, PIIX4 PM, RTC/CMOS, PIC, PIT, …) on a MemoryBus + IoBus,
// the real fw_cfg device with the items QEMU's pc machine publishes, and a virtual clock that only
// moves when the test steps it — no CPU and no firmware. Tests add their own PCI functions
// (@vmkit/pci devices) to `pci` and drive everything through `target`, as a firmware or a qtest
// would. `chipset: 'none'` keeps the PCI host, RTC and fw_cfg but no i440FX functions, for tests that
// put another chipset's functions (Q35's MCH and LPC, …) on the bus themselves.

import { addStandardItems, type E820Entry, FwCfg } from '@vmkit/fw-cfg';
import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { createPcPlatform, type PcPlatform, pcCmosInit, Rtc } from '@vmkit/pc-platform';
import { PciHost } from '@vmkit/pci';
import { type TimerHost, timerClock } from './clock.js';
import { QPciBus } from './pci.js';
import { busTarget, type QosTarget } from './target.js';

export interface QosPcOptions {
  /** Guest RAM in bytes (default 128 MiB). */
  ramSize?: number;
  /** RAM below 4 GiB. Default: QEMU 7.2's pc-i440fx layout (hw/i386/pc_piix.c: max-ram-below-4g
   * 0xE0000000, rounded down to 3 GiB once RAM reaches it, gigabyte_align), which the board's CMOS
   * also describes (pc_cmos_init); the rest of the RAM is mapped from 4 GiB up. A test may ask for
   * another split (the CMOS keeps QEMU's). */
  below4g?: number;
  /** 'i440fx' (default): vmkit's pc board; 'none': PCI host, RTC/CMOS and fw_cfg only. */
  chipset?: 'i440fx' | 'none';
  /** fw_cfg at 0x510 (default true); `dma: false` leaves out the DMA interface. */
  fwCfg?: boolean;
  dma?: boolean;
  /** etc/e820 (default: the RAM ranges plus QEMU's reservation at 0xFD00000000); null: no file. */
  e820?: E820Entry[] | null;
  /** fw_cfg files and numbered items to add. */
  files?: Record<string, Uint8Array>;
  items?: Record<number, Uint8Array>;
}

export interface QosPc {
  memory: MemoryBus;
  io: IoBus;
  /** The PCI host at 0xCF8/0xCFC: add functions with `pci.addDevice(device, slot, fn)`. */
  pci: PciHost;
  /** The board (null for chipset 'none'). */
  platform: PcPlatform | null;
  rtc: Rtc;
  fwCfg: FwCfg | null;
  target: QosTarget;
  /** Bus 0 through configuration mechanism #1 (`new QPciBus(target, n)` for a bus behind a bridge). */
  bus: QPciBus;
}

const FOUR_GIB = 2 ** 32;

function defaultE820(ramSize: number, below4g: number): E820Entry[] {
  return [
    { addr: 0, len: below4g, type: 1 },
    ...(ramSize > below4g ? [{ addr: FOUR_GIB, len: ramSize - below4g, type: 1 }] : []),
    // QEMU 7.2 pc_memory_init: the HyperTransport range below 1 TiB is reserved on every pc machine.
    { addr: 0xfd00000000, len: 0x300000000, type: 2 },
  ];
}

function addFwCfg(memory: MemoryBus, io: IoBus, o: QosPcOptions, ramSize: number, below4g: number): FwCfg {
  const fw = new FwCfg({ memory, dma: o.dma ?? true });
  const e820 = o.e820 === null ? undefined : (o.e820 ?? defaultE820(ramSize, below4g));
  addStandardItems(fw, { ramSize, nbCpus: 1, maxCpus: 1, irq0Override: true, e820 });
  for (const [k, v] of Object.entries(o.items ?? {})) fw.addItem(Number(k), v);
  for (const [name, data] of Object.entries(o.files ?? {})) fw.addFile(name, data);
  fw.attachIo(io);
  return fw;
}

/** Build the PC (see the file comment). */
export function qosPc(o: QosPcOptions = {}): QosPc {
  const ramSize = o.ramSize ?? 128 * 2 ** 20;
  const below4g = Math.min(ramSize, o.below4g ?? (ramSize >= 0xe0000000 ? 0xc0000000 : ramSize));
  const memory = new MemoryBus();
  memory.addRam('ram-below-4g', 0, below4g);
  if (ramSize > below4g) memory.addRam('ram-above-4g', FOUR_GIB, ramSize - below4g);
  const io = new IoBus();
  let now = 0;
  const clock = { now: () => now };
  let platform: PcPlatform | null = null;
  let pci: PciHost;
  let rtc: Rtc;
  if ((o.chipset ?? 'i440fx') === 'i440fx') {
    platform = createPcPlatform({ memory, io, clock, ramSize, serial: false, debugconPort: null });
    pci = platform.pci;
    rtc = platform.rtc;
  } else {
    pci = new PciHost({ memory, io });
    pci.attachIo(io);
    rtc = new Rtc({ clock });
    pcCmosInit(rtc, { ramSize });
    io.addPio('rtc', 0x70, 2, rtc.io);
  }
  const fwCfg = o.fwCfg === false ? null : addFwCfg(memory, io, o, ramSize, below4g);
  const host: TimerHost = {
    now: () => now,
    warpTo: (t) => {
      if (t > now) now = t;
    },
    nextDeadline: () => (platform ? platform.nextDeadline() : rtc.nextDeadline()),
    update: (t) => (platform ? platform.update(t) : rtc.update(t)),
  };
  const target = busTarget(memory, io, timerClock(host));
  return { memory, io, pci, platform, rtc, fwCfg, target, bus: new QPciBus(target) };
}
