/**
 * `@jwt/hono/lite`: the same `jwt()` and `requirePermissions()` middleware, built on
 * `@jwt/core/lite` for edge bundles that must stay small. Keys are prepared ones (`secretKey()`,
 * `importJwk()`, a key set, a resolver, or any key or provider made with `@jwt/core`); raw key
 * input is refused when `jwt()` is called.
 */
import { createAuthenticator, type JwtClaims, type VerifyKey } from '@jwt/core/lite';
import { jwtMiddleware, type JwtMiddleware, type JwtOptions as AnyJwtOptions } from './middleware.js';

/**
 * Verifies the request's token and puts its claims on `c.var.jwt`, with a prepared key.
 * @example
 * app.use('/api/*', jwt({ key: secretKey(env.JWT_SECRET), algorithms: ['HS256'], issuer: 'auth', audience: 'api' }))
 */
export const jwt: JwtMiddleware<VerifyKey> = /* @__PURE__ */ jwtMiddleware<VerifyKey>(createAuthenticator);
/** The options of `jwt()`: those of `@jwt/hono`, with a prepared key. */
export type JwtOptions<T = JwtClaims> = AnyJwtOptions<T, VerifyKey>;
export { requirePermissions } from './middleware.js';
export type { AuthFailure, Env, ErrorHook, JwtMiddleware, JwtVariables, OptionalEnv, RequirePermissionsOptions } from './middleware.js';
// What an edge app needs from the core next to the middleware, so one import is enough.
export { JwtError, createSigner, generateSecret, importJwk, isJwtError, keySet, secretKey, sign } from '@jwt/core/lite';
export type { Jwk, JwsAlgorithm, JwtClaims, JwtErrorCode, JwtKey, KeyProvider, PermissionOptions, RevocationChecker, Signer, SignerOptions, VerifyKey } from '@jwt/core/lite';
