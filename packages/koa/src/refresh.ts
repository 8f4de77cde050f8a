/**
 * Refresh tokens on Koa, for the browser case: the refresh token lives in an `HttpOnly; Secure;
 * SameSite=Strict` cookie scoped to the refresh path, set at login and rotated by the refresh
 * route. The core decides everything (`exchangeRefreshCookie`); this file copies its answer onto
 * `ctx`. Clients that hold the refresh token themselves call `refresh.exchange()` in a route of
 * their own.
 */
import { clearRefreshCookie, exchangeRefreshCookie, refreshCookie, type RefreshCookieOptions, type RefreshTokens, type TokenPair } from '@jwt/core';
import type { Context, Middleware } from 'koa';

/**
 * The refresh route: reads the refresh cookie, answers `{ token, tokenType, expiresIn }` with the
 * next refresh token in its cookie, or `401 {"error":"invalid_grant"}` and removes the cookie.
 * Options are checked here, at construction.
 * @example router.post('/refresh', refreshCookieHandler(refresh))
 */
export function refreshCookieHandler(refresh: RefreshTokens, options: RefreshCookieOptions = {}): Middleware {
  clearRefreshCookie(options);
  return async (ctx) => {
    const answer = await exchangeRefreshCookie(refresh, { cookie: ctx.get('Cookie'), secFetchSite: ctx.get('Sec-Fetch-Site') }, options);
    // Token answers must not be cached (RFC 6749 section 5.1).
    ctx.set('Cache-Control', 'no-store');
    if (answer.setCookie !== undefined) ctx.append('Set-Cookie', answer.setCookie);
    ctx.status = answer.status;
    ctx.body = answer.body;
  };
}

/**
 * Puts a pair's refresh token in the refresh cookie (at login); answer the access token yourself.
 * @example const pair = await refresh.issue({ sub: user.id }); setRefreshCookie(ctx, pair); ctx.body = { token: pair.accessToken }
 */
export function setRefreshCookie(ctx: Context, pair: Pick<TokenPair, 'refreshToken' | 'refreshExpiresIn'>, options: RefreshCookieOptions = {}): void {
  ctx.append('Set-Cookie', refreshCookie(pair, options));
}

/**
 * Removes the refresh cookie (at logout, after `refresh.endSession(sid)`).
 * @example deleteRefreshCookie(ctx)
 */
export function deleteRefreshCookie(ctx: Context, options: RefreshCookieOptions = {}): void {
  ctx.append('Set-Cookie', clearRefreshCookie(options));
}
