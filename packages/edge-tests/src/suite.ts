/**
 * The whole runtime-neutral suite. Every entry (the CLI bundle for Node, Bun and Deno, the Worker
 * for workerd) calls {@link runSuite}; the harness compares what each runtime reports.
 */
import { backendName, type BackendName } from '@jwt/core';
import { equal, ok } from './assert.js';
import { attackCases } from './cases/attacks.js';
import { honoCases } from './cases/hono.js';
import { jwksCases } from './cases/jwks.js';
import { liteCases } from './cases/lite.js';
import { signVerifyCases } from './cases/sign-verify.js';
import { vectorCases } from './cases/vectors.js';
import { Runner, type SuiteReport } from './runner.js';

export interface SuiteOptions {
  /** A name for the report, e.g. `bun (webcrypto)`. */
  runtime: string;
  /** Base URL of the harness's JWKS server on 127.0.0.1. */
  jwksBase: string;
  /** The backend the core must have chosen on this runtime. */
  backend: BackendName;
}

export async function runSuite(options: SuiteOptions): Promise<SuiteReport> {
  const runner = new Runner();
  runner.group('environment', (test) => {
    // One name on every runtime, so the harness can match results across them.
    test('@jwt/core picked the backend expected on this runtime', () => {
      equal(backendName(), options.backend, 'backendName()');
    });
    test('WebCrypto and fetch are there', () => {
      ok(typeof crypto?.subtle?.sign === 'function', 'crypto.subtle');
      ok(typeof fetch === 'function', 'fetch');
    });
  });
  signVerifyCases(runner);
  liteCases(runner);
  vectorCases(runner);
  attackCases(runner);
  jwksCases(runner, options.jwksBase);
  honoCases(runner);
  const results = await runner.run();
  const failed = results.filter((r) => !r.ok).length;
  return {
    runtime: options.runtime,
    backend: backendName(),
    results,
    passed: results.length - failed,
    failed,
  };
}

/** The line prefix the harness looks for in a runtime's output. */
export const REPORT_PREFIX = 'EDGE_SUITE_REPORT ';

export function parseOptions(args: readonly string[]): SuiteOptions {
  const read = (name: string): string => {
    const i = args.indexOf(`--${name}`);
    const value = i >= 0 ? args[i + 1] : undefined;
    if (value === undefined) throw new Error(`missing --${name}`);
    return value;
  };
  const backend = read('backend');
  if (backend !== 'node' && backend !== 'webcrypto') throw new Error(`--backend must be node or webcrypto, not ${backend}`);
  return { runtime: read('runtime'), jwksBase: read('jwks'), backend };
}
