/**
 * scripts/changeset-check.mjs on small git repositories made here: a public package changed since
 * its last release needs a pending changeset naming it; tests, private packages and the release
 * commit itself do not.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, inject, test } from 'vitest';
import { checkChangesets } from '../../../scripts/changeset-check.mjs';
import { git } from '../src/release.js';

let repo: string;

function write(file: string, text: string): void {
  mkdirSync(dirname(join(repo, file)), { recursive: true });
  writeFileSync(join(repo, file), text);
}

function manifest(name: string, version: string, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ name, version, ...extra }, null, 2)}\n`;
}

function commit(message: string): void {
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', message);
}

const failures = (): string[] => checkChangesets(repo).lines.filter((l) => l.startsWith('FAIL'));

beforeEach(() => {
  repo = mkdtempSync(join(inject('packTestsDir'), 'changesets-'));
  git(repo, 'init', '-q', '-b', 'main');
  write('package.json', manifest('root', '0.0.0', { private: true }));
  write('pnpm-workspace.yaml', 'packages:\n  - packages/*\n  - apps/*\n');
  write('.changeset/config.json', '{}\n');
  write('packages/a/package.json', manifest('@x/a', '1.0.0'));
  write('packages/a/src/index.ts', 'export const a = 1;\n');
  write('packages/b/package.json', manifest('@x/b', '2.0.0'));
  write('packages/b/src/index.ts', 'export const b = 1;\n');
  write('apps/site/package.json', manifest('site', '0.0.0', { private: true }));
  write('apps/site/src/main.ts', 'console.log(1);\n');
  commit('release: @x/a 1.0.0, @x/b 2.0.0');
});

describe('every public package changed since its last release has a changeset', () => {
  test('right after a release nothing needs one', () => {
    const { ok, lines } = checkChangesets(repo);
    expect(ok).toBe(true);
    expect(lines.map((l) => l.replace(/ since \w+ /, ' since <commit> '))).toEqual([
      'ok    @x/a: unchanged since <commit> (version 1.0.0)',
      'ok    @x/b: unchanged since <commit> (version 2.0.0)',
    ]);
  });

  test('a source change without a changeset fails for that package alone, committed or not', () => {
    write('packages/a/src/index.ts', 'export const a = 2;\n');
    expect(checkChangesets(repo).ok).toBe(false);
    expect(failures()).toEqual([expect.stringMatching(/^FAIL {2}@x\/a: src\/index\.ts changed since \w+ \(version 1\.0\.0\) with no changeset naming it: add one/)]);
    commit('a: change');
    expect(failures()).toHaveLength(1);
    write('packages/b/README.md', '# b\n'); // untracked files count too
    expect(failures().map((l) => l.split(':')[0])).toEqual(['FAIL  @x/a', 'FAIL  @x/b']);
  });

  test('a changeset naming the package satisfies it; one naming another package does not', () => {
    write('packages/a/src/index.ts', 'export const a = 2;\n');
    write('.changeset/b-fix.md', "---\n'@x/b': patch\n---\n\nFix b.\n");
    expect(checkChangesets(repo).ok).toBe(false);
    write('.changeset/a-change.md', '---\n"@x/a": minor\n---\n\nChange a.\n');
    const { ok, lines } = checkChangesets(repo);
    expect(ok).toBe(true);
    expect(lines[0]).toMatch(/^ok {4}@x\/a: 1 changed file\(s\) since \w+ \(version 1\.0\.0\), described in \.changeset\/a-change\.md$/);
  });

  test('tests, a CHANGELOG and private packages need no changeset', () => {
    write('packages/a/test/a.test.ts', 'test;\n');
    write('packages/a/src/a.test.ts', 'test;\n'.repeat(2));
    write('packages/a/CHANGELOG.md', '# @x/a\n');
    write('apps/site/src/main.ts', 'console.log(2);\n');
    expect(checkChangesets(repo).ok).toBe(true);
    // The negative twin: a source file beside those tests does count.
    write('packages/a/src/extra.ts', 'export {};\n');
    expect(failures()).toEqual([expect.stringContaining('FAIL  @x/a: src/extra.ts changed')]);
  });

  test('the release commit (version bumped, changesets consumed) resets the count; the next change needs a new one', () => {
    write('packages/a/src/index.ts', 'export const a = 2;\n');
    write('.changeset/a-change.md', "---\n'@x/a': minor\n---\n\nChange a.\n");
    commit('a: change');
    expect(checkChangesets(repo).ok).toBe(true);
    rmSync(join(repo, '.changeset/a-change.md'));
    write('packages/a/package.json', manifest('@x/a', '1.1.0'));
    write('packages/a/CHANGELOG.md', '# @x/a\n\n## 1.1.0\n');
    commit('release: version packages');
    expect(checkChangesets(repo).ok).toBe(true);
    write('packages/a/src/index.ts', 'export const a = 3;\n');
    expect(failures()).toHaveLength(1);
  });

  test('a package.json change other than the version needs one', () => {
    write('packages/b/package.json', manifest('@x/b', '2.0.0', { dependencies: { left: '^1.0.0' } }));
    expect(failures()).toEqual([expect.stringContaining('FAIL  @x/b: package.json changed')]);
  });

  test('a shallow clone or a directory outside git is refused with the way out', () => {
    const shallow = mkdtempSync(join(inject('packTestsDir'), 'shallow-'));
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'second');
    const cloned = spawnSync('git', ['clone', '-q', '--depth', '1', `file://${repo}`, shallow], { encoding: 'utf8' });
    expect(cloned.status, cloned.stderr).toBe(0);
    const result = checkChangesets(shallow);
    expect(result.ok).toBe(false);
    expect(result.lines.join('\n')).toContain('fetch-depth: 0');

    const plain = mkdtempSync(join(inject('packTestsDir'), 'plain-'));
    const outside = checkChangesets(plain);
    expect(outside.ok).toBe(false);
    expect(outside.lines.join('\n')).toContain('is not a git checkout');
  });
});
