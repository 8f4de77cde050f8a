/**
 * Redis going away and coming back, with the stores left running: the server killed and
 * restarted on the same port, a partition the sockets notice (a proxy that cuts), and one they do
 * not (a proxy that black-holes). Each time: the policy answers quickly (refuse or accept), what
 * the mirror already knows is still refused, nothing hangs or rejects unhandled, and the store
 * recovers on its own, loading what was revoked while it was away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRevocationStore, type RedisRevocationStoreOptions } from '../src/index.js';
import { eventually, expectCode, redisAvailable, RedisServer, SETTLE_MS, settleWithin, TcpProxy } from './redis-server.js';

const now = (): number => Math.floor(Date.now() / 1000);
/** Not a timing assertion: the bound past which an answer counts as a hang, generous for a busy machine. */
const HANG = SETTLE_MS;

/** True when every store stays stale for `ms` without a break. */
async function staysStale(stores: readonly RedisRevocationStore[], ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (stores.some((s) => s.status !== 'stale')) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
process.on('unhandledRejection', onUnhandled);
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

describe.skipIf(!redisAvailable)('Redis outages', () => {
  let redis: RedisServer;
  const stores: RedisRevocationStore[] = [];
  const open = async (url: string, options: Partial<RedisRevocationStoreOptions> = {}): Promise<RedisRevocationStore> => {
    const store = new RedisRevocationStore({ url, maxTokenLifetime: 900, commandTimeout: 3000, ...options });
    stores.push(store);
    expect(await store.ready(HANG)).toBe(true);
    return store;
  };

  beforeAll(async () => {
    redis = await RedisServer.start({ persist: true });
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await redis?.dispose();
  });

  it('survives Redis being killed and restarted: policy while down, recovery without a restart', async () => {
    const refuseErrors: Error[] = [];
    const refuse = await open(redis.url, { onError: (e) => refuseErrors.push(e) });
    const accept = await open(redis.url, { onUnavailable: 'accept' });
    const writer = await open(redis.url);
    await writer.revokeToken({ jti: 'before-outage', exp: now() + 600 });
    await eventually(() => refuse.isRevoked({ jti: 'before-outage' }) === true && accept.isRevoked({ jti: 'before-outage' }) === true, HANG, 'both see the logout');

    await redis.stop();
    await eventually(() => staysStale([refuse, accept, writer], 800), HANG * 2, 'the stores notice');
    expect(refuseErrors.length).toBeGreaterThan(0);

    // refuse: an unknown token cannot be vouched for; a known revocation still holds.
    await expectCode(settleWithin(Promise.resolve(refuse.isRevoked({ jti: 'fresh', sub: 'kevin', iat: now() })), HANG, 'refuse while down'), 'ERR_REVOCATION_UNAVAILABLE');
    expect(await refuse.isRevoked({ jti: 'before-outage' })).toBe(true);
    // accept: let it through, but never a token the mirror knows as revoked.
    expect(await settleWithin(Promise.resolve(accept.isRevoked({ jti: 'fresh', sub: 'kevin', iat: now() })), HANG, 'accept while down')).toBe(false);
    expect(await accept.isRevoked({ jti: 'before-outage' })).toBe(true);
    // A logout while down is refused locally at once, and reported as not shared.
    await expectCode(settleWithin(writer.revokeToken({ jti: 'during-outage', exp: now() + 600 }), HANG, 'write while down'), 'ERR_REVOCATION_UNAVAILABLE');
    expect(await writer.isRevoked({ jti: 'during-outage' })).toBe(true);

    await redis.restart();
    expect(await refuse.ready(HANG)).toBe(true);
    expect(await accept.ready(HANG)).toBe(true);
    expect(await writer.ready(HANG)).toBe(true);
    // The mirror was reloaded from the persisted data; answers are from memory again.
    expect(refuse.isRevoked({ jti: 'before-outage' })).toBe(true);
    expect(refuse.isRevoked({ jti: 'fresh', sub: 'kevin', iat: now() })).toBe(false);
    await writer.revokeToken({ jti: 'after-outage', exp: now() + 600 });
    await eventually(() => refuse.isRevoked({ jti: 'after-outage' }) === true && accept.isRevoked({ jti: 'after-outage' }) === true, HANG, 'new revocations flow again');
    // The logout Redis missed was kept by its instance and written once Redis came back.
    expect(writer.isRevoked({ jti: 'during-outage' })).toBe(true);
    await eventually(() => refuse.isRevoked({ jti: 'during-outage' }) === true && accept.isRevoked({ jti: 'during-outage' }) === true, HANG, 'the missed logout is shared');
  });

  it('writes every revocation made while Redis was down once it is back, however many: none is dropped', async () => {
    const writer = await open(redis.url, { keyPrefix: 'backlog:' });
    await redis.stop();
    await eventually(() => staysStale([writer], 300), HANG * 2, 'the store notices');
    // Past the 10,000 an earlier version kept (dropping the oldest).
    const count = 10_050;
    const exp = now() + 600;
    const refused = await Promise.all(Array.from({ length: count }, (_, i) => writer.revokeToken({ jti: `down-${i}`, exp }).then(() => 'shared', (e: { code?: string }) => e.code)));
    expect(new Set(refused)).toEqual(new Set(['ERR_REVOCATION_UNAVAILABLE']));
    expect(await writer.isRevoked({ jti: 'down-0' })).toBe(true);

    await redis.restart();
    expect(await writer.ready(HANG * 3)).toBe(true);
    const raw = await redis.client();
    try {
      const keys = (await raw.sendCommand(['KEYS', 'backlog:j:down-*'])) as string[];
      expect(keys.length).toBe(count);
      expect(await raw.sendCommand(['EXISTS', 'backlog:j:down-0', `backlog:j:down-${count - 1}`])).toBe(2);
      expect(await raw.sendCommand(['EXISTS', 'backlog:j:never-revoked'])).toBe(0);
    } finally {
      raw.destroy();
    }
    const reader = await open(redis.url, { keyPrefix: 'backlog:' });
    expect(reader.isRevoked({ jti: 'down-0' })).toBe(true);
    expect(reader.isRevoked({ jti: 'never-revoked' })).toBe(false);
  });

  it('loads, after a partition heals, what the other side revoked meanwhile', async () => {
    const proxy = await TcpProxy.start(redis.port);
    try {
      const behind = await open(proxy.url);
      const other = await open(redis.url);
      proxy.cut();
      await eventually(() => staysStale([behind], 800), HANG * 2, 'the partitioned store notices');

      const cutoff = Date.now();
      await other.revokeToken({ jti: 'while-apart', exp: now() + 600 });
      await other.revokeSubject('apart-user', cutoff);
      await expectCode(settleWithin(Promise.resolve(behind.isRevoked({ jti: 'while-apart' })), HANG, 'check while apart'), 'ERR_REVOCATION_UNAVAILABLE');

      proxy.restore();
      expect(await behind.ready(HANG)).toBe(true);
      // Those changes were published while it was away: only the reload can have brought them.
      expect(behind.isRevoked({ jti: 'while-apart' })).toBe(true);
      expect(behind.isRevoked({ sub: 'apart-user', iat: cutoff / 1000 - 1 })).toBe(true);
      expect(behind.isRevoked({ sub: 'apart-user', iat: (cutoff + 1) / 1000 })).toBe(false);
      expect(behind.isRevoked({ jti: 'never' })).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it('notices a connection that dies silently, answers within its timeout, and recovers', async () => {
    const proxy = await TcpProxy.start(redis.port);
    try {
      const errors: Error[] = [];
      const silent = await open(proxy.url, { heartbeatInterval: 100, commandTimeout: 300, onError: (e) => errors.push(e) });
      const accepting = await open(proxy.url, { heartbeatInterval: 100, commandTimeout: 300, onUnavailable: 'accept' });
      const other = await open(redis.url);
      proxy.blackhole();
      // No socket event comes: only the missing heartbeats can tell. A resynchronisation that
      // started just before the black hole (its replies already through the proxy) may still
      // complete once, so wait until both stores have been stale for a while: from then on no
      // reply can reach them.
      await eventually(() => staysStale([silent, accepting], 800), HANG * 2, 'heartbeats reveal the black hole');
      expect(errors.some((e) => e.message.includes('heartbeat'))).toBe(true);
      await other.revokeToken({ jti: 'unheard', exp: now() + 600 });
      await expectCode(settleWithin(Promise.resolve(silent.isRevoked({ jti: 'unheard' })), HANG, 'check into a black hole'), 'ERR_REVOCATION_UNAVAILABLE');
      expect(await settleWithin(Promise.resolve(accepting.isRevoked({ jti: 'fresh' })), HANG, 'accept into a black hole')).toBe(false);

      proxy.restore();
      expect(await silent.ready(HANG)).toBe(true);
      expect(silent.isRevoked({ jti: 'unheard' })).toBe(true);
      expect(silent.isRevoked({ jti: 'fresh' })).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it('never claims to be synced while only its subscription is dead, and answers right through Redis', async () => {
    const proxy = await TcpProxy.start(redis.port);
    try {
      const deaf = await open(proxy.url, { heartbeatInterval: 100, commandTimeout: 300 });
      const other = await open(redis.url);
      proxy.blackholeSubscribers();
      // As above: a resynchronisation already under way when the subscription went deaf may complete once.
      await eventually(() => staysStale([deaf], 800), HANG * 2, 'heartbeats reveal the deaf subscription');
      // Its commands still work, so every resynchronisation loads fine; only the heartbeat round
      // trip can tell that the mirror would not be kept current.
      const statuses = new Set<string>();
      const until = Date.now() + 1500;
      while (Date.now() < until) {
        statuses.add(deaf.status);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect([...statuses]).toEqual(['stale']);
      await other.revokeToken({ jti: 'unheard-by-subscription', exp: now() + 600 });
      expect(await deaf.isRevoked({ jti: 'unheard-by-subscription' })).toBe(true);
      expect(await deaf.isRevoked({ jti: 'fresh' })).toBe(false);

      proxy.restore();
      expect(await deaf.ready(HANG)).toBe(true);
      expect(deaf.isRevoked({ jti: 'unheard-by-subscription' })).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});
