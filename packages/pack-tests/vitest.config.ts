import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    // Generous: type-checking a framework's declarations takes a while on a busy two-core machine.
    // These are hang guards, not timing assertions.
    testTimeout: 150_000,
    // beforeAll packs and runs `npm install`; a cold npm cache downloads the frameworks first.
    hookTimeout: 180_000,
  },
});
