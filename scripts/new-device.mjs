#!/usr/bin/env node
// `pnpm new-device <name> [--deps a,b] [--description "…"]`: a device package (packages/<name>,
// @vmkit/<name>) with a working PCI DeviceType, a test that plugs it into a machine, the common
// layout (scripts/lib/scaffold.mjs), registered with every app's device registry.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deviceFiles } from './lib/device-template.mjs';
import {
  addRootReference,
  argsOrExit,
  biomeFix,
  pnpmInstall,
  registerWithApps,
  writeChangeset,
  writeOrExit,
} from './lib/scaffold.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const opts = argsOrExit('new-device', root, { allowApp: false });
if (opts.description === `vmkit ${opts.name}`) opts.description = `the ${opts.name} PCI device`;
const { files, readme, exportName } = deviceFiles(opts.name, opts.description);
const deps = [...new Set(['device', 'memory-bus', 'pci', ...opts.deps])];
const folder = writeOrExit('new-device', root, { ...opts, deps, devDeps: ['machine'] }, files, readme);
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
