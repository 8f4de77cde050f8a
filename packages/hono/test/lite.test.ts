/**
 * `@jwt/hono/lite`: the same middleware over `@jwt/core/lite`, driven through a real `new Hono()`
 * app on both crypto backends: a valid token gives its claims, every refusal keeps its RFC 6750
 * answer, and raw key input is refused when `jwt()` is called.
 */
import { generateKeyPairSync } from 'node:crypto';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { useBackend, type BackendName } from '../../core/src/common/backend.js';
import { createSigner as mainSigner, importKey } from '../src/index.js';
import { JwtError, createSigner, importJwk, jwt, keySet, requirePermissions, secretKey, type Env, type JwtClaims, type JwtKey, type Jwk } from '../src/lite.js';

const SECRET = 'hono-lite-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF';
const OTHER_SECRET = 'hono-lite-other-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG';

type Claims = JwtClaims & { sub: string; permissions: string[] };

function appWith(key: JwtKey | ReturnType<typeof keySet>): Hono<Env<Claims>> {
  const app = new Hono<Env<Claims>>();
  app.use('/api/*', jwt<Claims>({ key, issuer: 'auth', audience: 'api', realm: 'edge' }));
  app.get('/api/me', (c) => {
    expectTypeOf(c.var.jwt).toEqualTypeOf<Claims & JwtClaims>();
    return c.json({ sub: c.var.jwt.sub, permissions: c.var.jwt.permissions });
  });
  app.get('/api/admin', requirePermissions('admin'), (c) => c.json({ ok: true }));
  return app;
}

async function call(app: Hono<Env<Claims>>, path: string, token?: string): Promise<{ status: number; challenge: string | null; body: unknown }> {
  const res = await app.request(path, token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } });
  return { status: res.status, challenge: res.headers.get('WWW-Authenticate'), body: await res.json() };
}

function tamper(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${h}.${Buffer.from(JSON.stringify({ ...claims, permissions: ['admin'] })).toString('base64url')}.${s}`;
}

for (const backend of ['node', 'webcrypto'] as BackendName[]) {
  describe(`@jwt/hono/lite in a Hono app (${backend} backend)`, () => {
    let hs: { app: Hono<Env<Claims>>; sign: (claims: JwtClaims) => Promise<string> };
    let es: { app: Hono<Env<Claims>>; sign: (claims: JwtClaims) => Promise<string> };

    beforeAll(async () => {
      useBackend(backend);
      const key = secretKey(SECRET);
      const hsSigner = createSigner({ key, issuer: 'auth', audience: 'api', expiresIn: 300 });
      hs = { app: appWith(key), sign: (c) => hsSigner.sign(c) };
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const privateKey = await importJwk(pair.privateKey.export({ format: 'jwk' }) as Jwk, { kid: 'es' });
      const publicKey = await importJwk(pair.publicKey.export({ format: 'jwk' }) as Jwk, { kid: 'es' });
      const esSigner = createSigner({ key: privateKey, issuer: 'auth', audience: 'api', expiresIn: 300 });
      es = { app: appWith(keySet([publicKey])), sign: (c) => esSigner.sign(c) };
    });
    afterAll(() => useBackend('node'));

    it('a valid token (HS256, and ES256 through a key set) gives the route its claims', async () => {
      for (const { app, sign } of [hs, es]) {
        const res = await call(app, '/api/me', await sign({ sub: 'kevin', permissions: ['view'] }));
        expect(res).toEqual({ status: 200, challenge: null, body: { sub: 'kevin', permissions: ['view'] } });
      }
    });

    it('no token: 401 missing_token', async () => {
      expect(await call(hs.app, '/api/me')).toEqual({ status: 401, challenge: 'Bearer realm="edge"', body: { error: 'missing_token' } });
    });

    it('a tampered token and a token of another key: 401 signature invalid', async () => {
      const expected = {
        status: 401,
        challenge: 'Bearer realm="edge", error="invalid_token", error_description="signature invalid"',
        body: { error: 'invalid_token', error_description: 'signature invalid' },
      };
      for (const { app, sign } of [hs, es]) expect(await call(app, '/api/me', tamper(await sign({ sub: 'kevin', permissions: ['view'] })))).toEqual(expected);
      const foreign = await createSigner({ key: secretKey(OTHER_SECRET), issuer: 'auth', audience: 'api', expiresIn: 300 }).sign({ sub: 'kevin' });
      expect(await call(hs.app, '/api/me', foreign)).toEqual(expected);
    });

    it('an ES256 token at the HS256 app: 401 algorithm not allowed (the key decides)', async () => {
      const res = await call(hs.app, '/api/me', await es.sign({ sub: 'kevin', permissions: ['view'] }));
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'invalid_token', error_description: 'algorithm not allowed' });
    });

    it('requirePermissions: 403 without the permission, 200 with it', async () => {
      expect(await call(hs.app, '/api/admin', await hs.sign({ sub: 'kevin', permissions: ['view'] }))).toEqual({
        status: 403,
        challenge: 'Bearer realm="edge", error="insufficient_scope"',
        body: { error: 'insufficient_scope' },
      });
      expect(await call(hs.app, '/api/admin', await hs.sign({ sub: 'kevin', permissions: ['admin'] }))).toEqual({ status: 200, challenge: null, body: { ok: true } });
    });
  });
}

describe('@jwt/hono/lite configuration', () => {
  it('raw key input is refused when jwt() is called (ERR_CONFIG_INVALID)', () => {
    for (const key of [SECRET, 'https://issuer.example/jwks.json', new URL('https://issuer.example/jwks.json'), { kty: 'oct', k: 'x' }]) {
      let error: unknown;
      try {
        jwt({ issuer: false, audience: false, key: key as unknown as JwtKey });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(JwtError);
      expect((error as JwtError).code).toBe('ERR_CONFIG_INVALID');
      expect((error as JwtError).message).toContain('importJwk()');
    }
  });

  it('the negative twin: a key prepared by @jwt/hono (the main entry) is accepted, and verifies its tokens', async () => {
    const key = await importKey(SECRET);
    const app = appWith(key);
    const token = await mainSigner({ key: SECRET, issuer: 'auth', audience: 'api', expiresIn: 60 }).sign({ sub: 'kevin', permissions: [] });
    expect((await call(app, '/api/me', token)).status).toBe(200);
  });
});
