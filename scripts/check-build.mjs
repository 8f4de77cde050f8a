#!/usr/bin/env node
/**
 * Refuses to publish a package whose dist/ is not the build of its current sources. Every public
 * package runs it as `prepublishOnly`, so `changeset publish` and a hand-typed `pnpm publish` both
 * stop on it, in the package's directory, before anything is packed.
 *
 * The test is a fresh build (tsdown into a scratch directory beside dist/, so source-map paths
 * match) that must give byte-for-byte the files of dist/. That catches an edit after the last build
 * as well as a dist/ built from other sources whose timestamps look right (a copied or restored
 * dist/, a hand-edited file). Timestamps alone would also refuse a source that was only touched
 * (a branch switched back and forth), which `turbo run build` does not rebuild from its cache, so
 * they only say which inputs are newer than dist/ when the contents differ.
 *
 *   node ../../scripts/check-build.mjs      (from a package directory; exit 1 when stale)
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const BUILD_INPUTS = /^(src\/.+|tsconfig[^/]*\.json|tsdown\.config\.[cm]?[jt]s)$/;
const SCRATCH = '.fresh-build';

/**
 * What is wrong with `dir`'s build, or an empty list.
 * @param {string} dir a package directory
 * @param {{ rebuild?: boolean }} [options] `rebuild: false` compares timestamps only (a quick look, stricter than needed)
 * @returns {string[]}
 */
export function staleBuildProblems(dir, { rebuild = true } = {}) {
  const dist = join(dir, 'dist');
  const built = existsSync(dist) ? listFiles(dist) : [];
  if (built.length === 0) return ['dist/ is missing or empty: run `pnpm build` first'];

  const oldestBuilt = Math.min(...built.map((f) => statSync(f).mtimeMs));
  const inputs = listFiles(dir, (path) => !/(^|\/)(node_modules|dist|\.turbo|\.fresh-build)$/.test(path)).filter((f) => BUILD_INPUTS.test(relative(dir, f).split('\\').join('/')));
  const newer = inputs.filter((f) => statSync(f).mtimeMs > oldestBuilt).map((f) => relative(dir, f).split('\\').join('/'));
  const editedAfter = newer.length === 0 ? [] : [`${newer.slice(0, 3).join(', ')}${newer.length > 3 ? ` and ${newer.length - 3} more` : ''} changed after the last build`];
  if (!rebuild) return editedAfter.length === 0 ? [] : [...editedAfter, 'rebuild (`pnpm build`) before publishing'];

  const scratch = join(dir, SCRATCH);
  rmSync(scratch, { recursive: true, force: true });
  try {
    const result = spawnSync('pnpm', ['exec', 'tsdown', '--out-dir', SCRATCH, '--no-clean', '--logLevel', 'error'], { cwd: dir, encoding: 'utf8', shell: process.platform === 'win32' });
    if (result.status !== 0) return [`a fresh build failed (exit ${result.status ?? result.error?.message}): ${(result.stderr || result.stdout || '').trim().slice(-500)}`];
    const fresh = listFiles(scratch).map((f) => relative(scratch, f)).sort();
    const current = built.map((f) => relative(dist, f)).sort();
    const problems = [];
    const missing = fresh.filter((f) => !current.includes(f));
    const extra = current.filter((f) => !fresh.includes(f));
    if (missing.length > 0) problems.push(`dist/ lacks ${missing.join(', ')} that a fresh build makes`);
    if (extra.length > 0) problems.push(`dist/ holds ${extra.join(', ')} that a fresh build does not make`);
    const differing = fresh.filter((f) => current.includes(f) && !readFileSync(join(scratch, f)).equals(readFileSync(join(dist, f))));
    if (differing.length > 0) problems.push(`dist/${differing.join(', dist/')} differ${differing.length === 1 ? 's' : ''} from a fresh build of src/`);
    if (problems.length === 0) return [];
    return [...editedAfter, ...problems, 'rebuild (`pnpm build`) before publishing'];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function listFiles(dir, keep = () => true) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (!keep(path)) continue;
    if (entry.isDirectory()) out.push(...listFiles(path, keep));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.cwd();
  const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
  const problems = staleBuildProblems(dir);
  // pnpm publish --json (what `changeset publish` runs) drops a lifecycle script's output; the
  // release rehearsal reads the verdicts from this file instead (one JSON line per package).
  if (process.env.JWT_CHECK_BUILD_LOG) appendFileSync(process.env.JWT_CHECK_BUILD_LOG, `${JSON.stringify({ name, problems })}\n`);
  if (problems.length > 0) {
    console.error(`${name}: not publishing a stale build:`);
    for (const p of problems) console.error(`  - ${p}`);
    process.exit(1);
  }
  console.log(`${name}: dist/ is a fresh build of src/`);
}
