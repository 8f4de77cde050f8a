/**
 * The `cache` option of jwt() on a real Hono instance. A hit is observed through a key resolver
 * that counts lookups (a hit never asks for a key), never through timing. A cached token must
 * still expire, still be refused once revoked (logout), still honour `nbf`, and the cache must
 * stay bounded; it is off unless asked for, and a malformed option stops construction.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { JwtError, MemoryRevocationStore, jwt, secretKey, sign, type Env, type JwtClaims } from '../src/index.js';

const SECRET = 'hono-cache-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF';
const OTHER_SECRET = 'hono-cache-other-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF';
const ISSUER = 'auth';
const AUDIENCE = 'api';
const T0 = 1_700_000_000;

function fixture(cache?: boolean | { max?: number }) {
  let now = T0 * 1000;
  let lookups = 0;
  const key = secretKey(SECRET);
  const store = new MemoryRevocationStore({ clock: () => now });
  const app = new Hono<Env>();
  app.get(
    '/me',
    jwt({
      key: () => {
        lookups++;
        return key;
      },
      issuer: ISSUER,
      audience: AUDIENCE,
      revocation: store,
      clock: () => now,
      ...(cache === undefined ? {} : { cache }),
    }),
    (c) => c.json(c.var.jwt),
  );
  return {
    store,
    lookups: () => lookups,
    setTime: (seconds: number) => {
      now = seconds * 1000;
    },
    token: (claims: JwtClaims, options: { expiresIn?: number; notBefore?: number; secret?: string } = {}) =>
      sign({ iss: ISSUER, aud: AUDIENCE, ...claims }, secretKey(options.secret ?? SECRET), { expiresIn: options.expiresIn ?? 60, jwtId: true, clock: () => T0 * 1000, ...(options.notBefore === undefined ? {} : { notBefore: options.notBefore }) }),
    get: async (token: string) => {
      const res = await app.request('/me', { headers: { Authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown>, challenge: res.headers.get('www-authenticate') };
    },
  };
}

const refused = (description: string) => ({
  status: 401,
  body: { error: 'invalid_token', error_description: description },
  challenge: `Bearer realm="api", error="invalid_token", error_description="${description}"`,
});

describe('jwt({ cache }) on Hono', () => {
  it('is off by default: the same token is verified again on every request; with cache: true only once', async () => {
    const off = fixture();
    const t = await off.token({ sub: 'kevin' });
    expect((await off.get(t)).body.sub).toBe('kevin');
    expect((await off.get(t)).body.sub).toBe('kevin');
    expect(off.lookups()).toBe(2);
    const on = fixture(true);
    const first = await on.get(t);
    const second = await on.get(t);
    expect(first.status).toBe(200);
    expect(second).toEqual(first);
    expect(second.body).toMatchObject({ sub: 'kevin', iss: ISSUER, aud: AUDIENCE, exp: T0 + 60 });
    expect(on.lookups()).toBe(1);
  });

  it('refuses a cached token once its exp has passed, from the cache', async () => {
    const f = fixture(true);
    const t = await f.token({ sub: 'kevin' }, { expiresIn: 10 });
    expect((await f.get(t)).status).toBe(200);
    f.setTime(T0 + 9);
    expect((await f.get(t)).status).toBe(200);
    f.setTime(T0 + 10);
    expect(await f.get(t)).toEqual(refused('token expired'));
    expect(f.lookups()).toBe(1);
  });

  it('refuses a cached token once it is revoked (logout), and keeps serving the others', async () => {
    const f = fixture(true);
    const t = await f.token({ sub: 'kevin' });
    const other = await f.token({ sub: 'kevin' });
    expect((await f.get(t)).status).toBe(200);
    expect((await f.get(other)).status).toBe(200);
    f.store.revokeToken(JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as JwtClaims);
    expect(await f.get(t)).toEqual(refused('token revoked'));
    expect((await f.get(other)).body.sub).toBe('kevin');
    f.store.revokeSubject('kevin');
    expect(await f.get(other)).toEqual(refused('token revoked'));
    expect(f.lookups()).toBe(2);
  });

  it('checks nbf on every hit: not cached before it, served after it, refused if the clock goes back before it', async () => {
    const f = fixture(true);
    const t = await f.token({ sub: 'kevin' }, { notBefore: 5 });
    expect(await f.get(t)).toEqual(refused('token not yet valid'));
    f.setTime(T0 + 5);
    expect((await f.get(t)).body.sub).toBe('kevin');
    expect((await f.get(t)).body.sub).toBe('kevin');
    expect(f.lookups()).toBe(2);
    f.setTime(T0 + 4);
    expect(await f.get(t)).toEqual(refused('token not yet valid'));
  });

  it('stays bounded under a flood of distinct tokens, and forged ones never enter it', async () => {
    const f = fixture({ max: 5 });
    const tokens = await Promise.all(Array.from({ length: 40 }, (_, i) => f.token({ sub: `user${i}` })));
    for (const t of tokens) expect((await f.get(t)).status).toBe(200);
    expect(f.lookups()).toBe(40);
    const forged = await Promise.all(Array.from({ length: 40 }, (_, i) => f.token({ sub: `forged${i}` }, { secret: OTHER_SECRET })));
    for (const t of forged) expect(await f.get(t)).toEqual(refused('signature invalid'));
    expect(f.lookups()).toBe(80);
    // The five most recent genuine tokens are still cached; the first one is long gone.
    for (const t of tokens.slice(-5)) expect((await f.get(t)).status).toBe(200);
    expect(f.lookups()).toBe(80);
    expect((await f.get(tokens[0]!)).body.sub).toBe('user0');
    expect(f.lookups()).toBe(81);
  });

  it('refuses a malformed cache option when the middleware is built', () => {
    for (const cache of ['yes', 1, null, { size: 10 }, { mx: 10 }, { max: undefined }, { max: 0 }, { max: 2.5 }, { max: 1_000_000 }]) {
      let error: unknown;
      try {
        jwt({ key: secretKey(SECRET), issuer: 'auth', audience: 'api', cache: cache as never });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(JwtError);
      expect((error as JwtError).code).toBe('ERR_CONFIG_INVALID');
    }
    for (const cache of [true, false, { max: 10 }]) expect(() => jwt({ key: secretKey(SECRET), issuer: 'auth', audience: 'api', cache })).not.toThrow();
  });
});
