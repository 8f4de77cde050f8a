/**
 * Refresh tokens on Hono, for the browser case: the refresh token lives in an `HttpOnly; Secure;
 * SameSite=Strict` cookie scoped to the refresh path, set at login and rotated by the refresh
 * route. The core decides everything (`exchangeRefreshCookie`); this file copies its answer into
 * Hono's response. Clients that hold the refresh token themselves call `refresh.exchange()` in a
 * route of their own.
 */
import { clearRefreshCookie, exchangeRefreshCookie, refreshCookie, type RefreshCookieOptions, type RefreshTokens, type TokenPair } from '@jwt/core';
import type { Context, Handler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The refresh route: reads the refresh cookie, answers `{ token, tokenType, expiresIn }` with the
 * next refresh token in its cookie, or `401 {"error":"invalid_grant"}` and removes the cookie.
 * Options are checked here, at construction.
 * @example app.post('/refresh', refreshCookieHandler(refresh))
 */
export function refreshCookieHandler(refresh: RefreshTokens, options: RefreshCookieOptions = {}): Handler {
  clearRefreshCookie(options);
  return async (c) => {
    const answer = await exchangeRefreshCookie(refresh, { cookie: c.req.header('Cookie'), secFetchSite: c.req.header('Sec-Fetch-Site') }, options);
    // Token answers must not be cached (RFC 6749 section 5.1).
    c.header('Cache-Control', 'no-store');
    if (answer.setCookie !== undefined) c.header('Set-Cookie', answer.setCookie, { append: true });
    return c.json(answer.body, answer.status as ContentfulStatusCode);
  };
}

/**
 * Puts a pair's refresh token in the refresh cookie (at login); answer the access token yourself.
 * @example const pair = await refresh.issue({ sub: user.id }); setRefreshCookie(c, pair); return c.json({ token: pair.accessToken })
 */
export function setRefreshCookie(c: Context, pair: Pick<TokenPair, 'refreshToken' | 'refreshExpiresIn'>, options: RefreshCookieOptions = {}): void {
  c.header('Set-Cookie', refreshCookie(pair, options), { append: true });
}

/**
 * Removes the refresh cookie (at logout, after `refresh.endSession(sid)`).
 * @example deleteRefreshCookie(c)
 */
export function deleteRefreshCookie(c: Context, options: RefreshCookieOptions = {}): void {
  c.header('Set-Cookie', clearRefreshCookie(options), { append: true });
}
