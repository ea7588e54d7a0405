// JUnit XML (the Ant/Jenkins schema CI dashboards read) for matrix and conformance results.

export interface JunitCase {
  name: string;
  className: string;
  timeMs: number;
  failures: string[];
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function junitXml(suite: string, cases: readonly JunitCase[]): string {
  const failures = cases.filter((c) => c.failures.length > 0).length;
  const total = cases.reduce((t, c) => t + c.timeMs, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${esc(suite)}" tests="${cases.length}" failures="${failures}" time="${(total / 1000).toFixed(3)}">`,
    `  <testsuite name="${esc(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${(total / 1000).toFixed(3)}">`,
  ];
  for (const c of cases) {
    const open = `    <testcase classname="${esc(c.className)}" name="${esc(c.name)}" time="${(c.timeMs / 1000).toFixed(3)}"`;
    if (c.failures.length === 0) lines.push(`${open}/>`);
    else {
      lines.push(`${open}>`);
      for (const f of c.failures) {
        const [kind, ...rest] = f.split(': ');
        lines.push(
          `      <failure message="${esc(f)}" type="${esc(kind)}">${esc(rest.join(': ') || f)}</failure>`,
        );
      }
      lines.push('    </testcase>');
    }
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
