// fw_cfg DMA copy throughput: a 32 MiB file DMA-read (SELECT|READ) into guest RAM through the real
// buses, triggered by the guest's port write to 0x518. Prints MB/s (10^6 bytes per second).
import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { bswap32, FwCfg, FwCfgDmaCtl } from '../src/index.js';

const FILE_SIZE = 32 << 20;
const DEST = 0x0100_0000;
const DESC = 0x1000;

const memory = new MemoryBus();
memory.addRam('ram', 0, 128 << 20);
const io = new IoBus();
const fw = new FwCfg({ memory });
fw.attachIo(io);
const file = new Uint8Array(FILE_SIZE);
for (let i = 0; i < FILE_SIZE; i += 4096) file[i] = (i >>> 12) & 0xff;
const key = fw.addFile('opt/large', file);
const control = ((key << 16) | FwCfgDmaCtl.SELECT | FwCfgDmaCtl.READ) >>> 0;

function transfer(): void {
  memory.write32(DESC, bswap32(control));
  memory.write32(DESC + 4, bswap32(FILE_SIZE));
  memory.write32(DESC + 8, 0);
  memory.write32(DESC + 12, bswap32(DEST));
  io.out32(0x518, bswap32(DESC));
}

// Warm up (allocates the RAM chunks, JIT).
for (let i = 0; i < 3; i++) transfer();
if (memory.read32(DESC) !== 0 || memory.read8(DEST + 4096 * 5) !== 5) throw new Error('DMA did not complete');

const iterations = 40;
const t0 = performance.now();
for (let i = 0; i < iterations; i++) transfer();
const seconds = (performance.now() - t0) / 1000;
const mbPerSecond = (iterations * FILE_SIZE) / 1e6 / seconds;
console.log(`BENCH fw-cfg dma-read-throughput ${mbPerSecond.toFixed(0)} MB/s`);
