// One round of scripts/bench-before-after.mjs in ONE tree: `node --conditions=@vmkit/source
// --import tsx before-after-worker.mjs <tree>` (cwd = <tree>) imports that tree's @vmkit/machine
// (and vfio-igd) from source and runs the same workloads through the public machine API both
// trees share (createMachine + boot): createMachine time, a Debian SeaBIOS boot (no devices, and
// with the synthetic Kaby Lake IGD), and x86-core's CPU bench bodies run as the machine's firmware.
// Prints one JSON line: { workload: { wallMs, cpuMs, instructions } }.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const tree = process.argv[2];
const only = process.argv[3] ? process.argv[3].split(',') : null;
const load = (p) => import(pathToFileURL(join(tree, p)).href);
const machine = await load('packages/machine/src/index.ts');
const igd = await load('packages/vfio-igd/src/index.ts');
// After the device contract an app passes the device types it ships; before, the machine knew them.
let options = {};
if (igd.igdDeviceType) {
  const { DeviceRegistry } = await load('packages/device/src/index.ts');
  options = { registry: new DeviceRegistry([igd.igdDeviceType]) };
}
const BIOS = '/usr/share/seabios/bios-256k.bin';
const bios = new Uint8Array(readFileSync(BIOS));

/** Wall and CPU (user + system) milliseconds of f. */
function measure(f) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = f();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000, result: r };
}

// x86-core bench bodies (packages/x86-core/test/programs/bench/*.asm, nasm 2.16 output, the bytes
// cpu.bench.ts embeds): loaded at 0x1000, pass count at [0xFF0], end with `out 0xF4, al; hlt`.
const BODIES = {
  memset32: {
    mode: 32,
    passes: 60,
    hex: '8b35f00f0000bf00001000b90000010031c085c974064988040febf64e75e7e6f4f4',
  },
  'rep-movsb': { mode: 32, passes: 8, hex: '8b2df00f0000be00001000bf00002000b900001000f3a44d75ece6f4f4' },
  mix32: {
    mode: 32,
    passes: 12000,
    hex: '8b2df00f0000bc0000080031db31d2b96400000089c801d831c2c1e00329d3e81f00000083f932720143505a0fb6810020000089148d003000004975d74d75cfe6f4f48d44580125ffff0000c3',
  },
  real16: {
    mode: 16,
    passes: 1500,
    hex: '668b2ef00f66bc0070000066b9e803000066be0020000066678b048e6601c8666789048e66670fb7560266e80b000000664975e3664d75d3e6f4f4665366678d1c42665b66c3',
  },
};

/**
 * A 64 KiB BIOS image that copies `body` to 0x1000, stores the pass count at 0xFF0 and jumps there
 * in the body's mode (flat 32-bit protected mode through a 3-entry GDT, or real mode at 0:1000).
 * Layout: F000:E000 entry code, F000:E100 GDT, F000:E200 the body; the reset vector jumps to E000.
 */
function firmwareFor({ mode, passes, hex }) {
  const body = Uint8Array.from(hex.match(/../g), (h) => Number.parseInt(h, 16));
  const img = new Uint8Array(64 * 1024);
  const u32 = (v) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  const BODY = 0xe200;
  let code;
  if (mode === 32) {
    const pm = 0xe030; // 32-bit part
    code = [
      0xfa, // cli
      0x2e,
      0x0f,
      0x01,
      0x16,
      0x18,
      0xe1, // lgdt cs:[0xE118]
      0x0f,
      0x20,
      0xc0,
      0x0c,
      0x01,
      0x0f,
      0x22,
      0xc0, // mov eax, cr0; or al, 1; mov cr0, eax
      0x66,
      0xea,
      ...u32(0xf0000 + pm),
      0x08,
      0x00, // jmp dword 0x08:pm
    ];
    img.set(code, 0xe000);
    img.set(
      [
        0x66,
        0xb8,
        0x10,
        0x00,
        0x8e,
        0xd8,
        0x8e,
        0xc0,
        0x8e,
        0xd0,
        0x8e,
        0xe0,
        0x8e,
        0xe8, // ds..gs = 0x10
        0xbc,
        ...u32(0x80000), // mov esp, 0x80000
        0xbe,
        ...u32(0xf0000 + BODY),
        0xbf,
        ...u32(0x1000),
        0xb9,
        ...u32(body.length),
        0xf3,
        0xa4, // copy
        0xc7,
        0x05,
        ...u32(0xff0),
        ...u32(passes), // mov dword [0xFF0], passes
        0xb8,
        ...u32(0x1000),
        0xff,
        0xe0, // mov eax, 0x1000; jmp eax
      ],
      pm,
    );
    // GDT: null, 0x08 code 4 GiB 32-bit, 0x10 data 4 GiB; GDTR at E118.
    img.set(
      [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0, 0xff, 0xff, 0, 0, 0, 0x92, 0xcf, 0],
      0xe100,
    );
    img.set([0x17, 0x00, ...u32(0xf0000 + 0xe100)], 0xe118);
  } else {
    code = [
      0xfa, // cli
      0xb8,
      0x00,
      0xf0,
      0x8e,
      0xd8, // mov ax, 0xF000; mov ds, ax
      0x31,
      0xc0,
      0x8e,
      0xc0,
      0x8e,
      0xd0, // xor ax, ax; mov es, ax; mov ss, ax
      0xbc,
      0x00,
      0x70, // mov sp, 0x7000
      0xbe,
      BODY & 0xff,
      BODY >> 8,
      0xbf,
      0x00,
      0x10,
      0xb9,
      body.length & 0xff,
      body.length >> 8, // si, di, cx
      0xf3,
      0xa4, // rep movsb
      0x8e,
      0xd8, // mov ds, ax (0)
      0x66,
      0xc7,
      0x06,
      0xf0,
      0x0f,
      ...u32(passes), // mov dword [0xFF0], passes
      0xea,
      0x00,
      0x10,
      0x00,
      0x00, // jmp 0000:1000
    ];
    img.set(code, 0xe000);
  }
  img.set(body, BODY);
  img.set([0xea, 0x00, 0xe0, 0x00, 0xf0], 0xfff0); // jmp F000:E000
  return img;
}

const image = (img, name) => ({ kind: 'image', image: img, name });
const workloads = {
  'createMachine-seabios-igd': () => {
    const cfg = {
      memory: '128M',
      firmware: image(bios, 'bios-256k.bin'),
      igd: { source: igd.catalogueSource('kbl') },
    };
    machine.createMachine(cfg, options); // warm
    const times = [];
    const cpu = [];
    for (let i = 0; i < 9; i++) {
      const m = measure(() => machine.createMachine(cfg, options));
      times.push(m.wallMs);
      cpu.push(m.cpuMs);
    }
    return { wallMs: median(times), cpuMs: median(cpu), instructions: 0 };
  },
  'seabios-boot': () => boot({ memory: '128M', firmware: image(bios, 'bios-256k.bin') }),
  'seabios-boot-igd-map': () =>
    boot({
      memory: '128M',
      firmware: image(bios, 'bios-256k.bin'),
      igd: { source: igd.catalogueSource('kbl'), policy: 'map' },
    }),
};
for (const [name, w] of Object.entries(BODIES))
  workloads[`cpu-${name}`] = () =>
    boot({ memory: '128M', firmware: image(firmwareFor(w), `${name}.bin`) }, 'halted-forever');

/** createMachine + boot() to the firmware's stop, timed together: before the device contract the CPU
 * was created in boot(), after it in createMachine, so only the sum compares like with like. */
function boot(cfg, expected = 'boot-attempted') {
  const r = measure(() => machine.createMachine(cfg, options).boot({ maxInstructions: 2_000_000_000 }));
  if (r.result.result.reason !== expected)
    throw new Error(
      `${cfg.firmware.name}: stopped with ${r.result.result.reason} (${r.result.result.detail})`,
    );
  return { wallMs: r.wallMs, cpuMs: r.cpuMs, instructions: r.result.result.instructions };
}

function median(xs) {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1];
}

const out = {};
for (const [name, w] of Object.entries(workloads)) if (!only || only.includes(name)) out[name] = w();
console.log(JSON.stringify(out));
