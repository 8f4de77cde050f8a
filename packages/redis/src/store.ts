/**
 * Revocations shared by every instance through Redis, checked without a network round trip.
 *
 * Each instance keeps a mirror of every live revocation in memory (a `MemoryRevocationStore`),
 * loaded with SCAN after subscribing to the change channel and kept current by its messages.
 * While the mirror may be missing something (before the first load, after a dropped connection,
 * when heartbeats stop coming back) it is "stale": a check asks Redis directly, within a bounded
 * time, and falls back to the `onUnavailable` policy when Redis does not answer.
 *
 * A revocation is never withdrawn before the tokens it covers expire, even when Redis loses its
 * data: the mirror is only ever added to (loads merge into it, never replace it), and each
 * synchronisation writes back to Redis whatever the mirror holds that Redis lacks, including the
 * revocations made here while Redis was unreachable. The store is `synced` only once that write-back
 * has succeeded. A marker key tells a Redis that lost its data from one that did not.
 */
import { assertOptions, JwtError, MemoryRevocationStore, issuedBefore, revocationEntry, revocationWindow, sessionEntry, type JwtClaims, type RevocationStore, type RevocationWindowOptions } from '@jwt/core';
import type { RedisClientOptions } from 'redis';
import { checkConnectionOptions, configError, createConnection, positiveMs, type Connection } from './connection.js';
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
   * Each beat also checks the data-loss marker, so a Redis emptied without dropping connections
   * (FLUSHALL) gets this instance's revocations back. `0` turns heartbeats off, leaving only
   * connection events to detect a loss.
   * @default 1000
   * @example heartbeatInterval: 500
   */
  heartbeatInterval?: number;
  /**
   * Called with every connection error and failed synchronisation, for logging. Never called with
   * token contents. Exceptions it throws are ignored.
   * @default a `console.warn` line per distinct message (at most one per message every 30 s), so
   *   an unreachable Redis is never silent
   * @example onError: (error) => logger.warn({ err: error }, 'revocation store')
   */
  onError?: (error: Error) => void;
  /**
   * Make `ready()` reject with ERR_REVOCATION_UNAVAILABLE, instead of resolving `false`, when Redis
   * cannot be reached in time: a service that awaits it refuses to start rather than answering
   * every request 401 `revocation status unavailable`.
   * @default false
   * @example const store = new RedisRevocationStore({ url, maxTokenLifetime: '15m', requireConnection: true }); await store.ready()
   */
  requireConnection?: boolean;
}

const STORE_OPTIONS = {
  url: '!string',
  clientOptions: 'object',
  keyPrefix: '!string',
  onUnavailable: '!string',
  commandTimeout: 'number',
  connectTimeout: 'number',
  heartbeatInterval: 'number',
  onError: 'function',
  requireConnection: 'boolean',
  maxTokenLifetime: '!number|string',
  retainAfterExpiry: 'number|string',
};

const REPEAT_AFTER_MS = 30_000;

/** The default onError: a warning per distinct message, not one per reconnection attempt. */
function warnOnce(): (error: Error) => void {
  const logged = new Map<string, number>();
  return (error) => {
    // Credentials in a redis://user:password@host URL quoted by a message are masked.
    const text = `@jwt/redis: revocation store: ${error.message.replace(/\/\/[^@\s/]*@/g, '//***@')}`;
    const now = Date.now();
    const last = logged.get(text);
    if (last !== undefined && now - last < REPEAT_AFTER_MS) return;
    if (logged.size >= 64) logged.clear();
    logged.set(text, now);
    console.warn(text);
  };
}


const SCAN_COUNT = '1000';
const MAX_RECONNECT_DELAY = 500;
const RETRY_DELAY = 500;
/** Writes sent at once during a write-back: pipelined, well under the client's queue bound. */
const WRITE_BATCH = 500;

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function applyTo(mirror: MemoryRevocationStore, change: Change): void {
  if (change.kind === 'j') mirror.revokeToken({ jti: change.id, exp: change.value });
  else if (change.kind === 's') mirror.revokeSubject(change.id, change.value);
  else mirror.revokeSession(change.id, change.value);
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
  readonly #requireConnection: boolean;
  readonly #client: Connection;
  readonly #subscriber: Connection;
  readonly #heartbeatChannel: string;
  readonly #heartbeat: ReturnType<typeof setInterval> | undefined;

  /**
   * Every live revocation this instance knows of. Never replaced, only added to: what it holds is
   * what Redis must hold too, and is written back whenever Redis turns out to lack it.
   */
  readonly #mirror: MemoryRevocationStore;
  /** The marker value seen at the last synchronisation; another value, or none, means Redis lost data. */
  #marker: string | undefined;
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
  /** Settled at the command connection's first 'ready', then dropped. */
  #firstReady: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(options: RedisRevocationStoreOptions) {
    assertOptions(options, STORE_OPTIONS, 'RedisRevocationStore');
    const prefix = checkConnectionOptions(options, 'RedisRevocationStore', 'jwt:revocation:');
    const policy = options.onUnavailable ?? 'refuse';
    if (policy !== 'refuse' && policy !== 'accept') throw configError("onUnavailable must be 'refuse' or 'accept'");
    const window = revocationWindow(options);
    this.#lifetimeMs = window.lifetimeMs;
    this.#retainMs = window.retainMs;
    this.#timeoutMs = positiveMs(options.commandTimeout, 'commandTimeout', 1000);
    const heartbeatMs = positiveMs(options.heartbeatInterval, 'heartbeatInterval', 1000, true);
    this.#names = namesFor(prefix);
    this.#policy = policy;
    this.#requireConnection = options.requireConnection === true;
    const onError = options.onError ?? warnOnce();
    this.#onError = (error) => {
      try {
        onError?.(error);
      } catch {
        // A logger that throws must not take the store down with it.
      }
    };
    this.#mirror = this.#newMirror();
    this.#heartbeatChannel = `${this.#names.prefix}heartbeat:${crypto.randomUUID()}`;

    this.#client = createConnection(options, reconnectDelay, { commandsQueueMaxLength: options.clientOptions?.commandsQueueMaxLength ?? 10_000 });
    this.#subscriber = this.#client.duplicate();
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
   * service wait for the fast path before it takes traffic. With `requireConnection: true` it
   * rejects with ERR_REVOCATION_UNAVAILABLE instead of resolving false.
   * @example if (!(await revocation.ready(3000))) logger.warn('revocations: Redis not reachable yet')
   */
  ready(timeoutMs = 5000): Promise<boolean> {
    let ms: number;
    try {
      ms = positiveMs(timeoutMs, 'timeoutMs', 5000);
    } catch (error) {
      return Promise.reject(error);
    }
    const settle = (synced: boolean): boolean => {
      if (!synced && this.#requireConnection) {
        throw new JwtError('ERR_REVOCATION_UNAVAILABLE', { detail: `revocation status unavailable: Redis not reachable within ${ms} ms (requireConnection)` });
      }
      return synced;
    };
    if (this.#closed) return Promise.resolve(false).then(settle);
    if (!this.#stale) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (synced: boolean): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve(synced);
      };
      timer = setTimeout(() => done(false), ms);
      this.#waiters.add(done);
    }).then(settle);
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
    const expiresAt = this.#expiryOf('s', cutoff);
    if (expiresAt <= Date.now()) return;
    await this.#publish({ kind: 's', id: sub, value: cutoff }, expiresAt);
  }

  /**
   * Ends a login session on every instance: refuses each token whose `sid` is `sid` until
   * `expiresAt` (seconds, plus the retention). `sub` is accepted for the interface and unused: the
   * mirror holds every revocation Redis holds, without a per-subject share.
   * @example await revocation.revokeSession(claims.sid, sessionExpiresAt)
   */
  async revokeSession(sid: string, expiresAt: number, _sub?: string): Promise<void> {
    const until = sessionEntry(sid, expiresAt, this.#retainMs);
    if (until <= Date.now()) return;
    await this.#publish({ kind: 'i', id: sid, value: expiresAt }, until);
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
    // Bounded by time like the Redis keys it mirrors, not by count or per subject: it must hold
    // exactly what Redis holds (no fallback cutoff that Redis lacks, nothing less), so that what it
    // writes back is what was revoked.
    return new MemoryRevocationStore({
      maxTokenLifetime: this.#lifetimeMs / 1000,
      retainAfterExpiry: this.#retainMs / 1000,
      maxEntries: Number.MAX_SAFE_INTEGER,
      maxEntriesPerSubject: Number.MAX_SAFE_INTEGER,
    });
  }

  /** When a revocation's key may leave Redis: the same windows as the mirror's. */
  #expiryOf(kind: ChangeKind, value: number): number {
    return kind === 's' ? value + this.#lifetimeMs + this.#retainMs : value * 1000 + this.#retainMs;
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
      // The mirror keeps it; the synchronisation this starts writes it back (with whatever else
      // Redis lacks) and the store stays stale, checking Redis or refusing, until that succeeds.
      this.#markStale();
      throw new JwtError('ERR_REVOCATION_UNAVAILABLE', { cause, detail: 'revocation status unavailable: not shared through Redis yet' });
    }
  }

  #write(change: Change, expiresAt: number): Promise<unknown> {
    const names = this.#names;
    return this.#command(['EVAL', WRITE_SCRIPT, '1', keyOf(names, change.kind, change.id), String(change.value), String(Math.ceil(expiresAt)), names.channel, encodeChange(change)]);
  }

  /**
   * Writes every revocation the mirror holds that Redis lacks (or holds an earlier value of), given
   * what the load found. Returns how many were written. Throws when a write fails: the caller stays
   * stale and retries, so nothing this instance knows is ever dropped.
   */
  async #writeBack(inRedis: ReadonlyMap<string, number>): Promise<number> {
    const names = this.#names;
    const now = Date.now();
    const missing: { change: Change; expiresAt: number }[] = [];
    for (const record of [...this.#mirror.entries()]) {
      // The mirror has no room limit, so it never falls back to a store-wide cutoff.
      if (record.kind === 'everyone') continue;
      const kind: ChangeKind = record.kind === 'token' ? 'j' : record.kind === 'subject' ? 's' : 'i';
      const held = inRedis.get(keyOf(names, kind, record.id));
      if (held !== undefined && held >= record.value) continue;
      const expiresAt = this.#expiryOf(kind, record.value);
      if (expiresAt > now) missing.push({ change: { kind, id: record.id, value: record.value }, expiresAt });
    }
    for (let i = 0; i < missing.length && !this.#closed; i += WRITE_BATCH) {
      await Promise.all(missing.slice(i, i + WRITE_BATCH).map(({ change, expiresAt }) => this.#write(change, expiresAt)));
    }
    return missing.length;
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
    const present = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
    const jti = present(claims.jti);
    const sid = present(claims.sid);
    const sub = present(claims.sub);
    if (jti === undefined && sid === undefined && sub === undefined) return false;
    if (this.#closed) return new Promise((resolve) => resolve(this.#unavailable()));
    const names = this.#names;
    const keys = [names.marker, keyOf(names, 'j', jti ?? ''), keyOf(names, 'i', sid ?? ''), keyOf(names, 's', sub ?? '')];
    return this.#command(['MGET', ...keys]).then(
      (reply) => {
        if (!Array.isArray(reply) || reply.length !== keys.length) return this.#unavailable(new Error('unexpected MGET reply'));
        const [marker, logout, session, subject] = reply as unknown[];
        // No marker: Redis lost its data (or no instance has synchronised with it yet), so a missing
        // key proves nothing until the instances have written back what they know.
        if (marker == null) return this.#unavailable(new Error('redis holds no revocation marker (data lost?)'));
        // Any value under a logout or session key means revoked, even one this version cannot read.
        if (jti !== undefined && logout != null) return true;
        if (sid !== undefined && session != null) return true;
        if (sub === undefined || subject == null) return false;
        const cutoff = parseValue(subject);
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
    const names = this.#names;
    // Read before the load: a marker that disappears during it is caught by the next heartbeat.
    const marker = await this.#command(['GET', names.marker]);
    const inRedis = await this.#load();
    // Whatever Redis lacks goes back: revocations made here while it was unreachable, and after a
    // data loss everything this instance knows. Only then may the marker say "nothing is missing".
    const written = await this.#writeBack(inRedis);
    if (marker == null) await this.#command(['SET', names.marker, crypto.randomUUID(), 'NX']);
    const current = await this.#command(['GET', names.marker]);
    const lost = this.#marker !== undefined && current !== this.#marker;
    if (lost || (marker == null && written > 0)) {
      this.#report(new Error(`revocation store: Redis lost revocations (its marker ${marker == null ? 'was missing' : 'changed'}); wrote back ${written} known to this instance`));
    }
    if (typeof current !== 'string') throw new Error('revocation store: the marker did not stick (is Redis evicting keys?)');
    // Proof that the subscription delivers, not just that its socket looks open: without it, a
    // subscriber that died silently would be declared synced again and again.
    await this.#roundTrip();
    if (this.#closed || epoch !== this.#epoch || !this.#subscriber.isReady) return;
    this.#marker = current;
    this.#stale = false;
    for (const waiter of [...this.#waiters]) waiter(true);
  }

  /**
   * SCAN, never KEYS: the load must not block a Redis that holds millions of keys. Merges every
   * revocation found into the mirror and returns them by key, for the write-back to compare.
   */
  async #load(): Promise<Map<string, number>> {
    const names = this.#names;
    const found = new Map<string, number>();
    let cursor = '0';
    do {
      const reply = await this.#command(['SCAN', cursor, 'MATCH', names.pattern, 'COUNT', SCAN_COUNT]);
      if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1])) throw new Error('unexpected SCAN reply');
      cursor = String(reply[0]);
      const keys: { kind: ChangeKind; id: string; key: string }[] = [];
      for (const key of reply[1] as unknown[]) {
        const parsed = typeof key === 'string' ? parseKey(names, key) : undefined;
        if (parsed !== undefined) keys.push({ ...parsed, key: key as string });
      }
      if (keys.length === 0) continue;
      const values = await this.#command(['MGET', ...keys.map((f) => f.key)]);
      if (!Array.isArray(values)) throw new Error('unexpected MGET reply');
      keys.forEach((f, i) => {
        const value = parseValue(values[i]);
        // Gone since SCAN saw it (expired), or not a number: nothing to mirror.
        if (value === undefined) return;
        found.set(f.key, value);
        applyTo(this.#mirror, { kind: f.kind, id: f.id, value });
      });
    } while (cursor !== '0' && !this.#closed);
    return found;
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
    // A Redis that lost its data without dropping the connection (FLUSHALL, an operator's reset)
    // still answers and still delivers: only the marker tells. A restart or a failover drops the
    // connections (or, behind a proxy, the subscription, which the heartbeats catch) and leads to
    // the same resynchronisation, which writes back what Redis lacks.
    if (this.#stale) return;
    const expected = this.#marker;
    this.#command(['GET', this.#names.marker]).then(
      (marker) => {
        if (this.#stale || this.#closed || expected !== this.#marker || marker === expected) return;
        this.#report(new Error('revocation store: Redis lost its revocation marker; writing back what this instance knows'));
        this.#markStale();
      },
      (error: unknown) => this.#report(error),
    );
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
