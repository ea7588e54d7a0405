// Text `--trace` streams: each traced event is printed as it happens (through the machine's
// events.subscribe), not collected and printed at the end. A guest that loops on PCI config reads
// under `--trace pci` prints lines while it runs, ends normally at its budget with bounded memory,
// and the printed order is the event stream's (the same events, seq for seq, as --json records).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnBuilt, tmp, vmkitBuilt } from './helpers.js';

/** A 64 KiB BIOS: at F000:0000 select 00:00.0 register 0 and read 0xCFC forever; the reset vector
 * jumps there. */
function pciFloodImage(): string {
  const image = new Uint8Array(64 * 1024);
  image.set([
    0x66,
    0xb8,
    0x00,
    0x00,
    0x00,
    0x80, // mov eax, 0x80000000
    0xba,
    0xf8,
    0x0c, // mov dx, 0xcf8
    0x66,
    0xef, // out dx, eax
    0xba,
    0xfc,
    0x0c, // mov dx, 0xcfc
    0x66,
    0xed, // loop: in eax, dx
    0xeb,
    0xfc, // jmp loop
  ]);
  image.set([0xea, 0x00, 0x00, 0x00, 0xf0], 0xfff0); // jmp F000:0000
  const path = join(tmp, 'pci-flood.bin');
  writeFileSync(path, image);
  return path;
}

const TRACE_LINE =
  /^ {2}#(\d+) pci-config-read bdf=00:00\.0 offset=0x0 size=4 value=0x12378086 device=i440fx$/;

/** Run the built CLI, counting stdout lines as they arrive (nothing kept but the first/last few). */
function run(
  args: string[],
  o: { heapMiB?: number; stopAfterLines?: number } = {},
): Promise<{
  code: number | null;
  signal: string | null;
  lines: number;
  head: string[];
  tail: string[];
  killed: boolean;
  err: string;
}> {
  return new Promise((resolve, reject) => {
    const p = spawnBuilt(args, o.heapMiB ? [`--max-old-space-size=${o.heapMiB}`] : []);
    let lines = 0;
    let partial = '';
    let killed = false;
    let err = '';
    const head: string[] = [];
    const tail: string[] = [];
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      const parts = (partial + d).split('\n');
      partial = parts.pop()!;
      for (const l of parts) {
        lines++;
        if (head.length < 5) head.push(l);
        tail.push(l);
        if (tail.length > 60) tail.shift();
      }
      if (o.stopAfterLines && lines >= o.stopAfterLines && !killed) {
        killed = true;
        p.kill();
      }
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, lines, head, tail, killed, err }));
  });
}

describe('vmkit boot --trace (text) streams events as they happen', () => {
  const image = pciFloodImage();
  const base = ['boot', '--firmware', image, '--igd', 'none', '--trace', 'pci'];

  it('a guest that would flood forever prints trace lines while it runs', async () => {
    // A budget of 10^12 instructions: only streamed output can reach us before we stop it.
    const r = await run([...base, '--max-instructions', '1000000000000'], { stopAfterLines: 20_000 });
    expect(r.killed).toBe(true);
    expect(r.head[0]).toBe('Trace (printed as the events happen):');
    expect(r.head[1]).toMatch(TRACE_LINE);
  }, 60_000);

  it('a flood of 500 000 traced PCI reads ends normally at its budget in a 64 MiB heap', async () => {
    // Collecting the events and printing them at the end (the CLI before streaming) runs out of
    // this heap; streamed, the memory does not depend on the number of events.
    const r = await run([...base, '--max-instructions', '1000000'], { heapMiB: 64 });
    expect(r.err).toMatch(/goal not reached: instruction-budget/);
    expect(r.code).toBe(3);
    const at = r.tail.findIndex((l) => /^\(\d+ events\)$/.test(l));
    expect(at).toBeGreaterThan(0);
    const events = Number(/\d+/.exec(r.tail[at]!)![0]);
    expect(events).toBeGreaterThan(490_000);
    expect(r.tail[at - 1]).toMatch(TRACE_LINE);
    // Header, one line per event, the count, a blank line, then the report.
    expect(r.tail[at + 1]).toBe('');
    expect(r.tail[at + 2]).toMatch(/^Firmware: image /);
    expect(r.tail[at + 3]).toMatch(/^Result: +instruction-budget/);
    expect(r.lines).toBeGreaterThan(events + 3);
  }, 120_000);

  it('the printed order is the event stream: the same events, seq for seq, as --json records', () => {
    const args = [...base, '--max-instructions', '6000'];
    const text = vmkitBuilt(...args);
    const json = JSON.parse(vmkitBuilt(...args, '--json').out) as {
      events: Array<{ seq: number; kind: string }>;
    };
    const printed = text.out
      .split('\n')
      .map((l) => /^ {2}#(\d+) (\S+)/.exec(l))
      .filter((m) => m !== null)
      .map((m) => ({ seq: Number(m[1]), kind: m[2] }));
    expect(printed.length).toBeGreaterThan(2_900);
    expect(printed).toEqual(json.events.map(({ seq, kind }) => ({ seq, kind })));
    expect(text.out).toContain(`(${printed.length} events)`);
  });
});
