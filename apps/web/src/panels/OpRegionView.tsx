// The OpRegion and its VBT decoded with @vmkit/vfio-igd's codec (the CLI's `vmkit opregion
// decode`): header, mailboxes, VBT header and blocks, problems, and a hex view where the
// selected structure is highlighted.
import { type DecodedOpRegion, decodeOpRegion } from '@vmkit/vfio-igd';
import { useMemo, useState } from 'preact/hooks';
import { hex, size } from '../format.js';
import { Choice } from './Choice.js';
import { HexView, type Span } from './HexView.js';

type Which = 'guest' | 'host';

function Fields({ fields }: { fields: Record<string, unknown> }) {
  return (
    <table class="kv">
      <tbody>
        {Object.entries(fields).map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td class="mono">
              {Array.isArray(v) ? v.map((x) => hex(x)).join(' ') : typeof v === 'number' ? hex(v) : String(v)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Structure({ d, select }: { d: DecodedOpRegion; select: (s: Span) => void }) {
  const h = d.header;
  const vbt = d.vbt;
  return (
    <div class="decoded">
      <h3>Header</h3>
      {h ? (
        <button
          type="button"
          class="struct"
          onClick={() => select({ start: 0, end: 0x100, label: 'header' })}
        >
          {h.signature} · version {h.version.major}.{h.version.minor}.{h.version.revision} · {h.sizeKiB} KiB ·
          mailboxes {h.mailboxNames.join(', ')}
        </button>
      ) : (
        <p class="error">no OpRegion header</p>
      )}
      {h && (
        <Fields
          fields={{ SVER: h.sver, VVER: h.vver, GVER: h.gver, DVER: h.dver, DMOD: h.dmod, PCON: h.pcon }}
        />
      )}
      <h3>Mailboxes</h3>
      <ul class="structs">
        {d.mailboxes.map((m) => (
          <li key={m.index}>
            <button
              type="button"
              class="struct"
              onClick={() => select({ start: m.offset, end: m.offset + m.size, label: `mailbox ${m.index}` })}
            >
              #{m.index} {m.name} · {hex(m.offset, 4)} · {size(m.size)}
            </button>
          </li>
        ))}
      </ul>
      {d.extendedVbt && (
        <p class="mono small">
          RVDA {d.extendedVbt.rvda} · RVDS {hex(d.extendedVbt.rvds)} · {d.extendedVbt.addressing} addressing
        </p>
      )}
      <h3>VBT ({d.vbtLocation})</h3>
      {vbt?.header ? (
        <>
          <button
            type="button"
            class="struct"
            onClick={() => select({ start: vbt.base, end: vbt.base + vbt.header!.vbtSize, label: 'VBT' })}
          >
            {vbt.header.signature.trim()} · version {vbt.header.version} · {size(vbt.header.vbtSize)} ·
            checksum {vbt.header.checksumValid ? 'valid' : 'INVALID'} · BDB {vbt.bdb?.version ?? '?'}
          </button>
          <ul class="structs blocks">
            {vbt.blocks.map((b) => (
              <li key={`${b.id}-${b.offset}`}>
                <button
                  type="button"
                  class="struct"
                  onClick={() =>
                    select({ start: b.offset, end: b.offset + 3 + b.size, label: `block ${b.id}` })
                  }
                >
                  <span class="mono">{String(b.id).padStart(3)}</span> {b.name} · {hex(b.offset, 4)} ·{' '}
                  {b.size} B
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>no VBT</p>
      )}
      {d.problems.length > 0 && (
        <>
          <h3>Problems</h3>
          <ul class="problems">
            {d.problems.map((p) => (
              <li key={`${p.field}-${p.offset}-${p.message}`} class={p.severity}>
                {p.severity} {p.field}@{hex(p.offset)}: {p.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

export function OpRegionView(props: { guest: Uint8Array | null; host: Uint8Array | null; asls: number }) {
  const [which, setWhich] = useState<Which>(props.guest ? 'guest' : 'host');
  const [sel, setSel] = useState<Span | null>(null);
  const bytes = which === 'guest' ? props.guest : props.host;
  const decoded = useMemo(() => (bytes ? decodeOpRegion(bytes) : null), [bytes]);
  return (
    <section class="panel opregion" aria-label="OpRegion and VBT">
      <fieldset class="filters" aria-label="which OpRegion">
        <Choice
          class="chip"
          name="which"
          checked={which === 'guest'}
          disabled={!props.guest}
          onPick={() => setWhich('guest')}
        >
          guest view at ASLS {props.asls ? hex(props.asls, 8) : '(ASLS is 0)'}
        </Choice>
        <Choice
          class="chip"
          name="which"
          checked={which === 'host'}
          disabled={!props.host}
          onPick={() => setWhich('host')}
        >
          host OpRegion (etc/igd-opregion)
        </Choice>
      </fieldset>
      {decoded && bytes ? (
        <div class="opregion-body" data-testid="opregion" data-ok={String(decoded.ok)}>
          <Structure d={decoded} select={setSel} />
          <HexView bytes={bytes} selection={sel} />
        </div>
      ) : (
        <p class="hint">
          No OpRegion to show: {props.host ? 'the guest has none at ASLS' : 'this IGD source has no OpRegion'}
          .
        </p>
      )}
    </section>
  );
}
