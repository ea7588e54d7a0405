// Child of boot-split.bench.mjs: one fresh Node process booting Debian's bios-256k.bin (128 MiB, no
// IGD) with @vmkit/machine's built dist (the modules the CLI bundles, loaded one file at a time
// here, so `import` is an upper bound of the bundled CLI's: see apps/cli/README.md) to "No bootable
// device.", printing one JSON line with the phases of its life: Node start (process start -> this script's first line,
// performance.now() counts from the process's time origin), import, createMachine, guest run; then,
// with WARM=n, n more boots in the same process (the rig's matrix and the web page boot this way).
const tStart = performance.now();
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const cStart = cpuMs();
// The V8 flag the CLI sets for itself before it loads the machine (apps/cli/src/v8-tuning.ts), so
// the phases measured here are the bundled CLI's; VMKIT_V8_DEFAULTS=1 keeps V8's defaults.
if (process.env.VMKIT_V8_DEFAULTS !== '1')
  (await import('node:v8')).setFlagsFromString('--max-inlined-bytecode-size-cumulative=150');
const { readFileSync } = await import('node:fs');
const { createMachine } = await import('@vmkit/machine');
const tImport = performance.now();
const cImport = cpuMs();
const image = new Uint8Array(readFileSync(process.argv[2]));
const jit = process.env.VMKIT_JIT !== '0';
const make = () =>
  createMachine({
    memory: '128M',
    firmware: { kind: 'image', image, name: 'bios-256k.bin' },
    igd: null,
    jit,
  });
const boot = (m) => m.boot({ until: 'No bootable device.', maxInstructions: 50_000_000 });
const m = make();
const tCreate = performance.now();
const cCreate = cpuMs();
const r = boot(m);
const tRun = performance.now();
const cRun = cpuMs();
const warm = [];
const warmCpu = [];
for (let i = 0; i < Number(process.env.WARM ?? 0); i++) {
  const t = performance.now();
  const c = cpuMs();
  const w = boot(make());
  warm.push(performance.now() - t);
  warmCpu.push(cpuMs() - c);
  if (w.result.instructions !== r.result.instructions) throw new Error('warm boot retired another count');
}
console.log(
  JSON.stringify({
    node: tStart,
    import: tImport - tStart,
    create: tCreate - tImport,
    run: tRun - tCreate,
    total: tRun,
    cpu: {
      node: cStart,
      import: cImport - cStart,
      create: cCreate - cImport,
      run: cRun - cCreate,
      total: cRun,
    },
    goal: r.result.goalReached,
    instructions: r.result.instructions,
    warm,
    warmCpu,
  }),
);
