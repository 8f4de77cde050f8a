import { describe, expect, it } from 'vitest';
import { createSigner, createVerifier, generateKeyPair, keyRing, publicKeyOf, type KeyProvider } from '../src/index.js';

describe('the verified-token cache follows the keys', () => {
  it('a token cached under a key retired from the ring is refused, like an uncached one', async () => {
    const a = (await generateKeyPair('ES256', { kid: 'a' })).privateKey;
    const b = (await generateKeyPair('ES256', { kid: 'b' })).privateKey;
    const ring = keyRing({ active: b, verifyOnly: [a] });
    const token = await createSigner({ key: a, expiresIn: 60 }).sign({ sub: 'kevin' });
    const cached = createVerifier({ issuer: false, audience: false, key: ring, cache: true });
    expect((await cached.verify(token)).payload.sub).toBe('kevin');
    expect((await cached.verify(token)).payload.sub).toBe('kevin'); // a hit while the key is still offered
    ring.retire('a');
    await expect(cached.verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_KEY_NOT_FOUND' });
    await expect(createVerifier({ issuer: false, audience: false, key: ring }).verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_KEY_NOT_FOUND' });
  });

  it('a token cached under a key a provider stops offering is verified again against what it offers now', async () => {
    const first = await generateKeyPair('EdDSA', { kid: 'k' });
    const impostor = await generateKeyPair('EdDSA', { kid: 'k' });
    let offered = [publicKeyOf(first.privateKey)];
    const provider: KeyProvider = { getKeys: () => offered };
    const token = await createSigner({ key: first.privateKey, expiresIn: 60 }).sign({ sub: 'kevin' });
    const verifier = createVerifier({ issuer: false, audience: false, key: provider, cache: true });
    await verifier.verify(token);
    offered = [impostor.publicKey];
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
  });
});

describe('results served from caches cannot be changed by one request for the next', () => {
  const secret = 'a-secret-that-is-at-least-32-bytes-long!';

  it('cached payloads and shared headers are frozen', async () => {
    const token = createSigner({ key: secret, expiresIn: 60 }).signSync({ sub: 'kevin', permissions: ['view'] });
    const verifier = createVerifier({ issuer: false, audience: false, key: secret, cache: true });
    const first = await verifier.verify(token);
    expect(() => (first.payload.permissions as string[]).push('admin')).toThrow(TypeError);
    expect(() => {
      (first.header as { alg: string }).alg = 'none';
    }).toThrow(TypeError);
    const again = await verifier.verify(token);
    expect(again.payload.permissions).toEqual(['view']);
    expect(again.header.alg).toBe('HS256');
  });

  it('without a cache, payloads stay the caller\'s own to change', async () => {
    const token = createSigner({ key: secret, expiresIn: 60 }).signSync({ sub: 'kevin', permissions: ['view'] });
    const verifier = createVerifier({ issuer: false, audience: false, key: secret });
    const { payload } = await verifier.verify(token);
    (payload.permissions as string[]).push('admin');
    expect((await verifier.verify(token)).payload.permissions).toEqual(['view']);
  });
});

describe('key providers that fail', () => {
  const secret = 'a-secret-that-is-at-least-32-bytes-long!';
  const token = createSigner({ key: secret, expiresIn: 60 }).signSync({ sub: 'kevin' });

  it('a provider that throws answers ERR_JWT_KEY_NOT_FOUND, not "token malformed"', async () => {
    const verifier = createVerifier({ issuer: false, audience: false, key: { getKeys: () => { throw new Error('down'); } } });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_KEY_NOT_FOUND' });
  });

  it('a provider that rejects answers ERR_JWT_KEY_NOT_FOUND', async () => {
    const verifier = createVerifier({ issuer: false, audience: false, key: { getKeys: () => Promise.reject(new Error('down')) } });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_KEY_NOT_FOUND' });
  });
});
