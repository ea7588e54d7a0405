// The machine picker: firmware, IGD model or host dump, policy, linker automation, memory, budget,
// and the second run of a comparison. Every field is a labelled native control (keyboard-usable).
import { CATALOGUE, OPREGION_POLICIES, type OpRegionPolicy } from '@vmkit/vfio-igd';
import type { HostFile } from '../host-files.js';
import { COMPARE_FIELDS, type CompareField, type PageState, type RunSpec } from '../spec.js';
import { Choice } from './Choice.js';
import { DevicesField } from './DevicesField.js';
import { DropZone } from './DropZone.js';

const MEMORY = ['64M', '128M', '512M', '2G', '3584M', '4G'];

const POLICY_HELP: Record<string, string> = {
  'fw-cfg': 'firmware copies etc/igd-opregion into reserved RAM and writes ASLS (QEMU today)',
  map: "the VMM maps the host's OpRegion read-only where firmware points ASLS",
  'map-rw': 'as map, writable: guest writes reach the host image (unsafe)',
  'copy-on-asls': 'the VMM copies the OpRegion into guest RAM when ASLS is written',
};

interface Props {
  state: PageState;
  seabios: boolean | null;
  files: HostFile[];
  fileErrors: string[];
  onSpec: (s: RunSpec) => void;
  onCompare: (c: PageState['compare']) => void;
  onFiles: (files: File[]) => void;
  onRemoveFile: (name: string) => void;
}

function compareValues(field: CompareField, seabios: boolean | null): string[] {
  switch (field) {
    case 'policy':
      return [...OPREGION_POLICIES];
    case 'firmware':
      return seabios ? ['seabios', 'hle'] : ['hle'];
    case 'linker':
    case 'jit':
      return ['1', '0'];
    case 'memory':
      return MEMORY;
    case 'igd':
      return ['none', ...CATALOGUE.map((m) => m.key)];
  }
}

export function ConfigForm(p: Props) {
  const s = p.state.spec;
  const set = <K extends keyof RunSpec>(k: K, v: RunSpec[K]) => p.onSpec({ ...s, [k]: v });
  const hasBios = p.files.some((f) => f.kind === 'bios');
  const hasDump = p.files.some((f) => f.kind !== 'bios');
  const dumpHasConfig = p.files.some((f) => f.kind === 'config' || f.kind === 'lspci');
  const cmp = p.state.compare;
  return (
    <form class="config" onSubmit={(e) => e.preventDefault()} aria-label="machine configuration">
      <fieldset>
        <legend>Firmware</legend>
        <Choice
          name="fw"
          checked={s.firmware === 'seabios'}
          disabled={p.seabios === false}
          onPick={() => set('firmware', 'seabios')}
        >
          Debian SeaBIOS 1.16{' '}
          {p.seabios === false ? '(not in this build)' : '(bios-256k.bin on the x86 core)'}
        </Choice>
        <Choice name="fw" checked={s.firmware === 'hle'} onPick={() => set('firmware', 'hle')}>
          TypeScript SeaBIOS port
        </Choice>
        <Choice
          name="fw"
          checked={s.firmware === 'file'}
          disabled={!hasBios}
          onPick={() => set('firmware', 'file')}
        >
          your BIOS image {hasBios ? '' : '(drop one below)'}
        </Choice>
      </fieldset>
      <fieldset>
        <legend>Assigned IGD</legend>
        <label class="field">
          model
          <select
            value={s.igd}
            onChange={(e) => set('igd', (e.target as HTMLSelectElement).value)}
            aria-label="IGD model"
          >
            <option value="none">none</option>
            {CATALOGUE.map((m) => (
              <option key={m.key} value={m.key}>
                {m.key} — {m.codename} {m.name} (8086:{m.deviceId.toString(16).padStart(4, '0')})
              </option>
            ))}
            <option value="dump" disabled={!hasDump}>
              host dump (dropped files)
            </option>
          </select>
        </label>
        {s.igd === 'dump' && !dumpHasConfig && (
          <label class="field">
            identity from
            <select
              value={s.model}
              onChange={(e) => set('model', (e.target as HTMLSelectElement).value)}
              aria-label="config space from model"
            >
              {CATALOGUE.map((m) => (
                <option key={m.key} value={m.key}>
                  {m.key} config space (no config dump dropped)
                </option>
              ))}
            </select>
          </label>
        )}
        <label class="field" title={POLICY_HELP[s.policy]}>
          OpRegion policy
          <select
            value={s.policy}
            onChange={(e) => set('policy', (e.target as HTMLSelectElement).value as OpRegionPolicy)}
            aria-label="OpRegion policy"
          >
            {OPREGION_POLICIES.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        </label>
        <p class="small">{POLICY_HELP[s.policy]}</p>
        <label>
          <input type="checkbox" checked={s.linker} onChange={() => set('linker', !s.linker)} />
          linker automation (WRITE_PCI_CONFIG)
        </label>
      </fieldset>
      <fieldset>
        <legend>Machine</legend>
        <label class="field">
          memory
          <select
            value={s.memory}
            onChange={(e) => set('memory', (e.target as HTMLSelectElement).value)}
            aria-label="memory"
          >
            {(MEMORY.includes(s.memory) ? MEMORY : [s.memory, ...MEMORY]).map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          instruction budget
          <input
            type="number"
            min={1}
            step={1000000}
            value={s.budget}
            onChange={(e) => {
              const n = Number((e.target as HTMLInputElement).value);
              if (Number.isSafeInteger(n) && n > 0) set('budget', n);
            }}
            aria-label="instruction budget"
          />
        </label>
        <label>
          <input type="checkbox" checked={s.jit} onChange={() => set('jit', !s.jit)} />
          trace compiler (JIT)
        </label>
      </fieldset>
      <DevicesField devices={s.devices} onChange={(d) => set('devices', d)} />
      <fieldset>
        <legend>Compare with</legend>
        <label class="field">
          <select
            value={cmp?.field ?? ''}
            aria-label="compare field"
            onChange={(e) => {
              const f = (e.target as HTMLSelectElement).value as CompareField | '';
              p.onCompare(
                f
                  ? { field: f, value: compareValues(f, p.seabios).find((v) => v !== String(s[f])) ?? '' }
                  : null,
              );
            }}
          >
            <option value="">no second run</option>
            {COMPARE_FIELDS.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
          {cmp && (
            <select
              value={cmp.value}
              aria-label="compare value"
              onChange={(e) => p.onCompare({ ...cmp, value: (e.target as HTMLSelectElement).value })}
            >
              {compareValues(cmp.field, p.seabios).map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          )}
        </label>
      </fieldset>
      <DropZone files={p.files} errors={p.fileErrors} onFiles={p.onFiles} onRemove={p.onRemoveFile} />
    </form>
  );
}
