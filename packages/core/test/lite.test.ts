/**
 * `@jwt/core/lite`: the main entry's signer and verification pipeline with prepared keys only.
 * Round trips for HS256, ES256 and EdDSA on both backends, interop with jose both ways, keys
 * crossing between the entries, and the refusal of raw key input at construction.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import * as main from '../src/index.js';
import * as lite from '../src/lite.js';
import { BACKENDS, b64, craftJson, expectJwtError, fixture, nowSeconds, onBackend, OTHER_SECRET, SECRET, tokenParts } from './helpers.js';

type LiteAlg = 'HS256' | 'ES256' | 'EdDSA';
const ALGS: readonly LiteAlg[] = ['HS256', 'ES256', 'EdDSA'];

interface Keys {
  signing: lite.JwtKey;
  verifying: lite.JwtKey;
  /** A key of the same type that did not sign. */
  stranger: lite.JwtKey;
  /** What jose signs and verifies with. */
  josePrivate: CryptoKey | Uint8Array;
  josePublic: CryptoKey | Uint8Array;
}

/** Lite keys from JWKs, the way an edge app holds them (environment variables, not PEM files). */
async function keysFor(alg: LiteAlg): Promise<Keys> {
  if (alg === 'HS256') {
    const bytes = new TextEncoder().encode(SECRET);
    return { signing: lite.secretKey(SECRET), verifying: await lite.importJwk({ kty: 'oct', k: b64(SECRET) }), stranger: lite.secretKey(OTHER_SECRET), josePrivate: bytes, josePublic: bytes };
  }
  const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  const privateJwk = pair.privateKey.export({ format: 'jwk' }) as lite.Jwk;
  const publicJwk = pair.publicKey.export({ format: 'jwk' }) as lite.Jwk;
  const other = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return {
    signing: await lite.importJwk(privateJwk, { kid: 'k1' }),
    verifying: await lite.importJwk(publicJwk, { kid: 'k1' }),
    stranger: await lite.importJwk(other.publicKey.export({ format: 'jwk' }) as lite.Jwk),
    josePrivate: (await jose.importJWK(privateJwk, alg)) as CryptoKey,
    josePublic: (await jose.importJWK(publicJwk, alg)) as CryptoKey,
  };
}

function tamperPayload(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${h}.${b64(JSON.stringify({ ...claims, sub: 'admin' }))}.${s}`;
}

for (const backend of BACKENDS) {
  describe(`@jwt/core/lite on the ${backend} backend`, () => {
    onBackend(backend);

    for (const alg of ALGS) {
      describe(alg, () => {
        let keys: Keys;
        beforeAll(async () => {
          keys = await keysFor(alg);
        });

        it('the key was made on this backend and is bound to the algorithm', () => {
          expect(main.backendName()).toBe(backend);
          expect(keys.signing.algorithms[0]).toBe(alg);
          expect(keys.verifying.allows(alg)).toBe(true);
        });

        it('signs and verifies: the exact claims and header come back', async () => {
          const token = await lite.sign({ sub: 'alice', permissions: ['view'] }, keys.signing, { expiresIn: 600, issuer: 'edge' });
          const { header, payload, key } = await lite.verify<{ permissions: string[] }>(token, keys.verifying, { audience: false, algorithms: [alg], issuer: 'edge' });
          expect(header.alg).toBe(alg);
          expect(payload.sub).toBe('alice');
          expect(payload.permissions).toEqual(['view']);
          expect(payload.exp! - payload.iat!).toBe(600);
          expect(key).toBe(keys.verifying);
        });

        it('refuses a token verified with another key', async () => {
          const token = await lite.sign({ sub: 'alice' }, keys.signing, { expiresIn: 600 });
          await expectJwtError(lite.verify(token, keys.stranger, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID', tokenParts(token));
        });

        it('refuses a tampered payload', async () => {
          const token = await lite.sign({ sub: 'alice' }, keys.signing, { expiresIn: 600 });
          await expectJwtError(lite.verify(tamperPayload(token), keys.verifying, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
        });

        it('refuses an expired token', async () => {
          const past = Date.now() - 3600_000;
          const token = await lite.createSigner({ key: keys.signing, expiresIn: 60, clock: () => past }).sign({ sub: 'alice' });
          await expectJwtError(lite.createVerifier({ issuer: false, audience: false, key: keys.verifying }).verify(token), 'ERR_JWT_EXPIRED');
        });

        it('interop: a lite token verifies with jose, and not under another key', async () => {
          const token = await lite.sign({ sub: 'alice' }, keys.signing, { expiresIn: 600, audience: 'api' });
          const { payload, protectedHeader } = await jose.jwtVerify(token, keys.josePublic, { algorithms: [alg], audience: 'api' });
          expect(payload.sub).toBe('alice');
          expect(protectedHeader.alg).toBe(alg);
          const wrong = alg === 'HS256' ? new TextEncoder().encode(OTHER_SECRET) : await jose.importJWK(await lite.exportJwk(keys.stranger), alg);
          await expect(jose.jwtVerify(token, wrong, { algorithms: [alg] })).rejects.toThrow(jose.errors.JWSSignatureVerificationFailed);
        });

        it('interop: a jose token verifies with lite, and a tampered one does not', async () => {
          const token = await new jose.SignJWT({ sub: 'bob', scope: 'read' }).setProtectedHeader({ alg }).setIssuedAt().setExpirationTime('5m').sign(keys.josePrivate);
          const { payload } = await lite.verify(token, keys.verifying, { issuer: false, audience: false, algorithms: [alg] });
          expect(payload.sub).toBe('bob');
          expect(payload.scope).toBe('read');
          await expectJwtError(lite.verify(tamperPayload(token), keys.verifying, { issuer: false, audience: false, algorithms: [alg] }), 'ERR_JWS_SIGNATURE_INVALID');
        });

        it('a key from the main entry works in lite, and a lite key in the main entry', async () => {
          const mainKey = alg === 'HS256' ? await main.importKey(SECRET) : (await main.generateKeyPair(alg)).privateKey;
          const mainVerifying = mainKey.kind === 'secret' ? mainKey : main.publicKeyOf(mainKey);
          const fromMain = await lite.sign({ sub: 'carol' }, mainKey, { expiresIn: 60 });
          expect((await lite.verify(fromMain, mainVerifying, { issuer: false, audience: false })).payload.sub).toBe('carol');
          await expectJwtError(lite.verify(fromMain, keys.stranger, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
          const fromLite = await lite.sign({ sub: 'dave' }, keys.signing, { expiresIn: 60 });
          expect((await main.verify(fromLite, keys.verifying, { issuer: false, audience: false })).payload.sub).toBe('dave');
          await expectJwtError(main.verify(fromLite, keys.stranger, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
        });
      });
    }

    it('a key set and a resolver select the key by kid; an unknown kid finds none', async () => {
      const a = lite.secretKey(SECRET, { kid: 'a' });
      const b = lite.secretKey(OTHER_SECRET, { kid: 'b' });
      const token = await lite.sign({ sub: 'erin' }, b, { expiresIn: 60 });
      expect((await lite.verify(token, lite.keySet([a, b]), { issuer: false, audience: false })).payload.sub).toBe('erin');
      expect((await lite.verify(token, (header) => (header.kid === 'b' ? b : []), { issuer: false, audience: false })).payload.sub).toBe('erin');
      await expectJwtError(lite.verify(token, lite.keySet([a]), { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    });

    it('the key decides the algorithm: an HS token is refused by an ES256 key, alg none by every key', async () => {
      const { publicKey } = await main.generateKeyPair('ES256');
      const hs = await lite.sign({ sub: 'x' }, lite.secretKey(SECRET), { expiresIn: 60 });
      await expectJwtError(lite.verify(hs, publicKey, { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
      const none = `${b64('{"alg":"none","typ":"JWT"}')}.${b64(JSON.stringify({ sub: 'x', exp: nowSeconds() + 60 }))}.`;
      await expectJwtError(lite.verify(none, lite.secretKey(SECRET), { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
    });

    it('exp is required on both sides, as in the main entry', async () => {
      await expectJwtError(lite.sign({ sub: 'x' }, lite.secretKey(SECRET)), 'ERR_JWT_CLAIM_MISSING');
      const noExp = craftJson({ alg: 'HS256', typ: 'JWT' }, { sub: 'x' });
      await expectJwtError(lite.verify(noExp, lite.secretKey(SECRET), { issuer: false, audience: false }), 'ERR_JWT_CLAIM_MISSING');
      expect((await lite.verify(noExp, lite.secretKey(SECRET), { issuer: false, audience: false, requireExp: false })).payload.sub).toBe('x');
    });
  });
}

describe('@jwt/core/lite refuses raw key input at construction', () => {
  const pem = fixture('ec-p256.key.pem');
  const publicPem = createPublicKey(pem).export({ format: 'pem', type: 'spki' }) as string;
  const raw: Array<[string, unknown]> = [
    ['a PEM private key', pem],
    ['a PEM public key', publicPem],
    ['an HMAC secret as a string', SECRET],
    ['an HMAC secret as bytes', new TextEncoder().encode(SECRET)],
    ['a JWKS URL string', 'https://issuer.example/.well-known/jwks.json'],
    ['a JWKS URL object', new URL('https://issuer.example/.well-known/jwks.json')],
    ['a JWK object', { kty: 'oct', k: b64(SECRET) }],
    ['a node:crypto KeyObject', createPublicKey(pem)],
  ];

  it.each(raw)('createVerifier refuses %s with ERR_CONFIG_INVALID and says how to prepare the key', async (_name, key) => {
    const error = await expectJwtError(() => lite.createVerifier({ issuer: false, audience: false, key: key as lite.JwtKey }), 'ERR_CONFIG_INVALID', [SECRET]);
    expect(error.message).toMatch(/secretKey\(\), importJwk\(\)/);
    expect(error.message).toContain('@jwt/core');
    await expectJwtError(lite.verify('a.b.c', key as lite.JwtKey, { issuer: false, audience: false }), 'ERR_CONFIG_INVALID', [SECRET]);
  });

  it.each(raw)('createSigner and sign refuse %s with ERR_CONFIG_INVALID', async (_name, key) => {
    const error = await expectJwtError(() => lite.createSigner({ key: key as lite.JwtKey, expiresIn: 60 }), 'ERR_CONFIG_INVALID', [SECRET]);
    expect(error.message).toMatch(/secretKey\(\), importJwk\(\)/);
    await expectJwtError(lite.sign({ sub: 'x' }, key as lite.JwtKey, { expiresIn: 60 }), 'ERR_CONFIG_INVALID', [SECRET]);
  });

  it('the negative twin: the main entry takes the same raw input', async () => {
    const token = await main.sign({ sub: 'x' }, SECRET, { expiresIn: 60 });
    expect((await main.verify(token, SECRET, { issuer: false, audience: false })).payload.sub).toBe('x');
    const es = await main.sign({ sub: 'y' }, pem, { expiresIn: 60 });
    expect((await main.verify(es, publicPem, { issuer: false, audience: false })).payload.sub).toBe('y');
  });

  it('a key ring signs through the main entry only; as a key provider it verifies in lite', async () => {
    const ring = main.keyRing({ active: main.secretKey(SECRET, { kid: 'r1' }) });
    await expectJwtError(() => lite.createSigner({ key: ring as unknown as lite.JwtKey, expiresIn: 60 }), 'ERR_CONFIG_INVALID');
    const token = await main.createSigner({ key: ring, expiresIn: 60 }).sign({ sub: 'z' });
    expect((await lite.verify(token, ring, { issuer: false, audience: false })).payload.sub).toBe('z');
  });

  it('bad configuration still fails as in the main entry: no key, a weak secret', async () => {
    await expectJwtError(() => lite.createVerifier({ issuer: false, audience: false, key: undefined as unknown as lite.JwtKey }), 'ERR_CONFIG_INVALID');
    await expectJwtError(() => lite.secretKey('short'), 'ERR_KEY_WEAK');
    await expectJwtError(() => lite.secretKey(publicPem), 'ERR_KEY_INVALID');
  });

  it('exports no import of raw key forms, no JWKS client and no JWE', () => {
    const names = Object.keys(lite);
    for (const name of ['importKey', 'remoteJwks', 'keyRing', 'encryptionKey', 'compactDecrypt', 'JWT']) expect(names).not.toContain(name);
    for (const name of ['sign', 'verify', 'createSigner', 'createVerifier', 'secretKey', 'generateSecret', 'importJwk', 'keySet', 'JwtError', 'isJwtError', 'decodeUnverified']) expect(names).toContain(name);
  });
});
