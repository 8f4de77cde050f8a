import Koa from 'koa';
import { describe, expect, test } from 'vitest';
import type { AuthFailureEvent } from '@jwt/core';
import { createSigner, jwt, requirePermissions, secretKey, type JwtError } from '../src/index.js';
import { bearer, SECRET, serve } from './helpers.js';

const key = secretKey(SECRET);

function configMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect((error as JwtError).code).toBe('ERR_CONFIG_INVALID');
    return (error as JwtError).message;
  }
  throw new Error('expected ERR_CONFIG_INVALID');
}

describe('jwt() options are checked at construction', () => {
  test('an unknown option is named, with the closest known one', () => {
    // @ts-expect-error misspelled option
    expect(configMessage(() => jwt({ key, issuer: 'auth', audience: 'api', statekey: 'auth' }))).toBe('jwt(): unknown option "statekey" (did you mean "stateKey"?)');
    // @ts-expect-error koa-jwt's name for the key
    expect(configMessage(() => jwt({ secret: SECRET, issuer: 'auth', audience: 'api' }))).toBe('jwt(): unknown option "secret" (did you mean "key"?)');
    // @ts-expect-error requirePermissions' options too
    expect(configMessage(() => requirePermissions('admin', { claims: 'scope' }))).toBe('requirePermissions(): unknown option "claims" (did you mean "claim"?)');
  });

  test('a value present but undefined, a wrong type, a missing issuer', () => {
    const env: Record<string, string | undefined> = {};
    expect(configMessage(() => jwt({ key, issuer: 'auth', audience: env.JWT_AUDIENCE as string }))).toContain('jwt(): audience is undefined (is an environment variable unset?)');
    // @ts-expect-error passthrough is a boolean
    expect(configMessage(() => jwt({ key, issuer: 'auth', audience: 'api', passthrough: 'yes' }))).toBe('jwt(): passthrough must be a boolean, not string');
    // @ts-expect-error issuer missing
    expect(configMessage(() => jwt({ key, audience: 'api' }))).toContain('issuer is required');
    expect(configMessage(() => jwt({ key: SECRET, issuer: 'auth', audience: 'api', algorithms: ['ES256'] }))).toContain('cannot verify ES256');
    expect(() => jwt({ key, issuer: false, audience: false })).not.toThrow();
  });
});

describe('jwt({ onFailure })', () => {
  test('reports refusals from the core, from isRevoked and from requirePermissions, never the token', async () => {
    const events: AuthFailureEvent[] = [];
    const app = new Koa();
    app.use(jwt({ key, issuer: 'auth', audience: 'api', onFailure: (e) => events.push(e), isRevoked: (_ctx, claims) => claims.sub === 'revoked' }));
    app.use(requirePermissions('admin'));
    app.use((ctx) => {
      ctx.body = { ok: true };
    });
    const server = await serve(app);
    const signer = createSigner({ key, expiresIn: 60, issuer: 'auth', audience: 'api' });
    const wrongIss = await createSigner({ key, expiresIn: 60, issuer: 'evil', audience: 'api' }).sign({ sub: 'a' });
    expect((await server.get('/', bearer(wrongIss))).status).toBe(401);
    expect((await server.get('/', bearer(await signer.sign({ sub: 'revoked', permissions: ['admin'] })))).status).toBe(401);
    expect((await server.get('/', bearer(await signer.sign({ sub: 'a', permissions: ['view'] })))).status).toBe(403);
    expect((await server.get('/', bearer(await signer.sign({ sub: 'a', permissions: ['admin'] })))).status).toBe(200);
    expect(events).toEqual([
      { code: 'ERR_JWT_ISSUER_INVALID', reason: 'claim invalid: iss', status: 401 },
      { code: 'ERR_JWT_REVOKED', reason: 'token revoked', status: 401 },
      { code: 'ERR_INSUFFICIENT_SCOPE', reason: 'insufficient scope', status: 403 },
    ]);
    expect(JSON.stringify(events)).not.toContain(wrongIss.split('.')[1]!);
  });
});
