/**
 * What is particular to the AES-192 algorithms (A192KW, A192GCMKW, ECDH-ES+A192KW, A192GCM,
 * A192CBC-HS384) and to RSA-OAEP with SHA-1, on both backends: key sizes and bindings, key
 * generation, import and export, the OAEP hash following `alg`, and the typed refusal where a
 * runtime has no AES-192. The alg x enc round trips and jose interop (both ways) for these are in
 * jwe.test.ts with every other pair; tampering of every segment is there too.
 */
import * as nodeCrypto from 'node:crypto';
import { createCipheriv, generateKeyPairSync, publicEncrypt, randomBytes, constants } from 'node:crypto';
import * as jose from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { unwrapKey, wrapKey } from '../src/jwe/aeskw.js';
import type { CryptoContext } from '../src/jwe/jwe-content.js';
import {
  compactDecrypt,
  compactEncrypt,
  encryptionKey,
  exportEncryptionJwk,
  generateEncryptionKey,
  generateEncryptionKeyPair,
  importEncryptionKey,
  publicEncryptionKeyOf,
  type Jwk,
  type JweAlgorithm,
  type JweEncryption,
  type JweKey,
} from '../src/index.js';
import { b64, BACKENDS, expectJwtError, fixture, onBackend } from './helpers.js';

const PLAINTEXT = 'AES-192 and RSA-OAEP';
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const RSA = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as Jwk;
const P256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'jwk' }) as Jwk;

function publicOf(jwk: Jwk): Jwk {
  const { d, p, q, dp, dq, qi, ...pub } = jwk;
  void [d, p, q, dp, dq, qi];
  return pub as Jwk;
}

function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** A compact A256GCM token whose content key is RSA-OAEP encrypted with `oaepHash`, whatever the header says. */
function rsaToken(header: Record<string, unknown>, oaepHash: 'sha1' | 'sha256'): string {
  const cek = randomBytes(32);
  const protectedHeader = b64(JSON.stringify(header));
  const encryptedKey = publicEncrypt({ key: nodeCrypto.createPublicKey({ key: RSA as never, format: 'jwk' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, cek);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', cek, iv);
  cipher.setAAD(Buffer.from(protectedHeader));
  const ciphertext = Buffer.concat([cipher.update(PLAINTEXT), cipher.final()]);
  return [protectedHeader, encryptedKey.toString('base64url'), iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

for (const backend of BACKENDS) {
  describe(`JWE algorithms on the ${backend} backend`, () => {
    onBackend(backend);

    describe('AES-192 key sizes', () => {
      it('A192KW and A192GCMKW take exactly 24 bytes; other sizes are refused with the size to use', async () => {
        expect(encryptionKey(new Uint8Array(24), { alg: 'A192KW' }).algorithms).toEqual(['A192KW']);
        expect(encryptionKey(new Uint8Array(24), { alg: ['A192GCMKW', 'A192KW'] }).algorithms).toEqual(['A192GCMKW', 'A192KW']);
        for (const alg of ['A192KW', 'A192GCMKW'] as const) {
          for (const size of [16, 32]) {
            const e = await expectJwtError(() => encryptionKey(new Uint8Array(size), { alg }), 'ERR_KEY_INVALID');
            expect(e.message).toBe(`key invalid: ${alg} needs a 24-byte key`);
          }
        }
        // A 24-byte secret does not stretch to a 128- or 256-bit key wrap either.
        for (const alg of ['A128KW', 'A256KW', 'A128GCMKW', 'A256GCMKW'] as const) await expectJwtError(() => encryptionKey(new Uint8Array(24), { alg }), 'ERR_KEY_INVALID');
        await expectJwtError(() => encryptionKey(new Uint8Array(24), { alg: 'ECDH-ES+A192KW' }), 'ERR_KEY_INVALID');
      });

      it('a 48-byte dir key is A192CBC-HS384, and only that', async () => {
        expect(encryptionKey(new Uint8Array(48)).encryptions).toEqual(['A192CBC-HS384']);
        await expectJwtError(() => encryptionKey(new Uint8Array(48), { enc: 'A256GCM' }), 'ERR_KEY_INVALID');
        await expectJwtError(() => encryptionKey(new Uint8Array(32), { enc: 'A192CBC-HS384' }), 'ERR_KEY_INVALID');
        await expectJwtError(() => encryptionKey(new Uint8Array(40)), 'ERR_KEY_INVALID');
        const bytes = new Uint8Array(randomBytes(48));
        const token = await compactEncrypt(PLAINTEXT, encryptionKey(bytes));
        expect(headerOf(token)).toEqual({ alg: 'dir', enc: 'A192CBC-HS384' });
        expect(text((await jose.compactDecrypt(token, bytes)).plaintext)).toBe(PLAINTEXT);
        await expectJwtError(compactDecrypt(token, encryptionKey(new Uint8Array(randomBytes(48)))), 'ERR_JWE_DECRYPTION_FAILED');
      });

      it('an oct JWK must have the size of its alg', async () => {
        const k24 = Buffer.from(randomBytes(24)).toString('base64url');
        const k32 = Buffer.from(randomBytes(32)).toString('base64url');
        expect((await importEncryptionKey({ kty: 'oct', alg: 'A192KW', k: k24 })).algorithms).toEqual(['A192KW']);
        await expectJwtError(importEncryptionKey({ kty: 'oct', alg: 'A192KW', k: k32 }), 'ERR_KEY_INVALID');
        await expectJwtError(importEncryptionKey({ kty: 'oct', alg: 'A192GCMKW', k: k32 }), 'ERR_KEY_INVALID');
        const k48 = Buffer.from(randomBytes(48)).toString('base64url');
        const dir = await importEncryptionKey({ kty: 'oct', alg: 'A192CBC-HS384', k: k48 });
        expect([dir.algorithms, dir.encryptions]).toEqual([['dir'], ['A192CBC-HS384']]);
        await expectJwtError(importEncryptionKey({ kty: 'oct', alg: 'A192CBC-HS384', k: k32 }), 'ERR_KEY_INVALID');
      });

      it('a token whose wrapped content key has the wrong size for its enc fails like any forgery', async () => {
        const kek = randomBytes(24);
        const key = encryptionKey(new Uint8Array(kek), { alg: 'A192KW', enc: 'A192GCM' });
        const craft = (cekBytes: number): string => {
          const cek = randomBytes(cekBytes);
          const wrap = createCipheriv('id-aes192-wrap', kek, Buffer.alloc(8, 0xa6));
          const encryptedKey = Buffer.concat([wrap.update(cek), wrap.final()]);
          const protectedHeader = b64('{"alg":"A192KW","enc":"A192GCM"}');
          const iv = randomBytes(12);
          const cipher = createCipheriv('aes-192-gcm', cek.length >= 24 ? cek.subarray(0, 24) : randomBytes(24), iv);
          cipher.setAAD(Buffer.from(protectedHeader));
          const ciphertext = Buffer.concat([cipher.update(PLAINTEXT), cipher.final()]);
          return [protectedHeader, encryptedKey.toString('base64url'), iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
        };
        // The construction is right: with a 24-byte content key the token opens.
        expect(text((await compactDecrypt(craft(24), key)).plaintext)).toBe(PLAINTEXT);
        await expectJwtError(compactDecrypt(craft(32), key), 'ERR_JWE_DECRYPTION_FAILED');
        await expectJwtError(compactDecrypt(craft(16), key), 'ERR_JWE_DECRYPTION_FAILED');
      });

      it('A192CBC-HS384 takes a 24-byte tag: 16, 32 and 48 bytes are malformed', async () => {
        const key = encryptionKey(new Uint8Array(randomBytes(24)), { alg: 'A192KW', enc: 'A192CBC-HS384' });
        const token = await compactEncrypt(PLAINTEXT, key);
        const parts = token.split('.');
        expect(Buffer.from(parts[4]!, 'base64url').length).toBe(24);
        expect(text((await compactDecrypt(token, key)).plaintext)).toBe(PLAINTEXT);
        const tag = Buffer.from(parts[4]!, 'base64url');
        for (const bad of [tag.subarray(0, 16), Buffer.concat([tag, tag]).subarray(0, 32), Buffer.concat([tag, tag])]) {
          await expectJwtError(compactDecrypt([...parts.slice(0, 4), bad.toString('base64url')].join('.'), key), 'ERR_JWT_MALFORMED');
        }
      });

      it('generates A192 keys of the right size; they export, re-import and interoperate', async () => {
        for (const alg of ['A192KW', 'A192GCMKW'] as const) {
          const key = generateEncryptionKey({ alg, enc: 'A192CBC-HS384' });
          const jwk = await exportEncryptionJwk(key, { includePrivate: true });
          expect(jwk).toMatchObject({ kty: 'oct', alg, use: 'enc' });
          expect(Buffer.from(jwk.k!, 'base64url').length).toBe(24);
          const token = await compactEncrypt(PLAINTEXT, key);
          expect(headerOf(token)).toMatchObject({ alg, enc: 'A192CBC-HS384' });
          expect(text((await compactDecrypt(token, await importEncryptionKey(jwk))).plaintext)).toBe(PLAINTEXT);
          expect(text((await jose.compactDecrypt(token, Buffer.from(jwk.k!, 'base64url'))).plaintext)).toBe(PLAINTEXT);
          await expectJwtError(compactDecrypt(token, generateEncryptionKey({ alg })), 'ERR_JWE_DECRYPTION_FAILED');
        }
        const dir = generateEncryptionKey({ alg: 'dir', enc: 'A192CBC-HS384' });
        expect(Buffer.from((await exportEncryptionJwk(dir, { includePrivate: true })).k!, 'base64url').length).toBe(48);
      });

      it('an ECDH-ES+A192KW pair serves only that alg, and jose reads its tokens', async () => {
        const { privateKey, publicKey } = await generateEncryptionKeyPair('ECDH-ES+A192KW', { curve: 'X25519', enc: 'A192GCM' });
        expect([privateKey.algorithms, privateKey.encryptions]).toEqual([['ECDH-ES+A192KW'], ['A192GCM']]);
        const published = await exportEncryptionJwk(publicKey);
        expect(published).toMatchObject({ kty: 'OKP', crv: 'X25519', alg: 'ECDH-ES+A192KW', use: 'enc' });
        const token = await compactEncrypt(PLAINTEXT, await importEncryptionKey(published, { enc: 'A192GCM' }));
        expect(headerOf(token)).toMatchObject({ alg: 'ECDH-ES+A192KW', enc: 'A192GCM' });
        expect(text((await compactDecrypt(token, privateKey)).plaintext)).toBe(PLAINTEXT);
        const joseKey = await jose.importJWK(await exportEncryptionJwk(privateKey, { includePrivate: true }), 'ECDH-ES+A192KW');
        expect(text((await jose.compactDecrypt(token, joseKey)).plaintext)).toBe(PLAINTEXT);
        const other = await generateEncryptionKeyPair('ECDH-ES+A192KW', { curve: 'X25519', enc: 'A192GCM' });
        await expectJwtError(compactDecrypt(token, other.privateKey), 'ERR_JWE_DECRYPTION_FAILED');
        // A key for the 128-bit variant does not serve the 192-bit one.
        await expectJwtError(compactDecrypt(token, await importEncryptionKey(await exportEncryptionJwk(privateKey, { includePrivate: true }), { alg: 'ECDH-ES+A128KW' })), 'ERR_JWE_ALG_NOT_ALLOWED');
      });
    });

    describe('RSA-OAEP (SHA-1)', () => {
      it('an RSA key serves RSA-OAEP only when it is named, by option or by the JWK', async () => {
        const token = await new jose.CompactEncrypt(utf8(PLAINTEXT)).setProtectedHeader({ alg: 'RSA-OAEP', enc: 'A128GCM' }).encrypt(await jose.importJWK(publicOf(RSA), 'RSA-OAEP'));
        const plain = await importEncryptionKey(RSA);
        expect(plain.algorithms).toEqual(['RSA-OAEP-256']);
        const e = await expectJwtError(compactDecrypt(token, plain), 'ERR_JWE_ALG_NOT_ALLOWED');
        expect(e.claim).toBe('alg');
        expect(text((await compactDecrypt(token, await importEncryptionKey(RSA, { alg: 'RSA-OAEP' }))).plaintext)).toBe(PLAINTEXT);
        const fromJwk = await importEncryptionKey({ ...RSA, alg: 'RSA-OAEP', use: 'enc' });
        expect(fromJwk.algorithms).toEqual(['RSA-OAEP']);
        expect(text((await compactDecrypt(token, fromJwk)).plaintext)).toBe(PLAINTEXT);
        const pem = await importEncryptionKey(fixture('rsa-2048.key.pem'), { alg: 'RSA-OAEP' });
        await expectJwtError(compactDecrypt(token, pem), 'ERR_JWE_DECRYPTION_FAILED');
        // RSA1_5 stays refused, in a JWK as in a token.
        await expectJwtError(importEncryptionKey({ ...RSA, alg: 'RSA1_5' }), 'ERR_JWE_ALG_NOT_ALLOWED');
        await expectJwtError(compactDecrypt([b64('{"alg":"RSA1_5","enc":"A128GCM"}'), ...token.split('.').slice(1)].join('.'), fromJwk), 'ERR_JWE_ALG_NOT_ALLOWED');
        // Only RSA keys take it.
        await expectJwtError(importEncryptionKey(P256, { alg: 'RSA-OAEP' }), 'ERR_KEY_INVALID');
        await expectJwtError(() => encryptionKey(new Uint8Array(32), { alg: 'RSA-OAEP' }), 'ERR_KEY_INVALID');
      });

      it('the OAEP hash follows alg: SHA-1 under RSA-OAEP, SHA-256 under RSA-OAEP-256, never swapped', async () => {
        const both = await importEncryptionKey(RSA, { alg: ['RSA-OAEP', 'RSA-OAEP-256'], enc: 'A256GCM' });
        expect(text((await compactDecrypt(rsaToken({ alg: 'RSA-OAEP', enc: 'A256GCM' }, 'sha1'), both)).plaintext)).toBe(PLAINTEXT);
        expect(text((await compactDecrypt(rsaToken({ alg: 'RSA-OAEP-256', enc: 'A256GCM' }, 'sha256'), both)).plaintext)).toBe(PLAINTEXT);
        await expectJwtError(compactDecrypt(rsaToken({ alg: 'RSA-OAEP-256', enc: 'A256GCM' }, 'sha1'), both), 'ERR_JWE_DECRYPTION_FAILED');
        await expectJwtError(compactDecrypt(rsaToken({ alg: 'RSA-OAEP', enc: 'A256GCM' }, 'sha256'), both), 'ERR_JWE_DECRYPTION_FAILED');
        // And we encrypt with the hash the header names: jose holds us to it.
        for (const alg of ['RSA-OAEP', 'RSA-OAEP-256'] as const) {
          const token = await compactEncrypt(PLAINTEXT, publicEncryptionKeyOf(both), { alg });
          expect(headerOf(token).alg).toBe(alg);
          expect(text((await jose.compactDecrypt(token, await jose.importJWK(RSA, alg))).plaintext)).toBe(PLAINTEXT);
        }
      });

      it('generates RSA-OAEP pairs; the published key says RSA-OAEP and jose encrypts to it', async () => {
        const { privateKey, publicKey } = await generateEncryptionKeyPair('RSA-OAEP', { enc: 'A192CBC-HS384' });
        expect([privateKey.algorithms, privateKey.encryptions]).toEqual([['RSA-OAEP'], ['A192CBC-HS384']]);
        const published = await exportEncryptionJwk(publicKey);
        expect(published).toMatchObject({ kty: 'RSA', alg: 'RSA-OAEP', use: 'enc', kid: privateKey.kid });
        expect(published.d).toBeUndefined();
        const token = await new jose.CompactEncrypt(utf8(PLAINTEXT)).setProtectedHeader({ alg: 'RSA-OAEP', enc: 'A192CBC-HS384' }).encrypt(await jose.importJWK(published, 'RSA-OAEP'));
        expect(text((await compactDecrypt(token, privateKey)).plaintext)).toBe(PLAINTEXT);
        const other = await generateEncryptionKeyPair('RSA-OAEP', { enc: 'A192CBC-HS384' });
        await expectJwtError(compactDecrypt(token, other.privateKey), 'ERR_JWE_DECRYPTION_FAILED');
        await expectJwtError(generateEncryptionKeyPair('RSA1_5' as 'RSA-OAEP'), 'ERR_CONFIG_INVALID');
      });
    });
  });
}

describe('a runtime without AES-192 (as Chromium\'s WebCrypto)', () => {
  onBackend('webcrypto');
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** From here on, WebCrypto refuses 24-byte AES keys the way Chromium does. */
  function withoutAes192(): void {
    const subtle = globalThis.crypto.subtle;
    const importKey = subtle.importKey.bind(subtle);
    vi.spyOn(subtle, 'importKey').mockImplementation(((format: KeyFormat, data: BufferSource | JsonWebKey, algorithm: AlgorithmIdentifier, extractable: boolean, usages: KeyUsage[]) => {
      const name = typeof algorithm === 'string' ? algorithm : algorithm.name;
      if (format === 'raw' && name.startsWith('AES-') && (data as ArrayBufferView).byteLength === 24) {
        return Promise.reject(new DOMException('AES key length of 192 bits is not supported', 'OperationError'));
      }
      return importKey(format as 'raw', data as BufferSource, algorithm, extractable, usages);
    }) as typeof subtle.importKey);
  }

  /** Each call makes new JweKey objects over the same material, so no WebCrypto import is cached yet. */
  type Keys = () => Promise<{ encrypt: JweKey; decrypt: JweKey }>;
  const cases: { alg: JweAlgorithm; enc: JweEncryption; keys: Keys }[] = [
    { alg: 'A192KW', enc: 'A128GCM', keys: secretKeys(24, 'A192KW', 'A128GCM') },
    { alg: 'A192GCMKW', enc: 'A256GCM', keys: secretKeys(24, 'A192GCMKW', 'A256GCM') },
    { alg: 'dir', enc: 'A192GCM', keys: secretKeys(24, 'dir', 'A192GCM') },
    { alg: 'A128KW', enc: 'A192CBC-HS384', keys: secretKeys(16, 'A128KW', 'A192CBC-HS384') },
    { alg: 'A128KW', enc: 'A192GCM', keys: secretKeys(16, 'A128KW', 'A192GCM') },
    {
      alg: 'ECDH-ES+A192KW',
      enc: 'A128GCM',
      keys: async () => {
        const decrypt = await importEncryptionKey(P256, { alg: 'ECDH-ES+A192KW', enc: 'A128GCM' });
        return { encrypt: publicEncryptionKeyOf(decrypt), decrypt };
      },
    },
  ];

  function secretKeys(size: number, alg: JweAlgorithm, enc: JweEncryption): Keys {
    const bytes = new Uint8Array(randomBytes(size));
    return async () => {
      const key = encryptionKey(bytes, { alg, enc });
      return { encrypt: key, decrypt: key };
    };
  }

  for (const c of cases) {
    it(`${c.alg} + ${c.enc}: encrypting and decrypting are ERR_JWE_ALG_UNSUPPORTED, forged or not, and work again once AES-192 is there`, async () => {
      const token = await compactEncrypt(PLAINTEXT, (await c.keys()).encrypt);
      const k = await c.keys();
      withoutAes192();
      const refused = await expectJwtError(compactEncrypt(PLAINTEXT, k.encrypt), 'ERR_JWE_ALG_UNSUPPORTED');
      expect(refused.message).toMatch(/^encryption algorithm not supported: this runtime has no AES-192/);
      await expectJwtError(compactDecrypt(token, k.decrypt), 'ERR_JWE_ALG_UNSUPPORTED');
      // A forged token gets the same answer: the refusal says nothing about the token.
      const parts = token.split('.');
      const tag = Buffer.from(parts[4]!, 'base64url');
      tag[0] = tag[0]! ^ 1;
      await expectJwtError(compactDecrypt([...parts.slice(0, 4), tag.toString('base64url')].join('.'), k.decrypt), 'ERR_JWE_ALG_UNSUPPORTED');
      // The twin: 128-bit AES still works on that runtime.
      const aes128 = encryptionKey(new Uint8Array(randomBytes(16)), { alg: 'A128KW', enc: 'A128CBC-HS256' });
      expect(text((await compactDecrypt(await compactEncrypt(PLAINTEXT, aes128), aes128)).plaintext)).toBe(PLAINTEXT);
      vi.restoreAllMocks();
      // Nothing of the refusal was cached on the key.
      expect(text((await compactDecrypt(token, k.decrypt)).plaintext)).toBe(PLAINTEXT);
    });
  }
});

describe('AES key wrap where node:crypto has no id-aesNNN-wrap (as Bun)', () => {
  // node:crypto with the RFC 3394 ciphers missing, as Bun's answers for them ("Unknown cipher").
  const withoutWrap = new Proxy(nodeCrypto, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (name !== 'createCipheriv' && name !== 'createDecipheriv') return value;
      return (algorithm: string, ...rest: unknown[]) => {
        if (algorithm.endsWith('-wrap')) throw new Error('Unknown cipher');
        return (value as (...args: unknown[]) => unknown)(algorithm, ...rest);
      };
    },
  });
  const ctx: CryptoContext = { node: withoutWrap as typeof nodeCrypto, owner: undefined };

  it('wraps and unwraps through WebCrypto, byte for byte what RFC 3394 gives', async () => {
    for (const size of [16, 24, 32]) {
      const kek = new Uint8Array(randomBytes(size));
      const cek = new Uint8Array(randomBytes(48));
      const wrapped = await wrapKey(kek, cek, ctx);
      const reference = createCipheriv(`id-aes${size * 8}-wrap`, kek, Buffer.alloc(8, 0xa6));
      expect(Buffer.from(wrapped).equals(Buffer.concat([reference.update(cek), reference.final()]))).toBe(true);
      expect(Buffer.from(await unwrapKey(kek, wrapped, ctx)).equals(Buffer.from(cek))).toBe(true);
      const tampered = new Uint8Array(wrapped);
      tampered[5] = tampered[5]! ^ 1;
      await expectJwtError(async () => unwrapKey(kek, tampered, ctx), 'ERR_JWE_DECRYPTION_FAILED');
      await expectJwtError(async () => unwrapKey(new Uint8Array(randomBytes(size)), wrapped, ctx), 'ERR_JWE_DECRYPTION_FAILED');
    }
  });
});
