import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import {
  addCapability,
  ByteArrayHandler,
  bdf,
  classCode,
  formatBdf,
  PCI_CAP_ID_VNDR,
  PCI_COMMAND,
  PCI_COMMAND_MEMORY,
  PciDevice,
  type PciEvent,
  PciHost,
} from '@vmkit/pci';

const memory = new MemoryBus();
const io = new IoBus();
const events: PciEvent[] = [];
const host = new PciHost({ memory, io, onEvent: (e) => events.push(e) });
host.attachIo(io); // mechanism #1 at 0xCF8..0xCFF
host.attachEcam(memory, 0xb0000000, 256); // MMCONFIG

// A function with a 4 KiB MMIO BAR backed by plain storage and a vendor capability.
const regs = new Uint8Array(0x1000);
const dev = new PciDevice({
  name: 'demo',
  vendorId: 0x1234,
  deviceId: 0x5678,
  classCode: classCode(0x03, 0x80),
  bars: [{ kind: 'mem32', size: 0x1000, handler: new ByteArrayHandler(regs) }],
});
const cap = addCapability(dev.config, PCI_CAP_ID_VNDR, 8);
dev.config.setWritable(cap + 4, 4, 0xffffffff); // a guest-writable dword in the capability
host.addDevice(dev, 2);

// Firmware-style: size BAR0, program it, enable memory decode (port I/O as a CPU would do it).
io.out32(0xcf8, 0x80001010); // bus 0, device 2, function 0, register 0x10
io.out32(0xcfc, 0xffffffff);
const size = (~(io.in32(0xcfc) & 0xfffffff0) >>> 0) + 1; // 0x1000
io.out32(0xcfc, 0xfe000000);
host.configWrite(bdf(0, 2, 0), PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
memory.write32(0xfe000010, 0xcafe);

console.log(
  formatBdf(dev.bdf),
  size.toString(16),
  regs[0x10].toString(16),
  memory.read32(0xb0010000).toString(16),
);
// → 00:02.0 1000 fe 56781234
console.log(events.filter((e) => e.kind === 'pci-bar-mapped').length); // → 1
