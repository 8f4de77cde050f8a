/**
 * Makes sure a real `redis-server` binary is there for the @jwt/redis suites, which start their own
 * servers on free ports (packages/redis/test/redis-server.ts) and fail, never skip, without one.
 *
 * In order: `REDIS_SERVER` if set, `redis-server` on PATH, then Debian's package through apt-get
 * when this user may run it (root, or sudo without a password prompt, since `npm test` has no one
 * to type one). Nothing else can supply it: no npm package ships a prebuilt server inside itself
 * (the ones named after Redis download or compile it at install time). Otherwise the answer says
 * how to install it, and the caller counts that as a failure.
 *
 * Every outside effect goes through `which` and `run`, so the tests can drive each path with a fake
 * PATH and a fake apt-get instead of installing anything.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** What to do when it is missing, in every failure message. */
export const INSTALL_HINT = 'install it with `sudo apt-get install redis-server` (or your system\'s package manager), or set REDIS_SERVER=/path/to/redis-server';

// Debian starts a package's service on install unless /usr/sbin/policy-rc.d says no (exit 101).
// The tests want the binary only: a system Redis on 6379 is not theirs to start. A policy file
// that was already there is left alone.
const POLICY = '/usr/sbin/policy-rc.d';
const DENY_SERVICES = `if [ -e ${POLICY} ]; then echo kept; else printf '#!/bin/sh\\nexit 101\\n' > ${POLICY} && chmod +x ${POLICY} && echo made; fi`;

/**
 * @typedef {{ code: number | null, stdout: string, stderr: string }} RunResult
 * @typedef {(command: string, args: string[]) => RunResult} Run
 * @typedef {{ ok: true, binary: string, version: string, how: string } | { ok: false, reason: string }} Outcome
 */

/**
 * Finds or installs redis-server.
 * @param {object} seams
 * @param {Record<string, string | undefined>} seams.env the environment (`REDIS_SERVER`, `PATH`)
 * @param {(name: string) => string | undefined} seams.which an executable's path on PATH, or undefined
 * @param {Run} seams.run runs a command to completion (no shell, no stdin)
 * @param {boolean} seams.isRoot whether this process runs as root
 * @param {(line: string) => void} [seams.log] where to say what it does
 * @returns {Outcome}
 * @example provideRedisServer({ env: process.env, which: whichOnPath(process.env.PATH), run: runSync, isRoot: process.getuid?.() === 0 })
 */
export function provideRedisServer({ env, which, run, isRoot, log = () => undefined }) {
  if (env.REDIS_SERVER) {
    const version = versionOf(run, env.REDIS_SERVER);
    if (version === undefined) return { ok: false, reason: `REDIS_SERVER=${env.REDIS_SERVER} does not run (\`${env.REDIS_SERVER} --version\` failed): ${INSTALL_HINT}` };
    return { ok: true, binary: env.REDIS_SERVER, version, how: 'from REDIS_SERVER' };
  }

  const found = which('redis-server');
  if (found !== undefined) {
    const version = versionOf(run, found);
    if (version !== undefined) return { ok: true, binary: found, version, how: 'found on PATH' };
    log(`redis-server: ${found} is on PATH but \`redis-server --version\` failed; installing a working one`);
  }

  const apt = which('apt-get');
  if (apt === undefined) return { ok: false, reason: `redis-server is not installed and there is no apt-get to install it with: ${INSTALL_HINT}` };
  let prefix;
  if (isRoot) {
    prefix = [];
  } else if (which('sudo') !== undefined && run('sudo', ['-n', 'true']).code === 0) {
    prefix = ['sudo', '-n'];
  } else {
    return { ok: false, reason: `redis-server is not installed, and installing it needs root (sudo asks for a password, and this run cannot answer): ${INSTALL_HINT}` };
  }
  const as = (command, args) => (prefix.length === 0 ? run(command, args) : run(prefix[0], [...prefix.slice(1), command, ...args]));

  log(`redis-server: not installed; installing Debian's package: ${[...prefix, 'apt-get', 'install', '-y', 'redis-server'].join(' ')}`);
  const policy = as('sh', ['-c', DENY_SERVICES]);
  const madePolicy = policy.code === 0 && policy.stdout.trim() === 'made';
  let installed;
  try {
    const updated = as('apt-get', ['update', '-qq']);
    installed = updated.code === 0 ? as('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server']) : updated;
  } finally {
    if (madePolicy) as('rm', ['-f', POLICY]);
  }
  if (installed.code !== 0) {
    return { ok: false, reason: `redis-server is not installed and apt-get failed (exit ${installed.code}): ${lastLine(installed.stderr) || 'see its output above'}; ${INSTALL_HINT}` };
  }
  // An init system that ignores policy-rc.d may have started it anyway: the tests want no system Redis.
  if (as('service', ['redis-server', 'status']).code === 0) as('service', ['redis-server', 'stop']);

  const binary = which('redis-server');
  const version = binary === undefined ? undefined : versionOf(run, binary);
  if (binary === undefined || version === undefined) return { ok: false, reason: `apt-get installed redis-server but no working redis-server is on PATH: ${INSTALL_HINT}` };
  return { ok: true, binary, version, how: 'installed with apt-get' };
}

/** The `v=7.0.15` part of `redis-server --version`, or undefined when it does not run. */
function versionOf(run, binary) {
  const result = run(binary, ['--version']);
  if (result.code !== 0) return undefined;
  return /v=(\S+)/.exec(result.stdout)?.[1] ?? (result.stdout.trim() || 'unknown version');
}

function lastLine(text) {
  return (text ?? '').trim().split('\n').pop()?.trim() ?? '';
}

/** A `which` over a PATH string: the first executable `name` in it. */
export function whichOnPath(path = '') {
  return (name) => {
    for (const dir of path.split(delimiter)) {
      if (dir === '' || !isAbsolute(dir)) continue;
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // Not here.
      }
    }
    return undefined;
  };
}

/**
 * The real `run`: no shell, no stdin (apt-get must not wait for an answer), output shown as it
 * comes for the install steps.
 * @param {NodeJS.ProcessEnv} env
 * @returns {Run}
 */
export function runSync(env) {
  return (command, args) => {
    const quiet = args[0] === '--version' || command === 'sh' || args.includes('status') || args.includes('true');
    const result = spawnSync(command, args, {
      env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 15 * 60_000,
    });
    if (!quiet) {
      if (result.stdout) process.stdout.write(result.stdout);
      if (result.stderr) process.stderr.write(result.stderr);
    }
    return { code: result.error ? 127 : result.status, stdout: result.stdout ?? '', stderr: result.stderr || result.error?.message || '' };
  };
}
