export { ALGORITHMS, JWS_ALGORITHMS, isJwsAlgorithm } from './algorithms.js';
export type { AlgorithmFamily, AlgorithmInfo, JwsAlgorithm } from './algorithms.js';
export { backendName } from './backend.js';
export type { BackendName } from './backend.js';
export type { ClaimOptions, JwtClaims } from './claims.js';
export { ERROR_CODES, JwtError, errorDescription, isJwtError } from './errors.js';
export type { JwtErrorCode, JwtErrorOptions } from './errors.js';
export { JWT, unixTime } from './jwt.js';
export {
  JwtKey,
  MIN_RSA_BITS,
  exportJwk,
  generateKeyPair,
  generateSecret,
  importKey,
  isJwtKey,
  jwkThumbprint,
  publicKeyOf,
  secretKey,
} from './keys.js';
export type { ExportJwkOptions, GenerateKeyPairOptions, ImportKeyOptions, Jwk, KeyInput, KeyKind, KeyObjectLike, KeyType } from './keys.js';
export { JwtKeySet, isKeyProvider, keySet } from './keyset.js';
export type { JwsHeader, KeyProvider } from './keyset.js';
export { createSigner, randomId, sign } from './sign.js';
export type { SignOptions, Signer, SignerOptions } from './sign.js';
export type { InferOutput, StandardSchemaResult, StandardSchemaV1 } from './standard-schema.js';
export { DEFAULT_MAX_TOKEN_LENGTH, createVerifier, decodeUnverified, verify } from './verify.js';
export type { KeyResolver, RevocationChecker, VerifierOptions, VerifyKey, VerifyOptions, VerifyResult, Verifier } from './verify.js';
export { authErrorResponse, createAuthenticator, extractToken, grantedPermissions, readCookie, requirePermissionsOf } from './http.js';
export type { AuthErrorOptions, AuthErrorResponse, AuthOutcome, Authenticator, AuthenticatorOptions, ExtractTokenOptions, PermissionOptions, TokenSource } from './http.js';
export { MemoryRevocationStore, issuedBefore, revocationEntry } from './revocation.js';
export type { MemoryRevocationStoreOptions, RevocationStore } from './revocation.js';
