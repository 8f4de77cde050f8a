import Router from '@koa/router';
import Koa from 'koa';
import { describe, expect, test } from 'vitest';
import { createSigner, jwt, requirePermissions, secretKey, type JwtState } from '../src/index.js';
import { AUDIENCE, bearer, expectForbidden, expectInvalid, expectMissing, ISSUER, SECRET, serve } from './helpers.js';

const key = secretKey(SECRET);
const base = { key, issuer: ISSUER, audience: AUDIENCE } as const;
const signer = createSigner({ key, issuer: ISSUER, audience: AUDIENCE, expiresIn: 60 });
const tokenWith = (claims: Record<string, unknown>): Promise<string> => signer.sign({ sub: 'kevin', ...claims });

describe('requirePermissions', async () => {
  const router = new Router<JwtState>();
  router.get('/admin', jwt(base), requirePermissions('admin'), (ctx) => {
    ctx.body = { ok: true };
  });
  router.get('/both', jwt(base), requirePermissions(['view', 'comment']), (ctx) => {
    ctx.body = { ok: true };
  });
  router.get('/either', jwt(base), requirePermissions(['admin', 'comment'], { mode: 'any' }), (ctx) => {
    ctx.body = { ok: true };
  });
  router.get('/scope', jwt(base), requirePermissions('read:notes', { claim: 'scope' }), (ctx) => {
    ctx.body = { ok: true };
  });
  router.get('/realm', jwt({ ...base, realm: 'jwt-example', stateKey: 'auth' }), requirePermissions('admin'), (ctx) => {
    ctx.body = { ok: true };
  });
  // A default jwt() after a customised one: requirePermissions follows the last one (realm "api").
  router.get('/relayed', jwt({ ...base, realm: 'outer' }), jwt(base), requirePermissions('admin'), (ctx) => {
    ctx.body = { ok: true };
  });
  router.get('/bare', requirePermissions('admin'), (ctx) => {
    ctx.body = { ok: true };
  });
  router.get('/anonymous', jwt({ ...base, passthrough: true }), requirePermissions('view'), (ctx) => {
    ctx.body = { ok: true };
  });
  const app = new Koa();
  app.use(router.routes());
  const server = await serve(app);

  test('a token with the permission passes', async () => {
    expect((await server.get('/admin', bearer(await tokenWith({ permissions: ['admin', 'view'] })))).json).toEqual({ ok: true });
  });

  test('a valid token without it: 403 insufficient_scope', async () => {
    expectForbidden(await server.get('/admin', bearer(await tokenWith({ permissions: ['view'] }))));
    expectForbidden(await server.get('/admin', bearer(await tokenWith({}))));
    expectForbidden(await server.get('/admin', bearer(await tokenWith({ permissions: 'admin-ish' }))));
  });

  test('an invalid token is still a 401, never a 403', async () => {
    expectInvalid(await server.get('/admin', bearer('a.b.c')), 'token malformed');
    expectMissing(await server.get('/admin'));
  });

  test('mode all needs every permission', async () => {
    expect((await server.get('/both', bearer(await tokenWith({ permissions: ['comment', 'view'] })))).status).toBe(200);
    expectForbidden(await server.get('/both', bearer(await tokenWith({ permissions: ['view'] }))));
  });

  test('mode any needs one', async () => {
    expect((await server.get('/either', bearer(await tokenWith({ permissions: ['comment'] })))).status).toBe(200);
    expectForbidden(await server.get('/either', bearer(await tokenWith({ permissions: ['view'] }))));
  });

  test('a space-separated scope claim', async () => {
    expect((await server.get('/scope', bearer(await tokenWith({ scope: 'write:notes read:notes' })))).status).toBe(200);
    expectForbidden(await server.get('/scope', bearer(await tokenWith({ scope: 'read:notesx', permissions: ['read:notes'] }))));
  });

  test('realm and stateKey follow the jwt() of the same request', async () => {
    expect((await server.get('/realm', bearer(await tokenWith({ permissions: ['admin'] })))).status).toBe(200);
    expectForbidden(await server.get('/realm', bearer(await tokenWith({ permissions: [] }))), 'jwt-example');
  });

  test('after two jwt(), the settings of the last one apply, defaults included', async () => {
    expect((await server.get('/relayed', bearer(await tokenWith({ permissions: ['admin'] })))).status).toBe(200);
    expectForbidden(await server.get('/relayed', bearer(await tokenWith({ permissions: [] }))), 'api');
  });

  test('without claims on the request: 401 missing_token, not 403 or 500', async () => {
    expectMissing(await server.get('/bare'));
    expectMissing(await server.get('/anonymous'));
    expect((await server.get('/anonymous', bearer(await tokenWith({ permissions: ['view'] })))).status).toBe(200);
  });

  test('no permission names is a configuration error at construction', () => {
    for (const bad of [[], [''], '', [42]] as unknown as string[][]) {
      expect(() => requirePermissions(bad)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    }
    expect(typeof requirePermissions(['a', 'b'])).toBe('function');
  });
});
