/**
 * Chooses the revocation store from the configuration: in memory by default, in Redis (shared by
 * every instance) when `REDIS_URL` is set. One place to extend when more stores exist.
 */
import { MemoryRefreshStore, MemoryRevocationStore, type RefreshStore, type RevocationStore } from '@jwt/core';
import { RedisRefreshStore, RedisRevocationStore } from '@jwt/redis';
import { ConfigError, type ExampleConfig } from './config.js';

export interface ExampleRevocation {
  store: RevocationStore;
  /** Where refresh-token sessions live: beside the revocations. */
  refresh: RefreshStore;
  /** Releases connections at shutdown. */
  close(): Promise<void>;
}

export interface CreateRevocationOptions {
  /**
   * Where operational messages go (Redis unreachable, back again).
   * @default a line on stderr
   */
  log?: (message: string) => void;
  /**
   * How long to wait at start for Redis. A Redis that cannot be reached by then stops the app
   * (ConfigError, exit 1): serving would answer every request 401 `revocation status unavailable`.
   * @default 5000
   */
  readyTimeoutMs?: number;
}

/** Once per outage, not once per reconnection attempt. */
const REPEAT_AFTER_MS = 30_000;

/** `host:port` only: a Redis URL may carry a password. */
function redisAddress(url: string): string {
  const { hostname, port } = new URL(url);
  return `${hostname}:${port === '' ? '6379' : port}`;
}

export async function createRevocation(config: ExampleConfig, options: CreateRevocationOptions = {}): Promise<ExampleRevocation> {
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  switch (config.revocation.kind) {
    case 'memory': {
      // A subject cutoff must outlive every token it covers: access tokens live `ttl` seconds, refresh tokens `refreshTtl`.
      const store = new MemoryRevocationStore({ maxTokenLifetime: Math.max(config.ttl, config.refreshTtl) });
      return { store, refresh: new MemoryRefreshStore(), close: async () => undefined };
    }
    case 'redis': {
      const address = redisAddress(config.revocation.url);
      // Both connections report, and reconnection attempts repeat: each distinct message once per 30 s.
      const logged = new Map<string, number>();
      const store = new RedisRevocationStore({
        url: config.revocation.url,
        maxTokenLifetime: Math.max(config.ttl, config.refreshTtl),
        requireConnection: true,
        onError: (error) => {
          const text = `warning: revocation store (Redis at ${address}): ${error.message}`;
          const now = Date.now();
          const last = logged.get(text);
          if (last !== undefined && now - last < REPEAT_AFTER_MS) return;
          if (logged.size >= 64) logged.clear();
          logged.set(text, now);
          log(text);
        },
      });
      // Same server: the revocation store's messages already tell when it is out of reach.
      const refresh = new RedisRefreshStore({ url: config.revocation.url });
      try {
        await store.ready(options.readyTimeoutMs ?? 5000);
      } catch {
        await Promise.all([store.close(), refresh.close()]);
        throw new ConfigError(`REDIS_URL: Redis at ${address} cannot be reached; refusing to start (every token would be refused)`);
      }
      return { store, refresh, close: async () => void (await Promise.all([store.close(), refresh.close()])) };
    }
  }
}
