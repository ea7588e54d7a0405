// The machine's Web Worker: builds the PC from the page's spec, runs its firmware, and streams the
// debug console, the event stream and progress back in batches, then the report. Everything a
// guest or a dropped file can do ends here as a message, never as an uncaught exception.
import { ConfigError, createMachine, type Machine, type MachineEvent } from '@vmkit/machine';
import { machineInput } from './machine-input.js';
import type { FromWorker, RunExtras, StartMessage, ToWorker } from './protocol.js';

/** The page shows at most this many events and console lines; the rest are counted, not kept. */
export const MAX_EVENTS = 50_000;
export const MAX_LINES = 20_000;

interface Scope {
  postMessage(msg: FromWorker): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as Scope;
const post = (m: FromWorker) => scope.postMessage(m);

class Outbox {
  private events: MachineEvent[] = [];
  private lines: string[] = [];
  private sentEvents = 0;
  private sentLines = 0;
  private droppedEvents = 0;
  private droppedLines = 0;

  event(e: MachineEvent): void {
    // The handshake's own events are always kept; the bulk (PCI reads, CPU mode changes) is capped.
    if (
      this.sentEvents + this.events.length < MAX_EVENTS ||
      e.kind.startsWith('igd') ||
      e.kind.startsWith('machine')
    ) {
      this.events.push(e);
    } else this.droppedEvents++;
  }

  line(l: string): void {
    if (this.sentLines + this.lines.length < MAX_LINES) this.lines.push(l);
    else this.droppedLines++;
  }

  flush(): void {
    if (this.events.length) {
      post({ type: 'events', events: this.events, dropped: this.droppedEvents });
      this.sentEvents += this.events.length;
      this.events = [];
    }
    if (this.lines.length) {
      post({ type: 'console', lines: this.lines, dropped: this.droppedLines });
      this.sentLines += this.lines.length;
      this.lines = [];
    }
  }
}

/** False where a Content-Security-Policy without 'unsafe-eval' forbids `new Function`. */
function evalAllowed(): boolean {
  try {
    return new Function('return 1')() === 1;
  } catch {
    return false;
  }
}

function describe(e: unknown): string {
  if (e instanceof ConfigError) return e.problems.join('; ');
  return e instanceof Error ? e.message : String(e);
}

function extrasFor(m: Machine, built: ReturnType<typeof machineInput>, cpu: RunExtras['cpu']): RunExtras {
  const asls = m.igd ? m.igd.regs.asls >>> 0 : 0;
  const size = Math.max(m.igd?.source.opRegion?.length ?? 0, 0x2000);
  return {
    cpu,
    below4g: m.layout.below4g,
    above4g: m.layout.above4g,
    biosSize: built.biosSize,
    firmwareName: built.firmwareName,
    fallback: built.fallback,
    hostOpRegion: m.igd?.source.opRegion ?? null,
    guestOpRegion: asls && m.isRam(asls, size, 'read', true) ? m.memory.readBytes(asls, size) : null,
  };
}

function start(msg: StartMessage): void {
  const t0 = performance.now();
  const out = new Outbox();
  const canEval = evalAllowed();
  let built: ReturnType<typeof machineInput>;
  let machine: Machine;
  try {
    built = machineInput(msg.spec, msg.files, msg.seabios, msg.spec.jit && canEval);
    machine = createMachine(built.input, { debugcon: (l) => out.line(l) });
  } catch (e) {
    post({ type: 'error', message: describe(e) });
    return;
  }
  const image = built.input.firmware?.kind === 'image';
  const cpu: RunExtras['cpu'] = !image
    ? 'none'
    : !msg.spec.jit
      ? 'interpreter'
      : canEval
        ? 'jit'
        : 'interpreter-csp';
  machine.events.subscribe((e) => out.event(e));
  post({ type: 'started', extras: extrasFor(machine, built, cpu) });
  try {
    const report = machine.boot({
      maxInstructions: msg.spec.budget,
      onProgress: (p) => {
        out.flush();
        post({ type: 'progress', state: 'running', ...p });
      },
    });
    out.flush();
    report.firmware.fallback = built.fallback;
    post({ type: 'done', report, extras: extrasFor(machine, built, cpu), workerMs: performance.now() - t0 });
  } catch (e) {
    out.flush();
    post({ type: 'error', message: `the machine stopped with an internal error: ${describe(e)}` });
  }
}

scope.onmessage = (ev) => {
  const msg = ev.data;
  if (msg.type === 'start') start(msg);
};
