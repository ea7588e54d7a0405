// A labelled native <select> (keyboard-usable): options as [value, text, disabled?].
export type Option = readonly [value: string, text: string, disabled?: boolean];

export function Select(p: {
  label: string;
  /** Visible caption above the control (the aria label otherwise). */
  caption?: string;
  value: string;
  options: readonly Option[];
  onPick: (value: string) => void;
  title?: string;
}) {
  return (
    <label class="field" title={p.title}>
      {p.caption}
      <select
        value={p.value}
        aria-label={p.label}
        onChange={(e) => p.onPick((e.target as HTMLSelectElement).value)}
      >
        {p.options.map(([v, text, disabled]) => (
          <option key={v} value={v} disabled={disabled}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Options whose text is their value. */
export function plain(values: readonly string[]): Option[] {
  return values.map((v) => [v, v] as const);
}
