// The data a heavy view (the timeline's table, the console) shows, held back so that drawing it
// never competes with what matters more. While a run streams in, it changes at most once a
// second (each re-render of a few hundred table rows costs the page's main thread tens of
// milliseconds, and on a two-core machine the machine worker pays for it); otherwise it follows
// one paint behind the rest of the page, so when a run ends the boot report is painted first and
// the last rows come in the next task.
import { useEffect, useRef, useState } from 'preact/hooks';

/** While running, heavy views are redrawn at most this often (milliseconds). */
export const LIVE_MS = 1000;

export function useViewData<T>(value: T, running: boolean): T {
  const [shown, setShown] = useState(value);
  const since = useRef(performance.now());
  // Preact runs effects after the browser has painted the render that scheduled them (a frame,
  // then a task), and the re-render setShown asks for runs after every effect of that paint.
  useEffect(() => {
    const show = () => {
      since.current = performance.now();
      setShown(() => value);
    };
    if (!running) return show();
    const t = setTimeout(show, Math.max(0, LIVE_MS - (performance.now() - since.current)));
    return () => clearTimeout(t);
  }, [value, running]);
  return shown;
}
