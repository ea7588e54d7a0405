// The data a heavy view (the timeline's table) shows, held back so that drawing it never competes
// with what matters more. While a run streams in, it changes at most every `holdMs` (first when
// that long has passed since the run started: each redraw of a few hundred table rows costs the
// page's main thread tens of milliseconds, and on a two-core machine the machine worker pays for
// it); otherwise it follows one paint behind the rest of the page, so when a run ends the boot
// report is painted first and the last rows come in the next task.
import { useEffect, useRef, useState } from 'preact/hooks';

export function useViewData<T>(value: T, running: boolean, holdMs: number): T {
  const [shown, setShown] = useState(value);
  const since = useRef(performance.now());
  useEffect(() => {
    if (running) since.current = performance.now();
  }, [running]);
  // Preact runs effects after the browser has painted the render that scheduled them (a frame,
  // then a task), and the re-render setShown asks for runs after every effect of that paint.
  useEffect(() => {
    const show = () => {
      since.current = performance.now();
      setShown(() => value);
    };
    if (!running) return show();
    const t = setTimeout(show, Math.max(0, holdMs - (performance.now() - since.current)));
    return () => clearTimeout(t);
  }, [value, running]);
  return shown;
}
