// Loading a Linux bzImage the way QEMU 7.2's `-kernel` does (hw/i386/x86.c x86_load_linux): the
// setup header is read and patched (type_of_loader, CAN_USE_HEAP + heap_end_ptr, cmd_line_ptr,
// ramdisk_image/size, vid_mode for vga=), the file is split into the real-mode setup and the
// protected-mode kernel, and everything is placed at QEMU's addresses. The result is what the
// fw_cfg kernel items carry (@vmkit/fw-cfg addLinuxBootItems) and what the option ROM
// linuxboot_dma.bin (or the TypeScript firmware's direct load) copies into guest RAM.
// Layout of the header: Linux Documentation/arch/x86/boot.rst ("The real-mode kernel header").
// Pure: bytes in, a plan or a list of problems out.

import { type LinuxBootItems, utf8Encode } from '@vmkit/fw-cfg';

const HDRS = 0x53726448; // "HdrS" at 0x202
/** QEMU reads (and patches) the first 8 KiB as "the header". */
const HEADER_BYTES = 8192;
/** QEMU pc machines keep this much below the top of low RAM for ACPI tables (hw/i386/pc.c
 * pc_machine_class_init: acpi_data_size = 0x20000 + 0x8000): the initrd ends below it. */
export const PC_ACPI_DATA_SIZE = 0x20000 + 0x8000;
/** Boot protocol ≥ 2.06 states the command line limit at 0x238; before, it is 255 bytes. */
const OLD_CMDLINE_SIZE = 255;
const XLF_CAN_BE_LOADED_ABOVE_4G = 1 << 1;

export interface LinuxLoadInput {
  kernel: Uint8Array;
  initrd?: Uint8Array;
  /** The kernel command line (QEMU `-append`; empty when not given). */
  append?: string;
}

/** Where each piece goes, with the bytes as the guest must see them: the fw_cfg items
 * (@vmkit/fw-cfg LinuxBootItems: setup with the patched header, kernel, NUL-terminated command line,
 * initrd) plus what the checks used. */
export interface LinuxLoadPlan extends LinuxBootItems {
  /** Boot protocol version (e.g. 0x20f). */
  protocol: number;
  /** The highest address the initrd may end at (QEMU's initrd_max). */
  initrdMax: number;
  /** cmdline_size of this kernel (the longest command line it accepts). */
  cmdlineMax: number;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** The protocol version, or a problem for a file that is not a bzImage QEMU's loader takes. */
function readProtocol(k: Uint8Array): { protocol: number } | { problem: string } {
  if (k.length < 0x264) return { problem: `kernel: ${k.length} bytes is too short for a Linux bzImage` };
  const dv = new DataView(k.buffer, k.byteOffset, k.byteLength);
  if (dv.getUint32(0x202, true) !== HDRS)
    return {
      problem:
        'kernel: not a Linux bzImage (no "HdrS" boot-protocol signature at 0x202; multiboot and ELF kernels are not supported)',
    };
  const protocol = dv.getUint16(0x206, true);
  // QEMU still loads 2.00–2.01 kernels low; zImages (protocol < 2.00, no initrd support, loaded at
  // 0x10000) predate 1996's 2.00 and are refused rather than half-supported.
  if (protocol < 0x200)
    return {
      problem: `kernel: boot protocol ${protocolText(protocol)} is too old (2.00 or later is needed)`,
    };
  return { protocol };
}

function protocolText(p: number): string {
  return `${p >> 8}.${(p & 0xff).toString().padStart(2, '0')}`;
}

/** QEMU's vga= handling: the mode written to vid_mode (0x1FA), or a problem. */
function videoMode(cmdline: string): number | null | { problem: string } {
  const at = cmdline.indexOf('vga=');
  if (at < 0) return null;
  const v = cmdline.slice(at + 4);
  if (v.startsWith('normal')) return 0xffff;
  if (v.startsWith('ext')) return 0xfffe;
  if (v.startsWith('ask')) return 0xfffd;
  const m = /^(0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)(?= |$)/.exec(v);
  if (!m) return { problem: `append: invalid 'vga=' kernel parameter (QEMU refuses it too)` };
  const n = m[1]!.startsWith('0x')
    ? Number.parseInt(m[1]!, 16)
    : Number.parseInt(m[1]!, m[1]!.length > 1 && m[1]!.startsWith('0') ? 8 : 10);
  return n & 0xffff;
}

/**
 * Plan a `-kernel` load into a pc machine whose RAM below 4 GiB is `below4g` bytes. Returns the plan,
 * or every problem found (one line each): not a bzImage, too old, command line over the kernel's
 * cmdline_size, an initrd that does not fit below initrd_addr_max and above the kernel.
 */
export function planLinuxLoad(
  input: LinuxLoadInput,
  below4g: number,
  acpiDataSize = PC_ACPI_DATA_SIZE,
): LinuxLoadPlan | { problems: string[] } {
  const file = input.kernel;
  const p = readProtocol(file);
  if ('problem' in p) return { problems: [p.problem] };
  const { protocol } = p;
  const problems: string[] = [];
  const header = file.slice(0, Math.min(HEADER_BYTES, file.length));
  const dv = new DataView(header.buffer);
  const append = input.append ?? '';
  const cmdBytes = utf8Encode(append);

  // Placement (x86_load_linux): "low" kernels (no LOADED_HIGH) and pre-2.02 ones keep the setup at
  // 0x90000 with the command line below 0x9a000; recent ones use 0x10000 and 0x20000.
  const loadedHigh = (header[0x211]! & 0x01) !== 0;
  const cmdlineSpace = (cmdBytes.length + 16) & ~15; // "align to 16 bytes as a paranoia measure"
  let setupAddr = 0x10000;
  let cmdlineAddr = 0x20000;
  const kernelAddr = loadedHigh ? 0x100000 : 0x10000;
  if (protocol < 0x202 || !loadedHigh) {
    setupAddr = 0x90000;
    cmdlineAddr = 0x9a000 - cmdlineSpace;
  }

  const cmdlineMax = protocol >= 0x206 ? dv.getUint32(0x238, true) : OLD_CMDLINE_SIZE;
  if (cmdBytes.length > cmdlineMax)
    problems.push(
      `append: the command line is ${cmdBytes.length} bytes; this kernel accepts at most ${cmdlineMax} (its cmdline_size)`,
    );

  // The highest initrd address: initrd_addr_max (2.03+), else 0x37ffffff; XLF_CAN_BE_LOADED_ABOVE_4G
  // lifts it to 4 GiB; always capped below the top of low RAM minus the ACPI data area.
  let initrdMax = 0x37ffffff;
  if (protocol >= 0x20c && (dv.getUint16(0x236, true) & XLF_CAN_BE_LOADED_ABOVE_4G) !== 0)
    initrdMax = 0xffffffff;
  else if (protocol >= 0x203) initrdMax = dv.getUint32(0x22c, true);
  if (initrdMax >= below4g - acpiDataSize) initrdMax = below4g - acpiDataSize - 1;

  if (protocol >= 0x202) dv.setUint32(0x228, cmdlineAddr, true);
  else {
    dv.setUint16(0x20, 0xa33f, true); // the old command-line protocol's magic and offset
    dv.setUint16(0x22, cmdlineAddr - setupAddr, true);
  }
  const vga = videoMode(append);
  if (vga !== null && typeof vga === 'object') problems.push(vga.problem);
  else if (vga !== null) dv.setUint16(0x1fa, vga, true);
  header[0x210] = 0xb0; // type_of_loader: 0xB_ is QEMU's, revision 0
  if (protocol >= 0x201) {
    header[0x211] = header[0x211]! | 0x80; // CAN_USE_HEAP
    dv.setUint16(0x224, cmdlineAddr - setupAddr - 0x200, true); // heap_end_ptr
  }

  // Setup: setup_sects (0 means 4) + the boot sector, in 512-byte sectors.
  const setupSects = header[0x1f1] || 4;
  const setupSize = (setupSects + 1) * 512;
  if (setupSize > file.length)
    problems.push(`kernel: invalid header (setup_sects ${setupSects} runs past the file)`);
  const kernel = file.subarray(Math.min(setupSize, file.length));

  let initrdAddr: number | null = null;
  const initrd = input.initrd ?? null;
  if (initrd) {
    // The kernel decompresses in place: it needs init_size (2.10+) bytes from its load address.
    const kernelEnd = kernelAddr + Math.max(kernel.length, protocol >= 0x20a ? dv.getUint32(0x260, true) : 0);
    if (initrd.length >= initrdMax)
      problems.push(
        `initrd: ${initrd.length} bytes is too large (this kernel and RAM allow below ${hex(initrdMax)})`,
      );
    else {
      initrdAddr = (initrdMax - initrd.length) & ~4095;
      if (initrdAddr < kernelEnd)
        problems.push(
          `initrd: ${initrd.length} bytes does not fit in RAM between the kernel's end (${hex(kernelEnd)}) and ${hex(initrdMax)}: more memory is needed`,
        );
      dv.setUint32(0x218, initrdAddr, true);
      dv.setUint32(0x21c, initrd.length, true);
    }
  }
  if (problems.length) return { problems };

  const setup = file.slice(0, setupSize);
  setup.set(header.subarray(0, Math.min(header.length, setupSize)));
  const cmdline = new Uint8Array(cmdBytes.length + 1);
  cmdline.set(cmdBytes);
  return {
    protocol,
    setupAddr,
    setup,
    kernelAddr,
    kernel,
    cmdlineAddr,
    cmdline,
    initrdAddr,
    initrd,
    initrdMax,
    cmdlineMax,
  };
}
