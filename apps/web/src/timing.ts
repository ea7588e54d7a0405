// Where a page load's time goes, as User Timing marks (`performance.mark`, names `vmkit:*`) on the
// page's timeline: the page's own steps, and the worker's steps converted from the worker's clock
// (each context has its own time origin; both share the wall clock's epoch). `pnpm bench` reads
// them with `performance.getEntriesByType('mark')`; the browser's performance panel shows them.

/** Milliseconds since the epoch, comparable between the page and its workers. */
export function stamp(): number {
  return performance.timeOrigin + performance.now();
}

/** Marks a step of the page now, or at an epoch time taken in a worker. */
export function mark(name: string, at?: number): void {
  const startTime = at === undefined ? performance.now() : at - performance.timeOrigin;
  performance.mark(`vmkit:${name}`, { startTime });
}

/** The worker's steps of one run, epoch milliseconds (see `stamp`), and where its time went. */
export interface WorkerTiming {
  /** The worker's module finished evaluating (its code is loaded and compiled). */
  loaded: number;
  /** The start message arrived (or, for a run the worker started on its own, its code had
   * loaded and the firmware fetch began). */
  started: number;
  /** The worker had fetched the firmware itself (a run it started on its own); 0 otherwise. */
  fetched: number;
  /** createMachine returned. */
  created: number;
  /** The run ended (before the report was built). */
  ended: number;
  /** The report and the panels' extras were built, and the last message is being posted. */
  reported: number;
  /** Milliseconds inside machine.run, summed over slices. */
  runMs: number;
  /** Milliseconds spent posting events, console lines and progress to the page. */
  postMs: number;
  slices: number;
}

/** Puts a run's worker steps on the page's timeline. */
export function markWorker(t: WorkerTiming): void {
  mark('worker-loaded', t.loaded);
  mark('worker-started', t.started);
  if (t.fetched) mark('firmware-fetched', t.fetched);
  mark('machine-created', t.created);
  mark('run-ended', t.ended);
  mark('report-built', t.reported);
}
