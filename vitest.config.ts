import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'scripts'],
    // 2-core machines: keep parallelism modest.
    maxWorkers: 2,
  },
});
