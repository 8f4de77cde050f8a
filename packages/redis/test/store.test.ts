/**
 * RedisRevocationStore against a real redis-server: what it writes (keys, values, TTLs), how it
 * loads (SCAN, never KEYS), how it answers while synced (from memory, synchronously) and while
 * stale (from Redis), its configuration errors, and closing.
 */
import { inspect } from 'node:util';
import { createSigner, createVerifier, secretKey, type JwtClaims } from '@jwt/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisRevocationStore, type RedisRevocationStoreOptions } from '../src/index.js';
import { eventually, expectCode, redisAvailable, RedisServer, SETTLE_MS, TcpProxy, type PlainClient } from './redis-server.js';

const now = (): number => Math.floor(Date.now() / 1000);
const key = secretKey('store-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCD');

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
process.on('unhandledRejection', onUnhandled);
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

describe('configuration', () => {
  const invalid: [string, unknown][] = [
    ['no options', undefined],
    ['neither url nor clientOptions', {}],
    ['url of another scheme', { url: 'http://127.0.0.1:6379' }],
    ['url not a string', { url: 6379 }],
    ['empty keyPrefix', { url: 'redis://127.0.0.1:1', keyPrefix: '' }],
    ['unknown policy', { url: 'redis://127.0.0.1:1', onUnavailable: 'maybe' }],
    ['zero commandTimeout', { url: 'redis://127.0.0.1:1', commandTimeout: 0 }],
    ['NaN connectTimeout', { url: 'redis://127.0.0.1:1', connectTimeout: Number.NaN }],
    ['negative heartbeat', { url: 'redis://127.0.0.1:1', heartbeatInterval: -1 }],
    ['malformed lifetime', { url: 'redis://127.0.0.1:1', maxTokenLifetime: 'a while' }],
    ['onError not a function', { url: 'redis://127.0.0.1:1', onError: 'log' }],
    ['clientOptions not an object', { clientOptions: 'redis://127.0.0.1:1' }],
  ];
  it('refuses a URL node-redis cannot parse, without quoting its password', async () => {
    const error = await expectCode(() => new RedisRevocationStore({ url: 'redis://:hunter2-password@[not-a-host' }), 'ERR_CONFIG_INVALID');
    expect(inspect(error, { depth: 8 })).not.toContain('hunter2');
  });

  for (const [name, options] of invalid) {
    it(`refuses ${name} at construction`, async () => {
      await expectCode(() => new RedisRevocationStore(options as RedisRevocationStoreOptions), 'ERR_CONFIG_INVALID');
    });
  }
});

describe.skipIf(!redisAvailable)('RedisRevocationStore on a real Redis', () => {
  let redis: RedisServer;
  let raw: PlainClient;
  const stores: RedisRevocationStore[] = [];
  const open = (options: Partial<RedisRevocationStoreOptions> = {}): RedisRevocationStore => {
    // A generous timeout: the machine running the tests may be busy, and timeouts are not the subject here.
    const store = new RedisRevocationStore({ url: redis.url, maxTokenLifetime: 900, retainAfterExpiry: 60, commandTimeout: 5000, ...options });
    stores.push(store);
    return store;
  };
  const synced = async (options: Partial<RedisRevocationStoreOptions> = {}): Promise<RedisRevocationStore> => {
    const store = open(options);
    expect(await store.ready(SETTLE_MS)).toBe(true);
    return store;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
    raw = await redis.client();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    raw?.destroy();
    await redis?.dispose();
  });

  it('becomes synced and answers from memory, synchronously', async () => {
    const store = await synced();
    expect(store.status).toBe('synced');
    const answer = store.isRevoked({ jti: 'never-revoked', sub: 'kevin', iat: now() });
    expect(answer).toBe(false);
  });

  it('writes a logout key that expires with the token (exp + retention), and refuses it at once', async () => {
    const store = await synced();
    const exp = now() + 300;
    await store.revokeToken({ jti: 'logout-1', sub: 'kevin', exp });
    expect(store.isRevoked({ jti: 'logout-1' })).toBe(true);
    expect(store.isRevoked({ jti: 'logout-2' })).toBe(false);
    expect(await raw.sendCommand(['GET', 'jwt:revocation:j:logout-1'])).toBe(String(exp));
    const pttl = Number(await raw.sendCommand(['PTTL', 'jwt:revocation:j:logout-1']));
    // exp is 300 s away and the retention is 60 s: 360 s, less the moments the test took.
    expect(pttl).toBeGreaterThan(350_000);
    expect(pttl).toBeLessThanOrEqual(361_000);
  });

  it('writes nothing for a token that has already expired past the retention', async () => {
    const store = await synced();
    await store.revokeToken({ jti: 'long-gone', exp: now() - 120 });
    expect(await raw.sendCommand(['EXISTS', 'jwt:revocation:j:long-gone'])).toBe(0);
    expect(store.isRevoked({ jti: 'long-gone' })).toBe(false);
  });

  it('writes a subject cutoff that expires once every token it covers has (cutoff + lifetime + retention)', async () => {
    const store = await synced();
    const cutoff = Date.now();
    await store.revokeSubject('kevin', cutoff);
    expect(await raw.sendCommand(['GET', 'jwt:revocation:s:kevin'])).toBe(String(cutoff));
    const pttl = Number(await raw.sendCommand(['PTTL', 'jwt:revocation:s:kevin']));
    expect(pttl).toBeGreaterThan(950_000);
    expect(pttl).toBeLessThanOrEqual(960_000);
    expect(store.isRevoked({ sub: 'kevin', iat: cutoff / 1000 - 1 })).toBe(true);
    expect(store.isRevoked({ sub: 'kevin', iat: (cutoff + 1) / 1000 })).toBe(false);
    expect(store.isRevoked({ sub: 'admin', iat: cutoff / 1000 - 1 })).toBe(false);
  });

  it('never moves a cutoff earlier, in Redis or on the other instances', async () => {
    const a = await synced();
    const b = await synced();
    const later = Date.now();
    await a.revokeSubject('mover', later);
    await a.revokeSubject('mover', later - 60_000);
    expect(await raw.sendCommand(['GET', 'jwt:revocation:s:mover'])).toBe(String(later));
    await eventually(() => b.isRevoked({ sub: 'mover', iat: later / 1000 - 30 }) === true, SETTLE_MS, 'B sees the cutoff');
    expect(b.isRevoked({ sub: 'mover', iat: (later + 1) / 1000 })).toBe(false);
  });

  it('writes a session key that expires with the session (expiresAt + retention), refused here at once and on B through the channel', async () => {
    const a = await synced();
    const b = await synced();
    const expiresAt = now() + 300;
    await a.revokeSession('session-1', expiresAt);
    expect(a.isRevoked({ sid: 'session-1', jti: 'any' })).toBe(true);
    expect(a.isRevoked({ sid: 'session-2', jti: 'any' })).toBe(false);
    expect(await raw.sendCommand(['GET', 'jwt:revocation:i:session-1'])).toBe(String(expiresAt));
    const pttl = Number(await raw.sendCommand(['PTTL', 'jwt:revocation:i:session-1']));
    expect(pttl).toBeGreaterThan(350_000);
    expect(pttl).toBeLessThanOrEqual(361_000);
    await eventually(() => b.isRevoked({ sid: 'session-1' }) === true, SETTLE_MS, 'B sees the session revocation');
    expect(b.isRevoked({ sid: 'session-2' })).toBe(false);
    // Only ever extended, in Redis too.
    await a.revokeSession('session-1', expiresAt - 100);
    expect(await raw.sendCommand(['GET', 'jwt:revocation:i:session-1'])).toBe(String(expiresAt));
    // Loaded by a newcomer, and answered from Redis while it is not loaded yet.
    const fresh = open();
    expect(await fresh.isRevoked({ sid: 'session-1' })).toBe(true);
    expect(await fresh.isRevoked({ sid: 'session-2' })).toBe(false);
    expect(await fresh.ready(SETTLE_MS)).toBe(true);
    expect(fresh.isRevoked({ sid: 'session-1' })).toBe(true);
  });

  it('refuses to record a session without sid or a numeric expiry', async () => {
    const store = await synced();
    await expectCode(store.revokeSession('', now() + 60), 'ERR_JWT_CLAIM_MISSING');
    await expectCode(store.revokeSession('s', Number.NaN), 'ERR_CONFIG_INVALID');
    expect(await raw.sendCommand(['EXISTS', 'jwt:revocation:i:s'])).toBe(0);
  });

  it('notices a Redis that lost its data without dropping the connection (its marker gone), and writes back what it knows', async () => {
    const errors: Error[] = [];
    const a = await synced({ keyPrefix: 'flushed:', heartbeatInterval: 100, onError: (e) => errors.push(e) });
    const cutoff = Date.now();
    await a.revokeToken({ jti: 'flushed-1', exp: now() + 300 });
    await a.revokeSubject('flushed-user', cutoff);
    await a.revokeSession('flushed-session', now() + 300);
    expect(await raw.sendCommand(['EXISTS', 'flushed:marker'])).toBe(1);
    await raw.sendCommand(['FLUSHDB']);
    // Still refused meanwhile: a revocation is never withdrawn.
    expect(await a.isRevoked({ jti: 'flushed-1' })).toBe(true);
    await eventually(async () => (await raw.sendCommand(['EXISTS', 'flushed:j:flushed-1', 'flushed:s:flushed-user', 'flushed:i:flushed-session', 'flushed:marker'])) === 4, SETTLE_MS, 'the revocations are written back');
    expect(await raw.sendCommand(['GET', 'flushed:s:flushed-user'])).toBe(String(cutoff));
    expect(errors.some((e) => e.message.includes('marker'))).toBe(true);
    expect(await a.ready(SETTLE_MS)).toBe(true);
    const b = await synced({ keyPrefix: 'flushed:' });
    expect(b.isRevoked({ jti: 'flushed-1' })).toBe(true);
    expect(b.isRevoked({ sub: 'flushed-user', iat: cutoff / 1000 - 1 })).toBe(true);
    expect(b.isRevoked({ sub: 'flushed-user', iat: (cutoff + 1) / 1000 })).toBe(false);
    expect(b.isRevoked({ sid: 'flushed-session' })).toBe(true);
    expect(b.isRevoked({ jti: 'flushed-2', sid: 'other-session' })).toBe(false);
  });

  it('does not trust a Redis without its marker: a direct check fails closed until an instance has written back', async () => {
    const proxy = await TcpProxy.start(redis.port);
    try {
      // Its subscription never answers, so it never synchronises (nor writes the marker) itself.
      proxy.blackholeSubscribers();
      const store = open({ url: proxy.url, keyPrefix: 'unmarked:', commandTimeout: 1000 });
      await expectCode(Promise.resolve(store.isRevoked({ jti: 'unknown' })), 'ERR_REVOCATION_UNAVAILABLE');
      await raw.sendCommand(['SET', 'unmarked:marker', 'written-by-another-instance']);
      expect(await store.isRevoked({ jti: 'unknown' })).toBe(false);
      await raw.sendCommand(['SET', 'unmarked:j:known', String(now() + 60)]);
      expect(await store.isRevoked({ jti: 'known' })).toBe(true);
      expect(store.status).toBe('stale');
    } finally {
      await proxy.close();
    }
  });

  it('shares revocations between instances through the channel', async () => {
    const a = await synced();
    const b = await synced();
    await a.revokeToken({ jti: 'shared-1', exp: now() + 60 });
    await a.revokeSubject('shared-user');
    await eventually(() => b.isRevoked({ jti: 'shared-1' }) === true, SETTLE_MS, 'B sees the logout');
    await eventually(() => b.isRevoked({ sub: 'shared-user', iat: now() - 5 }) === true, SETTLE_MS, 'B sees the cutoff');
    expect(b.status).toBe('synced');
    expect(b.isRevoked({ jti: 'shared-2' })).toBe(false);
  });

  it('loads what existed before it started with SCAN, never KEYS', async () => {
    const writer = await synced();
    const exp = now() + 600;
    // Written behind the store's back, as another instance would have, in the store's own format.
    for (let chunk = 0; chunk < 3000; chunk += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, i) => raw.sendCommand(['SET', `jwt:revocation:j:preloaded-${chunk + i}`, String(exp), 'PXAT', String(exp * 1000)])));
    }
    await writer.revokeSubject('preloaded-user');
    await raw.sendCommand(['CONFIG', 'RESETSTAT']);
    const reader = await synced();
    const stats = String(await raw.sendCommand(['INFO', 'commandstats']));
    expect(stats).toMatch(/cmdstat_scan:calls=\d+/);
    expect(stats).not.toMatch(/cmdstat_keys:/);
    for (const i of [0, 1234, 2999]) expect(reader.isRevoked({ jti: `preloaded-${i}` })).toBe(true);
    expect(reader.isRevoked({ jti: 'preloaded-3000' })).toBe(false);
    expect(reader.isRevoked({ sub: 'preloaded-user', iat: now() - 10 })).toBe(true);
  });

  it('asks Redis directly while its mirror is not loaded yet, with the same answers', async () => {
    const writer = await synced();
    const cutoff = Date.now();
    await writer.revokeToken({ jti: 'early-1', exp: now() + 60 });
    await writer.revokeSubject('early-user', cutoff);
    const fresh = open();
    const revoked = fresh.isRevoked({ jti: 'early-1' });
    expect(revoked).toBeInstanceOf(Promise);
    expect(await revoked).toBe(true);
    expect(await fresh.isRevoked({ jti: 'early-2' })).toBe(false);
    expect(await fresh.isRevoked({ sub: 'early-user', iat: cutoff / 1000 - 1 })).toBe(true);
    expect(await fresh.isRevoked({ sub: 'early-user', iat: (cutoff + 1) / 1000 })).toBe(false);
    expect(await fresh.isRevoked({ sub: 'early-user' })).toBe(true); // no iat: the safe side
    expect(await fresh.isRevoked({})).toBe(false);
  });

  it('keeps services with different prefixes apart, glob characters included', async () => {
    const odd = await synced({ keyPrefix: 'svc[1]*?:' });
    const plain = await synced({ keyPrefix: 'svc1:' });
    await odd.revokeToken({ jti: 'prefixed', exp: now() + 60 });
    await plain.revokeToken({ jti: 'other', exp: now() + 60 });
    const oddReader = await synced({ keyPrefix: 'svc[1]*?:' });
    expect(oddReader.isRevoked({ jti: 'prefixed' })).toBe(true);
    expect(oddReader.isRevoked({ jti: 'other' })).toBe(false);
    // A sentinel revoked under each store's own prefix, after both revocations above: Redis
    // delivers a connection's messages in publishing order, so once a store has its sentinel, a
    // message leaking across prefixes would already have arrived.
    const oddWriter = await synced({ keyPrefix: 'svc[1]*?:' });
    const plainWriter = await synced({ keyPrefix: 'svc1:' });
    await oddWriter.revokeToken({ jti: 'odd-sentinel', exp: now() + 60 });
    await plainWriter.revokeToken({ jti: 'plain-sentinel', exp: now() + 60 });
    await eventually(() => odd.isRevoked({ jti: 'odd-sentinel' }) === true, SETTLE_MS, 'the sentinel reaches the store of its prefix');
    await eventually(() => plain.isRevoked({ jti: 'plain-sentinel' }) === true, SETTLE_MS, 'the sentinel reaches the store of its prefix');
    expect(plain.isRevoked({ jti: 'prefixed' })).toBe(false);
    expect(plain.isRevoked({ jti: 'odd-sentinel' })).toBe(false);
    expect(odd.isRevoked({ jti: 'other' })).toBe(false);
    expect(odd.isRevoked({ jti: 'plain-sentinel' })).toBe(false);
  });

  it('ignores foreign messages on its channel and keeps working', async () => {
    const errors: Error[] = [];
    const store = await synced({ onError: (e) => errors.push(e) });
    for (const message of ['not json', '[]', '["j","x",1]', '["x",1,"id"]', '{"kind":"j"}', '["j",1e999,"id"]']) {
      await raw.sendCommand(['PUBLISH', 'jwt:revocation:changes', message]);
    }
    const writer = await synced();
    await writer.revokeToken({ jti: 'after-noise', exp: now() + 60 });
    await eventually(() => store.isRevoked({ jti: 'after-noise' }) === true, SETTLE_MS, 'still receives real changes');
    expect(store.isRevoked({ jti: 'x' })).toBe(false);
    expect(store.isRevoked({ jti: 'id' })).toBe(false);
    expect(errors).toEqual([]);
  });

  it('refuses to record a revocation without jti, exp or subject', async () => {
    const store = await synced();
    await expectCode(store.revokeToken({ exp: now() + 60 }), 'ERR_JWT_CLAIM_MISSING');
    await expectCode(store.revokeToken({ jti: 'no-exp' }), 'ERR_JWT_CLAIM_MISSING');
    await expectCode(store.revokeSubject(''), 'ERR_JWT_CLAIM_MISSING');
    await expectCode(store.revokeSubject('kevin', Number.NaN), 'ERR_CONFIG_INVALID');
    expect(await raw.sendCommand(['EXISTS', 'jwt:revocation:j:no-exp'])).toBe(0);
  });

  it('serves a verifier: logout refused with ERR_JWT_REVOKED, synchronously while synced', async () => {
    const store = await synced();
    const signer = createSigner({ key, expiresIn: 900, jwtId: true, timestamp: 'ms' });
    const verifier = createVerifier({ issuer: false, audience: false, key, revocation: store });
    const token = await signer.sign({ sub: 'kevin' });
    const other = await signer.sign({ sub: 'kevin' });
    const { payload } = verifier.verifySync(token);
    await store.revokeToken(payload as JwtClaims);
    await expectCode(() => verifier.verifySync(token), 'ERR_JWT_REVOKED');
    await expectCode(verifier.verify(token), 'ERR_JWT_REVOKED');
    expect(verifier.verifySync(other).payload.sub).toBe('kevin');
  });

  it('closes: status closed, ready() false, writes refused, checks follow the policy', async () => {
    const refuse = await synced();
    const accept = await synced({ onUnavailable: 'accept' });
    await refuse.revokeToken({ jti: 'known', exp: now() + 60 });
    await Promise.all([refuse.close(), accept.close(), refuse.close()]);
    expect(refuse.status).toBe('closed');
    expect(await refuse.ready(100)).toBe(false);
    await expectCode(refuse.revokeToken({ jti: 'late', exp: now() + 60 }), 'ERR_REVOCATION_UNAVAILABLE');
    await expectCode(Promise.resolve(refuse.isRevoked({ jti: 'unknown' })), 'ERR_REVOCATION_UNAVAILABLE');
    expect(refuse.isRevoked({ jti: 'known' })).toBe(true); // still known: revocations are never withdrawn
    expect(await accept.isRevoked({ jti: 'unknown' })).toBe(false);
  });

  it('reports an unreachable Redis through ready() and onError, without throwing', async () => {
    const errors: Error[] = [];
    const store = new RedisRevocationStore({ url: 'redis://127.0.0.1:1', onError: (e) => errors.push(e) });
    stores.push(store);
    expect(await store.ready(300)).toBe(false);
    expect(store.status).toBe('stale');
    expect(errors.length).toBeGreaterThan(0);
    await expectCode(Promise.resolve(store.isRevoked({ jti: 'anything' })), 'ERR_REVOCATION_UNAVAILABLE');
    await expectCode(store.revokeSubject('kevin'), 'ERR_REVOCATION_UNAVAILABLE');
    // The revocation that could not be shared still holds on this instance.
    expect(store.isRevoked({ sub: 'kevin', iat: now() - 10 })).toBe(true);
  });
});
