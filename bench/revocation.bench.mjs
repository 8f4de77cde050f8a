// What revocation costs on the hot path: HS256 verification (createVerifier) with no store, with
// the in-memory store and with the Redis store once its mirror is warm, each holding thousands of
// revocations, the token checked being a valid one. Reported as ratios to "no store"; the target
// is 0.9x or better. Starts its own redis-server on a free loopback port (skipped, with a message,
// when the binary is missing). Also measures how long a logout made through one Redis store takes
// to be refused from the mirror of another (two instances, one process): the speed the tests no
// longer assert. Writes its tables into bench/README.md under "Revocation".
import crypto from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import os from 'node:os';
import * as core from '@jwt/core';
import { RedisRevocationStore } from '@jwt/redis';
import { fmt, writeReadmeSection } from './harness.mjs';

const quick = process.argv.includes('--quick');
const opts = quick ? { rounds: 6, roundMs: 60 } : { rounds: 41, roundMs: 80 };
const TARGET = 0.9;
/** The bound for a revocation to reach another instance. */
const PROPAGATION_TARGET_MS = 1000;
const PROPAGATION_SAMPLES = quick ? 50 : 500;
const REVOKED_TOKENS = 5000;
const REVOKED_SUBJECTS = 500;

/**
 * Median ops/s of each contestant over many short rounds, in a new random order every round: the
 * differences measured here are small, and a fixed order lets garbage collection and the machine's
 * other work favour one position (seen with `verify()`: 0.8x in a fixed order, 0.95x shuffled).
 */
async function compare(contestants, { rounds, roundMs }) {
  const names = Object.keys(contestants);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const measure = async (fn) => {
    let ops = 0;
    const start = performance.now();
    let elapsed = 0;
    while ((elapsed = performance.now() - start) < roundMs) {
      for (let i = 0; i < 200; i++) {
        const r = fn();
        if (r instanceof Promise) await r;
      }
      ops += 200;
    }
    return (ops / elapsed) * 1000;
  };
  for (const name of names) await measure(contestants[name]); // warm-up
  for (let round = 0; round < rounds; round++) {
    const order = [...names].sort(() => Math.random() - 0.5);
    for (const name of order) samples[name].push(await measure(contestants[name]));
  }
  return Object.fromEntries(names.map((n) => [n, samples[n].sort((a, b) => a - b)[samples[n].length >> 1]]));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('redis-server did not start')), 10_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout.resume();
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)));
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

/**
 * Milliseconds from the moment `revokeToken` resolves on `from` to the first refusal by `to`'s
 * mirror (polled on every turn of the event loop), for `samples` logouts one after another.
 */
async function propagation(from, to, samples) {
  const times = [];
  for (let i = 0; i < samples; i++) {
    const claims = { jti: core.randomId(), exp: Math.floor(Date.now() / 1000) + 900 };
    await from.revokeToken(claims);
    const start = performance.now();
    while (to.isRevoked(claims) !== true) {
      if (performance.now() - start > 10_000) throw new Error('a revocation did not reach the other instance within 10 s');
      await new Promise((resolve) => setImmediate(resolve));
    }
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { median: at(0.5), p99: at(0.99), max: times[times.length - 1] };
}

/** Fills a store with revocations of other tokens and subjects, so lookups hit a realistic map. */
async function populate(store) {
  const exp = Math.floor(Date.now() / 1000) + 900;
  for (let i = 0; i < REVOKED_TOKENS; i += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, j) => store.revokeToken({ jti: core.randomId(), exp, n: i + j })));
  }
  for (let i = 0; i < REVOKED_SUBJECTS; i++) await store.revokeSubject(`someone-${i}`);
}

const secret = crypto.randomBytes(32);
const key = core.secretKey(secret);
const claimOptions = { issuer: 'jwt-example', audience: 'jwt-example-api' };
const signer = core.createSigner({ key, ...claimOptions, expiresIn: 900, jwtId: true, timestamp: 'ms' });
const token = signer.signSync({ sub: 'kevin', username: 'kevin', permissions: ['view', 'comment'] });

const memory = new core.MemoryRevocationStore({ maxTokenLifetime: 900 });
await populate(memory);
const verifiers = {
  'no store': core.createVerifier({ key, ...claimOptions }),
  memory: core.createVerifier({ key, ...claimOptions, revocation: memory }),
};

const redis = await startRedis();
let redisStore;
let other;
if (redis === undefined) {
  console.warn('redis-server not found: the Redis store is not measured (apt-get install -y redis-server)');
} else {
  redisStore = new RedisRevocationStore({ url: redis.url, maxTokenLifetime: 900, commandTimeout: 5000 });
  if (!(await redisStore.ready(10_000))) throw new Error('the Redis store did not synchronise');
  await populate(redisStore);
  verifiers['redis (mirror warm)'] = core.createVerifier({ key, ...claimOptions, revocation: redisStore });
}

try {
  // Every contestant must accept the token, and refuse a revoked one, before it is timed.
  const revoked = signer.signSync({ sub: 'kevin' });
  for (const [name, verifier] of Object.entries(verifiers)) {
    verifier.verifySync(token);
    if (name === 'no store') continue;
    const store = name === 'memory' ? memory : redisStore;
    await store.revokeToken(verifier.verifySync(revoked).payload);
    try {
      verifier.verifySync(revoked);
      throw new Error(`${name}: a revoked token was accepted`);
    } catch (error) {
      if (error.code !== 'ERR_JWT_REVOKED') throw error;
    }
  }

  const sync = await compare(Object.fromEntries(Object.entries(verifiers).map(([name, v]) => [name, () => v.verifySync(token)])), opts);
  const async = await compare(Object.fromEntries(Object.entries(verifiers).map(([name, v]) => [name, () => v.verify(token)])), opts);
  if (redisStore !== undefined && redisStore.status !== 'synced') throw new Error(`the Redis store left the fast path during the run (${redisStore.status})`);
  console.log('verifySync', sync, 'verify', async);

  let travel;
  if (redis !== undefined) {
    other = new RedisRevocationStore({ url: redis.url, maxTokenLifetime: 900, commandTimeout: 5000 });
    if (!(await other.ready(10_000))) throw new Error('the second Redis store did not synchronise');
    travel = await propagation(redisStore, other, PROPAGATION_SAMPLES);
    console.log('propagation', travel);
  }

  const rows = [];
  const targets = [];
  for (const [mode, results] of [['verifySync', sync], ['verify (async)', async]]) {
    const base = results['no store'];
    for (const [name, opsPerSecond] of Object.entries(results)) {
      rows.push(`| ${mode} | ${name} | ${fmt(opsPerSecond)} | ${(opsPerSecond / base).toFixed(2)}x |`);
      if (name !== 'no store') targets.push(`| ${mode}, ${name}: >= ${TARGET}x no store | ${(opsPerSecond / base).toFixed(2)}x |`);
    }
  }
  const date = new Date().toISOString().slice(0, 10);
  const table = [
    `Run on ${date}, Node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at the end${quick ? ' (quick mode)' : ''}. HS256, one valid token; each store holds ${REVOKED_TOKENS} revoked tokens and ${REVOKED_SUBJECTS} subject cutoffs.${redis === undefined ? ' redis-server was not installed: the Redis store was not measured.' : ''}`,
    '',
    '| mode | store | ops/s | ratio to no store |',
    '|---|---|---|---|',
    ...rows,
    '',
    '| target | measured |',
    '|---|---|',
    ...targets,
    ...(travel === undefined
      ? []
      : [
          `| a logout through one Redis store refused by another's mirror: <= ${PROPAGATION_TARGET_MS} ms | median ${travel.median.toFixed(2)} ms, p99 ${travel.p99.toFixed(2)} ms, max ${travel.max.toFixed(2)} ms over ${PROPAGATION_SAMPLES} logouts |`,
        ]),
  ].join('\n');
  console.log(`\n${table}`);

  if (!quick) {
    writeReadmeSection({
      name: 'revocation-bench',
      heading: 'Revocation (`node bench/revocation.bench.mjs`)',
      intro: 'What a revocation store adds to verification. With Redis, each instance answers from an in-memory mirror kept current by pub/sub, so the steady state makes no network round trip.',
      table,
    });
  }
} finally {
  await redisStore?.close();
  await other?.close();
  redis?.stop();
}
