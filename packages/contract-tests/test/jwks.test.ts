/**
 * One app verifies the tokens of another through its published JWKS, both running as real
 * processes: the Hono app signs with `JWT_PRIVATE_KEY_FILE` and publishes `/.well-known/jwks.json`;
 * the Koa app is started with `JWKS_URL` pointing there, and has no key of its own.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, calculateJwkThumbprint, createLocalJWKSet, exportJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, ISSUER, TEST_SECRET, bearer, decode, goodClaims, joseToken, request, spawnApp, startApp, type Reply, type RunningApp } from '../src/index.js';

const REALM = 'jwt-example';
const KEVIN = JSON.stringify({ username: 'kevin', password: 'kevin-password' });
const ADMIN = JSON.stringify({ username: 'admin', password: 'admin-password' });
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'jwt-jwks-e2e-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writePem(name: string, key: KeyObject): string {
  const file = join(dir, name);
  writeFileSync(file, key.export({ type: key.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' }));
  return file;
}

function expectInvalid(reply: Reply, description: string): void {
  expect({ status: reply.status, text: reply.text }).toEqual({ status: 401, text: JSON.stringify({ error: 'invalid_token', error_description: description }) });
  expect(reply.headers.get('www-authenticate')).toBe(`Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`);
}

async function login(app: RunningApp, body: string): Promise<string> {
  const reply = await request(app.url, '/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  expect(reply.status).toBe(200);
  return (JSON.parse(reply.text) as { token: string }).token;
}

const get = (app: RunningApp, path: string, token: string): Promise<Reply> => request(app.url, path, { headers: bearer(token) });

/** A token signed with `key` under `header`, with claims the apps accept. */
function signed(key: KeyObject, header: { alg: string; [name: string]: unknown }, claims: Record<string, unknown> = goodClaims()): Promise<string> {
  return new SignJWT(claims as JWTPayload).setProtectedHeader({ typ: 'JWT', ...header }).sign(key);
}

describe.each([
  ['RS256', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ['EdDSA', () => generateKeyPairSync('ed25519')],
] as const)('koa-example verifies hono-example tokens through its JWKS (%s)', (alg, makePair) => {
  let hono: RunningApp;
  let koa: RunningApp;
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  let kid: string;

  beforeAll(async () => {
    pair = makePair();
    kid = await calculateJwkThumbprint(await exportJWK(pair.publicKey), 'sha256');
    hono = await startApp({ app: 'hono-example', env: { JWT_PRIVATE_KEY_FILE: writePem(`hono-${alg}.pem`, pair.privateKey) } });
    koa = await startApp({ app: 'koa-example', env: { JWKS_URL: `${hono.url}/.well-known/jwks.json` } });
  });
  afterAll(async () => {
    await Promise.all([hono?.stop('SIGKILL'), koa?.stop('SIGKILL')]);
  });

  it('hono-example publishes its public key with kid (the thumbprint), alg and use', async () => {
    const reply = await request(hono.url, '/.well-known/jwks.json');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    const { keys } = JSON.parse(reply.text) as { keys: JWK[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toEqual({ ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' });
    for (const member of PRIVATE_MEMBERS) expect(keys[0]).not.toHaveProperty(member);
  });

  it('hono-example signs with the key file: header alg and kid, verifiable by jose with the published set', async () => {
    const token = await login(hono, KEVIN);
    expect(decode(token).header).toEqual({ alg, typ: 'JWT', kid });
    const jwks = JSON.parse((await request(hono.url, '/.well-known/jwks.json')).text) as { keys: JWK[] };
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: ISSUER, audience: AUDIENCE, algorithms: [alg] });
    expect(payload.sub).toBe('kevin');
  });

  it('koa-example accepts a token issued by hono-example and enforces its permissions', async () => {
    const kevin = await login(hono, KEVIN);
    const me = await get(koa, '/me', kevin);
    expect(me.status).toBe(200);
    expect(JSON.parse(me.text)).toEqual(decode(kevin).payload);
    const denied = await get(koa, '/admin', kevin);
    expect({ status: denied.status, text: denied.text }).toEqual({ status: 403, text: '{"error":"insufficient_scope"}' });
    expect((await get(koa, '/admin', await login(hono, ADMIN))).status).toBe(200);
  });

  it('koa-example refuses what hono-example did not sign, with the right description', async () => {
    // HS256 with the JWT_SECRET koa-example was given: ignored, since it verifies with the JWKS.
    expectInvalid(await get(koa, '/me', await joseToken(goodClaims())), 'algorithm not allowed');
    // Another key claiming hono-example's kid.
    const impostor = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
    expectInvalid(await get(koa, '/me', await signed(impostor.privateKey, { alg, kid })), 'signature invalid');
    // A kid nobody published.
    expectInvalid(await get(koa, '/me', await signed(impostor.privateKey, { alg, kid: 'unknown-kid' })), 'no matching key');
    // hono-example's own key, but expired, or for another audience.
    const now = Math.floor(Date.now() / 1000);
    expectInvalid(await get(koa, '/me', await signed(pair.privateKey, { alg, kid }, goodClaims({ iat: now - 600, exp: now - 300 }))), 'token expired');
    expectInvalid(await get(koa, '/me', await signed(pair.privateKey, { alg, kid }, goodClaims({ aud: 'another-api' }))), 'audience invalid');
    // The twin that passes: hono-example's key, good claims, made by jose.
    expect((await get(koa, '/me', await signed(pair.privateKey, { alg, kid }))).status).toBe(200);
  });

  it('koa-example issues nothing and publishes nothing', async () => {
    const reply = await request(koa.url, '/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: KEVIN });
    expect(reply.status).toBe(404);
    expect((await request(koa.url, '/refresh', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"refreshToken":"x"}' })).status).toBe(404);
    expect((await request(koa.url, '/.well-known/jwks.json')).status).toBe(404);
  });

  it("koa-example refuses hono-example's refresh token as an access token; hono-example refreshes it", async () => {
    const reply = await request(hono.url, '/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: KEVIN });
    const { refreshToken } = JSON.parse(reply.text) as { refreshToken: string };
    expectInvalid(await get(koa, '/me', refreshToken), 'token type invalid');
    const refreshed = await request(hono.url, '/refresh', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refreshToken }) });
    expect(refreshed.status).toBe(200);
    expect((await get(koa, '/me', (JSON.parse(refreshed.text) as { token: string }).token)).status).toBe(200);
  });

  it('koa-example revokes a hono-example token on logout', async () => {
    const token = await login(hono, KEVIN);
    expect((await request(koa.url, '/logout', { method: 'POST', headers: bearer(token) })).status).toBe(204);
    expectInvalid(await get(koa, '/me', token), 'token revoked');
  });
});

describe('JWKS: keys only from the configured URL', () => {
  let hono: RunningApp;
  let koa: RunningApp;
  let attacker: Server;
  let attackerRequests = 0;
  const evil = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

  beforeAll(async () => {
    const evilJwk = { ...(await exportJWK(evil.publicKey)), kid: 'evil', alg: 'ES256', use: 'sig' };
    attacker = createServer((_req, res) => {
      attackerRequests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [evilJwk] }));
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    hono = await startApp({ app: 'hono-example', env: { JWT_PRIVATE_KEY_FILE: writePem('hono-es256.pem', pair.privateKey) } });
    koa = await startApp({ app: 'koa-example', env: { JWKS_URL: `${hono.url}/.well-known/jwks.json` } });
  });
  afterAll(async () => {
    await Promise.all([hono?.stop('SIGKILL'), koa?.stop('SIGKILL')]);
    attacker.closeAllConnections();
    await new Promise<void>((resolve) => attacker.close(() => resolve()));
  });

  it('never fetches a jku or x5u named by a token, never trusts an embedded jwk', async () => {
    const evilUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/jwks.json`;
    const evilJwk = { ...(await exportJWK(evil.publicKey)), kid: 'evil' };
    for (const header of [{ jku: evilUrl }, { x5u: evilUrl }, { jwk: evilJwk }]) {
      for (const app of [koa, hono]) {
        const reply = await get(app, '/me', await signed(evil.privateKey, { alg: 'ES256', kid: 'evil', ...header }));
        expect(reply.status).toBe(401);
      }
    }
    expect(attackerRequests).toBe(0);
    // The twin: a genuine hono-example token still passes on both.
    const token = await login(hono, KEVIN);
    expect((await get(koa, '/me', token)).status).toBe(200);
    expect((await get(hono, '/me', token)).status).toBe(200);
  });

  it('hono-example accepts only its key file algorithm: its JWT_SECRET no longer verifies', async () => {
    expectInvalid(await get(hono, '/me', await joseToken(goodClaims())), 'algorithm not allowed');
  });

  it('koa-example keeps verifying from its cache while hono-example is down, and answers 401 (never 500) for new keys', async () => {
    const token = await login(hono, KEVIN);
    expect((await get(koa, '/me', token)).status).toBe(200);
    await hono.stop('SIGKILL');
    expect((await get(koa, '/me', token)).status).toBe(200);
    const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expectInvalid(await get(koa, '/me', await signed(stranger.privateKey, { alg: 'ES256', kid: 'rotated-in' })), 'no matching key');
  });
});

describe('JWKS: configuration at start', () => {
  it('an app whose JWKS endpoint is down answers 401 "key set unavailable", never 500', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const koa = await startApp({ app: 'koa-example', env: { JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json` } });
    try {
      const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      expectInvalid(await get(koa, '/me', await signed(pair.privateKey, { alg: 'ES256', kid: 'k' })), 'key set unavailable');
      expect((await request(koa.url, '/me')).status).toBe(401);
    } finally {
      await koa.stop('SIGKILL');
    }
  });

  it.each<[string, () => Record<string, string>, RegExp]>([
    ['a public key file', () => ({ JWT_PRIVATE_KEY_FILE: writePem('public.pem', generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey) }), /^error: JWT_PRIVATE_KEY_FILE must hold a PEM private key/m],
    ['a missing key file', () => ({ JWT_PRIVATE_KEY_FILE: join(dir, 'nope.pem') }), /^error: JWT_PRIVATE_KEY_FILE cannot be read \(ENOENT\)/m],
    ['both variables', () => ({ JWT_PRIVATE_KEY_FILE: join(dir, 'nope.pem'), JWKS_URL: 'http://127.0.0.1:1/jwks.json' }), /^error: JWKS_URL and JWT_PRIVATE_KEY_FILE cannot both be set/m],
    ['plain http off loopback', () => ({ JWKS_URL: 'http://idp.example.invalid/jwks.json' }), /^error: JWKS_URL is not usable/m],
  ])('refuses to start with %s, exit status 1 and a clear message', async (_name, env, pattern) => {
    for (const app of ['hono-example', 'koa-example']) {
      const { exited, output } = spawnApp({ app, env: env() });
      const exit = await exited;
      expect(exit.code).toBe(1);
      expect(output().stderr).toMatch(pattern);
      expect(output().stdout).not.toMatch(/listening on/);
    }
  });

  it('without a key file, /.well-known/jwks.json is 404 and the secret still signs', async () => {
    const hono = await startApp({ app: 'hono-example' });
    try {
      expect((await request(hono.url, '/.well-known/jwks.json')).status).toBe(404);
      const token = await login(hono, KEVIN);
      expect(decode(token).header).toEqual({ alg: 'HS256', typ: 'JWT' });
      expect((await get(hono, '/me', await joseToken(goodClaims(), { secret: TEST_SECRET }))).status).toBe(200);
    } finally {
      await hono.stop('SIGKILL');
    }
  });
});
