/**
 * The release rehearsal: the next release of the workspace copy made by test/global-setup.ts (where
 * every package is already published at its current version), with the changesets CLI against the
 * local Verdaccio registry. The tests run in order and each builds on the one before, as the steps
 * of a release do.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { packWorkspacePackage, runCommand, workspaceRoot } from '../src/pack.js';
import { packument, publishedVersions } from '../src/registry.js';
import { buildChecks, changeset, git, manifestIn, publicPackages, writeChangeset, type WorkspacePackage } from '../src/release.js';

const registry = inject('registryUrl');
const copy = inject('releaseCopy');

let packages: WorkspacePackage[];
/** A public package's directory relative to the workspace root, e.g. `packages/koa`. */
const dirOf = (name: string): string => relative(workspaceRoot, packages.find((p) => p.name === name)!.dir).split('\\').join('/');
const versionOf = (name: string): string => packages.find((p) => p.name === name)!.version;
const nextPatch = (version: string): string => version.replace(/\d+$/, (n) => String(Number(n) + 1));
const output = (r: { stdout: string; stderr: string }): string => `${r.stdout}\n${r.stderr}`;

beforeAll(() => {
  packages = publicPackages();
});

describe('release rehearsal against a local registry', () => {
  test('as after the previous release, the registry holds every public package at its workspace version', async () => {
    const first = inject('firstPublish');
    expect(first.code, first.output).toBe(0);
    expect(packages.map((p) => p.name).sort()).toEqual(['@jwt/core', '@jwt/hono', '@jwt/koa', '@jwt/nest', '@jwt/redis']);
    for (const pkg of packages) {
      expect(await publishedVersions(registry, pkg.name), pkg.name).toEqual([pkg.version]);
      expect((await packument(registry, pkg.name))?.['dist-tags'].latest, pkg.name).toBe(pkg.version);
    }
  });

  test('`changeset version` with a changeset for @jwt/koa bumps @jwt/koa alone and writes its CHANGELOG', async () => {
    writeChangeset(copy, 'rehearsal-koa', { '@jwt/koa': 'patch' }, 'Rehearsal: a fix in the Koa adapter.');
    const versioned = await changeset(copy, registry, ['version']);
    expect(versioned.code, output(versioned)).toBe(0);

    const koa = manifestIn(copy, dirOf('@jwt/koa'));
    expect(koa.version).toBe(nextPatch(versionOf('@jwt/koa')));
    for (const pkg of packages.filter((p) => p.name !== '@jwt/koa')) expect(manifestIn(copy, dirOf(pkg.name)).version, pkg.name).toBe(pkg.version);
    const changelog = readFileSync(join(copy, dirOf('@jwt/koa'), 'CHANGELOG.md'), 'utf8');
    expect(changelog).toContain(`## ${koa.version}`);
    expect(changelog).toContain('Rehearsal: a fix in the Koa adapter.');
    // Nothing depends on @jwt/koa through a range that the bump leaves behind (the example app and
    // the contract tests use `workspace:^`, and private packages are not versioned), so by
    // `updateInternalDependencies` nothing else moves. changesets does rewrite those dependents'
    // package.json in its own layout: same JSON, so no change that matters.
    const changed = git(copy, 'status', '--porcelain', '--untracked-files=all').split('\n').filter((l) => l !== '').map((l) => l.slice(3));
    const meaningful = changed.filter((file) => {
      if (!file.endsWith('package.json') || file === `${dirOf('@jwt/koa')}/package.json`) return true;
      return JSON.stringify(JSON.parse(git(copy, 'show', `HEAD:${file}`))) !== JSON.stringify(JSON.parse(readFileSync(join(copy, file), 'utf8')));
    });
    expect(meaningful.sort()).toEqual([`${dirOf('@jwt/koa')}/CHANGELOG.md`, `${dirOf('@jwt/koa')}/package.json`]);
    expect(existsSync(join(copy, '.changeset', 'rehearsal-koa.md'))).toBe(false);
    git(copy, 'add', '-A');
    git(copy, 'commit', '-q', '-m', 'Version packages');
  });

  test('`changeset publish` publishes exactly @jwt/koa, with its workspace: range on @jwt/core made a semver range, and tags it', async () => {
    const published = await changeset(copy, registry, ['publish']);
    expect(published.code, output(published)).toBe(0);
    const koaVersion = nextPatch(versionOf('@jwt/koa'));
    for (const pkg of packages) {
      const expected = pkg.name === '@jwt/koa' ? [pkg.version, koaVersion] : [pkg.version];
      expect(await publishedVersions(registry, pkg.name), pkg.name).toEqual(expected);
    }
    const manifest = (await packument(registry, '@jwt/koa'))!.versions[koaVersion]!;
    expect(manifest.dependencies).toEqual({ '@jwt/core': `^${versionOf('@jwt/core')}` });
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
    expect(git(copy, 'tag', '--list').split('\n').filter((t) => t !== '')).toEqual([`@jwt/koa@${koaVersion}`]);
    // Its prepublishOnly compared dist/ with a fresh build, and found them equal.
    expect(buildChecks(copy)).toEqual([{ name: '@jwt/koa', problems: [] }]);
  }, 300_000);

  test('what reached the registry is, file for file, what `pnpm pack` gives publint and attw in the lint step', async () => {
    for (const pkg of packages) {
      const doc = (await packument(registry, pkg.name))!;
      const latest = doc['dist-tags'].latest!;
      const fromRegistry = await unpack(await download(doc.versions[latest]!.dist.tarball));
      const checked = await unpack(await packWorkspacePackage(pkg.name));
      expect(Object.keys(fromRegistry).sort(), pkg.name).toEqual(Object.keys(checked).sort());
      for (const [file, bytes] of Object.entries(checked)) {
        if (file === 'package.json') {
          // Only the version differs for the package this rehearsal bumped.
          const published = JSON.parse(fromRegistry[file]!.toString('utf8')) as Record<string, unknown>;
          const linted = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
          expect({ ...published, version: linted.version }, `${pkg.name} package.json`).toEqual(linted);
        } else {
          expect(fromRegistry[file]!.equals(bytes), `${pkg.name} ${file}`).toBe(true);
        }
      }
    }
  });

  test('publishing the same version again is refused by the registry, and `changeset publish` skips it', async () => {
    const koaVersion = nextPatch(versionOf('@jwt/koa'));
    const again = await changeset(copy, registry, ['publish']);
    expect(again.code, output(again)).toBe(0);
    expect(output(again)).toMatch(/No unpublished projects to publish/i);

    // Straight to the registry, as a hand-typed publish would (scripts skipped: the refusal tested
    // here is the registry's).
    const direct = await runCommand('pnpm', ['publish', '--no-git-checks', '--ignore-scripts'], { cwd: join(copy, dirOf('@jwt/koa')), env: { npm_config_registry: registry }, timeoutMs: 120_000 });
    expect(direct.code).not.toBe(0);
    expect(output(direct)).toMatch(/E403|E409|EPUBLISHCONFLICT|cannot publish over|already present|already exists/i);
    expect(await publishedVersions(registry, '@jwt/koa')).toEqual([versionOf('@jwt/koa'), koaVersion]);
  });

  test('a package whose build is stale is not published: sources edited after the build, or a dist/ unlike a fresh build', async () => {
    writeChangeset(copy, 'rehearsal-stale', { '@jwt/hono': 'patch', '@jwt/redis': 'patch' }, 'Rehearsal: two releases with stale builds.');
    const versioned = await changeset(copy, registry, ['version']);
    expect(versioned.code, output(versioned)).toBe(0);
    git(copy, 'add', '-A');
    git(copy, 'commit', '-q', '-m', 'Version packages');

    // @jwt/hono: a source edit after the build.
    const honoSource = join(copy, dirOf('@jwt/hono'), 'src', 'index.ts');
    appendFileSync(honoSource, '\nexport const editedAfterTheBuild = true;\n');
    // @jwt/redis: dist/ edited by hand; the timestamps alone would pass, the fresh build does not.
    const redisDist = join(copy, dirOf('@jwt/redis'), 'dist');
    const mjs = readdirSync(redisDist).find((f) => f.endsWith('.mjs'))!;
    appendFileSync(join(redisDist, mjs), '\n// not what src/ builds to\n');
    const redisSources = readdirSync(join(copy, dirOf('@jwt/redis'), 'src')).map((f) => statSync(join(copy, dirOf('@jwt/redis'), 'src', f)).mtimeMs);
    const oldestDist = Math.min(...readdirSync(redisDist).map((f) => statSync(join(redisDist, f)).mtimeMs));
    expect(Math.max(...redisSources)).toBeLessThanOrEqual(oldestDist);

    const published = await changeset(copy, registry, ['publish']);
    expect(published.code).not.toBe(0);
    // pnpm's --json output (what changesets reads) keeps only the failed script's name.
    for (const name of ['@jwt/hono', '@jwt/redis']) {
      expect(output(published)).toMatch(new RegExp(`an error occurred while publishing ${name}: ERR_PNPM_EXECUTOR_LIFECYCLE_SCRIPT_FAILED[\\s\\S]*run the prepublishOnly script`));
    }
    // The reasons, as the check wrote them (after @jwt/koa's clean verdict from the last publish).
    const verdicts = buildChecks(copy).slice(1).sort((a, b) => a.name.localeCompare(b.name));
    expect(verdicts.map((v) => v.name)).toEqual(['@jwt/hono', '@jwt/redis']);
    const hono = verdicts[0]!;
    const redis = verdicts[1]!;
    expect(hono.problems[0]).toBe('src/index.ts changed after the last build');
    expect(hono.problems.join('\n')).toMatch(/dist\/index\.mjs.* from a fresh build of src\//);
    expect(redis.problems).toEqual([`dist/${mjs} differs from a fresh build of src/`, 'rebuild (`pnpm build`) before publishing']);
    expect(await publishedVersions(registry, '@jwt/hono')).toEqual([versionOf('@jwt/hono')]);
    expect(await publishedVersions(registry, '@jwt/redis')).toEqual([versionOf('@jwt/redis')]);
    expect(manifestIn(copy, dirOf('@jwt/hono')).version).toBe(nextPatch(versionOf('@jwt/hono')));
  }, 300_000);
});

async function download(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const file = join(mkdtempSync(join(inject('packTestsDir'), 'download-')), 'package.tgz');
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

/** A tarball's files (under its `package/` folder), path to contents. */
async function unpack(tarball: string): Promise<Record<string, Buffer>> {
  const dir = mkdtempSync(join(inject('packTestsDir'), 'unpacked-'));
  const result = spawnSync('tar', ['-xzf', tarball, '-C', dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tar -xzf ${tarball}: ${result.stderr}`);
  const root = join(dir, 'package');
  const files: Record<string, Buffer> = {};
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else files[relative(root, path).split('\\').join('/')] = readFileSync(path);
    }
  };
  if (existsSync(root)) walk(root);
  return files;
}
