/**
 * Refresh-token families shared by every instance through Redis (the `RefreshStore` of
 * `createRefreshTokens`). One hash per session holds the refresh token that may still be exchanged;
 * one Lua script per call reads and changes it atomically, so of two instances exchanging the same
 * token at once exactly one wins, and the other sees reuse. Every record expires with the last
 * refresh token of its session.
 *
 * Losing data fails closed: a family Redis no longer holds answers `unknown` (the user logs in
 * again), never `rotated`.
 */
import { assertOptions, JwtError, type RefreshRotation, type RefreshStore } from '@jwt/core';
import type { RedisClientOptions } from 'redis';
import { checkConnectionOptions, configError, createConnection, positiveMs, type Connection } from './connection.js';
import { withTimeout } from './protocol.js';

export interface RedisRefreshStoreOptions {
  /**
   * The Redis server, `redis://[[user]:password@]host[:port][/db]` or `rediss://` for TLS.
   * @example url: process.env.REDIS_URL
   */
  url?: string;
  /**
   * Further node-redis client options (TLS, credentials, socket), merged over `url`. The offline
   * queue is always off, so a call never waits on a dead connection.
   * @example clientOptions: { socket: { tls: true, ca } }
   */
  clientOptions?: RedisClientOptions;
  /**
   * Prefix of every family key. Services that must not share sessions use different prefixes.
   * @default 'jwt:refresh:'
   * @example keyPrefix: 'billing-api:refresh:'
   */
  keyPrefix?: string;
  /**
   * Most milliseconds a call may take before it fails with ERR_REVOCATION_UNAVAILABLE (the refresh
   * token is then answered 503 and may be retried).
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
   * Called with connection errors, for logging. Never called with token contents. Exceptions it
   * throws are ignored.
   * @default no-op
   * @example onError: (error) => logger.warn({ err: error }, 'refresh store')
   */
  onError?: (error: Error) => void;
}

/**
 * KEYS[1] the family; ARGV: operation, jti, next jti, expiry (unix ms). Fields: `c` the current
 * refresh token's jti, `s` `a` (active) or `r` (ended), `e` the expiry, which only moves later.
 * Needs no command newer than Redis 6.2.
 */
export const REFRESH_SCRIPT = `
local op = ARGV[1]
local expires = tonumber(ARGV[4])
local function extend()
  local e = tonumber(redis.call('HGET', KEYS[1], 'e'))
  if not e or expires > e then
    redis.call('HSET', KEYS[1], 'e', ARGV[4])
    redis.call('PEXPIREAT', KEYS[1], ARGV[4])
  end
end
if op == 'create' then
  if redis.call('EXISTS', KEYS[1]) == 1 then return 'exists' end
  redis.call('HSET', KEYS[1], 'c', ARGV[2], 's', 'a')
  extend()
  return 'created'
end
local state = redis.call('HMGET', KEYS[1], 'c', 's')
if not state[1] then return 'unknown' end
if op == 'revoke' then
  redis.call('HSET', KEYS[1], 's', 'r')
  extend()
  return 'revoked'
end
if state[2] == 'r' then return 'revoked' end
if state[1] ~= ARGV[2] then
  redis.call('HSET', KEYS[1], 's', 'r')
  return 'reused'
end
redis.call('HSET', KEYS[1], 'c', ARGV[3])
extend()
return 'rotated'
`;

/** The rules of {@link RedisRefreshStoreOptions}: `url: undefined` (an unset REDIS_URL) is refused. */
const REFRESH_STORE_OPTIONS = {
  url: '!string',
  clientOptions: 'object',
  keyPrefix: '!string',
  commandTimeout: 'number',
  connectTimeout: 'number',
  onError: 'function',
};

function ids(sid: unknown, jti: unknown): void {
  if (typeof sid !== 'string' || sid === '') throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'sid', detail: 'required claim missing: sid' });
  if (typeof jti !== 'string' || jti === '') throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'jti', detail: 'required claim missing: jti' });
}

function expiry(expiresAt: unknown): string {
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) throw configError('expiresAt must be seconds since the epoch');
  return String(Math.ceil(expiresAt * 1000));
}

const ROTATIONS = new Set<string>(['rotated', 'reused', 'revoked', 'unknown']);

/**
 * Refresh-token sessions in one Redis server, shared by every instance. Needs Redis 6.2 or later.
 * @example
 * const refresh = createRefreshTokens({ access, revocation, store: new RedisRefreshStore({ url: process.env.REDIS_URL }) })
 * process.on('SIGTERM', () => store.close())
 */
export class RedisRefreshStore implements RefreshStore {
  readonly #client: Connection;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  #closing: Promise<void> | undefined;
  /** Settled by the first connection attempt, then dropped: calls made before it wait for it. */
  #firstAttempt: Promise<void> | undefined;

  constructor(options: RedisRefreshStoreOptions) {
    assertOptions(options, REFRESH_STORE_OPTIONS, 'RedisRefreshStore');
    const prefix = checkConnectionOptions(options, 'RedisRefreshStore', 'jwt:refresh:');
    this.#prefix = prefix;
    this.#timeoutMs = positiveMs(options.commandTimeout, 'commandTimeout', 1000);
    this.#client = createConnection(options, (retries) => Math.min(50 * 2 ** retries, 500));
    const onError = options.onError;
    let settle: () => void = () => undefined;
    this.#firstAttempt = new Promise<void>((resolve) => (settle = resolve));
    const firstDone = (): void => {
      settle();
      this.#firstAttempt = undefined;
    };
    this.#client.on('ready', firstDone);
    this.#client.on('error', (error: unknown) => {
      firstDone();
      try {
        onError?.(error instanceof Error ? error : new Error(String(error)));
      } catch {
        // A logger that throws must not take the store down with it.
      }
    });
    this.#client.connect().catch(() => undefined);
  }

  async create(sid: string, jti: string, expiresAt: number): Promise<void> {
    ids(sid, jti);
    const result = await this.#run('create', sid, jti, '', expiresAt);
    // Session ids are 128 random bits: a clash is a bug in the caller, never a user's doing.
    if (result !== 'created') throw configError('create: this sid already has a family');
  }

  async rotate(sid: string, jti: string, next: string, expiresAt: number): Promise<RefreshRotation> {
    ids(sid, jti);
    ids(sid, next);
    const result = await this.#run('rotate', sid, jti, next, expiresAt);
    if (!ROTATIONS.has(result)) throw new JwtError('ERR_REVOCATION_UNAVAILABLE', { detail: 'revocation status unavailable: unexpected answer from Redis' });
    return result as RefreshRotation;
  }

  async revoke(sid: string, expiresAt: number): Promise<void> {
    ids(sid, '-');
    await this.#run('revoke', sid, '', '', expiresAt);
  }

  /** Closes the connection, waiting at most `commandTimeout` for replies in flight. */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    const client = this.#client;
    const graceful = client.close?.() ?? client.quit?.() ?? Promise.resolve();
    this.#closing = withTimeout(Promise.resolve(graceful), this.#timeoutMs).then(
      () => undefined,
      () => client.destroy(),
    );
    return this.#closing;
  }

  async #run(op: string, sid: string, jti: string, next: string, expiresAt: number): Promise<string> {
    const at = expiry(expiresAt);
    // A service's first requests may come while the first connection is being made: they wait for
    // it (within the timeout). After it, a call never waits for a connection: it fails fast.
    const first = this.#firstAttempt;
    if (first !== undefined && this.#closing === undefined) await withTimeout(first, this.#timeoutMs).catch(() => undefined);
    if (this.#closing !== undefined || !this.#client.isReady) throw new JwtError('ERR_REVOCATION_UNAVAILABLE', { detail: 'revocation status unavailable: Redis not connected' });
    let reply: unknown;
    try {
      reply = await withTimeout(this.#client.sendCommand(['EVAL', REFRESH_SCRIPT, '1', `${this.#prefix}${sid}`, op, jti, next, at]), this.#timeoutMs);
    } catch (cause) {
      throw new JwtError('ERR_REVOCATION_UNAVAILABLE', { cause });
    }
    return typeof reply === 'string' ? reply : reply instanceof Uint8Array ? new TextDecoder().decode(reply) : '';
  }
}
