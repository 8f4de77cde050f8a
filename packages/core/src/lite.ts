/**
 * `@jwt/core/lite`: signing and verification for bundles that must stay small (edge functions,
 * browsers). The same checks as the main entry, on keys prepared with secretKey(), importJwk() or
 * generateKeyPair() (or by the main entry: a JwtKey from either entry works in both). Raw key
 * input is refused with ERR_CONFIG_INVALID; PEM, KeyObject, CryptoKey, remote JWKS and JWE are in
 * the main entry only.
 */
export { ALGORITHMS, JWS_ALGORITHMS, isJwsAlgorithm } from './algorithms.js';
export type { AlgorithmFamily, AlgorithmInfo, JwsAlgorithm } from './algorithms.js';
export { backendName } from './backend.js';
export type { BackendName } from './backend.js';
export type { ClaimOptions, JwtClaims } from './claims.js';
export { ERROR_CODES, JwtError, errorDescription, isJwtError } from './errors.js';
export type { JwtErrorCode, JwtErrorOptions } from './errors.js';
export { JwtKey, MIN_RSA_BITS, exportJwk, generateKeyPair, generateSecret, importJwk, isJwtKey, jwkThumbprint, publicKeyOf, secretKey } from './keys.js';
export type { ExportJwkOptions, GenerateKeyPairOptions, ImportKeyOptions, Jwk, KeyKind, KeyType } from './keys.js';
export { JwtKeySet, isKeyProvider, keySet } from './keyset.js';
export type { JwsHeader, KeyProvider } from './keyset.js';
export { createAuthenticator, createSigner, createVerifier, sign, verify } from './prepared.js';
export type {
  PreparedAuthenticatorOptions as AuthenticatorOptions,
  PreparedSignerOptions as SignerOptions,
  PreparedVerifierOptions as VerifierOptions,
} from './prepared.js';
export { randomId } from './sign.js';
export type { IssueOptions, SignOptions, Signer } from './sign.js';
export type { InferOutput, StandardSchemaResult, StandardSchemaV1 } from './standard-schema.js';
export { DEFAULT_MAX_TOKEN_LENGTH, decodeUnverified } from './verify.js';
export type { PreparedVerifyKey as VerifyKey, KeyResolver, RevocationChecker, VerifyOptions, VerifyResult, Verifier } from './verify.js';
export { AUTHENTICATOR_OPTIONS, authErrorResponse, authFailureEvent, reportFailure, extractToken, grantedPermissions, readCookie, requirePermissionsOf } from './http.js';
export type { AuthErrorOptions, AuthErrorResponse, AuthFailureEvent, AuthFailureHook, AuthOutcome, Authenticator, ExtractTokenOptions, PermissionOptions, TokenSource } from './http.js';
export { MemoryRevocationStore, issuedBefore, revocationEntry, revocationWindow, sessionEntry } from './revocation.js';
export type { MemoryRevocationStoreOptions, RevocationRecord, RevocationStore, RevocationWindowOptions } from './revocation.js';
export { assertOptions } from './options.js';
export type { OptionRule, OptionRules } from './options.js';
