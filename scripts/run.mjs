#!/usr/bin/env node
/**
 * `npm test` and `npm run demo`, for a fresh machine with only Node.js >= 20.16 and npm.
 *
 * pnpm is fetched through npx at the version pinned in package.json's `packageManager`, so neither
 * a global pnpm nor corepack is needed. Its directory is put first on PATH for every child process,
 * because turbo, publint and the pack tests call `pnpm` themselves.
 *
 * For the tests it also provides a redis-server (scripts/redis-server.mjs: on PATH, or Debian's
 * package when this user may install it; otherwise a counted failure naming the fix), and counts
 * the changeset check (scripts/changeset-check.mjs) and the publish dry run. The release rehearsal
 * against a local registry is a test package of its own (packages/pack-tests).
 *
 *   node scripts/run.mjs test   install, build, lint and test everything, print the totals last
 *   node scripts/run.mjs demo   install, build, start the Hono example app (or the core demo)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { provideRedisServer, runSync, whichOnPath } from './redis-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const rootManifest = readJson(join(root, 'package.json'));
const pnpmVersion = /^pnpm@(\d+\.\d+\.\d+)$/.exec(rootManifest.packageManager ?? '')?.[1];
const isWindows = process.platform === 'win32';
const reportFile = '.vitest-report.json';

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' };
// npm describes itself to its scripts through these. Everything below runs under pnpm, and tools
// that detect the package manager (from npm_config_user_agent, mostly) must not see npm instead.
for (const name of Object.keys(env)) {
  if (name === 'npm_config_user_agent' || name === 'npm_execpath' || name.startsWith('npm_lifecycle_') || name.startsWith('npm_package_')) {
    delete env[name];
  }
}

class SetupError extends Error {}

// ---------------------------------------------------------------------------------------------
// test

async function testCommand() {
  const started = Date.now();
  const tally = new Tally();
  try {
    await setUp();
    provideRedis(tally);
    const projects = listProjects();
    removeStaleResults(projects);

    const turboArgs = ['exec', 'turbo', 'run', 'lint', 'test', '--continue=always', '--summarize', '--log-order=stream', '--output-logs=full'];
    const turboCode = await run('pnpm', turboArgs);
    const tasks = readTurboSummary();
    if (tasks === undefined) tally.fail(`turbo run lint test exited with ${turboCode} and wrote no run summary`);

    const publishCode = await run(process.execPath, [join(root, 'scripts', 'publish-check.mjs')]);
    tally.check('publish dry run', publishCode === 0, `exited with ${publishCode}`);

    const changesetCode = await run(process.execPath, [join(root, 'scripts', 'changeset-check.mjs')]);
    tally.check('changesets for every package changed since its last release', changesetCode === 0, `exited with ${changesetCode} (see the FAIL lines above)`);

    for (const project of projects) countProject(project, tasks ?? new Map(), tally);
    for (const task of tasks?.values() ?? []) {
      if (!task.counted && task.exitCode !== 0) tally.fail(`${task.taskId} exited with ${task.exitCode}`);
    }
  } catch (error) {
    // Whatever went wrong, the run still ends with its totals.
    tally.fail(error instanceof SetupError ? error.message : `scripts/run.mjs: ${error?.stack ?? error}`);
  }
  tally.print(Date.now() - started);
  process.exitCode = tally.failed > 0 ? 1 : 0;
}

/**
 * The @jwt/redis suites start real redis-server processes: find one, or install Debian's package
 * when this user may, and hand its path to the tests as REDIS_SERVER. Without one those suites
 * fail (they never skip), and this says why and how to fix it.
 */
function provideRedis(tally) {
  console.log('\n$ redis-server for the @jwt/redis suites');
  const outcome = provideRedisServer({
    env,
    which: whichOnPath(env.PATH),
    run: runSync(env),
    isRoot: process.getuid?.() === 0,
    log: (line) => console.log(line),
  });
  if (outcome.ok) {
    env.REDIS_SERVER = outcome.binary;
    console.log(`redis-server ${outcome.version}, ${outcome.how}: ${outcome.binary}`);
  } else {
    console.log(`redis-server: ${outcome.reason}`);
  }
  tally.check('redis-server for the @jwt/redis suites', outcome.ok, outcome.ok ? '' : outcome.reason);
}

/** Adds one project's vitest report and its lint and build results to the tally. */
function countProject(project, tasks, tally) {
  const { name, dir, manifest } = project;
  const scripts = manifest.scripts ?? {};
  const testTask = take(tasks, `${name}#test`);
  const lintTask = take(tasks, `${name}#lint`);
  const buildTask = take(tasks, `${name}#build`);

  if (buildTask !== undefined && buildTask.exitCode !== 0) tally.fail(`${name}: build exited with ${buildTask.exitCode}`);
  if (scripts.lint !== undefined) {
    tally.check(`${name}: lint`, lintTask?.exitCode === 0, lintTask === undefined ? 'did not run' : `exited with ${lintTask.exitCode}`);
  }
  if (scripts.test === undefined) return;

  const report = readReportOf(dir);
  if (report === undefined) {
    // A vitest run that crashed before reporting, or a test task that never ran.
    const how = testTask === undefined ? 'its test task did not run' : `its test task exited with ${testTask.exitCode}`;
    tally.fail(`${name}: no ${reportFile} (${how})`);
    return;
  }
  const before = tally.failed;
  for (const file of report.testResults ?? []) {
    let failedInFile = 0;
    let skippedInFile = 0;
    for (const test of file.assertionResults ?? []) {
      if (test.status === 'passed') {
        tally.passed += 1;
      } else if (test.status === 'failed') {
        failedInFile += 1;
        tally.fail(`${name}: ${test.fullName ?? test.title}`);
      } else {
        skippedInFile += 1;
        tally.skipped += 1;
      }
    }
    // A failed beforeAll leaves its suite's tests "skipped" and its error out of the report, so a
    // failing test elsewhere in the file would hide it: say that tests of a failed file did not run.
    if (file.status === 'failed' && failedInFile > 0 && skippedInFile > 0) {
      tally.fail(`${name}: ${relativeTo(dir, file.name)}: ${skippedInFile} test(s) did not run in this failed file (a failing beforeAll hook, or skipped on purpose; see its output above)`);
    }
    // A file that failed with no failed test is a suite that did not load or a failed hook.
    if (file.status === 'failed' && failedInFile === 0) {
      const reason = firstLine(file.message) || 'failed outside its tests (did not load, or a hook failed; see its output above)';
      tally.fail(`${name}: ${relativeTo(dir, file.name)}: ${reason}`);
    }
  }
  // vitest also exits non-zero on unhandled errors, which its report does not list as tests.
  if (tally.failed === before && testTask !== undefined && testTask.exitCode !== 0) {
    tally.fail(`${name}: vitest exited with ${testTask.exitCode} (see its output above)`);
  }
}

class Tally {
  passed = 0;
  failed = 0;
  skipped = 0;
  failures = [];

  fail(what) {
    this.failed += 1;
    this.failures.push(what);
  }

  check(what, ok, why) {
    if (ok) this.passed += 1;
    else this.fail(`${what}: ${why}`);
  }

  print(elapsedMs) {
    console.log('');
    if (this.failures.length > 0) {
      console.log('Failures:');
      for (const f of this.failures) console.log(`  - ${f}`);
    }
    console.log(`Total time: ${(elapsedMs / 1000).toFixed(1)}s`);
    console.log(`${this.passed} passed, ${this.failed} failed, ${this.skipped} skipped`);
  }
}

function removeStaleResults(projects) {
  for (const { dir } of projects) rmSync(join(dir, reportFile), { force: true });
  rmSync(join(root, '.turbo', 'runs'), { recursive: true, force: true });
}

function readReportOf(dir) {
  const file = join(dir, reportFile);
  if (!existsSync(file)) return undefined;
  try {
    return readJson(file);
  } catch {
    return undefined;
  }
}

/** The tasks of the run summary turbo wrote, by task id (`name#task`). */
function readTurboSummary() {
  const runs = join(root, '.turbo', 'runs');
  if (!existsSync(runs)) return undefined;
  const newest = readdirSync(runs)
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(runs, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (newest === undefined) return undefined;
  const tasks = new Map();
  for (const task of readJson(newest).tasks ?? []) {
    // Packages without the script show up with this placeholder command and never ran.
    if (task.command === '<NONEXISTENT>') continue;
    tasks.set(task.taskId, { taskId: task.taskId, exitCode: task.execution?.exitCode ?? null, counted: false });
  }
  return tasks;
}

function take(tasks, id) {
  const task = tasks.get(id);
  if (task !== undefined) task.counted = true;
  return task;
}

// ---------------------------------------------------------------------------------------------
// demo

async function demoCommand() {
  try {
    await setUp();
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
    return;
  }
  const appDir = join(root, 'apps', 'hono-example');
  const appManifest = readJson(join(appDir, 'package.json'));
  if (appManifest.scripts?.start !== undefined && existsSync(join(appDir, 'src'))) {
    const built = await run('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=hono-example...', '--output-logs=errors-only']);
    if (built === 0) {
      printAppHints();
      process.exitCode = await runForeground('pnpm', ['--filter', 'hono-example', 'start']);
      return;
    }
    console.log('\nThe Hono example app did not build (see above); showing the @jwt/core demo instead.\n');
  } else {
    console.log('\nThe Hono example app is not there yet; showing the @jwt/core demo instead.\n');
  }
  const coreBuilt = await run('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@jwt/core', '--output-logs=errors-only']);
  if (coreBuilt !== 0) {
    console.error('@jwt/core did not build.');
    process.exitCode = coreBuilt;
    return;
  }
  process.exitCode = await run(process.execPath, [join(root, 'scripts', 'demo.mjs')]);
}

function printAppHints() {
  const base = `http://${process.env.HOST ?? '127.0.0.1'}:${process.env.PORT ?? '3000'}`;
  console.log(`
Starting the Hono example app (Ctrl-C stops it). From another terminal:
  curl -s -X POST ${base}/login -H 'content-type: application/json' -d '{"username":"kevin","password":"kevin-password"}'
  curl -s ${base}/me -H "authorization: Bearer <token from /login>"
  curl -s ${base}/admin -H "authorization: Bearer <token>"    # 403 for kevin, 200 for admin
`);
}

// ---------------------------------------------------------------------------------------------
// shared

async function setUp() {
  installPnpm();
  const code = await run('pnpm', ['install', '--frozen-lockfile']);
  if (code !== 0) throw new SetupError(`pnpm install --frozen-lockfile exited with ${code}`);
}

/** Puts pnpm (from npx's cache, fetched on first use) first on the children's PATH. */
function installPnpm() {
  if (pnpmVersion === undefined) throw new SetupError('package.json has no exact "packageManager": "pnpm@x.y.z"');
  console.log(`$ npx --yes --package pnpm@${pnpmVersion} (pnpm for this run)`);
  // `--call` runs in a shell whose PATH holds the package's bin directory: ask that shell where pnpm is.
  const found = spawnSync('npx', ['--yes', '--package', `pnpm@${pnpmVersion}`, '--call', isWindows ? 'where pnpm' : 'command -v pnpm'], {
    cwd: tmpdir(),
    env,
    encoding: 'utf8',
    shell: isWindows,
  });
  const bin = found.stdout?.trim().split(/\r?\n/).pop();
  if (found.status !== 0 || !bin || !existsSync(bin)) {
    throw new SetupError(`could not get pnpm ${pnpmVersion} through npx: ${found.error?.message ?? found.stderr?.trim() ?? 'no output'}`);
  }
  env.PATH = `${dirname(bin)}${delimiter}${env.PATH ?? ''}`;
  const version = spawnSync('pnpm', ['--version'], { env, encoding: 'utf8', shell: isWindows }).stdout?.trim();
  if (version !== pnpmVersion) throw new SetupError(`expected pnpm ${pnpmVersion} on PATH, found ${version || 'nothing'}`);
}

/** Every workspace project except the root, with its manifest. */
function listProjects() {
  const listed = spawnSync('pnpm', ['ls', '--recursive', '--depth', '-1', '--json'], { cwd: root, env, encoding: 'utf8', shell: isWindows });
  if (listed.status !== 0) throw new SetupError(`pnpm ls exited with ${listed.status}: ${listed.stderr}`);
  return JSON.parse(listed.stdout)
    .filter((p) => p.path !== root.replace(/[\\/]$/, ''))
    .map((p) => ({ name: p.name, dir: p.path, manifest: readJson(join(p.path, 'package.json')) }));
}

function run(cmd, args) {
  console.log(`\n$ ${[cmd === process.execPath ? 'node' : cmd, ...args].join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: 'inherit', shell: isWindows && cmd !== process.execPath });
    child.on('error', (error) => {
      console.error(`${cmd}: ${error.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/**
 * Runs a long-lived child (the example app under pnpm) until it stops. The child gets its own
 * process group, and Ctrl-C, SIGTERM and SIGHUP sent to this process are passed to that whole
 * group: pnpm does not pass SIGTERM on to the script it runs, and the app must see it to shut down.
 */
async function runForeground(cmd, args) {
  let child;
  let stopped = false;
  const relay = (signal) => () => {
    stopped = true;
    if (child?.pid === undefined) return;
    try {
      if (isWindows) child.kill(signal);
      else process.kill(-child.pid, signal);
    } catch {
      // The group has already exited.
    }
  };
  const handlers = { SIGINT: relay('SIGINT'), SIGTERM: relay('SIGTERM'), SIGHUP: relay('SIGTERM') };
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  console.log(`$ ${[cmd, ...args].join(' ')}`);
  const code = await new Promise((resolve) => {
    child = spawn(cmd, args, { cwd: root, env, stdio: 'inherit', shell: isWindows, detached: !isWindows });
    child.on('error', (error) => {
      console.error(`${cmd}: ${error.message}`);
      resolve(127);
    });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler);
  // Stopping the server is how a demo ends; pnpm reports the interrupted script as failed anyway.
  if (stopped) {
    console.log('\nStopped.');
    return 0;
  }
  return code;
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function firstLine(text) {
  return typeof text === 'string' ? (text.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 300) : '';
}

function relativeTo(dir, file) {
  return typeof file === 'string' && file.startsWith(dir) ? file.slice(dir.length + 1) : String(file);
}

// Last, so that the classes above are initialised before they are used.
const command = process.argv[2];
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 16)) {
  console.error(`Node.js 20.16 or newer is needed; this is ${process.version}.`);
  if (command === 'test') console.log('0 passed, 1 failed, 0 skipped');
  process.exitCode = 1;
} else if (command === 'test') {
  await testCommand();
} else if (command === 'demo') {
  await demoCommand();
} else {
  console.error('usage: node scripts/run.mjs <test|demo>');
  process.exitCode = 2;
}
