// The page's UI, loaded by main.ts once the worker and the firmware are on their way.
import { render } from 'preact';
import { App } from './app.js';
import type { Run } from './run.js';

export function showPage(seabios: Promise<Uint8Array | null>, autoRun: Run | null): void {
  render(<App seabios={seabios} autoRun={autoRun} />, document.getElementById('app')!);
}
