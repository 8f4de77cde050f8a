/**
 * The contract's refresh-token rows (`POST /refresh`, the pair `/login` answers, the `sid` claim,
 * what `/logout` and `/password` end), black-box over HTTP against its own app process, so that the
 * sessions it ends and the passwords it changes touch no other suite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from './app.js';
import { bearer, request, type Reply, type RequestOptions } from './http.js';
import { AUDIENCE, ISSUER, decode, tokenParts } from './tokens.js';

export interface RefreshSuiteOptions {
  /** The app's package name, a devDependency of this package: `hono-example`, `koa-example`, ... */
  app: string;
}

interface Pair {
  token: string;
  tokenType: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
}

const KEVIN = { username: 'kevin', password: 'kevin-password' };
const ADMIN = { username: 'admin', password: 'admin-password' };
const INVALID_GRANT = JSON.stringify({ error: 'invalid_grant' });

const post = (body: string, headers: Record<string, string> = {}): RequestOptions => ({ method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });

function expectPair(reply: Reply, ttl = 900, refreshTtl = 1_209_600): Pair {
  expect(reply.status, reply.text).toBe(200);
  expect(reply.headers.get('content-type')).toMatch(/^application\/json\b/);
  const body = JSON.parse(reply.text) as Pair;
  expect(Object.keys(body)).toEqual(['token', 'tokenType', 'expiresIn', 'refreshToken', 'refreshExpiresIn']);
  expect(body).toEqual({ token: expect.any(String), tokenType: 'Bearer', expiresIn: ttl, refreshToken: expect.any(String), refreshExpiresIn: refreshTtl });
  expect(body.refreshToken).not.toBe(body.token);
  return body;
}

/** `401 {"error":"invalid_grant"}` to the byte, and nothing of the token sent in it. */
function expectInvalidGrant(reply: Reply, sent?: string): void {
  expect({ status: reply.status, text: reply.text }).toEqual({ status: 401, text: INVALID_GRANT });
  expect(reply.headers.get('content-type')).toMatch(/^application\/json\b/);
  if (sent !== undefined) for (const part of tokenParts(sent)) expect(reply.text.includes(part)).toBe(false);
}

function expectRevoked(reply: Reply): void {
  expect({ status: reply.status, text: reply.text }).toEqual({ status: 401, text: JSON.stringify({ error: 'invalid_token', error_description: 'token revoked' }) });
}

function client(getApp: () => RunningApp) {
  const call = (path: string, options?: RequestOptions): Promise<Reply> => request(getApp().url, path, options);
  const login = async (user = KEVIN): Promise<Pair> => JSON.parse((await call('/login', post(JSON.stringify(user)))).text) as Pair;
  const refresh = (refreshToken: string): Promise<Reply> => call('/refresh', post(JSON.stringify({ refreshToken })));
  const me = (token: string): Promise<Reply> => call('/me', { headers: bearer(token) });
  return { call, login, refresh, me };
}

/**
 * Registers the `/refresh` rules of the contract for one app.
 * @example runRefreshSuite({ app: 'hono-example' })
 */
export function runRefreshSuite(options: RefreshSuiteOptions): void {
  const { app: appName } = options;

  describe(`${appName}: refresh tokens (POST /refresh)`, () => {
    let app: RunningApp;
    const { call, login, refresh, me } = client(() => app);

    beforeAll(async () => {
      app = await startApp({ app: appName, timeoutMs: 40_000 });
    }, 60_000);
    afterAll(async () => {
      await app?.stop('SIGKILL');
    });

    it('/login answers the pair; both tokens carry one sid; /refresh answers a new pair of the same session', async () => {
      const first = expectPair(await call('/login', post(JSON.stringify(KEVIN))));
      const { payload } = decode(first.token);
      expect(payload).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: 'kevin', sid: expect.any(String) });
      expect(String(payload.sid).length).toBeGreaterThanOrEqual(22);

      const second = expectPair(await refresh(first.refreshToken));
      expect(second.token).not.toBe(first.token);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      const next = decode(second.token).payload as Record<string, unknown>;
      expect(next).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: 'kevin', username: 'kevin', permissions: ['view', 'comment'], sid: payload.sid });
      expect((next.exp as number) - Math.floor(next.iat as number)).toBe(900);
      expect(next.jti).not.toBe(payload.jti);
      const claims = JSON.parse((await me(second.token)).text) as Record<string, unknown>;
      expect(claims).toMatchObject({ sub: 'kevin', sid: payload.sid });
      // And on: each new refresh token is good exactly once.
      expectPair(await refresh(second.refreshToken));
      // Another login is another session.
      expect(decode((await login()).token).payload.sid).not.toBe(payload.sid);
    });

    it('reuse of a used refresh token: invalid_grant, and the whole session ends (refresh and access tokens)', async () => {
      const first = await login();
      const bystander = await login();
      const second = expectPair(await refresh(first.refreshToken));
      expect((await me(second.token)).status).toBe(200);

      expectInvalidGrant(await refresh(first.refreshToken), first.refreshToken);
      expectInvalidGrant(await refresh(second.refreshToken), second.refreshToken);
      expectRevoked(await me(second.token));
      expectRevoked(await me(first.token));
      // Another session of the same user goes on.
      expect((await me(bystander.token)).status).toBe(200);
      expectPair(await refresh(bystander.refreshToken));
    });

    it('of concurrent /refresh calls with the same token at most one succeeds', async () => {
      const pair = await login();
      const replies = await Promise.all(Array.from({ length: 5 }, () => refresh(pair.refreshToken)));
      const won = replies.filter((r) => r.status === 200);
      expect(won.length).toBeLessThanOrEqual(1);
      for (const r of replies) if (r.status !== 200) expectInvalidGrant(r, pair.refreshToken);
      // The duplicates were reuse: the session is over, the winner's pair with it.
      for (const r of won) expectRevoked(await me((JSON.parse(r.text) as Pair).token));
    });

    it('/logout ends the refresh family of that login, and only it', async () => {
      const pair = await login();
      const refreshed = expectPair(await refresh(pair.refreshToken));
      const other = await login();
      expect((await call('/logout', { method: 'POST', headers: bearer(refreshed.token) })).status).toBe(204);
      expectInvalidGrant(await refresh(refreshed.refreshToken));
      expectRevoked(await me(refreshed.token));
      expectPair(await refresh(other.refreshToken));
    });

    it('a password change ends every refresh family of that user; a login with the new password refreshes', async () => {
      const before = await login(ADMIN);
      const refreshed = expectPair(await refresh(before.refreshToken));
      const kevin = await login(KEVIN);
      const change = await call('/password', post(JSON.stringify({ currentPassword: ADMIN.password, newPassword: 'admin-new-password' }), bearer(refreshed.token)));
      expect(change.status, change.text).toBe(204);
      expectInvalidGrant(await refresh(refreshed.refreshToken));
      expectPair(await refresh(kevin.refreshToken));
      const after = await login({ username: 'admin', password: 'admin-new-password' });
      expectPair(await refresh(after.refreshToken));
    });

    it('a refresh token is never accepted as an access token: 401 invalid_token', async () => {
      const pair = await login();
      const reply = await me(pair.refreshToken);
      expect(reply.status).toBe(401);
      expect(JSON.parse(reply.text)).toMatchObject({ error: 'invalid_token' });
      expect((await call('/me', { headers: { Cookie: `access_token=${pair.refreshToken}` } })).status).toBe(401);
      expect((await call('/logout', { method: 'POST', headers: bearer(pair.refreshToken) })).status).toBe(401);
      // The refusal did not use it up, and the access token of the pair is good.
      expect((await me(pair.token)).status).toBe(200);
      expectPair(await refresh(pair.refreshToken));
    });

    it('an access token, a tampered, truncated or garbage refresh token: invalid_grant, never a new pair', async () => {
      const pair = await login();
      const [h, p, s] = pair.refreshToken.split('.') as [string, string, string];
      const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
      const otherSub = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'admin' })).toString('base64url')}.${s}`;
      for (const bad of [pair.token, flipped, otherSub, `${h}.${p}`, 'garbage', '', 'a.b.c', 'x'.repeat(9000)]) {
        expectInvalidGrant(await refresh(bad), bad.length > 3 ? bad : undefined);
      }
      // None of it touched the real session.
      expectPair(await refresh(pair.refreshToken));
    });

    it('body rules as for /login: 400 invalid_request, 415 not JSON, 413 over 16 KiB', async () => {
      for (const body of ['', 'refreshToken=abc', '{"refreshToken":', '[]', '{}', '{"refreshToken":42}', '{"refreshToken":null}', '{"__proto__":{"refreshToken":"x"}}']) {
        const reply = await call('/refresh', post(body));
        expect({ body, status: reply.status, text: reply.text }).toEqual({ body, status: 400, text: JSON.stringify({ error: 'invalid_request' }) });
      }
      const plain = await call('/refresh', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{"refreshToken":"x"}' });
      expect({ status: plain.status, text: plain.text }).toEqual({ status: 415, text: JSON.stringify({ error: 'unsupported_media_type' }) });
      const big = await call('/refresh', post(JSON.stringify({ refreshToken: 'x'.repeat(17 * 1024) })));
      expect({ status: big.status, text: big.text }).toEqual({ status: 413, text: JSON.stringify({ error: 'invalid_request' }) });
    });

    describe('JWT_REFRESH_TTL', () => {
      let short: RunningApp;
      beforeAll(async () => {
        short = await startApp({ app: appName, env: { JWT_REFRESH_TTL: '2', JWT_CLOCK_TOLERANCE: '0' }, timeoutMs: 40_000 });
      }, 60_000);
      afterAll(async () => {
        await short?.stop('SIGKILL');
      });

      it('sets the refresh lifetime; an expired refresh token is invalid_grant', async () => {
        const reply = await request(short.url, '/login', post(JSON.stringify(KEVIN)));
        const pair = expectPair(reply, 900, 2);
        const issuedAt = Math.floor(decode(pair.token).payload.iat as number);
        // Waits past the expiry (no timing is asserted): the token is then refused.
        while (Date.now() / 1000 < issuedAt + pair.refreshExpiresIn + 1) await new Promise((r) => setTimeout(r, 100));
        expectInvalidGrant(await request(short.url, '/refresh', post(JSON.stringify({ refreshToken: pair.refreshToken }))));
      });

      it('refuses a bad value at start', async () => {
        await expect(startApp({ app: appName, env: { JWT_REFRESH_TTL: '0' } })).rejects.toThrow(/JWT_REFRESH_TTL/);
      });
    });
  });
}
