// Small formatting helpers shared by the views.
import type { MachineEvent } from '@vmkit/machine';

export function hex(n: number | bigint, width = 0): string {
  const v = typeof n === 'bigint' ? n : BigInt(Math.trunc(n));
  return `0x${v.toString(16).padStart(width, '0')}`;
}

export function size(n: number): string {
  const units: Array<[number, string]> = [
    [1024 ** 3, 'GiB'],
    [1024 ** 2, 'MiB'],
    [1024, 'KiB'],
  ];
  for (const [u, name] of units) if (n >= u) return `${+(n / u).toFixed(n % u ? 1 : 0)} ${name}`;
  return `${n} B`;
}

export function grouped(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Virtual nanoseconds as a short human time. */
export function vtime(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${Math.round(ns)} ns`;
}

/** Names of the config registers the handshake is about (igd-passthrough.md) and the header. */
const CONFIG_NAMES: Record<number, string> = {
  4: 'COMMAND',
  12: 'CACHE/LAT/HDR',
  16: 'BAR0',
  20: 'BAR1',
  24: 'BAR2',
  28: 'BAR3',
  32: 'BAR4',
  36: 'BAR5',
  48: 'ROM',
  60: 'INTLINE',
  80: 'GMCH',
  92: 'BDSM',
  192: 'BDSM64',
  232: 'SWSCI',
  252: 'ASLS',
};

export function configRegName(offset: number): string {
  return CONFIG_NAMES[offset] ?? '';
}

export type EventGroup = 'igd' | 'pci-write' | 'pci-read' | 'fw-cfg' | 'debugcon' | 'cpu' | 'other';

export const EVENT_GROUPS: Array<{ id: EventGroup; label: string }> = [
  { id: 'igd', label: 'IGD policy' },
  { id: 'pci-write', label: 'PCI writes' },
  { id: 'fw-cfg', label: 'fw_cfg' },
  { id: 'pci-read', label: 'PCI reads' },
  { id: 'debugcon', label: 'console' },
  { id: 'cpu', label: 'CPU' },
  { id: 'other', label: 'other' },
];

export function eventGroup(e: MachineEvent): EventGroup {
  const k = e.kind;
  if (k.startsWith('igd')) return 'igd';
  if (k === 'pci-config-write') return 'pci-write';
  if (k === 'pci-config-read') return 'pci-read';
  if (k.startsWith('fw-cfg')) return 'fw-cfg';
  if (k === 'debugcon') return 'debugcon';
  if (k.startsWith('cpu')) return 'cpu';
  return 'other';
}

const num = (v: unknown) => (typeof v === 'number' || typeof v === 'bigint' ? v : Number(v));

/** One line describing an event, as an engineer reads a trace. */
export function eventText(e: MachineEvent): string {
  const f = e as Record<string, unknown>;
  switch (e.kind) {
    case 'pci-config-write':
    case 'pci-config-read': {
      const off = Number(f.offset);
      const reg = configRegName(off);
      const arrow = e.kind === 'pci-config-write' ? '←' : '→';
      return `${f.bdf} ${f.device ?? ''} [${hex(off, 2)}${reg ? ` ${reg}` : ''}].${f.size} ${arrow} ${hex(num(f.value) as number, Number(f.size) * 2)}`;
    }
    case 'fw-cfg-select':
      return `select ${hex(Number(f.key), 4)} ${f.name ?? ''}${f.exists ? '' : ' (absent)'}`;
    case 'fw-cfg-read':
      return `read ${f.name ?? hex(Number(f.key), 4)} +${f.offset} ${f.length} bytes via ${f.via}`;
    case 'fw-cfg-dma':
      return `DMA ${f.name ?? hex(Number(f.key), 4)} ${f.length} bytes ${dmaOp(Number(f.control))} ${hex(Number(f.address), 8)}${f.error ? ` ERROR ${f.error}` : ''}`;
    case 'fw-cfg-file-write':
      return `guest wrote ${f.name} (${f.length ?? '?'} bytes)`;
    case 'igd-asls-write':
      return `ASLS ← ${hex(Number(f.value), 8)} (policy ${f.policy})`;
    case 'igd-bdsm-write':
      return `BDSM [${hex(Number(f.offset), 2)}] ← ${hex(num(f.value) as bigint)}`;
    case 'igd-opregion-mapped':
      return `OpRegion mapped at ${hex(Number(f.addr), 8)} (${size(Number(f.size))}, ${f.writable ? 'writable' : 'read-only'})`;
    case 'igd-opregion-copied':
      return `OpRegion copied to ${hex(Number(f.addr ?? f.to ?? 0), 8)}`;
    case 'debugcon':
      return String(f.line);
    case 'machine-stop':
      return `${f.reason}: ${f.detail}`;
    case 'pci-bar-mapped':
      return `${f.bdf} ${f.device} BAR${f.bar} ${f.space} at ${hex(Number(f.address), 8)} (${size(Number(f.size))})`;
    default: {
      const { kind: _k, seq: _s, t: _t, ...rest } = f;
      return JSON.stringify(rest, (_key, v) => (typeof v === 'bigint' ? hex(v) : v));
    }
  }
}

/** QEMU fw_cfg DMA control bits (docs/specs/fw_cfg.rst): 2 READ, 4 SKIP, 8 SELECT, 16 WRITE. */
function dmaOp(control: number): string {
  if (control & 0x10) return 'write from';
  if (control & 0x04) return 'skip';
  if (control & 0x02) return 'read to';
  return 'op';
}

/** True for events that are part of the IGD handshake proper (highlighted in the timeline). */
export function isHandshake(e: MachineEvent, igdBdf: string | null): boolean {
  const f = e as Record<string, unknown>;
  if (e.kind.startsWith('igd')) return true;
  if (e.kind === 'pci-config-write' && f.bdf === igdBdf) return true;
  if (e.kind.startsWith('fw-cfg') && typeof f.name === 'string' && f.name.startsWith('etc/igd')) return true;
  if (e.kind.startsWith('fw-cfg') && f.name === 'etc/table-loader') return true;
  return false;
}
