/**
 * Verification throughput of @jwt/core against jose on the runtime this bundle runs on (Bun, Deno,
 * Node), for HS256, ES256 and EdDSA. Both libraries get the same token and the same key, prepared
 * once; only `verify` is timed. Run by scripts/bench.mjs (`pnpm bench`); never by the tests.
 */
import { backendName, createVerifier, importKey, sign, type JwsAlgorithm } from '@jwt/core';
import { importJWK, jwtVerify } from 'jose';

export interface BenchRow {
  alg: string;
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

/** ops/s of `fn` over about `ms` milliseconds, in batches so the clock is read rarely. */
async function measure(fn: () => Promise<unknown>, ms: number): Promise<number> {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while ((elapsed = performance.now() - start) < ms) {
    for (let i = 0; i < 100; i++) await fn();
    ops += 100;
  }
  return (ops / elapsed) * 1000;
}

/** Median of interleaved rounds, so drift hits both contestants alike. */
async function race(contestants: Record<'core' | 'jose', () => Promise<unknown>>, rounds: number, roundMs: number): Promise<Record<'core' | 'jose', number>> {
  await measure(contestants.core, roundMs);
  await measure(contestants.jose, roundMs);
  const samples = { core: [] as number[], jose: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    samples.core.push(await measure(contestants.core, roundMs));
    samples.jose.push(await measure(contestants.jose, roundMs));
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
    const result = await race({ core: () => verifier.verify(token), jose: () => jwtVerify(token, joseKey, joseOptions) }, options.rounds, options.roundMs);
    rows.push({ alg, ...result });
  }
  return { runtime, backend: backendName(), rows };
}
