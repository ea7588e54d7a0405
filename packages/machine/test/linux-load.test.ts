// `-kernel` loading: the placement and header patches of QEMU 7.2's x86_load_linux (unit tests on
// a synthetic header), bad input (one problem line each), and the whole path on a tiny nasm
// bzImage: real SeaBIOS runs QEMU's linuxboot_dma.bin, which reads the fw_cfg items and enters the
// setup code; the setup prints what it was given on COM1 and powers off through ACPI S5. QEMU 7.2
// booting the same image is the oracle: its COM1 output must be byte-identical.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  type MachineConfigInput,
  PC_ACPI_DATA_SIZE,
  planLinuxLoad,
  validateConfig,
} from '../src/index.js';
import { createMachine } from './helpers.js';
import { gate, LINUXBOOT, onPath, qemuSerial, SEABIOS, tinyKernel } from './kernel/tools.js';

const MiB = 1024 * 1024;

/** A bzImage-shaped file: boot sector + `setupSects` sectors of setup + `pm` bytes of kernel. */
function fakeKernel(
  o: {
    protocol?: number;
    cmdlineSize?: number;
    loadflags?: number;
    setupSects?: number;
    pm?: number;
    initSize?: number;
    hdrs?: boolean;
  } = {},
): Uint8Array {
  const setupSects = o.setupSects ?? 4;
  const k = new Uint8Array((setupSects + 1) * 512 + (o.pm ?? 4096));
  const dv = new DataView(k.buffer);
  k[0x1f1] = setupSects;
  dv.setUint16(0x1fe, 0xaa55, true);
  if (o.hdrs !== false) dv.setUint32(0x202, 0x53726448, true);
  dv.setUint16(0x206, o.protocol ?? 0x20f, true);
  k[0x211] = o.loadflags ?? 1;
  dv.setUint32(0x22c, 0x7fffffff, true);
  dv.setUint32(0x238, o.cmdlineSize ?? 2047, true);
  dv.setUint32(0x260, o.initSize ?? 0x10000, true);
  k.fill(0xcc, (setupSects + 1) * 512);
  return k;
}

const u32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getUint32(o, true);
const u16 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getUint16(o, true);

function plan(...a: Parameters<typeof planLinuxLoad>) {
  const p = planLinuxLoad(...a);
  if ('problems' in p) throw new Error(p.problems.join('; '));
  return p;
}

describe('planLinuxLoad: QEMU 7.2 x86_load_linux placement and header patches', () => {
  it('places a recent LOADED_HIGH kernel at 0x10000 / 0x20000 / 0x100000 and patches its header', () => {
    const initrd = new Uint8Array(100_000);
    const p = plan({ kernel: fakeKernel(), initrd, append: 'console=ttyS0' }, 256 * MiB);
    expect([p.setupAddr, p.cmdlineAddr, p.kernelAddr]).toEqual([0x10000, 0x20000, 0x100000]);
    expect(p.setup.length).toBe(5 * 512);
    expect(p.kernel.length).toBe(4096);
    expect(p.setup[0x210]).toBe(0xb0); // type_of_loader: QEMU
    expect(p.setup[0x211]).toBe(0x81); // LOADED_HIGH | CAN_USE_HEAP
    expect(u16(p.setup, 0x224)).toBe(0x20000 - 0x10000 - 0x200); // heap_end_ptr
    expect(u32(p.setup, 0x228)).toBe(0x20000); // cmd_line_ptr
    // initrd_max = min(initrd_addr_max, below_4g - acpi_data_size - 1); the initrd ends below it,
    // page-aligned. (This is FW_CFG_INITRD_ADDR; linuxboot_dma.bin then moves the initrd below the
    // RAM top INT 15h E801 reports, which is where the tiny kernel below finds it: 0x0FFC7000.)
    const max = 256 * MiB - PC_ACPI_DATA_SIZE - 1;
    expect(p.initrdMax).toBe(max);
    expect(p.initrdAddr).toBe((max - initrd.length) & ~4095);
    expect(p.initrdAddr).toBe(0x0ffbf000);
    expect(u32(p.setup, 0x218)).toBe(p.initrdAddr);
    expect(u32(p.setup, 0x21c)).toBe(initrd.length);
    expect([...p.cmdline]).toEqual([...new TextEncoder().encode('console=ttyS0'), 0]);
  });

  it('keeps old (pre-2.02) and low kernels below 0x9a000, as QEMU does', () => {
    const low = plan({ kernel: fakeKernel({ loadflags: 0 }), append: 'x' }, 64 * MiB);
    expect([low.setupAddr, low.cmdlineAddr, low.kernelAddr]).toEqual([0x90000, 0x9a000 - 16, 0x10000]);
    const old = plan({ kernel: fakeKernel({ protocol: 0x201 }) }, 64 * MiB);
    expect([old.setupAddr, old.kernelAddr]).toEqual([0x90000, 0x100000]);
    expect(u16(old.setup, 0x20)).toBe(0xa33f); // the old command-line protocol
    expect(u16(old.setup, 0x22)).toBe(old.cmdlineAddr - 0x90000);
  });

  it('writes vga= as vid_mode', () => {
    expect(u16(plan({ kernel: fakeKernel(), append: 'vga=0x317 quiet' }, 64 * MiB).setup, 0x1fa)).toBe(0x317);
    expect(u16(plan({ kernel: fakeKernel(), append: 'vga=normal' }, 64 * MiB).setup, 0x1fa)).toBe(0xffff);
  });

  it('setup_sects 0 means 4', () => {
    const k = fakeKernel();
    k[0x1f1] = 0;
    expect(plan({ kernel: k }, 64 * MiB).setup.length).toBe(5 * 512);
  });
});

describe('planLinuxLoad: bad input, one line each', () => {
  const problems = (...a: Parameters<typeof planLinuxLoad>) => {
    const p = planLinuxLoad(...a);
    return 'problems' in p ? p.problems : [];
  };
  it('refuses a file without the HdrS signature, a short file and a pre-2.00 protocol', () => {
    expect(problems({ kernel: fakeKernel({ hdrs: false }) }, 64 * MiB)).toEqual([
      'kernel: not a Linux bzImage (no "HdrS" boot-protocol signature at 0x202; multiboot and ELF kernels are not supported)',
    ]);
    expect(problems({ kernel: new Uint8Array(100) }, 64 * MiB)[0]).toMatch(/too short for a Linux bzImage/);
    expect(problems({ kernel: fakeKernel({ protocol: 0x105 }) }, 64 * MiB)).toEqual([
      'kernel: boot protocol 1.05 is too old (2.00 or later is needed)',
    ]);
  });
  it("refuses a command line over the kernel's cmdline_size", () => {
    expect(problems({ kernel: fakeKernel({ cmdlineSize: 8 }), append: 'console=ttyS0' }, 64 * MiB)).toEqual([
      'append: the command line is 13 bytes; this kernel accepts at most 8 (its cmdline_size)',
    ]);
    // Before 2.06 the limit is 255 bytes.
    expect(
      problems({ kernel: fakeKernel({ protocol: 0x205 }), append: 'x'.repeat(256) }, 64 * MiB)[0],
    ).toMatch(/256 bytes; this kernel accepts at most 255/);
  });
  it('refuses an initrd larger than RAM allows, or one that would overlap the kernel', () => {
    expect(problems({ kernel: fakeKernel(), initrd: new Uint8Array(20 * MiB) }, 16 * MiB)[0]).toMatch(
      /^initrd: 20971520 bytes is too large \(this kernel and RAM allow below 0xfd7fff\)$/,
    );
    expect(
      problems({ kernel: fakeKernel({ initSize: 8 * MiB }), initrd: new Uint8Array(8 * MiB) }, 16 * MiB)[0],
    ).toMatch(
      /^initrd: 8388608 bytes does not fit in RAM between the kernel's end \(0x900000\) and 0xfd7fff: more memory is needed$/,
    );
  });
  it('refuses an invalid vga= and a setup that runs past the file', () => {
    expect(problems({ kernel: fakeKernel(), append: 'vga=foo' }, 64 * MiB)[0]).toMatch(/invalid 'vga='/);
    const k = fakeKernel({ pm: 0 });
    k[0x1f1] = 30;
    expect(problems({ kernel: k }, 64 * MiB)[0]).toMatch(/setup_sects 30 runs past the file/);
  });
  it('validateConfig reports them as ConfigError lines, with the config-level checks', () => {
    const bad = (input: Parameters<typeof validateConfig>[0]) => {
      try {
        validateConfig(input);
      } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
      }
      return [];
    };
    expect(bad({ initrd: new Uint8Array(1), append: 'x' })).toEqual([
      'initrd needs a kernel',
      'append (a kernel command line) needs a kernel',
    ]);
    const image = { kind: 'image' as const, image: new Uint8Array(65536), name: 't' };
    expect(bad({ firmware: image, kernel: fakeKernel() })[0]).toMatch(/linuxboot_dma.bin option ROM/);
    expect(bad({ firmware: image, kernel: fakeKernel(), linuxbootRom: new Uint8Array(512) })[0]).toMatch(
      /^linuxbootRom: 512 bytes is not an option ROM/,
    );
    expect(bad({ kernel: fakeKernel({ hdrs: false }) })[0]).toMatch(/^kernel: not a Linux bzImage/);
  });
});

const skipTiny =
  gate('nasm', onPath('nasm'), 'apt-get install nasm') ||
  gate("Debian's SeaBIOS", existsSync(SEABIOS), 'apt-get install seabios') ||
  gate("QEMU's linuxboot_dma.bin", existsSync(LINUXBOOT), 'apt-get install qemu-system-data');
const skipQemu =
  skipTiny || gate('qemu-system-x86_64', onPath('qemu-system-x86_64'), 'apt-get install qemu-system-x86');

const APPEND = 'hello world console=ttyS0';
/** A 100 000-byte initrd with a recognisable pattern. */
const INITRD = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff);

function tinyConfig(kernel: Uint8Array, extra: Partial<MachineConfigInput> = {}): MachineConfigInput {
  return {
    memory: '256M',
    serial: true,
    firmware: { kind: 'image', image: new Uint8Array(readFileSync(SEABIOS)), name: 'bios-256k.bin' },
    kernel,
    initrd: INITRD,
    append: APPEND,
    linuxbootRom: new Uint8Array(readFileSync(LINUXBOOT)),
    ...extra,
  };
}

describe.skipIf(skipTiny)('a tiny bzImage through SeaBIOS + linuxboot_dma.bin', () => {
  it('gets the header QEMU gives it, its command line and initrd, and powers off (ACPI S5)', () => {
    const m = createMachine({ ...tinyConfig(tinyKernel()), trace: ['poweroff', 'acpi-sleep'] });
    const r = m.boot({ maxInstructions: 50_000_000 });
    expect(r.result.reason).toBe('poweroff');
    expect(r.result.goalReached).toBe(true);
    expect(r.result.detail).toBe('the guest entered ACPI S5 (soft off): SLP_TYP 0 with SLP_EN in PM1a_CNT');
    expect(m.events.recorded.map((e) => e.kind)).toEqual(['acpi-sleep', 'poweroff']);
    const line = r.serial!.find((l) => l.includes('TINY:'))!;
    expect(line.slice(line.indexOf('TINY:'))).toBe(
      `TINY: loader=B0 heap_end=FE00 initrd=0FFC7000 size=000186A0 cmdline="${APPEND}"`,
    );
    // What linuxboot_dma.bin copied: the protected-mode part at 0x100000, the initrd where it
    // patched the header to say: (E801 top 0x0FFE0000 - size) & -4096 (pc-bios/optionrom/
    // linuxboot_dma.c load_kernel), not FW_CFG_INITRD_ADDR 0x0FFBF000.
    expect(new TextDecoder().decode(m.memory.readBytes(0x100000, 25))).toBe('VMKIT-TINY-KERNEL-PM-PART');
    expect(m.memory.readBytes(0x0ffc7000, INITRD.length)).toEqual(INITRD);
    // The run is over: running again returns the same stop.
    expect(m.run(1000).reason).toBe('poweroff');
  });

  it('stops on --until text printed on COM1 (mid-line), before the poweroff', () => {
    const m = createMachine(tinyConfig(tinyKernel()));
    const r = m.boot({ until: 'cmdline="hello', maxInstructions: 50_000_000 });
    expect(r.result.reason).toBe('until');
    expect(r.result.detail).toBe('the serial console printed "cmdline="hello"');
    expect(r.result.goalReached).toBe(true);
    expect(m.run(50_000_000).reason).toBe('poweroff');
  });

  it('a kernel that panics: the panic text is on COM1 and the run ends with the instruction budget', () => {
    const m = createMachine(tinyConfig(tinyKernel({ PANIC: '1' })));
    const r = m.boot({ maxInstructions: 20_000_000 });
    expect(r.result.reason).toBe('instruction-budget');
    expect(r.result.goalReached).toBe(false);
    expect(r.serial!.at(-1)).toBe('Kernel panic - not syncing: tiny kernel asked to panic');
  });

  it('keeps a bounded serial window and restores it from a snapshot', () => {
    const cfg = { ...tinyConfig(tinyKernel()), serialWindow: { lines: 1 } };
    const m = createMachine(cfg);
    m.runUntil('TINY:', 50_000_000);
    const snap = m.snapshot();
    const a = m.boot({ maxInstructions: 50_000_000 });
    expect(a.serial!.length).toBe(1);
    const m2 = createMachine(cfg);
    m2.restore(snap);
    const b = m2.boot({ maxInstructions: 50_000_000 });
    expect(b.serial).toEqual(a.serial);
    expect(b.result.instructions).toBe(a.result.instructions);
  });
});

describe.skipIf(skipQemu)('the tiny bzImage under QEMU 7.2 (oracle)', () => {
  it('prints byte-identical COM1 output on vmkit and QEMU (-nodefaults -nographic -kernel/-initrd/-append)', () => {
    const kernel = tinyKernel();
    const dir = mkdtempSync(join(tmpdir(), 'vmkit-tiny-'));
    try {
      writeFileSync(join(dir, 'tiny.bin'), kernel);
      writeFileSync(join(dir, 'initrd'), INITRD);
      const q = qemuSerial({ kernel: join(dir, 'tiny.bin'), initrd: join(dir, 'initrd'), append: APPEND });
      const bytes: number[] = [];
      const m = createMachine(tinyConfig(kernel), { serial: (b) => bytes.push(b) });
      expect(m.boot({ maxInstructions: 50_000_000 }).result.reason).toBe('poweroff');
      expect(q.serial).toContain('TINY: loader=B0');
      expect(String.fromCharCode(...bytes)).toBe(q.serial);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(gate('nasm', onPath('nasm'), 'apt-get install nasm'))('hle firmware: the direct load', () => {
  it('loads the kernel with linuxboot_dma.bin placement and enters the 32-bit boot protocol', () => {
    const m = createMachine({
      memory: '256M',
      serial: true,
      firmware: { kind: 'hle' },
      kernel: tinyKernel(),
      initrd: INITRD,
      append: APPEND,
      trace: ['machine-kernel-entry', 'poweroff'],
    });
    const r = m.boot({ maxInstructions: 10_000_000 });
    expect(r.result.reason).toBe('poweroff');
    expect(r.result.goalReached).toBe(true);
    // The same initrd address the option ROM picks under SeaBIOS (E801 top 0x0FFE0000 − size),
    // the zero page's e820 map (the hle POST's entries) and the command line.
    const n = r.e820.length.toString(16).toUpperCase().padStart(2, '0');
    expect(r.serial).toEqual([
      `TINY32: loader=B0 initrd=0FFC7000 size=000186A0 e820=${n} cmdline="${APPEND}"`,
    ]);
    expect(m.events.recorded.map((e) => e.kind)).toEqual(['machine-kernel-entry', 'poweroff']);
    expect(m.events.recorded[0]).toMatchObject({ entry: 0x100019, initrd: 0x0ffc7000 });
    expect(m.memory.readBytes(0x0ffc7000, INITRD.length)).toEqual(INITRD);
  });
});
