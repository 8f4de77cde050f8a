import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createSigner, jwt, requirePermissions, secretKey, type JwtError } from '../src/index.js';
import type { AuthFailureEvent } from '@jwt/core';

const SECRET = 'hono-options-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
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
  it('an unknown option is named, with the closest known one', () => {
    // @ts-expect-error misspelled option: a compile error too
    expect(configMessage(() => jwt({ key, issuer: 'auth', audience: 'api', audiance: 'api' }))).toBe('jwt(): unknown option "audiance" (did you mean "audience"?)');
    // @ts-expect-error other libraries' names: `secret` is `key` here
    expect(configMessage(() => jwt({ secret: SECRET, issuer: 'auth', audience: 'api' }))).toBe('jwt(): unknown option "secret" (did you mean "key"?)');
    // @ts-expect-error
    expect(configMessage(() => jwt({ key, issuer: 'auth', audience: 'api', onEror: () => undefined }))).toBe('jwt(): unknown option "onEror" (did you mean "onError"?)');
  });

  it('a value present but undefined says so; a wrong type names the type', () => {
    const env: Record<string, string | undefined> = {};
    expect(configMessage(() => jwt({ key, issuer: env.JWT_ISSUER as string, audience: 'api' }))).toContain('jwt(): issuer is undefined (is an environment variable unset?)');
    // @ts-expect-error onError must be a function
    expect(configMessage(() => jwt({ key, issuer: 'auth', audience: 'api', onError: 'log' }))).toBe('jwt(): onError must be a function, not string');
    // @ts-expect-error requirePermissions' options are checked too
    expect(configMessage(() => requirePermissions('admin', { mdoe: 'any' }))).toBe('requirePermissions(): unknown option "mdoe" (did you mean "mode"?)');
  });

  it('issuer and audience are required, or opted out with false', () => {
    // @ts-expect-error audience missing
    expect(configMessage(() => jwt({ key, issuer: 'auth' }))).toContain('audience is required');
    expect(() => jwt({ key, issuer: false, audience: false })).not.toThrow();
  });

  it('algorithms an HMAC secret cannot serve are refused at construction', () => {
    expect(configMessage(() => jwt({ key: SECRET, issuer: 'auth', audience: 'api', algorithms: ['RS256'] }))).toContain('cannot verify RS256');
    expect(() => jwt({ key: SECRET, issuer: 'auth', audience: 'api', algorithms: ['HS256'] })).not.toThrow();
  });
});

describe('jwt({ onFailure })', () => {
  it('reports each refusal with its code and claim, never the token, and keeps the fixed answer', async () => {
    const events: AuthFailureEvent[] = [];
    const app = new Hono();
    app.use('/api/*', jwt({ key, issuer: 'auth', audience: 'api', onFailure: (e) => events.push(e) }));
    app.get('/api/admin', requirePermissions('admin'), (c) => c.json({ ok: true }));
    const noAud = await createSigner({ key, expiresIn: 60, issuer: 'auth' }).sign({ sub: 'a' });
    const user = await createSigner({ key, expiresIn: 60, issuer: 'auth', audience: 'api' }).sign({ sub: 'a', permissions: ['view'] });
    const admin = await createSigner({ key, expiresIn: 60, issuer: 'auth', audience: 'api' }).sign({ sub: 'a', permissions: ['admin'] });
    const r1 = await app.request('/api/admin', { headers: { Authorization: `Bearer ${noAud}` } });
    expect(r1.status).toBe(401);
    expect(await r1.json()).toEqual({ error: 'invalid_token', error_description: 'required claim missing' });
    const r2 = await app.request('/api/admin', { headers: { Authorization: `Bearer ${user}` } });
    expect(r2.status).toBe(403);
    const r3 = await app.request('/api/admin', { headers: { Authorization: `Bearer ${admin}` } });
    expect(r3.status).toBe(200);
    expect(events).toEqual([
      { code: 'ERR_JWT_CLAIM_MISSING', reason: 'claim missing: aud', status: 401 },
      { code: 'ERR_INSUFFICIENT_SCOPE', reason: 'insufficient scope', status: 403 },
    ]);
    expect(JSON.stringify(events)).not.toContain(noAud.split('.')[1]!);
  });
});
