/**
 * Refresh tokens on a real `new Hono()`: login setting the refresh cookie, the refresh
 * route rotating it, reuse ending the session for `jwt()`, cross-site and missing cookies, logout
 * removing it, and a refresh token refused by `jwt()` as an access token.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import {
  MemoryRevocationStore,
  clearRefreshCookie,
  createRefreshTokens,
  jwt,
  refreshCookie,
  refreshCookieHandler,
  secretKey,
  type Env,
  type JwtClaims,
} from '../src/index.js';

const key = secretKey('hono-refresh-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABC');

function appWith() {
  const revocation = new MemoryRevocationStore();
  const refresh = createRefreshTokens({ access: { key, issuer: 'auth', audience: 'api', expiresIn: '15m', jwtId: true }, revocation });
  const app = new Hono<Env<JwtClaims & { sid: string }>>();
  const auth = jwt({ key, issuer: 'auth', audience: 'api', revocation });
  app.post('/login', async (c) => {
    const pair = await refresh.issue({ sub: 'kevin' });
    c.header('Set-Cookie', refreshCookie(pair));
    return c.json({ token: pair.accessToken });
  });
  app.post('/refresh', refreshCookieHandler(refresh));
  app.get('/me', auth, (c) => c.json(c.var.jwt));
  app.post('/logout', auth, async (c) => {
    await refresh.endSession(c.var.jwt.sid);
    c.header('Set-Cookie', clearRefreshCookie());
    return c.body(null, 204);
  });
  return app;
}

const cookieOf = (res: Response): string => /^refresh_token=([^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? '';
const post = (app: Hono<never>, path: string, headers: Record<string, string> = {}) => app.request(path, { method: 'POST', headers });

describe('@jwt/hono refresh helpers', () => {
  it('login sets the HttpOnly refresh cookie; the refresh route rotates it and answers the access token', async () => {
    const app = appWith() as unknown as Hono<never>;
    const login = await post(app, '/login');
    expect(login.headers.get('set-cookie')).toMatch(/^refresh_token=[\w-]+\.[\w-]+\.[\w-]+; Path=\/refresh; Max-Age=1209600; HttpOnly; Secure; SameSite=Strict$/);
    const first = cookieOf(login);

    const res = await post(app, '/refresh', { Cookie: `refresh_token=${first}`, 'Sec-Fetch-Site': 'same-origin' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { token: string; tokenType: string; expiresIn: number };
    expect(body).toEqual({ token: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
    const second = cookieOf(res);
    expect(second).not.toBe(first);
    expect(second).not.toBe('');
    expect((await app.request('/me', { headers: { Authorization: `Bearer ${body.token}` } })).status).toBe(200);

    // The first cookie again: reuse. Refused, cookie removed, and the session's access token is dead.
    const reused = await post(app, '/refresh', { Cookie: `refresh_token=${first}` });
    expect(reused.status).toBe(401);
    expect(await reused.json()).toEqual({ error: 'invalid_grant' });
    expect(reused.headers.get('set-cookie')).toBe('refresh_token=; Path=/refresh; Max-Age=0; HttpOnly; Secure; SameSite=Strict');
    const me = await app.request('/me', { headers: { Authorization: `Bearer ${body.token}` } });
    expect(me.status).toBe(401);
    expect(await me.json()).toEqual({ error: 'invalid_token', error_description: 'token revoked' });
    expect((await post(app, '/refresh', { Cookie: `refresh_token=${second}` })).status).toBe(401);
  });

  it('refuses a cross-site request and keeps the token usable; no cookie is 400', async () => {
    const app = appWith() as unknown as Hono<never>;
    const token = cookieOf(await post(app, '/login'));
    const cross = await post(app, '/refresh', { Cookie: `refresh_token=${token}`, 'Sec-Fetch-Site': 'cross-site' });
    expect(cross.status).toBe(401);
    expect(await cross.json()).toEqual({ error: 'invalid_grant' });
    expect(cross.headers.get('set-cookie')).toBeNull();
    const none = await post(app, '/refresh');
    expect(none.status).toBe(400);
    expect(await none.json()).toEqual({ error: 'invalid_request' });
    expect((await post(app, '/refresh', { Cookie: `refresh_token=${token}` })).status).toBe(200);
  });

  it('logout ends the session and removes the cookie; jwt() refuses a refresh token as an access token', async () => {
    const app = appWith() as unknown as Hono<never>;
    const login = await post(app, '/login');
    const rt = cookieOf(login);
    const { token } = (await login.json()) as { token: string };
    const asAccess = await app.request('/me', { headers: { Authorization: `Bearer ${rt}` } });
    expect(asAccess.status).toBe(401);
    expect(await asAccess.json()).toEqual({ error: 'invalid_token', error_description: 'token type invalid' });

    const out = await app.request('/logout', { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toBe('refresh_token=; Path=/refresh; Max-Age=0; HttpOnly; Secure; SameSite=Strict');
    expect((await post(app, '/refresh', { Cookie: `refresh_token=${rt}` })).status).toBe(401);
  });

  it('checks cookie options at construction', () => {
    const refresh = createRefreshTokens({ access: { key, issuer: 'auth', audience: 'api', expiresIn: 60 }, revocation: new MemoryRevocationStore() });
    expect(() => refreshCookieHandler(refresh, { path: 'refresh' })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    expect(() => refreshCookieHandler(refresh, { name: 'a b' })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
  });
});
