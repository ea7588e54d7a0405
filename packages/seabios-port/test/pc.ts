// The machine the port's tests run on: @vmkit/qos's qosPc — vmkit's real i440FX board
// (@vmkit/pc-platform: host bridge, PIIX3 ISA bridge and IDE, PIIX4 PM, RTC/CMOS) with the real
// fw_cfg device — plus @vmkit/pci functions (and bridges) the tests add. The port runs through
// the qos target's ports and memory, and the tests read configuration space back through
// @vmkit/qos's QPciBus, as firmware and qtests do.
import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import { type BarDefinition, PciBridge, PciDevice } from '@vmkit/pci';
import { devfn, type QosPc, QPciBus, type QPciDevice, targetMemory, targetPorts } from '@vmkit/qos';
import { type RunSeabiosPortArgs, runSeabiosPort } from '../src/index.js';

/** Nothing behind a BAR: reads all-ones, writes dropped. */
export const quiet: IoHandler = {
  read: (_o: number, size: AccessSize) => (size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff),
  write: () => {},
};

export interface FnSpec {
  vendorId: number;
  deviceId: number;
  /** 24-bit class code (base << 16 | sub << 8 | prog-if). */
  classCode: number;
  multifunction?: boolean;
  interruptPin?: number;
  subsystem?: [number, number];
  bars?: Array<{ kind: BarDefinition['kind']; size: number; prefetchable?: boolean } | null>;
  romSize?: number;
}

/** A PCI function with inert BARs (and ROM BAR) of the given kinds and sizes. */
export function pciFunction(name: string, s: FnSpec): PciDevice {
  return new PciDevice({
    name,
    vendorId: s.vendorId,
    deviceId: s.deviceId,
    classCode: s.classCode,
    multifunction: s.multifunction,
    interruptPin: s.interruptPin,
    subsystemVendorId: s.subsystem?.[0],
    subsystemId: s.subsystem?.[1],
    bars: (s.bars ?? []).map((b) => (b ? { ...b, handler: quiet } : null)),
    rom: s.romSize ? { size: s.romSize, handler: quiet } : undefined,
  });
}

/** A PCI-to-PCI bridge (type 1 header, @vmkit/pci's PciBridge). */
export function pciBridge(name: string, vendorId: number, deviceId: number): PciBridge {
  return new PciBridge({ name, vendorId, deviceId });
}

/**
 * SeaBIOS's make_bios_writable on the i440FX (src/fw/shadow.c __make_bios_writable_intel): PAM1–6
 * (0x5A–0x5F) = 0x33 and PAM0 (0x59) = 0x30, so 0xC0000–0xFFFFF is read/write RAM. Real SeaBIOS
 * does this from its ROM before POST; the port starts where SeaBIOS already runs from RAM and never
 * touches PAM, so on the real board (PAM 0 at reset: the BIOS area reads the ROM) its f-segment
 * writes (the RSDP) would be lost without it. A board without the i440FX (chipset 'none') is left
 * alone.
 */
export function shadowBiosArea(pc: QosPc): void {
  if (!pc.platform) return;
  const host = fn(pc, 0, 0);
  host.writeb(0x59, 0x30);
  for (let i = 1; i <= 6; i++) host.writeb(0x59 + i, 0x33);
}

/** Run the port on the PC through its qos target (ports and physical memory), after
 * `shadowBiosArea` as SeaBIOS. */
export function runPort(pc: QosPc, more: Omit<RunSeabiosPortArgs, 'io' | 'memory'> = {}) {
  shadowBiosArea(pc);
  return runSeabiosPort({ io: targetPorts(pc.target), memory: targetMemory(pc.target), ...more });
}

/** The function at bus:dev.fn, read through configuration mechanism #1 (throws when absent). */
export function fn(pc: QosPc, bus: number, dev: number, f = 0): QPciDevice {
  const d = (bus === 0 ? pc.bus : new QPciBus(pc.target, bus)).device(devfn(dev, f));
  if (!d) throw new Error(`no PCI function at ${bus}:${dev}.${f}`);
  return d;
}

/** `n` config bytes from `offset`. */
export const cfgBytes = (d: QPciDevice, offset: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => d.readb(offset + i));

export function u64le(v: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(v), true);
  return out;
}
