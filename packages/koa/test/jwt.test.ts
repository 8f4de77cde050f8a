import Router from '@koa/router';
import * as jose from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import Koa from 'koa';
import { describe, expect, test } from 'vitest';
import { createSigner, isJwtError, jwt, MemoryRevocationStore, secretKey, type JwtOptions, type OptionalJwtState } from '../src/index.js';
import { AUDIENCE, bearer, expectInvalid, expectMissing, ISSUER, OTHER_SECRET, SECRET, send, serve, type Running } from './helpers.js';

const key = secretKey(SECRET);
const base = { key, issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] } as const;
const signer = createSigner({ key, alg: 'HS256', issuer: ISSUER, audience: AUDIENCE, expiresIn: 60, jwtId: true });
const sign = (claims: Record<string, unknown> = {}): Promise<string> => signer.sign({ sub: 'kevin', permissions: ['view'], ...claims });
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An app whose only route echoes what the middleware left on ctx.state. */
async function appWith(options: JwtOptions<Record<string, unknown>, string>): Promise<Running> {
  const app = new Koa();
  app.use(jwt(options));
  app.use((ctx) => {
    const state = ctx.state as Record<string, unknown>;
    ctx.body = { state: Object.fromEntries(Object.entries(state).map(([k, v]) => [k, isJwtError(v) ? v.code : v])) };
  });
  return serve(app);
}

describe('Authorization: Bearer', async () => {
  const server = await appWith(base);

  test('a valid token puts its claims on ctx.state.user', async () => {
    const token = await sign();
    const reply = await server.get('/', bearer(token));
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ state: { user: jose.decodeJwt(token) } });
  });

  test('the scheme is case-insensitive', async () => {
    const reply = await server.get('/', { authorization: `bEaReR ${await sign()}` });
    expect(reply.status).toBe(200);
    expect((reply.json as { state: { user: { sub: string } } }).state.user.sub).toBe('kevin');
  });

  test('no token: 401 missing_token with a bare challenge', async () => {
    expectMissing(await server.get('/'));
  });

  test('a token signed with another key is refused', async () => {
    const token = await createSigner({ key: secretKey(OTHER_SECRET), issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 }).sign({ sub: 'kevin' });
    expectInvalid(await server.get('/', bearer(token)), 'signature invalid');
  });

  test('a token with another algorithm of the same key is refused', async () => {
    const token = await createSigner({ key, alg: 'HS384', issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 }).sign({ sub: 'kevin' });
    expectInvalid(await server.get('/', bearer(token)), 'algorithm not allowed');
  });

  test('alg none is refused', async () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'kevin', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60 })}.`;
    expectInvalid(await server.get('/', bearer(token)), 'algorithm not allowed');
  });

  test('an expired token is refused', async () => {
    const past = createSigner({ key, issuer: ISSUER, audience: AUDIENCE, expiresIn: 60, clock: () => Date.now() - 3_600_000 });
    expectInvalid(await server.get('/', bearer(await past.sign({ sub: 'kevin' }))), 'token expired');
  });

  test('a token for another audience or issuer is refused', async () => {
    const otherAud = await createSigner({ key, issuer: ISSUER, audience: 'elsewhere', expiresIn: 60 }).sign({ sub: 'kevin' });
    expectInvalid(await server.get('/', bearer(otherAud)), 'audience invalid');
    const otherIss = await createSigner({ key, issuer: 'someone-else', audience: AUDIENCE, expiresIn: 60 }).sign({ sub: 'kevin' });
    expectInvalid(await server.get('/', bearer(otherIss)), 'issuer invalid');
  });

  test('a tampered payload is refused', async () => {
    const [h, p, s] = (await sign()).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${b64({ ...claims, permissions: ['admin'] })}.${s}`;
    expectInvalid(await server.get('/', bearer(forged)), 'signature invalid');
  });

  test('any other Authorization header is refused, never treated as missing', async () => {
    const token = await sign();
    for (const authorization of ['Basic a2V2aW46cHc=', `Bearer ${token} ${token}`, 'Bearer', 'Bearer ', token, `Token ${token}`]) {
      expectInvalid(await server.get('/', { authorization }), 'authorization header invalid');
    }
  });

  test('garbage of any shape or size is a 401, never a 500', async () => {
    expectInvalid(await server.get('/', bearer('a.b.c')), 'token malformed');
    expectInvalid(await server.get('/', bearer('x'.repeat(9000))), 'token too large');
    expectInvalid(await server.get('/', bearer(`${b64({ alg: 'HS256' })}.${b64([1, 2])}.AAAA`)), 'signature invalid');
    expectInvalid(await server.get('/', { authorization: 'Bearer \u00ff\u00fe' }), 'authorization header invalid');
    const [h, , s] = (await sign()).split('.') as [string, string, string];
    expectInvalid(await server.get('/', bearer(`${h}.%%%.${s}`)), 'authorization header invalid');
  });
});

describe('interop', async () => {
  const server = await appWith(base);
  const now = (): number => Math.floor(Date.now() / 1000);

  test('tokens signed by jose are accepted; with the wrong secret refused', async () => {
    const good = await new jose.SignJWT({ sub: 'kevin' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('1m').sign(new TextEncoder().encode(SECRET));
    expect((await server.get('/', bearer(good))).status).toBe(200);
    const bad = await new jose.SignJWT({ sub: 'kevin' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('1m').sign(new TextEncoder().encode(OTHER_SECRET));
    expectInvalid(await server.get('/', bearer(bad)), 'signature invalid');
  });

  test('tokens signed by jsonwebtoken are accepted; expired ones refused', async () => {
    const good = jsonwebtoken.sign({ sub: 'kevin' }, SECRET, { algorithm: 'HS256', issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 });
    const reply = await server.get('/', bearer(good));
    expect(reply.status).toBe(200);
    expect((reply.json as { state: { user: { sub: string } } }).state.user.sub).toBe('kevin');
    const expired = jsonwebtoken.sign({ sub: 'kevin', exp: now() - 120 }, SECRET, { algorithm: 'HS256', issuer: ISSUER, audience: AUDIENCE });
    expectInvalid(await server.get('/', bearer(expired)), 'token expired');
  });
});

describe('cookie', async () => {
  const withCookie = await appWith({ ...base, cookie: 'access_token' });
  const without = await appWith(base);

  test('read from the configured cookie when there is no Authorization header', async () => {
    const reply = await withCookie.get('/', { cookie: `theme=dark; access_token=${await sign()}` });
    expect(reply.status).toBe(200);
    expect((reply.json as { state: { user: { sub: string } } }).state.user.sub).toBe('kevin');
  });

  test('not read unless configured', async () => {
    expectMissing(await without.get('/', { cookie: `access_token=${await sign()}` }));
  });

  test('an Authorization header wins over the cookie, even an invalid one', async () => {
    expectInvalid(await withCookie.get('/', { authorization: 'Basic eDp5', cookie: `access_token=${await sign()}` }), 'authorization header invalid');
  });

  test('a bad token in the cookie is refused; malformed cookie headers are a 4xx', async () => {
    expectInvalid(await withCookie.get('/', { cookie: 'access_token=not-a-token' }), 'token malformed');
    expectMissing(await withCookie.get('/', { cookie: ';;==; access_token; =x' }));
    expectInvalid(await withCookie.get('/', { cookie: 'access_token=%E0%A4%A' }), 'token malformed');
  });
});

describe('repeated, empty and cross-site headers', async () => {
  const server = await appWith({ ...base, cookie: 'access_token' });
  const post = (headers: Record<string, string | string[]>) => send(server.url, 'POST', '/', headers);

  test('a repeated Authorization header is refused, even when the first one is a valid Bearer token', async () => {
    const token = await sign();
    expectInvalid(await server.get('/', { authorization: [`Bearer ${token}`, 'Basic eDp5'] }), 'authorization header invalid');
    expectInvalid(await server.get('/', { authorization: [`Bearer ${token}`, `Bearer ${token}`] }), 'authorization header invalid');
    expect((await server.get('/', { authorization: [`Bearer ${token}`] })).status).toBe(200);
  });

  test('an empty Authorization header is refused, not read as absent, even with a valid cookie', async () => {
    const cookie = `access_token=${await sign()}`;
    expectInvalid(await server.get('/', { authorization: '', cookie }), 'authorization header invalid');
    expect((await server.get('/', { cookie })).status).toBe(200);
  });

  test('a cookie token on a cross-site or same-site POST is refused; same-origin and header tokens pass', async () => {
    const token = await sign();
    const cookie = `access_token=${token}`;
    expectInvalid(await post({ cookie, 'sec-fetch-site': 'cross-site' }), 'cross-site request refused');
    expectInvalid(await post({ cookie, 'sec-fetch-site': 'same-site' }), 'cross-site request refused');
    expect((await post({ cookie, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    // Without Sec-Fetch-Site the Origin must name the Host (which Node's client sets); no Origin is refused.
    expect((await post({ cookie, origin: server.url })).status).toBe(200);
    expectInvalid(await post({ cookie, origin: 'https://evil.example' }), 'cross-site request refused');
    expectInvalid(await post({ cookie, origin: 'null' }), 'cross-site request refused');
    expectInvalid(await post({ cookie }), 'cross-site request refused');
    // X-Forwarded-Host is a client's say-so: it never stands in for the Host header.
    expectInvalid(await post({ cookie, origin: 'https://evil.example', 'x-forwarded-host': 'evil.example' }), 'cross-site request refused');
    expect((await server.get('/', { cookie, 'sec-fetch-site': 'cross-site' })).status).toBe(200);
    expect((await post({ ...bearer(token), 'sec-fetch-site': 'cross-site' })).status).toBe(200);
  });
});

describe('getToken', async () => {
  const server = await appWith({
    ...base,
    getToken: (ctx) => {
      if (ctx.query.boom !== undefined) throw new Error('getter bug');
      const value = ctx.query.access_token;
      return typeof value === 'string' ? value : undefined;
    },
  });

  test('a token from the getter is verified and used', async () => {
    const reply = await server.get(`/?access_token=${await sign({ sub: 'from-query' })}`);
    expect((reply.json as { state: { user: { sub: string } } }).state.user.sub).toBe('from-query');
  });

  test('a bad token from the getter is refused', async () => {
    expectInvalid(await server.get('/?access_token=nope'), 'token malformed');
    const other = await createSigner({ key: secretKey(OTHER_SECRET), issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 }).sign({ sub: 'x' });
    expectInvalid(await server.get(`/?access_token=${other}`), 'signature invalid');
  });

  test('nothing from the getter falls back to the Authorization header', async () => {
    expect((await server.get('/', bearer(await sign()))).status).toBe(200);
    expectMissing(await server.get('/'));
  });

  test('a getter that throws answers 401, not 500', async () => {
    expectInvalid(await server.get('/?boom=1', bearer(await sign())), 'token malformed');
  });
});

describe('stateKey and tokenKey', async () => {
  test('claims go under stateKey and the raw token under tokenKey', async () => {
    const server = await appWith({ ...base, stateKey: 'auth', tokenKey: 'rawToken' });
    const token = await sign();
    const { state } = (await server.get('/', bearer(token))).json as { state: Record<string, { sub?: string } | string> };
    expect(Object.keys(state).sort()).toEqual(['auth', 'rawToken']);
    expect(state.rawToken).toBe(token);
    expect((state.auth as { sub: string }).sub).toBe('kevin');
  });

  test('without tokenKey the token is not stored', async () => {
    const server = await appWith(base);
    const { state } = (await server.get('/', bearer(await sign()))).json as { state: Record<string, unknown> };
    expect(Object.keys(state)).toEqual(['user']);
  });

  test('property names that are not identifiers are refused at construction', () => {
    for (const stateKey of ['', '__proto__', 'a b', '1x']) {
      expect(() => jwt({ ...base, stateKey })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    }
    expect(() => jwt({ ...base, tokenKey: 'to-ken' })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
  });
});

describe('passthrough and optional', async () => {
  const pass = await appWith({ ...base, passthrough: true });
  const optional = await appWith({ ...base, optional: true });

  test('passthrough: no token continues anonymously', async () => {
    expect((await pass.get('/')).json).toEqual({ state: { jwtError: 'ERR_JWT_MISSING' } });
  });

  test('passthrough: an invalid token continues without claims, its error kept', async () => {
    const reply = await pass.get('/', bearer('a.b.c'));
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ state: { jwtError: 'ERR_JWT_MALFORMED' } });
  });

  test('passthrough: a valid token still sets claims', async () => {
    const { state } = (await pass.get('/', bearer(await sign()))).json as { state: Record<string, unknown> };
    expect(Object.keys(state)).toEqual(['user']);
  });

  test('optional: no token continues, an invalid one is refused', async () => {
    expect(await optional.get('/')).toMatchObject({ status: 200, json: { state: {} } });
    expectInvalid(await optional.get('/', bearer('a.b.c')), 'token malformed');
    expect((await optional.get('/', bearer(await sign()))).status).toBe(200);
  });
});

describe('unless', async () => {
  const server = await appWith({ ...base, unless: { path: ['/health', /^\/public\//g], method: 'options' } });
  const byFunction = await appWith({ ...base, unless: (ctx) => ctx.get('x-internal') === 'yes' });

  test('matching paths and methods skip authentication', async () => {
    expect((await server.get('/health')).status).toBe(200);
    // A global RegExp keeps state between tests; every request must still match.
    for (let i = 0; i < 3; i += 1) expect((await server.get(`/public/${i}`)).status).toBe(200);
    expect((await send(server.url, 'OPTIONS', '/private')).status).toBe(200);
  });

  test('everything else stays protected, including near misses', async () => {
    for (const path of ['/', '/health/', '/healthz', '/Health', '/public', '/x/public/a']) expectMissing(await server.get(path));
  });

  test('a predicate decides per request', async () => {
    expect((await byFunction.get('/', { 'x-internal': 'yes' })).status).toBe(200);
    expectMissing(await byFunction.get('/', { 'x-internal': 'no' }));
  });

  test('malformed unless options are refused at construction', () => {
    expect(() => jwt({ ...base, unless: { path: [42 as unknown as string] } })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    expect(() => jwt({ ...base, unless: { method: [''] } })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    expect(() => jwt({ ...base, unless: 'yes' as unknown as () => boolean })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
  });
});

describe('revocation', async () => {
  const store = new MemoryRevocationStore({ maxTokenLifetime: 60 });
  const withStore = await appWith({ ...base, revocation: store });
  const seen: { path: string; jti: unknown; token: string }[] = [];
  const withHook = await appWith({
    ...base,
    isRevoked: (ctx, claims, token) => {
      seen.push({ path: ctx.path, jti: claims.jti, token });
      if (ctx.path === '/broken') throw new Error('denylist down');
      return claims.sub === 'mallory';
    },
  });

  test('a store: a revoked token is refused, others are not', async () => {
    const revoked = await sign();
    const kept = await sign();
    await store.revokeToken(jose.decodeJwt(revoked));
    expectInvalid(await withStore.get('/', bearer(revoked)), 'token revoked');
    expect((await withStore.get('/', bearer(kept))).status).toBe(200);
  });

  test('a store: revoking a subject refuses its earlier tokens only', async () => {
    const before = await sign({ sub: 'zoe' });
    await store.revokeSubject('zoe', Date.now() + 1000);
    expectInvalid(await withStore.get('/', bearer(before)), 'token revoked');
    expect((await withStore.get('/', bearer(await sign({ sub: 'other' })))).status).toBe(200);
  });

  test('isRevoked gets the context, claims and token; true refuses', async () => {
    const token = await sign({ sub: 'mallory' });
    expectInvalid(await withHook.get('/x', bearer(token)), 'token revoked');
    expect(seen.at(-1)).toEqual({ path: '/x', jti: jose.decodeJwt(token).jti, token });
    expect((await withHook.get('/x', bearer(await sign()))).status).toBe(200);
  });

  test('an isRevoked that throws answers 401, not 500', async () => {
    expectInvalid(await withHook.get('/broken', bearer(await sign())), 'revocation status unavailable');
  });
});

describe('realm and schema', async () => {
  const realm = await appWith({ ...base, realm: 'jwt-example' });
  // A minimal Standard Schema: the claims need a string array of permissions; its output replaces them.
  const schema = {
    '~standard': {
      version: 1 as const,
      vendor: 'test',
      validate: (value: unknown) => {
        const claims = value as Record<string, unknown>;
        const ok = Array.isArray(claims.permissions) && claims.permissions.every((p) => typeof p === 'string');
        return ok ? { value: { ...claims, checked: true } } : { issues: [{ message: 'permissions must be strings' }] };
      },
    },
  };
  const withSchema = await appWith({ ...base, schema });

  test('the realm appears in every challenge', async () => {
    expectMissing(await realm.get('/'), 'jwt-example');
    expectInvalid(await realm.get('/', bearer('a.b.c')), 'token malformed', 'jwt-example');
  });

  test('a schema shapes the claims on ctx.state.user, and refuses those it rejects', async () => {
    const { state } = (await withSchema.get('/', bearer(await sign()))).json as { state: { user: { checked?: boolean } } };
    expect(state.user.checked).toBe(true);
    expectInvalid(await withSchema.get('/', bearer(await sign({ permissions: [1, 2] }))), 'claims rejected by schema');
  });
});

describe('construction', () => {
  test('configuration mistakes throw when the middleware is built', () => {
    const bad: unknown[] = [undefined, null, {}, { key, cookie: 'bad cookie' }, { key, getToken: 'x' }, { key, isRevoked: true }, { key, algorithms: [] }, { key, clockTolerance: 3600 }];
    for (const options of bad) {
      expect(() => jwt(options as JwtOptions), JSON.stringify(options)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    }
  });

  test('a raw secret under 32 bytes is refused when the middleware is built (koa-jwt accepted any)', async () => {
    expect(() => jwt({ issuer: false, audience: false, key: 'shhhhh' })).toThrow(expect.objectContaining({ code: 'ERR_KEY_WEAK' }));
    // Negative twin: a long enough raw secret builds a middleware that verifies with that secret.
    const server = await appWith({ issuer: false, audience: false, key: SECRET });
    try {
      const token = await createSigner({ key: secretKey(SECRET), expiresIn: 60 }).sign({ sub: 'kevin' });
      const reply = await server.get('/', bearer(token));
      expect(reply.status).toBe(200);
      expect((reply.json as { state: { user: { sub: string } } }).state.user.sub).toBe('kevin');
      const foreign = await createSigner({ key: secretKey(OTHER_SECRET), expiresIn: 60 }).sign({ sub: 'kevin' });
      expectInvalid(await server.get('/', bearer(foreign)), 'signature invalid');
      expectMissing(await server.get('/'));
    } finally {
      await server.close();
    }
  });

  test('valid options build a middleware that applies them', async () => {
    const server = await appWith(base);
    try {
      const reply = await server.get('/', bearer(await sign()));
      expect(reply.status).toBe(200);
      expect((reply.json as { state: { user: { iss: string; aud: string } } }).state.user).toMatchObject({ iss: ISSUER, aud: AUDIENCE });
      // The issuer and audience options are in force, not merely accepted.
      const otherIssuer = await createSigner({ key, issuer: 'someone-else', audience: AUDIENCE, expiresIn: 60 }).sign({ sub: 'kevin' });
      expectInvalid(await server.get('/', bearer(otherIssuer)), 'issuer invalid');
      const otherAudience = await createSigner({ key, issuer: ISSUER, audience: 'other-api', expiresIn: 60 }).sign({ sub: 'kevin' });
      expectInvalid(await server.get('/', bearer(otherAudience)), 'audience invalid');
    } finally {
      await server.close();
    }
  });
});

describe('typed state with @koa/router', async () => {
  test('claims typed by the option types reach the route handler', async () => {
    const router = new Router<OptionalJwtState<{ permissions: string[] }, 'auth'>>();
    router.get('/who', jwt<{ permissions: string[] }, 'auth'>({ ...base, stateKey: 'auth', passthrough: true }), (ctx) => {
      // Compiles only if ctx.state.auth is typed: permissions is string[], not unknown.
      const permissions: string[] | undefined = ctx.state.auth?.permissions;
      ctx.body = { permissions: permissions ?? null };
    });
    const app = new Koa();
    app.use(router.routes());
    const server = await serve(app);
    expect((await server.get('/who', bearer(await sign()))).json).toEqual({ permissions: ['view'] });
    expect((await server.get('/who')).json).toEqual({ permissions: null });
  });
});
