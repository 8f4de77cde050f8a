/**
 * `@jwt/hono` in a real `new Hono()`, driven through `app.request()`: the exact RFC 6750 answers
 * (status, JSON body, `WWW-Authenticate`) and the claims on the context, on this runtime.
 */
import { Hono } from 'hono';
import { generateKeyPair } from '@jwt/core';
import { MemoryRevocationStore, createSigner, jwt, keySet, requirePermissions, secretKey, type Env, type JwtClaims } from '@jwt/hono';
import { deepEqual, equal, ok } from '../assert.js';
import type { Runner } from '../runner.js';
import { craftJson, future, nowSeconds, OTHER_SECRET, SECRET } from '../tokens.js';

const ISSUER = 'edge-issuer';
const AUDIENCE = 'edge-api';
const REALM = 'edge';

type Claims = JwtClaims & { sub: string; permissions: string[] };

interface Fixture {
  app: Hono<Env<Claims>>;
  store: MemoryRevocationStore;
  token: (claims?: Record<string, unknown>) => Promise<string>;
  es: { sign: (claims: Record<string, unknown>) => Promise<string> };
  ed: { sign: (claims: Record<string, unknown>) => Promise<string> };
}

async function build(): Promise<Fixture> {
  const key = secretKey(SECRET, { alg: 'HS256' });
  const store = new MemoryRevocationStore();
  const signer = createSigner({ key, issuer: ISSUER, audience: AUDIENCE, expiresIn: 300, jwtId: true });
  const es = await generateKeyPair('ES256');
  const ed = await generateKeyPair('EdDSA');
  const options = { issuer: ISSUER, audience: AUDIENCE, realm: REALM, cookie: 'access_token', revocation: store };

  const app = new Hono<Env<Claims>>();
  app.use('/api/*', jwt<Claims>({ ...options, key, algorithms: ['HS256'] }));
  app.get('/api/me', (c) => c.json({ sub: c.var.jwt.sub, permissions: c.var.jwt.permissions }));
  app.get('/api/admin', requirePermissions('admin'), (c) => c.json({ ok: true }));
  app.use('/keys/*', jwt<Claims>({ ...options, key: keySet([es.publicKey, ed.publicKey]), algorithms: ['ES256', 'EdDSA'] }));
  app.get('/keys/me', (c) => c.json({ sub: c.var.jwt.sub }));
  app.get('/optional', jwt<Claims>({ ...options, key, optional: true }), (c) => c.json({ sub: c.var.jwt?.sub ?? null }));

  const signWith = (k: typeof es.privateKey) => (claims: Record<string, unknown>) => createSigner({ key: k, issuer: ISSUER, audience: AUDIENCE, expiresIn: 300 }).sign(claims);
  return {
    app,
    store,
    token: (claims = {}) => signer.sign({ sub: 'kevin', permissions: ['view'], ...claims }),
    es: { sign: signWith(es.privateKey) },
    ed: { sign: signWith(ed.privateKey) },
  };
}

interface Answer {
  status: number;
  body: unknown;
  challenge: string | null;
}

async function call(app: Hono<Env<Claims>>, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await app.request(path, { headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Left as text: the assertion on it will say what came back.
  }
  return { status: res.status, body, challenge: res.headers.get('WWW-Authenticate') };
}

async function expectInvalid(app: Hono<Env<Claims>>, headers: Record<string, string>, description: string, token?: string): Promise<void> {
  const answer = await call(app, '/api/me', headers);
  equal(answer.status, 401, 'status');
  deepEqual(answer.body, { error: 'invalid_token', error_description: description }, 'body');
  equal(answer.challenge, `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`, 'WWW-Authenticate');
  if (token !== undefined) ok(!JSON.stringify(answer).includes(token.split('.')[1]!), 'the answer does not echo the token');
}

export function honoCases(runner: Runner): void {
  let made: Promise<Fixture> | undefined;
  const fixture = (): Promise<Fixture> => (made ??= build());
  const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

  runner.group('hono', (test) => {
    test('no token: 401 missing_token with a bare challenge', async () => {
      const { app } = await fixture();
      const answer = await call(app, '/api/me');
      equal(answer.status, 401, 'status');
      deepEqual(answer.body, { error: 'missing_token' }, 'body');
      equal(answer.challenge, `Bearer realm="${REALM}"`, 'WWW-Authenticate');
    });

    test('a valid token: 200 with its claims on c.var.jwt, from the header or the cookie', async () => {
      const { app, token } = await fixture();
      const t = await token();
      for (const headers of [bearer(t), { Authorization: `bearer ${t}` }, { Cookie: `theme=dark; access_token=${t}` }]) {
        const answer = await call(app, '/api/me', headers);
        equal(answer.status, 200, 'status');
        deepEqual(answer.body, { sub: 'kevin', permissions: ['view'] }, 'body');
        equal(answer.challenge, null, 'no challenge');
      }
    });

    test('invalid tokens: 401 invalid_token with the exact fixed description', async () => {
      const { app, token } = await fixture();
      await expectInvalid(app, bearer('abc'), 'token malformed');
      await expectInvalid(app, bearer(await token({ exp: nowSeconds() - 10 })), 'token expired');
      const forged = await craftJson({ alg: 'HS256', typ: 'JWT' }, { iss: ISSUER, aud: AUDIENCE, sub: 'kevin', exp: future() }, OTHER_SECRET);
      await expectInvalid(app, bearer(forged), 'signature invalid', forged);
      await expectInvalid(app, bearer(await craftJson({ alg: 'HS256' }, { iss: 'other', aud: AUDIENCE, sub: 'kevin', exp: future() })), 'issuer invalid');
      await expectInvalid(app, bearer(await craftJson({ alg: 'HS256' }, { iss: ISSUER, aud: 'other', sub: 'kevin', exp: future() })), 'audience invalid');
      await expectInvalid(app, bearer(await craftJson({ alg: 'HS384' }, { iss: ISSUER, aud: AUDIENCE, exp: future() })), 'algorithm not allowed');
      await expectInvalid(app, bearer(await craftJson({ alg: 'none' }, { iss: ISSUER, aud: AUDIENCE, exp: future() }).then((t) => `${t.slice(0, t.lastIndexOf('.'))}.`)), 'algorithm not allowed');
      await expectInvalid(app, bearer('a'.repeat(10_000)), 'token too large');
    });

    test('other Authorization headers: 401 invalid_token, never the cookie instead', async () => {
      const { app, token } = await fixture();
      const t = await token();
      for (const authorization of ['Basic a2V2aW46cGFzc3dvcmQ=', 'Bearer', `Bearer ${t} ${t}`, `Token ${t}`]) {
        await expectInvalid(app, { Authorization: authorization, Cookie: `access_token=${t}` }, 'authorization header invalid');
      }
    });

    test('a revoked token: 401 token revoked; another token of the user still works', async () => {
      const { app, store, token } = await fixture();
      const revoked = await token({ sub: 'revoked-user' });
      const other = await token({ sub: 'revoked-user' });
      const [, payload] = revoked.split('.');
      const claims = JSON.parse(atob(payload!.replace(/-/g, '+').replace(/_/g, '/'))) as JwtClaims;
      await store.revokeToken(claims);
      await expectInvalid(app, bearer(revoked), 'token revoked');
      equal((await call(app, '/api/me', bearer(other))).status, 200, 'other token status');
    });

    test('requirePermissions: 403 insufficient_scope without the permission, 200 with it', async () => {
      const { app, token } = await fixture();
      const denied = await call(app, '/api/admin', bearer(await token({ permissions: ['view'] })));
      equal(denied.status, 403, 'status without admin');
      deepEqual(denied.body, { error: 'insufficient_scope' }, 'body without admin');
      equal(denied.challenge, `Bearer realm="${REALM}", error="insufficient_scope"`, 'WWW-Authenticate');
      const allowed = await call(app, '/api/admin', bearer(await token({ permissions: ['admin', 'view'] })));
      equal(allowed.status, 200, 'status with admin');
      deepEqual(allowed.body, { ok: true }, 'body with admin');
    });

    test('ES256 and EdDSA keys in a key set: 200; a token of one family signed by no listed key: 401', async () => {
      const { app, es, ed, token } = await fixture();
      deepEqual((await call(app, '/keys/me', bearer(await es.sign({ sub: 'es' })))).body, { sub: 'es' }, 'ES256 body');
      deepEqual((await call(app, '/keys/me', bearer(await ed.sign({ sub: 'ed' })))).body, { sub: 'ed' }, 'EdDSA body');
      const hs = await call(app, '/keys/me', bearer(await token()));
      equal(hs.status, 401, 'HS256 token on an ES/EdDSA route');
      deepEqual(hs.body, { error: 'invalid_token', error_description: 'algorithm not allowed' }, 'HS256 body');
    });

    test('optional: no token passes with no claims; a bad token is still refused', async () => {
      const { app, token } = await fixture();
      deepEqual((await call(app, '/optional')).body, { sub: null }, 'no token');
      deepEqual((await call(app, '/optional', bearer(await token()))).body, { sub: 'kevin' }, 'good token');
      equal((await call(app, '/optional', bearer('abc'))).status, 401, 'bad token');
    });
  });
}
