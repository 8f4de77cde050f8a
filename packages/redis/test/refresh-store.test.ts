/**
 * RedisRefreshStore against a real redis-server, with two stores standing for two instances: the
 * compare-and-set (exactly one of two concurrent exchanges wins), reuse detection and logout seen
 * across instances, records expiring with their session, and data loss or an outage failing closed.
 */
import { createRefreshTokens, MemoryRevocationStore, secretKey, type JwtError, type RefreshTokens } from '@jwt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRefreshStore, type RedisRefreshStoreOptions } from '../src/index.js';
import { eventually, expectCode, redisAvailable, RedisServer, SETTLE_MS } from './redis-server.js';

const key = secretKey('refresh-store-secret-0123456789-abcdefghijklmnopqrstuvwxyz-AB');
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

describe('configuration', () => {
  it.each([
    ['no options', undefined],
    ['neither url nor clientOptions', {}],
    ['url of another scheme', { url: 'http://127.0.0.1:6379' }],
    ['empty keyPrefix', { url: 'redis://127.0.0.1:1', keyPrefix: '' }],
    ['zero commandTimeout', { url: 'redis://127.0.0.1:1', commandTimeout: 0 }],
    ['onError not a function', { url: 'redis://127.0.0.1:1', onError: 'log' }],
  ])('refuses %s', async (_name, options) => {
    await expectCode(() => new RedisRefreshStore(options as RedisRefreshStoreOptions), 'ERR_CONFIG_INVALID');
  });

  it('a misspelt option is refused with the right name, an unset url as unset; spelt right, the store is made', async () => {
    const refused = (options: unknown, message: RegExp) =>
      expect(() => new RedisRefreshStore(options as RedisRefreshStoreOptions)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(message) }));
    refused({ url: 'redis://127.0.0.1:1', keyPrefx: 'app:' }, /RedisRefreshStore: unknown option "keyPrefx" \(did you mean "keyPrefix"\?\)/);
    refused({ url: 'redis://127.0.0.1:1', commandTimeOut: 100 }, /unknown option "commandTimeOut" \(did you mean "commandTimeout"\?\)/);
    refused({ url: undefined }, /RedisRefreshStore: url is undefined/);
    const store = new RedisRefreshStore({ url: 'redis://127.0.0.1:1', keyPrefix: 'app:', commandTimeout: 100, connectTimeout: 100, onError: () => undefined });
    await store.close();
  });
});

describe.skipIf(!redisAvailable)('RedisRefreshStore with a real Redis', () => {
  let redis: RedisServer;
  const stores: RedisRefreshStore[] = [];
  const open = async (url = redis.url, options: Partial<RedisRefreshStoreOptions> = {}): Promise<RedisRefreshStore> => {
    const store = new RedisRefreshStore({ url, commandTimeout: 2000, ...options });
    stores.push(store);
    // Ready once a call goes through: the connection is made in the background.
    await eventually(async () => (await store.rotate('probe', 'j', 'k', nowSeconds() + 60).catch(() => 'down')) !== 'down', SETTLE_MS, 'store connected');
    return store;
  };
  /** One "instance": its own store connection and its own (unshared) revocation memory. */
  const instance = (store: RedisRefreshStore): RefreshTokens =>
    createRefreshTokens({ access: { key, issuer: 'auth', audience: 'api', expiresIn: 900, jwtId: true }, revocation: new MemoryRevocationStore(), store });

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await redis?.dispose();
  });

  it('a call made right after construction waits for the first connection instead of failing', async () => {
    const store = new RedisRefreshStore({ url: redis.url, commandTimeout: SETTLE_MS });
    stores.push(store);
    await store.create('early', 'j1', nowSeconds() + 60);
    expect(await store.rotate('early', 'j1', 'j2', nowSeconds() + 60)).toBe('rotated');
  });

  it('rotates once per token, sees reuse from another connection, and ends the family for both', async () => {
    const [a, b] = [await open(), await open()];
    const exp = nowSeconds() + 600;
    await a.create('s1', 'j1', exp);
    expect(await b.rotate('s1', 'j1', 'j2', exp + 10)).toBe('rotated');
    expect(await a.rotate('s1', 'j2', 'j3', exp + 20)).toBe('rotated');
    // j1 was used: reuse, and the family is over, the current token (j3) included.
    expect(await b.rotate('s1', 'j1', 'x', exp + 30)).toBe('reused');
    expect(await a.rotate('s1', 'j3', 'j4', exp + 30)).toBe('revoked');
    expect(await a.rotate('no-such', 'j1', 'j2', exp)).toBe('unknown');
    // The record expires with the last refresh token of the session, and never earlier.
    const raw = await redis.client();
    const pexpiretime = Number(await raw.sendCommand(['PEXPIRETIME', 'jwt:refresh:s1']));
    expect(pexpiretime).toBe((exp + 20) * 1000);
    raw.destroy();
    await expectCode(a.create('s1', 'j9', exp), 'ERR_CONFIG_INVALID');
  });

  it('of two connections exchanging the same token at once, exactly one wins, every time', async () => {
    const [a, b] = [await open(), await open()];
    const exp = nowSeconds() + 600;
    for (let round = 0; round < 50; round++) {
      const sid = `race-${round}`;
      await a.create(sid, 't0', exp);
      const outcomes = await Promise.all([a.rotate(sid, 't0', 'ta', exp), b.rotate(sid, 't0', 'tb', exp)]);
      expect(outcomes.sort()).toEqual(['reused', 'rotated']);
    }
  });

  it('two instances: exchange on one, reuse on the other ends the session on both; the same for logout', async () => {
    const [one, two] = [instance(await open()), instance(await open())];
    const login = await one.issue({ sub: 'kevin' });
    const next = await two.exchange(login.refreshToken);
    await expectCode(one.exchange(login.refreshToken), 'ERR_REFRESH_REUSED');
    // Instance two's revocation memory never heard of it: the shared family record refuses it.
    await expectCode(two.exchange(next.refreshToken), 'ERR_JWT_REVOKED');

    const other = await two.issue({ sub: 'kevin' });
    const untouched = await one.issue({ sub: 'kevin' });
    await one.endSession(other.sid);
    await expectCode(two.exchange(other.refreshToken), 'ERR_JWT_REVOKED');
    expect((await two.exchange(untouched.refreshToken)).sid).toBe(untouched.sid);
  });

  it('two instances exchanging the same token concurrently: exactly one new pair', async () => {
    const [one, two] = [instance(await open()), instance(await open())];
    for (let round = 0; round < 10; round++) {
      const login = await one.issue({ sub: 'kevin' });
      const outcomes = await Promise.allSettled([one.exchange(login.refreshToken), two.exchange(login.refreshToken)]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect((rejected.reason as JwtError).code).toBe('ERR_REFRESH_REUSED');
    }
  });

  it('Redis losing its data fails closed: the session is unknown, never rotated; a new login works', async () => {
    const one = instance(await open());
    const login = await one.issue({ sub: 'kevin' });
    const used = login.refreshToken;
    const current = (await one.exchange(used)).refreshToken;
    const raw = await redis.client();
    await raw.sendCommand(['FLUSHALL']);
    raw.destroy();
    await expectCode(one.exchange(used), 'ERR_REFRESH_INVALID');
    await expectCode(one.exchange(current), 'ERR_REFRESH_INVALID');
    const fresh = await one.issue({ sub: 'kevin' });
    expect((await one.exchange(fresh.refreshToken)).sid).toBe(fresh.sid);
  });
});

describe.skipIf(!redisAvailable)('RedisRefreshStore through an outage', () => {
  it('answers ERR_REVOCATION_UNAVAILABLE while Redis is down; after a restart without data, the old session is unknown', async () => {
    const redis = await RedisServer.start();
    const store = new RedisRefreshStore({ url: redis.url, commandTimeout: 500 });
    try {
      const refresh = createRefreshTokens({ access: { key, issuer: 'auth', audience: 'api', expiresIn: 900 }, revocation: new MemoryRevocationStore(), store });
      await eventually(async () => (await store.rotate('probe', 'j', 'k', nowSeconds() + 60).catch(() => 'down')) !== 'down', SETTLE_MS, 'store connected');
      const login = await refresh.issue({ sub: 'kevin' });
      await redis.stop();
      await expectCode(refresh.exchange(login.refreshToken), 'ERR_REVOCATION_UNAVAILABLE');
      await expectCode(refresh.issue({ sub: 'kevin' }), 'ERR_REVOCATION_UNAVAILABLE');
      await redis.restart();
      await eventually(async () => (await store.rotate('probe', 'j', 'k', nowSeconds() + 60).catch(() => 'down')) !== 'down', SETTLE_MS, 'store reconnected');
      await expectCode(refresh.exchange(login.refreshToken), 'ERR_REFRESH_INVALID');
    } finally {
      await store.close();
      await redis.dispose();
    }
  });

  it('with persistence, a session survives a restart and rotates on', async () => {
    const redis = await RedisServer.start({ persist: true });
    const store = new RedisRefreshStore({ url: redis.url, commandTimeout: 500 });
    try {
      const refresh = createRefreshTokens({ access: { key, issuer: 'auth', audience: 'api', expiresIn: 900 }, revocation: new MemoryRevocationStore(), store });
      await eventually(async () => (await store.rotate('probe', 'j', 'k', nowSeconds() + 60).catch(() => 'down')) !== 'down', SETTLE_MS, 'store connected');
      const login = await refresh.issue({ sub: 'kevin' });
      const next = await refresh.exchange(login.refreshToken);
      await redis.restart();
      await eventually(async () => (await store.rotate('probe', 'j', 'k', nowSeconds() + 60).catch(() => 'down')) !== 'down', SETTLE_MS, 'store reconnected');
      await expectCode(refresh.exchange(login.refreshToken), 'ERR_REFRESH_REUSED');
      await expectCode(refresh.exchange(next.refreshToken), 'ERR_JWT_REVOKED');
    } finally {
      await store.close();
      await redis.dispose();
    }
  });
});
