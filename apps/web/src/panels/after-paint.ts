// A value as a heavy view shows it: one paint behind the rest of the page. The boot report (a few
// elements) is painted first when a run ends; the timeline's and the console's new rows (hundreds
// of table rows to lay out) follow in the next task, so they never hold the result back.
import { useEffect, useState } from 'preact/hooks';

export function useAfterPaint<T>(value: T): T {
  const [shown, setShown] = useState(value);
  // Preact runs effects after the browser has painted the render that scheduled them (a frame,
  // then a task), and the re-render setShown asks for runs after every effect of that paint.
  useEffect(() => setShown(() => value), [value]);
  return shown;
}
