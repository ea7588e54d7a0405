// Two runs side by side, differences marked (data-diff="true" on the row for automation).
import { compareReports, handshakeLines } from '../diff.js';
import { igdOf } from '../igd.js';
import type { RunView } from '../run.js';
import { specLabel } from '../spec.js';

export function CompareView({ a, b }: { a: RunView | null; b: RunView | null }) {
  if (!a?.report || !b?.report) {
    return (
      <section class="panel compare">
        <p class="hint">
          Choose "compare with" in the machine settings and boot: both runs appear here, their differences
          marked.
          {a && b ? ` (A: ${a.state}, B: ${b.state})` : ''}
        </p>
      </section>
    );
  }
  const rows = compareReports(a.report, b.report);
  const la = handshakeLines(a.events, igdOf(a.report)?.bdf ?? null);
  const lb = handshakeLines(b.events, igdOf(b.report)?.bdf ?? null);
  const n = Math.max(la.length, lb.length);
  const differing = rows.filter((r) => r.differs).length;
  return (
    <section class="panel compare" aria-label="compare two runs" data-testid="compare">
      <p class="hint">
        {differing} of {rows.length} facts differ.
      </p>
      <table class="diff">
        <thead>
          <tr>
            <th />
            <th>A: {specLabel(a.spec)}</th>
            <th>B: {specLabel(b.spec)}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr
              key={r.field}
              data-field={r.field}
              data-diff={String(r.differs)}
              class={r.differs ? 'differs' : ''}
            >
              <th>{r.label}</th>
              <td class="mono">{r.a}</td>
              <td class="mono">{r.b}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>The handshake, event by event</h3>
      <table class="diff events-diff">
        <tbody>
          {Array.from({ length: n }, (_, i) => (
            <tr key={i} class={la[i] !== lb[i] ? 'differs' : ''}>
              <td class="mono">{la[i] ?? ''}</td>
              <td class="mono">{lb[i] ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
