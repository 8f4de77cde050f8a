import { clearRefreshCookie, exchangeRefreshCookie, type RefreshCookieOptions, type RefreshTokens } from '@jwt/core';
import type { Middleware } from 'koa';

/**
 * The refresh route for browsers, whose refresh token lives in an HttpOnly cookie: the core's
 * `exchangeRefreshCookie` answer (the next cookie, or 401 `invalid_grant`) written to `ctx`.
 * @example router.post('/refresh', refreshCookieHandler(refresh))
 */
export function refreshCookieHandler(refresh: RefreshTokens, options: RefreshCookieOptions = {}): Middleware {
  clearRefreshCookie(options); // a bad cookie name or path throws here, not at the first request
  return async (ctx) => {
    const answer = await exchangeRefreshCookie(refresh, { cookie: ctx.get('Cookie'), secFetchSite: ctx.get('Sec-Fetch-Site') }, options);
    ctx.set(answer.headers);
    ctx.status = answer.status;
    ctx.body = answer.body;
  };
}
