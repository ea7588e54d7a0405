import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { createPcPlatform } from '@vmkit/pc-platform';

const memory = new MemoryBus();
const io = new IoBus();
let now = 0; // virtual nanoseconds, owned by the machine
const platform = createPcPlatform({
  memory,
  io,
  clock: { now: () => now },
  ramSize: 128 * 1024 * 1024, // CMOS memory bytes as QEMU pc_cmos_init
  cpuA20: (enabled) => console.log('A20', enabled), // → cpu.setA20(enabled)
  onReset: () => console.log('reset'),
  sinks: { debugconLine: (line) => console.log('debugcon:', line) },
});
// A CPU would be built with { memory, io, interrupts: platform.interrupts }.

io.out8(0x92, 0x02); // fast A20 on
console.log(io.in8(0x402).toString(16)); // debugcon readback
for (const c of 'hello\n') io.out8(0x402, c.charCodeAt(0));

// Program the PIT like SeaBIOS (channel 0, mode 2, count 0x10000) and unmask IRQ0 on the 8259s.
io.out8(0x43, 0x34);
io.out8(0x40, 0);
io.out8(0x40, 0);
for (const [port, value] of [
  [0x20, 0x11],
  [0x21, 0x08],
  [0x21, 0x04],
  [0x21, 0x01],
  [0x21, 0xfe],
]) {
  io.out8(port, value);
}
now = platform.nextDeadline() ?? now; // the machine advances virtual time while the CPU halts
platform.update(now);
console.log(now, platform.interrupts.pending(), platform.interrupts.acknowledge()); // 54925402 true 8
