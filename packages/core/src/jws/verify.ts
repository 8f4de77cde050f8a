/**
 * Verification. The order is fixed and deliberate: size limit before any decoding; the header's
 * `alg` checked against what the key and the caller allow (never trusted on its own); the
 * signature verified before the payload is parsed; then claims, schema and revocation.
 * On the Node backend with local keys every step is synchronous.
 */
import { ALGORITHMS, isJwsAlgorithm, type JwsAlgorithm } from '../common/algorithms.js';
import { decodeSegment, decodeSegmentText, isBase64url } from '../common/base64url.js';
import { CLAIM_OPTIONS, compileClaimOptions, validateClaims, type ClaimOptions, type CompiledClaimOptions, type JwtClaims } from './claims.js';
import { configError, JwtError } from '../common/errors.js';
import { checkHeaderTypes } from '../common/header.js';
import { parseJsonObject, type JsonObject } from '../common/json.js';
import { importKey, importKeyNow, type KeyInput } from '../keys/import-key.js';
import { hmacSegmentMatches, isJwtKey, verifyBytes, type JwtKey } from '../keys/keys.js';
import { isKeyProvider, type JwsHeader, type KeyProvider } from '../keys/keyset.js';
import { sharedRemoteJwks } from '../jwks/jwks.js';
import { assertOptions, type OptionRules } from '../common/options.js';
// Through the seam, not from jwe.ts: verification alone must not bundle JWE.
import { nestedDecryption } from '../jwe/nested.js';
import type { JweKey } from '../jwe/jwe-keys.js';
import type { StandardSchemaV1 } from '../common/standard-schema.js';
import { offloadNext, pooledCheck } from '../common/backend.js';

/** Answers whether a verified token has been revoked. See `MemoryRevocationStore`. */
export interface RevocationChecker {
  /** Called after signature and claims checks pass. May be synchronous. */
  isRevoked(claims: JwtClaims, header: JwsHeader): boolean | Promise<boolean>;
}

/** A function that picks the key(s) for a token from its header. */
export type KeyResolver = (header: JwsHeader) => JwtKey | readonly JwtKey[] | Promise<JwtKey | readonly JwtKey[]>;

/** A key ready for verification: a key, a key set or provider (such as `remoteJwks()`), or a resolver. */
export type PreparedVerifyKey = JwtKey | KeyProvider | KeyResolver;

/**
 * What verification accepts as its key: a key, a key set or provider, a resolver, raw key input,
 * or the URL of a JWKS (a `URL`, or a string starting with `https://` or `http://`), fetched with
 * the defaults of `remoteJwks()`.
 */
export type VerifyKey = PreparedVerifyKey | KeyInput | URL;

export interface VerifyOptions<T = JwtClaims> extends ClaimOptions {
  /**
   * Accepted algorithms. The key's own binding always applies; this narrows it further.
   * @default every algorithm the key allows
   * @example algorithms: ['ES256']
   */
  algorithms?: readonly JwsAlgorithm[];
  /**
   * Required `typ` header value (compared case-insensitively, `application/` prefix ignored).
   * Unset: any `typ` is accepted except `refresh+jwt`, so a refresh token is never taken for an
   * access token.
   * @example typ: 'at+jwt'
   */
  typ?: string;
  /**
   * Tokens longer than this many characters are refused before any decoding.
   * @default 8192
   */
  maxTokenLength?: number;
  /**
   * `crit` header parameters your code understands and checks itself. Any other is refused.
   * `b64` is never accepted for JWTs.
   * @default []
   */
  crit?: readonly string[];
  /**
   * A Standard Schema (zod, valibot, arktype, ...) the claims must satisfy; its output becomes `payload`.
   * @example schema: z.object({ sub: z.string(), permissions: z.array(z.string()) })
   */
  schema?: StandardSchemaV1<unknown, T>;
  /** Refuse revoked tokens, checked after signature and claims. */
  revocation?: RevocationChecker;
  /**
   * Also accept nested tokens (signed, then encrypted, `cty: "JWT"`): they are decrypted with this
   * key (or keys, selected by `kid`), then the signed token inside is verified as usual. Plain
   * signed tokens are still accepted unless `requireEncryption` is set.
   * @example decryptionKey: encryptionKey(jweSecret)
   */
  decryptionKey?: JweKey | readonly JweKey[];
  /**
   * Refuse tokens that are not encrypted (ERR_JWE_ALG_NOT_ALLOWED). Needs `decryptionKey`.
   * @default false
   */
  requireEncryption?: boolean;
  /**
   * On the Node backend, whether the promise API may hand RSA, RSA-PSS, ECDSA and EdDSA signature
   * checks to libuv's thread pool, as WebCrypto does. `true` decides per check: on the calling
   * thread when no other verification is waiting (no hand-over, so a lone verification answers as
   * soon as `verifySync()` would), on the pool when others are, so that concurrent verifications
   * use every core and the event loop serves other requests meanwhile (see the core README for the
   * exact rule). `'always'` hands every such check over, which keeps the event loop free at the
   * price of the hand-over on each one. `false` checks on the calling thread, like `verifySync()`
   * always does. HMAC is always checked on the calling thread: it costs less than the hand-over.
   * @default true
   * @example offload: false // a CLI verifying one token at a time, never on another thread
   */
  offload?: boolean | 'always';
}

export interface VerifierOptions<T = JwtClaims, K = VerifyKey> extends VerifyOptions<T> {
  /** The key, key set, provider (e.g. a remote JWKS) or resolver. */
  key: K;
  /**
   * Remember verified tokens, so that a token seen again skips the signature check and the
   * parsing of its payload. A hit needs the very same token, character for character; its time
   * claims (`exp`, `nbf`, `iat` and `maxTokenAge`), its other claims and revocation are checked
   * again on every use, and with a key set, ring or JWKS the key that verified it must still be
   * offered. Only tokens that verified are kept, at most `max` of them (least recently used
   * first out), so a flood of distinct or forged tokens cannot grow it. Cached payloads are
   * frozen, shared by every request that presents the token: code that changes the claims it is
   * given must copy them first, which is why the cache is off unless asked for.
   * @default false (`true` is `{ max: 1000 }`)
   * @example cache: true
   * @example cache: { max: 10_000 }
   */
  cache?: boolean | { max?: number };
}

export interface VerifyResult<T = JwtClaims> {
  payload: T;
  header: JwsHeader;
  /** The key whose signature matched. */
  key: JwtKey;
}

export interface Verifier<T = JwtClaims> {
  /** Verifies a token; rejects with a `JwtError`. */
  verify(token: string): Promise<VerifyResult<T>>;
  /**
   * Synchronous verification, for the Node backend with local keys and synchronous stores.
   * Throws ERR_CONFIG_INVALID when a step would need to wait (WebCrypto, remote keys, async schema or store).
   */
  verifySync(token: string): VerifyResult<T>;
}

/** The rules of {@link VerifyOptions} (see options.ts). */
export const VERIFY_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({
  ...CLAIM_OPTIONS,
  algorithms: '!array',
  typ: '!string',
  maxTokenLength: 'number',
  crit: 'array',
  schema: '!object|function',
  revocation: 'object',
  decryptionKey: '!object|array',
  requireEncryption: 'boolean',
  offload: 'boolean|string',
});

/** The rules of {@link VerifierOptions}. */
export const VERIFIER_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({ ...VERIFY_OPTIONS, key: '!any', cache: 'boolean|object' });

export const DEFAULT_MAX_TOKEN_LENGTH = 8192;
/**
 * The `typ` of refresh tokens (see `createRefreshTokens`). A verifier refuses it unless its `typ`
 * option asks for exactly this type, so a refresh token is never taken for an access token.
 */
export const REFRESH_TOKEN_TYPE = 'refresh+jwt';
/** At most this many candidate keys are tried for one token. */
const MAX_CANDIDATES = 16;
const HEADER_CACHE_SIZE = 64;
const DEFAULT_CACHE_MAX = 1000;
/** Up to 8 KB per token (maxTokenLength) times this many: a bound a misplaced zero cannot break. */
const MAX_CACHE_MAX = 100_000;
/**
 * The verified-token cache is looked up by the token's last characters (its signature), then the
 * whole token is compared: hashing a fresh 300-character string for a Map costs about a
 * microsecond per request, comparing it with the one stored costs a few nanoseconds.
 */
const CACHE_KEY_CHARS = 32;

type MaybePromise<T> = T | Promise<T>;

/** @internal The candidate keys for a token, from its header. */
export type KeySource = (header: JwsHeader) => MaybePromise<readonly JwtKey[]>;

/**
 * @internal How an entry point reads a `key` option that is not a key, provider or resolver. The
 * main entry imports raw key input and fetches JWKS URLs; `@jwt/core/lite` refuses anything else.
 */
export type KeySourceResolver = (key: unknown) => MaybePromise<KeySource>;

/** The sources that always answer one known key, so construction can check it against `algorithms`. */
const fixedKeys = new WeakMap<KeySource, JwtKey>();

function fixedKey(key: JwtKey): KeySource {
  const list = [key];
  const source: KeySource = () => list;
  fixedKeys.set(source, key);
  return source;
}

/** The main entry's key forms: the URL of a JWKS, or raw input of any form importKey() reads. */
function anyKeySource(key: unknown): MaybePromise<KeySource> {
  // A URL is a JWKS location, never secret material: read as text it would become an HMAC
  // secret that anyone who knows the URL could sign with.
  if (key instanceof URL || (typeof key === 'string' && /^\s*https?:\/\//i.test(key))) {
    // Shared per URL, so one-off verify() calls do not fetch the set every time.
    const jwks = sharedRemoteJwks(typeof key === 'string' ? key.trim() : key);
    return (header) => jwks.getKeys(header);
  }
  const now = importKeyNow(key);
  return now === undefined ? importKey(key as KeyInput).then(fixedKey) : fixedKey(now);
}

function then<T, U>(value: MaybePromise<T>, fn: (v: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}

function toKeyList(value: JwtKey | readonly JwtKey[]): readonly JwtKey[] {
  return isJwtKey(value) ? [value] : value;
}

interface CacheEntry {
  /** The whole token: the map key is only its tail. */
  token: string;
  /** Read since it was last passed over for eviction (a second chance instead of a move per hit). */
  used: boolean;
  result: VerifyResult<unknown>;
  /** The verified claims as signed: a schema's output may lack or reshape the ones re-checked on a hit. */
  claims: JwtClaims;
}

/** The compiled verification pipeline behind verify() and createVerifier(). */
class Pipeline<T> {
  readonly #claims: CompiledClaimOptions;
  readonly #algorithms: readonly JwsAlgorithm[] | undefined;
  readonly #typ: string | undefined;
  readonly #maxLength: number;
  readonly #crit: readonly string[];
  readonly #schema: StandardSchemaV1<unknown, T> | undefined;
  readonly #revocation: RevocationChecker | undefined;
  readonly #offload: 'auto' | 'always' | 'never';
  readonly #headers = new Map<string, JwsHeader>();
  readonly #providerKeys: boolean;
  #lastSegment: string | undefined;
  #lastHeader: JwsHeader | undefined;
  #keys: MaybePromise<KeySource>;
  readonly #cache: Map<string, CacheEntry> | undefined;
  readonly #cacheMax: number;
  readonly #decrypt: ((token: string) => MaybePromise<string>) | undefined;

  constructor(key: unknown, options: VerifyOptions<T>, cache: VerifierOptions<T>['cache'], resolveRaw: KeySourceResolver) {
    this.#claims = compileClaimOptions(options);
    if (options.algorithms !== undefined) {
      if (!Array.isArray(options.algorithms) || options.algorithms.length === 0) throw configError('algorithms must list at least one algorithm');
      for (const alg of options.algorithms) {
        if (!isJwsAlgorithm(alg)) throw configError(`algorithms: unsupported algorithm ${String(alg).slice(0, 16)}`);
      }
      this.#algorithms = Object.freeze([...options.algorithms]);
    }
    this.#typ = options.typ === undefined ? undefined : normalizeTyp(options.typ);
    const maxLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
    if (!Number.isInteger(maxLength) || maxLength < 16) throw configError('maxTokenLength must be an integer of at least 16');
    this.#maxLength = maxLength;
    if (options.crit !== undefined && (!Array.isArray(options.crit) || options.crit.some((c) => typeof c !== 'string'))) throw configError('crit must be a list of header names');
    this.#crit = (options.crit ?? []).filter((c) => c !== 'b64');
    if (options.schema !== undefined && typeof options.schema?.['~standard']?.validate !== 'function') throw configError('schema must implement Standard Schema v1');
    this.#schema = options.schema;
    if (options.revocation !== undefined && typeof options.revocation?.isRevoked !== 'function') throw configError('revocation must have an isRevoked(claims) method');
    this.#revocation = options.revocation;
    if (options.offload !== undefined && typeof options.offload !== 'boolean' && options.offload !== 'always') throw configError("offload must be true, false or 'always'");
    this.#offload = options.offload === false ? 'never' : options.offload === 'always' ? 'always' : 'auto';
    this.#decrypt = nestedDecryption(options);
    this.#providerKeys = isKeyProvider(key);
    this.#keys = this.#keySource(key, resolveRaw);
    if (this.#keys instanceof Promise) {
      this.#keys.then((fn) => (this.#keys = fn), () => undefined);
    }
    const cacheMax = cacheSize(cache);
    this.#cache = cacheMax === 0 ? undefined : new Map();
    this.#cacheMax = cacheMax;
  }

  #keySource(key: unknown, resolveRaw: KeySourceResolver): MaybePromise<KeySource> {
    if (key === undefined || key === null) throw configError('a key is required');
    if (isJwtKey(key)) {
      this.#checkServes(key);
      return fixedKey(key);
    }
    if (isKeyProvider(key)) {
      // A provider's own failure (an outage, a bug) is "no key for this token", never the client's fault.
      return (header) => {
        let found;
        try {
          found = key.getKeys(header);
        } catch (cause) {
          return asKeyError(cause);
        }
        return found instanceof Promise ? found.catch(asKeyError) : found;
      };
    }
    if (typeof key === 'function') {
      const resolver = key as KeyResolver;
      return (header) => {
        let found;
        try {
          found = resolver(header);
        } catch (cause) {
          return asKeyError(cause);
        }
        return found instanceof Promise ? found.then(toKeyList, asKeyError) : toKeyList(found);
      };
    }
    const source = resolveRaw(key);
    // Raw input imported on the spot (a secret, a PEM on Node) is one known key: check it now too.
    const known = source instanceof Promise ? undefined : fixedKeys.get(source);
    if (known !== undefined) this.#checkServes(known);
    return source;
  }

  /**
   * A single key that can serve none of the listed algorithms fails every token: the
   * configuration is wrong (an RSA algorithm with an HMAC secret, or the reverse), not the tokens.
   */
  #checkServes(key: JwtKey): void {
    const algorithms = this.#algorithms;
    if (algorithms === undefined || algorithms.some((alg) => usableFor(key, alg))) return;
    const what = key.kind === 'secret' ? 'an HMAC secret' : `an ${key.kty} ${key.kind} key`;
    throw configError(`algorithms: the key (${what}) cannot verify ${algorithms.join(', ')}; it allows ${key.algorithms.join(', ')}`);
  }

  #header(segment: string): JwsHeader {
    const cached = this.#headers.get(segment);
    if (cached !== undefined) {
      this.#lastSegment = segment;
      this.#lastHeader = cached;
      return cached;
    }
    const header = parseJsonObject(decodeSegmentText(segment));
    const alg = header.alg;
    if (typeof alg !== 'string') throw new JwtError('ERR_JWT_MALFORMED', { claim: 'alg', detail: 'token malformed: alg missing' });
    if (!isJwsAlgorithm(alg)) {
      throw new JwtError(alg.toLowerCase() === 'none' ? 'ERR_JWS_ALG_NOT_ALLOWED' : 'ERR_JWS_ALG_UNSUPPORTED', { claim: 'alg' });
    }
    if (this.#algorithms !== undefined && !this.#algorithms.includes(alg)) throw new JwtError('ERR_JWS_ALG_NOT_ALLOWED', { claim: 'alg' });
    checkHeaderTypes(header);
    checkCrit(header, this.#crit);
    const typ = typeof header.typ === 'string' ? normalizeTyp(header.typ) : undefined;
    // Without a required `typ`, every type is accepted but the refresh token's (RFC 8725 3.11).
    if (this.#typ !== undefined ? typ !== this.#typ : typ === REFRESH_TOKEN_TYPE) throw new JwtError('ERR_JWT_TYPE_INVALID', { claim: 'typ' });
    if (this.#headers.size >= HEADER_CACHE_SIZE) this.#headers.clear();
    // Shared by every result with this header: frozen so one request cannot change another's.
    deepFreeze(header);
    this.#headers.set(segment, header as JwsHeader);
    this.#lastSegment = segment;
    this.#lastHeader = header as JwsHeader;
    return header as JwsHeader;
  }

  /**
   * `async`: the caller takes a promise (verify()), so asymmetric signature checks may go to the
   * thread pool (the `offload` option); verifySync() cannot wait and checks on the calling thread.
   */
  run(token: unknown, async: boolean, decrypted = false): MaybePromise<VerifyResult<T>> {
    if (typeof token !== 'string') throw new JwtError('ERR_JWT_MALFORMED');
    // Whether asymmetric checks may leave the calling thread; each check then decides (#verifyAsymmetric).
    const offload = async && this.#offload !== 'never';
    if (token.length > this.#maxLength) throw new JwtError('ERR_JWT_TOO_LARGE');
    // Nested token: decrypt it (see jwe.ts), then verify the signed token inside like any other.
    if (this.#decrypt !== undefined && !decrypted) return then(this.#decrypt(token), (inner) => this.run(inner, offload, true));
    const cache = this.#cache;
    if (cache !== undefined) {
      const tail = token.slice(-CACHE_KEY_CHARS);
      const hit = cache.get(tail);
      // Another token with the same tail (a forgery reusing a signature) is a miss, and leaves the
      // genuine entry alone.
      if (hit !== undefined && hit.token === token) {
        // A hit stands only while the key that verified it is still offered for this token: a key
        // retired from a ring or gone from a JWKS takes its cached tokens with it.
        if (!this.#stillOffered(hit.result)) {
          cache.delete(tail);
        } else {
          // Time claims move on: re-check them (and revocation) on every hit.
          try {
            validateClaims(hit.claims, this.#claims);
          } catch (error) {
            cache.delete(tail);
            throw error;
          }
          hit.used = true;
          return this.#revocationCheck(hit.result as VerifyResult<T>, hit.claims);
        }
      }
    }
    const d1 = token.indexOf('.');
    const d2 = token.indexOf('.', d1 + 1);
    if (d1 <= 0 || d2 < 0 || token.indexOf('.', d2 + 1) !== -1) throw new JwtError('ERR_JWT_MALFORMED');
    // Tokens from one issuer share their header: the last one is recognised without a slice.
    const last = this.#lastSegment;
    const header = last !== undefined && d1 === last.length && token.startsWith(last) ? this.#lastHeader! : this.#header(token.slice(0, d1));
    const payloadSegment = token.slice(d1 + 1, d2);
    const signature = token.slice(d2 + 1);
    if (!isBase64url(signature)) throw new JwtError('ERR_JWT_MALFORMED');
    const signingInput = token.slice(0, d2);
    const keys = this.#keys;
    // Straight-line when every step answers synchronously (Node backend, local keys): no
    // promise and no closure per token on the hot path.
    const candidates = keys instanceof Promise ? keys.then((fn) => fn(header)) : keys(header);
    if (candidates instanceof Promise) {
      return candidates.then((list) => then(this.#checkSignature(list, header.alg, signingInput, signature, payloadSegment, offload), (key) => this.#finish(token, header, payloadSegment, key)));
    }
    const key = this.#checkSignature(candidates, header.alg, signingInput, signature, payloadSegment, offload);
    if (key instanceof Promise) return key.then((k) => this.#finish(token, header, payloadSegment, k));
    return this.#finish(token, header, payloadSegment, key);
  }

  #stillOffered(result: VerifyResult<unknown>): boolean {
    // Key sets, rings and remote JWKS change over time and answer from memory: ask them again.
    // A single key never changes, and a resolver function is the caller's to keep cheap: it is
    // consulted on misses only.
    if (!this.#providerKeys) return true;
    const keys = this.#keys;
    if (keys instanceof Promise) return false;
    let offered;
    try {
      offered = keys(result.header);
    } catch {
      return false;
    }
    if (offered instanceof Promise) {
      offered.catch(() => undefined);
      return false;
    }
    return offered.includes(result.key);
  }

  #finish(token: string, header: JwsHeader, payloadSegment: string, key: JwtKey): MaybePromise<VerifyResult<T>> {
    const claims = parseJsonObject(decodeSegmentText(payloadSegment)) as JwtClaims;
    validateClaims(claims, this.#claims);
    const cache = this.#cache;
    const remember = (result: VerifyResult<T>): VerifyResult<T> => {
      if (cache !== undefined) {
        const tail = token.slice(-CACHE_KEY_CHARS);
        if (!cache.has(tail)) evictOne(cache, this.#cacheMax);
        // Served again to later requests: frozen so one request cannot change what another sees.
        deepFreeze(claims);
        deepFreeze(result.payload);
        cache.set(tail, { token, used: false, result, claims });
      }
      return result;
    };
    if (this.#schema === undefined) {
      const result: VerifyResult<T> = { payload: claims as T, header, key };
      if (this.#revocation === undefined) return cache === undefined ? result : remember(result);
      return then(this.#revocationCheck(result, claims), remember);
    }
    return then(this.#applySchema(claims), (value) => then(this.#revocationCheck({ payload: value, header, key }, claims), remember));
  }

  #checkSignature(list: readonly JwtKey[], alg: JwsAlgorithm, input: string, segment: string, payloadSegment: string, offload: boolean): MaybePromise<JwtKey> {
    if (!Array.isArray(list) || list.length === 0) throw new JwtError('ERR_JWT_KEY_NOT_FOUND');
    if (list.length === 1) {
      const only = list[0]!;
      if (!usableFor(only, alg)) throw new JwtError('ERR_JWS_ALG_NOT_ALLOWED', { claim: 'alg' });
      // HMAC costs less than a pass over the payload: check the MAC first, and the payload's
      // encoding only to name a failure (on success it is checked while decoding).
      const hmac = hmacSegmentMatches(only, alg, input, segment);
      if (hmac !== undefined) {
        if (!hmac) throw new JwtError(isBase64url(payloadSegment) ? 'ERR_JWS_SIGNATURE_INVALID' : 'ERR_JWT_MALFORMED');
        return only;
      }
      // Garbage fails before any asymmetric signature work.
      if (!isBase64url(payloadSegment)) throw new JwtError('ERR_JWT_MALFORMED');
      return then(this.#verifyAsymmetric(only, alg, input, decodeSegment(segment), offload), (ok) => {
        if (!ok) throw new JwtError('ERR_JWS_SIGNATURE_INVALID');
        return only;
      });
    }
    if (!isBase64url(payloadSegment)) throw new JwtError('ERR_JWT_MALFORMED');
    const signature = decodeSegment(segment);
    const usable: JwtKey[] = [];
    for (const k of list) if (usableFor(k, alg)) usable.push(k);
    if (usable.length === 0) throw new JwtError('ERR_JWS_ALG_NOT_ALLOWED', { claim: 'alg' });
    const tryFrom = (i: number): MaybePromise<JwtKey> => {
      if (i >= usable.length || i >= MAX_CANDIDATES) throw new JwtError('ERR_JWS_SIGNATURE_INVALID');
      const key = usable[i]!;
      return then(this.#verifyAsymmetric(key, alg, input, signature, offload), (ok) => (ok ? key : tryFrom(i + 1)));
    };
    return tryFrom(0);
  }

  /** `mayOffload`: the caller takes a promise and `offload` is not false. */
  #verifyAsymmetric(key: JwtKey, alg: JwsAlgorithm, input: string, signature: Uint8Array, mayOffload: boolean): MaybePromise<boolean> {
    const offload = mayOffload && (this.#offload === 'always' || offloadNext());
    const answer = verifyBytes(key, alg, input, signature, offload);
    return offload && answer instanceof Promise ? pooledCheck(answer) : answer;
  }

  #applySchema(payload: JwtClaims): MaybePromise<T> {
    const schema = this.#schema;
    if (schema === undefined) return payload as T;
    let outcome;
    try {
      outcome = schema['~standard'].validate(payload);
    } catch (cause) {
      throw new JwtError('ERR_JWT_SCHEMA_INVALID', { cause });
    }
    if (outcome instanceof Promise) {
      // An async schema that rejects failed to validate: the same answer as one that throws.
      outcome = outcome.catch((cause: unknown) => {
        throw new JwtError('ERR_JWT_SCHEMA_INVALID', { cause });
      });
    }
    return then(outcome, (r) => {
      if (r.issues !== undefined) throw new JwtError('ERR_JWT_SCHEMA_INVALID');
      return r.value;
    });
  }

  /** `claims` are the signed claims, not the schema's output, which may have dropped `jti` or `sub`. */
  #revocationCheck(result: VerifyResult<T>, claims: JwtClaims): MaybePromise<VerifyResult<T>> {
    const store = this.#revocation;
    if (store === undefined) return result;
    let revoked: MaybePromise<boolean>;
    try {
      revoked = store.isRevoked(claims, result.header);
    } catch (cause) {
      throw asRevocationError(cause);
    }
    if (revoked instanceof Promise) {
      return revoked.then(
        (r) => revokedOr(r, result),
        (cause: unknown) => {
          throw asRevocationError(cause);
        },
      );
    }
    return revokedOr(revoked, result);
  }
}

/** Belt and braces: the key's own binding already decides, but a secret never serves an asymmetric alg. */
function usableFor(key: JwtKey, alg: JwsAlgorithm): boolean {
  return isJwtKey(key) && (key.kind === 'secret') === (ALGORITHMS[alg].family === 'HS') && key.allows(alg);
}

/** The rules of the cache option's object form. */
const CACHE_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({ max: '!number' });

/** The cache option as a number of entries, 0 for none; any other form is a configuration error. */
function cacheSize(cache: unknown): number {
  if (cache === undefined || cache === false) return 0;
  if (cache === true) return DEFAULT_CACHE_MAX;
  if (typeof cache !== 'object' || cache === null || Array.isArray(cache)) throw configError('cache must be true, false or { max: <number of tokens> }');
  assertOptions(cache, CACHE_OPTIONS, 'cache');
  const given = (cache as { max?: unknown }).max;
  const max = given === undefined ? DEFAULT_CACHE_MAX : given;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_CACHE_MAX) {
    throw configError(`cache.max must be a whole number from 1 to ${MAX_CACHE_MAX}`);
  }
  return max;
}

/**
 * Makes room for one entry when the cache is full. The least recently inserted entry goes, unless
 * it was read since it was last passed over: then it moves to the back, unmarked (CLOCK, a close
 * approximation of least recently used without a delete and insert on every hit). Each entry is
 * passed over at most once per call, so it ends.
 */
function evictOne(cache: Map<string, CacheEntry>, max: number): void {
  while (cache.size >= max) {
    const [tail, entry] = cache.entries().next().value as [string, CacheEntry];
    cache.delete(tail);
    if (!entry.used) return;
    entry.used = false;
    cache.set(tail, entry);
  }
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const item of Object.values(value)) deepFreeze(item);
}

/** A key source's own failure means "no key for this token", not a malformed token. */
function asKeyError(cause: unknown): never {
  throw cause instanceof JwtError ? cause : new JwtError('ERR_JWT_KEY_NOT_FOUND', { cause });
}

function revokedOr<T>(revoked: boolean, result: T): T {
  if (revoked) throw new JwtError('ERR_JWT_REVOKED');
  return result;
}

function asRevocationError(cause: unknown): JwtError {
  return cause instanceof JwtError ? cause : new JwtError('ERR_REVOCATION_UNAVAILABLE', { cause });
}

function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

function checkCrit(header: JsonObject, understood: readonly string[]): void {
  if (header.b64 !== undefined) {
    // RFC 7797 unencoded payloads are not JWTs (RFC 7797 section 7).
    throw new JwtError('ERR_JWS_CRIT_UNSUPPORTED', { claim: 'b64' });
  }
  const crit = header.crit;
  if (crit === undefined) return;
  if (!Array.isArray(crit) || crit.length === 0) throw new JwtError('ERR_JWT_MALFORMED', { claim: 'crit', detail: 'token malformed: crit' });
  for (const name of crit) {
    if (typeof name !== 'string' || name === '') throw new JwtError('ERR_JWT_MALFORMED', { claim: 'crit', detail: 'token malformed: crit' });
    if (!understood.includes(name) || header[name] === undefined) throw new JwtError('ERR_JWS_CRIT_UNSUPPORTED', { claim: 'crit' });
  }
}

/** Any failure thrown on the way is a JwtError; anything else is a bug surfaced as a malformed token. */
function normalize(error: unknown): JwtError {
  return error instanceof JwtError ? error : new JwtError('ERR_JWT_MALFORMED', { cause: error });
}

/**
 * Builds a reusable verifier: options compiled once, key imported once, header parsing cached.
 * The fastest way to verify many tokens.
 * @example
 * const verifier = createVerifier({ key: secretKey(secret), issuer: 'auth', audience: 'api' })
 * const { payload } = await verifier.verify(token)
 */
export function createVerifier<T = JwtClaims>(options: VerifierOptions<T>): Verifier<T & JwtClaims> {
  return verifierWith(options, anyKeySource);
}

/** @internal The verifier of every entry point, which passes how it reads raw `key` options. */
export function verifierWith<T = JwtClaims>(options: VerifierOptions<T, unknown>, resolveRaw: KeySourceResolver): Verifier<T & JwtClaims> {
  const pipeline = pipelineOf(options, resolveRaw);
  return {
    verify(token: string): Promise<VerifyResult<T & JwtClaims>> {
      return verifyNow(pipeline, token);
    },
    verifySync(token: string): VerifyResult<T & JwtClaims> {
      let r;
      try {
        r = pipeline.run(token, false);
      } catch (error) {
        throw normalize(error);
      }
      if (r instanceof Promise) {
        r.catch(() => undefined);
        throw configError('verifySync: this verifier needs asynchronous steps (WebCrypto, remote keys, or an async schema or store); use verify()');
      }
      return r;
    },
  };
}

function pipelineOf<T>(options: VerifierOptions<T, unknown>, resolveRaw: KeySourceResolver, where = 'createVerifier'): Pipeline<T & JwtClaims> {
  assertOptions(options, VERIFIER_OPTIONS, where);
  return new Pipeline<T & JwtClaims>(options.key, options as VerifyOptions<T & JwtClaims>, options.cache, resolveRaw);
}

/** Kept apart from the Verifier object, so that a bundle calling only verify() leaves verifySync out. */
function verifyNow<T>(pipeline: Pipeline<T>, token: string): Promise<VerifyResult<T>> {
  try {
    const r = pipeline.run(token, true);
    return r instanceof Promise ? r.catch((e: unknown) => Promise.reject(normalize(e))) : Promise.resolve(r);
  } catch (error) {
    return Promise.reject(normalize(error));
  }
}

/**
 * Verifies a JWS-compact JWT and validates its claims. `exp` is required by default, and, as with
 * {@link createVerifier}, `issuer` and `audience` must be given (or set to `false` explicitly).
 * For many tokens, build a verifier once with {@link createVerifier}.
 * @example const { payload } = await verify<{ permissions: string[] }>(token, key, { issuer: 'auth', audience: 'api' })
 */
export function verify<T = JwtClaims>(token: string, key: VerifyKey, options: VerifyOptions<T>): Promise<VerifyResult<T & JwtClaims>> {
  return verifyWith(token, key, options, anyKeySource);
}

/** @internal verify() of every entry point. */
export function verifyWith<T = JwtClaims>(token: string, key: unknown, options: VerifyOptions<T>, resolveRaw: KeySourceResolver): Promise<VerifyResult<T & JwtClaims>> {
  try {
    assertOptions(options, VERIFY_OPTIONS, 'verify()');
    return verifyNow(pipelineOf<T>({ ...options, key }, resolveRaw, 'verify()'), token);
  } catch (error) {
    return Promise.reject(normalize(error));
  }
}

/**
 * Reads a token's header and claims WITHOUT verifying anything. Never use the result for an
 * access decision; use {@link verify}. Malformed tokens still throw a `JwtError`.
 */
export function decodeUnverified<T = JwtClaims>(token: string, options: { maxTokenLength?: number } = {}): { header: JwsHeader; payload: T & JwtClaims } {
  if (typeof token !== 'string') throw new JwtError('ERR_JWT_MALFORMED');
  if (token.length > (options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH)) throw new JwtError('ERR_JWT_TOO_LARGE');
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('ERR_JWT_MALFORMED');
  try {
    const header = parseJsonObject(decodeSegmentText(parts[0]!)) as JwsHeader;
    const payload = parseJsonObject(decodeSegmentText(parts[1]!)) as T & JwtClaims;
    return { header, payload };
  } catch (error) {
    throw normalize(error);
  }
}
