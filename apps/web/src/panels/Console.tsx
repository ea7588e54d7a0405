// The firmware's debug console (port 0x402) as it prints.
import { useEffect, useRef } from 'preact/hooks';

export function Console(props: { lines: readonly string[]; dropped: number; running: boolean }) {
  const ref = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (el && props.running) el.scrollTop = el.scrollHeight;
  }, [props.lines.length, props.running]);
  return (
    <section class="panel console" aria-label="firmware debug console">
      <p class="hint">
        Port 0x402 (QEMU's debugcon), {props.lines.length} lines
        {props.dropped ? `, ${props.dropped} more not kept` : ''}.
      </p>
      <pre ref={ref} class="console-text" data-testid="console">
        {props.lines.join('\n')}
      </pre>
    </section>
  );
}
