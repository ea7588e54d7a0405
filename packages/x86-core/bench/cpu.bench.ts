// x86-core benchmark. Run from the repo root:
//   node --conditions=@vmkit/source --import tsx packages/x86-core/bench/cpu.bench.ts
// Workloads (sources in test/programs/bench/*.asm; loaded at 0x1000, pass count at [0xFF0]):
//   memset32   SeaBIOS's byte-store memset loop (test/je/dec/movb/jmp), 32-bit flat PM  -> MIPS
//   rep-stosb  rep stosb over 1 MiB of RAM, 32-bit flat PM                            -> GB/s
//   rep-movsb  rep movsb 1 MiB RAM -> RAM, 32-bit flat PM                              -> GB/s
//   mix32      ALU/branch/call/stack mix, 32-bit flat PM                               -> MIPS
//   real16     real-mode gcc -m16 style code with 0x66/0x67 prefixes                   -> MIPS
// and with 32-bit paging on (0-16 MiB identity-mapped with 4 KiB pages, test/programs/bench/paging.inc):
//   memset32-pg, mix32-pg   the same loops after PAGING_ON                                  -> MIPS
//   call32-pg    real16's loop as 32-bit code (no prefixes)                                -> MIPS
//   pagefault-pg 256 fresh pages per pass, each first touch a #PF whose handler maps it    -> MIPS
// vmkit's figure is measured as QEMU's and v86's are: (work of a long run - work of a 1-pass run) /
// (time difference), each run a fresh Cpu in this process, which cancels what a run pays once (the
// Cpu's creation, compiling its traces, V8 tiering them up), as the peers' figures cancel their
// start-up and v86's JIT warm-up. The long run grows until the difference is >= 0.5 s (as v86's); the figure is
// the median of 3 such pairs by wall time; `<workload>-cpu` is the same by this process's CPU time
// (which a busy box inflates much less). `<workload>-abs` is the former figure, kept beside it: the
// median of 3 fixed-length runs (corePasses) by wall time, warm-up included. The load average is
// printed at the start and the end.
// With nasm on PATH the bodies are assembled from source (and compared with the bytes embedded
// below, which are the fallback without nasm). With qemu-system-i386 (and nasm) the same bodies
// run under QEMU TCG, wrapped in the oracle skeleton: QEMU's rate is (work of a long run - work of
// a 1-pass run) / (wall time difference), which cancels QEMU's start-up time. Instruction counts
// per pass come from the core (the bodies are deterministic).
//
// v86 column (npm `v86`, the x86-to-wasm JIT emulator, one fresh Node child per run: v86-run.mjs):
// the SAME image as QEMU's (oracle skeleton + body, nasm-built) is given to v86 as `bios: { buffer }`
// with no disks, no VGA BIOS (the skeleton never touches video), 16 MiB RAM like QEMU's `-m 16`.
// v86 maps the image at 1 MiB - 64 KiB and mirrors it at 0xFFF00000 (copy/v86 src/cpu.js
// load_bios), so it starts at the same reset vector. The skeleton's debugcon port 0xE9 and the
// body's final `out 0xF4, al` (isa-debug-exit in QEMU) are hooked with v86's port API
// (emulator.v86.cpu.io.register_write, src/io.js); v86's release build leaves both ports free.
// Time is taken from the guest's first debugcon byte ("START") to the 0xF4 write, and the rate is
// (work of a long run - work of a 1-pass run) / (time difference), as for QEMU, which cancels the
// skeleton and v86's JIT warm-up. The long run grows until that difference is >= 0.5 s. v86's own
// instruction counter (get_instruction_counter) is printed as a cross-check of the work done (it
// matches the core's count except for REP string bodies, which v86 executes, and counts, one 4 KiB
// page chunk at a time: copy/v86 src/rust/cpu/string.rs). A
// workload v86 cannot run (no exit within the time limit, an exception report) prints
// `v86-<workload>: not comparable: <reason>` instead of a figure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessSize, IoHandler } from '@vmkit/memory-bus';
import { IoBus, MemoryBus } from '@vmkit/memory-bus';
import { Cpu } from '../src/index.js';
import { assemble, findTool, PROGRAMS_DIR, pm32Source } from '../test/harness/tools.js';
import { runV86, v86Missing } from './v86-runner.js';

interface Workload {
  name: string;
  file: string;
  mode: 16 | 32;
  /** Bytes moved per pass (REP workloads report GB/s), else 0 (MIPS). */
  bytesPerPass: number;
  /** Embedded encoding (nasm 2.16 output of the source) used when nasm is absent. */
  hex: string;
  /** Passes for the measured core run and for the long QEMU run. */
  corePasses: number;
  qemuPasses: number;
  /** First guess of passes for the long v86 run (grown until the timed difference is >= 0.5 s). */
  v86Passes: number;
}

const MIB = 1024 * 1024;
const WORKLOADS: Workload[] = [
  {
    name: 'memset32',
    file: 'memset32',
    mode: 32,
    bytesPerPass: 0,
    hex: '8b35f00f0000bf00001000b90000010031c085c974064988040febf64e75e7e6f4f4',
    corePasses: 60,
    qemuPasses: 1500,
    v86Passes: 3000,
  },
  {
    name: 'rep-stosb',
    file: 'repstos32',
    mode: 32,
    bytesPerPass: MIB,
    hex: '8b2df00f0000bf00001000b900001000b055f3aa4d75efe6f4f4',
    corePasses: 400,
    qemuPasses: 150,
    v86Passes: 25000,
  },
  {
    name: 'rep-movsb',
    file: 'repmovs32',
    mode: 32,
    bytesPerPass: MIB,
    hex: '8b2df00f0000be00001000bf00002000b900001000f3a44d75ece6f4f4',
    corePasses: 400,
    qemuPasses: 8,
    v86Passes: 20000,
  },
  {
    name: 'mix32',
    file: 'mix32',
    mode: 32,
    bytesPerPass: 0,
    hex: '8b2df00f0000bc0000080031db31d2b96400000089c801d831c2c1e00329d3e81f00000083f932720143505a0fb6810020000089148d003000004975d74d75cfe6f4f48d44580125ffff0000c3',
    corePasses: 12000,
    qemuPasses: 300000,
    v86Passes: 300000,
  },
  {
    name: 'real16',
    file: 'real16',
    mode: 16,
    bytesPerPass: 0,
    hex: '668b2ef00f66bc0070000066b9e803000066be0020000066678b048e6601c8666789048e66670fb7560266e80b000000664975e3664d75d3e6f4f4665366678d1c42665b66c3',
    corePasses: 1500,
    qemuPasses: 40000,
    v86Passes: 20000,
  },
  {
    name: 'memset32-pg',
    file: 'memset32pg',
    mode: 32,
    bytesPerPass: 0,
    hex: 'bf00004000b90004000031c0f3abbf00004000b803104000b904000000ab05001000004975f7bf00104000b803000000b900100000ab05001000004975f7b8000040000f22d80f20c00d000000800f22c0eb008b35f00f0000bf00001000b90000010031c085c974064988040febf64e75e7e6f4f4',
    corePasses: 60,
    qemuPasses: 1500,
    v86Passes: 3000,
  },
  {
    name: 'mix32-pg',
    file: 'mix32pg',
    mode: 32,
    bytesPerPass: 0,
    hex: 'bf00004000b90004000031c0f3abbf00004000b803104000b904000000ab05001000004975f7bf00104000b803000000b900100000ab05001000004975f7b8000040000f22d80f20c00d000000800f22c0eb008b2df00f0000bc0000080031db31d2b96400000089c801d831c2c1e00329d3e81f00000083f932720143505a0fb6810020000089148d003000004975d74d75cfe6f4f48d44580125ffff0000c3',
    corePasses: 12000,
    qemuPasses: 300000,
    v86Passes: 300000,
  },
  {
    name: 'call32-pg',
    file: 'call32pg',
    mode: 32,
    bytesPerPass: 0,
    hex: 'bf00004000b90004000031c0f3abbf00004000b803104000b904000000ab05001000004975f7bf00104000b803000000b900100000ab05001000004975f7b8000040000f22d80f20c00d000000800f22c0eb008b2df00f0000bc00000800b9e8030000be002000008b048e01c889048e0fb75602e8090000004975ec4d75dfe6f4f4538d1c425bc3',
    corePasses: 1500,
    qemuPasses: 40000,
    v86Passes: 20000,
  },
  {
    name: 'pagefault-pg',
    file: 'pagefault32',
    mode: 32,
    bytesPerPass: 0,
    hex: '0f011518110000bf00604000b90002000031c0f3abb8d710000066a37060400066c70572604000080066c70574604000008ec1e81066a3766040000f011d1e110000bf00004000b90004000031c0f3abbf00004000b803104000b904000000ab05001000004975f7bf00104000b803000000b900100000ab05001000004975f7b8000040000f22d80f20c00d000000800f22c0eb00c70510004000035040008b2df00f0000bf00504000b90001000031c0f3ab0f20d80f22d8bb00000001b900010000890b014b0481c3001000004975f24d75d1e6f4f450520f20d0c1e80c25ff03000089c2c1e00c0503008000890495005040005a5883c404cf90909090900000000000000000ffff0000009bcf00ffff00000093cf00170000110000ff0700604000',
    corePasses: 400,
    qemuPasses: 4000,
    v86Passes: 4000,
  },
];

function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

class ExitPort implements IoHandler {
  cpu: Cpu | null = null;
  read(_o: number, size: AccessSize): number {
    return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
  }
  write(_o: number, _s: AccessSize, _v: number): void {
    this.cpu?.requestStop();
  }
}

/** A core with 16 MiB RAM and the body at 0x1000, in the body's mode. */
function makeCore(body: Uint8Array, mode: 16 | 32, passes: number): Cpu {
  const memory = new MemoryBus();
  memory.addRam('ram', 0, 16 * MIB);
  const io = new IoBus();
  const exit = new ExitPort();
  io.addPio('debug-exit', 0xf4, 4, exit);
  const cpu = new Cpu({ memory, io });
  exit.cpu = cpu;
  memory.writeBytes(0x1000, body);
  memory.write32(0xff0, passes);
  cpu.reset();
  if (mode === 32) {
    const data = { selector: 0x10, base: 0, limit: 0xffffffff, access: 0xc093 };
    cpu.setRegisters({
      eip: 0x1000,
      esp: 0x80000,
      cr0: 0x11,
      segments: {
        cs: { selector: 0x08, base: 0, limit: 0xffffffff, access: 0xc09b },
        ds: data,
        es: data,
        ss: data,
        fs: data,
        gs: data,
      },
    });
  } else {
    const seg = { selector: 0, base: 0, limit: 0xffff, access: 0x93 };
    cpu.setRegisters({
      eip: 0x1000,
      esp: 0x7000,
      cr0: 0x10,
      segments: {
        cs: { selector: 0, base: 0, limit: 0xffff, access: 0x9b },
        ds: seg,
        es: seg,
        ss: seg,
        fs: seg,
        gs: seg,
      },
    });
  }
  return cpu;
}

/** Run to the debug-exit write; returns retired instructions and seconds. */
function runCore(body: Uint8Array, mode: 16 | 32, passes: number): CoreRun {
  const cpu = makeCore(body, mode, passes);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (;;) {
    const e = cpu.run(50_000_000);
    if (e.reason !== 'budget') {
      if (e.reason !== 'stopped') throw new Error(`bench body stopped with ${e.reason}`);
      break;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { passes, instructions: cpu.instructionCount, seconds, cpuSeconds: (c.user + c.system) / 1e6 };
}

interface CoreRun {
  passes: number;
  instructions: number;
  seconds: number;
  cpuSeconds: number;
}

interface CorePair {
  short: CoreRun;
  long: CoreRun;
}

/** The long core run's timed difference from the 1-pass run must reach this: v86's threshold
 * (V86_MIN_DIFF_S), so both long runs carry the same share of warm-up. */
const CORE_MIN_DIFF_S = 0.5;

/** CORE_RUNS (1-pass run, long run) pairs, each run on a fresh Cpu; the long run's passes grow from
 * corePasses until its wall-time difference from the 1-pass run is at least CORE_MIN_DIFF_S. */
function corePairs(body: Uint8Array, w: Workload): CorePair[] {
  let passes = w.corePasses;
  const pairs: CorePair[] = [];
  while (pairs.length < CORE_RUNS) {
    const short = runCore(body, w.mode, 1);
    const long = runCore(body, w.mode, passes);
    const dt = long.seconds - short.seconds;
    if (dt < CORE_MIN_DIFF_S && passes < 0x4000000) {
      passes = Math.ceil(passes * Math.min(16, Math.max(2, (CORE_MIN_DIFF_S * 1.3) / Math.max(dt, 1e-3))));
      continue;
    }
    pairs.push({ short, long });
  }
  return pairs;
}

function qemuImage(w: Workload, bodyPath: string, passes: number): Uint8Array {
  const src =
    w.mode === 32
      ? pm32Source(`    mov esi, body
    mov edi, 0x1000
    mov ecx, body_end - body
    rep movsb
    mov dword [0xFF0], ${passes}
    jmp 0x1000
body:
    incbin "${bodyPath}"
body_end:
`)
      : `%include "inc/lib.inc"
section .text16
tests16:
    mov si, body
    mov di, 0x1000
    mov cx, body_end - body
    cs rep movsb
    mov dword [0xFF0], ${passes}
    jmp 0x0000:0x1000
body:
    incbin "${bodyPath}"
body_end:
`;
  return assemble(src);
}

/** Wall seconds of one QEMU run (killed after 20 s: null), and its CPU seconds (user + system of
 * QEMU, every thread) from the shell's `times` builtin after it exits (null when unreadable). */
function runQemuWall(
  qemu: string,
  image: Uint8Array,
  dir: string,
): { wall: number; cpu: number | null } | null {
  const img = join(dir, 'bios.bin');
  writeFileSync(img, image);
  const t0 = performance.now();
  const r = spawnSync(
    '/bin/sh',
    [
      '-c',
      'timeout -s KILL 20 "$@" >/dev/null 2>&1; echo "rc=$?"; times',
      'sh',
      qemu,
      '-accel',
      'tcg',
      '-machine',
      'pc',
      '-nodefaults',
      '-display',
      'none',
      '-m',
      '16',
      '-no-reboot',
      '-bios',
      img,
      '-device',
      'isa-debug-exit,iobase=0xf4,iosize=0x04',
      '-monitor',
      'none',
      '-serial',
      'none',
    ],
    { timeout: 30_000, killSignal: 'SIGKILL', encoding: 'utf8' },
  );
  const ms = performance.now() - t0;
  const rc = /rc=(\d+)/.exec(r.stdout ?? '');
  if (r.error !== undefined || rc === null || rc[1] === '124' || rc[1] === '137') return null;
  // `times`: the shell's user/system line, then its children's ("0m0.120s 0m0.031s").
  const m = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s\s*$/.exec(r.stdout ?? '');
  const cpu = m ? Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]) : null;
  return { wall: ms / 1000, cpu };
}

/** Measured core runs per workload (median reported). */
const CORE_RUNS = 3;

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** One cell of the summary table: a rate, or why there is none. */
type Cell = number | string;

interface V86Figure {
  /** Rate in the workload's unit (MIPS or GB/s), or why v86 is not comparable. */
  rate: Cell;
  /** The same by v86's process CPU time, or null. */
  cpuRate: number | null;
  note: string;
}

const V86_MIN_DIFF_S = 0.5;
const V86_TARGET_DIFF_S = 0.8;
const V86_TIMEOUT_MS = 15_000;

async function v86Figure(w: Workload, bodyPath: string, perPass: number): Promise<V86Figure> {
  const run = async (passes: number) => {
    const image = join(tmp, `v86-${w.name}.bin`);
    writeFileSync(image, qemuImage(w, bodyPath, passes));
    const r = await runV86({
      image,
      memorySize: 16 * MIB,
      exitPort: 0xf4,
      textPorts: [0xe9],
      timeoutMs: V86_TIMEOUT_MS,
    });
    if (!r.ok) return `${passes} passes: ${r.reason} (debugcon so far: ${JSON.stringify(r.text)})`;
    if (r.text.includes('UNEXPECTED') || r.text.includes('DONE'))
      return `${passes} passes: the skeleton reported ${JSON.stringify(r.text.trim())}`;
    return r;
  };
  const short = await run(1);
  if (typeof short === 'string') return { rate: short, cpuRate: null, note: '' };
  let passes = w.v86Passes;
  for (let attempt = 0; ; attempt++) {
    const long = await run(passes);
    if (typeof long === 'string') return { rate: long, cpuRate: null, note: '' };
    const dt = long.guestSeconds - short.guestSeconds;
    if (dt >= V86_MIN_DIFF_S || attempt === 4) {
      if (dt < V86_MIN_DIFF_S)
        return {
          rate: `timed difference stayed below ${V86_MIN_DIFF_S} s (${dt.toFixed(3)} s)`,
          cpuRate: null,
          note: '',
        };
      const n = passes - 1;
      const counter = (long.instructions - short.instructions) / n;
      const per = (t: number) =>
        w.bytesPerPass > 0 ? (w.bytesPerPass * n) / t / 1e9 : (perPass * n) / t / 1e6;
      const rate = per(dt);
      const dc = long.guestCpuSeconds - short.guestCpuSeconds;
      const cpuRate = dc > 0 ? per(dc) : null;
      const note =
        `# ${w.name}: v86 ${n} passes in ${dt.toFixed(3)} s (1-pass run ${short.guestSeconds.toFixed(3)} s ` +
        `guest, ${short.wallSeconds.toFixed(3)} s from new V86()); v86's own counter ` +
        `${counter.toFixed(0)} instructions/pass, core ${perPass}`;
      return { rate, cpuRate, note };
    }
    // Too short to time: scale towards the target, at least x2, at most x16 per step.
    const factor = dt > 0 ? Math.min(16, Math.max(2, V86_TARGET_DIFF_S / dt)) : 16;
    passes = Math.min(0x7fffffff, Math.ceil(passes * factor));
  }
}

const nasm = findTool('nasm');
const qemu = nasm === null ? null : findTool('qemu-system-i386');
if (nasm === null) console.log('# nasm not found: using the embedded encodings of the bench bodies');
if (qemu === null) console.log('# qemu-system-i386 (or nasm) not found: no QEMU comparison');
const noV86 = nasm === null ? 'nasm not found (the v86 image is the nasm-built skeleton)' : v86Missing();
const tmp = mkdtempSync(join(tmpdir(), 'vmkit-x86-bench-'));
// The box is often shared: the load average frames every figure below.
console.log(
  `# load average at start: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
interface Row {
  name: string;
  unit: string;
  core: Cell;
  /** vmkit's fixed-length runs, warm-up included (the former figure). */
  coreAbs: Cell;
  qemu: Cell;
  v86: Cell;
  /** The same by CPU time (null: not measured). */
  coreCpu: number | null;
  qemuCpu: number | null;
  v86Cpu: number | null;
}
const table: Row[] = [];
try {
  // VMKIT_BENCH_WORKLOADS=memset32,mix32-pg runs only those rows (all by default).
  const only = (process.env.VMKIT_BENCH_WORKLOADS ?? '').split(',').filter((x) => x !== '');
  for (const w of WORKLOADS) {
    if (only.length > 0 && !only.includes(w.name)) continue;
    let body = fromHex(w.hex);
    if (nasm !== null) {
      const built = assemble(readFileSync(join(PROGRAMS_DIR, 'bench', `${w.file}.asm`), 'utf8'));
      if (toHex(built) !== w.hex)
        console.log(`# ${w.name}: nasm output differs from the embedded bytes; using nasm's`);
      body = built;
    }
    const unit = w.bytesPerPass > 0 ? 'GB/s' : 'MIPS';
    const row: Row = {
      coreCpu: null,
      qemuCpu: null,
      v86Cpu: null,
      name: w.name,
      unit,
      core: '-',
      coreAbs: '-',
      qemu: 'no qemu',
      v86: noV86 === null ? '-' : 'n/c',
    };
    table.push(row);
    // instructions per pass (exact) and a warm-up
    const one = runCore(body, w.mode, 1).instructions;
    const perPass = runCore(body, w.mode, 2).instructions - one;
    runCore(body, w.mode, Math.max(1, Math.floor(w.corePasses / 4)));
    // CORE_RUNS pairs measured as the peers are (the header): by wall time (the figure compared with
    // QEMU's and v86's, which are wall-time too) and by this process's CPU time.
    const pairs = corePairs(body, w);
    const work = (passes: number, s: number, n: number) =>
      w.bytesPerPass > 0 ? (w.bytesPerPass * passes) / s / 1e9 : n / s / 1e6;
    const diff = (p: CorePair, t: (r: CoreRun) => number) =>
      work(
        p.long.passes - 1,
        Math.max(t(p.long) - t(p.short), 1e-6),
        p.long.instructions - p.short.instructions,
      );
    row.core = median(pairs.map((p) => diff(p, (r) => r.seconds)));
    console.log(`BENCH x86-core ${w.name} ${fmt(row.core)} ${unit}`);
    row.coreCpu = median(pairs.map((p) => diff(p, (r) => r.cpuSeconds)));
    console.log(`BENCH x86-core ${w.name}-cpu ${fmt(row.coreCpu)} ${unit}`);
    const p0 = pairs[0] as CorePair;
    console.log(
      `# ${w.name}: vmkit ${p0.long.passes - 1} passes in ${(p0.long.seconds - p0.short.seconds).toFixed(3)} s ` +
        `(1-pass run ${p0.short.seconds.toFixed(3)} s, fresh Cpu each)`,
    );
    // The former figure: fixed-length runs, warm-up included.
    const runs = Array.from({ length: CORE_RUNS }, () => runCore(body, w.mode, w.corePasses));
    row.coreAbs = median(runs.map((m) => work(w.corePasses, m.seconds, m.instructions)));
    console.log(`BENCH x86-core ${w.name}-abs ${fmt(row.coreAbs)} ${unit}`);
    if (nasm === null) {
      console.log(`v86-${w.name}: not comparable: ${noV86}`);
      continue;
    }
    const bodyPath = join(tmp, `${w.name}.bin`);
    writeFileSync(bodyPath, body);
    if (qemu !== null) {
      const short = runQemuWall(qemu, qemuImage(w, bodyPath, 1), tmp);
      const long = runQemuWall(qemu, qemuImage(w, bodyPath, w.qemuPasses), tmp);
      if (short === null || long === null) {
        console.log(`# ${w.name}: QEMU run timed out (20 s); no QEMU figure`);
        row.qemu = 'timeout';
      } else {
        const passes = w.qemuPasses - 1;
        const work = (dt: number) =>
          w.bytesPerPass > 0 ? (w.bytesPerPass * passes) / dt / 1e9 : (perPass * passes) / dt / 1e6;
        const dt = Math.max(long.wall - short.wall, 1e-6);
        row.qemu = work(dt);
        console.log(`BENCH x86-core qemu-${w.name} ${fmt(row.qemu)} ${unit}`);
        if (long.cpu !== null && short.cpu !== null && long.cpu > short.cpu) {
          row.qemuCpu = work(long.cpu - short.cpu);
          console.log(`BENCH x86-core qemu-${w.name}-cpu ${fmt(row.qemuCpu)} ${unit}`);
        }
        console.log(
          `# ${w.name}: QEMU ${passes} passes in ${dt.toFixed(3)} s (1-pass run ${short.wall.toFixed(3)} s)`,
        );
      }
    }
    if (noV86 !== null) {
      console.log(`v86-${w.name}: not comparable: ${noV86}`);
      continue;
    }
    const v = await v86Figure(w, bodyPath, perPass);
    if (typeof v.rate === 'number') {
      row.v86 = v.rate;
      console.log(`BENCH x86-core v86-${w.name} ${fmt(v.rate)} ${unit}`);
      if (v.cpuRate !== null) {
        row.v86Cpu = v.cpuRate;
        console.log(`BENCH x86-core v86-${w.name}-cpu ${fmt(v.cpuRate)} ${unit}`);
      }
      console.log(v.note);
    } else {
      row.v86 = 'n/c';
      console.log(`v86-${w.name}: not comparable: ${v.rate}`);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(
  `# load average at end: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
const cell = (c: Cell | null): string => (c === null ? '-' : typeof c === 'number' ? fmt(c) : c).padStart(10);
const head = (what: string) =>
  `\n${what}\n${'workload'.padEnd(12)} ${'unit'.padEnd(5)} ${'vmkit'.padStart(10)} ${'QEMU TCG'.padStart(10)} ${'v86'.padStart(10)}`;
console.log(`${head('by wall time:')} ${'vmkit abs'.padStart(10)}`);
for (const r of table)
  console.log(
    `${r.name.padEnd(12)} ${r.unit.padEnd(5)} ${cell(r.core)} ${cell(r.qemu)} ${cell(r.v86)} ${cell(r.coreAbs)}`,
  );
console.log('(vmkit abs: fixed-length runs with warm-up included; the other columns cancel start-up)');
console.log(head('by CPU time (each emulator process, all its threads):'));
for (const r of table)
  console.log(
    `${r.name.padEnd(12)} ${r.unit.padEnd(5)} ${cell(r.coreCpu)} ${cell(r.qemuCpu)} ${cell(r.v86Cpu)}`,
  );
