// The boot report's headline, with the stable automation hooks: data-testid="report",
// data-state, data-asls, data-bdsm, data-instructions, data-reason and data-e820 (JSON).
import type { BootReport } from '@vmkit/machine';
import { grouped, hex, size, vtime } from '../format.js';
import { igdOf } from '../igd.js';
import type { RunView } from '../run.js';

const CPU_TEXT = {
  jit: 'x86 core with its trace compiler',
  interpreter: 'x86 core, interpreter only (jit off)',
  'interpreter-csp':
    "x86 core, interpreter only: this page's Content-Security-Policy forbids 'unsafe-eval', so the trace compiler is off",
  none: 'no CPU emulation (TypeScript firmware)',
};

function Flag({ ok, yes, no }: { ok: boolean | null; yes: string; no: string }) {
  return (
    <span class={ok === null ? 'flag' : ok ? 'flag ok' : 'flag bad'}>
      {ok === null ? 'unknown' : ok ? yes : no}
    </span>
  );
}

function IgdFacts({ r }: { r: BootReport }) {
  const igd = igdOf(r);
  if (!igd) return <p>No IGD in this machine.</p>;
  return (
    <>
      <dl class="facts">
        <div>
          <dt>ASLS (0xFC)</dt>
          <dd class="mono big">{hex(igd.asls, 8)}</dd>
          <dd>
            <Flag
              ok={igd.asls ? igd.guestOpregionValid : false}
              yes="valid OpRegion"
              no="no valid OpRegion"
            />{' '}
            <Flag ok={igd.asls ? igd.opregionReserved : null} yes="reserved" no="not reserved" />
          </dd>
        </div>
        <div>
          <dt>BDSM (stolen memory)</dt>
          <dd class="mono big">{hex(igd.bdsm, 8)}</dd>
          <dd>
            {size(igd.bdsmSize)}{' '}
            <Flag ok={igd.bdsm ? igd.bdsmReserved : false} yes="reserved" no="not reserved" />
          </dd>
        </div>
        <div>
          <dt>IGD</dt>
          <dd>
            {igd.bdf} {igd.model}
            {igd.generation ? ` · gen ${igd.generation}` : ''}
          </dd>
          <dd>
            policy <b>{igd.policy}</b>
            {igd.linkerAutomation ? ' · linker automation' : ''} · host writes {igd.hostOpregionWrites}
          </dd>
        </div>
      </dl>
      {igd.notes.length > 0 && (
        <ul class="notes">
          {igd.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      {igd.guestOpregionProblems.length > 0 && (
        <ul class="problems">
          {igd.guestOpregionProblems.map((p) => (
            <li key={p} class="error">
              {p}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** Where the report's facts will be, while the run streams in: the card keeps its shape when the
 * report arrives, and the browser has already loaded the fonts it is drawn in (the first use of
 * the bold monospace face cost the report's paint tens of milliseconds). */
function PendingFacts({ igd }: { igd: boolean }) {
  const pending = <dd class="mono big pending">0x········</dd>;
  return (
    <dl class="facts">
      <div>
        <dt>ASLS (0xFC)</dt>
        {pending}
        <dd>
          <span class="flag">{igd ? 'when the run ends' : 'no IGD'}</span>
        </dd>
      </div>
      <div>
        <dt>BDSM (stolen memory)</dt>
        {pending}
      </div>
    </dl>
  );
}

export function ReportCard({ run, title }: { run: RunView | null; title?: string }) {
  const r = run?.report ?? null;
  const state = run?.state ?? 'idle';
  return (
    <section
      class={`report run-${state}`}
      data-testid="report"
      data-state={state}
      data-asls={igdOf(r) ? String(igdOf(r)!.asls) : undefined}
      data-bdsm={igdOf(r) ? String(igdOf(r)!.bdsm) : undefined}
      data-instructions={run ? String(run.instructions) : undefined}
      data-reason={r?.result.reason}
      data-e820={r ? JSON.stringify(r.e820.map((e) => [e.start, e.end, e.type])) : undefined}
      aria-live="polite"
    >
      <header>
        <h2>{title ?? 'Boot report'}</h2>
        <span class={`state state-${state}`}>{state}</span>
        {run && (
          <span class="mono">
            {grouped(run.instructions)} instructions · {vtime(run.virtualTimeNs)} virtual
            {run.workerMs !== null ? ` · ${(run.workerMs / 1000).toFixed(2)} s in the worker` : ''}
          </span>
        )}
      </header>
      {run?.error && (
        <p class="error" role="alert" data-testid="error">
          {run.error}
        </p>
      )}
      {run?.extras && (
        <p class="small">
          {run.extras.firmwareName} · {CPU_TEXT[run.extras.cpu]}
          {run.extras.fallback ? ` · note: ${run.extras.fallback}` : ''}
        </p>
      )}
      {r && (
        <>
          <p class="reason">
            Stopped: <b>{r.result.reason}</b> — {r.result.detail}
          </p>
          <IgdFacts r={r} />
          <details>
            <summary>e820 map ({r.e820.length} entries)</summary>
            <table class="e820">
              <tbody>
                {r.e820.map((e) => (
                  <tr key={e.start}>
                    <td class="mono">{hex(e.start, e.end > 0x1_0000_0000 ? 10 : 8)}</td>
                    <td class="mono">{hex(e.end, e.end > 0x1_0000_0000 ? 10 : 8)}</td>
                    <td>{e.typeName}</td>
                    <td class="num">{size(e.end - e.start)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
      {run && !r && run.state !== 'error' && <PendingFacts igd={run.spec.igd !== 'none'} />}
      {!run && <p class="hint">Pick a machine and press Boot (or add ?autoboot to the link).</p>}
    </section>
  );
}
