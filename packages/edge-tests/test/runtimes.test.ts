/**
 * The same bundled suite (src/suite.ts: every algorithm, the RFC vectors, the attack cases, remote
 * JWKS and the Hono middleware) on Node, Bun, Deno and workerd, each run as its own process from
 * its npm package. On Node, Bun and Deno it runs twice: as the runtime comes (the core uses
 * node:crypto on Node and Bun, WebCrypto on Deno, whose node:crypto is slower) and "web-only",
 * with `process.getBuiltinModule` and `Buffer` hidden from the core, which then takes exactly the
 * code paths of a Worker. workerd runs it bare and with nodejs_compat. Each runtime x case group
 * is one test here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SuiteReport } from '../src/runner.js';
import { bundleSuite, type SuiteBundles } from './support/bundle.js';
import { startJwksServer, type JwksServer } from './support/jwks-server.js';
import { bunBinary, denoBinary, runProcess } from './support/runtimes.js';
import { startWorker } from './support/workerd.js';

const REPORT_PREFIX = 'EDGE_SUITE_REPORT ';
const GROUPS = ['environment', 'sign-verify', 'lite', 'vectors', 'attacks', 'jwks', 'hono'] as const;
const RUN_TIMEOUT_MS = 60_000;

type Backend = 'node' | 'webcrypto';

interface Run {
  name: string;
  /** The backend @jwt/core must pick there. */
  backend: Backend;
  start(bundles: SuiteBundles, jwks: JwksServer): Promise<SuiteReport>;
}

function cliRun(name: string, backend: Backend, command: () => string, args: (bundle: string, jwks: JwksServer) => string[]): Run {
  return {
    name,
    backend,
    async start(bundles, jwks) {
      const bundle = name.endsWith('(web-only)') ? bundles.cliWebOnly : bundles.cli;
      const result = await runProcess(command(), [...args(bundle, jwks), '--runtime', name, '--jwks', jwks.base, '--backend', backend], {
        timeoutMs: RUN_TIMEOUT_MS,
        env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1' },
      });
      const line = result.stdout.split('\n').find((l) => l.startsWith(REPORT_PREFIX));
      if (result.timedOut || result.code !== 0 || line === undefined) {
        throw new Error(`${name} ${result.timedOut ? 'timed out' : `exited with ${result.code ?? result.signal}`} without a report\nstdout: ${result.stdout.slice(-2000)}\nstderr: ${result.stderr.slice(-2000)}`);
      }
      return JSON.parse(line.slice(REPORT_PREFIX.length)) as SuiteReport;
    },
  };
}

function workerdRun(name: string, compatibilityFlags: string[]): Run {
  return {
    name,
    backend: 'webcrypto',
    async start(bundles, jwks) {
      const worker = await startWorker({ module: bundles.worker, allowLoopback: true, compatibilityFlags });
      try {
        const query = new URLSearchParams({ runtime: name, jwks: jwks.base, backend: 'webcrypto' });
        const res = await fetch(`${worker.url}/?${query}`, { signal: AbortSignal.timeout(RUN_TIMEOUT_MS) });
        const body = (await res.json()) as SuiteReport & { crashed?: string };
        if (res.status !== 200) throw new Error(`${name} answered ${res.status}: ${body.crashed ?? JSON.stringify(body)}\n${worker.output()}`);
        return body;
      } finally {
        await worker.stop();
      }
    },
  };
}

const RUNS: Run[] = [
  cliRun('node', 'node', () => process.execPath, (bundle) => [bundle]),
  cliRun('node (web-only)', 'webcrypto', () => process.execPath, (bundle) => [bundle]),
  cliRun('bun', 'node', bunBinary, (bundle) => ['run', bundle]),
  cliRun('bun (web-only)', 'webcrypto', bunBinary, (bundle) => ['run', bundle]),
  // Deno gets no permission but the JWKS server's address: reading env, files or other hosts would fail.
  cliRun('deno', 'webcrypto', denoBinary, (bundle, jwks) => ['run', '--no-prompt', `--allow-net=127.0.0.1:${jwks.port}`, bundle]),
  cliRun('deno (web-only)', 'webcrypto', denoBinary, (bundle, jwks) => ['run', '--no-prompt', `--allow-net=127.0.0.1:${jwks.port}`, bundle]),
  workerdRun('workerd', []),
  // Most Workers enable nodejs_compat: its node:crypto is a partial polyfill the core must not pick.
  workerdRun('workerd (nodejs_compat)', ['nodejs_compat']),
];

const reports = new Map<string, SuiteReport | Error>();
let jwks: JwksServer | undefined;

beforeAll(async () => {
  const bundles = await bundleSuite();
  jwks = await startJwksServer();
  const server = jwks;
  // Two at a time: the machine has two cores, and each runtime is single-threaded here.
  const queue = [...RUNS];
  const worker = async (): Promise<void> => {
    for (let run = queue.shift(); run !== undefined; run = queue.shift()) {
      try {
        reports.set(run.name, await run.start(bundles, server));
      } catch (error) {
        reports.set(run.name, error instanceof Error ? error : new Error(String(error)));
      }
    }
  };
  await Promise.all([worker(), worker()]);
}, RUNS.length * RUN_TIMEOUT_MS);

afterAll(async () => {
  await jwks?.close();
});

function reportOf(name: string): SuiteReport {
  const report = reports.get(name);
  if (report instanceof Error) throw report;
  if (report === undefined) throw new Error(`${name} produced no report`);
  return report;
}

/** Case names of a group across every runtime that reported: each runtime must run all of them. */
function expectedCases(group: string): Set<string> {
  const names = new Set<string>();
  for (const report of reports.values()) {
    if (report instanceof Error) continue;
    for (const r of report.results) if (r.group === group) names.add(r.name);
  }
  return names;
}

describe.each(RUNS.map((run) => [run.name, run] as const))('%s', (name, run) => {
  it(`reports from @jwt/core on the ${run.backend} backend`, () => {
    const report = reportOf(name);
    expect(report.runtime).toBe(name);
    expect(report.backend).toBe(run.backend);
    expect(report.results.length).toBe(report.passed + report.failed);
  });

  it.each(GROUPS)('%s: every case passes', (group) => {
    const results = reportOf(name).results.filter((r) => r.group === group);
    const expected = expectedCases(group);
    expect(results.length, `${group} ran no case`).toBeGreaterThan(0);
    expect(results.map((r) => r.name).sort(), 'the same cases as on every other runtime').toEqual([...expected].sort());
    const failures = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.error}`);
    expect(failures).toEqual([]);
  });
});

describe('the harness', () => {
  it('served the key set to every runtime (the jwks cases really fetched)', () => {
    // Each run fetches the set at least once per remoteJwks instance in the jwks group.
    expect(jwks?.hits.get('/jwks.json') ?? 0).toBeGreaterThanOrEqual(RUNS.length);
    expect(jwks?.hits.get('/.well-known/openid-configuration') ?? 0).toBeGreaterThanOrEqual(RUNS.length);
  });
});
