export { Claims, Public, RequireAnyPermission, RequirePermissions } from './decorators.js';
export type { AuthenticatedRequest, PermissionRequirement } from './decorators.js';
export { JwtForbiddenException, JwtUnauthorizedException, isJwtAuthException } from './exceptions.js';
export type { JwtAuthFailure } from './exceptions.js';
export { JwtAuthGuard } from './guard.js';
export { JwtAuthModule } from './module.js';
export type { ExactJwtAuthOptions, JwtAuthModuleAsyncOptions, JwtAuthModuleExtras } from './module.js';
export { JWT_AUTH_OPTIONS } from './options.js';
export type { JwtAuthOptions } from './options.js';
export { JwtSignerService } from './signer.js';
export { JwtRefreshException, JwtRefreshService } from './refresh.js';
export type { JwtRefreshOptions } from './refresh.js';
// The core pieces a Nest application needs next to the module, so one import is enough.
export { JwtError, MemoryRevocationStore, generateKeyPair, importKey, isJwtError, keyRing, keySet, remoteJwks, secretKey } from '@jwt/core';
export type { JwtClaims, JwtErrorCode, JwtKey, RevocationStore, SignOptions } from '@jwt/core';
export { MemoryRefreshStore } from '@jwt/core';
export type { RefreshStore, TokenPair } from '@jwt/core';
