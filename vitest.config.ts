import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    // 2-core machines: keep parallelism modest.
    maxWorkers: 2,
  },
});
