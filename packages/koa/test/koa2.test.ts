/**
 * The peer range includes Koa 2: the same middleware on a real Koa 2.16 server, the behaviours
 * that touch Koa itself (state, answers, thrown errors and Koa's default error handler).
 */
import Koa2 from 'koa2';
import { describe, expect, test } from 'vitest';
import { createSigner, jwt, requirePermissions, secretKey } from '../src/index.js';
import { AUDIENCE, bearer, expectForbidden, expectInvalid, expectMissing, ISSUER, OTHER_SECRET, SECRET, serve } from './helpers.js';

const key = secretKey(SECRET);
const base = { key, issuer: ISSUER, audience: AUDIENCE, cookie: 'access_token' } as const;
const signer = createSigner({ key, issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 });

describe('on Koa 2', async () => {
  const failure = new Error('downstream');
  const seen: unknown[] = [];
  const app = new Koa2();
  app.silent = true;
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      seen.push(error);
      throw error;
    }
  });
  app.use(jwt({ ...base, unless: { path: '/open' } }));
  app.use(requirePermissions('view'));
  app.use((ctx) => {
    if (ctx.path === '/fail') throw failure;
    ctx.body = { sub: (ctx.state as { user?: { sub?: string } }).user?.sub ?? null };
  });
  const server = await serve(app);

  const thrower = new Koa2();
  thrower.silent = true;
  thrower.use(jwt({ ...base, throwErrors: true }));
  thrower.use((ctx) => {
    ctx.body = { ok: true };
  });
  const throwing = await serve(thrower);

  test('a valid token from the header or the cookie reaches the handler with its claims', async () => {
    const token = await signer.sign({ sub: 'kevin', permissions: ['view'] });
    expect((await server.get('/', bearer(token))).json).toEqual({ sub: 'kevin' });
    expect((await server.get('/', { cookie: `access_token=${token}` })).json).toEqual({ sub: 'kevin' });
  });

  test('missing, foreign and under-privileged tokens get the RFC 6750 answers', async () => {
    expectMissing(await server.get('/'));
    const foreign = await createSigner({ key: secretKey(OTHER_SECRET), issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 }).sign({ sub: 'kevin' });
    expectInvalid(await server.get('/', bearer(foreign)), 'signature invalid');
    expectForbidden(await server.get('/', bearer(await signer.sign({ sub: 'kevin', permissions: [] }))));
  });

  test('unless leaves a path open; requirePermissions then answers 401, not 403', async () => {
    expectMissing(await server.get('/open'));
  });

  test('an error thrown downstream passes through as is', async () => {
    const reply = await server.get('/fail', bearer(await signer.sign({ sub: 'kevin', permissions: ['view'] })));
    expect(reply.status).toBe(500);
    expect(seen.at(-1)).toBe(failure);
  });

  test("throwErrors: Koa 2's default handler keeps the status and challenge", async () => {
    const reply = await throwing.get('/', bearer('a.b.c'));
    expect({ status: reply.status, text: reply.text, challenge: reply.headers['www-authenticate'] }).toEqual({
      status: 401,
      text: 'token malformed',
      challenge: 'Bearer realm="api", error="invalid_token", error_description="token malformed"',
    });
    expect((await throwing.get('/', bearer(await signer.sign({ sub: 'kevin' })))).status).toBe(200);
  });
});
