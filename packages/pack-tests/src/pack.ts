/**
 * Helpers for testing the packages as users get them: published by `changeset publish` to a local
 * registry (test/global-setup.ts), installed with npm by version range into a project outside the
 * workspace, where nothing from the monorepo (its node_modules, its tsconfig, the TypeScript
 * sources) can be picked up by accident.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

/** The monorepo's root directory. */
export const workspaceRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Set `PACK_TESTS_KEEP=1` to keep the tarballs and temporary projects for a look after the run. */
const keep = process.env.PACK_TESTS_KEEP === '1';

/**
 * Everything is made under one directory per run, created and removed by `test/global-setup.ts`,
 * so nothing is left behind even by a test file that fails before its own clean-up.
 */
function runDir(): string {
  return inject('packTestsDir');
}

export interface RunResult {
  /** Exit code; `null` when the process was killed (see `signal`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface PackageManifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [field: string]: unknown;
}

const packed = new Map<string, Promise<string>>();

/**
 * Packs a workspace package (under `packages/`) with `pnpm pack`, as `attw --pack` and `publint`
 * see it in the lint step, and resolves with the tarball's absolute path. The release rehearsal
 * compares it with what reached the registry. Packing is done once per test file.
 * @example const core = await packWorkspacePackage('@jwt/core')
 */
export function packWorkspacePackage(name: string): Promise<string> {
  let tarball = packed.get(name);
  if (tarball === undefined) {
    tarball = pack(name);
    packed.set(name, tarball);
  }
  return tarball;
}

async function pack(name: string): Promise<string> {
  const dir = workspacePackageDir(name);
  const destination = mkdtempSync(join(runDir(), 'tarball-'));
  const result = await runCommand('pnpm', ['pack', '--pack-destination', destination], { cwd: dir });
  if (result.code !== 0) throw new Error(`pnpm pack of ${name} exited with ${result.code}:\n${result.stderr || result.stdout}`);
  const tarballs = readdirSync(destination).filter((f) => f.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`pnpm pack of ${name} left ${tarballs.length} tarballs in ${destination}`);
  return join(destination, tarballs[0]!);
}

/**
 * The range an application would write for a workspace package: `^` and its current version,
 * which the local registry holds once test/global-setup.ts has published the workspace.
 * @example makeTempProject({ '@jwt/koa': releasedRange('@jwt/koa') })
 */
export function releasedRange(name: string): string {
  return `^${readManifest(workspacePackageDir(name)).version}`;
}

/**
 * What `resolvedFrom(name)` is for a package npm downloaded from the local registry, any version.
 * @example expect(project.resolvedFrom('@jwt/core')).toMatch(localRegistryTarball('@jwt/core'))
 */
export function localRegistryTarball(name: string): RegExp {
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const base = name.split('/').pop()!;
  return new RegExp(`^${escape(inject('registryUrl'))}${escape(name)}/-/${escape(base)}-\\d+\\.\\d+\\.\\d+\\.tgz$`);
}

/** The directory of a workspace package under `packages/`, found by its name. */
export function workspacePackageDir(name: string): string {
  const packagesDir = join(workspaceRoot, 'packages');
  for (const entry of readdirSync(packagesDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(packagesDir, entry.name);
    try {
      if (readManifest(dir).name === name) return dir;
    } catch {
      // A directory without a package.json is not a package.
    }
  }
  throw new Error(`no workspace package named ${name} under packages/`);
}

/**
 * The range a workspace package declares for a dependency (looked up in `dependencies`, then
 * `devDependencies`, then `peerDependencies`), so a temporary project installs the framework
 * version the package is tested with.
 * @example makeTempProject({ '@jwt/hono': hono, hono: workspaceDependencyVersion('@jwt/hono', 'hono') })
 */
export function workspaceDependencyVersion(packageName: string, dependency: string): string {
  const manifest = readManifest(workspacePackageDir(packageName));
  const range = manifest.dependencies?.[dependency] ?? manifest.devDependencies?.[dependency] ?? manifest.peerDependencies?.[dependency];
  if (range === undefined) throw new Error(`${packageName} does not list ${dependency}`);
  if (range.startsWith('workspace:')) throw new Error(`${dependency} is a workspace package: pack it with packWorkspacePackage()`);
  return range;
}

export interface TempProject {
  /** The project's directory, under the OS temporary directory, outside the workspace. */
  readonly dir: string;
  /** Writes a file, relative to the project's directory, creating parent directories. */
  write(file: string, contents: string): void;
  /** Runs `node <file> ...args` in the project. Never throws on a non-zero exit: check `code`. */
  runNode(file: string, args?: readonly string[], options?: RunOptions): Promise<RunResult>;
  /**
   * Type-checks the given files of the project with the workspace's TypeScript, as an application
   * compiled with `module: node16` would see the installed packages. Check `code` (0: no errors)
   * and `stdout` (the diagnostics).
   */
  typecheck(files: readonly string[], compilerOptions?: Record<string, unknown>): Promise<RunResult>;
  /** The manifest of an installed package, from `node_modules`. */
  installedManifest(name: string): PackageManifest;
  /** Where npm downloaded an installed package from (its lockfile's `resolved`). */
  resolvedFrom(name: string): string | undefined;
  /** Deletes the project (kept when `PACK_TESTS_KEEP=1`). */
  remove(): void;
}

export interface RunOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /**
   * Kill the process after this long (a guard against hangs, not a performance check).
   * @default 60_000
   */
  timeoutMs?: number;
}

/**
 * Creates a fresh npm project outside the workspace and installs `dependencies` (name to version
 * range) into it with `npm install --prefer-offline`. `@jwt/*` comes from the local registry only
 * (a scoped registry in the project's `.npmrc`), everything else from the usual one. List only
 * what an application would: an adapter's `@jwt/core` arrives as its dependency.
 * @example
 * const project = await makeTempProject({ '@jwt/core': releasedRange('@jwt/core') })
 * project.write('check.mjs', "import { sign } from '@jwt/core'; console.log(typeof sign)")
 * const { code, stdout } = await project.runNode('check.mjs')
 */
export async function makeTempProject(dependencies: Record<string, string>): Promise<TempProject> {
  const dir = mkdtempSync(join(runDir(), 'project-'));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'jwt-pack-smoke', version: '0.0.0', private: true, dependencies }, null, 2)}\n`);
  // Where each package came from is checked through the lockfile, which a user's
  // omit-lockfile-registry-resolved would leave without it.
  writeFileSync(join(dir, '.npmrc'), `@jwt:registry=${inject('registryUrl')}\nomit-lockfile-registry-resolved=false\n`);
  const installed = await runCommand(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--loglevel=error'],
    { cwd: dir, timeoutMs: 170_000 },
  );
  if (installed.code !== 0) {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    throw new Error(`npm install in a temporary project exited with ${installed.code}:\n${installed.stderr || installed.stdout}`);
  }

  return {
    dir,
    write(file, contents) {
      const path = join(dir, file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, contents);
    },
    runNode(file, args = [], options = {}) {
      return runCommand(process.execPath, [file, ...args], { cwd: dir, ...options });
    },
    typecheck(files, compilerOptions = {}) {
      const tsconfig = {
        compilerOptions: {
          module: 'node16',
          moduleResolution: 'node16',
          target: 'es2022',
          lib: ['es2023', 'dom'],
          strict: true,
          noEmit: true,
          // Only the types reachable from the installed packages: no @types/node unless installed.
          types: [],
          ...compilerOptions,
        },
        files,
      };
      writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
      return runCommand(process.execPath, [tscPath(), '-p', 'tsconfig.json', '--pretty', 'false'], { cwd: dir, timeoutMs: 140_000 });
    },
    installedManifest(name) {
      return readManifest(join(dir, 'node_modules', ...name.split('/')));
    },
    resolvedFrom(name) {
      const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { packages?: Record<string, { resolved?: string }> };
      return lock.packages?.[`node_modules/${name}`]?.resolved;
    },
    remove() {
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a command without a shell; resolves with its exit and output, never rejects on failure. */
export function runCommand(command: string, args: readonly string[], options: RunOptions & { cwd: string }): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timeoutMs = options.timeoutMs ?? 60_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: 127, signal: null, stdout, stderr: `${stderr}${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr: timedOut ? `${stderr}\n[${command} killed after ${timeoutMs} ms]` : stderr });
    });
  });
}

/**
 * The environment for child processes. `npm test` exports npm's own settings (its `.npmrc`
 * values among them) to the script as `npm_*` variables, and an environment variable outranks a
 * project's `.npmrc` for every npm and pnpm below: `npm_config_omit_lockfile_registry_resolved`
 * from a user's `.npmrc` would empty the lockfiles these tests read. The projects here are
 * configured by their own `.npmrc` (and the user's, read by npm itself); `extra` adds what a
 * caller sets on purpose.
 */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^npm_(config|lifecycle|package)_/i.test(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

function tscPath(): string {
  return createRequire(import.meta.url).resolve('typescript/bin/tsc');
}

function readManifest(dir: string): PackageManifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest;
}
