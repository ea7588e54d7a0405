// What a blob looks like, so a decoder given the wrong kind of file can say so ("it looks like an
// Intel OpRegion") instead of listing every byte it disagrees with. Signatures: VBT and OpRegion
// (vbt.ts, opregion.ts); PCI option ROM (PCI Firmware Spec 3.0 §5.1: 55 AA, PCIR structure pointer
// at 0x18); x86 system BIOS (a reset vector far jump, EA, 16 bytes below the end of a 64 KiB-multiple
// image); bios-linker-loader scripts (@vmkit/bios-linker decodeLoader); lspci -x text and binary PCI
// config images (host.ts); ELF and gzip magic numbers.
import { decodeLoader } from '@vmkit/bios-linker';
import { bytesEqual, hex, u16, u32 } from './bytes.js';
import { OPREGION_SIGNATURE } from './opregion.js';
import { VBT_SIGNATURE } from './vbt.js';

export type BlobKind =
  | 'vbt'
  | 'opregion'
  | 'option-rom'
  | 'bios-image'
  | 'linker-script'
  | 'lspci-text'
  | 'pci-config'
  | 'elf'
  | 'gzip'
  | 'text'
  | 'zeros'
  | 'empty'
  | 'unknown';

export interface BlobIdentity {
  readonly kind: BlobKind;
  /** "an Intel OpRegion (…)": reads after "it looks like". */
  readonly description: string;
  /** Offset of a "$VBT" signature found inside a larger blob (option ROM, BIOS image, …). */
  readonly vbtOffset?: number;
}

function findAscii(b: Uint8Array, s: string, limit = b.length): number {
  const end = Math.min(limit, b.length) - s.length;
  for (let i = 0; i <= end; i++) if (bytesEqual(b, i, s)) return i;
  return -1;
}

function vbtNote(at: number): string {
  return at >= 0 ? `, with a VBT at offset ${hex(at, 4)}` : '';
}

function optionRom(b: Uint8Array, vbtAt: number): BlobIdentity | undefined {
  if (b.length < 0x1a || b[0] !== 0x55 || b[1] !== 0xaa) return undefined;
  const pcir = u16(b, 0x18);
  const ids =
    pcir + 8 <= b.length && bytesEqual(b, pcir, 'PCIR')
      ? ` for PCI ${u16(b, pcir + 4)
          .toString(16)
          .padStart(4, '0')}:${u16(b, pcir + 6)
          .toString(16)
          .padStart(4, '0')}`
      : '';
  return {
    kind: 'option-rom',
    description: `a PCI option ROM (55 AA signature${ids}${vbtNote(vbtAt)})`,
    ...(vbtAt >= 0 ? { vbtOffset: vbtAt } : {}),
  };
}

function biosImage(b: Uint8Array, vbtAt: number, whole?: WholeFile): BlobIdentity | undefined {
  const n = whole?.size ?? b.length;
  const jmp = whole ? whole.last16?.[0] : b[n - 16];
  if (n < 0x10000 || n % 0x10000 !== 0 || jmp !== 0xea) return undefined;
  return {
    kind: 'bios-image',
    description: `an x86 system BIOS image (${n / 1024} KiB, reset vector far jump at ${hex(n - 16, 5)}${vbtNote(vbtAt)})`,
    ...(vbtAt >= 0 ? { vbtOffset: vbtAt } : {}),
  };
}

function linkerScript(b: Uint8Array): BlobIdentity | undefined {
  if (b.length === 0 || b.length % 128 !== 0 || u32(b, 0) < 1 || u32(b, 0) > 5) return undefined;
  const d = decodeLoader(b);
  if (d.errors.length || d.commands.length === 0) return undefined;
  return {
    kind: 'linker-script',
    description: `a bios-linker-loader script (etc/table-loader, ${d.commands.length} command${d.commands.length === 1 ? '' : 's'})`,
  };
}

function isText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 4096);
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c < 0x09 || (c > 0x0d && c < 0x20) || c === 0x7f) return false;
  }
  return true;
}

function textKind(b: Uint8Array): BlobIdentity {
  let first = '';
  for (let i = 0; i < b.length && b[i] !== 0x0a && first.length < 40; i++) first += String.fromCharCode(b[i]);
  const text = String.fromCharCode(...b.subarray(0, Math.min(b.length, 8192)));
  if (/^[0-9a-f]{2,3}: ([0-9a-f]{2} ){15}[0-9a-f]{2}\s*$/im.test(text))
    return { kind: 'lspci-text', description: 'lspci -x hex dump text (a PCI config space dump)' };
  return { kind: 'text', description: `text (first line "${first.trim()}")` };
}

function pciConfig(b: Uint8Array): BlobIdentity | undefined {
  if (b.length !== 64 && b.length !== 256 && b.length !== 4096) return undefined;
  const vendor = u16(b, 0);
  const headerType = b[0x0e] & 0x7f;
  if (vendor === 0 || vendor === 0xffff || headerType > 2) return undefined;
  const cls = (u32(b, 8) >>> 8).toString(16).padStart(6, '0');
  return {
    kind: 'pci-config',
    description: `a PCI config space image (${b.length} bytes, ${vendor.toString(16).padStart(4, '0')}:${u16(b, 2).toString(16).padStart(4, '0')}, class ${cls})`,
  };
}

/** For a blob too large to hold: its real size and its last 16 bytes (where a reset vector sits). */
export interface WholeFile {
  readonly size: number;
  readonly last16?: Uint8Array;
}

/**
 * Says what `bytes` look like. `bytes` may be only the head of a larger file (`whole` then gives the
 * file's size and tail). Never throws.
 */
export function identifyBlob(bytes: Uint8Array, whole?: WholeFile): BlobIdentity {
  if (bytes.length === 0) return { kind: 'empty', description: 'an empty file' };
  if (bytesEqual(bytes, 0, VBT_SIGNATURE))
    return { kind: 'vbt', description: 'a Video BIOS Table ("$VBT" signature)' };
  if (bytesEqual(bytes, 0, OPREGION_SIGNATURE))
    return { kind: 'opregion', description: 'an Intel OpRegion ("IntelGraphicsMem" signature)' };
  const vbtAt = findAscii(bytes, VBT_SIGNATURE, 1 << 20);
  const found =
    optionRom(bytes, vbtAt) ??
    biosImage(bytes, vbtAt, whole) ??
    (whole ? undefined : (linkerScript(bytes) ?? pciConfig(bytes)));
  if (found) return found;
  if (bytes[0] === 0x7f && bytesEqual(bytes, 1, 'ELF'))
    return { kind: 'elf', description: 'an ELF executable or object' };
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return { kind: 'gzip', description: 'gzip-compressed data' };
  if (bytes.every((x) => x === 0)) return { kind: 'zeros', description: `${bytes.length} zero bytes` };
  if (isText(bytes)) return textKind(bytes);
  const head = Array.from(bytes.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return {
    kind: 'unknown',
    description: `unrecognised binary data (first bytes ${head}${vbtNote(vbtAt)})`,
    ...(vbtAt >= 0 ? { vbtOffset: vbtAt } : {}),
  };
}
