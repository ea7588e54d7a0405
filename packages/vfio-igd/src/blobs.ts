// What the VMM publishes through fw_cfg (QEMU hw/vfio/igd.c): etc/igd-opregion (byte-exact copy of
// the OpRegion as vfio presents it) and etc/igd-bdsm-size (u64 LE, stolen data memory size; 0 when
// unknown or when the device has no BDSM register — Meteor Lake and later). Blobs only: the
// machine adds them to its fw_cfg device.
import { igdOpRegionLoaderFragment, LinkerBuilder, type LinkerCommand, parseBdf } from '@vmkit/bios-linker';
import { put64 } from './bytes.js';
import type { IgdHostSource } from './host.js';
import type { IgdVirtualRegisters } from './virtual-regs.js';

export const IGD_OPREGION_FILE = 'etc/igd-opregion';
export const IGD_BDSM_SIZE_FILE = 'etc/igd-bdsm-size';

export function igdBdsmSizeBlob(bytes: number | bigint): Uint8Array {
  const v = BigInt(bytes);
  if (v < 0n || v > 0xffffffffffffffffn) throw new Error(`etc/igd-bdsm-size: ${v} is not a u64`);
  const out = new Uint8Array(8);
  put64(out, 0, v);
  return out;
}

export interface IgdFwCfgFile {
  readonly name: string;
  readonly data: Uint8Array;
}

/**
 * The fw_cfg files for a device. `regs` (optional) supplies the effective stolen size after a GMS
 * override and the BDSM presence; otherwise the host source's facts are used.
 */
export function igdFwCfgFiles(source: IgdHostSource, regs?: IgdVirtualRegisters): IgdFwCfgFile[] {
  const files: IgdFwCfgFile[] = [];
  if (source.opRegion) files.push({ name: IGD_OPREGION_FILE, data: source.opRegion.slice() });
  const hasBdsm = regs ? regs.bdsmOffset >= 0 : source.generation >= 6;
  const size = hasBdsm ? (regs ? regs.stolen.dsmBytes : (source.stolen?.dsmBytes ?? 0)) : 0;
  files.push({ name: IGD_BDSM_SIZE_FILE, data: igdBdsmSizeBlob(size) });
  return files;
}

export interface LinkerFragmentOptions {
  /** Guest BDF text, default "00:02.0". */
  readonly bdf?: string;
  /** Publish the OpRegion commands (default true; false when there is no etc/igd-opregion). */
  readonly opregion?: boolean;
  /**
   * Stolen memory: the BDSM register (0x5C, 32-bit, Gen6–10; 0xC0, 64-bit, Gen11+ — see
   * `bdsmOffset`) and the size to reserve (etc/igd-bdsm-size). Omitted, or size 0: no command.
   */
  readonly bdsm?: { readonly offset: number; readonly size: number | bigint };
}

/** BDSM is 1 MiB granular (bits 31:20 / 63:20); SeaBIOS intel_igd_setup aligns it to 1 MiB too. */
export const BDSM_ALIGN = 1024 * 1024;

/**
 * Table-loader commands so firmware that executes etc/table-loader needs no IGD code:
 * ALLOCATE(etc/igd-opregion, 4096, HIGH) + WRITE_PCI_CONFIG(etc/igd-opregion → bdf cfg 0xFC, 4),
 * and with `bdsm` RESERVE_PCI_MEMORY(size, 1 MiB → bdf cfg 0x5C as 4 bytes, or 0xC0 as 8).
 * Uses @vmkit/bios-linker's igdOpRegionLoaderFragment and LinkerBuilder.
 */
export function linkerFragment(opts: LinkerFragmentOptions = {}): LinkerCommand[] {
  const bdf = opts.bdf ?? '00:02.0';
  const out: LinkerCommand[] =
    opts.opregion === false
      ? []
      : igdOpRegionLoaderFragment({
          bdf,
          file: IGD_OPREGION_FILE,
          align: 4096,
          configOffset: 0xfc,
          width: 4,
        });
  const b = opts.bdsm;
  if (b && BigInt(b.size) > 0n) {
    const { bdf: n, segment } = parseBdf(bdf);
    const lb = new LinkerBuilder().reservePciMemory({
      size: b.size,
      align: BDSM_ALIGN,
      bdf: n,
      segment,
      configOffset: b.offset,
      width: b.offset === 0xc0 ? 8 : 4,
    });
    out.push(...lb.commands());
  }
  return out;
}
