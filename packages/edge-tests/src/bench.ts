/**
 * Verification throughput of @jwt/core against jose on the runtime this bundle runs on (Bun, Deno,
 * Node), for HS256, ES256 and EdDSA. Both libraries get the same token and the same key, prepared
 * once; only `verify` is timed. Run by scripts/bench.mjs (`pnpm bench`); never by the tests.
 */
import { backendName, createVerifier, importKey, sign, type JwsAlgorithm } from '@jwt/core';
import { importJWK, jwtVerify } from 'jose';

export interface BenchRow {
  alg: string;
  /** Verifications kept in flight at once: 1 is one at a time (latency), more is a server's load (throughput). */
  inFlight: number;
  core: number;
  jose: number;
}

export interface BenchReport {
  runtime: string;
  backend: string;
  rows: BenchRow[];
}

const ALGS = ['HS256', 'ES256', 'EdDSA'] as const;
const CLAIMS = { sub: 'kevin', username: 'kevin', permissions: ['view', 'comment'], iss: 'jwt-example', aud: 'jwt-example-api' };

/** Concurrency of the throughput rows: what a busy server keeps in flight. */
export const IN_FLIGHT = [1, 16] as const;

/**
 * ops/s of `fn` over about `ms` milliseconds, with `lanes` calls in flight at once (each lane
 * awaits its call before the next), in batches so the clock is read rarely.
 */
async function measure(fn: () => Promise<unknown>, ms: number, lanes: number): Promise<number> {
  let ops = 0;
  const start = performance.now();
  const lane = async (): Promise<void> => {
    while (performance.now() - start < ms) {
      for (let i = 0; i < 50; i++) await fn();
      ops += 50;
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return (ops / (performance.now() - start)) * 1000;
}

/** Median of interleaved rounds, so drift hits both contestants alike. */
async function race(contestants: Record<'core' | 'jose', () => Promise<unknown>>, rounds: number, roundMs: number, lanes: number): Promise<Record<'core' | 'jose', number>> {
  await measure(contestants.core, roundMs, lanes);
  await measure(contestants.jose, roundMs, lanes);
  const samples = { core: [] as number[], jose: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    samples.core.push(await measure(contestants.core, roundMs, lanes));
    samples.jose.push(await measure(contestants.jose, roundMs, lanes));
  }
  const median = (s: number[]): number => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]!;
  return { core: median(samples.core), jose: median(samples.jose) };
}

async function jwkPair(alg: (typeof ALGS)[number]): Promise<{ signing: JsonWebKey; verifying: JsonWebKey }> {
  if (alg === 'HS256') {
    const k = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 256 }, true, ['sign', 'verify']);
    const jwk = await crypto.subtle.exportKey('jwk', k);
    return { signing: jwk, verifying: jwk };
  }
  const params = alg === 'ES256' ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'Ed25519' };
  const pair = (await crypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
  return { signing: await crypto.subtle.exportKey('jwk', pair.privateKey), verifying: await crypto.subtle.exportKey('jwk', pair.publicKey) };
}

export async function runBench(runtime: string, options: { rounds: number; roundMs: number }): Promise<BenchReport> {
  const rows: BenchRow[] = [];
  for (const alg of ALGS) {
    const { signing, verifying } = await jwkPair(alg);
    const clean = (jwk: JsonWebKey): Record<string, unknown> => {
      const { key_ops: _ops, ext: _ext, alg: _alg, ...rest } = jwk as Record<string, unknown>;
      return rest;
    };
    const token = await sign(CLAIMS, await importKey(clean(signing) as never, { alg: alg as JwsAlgorithm }), { expiresIn: 3600 });
    const verifier = createVerifier({ key: await importKey(clean(verifying) as never, { alg: alg as JwsAlgorithm }), algorithms: [alg], issuer: CLAIMS.iss, audience: CLAIMS.aud });
    const joseKey = await importJWK(clean(verifying) as never, alg);
    const joseOptions = { algorithms: [alg], issuer: CLAIMS.iss, audience: CLAIMS.aud };
    // Both must accept the token before anything is timed.
    if ((await verifier.verify(token)).payload.sub !== 'kevin') throw new Error(`${alg}: @jwt/core did not verify`);
    if ((await jwtVerify(token, joseKey, joseOptions)).payload.sub !== 'kevin') throw new Error(`${alg}: jose did not verify`);
    for (const inFlight of IN_FLIGHT) {
      const result = await race({ core: () => verifier.verify(token), jose: () => jwtVerify(token, joseKey, joseOptions) }, options.rounds, options.roundMs, inFlight);
      rows.push({ alg, inFlight, ...result });
    }
  }
  return { runtime, backend: backendName(), rows };
}
