// Extra devices from the registry, in QEMU's -device text: the list (each removable), and a row
// to add one with the chosen driver's properties shown as its help.
import { useState } from 'preact/hooks';
import { deviceTypes, driverHelp } from '../devices.js';
import { type Option, Select } from './Select.js';

export function DevicesField(p: { devices: string[]; onChange: (d: string[]) => void }) {
  const types = deviceTypes();
  const [driver, setDriver] = useState(
    types.find((t) => t.driver === 'pci-stub')?.driver ?? types[0]!.driver,
  );
  const [props, setProps] = useState('');
  const add = () => {
    const text = [driver, props.trim()].filter(Boolean).join(',');
    p.onChange([...p.devices, text]);
    setProps('');
  };
  return (
    <fieldset>
      <legend>Extra devices</legend>
      {p.devices.length > 0 && (
        <ul class="files" data-testid="devices">
          {p.devices.map((d, i) => (
            <li key={`${i}-${d}`}>
              <code>{d}</code>{' '}
              <button
                type="button"
                class="link"
                aria-label={`remove ${d}`}
                onClick={() => p.onChange(p.devices.filter((_, j) => j !== i))}
              >
                remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <Select
        label="device driver"
        caption="driver"
        value={driver}
        onPick={setDriver}
        options={types.map((t): Option => [t.driver, `${t.driver} (${t.bus}) — ${t.description}`])}
      />
      <label class="field">
        properties
        <input
          type="text"
          value={props}
          placeholder="addr=05.0,vendorId=0x8086,…"
          aria-label="device properties"
          onInput={(e) => setProps((e.target as HTMLInputElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              add();
            }
          }}
        />
      </label>
      <button type="button" onClick={add} data-testid="add-device">
        Add device
      </button>
      <details>
        <summary class="small">{driver} properties</summary>
        <pre class="small help">{driverHelp(driver).join('\n')}</pre>
      </details>
    </fieldset>
  );
}
