import { afterEach, describe, expect, it, vi } from 'vitest';
import { RedisRevocationStore } from '../src/index.js';
import { eventually, freePort } from './redis-server.js';

function configMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect((error as { code?: string }).code).toBe('ERR_CONFIG_INVALID');
    return (error as Error).message;
  }
  throw new Error('expected ERR_CONFIG_INVALID');
}

describe('RedisRevocationStore options', () => {
  it('an unknown option is named with the closest known one; an unset URL says so', () => {
    expect(configMessage(() => new RedisRevocationStore({ url: 'redis://127.0.0.1:1', maxTokenLifetime: '1h', keyprefix: 'x' } as never))).toBe(
      'RedisRevocationStore: unknown option "keyprefix" (did you mean "keyPrefix"?)',
    );
    const env: Record<string, string | undefined> = {};
    expect(configMessage(() => new RedisRevocationStore({ url: env.REDIS_URL as string, maxTokenLifetime: '1h' }))).toContain('RedisRevocationStore: url is undefined (is an environment variable unset?)');
    expect(configMessage(() => new RedisRevocationStore({ url: 'redis://127.0.0.1:1', maxTokenLifetime: '1h', requireConnection: 'yes' as never }))).toBe(
      'RedisRevocationStore: requireConnection must be a boolean, not string',
    );
  });
});

describe('an unreachable Redis', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is logged by default (console.warn, the password masked), and ready() resolves false', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const store = new RedisRevocationStore({ url: `redis://:hunter2-password@127.0.0.1:${await freePort()}`, maxTokenLifetime: '1h', connectTimeout: 200 });
    try {
      expect(await store.ready(300)).toBe(false);
      await eventually(() => warn.mock.calls.length > 0, 5000, 'a warning');
      const lines = warn.mock.calls.map((c) => String(c[0]));
      expect(lines[0]).toMatch(/^@jwt\/redis: revocation store: /);
      for (const line of lines) expect(line).not.toContain('hunter2');
    } finally {
      await store.close();
    }
  });

  it('with requireConnection, ready() rejects with ERR_REVOCATION_UNAVAILABLE', async () => {
    const store = new RedisRevocationStore({ url: `redis://127.0.0.1:${await freePort()}`, maxTokenLifetime: '1h', requireConnection: true, onError: () => undefined });
    try {
      await expect(store.ready(300)).rejects.toMatchObject({ code: 'ERR_REVOCATION_UNAVAILABLE', message: 'revocation status unavailable: Redis not reachable within 300 ms (requireConnection)' });
    } finally {
      await store.close();
    }
  });
});
