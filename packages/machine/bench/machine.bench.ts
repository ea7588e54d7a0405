// `pnpm bench` (scripts/bench.mjs): createMachine time, and snapshot/restore of a 128 MiB machine
// after a real SeaBIOS boot (time and size). Prints `BENCH machine <metric> <value> <unit>` lines.
import { existsSync, readFileSync } from 'node:fs';
import { DeviceRegistry } from '@vmkit/device';
import { catalogueSource, igdDeviceType } from '@vmkit/vfio-igd';
import { createMachine, decodeSnapshot, encodeSnapshot, type MachineConfigInput } from '../src/index.js';

const RUNS = Number(process.env.VMKIT_BENCH_RUNS ?? 5);
const registry = new DeviceRegistry([igdDeviceType]);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
function time(f: () => void): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

const BIOS = '/usr/share/seabios/bios-256k.bin';
const hle: MachineConfigInput = {
  memory: '128M',
  firmware: { kind: 'hle' },
  igd: { source: catalogueSource('kbl') },
};
console.log(
  `BENCH machine createMachine-hle-igd ${median(Array.from({ length: RUNS }, () => time(() => createMachine(hle, { registry })))).toFixed(1)} ms`,
);
if (!existsSync(BIOS)) {
  console.log(`${BIOS} missing: snapshot figures skipped (apt-get install seabios)`);
} else {
  const image: MachineConfigInput = {
    memory: '128M',
    firmware: { kind: 'image', image: new Uint8Array(readFileSync(BIOS)), name: 'bios-256k.bin' },
    igd: { source: catalogueSource('kbl') },
  };
  console.log(
    `BENCH machine createMachine-seabios-igd ${median(Array.from({ length: RUNS }, () => time(() => createMachine(image, { registry })))).toFixed(1)} ms`,
  );
  const m = createMachine(image, { registry });
  m.boot();
  const snaps: number[] = [];
  const encs: number[] = [];
  const restores: number[] = [];
  let size = 0;
  for (let i = 0; i < RUNS; i++) {
    let snap = m.snapshot();
    snaps.push(time(() => (snap = m.snapshot())));
    let bytes: Uint8Array = new Uint8Array(0);
    encs.push(time(() => (bytes = encodeSnapshot(snap))));
    size = bytes.length;
    const fresh = createMachine(image, { registry });
    restores.push(time(() => fresh.restore(decodeSnapshot(bytes))));
  }
  console.log(`BENCH machine snapshot-128M-after-seabios ${median(snaps).toFixed(1)} ms`);
  console.log(`BENCH machine snapshot-encode-128M ${median(encs).toFixed(1)} ms`);
  console.log(`BENCH machine restore-128M-decode+restore ${median(restores).toFixed(1)} ms`);
  console.log(`BENCH machine snapshot-128M-file-size ${(size / 1024).toFixed(0)} KiB`);
}
