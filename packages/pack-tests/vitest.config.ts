import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    testTimeout: 60_000,
    // beforeAll packs and runs `npm install`; a cold npm cache downloads the frameworks first.
    hookTimeout: 180_000,
  },
});
