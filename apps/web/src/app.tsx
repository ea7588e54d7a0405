// The page: machine settings on the left, the boot report and the views on the right. The state
// that defines a run lives in the URL; dropped files live in this tab only.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { mergeFiles, readDropped } from './files.js';
import { seabiosUrl } from './firmware.js';
import type { HostFile } from './host-files.js';
import { igdOf } from './igd.js';
import { AddressMap } from './panels/AddressMap.js';
import { CompareView } from './panels/CompareView.js';
import { ConfigForm } from './panels/ConfigForm.js';
import { Console } from './panels/Console.js';
import { Controls } from './panels/Controls.js';
import { OpRegionView } from './panels/OpRegionView.js';
import { PciTree } from './panels/PciTree.js';
import { ReportCard } from './panels/ReportCard.js';
import { Timeline } from './panels/Timeline.js';
import { useViewData } from './panels/view-data.js';
import type { StartMessage } from './protocol.js';
import { Run, type RunView } from './run.js';
import { compareSpec, type PageState, parseQuery, toQuery, VIEWS } from './spec.js';
import { mark } from './timing.js';

const NONE: readonly never[] = [];

/** While a run streams in, the timeline's table is redrawn at most this often (milliseconds). */
const TIMELINE_HOLD_MS = 2000;

const VIEW_LABELS: Record<string, string> = {
  timeline: 'Handshake timeline',
  console: 'Debug console',
  map: 'Address map',
  pci: 'PCI devices',
  opregion: 'OpRegion & VBT',
  compare: 'Compare',
};

function useTheme(): [string, () => void] {
  const [theme, setTheme] = useState(() => localStorage.getItem('vmkit-theme') ?? 'auto');
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('vmkit-theme', theme);
  }, [theme]);
  const next = () => setTheme(theme === 'auto' ? 'dark' : theme === 'dark' ? 'light' : 'auto');
  return [theme, next];
}

/** `seabios`: Debian's SeaBIOS as this site ships it (null: built without it); `autoRun`: the run
 * `?autoboot` started. Both begun by main.ts before the page rendered. */
export function App(props: { seabios: Promise<Uint8Array | null>; autoRun: Run | null }) {
  const initial = useRef(parseQuery(location.search));
  const [page, setPage] = useState<PageState>(initial.current.state);
  const [problems] = useState(initial.current.problems);
  const [seabios, setSeabios] = useState<Uint8Array | null | undefined>(undefined);
  const [files, setFiles] = useState<HostFile[]>([]);
  const [fileErrors, setFileErrors] = useState<string[]>([]);
  const [a, setA] = useState<RunView | null>(null);
  const [b, setB] = useState<RunView | null>(null);
  const runs = useRef<{ a: Run | null; b: Run | null }>({ a: null, b: null });
  const [theme, nextTheme] = useTheme();

  /** Shows `run` as run A; when it ends, starts the compare run (one machine at a time). */
  const follow = (run: Run, fw: StartMessage['seabios']) => {
    const second = page.compare;
    runs.current.a = run;
    run.listen((v) => {
      setA(v);
      if (second && (v.state === 'done' || v.state === 'error') && !runs.current.b) {
        runs.current.b = new Run(compareSpec(page.spec, second), files, fw);
        runs.current.b.listen(setB);
      }
    });
  };

  const boot = (paused = false) => {
    runs.current.a?.stop('replaced by a new run');
    runs.current.b?.stop('replaced by a new run');
    runs.current.b = null;
    setB(null);
    const fw = seabios ?? null;
    follow(new Run(page.spec, files, fw, paused), fw);
  };

  useEffect(() => {
    props.seabios.then(setSeabios);
    // ?autoboot: main.ts started the run before the page rendered; show it (a compare run after
    // it fetches the firmware itself, as the first did).
    if (props.autoRun) follow(props.autoRun, { url: seabiosUrl() });
  }, []);
  useEffect(() => {
    history.replaceState(null, '', `?${toQuery({ ...page, autoboot: false })}`);
  }, [page]);

  const onFiles = async (list: File[]) => {
    const { files: added, errors } = await readDropped(list);
    setFileErrors(errors);
    if (!added.length) return;
    const merged = mergeFiles(files, added);
    setFiles(merged);
    const spec = { ...page.spec };
    if (added.some((f) => f.kind === 'bios')) spec.firmware = 'file';
    if (added.some((f) => f.kind !== 'bios')) spec.igd = 'dump';
    setPage({ ...page, spec });
  };
  const onRemoveFile = (name: string) => {
    const left = files.filter((f) => f.name !== name);
    setFiles(left);
    const spec = { ...page.spec };
    if (!left.some((f) => f.kind === 'bios') && spec.firmware === 'file')
      spec.firmware = seabios ? 'seabios' : 'hle';
    if (!left.some((f) => f.kind !== 'bios') && spec.igd === 'dump') spec.igd = spec.model;
    setPage({ ...page, spec });
  };

  useEffect(() => {
    if (a?.state === 'done') mark('report-shown');
  }, [a?.state]);

  const report = a?.report ?? null;
  const extras = a?.extras ?? null;
  const igdBdf = igdOf(report)?.bdf ?? (page.spec.igd === 'none' ? null : '00:02.0');
  // The heavy views as vnodes that stay the same object until their data changes (Preact skips
  // them then), their data held back while a run streams in (panels/view-data.ts).
  const running = a?.state === 'running';
  const events = useViewData(a?.events ?? NONE, running, TIMELINE_HOLD_MS);
  // The console (one block of text) follows every update: the run's last lines are drawn as soon
  // as they arrive, before the report (machine-worker.ts `finish`).
  const lines = a?.lines ?? NONE;
  const droppedEvents = a?.droppedEvents ?? 0;
  const droppedLines = a?.droppedLines ?? 0;
  const timeline = useMemo(
    () => <Timeline events={events} dropped={droppedEvents} igdBdf={igdBdf} />,
    [events, droppedEvents, igdBdf],
  );
  const consoleView = useMemo(
    () => <Console lines={lines} dropped={droppedLines} running={running} />,
    [lines, droppedLines, running],
  );
  return (
    <div class="app">
      <header class="top">
        <h1>
          vmkit <span>· the IGD OpRegion handshake, live</span>
        </h1>
        <p class="tagline">
          An i440FX PC with an assigned Intel GPU, booted in this tab: watch firmware and VMM agree on ASLS
          and BDSM.
        </p>
        <button type="button" class="theme" onClick={nextTheme} aria-label={`theme: ${theme}`}>
          theme: {theme}
        </button>
      </header>
      <aside class="side">
        <ConfigForm
          state={page}
          seabios={seabios === undefined ? null : seabios !== null}
          files={files}
          fileErrors={fileErrors}
          onSpec={(spec) => setPage({ ...page, spec })}
          onCompare={(compare) => setPage({ ...page, compare, view: compare ? 'compare' : page.view })}
          onFiles={onFiles}
          onRemoveFile={onRemoveFile}
        />
      </aside>
      <main class="main">
        {problems.length > 0 && (
          <ul class="problems" role="alert">
            {problems.map((p) => (
              <li key={p} class="error">
                link: {p}
              </li>
            ))}
          </ul>
        )}
        <Controls run={a} ready={seabios !== undefined} onBoot={boot} control={runs.current.a} />
        <ReportCard run={a} />
        {b && <ReportCard run={b} title="Compare run (B)" />}
        <div class="tabs" role="tablist" aria-label="views">
          {VIEWS.map((v) => (
            <button
              key={v}
              type="button"
              role="tab"
              aria-selected={page.view === v}
              class={page.view === v ? 'active' : ''}
              tabIndex={page.view === v ? 0 : -1}
              onClick={() => setPage({ ...page, view: v })}
              onKeyDown={(e) => {
                // WAI-ARIA tabs: arrow keys move between views, Home/End to the ends.
                const i = VIEWS.indexOf(v);
                const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: VIEWS.length - 1 }[e.key];
                if (to === undefined) return;
                e.preventDefault();
                const next = VIEWS[(to + VIEWS.length) % VIEWS.length]!;
                setPage({ ...page, view: next });
                (
                  e.currentTarget.parentElement?.querySelector(`[data-view=${next}]`) as HTMLElement | null
                )?.focus();
              }}
              data-view={v}
            >
              {VIEW_LABELS[v]}
            </button>
          ))}
        </div>
        <div class="view" role="tabpanel">
          {page.view === 'timeline' && timeline}
          {page.view === 'console' && consoleView}
          {page.view === 'map' &&
            (report && extras ? <AddressMap report={report} extras={extras} /> : <Waiting />)}
          {page.view === 'pci' && (report ? <PciTree pci={report.pci} igdBdf={igdBdf} /> : <Waiting />)}
          {page.view === 'opregion' &&
            (report && extras ? (
              <OpRegionView
                guest={extras.guestOpRegion}
                host={extras.hostOpRegion}
                asls={igdOf(report)?.asls ?? 0}
              />
            ) : (
              <Waiting />
            ))}
          {page.view === 'compare' && <CompareView a={a} b={b} />}
        </div>
      </main>
    </div>
  );
}

function Waiting() {
  return <p class="hint panel">This view appears when a run has ended.</p>;
}
