/**
 * Redis losing its data under running instances (issue 14, item 5): two service processes share a
 * redis-server without persistence; a logout, a password change and a session revocation are made;
 * Redis is killed (kill -9) and started again, empty, on the same port. While it is down every check
 * the mirror cannot answer is refused (fail closed). Once it is back, every revocation is still
 * refused on both instances, and is in Redis again: a third instance started afterwards, which can
 * only have learnt it from Redis, refuses it too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, redisAvailable, RedisServer, SETTLE_MS, type PlainClient } from './redis-server.js';
import { Worker, type Answer } from './worker.js';

const SECRET = 'data-loss-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF';

const jtiOf = (token: string): string => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti;

async function sign(worker: Worker, sub: string, sid?: string): Promise<string> {
  const answer = await worker.call('sign', sid === undefined ? { sub } : { sub, sid });
  expect(answer.ok).toBe(true);
  return answer.value as string;
}

/** Polls until `worker` answers `token` with `code` (or accepts it, for `null`); returns the last answer. */
async function answersWith(worker: Worker, op: 'verify' | 'verifySync', token: string, code: string | null, what: string): Promise<Answer> {
  let last: Answer | undefined;
  await eventually(
    async () => {
      last = await worker.call(op, { token });
      return code === null ? last.ok : last.code === code;
    },
    SETTLE_MS,
    what,
  );
  return last!;
}

describe.skipIf(!redisAvailable)('Redis losing its data under two running instances', () => {
  let redis: RedisServer;
  let raw: PlainClient | undefined;
  const workers: Worker[] = [];
  const start = async (): Promise<Worker> => {
    const worker = await Worker.start({ REDIS_URL: redis.url, JWT_SECRET: SECRET });
    workers.push(worker);
    expect((await worker.call('ready', { ms: SETTLE_MS })).value).toBe(true);
    return worker;
  };

  beforeAll(async () => {
    redis = await RedisServer.start(); // no persistence: a restart comes back empty
  });

  afterAll(async () => {
    raw?.destroy();
    for (const worker of workers) worker.kill();
    await redis?.dispose();
  });

  it('keeps refusing a logout, a password change and a session revocation, and writes them back to the emptied Redis', async () => {
    const a = await start();
    const b = await start();
    const loggedOut = await sign(a, 'kevin');
    const beforeChange = await sign(b, 'admin');
    const ofSession = await sign(a, 'bob', 'session-1');
    const bystander = await sign(b, 'carol', 'session-2');
    const kevinOther = await sign(a, 'kevin');

    expect(await a.call('logout', { token: loggedOut })).toMatchObject({ ok: true });
    expect(await a.call('password', { sub: 'admin' })).toMatchObject({ ok: true });
    expect(await b.call('session', { sid: 'session-1' })).toMatchObject({ ok: true });
    for (const worker of [a, b]) {
      for (const token of [loggedOut, beforeChange, ofSession]) await answersWith(worker, 'verifySync', token, 'ERR_JWT_REVOKED', 'both instances refuse the three revocations');
    }

    await redis.stop(); // kill -9
    // Fail closed: what the mirror cannot vouch for is refused; what it knows stays revoked.
    for (const worker of [a, b]) {
      await answersWith(worker, 'verify', bystander, 'ERR_REVOCATION_UNAVAILABLE', 'the instance notices Redis is gone');
      expect(await worker.call('verify', { token: loggedOut })).toMatchObject({ ok: false, code: 'ERR_JWT_REVOKED', status: 'stale' });
    }
    // A password change while Redis is down (a logout would need the token verified first, which
    // fails closed) takes effect here at once, and must reach Redis later.
    const duringOutage = await sign(b, 'dave');
    expect(await b.call('password', { sub: 'dave' })).toMatchObject({ ok: false, code: 'ERR_REVOCATION_UNAVAILABLE' });
    expect(await b.call('verify', { token: duringOutage })).toMatchObject({ ok: false, code: 'ERR_JWT_REVOKED' });

    await redis.restart(); // empty: nothing was persisted
    for (const worker of [a, b]) expect((await worker.call('ready', { ms: SETTLE_MS })).value).toBe(true);
    // A never knew of B's password change during the outage: it hears of it once B has written it back.
    await answersWith(a, 'verifySync', duringOutage, 'ERR_JWT_REVOKED', "B's password change during the outage reaches A");
    for (const worker of [a, b]) {
      for (const token of [loggedOut, beforeChange, ofSession, duringOutage]) {
        expect(await worker.call('verifySync', { token })).toMatchObject({ ok: false, code: 'ERR_JWT_REVOKED', status: 'synced' });
        expect(await worker.call('verify', { token })).toMatchObject({ ok: false, code: 'ERR_JWT_REVOKED' });
      }
      // Negative twins: tokens no one revoked are accepted again, from memory.
      expect(await worker.call('verifySync', { token: bystander })).toMatchObject({ ok: true, value: 'carol', status: 'synced' });
      expect(await worker.call('verifySync', { token: kevinOther })).toMatchObject({ ok: true, value: 'kevin' });
    }

    // Back in Redis itself, under the store's own keys.
    raw = await redis.client();
    expect(await raw.sendCommand(['EXISTS', `jwt:revocation:j:${jtiOf(loggedOut)}`, 'jwt:revocation:s:admin', 'jwt:revocation:i:session-1', 'jwt:revocation:s:dave'])).toBe(4);
    expect(await raw.sendCommand(['EXISTS', `jwt:revocation:j:${jtiOf(kevinOther)}`, 'jwt:revocation:i:session-2', 'jwt:revocation:s:carol'])).toBe(0);
    expect(await raw.sendCommand(['EXISTS', 'jwt:revocation:marker'])).toBe(1);

    // A fresh instance knows only what Redis holds.
    const c = await start();
    for (const token of [loggedOut, beforeChange, ofSession, duringOutage]) {
      expect(await c.call('verifySync', { token })).toMatchObject({ ok: false, code: 'ERR_JWT_REVOKED', status: 'synced' });
    }
    expect(await c.call('verifySync', { token: bystander })).toMatchObject({ ok: true, value: 'carol' });
    expect(await c.call('verifySync', { token: kevinOther })).toMatchObject({ ok: true, value: 'kevin' });
    for (const worker of workers) expect(worker.events.filter((e) => e.event === 'unhandledRejection')).toEqual([]);
  });
});
