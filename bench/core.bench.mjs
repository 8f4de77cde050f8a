// Sign and verify ops/s for @jwt/core against jose, fast-jwt, jsonwebtoken and the "floor": the
// least work any correct verifier does with node:crypto (split, HMAC or signature check,
// constant-time compare, base64url-decode and parse the payload, check exp). All in one run,
// reported as ratios to the floor. Verification is also timed through the promise APIs with 16
// calls in flight (a server under load), and with each library's verified-token cache.
// Writes its table into bench/README.md.
import crypto from 'node:crypto';
import os from 'node:os';
import * as core from '@jwt/core';
import * as jose from 'jose';
import { createSigner as fjSigner, createVerifier as fjVerifier } from 'fast-jwt';
import jsonwebtoken from 'jsonwebtoken';
import { cpuShare, fmt, race, writeReadmeSection } from './harness.mjs';

const quick = process.argv.includes('--quick');
const loadAtStart = os.loadavg()[0];
// As bench:http does: where allowed (root, or a raised RLIMIT_NICE), run ahead of the machine's
// other processes. Before any thread-pool work, so that the pool's threads inherit it. Best effort.
let prioritized = true;
try {
  os.setPriority(-10);
} catch {
  prioritized = false;
}
// --algs ES256,EdDSA times only those (a partial run leaves bench/README.md alone).
const algArg = process.argv.indexOf('--algs');
const ALGS = algArg > 0 ? process.argv[algArg + 1].split(',') : ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'];
const partial = algArg > 0;
const opts = quick ? { rounds: 3, roundMs: 120, warmupMs: 100 } : { rounds: 9, roundMs: 250, warmupMs: 300 };
const claims = { sub: 'kevin', username: 'kevin', permissions: ['view', 'comment'], iss: 'jwt-example', aud: 'jwt-example-api' };
const b64u = (s) => Buffer.from(s).toString('base64url');

function floorFor(alg, privateKey, publicKey) {
  const info = core.ALGORITHMS[alg];
  const header = b64u(JSON.stringify({ alg, typ: 'JWT' }));
  const keyOpts = (key) =>
    info.family === 'PS' ? { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST }
    : info.family === 'ES' ? { key, dsaEncoding: 'ieee-p1363' } : key;
  const hash = info.family === 'EdDSA' ? null : info.nodeHash;
  // The floor uses the fastest form of each primitive: a secret KeyObject for HMAC.
  if (info.family === 'HS') privateKey = crypto.createSecretKey(privateKey);
  const signKey = keyOpts(privateKey);
  const verifyKey = keyOpts(publicKey);
  return {
    sign() {
      const now = Math.floor(Date.now() / 1000);
      const input = `${header}.${b64u(JSON.stringify({ ...claims, iat: now, exp: now + 900 }))}`;
      if (info.family === 'HS') return `${input}.${crypto.createHmac(hash, privateKey).update(input).digest('base64url')}`;
      return `${input}.${crypto.sign(hash, Buffer.from(input), signKey).toString('base64url')}`;
    },
    verify(token) {
      const d1 = token.indexOf('.');
      const d2 = token.lastIndexOf('.');
      const input = token.slice(0, d2);
      const sig = Buffer.from(token.slice(d2 + 1), 'base64url');
      if (info.family === 'HS') {
        const mac = crypto.createHmac(hash, privateKey).update(input).digest();
        if (mac.length !== sig.length || !crypto.timingSafeEqual(mac, sig)) throw new Error('bad signature');
      } else if (!crypto.verify(hash, Buffer.from(input), verifyKey, sig)) throw new Error('bad signature');
      const payload = JSON.parse(Buffer.from(token.slice(d1 + 1, d2), 'base64url').toString('utf8'));
      if (!(payload.exp > Date.now() / 1000)) throw new Error('expired');
      return payload;
    },
  };
}

async function keysFor(alg) {
  if (alg === 'HS256') {
    const secret = crypto.randomBytes(32);
    return { node: [secret, secret], ours: [core.secretKey(secret), core.secretKey(secret)], secret };
  }
  const info = core.ALGORITHMS[alg];
  const pair = info.family === 'RS' || info.family === 'PS' ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    : info.family === 'ES' ? crypto.generateKeyPairSync('ec', { namedCurve: info.curve }) : crypto.generateKeyPairSync('ed25519');
  const ours = [await core.importKey(pair.privateKey, { alg }), await core.importKey(pair.publicKey, { alg })];
  return { node: [pair.privateKey, pair.publicKey], ours };
}

const IN_FLIGHT = 16;
const rows = [];
const ratioRows = [];
const asyncRows = [];
const shareRows = [];
for (const alg of ALGS) {
  const k = await keysFor(alg);
  const floor = floorFor(alg, k.node[0], k.node[1]);
  const oursSigner = core.createSigner({ key: k.ours[0], alg, expiresIn: 900 });
  const oursVerifier = core.createVerifier({ key: k.ours[1], algorithms: [alg], issuer: 'jwt-example', audience: 'jwt-example-api' });
  const oursCached = core.createVerifier({ key: k.ours[1], algorithms: [alg], issuer: 'jwt-example', audience: 'jwt-example-api', cache: true });
  const joseSignKey = alg === 'HS256' ? k.secret : k.node[0];
  const joseVerifyKey = alg === 'HS256' ? k.secret : k.node[1];
  const pemPriv = alg === 'HS256' ? k.secret : k.node[0].export({ type: 'pkcs8', format: 'pem' });
  const pemPub = alg === 'HS256' ? k.secret : k.node[1].export({ type: 'spki', format: 'pem' });
  const fjSign = fjSigner({ key: pemPriv, algorithm: alg, expiresIn: 900_000 });
  const fjVerify = fjVerifier({ key: pemPub, algorithms: [alg], allowedIss: 'jwt-example', allowedAud: 'jwt-example-api' });
  const fjCachedVerify = fjVerifier({ key: pemPub, algorithms: [alg], allowedIss: 'jwt-example', allowedAud: 'jwt-example-api', cache: true });
  const jwtSupported = alg !== 'EdDSA';
  const token = oursSigner.signSync(claims);
  // Every contestant must accept the same token before it is timed.
  floor.verify(token); oursVerifier.verifySync(token); fjVerify(token); oursCached.verifySync(token); fjCachedVerify(token);
  await jose.jwtVerify(token, joseVerifyKey, { algorithms: [alg] });
  if (jwtSupported) jsonwebtoken.verify(token, pemPub, { algorithms: [alg] });

  const sign = await race({
    floor: () => floor.sign(),
    ours: () => oursSigner.signSync(claims),
    jose: async () => new jose.SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).setIssuedAt().setExpirationTime('15m').sign(joseSignKey),
    'fast-jwt': () => fjSign(claims),
    ...(jwtSupported ? { jsonwebtoken: () => jsonwebtoken.sign(claims, pemPriv, { algorithm: alg, expiresIn: 900 }) } : {}),
  }, opts);
  const joseVerify = () => jose.jwtVerify(token, joseVerifyKey, { algorithms: [alg], issuer: 'jwt-example', audience: 'jwt-example-api' });
  const verify = await race({
    floor: () => floor.verify(token),
    ours: () => oursVerifier.verifySync(token),
    'ours (async)': () => oursVerifier.verify(token),
    'ours (async, 16 in flight)': { fn: () => oursVerifier.verify(token), inFlight: IN_FLIGHT },
    jose: joseVerify,
    'jose (16 in flight)': { fn: joseVerify, inFlight: IN_FLIGHT },
    'fast-jwt': () => fjVerify(token),
    ...(jwtSupported ? { jsonwebtoken: () => jsonwebtoken.verify(token, pemPub, { algorithms: [alg], issuer: 'jwt-example', audience: 'jwt-example-api' }) } : {}),
    'ours (cache, async)': () => oursCached.verify(token),
    'fast-jwt (cache)': () => fjCachedVerify(token),
  }, opts);
  for (const [op, res] of [['sign', sign], ['verify', verify]]) {
    const f = res.floor;
    rows.push(`| ${alg} | ${op} | ${Object.entries(res).filter(([n]) => n !== 'floor').map(([n, v]) => `${n} ${fmt(v)} (${(v / f).toFixed(2)}x)`).join('; ')} | ${fmt(f)} |`);
    ratioRows.push({ alg, op, ratio: res.ours / f, fastJwt: res['fast-jwt'] / f });
    if (op === 'verify' && alg !== 'HS256') {
      asyncRows.push({ alg, one: res['ours (async)'] / f, many: res['ours (async, 16 in flight)'] / f, jose: res.jose / f, joseMany: res['jose (16 in flight)'] / f });
    }
  }
  if (alg !== 'HS256') {
    // Where the time of sixteen in flight goes: how many cores the process got, and how many of our
    // checks ran on the pool. Counted by wrapping node:crypto.verify for this measurement only.
    const real = crypto.verify;
    let pooled = 0;
    let inline = 0;
    crypto.verify = function (...args) {
      if (typeof args[4] === 'function') pooled++;
      else inline++;
      return real.apply(this, args);
    };
    try {
      const ours = await cpuShare(() => oursVerifier.verify(token), IN_FLIGHT, 1000);
      const joseShare = await cpuShare(joseVerify, IN_FLIGHT, 1000);
      shareRows.push({ alg, ours, jose: joseShare, pooled, inline });
    } finally {
      crypto.verify = real;
    }
  }
  console.log(alg, 'sign', sign, 'verify', verify);
}

// Cached verification: the same token verified repeatedly.
const secret = crypto.randomBytes(32);
const cachedVerifier = core.createVerifier({ key: core.secretKey(secret), issuer: false, audience: false, cache: true });
const fjCached = fjVerifier({ key: secret, cache: true });
const cachedToken = core.createSigner({ key: core.secretKey(secret), expiresIn: 900 }).signSync(claims);
cachedVerifier.verifySync(cachedToken); fjCached(cachedToken);
const cached = await race({ ours: () => cachedVerifier.verifySync(cachedToken), 'fast-jwt': () => fjCached(cachedToken) }, opts);
console.log('cached', cached);

const date = new Date().toISOString().slice(0, 10);
const table = [
  `Run on ${date}, Node ${process.version}, ${os.cpus().length} cores, load average ${loadAtStart.toFixed(1)} at the start and ${os.loadavg()[0].toFixed(1)} at the end${prioritized ? ', at nice -10' : ''}${quick ? ' (quick mode)' : ''}. ops/s (median of interleaved rounds) and ratio to the floor. ` +
    `"(async)" is the promise API one call at a time; "${IN_FLIGHT} in flight" keeps that many calls running at once; "(cache)" verifies the same token again through the library's verified-token cache.`,
  '',
  '| alg | op | contestants: ops/s (ratio to floor) | floor ops/s |',
  '|---|---|---|---|',
  ...rows,
  '',
  '| target | measured |',
  '|---|---|',
  ...ratioRows.map((r) => `| ${r.alg} ${r.op}: ours >= ${r.alg === 'HS256' ? '0.85' : '0.95'}x floor | ${r.ratio.toFixed(2)}x (fast-jwt ${r.fastJwt.toFixed(2)}x) |`),
  `| cached verify: ours >= 1.2x fast-jwt cache | ${(cached.ours / cached['fast-jwt']).toFixed(2)}x (${fmt(cached.ours)} vs ${fmt(cached['fast-jwt'])} ops/s) |`,
  ...asyncRows.map((r) => `| ${r.alg} verify(), one at a time: ours (async) >= 0.90x floor | ${r.one.toFixed(2)}x (jose ${r.jose.toFixed(2)}x) |`),
  ...asyncRows.filter((r) => r.alg === 'ES256' || r.alg === 'EdDSA').map((r) => `| ${r.alg} verify(), ${IN_FLIGHT} in flight: ours (async) >= 1.60x floor | ${r.many.toFixed(2)}x (jose ${r.joseMany.toFixed(2)}x) |`),
  ...(shareRows.length === 0 ? [] : [
    '',
    `Where the time of ${IN_FLIGHT} verifications in flight goes (1 s each after the table's rounds): the cores the benchmark process used (its CPU time, every thread, over the wall time; ${os.cpus().length} is all of them), and where our signature checks ran.`,
    '',
    '| alg | ours ops/s | ours: cores used | our checks on the pool / on the calling thread | jose ops/s | jose: cores used |',
    '|---|---:|---:|---:|---:|---:|',
    ...shareRows.map((r) => `| ${r.alg} | ${fmt(r.ours.ops)} | ${r.ours.cores.toFixed(2)} | ${r.pooled} / ${r.inline} | ${fmt(r.jose.ops)} | ${r.jose.cores.toFixed(2)} |`),
  ]),
].join('\n');
console.log(`\n${table}`);

if (!quick && !partial) writeReadmeSection({ name: 'core-bench', heading: 'Core: sign and verify (`node bench/core.bench.mjs`)', table });
