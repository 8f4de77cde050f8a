/**
 * JwtRefreshService on a real Nest application, on Express and on Fastify: configured by
 * JwtAuthModule (the module's key, signOptions and revocation store), the pair at login, rotation,
 * reuse answered 401 invalid_grant and ending the session for the module's own guard, logout, a
 * refresh token refused by the guard, and configuration mistakes stopping the bootstrap.
 */
import { Body, Controller, Get, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MemoryRevocationStore, secretKey, type JwtClaims } from '@jwt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Claims, JwtAuthModule, JwtRefreshService, Public } from '../src/index.js';
import { bearer, call, invalidToken, PLATFORMS, REALM, startApp, type RunningApp } from './harness.js';

const key = secretKey('nest-refresh-secret-0123456789-abcdefghijklmnopqrstuvwxyz-AB');

@Controller()
class SessionController {
  constructor(private readonly refresh: JwtRefreshService) {}

  @Public()
  @Post('login')
  login(@Body() body: { sub: string }) {
    return this.refresh.issue({ sub: body.sub, permissions: ['view'] });
  }

  @Public()
  @Post('refresh')
  exchange(@Body() body: { refreshToken: string }) {
    return this.refresh.exchange(body.refreshToken);
  }

  @Post('logout')
  async logout(@Claims() claims: JwtClaims & { sid: string }) {
    await this.refresh.endSession(claims.sid);
    return { ok: true };
  }

  @Get('me')
  me(@Claims() claims: JwtClaims) {
    return claims;
  }
}

const post = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(url, path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const GRANT = { status: 401, body: JSON.stringify({ error: 'invalid_grant' }) };

interface Pair {
  accessToken: string;
  refreshToken: string;
  sid: string;
}

describe.each(PLATFORMS)('JwtRefreshService on %s', (platform) => {
  let server: RunningApp;

  beforeAll(async () => {
    server = await startApp(platform, {
      imports: [
        JwtAuthModule.forRoot({
          key,
          issuer: 'auth',
          audience: 'api',
          realm: REALM,
          revocation: new MemoryRevocationStore(),
          signOptions: { expiresIn: '15m', jwtId: true },
          refresh: { refresh: { expiresIn: '1d' } },
          globalGuard: true,
        }),
      ],
      controllers: [SessionController],
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const login = async (): Promise<Pair> => JSON.parse((await post(server.url, '/login', { sub: 'kevin' })).body) as Pair;

  it('login answers the pair; refresh rotates it; the access tokens pass the module guard', async () => {
    const first = await login();
    expect(first).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, refreshExpiresIn: 86400, sid: expect.any(String) });
    const me = await call(server.url, '/me', bearer(first.accessToken));
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({ sub: 'kevin', sid: first.sid, iss: 'auth', aud: 'api' });
    const answer = await post(server.url, '/refresh', { refreshToken: first.refreshToken });
    expect(answer.status).toBe(201);
    const second = JSON.parse(answer.body) as Pair;
    expect(second.sid).toBe(first.sid);
    expect((await call(server.url, '/me', bearer(second.accessToken))).status).toBe(200);
  });

  it('reuse answers 401 invalid_grant and ends the session for the guard', async () => {
    const first = await login();
    const other = await login();
    const second = JSON.parse((await post(server.url, '/refresh', { refreshToken: first.refreshToken })).body) as Pair;
    const reused = await post(server.url, '/refresh', { refreshToken: first.refreshToken });
    expect({ status: reused.status, body: reused.body }).toEqual(GRANT);
    const again = await post(server.url, '/refresh', { refreshToken: second.refreshToken });
    expect({ status: again.status, body: again.body }).toEqual(GRANT);
    const me = await call(server.url, '/me', bearer(second.accessToken));
    expect({ status: me.status, body: me.body, wwwAuthenticate: me.wwwAuthenticate }).toEqual(invalidToken('token revoked'));
    expect((await call(server.url, '/me', bearer(other.accessToken))).status).toBe(200);
  });

  it('logout ends the session; the guard refuses a refresh token as an access token; garbage is invalid_grant', async () => {
    const pair = await login();
    const asAccess = await call(server.url, '/me', bearer(pair.refreshToken));
    expect({ status: asAccess.status, body: asAccess.body, wwwAuthenticate: asAccess.wwwAuthenticate }).toEqual(invalidToken('token type invalid'));
    expect((await post(server.url, '/logout', {}, { authorization: `Bearer ${pair.accessToken}` })).status).toBe(201);
    const after = await post(server.url, '/refresh', { refreshToken: pair.refreshToken });
    expect({ status: after.status, body: after.body }).toEqual(GRANT);
    for (const refreshToken of [pair.accessToken, 'garbage', 42]) {
      const r = await post(server.url, '/refresh', { refreshToken });
      expect({ status: r.status, body: r.body }).toEqual(GRANT);
    }
  });
});

describe('JwtAuthModule refresh configuration', () => {
  const compile = (options: Parameters<typeof JwtAuthModule.forRoot>[0]) =>
    Test.createTestingModule({ imports: [JwtAuthModule.forRoot(options)] })
      .compile()
      .then((m) => m.get(JwtRefreshService));

  it('stops the bootstrap on a mistake: no revocation store, no access lifetime', async () => {
    await expect(compile({ key, issuer: 'auth', audience: 'api', signOptions: { expiresIn: 60 }, refresh: {} })).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' });
    await expect(compile({ key, issuer: 'auth', audience: 'api', revocation: new MemoryRevocationStore(), refresh: {} })).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' });
  });

  it('builds with the mistakes fixed; without the option the service refuses to work', async () => {
    const service = await compile({ key, issuer: 'auth', audience: 'api', revocation: new MemoryRevocationStore(), refresh: { access: { expiresIn: 60 } } });
    expect((await service.issue({ sub: 'kevin' })).expiresIn).toBe(60);
    const bare = await compile({ key, issuer: 'auth', audience: 'api' });
    await expect(bare.issue({ sub: 'kevin' })).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' });
  });

  it('the refresh option goes through the options check: a misspelt name, an unset value', async () => {
    const revocation = new MemoryRevocationStore();
    const refused = (options: unknown, message: RegExp) =>
      expect(compile(options as Parameters<typeof JwtAuthModule.forRoot>[0])).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(message) });
    await refused({ key, issuer: 'auth', audience: 'api', revocation, refersh: { access: { expiresIn: 60 } } }, /JwtAuthModule: unknown option "refersh" \(did you mean "refresh"\?\)/);
    await refused({ key, issuer: 'auth', audience: 'api', revocation, refresh: undefined }, /JwtAuthModule: refresh is undefined/);
    await refused({ key, issuer: 'auth', audience: 'api', revocation, refresh: { access: { expiresIn: 60 }, absoluteLifetme: '30d' } }, /unknown option "absoluteLifetme" \(did you mean "absoluteLifetime"\?\)/);
    await refused({ key, issuer: 'auth', audience: 'api', revocation, refresh: { access: { expiresin: 60 } } }, /unknown option "expiresin" \(did you mean "expiresIn"\?\)/);
    const service = await compile({ key, issuer: 'auth', audience: 'api', revocation, refresh: { access: { expiresIn: 60 }, absoluteLifetime: '30d' } });
    expect((await service.issue({ sub: 'kevin' })).expiresIn).toBe(60);
  });
});
