/**
 * Encrypted (nested) tokens through the middleware: the only change a user makes is passing
 * `decryptionKey` (and, to refuse plain signed tokens, `requireEncryption`). Handlers see the
 * same verified claims as for a signed token.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { encrypt, generateEncryptionKey, secretKey, sign } from '@jwt/core';
import { jwt, requirePermissions, type Env } from '../src/index.js';

const SECRET = 'hono-jwe-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH';
const key = secretKey(SECRET, { alg: 'HS256' });
const jweKey = generateEncryptionKey();

function build(requireEncryption: boolean): Hono<Env> {
  const app = new Hono<Env>();
  app.use('/api/*', jwt({ audience: false, key, decryptionKey: jweKey, requireEncryption, issuer: 'auth', realm: 'test' }));
  app.get('/api/me', (c) => c.json({ sub: c.var.jwt.sub, email: c.var.jwt.email }));
  app.get('/api/admin', requirePermissions('admin'), (c) => c.json({ ok: true }));
  return app;
}

const nested = (claims: Record<string, unknown>): Promise<string> => encrypt(claims, jweKey, { signWith: key, issuer: 'auth', expiresIn: 300 });
const bearer = (token: string): RequestInit => ({ headers: { Authorization: `Bearer ${token}` } });

describe('encrypted tokens through the Hono middleware', () => {
  it('accepts a nested token and hands the handler its claims; permissions apply as usual', async () => {
    const app = build(true);
    const token = await nested({ sub: 'kevin', email: 'kevin@example.com', permissions: ['view'] });
    const res = await app.request('/api/me', bearer(token));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'kevin', email: 'kevin@example.com' });
    const admin = await app.request('/api/admin', bearer(token));
    expect(admin.status).toBe(403);
    expect(await admin.json()).toEqual({ error: 'insufficient_scope' });
  });

  it('refuses a tampered token, a token for another key, and a plain signed token when encryption is required', async () => {
    const app = build(true);
    const token = await nested({ sub: 'kevin' });
    const parts = token.split('.');
    const ciphertext = Buffer.from(parts[3]!, 'base64url');
    ciphertext[0] = ciphertext[0]! ^ 1;
    parts[3] = ciphertext.toString('base64url');
    const tampered = await app.request('/api/me', bearer(parts.join('.')));
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toEqual({ error: 'invalid_token', error_description: 'decryption failed' });
    expect(tampered.headers.get('WWW-Authenticate')).toBe('Bearer realm="test", error="invalid_token", error_description="decryption failed"');
    const foreign = await app.request('/api/me', bearer(await encrypt({ sub: 'kevin' }, generateEncryptionKey(), { signWith: key, issuer: 'auth', expiresIn: 300 })));
    expect(foreign.status).toBe(401);
    const plain = await sign({ sub: 'kevin' }, key, { issuer: 'auth', expiresIn: 300 });
    const refused = await app.request('/api/me', bearer(plain));
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: 'invalid_token', error_description: 'encryption algorithm not allowed' });
    // Its twin: without requireEncryption the same signed token passes.
    expect((await build(false).request('/api/me', bearer(plain))).status).toBe(200);
  });
});
