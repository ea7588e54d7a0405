#!/usr/bin/env node
// The project's package generator: `pnpm new-package <name> [--app] [--deps a,b] [--description "…"]`.
// Creates packages/<name> (or apps/<name>) with the layout every vmkit package shares (DESIGN.md §6):
// type module, sideEffects false, an exports map (source condition first, then types, then dist),
// explicit files, tsconfig.json (src → dist) + tsconfig.test.json (tests type-checked by tsc -b),
// a vitest project, a README skeleton to fill in, and a first test.
// check-repo-paths: base=packages/NAME (the templates below are relative to the new package's folder)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const name = args.find((a) => !a.startsWith('--'));
const flag = (f) => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  console.error('usage: new-package <name> [--app] [--deps a,b] [--description "…"]');
  process.exit(2);
}
const isApp = args.includes('--app');
const deps = (flag('--deps') ?? '').split(',').filter(Boolean);
const description = flag('--description') ?? `vmkit ${name}`;
const dir = join(root, isApp ? 'apps' : 'packages', name);
if (existsSync(dir)) {
  console.error(`${dir} already exists`);
  process.exit(1);
}
mkdirSync(join(dir, 'src'), { recursive: true });
mkdirSync(join(dir, 'test'), { recursive: true });
const write = (p, s) => writeFileSync(join(dir, p), s);
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
void version;

const pkg = {
  name: `@vmkit/${name}`,
  version: '0.0.0',
  description,
  ...(isApp ? { private: true } : {}),
  type: 'module',
  sideEffects: false,
  license: 'MIT',
  exports: {
    '.': {
      '@vmkit/source': './src/index.ts',
      types: './dist/index.d.ts',
      default: './dist/index.js',
    },
  },
  main: './dist/index.js',
  types: './dist/index.d.ts',
  files: ['dist', 'src', 'README.md', '!dist/**/*.tsbuildinfo'],
  scripts: {
    build: 'tsc -b tsconfig.json',
    typecheck: 'tsc -b tsconfig.test.json',
    test: 'vitest run',
  },
  dependencies: Object.fromEntries(deps.map((d) => [`@vmkit/${d}`, 'workspace:*'])),
  engines: { node: '>=20.19' },
};
write('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
write(
  'tsconfig.json',
  `${JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/.tsbuildinfo' },
      include: ['src/**/*.ts'],
      references: deps.map((d) => ({ path: `../../packages/${d}` })),
    },
    null,
    2,
  )}\n`,
);
write(
  'tsconfig.test.json',
  `${JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: {
        rootDir: '.',
        outDir: '.tsbuild/test',
        tsBuildInfoFile: '.tsbuild/test/.tsbuildinfo',
        emitDeclarationOnly: true,
        types: ['node'],
      },
      include: ['test/**/*.ts', 'bench/**/*.ts'],
      references: [{ path: './tsconfig.json' }],
    },
    null,
    2,
  )}\n`,
);
write(
  'vitest.config.ts',
  `import { defineProject } from 'vitest/config';\nimport { projectConfig } from '../../vitest.shared.ts';\n\nexport default defineProject(projectConfig('${name}'));\n`,
);
write('src/index.ts', `export const PACKAGE_NAME = '@vmkit/${name}';\n`);
write(
  'test/index.test.ts',
  `import { describe, expect, it } from 'vitest';\nimport { PACKAGE_NAME } from '../src/index.js';\n\ndescribe('${name}', () => {\n  it('exports its name', () => {\n    expect(PACKAGE_NAME).toBe('@vmkit/${name}');\n  });\n});\n`,
);
write(
  'README.md',
  `# @vmkit/${name}\n\n${description}\n\n## Purpose\n\n## API sketch\n\n## Specifications followed\n\n## Limits and untrusted input\n\n## Non-goals\n`,
);
console.log(`created ${dir}`);
