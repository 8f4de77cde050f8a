import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startRegistry, type LocalRegistry } from '../src/registry.js';
import { copyWorkspace, publishCurrentVersions } from '../src/release.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One directory per run for tarballs and temporary projects; see `src/pack.ts`. */
    packTestsDir: string;
    /** The local registry every test installs `@jwt/*` from: `http://127.0.0.1:<port>/`. */
    registryUrl: string;
    /** The workspace copy the release rehearsal versions and publishes from (src/release.ts). */
    releaseCopy: string;
    /** How publishing every package of the copy at its current version (the previous release) went. */
    firstPublish: { code: number | null; output: string };
  }
}

/**
 * Before any test: a local registry, a copy of the workspace, and every package of that copy
 * published at its current version, so the registry is as after the previous release. The
 * adapters' tests then install from it by version range, and test/release.test.ts rehearses the
 * next release on top of it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Under the OS temporary directory, so no node_modules or tsconfig of the workspace is above it.
  const dir = mkdtempSync(join(tmpdir(), 'jwt-pack-tests-'));
  project.provide('packTestsDir', dir);
  let registry: LocalRegistry | undefined;
  const teardown = async (): Promise<void> => {
    await registry?.stop();
    if (process.env.PACK_TESTS_KEEP === '1') console.log(`pack tests: kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
  try {
    registry = await startRegistry(join(dir, 'registry'));
    project.provide('registryUrl', registry.url);
    const copy = join(dir, 'workspace');
    mkdirSync(copy);
    copyWorkspace(copy);
    writeFileSync(join(copy, '.npmrc'), registry.npmrc);
    project.provide('releaseCopy', copy);
    const published = await publishCurrentVersions(copy, registry.url);
    project.provide('firstPublish', { code: published.code, output: `${published.stdout}\n${published.stderr}` });
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
