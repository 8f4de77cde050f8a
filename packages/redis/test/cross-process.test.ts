/**
 * Two service instances in two Node processes sharing one real redis-server: a logout, a password
 * change or a session revocation on one is refused by the other, answered from the other's
 * in-memory mirror (its synchronous verifier would throw otherwise); and each process exits on its
 * own once its store is closed, even with Redis gone. How fast a revocation travels is measured in
 * bench/, not asserted here: a busy machine may be slow with nothing wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, redisAvailable, RedisServer, SETTLE_MS } from './redis-server.js';
import { Worker, type Answer } from './worker.js';

const SECRET = 'cross-process-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/**
 * Polls the other process until it refuses the token, or until SETTLE_MS (far longer than the
 * event needs) have passed; returns its last answer.
 */
async function firstRefusal(worker: Worker, token: string): Promise<Answer> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const answer = await worker.call('verifySync', { token });
    if (!answer.ok || Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Refused as revoked, from memory (a synchronous verify only answers while synced). */
function expectRevokedFromMemory(seen: Answer, what: string): void {
  expect(seen.code, `${what}: still accepted ${SETTLE_MS} ms after the revocation`).toBe('ERR_JWT_REVOKED');
  expect(seen.status, what).toBe('synced');
}

describe.skipIf(!redisAvailable)('two processes sharing one Redis', () => {
  let redis: RedisServer;
  let a: Worker;
  let b: Worker;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const env = { REDIS_URL: redis.url, JWT_SECRET: SECRET };
    [a, b] = await Promise.all([Worker.start(env), Worker.start(env)]);
    expect((await a.call('ready', { ms: SETTLE_MS })).value).toBe(true);
    expect((await b.call('ready', { ms: SETTLE_MS })).value).toBe(true);
  });

  afterAll(async () => {
    a?.kill();
    b?.kill();
    await redis?.dispose();
  });

  it('refuses on B, from memory, a token logged out on A; other tokens stay valid', async () => {
    const token = (await a.call('sign', { sub: 'kevin' })).value as string;
    const other = (await a.call('sign', { sub: 'kevin' })).value as string;
    expect(await b.call('verifySync', { token })).toMatchObject({ ok: true, value: 'kevin', status: 'synced' });

    expect(await a.call('logout', { token })).toMatchObject({ ok: true });
    expectRevokedFromMemory(await firstRefusal(b, token), 'logout on A, token used on B');
    expect(await a.call('verify', { token })).toMatchObject({ ok: false, code: 'ERR_JWT_REVOKED' });

    expect(await b.call('verifySync', { token: other })).toMatchObject({ ok: true, value: 'kevin', status: 'synced' });
    expect(await a.call('verifySync', { token: other })).toMatchObject({ ok: true, value: 'kevin' });
  });

  it('refuses on B the tokens issued before a password change on A, and accepts a login made after it', async () => {
    const before = (await b.call('sign', { sub: 'admin' })).value as string;
    const otherUser = (await b.call('sign', { sub: 'kevin' })).value as string;
    expect(await b.call('verifySync', { token: before })).toMatchObject({ ok: true, value: 'admin' });

    expect(await a.call('password', { sub: 'admin' })).toMatchObject({ ok: true });
    expectRevokedFromMemory(await firstRefusal(b, before), 'password change on A, older token used on B');

    // A login right after the change, on either instance: its millisecond iat is past the cutoff.
    await new Promise((r) => setTimeout(r, 2));
    const after = (await b.call('sign', { sub: 'admin' })).value as string;
    expect(await b.call('verifySync', { token: after })).toMatchObject({ ok: true, value: 'admin' });
    expect(await a.call('verifySync', { token: after })).toMatchObject({ ok: true, value: 'admin' });
    expect(await a.call('verifySync', { token: otherUser })).toMatchObject({ ok: true, value: 'kevin' });
  });

  it('refuses on A, from memory, every token of a session ended on B; other sessions stay valid', async () => {
    const access = (await a.call('sign', { sub: 'kevin', sid: 'cross-session-1' })).value as string;
    const refreshed = (await b.call('sign', { sub: 'kevin', sid: 'cross-session-1' })).value as string;
    const otherLogin = (await a.call('sign', { sub: 'kevin', sid: 'cross-session-2' })).value as string;
    expect(await a.call('verifySync', { token: access })).toMatchObject({ ok: true, value: 'kevin' });

    expect(await b.call('session', { sid: 'cross-session-1' })).toMatchObject({ ok: true });
    expectRevokedFromMemory(await firstRefusal(a, access), 'session ended on B, token used on A');
    expectRevokedFromMemory(await firstRefusal(a, refreshed), 'session ended on B, another token of it used on A');
    expect(await b.call('verifySync', { token: access })).toMatchObject({ ok: false, code: 'ERR_JWT_REVOKED' });
    expect(await a.call('verifySync', { token: otherLogin })).toMatchObject({ ok: true, value: 'kevin', status: 'synced' });
    expect(await b.call('verifySync', { token: otherLogin })).toMatchObject({ ok: true, value: 'kevin' });
  });

  it('lets each process exit by itself once its store is closed, without an unhandled rejection', async () => {
    expect(await a.call('close')).toMatchObject({ ok: true, status: 'closed' });
    expect(await b.call('close')).toMatchObject({ ok: true, status: 'closed' });
    expect(await a.waitExit(SETTLE_MS)).toBe(0);
    expect(await b.waitExit(SETTLE_MS)).toBe(0);
    expect([...a.events, ...b.events].filter((e) => e.event === 'unhandledRejection')).toEqual([]);
  });
});

describe.skipIf(!redisAvailable)('a process whose Redis is unreachable', () => {
  it('starts, refuses unverifiable tokens quickly, and still exits once closed', async () => {
    const worker = await Worker.start({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, JWT_SECRET: SECRET });
    try {
      expect(await worker.call('ready', { ms: 300 })).toMatchObject({ ok: true, value: false, status: 'stale' });
      const token = (await worker.call('sign', { sub: 'kevin' })).value as string;
      expect(await worker.call('verify', { token })).toMatchObject({ ok: false, code: 'ERR_REVOCATION_UNAVAILABLE' });
      expect(await worker.call('verifySync', { token })).toMatchObject({ ok: false, code: 'ERR_CONFIG_INVALID' });
      expect(await worker.call('logout', { token })).toMatchObject({ ok: false, code: 'ERR_REVOCATION_UNAVAILABLE' });
      expect(await worker.call('close')).toMatchObject({ ok: true, status: 'closed' });
      expect(await worker.waitExit(SETTLE_MS)).toBe(0);
      expect(worker.events.filter((e) => e.event === 'unhandledRejection')).toEqual([]);
    } finally {
      worker.kill();
    }
  });

  it('accepts them instead under onUnavailable: accept', async () => {
    const worker = await Worker.start({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, JWT_SECRET: SECRET, ON_UNAVAILABLE: 'accept' });
    try {
      const token = (await worker.call('sign', { sub: 'kevin' })).value as string;
      expect(await worker.call('verify', { token })).toMatchObject({ ok: true, value: 'kevin', status: 'stale' });
      expect(await worker.call('close')).toMatchObject({ ok: true });
      expect(await worker.waitExit(SETTLE_MS)).toBe(0);
    } finally {
      worker.kill();
    }
  });
});
