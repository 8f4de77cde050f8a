export { jwt } from './jwt.js';
export type { JwtOptions, JwtState, OptionalJwtState, UnlessOptions } from './jwt.js';
export { requirePermissions } from './permissions.js';
export type { RequirePermissionsOptions } from './permissions.js';
export { JwtHttpError } from './errors.js';
export { refreshCookieHandler } from './refresh.js';
// What a Koa app needs besides the middleware, so one import is enough.
export { JwtError, MemoryRevocationStore, createSigner, importKey, isJwtError, keySet, remoteJwks, secretKey } from '@jwt/core';
export { MemoryRefreshStore, clearRefreshCookie, createRefreshTokens, refreshCookie, refreshErrorResponse } from '@jwt/core';
export type { JwtClaims, JwtErrorCode, PermissionOptions, RevocationStore, Signer, VerifyKey } from '@jwt/core';
export type { RefreshCookieOptions, RefreshStore, RefreshTokens, RefreshTokensOptions, TokenPair } from '@jwt/core';
