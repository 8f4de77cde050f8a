import Koa from 'koa';
import { describe, expect, test } from 'vitest';
import { createSigner, JwtError, JwtHttpError, jwt, requirePermissions, secretKey } from '../src/index.js';
import { AUDIENCE, bearer, expectInvalid, ISSUER, SECRET, serve } from './helpers.js';

const key = secretKey(SECRET);
const base = { key, issuer: ISSUER, audience: AUDIENCE } as const;
const signer = createSigner({ key, issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 });

class TeapotError extends Error {
  status = 418;
  expose = true;
}

describe('errors thrown downstream', async () => {
  const caught: unknown[] = [];
  const thrown = new TeapotError('short and stout');
  const plain = new Error('database down');
  const app = new Koa();
  app.silent = true;
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      caught.push(error);
      throw error;
    }
  });
  app.use(jwt(base));
  app.use((ctx) => {
    if (ctx.path === '/teapot') throw thrown;
    if (ctx.path === '/plain') throw plain;
    if (ctx.path === '/unauthorized') ctx.throw(401, 'handler says no');
    ctx.body = { ok: true };
  });
  const server = await serve(app);

  test('reach the error middleware as the same object, with their own status', async () => {
    const token = await signer.sign({ sub: 'kevin' });
    const teapot = await server.get('/teapot', bearer(token));
    expect({ status: teapot.status, text: teapot.text }).toEqual({ status: 418, text: 'short and stout' });
    expect(caught.at(-1)).toBe(thrown);
    const failure = await server.get('/plain', bearer(token));
    expect(failure.status).toBe(500);
    expect(caught.at(-1)).toBe(plain);
  });

  test('a 401 thrown by a handler is not rewritten into a token error', async () => {
    const reply = await server.get('/unauthorized', bearer(await signer.sign({ sub: 'kevin' })));
    expect({ status: reply.status, text: reply.text, challenge: reply.headers['www-authenticate'] }).toEqual({ status: 401, text: 'handler says no', challenge: undefined });
  });

  test('a token failure is answered by the middleware, not thrown by default', async () => {
    const before = caught.length;
    expectInvalid(await server.get('/teapot', bearer('a.b.c')), 'token malformed');
    expect(caught.length).toBe(before);
  });
});

describe('throwErrors', async () => {
  const seen: unknown[] = [];
  const handled = new Koa();
  handled.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      seen.push(error);
      if (!(error instanceof JwtHttpError)) throw error;
      ctx.status = error.status;
      ctx.set(error.headers);
      ctx.body = { ...error.body, code: error.code };
    }
  });
  handled.use(jwt({ ...base, throwErrors: true, realm: 'mine' }));
  handled.use(requirePermissions('admin'));
  handled.use((ctx) => {
    ctx.body = { ok: true };
  });
  const withHandler = await serve(handled);

  const bare = new Koa();
  bare.silent = true;
  bare.use(jwt({ ...base, throwErrors: true }));
  bare.use((ctx) => {
    ctx.body = { ok: true };
  });
  const withoutHandler = await serve(bare);

  test('your error middleware receives a JwtHttpError with status, headers, body and cause', async () => {
    const reply = await withHandler.get('/', bearer('a.b.c'));
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({ error: 'invalid_token', error_description: 'token malformed', code: 'ERR_JWT_MALFORMED' });
    expect(reply.headers['www-authenticate']).toBe('Bearer realm="mine", error="invalid_token", error_description="token malformed"');
    const error = seen.at(-1) as JwtHttpError;
    expect(error).toBeInstanceOf(JwtHttpError);
    expect({ expose: error.expose, message: error.message, name: error.name }).toEqual({ expose: true, message: 'token malformed', name: 'JwtHttpError' });
    expect(error.cause).toBeInstanceOf(JwtError);
  });

  test('requirePermissions throws the 403 the same way', async () => {
    const reply = await withHandler.get('/', bearer(await signer.sign({ sub: 'kevin', permissions: ['view'] })));
    expect({ status: reply.status, body: reply.json, challenge: reply.headers['www-authenticate'] }).toEqual({
      status: 403,
      body: { error: 'insufficient_scope', code: 'ERR_INSUFFICIENT_SCOPE' },
      challenge: 'Bearer realm="mine", error="insufficient_scope"',
    });
  });

  test('a valid token throws nothing', async () => {
    const before = seen.length;
    expect((await withHandler.get('/', bearer(await signer.sign({ sub: 'kevin', permissions: ['admin'] })))).json).toEqual({ ok: true });
    expect(seen.length).toBe(before);
  });

  test("without error middleware, Koa's own handler keeps the status and the challenge", async () => {
    const reply = await withoutHandler.get('/');
    expect({ status: reply.status, text: reply.text, challenge: reply.headers['www-authenticate'] }).toEqual({ status: 401, text: 'token missing', challenge: 'Bearer realm="api"' });
    expect((await withoutHandler.get('/', bearer(await signer.sign({ sub: 'kevin' })))).status).toBe(200);
  });
});
