import { createAuthenticator } from '@jwt/core';
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
export { deleteRefreshCookie, refreshCookieHandler, setRefreshCookie } from './refresh.js';
// What a Hono app needs from the core next to the middleware: keys, signing for login routes,
// revocation and errors, so one import is enough.
export {
  JwtError,
  MemoryRefreshStore,
  MemoryRevocationStore,
  createRefreshTokens,
  createSigner,
  generateSecret,
  importKey,
  isJwtError,
  keySet,
  refreshErrorResponse,
  remoteJwks,
  secretKey,
  sign,
} from '@jwt/core';
export type {
  AuthErrorResponse,
  JwsAlgorithm,
  JwtClaims,
  JwtErrorCode,
  JwtKey,
  KeyProvider,
  PermissionOptions,
  RefreshCookieOptions,
  RefreshStore,
  RefreshTokens,
  RefreshTokensOptions,
  RevocationChecker,
  RevocationStore,
  Signer,
  SignerOptions,
  TokenPair,
  VerifyKey,
} from '@jwt/core';
