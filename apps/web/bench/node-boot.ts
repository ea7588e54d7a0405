// One cold Node in-process boot, the comparison for the page's navigation time: a fresh Node
// process (like the page's fresh worker: V8 has compiled nothing of the x86 core yet and no guest
// trace), its modules already loaded, times createMachine + boot() of the page's default config
// (Debian SeaBIOS, kbl, fw-cfg) as `vmkit boot` runs it, then a second boot in the same process
// (warm). Prints one JSON line {coldMs, warmMs, instructions}. Run by browser.bench.ts.
import { readFileSync } from 'node:fs';
import { createMachine } from '@vmkit/machine';
import { catalogueSource } from '@vmkit/vfio-igd';
import { registry } from '../src/registry.ts';

const image = new Uint8Array(readFileSync(process.argv[2] ?? '/usr/share/seabios/bios-256k.bin'));

function bootMs(): { ms: number; instructions: number } {
  const t0 = performance.now();
  const m = createMachine(
    {
      firmware: { kind: 'image', image, name: 'bios-256k.bin' },
      igd: { source: catalogueSource('kbl'), policy: 'fw-cfg' },
    },
    { registry },
  );
  const r = m.boot();
  if (r.result.reason !== 'boot-attempted') throw new Error(`node boot ended with ${r.result.reason}`);
  return { ms: performance.now() - t0, instructions: r.result.instructions };
}

const cold = bootMs();
const warm = bootMs();
console.log(JSON.stringify({ coldMs: cold.ms, warmMs: warm.ms, instructions: cold.instructions }));
