/**
 * Claim validation (RFC 7519 section 4.1). Options are compiled once per verifier so the hot
 * path does no parsing of its own configuration.
 */
import { toSeconds } from './duration.js';
import { configError, JwtError } from './errors.js';

/** The registered claims, plus anything else the issuer put in. */
export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [claim: string]: unknown;
}

export interface ClaimOptions {
  /**
   * Accepted `iss` value, or list of values. Unset: `iss` is not checked.
   * @example issuer: 'https://auth.example.com/'
   */
  issuer?: string | readonly string[];
  /**
   * Accepted audience(s): the token's `aud` (string or array) must contain at least one.
   * @example audience: 'api'
   */
  audience?: string | readonly string[];
  /** Required `sub` value. */
  subject?: string;
  /**
   * Claims that must be present (in addition to `exp`, which is required unless `requireExp` is false).
   * @example requiredClaims: ['sub', 'jti']
   */
  requiredClaims?: readonly string[];
  /**
   * Refuse tokens without `exp`. Turning this off means a token is valid forever unless revoked.
   * @default true
   */
  requireExp?: boolean;
  /**
   * Refuse tokens whose `iat` is older than this (seconds or a duration like `'1h'`). Makes `iat` required.
   * @example maxTokenAge: '12h'
   */
  maxTokenAge?: number | string;
  /**
   * Leeway for `exp`, `nbf` and `iat`, in seconds or a duration. At most 10 minutes.
   * @default 0
   */
  clockTolerance?: number | string;
  /**
   * The current time in milliseconds. Inject a fixed clock in tests.
   * @default Date.now
   */
  clock?: () => number;
}

export interface CompiledClaimOptions {
  issuers: readonly string[] | undefined;
  audiences: readonly string[] | undefined;
  subject: string | undefined;
  required: readonly string[];
  requireExp: boolean;
  maxAge: number | undefined;
  tolerance: number;
  clock: () => number;
}

const MAX_TOLERANCE = 600;

function stringList(value: unknown, name: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string' && v.length > 0)) {
    throw configError(`${name} must be a non-empty string or a non-empty list of them`);
  }
  return Object.freeze([...list]);
}

export function compileClaimOptions(options: ClaimOptions): CompiledClaimOptions {
  const tolerance = options.clockTolerance === undefined ? 0 : toSeconds(options.clockTolerance, 'clockTolerance');
  if (tolerance > MAX_TOLERANCE) throw configError(`clockTolerance must be at most ${MAX_TOLERANCE} seconds`);
  if (options.clock !== undefined && typeof options.clock !== 'function') throw configError('clock must be a function returning milliseconds');
  if (options.subject !== undefined && (typeof options.subject !== 'string' || options.subject === '')) throw configError('subject must be a non-empty string');
  const required = options.requiredClaims === undefined ? [] : stringList(options.requiredClaims, 'requiredClaims')!;
  return {
    issuers: stringList(options.issuer, 'issuer'),
    audiences: stringList(options.audience, 'audience'),
    subject: options.subject,
    required,
    requireExp: options.requireExp ?? true,
    maxAge: options.maxTokenAge === undefined ? undefined : toSeconds(options.maxTokenAge, 'maxTokenAge'),
    tolerance,
    clock: options.clock ?? Date.now,
  };
}

export function numericDate(payload: JwtClaims, name: 'exp' | 'nbf' | 'iat'): number | undefined {
  const value = payload[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new JwtError('ERR_JWT_CLAIM_INVALID', { claim: name, detail: `claim invalid: ${name}` });
  return value;
}

export function stringClaim(payload: JwtClaims, name: 'iss' | 'sub' | 'jti'): string | undefined {
  const value = payload[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new JwtError('ERR_JWT_CLAIM_INVALID', { claim: name, detail: `claim invalid: ${name}` });
  return value;
}

export function audienceClaim(payload: JwtClaims): string | readonly string[] | undefined {
  const aud = payload.aud;
  if (aud !== undefined && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) {
    throw new JwtError('ERR_JWT_CLAIM_INVALID', { claim: 'aud', detail: 'claim invalid: aud' });
  }
  return aud;
}

/** Checks types and values of the registered claims. Throws the first failure. */
export function validateClaims(payload: JwtClaims, o: CompiledClaimOptions): void {
  const exactNow = o.clock() / 1000;
  const now = Math.floor(exactNow);
  const exp = numericDate(payload, 'exp');
  const nbf = numericDate(payload, 'nbf');
  const iat = numericDate(payload, 'iat');
  const iss = stringClaim(payload, 'iss');
  const sub = stringClaim(payload, 'sub');
  stringClaim(payload, 'jti');
  const aud = audienceClaim(payload);

  if (exp === undefined) {
    if (o.requireExp) throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'exp', detail: 'required claim missing: exp' });
  } else if (exp <= now - o.tolerance) {
    throw new JwtError('ERR_JWT_EXPIRED', { claim: 'exp' });
  }
  // Against the exact time: a fractional iat (sign's timestamp: 'ms') is not "in the future" for
  // the rest of the second it was issued in. For integer claims this is the same as `now`.
  if (nbf !== undefined && nbf > exactNow + o.tolerance) throw new JwtError('ERR_JWT_NOT_YET_VALID', { claim: 'nbf' });
  if (iat !== undefined && iat > exactNow + o.tolerance) throw new JwtError('ERR_JWT_ISSUED_IN_FUTURE', { claim: 'iat' });
  if (o.maxAge !== undefined) {
    if (iat === undefined) throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'iat', detail: 'required claim missing: iat' });
    if (now - iat > o.maxAge + o.tolerance) throw new JwtError('ERR_JWT_EXPIRED', { claim: 'iat', detail: 'token expired: too old' });
  }
  for (const name of o.required) {
    // Own members only: `constructor` or `toString` must not count as present through the prototype.
    if (!Object.hasOwn(payload, name) || payload[name] === undefined) throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: name, detail: `required claim missing: ${name.slice(0, 64)}` });
  }
  if (o.issuers !== undefined) {
    if (iss === undefined) throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'iss', detail: 'required claim missing: iss' });
    if (!o.issuers.includes(iss)) throw new JwtError('ERR_JWT_ISSUER_INVALID', { claim: 'iss' });
  }
  if (o.audiences !== undefined) {
    if (aud === undefined) throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'aud', detail: 'required claim missing: aud' });
    const ok = typeof aud === 'string' ? o.audiences.includes(aud) : aud.some((a) => o.audiences!.includes(a));
    if (!ok) throw new JwtError('ERR_JWT_AUDIENCE_INVALID', { claim: 'aud' });
  }
  if (o.subject !== undefined) {
    if (sub === undefined) throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'sub', detail: 'required claim missing: sub' });
    if (sub !== o.subject) throw new JwtError('ERR_JWT_SUBJECT_INVALID', { claim: 'sub' });
  }
}
