/**
 * RSA public keys no honest generator makes are refused at import, in every key form (issue 14;
 * the classes Wycheproof's JWK vectors "rejectsPublicExponent1" and
 * "rejectsKeyWithRocaVulnerability" found): an exponent of 1 (the PKCS#1 padded hash is then its
 * own signature), even exponents and moduli, and ROCA moduli (CVE-2017-15361). The keys here are
 * built by the test itself. The negative twins: ordinary generated keys import and verify.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkRsaPublic, hasRocaFingerprint } from '../src/keys/keys.js';
import { createVerifier, importEncryptionKey, importJwk, importKey, remoteJwks, sign, verify, type Jwk } from '../src/index.js';
import { b64, BACKENDS, expectJwtError, nowSeconds, onBackend } from './helpers.js';

const GOOD = generateKeyPairSync('rsa', { modulusLength: 2048 });
const GOOD_JWK = GOOD.publicKey.export({ format: 'jwk' }) as Jwk;

const toBig = (bytes: Uint8Array): bigint => BigInt(`0x0${Buffer.from(bytes).toString('hex')}`);
const fromBig = (n: bigint): Buffer => {
  const hex = n.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
};
const b64url = (n: bigint): string => fromBig(n).toString('base64url');

// The primes of the ROCA fingerprint, and M, their product.
const PRIMES = [3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167].map(BigInt);
const M = PRIMES.reduce((a, p) => a * p, 1n);

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
  }
  return result;
}

/** k*M + (65537^a mod M), odd, about `bits` bits: the shape of Infineon's primes. */
function rocaFactor(bits: number): bigint {
  const k = toBig(randomBytes(Math.ceil((bits - M.toString(2).length) / 8))) | (1n << BigInt(bits - M.toString(2).length - 1));
  const a = toBig(randomBytes(4));
  const f = k * M + modPow(65537n, a, M);
  return f % 2n === 1n ? f : f + M;
}

/** A 2048-bit modulus with the ROCA fingerprint (its factors need not be prime for a public key). */
function rocaModulus(): bigint {
  for (;;) {
    const n = rocaFactor(1024) * rocaFactor(1024);
    if (n.toString(2).length >= 2048) return n;
  }
}

const ROCA_N = rocaModulus();

/** The RS256 "signature" a public exponent of 1 accepts: EMSA-PKCS1-v1_5 of the input's SHA-256. */
function exponentOneForgery(claims: object, n: bigint): string {
  const input = `${b64(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${b64(JSON.stringify(claims))}`;
  const digestInfo = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), createHash('sha256').update(input).digest()]);
  const k = fromBig(n).length;
  const em = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(k - 3 - digestInfo.length, 0xff), Buffer.from([0]), digestInfo]);
  return `${input}.${em.toString('base64url')}`;
}

const BAD: Record<string, Jwk> = {
  'public exponent 1': { kty: 'RSA', n: GOOD_JWK.n!, e: 'AQ' },
  'public exponent 2': { kty: 'RSA', n: GOOD_JWK.n!, e: 'Ag' },
  'an even public exponent (65536)': { kty: 'RSA', n: GOOD_JWK.n!, e: b64url(65536n) },
  'an even modulus': { kty: 'RSA', n: b64url(toBig(Buffer.from(GOOD_JWK.n!, 'base64url')) - 1n), e: 'AQAB' },
  'a ROCA modulus (CVE-2017-15361)': { kty: 'RSA', n: b64url(ROCA_N), e: 'AQAB' },
};

function keyObjectOf(jwk: Jwk): KeyObject {
  return createPublicKey({ key: jwk as never, format: 'jwk' });
}

describe('the ROCA fingerprint', () => {
  it('flags a modulus built from Infineon-shaped factors, and no generated key', () => {
    expect(hasRocaFingerprint(ROCA_N)).toBe(true);
    expect(hasRocaFingerprint(toBig(Buffer.from(GOOD_JWK.n!, 'base64url')))).toBe(false);
    // Moving N mod 11 alone (65537 generates only {1, 10} there) out of the subgroup clears it.
    const step = M / 11n;
    const shifted = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n].map((c) => ROCA_N + c * step).find((n) => n % 11n !== 1n && n % 11n !== 10n)!;
    expect(hasRocaFingerprint(shifted)).toBe(false);
  });

  it('clears 200 random odd moduli (false positives are about 2^-27 each)', () => {
    for (let i = 0; i < 200; i++) expect(hasRocaFingerprint(toBig(randomBytes(256)) | 1n)).toBe(false);
  });

  it('checkRsaPublic takes exponent 3 and 65537, refuses 0, 1, 2 and 4', () => {
    const n = Buffer.from(GOOD_JWK.n!, 'base64url');
    expect(() => checkRsaPublic(n, 3n)).not.toThrow();
    expect(() => checkRsaPublic(n, 65537n)).not.toThrow();
    for (const e of [0n, 1n, 2n, 4n]) expect(() => checkRsaPublic(n, e)).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }));
  });
});

describe.each(BACKENDS)('RSA public keys on the %s backend', (backend) => {
  onBackend(backend);

  describe.each(Object.entries(BAD))('with %s', (_name, jwk) => {
    it('are refused as a JWK object, JWK text, PEM (SPKI and PKCS#1), KeyObject and CryptoKey', async () => {
      await expectJwtError(importJwk(jwk), 'ERR_KEY_INVALID');
      await expectJwtError(importJwk({ ...jwk, alg: 'RS256', use: 'sig' }), 'ERR_KEY_INVALID');
      await expectJwtError(importKey(jwk), 'ERR_KEY_INVALID');
      await expectJwtError(importKey(JSON.stringify(jwk)), 'ERR_KEY_INVALID');
      let keyObject: KeyObject | undefined;
      try {
        keyObject = keyObjectOf(jwk);
      } catch {
        // OpenSSL refuses some of these itself: nothing to import in the other forms then.
      }
      if (keyObject !== undefined) {
        await expectJwtError(importKey(keyObject), 'ERR_KEY_INVALID');
        await expectJwtError(importKey(keyObject.export({ format: 'pem', type: 'spki' }) as string), 'ERR_KEY_INVALID');
        await expectJwtError(importKey(keyObject.export({ format: 'pem', type: 'pkcs1' }) as string), 'ERR_KEY_INVALID');
      }
      let cryptoKey: CryptoKey | undefined;
      try {
        cryptoKey = await webcrypto.subtle.importKey('jwk', jwk as JsonWebKey, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']);
      } catch {
        // WebCrypto refused it already.
      }
      if (cryptoKey !== undefined) await expectJwtError(importKey(cryptoKey), 'ERR_KEY_INVALID');
    });

    it('are refused when verify() or createVerifier() is given them', async () => {
      const token = exponentOneForgery({ sub: 'mallory', exp: nowSeconds() + 600 }, toBig(Buffer.from(jwk.n!, 'base64url')));
      await expectJwtError(verify(token, jwk, { issuer: false, audience: false }), 'ERR_KEY_INVALID');
      await expectJwtError(async () => createVerifier({ issuer: false, audience: false, key: jwk }).verify(token), 'ERR_KEY_INVALID');
    });

    it('are left out of a remote key set, so a token naming them finds no key', async () => {
      const token = exponentOneForgery({ sub: 'mallory', exp: nowSeconds() + 600 }, toBig(Buffer.from(jwk.n!, 'base64url')));
      const serve = (keys: Jwk[]) => async () => new Response(JSON.stringify({ keys }), { headers: { 'content-type': 'application/json' } });
      // Alone, the set has no usable key.
      await expectJwtError(verify(token, remoteJwks('https://issuer.example/jwks.json', { fetch: serve([{ ...jwk, kid: 'bad' }]) }), { issuer: false, audience: false }), 'ERR_JWKS_INVALID');
      // Beside a good key, the bad one is skipped: the good key answers, the bad kid finds nothing.
      const good = await generate();
      const set = remoteJwks('https://issuer.example/jwks2.json', { fetch: serve([{ ...jwk, kid: 'bad' }, { ...good.jwk, kid: 'good' }]) });
      const headerWithKid = (kid: string, t: string) => `${b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }))}.${t.split('.').slice(1).join('.')}`;
      await expectJwtError(verify(headerWithKid('bad', token), set, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
      const fine = await sign({ sub: 'alice' }, await importKey(good.privateKey, { kid: 'good' }), { expiresIn: 60, alg: 'RS256' });
      expect((await verify(fine, set, { issuer: false, audience: false })).payload.sub).toBe('alice');
    });
  });

  it('the exponent-1 forgery is a real one: its "signature" is the padded hash, e = 1 leaves it as it is', () => {
    const n = toBig(Buffer.from(GOOD_JWK.n!, 'base64url'));
    const token = exponentOneForgery({ sub: 'mallory' }, n);
    const s = toBig(Buffer.from(token.split('.')[2]!, 'base64url'));
    expect(modPow(s, 1n, n)).toBe(s);
    expect(Buffer.from(token.split('.')[2]!, 'base64url').subarray(0, 3)).toEqual(Buffer.from([0, 1, 0xff]));
  });

  it('the negative twins: an ordinary key (e = 65537, and e = 3) imports in every form and verifies', async () => {
    const e3 = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 });
    for (const pair of [GOOD, e3]) {
      const token = await sign({ sub: 'alice' }, await importKey(pair.privateKey), { expiresIn: 60, alg: 'RS256' });
      const publicJwk = pair.publicKey.export({ format: 'jwk' }) as Jwk;
      for (const form of [publicJwk, JSON.stringify(publicJwk), pair.publicKey, pair.publicKey.export({ format: 'pem', type: 'spki' }) as string]) {
        const key = await importKey(form);
        expect(key.kind).toBe('public');
        expect((await verify(token, key, { issuer: false, audience: false })).payload.sub).toBe('alice');
        await expectJwtError(verify(exponentOneForgery({ sub: 'mallory', exp: nowSeconds() + 600 }, toBig(Buffer.from(publicJwk.n!, 'base64url'))), key, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
      }
    }
  });
});

async function generate(): Promise<{ privateKey: KeyObject; jwk: Jwk }> {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey: pair.privateKey, jwk: pair.publicKey.export({ format: 'jwk' }) as Jwk };
}

describe.each(BACKENDS)('RSA encryption keys on the %s backend', (backend) => {
  onBackend(backend);

  describe.each(Object.entries(BAD))('with %s', (_name, jwk) => {
    it('are refused as a JWK, JWK text, PEM and KeyObject by importEncryptionKey', async () => {
      const enc = { ...jwk, alg: 'RSA-OAEP-256', use: 'enc' };
      await expectJwtError(importEncryptionKey(jwk), 'ERR_KEY_INVALID');
      await expectJwtError(importEncryptionKey(enc), 'ERR_KEY_INVALID');
      await expectJwtError(importEncryptionKey(JSON.stringify(enc)), 'ERR_KEY_INVALID');
      let keyObject: KeyObject | undefined;
      try {
        keyObject = keyObjectOf(jwk);
      } catch {
        // OpenSSL refuses some of these itself.
      }
      if (keyObject !== undefined) {
        await expectJwtError(importEncryptionKey(keyObject), 'ERR_KEY_INVALID');
        await expectJwtError(importEncryptionKey(keyObject.export({ format: 'pem', type: 'spki' }) as string), 'ERR_KEY_INVALID');
      }
    });
  });

  it('imports a generated RSA key for encryption (the negative twin)', async () => {
    const key = await importEncryptionKey({ ...GOOD_JWK, alg: 'RSA-OAEP-256', use: 'enc' });
    expect(key.algorithms).toEqual(['RSA-OAEP-256']);
    const pem = await importEncryptionKey(GOOD.publicKey.export({ format: 'pem', type: 'spki' }) as string);
    expect(pem.kty).toBe('RSA');
  });
});
