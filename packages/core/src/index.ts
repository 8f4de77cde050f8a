export { ALGORITHMS, JWS_ALGORITHMS, isJwsAlgorithm } from './common/algorithms.js';
export type { AlgorithmFamily, AlgorithmInfo, JwsAlgorithm } from './common/algorithms.js';
export { backendName } from './common/backend.js';
export type { BackendName } from './common/backend.js';
export type { ClaimOptions, JwtClaims } from './jws/claims.js';
export { ERROR_CODES, JwtError, errorDescription, isJwtError } from './common/errors.js';
export type { JwtErrorCode, JwtErrorOptions } from './common/errors.js';
export { JWT, unixTime } from './jwt-km.js';
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
} from './keys/keys.js';
export type { ExportJwkOptions, GenerateKeyPairOptions, ImportKeyOptions, Jwk, KeyKind, KeyType } from './keys/keys.js';
export { importKey } from './keys/import-key.js';
export type { KeyInput, KeyObjectLike } from './keys/import-key.js';
export { JwtKeySet, isKeyProvider, keySet } from './keys/keyset.js';
export type { JwsHeader, KeyProvider } from './keys/keyset.js';
export { KeyRing, isKeyRing, keyRing, thumbprintKid } from './keys/keyring.js';
export type { KeyRingOptions } from './keys/keyring.js';
export { RemoteJwks, discoverJwks, remoteJwks } from './jwks/jwks.js';
export type { JwksCacheStore, JwksFetch, RemoteJwksOptions } from './jwks/jwks.js';
export { SIGNER_OPTIONS, createSigner, randomId, sign } from './jws/sign.js';
export type { IssueOptions, SignOptions, Signer, SignerOptions } from './jws/sign.js';
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
} from './jwe/jwe-keys.js';
export type { EcdhCurve, EncryptionKeyInput, EncryptionKeyOptions, GenerateEncryptionKeyPairOptions, JweAlgorithm, JweEncryption } from './jwe/jwe-keys.js';
export { compactDecrypt, compactEncrypt } from './jwe/jwe.js';
export type { CompactDecryptResult, DecryptionOptions, EncryptionOptions, JweHeader } from './jwe/jwe.js';
export { createDecryptor, createEncryptor, decrypt, encrypt } from './jwe/encrypt.js';
export type { ClaimSettingOptions, DecryptOptions, DecryptResult, Decryptor, DecryptorOptions, EncryptOptions, Encryptor, EncryptorOptions } from './jwe/encrypt.js';
export type { InferOutput, StandardSchemaResult, StandardSchemaV1 } from './common/standard-schema.js';
export { DEFAULT_MAX_TOKEN_LENGTH, createVerifier, decodeUnverified, verify } from './jws/verify.js';
export type { KeyResolver, RevocationChecker, VerifierOptions, VerifyKey, VerifyOptions, VerifyResult, Verifier } from './jws/verify.js';
export { AUTHENTICATOR_OPTIONS, authErrorResponse, authFailureEvent, reportFailure, createAuthenticator, extractToken, grantedPermissions, rawHeaderValues, readCookie, requirePermissionsOf } from './http/http.js';
export type { AuthErrorOptions, AuthErrorResponse, AuthFailureEvent, AuthFailureHook, AuthOutcome, Authenticator, AuthenticatorOptions, ExtractTokenOptions, PermissionOptions, TokenSource } from './http/http.js';
export { MemoryRevocationStore, issuedBefore, revocationEntry, revocationWindow, sessionEntry } from './revocation/revocation.js';
export type { MemoryRevocationStoreOptions, RevocationRecord, RevocationStore, RevocationWindowOptions } from './revocation/revocation.js';
export { MemoryRefreshStore, REFRESH_TOKEN_TYPE, clearRefreshCookie, createRefreshTokens, exchangeRefreshCookie, refreshCookie, refreshErrorResponse } from './revocation/refresh.js';
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
} from './revocation/refresh.js';
export { assertOptions } from './common/options.js';
export type { OptionRule, OptionRules } from './common/options.js';
