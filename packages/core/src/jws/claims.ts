/**
 * Claim validation (RFC 7519 section 4.1). Options are compiled once per verifier so the hot
 * path does no parsing of its own configuration.
 */
import { toSeconds } from '../common/duration.js';
import { configError, JwtError } from '../common/errors.js';
import type { OptionRules } from '../common/options.js';

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
   * Accepted `iss` value, or list of values. Required: a token from another issuer (another
   * tenant, a test environment) must not pass because the option was forgotten (RFC 8725 3.8).
   * `false` accepts any issuer, and says so in the code.
   * @example issuer: 'https://auth.example.com/'
   * @example issuer: false // the key itself only ever signs for one issuer
   */
  issuer: string | readonly string[] | false;
  /**
   * Accepted audience(s): the token's `aud` (string or array) must contain at least one.
   * Required: a token issued for another service must not be replayed here (RFC 8725 3.9).
   * `false` accepts any audience, and says so in the code.
   * @example audience: 'api'
   * @example audience: false // a single-service key
   */
  audience: string | readonly string[] | false;
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
   * Leeway for `exp`, `nbf` and `iat`, in seconds or a duration. At most 10 minutes. Applied
   * exactly: with `clockTolerance: 1.5` a token is accepted until 1.5 s after its `exp`, not 2.
   * @default 0
   * @example clockTolerance: '30s'
   */
  clockTolerance?: number | string;
  /**
   * The current time in milliseconds. Inject a fixed clock in tests. Time claims are compared
   * with it exactly (a fractional `exp` expires at that fraction of a second); a clock that
   * answers anything but a finite number makes verification fail with ERR_CONFIG_INVALID.
   * @default Date.now
   * @example clock: () => Date.UTC(2030, 0, 1)
   */
  clock?: () => number;
}

export interface CompiledClaimOptions {
  issuers: readonly string[] | undefined;
  audiences: readonly string[] | undefined;
  subject: string | undefined;
  required: readonly string[];
  requireExp: boolean;
  /** `maxTokenAge` in milliseconds. */
  maxAgeMs: number | undefined;
  /** `clockTolerance` in milliseconds. */
  toleranceMs: number;
  clock: () => number;
}

const MAX_TOLERANCE = 600;

/** The rules of the claim options (see options.ts); `!`: present but undefined is refused. */
export const CLAIM_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({
  issuer: '!string|array|false',
  audience: '!string|array|false',
  subject: '!string',
  requiredClaims: 'array',
  requireExp: 'boolean',
  maxTokenAge: '!number|string',
  clockTolerance: 'number|string',
  clock: 'function',
});

/**
 * `iss` and `aud` are checked unless the configuration opts out in so many words: an option left
 * out (or misspelled, or read from an unset environment variable) must not turn a check off.
 */
function requiredPolicy(value: unknown, name: 'issuer' | 'audience', claim: string, rfc: string): readonly string[] | undefined {
  if (value === false) return undefined;
  if (value === undefined) {
    throw configError(`${name} is required: the accepted ${claim} value(s), e.g. ${name}: '${name === 'issuer' ? 'https://auth.example.com' : 'api'}', or ${name}: false to accept any ${claim} (RFC 8725 ${rfc})`);
  }
  return stringList(value, name);
}

function stringList(value: unknown, name: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string' && v.length > 0)) {
    throw configError(`${name} must be a non-empty string or a non-empty list of them${name === 'issuer' || name === 'audience' ? `, or ${name}: false` : ''}`);
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
    issuers: requiredPolicy(options.issuer, 'issuer', 'iss', '3.8'),
    audiences: requiredPolicy(options.audience, 'audience', 'aud', '3.9'),
    subject: options.subject,
    required,
    requireExp: options.requireExp ?? true,
    maxAgeMs: options.maxTokenAge === undefined ? undefined : toSeconds(options.maxTokenAge, 'maxTokenAge') * 1000,
    toleranceMs: tolerance * 1000,
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

/**
 * The current time in milliseconds from the configured clock. A clock answering NaN would make
 * every time comparison false, i.e. accept every expired token: that fails closed instead.
 */
function clockMs(o: CompiledClaimOptions): number {
  const ms = o.clock();
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw configError('clock must return milliseconds');
  return ms;
}

/** Checks types and values of the registered claims. Throws the first failure. */
export function validateClaims(payload: JwtClaims, o: CompiledClaimOptions): void {
  const exp = numericDate(payload, 'exp');
  const nbf = numericDate(payload, 'nbf');
  const iat = numericDate(payload, 'iat');
  const iss = stringClaim(payload, 'iss');
  const sub = stringClaim(payload, 'sub');
  stringClaim(payload, 'jti');
  const aud = audienceClaim(payload);

  // Every comparison is against the exact time, never a whole second: flooring the clock would
  // accept a fractional exp for up to a second after it passed. Each limit is computed in
  // milliseconds (exact for integer clocks and tolerances) and divided once, so the only rounding
  // is that of the division, which cannot reorder two times a double tells apart. For integer
  // exp, nbf and iat this is the same answer as comparing whole seconds.
  const ms = clockMs(o);
  if (exp === undefined) {
    if (o.requireExp) throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'exp', detail: 'required claim missing: exp' });
  } else if (exp <= (ms - o.toleranceMs) / 1000) {
    throw new JwtError('ERR_JWT_EXPIRED', { claim: 'exp' });
  }
  const latest = (ms + o.toleranceMs) / 1000;
  if (nbf !== undefined && nbf > latest) throw new JwtError('ERR_JWT_NOT_YET_VALID', { claim: 'nbf' });
  if (iat !== undefined && iat > latest) throw new JwtError('ERR_JWT_ISSUED_IN_FUTURE', { claim: 'iat' });
  if (o.maxAgeMs !== undefined) {
    if (iat === undefined) throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'iat', detail: 'required claim missing: iat' });
    if (iat < (ms - o.maxAgeMs - o.toleranceMs) / 1000) throw new JwtError('ERR_JWT_EXPIRED', { claim: 'iat', detail: 'token expired: too old' });
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
