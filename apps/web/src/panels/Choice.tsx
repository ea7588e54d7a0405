// A labelled radio button (keyboard-usable native control) for the pickers.
import type { ComponentChildren } from 'preact';

export function Choice(p: {
  name: string;
  checked: boolean;
  disabled?: boolean;
  onPick: () => void;
  class?: string;
  children: ComponentChildren;
}) {
  return (
    <label class={p.class}>
      <input type="radio" name={p.name} checked={p.checked} disabled={p.disabled} onChange={p.onPick} />
      {p.children}
    </label>
  );
}
