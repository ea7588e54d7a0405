// End-to-end: the real Debian SeaBIOS 1.16.2 in a real QEMU 7.2 (`-machine pc,acpi=off`, so QEMU
// publishes no ACPI files of its own) is given OUR etc/acpi/tables, etc/acpi/rsdp and
// etc/table-loader through -fw_cfg. Its debug log (isa-debugcon 0x402) must show that it executed
// the loader, found the FADT through the RSDT, parsed our DSDT and — because the DSDT lists a
// PNP0303 device — initialised the PS/2 keyboard. A DSDT without PNP0303 must make it skip the
// keyboard (ps2port_setup: acpi_dsdt_present_eisaid(0x0303) == 0), proving the parse is real.
// Skipped when qemu-system-x86_64 is not installed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeLoader } from '@vmkit/bios-linker';
import { describe, expect, it } from 'vitest';
import { buildPcAcpi } from '../src/index.js';

const QEMU = ['/usr/bin/qemu-system-x86_64', '/usr/bin/qemu-system-i386'].find((p) => existsSync(p));

function runSeaBios(tables: Uint8Array, rsdp: Uint8Array, loader: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'vmkit-acpi-'));
  try {
    writeFileSync(join(dir, 'tables'), tables);
    writeFileSync(join(dir, 'rsdp'), rsdp);
    const padded = new Uint8Array(Math.ceil(loader.length / 4096) * 4096);
    padded.set(loader);
    writeFileSync(join(dir, 'loader'), padded);
    const log = join(dir, 'log');
    spawnSync(
      QEMU as string,
      [
        '-M',
        'pc,acpi=off',
        '-nodefaults',
        '-m',
        '128',
        '-display',
        'none',
        '-no-reboot',
        '-chardev',
        `file,id=dbg,path=${log}`,
        '-device',
        'isa-debugcon,iobase=0x402,chardev=dbg',
        '-fw_cfg',
        `name=etc/acpi/tables,file=${join(dir, 'tables')}`,
        '-fw_cfg',
        `name=etc/acpi/rsdp,file=${join(dir, 'rsdp')}`,
        '-fw_cfg',
        `name=etc/table-loader,file=${join(dir, 'loader')}`,
      ],
      { timeout: 6000, stdio: 'ignore' },
    );
    return existsSync(log) ? readFileSync(log, 'latin1') : '';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!QEMU)('real SeaBIOS 1.16.2 on QEMU consumes our tables', () => {
  const acpi = buildPcAcpi({ ramSize: 128 << 20, below4g: 128 << 20, above4g: 0, cpus: 1 });
  const dsdt = acpi.tables.find((t) => t.signature === 'DSDT');

  it('links them, parses the DSDT and finds the PS/2 keyboard', () => {
    const log = runSeaBios(acpi.files[0].data, acpi.files[1].data, encodeLoader(acpi.loader));
    expect(log).toContain('SeaBIOS (version 1.16.2');
    expect(log).toMatch(/table\(50434146\)=0x[0-9a-f]+ \(via rsdt\)/); // FACP found via our RSDT
    expect(log).toContain(`ACPI: parse DSDT at 0x`);
    expect(log).toContain(`(len ${dsdt?.length})`);
    expect(log).toContain('PS2 keyboard initialized');
    expect(log).not.toMatch(/WARNING|internal error/i);
  }, 20_000);

  it('skips the keyboard when the DSDT has no PNP0303 (negative control)', () => {
    const tables = acpi.files[0].data.slice();
    const d = tables.subarray(dsdt?.offset ?? 0, (dsdt?.offset ?? 0) + (dsdt?.length ?? 0));
    const i = d.findIndex(
      (_, k) => d[k] === 0x0c && d[k + 1] === 0x41 && d[k + 2] === 0xd0 && d[k + 3] === 3 && d[k + 4] === 3,
    );
    d[i + 4] = 0x04; // PNP0303 → PNP0304 (the loader recomputes the checksum)
    const log = runSeaBios(tables, acpi.files[1].data, encodeLoader(acpi.loader));
    expect(log).toContain('ACPI: parse DSDT at 0x');
    expect(log).not.toContain('PS2 keyboard initialized');
  }, 20_000);
});
