#!/usr/bin/env node
/**
 * Every public package changed since its last release has a pending changeset that names it.
 * `npm test` runs it; it exits 1 and names the packages that lack one.
 *
 * A package's last release is the last commit that changed the `"version"` line of its
 * package.json: `changeset version` writes that line in the release commit (the "Version
 * packages" pull request), and nothing else should; a package never released yet counts from the
 * commit that gave it its current version. Changed means a difference, between that commit and the
 * working tree (uncommitted and untracked files included), in what is built or shipped: src/
 * (colocated *.test.ts aside), package.json other than its version line, README.md, LICENSE, the
 * build configuration. Tests and CHANGELOG.md do not reach users, so they need no changeset.
 *
 *   node scripts/changeset-check.mjs [root]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SHIPPED = /^(src\/.+|package\.json|README\.md|LICENSE|tsconfig[^/]*\.json|tsdown\.config\.[cm]?[jt]s)$/;
const TEST_FILE = /(^|\/)(test|tests|__tests__)\/|\.(test|spec)\.[cm]?[jt]sx?$/;

/**
 * @param {string} root the repository's root (a git work tree holding a pnpm workspace)
 * @returns {{ ok: boolean, lines: string[] }} `lines` says, package by package, what was found
 */
export function checkChangesets(root) {
  const git = (...args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  const inside = git('rev-parse', '--is-inside-work-tree');
  if (inside.status !== 0) return { ok: false, lines: [`${root} is not a git checkout: the check compares against the commit of each package's last release`] };
  if (git('rev-parse', '--is-shallow-repository').stdout.trim() === 'true') {
    return { ok: false, lines: ['this clone is shallow: fetch the whole history (`git fetch --unshallow`, or `fetch-depth: 0` in CI) so each package\'s last release can be found'] };
  }

  const pending = pendingChangesets(root);
  const lines = [];
  let ok = true;
  for (const pkg of publicPackages(root)) {
    const dir = relative(root, pkg.dir).split('\\').join('/');
    const released = git('log', '-1', '--format=%H', '-G', '^[[:space:]]*"version"[[:space:]]*:', '--', `${dir}/package.json`).stdout.trim();
    if (released === '') {
      lines.push(`ok    ${pkg.name}: not committed yet`);
      continue;
    }
    const changed = [
      ...git('diff', '--name-only', released, '--', dir).stdout.split('\n'),
      ...git('ls-files', '--others', '--exclude-standard', '--', dir).stdout.split('\n'),
    ]
      .filter((f) => f !== '')
      .map((f) => f.slice(dir.length + 1))
      .filter((f) => SHIPPED.test(f) && !TEST_FILE.test(f) && !(f === 'package.json' && onlyVersionChanged(git, released, `${dir}/package.json`)));
    const files = [...new Set(changed)];
    const covering = pending.filter((c) => c.packages.includes(pkg.name)).map((c) => c.file);
    const since = `since ${released.slice(0, 10)} (version ${pkg.version})`;
    if (files.length === 0) {
      lines.push(`ok    ${pkg.name}: unchanged ${since}`);
    } else if (covering.length > 0) {
      lines.push(`ok    ${pkg.name}: ${files.length} changed file(s) ${since}, described in ${covering.length === 1 ? covering[0] : `${covering.length} changesets`}`);
    } else {
      ok = false;
      lines.push(`FAIL  ${pkg.name}: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ` and ${files.length - 5} more` : ''} changed ${since} with no changeset naming it: add one (\`pnpm changeset\`)`);
    }
  }
  return { ok, lines };
}

/** A package.json whose only difference is the version line counts as unchanged (the release itself). */
function onlyVersionChanged(git, commit, file) {
  const diff = git('diff', '-U0', commit, '--', file).stdout.split('\n');
  const edits = diff.filter((l) => /^[+-]/.test(l) && !/^(\+\+\+|---) /.test(l));
  return edits.length > 0 && edits.every((l) => /^[+-]\s*"version"\s*:/.test(l));
}

/** The `.changeset/*.md` files and the packages each names in its front matter. */
function pendingChangesets(root) {
  const dir = join(root, '.changeset');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f.toLowerCase() !== 'readme.md')
    .map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text)?.[1] ?? '';
      const packages = [...front.matchAll(/^\s*["']?([^"':\s]+)["']?\s*:\s*(major|minor|patch)\s*$/gm)].map((m) => m[1]);
      return { file: `.changeset/${f}`, packages };
    });
}

/** Public workspace packages (pnpm-workspace.yaml's globs of the form `dir/*` or `dir`). */
function publicPackages(root) {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...(/^packages:\s*\n((?:\s+-\s*.+\n?)+)/m.exec(yaml)?.[1] ?? '').matchAll(/-\s*['"]?([^'"\n]+?)['"]?\s*$/gm)].map((m) => m[1]);
  const dirs = globs.flatMap((g) => {
    if (!g.endsWith('/*')) return [join(root, g)];
    const base = join(root, g.slice(0, -2));
    return existsSync(base) ? readdirSync(base, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(base, e.name)) : [];
  });
  return dirs
    .filter((d) => existsSync(join(d, 'package.json')))
    .map((d) => ({ dir: d, ...JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) }))
    .filter((p) => p.private !== true && typeof p.name === 'string');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url));
  const { ok, lines } = checkChangesets(root);
  console.log('$ changesets for every package changed since its last release');
  for (const line of lines) console.log(line);
  process.exitCode = ok ? 0 : 1;
}
