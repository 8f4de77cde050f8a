import { createVerifier, decodeUnverified, isJwtError, type JwtClaims } from '@jwt/core';
import { SignJWT, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { isJsonContentType, parseFields } from './contract.js';
import { createExampleService, type ExampleClaims, type ExampleService } from './service.js';
import { UserStore } from './users.js';

import type { ExampleAuthOptions } from './service.js';

/** The service's authenticator options less the HTTP ones (realm, cookie), which a bare verifier does not take. */
function verifierOptions({ realm: _realm, cookie: _cookie, ...options }: ExampleAuthOptions) {
  return options;
}

const SECRET = 'service-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

let service: ExampleService;
let users: UserStore;

beforeAll(async () => {
  users = await UserStore.create();
  service = await createExampleService(loadConfig({ JWT_SECRET: SECRET, JWT_TTL: '600' }, { defaultPort: 3000 }), { users });
});

const body = (value: unknown): string => JSON.stringify(value);
const JSON_TYPE = 'application/json';

async function loginToken(username: string, password: string): Promise<string> {
  const r = await service.login(body({ username, password }), JSON_TYPE);
  expect(r.status).toBe(200);
  return (r.body as { token: string }).token;
}

async function verified(token: string): Promise<ExampleClaims> {
  return (await createVerifier<ExampleClaims>(verifierOptions(service.auth)).verify(token)).payload;
}

describe('parseFields', () => {
  it('returns the string fields of a JSON object', () => {
    expect(parseFields('{"a":"1","b":"2","c":3}', ['a', 'b'])).toEqual({ a: '1', b: '2' });
  });

  it.each(['', 'nope', 'null', '[]', '"a"', '{"a":1}', '{"b":"x"}', '{"__proto__":{"a":"x"}}', `{"a":"${'x'.repeat(20_000)}"}`])('refuses %j', (text) => {
    expect(parseFields(text, ['a'])).toBeUndefined();
  });
});

describe('isJsonContentType', () => {
  it.each(['application/json', 'Application/JSON', 'application/json; charset=utf-8', ' application/json ;charset=UTF-8'])('accepts %j', (type) => {
    expect(isJsonContentType(type)).toBe(true);
  });

  it.each([undefined, null, '', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'application/json-seq', 'application/ld+json', 'text/json', 'application/json, text/plain', 'application'])('refuses %j', (type) => {
    expect(isJsonContentType(type)).toBe(false);
  });
});

describe('UserStore', () => {
  it('authenticates the demo users with their passwords, and no one else, with the time of the check', async () => {
    const before = Date.now();
    const kevin = await users.authenticate('kevin', 'kevin-password');
    expect(kevin).toEqual({ user: { username: 'kevin', permissions: ['view', 'comment'] }, authenticatedAt: expect.any(Number) });
    expect(kevin!.authenticatedAt).toBeGreaterThanOrEqual(before);
    expect(kevin!.authenticatedAt).toBeLessThanOrEqual(Date.now());
    expect((await users.authenticate('admin', 'admin-password'))?.user).toEqual({ username: 'admin', permissions: ['admin', 'view'] });
    expect(await users.authenticate('kevin', 'admin-password')).toBeUndefined();
    expect(await users.authenticate('nobody', 'kevin-password')).toBeUndefined();
    expect(await users.authenticate('__proto__', '')).toBeUndefined();
  });

  it('changes a password only with the current one, and records when', async () => {
    const store = await UserStore.create([{ username: 'u', password: 'old-password', permissions: [] }]);
    expect(store.passwordChangedAt('u')).toBeUndefined();
    expect(await store.changePassword('u', 'wrong-password', 'new-password')).toEqual({ ok: false, reason: 'invalid_credentials' });
    expect(store.passwordChangedAt('u')).toBeUndefined();
    expect((await store.authenticate('u', 'old-password'))?.user).toEqual({ username: 'u', permissions: [] });
    expect(await store.changePassword('ghost', 'old-password', 'new-password')).toEqual({ ok: false, reason: 'unknown_user' });

    const change = await store.changePassword('u', 'old-password', 'new-password');
    expect(change).toEqual({ ok: true, changedAt: expect.any(Number) });
    expect(store.passwordChangedAt('u')).toBe((change as { changedAt: number }).changedAt);
    expect(await store.authenticate('u', 'old-password')).toBeUndefined();
    expect((await store.authenticate('u', 'new-password'))?.user).toEqual({ username: 'u', permissions: [] });
  });

  it('lets only one of two concurrent changes with the same current password through', async () => {
    const store = await UserStore.create([{ username: 'u', password: 'old-password', permissions: [] }]);
    const results = await Promise.all([store.changePassword('u', 'old-password', 'first-new'), store.changePassword('u', 'old-password', 'second-new')]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'invalid_credentials' }]);
    const winner = results[0]!.ok ? 'first-new' : 'second-new';
    const loser = winner === 'first-new' ? 'second-new' : 'first-new';
    expect(await store.authenticate('u', winner)).toBeDefined();
    expect(await store.authenticate('u', loser)).toBeUndefined();
  });

  it('never authenticates in the second of a password change: such a login waits for the next second', async () => {
    const store = await UserStore.create([{ username: 'u', password: 'old-password', permissions: [] }]);
    const change = await store.changePassword('u', 'old-password', 'new-password');
    const changedAt = (change as { changedAt: number }).changedAt;
    const login = await store.authenticate('u', 'new-password');
    expect(Math.floor(login!.authenticatedAt / 1000)).toBeGreaterThan(Math.floor(changedAt / 1000));
    // A clock pinned in the change's second: the wait is bounded, and the login (whose token the
    // cutoff covers) still ends instead of hanging.
    const pinned = await UserStore.create([{ username: 'p', password: 'old-password', permissions: [] }], () => 1_700_000_000_500);
    await pinned.changePassword('p', 'old-password', 'new-password');
    expect((await pinned.authenticate('p', 'new-password'))?.authenticatedAt).toBe(1_700_000_000_500);
  });
});

describe('createExampleService', () => {
  it('builds adapter options for the contract', () => {
    expect(service.auth).toMatchObject({ algorithms: ['HS256'], issuer: 'jwt-example', audience: 'jwt-example-api', clockTolerance: 5, realm: 'jwt-example', cookie: 'access_token', requiredClaims: ['sub'] });
    expect(service.auth.revocation).toBe(service.revocation);
    expect(service.health()).toEqual({ status: 200, body: { status: 'ok' } });
    expect(service.admin()).toEqual({ status: 200, body: { ok: true } });
    expect(service.jwks()).toEqual({ status: 404, body: { error: 'not_found' } });
  });

  it('logs in with the contract response and claims, verifiable by jose', async () => {
    const r = await service.login(body({ username: 'admin', password: 'admin-password' }), JSON_TYPE);
    expect(r).toEqual({ status: 200, body: { token: expect.any(String), tokenType: 'Bearer', expiresIn: 600, refreshToken: expect.any(String), refreshExpiresIn: 1_209_600 } });
    const token = (r.body as { token: string }).token;
    const { header, payload } = decodeUnverified(token);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toMatchObject({ iss: 'jwt-example', aud: 'jwt-example-api', sub: 'admin', username: 'admin', permissions: ['admin', 'view'] });
    // Whole seconds, as most JWT consumers expect, and exactly the announced lifetime.
    expect(Number.isInteger(payload.iat)).toBe(true);
    expect(Number.isInteger(payload.exp)).toBe(true);
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(Buffer.from(payload.jti!, 'base64url').length).toBeGreaterThanOrEqual(16);
    await expect(jwtVerify(token, new TextEncoder().encode(SECRET), { issuer: 'jwt-example', audience: 'jwt-example-api' })).resolves.toBeDefined();
    await expect(jwtVerify(token, new TextEncoder().encode(`${SECRET}-other`))).rejects.toThrow();
  });

  it('answers invalid_credentials and invalid_request', async () => {
    expect(await service.login(body({ username: 'kevin', password: 'wrong' }), JSON_TYPE)).toEqual({ status: 401, body: { error: 'invalid_credentials' } });
    expect(await service.login(body({ username: 'kevin', password: 'x'.repeat(2000) }), JSON_TYPE)).toEqual({ status: 401, body: { error: 'invalid_credentials' } });
    for (const raw of ['', '{', '[]', body({ username: 'kevin' }), body({ username: 'kevin', password: 1 })]) {
      expect(await service.login(raw, JSON_TYPE)).toEqual({ status: 400, body: { error: 'invalid_request' } });
    }
    expect(await service.login('x'.repeat(17 * 1024), JSON_TYPE)).toEqual({ status: 413, body: { error: 'invalid_request' } });
  });

  it('refuses a body that is not application/json with 415 before reading it, and only a body', async () => {
    const credentials = body({ username: 'kevin', password: 'kevin-password' });
    for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'text/json']) {
      expect(await service.login(credentials, type)).toEqual({ status: 415, body: { error: 'unsupported_media_type' } });
    }
    expect((await service.login(credentials, 'Application/JSON; charset=utf-8')).status).toBe(200);
    // No body at all is not a media-type question: it is simply not the JSON this route needs.
    expect(await service.login('', 'text/plain')).toEqual({ status: 400, body: { error: 'invalid_request' } });
    expect(await service.login('', undefined)).toEqual({ status: 400, body: { error: 'invalid_request' } });
  });

  it('logout revokes exactly that token', async () => {
    const token = await loginToken('kevin', 'kevin-password');
    const other = await loginToken('kevin', 'kevin-password');
    const claims = await verified(token);
    expect(service.me(claims)).toEqual({ status: 200, body: claims });
    expect(await service.logout(claims)).toEqual({ status: 204 });
    await expect(verified(token)).rejects.toSatisfy((e) => isJwtError(e, 'ERR_JWT_REVOKED'));
    await expect(verified(other)).resolves.toMatchObject({ sub: 'kevin' });
  });

  it('logout of a token without jti answers the RFC 6750 refusal instead of pretending', async () => {
    const claims = { sub: 'kevin', exp: Math.floor(Date.now() / 1000) + 60 } as ExampleClaims;
    expect(await service.logout(claims)).toEqual({
      status: 401,
      body: { error: 'invalid_token', error_description: 'required claim missing' },
      headers: { 'WWW-Authenticate': 'Bearer realm="jwt-example", error="invalid_token", error_description="required claim missing"' },
    });
  });

  it('a password change needs the current password, revokes older tokens of that user and lets a login right after through', async () => {
    const local = await createExampleService(loadConfig({ JWT_SECRET: SECRET }, { defaultPort: 3000 }), { users: await UserStore.create() });
    const login = async (username: string, password: string): Promise<string> => ((await local.login(body({ username, password }), JSON_TYPE)).body as { token: string }).token;
    const verifier = createVerifier<ExampleClaims>(verifierOptions(local.auth));
    const before = await login('kevin', 'kevin-password');
    const admin = await login('admin', 'admin-password');
    const claims = (await verifier.verify(before)).payload;

    for (const raw of ['', '{', body({}), body({ newPassword: 'brand-new-password' }), body({ currentPassword: 'kevin-password' }), body({ currentPassword: 'kevin-password', newPassword: 5 }),
      body({ currentPassword: 5, newPassword: 'brand-new-password' }), body({ currentPassword: 'kevin-password', newPassword: '' }), body({ currentPassword: 'kevin-password', newPassword: 'short12' })]) {
      expect(await local.changePassword(claims, raw, JSON_TYPE)).toEqual({ status: 400, body: { error: 'invalid_request' } });
    }
    expect(await local.changePassword(claims, body({ currentPassword: 'kevin-password', newPassword: 'brand-new-password' }), 'text/plain')).toEqual({ status: 415, body: { error: 'unsupported_media_type' } });
    expect(await local.changePassword(claims, body({ currentPassword: 'wrong-password', newPassword: 'brand-new-password' }), JSON_TYPE)).toEqual({ status: 403, body: { error: 'invalid_credentials' } });
    // None of the refusals changed anything.
    await expect(verifier.verify(before)).resolves.toBeDefined();
    expect((await local.login(body({ username: 'kevin', password: 'kevin-password' }), JSON_TYPE)).status).toBe(200);

    // Eight characters is enough.
    expect(await local.changePassword(claims, body({ currentPassword: 'kevin-password', newPassword: 'new-pass' }), JSON_TYPE)).toEqual({ status: 204 });
    await expect(verifier.verify(before)).rejects.toSatisfy((e) => isJwtError(e, 'ERR_JWT_REVOKED'));
    await expect(verifier.verify(admin)).resolves.toBeDefined();
    expect((await local.login(body({ username: 'kevin', password: 'kevin-password' }), JSON_TYPE)).status).toBe(401);
    const after = await login('kevin', 'new-pass');
    await expect(verifier.verify(after)).resolves.toMatchObject({ payload: { sub: 'kevin' } });
  });

  it('refuses every token of a login with the old password still in flight when the password changed', async () => {
    const local = await createExampleService(loadConfig({ JWT_SECRET: SECRET }, { defaultPort: 3000 }), { users: await UserStore.create() });
    const verifier = createVerifier<ExampleClaims>(verifierOptions(local.auth));
    const tokenOf = (r: { status: number; body?: Record<string, unknown> }): string | undefined => (r.status === 200 ? (r.body as { token: string }).token : undefined);
    let password = 'kevin-password';
    let changed = 0;
    for (let round = 0; round < 3; round++) {
      const current = (await verifier.verify(tokenOf(await local.login(body({ username: 'kevin', password }), JSON_TYPE))!)).payload;
      const next = `new-password-${round}`;
      // Logins with the old password started every few milliseconds, before and while the change runs.
      const logins: Promise<string | undefined>[] = [];
      const started = (async () => {
        for (let i = 0; i < 12; i++) {
          logins.push(local.login(body({ username: 'kevin', password }), JSON_TYPE).then(tokenOf));
          await new Promise((resolve) => setTimeout(resolve, 4));
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await local.changePassword(current, body({ currentPassword: password, newPassword: next }), JSON_TYPE)).toEqual({ status: 204 });
      changed++;
      await started;
      const tokens = (await Promise.all(logins)).filter((t): t is string => t !== undefined);
      expect(tokens.length).toBeGreaterThan(0);
      for (const token of tokens) await expect(verifier.verify(token)).rejects.toSatisfy((e) => isJwtError(e, 'ERR_JWT_REVOKED'));
      password = next;
      // The twin: a login with the new password right after the change is accepted at once.
      const fresh = tokenOf(await local.login(body({ username: 'kevin', password }), JSON_TYPE));
      await expect(verifier.verify(fresh!)).resolves.toMatchObject({ payload: { sub: 'kevin' } });
    }
    expect(changed).toBe(3);
  });

  it('refuses a password change for a subject that is not a user', async () => {
    expect(await service.changePassword({ sub: 'ghost' } as ExampleClaims, body({ currentPassword: 'whatever-password', newPassword: 'brand-new-password' }), JSON_TYPE)).toEqual({ status: 404, body: { error: 'unknown_user' } });
  });

  it('accepts only HS256 with the configured secret', async () => {
    const verifier = createVerifier<JwtClaims>(verifierOptions(service.auth));
    const token = await loginToken('kevin', 'kevin-password');
    await expect(verifier.verify(token)).resolves.toBeDefined();
    const hs384 = await new SignJWT({ sub: 'kevin', iss: 'jwt-example', aud: 'jwt-example-api', exp: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: 'HS384' })
      .sign(new TextEncoder().encode(SECRET));
    await expect(verifier.verify(hs384)).rejects.toSatisfy((e) => isJwtError(e, 'ERR_JWS_ALG_NOT_ALLOWED'));
  });
});

describe('refresh tokens', () => {
  const pairOf = (r: { body?: Record<string, unknown> }) => r.body as { token: string; refreshToken: string; refreshExpiresIn: number };

  async function fresh(env: Record<string, string> = {}) {
    const local = await createExampleService(loadConfig({ JWT_SECRET: SECRET, JWT_REFRESH_TTL: '3600', ...env }, { defaultPort: 3000 }), { users: await UserStore.create() });
    return { local, verifier: createVerifier<ExampleClaims>(verifierOptions(local.auth)) };
  }

  it('/login answers a pair sharing a sid; /refresh exchanges it once, JWT_REFRESH_TTL sets its lifetime', async () => {
    const { local, verifier } = await fresh();
    const login = pairOf(await local.login(body({ username: 'kevin', password: 'kevin-password' }), JSON_TYPE));
    expect(login.refreshExpiresIn).toBe(3600);
    const sid = (await verifier.verify(login.token)).payload.sid;
    expect(typeof sid).toBe('string');
    expect(decodeUnverified(login.refreshToken).payload).toMatchObject({ sid, sub: 'kevin', aud: 'jwt-example', iss: 'jwt-example' });
    const r = await local.refresh(body({ refreshToken: login.refreshToken }), JSON_TYPE);
    expect(r).toEqual({ status: 200, body: { token: expect.any(String), tokenType: 'Bearer', expiresIn: 900, refreshToken: expect.any(String), refreshExpiresIn: 3600 } });
    expect((await verifier.verify(pairOf(r).token)).payload).toMatchObject({ sid, sub: 'kevin', username: 'kevin', permissions: ['view', 'comment'] });
    // A refresh token is no access token, and the reverse.
    await expect(verifier.verify(login.refreshToken)).rejects.toSatisfy((e) => isJwtError(e, 'ERR_JWT_TYPE_INVALID'));
    expect(await local.refresh(body({ refreshToken: pairOf(r).token }), JSON_TYPE)).toEqual({ status: 401, body: { error: 'invalid_grant' } });
  });

  it('reuse answers invalid_grant and ends the session: refresh and access tokens of it', async () => {
    const { local, verifier } = await fresh();
    const login = pairOf(await local.login(body({ username: 'kevin', password: 'kevin-password' }), JSON_TYPE));
    const other = pairOf(await local.login(body({ username: 'kevin', password: 'kevin-password' }), JSON_TYPE));
    const next = pairOf(await local.refresh(body({ refreshToken: login.refreshToken }), JSON_TYPE));
    expect(await local.refresh(body({ refreshToken: login.refreshToken }), JSON_TYPE)).toEqual({ status: 401, body: { error: 'invalid_grant' } });
    expect(await local.refresh(body({ refreshToken: next.refreshToken }), JSON_TYPE)).toEqual({ status: 401, body: { error: 'invalid_grant' } });
    await expect(verifier.verify(next.token)).rejects.toSatisfy((e) => isJwtError(e, 'ERR_JWT_REVOKED'));
    await expect(verifier.verify(other.token)).resolves.toBeDefined();
    expect((await local.refresh(body({ refreshToken: other.refreshToken }), JSON_TYPE)).status).toBe(200);
  });

  it('logout ends the session; a password change ends every session of the user', async () => {
    const { local, verifier } = await fresh();
    const a = pairOf(await local.login(body({ username: 'kevin', password: 'kevin-password' }), JSON_TYPE));
    const b = pairOf(await local.login(body({ username: 'kevin', password: 'kevin-password' }), JSON_TYPE));
    expect(await local.logout((await verifier.verify(a.token)).payload)).toEqual({ status: 204 });
    expect(await local.refresh(body({ refreshToken: a.refreshToken }), JSON_TYPE)).toEqual({ status: 401, body: { error: 'invalid_grant' } });
    const b2 = pairOf(await local.refresh(body({ refreshToken: b.refreshToken }), JSON_TYPE));
    expect(b2.refreshToken).toEqual(expect.any(String));
    const c = pairOf(await local.login(body({ username: 'admin', password: 'admin-password' }), JSON_TYPE));
    expect(await local.changePassword((await verifier.verify(b2.token)).payload, body({ currentPassword: 'kevin-password', newPassword: 'brand-new-password' }), JSON_TYPE)).toEqual({ status: 204 });
    expect(await local.refresh(body({ refreshToken: b2.refreshToken }), JSON_TYPE)).toEqual({ status: 401, body: { error: 'invalid_grant' } });
    expect((await local.refresh(body({ refreshToken: c.refreshToken }), JSON_TYPE)).status).toBe(200);
    const after = pairOf(await local.login(body({ username: 'kevin', password: 'brand-new-password' }), JSON_TYPE));
    expect((await local.refresh(body({ refreshToken: after.refreshToken }), JSON_TYPE)).status).toBe(200);
  });

  it('JWT_ISSUER equal to JWT_AUDIENCE still keeps refresh tokens off the access audience', async () => {
    const { local, verifier } = await fresh({ JWT_ISSUER: 'same', JWT_AUDIENCE: 'same' });
    const login = pairOf(await local.login(body({ username: 'kevin', password: 'kevin-password' }), JSON_TYPE));
    expect(decodeUnverified(login.refreshToken).payload.aud).toBe('same#refresh');
    await expect(verifier.verify(login.refreshToken)).rejects.toSatisfy((e) => isJwtError(e, 'ERR_JWT_TYPE_INVALID'));
    expect((await local.refresh(body({ refreshToken: login.refreshToken }), JSON_TYPE)).status).toBe(200);
  });

  it('body rules as for /login', async () => {
    const { local } = await fresh();
    for (const raw of ['', '{', '[]', body({}), body({ refreshToken: 5 })]) expect(await local.refresh(raw, JSON_TYPE)).toEqual({ status: 400, body: { error: 'invalid_request' } });
    expect(await local.refresh('x'.repeat(17 * 1024), JSON_TYPE)).toEqual({ status: 413, body: { error: 'invalid_request' } });
    expect(await local.refresh(body({ refreshToken: 'x' }), 'text/plain')).toEqual({ status: 415, body: { error: 'unsupported_media_type' } });
    expect(await local.refresh(body({ refreshToken: 'garbage' }), JSON_TYPE)).toEqual({ status: 401, body: { error: 'invalid_grant' } });
  });
});
