import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One directory per run for tarballs and temporary projects; see `src/pack.ts`. */
    packTestsDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  // Under the OS temporary directory, so no node_modules or tsconfig of the workspace is above it.
  const dir = mkdtempSync(join(tmpdir(), 'jwt-pack-tests-'));
  project.provide('packTestsDir', dir);
  return () => {
    if (process.env.PACK_TESTS_KEEP === '1') console.log(`pack tests: kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
}
