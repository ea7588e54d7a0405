#!/usr/bin/env node
// `pnpm new-device <name> [--deps a,b] [--description "…"]`: a device package (packages/<name>,
// @vmkit/<name>) with a working PCI DeviceType, a test that plugs it into a machine, the common
// layout (scripts/lib/scaffold.mjs), registered with every app's device registry.
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deviceFiles } from './lib/device-template.mjs';
import {
  addRootReference,
  biomeFix,
  parseGeneratorArgs,
  pnpmInstall,
  registerWithApps,
  writeChangeset,
  writePackage,
} from './lib/scaffold.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const opts = parseGeneratorArgs(process.argv.slice(2), root, { allowApp: false });
if (opts.problem) {
  console.error(`new-device: ${opts.problem}`);
  console.error('usage: pnpm new-device <name> [--deps a,b] [--description "…"]');
  process.exit(2);
}
if (opts.description === `vmkit ${opts.name}`) opts.description = `the ${opts.name} PCI device`;
const { files, readme, exportName } = deviceFiles(opts.name, opts.description);
let dir;
try {
  dir = writePackage(
    root,
    {
      ...opts,
      deps: [...new Set(['device', 'memory-bus', 'pci', ...opts.deps])],
      devDeps: ['machine'],
    },
    files,
    readme,
  );
} catch (e) {
  console.error(`new-device: ${e.message}`);
  process.exit(1);
}
const folder = relative(root, dir);
addRootReference(root, folder);
writeChangeset(root, opts.name, `New device package @vmkit/${opts.name}: ${opts.description}.`);
const apps = registerWithApps(root, opts.name, exportName);
pnpmInstall(root);
biomeFix(root, [folder, 'tsconfig.json', ...apps.map((a) => `apps/${a}`)]);
console.log(`created ${folder} (@vmkit/${opts.name}, driver '${opts.name}', ${exportName})
registered with: ${apps.length ? apps.map((a) => `apps/${a}/src/registry.ts`).join(', ') : 'no app registry found'}

next steps:
  1. model your registers in ${folder}/src/device-type.ts (cite the spec or QEMU source you follow)
  2. cd ${folder} && npx vitest run; pnpm typecheck; pnpm lint
  3. fill in ${folder}/README.md (contract and limits) and the changeset .changeset/${opts.name}-new.md
  4. try it: pnpm vmkit boot --igd none --device ${opts.name},addr=03.0 --json
  5. pnpm test (includes the pack-and-install check)`);
