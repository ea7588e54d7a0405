// Shared vitest settings for every workspace project. Packages resolve each other from source
// through the "@vmkit/source" export condition; vitest needs it in both resolve.conditions and
// ssr.resolve.conditions or node tests silently import a stale dist/ (DESIGN.md §5).
import type { UserWorkspaceConfig } from 'vitest/config';

export const SOURCE_CONDITION = '@vmkit/source';

export function projectConfig(name: string): UserWorkspaceConfig {
  return {
    resolve: { conditions: [SOURCE_CONDITION, 'module', 'import', 'default'] },
    ssr: { resolve: { conditions: [SOURCE_CONDITION, 'module', 'import', 'default'] } },
    test: {
      name,
      include: ['test/**/*.test.ts'],
      environment: 'node',
      testTimeout: 60_000,
      hookTimeout: 120_000,
      pool: 'forks',
    },
  };
}
