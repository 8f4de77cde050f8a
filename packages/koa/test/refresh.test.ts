/**
 * Refresh tokens on a real Koa server: login setting the refresh cookie, the refresh
 * route rotating it, reuse ending the session for `jwt()`, cross-site and missing cookies, logout
 * removing it, and a refresh token refused by `jwt()` as an access token.
 */
import Router from '@koa/router';
import Koa from 'koa';
import { describe, expect, test } from 'vitest';
import {
  MemoryRevocationStore,
  clearRefreshCookie,
  createRefreshTokens,
  jwt,
  refreshCookie,
  refreshCookieHandler,
  secretKey,
  type JwtState,
} from '../src/index.js';
import { AUDIENCE, ISSUER, SECRET, serve } from './helpers.js';

const key = secretKey(SECRET);

async function start() {
  const revocation = new MemoryRevocationStore();
  const refresh = createRefreshTokens({ access: { key, issuer: ISSUER, audience: AUDIENCE, expiresIn: '15m', jwtId: true }, revocation });
  const auth = jwt<{ sub: string; sid: string }>({ key, issuer: ISSUER, audience: AUDIENCE, revocation });
  const router = new Router<JwtState<{ sub: string; sid: string }>>();
  router.post('/login', async (ctx) => {
    const pair = await refresh.issue({ sub: 'kevin' });
    ctx.append('Set-Cookie', refreshCookie(pair));
    ctx.body = { token: pair.accessToken };
  });
  router.post('/refresh', refreshCookieHandler(refresh));
  router.get('/me', auth, (ctx) => {
    ctx.body = ctx.state.user;
  });
  router.post('/logout', auth, async (ctx) => {
    await refresh.endSession(ctx.state.user.sid);
    ctx.append('Set-Cookie', clearRefreshCookie());
    ctx.status = 204;
  });
  const app = new Koa();
  app.use(router.routes());
  const server = await serve(app);
  const call = (path: string, init: { method?: string; headers?: Record<string, string> } = {}) => fetch(`${server.url}${path}`, { method: init.method ?? 'POST', headers: init.headers ?? {} });
  return { call };
}

const cookieOf = (res: Response): string => /^refresh_token=([^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? '';

describe('@jwt/koa refresh helpers', () => {
  test('login sets the HttpOnly refresh cookie; the refresh route rotates it; reuse ends the session', async () => {
    const { call } = await start();
    const login = await call('/login');
    expect(login.headers.get('set-cookie')).toMatch(/^refresh_token=[\w-]+\.[\w-]+\.[\w-]+; Path=\/refresh; Max-Age=1209600; HttpOnly; Secure; SameSite=Strict$/);
    const first = cookieOf(login);

    const res = await call('/refresh', { headers: { Cookie: `refresh_token=${first}`, 'Sec-Fetch-Site': 'same-origin' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { token: string };
    expect(body).toEqual({ token: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
    const second = cookieOf(res);
    expect(second).not.toBe(first);
    expect((await call('/me', { method: 'GET', headers: { Authorization: `Bearer ${body.token}` } })).status).toBe(200);

    const reused = await call('/refresh', { headers: { Cookie: `refresh_token=${first}` } });
    expect(reused.status).toBe(401);
    expect(await reused.json()).toEqual({ error: 'invalid_grant' });
    expect(reused.headers.get('set-cookie')).toBe('refresh_token=; Path=/refresh; Max-Age=0; HttpOnly; Secure; SameSite=Strict');
    const me = await call('/me', { method: 'GET', headers: { Authorization: `Bearer ${body.token}` } });
    expect(me.status).toBe(401);
    expect(await me.json()).toEqual({ error: 'invalid_token', error_description: 'token revoked' });
    expect((await call('/refresh', { headers: { Cookie: `refresh_token=${second}` } })).status).toBe(401);
  });

  test('refuses a cross-site request and keeps the token usable; no cookie is 400', async () => {
    const { call } = await start();
    const token = cookieOf(await call('/login'));
    const cross = await call('/refresh', { headers: { Cookie: `refresh_token=${token}`, 'Sec-Fetch-Site': 'same-site' } });
    expect(cross.status).toBe(401);
    expect(await cross.json()).toEqual({ error: 'invalid_grant' });
    expect(cross.headers.get('set-cookie')).toBeNull();
    const none = await call('/refresh');
    expect(none.status).toBe(400);
    expect(await none.json()).toEqual({ error: 'invalid_request' });
    expect((await call('/refresh', { headers: { Cookie: `refresh_token=${token}` } })).status).toBe(200);
  });

  test('logout ends the session and removes the cookie; jwt() refuses a refresh token as an access token', async () => {
    const { call } = await start();
    const login = await call('/login');
    const rt = cookieOf(login);
    const { token } = (await login.json()) as { token: string };
    const asAccess = await call('/me', { method: 'GET', headers: { Authorization: `Bearer ${rt}` } });
    expect(asAccess.status).toBe(401);
    expect(await asAccess.json()).toEqual({ error: 'invalid_token', error_description: 'token type invalid' });
    const out = await call('/logout', { headers: { Authorization: `Bearer ${token}` } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toBe('refresh_token=; Path=/refresh; Max-Age=0; HttpOnly; Secure; SameSite=Strict');
    expect((await call('/refresh', { headers: { Cookie: `refresh_token=${rt}` } })).status).toBe(401);
  });

  test('checks cookie options at construction', () => {
    const refresh = createRefreshTokens({ access: { key, issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 }, revocation: new MemoryRevocationStore() });
    expect(() => refreshCookieHandler(refresh, { path: '/x;y' })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
  });
});
