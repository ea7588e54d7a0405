// Boot, pause, step, resume, stop, and the run's progress.
import { useState } from 'preact/hooks';
import { grouped } from '../format.js';
import type { Run, RunView } from '../run.js';

const STEPS = [1, 1000, 100_000, 1_000_000];

export function Controls(p: {
  run: RunView | null;
  control: Run | null;
  ready: boolean;
  onBoot: (paused?: boolean) => void;
}) {
  const [step, setStep] = useState(100_000);
  const state = p.run?.state ?? 'idle';
  const live = state === 'running' || state === 'paused';
  return (
    <div class="controls" role="toolbar" aria-label="run controls">
      <button
        type="button"
        class="primary"
        onClick={() => p.onBoot(false)}
        disabled={!p.ready}
        data-testid="boot"
      >
        {live ? 'Restart' : 'Boot'}
      </button>
      <button
        type="button"
        onClick={() => p.onBoot(true)}
        disabled={!p.ready}
        data-testid="boot-paused"
        title="build the machine and stop before its first instruction"
      >
        Boot paused
      </button>
      <button
        type="button"
        onClick={() => p.control?.pause()}
        disabled={state !== 'running'}
        data-testid="pause"
      >
        Pause
      </button>
      <button
        type="button"
        onClick={() => p.control?.resume()}
        disabled={state !== 'paused'}
        data-testid="resume"
      >
        Resume
      </button>
      <button
        type="button"
        onClick={() => p.control?.step(step)}
        disabled={state !== 'paused'}
        data-testid="step"
      >
        Step
      </button>
      <select
        value={step}
        onChange={(e) => setStep(Number((e.target as HTMLSelectElement).value))}
        aria-label="step size"
      >
        {STEPS.map((s) => (
          <option key={s} value={s}>
            {grouped(s)} instr.
          </option>
        ))}
      </select>
      <button type="button" onClick={() => p.control?.stop()} disabled={!live} data-testid="stop">
        Stop
      </button>
      <span class="progress mono" data-testid="progress">
        {p.run ? `${grouped(p.run.instructions)} instructions` : p.ready ? 'ready' : 'loading firmware…'}
      </span>
    </div>
  );
}
