// V8 flags the CLI sets for itself before it loads a command (and so before the machine's code is
// compiled). Packages may not touch the engine (they run in browsers too); the CLI is a Node app.
//
// --max-inlined-bytecode-size-cumulative=150 (V8's default: 920): a cold boot's wall time is bound
// by TurboFan compiling the interpreter's dispatch functions (`execute`, `executeLow`, `modrm` …) on
// V8's background thread, several times per boot as SeaBIOS alternates 16- and 32-bit code and the
// type feedback changes. Every such compilation copies up to 920 bytes of helper bytecode into the
// function it optimizes; with a budget of 150 only the small helpers (`fetch8`, `modrm`, register
// access) are inlined, each compilation is a fraction of the work, and the code arrives sooner.
// Measured on SeaBIOS to "No bootable device." (packages/x86-core/docs/performance.md, "The cold boot"): the
// guest-run phase about halves (1030–1122 → 538–592 ms wall, interleaved on the shared box); warm
// boots and the trace compiler's MIPS do not move beyond noise. --no-turbo-inlining gains the same
// on the cold boot but costs the interpreter's steady state ~20 % (warm boots with the trace
// compiler off: 263–321 → 326–385 ms CPU), which the budget of 150 does not (275–342).
import { setFlagsFromString } from 'node:v8';

const FLAG = /^--(no-)?turbo[-_]inlining$|^--max[-_]inlined[-_]bytecode[-_]size[-_]cumulative=/;

/** The flags, unless the user set an inlining flag on node's own command line
 * (`node --max-inlined-bytecode-size-cumulative=920 dist/main.js …`; NODE_OPTIONS refuses V8 flags of this kind). */
function v8FlagsFor(execArgv: readonly string[]): string[] {
  return execArgv.some((a) => FLAG.test(a)) ? [] : ['--max-inlined-bytecode-size-cumulative=150'];
}

/** Sets v8FlagsFor(this process) (before any code they concern has been compiled). */
export function tuneV8(): void {
  for (const f of v8FlagsFor(process.execArgv)) setFlagsFromString(f);
}
