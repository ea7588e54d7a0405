// Makes the problems users report (docs/igd-passthrough.md §8) visible for a given host source,
// plus a CLI-friendly decoder that accepts either an OpRegion or a bare VBT.
import { hex } from './bytes.js';
import type { IgdHostSource } from './host.js';
import { type DecodedOpRegion, decodeOpRegion, formatOpRegion, OPREGION_MBOX4_SIZE } from './opregion.js';
import { type DecodedVbt, decodeVbt, formatVbt } from './vbt.js';

export interface Finding {
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: string;
  readonly message: string;
}

export interface DiagnoseOptions {
  /** Guest firmware: SeaBIOS's intel_igd_setup has class/generation blind spots (docs §4). */
  readonly firmware?: 'seabios' | 'linker' | 'ovmf';
}

/** Lists what will go wrong (or deserves attention) when assigning this IGD. */
export function diagnoseIgd(src: IgdHostSource, opts: DiagnoseOptions = {}): Finding[] {
  const out: Finding[] = [];
  const f = (severity: Finding['severity'], code: string, message: string) =>
    out.push({ severity, code, message });
  const fw = opts.firmware ?? 'seabios';
  const id = src.identity;
  if (src.generation < 0) {
    f(
      'warning',
      'unknown-generation',
      `device id ${hex(id.deviceId, 4)} is not in QEMU's IGD generation table: GMCH/BDSM quirks and etc/igd-bdsm-size (0) are disabled`,
    );
  }
  if (id.classCode >>> 8 === 0x0380) {
    f(
      fw === 'seabios' ? 'error' : 'info',
      'display-class-0380',
      `class ${hex(id.classCode, 6)} (display "other"): SeaBIOS intel_igd_setup only handles class 0x0300, so it allocates no OpRegion and no BDSM for this IGD; use the table-loader fragment or the copy-on-asls policy`,
    );
  }
  if (src.generation >= 11 && fw === 'seabios') {
    f(
      'warning',
      'bdsm-gen11',
      'generation ≥ 11 keeps BDSM in the 64-bit register at 0xC0; SeaBIOS only programs 0x5C, so the guest sees BDSM 0 (the table-loader path fixes it: RESERVE_PCI_MEMORY, executed by the patched SeaBIOS in firmware/seabios)',
    );
  }
  if (fw === 'ovmf')
    f(
      'warning',
      'ovmf',
      'OVMF has no IGD support: nothing copies the OpRegion or programs ASLS/BDSM (use copy-on-asls or a custom option ROM)',
    );
  if (src.configLength < 0x100) {
    f(
      'warning',
      'short-config',
      `config dump has only ${src.configLength} bytes (an unprivileged sysfs read): GMCH, BDSM and ASLS are unknown; read it as root`,
    );
  } else if (src.generation >= 6 && src.stolen && src.stolen.dsmBytes === 0) {
    f(
      'warning',
      'no-stolen-memory',
      'GMS is 0: no stolen data memory; Windows drivers fail without it (set DVMT pre-allocation in the host firmware or use gmsOverride)',
    );
  }
  if (!src.opRegion) {
    f(
      'error',
      'no-opregion',
      'no OpRegion: the guest driver gets no VBT (panel, ports) and no ACPI mailboxes',
    );
  } else {
    const d = decodeOpRegion(src.opRegion);
    for (const p of d.problems.filter((x) => x.severity === 'error')) {
      f('error', 'opregion-invalid', `${p.field} at ${hex(p.offset, 4)}: ${p.message}`);
    }
    if (d.vbtLocation === 'extended' && d.vbt?.header && d.vbt.header.vbtSize > OPREGION_MBOX4_SIZE) {
      f(
        'info',
        'extended-vbt',
        `VBT of ${d.vbt.header.vbtSize} bytes is larger than mailbox 4 (6 KiB): it follows the OpRegion at RVDA 0x2000 (version 2.1); a copy that ignores RVDA/RVDS loses it`,
      );
    }
    if (d.vbtLocation === 'none') f('warning', 'no-vbt', 'the OpRegion carries no VBT');
  }
  if (!src.hostBridge || !src.lpcBridge) {
    f('info', 'no-bridge-ids', 'host bridge / LPC identities unknown: legacy mode is unavailable');
  }
  return out;
}

export type DecodedBlob =
  | { readonly type: 'opregion'; readonly decoded: DecodedOpRegion; readonly text: string }
  | { readonly type: 'vbt'; readonly decoded: DecodedVbt; readonly text: string };

/** Decodes an OpRegion ("IntelGraphicsMem") or a bare VBT ("$VBT"), e.g. for a CLI. */
export function decodeIgdBlob(bytes: Uint8Array): DecodedBlob {
  if (bytes.length >= 4 && bytes[0] === 0x24 && bytes[1] === 0x56 && bytes[2] === 0x42 && bytes[3] === 0x54) {
    const decoded = decodeVbt(bytes);
    return { type: 'vbt', decoded, text: formatVbt(decoded) };
  }
  const decoded = decodeOpRegion(bytes);
  return { type: 'opregion', decoded, text: formatOpRegion(decoded) };
}
