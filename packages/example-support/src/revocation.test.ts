/**
 * REDIS_URL: read and checked without ever echoing it (it may carry a password), and turned into
 * the shared Redis store; without it, the in-memory store.
 */
import { MemoryRevocationStore } from '@jwt/core';
import { RedisRevocationStore } from '@jwt/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, redisAvailable, RedisServer } from '../../redis/test/redis-server.js';
import { ConfigError, loadConfig } from './config.js';
import { createRevocation } from './revocation.js';

const SECRET = 'revocation-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const config = (env: Record<string, string>) => loadConfig({ JWT_SECRET: SECRET, ...env }, { defaultPort: 3000 });

describe('REDIS_URL', () => {
  it('is optional: without it, revocations are kept in memory', async () => {
    const c = config({});
    expect(c.revocation).toEqual({ kind: 'memory' });
    const revocation = await createRevocation(c);
    expect(revocation.store).toBeInstanceOf(MemoryRevocationStore);
    await revocation.close();
  });

  it('accepts redis:// and rediss:// URLs', () => {
    expect(config({ REDIS_URL: 'redis://127.0.0.1:6379' }).revocation).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379' });
    expect(config({ REDIS_URL: ' rediss://user:pw@cache.internal:6380/2 ' }).revocation).toEqual({ kind: 'redis', url: 'rediss://user:pw@cache.internal:6380/2' });
  });

  it.each([
    ['another scheme', 'http://hunter2-password@127.0.0.1:6379'],
    ['not a URL', 'hunter2-password'],
    ['no host', 'redis://:hunter2-password@'],
    ['empty', '   '],
  ])('refuses %s, naming the variable and never echoing the value', (_, value) => {
    let error: unknown;
    try {
      config({ REDIS_URL: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/REDIS_URL/);
    expect((error as Error).message).not.toContain('hunter2');
  });
});

describe.skipIf(!redisAvailable)('REDIS_URL with a real Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  it('uses the shared Redis store, synchronised before the app serves', async () => {
    const logs: string[] = [];
    const revocation = await createRevocation(config({ REDIS_URL: redis.url, JWT_TTL: '600', JWT_REFRESH_TTL: '300' }), { log: (m) => logs.push(m) });
    try {
      expect(revocation.store).toBeInstanceOf(RedisRevocationStore);
      expect((revocation.store as RedisRevocationStore).status).toBe('synced');
      expect(logs).toEqual([]);
      await revocation.store.revokeSubject('kevin');
      // The cutoff lives as long as the app's longest-lived tokens (here JWT_TTL) plus the retention.
      const raw = await redis.client();
      const pttl = Number(await raw.sendCommand(['PTTL', 'jwt:revocation:s:kevin']));
      raw.destroy();
      expect(pttl).toBeGreaterThan(1_100_000);
      expect(pttl).toBeLessThanOrEqual(1_200_000);
    } finally {
      await revocation.close();
    }
    expect((revocation.store as RedisRevocationStore).status).toBe('closed');
  });

  it('refuses to start when Redis is unreachable, with a clear message, logging each error once and never the password', async () => {
    const logs: string[] = [];
    const port = await freePort();
    const url = `redis://:hunter2-password@127.0.0.1:${port}`;
    const failure = await createRevocation(config({ REDIS_URL: url }), { log: (m) => logs.push(m), readyTimeoutMs: 700 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toBe(`REDIS_URL: Redis at 127.0.0.1:${port} cannot be reached; refusing to start (every token would be refused)`);
    expect(logs.length).toBeGreaterThan(0);
    expect(new Set(logs).size).toBe(logs.length);
    for (const line of [...logs, (failure as Error).message]) expect(line).not.toContain('hunter2');
  });
});
