/**
 * Signing. The header is fixed per signer and encoded once; `alg` always comes from the key's
 * binding, never from caller-supplied header parameters.
 */
import { ALGORITHMS, type JwsAlgorithm } from '../common/algorithms.js';
import { nodeCrypto, randomBytes } from '../common/backend.js';
import { encodeSegment, encodeSegmentText } from '../common/base64url.js';
import { audienceClaim, numericDate, stringClaim, type JwtClaims } from './claims.js';
import { toSeconds } from '../common/duration.js';
import { configError, JwtError } from '../common/errors.js';
import { isPlainObject } from '../common/json.js';
import { importKey, importKeyNow, type KeyInput } from '../keys/import-key.js';
import { isJwtKey, keyMaterial, signBytes, type JwtKey } from '../keys/keys.js';
import { isKeyRing, type KeyRing } from '../keys/keyring.js';
import { assertOptions, type OptionRules } from '../common/options.js';

/** What may differ from one token to the next of one signer. */
export interface IssueOptions {
  /**
   * Issue the token at this time instead of now: seconds since the epoch (a NumericDate; whole
   * seconds unless you mean otherwise). `iat` is set to it, whatever `timestamp` says, and
   * `expiresIn` / `notBefore` count from it, so `exp - iat` is exactly the lifetime. Useful when
   * the moment that matters came before signing: a login whose password was checked, then signed.
   * @default now (from `clock`)
   * @example await signer.sign({ sub: 'kevin' }, { issuedAt: Math.floor(authenticatedAt / 1000) })
   */
  issuedAt?: number;
}

export interface SignOptions extends IssueOptions {
  /**
   * Algorithm to sign with; must be one the key allows.
   * @default the key's first algorithm (HS256, RS256, ES256/384/512 by curve, EdDSA)
   */
  alg?: JwsAlgorithm;
  /**
   * Lifetime: sets `exp` to now plus this (seconds or `'15m'`, `'1h'`, ...). `createSigner()`
   * requires it: `false` says in so many words that each token's `exp` comes from its claims (or
   * that tokens have none, with `requireExp: false`). `sign()` requires it unless the claims carry `exp`.
   * @example expiresIn: '15m'
   * @example expiresIn: false // every sign() call passes its own exp claim
   */
  expiresIn?: number | string | false;
  /** Sets `nbf` to now plus this (seconds or a duration). */
  notBefore?: number | string;
  /** Sets `iss`. */
  issuer?: string;
  /** Sets `aud`. */
  audience?: string | string[];
  /** Sets `sub`. */
  subject?: string;
  /**
   * Sets `jti`; `true` makes a random 128-bit id.
   * @example jwtId: true
   */
  jwtId?: string | true;
  /**
   * `kid` header; `false` leaves it out.
   * @default the key's kid
   */
  kid?: string | false;
  /**
   * `typ` header; `false` leaves it out.
   * @default 'JWT'
   */
  typ?: string | false;
  /** Extra protected header parameters. `alg`, `crit`, `b64`, `jku`, `x5u` and `jwk` cannot be set here. */
  header?: Record<string, unknown>;
  /**
   * Set `iat` to the current time. `'ms'` writes it with millisecond precision (a non-integer
   * NumericDate, as RFC 7519 allows), so that subject revocation can tell a token issued just
   * after a password change from one issued earlier in the same second.
   * @default true
   */
  timestamp?: boolean | 'ms';
  /**
   * Refuse to sign a token without `exp`.
   * @default true
   */
  requireExp?: boolean;
  /**
   * The current time in milliseconds.
   * @default Date.now
   */
  clock?: () => number;
}

export interface SignerOptions<K = JwtKey | KeyRing | KeyInput> extends SignOptions {
  /**
   * The signing key: an HMAC secret or a private key, or a {@link KeyRing}, whose active key (and
   * its `kid`) signs each token, following rotations.
   */
  key: K;
}

export interface Signer {
  /** Signs a claims set; resolves to a compact JWS. `options` apply to this token only. */
  sign(claims?: JwtClaims, options?: IssueOptions): Promise<string>;
  /** Synchronous signing on the Node backend; throws ERR_CONFIG_INVALID where signing must wait (WebCrypto). */
  signSync(claims?: JwtClaims, options?: IssueOptions): string;
}

/** The rules of {@link SignOptions} (see options.ts); `!`: present but undefined is refused. */
export const SIGN_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({
  issuedAt: 'number',
  alg: '!string',
  expiresIn: '!number|string|false',
  notBefore: '!number|string',
  issuer: '!string',
  audience: '!string|array',
  subject: '!string',
  jwtId: '!string|true',
  kid: '!string|false',
  typ: '!string|false',
  header: 'object',
  timestamp: 'boolean|string',
  requireExp: 'boolean',
  clock: 'function',
});

/** The rules of {@link SignerOptions}. */
export const SIGNER_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({ ...SIGN_OPTIONS, key: '!any' });

const RESERVED_HEADER = new Set(['alg', 'crit', 'b64', 'jku', 'x5u', 'jwk']);

interface Compiled {
  key: JwtKey;
  alg: JwsAlgorithm;
  headerSegment: string;
  expiresIn: number | undefined;
  notBefore: number | undefined;
  fixed: JwtClaims;
  jwtId: string | true | undefined;
  timestamp: boolean | 'ms';
  issuedAt: number | undefined;
  requireExp: boolean;
  clock: () => number;
}

/** `issuedAt` checked: a finite number of seconds, or undefined. */
function issuedAtOf(options: IssueOptions | undefined): number | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw configError('sign options must be an object, e.g. { issuedAt }');
  const { issuedAt } = options;
  if (issuedAt === undefined) return undefined;
  if (typeof issuedAt !== 'number' || !Number.isFinite(issuedAt) || issuedAt < 0) {
    throw configError('issuedAt must be seconds since the epoch (a finite, non-negative number), e.g. Math.floor(Date.now() / 1000)');
  }
  return issuedAt;
}

function compile(key: JwtKey, options: SignOptions): Compiled {
  if (key.kind === 'public') throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: a public key cannot sign' });
  const alg = options.alg ?? key.algorithms[0]!;
  if (!key.allows(alg)) throw new JwtError('ERR_JWS_ALG_NOT_ALLOWED', { detail: `algorithm not allowed: this key cannot sign ${String(alg).slice(0, 16)}` });
  const header: Record<string, unknown> = { alg };
  if (options.typ !== false) header.typ = options.typ ?? 'JWT';
  const kid = options.kid === false ? undefined : (options.kid ?? key.kid);
  if (kid !== undefined) header.kid = kid;
  if (options.header !== undefined) {
    if (!isPlainObject(options.header)) throw configError('header must be an object');
    for (const [name, value] of Object.entries(options.header)) {
      if (RESERVED_HEADER.has(name) || name === '__proto__') throw configError(`header parameter ${name} cannot be set`);
      header[name] = value;
    }
  }
  const fixed: JwtClaims = {};
  if (options.issuer !== undefined) fixed.iss = options.issuer;
  if (options.subject !== undefined) fixed.sub = options.subject;
  if (options.audience !== undefined) fixed.aud = options.audience;
  if (options.jwtId !== undefined && options.jwtId !== true && typeof options.jwtId !== 'string') throw configError('jwtId must be a string or true');
  return {
    key,
    alg,
    headerSegment: encodeSegmentText(JSON.stringify(header)),
    expiresIn: options.expiresIn === undefined || options.expiresIn === false ? undefined : toSeconds(options.expiresIn, 'expiresIn'),
    notBefore: options.notBefore === undefined ? undefined : toSeconds(options.notBefore, 'notBefore'),
    fixed,
    jwtId: options.jwtId,
    timestamp: options.timestamp ?? true,
    issuedAt: issuedAtOf(options),
    requireExp: options.requireExp ?? true,
    clock: options.clock ?? Date.now,
  };
}

/** A random 128-bit identifier, base64url: the default `jti`. */
export function randomId(): string {
  return encodeSegment(randomBytes(16));
}

/** The verifier's own type checks, so that no token is signed that a verifier would refuse as malformed. */
function checkClaimTypes(claims: JwtClaims): void {
  for (const name of ['exp', 'nbf', 'iat'] as const) numericDate(claims, name);
  for (const name of ['iss', 'sub', 'jti'] as const) stringClaim(claims, name);
  audienceClaim(claims);
}

function signingInput(c: Compiled, claims: JwtClaims | undefined, issuedAt: number | undefined): string {
  if (claims !== undefined && !isPlainObject(claims)) throw new JwtError('ERR_JWT_CLAIM_INVALID', { detail: 'claim invalid: claims must be an object' });
  if (claims !== undefined && Object.hasOwn(claims, '__proto__')) throw new JwtError('ERR_JWT_CLAIM_INVALID', { detail: 'claim invalid: __proto__' });
  const at = issuedAt ?? c.issuedAt;
  const payload: JwtClaims = { ...c.fixed };
  let now: number;
  if (at !== undefined) {
    now = at;
    payload.iat = at;
  } else {
    const ms = c.clock();
    now = Math.floor(ms / 1000);
    if (c.timestamp === 'ms') payload.iat = ms / 1000;
    else if (c.timestamp) payload.iat = now;
  }
  if (c.expiresIn !== undefined) payload.exp = now + c.expiresIn;
  if (c.notBefore !== undefined) payload.nbf = now + c.notBefore;
  if (c.jwtId !== undefined) payload.jti = c.jwtId === true ? randomId() : c.jwtId;
  if (claims !== undefined) Object.assign(payload, claims);
  checkClaimTypes(payload);
  if (c.requireExp && payload.exp === undefined) {
    throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'exp', detail: 'required claim missing: exp (set expiresIn, or requireExp: false)' });
  }
  let json: string;
  try {
    json = JSON.stringify(payload);
  } catch (cause) {
    throw new JwtError('ERR_JWT_CLAIM_INVALID', { cause, detail: 'claim invalid: claims are not JSON-serialisable' });
  }
  return `${c.headerSegment}.${encodeSegmentText(json)}`;
}

function finish(input: string, signature: Uint8Array): string {
  return `${input}.${encodeSegment(signature)}`;
}

function signCompiled(c: Compiled, claims: JwtClaims | undefined, issuedAt: number | undefined): string | Promise<string> {
  const input = signingInput(c, claims, issuedAt);
  const m = keyMaterial(c.key);
  const nc = nodeCrypto();
  if (m.backend === 'node' && m.secret !== undefined && nc) {
    // HMAC fast path: digest straight to base64url.
    return `${input}.${nc.createHmac(ALGORITHMS[c.alg].nodeHash, m.keyObject).update(input).digest('base64url')}`;
  }
  const sig = signBytes(c.key, c.alg, input);
  return sig instanceof Promise ? sig.then((s) => finish(input, s)) : finish(input, sig);
}

/**
 * @internal Where a signer's key comes from once its `key` option is read: the key itself, a key
 * still being imported, or the current key of something that rotates (a key ring).
 */
export type SigningKeySource = JwtKey | Promise<JwtKey> | (() => JwtKey);

/**
 * @internal How an entry point reads a `key` option that is not a JwtKey. The main entry imports
 * raw input and follows key rings; `@jwt/core/lite` refuses anything else.
 */
export type SigningKeyResolver = (key: unknown, options: SignOptions) => SigningKeySource;

/** The main entry's key forms: a key ring, or raw input of any form importKey() reads. */
function anySigningKey(key: unknown, options: SignOptions): SigningKeySource {
  if (isKeyRing(key)) {
    if (typeof options.kid === 'string') throw configError('kid cannot be set when signing with a key ring: the active key\'s kid is used');
    return () => key.active;
  }
  // A raw secret becomes a key now, so a weak one throws here rather than at the first sign().
  return importKeyNow(key) ?? importKey(key as KeyInput);
}

/**
 * Builds a reusable signer: key and header prepared once.
 * @example
 * const signer = createSigner({ key: secretKey(secret), issuer: 'auth', expiresIn: '15m' })
 * const token = await signer.sign({ sub: 'kevin' })
 */
export function createSigner(options: SignerOptions): Signer {
  return signerWith(options, anySigningKey);
}

/** Reads the `key` option once; the result answers the compiled signer to use for each token. */
function signerOf(options: SignerOptions<unknown>, resolve: SigningKeyResolver, where = 'createSigner'): () => Compiled | Promise<Compiled> {
  assertOptions(options, SIGNER_OPTIONS, where);
  const { key } = options;
  if (key === undefined || key === null) throw configError(`${where} needs a key`);
  // Checked now as well: with a key still being imported, compile() runs only later.
  issuedAtOf(options);
  const source = isJwtKey(key) ? key : resolve(key, options);
  let compiled: Compiled | Promise<Compiled>;
  if (typeof source === 'function') {
    compiled = compile(source(), options);
    // A key ring may rotate between calls: recompile only when its active key has changed.
    return () => ((compiled as Compiled).key === source() ? compiled : (compiled = compile(source(), options)));
  }
  if (source instanceof Promise) {
    const pending = source.then((k) => (compiled = compile(k, options)));
    pending.catch(() => undefined);
    compiled = pending;
  } else {
    compiled = compile(source, options);
  }
  return () => compiled;
}

/** Kept apart from the Signer object, so that a bundle calling only sign() leaves signSync out. */
function signNow(current: () => Compiled | Promise<Compiled>, claims: JwtClaims | undefined, options?: IssueOptions): Promise<string> {
  try {
    const issuedAt = issuedAtOf(options);
    const c = current();
    return c instanceof Promise ? c.then((cc) => signCompiled(cc, claims, issuedAt)) : Promise.resolve(signCompiled(c, claims, issuedAt));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** @internal The signer of every entry point, which passes how it reads raw `key` options. */
export function signerWith(options: SignerOptions<unknown>, resolve: SigningKeyResolver): Signer {
  // A reusable signer without a lifetime would fail at its first sign() (or, with requireExp off,
  // issue tokens valid forever): say so now, naming the option to set.
  assertOptions(options, SIGNER_OPTIONS, 'createSigner');
  if (options.expiresIn === undefined && options.requireExp !== false) {
    throw configError("createSigner: expiresIn is required, e.g. expiresIn: '15m'; pass expiresIn: false when every sign() call sets its own exp claim");
  }
  const current = signerOf(options, resolve);
  return {
    sign(claims?: JwtClaims, options?: IssueOptions): Promise<string> {
      return signNow(current, claims, options);
    },
    signSync(claims?: JwtClaims, options?: IssueOptions): string {
      const issuedAt = issuedAtOf(options);
      const c = current();
      if (c instanceof Promise) throw configError('signSync: the key is still being imported; pass a JwtKey or use sign()');
      const out = signCompiled(c, claims, issuedAt);
      if (out instanceof Promise) {
        out.catch(() => undefined);
        throw configError('signSync: this runtime signs asynchronously (WebCrypto); use sign()');
      }
      return out;
    },
  };
}

/**
 * Signs a claims set as a compact JWS. An expiry is required: pass `expiresIn` or an `exp` claim.
 * @example const token = await sign({ sub: 'kevin', permissions: ['view'] }, key, { expiresIn: '15m' })
 */
export function sign(claims: JwtClaims, key: SignerOptions['key'], options: SignOptions = {}): Promise<string> {
  return signWith(claims, key, options, anySigningKey);
}

/** @internal sign() of every entry point. */
export function signWith(claims: JwtClaims, key: unknown, options: SignOptions, resolve: SigningKeyResolver): Promise<string> {
  try {
    assertOptions(options, SIGN_OPTIONS, 'sign()');
    return signNow(signerOf({ ...options, key }, resolve, 'sign()'), claims);
  } catch (error) {
    return Promise.reject(error);
  }
}
