/**
 * Encrypted (nested) tokens through the guard, on Express and on Fastify: the only change a user
 * makes is passing `decryptionKey` (and `requireEncryption` to refuse plain signed tokens) to
 * JwtAuthModule; controllers and @Claims() see the same verified claims.
 */
import { Controller, Get, UseGuards } from '@nestjs/common';
import { encrypt, generateEncryptionKey, generateSecret, sign, type JweKey, type JwtClaims, type JwtKey } from '@jwt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Claims, JwtAuthGuard, JwtAuthModule, RequirePermissions } from '../src/index.js';
import { bearer, call, INSUFFICIENT, invalidToken, PLATFORMS, REALM, shape, startApp, type RunningApp } from './harness.js';

@Controller()
class EncryptedRoutesController {
  @UseGuards(JwtAuthGuard)
  @Get('me')
  me(@Claims() claims: JwtClaims) {
    return { sub: claims.sub, email: claims.email };
  }

  @UseGuards(JwtAuthGuard)
  @RequirePermissions('admin')
  @Get('admin')
  admin() {
    return { ok: true };
  }
}

describe.each(PLATFORMS)('encrypted tokens through JwtAuthGuard on %s', (platform) => {
  let key: JwtKey;
  let jweKey: JweKey;
  let strict: RunningApp;
  let lenient: RunningApp;
  const nested = (claims: JwtClaims, encryptTo: JweKey = jweKey) => encrypt(claims, encryptTo, { signWith: key, expiresIn: 60 });

  beforeAll(async () => {
    key = generateSecret();
    jweKey = generateEncryptionKey();
    strict = await startApp(platform, { imports: [JwtAuthModule.forRoot({ issuer: false, audience: false, key, decryptionKey: jweKey, requireEncryption: true, realm: REALM })], controllers: [EncryptedRoutesController] });
    lenient = await startApp(platform, { imports: [JwtAuthModule.forRoot({ issuer: false, audience: false, key, decryptionKey: jweKey, realm: REALM })], controllers: [EncryptedRoutesController] });
  });
  afterAll(async () => {
    await strict.close();
    await lenient.close();
  });

  it('a nested token reaches the handler with its claims; permissions apply as usual', async () => {
    const token = await nested({ sub: 'kevin', email: 'kevin@example.com', permissions: ['view'] });
    const me = await call(strict.url, '/me', bearer(token));
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toEqual({ sub: 'kevin', email: 'kevin@example.com' });
    expect(shape(await call(strict.url, '/admin', bearer(token)))).toEqual(INSUFFICIENT);
  });

  it('a tampered or foreign token is refused; a plain signed token only where encryption is optional', async () => {
    const token = await nested({ sub: 'kevin' });
    const parts = token.split('.');
    const iv = Buffer.from(parts[2]!, 'base64url');
    iv[0] = iv[0]! ^ 1;
    parts[2] = iv.toString('base64url');
    expect(shape(await call(strict.url, '/me', bearer(parts.join('.'))))).toEqual(invalidToken('decryption failed'));
    expect(shape(await call(strict.url, '/me', bearer(await nested({ sub: 'kevin' }, generateEncryptionKey()))))).toEqual(invalidToken('decryption failed'));
    const plain = await sign({ sub: 'kevin' }, key, { expiresIn: 60 });
    expect(shape(await call(strict.url, '/me', bearer(plain)))).toEqual(invalidToken('encryption algorithm not allowed'));
    expect((await call(lenient.url, '/me', bearer(plain))).status).toBe(200);
  });
});
