/**
 * Refresh tokens: the pair at login, typing against confusion with access tokens (ours and a
 * third party's), rotation with reuse detection, concurrent exchanges, logout and password change
 * ending a session, lifetimes, and every bad input with its exact code. Each positive case sits
 * next to its negative twin.
 */
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  MemoryRefreshStore,
  MemoryRevocationStore,
  REFRESH_TOKEN_TYPE,
  clearRefreshCookie,
  createRefreshTokens,
  createSigner,
  createVerifier,
  decodeUnverified,
  exchangeRefreshCookie,
  generateKeyPair,
  refreshCookie,
  refreshErrorResponse,
  secretKey,
  JwtError,
  type RefreshStore,
  type RefreshTokensOptions,
} from '../src/index.js';
import { expectJwtError, OTHER_SECRET, SECRET } from './helpers.js';

const T0 = 1_700_000_000_000;
const key = secretKey(SECRET);
const ACCESS = { key, issuer: 'auth', audience: 'api', expiresIn: 900, jwtId: true as const };

function manualClock(start = T0): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function setup(overrides: Partial<RefreshTokensOptions> = {}) {
  const clock = manualClock();
  const revocation = new MemoryRevocationStore({ maxTokenLifetime: '14d', clock: clock.now });
  const store = new MemoryRefreshStore({ clock: clock.now });
  const refresh = createRefreshTokens({ access: ACCESS, revocation, store, clock: clock.now, ...overrides });
  const verifier = createVerifier({ key, issuer: 'auth', audience: 'api', revocation, clock: clock.now });
  return { clock, revocation, store, refresh, verifier };
}

describe('issue: the pair at login', () => {
  it('answers an access token and a refresh token sharing one sid, each typed and addressed for its use', async () => {
    const { refresh, verifier } = setup();
    const pair = await refresh.issue({ sub: 'kevin', permissions: ['view'] });
    expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, refreshExpiresIn: 14 * 86400 });
    const access = decodeUnverified(pair.accessToken);
    const rt = decodeUnverified(pair.refreshToken);
    expect(access.header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(rt.header).toEqual({ alg: 'HS256', typ: REFRESH_TOKEN_TYPE });
    expect(access.payload).toMatchObject({ iss: 'auth', aud: 'api', sub: 'kevin', permissions: ['view'], sid: pair.sid, iat: T0 / 1000, exp: T0 / 1000 + 900 });
    expect(rt.payload).toMatchObject({ iss: 'auth', aud: 'auth', sub: 'kevin', permissions: ['view'], sid: pair.sid, auth_time: T0 / 1000, exp: T0 / 1000 + 14 * 86400 });
    expect(rt.payload.jti).not.toBe(access.payload.jti);
    expect((await verifier.verify(pair.accessToken)).payload.sid).toBe(pair.sid);
    const other = await refresh.issue({ sub: 'kevin' });
    expect(other.sid).not.toBe(pair.sid);
  });

  it('issuedAt (the password check) dates both tokens and their lifetimes, so a password change covers an in-flight login', async () => {
    const { refresh, revocation, clock, verifier } = setup();
    clock.advance(3_000);
    const checkedAt = T0 / 1000 + 1;
    const pair = await refresh.issue({ sub: 'kevin' }, { issuedAt: checkedAt });
    expect(decodeUnverified(pair.accessToken).payload).toMatchObject({ iat: checkedAt, exp: checkedAt + 900 });
    expect(decodeUnverified(pair.refreshToken).payload).toMatchObject({ iat: checkedAt, auth_time: checkedAt, exp: checkedAt + 14 * 86400 });
    expect(pair).toMatchObject({ expiresIn: 900, refreshExpiresIn: 14 * 86400 });
    // The password changed after the check (T0 + 2 s), before this pair was signed (T0 + 3 s).
    revocation.revokeSubject('kevin', T0 + 2_000);
    await expectJwtError(verifier.verify(pair.accessToken), 'ERR_JWT_REVOKED');
    await expectJwtError(refresh.exchange(pair.refreshToken), 'ERR_JWT_REVOKED');
    // The twin: without issuedAt the pair is dated at signing, after the change, and passes.
    const signedNow = await refresh.issue({ sub: 'kevin' });
    expect((await refresh.exchange(signedNow.refreshToken)).sid).toBe(signedNow.sid);
    await expectJwtError(refresh.issue({ sub: 'kevin' }, { issuedAt: T0 / 1000 + 60 }), 'ERR_JWT_CLAIM_INVALID');
    await expectJwtError(refresh.issue({ sub: 'kevin' }, { issuedAt: Number.NaN }), 'ERR_JWT_CLAIM_INVALID');
  });

  it('refuses claims without a string sub', async () => {
    const { refresh } = setup();
    await expectJwtError(refresh.issue({} as never), 'ERR_JWT_SUBJECT_INVALID');
    await expectJwtError(refresh.issue({ sub: 42 } as never), 'ERR_JWT_SUBJECT_INVALID');
  });
});

describe('typing: a refresh token is never an access token, and the reverse', () => {
  it('our access verifier refuses a refresh token (no typ option needed), and accepts the access token', async () => {
    const { refresh, verifier } = setup();
    const pair = await refresh.issue({ sub: 'kevin' });
    await expectJwtError(verifier.verify(pair.refreshToken), 'ERR_JWT_TYPE_INVALID');
    // Even with the audience check off: the type alone refuses it.
    const lax = createVerifier({ key, issuer: 'auth', audience: false, clock: () => T0 });
    await expectJwtError(lax.verify(pair.refreshToken), 'ERR_JWT_TYPE_INVALID');
    expect((await lax.verify(pair.accessToken)).payload.sub).toBe('kevin');
    const shouted = await createSigner({ key, typ: 'Application/Refresh+JWT', expiresIn: 60, clock: () => T0 }).sign({ sub: 'kevin' });
    await expectJwtError(lax.verify(shouted), 'ERR_JWT_TYPE_INVALID');
    // Only a verifier asking for exactly this type takes it.
    const typed = createVerifier({ key, issuer: 'auth', audience: 'auth', typ: 'application/refresh+jwt', clock: () => T0 });
    expect((await typed.verify(pair.refreshToken)).payload.sid).toBe(pair.sid);
    await expectJwtError(typed.verify(pair.accessToken), 'ERR_JWT_TYPE_INVALID');
  });

  it('a third-party verifier (jose) that ignores typ still refuses it for the access audience', async () => {
    const { refresh } = setup();
    const pair = await refresh.issue({ sub: 'kevin' });
    const secret = new TextEncoder().encode(SECRET);
    await expect(jwtVerify(pair.refreshToken, secret, { issuer: 'auth', audience: 'api', currentDate: new Date(T0) })).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' });
    const { payload } = await jwtVerify(pair.accessToken, secret, { issuer: 'auth', audience: 'api', currentDate: new Date(T0) });
    expect(payload.sub).toBe('kevin');
  });

  it('exchange refuses an access token', async () => {
    const { refresh } = setup();
    const pair = await refresh.issue({ sub: 'kevin' });
    await expectJwtError(refresh.exchange(pair.accessToken), 'ERR_JWT_TYPE_INVALID', [pair.accessToken]);
    // The refresh token was not touched by the attempt.
    expect((await refresh.exchange(pair.refreshToken)).sid).toBe(pair.sid);
  });

  it('with a refresh key of its own, a token signed with the access key is refused even when typed and addressed right', async () => {
    const clock = manualClock();
    const revocation = new MemoryRevocationStore({ clock: clock.now });
    const refresh = createRefreshTokens({ access: ACCESS, refresh: { key: secretKey(OTHER_SECRET), audience: 'api' }, revocation, clock: clock.now });
    const pair = await refresh.issue({ sub: 'kevin' });
    expect(decodeUnverified(pair.refreshToken).payload.aud).toBe('api');
    expect((await refresh.exchange(pair.refreshToken)).sid).toBe(pair.sid);
    const forged = await createSigner({ key, issuer: 'auth', audience: 'api', typ: REFRESH_TOKEN_TYPE, expiresIn: false, clock: clock.now }).sign({ sub: 'kevin', sid: pair.sid, jti: 'x', auth_time: T0 / 1000, exp: T0 / 1000 + 60 });
    await expectJwtError(refresh.exchange(forged), 'ERR_JWS_SIGNATURE_INVALID');
  });

  it('works with an asymmetric key (ES256)', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const clock = manualClock();
    const revocation = new MemoryRevocationStore({ clock: clock.now });
    const refresh = createRefreshTokens({ access: { key: privateKey, issuer: 'auth', audience: 'api', expiresIn: '15m' }, revocation, clock: clock.now });
    const pair = await refresh.issue({ sub: 'kevin' });
    expect(decodeUnverified(pair.refreshToken).header).toMatchObject({ alg: 'ES256', typ: REFRESH_TOKEN_TYPE });
    const next = await refresh.exchange(pair.refreshToken);
    expect(next.sid).toBe(pair.sid);
    await expectJwtError(refresh.exchange(pair.refreshToken), 'ERR_REFRESH_REUSED');
  });
});

describe('rotation and reuse detection', () => {
  it('each exchange answers a new pair of the same session and uses the token up', async () => {
    const { refresh, verifier, clock } = setup();
    const first = await refresh.issue({ sub: 'kevin', permissions: ['view'] });
    clock.advance(60_000);
    const second = await refresh.exchange(first.refreshToken);
    expect(second.sid).toBe(first.sid);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const payload = decodeUnverified(second.accessToken).payload;
    expect(payload).toMatchObject({ sub: 'kevin', permissions: ['view'], sid: first.sid, iat: T0 / 1000 + 60 });
    expect(decodeUnverified(second.refreshToken).payload).toMatchObject({ auth_time: T0 / 1000, exp: T0 / 1000 + 60 + 14 * 86400 });
    expect((await verifier.verify(second.accessToken)).payload.sub).toBe('kevin');
    const third = await refresh.exchange(second.refreshToken);
    expect(third.sid).toBe(first.sid);
  });

  it('a used token presented again ends the whole session: every refresh token and every access token of it', async () => {
    const { refresh, verifier } = setup();
    const first = await refresh.issue({ sub: 'kevin' });
    const bystander = await refresh.issue({ sub: 'kevin' });
    const second = await refresh.exchange(first.refreshToken);
    await expectJwtError(refresh.exchange(first.refreshToken), 'ERR_REFRESH_REUSED', [first.refreshToken]);
    // The legitimate holder's current refresh token is dead too, and so are the access tokens.
    await expectJwtError(refresh.exchange(second.refreshToken), 'ERR_JWT_REVOKED');
    await expectJwtError(verifier.verify(first.accessToken), 'ERR_JWT_REVOKED');
    await expectJwtError(verifier.verify(second.accessToken), 'ERR_JWT_REVOKED');
    // Another session of the same user is untouched.
    expect((await verifier.verify(bystander.accessToken)).payload.sub).toBe('kevin');
    expect((await refresh.exchange(bystander.refreshToken)).sid).toBe(bystander.sid);
  });

  it('the store alone ends the family on reuse, even for a token the revocation store does not know', async () => {
    const { refresh, store } = setup();
    const first = await refresh.issue({ sub: 'kevin' });
    const second = await refresh.exchange(first.refreshToken);
    // Straight at the store, as a second instance whose revocation mirror lags would see it.
    expect(store.rotate(first.sid, decodeUnverified(first.refreshToken).payload.jti!, 'n1', T0 / 1000 + 100)).toBe('reused');
    expect(store.rotate(first.sid, decodeUnverified(second.refreshToken).payload.jti!, 'n2', T0 / 1000 + 100)).toBe('revoked');
  });

  it('of concurrent exchanges of one token exactly one succeeds; the other is reuse', async () => {
    const { refresh } = setup();
    const pair = await refresh.issue({ sub: 'kevin' });
    const outcomes = await Promise.allSettled([refresh.exchange(pair.refreshToken), refresh.exchange(pair.refreshToken), refresh.exchange(pair.refreshToken)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const codes = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as JwtError).code] : []));
    // The first loser finds the token used (and ends the session); a later one finds it ended.
    expect(codes.sort()).toEqual(['ERR_JWT_REVOKED', 'ERR_REFRESH_REUSED']);
  });
});

describe('ending a session', () => {
  it('endSession (logout) refuses the refresh token and the access token of that session only', async () => {
    const { refresh, verifier } = setup();
    const pair = await refresh.issue({ sub: 'kevin' });
    const other = await refresh.issue({ sub: 'kevin' });
    await refresh.endSession(pair.sid);
    await expectJwtError(refresh.exchange(pair.refreshToken), 'ERR_JWT_REVOKED');
    await expectJwtError(verifier.verify(pair.accessToken), 'ERR_JWT_REVOKED');
    expect((await refresh.exchange(other.refreshToken)).sid).toBe(other.sid);
    await expectJwtError(refresh.endSession('' as string), 'ERR_JWT_CLAIM_MISSING');
  });

  it('a password change (subject cutoff) ends every session of that user; a login after it works', async () => {
    const { refresh, revocation, clock } = setup();
    const kevin = await refresh.issue({ sub: 'kevin' });
    const admin = await refresh.issue({ sub: 'admin' });
    clock.advance(5_000);
    const refreshed = await refresh.exchange(kevin.refreshToken);
    clock.advance(5_000);
    revocation.revokeSubject('kevin', clock.now());
    await expectJwtError(refresh.exchange(refreshed.refreshToken), 'ERR_JWT_REVOKED');
    expect((await refresh.exchange(admin.refreshToken)).sid).toBe(admin.sid);
    clock.advance(1_000);
    const fresh = await refresh.issue({ sub: 'kevin' });
    expect((await refresh.exchange(fresh.refreshToken)).sid).toBe(fresh.sid);
  });
});

describe('lifetimes', () => {
  it('an expired refresh token is refused; one a second younger is accepted', async () => {
    const { refresh, clock } = setup({ refresh: { expiresIn: 3600 } });
    const young = await refresh.issue({ sub: 'kevin' });
    clock.advance(3599_000);
    expect((await refresh.exchange(young.refreshToken)).sid).toBe(young.sid);
    const old = await refresh.issue({ sub: 'kevin' });
    clock.advance(3600_000);
    await expectJwtError(refresh.exchange(old.refreshToken), 'ERR_JWT_EXPIRED');
  });

  it('absoluteLifetime caps refresh tokens at login plus the lifetime, however often refreshed', async () => {
    const { refresh, clock } = setup({ refresh: { expiresIn: 3600 }, absoluteLifetime: 5400 });
    let pair = await refresh.issue({ sub: 'kevin' });
    expect(pair.refreshExpiresIn).toBe(3600);
    clock.advance(3000_000);
    pair = await refresh.exchange(pair.refreshToken);
    expect(pair.refreshExpiresIn).toBe(2400);
    expect(decodeUnverified(pair.refreshToken).payload.exp).toBe(T0 / 1000 + 5400);
    clock.advance(2399_000);
    pair = await refresh.exchange(pair.refreshToken);
    expect(pair.refreshExpiresIn).toBe(1);
    clock.advance(1_000);
    await expectJwtError(refresh.exchange(pair.refreshToken), 'ERR_JWT_EXPIRED');
  });

  it('the revocation of a reused session lasts as long as its longest-lived token', async () => {
    const { refresh, revocation, clock } = setup({ refresh: { expiresIn: 7200 } });
    const first = await refresh.issue({ sub: 'kevin' });
    await refresh.exchange(first.refreshToken);
    await expectJwtError(refresh.exchange(first.refreshToken), 'ERR_REFRESH_REUSED');
    clock.advance(7199_000);
    expect(revocation.isRevoked({ sid: first.sid })).toBe(true);
  });
});

describe('bad input: a typed error, never a new pair', () => {
  it('tampered, wrong audience, wrong issuer, unknown family, garbage', async () => {
    const { refresh, clock } = setup();
    const pair = await refresh.issue({ sub: 'kevin' });
    const [h, p, s] = pair.refreshToken.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'admin' })).toString('base64url')}.${s}`;
    await expectJwtError(refresh.exchange(tampered), 'ERR_JWS_SIGNATURE_INVALID', [tampered]);
    const sign = (aud: string, iss = 'auth') => createSigner({ key, issuer: iss, audience: aud, typ: REFRESH_TOKEN_TYPE, expiresIn: false, clock: clock.now }).sign({ sub: 'kevin', sid: pair.sid, jti: 'j', auth_time: T0 / 1000, exp: T0 / 1000 + 60 });
    await expectJwtError(refresh.exchange(await sign('api')), 'ERR_JWT_AUDIENCE_INVALID');
    await expectJwtError(refresh.exchange(await sign('auth', 'other')), 'ERR_JWT_ISSUER_INVALID');
    // Signed right, but no such session in the store (another instance's memory, or data lost).
    const unknown = await createSigner({ key, issuer: 'auth', audience: 'auth', typ: REFRESH_TOKEN_TYPE, expiresIn: false, clock: clock.now }).sign({ sub: 'kevin', sid: 'no-such-session', jti: 'j', auth_time: T0 / 1000, exp: T0 / 1000 + 60 });
    await expectJwtError(refresh.exchange(unknown), 'ERR_REFRESH_INVALID');
    const noSid = await createSigner({ key, issuer: 'auth', audience: 'auth', typ: REFRESH_TOKEN_TYPE, expiresIn: false, clock: clock.now }).sign({ sub: 'kevin', jti: 'j', auth_time: T0 / 1000, exp: T0 / 1000 + 60 });
    await expectJwtError(refresh.exchange(noSid), 'ERR_JWT_CLAIM_MISSING');
    await expectJwtError(refresh.exchange('not.a.token'), 'ERR_JWT_MALFORMED');
    await expectJwtError(refresh.exchange(42 as never), 'ERR_JWT_MALFORMED');
    await expectJwtError(refresh.exchange('x'.repeat(10_000)), 'ERR_JWT_TOO_LARGE');
    // None of it touched the real session.
    expect((await refresh.exchange(pair.refreshToken)).sid).toBe(pair.sid);
  });

  it('a session unknown to the store (a restart of the memory store) is refused, never rotated', async () => {
    const { refresh, revocation, clock } = setup();
    const pair = await refresh.issue({ sub: 'kevin' });
    const restarted = createRefreshTokens({ access: ACCESS, revocation, store: new MemoryRefreshStore({ clock: clock.now }), clock: clock.now });
    await expectJwtError(restarted.exchange(pair.refreshToken), 'ERR_REFRESH_INVALID');
  });

  it('a store that fails answers ERR_REVOCATION_UNAVAILABLE and no pair; the token stays usable', async () => {
    const clock = manualClock();
    const revocation = new MemoryRevocationStore({ clock: clock.now });
    const inner = new MemoryRefreshStore({ clock: clock.now });
    let down = false;
    const flaky: RefreshStore = {
      create: (...a) => inner.create(...a),
      rotate: async (...a) => (down ? Promise.reject(new Error('connection lost')) : inner.rotate(...a)),
      revoke: (...a) => inner.revoke(...a),
    };
    const refresh = createRefreshTokens({ access: ACCESS, revocation, store: flaky, clock: clock.now });
    const pair = await refresh.issue({ sub: 'kevin' });
    down = true;
    await expectJwtError(refresh.exchange(pair.refreshToken), 'ERR_REVOCATION_UNAVAILABLE');
    down = false;
    expect((await refresh.exchange(pair.refreshToken)).sid).toBe(pair.sid);
  });

  it('the claims hook refreshes claims, and refuses the exchange when it answers undefined', async () => {
    let permissions: string[] | undefined = ['view', 'admin'];
    const { refresh } = setup({ claims: (c) => (permissions === undefined ? undefined : { ...c, permissions }) });
    const pair = await refresh.issue({ sub: 'kevin', permissions: ['view'] });
    const next = await refresh.exchange(pair.refreshToken);
    expect(decodeUnverified(next.accessToken).payload.permissions).toEqual(['view', 'admin']);
    permissions = undefined;
    await expectJwtError(refresh.exchange(next.refreshToken), 'ERR_REFRESH_INVALID');
  });
});

describe('configuration mistakes throw at construction', () => {
  const revocation = new MemoryRevocationStore();
  it.each([
    ['no revocation store', { access: ACCESS } as never],
    ['a revocation store without revokeSession', { access: ACCESS, revocation: { isRevoked: () => false, revokeToken: () => undefined, revokeSubject: () => undefined } }],
    ['no access lifetime', { access: { key, issuer: 'auth', audience: 'api' }, revocation } as never],
    ['same key, no issuer to address refresh tokens to', { access: { key, audience: 'api', expiresIn: 60 }, revocation }],
    ['same key and same audience', { access: ACCESS, refresh: { audience: 'api' }, revocation }],
    ['access tokens typed as refresh tokens', { access: { ...ACCESS, typ: 'refresh+JWT' }, revocation }],
    ['a bad lifetime', { access: ACCESS, refresh: { expiresIn: 'forever' }, revocation }],
    ['a zero absolute lifetime', { access: ACCESS, absoluteLifetime: 0, revocation }],
    ['a store without rotate', { access: ACCESS, revocation, store: { create: () => undefined } as never }],
  ])('%s', (_name, options) => {
    expect(() => createRefreshTokens(options as RefreshTokensOptions)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
  });

  it('and the same options with the mistake fixed are accepted', () => {
    expect(() => createRefreshTokens({ access: { key, audience: 'api', expiresIn: 60 }, refresh: { audience: 'refresh' }, revocation })).not.toThrow();
    expect(() => createRefreshTokens({ access: ACCESS, refresh: { key: secretKey(OTHER_SECRET), audience: 'api' }, revocation })).not.toThrow();
  });
});

describe('the options check: misspelt and unset options stop construction', () => {
  const revocation = new MemoryRevocationStore();
  const refused = (options: unknown, message: RegExp) =>
    expect(() => createRefreshTokens(options as RefreshTokensOptions)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(message) }));

  it('a misspelt option of createRefreshTokens, of access and of refresh, each with the right name', () => {
    refused({ access: ACCESS, revocation, absoluteLifetme: '30d' }, /createRefreshTokens: unknown option "absoluteLifetme" \(did you mean "absoluteLifetime"\?\)/);
    refused({ access: { ...ACCESS, expiresin: 60 }, revocation }, /createRefreshTokens access: unknown option "expiresin" \(did you mean "expiresIn"\?\)/);
    refused({ access: ACCESS, refresh: { audiance: 'refresh' }, revocation }, /createRefreshTokens refresh: unknown option "audiance" \(did you mean "audience"\?\)/);
    // The same options spelt right are accepted: the check refuses the name, nothing else.
    expect(() => createRefreshTokens({ access: ACCESS, revocation, absoluteLifetime: '30d', refresh: { audience: 'refresh', expiresIn: 60 } })).not.toThrow();
  });

  it('a value present but undefined (an unset environment variable), at every level', () => {
    refused({ access: ACCESS, revocation, refresh: { key: undefined } }, /createRefreshTokens refresh: key is undefined/);
    refused({ access: { ...ACCESS, issuer: undefined }, revocation }, /createRefreshTokens access: issuer is undefined/);
    refused({ access: ACCESS, revocation, store: undefined }, /createRefreshTokens: store is undefined/);
    refused({ access: ACCESS, revocation, clockTolerance: '5' as never, claims: 'all' }, /createRefreshTokens: claims must be a function, not string/);
  });

  it('MemoryRefreshStore and the cookie options go through the same check', () => {
    expect(() => new MemoryRefreshStore({ maxEntrys: 10 } as never)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(/MemoryRefreshStore: unknown option "maxEntrys" \(did you mean "maxEntries"\?\)/) }));
    expect(() => new MemoryRefreshStore({ maxEntries: undefined } as never)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(/maxEntries is undefined/) }));
    expect(() => new MemoryRefreshStore({ maxEntries: 10 })).not.toThrow();
    expect(() => clearRefreshCookie({ pathh: '/refresh' } as never)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(/unknown option "pathh" \(did you mean "path"\?\)/) }));
    expect(() => clearRefreshCookie({ name: undefined } as never)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(/name is undefined/) }));
    expect(clearRefreshCookie({ path: '/auth/refresh' })).toBe('refresh_token=; Path=/auth/refresh; Max-Age=0; HttpOnly; Secure; SameSite=Strict');
  });
});

describe('MemoryRefreshStore', () => {
  it('refuses a new family when full, and takes one again once a family expired', () => {
    const clock = manualClock();
    const store = new MemoryRefreshStore({ maxEntries: 2, clock: clock.now });
    store.create('a', 'j', T0 / 1000 + 10);
    store.create('b', 'j', T0 / 1000 + 20);
    expect(() => store.create('c', 'j', T0 / 1000 + 30)).toThrow(expect.objectContaining({ code: 'ERR_REVOCATION_UNAVAILABLE' }));
    clock.advance(10_000);
    store.create('c', 'j', T0 / 1000 + 30);
    expect(store.size).toBe(2);
    expect(store.rotate('a', 'j', 'k', T0 / 1000 + 40)).toBe('unknown');
    expect(store.rotate('b', 'j', 'k', T0 / 1000 + 40)).toBe('rotated');
    expect(store.rotate('b', 'k', 'l', T0 / 1000 + 40)).toBe('rotated');
  });

  it('when full, drops expired families behind a live one before refusing', () => {
    const clock = manualClock();
    const store = new MemoryRefreshStore({ maxEntries: 2, clock: clock.now });
    store.create('long', 'j', T0 / 1000 + 100);
    store.create('short', 'j', T0 / 1000 + 10);
    clock.advance(10_000);
    store.create('new', 'j', T0 / 1000 + 100);
    expect(store.rotate('long', 'j', 'k', T0 / 1000 + 100)).toBe('rotated');
    expect(() => store.create('more', 'j', T0 / 1000 + 100)).toThrow(expect.objectContaining({ code: 'ERR_REVOCATION_UNAVAILABLE' }));
  });

  it('revoke marks a family; an unknown one stays unknown', () => {
    const store = new MemoryRefreshStore({ clock: () => T0 });
    store.create('a', 'j', T0 / 1000 + 10);
    store.revoke('a', T0 / 1000 + 10);
    expect(store.rotate('a', 'j', 'k', T0 / 1000 + 10)).toBe('revoked');
    store.revoke('zz', T0 / 1000 + 10);
    expect(store.rotate('zz', 'j', 'k', T0 / 1000 + 10)).toBe('unknown');
    expect(() => new MemoryRefreshStore({ maxEntries: 0 })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
  });
});

describe('answers and cookies', () => {
  it('maps every failure to invalid_grant, and an unreachable store to 503', () => {
    for (const code of ['ERR_REFRESH_REUSED', 'ERR_REFRESH_INVALID', 'ERR_JWT_REVOKED', 'ERR_JWT_EXPIRED', 'ERR_JWT_TYPE_INVALID'] as const) {
      expect(refreshErrorResponse(new JwtError(code))).toEqual({ status: 401, body: { error: 'invalid_grant' }, code });
    }
    expect(refreshErrorResponse(new Error('bug'))).toEqual({ status: 401, body: { error: 'invalid_grant' }, code: 'ERR_REFRESH_INVALID' });
    expect(refreshErrorResponse(new JwtError('ERR_REVOCATION_UNAVAILABLE'))).toEqual({ status: 503, body: { error: 'temporarily_unavailable' }, code: 'ERR_REVOCATION_UNAVAILABLE' });
  });

  it('the refresh cookie is HttpOnly, Secure, SameSite=Strict and scoped to the refresh path', () => {
    expect(refreshCookie({ refreshToken: 'a.b.c', refreshExpiresIn: 60 })).toBe('refresh_token=a.b.c; Path=/refresh; Max-Age=60; HttpOnly; Secure; SameSite=Strict');
    expect(refreshCookie({ refreshToken: 'a.b.c', refreshExpiresIn: 60 }, { name: '__Host-rt', path: '/auth/refresh' })).toBe('__Host-rt=a.b.c; Path=/auth/refresh; Max-Age=60; HttpOnly; Secure; SameSite=Strict');
    expect(clearRefreshCookie()).toBe('refresh_token=; Path=/refresh; Max-Age=0; HttpOnly; Secure; SameSite=Strict');
    expect(() => refreshCookie({ refreshToken: 'x', refreshExpiresIn: 1 }, { name: 'a;b' })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    expect(() => clearRefreshCookie({ path: '/x; Domain=evil' })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
  });
});

describe('exchangeRefreshCookie: the browser case', () => {
  it('exchanges the cookie, answers the access token as JSON and the new refresh token as a cookie', async () => {
    const { refresh } = setup();
    const pair = await refresh.issue({ sub: 'kevin' });
    const answer = await exchangeRefreshCookie(refresh, { cookie: `theme=dark; refresh_token=${pair.refreshToken}`, secFetchSite: 'same-origin' });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ token: answer.pair!.accessToken, tokenType: 'Bearer', expiresIn: 900 });
    expect(answer.headers).toEqual({ 'Cache-Control': 'no-store', 'Set-Cookie': `refresh_token=${answer.pair!.refreshToken}; Path=/refresh; Max-Age=${14 * 86400}; HttpOnly; Secure; SameSite=Strict` });
    expect(JSON.stringify(answer.body)).not.toContain(answer.pair!.refreshToken);
    // The old cookie again: reuse, and the cookie is removed.
    const reused = await exchangeRefreshCookie(refresh, { cookie: `refresh_token=${pair.refreshToken}` });
    expect(reused).toMatchObject({ status: 401, body: { error: 'invalid_grant' }, headers: { 'Cache-Control': 'no-store', 'Set-Cookie': 'refresh_token=; Path=/refresh; Max-Age=0; HttpOnly; Secure; SameSite=Strict' } });
    expect(reused.error?.code).toBe('ERR_REFRESH_REUSED');
  });

  it('refuses a cross-site or same-site request without using the token; no cookie is invalid_request', async () => {
    const { refresh } = setup();
    const pair = await refresh.issue({ sub: 'kevin' });
    for (const site of ['cross-site', 'Same-Site']) {
      const answer = await exchangeRefreshCookie(refresh, { cookie: `refresh_token=${pair.refreshToken}`, secFetchSite: site });
      expect(answer).toMatchObject({ status: 401, body: { error: 'invalid_grant' }, headers: { 'Cache-Control': 'no-store' } });
      expect(answer.headers['Set-Cookie']).toBeUndefined();
      expect(answer.error?.code).toBe('ERR_CROSS_SITE_REQUEST');
    }
    for (const cookie of [undefined, null, '', 'other=1', 'refresh_token=']) {
      expect(await exchangeRefreshCookie(refresh, { cookie })).toMatchObject({ status: 400, body: { error: 'invalid_request' }, headers: { 'Cache-Control': 'no-store' } });
    }
    const named = await exchangeRefreshCookie(refresh, { cookie: `rt=${pair.refreshToken}`, secFetchSite: 'none' }, { name: 'rt', path: '/auth/refresh' });
    expect(named.status).toBe(200);
    expect(named.headers['Set-Cookie']).toMatch(/^rt=[^;]+; Path=\/auth\/refresh; /);
  });

  it('keeps the cookie when the store is unreachable (503, retry later)', async () => {
    const clock = manualClock();
    const inner = new MemoryRefreshStore({ clock: clock.now });
    const down: RefreshStore = { create: (...a) => inner.create(...a), rotate: () => Promise.reject(new Error('down')), revoke: (...a) => inner.revoke(...a) };
    const refresh = createRefreshTokens({ access: ACCESS, revocation: new MemoryRevocationStore({ clock: clock.now }), store: down, clock: clock.now });
    const pair = await refresh.issue({ sub: 'kevin' });
    const answer = await exchangeRefreshCookie(refresh, { cookie: `refresh_token=${pair.refreshToken}` });
    expect(answer).toMatchObject({ status: 503, body: { error: 'temporarily_unavailable' } });
    expect(answer.headers).toEqual({ 'Cache-Control': 'no-store' });
  });
});
