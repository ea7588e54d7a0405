// A hex dump with one highlighted span, scrolled into view when it changes.
import { useEffect, useRef } from 'preact/hooks';
import { hex } from '../format.js';

export interface Span {
  start: number;
  /** exclusive */
  end: number;
  label: string;
}

const ROW = 16;

function rowText(bytes: Uint8Array, off: number): { hexes: string[]; ascii: string } {
  const hexes: string[] = [];
  let ascii = '';
  for (let i = off; i < off + ROW && i < bytes.length; i++) {
    const b = bytes[i]!;
    hexes.push(b.toString(16).padStart(2, '0'));
    ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  }
  return { hexes, ascii };
}

export function HexView({ bytes, selection }: { bytes: Uint8Array; selection: Span | null }) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!selection) return;
    ref.current
      ?.querySelector(`[data-row="${Math.floor(selection.start / ROW) * ROW}"]`)
      ?.scrollIntoView({ block: 'center' });
  }, [selection]);
  const rows: number[] = [];
  for (let off = 0; off < bytes.length; off += ROW) rows.push(off);
  const inSel = (i: number) => selection !== null && i >= selection.start && i < selection.end;
  return (
    <section class="hex" ref={ref} aria-label="hex view">
      {selection && (
        <p class="hint sticky">
          {selection.label}: {hex(selection.start, 4)}–{hex(selection.end - 1, 4)}
        </p>
      )}
      {rows.map((off) => {
        const { hexes, ascii } = rowText(bytes, off);
        const any = inSel(off) || inSel(off + ROW - 1);
        return (
          <div key={off} class="hex-row" data-row={off}>
            <span class="hex-off">{off.toString(16).padStart(5, '0')}</span>
            <span class="hex-bytes">
              {any
                ? hexes.map((h, i) => (
                    <span key={i} class={inSel(off + i) ? 'sel' : ''}>
                      {h}{' '}
                    </span>
                  ))
                : hexes.join(' ')}
            </span>
            <span class="hex-ascii">{ascii}</span>
          </div>
        );
      })}
    </section>
  );
}
