// The README's API sketch is test/readme-sketch.ts verbatim; run it and check its output.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

describe('README sketch', () => {
  it('is embedded verbatim in README.md', () => {
    const sketch = readFileSync(new URL('./readme-sketch.ts', import.meta.url), 'utf8').trim();
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(sketch);
  });

  it('runs and prints what its comments say', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.join(' '));
    });
    try {
      await import('./readme-sketch.js');
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual(['A20 true', 'e9', 'debugcon: hello', '54925402 true 8']);
  });
});
