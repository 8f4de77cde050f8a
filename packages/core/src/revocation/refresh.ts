/**
 * Refresh tokens with rotation and reuse detection. One object issues an access token and a
 * refresh token sharing a session id (`sid`) at login, and exchanges a refresh token for a new
 * pair. Every refresh token is single use: a family record holds the one refresh token of each
 * session that may still be exchanged, and presenting any other token of that session (one already
 * used) ends the session, refresh and access tokens alike, through the revocation store.
 *
 * Refresh tokens are typed (`typ: refresh+jwt`, RFC 8725 section 3.11) and addressed to their own
 * audience (or signed with their own key), so no verifier set up for access tokens accepts one.
 * Imports the signer, the verifier, the revocation interface and the cookie reader of http.ts;
 * nothing imports it but index.ts.
 */
import { toSeconds } from '../common/duration.js';
import { configError, JwtError, type JwtErrorCode } from '../common/errors.js';
import type { JwtClaims } from '../jws/claims.js';
import { assertOptions, type OptionRules } from '../common/options.js';
import type { RevocationStore } from './revocation.js';
import { createSigner, randomId, SIGNER_OPTIONS, type Signer, type SignerOptions } from '../jws/sign.js';
import { readCookie } from '../http/http.js';
import { createVerifier, REFRESH_TOKEN_TYPE, type Verifier, type VerifyKey } from '../jws/verify.js';

export { REFRESH_TOKEN_TYPE };

/**
 * What a store answers to an exchange: `rotated` (the token was the family's current one and is now
 * used up), `reused` (the family exists but this token was used already: the store has ended the
 * family), `revoked` (the family was ended earlier) or `unknown` (no such family: never issued
 * here, expired, or lost with the store's data).
 */
export type RefreshRotation = 'rotated' | 'reused' | 'revoked' | 'unknown';

/**
 * Where refresh-token families live. Each method must be atomic on its own: of two concurrent
 * `rotate()` calls with the same `jti`, exactly one may answer `rotated`. `@jwt/redis` implements it
 * for many instances.
 */
export interface RefreshStore {
  /**
   * Starts a family at login: `jti` is its only valid refresh token. The record may be dropped after
   * `expiresAt` (seconds since the epoch).
   */
  create(sid: string, jti: string, expiresAt: number): void | Promise<void>;
  /**
   * Compare-and-set: when `jti` is the family's current token, make `next` the current one, keep the
   * record until `expiresAt` (seconds) and answer `rotated`. When it is another token of the family,
   * end the family and answer `reused`.
   */
  rotate(sid: string, jti: string, next: string, expiresAt: number): RefreshRotation | Promise<RefreshRotation>;
  /** Ends a family (logout, reuse): every later `rotate()` answers `revoked`. Keeps the mark until `expiresAt` (seconds). */
  revoke(sid: string, expiresAt: number): void | Promise<void>;
}

/** The rules of {@link MemoryRefreshStoreOptions}. */
const MEMORY_REFRESH_STORE_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({ maxEntries: '!number', clock: '!function' });

export interface MemoryRefreshStoreOptions {
  /**
   * Most families held at once. Families leave when their last refresh token expires; while the store
   * is full, new logins are refused with ERR_REVOCATION_UNAVAILABLE (never by dropping a family,
   * which could bring a used token back).
   * @default 100000
   * @example maxEntries: 1_000_000
   */
  maxEntries?: number;
  /**
   * The current time in milliseconds. Inject a fixed clock in tests.
   * @default Date.now
   * @example clock: () => fixedNow
   */
  clock?: () => number;
}

interface Family {
  current: string;
  revoked: boolean;
  /** Milliseconds. */
  expiresAt: number;
}

/**
 * The embedded refresh store: one process, memory bounded, no timers. JavaScript runs one call at a
 * time, so each method is atomic. A restart forgets every family: their refresh tokens then answer
 * `unknown` (the users log in again), never `rotated`.
 * @example const refresh = createRefreshTokens({ access, revocation, store: new MemoryRefreshStore() })
 */
export class MemoryRefreshStore implements RefreshStore {
  // Insertion order approximates expiry order (a rotation re-inserts its family), so the sweep reads
  // from the front and stops at the first live record.
  readonly #families = new Map<string, Family>();
  readonly #max: number;
  readonly #clock: () => number;

  constructor(options: MemoryRefreshStoreOptions = {}) {
    assertOptions(options, MEMORY_REFRESH_STORE_OPTIONS, 'MemoryRefreshStore');
    const max = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(max) || max < 1) throw configError('maxEntries must be a positive integer');
    if (options.clock !== undefined && typeof options.clock !== 'function') throw configError('clock must be a function returning milliseconds');
    this.#max = max;
    this.#clock = options.clock ?? Date.now;
  }

  /** Families currently held. */
  get size(): number {
    return this.#families.size;
  }

  create(sid: string, jti: string, expiresAt: number): void {
    checkIds(sid, jti);
    const now = this.#clock();
    this.#sweep(now);
    if (this.#families.has(sid)) throw configError('create: this sid already has a family');
    // Full: look past the live record the front sweep stops at, then refuse rather than evict.
    if (this.#families.size >= this.#max) for (const [id, family] of this.#families) if (family.expiresAt <= now) this.#families.delete(id);
    if (this.#families.size >= this.#max) throw new JwtError('ERR_REVOCATION_UNAVAILABLE', { detail: 'revocation status unavailable: refresh store full' });
    this.#families.set(sid, { current: jti, revoked: false, expiresAt: expiresAt * 1000 });
  }

  rotate(sid: string, jti: string, next: string, expiresAt: number): RefreshRotation {
    checkIds(sid, jti);
    checkIds(sid, next);
    const now = this.#clock();
    this.#sweep(now);
    const family = this.#live(sid, now);
    if (family === undefined) return 'unknown';
    if (family.revoked) return 'revoked';
    if (family.current !== jti) {
      family.revoked = true;
      return 'reused';
    }
    family.current = next;
    family.expiresAt = Math.max(family.expiresAt, expiresAt * 1000);
    this.#families.delete(sid);
    this.#families.set(sid, family);
    return 'rotated';
  }

  revoke(sid: string, expiresAt: number): void {
    checkIds(sid, '-');
    const now = this.#clock();
    this.#sweep(now);
    const family = this.#live(sid, now);
    // Nothing to mark: an unknown family already answers `unknown`, which is refused just the same.
    if (family === undefined) return;
    family.revoked = true;
    family.expiresAt = Math.max(family.expiresAt, expiresAt * 1000);
  }

  #live(sid: string, now: number): Family | undefined {
    const family = this.#families.get(sid);
    return family !== undefined && family.expiresAt > now ? family : undefined;
  }

  #sweep(now: number): void {
    for (const [sid, family] of this.#families) {
      if (family.expiresAt > now) break;
      this.#families.delete(sid);
    }
  }
}

function checkIds(sid: unknown, jti: unknown): void {
  if (typeof sid !== 'string' || sid === '') throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'sid', detail: 'required claim missing: sid' });
  if (typeof jti !== 'string' || jti === '') throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'jti', detail: 'required claim missing: jti' });
}

/** Access-token signer options: those of `createSigner()`, with the lifetime required. */
export type AccessTokenOptions = SignerOptions & { expiresIn: number | string };

export interface RefreshTokenOptions {
  /**
   * The key refresh tokens are signed and verified with: a secret, or a private key (verification
   * uses its public half).
   * @default the access tokens' key (then refresh tokens need their own `audience`)
   * @example key: secretKey(process.env.JWT_REFRESH_SECRET!)
   */
  key?: SignerOptions['key'];
  /**
   * The audience of refresh tokens: whoever exchanges them, the issuer itself. Must differ from the
   * access tokens' audience when both kinds share a key.
   * @default the access tokens' `issuer`
   * @example audience: 'https://auth.example.com/token'
   */
  audience?: string;
  /**
   * Lifetime of each refresh token (seconds or a duration). Each exchange issues a new one with a
   * full lifetime, up to the session's `absoluteLifetime`.
   * @default '14d'
   * @example expiresIn: '30d'
   */
  expiresIn?: number | string;
}

/** The rules of {@link RefreshTokenOptions}: a value present but undefined (an unset secret) is refused. */
const REFRESH_TOKEN_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({ key: '!any', audience: '!string', expiresIn: '!number|string' });

/**
 * The rules of {@link RefreshTokensOptions}. `access` and `revocation` keep their own checks below,
 * whose messages say what they must be.
 */
const REFRESH_TOKENS_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({
  access: 'object',
  refresh: '!object',
  revocation: 'object',
  store: '!object',
  absoluteLifetime: '!number|string',
  clockTolerance: '!number|string',
  claims: '!function',
  clock: '!function',
});

export interface RefreshTokensOptions {
  /**
   * How access tokens are signed: key, issuer, audience and lifetime (`expiresIn` required). Each
   * access token also carries the session's `sid`.
   * @example access: { key, issuer: 'auth', audience: 'api', expiresIn: '15m', jwtId: true }
   */
  access: AccessTokenOptions;
  /**
   * How refresh tokens differ from access tokens: key, audience, lifetime.
   * @default { expiresIn: '14d' } with the access key and the issuer as audience
   */
  refresh?: RefreshTokenOptions;
  /**
   * Where reuse, logout and password changes are recorded for every token of a session: the same
   * store the access-token verifier checks (it must implement `revokeSession`). A refresh token is
   * checked against it too, so a subject cutoff (password change) ends its sessions.
   * @example revocation: new MemoryRevocationStore({ maxTokenLifetime: '14d' })
   */
  revocation: RevocationStore;
  /**
   * Where session families live.
   * @default new MemoryRefreshStore()
   * @example store: new RedisRefreshStore({ url: process.env.REDIS_URL })
   */
  store?: RefreshStore;
  /**
   * The longest a session may last from its login, however often it is refreshed (seconds or a
   * duration). Refresh tokens never outlive it. Unset: a session lasts as long as it is refreshed.
   * @example absoluteLifetime: '30d'
   */
  absoluteLifetime?: number | string;
  /**
   * Leeway for `exp`, `nbf` and `iat` of refresh tokens, seconds or a duration.
   * @default 0
   * @example clockTolerance: 5
   */
  clockTolerance?: number | string;
  /**
   * Called at each exchange with the claims carried from the previous access token (`sub` and your
   * own claims); returns the claims of the new pair, for example with fresh permissions, or
   * `undefined` to refuse the exchange (a deleted user: ERR_REFRESH_INVALID).
   * @default the carried claims, unchanged
   * @example claims: async (c) => { const u = await users.get(c.sub); return u && { sub: u.id, permissions: u.permissions } }
   */
  claims?: (carried: JwtClaims & { sub: string }) => JwtClaims | undefined | Promise<JwtClaims | undefined>;
  /**
   * The current time in milliseconds. Inject a fixed clock in tests.
   * @default Date.now
   * @example clock: () => fixedNow
   */
  clock?: () => number;
}

/** What a login or an exchange answers. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Lifetime of the access token, seconds. */
  expiresIn: number;
  /** Lifetime of the refresh token, seconds (shorter near the end of an absolute session lifetime). */
  refreshExpiresIn: number;
  /** The session id both tokens carry. */
  sid: string;
}

export interface RefreshTokens {
  /**
   * Login: starts a session and answers its first pair. `claims` must carry a string `sub`; they go
   * into the access token and are carried by the refresh token to the next ones.
   * `options.issuedAt`: when the user was authenticated (the password check), seconds since the
   * epoch, not in the future: the pair's `iat` and `auth_time` and the start of both lifetimes. A
   * password change made between the check and the signing then covers both tokens, so a login
   * won with the old password cannot outlive the change through its refresh token.
   * @example const pair = await refresh.issue({ sub: user.id, permissions: user.permissions }, { issuedAt: Math.floor(checkedAt / 1000) })
   */
  issue(claims: JwtClaims & { sub: string }, options?: { issuedAt?: number }): Promise<TokenPair>;
  /**
   * Exchanges a refresh token for a new pair; the token is used up. Rejects with a JwtError:
   * ERR_REFRESH_REUSED (the session is ended), ERR_REFRESH_INVALID (unknown session), ERR_JWT_REVOKED,
   * ERR_JWT_EXPIRED, ERR_JWT_TYPE_INVALID (an access token), ... Answer any of them with
   * {@link refreshErrorResponse}.
   * @example const pair = await refresh.exchange(body.refreshToken)
   */
  exchange(refreshToken: string): Promise<TokenPair>;
  /**
   * Logout of a whole session: every refresh and access token carrying `sid` is refused from now on.
   * @example await refresh.endSession(claims.sid)
   */
  endSession(sid: string): Promise<void>;
}

/** Claims a new token gets from its signer or from the session, never carried over from the old one. */
const NOT_CARRIED = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'jti', 'sid', 'auth_time']);

function carried(claims: JwtClaims): JwtClaims & { sub: string } {
  const out: JwtClaims = {};
  for (const [name, value] of Object.entries(claims)) if (!NOT_CARRIED.has(name)) out[name] = value;
  return out as JwtClaims & { sub: string };
}

function audiences(value: unknown): string[] {
  return typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A store's own failure (an outage, a bug) is "status unavailable": fail closed, never a new pair. */
function asStoreError(cause: unknown): JwtError {
  return cause instanceof JwtError ? cause : new JwtError('ERR_REVOCATION_UNAVAILABLE', { cause });
}

/**
 * Builds the refresh-token issuer. Configuration mistakes throw ERR_CONFIG_INVALID here.
 * @example
 * const revocation = new MemoryRevocationStore({ maxTokenLifetime: '14d' })
 * const refresh = createRefreshTokens({ access: { key, issuer: 'auth', audience: 'api', expiresIn: '15m' }, revocation })
 * const verifier = createVerifier({ key, issuer: 'auth', audience: 'api', revocation }) // refuses refresh tokens
 * const { accessToken, refreshToken } = await refresh.issue({ sub: 'kevin' })
 */
export function createRefreshTokens(options: RefreshTokensOptions): RefreshTokens {
  assertOptions(options, REFRESH_TOKENS_OPTIONS, 'createRefreshTokens');
  const { access, revocation } = options;
  if (typeof access !== 'object' || access === null || access.key === undefined) throw configError('createRefreshTokens: access must be the access tokens\' signer options, with a key');
  assertOptions(access, SIGNER_OPTIONS, 'createRefreshTokens access');
  if (access.expiresIn === undefined) throw configError('createRefreshTokens: access.expiresIn is required (the access tokens\' lifetime)');
  if (typeof access.typ === 'string' && access.typ.toLowerCase().replace(/^application\//, '') === REFRESH_TOKEN_TYPE) throw configError(`createRefreshTokens: access tokens cannot be typed ${REFRESH_TOKEN_TYPE}`);
  if (typeof revocation?.isRevoked !== 'function' || typeof revocation.revokeSession !== 'function') {
    throw configError('createRefreshTokens: revocation must be a revocation store with revokeSession() (MemoryRevocationStore, RedisRevocationStore), the one access tokens are verified against');
  }
  const store = options.store ?? new MemoryRefreshStore(options.clock === undefined ? {} : { clock: options.clock });
  if (typeof store?.create !== 'function' || typeof store.rotate !== 'function' || typeof store.revoke !== 'function') throw configError('createRefreshTokens: store must implement create(), rotate() and revoke()');
  const refreshOptions = options.refresh ?? {};
  assertOptions(refreshOptions, REFRESH_TOKEN_OPTIONS, 'createRefreshTokens refresh');
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function') throw configError('clock must be a function returning milliseconds');

  const accessTtl = toSeconds(access.expiresIn, 'access.expiresIn');
  const refreshTtl = toSeconds(refreshOptions.expiresIn ?? '14d', 'refresh.expiresIn');
  if (accessTtl <= 0 || refreshTtl <= 0) throw configError('createRefreshTokens: lifetimes must be more than zero seconds');
  const absolute = options.absoluteLifetime === undefined ? undefined : toSeconds(options.absoluteLifetime, 'absoluteLifetime');
  if (absolute !== undefined && absolute <= 0) throw configError('absoluteLifetime must be more than zero seconds');
  const tolerance = options.clockTolerance === undefined ? 0 : toSeconds(options.clockTolerance, 'clockTolerance');
  if (options.claims !== undefined && typeof options.claims !== 'function') throw configError('claims must be a function');

  const refreshKey = refreshOptions.key ?? access.key;
  const refreshAudience = refreshOptions.audience ?? access.issuer;
  if (refreshAudience !== undefined && (typeof refreshAudience !== 'string' || refreshAudience === '')) throw configError('refresh.audience must be a non-empty string');
  // RFC 8725 3.11: a third-party verifier that ignores `typ` must still refuse a refresh token
  // presented as an access token, so both kinds sharing a key must not share an audience.
  if (refreshOptions.key === undefined && (refreshAudience === undefined || audiences(access.audience).includes(refreshAudience))) {
    throw configError('createRefreshTokens: give refresh tokens their own key (refresh.key) or an audience of their own (refresh.audience, default the access issuer) that access tokens do not carry');
  }

  // `jwtId` and `expiresIn` are set per token below; the access options may still set their own.
  const accessSigner: Signer = createSigner({ ...access, clock });
  const { expiresIn: _e, jwtId: _j, audience: _a, key: _k, subject: _s, notBefore: _n, header: _h, typ: _t, kid, alg, ...shared } = access;
  // A refresh key of its own brings its own algorithm and kid.
  const ownKey = refreshOptions.key !== undefined;
  if (!ownKey) Object.assign(shared, kid === undefined ? {} : { kid }, alg === undefined ? {} : { alg });
  // Every refresh token gets its `exp` below (the session may end before a full lifetime).
  const refreshSigner: Signer = createSigner({ ...shared, key: refreshKey, typ: REFRESH_TOKEN_TYPE, ...(refreshAudience === undefined ? {} : { audience: refreshAudience }), expiresIn: false, clock });
  // The verifier states exactly what the refresh signer writes: its issuer and audience, or their
  // absence (`false`) when the access options leave them out.
  const verifier: Verifier = createVerifier({
    key: refreshKey as VerifyKey,
    typ: REFRESH_TOKEN_TYPE,
    ...(ownKey || alg === undefined ? {} : { algorithms: [alg] }),
    issuer: access.issuer ?? false,
    audience: refreshAudience ?? false,
    requiredClaims: ['sub', 'sid', 'jti', 'auth_time'],
    clockTolerance: tolerance,
    revocation,
    clock,
    offload: false,
  });
  // The latest `exp` a token of a session issued up to now can carry: how long a session's
  // revocation must last.
  const longest = Math.max(accessTtl, refreshTtl);

  /** `issuedAt` (seconds): the pair's `iat` and the start of its lifetimes, instead of now. */
  async function pair(claims: JwtClaims, sid: string, authTime: number, nowMs: number, issuedAt?: number): Promise<{ tokens: TokenPair; jti: string; keepUntil: number }> {
    if (typeof claims !== 'object' || claims === null || typeof claims.sub !== 'string' || claims.sub === '') {
      throw new JwtError('ERR_JWT_SUBJECT_INVALID', { claim: 'sub', detail: 'subject invalid: claims need a string sub' });
    }
    const now = Math.floor(nowMs / 1000);
    const start = issuedAt ?? now;
    const end = absolute === undefined ? Infinity : authTime + absolute;
    const refreshExp = Math.min(start + refreshTtl, Math.floor(end));
    if (refreshExp <= now) throw new JwtError('ERR_JWT_EXPIRED', { detail: 'token expired: session lifetime reached' });
    const jti = randomId();
    const own = carried(claims);
    const times = issuedAt === undefined ? {} : { iat: issuedAt };
    const [accessToken, refreshToken] = await Promise.all([
      accessSigner.sign({ ...own, sid, ...(issuedAt === undefined ? {} : { iat: issuedAt, exp: issuedAt + accessTtl }) }),
      refreshSigner.sign({ ...own, sid, jti, auth_time: authTime, ...times, exp: refreshExp }),
    ]);
    return {
      tokens: { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: accessTtl, refreshExpiresIn: refreshExp - start, sid },
      jti,
      keepUntil: refreshExp + tolerance,
    };
  }

  async function end(sid: string, nowMs: number): Promise<void> {
    const until = Math.floor(nowMs / 1000) + longest + tolerance;
    // The revocation store first: it is what refuses the session's access tokens on every request.
    await revocation.revokeSession!(sid, until);
    await store.revoke(sid, until);
  }

  return {
    async issue(claims, options = {}) {
      const nowMs = clock();
      const { issuedAt } = options;
      if (issuedAt !== undefined && (typeof issuedAt !== 'number' || !Number.isFinite(issuedAt) || issuedAt > nowMs / 1000 + tolerance)) {
        throw new JwtError('ERR_JWT_CLAIM_INVALID', { claim: 'iat', detail: 'claim invalid: issuedAt must be seconds since the epoch, not in the future' });
      }
      const sid = randomId();
      const { tokens, jti, keepUntil } = await pair(claims, sid, issuedAt ?? Math.floor(nowMs / 1000), nowMs, issuedAt);
      try {
        await store.create(sid, jti, keepUntil);
      } catch (cause) {
        throw asStoreError(cause);
      }
      return tokens;
    },

    async exchange(refreshToken) {
      // Signature, type, issuer, audience, expiry, and the revocation store (logout, reuse, password change).
      const { payload } = await verifier.verify(refreshToken);
      const { sid, jti, auth_time: authTime } = payload;
      if (typeof sid !== 'string' || sid === '' || typeof jti !== 'string' || typeof authTime !== 'number' || !Number.isFinite(authTime)) {
        throw new JwtError('ERR_JWT_CLAIM_INVALID', { detail: 'claim invalid: refresh token claims' });
      }
      const nowMs = clock();
      let claims: JwtClaims | undefined = carried(payload);
      if (options.claims !== undefined) {
        try {
          claims = await options.claims(claims as JwtClaims & { sub: string });
        } catch (cause) {
          throw new JwtError('ERR_REFRESH_INVALID', { cause });
        }
        if (claims === undefined) throw new JwtError('ERR_REFRESH_INVALID');
      }
      // Signed before the compare-and-set: once the old token is used up, the client must get the new one.
      const next = await pair(claims, sid, authTime, nowMs);
      let outcome: RefreshRotation;
      try {
        outcome = await store.rotate(sid, jti, next.jti, next.keepUntil);
      } catch (cause) {
        throw asStoreError(cause);
      }
      switch (outcome) {
        case 'rotated':
          return next.tokens;
        case 'reused':
          // A used token came back: the thief or the user holds a copy. Neither can tell which, so
          // the whole session ends, and both log in again.
          try {
            await end(sid, nowMs);
          } catch (cause) {
            throw new JwtError('ERR_REFRESH_REUSED', { cause });
          }
          throw new JwtError('ERR_REFRESH_REUSED');
        case 'revoked':
          throw new JwtError('ERR_JWT_REVOKED');
        default:
          throw new JwtError('ERR_REFRESH_INVALID');
      }
    },

    async endSession(sid) {
      if (typeof sid !== 'string' || sid === '') throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'sid', detail: 'required claim missing: sid' });
      try {
        await end(sid, clock());
      } catch (cause) {
        throw asStoreError(cause);
      }
    },
  };
}

/** An RFC 6749 section 5.2 error answer for the token (refresh) endpoint. */
export interface RefreshErrorResponse {
  status: 401 | 503;
  body: { error: 'invalid_grant' | 'temporarily_unavailable' };
  /** The error code behind the answer. */
  code: JwtErrorCode;
}

/**
 * Maps any failure of {@link RefreshTokens.exchange} to its answer: `401 {"error":"invalid_grant"}`,
 * or `503 {"error":"temporarily_unavailable"}` while a store cannot be reached (the refresh token is
 * not used up: the client may retry). No description: the client must not learn which check failed.
 * @example const r = refreshErrorResponse(error); return c.json(r.body, r.status)
 */
export function refreshErrorResponse(error: unknown): RefreshErrorResponse {
  const code: JwtErrorCode = error instanceof JwtError ? error.code : 'ERR_REFRESH_INVALID';
  if (code === 'ERR_REVOCATION_UNAVAILABLE') return { status: 503, body: { error: 'temporarily_unavailable' }, code };
  return { status: 401, body: { error: 'invalid_grant' }, code };
}

export interface RefreshCookieOptions {
  /**
   * The cookie's name.
   * @default 'refresh_token'
   * @example name: '__Host-refresh'
   */
  name?: string;
  /**
   * The path the browser sends it to: only the refresh (and logout) route.
   * @default '/refresh'
   * @example path: '/auth/refresh'
   */
  path?: string;
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_PATH = /^\/[\x21-\x3a\x3c-\x7e]*$/;

/** The rules of {@link RefreshCookieOptions}. */
const REFRESH_COOKIE_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({ name: '!string', path: '!string' });

function cookieParts(options: RefreshCookieOptions): { name: string; path: string } {
  assertOptions(options, REFRESH_COOKIE_OPTIONS, 'refresh cookie options');
  const name = options.name ?? 'refresh_token';
  const path = options.path ?? '/refresh';
  if (typeof name !== 'string' || !COOKIE_NAME.test(name)) throw configError('refresh cookie name must be a cookie token (letters, digits, !#$%&\'*+-.^_`|~)');
  if (typeof path !== 'string' || !COOKIE_PATH.test(path)) throw configError('refresh cookie path must start with / and hold no spaces, semicolons or control characters');
  return { name, path };
}

/**
 * The `Set-Cookie` value that hands a browser its refresh token: `HttpOnly` (no script reads it),
 * `Secure`, `SameSite=Strict` (no cross-site request carries it) and scoped to the refresh path.
 * @example headers.append('Set-Cookie', refreshCookie(pair))
 */
export function refreshCookie(pair: Pick<TokenPair, 'refreshToken' | 'refreshExpiresIn'>, options: RefreshCookieOptions = {}): string {
  const { name, path } = cookieParts(options);
  return `${name}=${pair.refreshToken}; Path=${path}; Max-Age=${Math.max(0, Math.floor(pair.refreshExpiresIn))}; HttpOnly; Secure; SameSite=Strict`;
}

/**
 * The `Set-Cookie` value that removes the refresh cookie (logout, or after a refused exchange).
 * @example headers.append('Set-Cookie', clearRefreshCookie())
 */
export function clearRefreshCookie(options: RefreshCookieOptions = {}): string {
  const { name, path } = cookieParts(options);
  return `${name}=; Path=${path}; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;
}

/** What the browser-case refresh endpoint reads from a request. */
export interface RefreshCookieRequest {
  /** The raw `Cookie` header value, if any. */
  cookie?: string | null | undefined;
  /** The `Sec-Fetch-Site` request header, which browsers send with every request. */
  secFetchSite?: string | null | undefined;
}

/** The answer of {@link exchangeRefreshCookie}: status, JSON body and headers, ready to send. */
export interface RefreshCookieAnswer {
  status: 200 | 400 | 401 | 503;
  /** `{ token, tokenType, expiresIn }` on success (the refresh token stays in the cookie), else `{ error }`. */
  body: { token: string; tokenType: 'Bearer'; expiresIn: number } | { error: 'invalid_request' | 'invalid_grant' | 'temporarily_unavailable' };
  /**
   * `Cache-Control: no-store` (RFC 6749 section 5.1), and `Set-Cookie`: the next refresh cookie, or
   * one removing a refused cookie; none when the cookie must stay (a refused request that did not
   * use it, or a 503 to retry).
   */
  headers: { 'Cache-Control': 'no-store'; 'Set-Cookie'?: string };
  /** The new pair, on success. */
  pair?: TokenPair;
  /** The failure, otherwise. */
  error?: JwtError;
}

/**
 * The refresh endpoint for browsers: the refresh token travels only in an `HttpOnly; Secure;
 * SameSite=Strict` cookie scoped to the refresh path (see {@link refreshCookie}), so page scripts
 * never see it. Reads the cookie, refuses a request the browser marks cross-site or same-site,
 * exchanges the token, and answers the new access token as JSON with the new refresh token in a
 * `Set-Cookie` header. A refused token also removes the cookie; an unreachable store (503) leaves it
 * for a retry. The adapters' handlers only copy this answer into the framework's response.
 * @example const answer = await exchangeRefreshCookie(refresh, { cookie: req.headers.get('cookie'), secFetchSite: req.headers.get('sec-fetch-site') })
 */
export async function exchangeRefreshCookie(refresh: RefreshTokens, request: RefreshCookieRequest, options: RefreshCookieOptions = {}): Promise<RefreshCookieAnswer> {
  const { name } = cookieParts(options);
  const clear = clearRefreshCookie(options);
  const noStore = { 'Cache-Control': 'no-store' } as const;
  const site = typeof request.secFetchSite === 'string' ? request.secFetchSite.toLowerCase() : undefined;
  // SameSite=Strict already keeps the cookie off cross-site requests; this also covers sibling
  // subdomains (same-site) and browsers that ignore SameSite.
  if (site === 'cross-site' || site === 'same-site') {
    return { status: 401, body: { error: 'invalid_grant' }, headers: noStore, error: new JwtError('ERR_CROSS_SITE_REQUEST') };
  }
  const token = typeof request.cookie === 'string' ? readCookie(request.cookie, name) : undefined;
  if (token === undefined || token === '') return { status: 400, body: { error: 'invalid_request' }, headers: noStore, error: new JwtError('ERR_JWT_MISSING') };
  try {
    const pair = await refresh.exchange(token);
    return { status: 200, body: { token: pair.accessToken, tokenType: 'Bearer', expiresIn: pair.expiresIn }, headers: { ...noStore, 'Set-Cookie': refreshCookie(pair, options) }, pair };
  } catch (cause) {
    const answer = refreshErrorResponse(cause);
    const error = cause instanceof JwtError ? cause : new JwtError('ERR_REFRESH_INVALID', { cause });
    return { status: answer.status, body: answer.body, headers: answer.status === 503 ? noStore : { ...noStore, 'Set-Cookie': clear }, error };
  }
}
