/**
 * Revocations shared by every instance through Redis, checked without a network round trip.
 *
 * Each instance keeps a mirror of every live revocation in memory (a `MemoryRevocationStore`),
 * loaded with SCAN after subscribing to the change channel and kept current by its messages.
 * While the mirror may be missing something (before the first load, after a dropped connection,
 * when heartbeats stop coming back) it is "stale": a check asks Redis directly, within a bounded
 * time, and falls back to the `onUnavailable` policy when Redis does not answer.
 */
import { JwtError, MemoryRevocationStore, issuedBefore, revocationEntry, revocationWindow, type JwtClaims, type RevocationStore, type RevocationWindowOptions } from '@jwt/core';
import { createClient, type RedisClientOptions } from 'redis';
import { decodeChange, encodeChange, keyOf, namesFor, parseKey, parseValue, withTimeout, WRITE_SCRIPT, type Change, type ChangeKind, type Names } from './protocol.js';

/** What to answer for a token whose revocation status cannot be known because Redis is unreachable. */
export type UnavailablePolicy = 'refuse' | 'accept';

/** `synced`: checks answer from memory. `stale`: checks ask Redis. `closed`: after close(). */
export type RedisRevocationStatus = 'synced' | 'stale' | 'closed';

export interface RedisRevocationStoreOptions extends RevocationWindowOptions {
  /**
   * The Redis server, `redis://[[user]:password@]host[:port][/db]` or `rediss://` for TLS.
   * @example url: process.env.REDIS_URL
   */
  url?: string;
  /**
   * Further node-redis client options (TLS, credentials, socket), merged over `url`. The store
   * always disables node-redis's offline queue so a check never waits on a dead connection.
   * @example clientOptions: { socket: { tls: true, ca } }
   */
  clientOptions?: RedisClientOptions;
  /**
   * Prefix of every key and of the change channel. Services that must not share revocations use
   * different prefixes (or databases).
   * @default 'jwt:revocation:'
   * @example keyPrefix: 'billing-api:revoked:'
   */
  keyPrefix?: string;
  /**
   * While Redis cannot be reached and the mirror may be stale: `'refuse'` fails the check with
   * ERR_REVOCATION_UNAVAILABLE (answered as 401 by the adapters), `'accept'` lets tokens through
   * that the local mirror does not know as revoked. A token the mirror knows is refused either way.
   * @default 'refuse'
   * @example onUnavailable: 'accept' // availability over strictness
   */
  onUnavailable?: UnavailablePolicy;
  /**
   * Most milliseconds any single Redis command may take before it counts as unavailable.
   * @default 1000
   * @example commandTimeout: 250
   */
  commandTimeout?: number;
  /**
   * Most milliseconds a connection attempt may take.
   * @default 2000
   * @example connectTimeout: 5000
   */
  connectTimeout?: number;
  /**
   * Every this many milliseconds the store publishes a heartbeat to itself through Redis; when two
   * in a row have not come back, the mirror is treated as stale (a connection that died silently).
   * `0` turns heartbeats off, leaving only connection events to detect a loss.
   * @default 1000
   * @example heartbeatInterval: 500
   */
  heartbeatInterval?: number;
  /**
   * Called with every connection error and failed synchronisation, for logging. Never called with
   * token contents. Exceptions it throws are ignored.
   * @default no-op
   * @example onError: (error) => logger.warn({ err: error }, 'revocation store')
   */
  onError?: (error: Error) => void;
}

/** The part of a node-redis client (v5 and v6) the store uses. */
interface Connection {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  subscribe(channels: string[], listener: (message: string, channel: string) => void): Promise<unknown>;
  duplicate(): Connection;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  destroy(): void;
}

const SCAN_COUNT = '1000';
const MAX_RECONNECT_DELAY = 500;
const RETRY_DELAY = 500;
/** Revocations kept for a later write while Redis is unreachable; beyond this the oldest go first. */
const MAX_UNSHARED = 10_000;

function configError(detail: string, cause?: unknown): JwtError {
  return new JwtError('ERR_CONFIG_INVALID', cause === undefined ? { detail } : { detail, cause });
}

function positiveMs(value: unknown, name: string, fallback: number, allowZero = false): number {
  const ms = value === undefined ? fallback : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || (ms === 0 && !allowZero) || ms > 600_000) {
    throw configError(`${name} must be a number of milliseconds between ${allowZero ? 0 : 1} and 600000`);
  }
  return ms;
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function applyTo(mirror: MemoryRevocationStore, change: Change): void {
  if (change.kind === 'j') mirror.revokeToken({ jti: change.id, exp: change.value });
  else mirror.revokeSubject(change.id, change.value);
}

/** Reconnects quickly at first, then every half second: a check is refused (or accepted) meanwhile. */
function reconnectDelay(retries: number): number {
  return Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY) + Math.floor(Math.random() * 50);
}

/**
 * A revocation store shared by every instance of a service through one Redis server.
 * Needs Redis 6.2 or later (SET with PXAT).
 * @example
 * const revocation = new RedisRevocationStore({ url: process.env.REDIS_URL, maxTokenLifetime: '15m' })
 * await revocation.ready() // optional: wait for the mirror before taking traffic
 * const verifier = createVerifier({ key, revocation })
 * await revocation.revokeToken(payload) // logout, seen by every instance
 * process.on('SIGTERM', () => revocation.close())
 */
export class RedisRevocationStore implements RevocationStore {
  readonly #names: Names;
  readonly #lifetimeMs: number;
  readonly #retainMs: number;
  readonly #policy: UnavailablePolicy;
  readonly #timeoutMs: number;
  readonly #onError: (error: Error) => void;
  readonly #client: Connection;
  readonly #subscriber: Connection;
  readonly #heartbeatChannel: string;
  readonly #heartbeat: ReturnType<typeof setInterval> | undefined;

  #mirror: MemoryRevocationStore;
  /** The mirror being loaded, which receives changes too, so none is lost during the load. */
  #loading: MemoryRevocationStore | undefined;
  #stale = true;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Bumped whenever the subscription may have missed a message: a load that spans a bump does not count. */
  #epoch = 0;
  #subscribed = false;
  #syncing = false;
  #syncAgain = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #beatsSent = 0;
  #beatsSeen = 0;
  readonly #waiters = new Set<(synced: boolean) => void>();
  /** Heartbeat round trips waited on by a synchronisation: resolved once that beat comes back. */
  readonly #beatWaiters = new Set<{ beat: number; resolve: () => void }>();
  /** Revocations made here that Redis did not take: still applied here, written once it is back. */
  readonly #unshared = new Map<string, { change: Change; expiresAt: number }>();
  /** Settled at the command connection's first 'ready', then dropped. */
  #firstReady: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(options: RedisRevocationStoreOptions) {
    if (typeof options !== 'object' || options === null) throw configError('RedisRevocationStore needs options with a url or clientOptions');
    const { url, clientOptions } = options;
    if (url === undefined && clientOptions === undefined) throw configError('RedisRevocationStore needs a url (redis://host:port) or clientOptions');
    if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//i.test(url))) throw configError('url must be a redis:// or rediss:// URL');
    if (clientOptions !== undefined && (typeof clientOptions !== 'object' || clientOptions === null)) throw configError('clientOptions must be an object');
    const prefix = options.keyPrefix ?? 'jwt:revocation:';
    if (typeof prefix !== 'string' || prefix === '') throw configError('keyPrefix must be a non-empty string');
    const policy = options.onUnavailable ?? 'refuse';
    if (policy !== 'refuse' && policy !== 'accept') throw configError("onUnavailable must be 'refuse' or 'accept'");
    if (options.onError !== undefined && typeof options.onError !== 'function') throw configError('onError must be a function');
    const window = revocationWindow(options);
    this.#lifetimeMs = window.lifetimeMs;
    this.#retainMs = window.retainMs;
    this.#timeoutMs = positiveMs(options.commandTimeout, 'commandTimeout', 1000);
    const connectTimeout = positiveMs(options.connectTimeout, 'connectTimeout', 2000);
    const heartbeatMs = positiveMs(options.heartbeatInterval, 'heartbeatInterval', 1000, true);
    this.#names = namesFor(prefix);
    this.#policy = policy;
    const onError = options.onError;
    this.#onError = (error) => {
      try {
        onError?.(error);
      } catch {
        // A logger that throws must not take the store down with it.
      }
    };
    this.#mirror = this.#newMirror();
    this.#heartbeatChannel = `${this.#names.prefix}heartbeat:${crypto.randomUUID()}`;

    const socket = (clientOptions?.socket ?? {}) as Record<string, unknown>;
    try {
      this.#client = createClient({
        ...(url === undefined ? {} : { url }),
        ...clientOptions,
        disableOfflineQueue: true,
        commandsQueueMaxLength: clientOptions?.commandsQueueMaxLength ?? 10_000,
        socket: { connectTimeout, reconnectStrategy: reconnectDelay, ...socket },
      } as RedisClientOptions) as unknown as Connection;
      this.#subscriber = this.#client.duplicate();
    } catch {
      // No cause attached: it may quote the URL, password included.
      throw configError('url or clientOptions: not a usable Redis address');
    }
    let resolveFirst: () => void = () => undefined;
    const promise = new Promise<void>((resolve) => (resolveFirst = resolve));
    this.#firstReady = { promise, resolve: resolveFirst };
    this.#listen();
    this.#client.connect().catch((error: unknown) => this.#report(error));
    this.#subscriber.connect().catch((error: unknown) => this.#report(error));
    if (heartbeatMs > 0) {
      this.#heartbeat = setInterval(() => this.#beat(), heartbeatMs);
      this.#heartbeat.unref?.();
    }
  }

  /** `synced` when checks answer from memory, `stale` while they ask Redis, `closed` after close(). */
  get status(): RedisRevocationStatus {
    return this.#closed ? 'closed' : this.#stale ? 'stale' : 'synced';
  }

  /**
   * Resolves true once the mirror is loaded, false if that has not happened within `timeoutMs`
   * (Redis unreachable) or the store was closed. The store works either way; this only lets a
   * service wait for the fast path before it takes traffic.
   * @example if (!(await revocation.ready(3000))) logger.warn('revocations: Redis not reachable yet')
   */
  ready(timeoutMs = 5000): Promise<boolean> {
    let ms: number;
    try {
      ms = positiveMs(timeoutMs, 'timeoutMs', 5000);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closed) return Promise.resolve(false);
    if (!this.#stale) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (synced: boolean): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve(synced);
      };
      timer = setTimeout(() => done(false), ms);
      this.#waiters.add(done);
    });
  }

  /** Logout: refuses this token on every instance until its `exp` (plus the retention). */
  async revokeToken(claims: JwtClaims): Promise<void> {
    const { jti, expiresAt } = revocationEntry(claims, this.#retainMs);
    if (expiresAt <= Date.now()) return;
    await this.#publish({ kind: 'j', id: jti, value: claims.exp! }, expiresAt);
  }

  /** Password change: refuses, on every instance, each token of `sub` issued up to `at` (ms, default now). */
  async revokeSubject(sub: string, at?: number): Promise<void> {
    if (typeof sub !== 'string' || sub === '') throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'sub', detail: 'required claim missing: sub' });
    const cutoff = at ?? Date.now();
    if (typeof cutoff !== 'number' || !Number.isFinite(cutoff)) throw configError('revokeSubject: at must be milliseconds since the epoch');
    const expiresAt = cutoff + this.#lifetimeMs + this.#retainMs;
    if (expiresAt <= Date.now()) return;
    await this.#publish({ kind: 's', id: sub, value: cutoff }, expiresAt);
  }

  /**
   * From memory (synchronous) while synced; from Redis, within `commandTimeout`, while stale.
   * Rejects with ERR_REVOCATION_UNAVAILABLE when Redis cannot answer and the policy is 'refuse'.
   */
  isRevoked(claims: JwtClaims): boolean | Promise<boolean> {
    if (!this.#stale) return this.#mirror.isRevoked(claims);
    // Revocations are never withdrawn, so what the mirror knows still holds.
    if (this.#mirror.isRevoked(claims)) return true;
    return this.#askRedis(claims);
  }

  /**
   * Closes both connections (waiting at most `commandTimeout` for replies in flight) and stops
   * every timer, so the process can exit. Checks afterwards follow the `onUnavailable` policy.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    this.#stale = true;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#retry);
    for (const waiter of [...this.#waiters]) waiter(false);
    this.#closing = Promise.all([this.#shutdown(this.#client), this.#shutdown(this.#subscriber)]).then(() => undefined);
    return this.#closing;
  }

  #newMirror(): MemoryRevocationStore {
    // Bounded by time like the Redis keys it mirrors, not by count: evicting an entry here would
    // quietly accept a token that every other instance refuses.
    return new MemoryRevocationStore({ maxTokenLifetime: this.#lifetimeMs / 1000, retainAfterExpiry: this.#retainMs / 1000, maxEntries: Number.MAX_SAFE_INTEGER });
  }

  #listen(): void {
    this.#client.on('error', (error) => {
      // The first attempt failed: from now on a check fails fast instead of waiting for it.
      this.#endFirstWait();
      this.#report(error);
    });
    this.#client.on('ready', () => {
      this.#endFirstWait();
      this.#sync();
    });
    this.#subscriber.on('error', (error) => {
      this.#report(error);
      this.#markStale();
    });
    this.#subscriber.on('end', () => this.#markStale());
    this.#subscriber.on('reconnecting', () => this.#markStale());
    // node-redis subscribes again on its own before it is ready again; what was published
    // meanwhile is only in Redis, hence a full load.
    this.#subscriber.on('ready', () => this.#sync());
  }

  #endFirstWait(): void {
    this.#firstReady?.resolve();
    this.#firstReady = undefined;
  }

  #report(error: unknown): void {
    if (!this.#closed) this.#onError(asError(error));
  }

  #markStale(): void {
    this.#epoch++;
    this.#stale = true;
    // Retries until both connections are back and a load completes, whatever brought us here.
    this.#sync();
  }

  #apply(change: Change): void {
    applyTo(this.#mirror, change);
    if (this.#loading !== undefined) applyTo(this.#loading, change);
  }

  readonly #onMessage = (message: string, channel: string): void => {
    if (channel === this.#heartbeatChannel) {
      const seen = Number(message);
      if (seen > this.#beatsSeen) this.#beatsSeen = seen;
      for (const waiter of this.#beatWaiters) if (waiter.beat <= this.#beatsSeen) waiter.resolve();
      if (this.#stale) this.#sync();
      return;
    }
    const change = decodeChange(message);
    if (change === undefined) return;
    try {
      this.#apply(change);
    } catch (error) {
      this.#report(error);
    }
  };

  async #publish(change: Change, expiresAt: number): Promise<void> {
    if (this.#closed) throw new JwtError('ERR_REVOCATION_UNAVAILABLE', { detail: 'revocation status unavailable: the store is closed' });
    // This instance refuses the token at once, whatever happens to the write.
    this.#apply(change);
    try {
      await this.#write(change, expiresAt);
    } catch (cause) {
      this.#keepUnshared(change, expiresAt);
      throw new JwtError('ERR_REVOCATION_UNAVAILABLE', { cause, detail: 'revocation status unavailable: not shared through Redis yet' });
    }
  }

  #write(change: Change, expiresAt: number): Promise<unknown> {
    const names = this.#names;
    return this.#command(['EVAL', WRITE_SCRIPT, '1', keyOf(names, change.kind, change.id), String(change.value), String(Math.ceil(expiresAt)), names.channel, encodeChange(change)]);
  }

  #keepUnshared(change: Change, expiresAt: number): void {
    const id = `${change.kind}:${change.id}`;
    const previous = this.#unshared.get(id);
    if (previous !== undefined && previous.change.value >= change.value) return;
    if (previous === undefined && this.#unshared.size >= MAX_UNSHARED) this.#unshared.delete(this.#unshared.keys().next().value as string);
    this.#unshared.set(id, { change, expiresAt });
  }

  /** Writes what Redis missed while it was away; what still fails waits for the next synchronisation. */
  async #shareUnshared(): Promise<void> {
    for (const [id, { change, expiresAt }] of this.#unshared) {
      if (this.#closed) return;
      if (expiresAt > Date.now()) await this.#write(change, expiresAt);
      this.#unshared.delete(id);
    }
  }

  /** Publishes a heartbeat and waits for it to come back through the subscription. */
  async #roundTrip(): Promise<void> {
    const beat = ++this.#beatsSent;
    let waiter: { beat: number; resolve: () => void } | undefined;
    const back = new Promise<void>((resolve) => {
      waiter = { beat, resolve };
      this.#beatWaiters.add(waiter);
    });
    try {
      await this.#command(['PUBLISH', this.#heartbeatChannel, String(beat)]);
      if (this.#beatsSeen < beat) await withTimeout(back, this.#timeoutMs);
    } finally {
      this.#beatWaiters.delete(waiter!);
    }
  }

  #command(args: string[]): Promise<unknown> {
    const client = this.#client;
    // A service's first requests may arrive while the first connection attempt is still under way:
    // they wait for it (within the timeout). After it, connected or not, a check never waits for a
    // connection: it fails fast and the policy answers.
    if (!client.isReady && this.#firstReady !== undefined) return withTimeout(this.#firstReady.promise.then(() => client.sendCommand(args)), this.#timeoutMs);
    return withTimeout(client.sendCommand(args), this.#timeoutMs);
  }

  #unavailable(cause?: unknown): boolean {
    if (this.#policy === 'accept') return false;
    throw new JwtError('ERR_REVOCATION_UNAVAILABLE', cause === undefined ? {} : { cause });
  }

  #askRedis(claims: JwtClaims): boolean | Promise<boolean> {
    const jti = typeof claims.jti === 'string' && claims.jti !== '' ? claims.jti : undefined;
    const sub = typeof claims.sub === 'string' && claims.sub !== '' ? claims.sub : undefined;
    if (jti === undefined && sub === undefined) return false;
    if (this.#closed) return new Promise((resolve) => resolve(this.#unavailable()));
    const names = this.#names;
    const keys = [...(jti === undefined ? [] : [keyOf(names, 'j', jti)]), ...(sub === undefined ? [] : [keyOf(names, 's', sub)])];
    return this.#command(['MGET', ...keys]).then(
      (reply) => {
        if (!Array.isArray(reply)) return this.#unavailable(new Error('unexpected MGET reply'));
        const values = reply as unknown[];
        let i = 0;
        // Any value under a logout key means revoked, even one this version cannot read.
        if (jti !== undefined && values[i++] != null) return true;
        if (sub === undefined) return false;
        const raw = values[i];
        if (raw == null) return false;
        const cutoff = parseValue(raw);
        return cutoff === undefined || issuedBefore(claims.iat, cutoff);
      },
      (cause: unknown) => this.#unavailable(cause),
    );
  }

  /** Subscribes if needed, then loads the mirror; one run at a time, rerun when asked meanwhile. */
  #sync(): void {
    if (this.#closed || !this.#stale) return;
    if (this.#syncing) {
      this.#syncAgain = true;
      return;
    }
    this.#syncing = true;
    clearTimeout(this.#retry);
    this.#syncOnce()
      .catch((error: unknown) => this.#report(error))
      .finally(() => {
        this.#syncing = false;
        if (this.#syncAgain) {
          this.#syncAgain = false;
          this.#sync();
        } else if (this.#stale && !this.#closed) {
          this.#retry = setTimeout(() => this.#sync(), RETRY_DELAY);
          this.#retry.unref?.();
        }
      });
  }

  async #syncOnce(): Promise<void> {
    // Reconnection events will call again; nothing to try before both connections are up.
    if (!this.#client.isReady || !this.#subscriber.isReady) return;
    const epoch = this.#epoch;
    if (!this.#subscribed) {
      await withTimeout(this.#subscriber.subscribe([this.#names.channel, this.#heartbeatChannel], this.#onMessage), this.#timeoutMs);
      this.#subscribed = true;
    }
    const next = this.#newMirror();
    this.#loading = next;
    try {
      await this.#load(next);
      // Proof that the subscription delivers, not just that its socket looks open: without it, a
      // subscriber that died silently would be declared synced again and again.
      await this.#roundTrip();
    } finally {
      this.#loading = undefined;
    }
    if (this.#closed || epoch !== this.#epoch || !this.#subscriber.isReady) return;
    const now = Date.now();
    for (const [id, { change, expiresAt }] of this.#unshared) {
      if (expiresAt <= now) this.#unshared.delete(id);
      else applyTo(next, change);
    }
    this.#mirror = next;
    this.#stale = false;
    for (const waiter of [...this.#waiters]) waiter(true);
    if (this.#unshared.size > 0) this.#shareUnshared().catch((error: unknown) => this.#report(error));
  }

  /** SCAN, never KEYS: the load must not block a Redis that holds millions of keys. */
  async #load(mirror: MemoryRevocationStore): Promise<void> {
    const names = this.#names;
    let cursor = '0';
    do {
      const reply = await this.#command(['SCAN', cursor, 'MATCH', names.pattern, 'COUNT', SCAN_COUNT]);
      if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1])) throw new Error('unexpected SCAN reply');
      cursor = String(reply[0]);
      const found: { kind: ChangeKind; id: string; key: string }[] = [];
      for (const key of reply[1] as unknown[]) {
        const parsed = typeof key === 'string' ? parseKey(names, key) : undefined;
        if (parsed !== undefined) found.push({ ...parsed, key: key as string });
      }
      if (found.length === 0) continue;
      const values = await this.#command(['MGET', ...found.map((f) => f.key)]);
      if (!Array.isArray(values)) throw new Error('unexpected MGET reply');
      found.forEach((f, i) => {
        const value = parseValue(values[i]);
        // Gone since SCAN saw it (expired), or not a number: nothing to mirror.
        if (value === undefined) return;
        if (f.kind === 'j') mirror.revokeToken({ jti: f.id, exp: value });
        else mirror.revokeSubject(f.id, value);
      });
    } while (cursor !== '0' && !this.#closed);
  }

  #beat(): void {
    if (this.#closed) return;
    // Two heartbeats outstanding: messages are not arriving, whatever the sockets say.
    if (!this.#stale && this.#beatsSent - this.#beatsSeen >= 2) {
      this.#onError(new Error('revocation store: heartbeats are not coming back; checking Redis directly until resynchronised'));
      this.#markStale();
    }
    if (!this.#subscribed || !this.#client.isReady) return;
    const beat = ++this.#beatsSent;
    this.#command(['PUBLISH', this.#heartbeatChannel, String(beat)]).catch((error: unknown) => this.#report(error));
  }

  async #shutdown(connection: Connection): Promise<void> {
    try {
      if (connection.isOpen) {
        const closing = connection.close !== undefined ? connection.close() : connection.quit?.();
        if (closing !== undefined) await withTimeout(closing, this.#timeoutMs);
      }
    } catch {
      // Closing a dead connection fails; destroy() below releases it all the same.
    }
    try {
      connection.destroy();
    } catch {
      // Already destroyed.
    }
  }
}
