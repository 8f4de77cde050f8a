// Refresh tokens: exchanges per second with the memory store and with Redis (one local
// redis-server), beside plain signing (an exchange verifies one token and signs two), and what the
// `sid` claim costs access-token verification: a token carrying a `sid` against one without, both
// checked against the same revocation store holding thousands of ended sessions (target: 0.95x or
// better, the issue's 5%). Ratios come from one run, contestants interleaved in a new random order
// every round. Starts its own redis-server on a free loopback port (skipped, with a message, when
// the binary is missing). Writes its table into bench/README.md under "Refresh tokens".
import crypto from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import os from 'node:os';
import * as core from '@jwt/core';
import { RedisRefreshStore, RedisRevocationStore } from '@jwt/redis';
import { fmt, writeReadmeSection } from './harness.mjs';

const quick = process.argv.includes('--quick');
const opts = quick ? { rounds: 5, roundMs: 100 } : { rounds: 21, roundMs: 200 };
const SID_TARGET = 0.95;
const ENDED_SESSIONS = 5000;
/** Exchanges in flight at once against Redis: a server handles many clients, not one at a time. */
const CONCURRENCY = 16;

/** Median ops/s of each contestant; `fn` performs one operation, or `batch` of them when given. */
async function compare(contestants, { rounds, roundMs }) {
  const names = Object.keys(contestants);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const measure = async ({ run, batch = 1 }) => {
    let ops = 0;
    const start = performance.now();
    let elapsed = 0;
    while ((elapsed = performance.now() - start) < roundMs) {
      for (let i = 0; i < 20; i++) {
        const r = run();
        if (r instanceof Promise) await r;
      }
      ops += 20 * batch;
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

const key = core.secretKey(crypto.randomBytes(32));
const access = { key, issuer: 'jwt-example', audience: 'jwt-example-api', expiresIn: 900, jwtId: true, timestamp: 'ms' };
const claims = { sub: 'kevin', username: 'kevin', permissions: ['view', 'comment'] };

/**
 * `sessions` independent sessions, each exchanged in turn with its current refresh token: a
 * contestant doing `concurrency` exchanges at once (each batch on distinct sessions).
 */
async function exchanger(refresh, { sessions = 256, concurrency = 1 } = {}) {
  const current = [];
  for (let i = 0; i < sessions; i++) current.push((await refresh.issue(claims)).refreshToken);
  let next = 0;
  const one = async () => {
    const i = next;
    next = (next + 1) % sessions;
    current[i] = (await refresh.exchange(current[i])).refreshToken;
  };
  if (concurrency === 1) return { run: one };
  return { run: () => Promise.all(Array.from({ length: concurrency }, one)), batch: concurrency };
}

const signer = core.createSigner(access);
const memoryRevocation = new core.MemoryRevocationStore({ maxTokenLifetime: '14d' });
const memoryRefresh = core.createRefreshTokens({ access, revocation: memoryRevocation, store: new core.MemoryRefreshStore() });

const redis = await startRedis();
let redisRevocation;
let redisStore;
if (redis === undefined) console.warn('redis-server not found: the Redis store is not measured (apt-get install -y redis-server)');
else {
  redisRevocation = new RedisRevocationStore({ url: redis.url, maxTokenLifetime: '14d', commandTimeout: 5000 });
  if (!(await redisRevocation.ready(10_000))) throw new Error('the Redis revocation store did not synchronise');
  redisStore = new RedisRefreshStore({ url: redis.url, commandTimeout: 5000 });
}

try {
  // Exchanges.
  const exchangeContestants = {
    'sign one token (baseline)': { run: () => signer.sign(claims) },
    'exchange, memory store': await exchanger(memoryRefresh),
  };
  let redisNote = '';
  if (redisStore !== undefined) {
    if (typeof redisRevocation.revokeSession === 'function') {
      const redisRefresh = core.createRefreshTokens({ access, revocation: redisRevocation, store: redisStore });
      exchangeContestants['exchange, Redis store'] = await exchanger(redisRefresh);
      exchangeContestants[`exchange, Redis store, ${CONCURRENCY} in flight`] = await exchanger(redisRefresh, { concurrency: CONCURRENCY });
    } else {
      // The refresh store alone, with the in-memory revocation store: what the Redis round trip costs.
      const redisRefresh = core.createRefreshTokens({ access, revocation: memoryRevocation, store: redisStore });
      exchangeContestants['exchange, Redis refresh store'] = await exchanger(redisRefresh);
      exchangeContestants[`exchange, Redis refresh store, ${CONCURRENCY} in flight`] = await exchanger(redisRefresh, { concurrency: CONCURRENCY });
      redisNote = ' RedisRevocationStore has no revokeSession yet: the Redis rows pair the Redis refresh store with the in-memory revocation store.';
    }
  }
  const exchanges = await compare(exchangeContestants, opts);

  // The sid check on access tokens: the same store, thousands of ended sessions, a token with and without sid.
  const exp = Math.floor(Date.now() / 1000) + 900;
  for (let i = 0; i < ENDED_SESSIONS; i++) memoryRevocation.revokeSession(core.randomId(), exp);
  // The same payload size either way (`sid` or an unchecked `xid` of the same length), so only the
  // lookup differs, not the bytes hashed and parsed.
  const sessionId = core.randomId();
  const withSid = signer.signSync({ ...claims, sid: sessionId });
  const withoutSid = signer.signSync({ ...claims, xid: sessionId });
  const verifier = core.createVerifier({ key, issuer: access.issuer, audience: access.audience, revocation: memoryRevocation });
  verifier.verifySync(withSid);
  verifier.verifySync(withoutSid);
  const sid = await compare(
    {
      'verifySync, no sid': { run: () => verifier.verifySync(withoutSid) },
      'verifySync, with sid': { run: () => verifier.verifySync(withSid) },
      'verify, no sid': { run: () => verifier.verify(withoutSid) },
      'verify, with sid': { run: () => verifier.verify(withSid) },
    },
    { rounds: opts.rounds * 2, roundMs: opts.roundMs / 2 },
  );
  console.log('exchanges', exchanges, 'sid', sid);

  const base = exchanges['sign one token (baseline)'];
  const date = new Date().toISOString().slice(0, 10);
  const syncRatio = sid['verifySync, with sid'] / sid['verifySync, no sid'];
  const asyncRatio = sid['verify, with sid'] / sid['verify, no sid'];
  const table = [
    `Run on ${date}, Node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at the end${quick ? ' (quick mode)' : ''}. HS256. An exchange verifies the refresh token (revocation store included), signs an access and a refresh token, and compare-and-sets the session; 256 sessions exchanged in turn.${redis === undefined ? ' redis-server was not installed: the Redis store was not measured.' : ''}${redisNote}`,
    '',
    '| operation | ops/s | ratio to signing one token |',
    '|---|---|---|',
    ...Object.entries(exchanges).map(([name, ops]) => `| ${name} | ${fmt(ops)} | ${(ops / base).toFixed(2)}x |`),
    '',
    `Access-token verification against a memory revocation store holding ${ENDED_SESSIONS} ended sessions: a token carrying a \`sid\` (looked up) against one of the same size without it.`,
    '',
    '| mode | no sid, ops/s | with sid, ops/s | ratio (target >= 0.95x) |',
    '|---|---|---|---|',
    `| verifySync | ${fmt(sid['verifySync, no sid'])} | ${fmt(sid['verifySync, with sid'])} | ${syncRatio.toFixed(2)}x |`,
    `| verify (async) | ${fmt(sid['verify, no sid'])} | ${fmt(sid['verify, with sid'])} | ${asyncRatio.toFixed(2)}x |`,
  ].join('\n');
  console.log(`\n${table}`);
  if (syncRatio < SID_TARGET || asyncRatio < SID_TARGET) console.warn(`the sid check cost more than ${Math.round((1 - SID_TARGET) * 100)}% in this run`);

  if (!quick) {
    writeReadmeSection({
      name: 'refresh-bench',
      heading: 'Refresh tokens (`node bench/refresh.bench.mjs`)',
      intro: 'What a refresh-token exchange costs with each store, beside signing one token, and what the `sid` claim adds to access-token verification.',
      table,
    });
  }
} finally {
  await redisStore?.close();
  await redisRevocation?.close();
  redis?.stop();
}
