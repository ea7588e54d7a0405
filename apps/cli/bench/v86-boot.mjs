// Boot runner for boot.bench.mjs: boots a SeaBIOS image in v86 (npm `v86`, x86-to-wasm JIT) in this
// fresh Node process and copies SeaBIOS's debug log (port 0x402) to stdout as it arrives, so the
// parent can time process start -> "No bootable device." exactly as it does for the CLI and QEMU.
//   node apps/cli/bench/v86-boot.mjs <bios.bin> [memory MiB, default 128 like the QEMU run] [--no-jit]
// (--no-jit: v86's `disable_jit`, interpreter only; for SeaBIOS's mostly run-once code it is faster,
// as the JIT's wasm compilation does not pay off.)
// Checked against v86's source (copy/v86):
// - src/cpu.js load_bios: `bios.buffer` is copied to 1 MiB - size (bios-256k.bin: 0xC0000-0xFFFFF)
//   and the low 1 MiB is mirrored at 0xFFF00000, so the reset vector and SeaBIOS's high-flash copy
//   (make_bios_writable) both find the image.
// - src/cpu.js init: fw_cfg on 0x510/0x511 answers the "QEMU" signature, RAM size, CPU count and an
//   empty file directory (no etc/e820, no DMA interface), so SeaBIOS takes its "[cmos]" RAM size.
// - src/pci.js: v86's 82441FX host bridge has subsystem id 0000:0000, not QEMU's 1af4:1100, so
//   SeaBIOS's qemu_detect (src/fw/paravirt.c) does not set PF_QEMU ("Running on QEMU (i440fx)" is
//   absent): qemu_cfg_init then skips fw_cfg's files (ACPI tables, bootorder, …), SeaBIOS builds
//   its own PIR/MPTABLE/SMBIOS, has no ACPI PM timer and calibrates the TSC on the PIT instead.
// - v86 hooks 0x402 (write only) in its debug build alone. SeaBIOS's qemu_debug_preinit keeps
//   logging to 0x402 only if a READ of that port returns 0xE9 (QEMU hw/char/debugcon.c readback),
//   so the runner hooks both directions, as QEMU's isa-debugcon does; without the readback the log
//   stops after "No Xen hypervisor found." while the boot carries on silently.
// - The machine is v86's fixed PC (src/cpu.js init): i440FX + PIIX3, VGA (no VGA BIOS given), PS/2,
//   UART, floppy controller, IDE with an empty ATAPI CD-ROM, NE2000. It cannot be reduced to QEMU's
//   `-nodefaults` set, so SeaBIOS also tries the CD-ROM and the floppy before giving up.
import { readFileSync } from 'node:fs';
import { V86 } from 'v86';

const args = process.argv.slice(2);
const noJit = args.includes('--no-jit');
const [biosPath, memArg] = args.filter((a) => a !== '--no-jit');
if (biosPath === undefined) {
  console.error('usage: node v86-boot.mjs <bios.bin> [memory MiB] [--no-jit]');
  process.exit(2);
}
const bytes = readFileSync(biosPath);
const bios = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
const emulator = new V86({
  wasm_path: new URL('v86.wasm', import.meta.resolve('v86')).pathname,
  bios: { buffer: bios },
  memory_size: Number(memArg ?? 128) * 1024 * 1024,
  autostart: true,
  disable_keyboard: true,
  disable_mouse: true,
  disable_speaker: true,
  disable_jit: noJit,
});
emulator.add_listener('emulator-ready', () => {
  const io = emulator.v86.cpu.io;
  const device = { name: 'vmkit-bench-debugcon' };
  io.register_read(0x402, device, () => 0xe9);
  // Line-buffered: one write per log line (SeaBIOS's last line, "No bootable device.", ends in \n).
  // The final line carries, in the same write, v86's instruction counter and when (ms since this
  // process started, performance.now) the first log byte and the final line came, for the report.
  let line = '';
  let firstByteMs = -1;
  io.register_write(0x402, device, (b) => {
    if (firstByteMs < 0) firstByteMs = performance.now();
    line += String.fromCharCode(b & 0xff);
    if (b === 10) {
      if (line.includes('No bootable device.')) {
        const n = emulator.get_instruction_counter();
        const ms = performance.now();
        line += `v86-stats instructions=${n} first-log-ms=${firstByteMs.toFixed(0)} done-ms=${ms.toFixed(0)}\n`;
      }
      process.stdout.write(line);
      line = '';
    }
  });
});
