#!/usr/bin/env node
// The project's package generator: `pnpm new-package <name> [--app] [--deps a,b] [--description "…"]`.
// Creates packages/<name> (or apps/<name>) with the layout every vmkit package shares and wires it
// into the workspace (scripts/lib/scaffold.mjs); `pnpm new-device` does the same for a device.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  addRootReference,
  argsOrExit,
  biomeFix,
  pnpmInstall,
  writeChangeset,
  writeOrExit,
} from './lib/scaffold.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const opts = argsOrExit('new-package', root, { allowApp: true });
const folder = writeOrExit('new-package', root, opts);
addRootReference(root, folder);
if (!opts.isApp) writeChangeset(root, opts.name, `New package @vmkit/${opts.name}: ${opts.description}.`);
pnpmInstall(root);
biomeFix(root, [folder, 'tsconfig.json']);
console.log(`created ${folder} (@vmkit/${opts.name})

next steps:
  1. write src/ and its tests; fill in ${folder}/README.md (contract and limits)
  2. cd ${folder} && npx vitest run; pnpm typecheck; pnpm lint
  3. pnpm test   (includes the pack-and-install check: keep test/pack-smoke.mjs calling real code)`);
