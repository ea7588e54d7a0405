// Files the user drops on the page: a BIOS image, or the host dumps the CLI's `--igd dump:<dir>`
// takes (an i915_opregion, a VBT, a config-space image, `lspci -xxxx` text). Each is recognised by
// its content, not its name, and anything else is refused with one line saying why.
import {
  type DumpInputs,
  decodeOpRegion,
  decodeVbt,
  OPREGION_SIGNATURE,
  parseLspciAll,
  VBT_SIGNATURE,
} from '@vmkit/vfio-igd';

export type HostFileKind = 'bios' | 'opregion' | 'vbt' | 'config' | 'lspci';

export interface HostFile {
  name: string;
  kind: HostFileKind;
  bytes: Uint8Array;
  /** One line for the file list ("OpRegion 2.1, 8 KiB, VBT in mailbox 4"). */
  summary: string;
}

/** Larger than any BIOS image (QEMU maps at most 16 MiB below 4 GiB here) or host dump. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export class HostFileError extends Error {}

const KIND_NAMES: Record<HostFileKind, string> = {
  bios: 'BIOS image',
  opregion: 'OpRegion',
  vbt: 'VBT',
  config: 'config-space image',
  lspci: 'lspci text',
};

export function kindName(kind: HostFileKind): string {
  return KIND_NAMES[kind];
}

/** Refuses a file by size before reading it (a 4 GiB drop must not be read into memory). */
export function checkSize(name: string, size: number): void {
  if (size === 0) throw new HostFileError(`${name} is empty`);
  if (size > MAX_FILE_BYTES) {
    throw new HostFileError(
      `${name} is ${formatBytes(size)}: larger than any BIOS image or host dump (limit ${formatBytes(MAX_FILE_BYTES)})`,
    );
  }
}

function ascii(b: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = off; i < off + len && i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

function u16(b: Uint8Array, off: number): number {
  return b[off]! | (b[off + 1]! << 8);
}

/** Control characters never, and at most a few non-ASCII bytes (a UTF-8 device name). */
function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 4096);
  let high = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c < 9 || (c > 13 && c < 32) || c === 127) return false;
    if (c >= 0x80) high++;
  }
  return high * 20 < n;
}

/** Recognises a dropped file by content. Throws HostFileError with a one-line reason. */
export function classifyFile(name: string, bytes: Uint8Array): HostFile {
  checkSize(name, bytes.length);
  if (ascii(bytes, 0, 16) === OPREGION_SIGNATURE) {
    const d = decodeOpRegion(bytes);
    const err = d.problems.find((p) => p.severity === 'error');
    if (!d.ok && err)
      throw new HostFileError(`${name}: OpRegion ${err.field}@0x${err.offset.toString(16)}: ${err.message}`);
    const v = d.header?.version;
    return {
      name,
      kind: 'opregion',
      bytes,
      summary: `OpRegion ${v ? `${v.major}.${v.minor}` : '?'}, ${formatBytes(bytes.length)}, VBT ${d.vbtLocation}`,
    };
  }
  if (ascii(bytes, 0, 4) === VBT_SIGNATURE) {
    const d = decodeVbt(bytes);
    const err = d.problems.find((p) => p.severity === 'error');
    if (!d.ok && err)
      throw new HostFileError(`${name}: VBT ${err.field}@0x${err.offset.toString(16)}: ${err.message}`);
    return {
      name,
      kind: 'vbt',
      bytes,
      summary: `VBT "${ascii(bytes, 0, 20).trim()}", BDB ${d.bdb?.version ?? '?'}, ${d.blocks.length} blocks`,
    };
  }
  if (looksLikeText(bytes)) {
    const text = new TextDecoder().decode(bytes);
    let devices: ReturnType<typeof parseLspciAll>;
    try {
      devices = parseLspciAll(text);
    } catch (e) {
      const message = (e as Error).message;
      if (message.includes('no device hex dump found')) {
        throw new HostFileError(
          `${name} is text but not \`lspci -xxxx\` output (no "00: 86 80 …" hex lines), and not a BIOS image, OpRegion, VBT or config dump`,
        );
      }
      throw new HostFileError(`${name}: ${message}`);
    }
    return {
      name,
      kind: 'lspci',
      bytes,
      summary: `lspci text, ${devices.length} device(s): ${devices.map((d) => d.slot).join(', ')}`,
    };
  }
  if ([64, 256, 4096].includes(bytes.length) && u16(bytes, 0) !== 0xffff && u16(bytes, 0) !== 0) {
    return {
      name,
      kind: 'config',
      bytes,
      summary: `config space ${bytes.length} bytes, ${hex4(u16(bytes, 0))}:${hex4(u16(bytes, 2))}`,
    };
  }
  // QEMU's x86_bios_rom_init: "bios_size <= 0 || (bios_size % 65536) != 0" is refused.
  if (bytes.length % 65536 === 0) {
    return { name, kind: 'bios', bytes, summary: `BIOS image, ${formatBytes(bytes.length)}` };
  }
  throw new HostFileError(
    `${name} (${formatBytes(bytes.length)}) is not a BIOS image (a multiple of 64 KiB), an OpRegion ("${OPREGION_SIGNATURE}"), a VBT ("${VBT_SIGNATURE}"), a config-space image (64, 256 or 4096 bytes) or lspci text`,
  );
}

/** The host dumps among the files as `sourceFromDumps` takes them. Without a config image or lspci
 * text, `fallbackConfig` (a catalogue model's config space) stands in for the device's identity. */
export function dumpInputs(files: readonly HostFile[], fallbackConfig?: Uint8Array): DumpInputs {
  const pick = (k: HostFileKind) => files.find((f) => f.kind === k);
  const cfg = pick('config');
  const lspci = pick('lspci');
  const config = cfg ? cfg.bytes : lspci ? new TextDecoder().decode(lspci.bytes) : fallbackConfig;
  if (!config) throw new HostFileError('host dump: no config-space image or lspci text dropped');
  if (!pick('opregion') && !pick('vbt') && !cfg && !lspci) {
    throw new HostFileError(
      'host dump: drop at least one of i915_opregion, a VBT, a config image or lspci text',
    );
  }
  return { config, opRegion: pick('opregion')?.bytes, vbt: pick('vbt')?.bytes };
}

export function hasDump(files: readonly HostFile[]): boolean {
  return files.some((f) => f.kind !== 'bios');
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3} GiB`;
  if (n >= 1024 * 1024) return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
