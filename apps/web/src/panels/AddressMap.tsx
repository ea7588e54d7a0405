// The guest physical address map drawn to scale in SVG: one column per view (the whole 4 GiB, then
// zooms), the base layer (RAM and the e820 map) as a wide bar, what sits over it (OpRegion, stolen
// memory, BARs, ROM) as a narrower bar beside it, labels placed so they never overlap.
import type { BootReport } from '@vmkit/machine';
import { type MapView, mapRegions, mapViews, type Region } from '../addr-map.js';
import { hex, size } from '../format.js';
import type { RunExtras } from '../protocol.js';

const H = 330;
const TOP = 24;
const ADDR_W = 74;
const BASE_X = ADDR_W + 6;
const BASE_W = 46;
const OVER_X = BASE_X + BASE_W + 4;
const OVER_W = 24;
const LABEL_X = OVER_X + OVER_W + 10;
const W = 340;
const LINE = 12;

interface Placed {
  r: Region;
  y0: number;
  y1: number;
}

function scale(v: MapView) {
  const span = v.hi - v.lo;
  return (addr: number) => TOP + H - ((Math.min(Math.max(addr, v.lo), v.hi) - v.lo) / span) * H;
}

/** Spreads label anchors so none overlaps the previous one, keeping them inside the column. */
function spread(ys: number[]): number[] {
  const out = ys.slice();
  for (let i = 1; i < out.length; i++) out[i] = Math.max(out[i]!, out[i - 1]! + LINE);
  const overflow = out.length ? out[out.length - 1]! - (TOP + H) : 0;
  if (overflow > 0) {
    out[out.length - 1]! -= overflow;
    for (let i = out.length - 2; i >= 0; i--) out[i] = Math.min(out[i]!, out[i + 1]! - LINE);
  }
  return out;
}

function Column({
  view,
  regions,
  index,
  zooms,
}: {
  view: MapView;
  regions: readonly Region[];
  index: number;
  zooms: Array<{ n: number; v: MapView }>;
}) {
  const y = scale(view);
  const visible: Placed[] = regions
    .filter((r) => r.end > view.lo && r.start < view.hi)
    .map((r) => {
      const y0 = y(r.end);
      const y1 = Math.max(y(r.start), y0 + 2);
      return { r, y0, y1 };
    });
  const important = (p: Placed) => p.r.kind === 'opregion' || p.r.kind === 'stolen';
  const labelled = visible
    .filter((p) => index > 0 || p.y1 - p.y0 >= 9 || important(p))
    .sort((a, b) => a.y0 + a.y1 - (b.y0 + b.y1));
  const ly = spread(labelled.map((p) => (p.y0 + p.y1) / 2 + 4));
  const bounds = [
    ...new Set(labelled.flatMap((p) => [p.r.start, p.r.end]).filter((a) => a >= view.lo && a <= view.hi)),
  ];
  // The zoomed views that lie inside this one, outlined where they are.
  const inside = zooms.filter(
    (z) => z.v !== view && z.v.lo >= view.lo && z.v.hi <= view.hi && z.v.hi - z.v.lo < view.hi - view.lo,
  );
  const boundY = spread(bounds.sort((a, b) => b - a).map((a) => y(a) + 4));
  return (
    <figure class="map-col" data-view={view.title}>
      <svg viewBox={`0 0 ${W} ${H + TOP + 12}`} role="img" aria-label={`address map: ${view.title}`}>
        <text x={4} y={14} class="map-title">
          {index + 1}. {view.title}
        </text>
        <text x={W - 4} y={14} class="map-addr" text-anchor="end">
          {hex(view.lo)}–{hex(view.hi)}
        </text>
        <rect x={BASE_X} y={TOP} width={BASE_W} height={H} class="map-hole" />
        {visible.map((p) => (
          <rect
            key={`${p.r.kind}-${p.r.start}-${p.r.label}`}
            x={p.r.overlay ? OVER_X : BASE_X}
            y={p.y0}
            width={p.r.overlay ? OVER_W : BASE_W}
            height={p.y1 - p.y0}
            class={`map-${p.r.kind}`}
            data-kind={p.r.kind}
          >
            <title>
              {p.r.label}: {hex(p.r.start, 8)}–{hex(p.r.end - 1, 8)} ({size(p.r.end - p.r.start)})
            </title>
          </rect>
        ))}
        {inside.map((z) => (
          <g key={`z-${z.n}`} class="map-zoom">
            <rect
              x={BASE_X - 3}
              y={y(z.v.hi) - 1}
              width={BASE_W + OVER_W + 10}
              height={Math.max(y(z.v.lo) - y(z.v.hi), 0) + 2}
            />
            <text x={OVER_X + OVER_W + 1} y={y(z.v.hi) + 9}>
              {z.n}
            </text>
          </g>
        ))}
        {bounds.map((a, i) => (
          <text key={a} x={ADDR_W} y={boundY[i]} class="map-addr" text-anchor="end">
            {hex(a, 8)}
          </text>
        ))}
        {labelled.map((p, i) => (
          <g key={`l-${p.r.kind}-${p.r.start}-${p.r.label}`} class={`map-label map-label-${p.r.kind}`}>
            <polyline
              points={`${(p.r.overlay ? OVER_X + OVER_W : BASE_X + BASE_W) + 1},${(p.y0 + p.y1) / 2} ${LABEL_X - 4},${ly[i]! - 4}`}
              class="map-leader"
            />
            <text x={LABEL_X} y={ly[i]}>
              {p.r.label} {size(p.r.end - p.r.start)}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}

export function AddressMap({ report, extras }: { report: BootReport; extras: RunExtras }) {
  const regions = mapRegions(report, extras);
  const views = mapViews(regions, extras);
  return (
    <section class="panel map" aria-label="guest physical address map">
      <p class="hint">
        Drawn to scale within each view; the narrow bar holds what sits over RAM and the e820 map. Hover a
        range for its exact bounds.
        {extras.above4g ? ` RAM above 4 GiB: ${size(extras.above4g)} at 0x100000000 (not drawn).` : ''}
      </p>
      <div class="map-grid">
        {views.map((v, i) => (
          <Column
            key={v.title}
            view={v}
            regions={regions}
            index={i}
            zooms={views.map((z, n) => ({ n: n + 1, v: z }))}
          />
        ))}
      </div>
      <ul class="map-legend">
        {(['ram', 'reserved', 'acpi', 'opregion', 'stolen', 'bar', 'rom', 'mmio'] as const).map((k) => (
          <li key={k}>
            <svg width="14" height="14" aria-hidden="true">
              <rect width="14" height="14" class={`map-${k}`} />
            </svg>
            {LEGEND[k]}
          </li>
        ))}
      </ul>
    </section>
  );
}

const LEGEND: Record<string, string> = {
  ram: 'usable RAM',
  reserved: 'e820 reserved',
  acpi: 'ACPI tables / NVS',
  opregion: 'OpRegion at ASLS',
  stolen: 'stolen memory at BDSM',
  bar: 'PCI BAR',
  rom: 'BIOS ROM',
  mmio: 'platform MMIO',
};
