// The machine worker's entry: one file (no second request before the machine's code can load).
// worker-start.ts runs first and starts fetching the firmware of a run the worker was started
// with; then the machine's modules are evaluated and machine-worker.ts takes over.
import './worker-start.js';
import { serve } from './machine-worker.js';

serve();
