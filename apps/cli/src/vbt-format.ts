// Text presentation of decoded VBT block contents (the decoding is @vmkit/vfio-igd's
// decodeVbtContents()). Field names are the --json keys; raw values with a meaning print as
// "meaning (0xraw)", register-like values and ids in hex, booleans as yes/no. Per-panel tables show
// the machine's panel (block 40 panel_type, marked "*") unless all panels are asked for.
import type { DecodedVbtBlock, Dtd, VbtContents } from '@vmkit/vfio-igd';

export interface VbtFormatOptions {
  readonly allPanels?: boolean;
  readonly hexdump?: boolean;
}

/** Keys printed in hex, with their digit count. */
const HEX_KEYS: Readonly<Record<string, number>> = {
  handle: 4,
  deviceType: 4,
  bootDisplay: 4,
  crtDdcGmbusPin: 2,
  ddcPin: 2,
  i2cPin: 2,
  slaveAddress: 2,
  dvoConfig: 2,
  dvoWiring: 2,
  dvo2Wiring: 2,
  extendedType: 4,
  dvoFunction: 2,
  dongleDetect: 2,
  edidPointer: 4,
  dtdBufferPointer: 4,
  dpGpioIndex: 2,
  dpGpioPin: 4,
  hotplugStatus: 2,
  pipeCapabilities: 2,
  customVbtVersion: 2,
  lvdsRegVal: 8,
  ppOnRegVal: 8,
  ppOffRegVal: 8,
  ppCycleRegVal: 8,
  pfitRegVal: 8,
  mfgName: 4,
  offset: 4,
};

const hex = (v: number, digits = 2) => `0x${v.toString(16).padStart(digits, '0')}`;

function isNamed(v: unknown): v is { value: number; name: string } {
  return typeof v === 'object' && v !== null && 'value' in v && 'name' in v && Object.keys(v).length <= 3;
}

function isDtd(v: unknown): v is Dtd {
  return typeof v === 'object' && v !== null && 'hdisplay' in v && 'vtotal' in v;
}

function dtdLine(d: Dtd): string {
  const pol = `${d.hsyncPositive ? '+' : '-'}hsync ${d.vsyncPositive ? '+' : '-'}vsync`;
  return `${d.hdisplay}x${d.vdisplay} ${d.clockKHz} kHz, h ${d.hdisplay} ${d.hsyncStart} ${d.hsyncEnd} ${d.htotal}, v ${d.vdisplay} ${d.vsyncStart} ${d.vsyncEnd} ${d.vtotal}, ${pol}, ${d.widthMm}x${d.heightMm} mm`;
}

function scalar(key: string, v: unknown): string | undefined {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return key in HEX_KEYS ? hex(v, HEX_KEYS[key]) : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (isNamed(v)) return `${v.name} (${hex(v.value, HEX_KEYS[key] ?? 1)})`;
  if (isDtd(v)) return dtdLine(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(', ') || '(none)';
  return undefined;
}

function formatObject(
  obj: object,
  indent: string,
  lines: string[],
  skip: ReadonlySet<string> = new Set(),
): void {
  for (const [key, v] of Object.entries(obj)) {
    if (skip.has(key) || v === undefined) continue;
    const s = scalar(key, v);
    if (s !== undefined) {
      lines.push(`${indent}${key}: ${s}`);
    } else if (Array.isArray(v)) {
      lines.push(`${indent}${key}: ${v.length} entries`);
      v.forEach((item, i) => {
        const one = scalar(key, item);
        if (one !== undefined) {
          lines.push(`${indent}  [${i}] ${one}`);
          return;
        }
        lines.push(`${indent}  [${i}]`);
        formatObject(item as object, `${indent}    `, lines);
      });
    } else if (typeof v === 'object' && v !== null) {
      lines.push(`${indent}${key}:`);
      formatObject(v, `${indent}  `, lines);
    }
  }
}

interface Panelled {
  readonly panel: number;
}

function formatPanels(
  panels: readonly Panelled[],
  panelType: number | undefined,
  o: VbtFormatOptions,
  lines: string[],
): void {
  const wanted = o.allPanels ? panels : panels.filter((p) => p.panel === (panelType ?? 0));
  for (const p of wanted) {
    lines.push(`  panel ${p.panel}${p.panel === panelType ? ' *' : ''}`);
    formatObject(p, '    ', lines, new Set(['panel']));
  }
}

function formatChildren(b: DecodedVbtBlock, lines: string[]): void {
  const c0 = b.content;
  if (c0?.kind !== 'general-definitions' && c0?.kind !== 'legacy-child-devices') return;
  for (const c of c0.fields.childDevices) {
    lines.push(`  child device (slot ${c.index}): ${c.handle.name} ${c.deviceType.name}`);
    formatObject(c, '    ', lines, new Set(['index']));
  }
}

/** A hex dump like intel_vbt_decode --hexdump: offset, 16 bytes, a gap after 8. */
export function hexDump(bytes: Uint8Array, indent = '  '): string[] {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = Array.from(bytes.subarray(i, i + 16), (x) => x.toString(16).padStart(2, '0'));
    lines.push(
      `${indent}${i.toString(16).padStart(4, '0')}: ${row.slice(0, 8).join(' ')}  ${row.slice(8).join(' ')}`.trimEnd(),
    );
  }
  return lines;
}

/** One block: a title line, the optional hex dump, then the decoded fields (or why there are none). */
export function formatVbtBlock(
  b: DecodedVbtBlock,
  contents: VbtContents,
  blockBytes: Uint8Array,
  o: VbtFormatOptions,
): string[] {
  const lines = [`BDB block ${b.id} ${b.name} (${b.size} bytes at ${hex(b.offset, 4)})`];
  if (b.beyondBdb) lines.push('  (runs past bdb_size: i915 cannot reach this block)');
  if (o.hexdump) lines.push(...hexDump(blockBytes));
  const c = b.content;
  if (!c) {
    lines.push(
      b.id === 9
        ? '  (not a PSR block before BDB 165; not decoded)'
        : '  (vmkit has no decoder for this block)',
    );
    return lines;
  }
  const fields = c.fields as object;
  const skip = new Set(['panels', 'childDevices']);
  formatObject(fields, '  ', lines, skip);
  if (c.kind === 'lfp-data' && !c.fields.panels.length) lines.push('  (no panels)');
  if ('panels' in fields) formatPanels(fields.panels as Panelled[], contents.panelType, o, lines);
  formatChildren(b, lines);
  return lines;
}
