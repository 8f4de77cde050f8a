/**
 * How `npm test` gets a redis-server (scripts/redis-server.mjs), driven through its seams: a fake
 * PATH and a fake apt-get record what would run, so nothing is installed here. The last test runs
 * the @jwt/redis suite without a server to show that it fails rather than skips.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, test } from 'vitest';
import { INSTALL_HINT, provideRedisServer, whichOnPath, type RunResult } from '../../../scripts/redis-server.mjs';
import { runCommand, workspacePackageDir } from '../src/pack.js';

interface FakeSystem {
  /** Executables on the fake PATH, by name. */
  onPath: Set<string>;
  /** Every command run, as one string. */
  calls: string[];
  /** Overrides by command line prefix. */
  answers: Map<string, RunResult>;
}

/** A machine where `apt-get install ... redis-server` puts redis-server on PATH, unless told otherwise. */
function fakeSystem(onPath: string[], answers: Record<string, Partial<RunResult>> = {}): FakeSystem & { seams: Parameters<typeof provideRedisServer>[0] } {
  const system: FakeSystem = {
    onPath: new Set(onPath),
    calls: [],
    answers: new Map(Object.entries(answers).map(([k, v]) => [k, { code: 0, stdout: '', stderr: '', ...v }])),
  };
  const run = (command: string, args: string[]): RunResult => {
    const line = [command, ...args].join(' ');
    system.calls.push(line);
    for (const [prefix, answer] of system.answers) if (line.startsWith(prefix)) return answer;
    if (line.endsWith('redis-server --version')) return { code: 0, stdout: 'Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64', stderr: '' };
    if (/apt-get install .*redis-server$/.test(line)) system.onPath.add('redis-server');
    if (line.endsWith('service redis-server status')) return { code: 3, stdout: '', stderr: '' };
    if (line.includes('policy-rc.d')) return { code: 0, stdout: 'made\n', stderr: '' };
    return { code: 0, stdout: '', stderr: '' };
  };
  return {
    ...system,
    seams: { env: {}, which: (name) => (system.onPath.has(name) ? `/usr/bin/${name}` : undefined), run, isRoot: true },
  };
}

describe('finding or installing redis-server for npm test', () => {
  test('REDIS_SERVER is used as given, and nothing is installed', () => {
    const system = fakeSystem(['apt-get']);
    const outcome = provideRedisServer({ ...system.seams, env: { REDIS_SERVER: '/opt/redis/bin/redis-server' } });
    expect(outcome).toEqual({ ok: true, binary: '/opt/redis/bin/redis-server', version: '7.0.15', how: 'from REDIS_SERVER' });
    expect(system.calls).toEqual(['/opt/redis/bin/redis-server --version']);
  });

  test('a REDIS_SERVER that does not run is a failure naming it, not a reason to install another', () => {
    const system = fakeSystem(['apt-get'], { '/nowhere/redis-server --version': { code: 127 } });
    const outcome = provideRedisServer({ ...system.seams, env: { REDIS_SERVER: '/nowhere/redis-server' } });
    expect(outcome).toEqual({ ok: false, reason: `REDIS_SERVER=/nowhere/redis-server does not run (\`/nowhere/redis-server --version\` failed): ${INSTALL_HINT}` });
    expect(system.calls).toEqual(['/nowhere/redis-server --version']);
  });

  test('redis-server on PATH is used, and nothing is installed', () => {
    const system = fakeSystem(['redis-server', 'apt-get']);
    expect(provideRedisServer(system.seams)).toEqual({ ok: true, binary: '/usr/bin/redis-server', version: '7.0.15', how: 'found on PATH' });
    expect(system.calls).toEqual(['/usr/bin/redis-server --version']);
  });

  test('as root without it: apt-get installs Debian\'s package with its service kept from starting', () => {
    const system = fakeSystem(['apt-get']);
    const said: string[] = [];
    const outcome = provideRedisServer({ ...system.seams, log: (l) => said.push(l) });
    expect(outcome).toEqual({ ok: true, binary: '/usr/bin/redis-server', version: '7.0.15', how: 'installed with apt-get' });
    expect(system.calls.map((c) => (c.startsWith('sh -c ') && c.includes('policy-rc.d') ? 'sh -c <deny services in /usr/sbin/policy-rc.d>' : c))).toEqual([
      'sh -c <deny services in /usr/sbin/policy-rc.d>',
      'apt-get update -qq',
      'apt-get install -y -qq --no-install-recommends redis-server',
      'rm -f /usr/sbin/policy-rc.d',
      'service redis-server status',
      '/usr/bin/redis-server --version',
    ]);
    expect(said).toEqual(["redis-server: not installed; installing Debian's package: apt-get install -y redis-server"]);
  });

  test('a policy-rc.d that was already there is left in place', () => {
    const system = fakeSystem(['apt-get'], { 'sh -c': { stdout: 'kept\n' } });
    expect(provideRedisServer(system.seams).ok).toBe(true);
    expect(system.calls.some((c) => c.startsWith('rm '))).toBe(false);
  });

  test('a service started anyway (an init system that ignores policy-rc.d) is stopped', () => {
    const system = fakeSystem(['apt-get'], { 'service redis-server status': { code: 0 } });
    expect(provideRedisServer(system.seams).ok).toBe(true);
    expect(system.calls).toContain('service redis-server stop');
  });

  test('not root, with sudo that asks no password: the same steps through sudo -n', () => {
    const system = fakeSystem(['apt-get', 'sudo']);
    const outcome = provideRedisServer({ ...system.seams, isRoot: false });
    expect(outcome.ok).toBe(true);
    expect(system.calls).toContain('sudo -n true');
    expect(system.calls).toContain('sudo -n apt-get install -y -qq --no-install-recommends redis-server');
    expect(system.calls.filter((c) => c.startsWith('apt-get'))).toEqual([]);
  });

  test('not root, and sudo wants a password: a failure that says how to install it, and no apt-get', () => {
    const system = fakeSystem(['apt-get', 'sudo'], { 'sudo -n true': { code: 1, stderr: 'sudo: a password is required' } });
    const outcome = provideRedisServer({ ...system.seams, isRoot: false });
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.reason).toContain('sudo apt-get install redis-server');
    expect(system.calls).toEqual(['sudo -n true']);
  });

  test('not root and no sudo at all: a failure, nothing run', () => {
    const system = fakeSystem(['apt-get']);
    const outcome = provideRedisServer({ ...system.seams, isRoot: false });
    expect(outcome).toEqual({ ok: false, reason: `redis-server is not installed, and installing it needs root (sudo asks for a password, and this run cannot answer): ${INSTALL_HINT}` });
    expect(system.calls).toEqual([]);
  });

  test('no apt-get (not Debian): a failure naming the fix', () => {
    const system = fakeSystem([]);
    expect(provideRedisServer(system.seams)).toEqual({ ok: false, reason: `redis-server is not installed and there is no apt-get to install it with: ${INSTALL_HINT}` });
    expect(system.calls).toEqual([]);
  });

  test('apt-get install failing is a failure with its last line, and the policy file is removed anyway', () => {
    const system = fakeSystem(['apt-get'], { 'apt-get install': { code: 100, stderr: 'E: Unable to locate package redis-server\n' } });
    const outcome = provideRedisServer(system.seams);
    expect(outcome).toEqual({ ok: false, reason: `redis-server is not installed and apt-get failed (exit 100): E: Unable to locate package redis-server; ${INSTALL_HINT}` });
    expect(system.calls).toContain('rm -f /usr/sbin/policy-rc.d');
  });

  test('apt-get update failing stops there: no install from stale lists', () => {
    const system = fakeSystem(['apt-get'], { 'apt-get update': { code: 100, stderr: 'E: could not reach the mirror' } });
    const outcome = provideRedisServer(system.seams);
    expect(outcome.ok).toBe(false);
    expect(system.calls.filter((c) => c.startsWith('apt-get install'))).toEqual([]);
  });

  test('whichOnPath finds an executable file on PATH, and neither a plain file nor a relative directory', () => {
    const dir = mkdtempSync(join(inject('packTestsDir'), 'path-'));
    writeFileSync(join(dir, 'redis-server'), '#!/bin/sh\n');
    chmodSync(join(dir, 'redis-server'), 0o755);
    writeFileSync(join(dir, 'not-executable'), '');
    chmodSync(join(dir, 'not-executable'), 0o644);
    const which = whichOnPath(['relative/dir', dir].join(':'));
    expect(which('redis-server')).toBe(join(dir, 'redis-server'));
    expect(which('not-executable')).toBeUndefined();
    expect(which('missing')).toBeUndefined();
  });
});

describe('the @jwt/redis suites without a redis-server', () => {
  test('fail to load (with the fix in the message) instead of being skipped, in CI or not', async () => {
    const dir = workspacePackageDir('@jwt/redis');
    const scratch = mkdtempSync(join(inject('packTestsDir'), 'redis-report-'));
    const report = join(scratch, 'report.json');
    // A config of its own (same root, one suite, a JSON report here): the package's config would
    // write its .vitest-report.json, which npm test is counting at the same time.
    const config = join(scratch, 'vitest.config.mjs');
    writeFileSync(config, `export default { test: { include: ['test/redis-server.test.ts'], reporters: [['json', { outputFile: ${JSON.stringify(report)} }]] } };\n`);
    const result = await runCommand('pnpm', ['exec', 'vitest', 'run', '--config', config, '--root', dir], {
      cwd: dir,
      env: { REDIS_SERVER: '/nonexistent/redis-server', CI: '' },
      timeoutMs: 120_000,
    });
    expect(result.code).not.toBe(0);
    const json = JSON.parse(readFileSync(report, 'utf8')) as { numFailedTestSuites: number; numPendingTests: number; numTodoTests: number; testResults: { status: string; message: string }[] };
    expect(json.numFailedTestSuites).toBe(1);
    expect(json.numPendingTests).toBe(0);
    expect(json.testResults[0]?.status).toBe('failed');
    expect(json.testResults[0]?.message).toContain('/nonexistent/redis-server not found: the @jwt/redis suites need a real Redis');
    expect(json.testResults[0]?.message).toContain('sudo apt-get install redis-server');
  });
});
