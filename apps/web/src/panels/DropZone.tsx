// Where the user drops (or picks) a BIOS image or host dumps. Each file is recognised by content;
// refusals are listed with their one-line reason and the page stays usable.
import { useState } from 'preact/hooks';
import { type HostFile, kindName } from '../host-files.js';

export function DropZone(p: {
  files: HostFile[];
  errors: string[];
  onFiles: (files: File[]) => void;
  onRemove: (name: string) => void;
}) {
  const [over, setOver] = useState(false);
  return (
    <fieldset
      class={`drop ${over ? 'over' : ''}`}
      data-testid="dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        p.onFiles([...(e.dataTransfer?.files ?? [])]);
      }}
    >
      <legend>Your files</legend>
      <p class="small">
        Drop a BIOS image, or host dumps: <code>i915_opregion</code>, a VBT, the IGD's <code>config</code>, or{' '}
        <code>lspci -xxxx</code> text. They stay in this tab.
      </p>
      <input
        type="file"
        multiple
        aria-label="choose files"
        data-testid="file-input"
        onChange={(e) => {
          const input = e.target as HTMLInputElement;
          p.onFiles([...(input.files ?? [])]);
          input.value = '';
        }}
      />
      {p.files.length > 0 && (
        <ul class="files" data-testid="files">
          {p.files.map((f) => (
            <li key={f.name}>
              <b>{f.name}</b> — {kindName(f.kind)}: {f.summary}{' '}
              <button
                type="button"
                class="link"
                onClick={() => p.onRemove(f.name)}
                aria-label={`remove ${f.name}`}
              >
                remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {p.errors.length > 0 && (
        <ul class="problems" role="alert" data-testid="file-errors">
          {p.errors.map((e) => (
            <li key={e} class="error">
              {e}
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}
