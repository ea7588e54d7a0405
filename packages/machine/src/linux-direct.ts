// The hle firmware's `-kernel` boot: after the TypeScript POST, the machine loads the kernel itself
// (there is no option ROM to run) with the same placement linuxboot_dma.bin uses, and enters it
// through Linux's 32-bit boot protocol (Documentation/arch/x86/boot.rst, "32-bit Boot Protocol"):
// the hle firmware installs no real-mode BIOS services, and Linux's real-mode setup code needs
// them (INT 15h E820, INT 10h), so entering the setup in real mode as linuxboot does would fail
// on the first INT. The 32-bit protocol takes what the setup code would collect from the BIOS in
// the zero page (struct boot_params) instead: the e820 map (from the hle POST), the setup header.

import type { Cpu } from '@vmkit/x86-core';
import type { LinuxLoadPlan } from './linux-load.js';
import type { E820Entry } from './report.js';

/** Where the zero page and the boot GDT go: boot_params at the setup address QEMU uses (its 4 KiB
 * are free once the real-mode setup is not run), the GDT in conventional memory below it. */
const GDT_ADDR = 0x7000;
/** struct boot_params offsets (arch/x86/include/uapi/asm/bootparam.h). */
const BP_ALT_MEM_K = 0x1e0;
const BP_E820_ENTRIES = 0x1e8;
const BP_HDR = 0x1f1;
const BP_E820_TABLE = 0x2d0;
const E820_MAX_ENTRIES_ZEROPAGE = 128;
const MiB = 0x100000;

export interface DirectLoadTarget {
  writeBytes(addr: number, data: Uint8Array): void;
}

/** The RAM top INT 15h E801 reports: the end of the RAM entry holding 1 MiB (below 4 GiB). */
export function e801Top(e820: readonly E820Entry[]): number {
  const ram = e820.find((e) => e.type === 1 && e.start <= MiB && e.end > MiB);
  return Math.min(ram ? ram.end : MiB, 0x1_0000_0000);
}

/** linuxboot_dma.c load_kernel: unless the initrd already ends at initrd_addr_max's page, it goes
 * to the top of E801 memory, page-aligned down. */
export function relocatedInitrd(plan: LinuxLoadPlan, e820: readonly E820Entry[]): number | null {
  if (!plan.initrd || plan.initrdAddr === null) return null;
  const hdr = new DataView(plan.setup.buffer, plan.setup.byteOffset, plan.setup.byteLength);
  const endPage = (plan.initrdAddr + plan.initrd.length) & -4096;
  const maxPage = hdr.getUint32(0x22c, true) & -4096;
  if (endPage !== 0 && maxPage !== 0 && endPage !== maxPage)
    return ((e801Top(e820) - plan.initrd.length) & -4096) >>> 0;
  return plan.initrdAddr;
}

/** The zero page for the 32-bit entry: the patched setup header, the e820 map, alt_mem_k. */
export function bootParams(
  plan: LinuxLoadPlan,
  e820: readonly E820Entry[],
  initrdAddr: number | null,
): Uint8Array {
  const zp = new Uint8Array(4096);
  const dv = new DataView(zp.buffer);
  // The header runs from 0x1f1 to 0x202 + the byte at 0x201 (the setup's jump offset).
  const hdrEnd = Math.min(0x202 + plan.setup[0x201]!, plan.setup.length, 0x1000);
  zp.set(plan.setup.subarray(BP_HDR, hdrEnd), BP_HDR);
  if (initrdAddr !== null) dv.setUint32(0x218, initrdAddr, true);
  const entries = e820.slice(0, E820_MAX_ENTRIES_ZEROPAGE);
  zp[BP_E820_ENTRIES] = entries.length;
  entries.forEach((e, i) => {
    const o = BP_E820_TABLE + i * 20;
    dv.setBigUint64(o, BigInt(e.start), true);
    dv.setBigUint64(o + 8, BigInt(e.end - e.start), true);
    dv.setUint32(o + 16, e.type, true);
  });
  dv.setUint32(BP_ALT_MEM_K, Math.floor((e801Top(e820) - MiB) / 1024), true);
  return zp;
}

/** Flat 4 GiB descriptors at __BOOT_CS (0x10, execute/read) and __BOOT_DS (0x18, read/write). */
function bootGdt(): Uint8Array {
  const gdt = new Uint8Array(32);
  gdt.set([0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0], 0x10);
  gdt.set([0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0], 0x18);
  return gdt;
}

/** Copy the kernel, initrd and command line into RAM and set the CPU at the 32-bit entry. */
export function loadLinuxDirect(
  mem: DirectLoadTarget,
  cpu: Cpu,
  plan: LinuxLoadPlan,
  e820: readonly E820Entry[],
): { initrdAddr: number | null; entry: number } {
  const hdr = new DataView(plan.setup.buffer, plan.setup.byteOffset, plan.setup.byteLength);
  const initrdAddr = relocatedInitrd(plan, e820);
  mem.writeBytes(plan.kernelAddr, plan.kernel);
  if (plan.initrd && initrdAddr !== null) mem.writeBytes(initrdAddr, plan.initrd);
  mem.writeBytes(plan.cmdlineAddr, plan.cmdline);
  mem.writeBytes(plan.setupAddr, bootParams(plan, e820, initrdAddr));
  mem.writeBytes(GDT_ADDR, bootGdt());
  // code32_start: where a loader that does not run the setup enters (the load address for a
  // LOADED_HIGH kernel; QEMU's kernelAddr is the same 0x100000).
  const entry = plan.protocol >= 0x200 ? hdr.getUint32(0x214, true) : plan.kernelAddr;
  const flat = (selector: number, access: number) => ({ selector, base: 0, limit: 0xffffffff, access });
  const data = flat(0x18, 0xc093);
  cpu.setA20(true);
  cpu.setRegisters({
    cr0: 0x00000011, // PE (ET is kept set by the core); paging off
    eflags: 0x2, // interrupts disabled
    eip: entry,
    esi: plan.setupAddr,
    eax: 0,
    ebx: 0,
    ecx: 0,
    edx: 0,
    edi: 0,
    ebp: 0,
    esp: plan.setupAddr, // a stack below the zero page (the kernel sets its own at once)
    segments: { cs: flat(0x10, 0xc09b), ds: data, es: data, ss: data, fs: data, gs: data },
    gdtr: { base: GDT_ADDR, limit: 31 },
    idtr: { base: 0, limit: 0 },
  });
  return { initrdAddr, entry };
}
