import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { useBackend } from '../../core/src/common/backend.js';
import {
  JwtError,
  MemoryRevocationStore,
  createSigner,
  jwt,
  requirePermissions,
  secretKey,
  type AuthFailure,
  type Env,
  type JwtClaims,
  type JwtKey,
  type OptionalEnv,
  type Signer,
} from '../src/index.js';

const SECRET = 'hono-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG';
const OTHER_SECRET = 'hono-other-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF';
const ISSUER = 'auth';
const AUDIENCE = 'api';
const REALM = 'test';

type Claims = JwtClaims & { sub: string; permissions: string[] };

const b64 = (s: string): string => Buffer.from(s).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);

function craft(header: object, payload: object, secret = SECRET, hash = 'sha256'): string {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: ISSUER, aud: AUDIENCE, sub: 'kevin', permissions: ['view'], iat: now(), exp: now() + 300, jti: Math.random().toString(36).slice(2), ...extra };
}

interface Fixture {
  app: Hono<Env<Claims>>;
  signer: Signer;
  store: MemoryRevocationStore;
  key: JwtKey;
}

/** The app under test: a real Hono instance with every option of the middleware in use. */
function build(): Fixture {
  const key = secretKey(SECRET, { alg: 'HS256' });
  const store = new MemoryRevocationStore();
  const signer = createSigner({ key, issuer: ISSUER, audience: AUDIENCE, expiresIn: 300, jwtId: true, timestamp: 'ms' });
  const options = { key, algorithms: ['HS256'] as const, issuer: ISSUER, audience: AUDIENCE, realm: REALM, cookie: 'access_token', revocation: store };

  const app = new Hono<Env<Claims>>();
  app.use('/api/*', jwt<Claims>(options));
  app.on(['GET', 'POST'], '/api/me', (c) => {
    expectTypeOf(c.var.jwt).toEqualTypeOf<Claims & JwtClaims>();
    expectTypeOf(c.var.jwtToken).toEqualTypeOf<string>();
    return c.json({ sub: c.var.jwt.sub, permissions: c.var.jwt.permissions, token: c.var.jwtToken });
  });
  app.get('/api/admin', requirePermissions('admin'), (c) => c.json({ ok: true }));
  app.get('/api/both', requirePermissions(['view', 'admin']), (c) => c.json({ ok: true }));
  app.get('/api/either', requirePermissions(['view', 'admin'], { mode: 'any' }), (c) => c.json({ ok: true }));
  app.get('/api/scoped', requirePermissions('read', { claim: 'scope', realm: 'elsewhere' }), (c) => c.json({ ok: true }));

  const optional = new Hono<OptionalEnv<Claims>>();
  optional.get('/', jwt<Claims>({ ...options, optional: true }), (c) => {
    expectTypeOf(c.var.jwt).toEqualTypeOf<(Claims & JwtClaims) | undefined>();
    return c.json({ sub: c.var.jwt?.sub ?? null });
  });
  optional.get('/admin', jwt<Claims>({ ...options, optional: true }), requirePermissions('admin'), (c) => c.json({ ok: true }));
  app.route('/optional', optional);

  app.get(
    '/hooked/*',
    jwt({
      ...options,
      onError: (failure: AuthFailure, c) => {
        if (c.req.path === '/hooked/default') return undefined;
        if (c.req.path === '/hooked/throws') throw new Error('hook bug');
        return c.json({ message: `refused: ${failure.code}`, status: failure.status }, failure.status, { 'WWW-Authenticate': failure.wwwAuthenticate });
      },
    }),
    requirePermissions('admin'),
    (c) => c.json({ ok: true }),
  );

  app.get('/unguarded', requirePermissions('admin'), (c) => c.json({ ok: true }));
  return { app, signer, store, key };
}

function get(app: Hono<Env<Claims>>, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(app.request(path, { headers }));
}

const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

async function expectRefusal(res: Response, status: 401 | 403, body: Record<string, string>, challenge: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(await res.text()).toBe(JSON.stringify(body));
  expect(res.headers.get('www-authenticate')).toBe(challenge);
}

async function expectInvalid(res: Response, description: string, token?: string): Promise<void> {
  const text = await res.clone().text();
  await expectRefusal(res, 401, { error: 'invalid_token', error_description: description }, `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`);
  if (token !== undefined) for (const part of token.split('.').filter((p) => p.length >= 8)) expect(text.includes(part)).toBe(false);
}

describe('jwt()', () => {
  let f: Fixture;
  beforeAll(() => {
    f = build();
  });

  it('puts the verified claims and the token on the context', async () => {
    const token = await f.signer.sign({ sub: 'kevin', permissions: ['view'] });
    const res = await get(f.app, '/api/me', bearer(token));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'kevin', permissions: ['view'], token });
  });

  it('answers a missing token with 401 missing_token and a bare challenge', async () => {
    await expectRefusal(await get(f.app, '/api/me'), 401, { error: 'missing_token' }, `Bearer realm="${REALM}"`);
  });

  it.each(['bearer', 'BEARER', 'Bearer', 'bEaReR'])('accepts the scheme spelled %s', async (scheme) => {
    const token = await f.signer.sign({ sub: 'kevin' });
    expect((await get(f.app, '/api/me', { Authorization: `${scheme} ${token}` })).status).toBe(200);
  });

  it.each([
    ['Basic', (t: string) => `Basic ${b64(`kevin:${t}`)}`],
    ['two tokens', (t: string) => `Bearer ${t} ${t}`],
    ['an empty Bearer', () => 'Bearer'],
    ['no scheme', (t: string) => t],
  ])('refuses %s with 401 authorization header invalid', async (_, make) => {
    const token = await f.signer.sign({ sub: 'kevin' });
    await expectInvalid(await get(f.app, '/api/me', { Authorization: make(token) }), 'authorization header invalid', token);
  });

  it('reads the cookie only when there is no Authorization header', async () => {
    const token = await f.signer.sign({ sub: 'kevin' });
    expect((await get(f.app, '/api/me', { Cookie: `a=1; access_token=${token}` })).status).toBe(200);
    expect((await get(f.app, '/api/me', { ...bearer(token), Cookie: 'access_token=junk' })).status).toBe(200);
    await expectInvalid(await get(f.app, '/api/me', { Authorization: 'Basic eDp5', Cookie: `access_token=${token}` }), 'authorization header invalid');
    await expectRefusal(await get(f.app, '/api/me', { Cookie: `session=${token}` }), 401, { error: 'missing_token' }, `Bearer realm="${REALM}"`);
  });

  it('refuses a repeated Authorization header, even when the first one is a valid Bearer token', async () => {
    const token = await f.signer.sign({ sub: 'kevin' });
    const headers = new Headers([['Authorization', `Bearer ${token}`], ['Authorization', 'Basic eDp5']]);
    await expectInvalid(await f.app.request('/api/me', { headers }), 'authorization header invalid', token);
    expect((await f.app.request('/api/me', { headers: new Headers([['Authorization', `Bearer ${token}`]]) })).status).toBe(200);
  });

  it('refuses an empty Authorization header instead of falling back to the cookie', async () => {
    const token = await f.signer.sign({ sub: 'kevin' });
    await expectInvalid(await get(f.app, '/api/me', { Authorization: '', Cookie: `access_token=${token}` }), 'authorization header invalid', token);
    expect((await get(f.app, '/api/me', { Cookie: `access_token=${token}` })).status).toBe(200);
  });

  it('refuses a cookie token on a cross-site or same-site POST; same-origin, GET and header tokens pass', async () => {
    const token = await f.signer.sign({ sub: 'kevin' });
    const post = (headers: Record<string, string>) => f.app.request('/api/me', { method: 'POST', headers });
    const cookie = `access_token=${token}`;
    await expectInvalid(await post({ Cookie: cookie, 'Sec-Fetch-Site': 'cross-site' }), 'cross-site request refused', token);
    await expectInvalid(await post({ Cookie: cookie, 'Sec-Fetch-Site': 'same-site' }), 'cross-site request refused', token);
    expect((await post({ Cookie: cookie, 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200);
    // Without Sec-Fetch-Site the Origin must name the Host; no Origin at all is refused.
    expect((await post({ Cookie: cookie, Origin: 'http://api.example:8080', Host: 'api.example:8080' })).status).toBe(200);
    await expectInvalid(await post({ Cookie: cookie, Origin: 'https://evil.example', Host: 'api.example:8080' }), 'cross-site request refused', token);
    await expectInvalid(await post({ Cookie: cookie, Origin: 'null', Host: 'api.example:8080' }), 'cross-site request refused', token);
    await expectInvalid(await post({ Cookie: cookie, Host: 'api.example:8080' }), 'cross-site request refused', token);
    expect((await get(f.app, '/api/me', { Cookie: cookie, 'Sec-Fetch-Site': 'cross-site' })).status).toBe(200);
    expect((await post({ ...bearer(token), 'Sec-Fetch-Site': 'cross-site' })).status).toBe(200);
  });

  it('accepts a token signed by jose with the same secret, not with another', async () => {
    const payload = claims();
    const good = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    expect((await get(f.app, '/api/me', bearer(good))).status).toBe(200);
    const forged = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(OTHER_SECRET));
    await expectInvalid(await get(f.app, '/api/me', bearer(forged)), 'signature invalid', forged);
  });

  it.each([
    ['expired', () => craft({ alg: 'HS256' }, claims({ exp: now() - 10 })), 'token expired'],
    ['not yet valid', () => craft({ alg: 'HS256' }, claims({ nbf: now() + 60 })), 'token not yet valid'],
    ['issued in the future', () => craft({ alg: 'HS256' }, claims({ iat: now() + 60 })), 'token issued in the future'],
    ['another issuer', () => craft({ alg: 'HS256' }, claims({ iss: 'evil' })), 'issuer invalid'],
    ['another audience', () => craft({ alg: 'HS256' }, claims({ aud: 'other' })), 'audience invalid'],
    ['no exp', () => craft({ alg: 'HS256' }, claims({ exp: undefined })), 'required claim missing'],
    ['a string exp', () => craft({ alg: 'HS256' }, claims({ exp: String(now() + 60) })), 'claim invalid'],
    ['alg none', () => `${b64('{"alg":"none"}')}.${b64(JSON.stringify(claims()))}.`, 'algorithm not allowed'],
    ['HS384 with the same secret', () => craft({ alg: 'HS384' }, claims(), SECRET, 'sha384'), 'algorithm not allowed'],
    ['RS256 over an HMAC', () => craft({ alg: 'RS256' }, claims()), 'algorithm not allowed'],
    ['a tampered payload', () => {
      const [h, , s] = craft({ alg: 'HS256' }, claims()).split('.');
      return `${h}.${b64(JSON.stringify(claims({ permissions: ['admin'] })))}.${s}`;
    }, 'signature invalid'],
    ['garbage', () => 'not.a.token', 'token malformed'],
    ['over 8 KiB', () => craft({ alg: 'HS256' }, claims({ pad: 'x'.repeat(9000) })), 'token too large'],
  ])('refuses a token %s with 401 and its fixed description', async (_, make, description) => {
    const token = make();
    await expectInvalid(await get(f.app, '/api/me', bearer(token)), description, token);
  });

  it('refuses a revoked token and every token of a revoked subject, through the revocation option', async () => {
    const token = await f.signer.sign({ sub: 'revoke-me' });
    const other = await f.signer.sign({ sub: 'revoke-me' });
    const bystander = await f.signer.sign({ sub: 'bystander' });
    expect((await get(f.app, '/api/me', bearer(token))).status).toBe(200);
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as JwtClaims;
    f.store.revokeToken(payload);
    await expectInvalid(await get(f.app, '/api/me', bearer(token)), 'token revoked', token);
    expect((await get(f.app, '/api/me', bearer(other))).status).toBe(200);
    // A cutoff half a second into a past second, and whole-second iat on either side of it: the
    // outcome cannot depend on how fast this test runs (a cutoff covers its own second).
    const second = now() - 2;
    const cutoff = second * 1000 + 500;
    const older = craft({ alg: 'HS256' }, claims({ sub: 'revoke-me', iat: second - 1 }));
    const sameSecond = craft({ alg: 'HS256' }, claims({ sub: 'revoke-me', iat: second }));
    const nextSecond = craft({ alg: 'HS256' }, claims({ sub: 'revoke-me', iat: second + 1 }));
    expect((await get(f.app, '/api/me', bearer(sameSecond))).status).toBe(200);
    f.store.revokeSubject('revoke-me', cutoff);
    await expectInvalid(await get(f.app, '/api/me', bearer(older)), 'token revoked', older);
    await expectInvalid(await get(f.app, '/api/me', bearer(sameSecond)), 'token revoked', sameSecond);
    expect((await get(f.app, '/api/me', bearer(nextSecond))).status).toBe(200);
    expect((await get(f.app, '/api/me', bearer(other))).status).toBe(200); // its millisecond iat is past the cutoff
    expect((await get(f.app, '/api/me', bearer(bystander))).status).toBe(200);
  });

  it('answers 401, not 500, when the revocation store fails', async () => {
    const key = secretKey(SECRET);
    const app = new Hono();
    let broken = true;
    app.get('/', jwt({ issuer: false, audience: false, key, revocation: { isRevoked: () => (broken ? Promise.reject(new Error('store down')) : false) } }), (c) => c.json({ ok: true }));
    const token = craft({ alg: 'HS256' }, claims());
    const res = await app.request('/', { headers: bearer(token) });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'revocation status unavailable' });
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api", error="invalid_token", error_description="revocation status unavailable"');
    broken = false;
    expect((await app.request('/', { headers: bearer(token) })).status).toBe(200);
  });

  it('throws configuration errors at construction, not at the first request', () => {
    const key = secretKey(SECRET);
    const code = (run: () => unknown): string | undefined => {
      try {
        run();
      } catch (error) {
        return error instanceof JwtError ? error.code : 'not a JwtError';
      }
      return undefined;
    };
    expect(code(() => jwt({ issuer: false, audience: false, key: undefined as unknown as JwtKey }))).toBe('ERR_CONFIG_INVALID');
    expect(code(() => jwt({ issuer: false, audience: false, key, algorithms: [] }))).toBe('ERR_CONFIG_INVALID');
    expect(code(() => jwt({ issuer: false, audience: false, key, cookie: 'bad name;' }))).toBe('ERR_CONFIG_INVALID');
    expect(code(() => jwt({ issuer: false, audience: false, key, clockTolerance: 3600 }))).toBe('ERR_CONFIG_INVALID');
    expect(code(() => requirePermissions([]))).toBe('ERR_CONFIG_INVALID');
    expect(code(() => requirePermissions(''))).toBe('ERR_CONFIG_INVALID');
    expect(code(() => jwt({ issuer: false, audience: false, key }))).toBeUndefined();
    expect(code(() => requirePermissions('admin'))).toBeUndefined();
  });
});

describe('requirePermissions()', () => {
  let f: Fixture;
  beforeAll(() => {
    f = build();
  });

  it('lets a token with the permission through', async () => {
    const res = await get(f.app, '/api/admin', bearer(await f.signer.sign({ sub: 'a', permissions: ['admin'] })));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('answers 403 insufficient_scope with the realm of jwt()', async () => {
    const res = await get(f.app, '/api/admin', bearer(await f.signer.sign({ sub: 'k', permissions: ['view'] })));
    await expectRefusal(res, 403, { error: 'insufficient_scope' }, `Bearer realm="${REALM}", error="insufficient_scope"`);
  });

  it('needs every permission by default, one with mode any', async () => {
    const view = bearer(await f.signer.sign({ sub: 'k', permissions: ['view'] }));
    const both = bearer(await f.signer.sign({ sub: 'k', permissions: ['view', 'admin'] }));
    const none = bearer(await f.signer.sign({ sub: 'k', permissions: [] }));
    expect((await get(f.app, '/api/both', view)).status).toBe(403);
    expect((await get(f.app, '/api/both', both)).status).toBe(200);
    expect((await get(f.app, '/api/either', view)).status).toBe(200);
    expect((await get(f.app, '/api/either', none)).status).toBe(403);
  });

  it('reads a space-separated scope claim, and its own realm when given', async () => {
    expect((await get(f.app, '/api/scoped', bearer(await f.signer.sign({ sub: 'k', scope: 'write read' })))).status).toBe(200);
    const res = await get(f.app, '/api/scoped', bearer(await f.signer.sign({ sub: 'k', scope: 'write reader' })));
    await expectRefusal(res, 403, { error: 'insufficient_scope' }, 'Bearer realm="elsewhere", error="insufficient_scope"');
  });

  it('answers with the realm of the last jwt() that ran: a default one after a customised one means realm "api"', async () => {
    const key = secretKey(SECRET, { alg: 'HS256' });
    const app = new Hono<Env<Claims>>();
    app.use('*', jwt({ issuer: false, audience: false, key, realm: 'outer' }));
    app.get('/inner', jwt({ issuer: false, audience: false, key }), requirePermissions('admin'), (c) => c.json({ ok: true }));
    app.get('/outer', requirePermissions('admin'), (c) => c.json({ ok: true }));
    const token = bearer(await f.signer.sign({ sub: 'k', permissions: ['view'] }));
    await expectRefusal(await get(app, '/inner', token), 403, { error: 'insufficient_scope' }, 'Bearer realm="api", error="insufficient_scope"');
    await expectRefusal(await get(app, '/outer', token), 403, { error: 'insufficient_scope' }, 'Bearer realm="outer", error="insufficient_scope"');
    const admin = bearer(await f.signer.sign({ sub: 'a', permissions: ['admin'] }));
    expect((await get(app, '/inner', admin)).status).toBe(200);
  });

  it('refuses with 401 missing_token when no jwt() ran before it', async () => {
    await expectRefusal(await get(f.app, '/unguarded', bearer(await f.signer.sign({ sub: 'a', permissions: ['admin'] }))), 401, { error: 'missing_token' }, 'Bearer realm="api"');
  });
});

describe('jwt({ optional: true })', () => {
  let f: Fixture;
  beforeAll(() => {
    f = build();
  });

  it('lets a request without a token through without claims', async () => {
    const res = await get(f.app, '/optional');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: null });
  });

  it('puts the claims of a valid token on the context', async () => {
    expect(await (await get(f.app, '/optional', bearer(await f.signer.sign({ sub: 'kevin' })))).json()).toEqual({ sub: 'kevin' });
  });

  it('still refuses a bad token', async () => {
    await expectInvalid(await get(f.app, '/optional', bearer(craft({ alg: 'HS256' }, claims(), OTHER_SECRET))), 'signature invalid');
    await expectInvalid(await get(f.app, '/optional', { Authorization: 'Basic eDp5' }), 'authorization header invalid');
  });

  it('makes requirePermissions answer 401 missing_token when there was no token', async () => {
    await expectRefusal(await get(f.app, '/optional/admin'), 401, { error: 'missing_token' }, `Bearer realm="${REALM}"`);
    expect((await get(f.app, '/optional/admin', bearer(await f.signer.sign({ sub: 'a', permissions: ['admin'] })))).status).toBe(200);
  });
});

describe('onError', () => {
  let f: Fixture;
  beforeAll(() => {
    f = build();
  });

  it('replaces the answer of jwt() and of requirePermissions()', async () => {
    const missing = await get(f.app, '/hooked/x');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ message: 'refused: ERR_JWT_MISSING', status: 401 });
    expect(missing.headers.get('www-authenticate')).toBe(`Bearer realm="${REALM}"`);
    const scope = await get(f.app, '/hooked/x', bearer(await f.signer.sign({ sub: 'k', permissions: ['view'] })));
    expect(scope.status).toBe(403);
    expect(await scope.json()).toEqual({ message: 'refused: ERR_INSUFFICIENT_SCOPE', status: 403 });
    expect((await get(f.app, '/hooked/x', bearer(await f.signer.sign({ sub: 'a', permissions: ['admin'] })))).status).toBe(200);
  });

  it('falls back to the default answer when the hook returns nothing or throws', async () => {
    for (const path of ['/hooked/default', '/hooked/throws']) {
      await expectRefusal(await get(f.app, path), 401, { error: 'missing_token' }, `Bearer realm="${REALM}"`);
      await expectInvalid(await get(f.app, path, bearer('a.b.c')), 'token malformed');
    }
  });
});

describe('over HTTP with @hono/node-server', () => {
  let url: string;
  let close: () => Promise<void>;
  let f: Fixture;

  beforeAll(async () => {
    f = build();
    await new Promise<void>((resolve) => {
      const server = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
        url = `http://127.0.0.1:${info.port}`;
        close = () => new Promise((done) => server.close(() => done()));
        resolve();
      });
    });
  });
  afterAll(async () => {
    await close?.();
  });

  it('answers 401 without a token and 200 with one', async () => {
    const missing = await fetch(`${url}/api/me`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe(`Bearer realm="${REALM}"`);
    expect(await missing.json()).toEqual({ error: 'missing_token' });
    const token = await f.signer.sign({ sub: 'kevin', permissions: ['admin'] });
    const ok = await fetch(`${url}/api/admin`, { headers: bearer(token) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true });
  });

  it('refuses a repeated Authorization header (valid Bearer first, then Basic) and an empty one', async () => {
    const token = await f.signer.sign({ sub: 'kevin' });
    const invalid = { status: 401, body: JSON.stringify({ error: 'invalid_token', error_description: 'authorization header invalid' }) };
    const repeated = await nodeRequest(`${url}/api/me`, 'GET', { authorization: [`Bearer ${token}`, 'Basic eDp5'] });
    expect({ status: repeated.status, body: repeated.body }).toEqual(invalid);
    expect(repeated.challenge).toBe(`Bearer realm="${REALM}", error="invalid_token", error_description="authorization header invalid"`);
    const empty = await nodeRequest(`${url}/api/me`, 'GET', { authorization: '', cookie: `access_token=${token}` });
    expect({ status: empty.status, body: empty.body }).toEqual(invalid);
    expect((await nodeRequest(`${url}/api/me`, 'GET', { authorization: [`Bearer ${token}`] })).status).toBe(200);
    expect((await nodeRequest(`${url}/api/me`, 'GET', { cookie: `access_token=${token}` })).status).toBe(200);
  });

  it('refuses a cookie token on a cross-site POST, and accepts it same-origin or in the Authorization header', async () => {
    const token = await f.signer.sign({ sub: 'kevin' });
    const crossSite = await nodeRequest(`${url}/api/me`, 'POST', { cookie: `access_token=${token}`, 'sec-fetch-site': 'cross-site' });
    expect({ status: crossSite.status, body: crossSite.body }).toEqual({ status: 401, body: JSON.stringify({ error: 'invalid_token', error_description: 'cross-site request refused' }) });
    expect((await nodeRequest(`${url}/api/me`, 'POST', { cookie: `access_token=${token}`, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    // A real server fills in Host itself: an Origin naming it passes, another one does not.
    expect((await nodeRequest(`${url}/api/me`, 'POST', { cookie: `access_token=${token}`, origin: url })).status).toBe(200);
    const evil = await nodeRequest(`${url}/api/me`, 'POST', { cookie: `access_token=${token}`, origin: 'https://evil.example' });
    expect({ status: evil.status, body: evil.body }).toEqual({ status: 401, body: JSON.stringify({ error: 'invalid_token', error_description: 'cross-site request refused' }) });
    expect((await nodeRequest(`${url}/api/me`, 'POST', { ...bearer(token), 'sec-fetch-site': 'cross-site' })).status).toBe(200);
  });
});

/** A request through node:http, which sends a header given as an array once per value, and an empty value as is. */
function nodeRequest(url: string, method: string, headers: Record<string, string | string[]>): Promise<{ status: number; body: string; challenge: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), challenge: res.headers['www-authenticate'] }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('on the WebCrypto path (edge runtimes)', () => {
  let f: Fixture;
  // Keys keep the backend they were made with, so switch before building the app.
  beforeAll(() => {
    useBackend('webcrypto');
    f = build();
  });
  afterAll(() => useBackend('node'));

  it('verifies, refuses and checks permissions exactly as on Node', async () => {
    const token = await f.signer.sign({ sub: 'kevin', permissions: ['admin'] });
    expect((await get(f.app, '/api/admin', bearer(token))).status).toBe(200);
    await expectInvalid(await get(f.app, '/api/me', bearer(craft({ alg: 'HS256' }, claims(), OTHER_SECRET))), 'signature invalid');
    await expectRefusal(await get(f.app, '/api/admin', bearer(await f.signer.sign({ sub: 'k', permissions: [] }))), 403, { error: 'insufficient_scope' }, `Bearer realm="${REALM}", error="insufficient_scope"`);
  });
});

describe('the adapter source', () => {
  const dir = new URL('../src/', import.meta.url);
  const files = readdirSync(dir).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));

  it('imports no Node built-in, so it runs on edge runtimes', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) expect(readFileSync(new URL(name, dir), 'utf8'), name).not.toMatch(/from\s+['"]node:|require\(\s*['"]node:/);
  });

  it('stays thin: at most 250 lines', () => {
    const lines = files.reduce((sum, name) => sum + readFileSync(new URL(name, dir), 'utf8').split('\n').length, 0);
    expect(lines).toBeLessThanOrEqual(250);
  });
});
