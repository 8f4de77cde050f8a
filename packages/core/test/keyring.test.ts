import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as jose from 'jose';
import { describe, expect, it } from 'vitest';
import {
  createSigner,
  createVerifier,
  decodeUnverified,
  generateKeyPair,
  importKey,
  isJwtError,
  keyRing,
  remoteJwks,
  secretKey,
  sign,
  thumbprintKid,
  verify,
  type JwtErrorCode,
  type JwtKey,
} from '../src/index.js';

async function expectCode(promise: Promise<unknown>, code: JwtErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isJwtError(error) ? error.code : error).toBe(code);
}

function syncCode(fn: () => unknown): JwtErrorCode | 'no error' {
  try {
    fn();
    return 'no error';
  } catch (error) {
    if (!isJwtError(error)) throw error;
    return error.code;
  }
}

const es256 = async (kid: string): Promise<JwtKey> => (await generateKeyPair('ES256', { kid })).privateKey;
const kidOf = (token: string): unknown => decodeUnverified(token).header.kid;

describe('KeyRing', () => {
  it('signs with the active key and its kid, and keeps verifying the previous key after a rotation', async () => {
    const k1 = await es256('k1');
    const k2 = await es256('k2');
    const ring = keyRing({ active: k1 });
    const signer = createSigner({ key: ring, expiresIn: '15m' });
    const verifier = createVerifier({ issuer: false, audience: false, key: ring });

    const before = await signer.sign({ sub: 'kevin' });
    expect(kidOf(before)).toBe('k1');
    ring.rotate(k2);
    const after = await signer.sign({ sub: 'kevin' });
    expect(kidOf(after)).toBe('k2');
    expect(kidOf(signer.signSync({ sub: 'kevin' }))).toBe('k2');
    expect(ring.active).toBe(k2);
    expect(ring.verifyOnly).toEqual([k1]);
    expect((await verifier.verify(before)).key.kid).toBe('k1');
    expect((await verifier.verify(after)).key.kid).toBe('k2');

    // Retired: the old key's tokens are refused from now on.
    expect(ring.retire('k1')).toBe(true);
    expect(ring.retire('k1')).toBe(false);
    await expectCode(verifier.verify(before), 'ERR_JWT_KEY_NOT_FOUND');
    expect((await verifier.verify(after)).key.kid).toBe('k2');
  });

  it('refuses a token signed by a key outside the ring under a ring kid', async () => {
    const ring = keyRing({ active: await es256('k1') });
    const impostor = await es256('k1');
    await expectCode(verify(await sign({ sub: 'x' }, impostor, { expiresIn: '1m' }), ring, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
    await expectCode(verify(await sign({ sub: 'x' }, await es256('k9'), { expiresIn: '1m' }), ring, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
  });

  it('publishes a next key before it signs, then promotes it', async () => {
    const k1 = await es256('k1');
    const next = await es256('next');
    const ring = keyRing({ active: k1 });
    ring.add(next);
    expect((await ring.toJwks()).keys.map((k) => k.kid)).toEqual(['k1', 'next']);
    expect(kidOf(await sign({ sub: 'a' }, ring, { expiresIn: '1m' }))).toBe('k1');
    ring.rotate(next);
    expect(ring.keys.map((k) => k.kid)).toEqual(['next', 'k1']);
    expect(kidOf(await sign({ sub: 'a' }, ring, { expiresIn: '1m' }))).toBe('next');
  });

  it('exports public JWKs with kid, alg and use, never private members or secrets', async () => {
    const pem = (await jose.exportPKCS8((await jose.generateKeyPair('RS256', { extractable: true })).privateKey));
    const rsa = await thumbprintKid(await importKey(pem, { alg: 'RS256' }));
    const ed = (await generateKeyPair('EdDSA', { kid: 'ed' })).privateKey;
    const hmac = secretKey('a-thirty-two-byte-long-hmac-secret!', { kid: 'hs' });
    const ring = keyRing({ active: rsa, verifyOnly: [ed, hmac] });
    const { keys } = await ring.toJwks();
    expect(keys.map((k) => [k.kid, k.kty, k.alg, k.use])).toEqual([
      [rsa.kid, 'RSA', 'RS256', 'sig'],
      ['ed', 'OKP', 'EdDSA', 'sig'],
    ]);
    for (const k of keys) for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(k).not.toHaveProperty(m);
  });

  it('serves its JWKS to a remote verifier across a rotation', async () => {
    const k1 = await es256('k1');
    const k2 = await es256('k2');
    const ring = keyRing({ active: k1 });
    const server: Server = createServer((_req, res) => {
      void ring.toJwks().then((doc) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const jwks = remoteJwks(`http://127.0.0.1:${port}/.well-known/jwks.json`, { cooldown: 0 });
      const t1 = await sign({ sub: 'kevin' }, ring, { expiresIn: '5m' });
      expect((await verify(t1, jwks, { issuer: false, audience: false })).key.kid).toBe('k1');
      ring.rotate(k2);
      const t2 = await sign({ sub: 'kevin' }, ring, { expiresIn: '5m' });
      expect((await verify(t2, jwks, { issuer: false, audience: false })).key.kid).toBe('k2');
      expect((await verify(t1, jwks, { issuer: false, audience: false })).key.kid).toBe('k1');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('thumbprintKid sets the RFC 7638 thumbprint as kid', async () => {
    const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
    const expected = await jose.calculateJwkThumbprint(await jose.exportJWK(publicKey), 'sha256');
    const key = await thumbprintKid(await importKey(await jose.exportPKCS8(privateKey)));
    expect(key.kid).toBe(expected);
    const other = await thumbprintKid(await es256('x'));
    expect(other.kid).not.toBe(expected);
    await expect(thumbprintKid(secretKey('a-thirty-two-byte-long-hmac-secret!'))).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' });
  });

  it('refuses bad configurations at construction', async () => {
    const k1 = await es256('k1');
    const extra = (await generateKeyPair('ES256')).privateKey.withKid('tmp');
    const pem = await jose.exportPKCS8((await jose.generateKeyPair('ES256', { extractable: true })).privateKey);
    const unnamed = await importKey(pem);
    expect(unnamed.kid).toBeUndefined();
    expect(syncCode(() => keyRing({ active: unnamed }))).toBe('ERR_CONFIG_INVALID');
    expect(syncCode(() => keyRing({ active: k1, verifyOnly: [k1.withKid('k1')] }))).toBe('ERR_CONFIG_INVALID');
    const publicOnly = (await generateKeyPair('ES256', { kid: 'p' })).publicKey;
    expect(syncCode(() => keyRing({ active: publicOnly }))).toBe('ERR_CONFIG_INVALID');
    expect(syncCode(() => keyRing({ active: k1, verifyOnly: ['not a key' as unknown as JwtKey] }))).toBe('ERR_CONFIG_INVALID');
    const ring = keyRing({ active: k1, verifyOnly: [extra] });
    expect(syncCode(() => ring.retire('k1'))).toBe('ERR_CONFIG_INVALID');
    expect(syncCode(() => ring.rotate(unnamed))).toBe('ERR_CONFIG_INVALID');
    expect(syncCode(() => ring.add(k1))).toBe('ERR_CONFIG_INVALID');
    expect(ring.active).toBe(k1);
    expect(syncCode(() => createSigner({ key: ring, kid: 'other' }))).toBe('ERR_CONFIG_INVALID');
    expect(syncCode(() => createSigner({ key: ring, kid: false, expiresIn: 60 }))).toBe('no error');
  });
});
