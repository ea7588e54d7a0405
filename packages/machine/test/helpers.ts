import { DeviceRegistry } from '@vmkit/device';
import { catalogueSource, igdDeviceType } from '@vmkit/vfio-igd';
import { createMachine as create, type MachineConfigInput, type MachineOptions } from '../src/index.js';

/** What an app does: a registry with the device packages it ships (here the IGD). */
export const registry = new DeviceRegistry([igdDeviceType]);

/** createMachine with the test registry. */
export function createMachine(input: MachineConfigInput, options: MachineOptions = {}) {
  return create(input, { registry, ...options });
}

export const MiB = 1024 * 1024;

export function boot(input: MachineConfigInput) {
  const m = createMachine(input);
  const report = m.boot({ maxInstructions: 50_000_000 });
  return { m, report };
}

export function kbl() {
  return catalogueSource('kbl');
}

/** A 4 KiB BIOS image: `code` at its start (0xFFFFF000, F000:F000 in real mode) and a near jump
 * to it at the reset vector (F000:FFF0). */
export function tinyImage(code: number[]): Uint8Array {
  const img = new Uint8Array(4096);
  img.set(code, 0);
  img.set([0xe9, 0x0d, 0xf0], 0xff0); // jmp 0xf000 (from 0xfff3)
  return img;
}

/** Prints lines of 79 'x' to the debug console (port 0x402) forever. */
export const PRINT_FOREVER = [
  0xba,
  0x02,
  0x04, // mov dx, 0x402
  0xb9,
  0x4f,
  0x00, // outer: mov cx, 79
  0xb0,
  0x78, // mov al, 'x'
  0xee, // inner: out dx, al
  0xe2,
  0xfd, // loop inner
  0xb0,
  0x0a, // mov al, 10
  0xee, // out dx, al
  0xeb,
  0xf3, // jmp outer
];

/** Fills 64 KiB at 0x10000 with 819 lines of 79 'x', then prints them with REP OUTSB forever
 * (about 3.4 MB of debug-console output per 1 000 instructions: a REP counts once). */
export const PRINT_FAST_FOREVER = [
  0xb8,
  0x00,
  0x10, // mov ax, 0x1000
  0x8e,
  0xc0, // mov es, ax
  0x8e,
  0xd8, // mov ds, ax
  0x31,
  0xff, // xor di, di
  0xb0,
  0x78, // mov al, 'x'
  0xb9,
  0xff,
  0xff, // mov cx, 0xffff
  0xf3,
  0xaa, // rep stosb
  0xbf,
  0x4f,
  0x00, // mov di, 79
  0xb9,
  0x33,
  0x03, // mov cx, 819
  0xc6,
  0x05,
  0x0a, // l: mov byte [di], 10
  0x83,
  0xc7,
  0x50, // add di, 80
  0xe2,
  0xf8, // loop l
  0xba,
  0x02,
  0x04, // mov dx, 0x402
  0x31,
  0xf6, // outer: xor si, si
  0xb9,
  0xf0,
  0xff, // mov cx, 65520
  0xf3,
  0x6e, // rep outsb
  0xeb,
  0xf7, // jmp outer
];

/** Selects 00:00.0 register 0 and reads PCI config data (0xCFC) forever. */
export const PCI_READ_FOREVER = [
  0x66,
  0xb8,
  0x00,
  0x00,
  0x00,
  0x80, // mov eax, 0x80000000
  0xba,
  0xf8,
  0x0c, // mov dx, 0xcf8
  0x66,
  0xef, // out dx, eax
  0xba,
  0xfc,
  0x0c, // mov dx, 0xcfc
  0x66,
  0xed, // loop: in eax, dx
  0xeb,
  0xfc, // jmp loop
];
