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
  importJwk,
  isJwtKey,
  jwkThumbprint,
  publicKeyOf,
  secretKey,
} from './keys.js';
export type { ExportJwkOptions, GenerateKeyPairOptions, ImportKeyOptions, Jwk, KeyKind, KeyType } from './keys.js';
export { importKey } from './import-key.js';
export type { KeyInput, KeyObjectLike } from './import-key.js';
export { JwtKeySet, isKeyProvider, keySet } from './keyset.js';
export type { JwsHeader, KeyProvider } from './keyset.js';
export { KeyRing, isKeyRing, keyRing, thumbprintKid } from './keyring.js';
export type { KeyRingOptions } from './keyring.js';
export { RemoteJwks, discoverJwks, remoteJwks } from './jwks.js';
export type { JwksCacheStore, JwksFetch, RemoteJwksOptions } from './jwks.js';
export { SIGNER_OPTIONS, createSigner, randomId, sign } from './sign.js';
export type { IssueOptions, SignOptions, Signer, SignerOptions } from './sign.js';
export {
  JWE_ALGORITHMS,
  JWE_ENCRYPTIONS,
  JweKey,
  encryptionKey,
  exportEncryptionJwk,
  generateEncryptionKey,
  generateEncryptionKeyPair,
  importEncryptionKey,
  isJweAlgorithm,
  isJweEncryption,
  isJweKey,
  publicEncryptionKeyOf,
} from './jwe-keys.js';
export type { EcdhCurve, EncryptionKeyInput, EncryptionKeyOptions, GenerateEncryptionKeyPairOptions, JweAlgorithm, JweEncryption } from './jwe-keys.js';
export { compactDecrypt, compactEncrypt } from './jwe.js';
export type { CompactDecryptResult, DecryptionOptions, EncryptionOptions, JweHeader } from './jwe.js';
export { createDecryptor, createEncryptor, decrypt, encrypt } from './encrypt.js';
export type { ClaimSettingOptions, DecryptOptions, DecryptResult, Decryptor, DecryptorOptions, EncryptOptions, Encryptor, EncryptorOptions } from './encrypt.js';
export type { InferOutput, StandardSchemaResult, StandardSchemaV1 } from './standard-schema.js';
export { DEFAULT_MAX_TOKEN_LENGTH, createVerifier, decodeUnverified, verify } from './verify.js';
export type { KeyResolver, RevocationChecker, VerifierOptions, VerifyKey, VerifyOptions, VerifyResult, Verifier } from './verify.js';
export { AUTHENTICATOR_OPTIONS, authErrorResponse, authFailureEvent, reportFailure, createAuthenticator, extractToken, grantedPermissions, rawHeaderValues, readCookie, requirePermissionsOf } from './http.js';
export type { AuthErrorOptions, AuthErrorResponse, AuthFailureEvent, AuthFailureHook, AuthOutcome, Authenticator, AuthenticatorOptions, ExtractTokenOptions, PermissionOptions, TokenSource } from './http.js';
export { MemoryRevocationStore, issuedBefore, revocationEntry, revocationWindow, sessionEntry } from './revocation.js';
export type { MemoryRevocationStoreOptions, RevocationRecord, RevocationStore, RevocationWindowOptions } from './revocation.js';
export { MemoryRefreshStore, REFRESH_TOKEN_TYPE, clearRefreshCookie, createRefreshTokens, exchangeRefreshCookie, refreshCookie, refreshErrorResponse } from './refresh.js';
export type {
  AccessTokenOptions,
  MemoryRefreshStoreOptions,
  RefreshCookieAnswer,
  RefreshCookieOptions,
  RefreshCookieRequest,
  RefreshErrorResponse,
  RefreshRotation,
  RefreshStore,
  RefreshTokenOptions,
  RefreshTokens,
  RefreshTokensOptions,
  TokenPair,
} from './refresh.js';
export { assertOptions } from './options.js';
export type { OptionRule, OptionRules } from './options.js';
