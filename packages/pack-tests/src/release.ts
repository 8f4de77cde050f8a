/**
 * The release rehearsal's workspace: a copy of the monorepo under the run's temporary directory,
 * where `changeset version` and `changeset publish` run for real against the local registry
 * (src/registry.ts) without touching the working tree they were copied from.
 *
 * The copy holds the files git would show (tracked and untracked-but-not-ignored, as they are on
 * disk now, timestamps kept) and the public packages' `dist/` as built by this run, so nothing is
 * built twice. Each project's `node_modules` is a link to the real one: the tools (changesets,
 * tsdown for the stale-build check) run from there, and publishing never reads it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCommand, workspaceRoot, type RunResult } from './pack.js';

export interface WorkspacePackage {
  name: string;
  version: string;
  private?: boolean;
  dir: string;
}

/** Every project of the workspace (root excluded), from `pnpm ls`. */
export function workspaceProjects(root: string = workspaceRoot): WorkspacePackage[] {
  const listed = spawnSync('pnpm', ['ls', '--recursive', '--depth', '-1', '--json'], { cwd: root, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`pnpm ls exited with ${listed.status}: ${listed.stderr}`);
  return (JSON.parse(listed.stdout) as { name?: string; path: string }[])
    .filter((p) => p.path !== root.replace(/[\\/]$/, '') && p.name !== undefined)
    .map((p) => {
      const manifest = JSON.parse(readFileSync(join(p.path, 'package.json'), 'utf8')) as { name: string; version: string; private?: boolean };
      return { name: manifest.name, version: manifest.version, private: manifest.private === true, dir: p.path };
    });
}

/** The public packages: what `changeset publish` may publish. */
export function publicPackages(root: string = workspaceRoot): WorkspacePackage[] {
  return workspaceProjects(root).filter((p) => !p.private);
}

/**
 * Copies the workspace to `dir` (see above), drops the pending changesets (the copy stands for the
 * state right after a release: every current version is on the registry, nothing is pending), and
 * makes it a git repository with one commit, as `changeset publish` tags releases.
 */
export function copyWorkspace(dir: string): void {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: workspaceRoot, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files in ${workspaceRoot} exited with ${listed.status}: ${listed.stderr}`);
  for (const file of new Set(listed.stdout.split('\0'))) {
    if (file === '' || !existsSync(join(workspaceRoot, file))) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      cpSync(join(workspaceRoot, file), join(dir, file), { preserveTimestamps: true, verbatimSymlinks: true });
    } catch (error) {
      // An untracked file can vanish between the listing and the copy (a tool's temporary file).
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  for (const pkg of publicPackages()) {
    const rel = pkg.dir.slice(workspaceRoot.replace(/[\\/]$/, '').length + 1);
    if (existsSync(join(pkg.dir, 'dist'))) cpSync(join(pkg.dir, 'dist'), join(dir, rel, 'dist'), { recursive: true, preserveTimestamps: true });
  }
  const projects = [workspaceRoot, ...workspaceProjects().map((p) => p.dir)];
  for (const project of projects) {
    const rel = project.replace(/[\\/]$/, '').slice(workspaceRoot.replace(/[\\/]$/, '').length + 1);
    const modules = join(project, 'node_modules');
    if (existsSync(modules) && existsSync(join(dir, rel))) symlinkSync(modules, join(dir, rel, 'node_modules'), 'dir');
  }
  for (const file of readdirSync(join(dir, '.changeset'))) {
    if (file.endsWith('.md') && file.toLowerCase() !== 'readme.md') rmSync(join(dir, '.changeset', file));
  }
  // node_modules links are files to git, and `node_modules/` in .gitignore matches only directories.
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, '.git', 'info', 'exclude'), 'node_modules\n.npmrc\n.check-build.jsonl\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'rehearsal: the workspace as released');
}

/** A throwaway identity for the copy's commits and the tags `changeset publish` makes there. */
const IDENTITY = { GIT_AUTHOR_NAME: 'rehearsal', GIT_AUTHOR_EMAIL: 'rehearsal@localhost', GIT_COMMITTER_NAME: 'rehearsal', GIT_COMMITTER_EMAIL: 'rehearsal@localhost' };

/** Runs git in `dir` as a throwaway committer; throws on failure. */
export function git(dir: string, ...args: string[]): string {
  const result = spawnSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...IDENTITY } });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} exited with ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** Writes `.changeset/<name>.md` in the copy, bumping each listed package. */
export function writeChangeset(dir: string, name: string, bumps: Record<string, 'patch' | 'minor' | 'major'>, summary: string): void {
  const front = Object.entries(bumps).map(([pkg, bump]) => `'${pkg}': ${bump}`);
  writeFileSync(join(dir, '.changeset', `${name}.md`), `---\n${front.join('\n')}\n---\n\n${summary}\n`);
}

/**
 * Runs the workspace's changesets CLI in the copy, publishing to `registry` with the token in the
 * copy's `.npmrc`. CI is set as in the release workflow: no one-time-password prompt.
 * @example await changeset(copy, registry.url, ['version'])
 */
export function changeset(dir: string, registryUrl: string, args: readonly string[]): Promise<RunResult> {
  const cli = join(workspaceRoot, 'node_modules', '@changesets', 'cli', 'bin.js');
  return runCommand(process.execPath, [cli, ...args], {
    cwd: dir,
    env: { ...IDENTITY, CI: 'true', NO_COLOR: '1', npm_config_registry: registryUrl, JWT_CHECK_BUILD_LOG: buildCheckLog(dir) },
    timeoutMs: 280_000,
  });
}

/** Where scripts/check-build.mjs, run as prepublishOnly in the copy, writes its verdicts. */
export function buildCheckLog(dir: string): string {
  return join(dir, '.check-build.jsonl');
}

/** The verdicts of every stale-build check run in the copy so far, oldest first. */
export function buildChecks(dir: string): { name: string; problems: string[] }[] {
  const file = buildCheckLog(dir);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { name: string; problems: string[] });
}

/**
 * The state right after the previous release: every public package of the copy published at its
 * current version, with `pnpm -r publish` (what `changeset publish` runs per package). Lifecycle
 * scripts are skipped here, since the dist/ copied in is this run's build; the rehearsal that
 * follows publishes through `changeset publish` with the stale-build check on.
 */
export function publishCurrentVersions(dir: string, registryUrl: string): Promise<RunResult> {
  return runCommand('pnpm', ['-r', 'publish', '--no-git-checks', '--ignore-scripts', '--access', 'public'], {
    cwd: dir,
    env: { CI: 'true', NO_COLOR: '1', npm_config_registry: registryUrl },
    timeoutMs: 280_000,
  });
}

/** The copy's manifest of a package, by its directory relative to the copy. */
export function manifestIn(dir: string, packageDir: string): { name: string; version: string; dependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(join(dir, packageDir, 'package.json'), 'utf8')) as { name: string; version: string; dependencies?: Record<string, string> };
}
