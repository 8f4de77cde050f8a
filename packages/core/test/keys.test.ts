/**
 * Keys on both backends: every accepted input form signs and verifies (with its negative twin),
 * weak and unsupported keys are refused at construction, algorithm binding holds, JWK export and
 * thumbprints agree with jose, key sets select by kid, and no key ever prints its material.
 */
import { createPrivateKey, createPublicKey, createSecretKey, generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import * as jose from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JwsAlgorithm } from '../src/common/algorithms.js';
import {
  createVerifier,
  exportJwk,
  generateKeyPair,
  generateSecret,
  importKey,
  isJwtKey,
  jwkThumbprint,
  keySet,
  publicKeyOf,
  secretKey,
  sign,
  verify,
  type Jwk,
  type JwtKey,
} from '../src/index.js';
import { BACKENDS, craftJson, expectJwtError, expectNoLeak, fixture, nowSeconds, onBackend, SECRET } from './helpers.js';

const RSA_PRIVATE_PEM = fixture('rsa-2048.key.pem');
const RSA_PRIVATE = createPrivateKey(RSA_PRIVATE_PEM);
const RSA_PUBLIC = createPublicKey(RSA_PRIVATE);
const EC_PRIVATE = createPrivateKey(fixture('ec-p256.key.pem'));
const EC_PUBLIC = createPublicKey(EC_PRIVATE);
const ED_PRIVATE = createPrivateKey(fixture('ed25519.key.pem'));
const ED_PUBLIC = createPublicKey(ED_PRIVATE);
const OTHER = {
  rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  ec: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
  ed: generateKeyPairSync('ed25519'),
};
const RSA_1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
const SECP256K1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });

const pem = (key: KeyObject, type: 'spki' | 'pkcs8' | 'pkcs1' | 'sec1') => key.export({ format: 'pem', type: type as 'pkcs8' }) as string;
const jwk = (key: KeyObject) => key.export({ format: 'jwk' }) as Jwk;

const ASYMMETRIC: Exclude<JwsAlgorithm, 'HS256' | 'HS384' | 'HS512'>[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Signs with `signing`, verifies with `verifying`, and checks the twin: `wrong` must not verify it. */
async function roundTrip(signing: JwtKey, verifying: JwtKey, wrong: JwtKey, alg?: JwsAlgorithm): Promise<void> {
  const token = await sign({ sub: 'round-trip' }, signing, { expiresIn: 60, ...(alg ? { alg } : {}) });
  const { payload, key } = await verify(token, verifying, { issuer: false, audience: false });
  expect(payload.sub).toBe('round-trip');
  expect(key).toBe(verifying);
  await expectJwtError(verify(token, wrong, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
}

describe.each(BACKENDS)('keys on the %s backend', (backend) => {
  onBackend(backend);

  describe('HMAC secrets', () => {
    it('need 32 bytes; 48 allow HS384 and 64 allow HS512', () => {
      expect(() => secretKey('a'.repeat(31))).toThrow(expect.objectContaining({ code: 'ERR_KEY_WEAK' }));
      expect(() => secretKey(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'ERR_KEY_WEAK' }));
      expect(() => secretKey('')).toThrow(expect.objectContaining({ code: 'ERR_KEY_WEAK' }));
      expect(secretKey('a'.repeat(32)).algorithms).toEqual(['HS256']);
      expect(secretKey('a'.repeat(47)).algorithms).toEqual(['HS256']);
      expect(secretKey('a'.repeat(48)).algorithms).toEqual(['HS256', 'HS384']);
      expect(secretKey('a'.repeat(63)).algorithms).toEqual(['HS256', 'HS384']);
      expect(secretKey('a'.repeat(64)).algorithms).toEqual(['HS256', 'HS384', 'HS512']);
      // Length is in UTF-8 bytes, not characters.
      expect(secretKey('é'.repeat(16)).algorithms).toEqual(['HS256']);
      expect(() => secretKey('é'.repeat(15) + 'a')).toThrow(expect.objectContaining({ code: 'ERR_KEY_WEAK' }));
    });

    it('refuse an algorithm the length does not allow, or one that is not HMAC', async () => {
      await expectJwtError(() => secretKey('a'.repeat(32), { alg: 'HS384' }), 'ERR_KEY_WEAK');
      await expectJwtError(() => secretKey('a'.repeat(48), { alg: 'HS512' }), 'ERR_KEY_WEAK');
      await expectJwtError(() => secretKey(SECRET, { alg: 'RS256' }), 'ERR_KEY_INVALID');
      await expectJwtError(() => secretKey(SECRET, { alg: 'none' as never }), 'ERR_JWS_ALG_UNSUPPORTED');
      await expectJwtError(() => secretKey(SECRET, { alg: [] }), 'ERR_CONFIG_INVALID');
      expect(secretKey(SECRET, { alg: ['HS512', 'HS256'] }).algorithms).toEqual(['HS256', 'HS512']);
      await expectJwtError(() => secretKey(123 as never), 'ERR_KEY_INVALID');
      await expectJwtError(() => secretKey(SECRET, { kid: '' }), 'ERR_CONFIG_INVALID');
    });

    it('an HS256-only secret cannot sign or verify HS512', async () => {
      const key = secretKey(SECRET, { alg: 'HS256' });
      await expectJwtError(sign({}, key, { alg: 'HS512', expiresIn: 60 }), 'ERR_JWS_ALG_NOT_ALLOWED');
      const hs512 = await sign({}, secretKey(SECRET), { alg: 'HS512', expiresIn: 60 });
      await expectJwtError(verify(hs512, key, { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
      expect((await verify(hs512, secretKey(SECRET), { issuer: false, audience: false })).header.alg).toBe('HS512');
    });

    it('generateSecret makes the right length for each algorithm', async () => {
      for (const [alg, bytes] of [['HS256', 32], ['HS384', 48], ['HS512', 64]] as const) {
        const key = generateSecret(alg, { kid: `k-${alg}` });
        expect(key.algorithms).toEqual([alg]);
        expect(key.kid).toBe(`k-${alg}`);
        const exported = await exportJwk(key, { includePrivate: true });
        expect(Buffer.from(exported.k!, 'base64url')).toHaveLength(bytes);
        await roundTrip(key, key, generateSecret(alg));
      }
      expect(() => generateSecret('RS256' as never)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    });

    it('export only when asked for the secret', async () => {
      const key = secretKey(SECRET);
      await expectJwtError(exportJwk(key), 'ERR_KEY_INVALID', [SECRET]);
      expect(Buffer.from((await exportJwk(key, { includePrivate: true })).k!, 'base64url').toString()).toBe(SECRET);
      await expectJwtError(() => publicKeyOf(key), 'ERR_KEY_INVALID');
    });

    it('come from oct JWKs, secret KeyObjects and HMAC CryptoKeys, keeping the CryptoKey hash', async () => {
      const fromJwk = await importKey({ kty: 'oct', k: Buffer.from(SECRET).toString('base64url') });
      const fromKeyObject = await importKey(createSecretKey(Buffer.from(SECRET)));
      await roundTrip(fromJwk, fromKeyObject, secretKey(SECRET.split('').reverse().join('')));
      for (const extractable of [true, false]) {
        const ck = await webcrypto.subtle.importKey('raw', Buffer.from(SECRET), { name: 'HMAC', hash: 'SHA-384' }, extractable, ['sign', 'verify']);
        const key = await importKey(ck as CryptoKey);
        expect(key.algorithms).toEqual(['HS384']);
        await roundTrip(key, secretKey(SECRET), secretKey(SECRET.toUpperCase()));
        await expectJwtError(sign({}, key, { alg: 'HS256', expiresIn: 60 }), 'ERR_JWS_ALG_NOT_ALLOWED');
      }
      await expectJwtError(importKey({ kty: 'oct', k: 'c2hvcnQ' }), 'ERR_KEY_WEAK');
      await expectJwtError(importKey({ kty: 'oct' }), 'ERR_KEY_INVALID');
    });
  });

  describe('PEM, JWK, KeyObject and CryptoKey inputs', () => {
    const forms: [string, () => unknown, () => unknown, 'RSA' | 'EC' | 'OKP'][] = [
      ['RSA PKCS#8 / SPKI PEM', () => pem(RSA_PRIVATE, 'pkcs8'), () => pem(RSA_PUBLIC, 'spki'), 'RSA'],
      ['RSA PKCS#1 PEM', () => pem(RSA_PRIVATE, 'pkcs1'), () => pem(RSA_PUBLIC, 'pkcs1'), 'RSA'],
      ['RSA X.509 certificate', () => RSA_PRIVATE_PEM, () => fixture('rsa-2048.cert.pem'), 'RSA'],
      ['RSA JWK object', () => jwk(RSA_PRIVATE), () => jwk(RSA_PUBLIC), 'RSA'],
      ['RSA JWK text', () => JSON.stringify(jwk(RSA_PRIVATE)), () => JSON.stringify(jwk(RSA_PUBLIC)), 'RSA'],
      ['RSA KeyObject', () => RSA_PRIVATE, () => RSA_PUBLIC, 'RSA'],
      ['EC PKCS#8 / SPKI PEM', () => pem(EC_PRIVATE, 'pkcs8'), () => pem(EC_PUBLIC, 'spki'), 'EC'],
      ['EC SEC1 PEM', () => pem(EC_PRIVATE, 'sec1'), () => pem(EC_PUBLIC, 'spki'), 'EC'],
      ['EC X.509 certificate', () => fixture('ec-p256.key.pem'), () => fixture('ec-p256.cert.pem'), 'EC'],
      ['EC JWK object', () => jwk(EC_PRIVATE), () => jwk(EC_PUBLIC), 'EC'],
      ['EC KeyObject', () => EC_PRIVATE, () => EC_PUBLIC, 'EC'],
      ['Ed25519 PKCS#8 / SPKI PEM', () => pem(ED_PRIVATE, 'pkcs8'), () => pem(ED_PUBLIC, 'spki'), 'OKP'],
      ['Ed25519 X.509 certificate', () => fixture('ed25519.key.pem'), () => fixture('ed25519.cert.pem'), 'OKP'],
      ['Ed25519 JWK object', () => jwk(ED_PRIVATE), () => jwk(ED_PUBLIC), 'OKP'],
      ['Ed25519 KeyObject', () => ED_PRIVATE, () => ED_PUBLIC, 'OKP'],
    ];
    const wrongFor = (kty: string) => (kty === 'RSA' ? OTHER.rsa.publicKey : kty === 'EC' ? OTHER.ec.publicKey : OTHER.ed.publicKey);

    it.each(forms)('%s: the private key signs, the public key verifies, another key does not', async (_name, priv, pub, kty) => {
      const signing = await importKey(priv() as string);
      const verifying = await importKey(pub() as string);
      expect(signing.kind).toBe('private');
      expect(verifying.kind).toBe('public');
      expect(signing.kty).toBe(kty);
      expect(verifying.kty).toBe(kty);
      expect(verifying.algorithms).toEqual(signing.algorithms);
      expect(signing.algorithms).toEqual(kty === 'RSA' ? ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] : kty === 'EC' ? ['ES256'] : ['EdDSA']);
      expect(verifying.curve).toBe(kty === 'RSA' ? undefined : kty === 'EC' ? 'P-256' : 'Ed25519');
      const wrong = await importKey(wrongFor(kty));
      for (const alg of signing.algorithms) await roundTrip(signing, verifying, wrong, alg);
      // A private key also verifies, through its public half.
      await roundTrip(signing, signing, wrong);
      // The public key cannot sign.
      await expectJwtError(sign({}, verifying, { expiresIn: 60 }), 'ERR_KEY_INVALID');
    });

    it('CryptoKeys, extractable or not, sign and verify', async () => {
      const { subtle } = webcrypto;
      for (const extractable of [true, false]) {
        const ec = (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, extractable, ['sign', 'verify'])) as CryptoKeyPair;
        const ecPrivate = await importKey(ec.privateKey);
        const ecPublic = await importKey(ec.publicKey);
        expect(ecPrivate.algorithms).toEqual(['ES384']);
        await roundTrip(ecPrivate, ecPublic, (await generateKeyPair('ES384')).publicKey);
        // Imported rather than generated: RSA generation is slow, and the import path is the same.
        const params = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
        const rsa = {
          privateKey: await subtle.importKey('pkcs8', RSA_PRIVATE.export({ format: 'der', type: 'pkcs8' }), params, extractable, ['sign']),
          publicKey: await subtle.importKey('spki', RSA_PUBLIC.export({ format: 'der', type: 'spki' }), params, extractable, ['verify']),
        };
        const rsaPrivate = await importKey(rsa.privateKey);
        // A CryptoKey made for RSASSA-PKCS1-v1_5 with SHA-256 serves RS256 and nothing else.
        expect(rsaPrivate.algorithms).toEqual(['RS256']);
        await roundTrip(rsaPrivate, await importKey(rsa.publicKey), await importKey(OTHER.rsa.publicKey));
      }
    });

    it('refuse malformed and unsupported PEMs and JWKs', async () => {
      const spki = pem(RSA_PUBLIC, 'spki');
      await expectJwtError(importKey(spki.replace(/[A-Za-z]{20}/, '!!!!!!!!!!!!!!!!!!!!')), 'ERR_KEY_INVALID');
      await expectJwtError(importKey(spki.replace('-----END PUBLIC KEY-----', '')), 'ERR_KEY_INVALID');
      await expectJwtError(importKey(spki.slice(0, 200) + spki.slice(260)), 'ERR_KEY_INVALID');
      const encrypted = RSA_PRIVATE.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pass' }) as string;
      await expectJwtError(importKey(encrypted), 'ERR_KEY_UNSUPPORTED');
      await expectJwtError(importKey(spki.replaceAll('PUBLIC KEY', 'OPENSSH KEY')), 'ERR_KEY_UNSUPPORTED');
      await expectJwtError(importKey('{"kty":'), 'ERR_KEY_INVALID');
      await expectJwtError(importKey({ kty: 'RSA', n: 'abc' }), 'ERR_KEY_INVALID');
      await expectJwtError(importKey({ kty: 'EC', crv: 'P-256', x: jwk(EC_PUBLIC).x! }), 'ERR_KEY_INVALID');
      await expectJwtError(importKey({ kty: 'EC', crv: 'P-256', x: jwk(EC_PUBLIC).x!, y: jwk(OTHER.ec.publicKey).y! }), 'ERR_KEY_INVALID');
      await expectJwtError(importKey({ kty: 'XYZ' }), 'ERR_KEY_UNSUPPORTED');
      await expectJwtError(importKey({ n: 'abc' } as never), 'ERR_KEY_INVALID');
      await expectJwtError(importKey(42 as never), 'ERR_KEY_INVALID');
      await expectJwtError(importKey(null as never), 'ERR_KEY_INVALID');
    });

    it('refuse RSA keys under 2048 bits in every form', async () => {
      const forms = [RSA_1024.publicKey, RSA_1024.privateKey, pem(RSA_1024.publicKey, 'spki'), pem(RSA_1024.privateKey, 'pkcs8'), pem(RSA_1024.privateKey, 'pkcs1'), jwk(RSA_1024.publicKey), jwk(RSA_1024.privateKey)];
      for (const input of forms) await expectJwtError(importKey(input as never), 'ERR_KEY_WEAK', [jwk(RSA_1024.privateKey).d!.slice(0, 40)]);
      const weak = await webcrypto.subtle.importKey('spki', RSA_1024.publicKey.export({ format: 'der', type: 'spki' }), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
      await expectJwtError(importKey(weak), 'ERR_KEY_WEAK');
      await expectJwtError(generateKeyPair('RS256', { modulusLength: 1024 }), 'ERR_KEY_WEAK');
    });

    it('refuse unsupported curves and key types (secp256k1, X25519, Ed448)', async () => {
      const x25519 = generateKeyPairSync('x25519');
      const ed448 = generateKeyPairSync('ed448');
      const inputs = [SECP256K1.publicKey, SECP256K1.privateKey, pem(SECP256K1.publicKey, 'spki'), pem(SECP256K1.privateKey, 'pkcs8'), jwk(SECP256K1.publicKey), x25519.publicKey, pem(x25519.publicKey, 'spki'), pem(ed448.publicKey, 'spki'), jwk(ed448.publicKey)];
      for (const input of inputs) await expectJwtError(importKey(input as never), 'ERR_KEY_UNSUPPORTED');
      await expectJwtError(importKey({ kty: 'EC', crv: 'Ed25519', x: 'AA', y: 'AA' }), 'ERR_KEY_UNSUPPORTED');
      await expectJwtError(importKey({ kty: 'OKP', crv: 'P-256', x: 'AA' }), 'ERR_KEY_UNSUPPORTED');
    });

    it('a JWK meant for encryption is refused; one for signing or verifying is fine', async () => {
      const pub = jwk(EC_PUBLIC);
      await expectJwtError(importKey({ ...pub, use: 'enc' }), 'ERR_KEY_INVALID');
      await expectJwtError(importKey({ ...jwk(EC_PRIVATE), use: 'enc' }), 'ERR_KEY_INVALID');
      await expectJwtError(importKey({ ...pub, key_ops: ['encrypt', 'wrapKey'] }), 'ERR_KEY_INVALID');
      await expectJwtError(importKey({ ...pub, key_ops: 'verify' as never }), 'ERR_KEY_INVALID');
      expect((await importKey({ ...pub, use: 'sig' })).kind).toBe('public');
      expect((await importKey({ ...pub, key_ops: ['verify'] })).kind).toBe('public');
    });
  });

  describe('algorithm binding', () => {
    it('alg narrows an RSA key; a token of another alg is refused by it in both directions', async () => {
      const ps = await importKey(pem(RSA_PRIVATE, 'pkcs8'), { alg: 'PS256' });
      const psPublic = await importKey(pem(RSA_PUBLIC, 'spki'), { alg: 'PS256' });
      expect(ps.algorithms).toEqual(['PS256']);
      await expectJwtError(sign({}, ps, { alg: 'RS256', expiresIn: 60 }), 'ERR_JWS_ALG_NOT_ALLOWED');
      const rs256 = await sign({}, await importKey(RSA_PRIVATE), { alg: 'RS256', expiresIn: 60 });
      await expectJwtError(verify(rs256, psPublic, { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
      await roundTrip(ps, psPublic, await importKey(OTHER.rsa.publicKey, { alg: 'PS256' }));
      expect((await importKey(RSA_PUBLIC, { alg: ['PS512', 'RS256'] })).algorithms).toEqual(['RS256', 'PS512']);
    });

    it('alg must fit the key type and curve', async () => {
      await expectJwtError(importKey(EC_PUBLIC, { alg: 'ES384' }), 'ERR_KEY_INVALID');
      await expectJwtError(importKey(EC_PUBLIC, { alg: 'RS256' }), 'ERR_KEY_INVALID');
      await expectJwtError(importKey(RSA_PUBLIC, { alg: 'HS256' }), 'ERR_KEY_INVALID');
      await expectJwtError(importKey(ED_PUBLIC, { alg: 'ES256' }), 'ERR_KEY_INVALID');
      await expectJwtError(importKey({ ...jwk(RSA_PUBLIC), alg: 'ES256' }), 'ERR_KEY_INVALID');
      await expectJwtError(importKey({ ...jwk(RSA_PUBLIC), alg: 'RSA-OAEP' }), 'ERR_JWS_ALG_UNSUPPORTED');
      await expectJwtError(importKey(RSA_PUBLIC, { alg: [] }), 'ERR_CONFIG_INVALID');
      expect((await importKey({ ...jwk(RSA_PUBLIC), alg: 'PS384' })).algorithms).toEqual(['PS384']);
    });

    it('re-importing a JwtKey can narrow its algorithms and change its kid, never widen', async () => {
      const key = await importKey(RSA_PUBLIC, { alg: ['RS256', 'PS256'], kid: 'one' });
      const narrowed = await importKey(key, { alg: 'PS256', kid: 'two' });
      expect(narrowed.algorithms).toEqual(['PS256']);
      expect(narrowed.kid).toBe('two');
      expect(key.kid).toBe('one');
      await expectJwtError(importKey(key, { alg: 'RS512' }), 'ERR_KEY_INVALID');
    });
  });

  describe('generateKeyPair, publicKeyOf, exportJwk, jwkThumbprint', () => {
    // RSA generation costs about a second each on a small CI machine: every algorithm on the node
    // backend, and on WebCrypto one per RSA family (the code path differs by family, not by hash).
    const generated = backend === 'node' ? ASYMMETRIC : ASYMMETRIC.filter((a) => !/^(RS|PS)/.test(a) || a === 'RS512' || a === 'PS384');
    it.each(generated)('%s: a bound pair whose kid is the thumbprint, agreeing with jose', async (alg) => {
      const { privateKey, publicKey } = await generateKeyPair(alg);
      expect(privateKey.kind).toBe('private');
      expect(publicKey.kind).toBe('public');
      expect(privateKey.algorithms).toEqual([alg]);
      expect(publicKey.algorithms).toEqual([alg]);
      const exported = await exportJwk(publicKey);
      expect(exported).toMatchObject({ use: 'sig', alg, kid: privateKey.kid });
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(exported).not.toHaveProperty(member);
      expect(privateKey.kid).toBe(await jwkThumbprint(exported));
      expect(privateKey.kid).toBe(await jose.calculateJwkThumbprint(exported as jose.JWK, 'sha256'));
      expect(publicKey.kid).toBe(privateKey.kid);
      // The wrong key for the negative twins; RSA ones are imported, as RSA generation is slow.
      const other = alg.startsWith('RS') || alg.startsWith('PS') ? { publicKey: await importKey(OTHER.rsa.publicKey, { alg }) } : await generateKeyPair(alg);
      await roundTrip(privateKey, publicKey, other.publicKey);
      // jose verifies our token with the exported public JWK.
      const token = await sign({ sub: 'x' }, privateKey, { expiresIn: 60 });
      const { protectedHeader } = await jose.jwtVerify(token, await jose.importJWK(exported as jose.JWK, alg));
      expect(protectedHeader.kid).toBe(privateKey.kid);
      // The private export round-trips through import.
      const privateJwk = await exportJwk(privateKey, { includePrivate: true });
      expect(typeof privateJwk.d).toBe('string');
      await roundTrip(await importKey(privateJwk), publicKey, other.publicKey);
      await expectJwtError(sign({}, publicKey, { expiresIn: 60 }), 'ERR_KEY_INVALID');
    });

    it('refuses HS algorithms and takes a custom kid', async () => {
      await expectJwtError(generateKeyPair('HS256' as never), 'ERR_CONFIG_INVALID');
      const { publicKey } = await generateKeyPair('ES256', { kid: 'custom' });
      expect(publicKey.kid).toBe('custom');
    });

    it('publicKeyOf derives the public half, which verifies but cannot sign', async () => {
      const priv = await importKey(EC_PRIVATE, { kid: 'ec' });
      const pub = publicKeyOf(priv);
      expect(pub.kind).toBe('public');
      expect(pub.kid).toBe('ec');
      expect(publicKeyOf(pub)).toBe(pub);
      await roundTrip(priv, pub, await importKey(OTHER.ec.publicKey));
      await expectJwtError(sign({}, pub, { expiresIn: 60 }), 'ERR_KEY_INVALID');
      expect(await exportJwk(pub)).toEqual(await exportJwk(priv));
    });
  });

  describe('key sets', () => {
    let a: JwtKey;
    let b: JwtKey;
    let bPublic: JwtKey;
    beforeAll(async () => {
      a = secretKey(SECRET, { kid: 'a' });
      const pair = await generateKeyPair('ES256', { kid: 'b' });
      b = pair.privateKey;
      bPublic = pair.publicKey;
    });

    it('select by kid, and fall back to every key when the token has none', async () => {
      const set = keySet([a, bPublic]);
      const withKid = await sign({ sub: 'b' }, b, { expiresIn: 60 });
      expect((await verify(withKid, set, { issuer: false, audience: false })).key).toBe(bPublic);
      const noKid = await sign({ sub: 'b' }, b, { expiresIn: 60, kid: false });
      expect((await verify(noKid, set, { issuer: false, audience: false })).key).toBe(bPublic);
      const hsNoKid = await sign({ sub: 'a' }, a, { expiresIn: 60, kid: false });
      expect((await verify(hsNoKid, set, { issuer: false, audience: false })).key).toBe(a);
      // A token naming kid "a" but signed by b is checked against a only.
      const misnamed = await sign({ sub: 'b' }, b, { expiresIn: 60, kid: 'a' });
      await expectJwtError(verify(misnamed, set, { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
      await expectJwtError(verify(await sign({}, b, { expiresIn: 60, kid: 'c' }), set, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    });

    it('try every key sharing a kid (rotation) and the right one wins', async () => {
      const old = secretKey(SECRET.toUpperCase(), { kid: 'k' });
      const current = secretKey(SECRET, { kid: 'k' });
      const token = craftJson({ alg: 'HS256', kid: 'k' }, { exp: nowSeconds() + 60 });
      expect((await verify(token, keySet([old, current]), { issuer: false, audience: false })).key).toBe(current);
      await expectJwtError(verify(token, keySet([old]), { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
    });

    it('publish public keys only', async () => {
      const jwks = await keySet([a, b, bPublic]).toJwks();
      expect(jwks.keys).toHaveLength(2);
      for (const k of jwks.keys) {
        expect(k.kty).toBe('EC');
        expect(k).not.toHaveProperty('d');
        expect(k).not.toHaveProperty('k');
      }
    });

    it('refuse an empty list or something that is not a key', () => {
      expect(() => keySet([])).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
      expect(() => keySet([SECRET as never])).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    });
  });

  describe('keys never print their material', () => {
    it('secrets, private and public keys show only their description', async () => {
      const secret = secretKey(SECRET, { kid: 's' });
      const rsa = await importKey(RSA_PRIVATE);
      const material = [SECRET, Buffer.from(SECRET).toString('base64url'), Buffer.from(SECRET).toString('hex').slice(0, 40), Buffer.from(SECRET).toString('base64').slice(0, 40), jwk(RSA_PRIVATE).d!.slice(0, 40), jwk(RSA_PRIVATE).p!.slice(0, 40)];
      const shown = (value: unknown) => [inspect(value), inspect(value, { depth: 10, showHidden: false }), JSON.stringify(value), String(value), `${inspect({ nested: { value } }, { depth: 10 })}`, JSON.stringify({ ...(value as object) })];
      for (const key of [secret, rsa, publicKeyOf(rsa), keySet([secret, rsa])]) {
        for (const text of shown(key)) for (const m of material) expect(text).not.toContain(m);
      }
      expect(JSON.parse(JSON.stringify(secret))).toEqual({ kind: 'secret', kty: 'oct', algorithms: ['HS256', 'HS384', 'HS512'], kid: 's' });
      expect(inspect(rsa)).toMatch(/^JwtKey \{"kind":"private","kty":"RSA"/);
      expect(Object.keys(secret)).not.toContain('material');
      // A verification result carries the key: printing it does not print the key either.
      const result = await verify(await sign({}, secret, { expiresIn: 60 }), secret, { issuer: false, audience: false });
      for (const text of shown(result)) for (const m of material) expect(text).not.toContain(m);
      const verifier = createVerifier({ issuer: false, audience: false, key: secret });
      for (const text of shown(verifier)) for (const m of material) expect(text).not.toContain(m);
      expect(isJwtKey(secret)).toBe(true);
      expect(isJwtKey({ ...secret })).toBe(false);
    });

    it('key errors do not echo the key', async () => {
      const d = jwk(RSA_1024.privateKey).d!;
      try {
        await importKey(jwk(RSA_1024.privateKey));
        expect.unreachable();
      } catch (error) {
        expectNoLeak(error, [d.slice(0, 40), d.slice(-40)]);
      }
      await expectJwtError(() => secretKey('short secret'), 'ERR_KEY_WEAK', ['short secret']);
    });
  });
});
