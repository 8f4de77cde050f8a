import { createVerifier, decodeUnverified, isJwtError, type JwtClaims } from '@jwt/core';
import { SignJWT, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { parseFields } from './contract.js';
import { createExampleService, type ExampleClaims, type ExampleService } from './service.js';
import { UserStore } from './users.js';

const SECRET = 'service-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

let service: ExampleService;
let users: UserStore;

beforeAll(async () => {
  users = await UserStore.create();
  service = await createExampleService(loadConfig({ JWT_SECRET: SECRET, JWT_TTL: '600' }, { defaultPort: 3000 }), { users });
});

const body = (value: unknown): string => JSON.stringify(value);

async function loginToken(username: string, password: string): Promise<string> {
  const r = await service.login(body({ username, password }));
  expect(r.status).toBe(200);
  return (r.body as { token: string }).token;
}

async function verified(token: string): Promise<ExampleClaims> {
  return (await createVerifier<ExampleClaims>(service.auth).verify(token)).payload;
}

describe('parseFields', () => {
  it('returns the string fields of a JSON object', () => {
    expect(parseFields('{"a":"1","b":"2","c":3}', ['a', 'b'])).toEqual({ a: '1', b: '2' });
  });

  it.each(['', 'nope', 'null', '[]', '"a"', '{"a":1}', '{"b":"x"}', '{"__proto__":{"a":"x"}}', `{"a":"${'x'.repeat(20_000)}"}`])('refuses %j', (text) => {
    expect(parseFields(text, ['a'])).toBeUndefined();
  });
});

describe('UserStore', () => {
  it('authenticates the demo users with their passwords, and no one else', async () => {
    expect(await users.authenticate('kevin', 'kevin-password')).toEqual({ username: 'kevin', permissions: ['view', 'comment'] });
    expect(await users.authenticate('admin', 'admin-password')).toEqual({ username: 'admin', permissions: ['admin', 'view'] });
    expect(await users.authenticate('kevin', 'admin-password')).toBeUndefined();
    expect(await users.authenticate('nobody', 'kevin-password')).toBeUndefined();
    expect(await users.authenticate('__proto__', '')).toBeUndefined();
  });

  it('replaces a password', async () => {
    const store = await UserStore.create([{ username: 'u', password: 'old', permissions: [] }]);
    expect(await store.setPassword('u', 'new')).toBe(true);
    expect(await store.authenticate('u', 'old')).toBeUndefined();
    expect(await store.authenticate('u', 'new')).toEqual({ username: 'u', permissions: [] });
    expect(await store.setPassword('ghost', 'x')).toBe(false);
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
    const r = await service.login(body({ username: 'admin', password: 'admin-password' }));
    expect(r).toEqual({ status: 200, body: { token: expect.any(String), tokenType: 'Bearer', expiresIn: 600, refreshToken: expect.any(String), refreshExpiresIn: 1_209_600 } });
    const token = (r.body as { token: string }).token;
    const { header, payload } = decodeUnverified(token);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toMatchObject({ iss: 'jwt-example', aud: 'jwt-example-api', sub: 'admin', username: 'admin', permissions: ['admin', 'view'] });
    expect(payload.exp! - Math.floor(payload.iat!)).toBe(600);
    expect(Buffer.from(payload.jti!, 'base64url').length).toBeGreaterThanOrEqual(16);
    await expect(jwtVerify(token, new TextEncoder().encode(SECRET), { issuer: 'jwt-example', audience: 'jwt-example-api' })).resolves.toBeDefined();
    await expect(jwtVerify(token, new TextEncoder().encode(`${SECRET}-other`))).rejects.toThrow();
  });

  it('answers invalid_credentials and invalid_request', async () => {
    expect(await service.login(body({ username: 'kevin', password: 'wrong' }))).toEqual({ status: 401, body: { error: 'invalid_credentials' } });
    expect(await service.login(body({ username: 'kevin', password: 'x'.repeat(2000) }))).toEqual({ status: 401, body: { error: 'invalid_credentials' } });
    for (const raw of ['', '{', '[]', body({ username: 'kevin' }), body({ username: 'kevin', password: 1 })]) {
      expect(await service.login(raw)).toEqual({ status: 400, body: { error: 'invalid_request' } });
    }
    expect(await service.login('x'.repeat(17 * 1024))).toEqual({ status: 413, body: { error: 'invalid_request' } });
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

  it('a password change revokes older tokens of that user and lets a login right after through', async () => {
    const local = await createExampleService(loadConfig({ JWT_SECRET: SECRET }, { defaultPort: 3000 }), { users: await UserStore.create() });
    const login = async (username: string, password: string): Promise<string> => ((await local.login(body({ username, password }))).body as { token: string }).token;
    const verifier = createVerifier<ExampleClaims>(local.auth);
    const before = await login('kevin', 'kevin-password');
    const admin = await login('admin', 'admin-password');
    const claims = (await verifier.verify(before)).payload;

    for (const raw of ['', body({}), body({ newPassword: 5 }), body({ newPassword: '' })]) {
      expect(await local.changePassword(claims, raw)).toEqual({ status: 400, body: { error: 'invalid_request' } });
    }
    await expect(verifier.verify(before)).resolves.toBeDefined();

    expect(await local.changePassword(claims, body({ newPassword: 'brand-new' }))).toEqual({ status: 204 });
    await expect(verifier.verify(before)).rejects.toSatisfy((e) => isJwtError(e, 'ERR_JWT_REVOKED'));
    await expect(verifier.verify(admin)).resolves.toBeDefined();
    expect((await local.login(body({ username: 'kevin', password: 'kevin-password' }))).status).toBe(401);
    const after = await login('kevin', 'brand-new');
    await expect(verifier.verify(after)).resolves.toMatchObject({ payload: { sub: 'kevin' } });
  });

  it('refuses a password change for a subject that is not a user', async () => {
    expect(await service.changePassword({ sub: 'ghost' } as ExampleClaims, body({ newPassword: 'x' }))).toEqual({ status: 404, body: { error: 'unknown_user' } });
  });

  it('accepts only HS256 with the configured secret', async () => {
    const verifier = createVerifier<JwtClaims>(service.auth);
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
    return { local, verifier: createVerifier<ExampleClaims>(local.auth) };
  }

  it('/login answers a pair sharing a sid; /refresh exchanges it once, JWT_REFRESH_TTL sets its lifetime', async () => {
    const { local, verifier } = await fresh();
    const login = pairOf(await local.login(body({ username: 'kevin', password: 'kevin-password' })));
    expect(login.refreshExpiresIn).toBe(3600);
    const sid = (await verifier.verify(login.token)).payload.sid;
    expect(typeof sid).toBe('string');
    expect(decodeUnverified(login.refreshToken).payload).toMatchObject({ sid, sub: 'kevin', aud: 'jwt-example', iss: 'jwt-example' });
    const r = await local.refresh(body({ refreshToken: login.refreshToken }));
    expect(r).toEqual({ status: 200, body: { token: expect.any(String), tokenType: 'Bearer', expiresIn: 900, refreshToken: expect.any(String), refreshExpiresIn: 3600 } });
    expect((await verifier.verify(pairOf(r).token)).payload).toMatchObject({ sid, sub: 'kevin', username: 'kevin', permissions: ['view', 'comment'] });
    // A refresh token is no access token, and the reverse.
    await expect(verifier.verify(login.refreshToken)).rejects.toSatisfy((e) => isJwtError(e, 'ERR_JWT_TYPE_INVALID'));
    expect(await local.refresh(body({ refreshToken: pairOf(r).token }))).toEqual({ status: 401, body: { error: 'invalid_grant' } });
  });

  it('reuse answers invalid_grant and ends the session: refresh and access tokens of it', async () => {
    const { local, verifier } = await fresh();
    const login = pairOf(await local.login(body({ username: 'kevin', password: 'kevin-password' })));
    const other = pairOf(await local.login(body({ username: 'kevin', password: 'kevin-password' })));
    const next = pairOf(await local.refresh(body({ refreshToken: login.refreshToken })));
    expect(await local.refresh(body({ refreshToken: login.refreshToken }))).toEqual({ status: 401, body: { error: 'invalid_grant' } });
    expect(await local.refresh(body({ refreshToken: next.refreshToken }))).toEqual({ status: 401, body: { error: 'invalid_grant' } });
    await expect(verifier.verify(next.token)).rejects.toSatisfy((e) => isJwtError(e, 'ERR_JWT_REVOKED'));
    await expect(verifier.verify(other.token)).resolves.toBeDefined();
    expect((await local.refresh(body({ refreshToken: other.refreshToken }))).status).toBe(200);
  });

  it('logout ends the session; a password change ends every session of the user', async () => {
    const { local, verifier } = await fresh();
    const a = pairOf(await local.login(body({ username: 'kevin', password: 'kevin-password' })));
    const b = pairOf(await local.login(body({ username: 'kevin', password: 'kevin-password' })));
    expect(await local.logout((await verifier.verify(a.token)).payload)).toEqual({ status: 204 });
    expect(await local.refresh(body({ refreshToken: a.refreshToken }))).toEqual({ status: 401, body: { error: 'invalid_grant' } });
    const b2 = pairOf(await local.refresh(body({ refreshToken: b.refreshToken })));
    expect(b2.refreshToken).toEqual(expect.any(String));
    const c = pairOf(await local.login(body({ username: 'admin', password: 'admin-password' })));
    expect(await local.changePassword((await verifier.verify(b2.token)).payload, body({ newPassword: 'brand-new-password' }))).toEqual({ status: 204 });
    expect(await local.refresh(body({ refreshToken: b2.refreshToken }))).toEqual({ status: 401, body: { error: 'invalid_grant' } });
    expect((await local.refresh(body({ refreshToken: c.refreshToken }))).status).toBe(200);
    const after = pairOf(await local.login(body({ username: 'kevin', password: 'brand-new-password' })));
    expect((await local.refresh(body({ refreshToken: after.refreshToken }))).status).toBe(200);
  });

  it('JWT_ISSUER equal to JWT_AUDIENCE still keeps refresh tokens off the access audience', async () => {
    const { local, verifier } = await fresh({ JWT_ISSUER: 'same', JWT_AUDIENCE: 'same' });
    const login = pairOf(await local.login(body({ username: 'kevin', password: 'kevin-password' })));
    expect(decodeUnverified(login.refreshToken).payload.aud).toBe('same#refresh');
    await expect(verifier.verify(login.refreshToken)).rejects.toSatisfy((e) => isJwtError(e, 'ERR_JWT_TYPE_INVALID'));
    expect((await local.refresh(body({ refreshToken: login.refreshToken }))).status).toBe(200);
  });

  it('body rules as for /login', async () => {
    const { local } = await fresh();
    for (const raw of ['', '{', '[]', body({}), body({ refreshToken: 5 })]) expect(await local.refresh(raw)).toEqual({ status: 400, body: { error: 'invalid_request' } });
    expect(await local.refresh('x'.repeat(17 * 1024))).toEqual({ status: 413, body: { error: 'invalid_request' } });
    expect(await local.refresh(body({ refreshToken: 'garbage' }))).toEqual({ status: 401, body: { error: 'invalid_grant' } });
  });
});
