/**
 * REDIS_URL end to end: four app processes (two Hono, one Koa, one Nest) sharing one real
 * redis-server. A logout or a password change on one instance is refused by another (polled: how
 * fast is measured in bench/, not asserted here); a Redis outage is answered with 401 `revocation
 * status unavailable`, never a 500 or a hang, and the apps recover by themselves when it returns;
 * and when Redis comes back without its data, every revocation still holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisAvailable, RedisServer } from '../../redis/test/redis-server.js';
import { bearer, request, startApp, type Reply, type RunningApp } from '../src/index.js';

/** Past this, an answer, a revocation reaching another instance or a recovery counts as lost. */
const HANG_MS = 10_000;

const KEVIN = { username: 'kevin', password: 'kevin-password' };
const ADMIN = { username: 'admin', password: 'admin-password' };

const json = (body: unknown) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

async function login(app: RunningApp, user: { username: string; password: string }): Promise<string> {
  const reply = await request(app.url, '/login', json(user));
  expect(reply.status, reply.text).toBe(200);
  return (JSON.parse(reply.text) as { token: string }).token;
}

const me = (app: RunningApp, token: string): Promise<Reply> => request(app.url, '/me', { headers: bearer(token) });

function expectRefused(reply: Reply, description: string): void {
  expect(reply.status).toBe(401);
  expect(JSON.parse(reply.text)).toEqual({ error: 'invalid_token', error_description: description });
  expect(reply.headers.get('www-authenticate')).toBe(`Bearer realm="jwt-example", error="invalid_token", error_description="${description}"`);
}

/** Polls `app` with the token until it stops accepting it, or HANG_MS have passed; returns the last reply. */
async function pollUntilRefused(app: RunningApp, token: string): Promise<Reply> {
  const deadline = Date.now() + HANG_MS;
  for (;;) {
    const reply = await me(app, token);
    if (reply.status !== 200 || Date.now() > deadline) return reply;
    await new Promise((r) => setTimeout(r, 5));
  }
}

function expectRevoked(reply: Reply, what: string): void {
  expect(reply.status, `${what}: still accepted ${HANG_MS} ms after the revocation`).toBe(401);
  expectRefused(reply, 'token revoked');
}

async function pollUntil(condition: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(!redisAvailable)('REDIS_URL: revocations shared by every instance', () => {
  let redis: RedisServer;
  const apps: Record<'honoA' | 'honoB' | 'koa' | 'nest', RunningApp> = {} as never;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const env = { REDIS_URL: redis.url };
    const [honoA, honoB, koa, nest] = await Promise.all([
      startApp({ app: 'hono-example', env }),
      startApp({ app: 'hono-example', env }),
      startApp({ app: 'koa-example', env }),
      startApp({ app: 'nest-example', env, timeoutMs: 60_000 }),
    ]);
    Object.assign(apps, { honoA, honoB, koa, nest });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(Object.values(apps).map((app) => app.stop('SIGKILL')));
    await redis?.dispose();
  });

  const pairs = [
    ['honoA', 'honoB'],
    ['koa', 'honoA'],
    ['nest', 'koa'],
    ['honoB', 'nest'],
  ] as const;

  for (const [from, to] of pairs) {
    it(`logout on ${from} is refused by ${to}; other tokens stay valid`, async () => {
      const token = await login(apps[from], KEVIN);
      const other = await login(apps[to], KEVIN);
      expect((await me(apps[to], token)).status).toBe(200);

      const logout = await request(apps[from].url, '/logout', { method: 'POST', headers: bearer(token) });
      expect(logout.status).toBe(204);
      expectRevoked(await pollUntilRefused(apps[to], token), `logout on ${from}, token used on ${to}`);
      expectRefused(await me(apps[from], token), 'token revoked');

      expect((await me(apps[from], other)).status).toBe(200);
      expect((await me(apps[to], other)).status).toBe(200);
    });
  }

  // Each app keeps its own demo users, so a password changes on one instance only; the
  // revocation of the older tokens, though, reaches all of them.
  for (const [from, to, user] of [
    ['honoA', 'honoB', KEVIN],
    ['nest', 'koa', ADMIN],
  ] as const) {
    it(`password change on ${from}: ${to} refuses ${user.username}'s older tokens; logins made after it are accepted by both`, async () => {
      const olderOnTo = await login(apps[to], user);
      const olderOnFrom = await login(apps[from], user);
      const newPassword = `${user.username}-changed-password`;

      const change = await request(apps[from].url, '/password', { ...json({ currentPassword: user.password, newPassword }), headers: { ...bearer(olderOnFrom), 'Content-Type': 'application/json' } });
      expect(change.status).toBe(204);
      expectRevoked(await pollUntilRefused(apps[to], olderOnTo), `password change on ${from}, older token used on ${to}`);
      expectRefused(await me(apps[to], olderOnFrom), 'token revoked');
      expectRefused(await me(apps[from], olderOnTo), 'token revoked');

      const fresh = await login(apps[from], { username: user.username, password: newPassword });
      expect(JSON.parse((await me(apps[to], fresh)).text)).toMatchObject({ sub: user.username });
      expect((await me(apps[from], fresh)).status).toBe(200);
      // The other instance's users did not change: its own login, made after the cutoff, is valid everywhere.
      const freshOnTo = await login(apps[to], user);
      expect((await me(apps[from], freshOnTo)).status).toBe(200);
    });
  }

  it('answers 401 revocation status unavailable while Redis is down, never a 500, and recovers by itself', async () => {
    const token = await login(apps.honoA, ADMIN);
    expect((await me(apps.koa, token)).status).toBe(200);
    const issued = await login(apps.nest, KEVIN);

    await redis.stop();
    for (const app of Object.values(apps)) {
      await pollUntil(async () => (await me(app, token)).status === 401, HANG_MS, 'the app notices Redis is gone');
      expectRefused(await me(app, token), 'revocation status unavailable');
      expect((await request(app.url, '/health')).status).toBe(200);
    }
    // A login cannot record its session (refresh family): 503, never a pair that would not work.
    // A logout that cannot be shared says so instead of pretending.
    const loginDuringOutage = await request(apps.nest.url, '/login', json(KEVIN));
    expect({ status: loginDuringOutage.status, text: loginDuringOutage.text }).toEqual({ status: 503, text: JSON.stringify({ error: 'temporarily_unavailable' }) });
    expectRefused(await request(apps.nest.url, '/logout', { method: 'POST', headers: bearer(issued) }), 'revocation status unavailable');

    await redis.restart();
    for (const app of Object.values(apps)) {
      await pollUntil(async () => (await me(app, token)).status === 200, HANG_MS, 'the app recovers without a restart');
    }
    const after = await login(apps.koa, KEVIN);
    expect((await request(apps.koa.url, '/logout', { method: 'POST', headers: bearer(after) })).status).toBe(204);
    expectRevoked(await pollUntilRefused(apps.nest, after), 'logout on koa after the outage, token used on nest');
    for (const app of Object.values(apps)) expect(app.stderr()).not.toMatch(/unhandled|TypeError|ReferenceError/i);
  });

  it('keeps refusing a logged-out token and a token from before a password change when Redis restarts empty', async () => {
    // A is koa, B is honoB: neither has changed kevin's password in the cases above.
    const [a, b] = [apps.koa, apps.honoB];
    const loggedOut = await login(a, ADMIN);
    const beforeChangeOnB = await login(b, KEVIN);
    const beforeChangeOnA = await login(a, KEVIN);
    expect((await request(a.url, '/logout', { method: 'POST', headers: bearer(loggedOut) })).status).toBe(204);
    const newPassword = 'kevin-after-data-loss';
    const change = await request(a.url, '/password', { ...json({ currentPassword: KEVIN.password, newPassword }), headers: { ...bearer(beforeChangeOnA), 'Content-Type': 'application/json' } });
    expect(change.status).toBe(204);
    for (const app of [a, b]) {
      expectRevoked(await pollUntilRefused(app, loggedOut), 'logout on A');
      expectRevoked(await pollUntilRefused(app, beforeChangeOnB), 'password change on A');
    }
    const bystander = await login(b, ADMIN);

    await redis.stop(); // kill -9, and no persistence: it comes back empty
    for (const app of [a, b]) {
      await pollUntil(async () => (await me(app, bystander)).status === 401, HANG_MS, 'the app notices Redis is gone');
      expectRefused(await me(app, bystander), 'revocation status unavailable');
    }
    await redis.restart();
    for (const app of Object.values(apps)) {
      await pollUntil(async () => (await me(app, bystander)).status === 200, HANG_MS, 'the app recovers without a restart');
    }
    for (const app of [a, b]) {
      expectRefused(await me(app, loggedOut), 'token revoked');
      expectRefused(await me(app, beforeChangeOnB), 'token revoked');
      expectRefused(await me(app, beforeChangeOnA), 'token revoked');
    }
    // Negative twin: a login made after the change is accepted on both.
    const fresh = await login(a, { username: 'kevin', password: newPassword });
    for (const app of [a, b]) expect(JSON.parse((await me(app, fresh)).text)).toMatchObject({ sub: 'kevin' });
    for (const app of Object.values(apps)) expect(app.stderr()).not.toMatch(/unhandled|TypeError|ReferenceError/i);
  });
});
