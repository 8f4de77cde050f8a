/**
 * Remote JSON Web Key Sets (RFC 7517 section 5), fetched from a `jwks_uri` or found through
 * OpenID Connect discovery. Built for verification on every runtime: global `fetch` only, no
 * `node:` import, and answers from a warm cache are synchronous so that verification on the Node
 * backend stays free of promises. A promise appears only when keys must be fetched.
 *
 * What is trusted is decided here and by the operator's configuration, never by a token: the
 * token's `jku`, `x5u`, `jwk` and `x5c` headers are never read; only `kid` picks among keys that
 * came from the configured URL.
 */
import { isJwsAlgorithm, type JwsAlgorithm } from '../common/algorithms.js';
import { fromUtf8 } from '../common/base64url.js';
import { toSeconds } from '../common/duration.js';
import { configError, JwtError } from '../common/errors.js';
import { isPlainObject, type JsonObject } from '../common/json.js';
import { importJwk, rebindKey, type Jwk, type JwtKey } from '../keys/keys.js';
import type { JwsHeader, KeyProvider } from '../keys/keyset.js';
import { assertOptions, type OptionRules } from '../common/options.js';

const REMOTE_JWKS_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({
  algorithms: '!array', timeout: 'number|string', cooldown: 'number|string', minCacheAge: 'number|string', maxCacheAge: 'number|string',
  defaultCacheAge: 'number|string', maxStale: 'number|string', maxBodyBytes: 'number', maxKeys: 'number', kidlessCandidates: 'number',
  headers: 'object', cache: '!object', allowHttp: 'boolean', fetch: 'function', clock: 'function',
});

/**
 * Somewhere to keep the fetched key set between processes, such as a Cloudflare KV namespace or
 * Redis, so that a cold serverless invocation can verify without fetching. Values are opaque
 * strings written by this library; a value that fails to parse is ignored. Failures of the store
 * never fail verification: they only cost a fetch.
 * @example
 * const cache: JwksCacheStore = {
 *   get: () => env.KV.get('jwks:auth0'),
 *   set: (value, ttl) => env.KV.put('jwks:auth0', value, { expirationTtl: Math.max(60, ttl) }),
 * }
 */
export interface JwksCacheStore {
  /** The last value given to `set`, or nothing. */
  get(): Promise<string | null | undefined> | string | null | undefined;
  /** Keep `value` for `ttlSeconds` (the time it stays usable, staleness included). */
  set(value: string, ttlSeconds: number): Promise<void> | void;
}

/** The subset of `fetch` this module calls; pass your own to add a proxy, tracing or a test double. */
export type JwksFetch = (url: string, init: RequestInit) => Promise<Response>;

export interface RemoteJwksOptions {
  /**
   * Only keys usable with these algorithms are kept. A key whose `alg` is outside the list is
   * refused; a key without `alg` is narrowed to the listed algorithms its type allows.
   * @default every asymmetric algorithm the key's type allows
   * @example algorithms: ['RS256']
   */
  algorithms?: readonly JwsAlgorithm[];
  /**
   * Bound on each request (connection, headers and body together), seconds or a duration text.
   * @default '5s'
   */
  timeout?: number | string;
  /**
   * Minimum time between two fetches. A token with an unknown `kid` triggers a fetch only when
   * the last one is at least this old, so a flood of made-up `kid`s costs one request per cooldown.
   * @default '30s'
   */
  cooldown?: number | string;
  /**
   * Lower bound on how long a fetched set is used before it is fetched again, whatever the
   * response's `Cache-Control` says (`no-store` and `max-age=0` are raised to this).
   * @default '1m'
   */
  minCacheAge?: number | string;
  /**
   * Upper bound on the cache lifetime: a key removed from the set stops being trusted at most
   * this long after the last fetch (plus `maxStale` while the endpoint is failing).
   * @default '1h'
   */
  maxCacheAge?: number | string;
  /**
   * Cache lifetime when the response has no `Cache-Control: max-age` (clamped to the bounds above).
   * @default '10m'
   */
  defaultCacheAge?: number | string;
  /**
   * How long after its expiry the last good set is still used while fetching fails (network
   * error, timeout, error status, invalid body). `0` disables stale serving.
   * @default '1h'
   */
  maxStale?: number | string;
  /**
   * Largest response body read, in bytes; the read stops as soon as it is exceeded.
   * @default 262144 (256 KiB)
   */
  maxBodyBytes?: number;
  /**
   * Largest number of keys a set may hold.
   * @default 100
   */
  maxKeys?: number;
  /**
   * How many keys of the set a token without `kid` may be checked against. Such a token is only
   * matched with the keys that serve its `alg`; when more of them than this fit, it is refused
   * with ERR_JWT_KEY_NOT_FOUND before any signature is computed, so that kid-less tokens cannot
   * make every verification try a whole set of RSA or ECDSA keys. The default lets a set with one
   * key per algorithm verify tokens without `kid`; a set in rotation then needs `kid` on tokens.
   * `0` requires a `kid` on every token; at most 16.
   * @default 1
   * @example kidlessCandidates: 0 // every token must name its key
   */
  kidlessCandidates?: number;
  /**
   * Extra request headers (a `User-Agent`, an API gateway key, ...). They are sent to the
   * configured URL's origin only: a redirect to another origin is followed without them.
   * @example headers: { 'user-agent': 'billing-api/1.4' }
   */
  headers?: Record<string, string>;
  /**
   * A store shared between processes or invocations (a KV, Redis, ...). See {@link JwksCacheStore}.
   * @default undefined (memory only)
   */
  cache?: JwksCacheStore;
  /**
   * Allow plain `http:` URLs for hosts other than loopback. Keys fetched over plain HTTP can be
   * replaced by anyone on the path; use this only inside a trusted network.
   * @default false (`https:`, or `http:` to localhost / 127.0.0.0/8 / [::1])
   */
  allowHttp?: boolean;
  /**
   * The fetch implementation.
   * @default globalThis.fetch
   */
  fetch?: JwksFetch;
  /**
   * The current time in milliseconds, for tests.
   * @default Date.now
   */
  clock?: () => number;
}

/** A usable set of keys and when it was fetched. */
interface Snapshot {
  readonly keys: readonly JwtKey[];
  readonly byKid: ReadonlyMap<string, readonly JwtKey[]>;
  /** Keys by each algorithm they serve, for tokens without `kid`. */
  readonly byAlg: ReadonlyMap<string, readonly JwtKey[]>;
  /** The clean public JWKs behind `keys`, kept for the persistent cache. */
  readonly jwks: readonly Jwk[];
  readonly fetchedAt: number;
  readonly expiresAt: number;
}

interface Settings {
  readonly algorithms: readonly JwsAlgorithm[] | undefined;
  readonly timeoutMs: number;
  readonly cooldownMs: number;
  readonly minAge: number;
  readonly maxAge: number;
  readonly defaultAge: number;
  readonly maxStaleMs: number;
  readonly maxBodyBytes: number;
  readonly maxKeys: number;
  readonly kidlessCandidates: number;
  readonly headers: Record<string, string>;
  readonly cache: JwksCacheStore | undefined;
  readonly allowHttp: boolean;
  readonly fetch: JwksFetch;
  readonly clock: () => number;
}

const CACHE_FORMAT = 1;
const MAX_REDIRECTS = 3;
/** Verification tries at most this many keys per token anyway (MAX_CANDIDATES in verify.ts). */
const MAX_KIDLESS_CANDIDATES = 16;
/** Clock skew tolerated on a stored entry's `fetchedAt` (a writer whose clock runs ahead). */
const MAX_CACHE_SKEW_MS = 60_000;
const ACCEPT = 'application/json, application/jwk-set+json';
const NONE: readonly JwtKey[] = /* @__PURE__ */ Object.freeze([]);

/**
 * A remote JWKS as a {@link KeyProvider}: pass it as the `key` of `createVerifier`, `verify` or
 * any adapter. Make one with {@link remoteJwks} or {@link discoverJwks}.
 */
export class RemoteJwks implements KeyProvider {
  /** The issuer whose discovery document names the key set, when built by {@link discoverJwks}. */
  readonly issuer: string | undefined;
  readonly #settings: Settings;
  readonly #discoveryUrl: URL | undefined;
  #jwksUrl: URL | undefined;
  #snapshot: Snapshot | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #lastError: unknown;
  #inflight: Promise<Snapshot> | undefined;
  /** Pending read of the persistent cache, then `true` once it has been read (or skipped). */
  #restored: Promise<void> | boolean;

  /** @internal Use remoteJwks() or discoverJwks(). */
  constructor(target: { jwksUri: string | URL } | { issuer: string }, options: RemoteJwksOptions = {}) {
    assertOptions(options, REMOTE_JWKS_OPTIONS, 'issuer' in target ? 'discoverJwks' : 'remoteJwks');
    this.#settings = compileSettings(options);
    if ('issuer' in target) {
      if (typeof target.issuer !== 'string' || target.issuer === '') throw configError('discoverJwks needs the issuer URL');
      this.issuer = target.issuer;
      this.#discoveryUrl = discoveryUrl(checkUrl(target.issuer, this.#settings.allowHttp, 'issuer', configError));
    } else {
      this.issuer = undefined;
      this.#jwksUrl = checkUrl(target.jwksUri, this.#settings.allowHttp, 'jwksUri', configError);
    }
    this.#restored = this.#settings.cache === undefined;
  }

  /** The key set URL: configured, or found through discovery (undefined until then). */
  get jwksUri(): string | undefined {
    return this.#jwksUrl?.href;
  }

  /** The keys currently held (possibly expired); empty before the first successful fetch. */
  get keys(): readonly JwtKey[] {
    return this.#snapshot?.keys ?? NONE;
  }

  /**
   * Candidate keys for a token. Synchronous while the cache is fresh; a promise when the set must
   * be fetched (first use, expiry, or an unknown `kid` once the cooldown has passed).
   */
  getKeys(header: JwsHeader): readonly JwtKey[] | Promise<readonly JwtKey[]> {
    if (this.#restored !== true) return this.#restore().then(() => this.getKeys(header));
    const s = this.#settings;
    const now = s.clock();
    const snap = this.#snapshot;
    if (snap !== undefined && now < snap.expiresAt) {
      const found = select(snap, header, s.kidlessCandidates);
      if (found.length > 0) return found;
      // An unknown kid: the set may have been rotated. Wait for a fetch already running, start
      // one if the cooldown allows, else answer from the cache.
      const pending = this.#inflight ?? (now - this.#lastAttempt >= s.cooldownMs ? this.#fetch() : undefined);
      if (pending === undefined) return found;
      return pending.then(
        (fresh) => select(fresh, header, s.kidlessCandidates),
        (cause: unknown) => {
          throw new JwtError('ERR_JWT_KEY_NOT_FOUND', { cause });
        },
      );
    }
    // An expired set is fetched again unless a fetch failed within the cooldown: then the last good
    // keys are served (within maxStale) rather than hammering a failing endpoint.
    const mayFetch = this.#lastError === undefined || now - this.#lastAttempt >= s.cooldownMs;
    const pending = this.#inflight ?? (mayFetch ? this.#fetch() : undefined);
    if (pending === undefined) return this.#stale(header, this.#lastError);
    return pending.then(
      (fresh) => select(fresh, header, s.kidlessCandidates),
      (error: unknown) => this.#stale(header, error),
    );
  }

  /**
   * Fetches the set now, whatever the cache says (a fetch already running is shared). Use it to
   * fail fast at start-up, or after learning that keys were rotated. Rejects with
   * ERR_JWKS_FETCH_FAILED or ERR_JWKS_INVALID.
   * @example await jwks.refresh() // before the server starts listening
   */
  async refresh(): Promise<void> {
    if (this.#restored !== true) await this.#restore();
    await (this.#inflight ?? this.#fetch());
  }

  /** The last good keys while they are within `maxStale` of their expiry, else the failure. */
  #stale(header: JwsHeader, error: unknown): readonly JwtKey[] {
    const snap = this.#snapshot;
    if (snap !== undefined && this.#settings.clock() < snap.expiresAt + this.#settings.maxStaleMs) return select(snap, header, this.#settings.kidlessCandidates);
    throw error instanceof JwtError ? error : new JwtError('ERR_JWKS_FETCH_FAILED', { cause: error });
  }

  #fetch(): Promise<Snapshot> {
    this.#lastAttempt = this.#settings.clock();
    const run = this.#load().then(
      (snap) => {
        this.#snapshot = snap;
        this.#lastError = undefined;
        this.#persist(snap);
        return snap;
      },
      (error: unknown) => {
        this.#lastError = error;
        throw error;
      },
    );
    const settled = run.finally(() => {
      if (this.#inflight === settled) this.#inflight = undefined;
    });
    // Callers may not wait (a cooldown answer, a stale answer): never leave a rejection unhandled.
    settled.catch(() => undefined);
    this.#inflight = settled;
    return settled;
  }

  async #load(): Promise<Snapshot> {
    const s = this.#settings;
    if (this.#jwksUrl === undefined) this.#jwksUrl = await this.#discover();
    const { text, maxAge } = await fetchBounded(this.#jwksUrl, s, 'key set');
    const keys = await parseKeySet(text, s);
    const fetchedAt = s.clock();
    return snapshot(keys, fetchedAt, fetchedAt + maxAge * 1000);
  }

  async #discover(): Promise<URL> {
    const s = this.#settings;
    const { text } = await fetchBounded(this.#discoveryUrl!, s, 'discovery document');
    const doc = parseObject(text, 'discovery document');
    // OpenID Connect Discovery 1.0 section 4.3: the issuer must be exactly the one configured,
    // otherwise one tenant could vouch for another's keys.
    if (doc.issuer !== this.issuer) throw invalid('key set invalid: the discovery document names another issuer');
    if (typeof doc.jwks_uri !== 'string') throw invalid('key set invalid: the discovery document has no jwks_uri');
    const jwksUrl = checkUrl(doc.jwks_uri, s.allowHttp, 'jwks_uri', invalid);
    // The same rule as for redirects: an https issuer must not point at plain http (such as a
    // local service on 127.0.0.1).
    if (this.#discoveryUrl!.protocol === 'https:' && jwksUrl.protocol !== 'https:') throw invalid('key set invalid: the discovery document names a plain http jwks_uri');
    return jwksUrl;
  }

  /** Reads the persistent cache once, before the first fetch. */
  #restore(): Promise<void> {
    if (typeof this.#restored === 'object') return this.#restored;
    const s = this.#settings;
    const run = (async () => {
      try {
        const value = await withTimeout(Promise.resolve(s.cache!.get()), s.timeoutMs);
        if (typeof value !== 'string' || this.#snapshot !== undefined) return;
        const restored = await parseCached(value, s);
        if (restored !== undefined && s.clock() < restored.expiresAt + s.maxStaleMs) this.#snapshot ??= restored;
      } catch {
        // An unreadable or corrupt cache entry is a miss: the set is fetched instead.
      }
    })().finally(() => {
      this.#restored = true;
    });
    this.#restored = run;
    return run;
  }

  #persist(snap: Snapshot): void {
    const store = this.#settings.cache;
    if (store === undefined) return;
    const value = JSON.stringify({ v: CACHE_FORMAT, fetchedAt: snap.fetchedAt, expiresAt: snap.expiresAt, keys: snap.jwks });
    const ttl = Math.max(1, Math.ceil((snap.expiresAt - this.#settings.clock() + this.#settings.maxStaleMs) / 1000));
    try {
      Promise.resolve(store.set(value, ttl)).catch(() => undefined);
    } catch {
      // A failing store only costs later invocations a fetch.
    }
  }
}

/**
 * Verification keys from a JWKS URL, cached and refreshed as described in
 * {@link RemoteJwksOptions}. Runs wherever `fetch` does (Node, Bun, Deno, Cloudflare Workers).
 * @example
 * const verifier = createVerifier({
 *   key: remoteJwks('https://example.eu.auth0.com/.well-known/jwks.json'),
 *   issuer: 'https://example.eu.auth0.com/',
 *   audience: 'https://api.example.com',
 *   algorithms: ['RS256'],
 * })
 */
export function remoteJwks(jwksUri: string | URL, options: RemoteJwksOptions = {}): RemoteJwks {
  return new RemoteJwks({ jwksUri }, options);
}

/**
 * Verification keys of an OpenID Connect issuer: its `jwks_uri` is read from
 * `<issuer>/.well-known/openid-configuration` on first use, and the document's `issuer` must equal
 * `issuer` exactly. Returns at once; nothing is fetched until the first verification or
 * `refresh()`.
 * @example
 * const jwks = discoverJwks('https://example.eu.auth0.com/')
 * await jwks.refresh() // optional: fail at start-up rather than at the first request
 */
export function discoverJwks(issuer: string, options: RemoteJwksOptions = {}): RemoteJwks {
  return new RemoteJwks({ issuer }, options);
}

const SHARED_MAX = 16;
/** Least recently used first: Map iteration follows insertion order, and a hit re-inserts. */
const shared = new Map<string, RemoteJwks>();

/**
 * @internal The key set behind a JWKS URL given as the key of `verify()` or `createVerifier()`:
 * one instance per URL (default options) for the whole module, so that one-off `verify(token,
 * url)` calls share a cache instead of fetching every time. Bounded, so that a stream of distinct
 * URLs cannot grow memory. Throws ERR_CONFIG_INVALID for a URL that `remoteJwks()` refuses.
 */
export function sharedRemoteJwks(url: string | URL): RemoteJwks {
  // Validated and normalised first, so that spellings of one URL share an entry.
  const jwksUri = checkUrl(url, false, 'jwksUri', configError);
  const href = jwksUri.href;
  let jwks = shared.get(href);
  if (jwks !== undefined) {
    shared.delete(href);
  } else {
    jwks = new RemoteJwks({ jwksUri });
    if (shared.size >= SHARED_MAX) shared.delete(shared.keys().next().value as string);
  }
  shared.set(href, jwks);
  return jwks;
}

// ---------------------------------------------------------------------------------------------
// Configuration

function compileSettings(o: RemoteJwksOptions): Settings {
  const seconds = (value: number | string | undefined, fallback: number, name: string): number =>
    value === undefined ? fallback : toSeconds(value, name);
  let algorithms: JwsAlgorithm[] | undefined;
  if (o.algorithms !== undefined) {
    if (!Array.isArray(o.algorithms) || o.algorithms.length === 0) throw configError('algorithms must list at least one algorithm');
    for (const alg of o.algorithms) {
      if (!isJwsAlgorithm(alg) || alg.startsWith('HS')) throw configError(`algorithms: ${String(alg).slice(0, 16)} cannot be used with a JWKS (asymmetric algorithms only)`);
    }
    algorithms = [...o.algorithms];
  }
  const timeout = seconds(o.timeout, 5, 'timeout');
  if (timeout <= 0) throw configError('timeout must be more than 0');
  const minAge = seconds(o.minCacheAge, 60, 'minCacheAge');
  const maxAge = seconds(o.maxCacheAge, 3600, 'maxCacheAge');
  if (minAge > maxAge) throw configError('minCacheAge must not exceed maxCacheAge');
  const defaultAge = Math.min(maxAge, Math.max(minAge, seconds(o.defaultCacheAge, 600, 'defaultCacheAge')));
  const positiveInt = (value: number | undefined, fallback: number, name: string): number => {
    if (value === undefined) return fallback;
    if (!Number.isSafeInteger(value) || value < 1) throw configError(`${name} must be a positive integer`);
    return value;
  };
  let kidlessCandidates = 1;
  if (o.kidlessCandidates !== undefined) {
    if (!Number.isSafeInteger(o.kidlessCandidates) || o.kidlessCandidates < 0 || o.kidlessCandidates > MAX_KIDLESS_CANDIDATES) {
      throw configError(`kidlessCandidates must be an integer from 0 to ${MAX_KIDLESS_CANDIDATES}`);
    }
    kidlessCandidates = o.kidlessCandidates;
  }
  if (o.headers !== undefined && (!isPlainObject(o.headers) || Object.values(o.headers).some((v) => typeof v !== 'string'))) {
    throw configError('headers must be an object of strings');
  }
  if (o.cache !== undefined && (typeof o.cache?.get !== 'function' || typeof o.cache.set !== 'function')) {
    throw configError('cache must have get() and set(value, ttlSeconds) methods');
  }
  const fetchImpl = o.fetch ?? (typeof globalThis.fetch === 'function' ? globalThis.fetch.bind(globalThis) : undefined);
  if (typeof fetchImpl !== 'function') throw configError('no fetch implementation: pass options.fetch');
  if (o.clock !== undefined && typeof o.clock !== 'function') throw configError('clock must be a function returning milliseconds');
  return {
    algorithms,
    timeoutMs: timeout * 1000,
    cooldownMs: seconds(o.cooldown, 30, 'cooldown') * 1000,
    minAge,
    maxAge,
    defaultAge,
    maxStaleMs: seconds(o.maxStale, 3600, 'maxStale') * 1000,
    maxBodyBytes: positiveInt(o.maxBodyBytes, 256 * 1024, 'maxBodyBytes'),
    maxKeys: positiveInt(o.maxKeys, 100, 'maxKeys'),
    kidlessCandidates,
    headers: { ...o.headers },
    cache: o.cache,
    allowHttp: o.allowHttp === true,
    fetch: fetchImpl,
    clock: o.clock ?? Date.now,
  };
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function checkUrl(value: string | URL, allowHttp: boolean, name: string, fail: (detail: string) => JwtError): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw fail(`${name} must be an absolute URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (allowHttp || isLoopback(url.hostname)))) {
    throw fail(`${name} must use https: (plain http: only for loopback, or with allowHttp)`);
  }
  if (url.username !== '' || url.password !== '') throw fail(`${name} must not carry credentials`);
  return url;
}

function discoveryUrl(issuer: URL): URL {
  // OpenID Connect Discovery 1.0 section 4: drop one trailing slash, then append the well-known path.
  const url = new URL(issuer.href);
  url.search = '';
  url.hash = '';
  url.pathname = `${url.pathname.replace(/\/$/, '')}/.well-known/openid-configuration`;
  return url;
}

function invalid(detail: string): JwtError {
  return new JwtError('ERR_JWKS_INVALID', { detail });
}

// ---------------------------------------------------------------------------------------------
// Fetching

/** GETs `url` with a timeout over the whole exchange and reads at most `maxBodyBytes` of body. */
async function fetchBounded(url: URL, s: Settings, what: string): Promise<{ text: string; maxAge: number }> {
  const signal = AbortSignal.timeout(s.timeoutMs);
  let target = url;
  let headers: Record<string, string> = { accept: ACCEPT, ...s.headers };
  let response: Response;
  for (let hops = 0; ; hops++) {
    try {
      response = await s.fetch(target.href, {
        method: 'GET',
        headers,
        // Redirects are followed by hand so that each hop is checked before it is contacted.
        redirect: 'manual',
        signal,
      });
    } catch (cause) {
      throw new JwtError('ERR_JWKS_FETCH_FAILED', { cause, detail: `key set unavailable: the ${what} request failed or timed out` });
    }
    const location = response.status >= 300 && response.status < 400 ? response.headers.get('location') : null;
    if (location === null) break;
    await discard(response);
    if (hops >= MAX_REDIRECTS) throw new JwtError('ERR_JWKS_FETCH_FAILED', { detail: `key set unavailable: the ${what} redirects too often` });
    let next: URL;
    try {
      next = new URL(location, target);
    } catch {
      throw invalid(`key set invalid: the ${what} redirects to an invalid URL`);
    }
    target = checkUrl(next, s.allowHttp, `the ${what} redirect`, invalid);
    // An https URL steered to plain http could reach a local service (http://127.0.0.1:...) or
    // be read on the path: plain http is followed only when the configured URL was plain http.
    if (url.protocol === 'https:' && target.protocol !== 'https:') throw invalid(`key set invalid: the ${what} redirects from https to plain http`);
    // Extra headers may carry credentials meant for the configured origin: once a redirect
    // leaves it they are dropped for good, even if a later hop comes back.
    if (target.origin !== url.origin) headers = { accept: ACCEPT };
  }
  if (!response.ok) {
    await discard(response);
    throw new JwtError('ERR_JWKS_FETCH_FAILED', { detail: `key set unavailable: the ${what} answered HTTP ${response.status}` });
  }
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) > s.maxBodyBytes) {
    await discard(response);
    throw invalid(`key set invalid: the ${what} is larger than maxBodyBytes`);
  }
  const bytes = await readBody(response, s.maxBodyBytes, what);
  let text: string;
  try {
    text = fromUtf8(bytes);
  } catch {
    throw invalid(`key set invalid: the ${what} is not UTF-8`);
  }
  return { text, maxAge: cacheAge(response.headers, s) };
}

async function readBody(response: Response, limit: number, what: string): Promise<Uint8Array> {
  const body = response.body;
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (cause) {
      throw new JwtError('ERR_JWKS_FETCH_FAILED', { cause, detail: `key set unavailable: reading the ${what} failed or timed out` });
    }
    if (chunk.done) break;
    total += chunk.value.byteLength;
    if (total > limit) {
      // Stop the transfer now rather than buffering a body we will refuse anyway.
      reader.cancel().catch(() => undefined);
      throw invalid(`key set invalid: the ${what} is larger than maxBodyBytes`);
    }
    chunks.push(chunk.value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing to recover: the body is not needed.
  }
}

/** Seconds the response may be used: `Cache-Control: max-age` less `Age`, within the configured bounds. */
function cacheAge(headers: Headers, s: Settings): number {
  const cc = headers.get('cache-control');
  let age: number | undefined;
  if (cc !== null) {
    for (const part of cc.split(',')) {
      const directive = part.trim().toLowerCase();
      if (directive === 'no-store' || directive === 'no-cache') {
        age = 0;
        break;
      }
      const m = /^max-age\s*=\s*"?(\d+)"?$/.exec(directive);
      if (m) age = Number(m[1]);
    }
  }
  if (age === undefined) return s.defaultAge;
  const already = Number(headers.get('age'));
  if (Number.isFinite(already) && already > 0) age -= already;
  return Math.min(s.maxAge, Math.max(s.minAge, age));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Parsing and key admission

function parseObject(text: string, what: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(`key set invalid: the ${what} is not JSON`);
  }
  if (!isPlainObject(value)) throw invalid(`key set invalid: the ${what} is not a JSON object`);
  return value;
}

async function parseKeySet(text: string, s: Settings): Promise<Array<{ key: JwtKey; jwk: Jwk }>> {
  const doc = parseObject(text, 'key set');
  if (!Array.isArray(doc.keys)) throw invalid('key set invalid: no "keys" array');
  return admitKeys(doc.keys, s);
}

async function admitKeys(entries: readonly unknown[], s: Settings): Promise<Array<{ key: JwtKey; jwk: Jwk }>> {
  if (entries.length > s.maxKeys) throw invalid('key set invalid: more keys than maxKeys');
  const admitted: Array<{ key: JwtKey; jwk: Jwk }> = [];
  for (const entry of entries) {
    const jwk = cleanJwk(entry, s.algorithms);
    if (jwk === undefined) continue;
    try {
      let key = await importJwk(jwk, jwk.alg === undefined ? {} : { alg: jwk.alg as JwsAlgorithm });
      if (s.algorithms !== undefined && jwk.alg === undefined) {
        const allowed = key.algorithms.filter((a) => s.algorithms!.includes(a));
        if (allowed.length === 0) continue;
        key = rebindKey(key, { alg: allowed });
      }
      admitted.push({ key, jwk });
    } catch {
      // Weak, malformed or unsupported keys are left out; the rest of the set stays usable.
    }
  }
  // A set with nothing to verify with is treated as a broken answer, so the last good set
  // keeps being served (within maxStale) instead of every token suddenly failing.
  if (admitted.length === 0) throw invalid('key set invalid: no usable signature verification key');
  return admitted;
}

const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  RSA: ['n', 'e'],
  EC: ['crv', 'x', 'y'],
  OKP: ['crv', 'x'],
};
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * A public signature-verification JWK made of known members only, or undefined when the entry
 * must not be used: symmetric or unknown `kty`, private material, `use` other than `sig`,
 * `key_ops` without `verify`, an `alg` that is not an allowed asymmetric JWS algorithm.
 */
function cleanJwk(entry: unknown, algorithms: readonly JwsAlgorithm[] | undefined): Jwk | undefined {
  if (!isPlainObject(entry) || typeof entry.kty !== 'string') return undefined;
  const members = PUBLIC_MEMBERS[entry.kty];
  if (members === undefined) return undefined;
  if (PRIVATE_MEMBERS.some((m) => entry[m] !== undefined)) return undefined;
  if (entry.use !== undefined && entry.use !== 'sig') return undefined;
  if (entry.key_ops !== undefined && !(Array.isArray(entry.key_ops) && entry.key_ops.includes('verify') && entry.key_ops.every((op) => typeof op === 'string'))) {
    return undefined;
  }
  if (entry.kid !== undefined && (typeof entry.kid !== 'string' || entry.kid === '' || entry.kid.length > 256)) return undefined;
  if (entry.alg !== undefined) {
    if (!isJwsAlgorithm(entry.alg) || entry.alg.startsWith('HS')) return undefined;
    if (algorithms !== undefined && !algorithms.includes(entry.alg)) return undefined;
  }
  const jwk: Jwk = { kty: entry.kty };
  for (const m of members) {
    if (typeof entry[m] !== 'string') return undefined;
    jwk[m] = entry[m];
  }
  if (entry.kid !== undefined) jwk.kid = entry.kid;
  if (entry.alg !== undefined) jwk.alg = entry.alg;
  jwk.use = 'sig';
  return jwk;
}

function snapshot(admitted: ReadonlyArray<{ key: JwtKey; jwk: Jwk }>, fetchedAt: number, expiresAt: number): Snapshot {
  const byKid = new Map<string, JwtKey[]>();
  const byAlg = new Map<string, JwtKey[]>();
  const add = (map: Map<string, JwtKey[]>, name: string, key: JwtKey): void => {
    const list = map.get(name);
    if (list === undefined) map.set(name, [key]);
    else list.push(key);
  };
  for (const { key } of admitted) {
    if (key.kid !== undefined) add(byKid, key.kid, key);
    for (const alg of key.algorithms) add(byAlg, alg, key);
  }
  return Object.freeze({
    keys: Object.freeze(admitted.map((a) => a.key)),
    byKid,
    byAlg,
    jwks: Object.freeze(admitted.map((a) => a.jwk)),
    fetchedAt,
    expiresAt,
  });
}

/**
 * A token with a `kid` is only checked against keys with that `kid`. One without is checked
 * against the keys that serve its `alg`, and only when there are at most `limit` of them.
 */
function select(snap: Snapshot, header: JwsHeader, limit: number): readonly JwtKey[] {
  if (typeof header.kid === 'string') return snap.byKid.get(header.kid) ?? NONE;
  const fitting = snap.byAlg.get(header.alg);
  // No key serves this algorithm: hand the set over so that verification answers "algorithm not
  // allowed", which it decides without computing any signature.
  if (fitting === undefined) return snap.keys;
  if (fitting.length > limit) {
    throw new JwtError('ERR_JWT_KEY_NOT_FOUND', { detail: 'no matching key: the token has no kid and more keys of the set fit its algorithm than kidlessCandidates allows' });
  }
  return fitting;
}

async function parseCached(value: string, s: Settings): Promise<Snapshot | undefined> {
  const doc = JSON.parse(value) as unknown;
  if (!isPlainObject(doc) || doc.v !== CACHE_FORMAT || !Array.isArray(doc.keys)) return undefined;
  const { fetchedAt, expiresAt } = doc;
  if (typeof fetchedAt !== 'number' || typeof expiresAt !== 'number' || !Number.isFinite(fetchedAt) || !Number.isFinite(expiresAt)) return undefined;
  const now = s.clock();
  // An entry fetched "in the future" (tampered, or written by a host whose clock runs ahead)
  // would outlive every bound below: beyond a small skew it is a miss.
  if (fetchedAt > now + MAX_CACHE_SKEW_MS) return undefined;
  // A stored entry cannot extend the configured bounds, whatever it claims.
  const bounded = Math.min(expiresAt, fetchedAt + s.maxAge * 1000, now + s.maxAge * 1000);
  return snapshot(await admitKeys(doc.keys, s), fetchedAt, bounded);
}
