// Config-access throughput: mechanism #1 data reads through the real IoBus, ECAM reads through the
// real MemoryBus, and BAR remaps (command toggles). No allocation in the measured loops (no event
// listener installed).
import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { PCI_COMMAND, PCI_COMMAND_MEMORY, PciDevice, PciHost } from '@vmkit/pci';

const memory = new MemoryBus();
const io = new IoBus();
const host = new PciHost({ memory, io });
host.attachIo(io);
host.attachEcam(memory, 0xb0000000, 1);
const handler = { read: () => 0, write: () => {} };
host.addDevice(
  new PciDevice({
    name: 'bench',
    vendorId: 0x1234,
    deviceId: 0x1111,
    classCode: 0x030000,
    bars: [{ kind: 'mem32', size: 0x1000, handler }],
  }),
  2,
);
host.configWrite(0x10, 0x10, 4, 0xfe000000);

function measure(name: string, unit: string, n: number, fn: (i: number) => number): void {
  let sink = 0;
  for (let i = 0; i < n / 10; i++) sink ^= fn(i); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink ^= fn(i);
  const dt = (performance.now() - t0) / 1000;
  console.log(`BENCH pci ${name} ${(n / dt / 1e6).toFixed(2)} ${unit}`);
  if (sink === 0x7fffffff) console.log('');
}

io.out32(0xcf8, 0x80001000);
measure('mech1-inl-cfc', 'M-accesses/s', 2_000_000, () => io.in32(0xcfc));
measure('mech1-select-and-read', 'M-accesses/s', 1_000_000, (i) => {
  io.out32(0xcf8, 0x80001000 | ((i & 15) << 2));
  return io.in32(0xcfc);
});
measure('ecam-read32', 'M-accesses/s', 2_000_000, (i) => memory.read32(0xb0010000 + ((i & 63) << 2)));
measure('bar-remap-toggle', 'M-toggles/s', 20_000, (i) => {
  host.configWrite(0x10, PCI_COMMAND, 2, i & 1 ? PCI_COMMAND_MEMORY : 0);
  return i;
});
