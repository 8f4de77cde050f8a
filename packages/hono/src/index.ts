import { clearRefreshCookie, createAuthenticator, exchangeRefreshCookie, type RefreshCookieOptions, type RefreshTokens } from '@jwt/core';
import type { Handler } from 'hono';
import { jwtMiddleware, type JwtMiddleware } from './middleware.js';

/**
 * Verifies the request's token and puts its claims on `c.var.jwt`. Takes every key form of
 * `@jwt/core` (see `@jwt/hono/lite` for the smaller bundle that takes prepared keys only).
 * @example
 * app.use('/api/*', jwt({ key: secretKey(env.JWT_SECRET), algorithms: ['HS256'], issuer: 'auth', audience: 'api' }))
 */
export const jwt: JwtMiddleware = /* @__PURE__ */ jwtMiddleware(createAuthenticator);
export { requirePermissions } from './middleware.js';
export type { AuthFailure, Env, ErrorHook, JwtMiddleware, JwtOptions, JwtVariables, OptionalEnv, RequirePermissionsOptions } from './middleware.js';
/**
 * The refresh route for browsers (refresh token in an HttpOnly cookie): `exchangeRefreshCookie`'s answer as Hono's response.
 * @example app.post('/refresh', refreshCookieHandler(refresh))
 */
export function refreshCookieHandler(refresh: RefreshTokens, options: RefreshCookieOptions = {}): Handler {
  clearRefreshCookie(options); // a bad cookie name or path throws here, not at the first request
  return (c) => exchangeRefreshCookie(refresh, { cookie: c.req.header('Cookie'), secFetchSite: c.req.header('Sec-Fetch-Site') }, options).then((a) => c.json(a.body, a.status, a.headers));
}
// What a Hono app needs from the core next to the middleware: keys, signing for login routes,
// revocation and errors, so one import is enough.
export { JwtError, MemoryRevocationStore, createSigner, generateSecret, importKey, isJwtError, keySet, remoteJwks, secretKey, sign } from '@jwt/core';
export type { AuthErrorResponse, JwsAlgorithm, JwtClaims, JwtErrorCode, JwtKey, KeyProvider, PermissionOptions } from '@jwt/core';
export type { RevocationChecker, RevocationStore, Signer, SignerOptions, VerifyKey } from '@jwt/core';
export { MemoryRefreshStore, clearRefreshCookie, createRefreshTokens, refreshCookie, refreshErrorResponse, type RefreshCookieOptions, type RefreshStore, type RefreshTokens, type RefreshTokensOptions, type TokenPair } from '@jwt/core';
