// Issue 16, part 1: vmkit's patched SeaBIOS (firmware/seabios, CONFIG_INTEL_IGD_SETUP=n, so the
// table-loader is the only IGD path) on vmkit with --linker, for every catalogue model under every
// OpRegion policy: ASLS and BDSM (0x5C, or the 64-bit 0xC0 on Gen11+) programmed from
// WRITE_PCI_CONFIG / RESERVE_PCI_MEMORY, the OpRegion valid in guest memory, both regions reserved
// in e820 — and the same guest-visible result as the TypeScript firmware (seabios-port, same
// commands, intel_igd_setup off).
import { CATALOGUE, catalogueSource, type IgdPciDevice, OPREGION_POLICIES } from '@vmkit/vfio-igd';
import { describe, expect, it } from 'vitest';
import { createMachine } from './helpers.js';
import { bootImage, haveLinkerBios, LINKER_BIOS } from './seabios-linker-helpers.js';

const MiB = 1 << 20;
const hex8 = (n: number) => n.toString(16).padStart(8, '0');

describe.skipIf(!haveLinkerBios)('patched SeaBIOS, linker only, every model × policy', () => {
  for (const model of CATALOGUE) {
    for (const policy of OPREGION_POLICIES) {
      it(`${model.key} × ${policy}`, () => {
        const source = catalogueSource(model.key);
        const host = source.opRegion!.slice();
        const igd = { source, policy, linker: true };
        const { m, report } = bootImage(LINKER_BIOS, { igd });
        const g = report.igd!;
        expect(report.result.reason).toBe('boot-attempted');
        // intel_igd_setup is compiled out: everything below came from etc/table-loader.
        expect(report.log.filter((l) => l.startsWith('Intel IGD'))).toEqual([]);
        expect(report.log).toContain(
          `table-loader: WRITE_PCI_CONFIG: 00:02.0 cfg 0xfc (4 bytes) = 0x${g.asls.toString(16)}`,
        );
        expect(g.asls % 4096).toBe(0);
        expect(g.guestOpregionValid).toBe(true);
        expect(m.memory.readBytes(g.asls, host.length)).toEqual(host);
        expect(g.opregionReserved).toBe(true);
        const igdPci = m.devices.find((d) => d.type.driver === 'vfio-igd')!.device.pci as IgdPciDevice;
        const bdsmReg = igdPci.regs.bdsmOffset;
        if (bdsmReg < 0) {
          // Meteor Lake and later have no BDSM register: no reservation is published.
          expect(g.bdsm).toBe(0);
          expect(report.log.some((l) => l.includes('RESERVE_PCI_MEMORY'))).toBe(false);
        } else {
          expect(bdsmReg).toBe(source.generation >= 11 ? 0xc0 : 0x5c);
          const width = bdsmReg === 0xc0 ? 8 : 4;
          expect(report.log).toContain(
            `table-loader: RESERVE_PCI_MEMORY: 00:02.0 cfg 0x${bdsmReg.toString(16)} (${width} bytes) = 0x${g.bdsm.toString(16)}`,
          );
          expect(report.log).toContain(
            `table-loader: RESERVE_PCI_MEMORY: 0x${g.bdsmSize.toString(16)} bytes at 0x${hex8(g.bdsm)}, reserved in e820`,
          );
          expect(g.bdsm).toBeGreaterThan(0);
          expect(g.bdsm % MiB).toBe(0);
          expect(g.bdsmSize).toBe(Number(source.stolen!.dsmBytes));
          expect(g.bdsmReserved).toBe(true);
          // The guest reads the register the generation defines; the other one stays 0.
          const cfg = (o: number) => igdPci.configRead(o, 4) >>> 0;
          if (width === 8) expect([cfg(0xc0), cfg(0xc4), cfg(0x5c)]).toEqual([g.bdsm, 0, 0]);
          else expect(cfg(0x5c)).toBe(g.bdsm);
        }
        // The TypeScript firmware running the same table-loader gives the same guest-visible result.
        const hle = createMachine({ firmware: { kind: 'hle', options: { igdSetup: false } }, igd }).boot();
        expect(g).toEqual(hle.igd);
        expect(report.e820).toEqual(hle.e820);
        expect(report.pci).toEqual(hle.pci);
      });
    }
  }
});
