// The lines `lspci -v` prints after a function's terse line, as pciutils 3.9's lspci.c does at
// verbosity 1 (show_verbose, show_bases, show_rom, show_caps and the cap_* printers) for a type 0
// header. Written from pciutils' lspci.c and lib/names.c; our own code.
//
// Known limits (the rest prints as pciutils prints a capability it has no printer for, so a diff
// against a real host shows exactly where): capability details beyond PM, MSI, MSI-X, PCI Express
// and vendor-specific; extended capabilities (named by id only); bridge (type 1) windows.

/** Guest-visible config reads of one function. */
export type ConfigReader = (offset: number, size: 1 | 2 | 4) => number;

const hex = (v: number, n: number) => v.toString(16).padStart(n, '0');
const flag = (v: number, bit: number) => ((v & bit) !== 0 ? '+' : '-');

/** pciutils lspci.c show_size: " [size=16M]". */
export function lspciSize(x: number): string {
  if (!x) return '';
  const suffix = ['', 'K', 'M', 'G', 'T'];
  let i = 0;
  while (i < suffix.length - 1 && x % 1024 === 0) {
    x /= 1024;
    i++;
  }
  return ` [size=${x}${suffix[i]}]`;
}

/** names.c PCI_LOOKUP_PROGIF without a database entry: only IDE controllers get a name. */
export function progIfName(classId: number, progIf: number): string | undefined {
  if (classId !== 0x0101 || progIf & 0x70) return undefined;
  const parts = [
    [0x80, 'Master'],
    [0x08, 'SecP'],
    [0x04, 'SecO'],
    [0x02, 'PriP'],
    [0x01, 'PriO'],
  ] as const;
  return parts
    .filter(([bit]) => progIf & bit)
    .map(([, n]) => n)
    .join(' ');
}

function flagsLine(cfg: ConfigReader): string {
  const cmd = cfg(0x04, 2);
  const status = cfg(0x06, 2);
  const parts: string[] = [];
  if (cmd & 0x4) parts.push('bus master');
  if (cmd & 0x20) parts.push('VGA palette snoop');
  if (cmd & 0x80) parts.push('stepping');
  if (cmd & 0x200) parts.push('fast Back2Back');
  if (status & 0x20) parts.push('66MHz');
  if (status & 0x40) parts.push('user-definable features');
  let line = `\tFlags: ${parts.map((p) => `${p}, `).join('')}${['fast', 'medium', 'slow', '??'][(status >> 9) & 3]} devsel`;
  if (cmd & 0x4) line += `, latency ${cfg(0x0d, 1)}`;
  // In dump mode (and for this machine) the IRQ is the Interrupt Line register.
  const irq = cfg(0x3c, 1);
  if (irq) line += `, IRQ ${irq}`;
  return line;
}

/** show_bases(d, 6) at verbosity 1; `sizes[i]` is BAR i's size (0: unknown). */
function baseLines(cfg: ConfigReader, sizes: readonly number[]): string[] {
  const cmd = cfg(0x04, 2);
  const out: string[] = [];
  for (let i = 0; i < 6; i++) {
    let flg = cfg(0x10 + 4 * i, 4) >>> 0;
    if (flg === 0xffffffff) flg = 0;
    const len = sizes[i] ?? 0;
    if (!flg && !len) continue;
    if (flg & 1) {
      const a = (flg & 0xfffffffc) >>> 0;
      let line = '\tI/O ports at ';
      line += a || cmd & 1 ? hex(a, 4) : flg & 0xfffffffc ? '<ignored>' : '<unassigned>';
      if (!(cmd & 1)) line += ' [disabled]';
      out.push(line + lspciSize(len));
      continue;
    }
    const t = flg & 6;
    let a = (flg & 0xfffffff0) >>> 0;
    let line = '\tMemory at ';
    let z = 0;
    if (t === 4 && i >= 5) line += '<invalid-64bit-slot>';
    else {
      if (t === 4) {
        z = cfg(0x10 + 4 * ++i, 4) >>> 0;
        a += z * 2 ** 32;
      }
      line += a ? hex(a, 8) : flg & 0xfffffff0 || z ? '<ignored>' : '<unassigned>';
    }
    const width = t === 0 ? '32-bit' : t === 4 ? '64-bit' : t === 2 ? 'low-1M' : 'type 3';
    line += ` (${width}, ${flg & 8 ? '' : 'non-'}prefetchable)`;
    if (!(cmd & 2)) line += ' [disabled]';
    out.push(line + lspciSize(len));
  }
  return out;
}

/** show_rom at verbosity 1. */
function romLine(cfg: ConfigReader, size: number): string[] {
  const raw = cfg(0x30, 4) >>> 0;
  const rom = raw === 0xffffffff ? 0 : raw;
  if (!rom && !size) return [];
  const a = (rom & 0xfffff800) >>> 0;
  let line = `\tExpansion ROM at ${a ? hex(a, 8) : '<unassigned>'}`;
  if (!(rom & 1)) line += ' [disabled]';
  else if (!(cfg(0x04, 2) & 2)) line += ' [disabled by cmd]';
  return [line + lspciSize(size)];
}

const EXPRESS_TYPES: Record<number, string> = {
  0: 'Endpoint',
  1: 'Legacy Endpoint',
  5: 'Upstream Port',
  7: 'PCI-Express to PCI/PCI-X Bridge',
  9: 'Root Complex Integrated Endpoint',
  10: 'Root Complex Event Collector',
};

/** One capability's text after "Capabilities: [xx] " (pciutils cap_* at verbosity 1). */
function capabilityText(id: number, cap: number): string {
  switch (id) {
    case 0x00:
      return 'Null';
    case 0x01:
      return `Power Management version ${cap & 7}`;
    case 0x05:
      return (
        `MSI: Enable${flag(cap, 1)} Count=${1 << ((cap & 0x70) >> 4)}/${1 << ((cap & 0x0e) >> 1)} ` +
        `Maskable${flag(cap, 0x100)} 64bit${flag(cap, 0x80)}`
      );
    case 0x09:
      return `Vendor Specific Information: Len=${hex(cap & 0xff, 2)} <?>`;
    case 0x10: {
      const type = (cap & 0xf0) >> 4;
      const slot = flag(cap, 0x100);
      const name =
        type === 4
          ? `Root Port (Slot${slot})`
          : type === 6
            ? `Downstream Port (Slot${slot})`
            : type === 8
              ? `PCI/PCI-X to PCI-Express Bridge (Slot${slot})`
              : (EXPRESS_TYPES[type] ?? `Unknown type ${type}`);
      return `Express ${name}, MSI ${hex((cap & 0x3e00) >> 9, 2)}`;
    }
    case 0x11:
      return `MSI-X: Enable${flag(cap, 0x8000)} Count=${(cap & 0x7ff) + 1} Masked${flag(cap, 0x4000)}`;
    default:
      return `Capability ID ${id ? `0x${id.toString(16)}` : '0'} [${hex(cap, 4)}]`;
  }
}

/** show_caps at verbosity 1: the capability list, loop- and break-proof as pciutils'. */
function capabilityLines(cfg: ConfigReader, configSize: number): string[] {
  if (!(cfg(0x06, 2) & 0x10)) return [];
  const out: string[] = [];
  const seen = new Set<number>();
  let where = cfg(0x34, 1) & ~3;
  let express = false;
  while (where) {
    const head = `\tCapabilities: [${hex(where, 2)}] `;
    if (seen.has(where)) {
      out.push(`${head}<chain looped>`);
      break;
    }
    seen.add(where);
    const id = cfg(where, 1);
    if (id === 0xff) {
      out.push(`${head}<chain broken>`);
      break;
    }
    if (id === 0x10) express = true;
    out.push(head + capabilityText(id, cfg(where + 2, 2)));
    where = cfg(where + 1, 1) & ~3;
  }
  if (express && configSize > 256) out.push(...extendedCapabilityLines(cfg));
  return out;
}

/** show_ext_caps at verbosity 1, by id only (pciutils names and decodes many; see the header). */
function extendedCapabilityLines(cfg: ConfigReader): string[] {
  const out: string[] = [];
  const seen = new Set<number>();
  let where = 0x100;
  while (where) {
    const header = cfg(where, 4) >>> 0;
    if (!header || header === 0xffffffff) break;
    const line = `\tCapabilities: [${hex(where, 3)}] `;
    if (seen.has(where)) {
      out.push(`${line}<chain looped>`);
      break;
    }
    seen.add(where);
    out.push(`${line}Extended Capability ID 0x${(header & 0xffff).toString(16)}`);
    where = (header >>> 20) & ~3;
  }
  return out;
}

/** The `lspci -v` lines after the terse line of a type 0 function. `subsystem` is the Subsystem
 * line's id text as the caller's name lookup renders it, or null when there is none. */
export function verboseLines(
  cfg: ConfigReader,
  opts: { sizes: readonly number[]; romSize: number; configSize: number; subsystem: string | null },
): string[] {
  const out: string[] = [];
  if (opts.subsystem !== null) out.push(`\tSubsystem: ${opts.subsystem}`);
  out.push(flagsLine(cfg));
  const bist = cfg(0x0f, 1);
  if (bist & 0x80) out.push(bist & 0x40 ? '\tBIST is running' : `\tBIST result: ${hex(bist & 0x0f, 2)}`);
  out.push(...baseLines(cfg, opts.sizes), ...romLine(cfg, opts.romSize));
  out.push(...capabilityLines(cfg, opts.configSize));
  return out;
}
