export { jwt, requirePermissions } from './middleware.js';
export type { AuthFailure, Env, ErrorHook, JwtOptions, JwtVariables, OptionalEnv, RequirePermissionsOptions } from './middleware.js';
// What a Hono app needs from the core next to the middleware: keys, signing for login routes,
// revocation and errors, so one import is enough.
export {
  JwtError,
  MemoryRevocationStore,
  createSigner,
  generateSecret,
  importKey,
  isJwtError,
  keySet,
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
  RevocationChecker,
  RevocationStore,
  Signer,
  SignerOptions,
  VerifyKey,
} from '@jwt/core';
