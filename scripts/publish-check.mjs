#!/usr/bin/env node
/**
 * Publish dry run for every public workspace package: `pnpm -r publish --dry-run --no-git-checks`
 * (without lifecycle scripts: the stale-build check of `prepublishOnly` is rehearsed in pack-tests),
 * then a look at what would go out. pnpm's dry run packs each package but does not compare the
 * tarball with the manifest: a version that is not semver, an `exports` target missing from the
 * tarball or sources shipped by mistake all pass it, so this script checks them and exits 1 on any.
 * Run after a build (`pnpm build`); `npm test` runs it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const isWindows = process.platform === 'win32';
// semver 2.0.0, without build metadata (npm drops it).
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
const NOT_FOR_PUBLISHING = /(^|\/)(src|test|tests|__tests__|node_modules|\.turbo)\/|\.test\.[cm]?[jt]sx?$|(^|\/)\.vitest-report\.json$|(^|\/)tsconfig[^/]*\.json$/;

const packages = publicPackages();
console.log('$ pnpm -r publish --dry-run --no-git-checks --ignore-scripts --json');
const dry = spawnSync('pnpm', ['-r', 'publish', '--dry-run', '--no-git-checks', '--ignore-scripts', '--json'], {
  cwd: root,
  encoding: 'utf8',
  shell: isWindows,
  maxBuffer: 64 * 1024 * 1024,
});
if (dry.stderr) process.stderr.write(dry.stderr);
if (dry.status !== 0) {
  console.error(`publish dry run: pnpm exited with ${dry.status ?? dry.error?.message}`);
  process.exit(1);
}

let packed;
try {
  packed = JSON.parse(dry.stdout.slice(dry.stdout.indexOf('[')));
} catch {
  console.error(`publish dry run: pnpm's --json output is not JSON:\n${dry.stdout.slice(0, 2000)}`);
  process.exit(1);
}

let problems = 0;
for (const pkg of packages) {
  const found = packed.find((p) => p.name === pkg.manifest.name);
  const issues = found === undefined ? ['not in the dry run (already published at this version?)'] : checkPackage(pkg.manifest, found);
  if (issues.length === 0) {
    console.log(`ok    ${found.id}  ${found.entryCount} files, ${(found.size / 1024).toFixed(1)} kB packed`);
  } else {
    problems += issues.length;
    for (const issue of issues) console.log(`FAIL  ${pkg.manifest.name}: ${issue}`);
  }
}
if (packages.length === 0) {
  console.log('FAIL  no public package in the workspace');
  problems += 1;
}
process.exitCode = problems === 0 ? 0 : 1;

/** What is wrong with one packed package; empty when nothing is. */
function checkPackage(manifest, found) {
  const issues = [];
  const files = new Set(found.files.map((f) => f.path));
  if (!SEMVER.test(manifest.version ?? '')) issues.push(`version ${JSON.stringify(manifest.version)} is not semver`);
  if (![...files].some((f) => /^readme(\.md)?$/i.test(f))) issues.push('no README.md in the tarball');
  if (!files.has('LICENSE')) issues.push('no LICENSE in the tarball');
  // pnpm applies publishConfig's entry points over the manifest's when it packs.
  const published = { ...manifest, ...pick(manifest.publishConfig ?? {}, ['main', 'module', 'types', 'typings', 'exports', 'bin']) };
  for (const [where, target] of entryPoints(published)) {
    if (target.includes('*')) {
      const [prefix, suffix] = target.replace(/^\.\//, '').split('*');
      if (![...files].some((f) => f.startsWith(prefix) && f.endsWith(suffix ?? ''))) issues.push(`${where} ${target} matches no file in the tarball`);
    } else if (!files.has(target.replace(/^\.\//, ''))) {
      issues.push(`${where} ${target} is not in the tarball`);
    }
  }
  for (const f of files) if (NOT_FOR_PUBLISHING.test(f)) issues.push(`${f} would be published`);
  return issues;
}

/** Every file the manifest points at, as [where, target] pairs. */
function entryPoints(manifest) {
  const out = [];
  for (const field of ['main', 'module', 'types', 'typings']) {
    if (typeof manifest[field] === 'string') out.push([field, manifest[field]]);
  }
  if (typeof manifest.bin === 'string') out.push(['bin', manifest.bin]);
  else for (const [name, target] of Object.entries(manifest.bin ?? {})) out.push([`bin.${name}`, target]);
  const walk = (value, where) => {
    if (typeof value === 'string') out.push([where, value]);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, `${where}[${JSON.stringify(k)}]`);
  };
  if (manifest.exports !== undefined) walk(manifest.exports, 'exports');
  return out;
}

function publicPackages() {
  const listed = spawnSync('pnpm', ['ls', '--recursive', '--depth', '-1', '--json'], { cwd: root, encoding: 'utf8', shell: isWindows });
  if (listed.status !== 0) {
    console.error(`pnpm ls exited with ${listed.status ?? listed.error?.message}: ${listed.stderr}`);
    process.exit(1);
  }
  return JSON.parse(listed.stdout)
    .filter((p) => !p.private)
    .map((p) => ({ dir: p.path, manifest: JSON.parse(readFileSync(join(p.path, 'package.json'), 'utf8')) }));
}

function pick(object, keys) {
  return Object.fromEntries(keys.filter((k) => k in object).map((k) => [k, object[k]]));
}
