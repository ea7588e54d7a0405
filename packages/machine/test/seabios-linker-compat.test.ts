// Issue 16, part 2: backward compatibility both ways, and bad table-loader input, with vmkit's
// patched SeaBIOS (firmware/seabios) next to Debian's stock binary.
//  - patched (intel_igd_setup kept) without --linker ≈ stock on vmkit: same log apart from the
//    build and ROM-layout lines, same IGD result, e820 and BARs;
//  - patched on QEMU 7.2 (which publishes no vmkit commands) ≈ stock on QEMU 7.2, same rule;
//  - stock on vmkit with --linker skips the new commands and still does its own setup;
//  - bad commands (missing device, register not writable, unsatisfiable reservation) are logged
//    and skipped, the rest of the script runs, the guest boots — as the TypeScript firmware does.

import { existsSync } from 'node:fs';
import {
  decodeLoader,
  encodeLoader,
  formatLoader,
  isPaddingCommand,
  type LinkerCommand,
  type ReservePciMemoryCommand,
  type WritePciConfigCommand,
} from '@vmkit/bios-linker';
import { catalogueSource } from '@vmkit/vfio-igd';
import { describe, expect, it } from 'vitest';
import type { MachineConfigInput } from '../src/index.js';
import { createMachine } from './helpers.js';
import {
  bootImage,
  haveLinkerBios,
  image,
  LINKER_BIOS,
  LINKER_IGD_BIOS,
  QEMU,
  qemuLog,
  STOCK_BIOS,
  unexplainedDiff,
} from './seabios-linker-helpers.js';

describe.skipIf(!haveLinkerBios)('patched SeaBIOS: backward compatibility', () => {
  for (const key of ['kbl', 'tgl']) {
    it(`${key}: patched (with intel_igd_setup) without --linker behaves like stock SeaBIOS on vmkit`, () => {
      const igd = { source: catalogueSource(key) };
      const stock = bootImage(STOCK_BIOS, { igd }).report;
      const patched = bootImage(LINKER_IGD_BIOS, { igd }).report;
      expect(patched.log.some((l) => l.startsWith('Intel IGD OpRegion enabled'))).toBe(true);
      expect(unexplainedDiff(stock.log, patched.log)).toEqual([]);
      expect(patched.igd).toEqual(stock.igd);
      expect(patched.e820).toEqual(stock.e820);
      expect(patched.pci).toEqual(stock.pci);
    });
  }

  it('the linker-only build has no intel_igd_setup: without --linker nothing programs ASLS or BDSM', () => {
    const { report } = bootImage(LINKER_BIOS, { igd: { source: catalogueSource('kbl') } });
    expect(report.result.reason).toBe('boot-attempted');
    expect(report.log.some((l) => /Intel IGD|table-loader:/.test(l))).toBe(false);
    expect([report.igd!.asls, report.igd!.bdsm]).toEqual([0, 0]);
  });

  it('stock Debian SeaBIOS with --linker skips the new commands and still does its own setup', () => {
    for (const key of ['kbl', 'tgl']) {
      const igd = { source: catalogueSource(key), linker: true };
      const { m, report } = bootImage(STOCK_BIOS, { igd });
      const loader = decodeLoader(m.fwCfg.getFile('etc/table-loader')!).commands.map((c) => c.kind);
      expect(loader).toContain('write-pci-config');
      expect(loader).toContain('reserve-pci-memory');
      expect(report.log.some((l) => l.startsWith('table-loader:'))).toBe(false);
      const g = report.igd!;
      expect(report.log).toContain(
        `Intel IGD OpRegion enabled at 0x${g.asls.toString(16).padStart(8, '0')}, size ${g.opregionSize >> 10}KB, dev 00:02.0`,
      );
      expect(g.guestOpregionValid && g.opregionReserved).toBe(true);
      // intel_igd_setup writes the 32-bit 0x5C only: Kaby Lake gets stolen memory, Tiger Lake does not.
      expect(g.bdsm > 0).toBe(key === 'kbl');
      const hle = createMachine({
        firmware: { kind: 'hle', options: { tableLoader: 'seabios-1.16' } },
        igd,
      }).boot();
      expect(g).toEqual(hle.igd);
      expect(report.e820).toEqual(hle.e820);
    }
  });
});

describe.skipIf(!haveLinkerBios || !existsSync(QEMU))('patched SeaBIOS on QEMU 7.2 (live)', () => {
  it('prints the same debug log as Debian’s stock binary apart from build and ROM-layout lines', async () => {
    const stock = await qemuLog(STOCK_BIOS);
    expect(stock.at(-1)).toBe('No bootable device.');
    for (const bios of [LINKER_BIOS, LINKER_IGD_BIOS]) {
      const patched = await qemuLog(bios);
      expect(patched[0]).toBe('SeaBIOS (version 1.16.2-debian-1.16.2-1+vmkit-linker)');
      expect(unexplainedDiff(stock, patched)).toEqual([]);
    }
  }, 120_000);
});

/** The machine's own table-loader with `extra` commands before its IGD commands. */
function withBadCommands(input: MachineConfigInput, extra: LinkerCommand[]) {
  const m = createMachine(input);
  const cmds = decodeLoader(m.fwCfg.getFile('etc/table-loader')!).commands.filter(
    (c) => !isPaddingCommand(c),
  );
  const first = cmds.findIndex((c) => c.kind === 'write-pci-config');
  cmds.splice(first, 0, ...extra);
  const bytes = encodeLoader(cmds);
  const padded = new Uint8Array(Math.ceil(bytes.length / 4096) * 4096);
  padded.set(bytes);
  m.fwCfg.setFile('etc/table-loader', padded);
  return { m, script: padded };
}

describe.skipIf(!haveLinkerBios)(
  'bad vmkit commands: logged and skipped, the rest runs, the guest boots',
  () => {
    const MiB = 1 << 20;
    const wpc = (bdf: number, configOffset: number): WritePciConfigCommand => ({
      kind: 'write-pci-config',
      file: 'etc/igd-opregion',
      srcOffset: 0,
      segment: 0,
      bdf,
      configOffset,
      width: 4,
    });
    const rpm = (bdf: number, configOffset: number, size: bigint, width = 4): ReservePciMemoryCommand => ({
      kind: 'reserve-pci-memory',
      size,
      align: MiB,
      flags: 0,
      segment: 0,
      bdf,
      configOffset,
      width,
    });
    const cases: Array<[string, LinkerCommand, RegExp]> = [
      [
        'WRITE_PCI_CONFIG → missing device',
        wpc(0x28, 0xfc),
        /^table-loader: WRITE_PCI_CONFIG: no device at 00:05\.0, skipped$/,
      ],
      [
        'RESERVE_PCI_MEMORY → missing device',
        rpm(0x28, 0x5c, 64n * BigInt(MiB)),
        /^table-loader: RESERVE_PCI_MEMORY: no device at 00:05\.0, skipped$/,
      ],
      [
        'WRITE_PCI_CONFIG → register not writable',
        wpc(0x10, 0x00),
        /^table-loader: WRITE_PCI_CONFIG: 00:02\.0 cfg 0x0 is not writable \(wrote 0x[0-9a-f]+, reads 0x[0-9a-f]+\)$/,
      ],
      [
        'RESERVE_PCI_MEMORY → register not writable (memory given back)',
        rpm(0x10, 0x00, 64n * BigInt(MiB)),
        /^table-loader: RESERVE_PCI_MEMORY: 00:02\.0 cfg 0x0 is not writable/,
      ],
      [
        'RESERVE_PCI_MEMORY → cannot be satisfied (3 GiB on a 128 MiB guest)',
        rpm(0x10, 0xc0, 3n << 30n, 8),
        /^table-loader: RESERVE_PCI_MEMORY: cannot reserve 0xc0000000 bytes \(align 0x100000\) below 4GiB, skipped$/,
      ],
    ];
    for (const [name, cmd, line] of cases) {
      it(name, () => {
        const input: MachineConfigInput = { igd: { source: catalogueSource('kbl'), linker: true } };
        const real = withBadCommands(
          { ...input, firmware: { kind: 'image', image: image(LINKER_BIOS), name: LINKER_BIOS } },
          [cmd],
        );
        expect(formatLoader(real.script)).toContain(
          name.startsWith('WRITE') ? 'WRITE_PCI_CONFIG' : 'RESERVE_PCI_MEMORY',
        );
        const report = real.m.boot({ maxInstructions: 60_000_000 });
        expect(report.result.reason).toBe('boot-attempted');
        expect(report.log.filter((l) => line.test(l))).toHaveLength(1);
        // The good commands after it still ran: ASLS and BDSM programmed, both reserved.
        const g = report.igd!;
        expect(g.guestOpregionValid && g.opregionReserved && g.bdsmReserved).toBe(true);
        expect(g.bdsm).toBeGreaterThan(0);
        // As if the bad entry were not there: nothing leaked (a refused reservation is given back).
        const clean = createMachine({
          ...input,
          firmware: { kind: 'hle', options: { igdSetup: false } },
        }).boot();
        expect(g).toEqual(clean.igd);
        expect(report.e820).toEqual(clean.e820);
        // The TypeScript firmware, given the same script, ends in the same guest-visible state.
        const hle = withBadCommands({ ...input, firmware: { kind: 'hle', options: { igdSetup: false } } }, [
          cmd,
        ]);
        const h = hle.m.boot();
        expect(g).toEqual(h.igd);
        expect(report.e820).toEqual(h.e820);
      });
    }
  },
);
