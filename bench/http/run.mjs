// What authentication costs per HTTP request, for each framework against the middleware its users
// install today. Each server runs in its own process on 127.0.0.1; autocannon drives it from this
// process (32 connections, no pipelining, each connection sending its own token again and again,
// as a client holding a session does). Per framework and algorithm, the no-auth server, ours, ours
// with its verified-token cache, the peer in its two forms and an inline node:crypto floor are
// timed in interleaved rounds after a warm-up, and each is reported as the ratio of its req/s to
// the no-auth server's in the same round, which cancels much of the noise of a shared machine.
// Writes its table into bench/README.md.
//
//   node bench/http/run.mjs            the full run (about 5 minutes on 2 cores), writes the README
//   node bench/http/run.mjs --quick    a smoke run: 2 rounds, README untouched
//   options: --frameworks hono,koa,nest  --algs HS256,ES256  --rounds N  --duration S  --warmup S
//            --profile     profile ours, ours with the cache, the floor and no auth even where the targets are met
//            --no-profile  never profile
import { fork } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { writeReadmeSection } from '../harness.mjs';
import os, { cpus, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createSigner, importKey, secretKey } from '@jwt/core';
import { summarizeProfile } from './profile.mjs';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    frameworks: { type: 'string', default: 'hono,koa,nest' },
    algs: { type: 'string', default: 'HS256,ES256' },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'no-profile': { type: 'boolean', default: false },
  },
});

const quick = flags.quick;
const loadAtStart = os.loadavg()[0];
// Budget (2 cores): 3 frameworks x 6 servers x 1 s warm-up + 6 rounds of 1 s for HS256 (where the
// targets are) and 3 for ES256 = under 4 minutes of load, plus start-ups and the profiles of missed
// targets. Many short rounds beat a few long ones on a noisy machine. autocannon stops on its
// once-a-second tick, so durations are whole seconds.
const ROUNDS = flags.rounds !== undefined ? { HS256: Number(flags.rounds), ES256: Number(flags.rounds) } : quick ? { HS256: 2, ES256: 2 } : { HS256: 6, ES256: 3 };
const ROUND_SECONDS = Number(flags.duration ?? 1);
const WARMUP_SECONDS = Number(flags.warmup ?? 1);
const PROFILE_SECONDS = quick ? 1 : 2;
const CONNECTIONS = 32;
const ISSUER = 'jwt-bench';
const AUDIENCE = 'jwt-bench-api';

// `target`: ours / no auth, HS256; `cacheTarget`: ours with `cache: true` / no auth, HS256.
const FRAMEWORKS = {
  hono: { ours: '@jwt/hono', peer: 'hono/jwt', peerKey: 'hono/jwt (CryptoKey)', target: 0.7, cacheTarget: 0.75 },
  koa: { ours: '@jwt/koa', peer: 'koa-jwt', peerKey: 'koa-jwt (KeyObject)', target: 0.8, cacheTarget: 0.85 },
  nest: { ours: '@jwt/nest', peer: 'passport-jwt', peerKey: 'passport-jwt (KeyObject)', target: 0.9, cacheTarget: 0.95 },
};
const VARIANTS = ['none', 'ours', 'ours-cache', 'peer', 'peer-key', 'floor'];

const frameworks = flags.frameworks.split(',').map((f) => f.trim());
const algs = flags.algs.split(',').map((a) => a.trim());
for (const f of frameworks) if (!(f in FRAMEWORKS)) throw new Error(`unknown framework ${f}: hono, koa or nest`);
for (const a of algs) if (a !== 'HS256' && a !== 'ES256') throw new Error(`unknown algorithm ${a}: HS256 or ES256`);
for (const [name, n] of [['rounds', ROUNDS.HS256], ['duration', ROUND_SECONDS], ['warmup', WARMUP_SECONDS]]) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number, at least 1`);
}

class BenchError extends Error {}

function label(framework, variant, alg) {
  const f = FRAMEWORKS[framework];
  if (variant === 'none') return 'no auth';
  if (variant === 'floor') return 'floor (inline node:crypto)';
  if (variant === 'ours') return f.ours;
  if (variant === 'ours-cache') return `${f.ours} (cache)`;
  if (variant === 'peer-key') return f.peerKey;
  return `${f.peer} (${alg === 'HS256' ? 'secret string' : 'PEM'})`;
}

/**
 * The key material, the token every server must accept, a tampered copy every auth server must
 * refuse, and one token per connection for the timed load (same claims but `jti`).
 */
async function setupFor(alg) {
  const claims = { sub: 'kevin', username: 'kevin', permissions: ['view', 'comment'] };
  let config;
  let signKey;
  if (alg === 'HS256') {
    const secret = randomBytes(32).toString('base64url');
    config = { alg, secret, publicKeyPem: '' };
    signKey = secretKey(secret);
  } else {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    config = { alg, secret: '', publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) };
    signKey = await importKey(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { alg });
  }
  const signer = createSigner({ key: signKey, alg, issuer: ISSUER, audience: AUDIENCE, expiresIn: 3600, jwtId: true });
  const token = signer.signSync(claims);
  const tokens = Array.from({ length: CONNECTIONS }, () => signer.signSync(claims));
  const [header, payload, signature] = token.split('.');
  const signed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  // A real tampering: the claims are changed and re-encoded, the signature kept.
  const forged = Buffer.from(JSON.stringify({ ...signed, sub: 'admin', permissions: ['admin'] })).toString('base64url');
  return {
    config: { ...config, issuer: ISSUER, audience: AUDIENCE, claims: signed },
    token,
    tokens,
    tampered: `${header}.${forged}.${signature}`,
    claims: signed,
  };
}

// ---------------------------------------------------------------------------------------------
// servers

// Other processes on the machine add noise to every round; where allowed (root, or a raised
// RLIMIT_NICE), the load generator and the servers run ahead of them. Best effort only.
const PRIORITY = -10;
let prioritized = true;
function raisePriority(pid) {
  try {
    setPriority(pid, PRIORITY);
  } catch {
    prioritized = false;
  }
}
raisePriority(0);

function startServer(framework, variant, config, execArgv = []) {
  const file = new URL(`./servers/${framework}.mjs`, import.meta.url);
  const child = fork(file, [variant], {
    env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  raisePriority(child.pid);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new BenchError(`${framework}/${variant}: did not start within 30 s`)), 30_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      if (typeof message?.port === 'number') resolve(message.port);
      else reject(new BenchError(`${framework}/${variant}: unexpected message ${JSON.stringify(message)}`));
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new BenchError(`${framework}/${variant}: exited with ${code ?? signal} before listening`));
    });
  });
  const cpuWaiters = [];
  child.on('message', (message) => {
    if (message?.cpu !== undefined) cpuWaiters.shift()?.(message.cpu.user + message.cpu.system);
  });
  return started.then((port) => ({
    framework,
    variant,
    url: `http://127.0.0.1:${port}/me`,
    /** The server process's CPU time so far, µs. */
    cpu() {
      return new Promise((resolve) => {
        cpuWaiters.push(resolve);
        child.send('cpu');
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  }));
}

async function get(url, token) {
  const response = await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const text = await response.text();
  return { status: response.status, text };
}

/** Before any timing: the right answers, or the run stops. */
async function check(server, setup) {
  const name = `${server.framework}/${server.variant}`;
  const ok = await get(server.url, setup.token);
  if (ok.status < 200 || ok.status > 299) throw new BenchError(`${name}: the valid token got ${ok.status}: ${ok.text.slice(0, 200)}`);
  let body;
  try {
    body = JSON.parse(ok.text);
  } catch {
    throw new BenchError(`${name}: /me did not answer JSON: ${ok.text.slice(0, 200)}`);
  }
  if (body.sub !== setup.claims.sub || body.jti !== setup.claims.jti || body.exp !== setup.claims.exp) {
    throw new BenchError(`${name}: /me did not answer the token's claims: ${ok.text.slice(0, 200)}`);
  }
  if (server.variant === 'none') return;
  for (const [what, token] of [['a tampered token', setup.tampered], ['no token', undefined]]) {
    const refused = await get(server.url, token);
    if (refused.status !== 401) throw new BenchError(`${name}: ${what} got ${refused.status}, not 401: ${refused.text.slice(0, 200)}`);
  }
}

/**
 * One autocannon run, each connection sending its own token of `tokens` on every request; any
 * answer other than 2xx, any socket error or timeout fails the whole run.
 */
async function load(server, tokens, seconds) {
  const cpuBefore = await server.cpu();
  let next = 0;
  const result = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
    headers: { authorization: `Bearer ${tokens[0]}` },
    setupClient(client) {
      client.setHeaders({ authorization: `Bearer ${tokens[next++ % tokens.length]}` });
    },
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0 || result['2xx'] === 0) {
    throw new BenchError(`${server.framework}/${server.variant}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts during timing`);
  }
  const cpu = (await server.cpu()) - cpuBefore;
  return { rps: result.requests.total / result.duration, p99: result.latency.p99, requests: result.requests.total, cpuPerRequest: cpu / result.requests.total };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// ---------------------------------------------------------------------------------------------
// one framework and algorithm: start, check, warm up, interleaved rounds

async function measureGroup(framework, alg, setup) {
  const servers = [];
  try {
    for (const variant of VARIANTS) servers.push(startServer(framework, variant, setup.config));
    const started = await Promise.allSettled(servers);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const live = started.map((s) => s.value);
    for (const server of live) await check(server, setup);
    for (const server of live) await load(server, setup.tokens, WARMUP_SECONDS);
    const samples = new Map(live.map((s) => [s.variant, []]));
    for (let round = 0; round < ROUNDS[alg]; round++) {
      const results = new Map();
      for (const server of live) results.set(server.variant, await load(server, setup.tokens, ROUND_SECONDS));
      const base = results.get('none').rps;
      const baseCpu = results.get('none').cpuPerRequest;
      for (const [variant, r] of results) samples.get(variant).push({ ...r, ratio: r.rps / base, cpuRatio: baseCpu / r.cpuPerRequest });
    }
    return VARIANTS.map((variant) => {
      const s = samples.get(variant);
      return {
        framework,
        alg,
        variant,
        server: label(framework, variant, alg),
        rps: median(s.map((x) => x.rps)),
        p99: median(s.map((x) => x.p99)),
        ratio: median(s.map((x) => x.ratio)),
        ratios: s.map((x) => x.ratio),
        cpuPerRequest: median(s.map((x) => x.cpuPerRequest)),
        cpuRatio: median(s.map((x) => x.cpuRatio)),
      };
    });
  } finally {
    const settled = await Promise.allSettled(servers);
    await Promise.all(settled.filter((s) => s.status === 'fulfilled').map((s) => s.value.stop()));
  }
}

/** Runs one server under `--cpu-prof` for a few seconds and says where its CPU time went. */
async function profileServer(framework, variant, alg, setup, dir) {
  const before = new Set(readdirSync(dir));
  const server = await startServer(framework, variant, setup.config, ['--cpu-prof', '--cpu-prof-dir', dir]);
  let timed;
  let window;
  try {
    await check(server, setup);
    await load(server, setup.tokens, WARMUP_SECONDS);
    // The profile covers the whole process (start-up, warm-up): only samples inside the timed
    // window count. V8's profile clock and process.hrtime are both the system's monotonic clock.
    const from = process.hrtime.bigint() / 1000n;
    timed = await load(server, setup.tokens, PROFILE_SECONDS);
    window = { from: Number(from), to: Number(process.hrtime.bigint() / 1000n) };
  } finally {
    await server.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && !before.has(f));
  if (file === undefined) throw new BenchError(`${framework}/${variant}: --cpu-prof wrote no profile`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  return { file: join(dir, file), rps: timed.rps, ...summarizeProfile(profile, timed.requests, window) };
}

// ---------------------------------------------------------------------------------------------
// report

const fmtInt = (n) => Math.round(n).toLocaleString('en-US');

function targetRows(rows) {
  const out = [];
  for (const framework of frameworks) {
    for (const alg of algs) {
      const group = rows.filter((r) => r.framework === framework && r.alg === alg);
      if (group.length === 0) continue;
      const ours = group.find((r) => r.variant === 'ours');
      const cached = group.find((r) => r.variant === 'ours-cache');
      const peers = group.filter((r) => r.variant === 'peer' || r.variant === 'peer-key');
      const best = peers.reduce((a, b) => (b.ratio > a.ratio ? b : a));
      if (alg === 'HS256') {
        const target = FRAMEWORKS[framework].target;
        out.push({ framework, alg, what: `${FRAMEWORKS[framework].ours} / no auth >= ${target.toFixed(2)}`, measured: ours.ratio.toFixed(2), met: ours.ratio >= target });
        const cacheTarget = FRAMEWORKS[framework].cacheTarget;
        out.push({ framework, alg, cache: true, what: `${cached.server} / no auth >= ${cacheTarget.toFixed(2)}`, measured: cached.ratio.toFixed(2), met: cached.ratio >= cacheTarget });
      }
      out.push({
        framework,
        alg,
        what: `${FRAMEWORKS[framework].ours} ahead of every peer row`,
        measured: `${ours.ratio.toFixed(2)} vs ${best.ratio.toFixed(2)} (${best.server})`,
        met: peers.every((p) => ours.ratio > p.ratio),
      });
    }
  }
  return out;
}

function renderTable(rows, targets, profiles, elapsedSeconds) {
  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    `Run on ${date}, Node ${process.version}, ${cpus().length} cores${quick ? ' (quick mode)' : ''}, in ${Math.round(elapsedSeconds)} s` +
      `${prioritized ? `, benchmark processes at nice ${PRIORITY}` : ''}. ` +
      `autocannon ${CONNECTIONS} connections, pipelining 1, on 127.0.0.1; each server in its own process; ` +
      `${WARMUP_SECONDS} s warm-up each, then interleaved rounds of ${ROUND_SECONDS} s, ${ROUNDS.HS256} for HS256 and ${ROUNDS.ES256} for ES256, each round timing no auth, ours, ours with \`cache: true\`, the peer, the peer with a prebuilt key and the floor in turn. ` +
      `Each of the ${CONNECTIONS} connections sends its own token (same claims, its own \`jti\`) on every request. ` +
      'req/s and p99 are medians over the rounds; the ratio is the median of each round\'s req/s over the same round\'s no-auth req/s, and the range shows the lowest and highest round. ' +
      'Server CPU µs/req is the server process\'s CPU time (user + system, every thread: WebCrypto works on libuv\'s thread pool) over the requests it answered; ' +
      'the CPU ratio is the no-auth server\'s over this one\'s, same round. It moves less than req/s when other processes share the machine. ' +
      'Every server answered the valid token with its claims and (auth servers) a tampered token and no token with 401 before timing; every timed answer was 2xx. ' +
      `The "(cache)" rows are ours with the verified-token cache on (\`cache: true\`: at most 1000 tokens, each hit re-checks \`exp\`, \`nbf\` and revocation); no other row caches. Load average ${loadAtStart.toFixed(1)} when the run started, ${os.loadavg()[0].toFixed(1)} when it ended.`,
    '',
    '| framework | alg | server | req/s | p99 ms | ratio to no auth | range | server CPU µs/req | CPU ratio |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => {
      const range = r.variant === 'none' ? '' : `${Math.min(...r.ratios).toFixed(2)}-${Math.max(...r.ratios).toFixed(2)}`;
      const ratio = r.variant === 'none' ? '1.00' : r.ratio.toFixed(2);
      const cpuRatio = r.variant === 'none' ? '1.00' : r.cpuRatio.toFixed(2);
      return `| ${r.framework} | ${r.alg} | ${r.server} | ${fmtInt(r.rps)} | ${r.p99} | ${ratio} | ${range} | ${r.cpuPerRequest.toFixed(0)} | ${cpuRatio} |`;
    }),
    '',
    '| framework | alg | target | measured | |',
    '|---|---|---|---|---|',
    ...targets.map((t) => `| ${t.framework} | ${t.alg} | ${t.what} | ${t.measured} | ${t.met ? 'met' : '**missed**'} |`),
  ];
  if (profiles.length > 0) {
    lines.push(
      '',
      'Where the time goes, for each framework that missed a target (or all with `--profile`): `node --cpu-prof` on the server process, ' +
        `HS256, ${PROFILE_SECONDS} s under the same load after a warm-up, only the timed window counted. ` +
        'Sampled (wall-clock) time of the main thread per request, in µs, by package: ours, ours with the cache, the inline floor and no auth.',
      '',
    );
    for (const { framework, ours, cached, floor, none } of profiles) {
      const names = [...new Set([...ours.buckets.keys(), ...cached.buckets.keys(), ...floor.buckets.keys(), ...none.buckets.keys()])];
      const buckets = names
        .map((b) => ({ b, ours: ours.buckets.get(b) ?? 0, cached: cached.buckets.get(b) ?? 0, floor: floor.buckets.get(b) ?? 0, none: none.buckets.get(b) ?? 0 }))
        // Our packages always; the rest when they weigh at least 1% of a request with ours.
        .filter((x) => x.b.startsWith('@jwt/') || Math.max(x.ours, x.cached, x.floor, x.none) >= ours.perRequest / 100)
        .sort((x, y) => y.ours - y.none - (x.ours - x.none));
      const describe = (p) => `${fmtInt(p.rps)} req/s, busy ${Math.round(p.busy * 100)}%, ${p.perRequest.toFixed(1)} µs/req`;
      const signed = (n) => `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;
      lines.push(
        `**${framework}**: ${FRAMEWORKS[framework].ours} ${describe(ours)}; with the cache ${describe(cached)}; floor ${describe(floor)}; no auth ${describe(none)}.`,
        '',
        `| where | ${FRAMEWORKS[framework].ours} | (cache) | floor | no auth | ours - no auth | cache - no auth |`,
        '|---|---:|---:|---:|---:|---:|---:|',
        ...buckets.map((x) => `| ${x.b} | ${x.ours.toFixed(1)} | ${x.cached.toFixed(1)} | ${x.floor.toFixed(1)} | ${x.none.toFixed(1)} | ${signed(x.ours - x.none)} | ${signed(x.cached - x.none)} |`),
        `| total | ${ours.perRequest.toFixed(1)} | ${cached.perRequest.toFixed(1)} | ${floor.perRequest.toFixed(1)} | ${none.perRequest.toFixed(1)} | ${signed(ours.perRequest - none.perRequest)} | ${signed(cached.perRequest - none.perRequest)} |`,
        '',
        `Top self time with ${FRAMEWORKS[framework].ours}: ${ours.top.map((t) => `${t.name} (${t.where}) ${t.perRequest.toFixed(1)}`).join('; ')}.`,
        '',
        `Top self time with ${FRAMEWORKS[framework].ours} (cache): ${cached.top.map((t) => `${t.name} (${t.where}) ${t.perRequest.toFixed(1)}`).join('; ')}.`,
        '',
      );
    }
  }
  return lines.join('\n').trimEnd();
}

function writeReadme(table) {
  writeReadmeSection({ name: 'http-bench', heading: 'HTTP: what auth costs per request (`pnpm bench:http`)', table });
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const setups = new Map();
  for (const alg of algs) setups.set(alg, await setupFor(alg));
  const rows = [];
  for (const framework of frameworks) {
    for (const alg of algs) {
      const t0 = Date.now();
      const group = await measureGroup(framework, alg, setups.get(alg));
      rows.push(...group);
      const line = group.map((r) => `${r.server} ${fmtInt(r.rps)} req/s p99 ${r.p99} ms ${r.cpuPerRequest.toFixed(0)} µs CPU (${r.ratio.toFixed(2)}: ${r.ratios.map((x) => x.toFixed(2)).join(' ')}; cpu ${r.cpuRatio.toFixed(2)})`).join('; ');
      console.log(`${framework} ${alg} [${((Date.now() - t0) / 1000).toFixed(0)} s]: ${line}`);
    }
  }
  const targets = targetRows(rows);

  const profiles = [];
  const missed = new Set(targets.filter((t) => !t.met && t.alg === 'HS256').map((t) => t.framework));
  // The cached server is profiled with the others whenever a framework is: its own target is what is left below the floor.
  const toProfile = flags['no-profile'] || !algs.includes('HS256') ? [] : frameworks.filter((f) => flags.profile || missed.has(f));
  if (toProfile.length > 0) {
    const dir = mkdtempSync(join(tmpdir(), 'jwt-bench-http-'));
    const setup = setups.get('HS256');
    for (const framework of toProfile) {
      const ours = await profileServer(framework, 'ours', 'HS256', setup, dir);
      const cached = await profileServer(framework, 'ours-cache', 'HS256', setup, dir);
      const floor = await profileServer(framework, 'floor', 'HS256', setup, dir);
      const none = await profileServer(framework, 'none', 'HS256', setup, dir);
      profiles.push({ framework, ours, cached, floor, none });
      console.log(`profiled ${framework}: ${ours.file} (ours), ${cached.file} (ours, cache), ${floor.file} (floor), ${none.file} (no auth)`);
    }
  }

  const table = renderTable(rows, targets, profiles, (Date.now() - started) / 1000);
  console.log(`\n${table}\n`);
  if (quick) console.log('Quick mode: bench/README.md left as it was.');
  else writeReadme(table);
}

try {
  await main();
} catch (error) {
  if (!(error instanceof BenchError)) throw error;
  console.error(`bench:http failed: ${error.message}`);
  process.exitCode = 1;
}
