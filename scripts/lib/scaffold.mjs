// The package generator's shared code (`pnpm new-package`, `pnpm new-device`): every vmkit package
// gets the same layout (DESIGN.md §6) — type module, sideEffects false, an exports map (source
// condition first, then types, then dist), explicit files, tsconfig.json (src → dist) +
// tsconfig.test.json, a vitest project, the root LICENSE, a README with an Install section, a first
// test and test/pack-smoke.mjs (scripts/pack-check.mjs) — and is wired into the workspace: the root
// tsconfig.json references, a changeset, and `pnpm install` so the workspace links it. Output
// passes `biome check`, `tsc -b`, its vitest project and the pack check as generated.
// check-repo-paths: base=packages/NAME (the templates below are relative to the new package's folder)
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const NAME_RE = /^[a-z][a-z0-9-]*$/;

/** The library packages a new package may depend on (packages/*, not private). */
export function libraryPackages(root) {
  return readdirSync(join(root, 'packages'))
    .filter((d) => existsSync(join(root, 'packages', d, 'package.json')))
    .filter((d) => !JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')).private)
    .sort();
}

/**
 * Command-line arguments: `<name> [--app] [--deps a,b] [--description "…"]`. Returns the options or
 * a one-line problem (unknown options and unknown --deps are refused).
 */
export function parseGeneratorArgs(argv, root, { allowApp }) {
  const known = new Set(['--deps', '--description', ...(allowApp ? ['--app'] : [])]);
  let name;
  let deps = [];
  let description;
  let isApp = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--app' && allowApp) isApp = true;
    else if (a === '--deps' || a === '--description') {
      const v = argv[++i];
      if (v === undefined) return { problem: `${a} needs a value` };
      if (a === '--deps') deps = v.split(',').filter(Boolean);
      else description = v;
    } else if (a.startsWith('--')) return { problem: `unknown option '${a}' (${[...known].join(', ')})` };
    else if (name === undefined) name = a;
    else return { problem: `unexpected argument '${a}'` };
  }
  if (!name || !NAME_RE.test(name))
    return { problem: `the name must be lower-case letters, digits and - (got '${name ?? ''}')` };
  const libs = libraryPackages(root);
  const unknown = deps.filter((d) => !libs.includes(d));
  if (unknown.length)
    return { problem: `unknown --deps: ${unknown.join(', ')} (workspace packages: ${libs.join(', ')})` };
  if (deps.includes(name)) return { problem: `a package cannot depend on itself (${name})` };
  return { name, deps: [...new Set(deps)], description: description ?? `vmkit ${name}`, isApp };
}

/** lower-kebab → lowerCamel ('my-dev' → 'myDev'). */
export function camel(name) {
  return name.replace(/-([a-z0-9])/g, (_m, c) => c.toUpperCase());
}

const json = (v) => `${JSON.stringify(v, null, 2)}\n`;

function packageJson({ name, description, isApp, deps, devDeps }) {
  return {
    name: `@vmkit/${name}`,
    version: '0.0.0',
    description,
    ...(isApp ? { private: true } : {}),
    type: 'module',
    sideEffects: false,
    license: 'MIT',
    exports: {
      '.': { '@vmkit/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
    },
    main: './dist/index.js',
    types: './dist/index.d.ts',
    files: ['dist', 'src', 'README.md', '!dist/**/*.tsbuildinfo'],
    scripts: { build: 'tsc -b tsconfig.json', typecheck: 'tsc -b tsconfig.test.json', test: 'vitest run' },
    dependencies: Object.fromEntries(deps.map((d) => [`@vmkit/${d}`, 'workspace:*'])),
    ...(devDeps.length
      ? { devDependencies: Object.fromEntries(devDeps.map((d) => [`@vmkit/${d}`, 'workspace:*'])) }
      : {}),
    engines: { node: '>=20.19' },
  };
}

function tsconfigs(deps) {
  const build = {
    extends: '../../tsconfig.base.json',
    compilerOptions: { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/.tsbuildinfo' },
    include: ['src/**/*.ts'],
    references: deps.map((d) => ({ path: `../../packages/${d}` })),
  };
  const test = {
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
  };
  return { build, test };
}

function readme(name, description, isApp, extra) {
  const install = isApp
    ? ''
    : `## Install

\`\`\`sh
npm install @vmkit/${name}
\`\`\`

ES module, Node ≥ 20.19 or any modern browser bundler; no Node or DOM APIs are used, so the same
build runs in both. Maintainers publish from the monorepo with changesets (\`pnpm changeset\`,
\`pnpm changeset version\`, then \`pnpm -r publish\`).

`;
  return `# @vmkit/${name}

${description}

${install}${extra}`;
}

const DEFAULT_README_BODY =
  '## Purpose\n\n## API sketch\n\n## Specifications followed\n\n## Limits and untrusted input\n\n## Non-goals\n';

/**
 * Write the package folder. `files` are extra/overriding files (path → text) from the caller, e.g.
 * the device template. Returns the folder.
 */
export function writePackage(root, opts, files = {}, readmeBody = DEFAULT_README_BODY) {
  const { name, description, isApp, deps, devDeps = [] } = opts;
  const dir = join(root, isApp ? 'apps' : 'packages', name);
  if (existsSync(dir)) throw new Error(`${dir} already exists`);
  const { build, test } = tsconfigs(deps);
  const all = {
    'package.json': json(packageJson({ name, description, isApp, deps, devDeps })),
    'tsconfig.json': json(build),
    'tsconfig.test.json': json(test),
    'vitest.config.ts': `import { defineProject } from 'vitest/config';\nimport { projectConfig } from '../../vitest.shared.ts';\n\nexport default defineProject(projectConfig('${name}'));\n`,
    'src/index.ts': `export const PACKAGE_NAME = '@vmkit/${name}';\n`,
    'test/index.test.ts': `import { describe, expect, it } from 'vitest';\nimport { PACKAGE_NAME } from '../src/index.js';\n\ndescribe('${name}', () => {\n  it('exports its name', () => {\n    expect(PACKAGE_NAME).toBe('@vmkit/${name}');\n  });\n});\n`,
    'test/pack-smoke.mjs': `// Runs under plain Node against the installed tarball (scripts/pack-check.mjs).\nimport { PACKAGE_NAME } from '@vmkit/${name}';\n\nif (PACKAGE_NAME !== '@vmkit/${name}') throw new Error(\`unexpected PACKAGE_NAME \${PACKAGE_NAME}\`);\n`,
    'README.md': readme(name, description, isApp, readmeBody),
    ...files,
  };
  if (isApp) delete all['test/pack-smoke.mjs'];
  for (const [p, text] of Object.entries(all)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  if (!isApp) copyFileSync(join(root, 'LICENSE'), join(dir, 'LICENSE'));
  return dir;
}

/** Add `./<folder>/tsconfig.test.json` to the root tsconfig.json references (packages, then apps). */
export function addRootReference(root, folder) {
  const file = join(root, 'tsconfig.json');
  const cfg = JSON.parse(readFileSync(file, 'utf8'));
  const path = `./${folder}/tsconfig.test.json`;
  if (!cfg.references.some((r) => r.path === path)) cfg.references.push({ path });
  const rank = (p) => (p.startsWith('./packages/') ? 0 : 1);
  cfg.references.sort((a, b) => rank(a.path) - rank(b.path) || a.path.localeCompare(b.path));
  writeFileSync(file, json(cfg));
}

/** A changeset announcing the new package (pnpm test runs `changeset status`). */
export function writeChangeset(root, name, sentence) {
  writeFileSync(
    join(root, '.changeset', `${name}-new.md`),
    `---\n"@vmkit/${name}": minor\n---\n\n${sentence}\n`,
  );
}

/** Link the new package into the workspace (updates pnpm-lock.yaml). `--no-frozen-lockfile`
 * because pnpm freezes the lockfile by default when CI=true, and a new package must change it. */
export function pnpmInstall(root) {
  execFileSync('pnpm', ['install', '--no-frozen-lockfile', '--prefer-offline', '--reporter=silent'], {
    cwd: root,
    stdio: 'inherit',
  });
}

/**
 * Register a device package's DeviceType with every app that has a device registry
 * (`apps/<app>/src/registry.ts` building `new DeviceRegistry([…])`, or listing types by package in
 * `devicePackages = { … }` as the test rig does): the import, the registry entry, the app's
 * dependency and its tsconfig reference. Returns the apps changed.
 */
export function registerWithApps(root, name, exportName) {
  const changed = [];
  const appsDir = join(root, 'apps');
  for (const app of existsSync(appsDir) ? readdirSync(appsDir).sort() : []) {
    const reg = join(appsDir, app, 'src', 'registry.ts');
    if (!existsSync(reg)) continue;
    let src = readFileSync(reg, 'utf8');
    const byPackage = src.indexOf('devicePackages');
    const at = src.indexOf('new DeviceRegistry([');
    if (byPackage >= 0) {
      const open = src.indexOf('= {', byPackage);
      const close = open < 0 ? -1 : src.indexOf('\n};', open);
      if (close < 0) continue;
      src = `${src.slice(0, close)}\n  '@vmkit/${name}': [${exportName}],${src.slice(close)}`;
    } else if (at >= 0) {
      const close = src.indexOf('])', at);
      const list = src
        .slice(at + 'new DeviceRegistry(['.length, close)
        .trim()
        .replace(/,$/, '');
      src = `${src.slice(0, at)}new DeviceRegistry([${list ? `${list}, ` : ''}${exportName}])${src.slice(close + 2)}`;
    } else continue;
    const imports = [...src.matchAll(/^import .*;$/gm)];
    const last = imports.at(-1);
    const line = `import { ${exportName} } from '@vmkit/${name}';`;
    const pos = last ? last.index + last[0].length : 0;
    src = `${src.slice(0, pos)}\n${line}${src.slice(pos)}`;
    writeFileSync(reg, src);
    const pj = join(appsDir, app, 'package.json');
    const pkg = JSON.parse(readFileSync(pj, 'utf8'));
    pkg.dependencies = { ...pkg.dependencies, [`@vmkit/${name}`]: 'workspace:*' };
    writeFileSync(pj, json(pkg));
    const tj = join(appsDir, app, 'tsconfig.json');
    const ts = JSON.parse(readFileSync(tj, 'utf8'));
    ts.references = [...(ts.references ?? []), { path: `../../packages/${name}` }];
    writeFileSync(tj, json(ts));
    changed.push(app);
  }
  return changed;
}

/** `biome check --write` over the files the generator wrote or changed (import order, wrapping). */
export function biomeFix(root, paths) {
  execFileSync('pnpm', ['exec', 'biome', 'check', '--write', ...paths], { cwd: root, stdio: 'inherit' });
}

/** A generator's command line: the options, or a one-line problem, the usage and exit 2. */
export function argsOrExit(command, root, { allowApp }) {
  const opts = parseGeneratorArgs(process.argv.slice(2), root, { allowApp });
  if (!opts.problem) return opts;
  console.error(`${command}: ${opts.problem}`);
  console.error(
    `usage: pnpm ${command} <name>${allowApp ? ' [--app]' : ''} [--deps a,b] [--description "…"]`,
  );
  process.exit(2);
}

/** writePackage, or a one-line error and exit 1 (e.g. the folder exists). Returns the folder. */
export function writeOrExit(command, root, opts, files, readmeBody) {
  try {
    return relative(root, writePackage(root, opts, files, readmeBody));
  } catch (e) {
    console.error(`${command}: ${e.message}`);
    process.exit(1);
  }
}
