import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import { projectConfig } from '../../vitest.shared';

// Tests build small platforms from @vmkit/memory-bus and @vmkit/pci, which are not declared
// dependencies of this package (the firmware itself only needs PortIo/PhysMem shapes): resolve them
// from source. Suggested root change: add both as devDependencies ("workspace:*"), run pnpm
// install, and drop these aliases and the matching tsconfig.test.json "paths".
const base = projectConfig('seabios-port');
export default defineProject({
  ...base,
  resolve: {
    ...base.resolve,
    alias: {
      '@vmkit/memory-bus': fileURLToPath(new URL('../memory-bus/src/index.ts', import.meta.url)),
      '@vmkit/pci': fileURLToPath(new URL('../pci/src/index.ts', import.meta.url)),
    },
  },
});
