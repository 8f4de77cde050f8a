import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    // One TypeScript program over every block: a hang guard on a busy two-core machine, not a timing assertion.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
