// The handshake as it happened: the machine's event stream (the same one `vmkit boot --trace` and
// the tests read), filtered by group and text, the IGD handshake's own events highlighted.
import type { MachineEvent } from '@vmkit/machine';
import { useMemo, useState } from 'preact/hooks';
import { EVENT_GROUPS, type EventGroup, eventGroup, eventText, isHandshake, vtime } from '../format.js';
import { TimelineStrip } from './TimelineStrip.js';

const SHOWN = 3000;
const DEFAULT_ON: EventGroup[] = ['igd', 'pci-write', 'fw-cfg'];

export function Timeline(props: { events: readonly MachineEvent[]; dropped: number; igdBdf: string | null }) {
  const [on, setOn] = useState<Set<EventGroup>>(new Set(DEFAULT_ON));
  const [text, setText] = useState('');
  const [onlyHandshake, setOnlyHandshake] = useState(false);
  const counts = useMemo(() => {
    const c = new Map<EventGroup, number>();
    for (const e of props.events) c.set(eventGroup(e), (c.get(eventGroup(e)) ?? 0) + 1);
    return c;
  }, [props.events]);
  const needle = text.trim().toLowerCase();
  const rows = useMemo(() => {
    const out: Array<{ e: MachineEvent; text: string; hs: boolean; group: EventGroup }> = [];
    for (const e of props.events) {
      const group = eventGroup(e);
      if (!on.has(group)) continue;
      const hs = isHandshake(e, props.igdBdf);
      if (onlyHandshake && !hs) continue;
      const t = eventText(e);
      if (needle && !`${e.kind} ${t}`.toLowerCase().includes(needle)) continue;
      out.push({ e, text: t, hs, group });
    }
    return out;
  }, [props.events, on, needle, onlyHandshake, props.igdBdf]);
  const toggle = (g: EventGroup) => {
    const next = new Set(on);
    if (next.has(g)) next.delete(g);
    else next.add(g);
    setOn(next);
  };
  return (
    <section class="panel timeline" aria-label="handshake timeline">
      <TimelineStrip events={props.events} />
      <fieldset class="filters" aria-label="event filters">
        {EVENT_GROUPS.map((g) => (
          <label key={g.id} class={`chip chip-${g.id}`}>
            <input type="checkbox" checked={on.has(g.id)} onChange={() => toggle(g.id)} />
            {g.label} <span class="count">{counts.get(g.id) ?? 0}</span>
          </label>
        ))}
        <label class="chip">
          <input type="checkbox" checked={onlyHandshake} onChange={() => setOnlyHandshake(!onlyHandshake)} />
          handshake only
        </label>
        <input
          type="search"
          placeholder="filter: 00:02.0, ASLS, igd-opregion…"
          value={text}
          onInput={(ev) => setText((ev.target as HTMLInputElement).value)}
          aria-label="text filter"
        />
      </fieldset>
      <p class="hint">
        {rows.length} of {props.events.length} events
        {props.dropped ? ` (${props.dropped} more not kept: the page keeps a bounded window)` : ''}
        {rows.length > SHOWN ? `; showing the first ${SHOWN}` : ''}
      </p>
      <div class="table-wrap">
        <table class="events" data-testid="timeline">
          <thead>
            <tr>
              <th>#</th>
              <th>virtual time</th>
              <th>event</th>
              <th>detail</th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, SHOWN).map(({ e, text: t, hs, group }) => (
              <tr key={e.seq} class={hs ? 'hs' : ''} data-kind={e.kind}>
                <td class="num">{e.seq}</td>
                <td class="num">{vtime(e.t)}</td>
                <td>
                  <span class={`tag tag-${group}`}>{e.kind}</span>
                </td>
                <td class="mono">{t}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
