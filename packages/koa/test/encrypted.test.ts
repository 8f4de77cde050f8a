/**
 * Encrypted (nested) tokens through the Koa middleware on a real server: the only change a user
 * makes is passing `decryptionKey` (and `requireEncryption` to refuse plain signed tokens).
 */
import Koa from 'koa';
import { describe, expect, test } from 'vitest';
import { encrypt, generateEncryptionKey, sign } from '@jwt/core';
import { jwt, secretKey } from '../src/index.js';
import { expectInvalid, ISSUER, SECRET, serve } from './helpers.js';

const key = secretKey(SECRET);
const jweKey = generateEncryptionKey();
const nested = (claims: Record<string, unknown>): Promise<string> => encrypt(claims, jweKey, { signWith: key, issuer: ISSUER, expiresIn: 60 });

async function appWith(requireEncryption: boolean) {
  const app = new Koa();
  app.use(jwt({ audience: false, key, decryptionKey: jweKey, requireEncryption, issuer: ISSUER, algorithms: ['HS256'] }));
  app.use((ctx) => {
    const user = (ctx.state as { user: Record<string, unknown> }).user;
    ctx.body = { sub: user.sub, email: user.email };
  });
  return serve(app);
}

describe('encrypted tokens through the Koa middleware', async () => {
  const strict = await appWith(true);
  const lenient = await appWith(false);

  test('a nested token puts its claims on ctx.state.user', async () => {
    const token = await nested({ sub: 'kevin', email: 'kevin@example.com' });
    const reply = await strict.get('/', { authorization: `Bearer ${token}` });
    expect({ status: reply.status, body: reply.json }).toEqual({ status: 200, body: { sub: 'kevin', email: 'kevin@example.com' } });
  });

  test('a tampered or foreign token is refused; a plain signed token only where encryption is optional', async () => {
    const token = await nested({ sub: 'kevin' });
    const parts = token.split('.');
    const tag = Buffer.from(parts[4]!, 'base64url');
    tag[0] = tag[0]! ^ 1;
    parts[4] = tag.toString('base64url');
    expectInvalid(await strict.get('/', { authorization: `Bearer ${parts.join('.')}` }), 'decryption failed');
    const foreign = await encrypt({ sub: 'kevin' }, generateEncryptionKey(), { signWith: key, issuer: ISSUER, expiresIn: 60 });
    expectInvalid(await strict.get('/', { authorization: `Bearer ${foreign}` }), 'decryption failed');
    const plain = await sign({ sub: 'kevin' }, key, { issuer: ISSUER, expiresIn: 60 });
    expectInvalid(await strict.get('/', { authorization: `Bearer ${plain}` }), 'encryption algorithm not allowed');
    const reply = await lenient.get('/', { authorization: `Bearer ${plain}` });
    expect(reply.status).toBe(200);
  });
});
