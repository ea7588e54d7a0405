// The machine picker: firmware, IGD model or host dump, policy, linker automation, memory, budget,
// and the second run of a comparison. Every field is a labelled native control (keyboard-usable).
import { CATALOGUE, OPREGION_POLICIES, type OpRegionPolicy } from '@vmkit/vfio-igd';
import type { HostFile } from '../host-files.js';
import { COMPARE_FIELDS, type CompareField, type PageState, type RunSpec } from '../spec.js';
import { Choice } from './Choice.js';
import { DevicesField } from './DevicesField.js';
import { DropZone } from './DropZone.js';
import { type Option, plain, Select } from './Select.js';

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
        <Select
          label="IGD model"
          caption="model"
          value={s.igd}
          onPick={(v) => set('igd', v)}
          options={[
            ['none', 'none'],
            ...CATALOGUE.map(
              (m): Option => [
                m.key,
                `${m.key} — ${m.codename} ${m.name} (8086:${m.deviceId.toString(16).padStart(4, '0')})`,
              ],
            ),
            ['dump', 'host dump (dropped files)', !hasDump],
          ]}
        />
        {s.igd === 'dump' && !dumpHasConfig && (
          <Select
            label="config space from model"
            caption="identity from"
            value={s.model}
            onPick={(v) => set('model', v)}
            options={CATALOGUE.map((m): Option => [m.key, `${m.key} config space (no config dump dropped)`])}
          />
        )}
        <Select
          label="OpRegion policy"
          caption="OpRegion policy"
          title={POLICY_HELP[s.policy]}
          value={s.policy}
          onPick={(v) => set('policy', v as OpRegionPolicy)}
          options={plain(OPREGION_POLICIES)}
        />
        <p class="small">{POLICY_HELP[s.policy]}</p>
        <label>
          <input type="checkbox" checked={s.linker} onChange={() => set('linker', !s.linker)} />
          linker automation (WRITE_PCI_CONFIG)
        </label>
      </fieldset>
      <fieldset>
        <legend>Machine</legend>
        <Select
          label="memory"
          caption="memory"
          value={s.memory}
          onPick={(v) => set('memory', v)}
          options={plain(MEMORY.includes(s.memory) ? MEMORY : [s.memory, ...MEMORY])}
        />
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
        <Select
          label="compare field"
          value={cmp?.field ?? ''}
          onPick={(v) => {
            const f = v as CompareField | '';
            const other = f ? compareValues(f, p.seabios).find((x) => x !== String(s[f])) : undefined;
            p.onCompare(f ? { field: f, value: other ?? '' } : null);
          }}
          options={[['', 'no second run'], ...plain(COMPARE_FIELDS)]}
        />
        {cmp && (
          <Select
            label="compare value"
            value={cmp.value}
            onPick={(v) => p.onCompare({ ...cmp, value: v })}
            options={plain(compareValues(cmp.field, p.seabios))}
          />
        )}
      </fieldset>
      <DropZone files={p.files} errors={p.fileErrors} onFiles={p.onFiles} onRemove={p.onRemoveFile} />
    </form>
  );
}
