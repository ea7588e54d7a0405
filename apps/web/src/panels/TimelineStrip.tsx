// The run at a glance: one lane per event group along the event order, density as bar height,
// and the IGD policy's own actions marked and named on their lane.
import type { MachineEvent } from '@vmkit/machine';
import { EVENT_GROUPS, type EventGroup, eventGroup, eventText } from '../format.js';

const W = 1000;
const LANE = 18;
const LEFT = 92;
const BINS = 250;
const ROW = 11;
const CHAR_W = 6.1;

function short(e: MachineEvent): string {
  const t = eventText(e);
  return t.length > 34 ? `${t.slice(0, 33)}…` : t;
}

export function TimelineStrip({ events }: { events: readonly MachineEvent[] }) {
  if (events.length === 0) return null;
  const first = events[0]!.seq;
  const span = Math.max(1, events[events.length - 1]!.seq - first + 1);
  const x = (seq: number) => LEFT + ((seq - first) / span) * (W - LEFT - 8);
  const lanes = EVENT_GROUPS.map((g) => g.id);
  const bins = new Map<EventGroup, Uint32Array>(lanes.map((g) => [g, new Uint32Array(BINS)]));
  for (const e of events) {
    const b = Math.min(BINS - 1, Math.floor(((e.seq - first) / span) * BINS));
    bins.get(eventGroup(e))![b]!++;
  }
  let peak = 1;
  for (const arr of bins.values()) for (const v of arr) peak = Math.max(peak, v);
  // Labels of the marked events go into rows above the lanes, each in the first row where it does
  // not overlap the previous label (right-aligned near the right edge).
  const marks = events
    .filter((e) => e.kind.startsWith('igd') || e.kind === 'machine-stop')
    .map((e) => {
      const mx = x(e.seq);
      const label = short(e);
      const width = label.length * CHAR_W;
      const right = mx + width > W;
      return { e, mx, label, x0: right ? mx - width : mx, x1: right ? mx : mx + width, right, row: 0 };
    });
  const rowEnds: number[] = [];
  for (const m of marks) {
    let r = rowEnds.findIndex((end) => end + 8 < m.x0);
    if (r < 0) r = rowEnds.push(0) - 1;
    rowEnds[r] = m.x1;
    m.row = r;
  }
  const TOP = Math.max(1, rowEnds.length) * ROW + 8;
  const h = TOP + lanes.length * LANE + 8;
  const binW = (W - LEFT - 8) / BINS;
  return (
    <svg class="strip" viewBox={`0 0 ${W} ${h}`} role="img" aria-label="events along the run, by group">
      {lanes.map((g, i) => {
        const y = TOP + i * LANE;
        const arr = bins.get(g)!;
        return (
          <g key={g} class={`lane lane-${g}`}>
            <text x={LEFT - 6} y={y + LANE - 5} text-anchor="end">
              {EVENT_GROUPS[i]!.label}
            </text>
            <line x1={LEFT} x2={W - 8} y1={y + LANE - 1} y2={y + LANE - 1} class="lane-base" />
            {Array.from(arr, (v, b) =>
              v ? (
                <rect
                  key={b}
                  x={LEFT + b * binW}
                  width={Math.max(binW - 0.5, 0.8)}
                  y={y + LANE - 1 - Math.max(2, (Math.sqrt(v) / Math.sqrt(peak)) * (LANE - 3))}
                  height={Math.max(2, (Math.sqrt(v) / Math.sqrt(peak)) * (LANE - 3))}
                />
              ) : null,
            )}
          </g>
        );
      })}
      {marks.map((m) => (
        <g key={m.e.seq} class="mark">
          <line x1={m.mx} x2={m.mx} y1={m.row * ROW + 12} y2={TOP + LANE} />
          <circle cx={m.mx} cy={TOP + LANE - 6} r={3.5} />
          <text
            x={m.right ? m.mx - 3 : m.mx + 3}
            y={m.row * ROW + 10}
            text-anchor={m.right ? 'end' : 'start'}
          >
            {m.label}
          </text>
          <title>
            #{m.e.seq} {m.e.kind}: {eventText(m.e)}
          </title>
        </g>
      ))}
    </svg>
  );
}
