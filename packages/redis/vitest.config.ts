import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run against the core's source, so they never depend on a stale or half-written build.
    alias: { '@jwt/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    testTimeout: 90_000,
    // Hooks start redis-server and worker processes, which a busy machine can make slow.
    hookTimeout: 90_000,
  },
});
