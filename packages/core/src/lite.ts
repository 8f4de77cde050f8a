/**
 * `@jwt/core/lite`: signing and verification for bundles that must stay small (edge functions,
 * browsers). The same checks as the main entry, on keys prepared with secretKey(), importJwk() or
 * generateKeyPair() (or by the main entry: a JwtKey from either entry works in both). Raw key
 * input is refused with ERR_CONFIG_INVALID; PEM, KeyObject, CryptoKey, remote JWKS and JWE are in
 * the main entry only.
 */
export { ALGORITHMS, JWS_ALGORITHMS, isJwsAlgorithm } from './common/algorithms.js';
export type { AlgorithmFamily, AlgorithmInfo, JwsAlgorithm } from './common/algorithms.js';
export { backendName } from './common/backend.js';
export type { BackendName } from './common/backend.js';
export type { ClaimOptions, JwtClaims } from './jws/claims.js';
export { ERROR_CODES, JwtError, errorDescription, isJwtError } from './common/errors.js';
export type { JwtErrorCode, JwtErrorOptions } from './common/errors.js';
export { JwtKey, MIN_RSA_BITS, exportJwk, generateKeyPair, generateSecret, importJwk, isJwtKey, jwkThumbprint, publicKeyOf, secretKey } from './keys/keys.js';
export type { ExportJwkOptions, GenerateKeyPairOptions, ImportKeyOptions, Jwk, KeyKind, KeyType } from './keys/keys.js';
export { JwtKeySet, isKeyProvider, keySet } from './keys/keyset.js';
export type { JwsHeader, KeyProvider } from './keys/keyset.js';
export { createAuthenticator, createSigner, createVerifier, sign, verify } from './jws/prepared.js';
export type {
  PreparedAuthenticatorOptions as AuthenticatorOptions,
  PreparedSignerOptions as SignerOptions,
  PreparedVerifierOptions as VerifierOptions,
} from './jws/prepared.js';
export { randomId } from './jws/sign.js';
export type { IssueOptions, SignOptions, Signer } from './jws/sign.js';
export type { InferOutput, StandardSchemaResult, StandardSchemaV1 } from './common/standard-schema.js';
export { DEFAULT_MAX_TOKEN_LENGTH, decodeUnverified } from './jws/verify.js';
export type { PreparedVerifyKey as VerifyKey, KeyResolver, RevocationChecker, VerifyOptions, VerifyResult, Verifier } from './jws/verify.js';
export { AUTHENTICATOR_OPTIONS, authErrorResponse, authFailureEvent, reportFailure, extractToken, grantedPermissions, readCookie, requirePermissionsOf } from './http/http.js';
export type { AuthErrorOptions, AuthErrorResponse, AuthFailureEvent, AuthFailureHook, AuthOutcome, Authenticator, ExtractTokenOptions, PermissionOptions, TokenSource } from './http/http.js';
export { MemoryRevocationStore, issuedBefore, revocationEntry, revocationWindow, sessionEntry } from './revocation/revocation.js';
export type { MemoryRevocationStoreOptions, RevocationRecord, RevocationStore, RevocationWindowOptions } from './revocation/revocation.js';
export { assertOptions } from './common/options.js';
export type { OptionRule, OptionRules } from './common/options.js';
