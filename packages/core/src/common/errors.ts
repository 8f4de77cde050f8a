/**
 * Every failure in @jwt/core is a {@link JwtError} with a stable `code`.
 * Codes are API: they are documented, tested and never renamed in a minor version.
 * Messages are fixed texts: they never contain the token, its claims or any key material.
 */
export const ERROR_CODES = {
  ERR_JWT_MALFORMED: 'token malformed',
  ERR_JWT_TOO_LARGE: 'token too large',
  ERR_JWS_ALG_UNSUPPORTED: 'algorithm not supported',
  ERR_JWS_ALG_NOT_ALLOWED: 'algorithm not allowed',
  ERR_JWS_CRIT_UNSUPPORTED: 'critical header not supported',
  ERR_JWS_SIGNATURE_INVALID: 'signature invalid',
  ERR_JWT_EXPIRED: 'token expired',
  ERR_JWT_NOT_YET_VALID: 'token not yet valid',
  ERR_JWT_ISSUED_IN_FUTURE: 'token issued in the future',
  ERR_JWT_ISSUER_INVALID: 'issuer invalid',
  ERR_JWT_AUDIENCE_INVALID: 'audience invalid',
  ERR_JWT_SUBJECT_INVALID: 'subject invalid',
  ERR_JWT_TYPE_INVALID: 'token type invalid',
  ERR_JWT_CLAIM_MISSING: 'required claim missing',
  ERR_JWT_CLAIM_INVALID: 'claim invalid',
  ERR_JWT_SCHEMA_INVALID: 'claims rejected by schema',
  ERR_JWT_REVOKED: 'token revoked',
  ERR_JWT_KEY_NOT_FOUND: 'no matching key',
  ERR_KEY_WEAK: 'key too weak',
  ERR_KEY_INVALID: 'key invalid',
  ERR_KEY_UNSUPPORTED: 'key type not supported',
  ERR_CONFIG_INVALID: 'invalid configuration',
  ERR_JWKS_FETCH_FAILED: 'key set unavailable',
  ERR_JWKS_INVALID: 'key set invalid',
  ERR_JWE_DECRYPTION_FAILED: 'decryption failed',
  ERR_JWE_ALG_UNSUPPORTED: 'encryption algorithm not supported',
  ERR_JWE_ALG_NOT_ALLOWED: 'encryption algorithm not allowed',
  ERR_REVOCATION_UNAVAILABLE: 'revocation status unavailable',
  ERR_JWT_MISSING: 'token missing',
  ERR_AUTH_SCHEME_INVALID: 'authorization header invalid',
  ERR_CROSS_SITE_REQUEST: 'cross-site request refused',
  ERR_INSUFFICIENT_SCOPE: 'insufficient scope',
  ERR_REFRESH_REUSED: 'refresh token reused',
  ERR_REFRESH_INVALID: 'refresh token invalid',
} as const;

export type JwtErrorCode = keyof typeof ERROR_CODES;

export interface JwtErrorOptions {
  /** The underlying error, when one exists. Never carries token or key material. */
  cause?: unknown;
  /** The claim or header parameter concerned (its name, never its value). */
  claim?: string;
  /** A more precise fixed text for configuration errors, shown instead of the default message. */
  detail?: string;
}

/** The one error type thrown by @jwt/core. Branch on `code`, not on `message`. */
export class JwtError extends Error {
  override readonly name = 'JwtError';
  readonly code: JwtErrorCode;
  /** Name of the claim or header parameter involved, if any (never its value). */
  readonly claim: string | undefined;

  constructor(code: JwtErrorCode, options: JwtErrorOptions = {}) {
    super(options.detail ?? ERROR_CODES[code], options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.claim = options.claim;
  }
}

/** The short fixed description of an error code, suitable for an HTTP `error_description`. */
export function errorDescription(code: JwtErrorCode): string {
  return ERROR_CODES[code];
}

/** True when `error` is a {@link JwtError}, optionally with one of the given codes. */
export function isJwtError(error: unknown, ...codes: JwtErrorCode[]): error is JwtError {
  return error instanceof JwtError && (codes.length === 0 || codes.includes(error.code));
}

/** Configuration errors thrown at construction time carry a precise, fixed explanation. */
export function configError(detail: string, cause?: unknown): JwtError {
  return new JwtError('ERR_CONFIG_INVALID', { detail, cause });
}
