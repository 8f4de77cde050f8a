/**
 * REDIS_URL and refresh tokens end to end: two app processes (Hono and Koa) sharing one real
 * redis-server. A refresh token exchanged on one instance is used up on the other; reuse on either
 * ends the session on both (its refresh tokens at once, its access tokens as soon as the revocation
 * reaches the other instance); concurrent exchanges of one token on both instances yield at most one
 * pair; logout on one ends the family on the other; Redis losing its data fails closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisAvailable, RedisServer } from '../../redis/test/redis-server.js';
import { bearer, request, startApp, type Reply, type RunningApp } from '../src/index.js';

/** Past this, a revocation that has not reached the other instance counts as lost. */
const HANG_MS = 10_000;
const KEVIN = { username: 'kevin', password: 'kevin-password' };
const INVALID_GRANT = { status: 401, text: JSON.stringify({ error: 'invalid_grant' }) };

interface Pair {
  token: string;
  refreshToken: string;
}

const post = (body: unknown, headers: Record<string, string> = {}) => ({ method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function login(app: RunningApp): Promise<Pair> {
  const reply = await request(app.url, '/login', post(KEVIN));
  expect(reply.status, reply.text).toBe(200);
  return JSON.parse(reply.text) as Pair;
}

const refresh = (app: RunningApp, refreshToken: string): Promise<Reply> => request(app.url, '/refresh', post({ refreshToken }));
const me = (app: RunningApp, token: string): Promise<Reply> => request(app.url, '/me', { headers: bearer(token) });
const outcome = (reply: Reply) => ({ status: reply.status, text: reply.text });

async function pair(reply: Promise<Reply>): Promise<Pair> {
  const r = await reply;
  expect(r.status, r.text).toBe(200);
  return JSON.parse(r.text) as Pair;
}

/** Polls until `app` refuses the access token as revoked; fails if it never does. */
async function refusedEventually(app: RunningApp, token: string): Promise<void> {
  const deadline = Date.now() + HANG_MS;
  for (;;) {
    const reply = await me(app, token);
    if (reply.status === 401) {
      expect(JSON.parse(reply.text)).toEqual({ error: 'invalid_token', error_description: 'token revoked' });
      return;
    }
    if (Date.now() > deadline) throw new Error(`access token still accepted ${HANG_MS} ms after its session ended`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(!redisAvailable)('REDIS_URL: refresh-token sessions shared by every instance', () => {
  let redis: RedisServer;
  let a: RunningApp;
  let b: RunningApp;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const env = { REDIS_URL: redis.url };
    [a, b] = await Promise.all([startApp({ app: 'hono-example', env }), startApp({ app: 'koa-example', env })]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a, b].map((app) => app?.stop('SIGKILL')));
    await redis?.dispose();
  });

  it('a token exchanged on one instance is used up on the other; reuse ends the session on both', async () => {
    const first = await login(a);
    const bystander = await login(b);
    const second = await pair(refresh(b, first.refreshToken));
    expect((await me(a, second.token)).status).toBe(200);

    expect(outcome(await refresh(a, first.refreshToken))).toEqual(INVALID_GRANT);
    // The family record is shared: the current refresh token is dead everywhere at once.
    expect(outcome(await refresh(b, second.refreshToken))).toEqual(INVALID_GRANT);
    expect(outcome(await refresh(a, second.refreshToken))).toEqual(INVALID_GRANT);
    await refusedEventually(a, second.token);
    await refusedEventually(b, second.token);
    await refusedEventually(b, first.token);
    // Another session of the same user goes on, on both.
    expect((await me(a, bystander.token)).status).toBe(200);
    await pair(refresh(a, bystander.refreshToken));
  });

  it('the same token sent to both instances at once: at most one new pair, every time', async () => {
    for (let round = 0; round < 10; round++) {
      const start = await login(round % 2 === 0 ? a : b);
      const replies = await Promise.all([refresh(a, start.refreshToken), refresh(b, start.refreshToken)]);
      const won = replies.filter((r) => r.status === 200);
      expect(won.length).toBeLessThanOrEqual(1);
      for (const r of replies) if (r.status !== 200) expect(outcome(r)).toEqual(INVALID_GRANT);
    }
  });

  it('logout on one instance ends the refresh family on the other', async () => {
    const first = await login(a);
    const refreshed = await pair(refresh(b, first.refreshToken));
    const other = await login(a);
    expect((await request(b.url, '/logout', { method: 'POST', headers: bearer(refreshed.token) })).status).toBe(204);
    expect(outcome(await refresh(a, refreshed.refreshToken))).toEqual(INVALID_GRANT);
    await refusedEventually(a, refreshed.token);
    await pair(refresh(b, other.refreshToken));
  });

  it('Redis losing its data fails closed: every older refresh token is invalid_grant; a new login works', async () => {
    const before = await login(a);
    const used = before.refreshToken;
    const current = await pair(refresh(b, used));
    const raw = await redis.client();
    await raw.sendCommand(['FLUSHALL']);
    raw.destroy();
    expect(outcome(await refresh(a, used))).toEqual(INVALID_GRANT);
    expect(outcome(await refresh(b, current.refreshToken))).toEqual(INVALID_GRANT);
    const fresh = await login(b);
    await pair(refresh(a, fresh.refreshToken));
  });

  it('while Redis is down /refresh answers 503 temporarily_unavailable, never a 500; after a restart without data the session is refused, never accepted', async () => {
    const session = await login(a);
    await redis.stop();
    try {
      for (const app of [a, b]) {
        const reply = await refresh(app, session.refreshToken);
        expect(outcome(reply)).toEqual({ status: 503, text: JSON.stringify({ error: 'temporarily_unavailable' }) });
      }
    } finally {
      await redis.restart();
    }
    // A restart without persistence lost the session: refused, never accepted.
    const deadline = Date.now() + HANG_MS;
    let reply = await refresh(b, session.refreshToken);
    while (reply.status === 503 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      reply = await refresh(b, session.refreshToken);
    }
    expect(outcome(reply)).toEqual(INVALID_GRANT);
    for (const app of [a, b]) expect(app.stderr()).not.toMatch(/unhandled|TypeError|ReferenceError/i);
  });
});
