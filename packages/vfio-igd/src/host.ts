// Host sources: everything the IGD model needs from the host, behind one plain-data interface.
// Producers: the synthetic catalogue (catalogue.ts), dumps (config image, `lspci -xxxx` text,
// i915 debugfs OpRegion, VBT file), and a read-only Linux sysfs reader over an injected filesystem.
// All parsers take bytes/strings (platform-neutral) and throw a clear Error naming field and offset.
import { hex, u16, u32 } from './bytes.js';
import { decodeGmch, IGD_GMCH, type IgdGeneration, igdGeneration, type StolenMemory } from './generation.js';
import { buildOpRegion, presentOpRegion } from './opregion.js';
import { assertValidVbt } from './vbt.js';

/** Identity of a PCI function, as legacy mode copies it (QEMU hw/vfio/igd.c host/LPC bridge init). */
export interface PciIdentity {
  readonly vendorId: number;
  readonly deviceId: number;
  readonly revision: number;
  readonly classCode: number; // 24-bit class/subclass/prog-if
  readonly subsystemVendorId: number;
  readonly subsystemId: number;
}

export interface BarInfo {
  readonly index: number;
  /** 'mem32' | 'mem64' | 'io' */
  readonly type: 'mem32' | 'mem64' | 'io';
  readonly prefetchable: boolean;
  /** Size in bytes (power of two), 0 when unknown / unimplemented. */
  readonly size: number;
}

export interface IgdHostSource {
  /** Human-readable origin, e.g. "catalogue:kbl" or "sysfs:0000:00:02.0". */
  readonly origin: string;
  /** Config space image, 256 or 4096 bytes (a 64-byte dump is padded to 256 with zeros). */
  readonly config: Uint8Array;
  /** How many bytes of `config` came from the host (64, 256 or 4096). */
  readonly configLength: number;
  readonly identity: PciIdentity;
  readonly generation: IgdGeneration;
  /** BAR layout (GTTMMADR, GMADR, IOBAR); sizes from sysfs `resource` or the catalogue. */
  readonly bars: readonly BarInfo[];
  /** OpRegion as vfio presents it (contiguous, extended VBT at 0x2000), or undefined if none. */
  readonly opRegion?: Uint8Array;
  /** Stolen memory facts decoded from GMCH (undefined when the dump is too short to hold 0x50). */
  readonly stolen?: StolenMemory & { readonly gmch: number; readonly hostBdsm: number };
  readonly hostBridge?: PciIdentity;
  readonly lpcBridge?: PciIdentity;
  /** VBIOS option ROM size in bytes (0 = none known). Legacy mode needs one. */
  readonly romSize: number;
}

/** Identity from a config image (offsets per PCI spec: 0x00 ids, 0x08 rev/class, 0x2C subsystem). */
export function identityFromConfig(cfg: Uint8Array, what = 'config'): PciIdentity {
  if (cfg.length < 0x30) {
    throw new Error(
      `${what}: config image of ${cfg.length} bytes is too short for the identity fields (need 0x30)`,
    );
  }
  return {
    vendorId: u16(cfg, 0x00),
    deviceId: u16(cfg, 0x02),
    revision: cfg[0x08],
    classCode: cfg[0x09] | (cfg[0x0a] << 8) | (cfg[0x0b] << 16),
    subsystemVendorId: u16(cfg, 0x2c),
    subsystemId: u16(cfg, 0x2e),
  };
}

/**
 * A binary config image as read from /sys/bus/pci/devices/<bdf>/config: 64 (unprivileged read of
 * the standard header), 256 or 4096 bytes. Returns a 256- or 4096-byte copy (64 → zero-padded 256).
 */
export function parseConfigImage(bytes: Uint8Array, what = 'config'): { config: Uint8Array; length: number } {
  const n = bytes.length;
  if (n !== 64 && n !== 256 && n !== 4096) {
    throw new Error(
      `${what}: config image must be 64, 256 or 4096 bytes, got ${n} (truncated or wrong file)`,
    );
  }
  const config = new Uint8Array(n === 4096 ? 4096 : 256);
  config.set(bytes);
  if (u16(config, 0) === 0xffff || u16(config, 0) === 0) {
    throw new Error(`${what}: vendor id at offset 0x00 is ${hex(u16(config, 0), 4)}: no device`);
  }
  return { config, length: n };
}

export interface LspciDevice {
  /** Slot from the header line ("00:02.0"), or undefined when only hex lines were given. */
  readonly slot?: string;
  readonly description?: string;
  readonly config: Uint8Array;
  readonly length: number;
}

const HEX_LINE = /^([0-9a-fA-F]{2,3}):((?:\s+[0-9a-fA-F]{2})+)\s*$/;
const HEADER_LINE = /^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])\s+(.*)$/;

/**
 * Parses `lspci -x`, `-xxx` or `-xxxx` output (one or several devices). Each device's hex lines
 * ("00: 86 80 16 59 …", 16 bytes each) must start at 00 and be contiguous, and the total must be
 * 64, 256 or 4096 bytes; anything else is a truncated dump and throws naming the line and offset.
 */
export function parseLspciAll(text: string): LspciDevice[] {
  const devices: LspciDevice[] = [];
  let cur: { slot?: string; description?: string; bytes: number[]; line: number } | undefined;
  const finish = () => {
    if (!cur) return;
    const n = cur.bytes.length;
    if (n === 0)
      throw new Error(
        `lspci: device ${cur.slot ?? '?'} (line ${cur.line}) has no hex dump lines (use lspci -xxxx)`,
      );
    if (n !== 64 && n !== 256 && n !== 4096) {
      throw new Error(
        `lspci: device ${cur.slot ?? '?'} dump is truncated: ${n} bytes (last offset ${hex(n - 16, 3)}); expected 64, 256 or 4096`,
      );
    }
    const { config, length } = parseConfigImage(Uint8Array.from(cur.bytes), `lspci ${cur.slot ?? ''}`.trim());
    devices.push({ slot: cur.slot, description: cur.description, config, length });
    cur = undefined;
  };
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    if (line.trim() === '') return;
    const m = HEX_LINE.exec(line.trim());
    if (m) {
      if (!cur) cur = { bytes: [], line: i + 1 };
      const off = Number.parseInt(m[1], 16);
      if (off !== cur.bytes.length) {
        throw new Error(
          `lspci: line ${i + 1}: offset ${hex(off, 3)} where ${hex(cur.bytes.length, 3)} was expected (missing or reordered lines)`,
        );
      }
      const vals = m[2].trim().split(/\s+/);
      if (vals.length !== 16) {
        throw new Error(
          `lspci: line ${i + 1} (offset ${hex(off, 3)}): ${vals.length} bytes, expected 16 (truncated line)`,
        );
      }
      for (const v of vals) cur.bytes.push(Number.parseInt(v, 16));
      return;
    }
    if (/^[0-9a-fA-F]{2,3}:(\s|$)/.test(line.trim())) {
      const off = line.trim().slice(0, line.trim().indexOf(':'));
      throw new Error(
        `lspci: line ${i + 1} (offset 0x${off}): malformed or truncated hex line, expected 16 bytes like "00: 86 80 16 59 ..."`,
      );
    }
    const h = HEADER_LINE.exec(line);
    if (h && !raw.startsWith('\t') && !raw.startsWith(' ')) {
      finish();
      cur = { slot: h[2], description: h[3], bytes: [], line: i + 1 };
      return;
    }
    // Verbose lines (-v) inside a device block are ignored.
  });
  finish();
  if (devices.length === 0)
    throw new Error('lspci: no device hex dump found (expected lines like "00: 86 80 16 59 ...")');
  return devices;
}

/** Parses lspci output and returns one device (by slot, e.g. "00:02.0", or the only/first one). */
export function parseLspci(text: string, slot?: string): LspciDevice {
  const all = parseLspciAll(text);
  if (slot === undefined) return all[0];
  const want = slot.replace(/^0000:/, '').toLowerCase();
  const d = all.find((x) => x.slot?.toLowerCase() === want);
  if (!d)
    throw new Error(
      `lspci: no device ${slot} in the dump (found ${all.map((x) => x.slot ?? '?').join(', ')})`,
    );
  return d;
}

/** Default IGD BAR layout (GTTMMADR 64-bit mem, GMADR 64-bit prefetchable, IOBAR). */
export function barsFromConfig(cfg: Uint8Array, sizes: readonly number[] = []): BarInfo[] {
  const bars: BarInfo[] = [];
  for (let i = 0; i < 6; i++) {
    const v = u32(cfg, 0x10 + i * 4);
    if (v === 0 && !sizes[i]) continue;
    if (v & 1) {
      bars.push({ index: i, type: 'io', prefetchable: false, size: sizes[i] ?? 0 });
    } else {
      const is64 = ((v >>> 1) & 3) === 2;
      bars.push({
        index: i,
        type: is64 ? 'mem64' : 'mem32',
        prefetchable: (v & 8) !== 0,
        size: sizes[i] ?? 0,
      });
      if (is64) i++;
    }
  }
  return bars;
}

const BAR_ROLE: Record<number, string> = { 0: 'GTTMMADR', 2: 'GMADR' };

/**
 * Why a host IGD's BARs cannot be modelled, one line each (empty when they can): a BAR that reads
 * all-ones (absent or powered-off device, or a bad dump), BAR0 (GTTMMADR) or BAR2 (GMADR) of I/O
 * type (an Intel IGD's are memory BARs), a 64-bit BAR in the last slot, or a size that is not a
 * power of two within what the kind allows (as @vmkit/pci's PciDevice checks them).
 */
export function hostBarProblems(cfg: Uint8Array, bars: readonly BarInfo[]): string[] {
  const problems: string[] = [];
  for (let i = 0; i < 6 && 0x14 + i * 4 <= cfg.length; i++) {
    if (u32(cfg, 0x10 + i * 4) === 0xffffffff) {
      problems.push(
        `BAR${i} (offset ${hex(0x10 + i * 4, 2)}) reads 0xffffffff: an absent or powered-off device, or a bad dump`,
      );
    }
  }
  if (problems.length) return problems;
  for (const b of bars) {
    const where = `BAR${b.index} (offset ${hex(0x10 + b.index * 4, 2)})`;
    if (b.type === 'io' && BAR_ROLE[b.index]) {
      problems.push(`${where} is an I/O BAR: an Intel IGD's ${BAR_ROLE[b.index]} is a memory BAR`);
    }
    if (b.type === 'mem64' && b.index >= 5) problems.push(`${where} is 64-bit but has no upper half`);
    const s = b.size;
    if (s === 0) continue;
    const [min, max] = b.type === 'io' ? [4, 0x10000] : b.type === 'mem32' ? [16, 2 ** 31] : [16, 2 ** 52];
    if (!Number.isSafeInteger(s) || (s & (s - 1)) !== 0 || s < min || s > max) {
      problems.push(`${where} size ${s} is not a power of two in ${min}..${max} for a ${b.type} BAR`);
    }
  }
  return problems;
}

function stolenFrom(cfg: Uint8Array, length: number, gen: IgdGeneration): IgdHostSource['stolen'] {
  if (length < 0x60) return undefined;
  const gmch = u16(cfg, IGD_GMCH);
  return { ...decodeGmch(gen, gmch), gmch, hostBdsm: u32(cfg, 0x5c) };
}

export interface DumpInputs {
  /** Binary config image (sysfs `config`) or lspci text. */
  readonly config: Uint8Array | string;
  /** i915 debugfs i915_opregion dump (8 KiB, or more with a contiguous extended VBT). */
  readonly opRegion?: Uint8Array;
  /** A VBT file (i915 debugfs i915_vbt or a coreboot data.vbt): the extended VBT for a 2.0/2.1
   * OpRegion whose VBT is outside the dump, or — without `opRegion` — wrapped into a new OpRegion. */
  readonly vbt?: Uint8Array;
  readonly hostBridgeConfig?: Uint8Array | string;
  readonly lpcConfig?: Uint8Array | string;
  /** Slot to pick from multi-device lspci text (default 00:02.0 if present, else first). */
  readonly slot?: string;
  readonly barSizes?: readonly number[];
  readonly romSize?: number;
}

function configFrom(
  input: Uint8Array | string,
  what: string,
  slot?: string,
): { config: Uint8Array; length: number } {
  if (typeof input === 'string') {
    const all = parseLspciAll(input);
    const d = slot ? parseLspci(input, slot) : (all.find((x) => x.slot === '00:02.0') ?? all[0]);
    return { config: d.config, length: d.length };
  }
  return parseConfigImage(input, what);
}

/** Builds a host source from dumps. Throws a clear Error on any malformed input. */
export function sourceFromDumps(d: DumpInputs): IgdHostSource {
  const { config, length } = configFrom(d.config, 'IGD config', d.slot);
  const identity = identityFromConfig(config, 'IGD config');
  if (identity.vendorId !== 0x8086) {
    throw new Error(
      `IGD config: vendor id at offset 0x00 is ${hex(identity.vendorId, 4)}, not Intel (0x8086)`,
    );
  }
  if (identity.classCode >>> 16 !== 0x03) {
    throw new Error(
      `IGD config: class code at offset 0x09 is ${hex(identity.classCode, 6)}, not a display controller`,
    );
  }
  const generation = igdGeneration(identity.deviceId);
  const bars = barsFromConfig(config, d.barSizes);
  const barProblems = hostBarProblems(config, bars);
  if (barProblems.length) throw new Error(`IGD config: ${barProblems.join('; ')}`);
  let opRegion: Uint8Array | undefined;
  if (d.opRegion) {
    opRegion = presentOpRegion(d.opRegion, needsExternalVbt(d.opRegion) ? d.vbt : undefined);
  } else if (d.vbt) {
    assertValidVbt(d.vbt, 'VBT file');
    opRegion = buildOpRegion({ vbt: d.vbt });
  }
  const hb = d.hostBridgeConfig ? configFrom(d.hostBridgeConfig, 'host bridge config', '00:00.0') : undefined;
  const lpc = d.lpcConfig ? configFrom(d.lpcConfig, 'LPC config', '00:1f.0') : undefined;
  return {
    origin: typeof d.config === 'string' ? 'lspci' : 'config-image',
    config,
    configLength: length,
    identity,
    generation,
    bars,
    opRegion,
    stolen: stolenFrom(config, length, generation),
    hostBridge: hb ? identityFromConfig(hb.config, 'host bridge config') : undefined,
    lpcBridge: lpc ? identityFromConfig(lpc.config, 'LPC config') : undefined,
    romSize: d.romSize ?? 0,
  };
}

/** True when an OpRegion's extended VBT is not inside the given bytes (2.0 absolute or cut off). */
function needsExternalVbt(op: Uint8Array): boolean {
  if (op.length < 0x3c6) return false;
  const version = u16(op, 0x16);
  const rvdaLo = u32(op, 0x3ba);
  const rvdaHi = u32(op, 0x3be);
  const rvds = u32(op, 0x3c2);
  if (version < 0x0200 || (rvdaLo === 0 && rvdaHi === 0) || rvds === 0) return false;
  if (version === 0x0200) return true;
  return rvdaHi !== 0 || rvdaLo + rvds > op.length;
}

// ---------------------------------------------------------------------------------------------
// Linux sysfs reader (read-only, injected filesystem).

export interface ReadOnlyFs {
  readFile(path: string): Uint8Array | undefined;
  readText?(path: string): string | undefined;
}

function readText(fs: ReadOnlyFs, path: string): string | undefined {
  if (fs.readText) return fs.readText(path);
  const b = fs.readFile(path);
  if (!b) return undefined;
  let t = '';
  for (let i = 0; i < b.length; i++) t += String.fromCharCode(b[i]);
  return t;
}

function readHexFile(fs: ReadOnlyFs, path: string): number | undefined {
  const t = readText(fs, path)?.trim();
  if (t === undefined) return undefined;
  if (!/^0x[0-9a-fA-F]+$/.test(t))
    throw new Error(`sysfs: ${path}: expected a hex value like 0x8086, got "${t.slice(0, 20)}"`);
  return Number.parseInt(t, 16);
}

/** Parses a sysfs `resource` file: lines "0x<start> 0x<end> 0x<flags>"; returns sizes per BAR. */
export function parseSysfsResource(text: string): number[] {
  const sizes: number[] = [];
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .forEach((line, i) => {
      const parts = line.trim().split(/\s+/);
      if (parts.length !== 3 || !parts.every((p) => /^0x[0-9a-fA-F]+$/.test(p))) {
        throw new Error(
          `sysfs resource: line ${i + 1} "${line.slice(0, 60)}" is not "0xSTART 0xEND 0xFLAGS"`,
        );
      }
      const start = BigInt(parts[0]);
      const end = BigInt(parts[1]);
      sizes.push(end > start || (start !== 0n && end === start) ? Number(end - start + 1n) : 0);
    });
  return sizes;
}

function sysfsIdentity(fs: ReadOnlyFs, dir: string): PciIdentity | undefined {
  const cfg = fs.readFile(`${dir}/config`);
  if (cfg && cfg.length >= 0x30) return identityFromConfig(cfg, `${dir}/config`);
  const vendorId = readHexFile(fs, `${dir}/vendor`);
  const deviceId = readHexFile(fs, `${dir}/device`);
  if (vendorId === undefined || deviceId === undefined) return undefined;
  return {
    vendorId,
    deviceId,
    revision: readHexFile(fs, `${dir}/revision`) ?? 0,
    classCode: readHexFile(fs, `${dir}/class`) ?? 0,
    subsystemVendorId: readHexFile(fs, `${dir}/subsystem_vendor`) ?? 0,
    subsystemId: readHexFile(fs, `${dir}/subsystem_device`) ?? 0,
  };
}

export interface SysfsOptions {
  /** PCI address of the IGD, default "0000:00:02.0". */
  readonly bdf?: string;
  /** Root of sysfs (default "/sys"); debugfs is looked up at `${debugfs}` (default /sys/kernel/debug). */
  readonly sysRoot?: string;
  readonly debugfs?: string;
}

/**
 * Reads the IGD facts from a Linux sysfs tree through an injected read-only filesystem: config,
 * ids, resource sizes, host bridge (00:00.0) and LPC (00:1f.0) identities, the OpRegion from i915
 * debugfs (`dri/<n>/i915_opregion`, plus `i915_vbt` for an extended VBT) and the ROM size.
 */
export function readSysfsSource(fs: ReadOnlyFs, opts: SysfsOptions = {}): IgdHostSource {
  const bdf = opts.bdf ?? '0000:00:02.0';
  const sys = opts.sysRoot ?? '/sys';
  const dbg = opts.debugfs ?? `${sys}/kernel/debug`;
  const dir = `${sys}/bus/pci/devices/${bdf}`;
  const raw = fs.readFile(`${dir}/config`);
  if (!raw) throw new Error(`sysfs: ${dir}/config not found (is ${bdf} the IGD?)`);
  const resText = readText(fs, `${dir}/resource`);
  const barSizes = resText ? parseSysfsResource(resText).slice(0, 6) : [];
  const romSizes = resText ? parseSysfsResource(resText) : [];
  const romSize = romSizes[6] ?? 0;
  let opRegion: Uint8Array | undefined;
  let vbt: Uint8Array | undefined;
  for (const name of [bdf, '0', '1']) {
    const op = fs.readFile(`${dbg}/dri/${name}/i915_opregion`);
    if (op && op.length > 0) {
      opRegion = op;
      vbt = fs.readFile(`${dbg}/dri/${name}/i915_vbt`);
      break;
    }
  }
  const src = sourceFromDumps({ config: raw, opRegion, vbt: opRegion ? vbt : undefined, barSizes, romSize });
  const root = bdf.slice(0, bdf.lastIndexOf(':') + 1); // "0000:00:"
  return {
    ...src,
    origin: `sysfs:${bdf}`,
    hostBridge: sysfsIdentity(fs, `${sys}/bus/pci/devices/${root}00.0`),
    lpcBridge: sysfsIdentity(fs, `${sys}/bus/pci/devices/${root}1f.0`),
  };
}
