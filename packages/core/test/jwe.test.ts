/**
 * Encrypted tokens (JWE), on both crypto backends: every alg x enc pair round trip; interop both
 * ways with jose for every pair; the RFC 7516 A.3 and RFC 7520 section 5 examples; nested tokens
 * (sign, then encrypt) both ways with jose and through the verifier; and the negative twin of each
 * (wrong key, tampered segment, alg/enc outside the key's binding, zip, refused algorithms,
 * invalid curve points, oversized and malformed tokens).
 */
import { createCipheriv, createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import * as jose from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { isOnCurve } from '../src/jwe/ecdh.js';
import {
  compactDecrypt,
  compactEncrypt,
  createAuthenticator,
  createDecryptor,
  createEncryptor,
  createVerifier,
  decrypt,
  encrypt,
  encryptionKey,
  exportEncryptionJwk,
  exportJwk,
  generateEncryptionKey,
  generateEncryptionKeyPair,
  generateKeyPair,
  importEncryptionKey,
  isJweKey,
  isJwtKey,
  JwtError,
  publicEncryptionKeyOf,
  publicKeyOf,
  secretKey,
  sign,
  verify,
  type EcdhCurve,
  type Jwk,
  type JweAlgorithm,
  type JweEncryption,
  type JweKey,
  type JwtKey,
} from '../src/index.js';
import { BACKENDS, b64, expectJwtError, nowSeconds, onBackend, SECRET, tokenParts } from './helpers.js';

const ENCS: readonly JweEncryption[] = ['A128GCM', 'A192GCM', 'A256GCM', 'A128CBC-HS256', 'A192CBC-HS384', 'A256CBC-HS512'];
const CEK_BYTES: Record<JweEncryption, number> = { A128GCM: 16, A192GCM: 24, A256GCM: 32, 'A128CBC-HS256': 32, 'A192CBC-HS384': 48, 'A256CBC-HS512': 64 };
const KEK_BYTES: Partial<Record<JweAlgorithm, number>> = { A128KW: 16, A192KW: 24, A256KW: 32, A128GCMKW: 16, A192GCMKW: 24, A256GCMKW: 32 };
const NODE_CURVE: Record<EcdhCurve, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1', X25519: 'x25519' };
const PLAINTEXT = 'Encrypted claims: {"email":"kevin@example.com","entitlements":["beta"]} \u2013 with UTF-8';
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

// ---------------------------------------------------------------------------------------------
// Key material, made once (backend-neutral JWKs and bytes); each test imports it on its backend.

function privateJwk(curve: EcdhCurve | 'rsa'): Jwk {
  const pair = curve === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : curve === 'X25519'
      ? generateKeyPairSync('x25519')
      : generateKeyPairSync('ec', { namedCurve: NODE_CURVE[curve] });
  return pair.privateKey.export({ format: 'jwk' }) as Jwk;
}

const ASYMMETRIC: Record<EcdhCurve | 'rsa', { key: Jwk; other: Jwk }> = {
  rsa: { key: privateJwk('rsa'), other: privateJwk('rsa') },
  'P-256': { key: privateJwk('P-256'), other: privateJwk('P-256') },
  'P-384': { key: privateJwk('P-384'), other: privateJwk('P-384') },
  'P-521': { key: privateJwk('P-521'), other: privateJwk('P-521') },
  X25519: { key: privateJwk('X25519'), other: privateJwk('X25519') },
};

function publicOf(jwk: Jwk): Jwk {
  const { d, p, q, dp, dq, qi, ...pub } = jwk;
  void [d, p, q, dp, dq, qi];
  return pub as Jwk;
}

interface Case {
  alg: JweAlgorithm;
  enc: JweEncryption;
  curve?: EcdhCurve;
  label: string;
}

const CASES: Case[] = [
  ...ENCS.map((enc): Case => ({ alg: 'dir', enc, label: `dir + ${enc}` })),
  ...(['A128KW', 'A192KW', 'A256KW', 'A128GCMKW', 'A192GCMKW', 'A256GCMKW', 'RSA-OAEP', 'RSA-OAEP-256'] as const).flatMap((alg) => ENCS.map((enc): Case => ({ alg, enc, label: `${alg} + ${enc}` }))),
  ...(['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW'] as const).flatMap((alg) =>
    (['P-256', 'P-384', 'X25519'] as const).flatMap((curve) => ENCS.map((enc): Case => ({ alg, enc, curve, label: `${alg} (${curve}) + ${enc}` }))),
  ),
  { alg: 'ECDH-ES', enc: 'A256GCM', curve: 'P-521', label: 'ECDH-ES (P-521) + A256GCM' },
  { alg: 'ECDH-ES+A256KW', enc: 'A128CBC-HS256', curve: 'P-521', label: 'ECDH-ES+A256KW (P-521) + A128CBC-HS256' },
  { alg: 'ECDH-ES+A192KW', enc: 'A192CBC-HS384', curve: 'P-521', label: 'ECDH-ES+A192KW (P-521) + A192CBC-HS384' },
];

const SECRETS = new Map<string, { key: Uint8Array; other: Uint8Array }>();
function secretsFor(c: Case): { key: Uint8Array; other: Uint8Array } {
  const length = c.alg === 'dir' ? CEK_BYTES[c.enc] : KEK_BYTES[c.alg]!;
  const id = `${c.alg}:${length}`;
  let s = SECRETS.get(id);
  if (!s) SECRETS.set(id, (s = { key: new Uint8Array(randomBytes(length)), other: new Uint8Array(randomBytes(length)) }));
  return s;
}

interface Keys {
  /** Our key that encrypts (the secret, or the recipient's public key). */
  encrypt: JweKey;
  /** Our key that decrypts (the secret, or the private key). */
  decrypt: JweKey;
  /** Another key of the same kind: the wrong key. */
  wrong: JweKey;
  joseEncrypt: Uint8Array | CryptoKey;
  joseDecrypt: Uint8Array | CryptoKey;
  joseWrong: Uint8Array | CryptoKey;
}

async function keysFor(c: Case): Promise<Keys> {
  const binding = { alg: c.alg, enc: c.enc };
  if (c.alg === 'dir' || KEK_BYTES[c.alg] !== undefined) {
    const s = secretsFor(c);
    const key = encryptionKey(s.key, binding);
    return { encrypt: key, decrypt: key, wrong: encryptionKey(s.other, binding), joseEncrypt: s.key, joseDecrypt: s.key, joseWrong: s.other };
  }
  const pair = ASYMMETRIC[c.curve ?? 'rsa'];
  const decryptKey = await importEncryptionKey(pair.key, binding);
  return {
    encrypt: publicEncryptionKeyOf(decryptKey),
    decrypt: decryptKey,
    wrong: await importEncryptionKey(pair.other, binding),
    joseEncrypt: (await jose.importJWK(publicOf(pair.key), c.alg)) as CryptoKey,
    joseDecrypt: (await jose.importJWK(pair.key, c.alg)) as CryptoKey,
    joseWrong: (await jose.importJWK(pair.other, c.alg)) as CryptoKey,
  };
}

/** Flips one bit in the middle of a segment's bytes, keeping the encoding canonical. */
function flip(token: string, index: number): string {
  const parts = token.split('.');
  const bytes = Buffer.from(parts[index]!, 'base64url');
  const at = bytes.length >> 1;
  bytes[at] = bytes[at]! ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function withHeader(token: string, header: Record<string, unknown>): string {
  const parts = token.split('.');
  parts[0] = b64(JSON.stringify(header));
  return parts.join('.');
}

function withSegment(token: string, index: number, value: string): string {
  const parts = token.split('.');
  parts[index] = value;
  return parts.join('.');
}

const FIXTURES = new URL('./fixtures/jwe/', import.meta.url);
interface JweVector {
  source: string;
  alg: string;
  enc: string;
  key?: Jwk;
  token: string;
  plaintext?: string;
  /** `route`: published without its key; shows the token reaches its algorithm's decryption. */
  expect: 'decrypt' | 'decrypt-with-zip' | 'refuse' | 'route';
  errorCode?: JwtError['code'];
  notes: string;
}
const VECTORS: [string, JweVector][] = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => [f, JSON.parse(readFileSync(new URL(f, FIXTURES), 'utf8')) as JweVector]);

// ---------------------------------------------------------------------------------------------

describe('invalid curve points', () => {
  it('accepts points on the curve and refuses points off it, at infinity or out of range', () => {
    for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
      const jwk = ASYMMETRIC[curve].key;
      const x = Buffer.from(jwk.x!, 'base64url');
      const y = Buffer.from(jwk.y!, 'base64url');
      expect(isOnCurve(curve, x, y)).toBe(true);
      const offY = Buffer.from(y);
      offY[offY.length - 1] = offY[offY.length - 1]! ^ 0x01;
      expect(isOnCurve(curve, x, offY)).toBe(false);
      expect(isOnCurve(curve, new Uint8Array(x.length), new Uint8Array(y.length))).toBe(false);
      expect(isOnCurve(curve, new Uint8Array(x.length).fill(0xff), y)).toBe(false);
      expect(isOnCurve(curve, x.subarray(1), y)).toBe(false);
    }
    expect(isOnCurve('P-256', Buffer.from(ASYMMETRIC['P-384'].key.x!, 'base64url'), Buffer.from(ASYMMETRIC['P-384'].key.y!, 'base64url'))).toBe(false);
  });
});

for (const backend of BACKENDS) {
  describe(`JWE on the ${backend} backend`, () => {
    onBackend(backend);

    describe('every alg x enc pair', () => {
      for (const c of CASES) {
        it(`round trip: ${c.label}; the wrong key fails`, async () => {
          const k = await keysFor(c);
          const token = await compactEncrypt(PLAINTEXT, k.encrypt);
          expect(token.split('.')).toHaveLength(5);
          expect(headerOf(token)).toMatchObject({ alg: c.alg, enc: c.enc });
          const r = await compactDecrypt(token, k.decrypt);
          expect(text(r.plaintext)).toBe(PLAINTEXT);
          expect(r.header).toMatchObject({ alg: c.alg, enc: c.enc });
          expect(r.key).toBe(k.decrypt);
          // The header handed back is shared with the header cache: it cannot be altered.
          expect(Object.isFrozen(r.header)).toBe(true);
          await expectJwtError(compactDecrypt(token, k.wrong), 'ERR_JWE_DECRYPTION_FAILED');
        });

        it(`jose decrypts ours: ${c.label}; not with the wrong key`, async () => {
          const k = await keysFor(c);
          const token = await compactEncrypt(PLAINTEXT, k.encrypt);
          const r = await jose.compactDecrypt(token, k.joseDecrypt);
          expect(text(r.plaintext)).toBe(PLAINTEXT);
          expect(r.protectedHeader).toMatchObject({ alg: c.alg, enc: c.enc });
          await expect(jose.compactDecrypt(token, k.joseWrong)).rejects.toThrow();
        });

        it(`we decrypt jose's: ${c.label}; not with the wrong key`, async () => {
          const k = await keysFor(c);
          const token = await new jose.CompactEncrypt(utf8(PLAINTEXT)).setProtectedHeader({ alg: c.alg, enc: c.enc }).encrypt(k.joseEncrypt);
          const r = await compactDecrypt(token, k.decrypt);
          expect(text(r.plaintext)).toBe(PLAINTEXT);
          await expectJwtError(compactDecrypt(token, k.wrong), 'ERR_JWE_DECRYPTION_FAILED');
        });
      }
    });

    describe('RFC 7516 / RFC 7520 examples', () => {
      for (const [file, v] of VECTORS) {
        if (v.expect === 'refuse') {
          it(`${v.source}: refused (${v.errorCode}); a supported algorithm with the same key is not`, async () => {
            const key = encryptionKey(new Uint8Array(32));
            await expectJwtError(compactDecrypt(v.token, key), v.errorCode!);
            const ok = await compactEncrypt('x', key);
            expect(text((await compactDecrypt(ok, key)).plaintext)).toBe('x');
          });
          continue;
        }
        if (v.expect === 'route') {
          it(`${v.source}: reaches ${v.alg} decryption with an ${v.alg} key, refused by a key not bound to it (${file})`, async () => {
            const bound = await importEncryptionKey(ASYMMETRIC.rsa.key, { alg: v.alg as JweAlgorithm });
            await expectJwtError(compactDecrypt(v.token, bound), 'ERR_JWE_DECRYPTION_FAILED');
            const e = await expectJwtError(compactDecrypt(v.token, await importEncryptionKey(ASYMMETRIC.rsa.key)), 'ERR_JWE_ALG_NOT_ALLOWED');
            expect(e.claim).toBe('alg');
          });
          continue;
        }
        it(`${v.source} decrypts; tampered it does not (${file})`, async () => {
          // A.3's JWK names no algorithm: bind it ourselves, as a caller must.
          const key = await importEncryptionKey(v.key!, v.key!.alg === undefined ? { alg: v.alg as JweAlgorithm } : {});
          expect(key.allows(v.alg, v.enc)).toBe(true);
          const zip = v.expect === 'decrypt-with-zip';
          if (zip) await expectJwtError(compactDecrypt(v.token, key), 'ERR_JWE_ALG_NOT_ALLOWED');
          const r = await compactDecrypt(v.token, key, zip ? { zip: true } : {});
          expect(text(r.plaintext)).toBe(v.plaintext);
          expect(r.header.alg).toBe(v.alg);
          await expectJwtError(compactDecrypt(flip(v.token, 3), key, zip ? { zip: true } : {}), 'ERR_JWE_DECRYPTION_FAILED');
          if (zip) await expectJwtError(compactDecrypt(v.token, key, { zip: { maxLength: 100 } }), 'ERR_JWT_TOO_LARGE');
        });
      }
    });

    describe('tampering: every segment is authenticated', () => {
      const tampered: Case[] = [
        { alg: 'dir', enc: 'A256GCM', label: 'dir + A256GCM' },
        { alg: 'dir', enc: 'A128CBC-HS256', label: 'dir + A128CBC-HS256' },
        { alg: 'A256KW', enc: 'A256CBC-HS512', label: 'A256KW + A256CBC-HS512' },
        { alg: 'A128GCMKW', enc: 'A128GCM', label: 'A128GCMKW + A128GCM' },
        { alg: 'RSA-OAEP-256', enc: 'A256GCM', label: 'RSA-OAEP-256 + A256GCM' },
        { alg: 'ECDH-ES+A128KW', enc: 'A256GCM', curve: 'P-256', label: 'ECDH-ES+A128KW (P-256) + A256GCM' },
        { alg: 'ECDH-ES', enc: 'A128CBC-HS256', curve: 'X25519', label: 'ECDH-ES (X25519) + A128CBC-HS256' },
        { alg: 'A192KW', enc: 'A192CBC-HS384', label: 'A192KW + A192CBC-HS384' },
        { alg: 'A192GCMKW', enc: 'A192GCM', label: 'A192GCMKW + A192GCM' },
        { alg: 'RSA-OAEP', enc: 'A256GCM', label: 'RSA-OAEP + A256GCM' },
        { alg: 'ECDH-ES+A192KW', enc: 'A128GCM', curve: 'P-384', label: 'ECDH-ES+A192KW (P-384) + A128GCM' },
      ];
      for (const c of tampered) {
        it(`${c.label}: header, encrypted key, iv, ciphertext and tag`, async () => {
          const k = await keysFor(c);
          const token = await compactEncrypt(PLAINTEXT, k.encrypt);
          expect(text((await compactDecrypt(token, k.decrypt)).plaintext)).toBe(PLAINTEXT);
          const secrets = tokenParts(token);
          await expectJwtError(compactDecrypt(withHeader(token, { ...headerOf(token), x: 1 }), k.decrypt), 'ERR_JWE_DECRYPTION_FAILED', secrets);
          if (token.split('.')[1] !== '') await expectJwtError(compactDecrypt(flip(token, 1), k.decrypt), 'ERR_JWE_DECRYPTION_FAILED', secrets);
          for (const index of [2, 3, 4]) await expectJwtError(compactDecrypt(flip(token, index), k.decrypt), 'ERR_JWE_DECRYPTION_FAILED', secrets);
          if (c.alg === 'A128GCMKW' || c.alg === 'A192GCMKW') {
            const h = headerOf(token);
            for (const name of ['iv', 'tag']) {
              const bytes = Buffer.from(h[name] as string, 'base64url');
              bytes[0] = bytes[0]! ^ 0x80;
              await expectJwtError(compactDecrypt(withHeader(token, { ...h, [name]: bytes.toString('base64url') }), k.decrypt), 'ERR_JWE_DECRYPTION_FAILED');
            }
          }
        });
      }

      it('every decryption failure has one fixed message and no cause', async () => {
        const key = encryptionKey(new Uint8Array(randomBytes(32)), { alg: 'A256KW' });
        const token = await compactEncrypt(PLAINTEXT, key);
        const failures = await Promise.all([
          compactDecrypt(token, encryptionKey(new Uint8Array(randomBytes(32)), { alg: 'A256KW' })),
          compactDecrypt(flip(token, 1), key),
          compactDecrypt(flip(token, 3), key),
          compactDecrypt(flip(token, 4), key),
        ].map((p) => p.then(() => undefined, (e: unknown) => e)));
        for (const error of failures) {
          expect(error).toBeInstanceOf(JwtError);
          expect((error as JwtError).code).toBe('ERR_JWE_DECRYPTION_FAILED');
          expect((error as JwtError).message).toBe('decryption failed');
          expect((error as JwtError).cause).toBeUndefined();
        }
      });

      it('AES-CBC: bad padding under a valid tag is the same failure as a bad tag', async () => {
        const cek = randomBytes(32);
        const key = encryptionKey(new Uint8Array(cek), { enc: 'A128CBC-HS256' });
        const protectedHeader = b64('{"alg":"dir","enc":"A128CBC-HS256"}');
        const craft = (block: Buffer): string => {
          const iv = randomBytes(16);
          const cipher = createCipheriv('aes-128-cbc', cek.subarray(16), iv).setAutoPadding(false);
          const ciphertext = Buffer.concat([cipher.update(block), cipher.final()]);
          const al = Buffer.alloc(8);
          al.writeBigUInt64BE(BigInt(protectedHeader.length * 8));
          const tag = createHmac('sha256', cek.subarray(0, 16)).update(protectedHeader).update(iv).update(ciphertext).update(al).digest().subarray(0, 16);
          return [protectedHeader, '', iv.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join('.');
        };
        // The construction is right: with valid PKCS#7 padding the token opens.
        const good = craft(Buffer.concat([Buffer.from('0123456789abcdef'), Buffer.alloc(16, 16)]));
        expect(text((await compactDecrypt(good, key)).plaintext)).toBe('0123456789abcdef');
        const badPadding = await expectJwtError(compactDecrypt(craft(Buffer.concat([Buffer.from('0123456789abcdef'), Buffer.alloc(16, 0)])), key), 'ERR_JWE_DECRYPTION_FAILED');
        const badTag = await expectJwtError(compactDecrypt(flip(good, 4), key), 'ERR_JWE_DECRYPTION_FAILED');
        expect(badPadding.message).toBe(badTag.message);
      });
    });

    describe('the key decides the algorithms', () => {
      it('a dir key bound to A256GCM refuses an A128CBC-HS256 token made with the same bytes', async () => {
        const bytes = new Uint8Array(randomBytes(32));
        const cbc = encryptionKey(bytes, { enc: 'A128CBC-HS256' });
        const token = await compactEncrypt(PLAINTEXT, cbc);
        await expectJwtError(compactDecrypt(token, encryptionKey(bytes)), 'ERR_JWE_ALG_NOT_ALLOWED');
        expect(text((await compactDecrypt(token, cbc)).plaintext)).toBe(PLAINTEXT);
      });

      it('an A256KW key refuses A256GCMKW unless bound to both', async () => {
        const bytes = new Uint8Array(randomBytes(32));
        const token = await compactEncrypt(PLAINTEXT, encryptionKey(bytes, { alg: 'A256GCMKW' }));
        const e = await expectJwtError(compactDecrypt(token, encryptionKey(bytes, { alg: 'A256KW' })), 'ERR_JWE_ALG_NOT_ALLOWED');
        expect(e.claim).toBe('alg');
        expect(text((await compactDecrypt(token, encryptionKey(bytes, { alg: ['A256KW', 'A256GCMKW'] }))).plaintext)).toBe(PLAINTEXT);
      });

      it('an ECDH-ES-only key refuses ECDH-ES+A128KW; a key restricted to A128GCM refuses A256GCM', async () => {
        const jwk = ASYMMETRIC['P-256'].key;
        const all = await importEncryptionKey(jwk);
        expect(all.algorithms).toEqual(['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW']);
        const token = await compactEncrypt(PLAINTEXT, all, { alg: 'ECDH-ES+A128KW', enc: 'A256GCM' });
        await expectJwtError(compactDecrypt(token, await importEncryptionKey(jwk, { alg: 'ECDH-ES' })), 'ERR_JWE_ALG_NOT_ALLOWED');
        const e = await expectJwtError(compactDecrypt(token, await importEncryptionKey(jwk, { enc: 'A128GCM' })), 'ERR_JWE_ALG_NOT_ALLOWED');
        expect(e.claim).toBe('enc');
        expect(text((await compactDecrypt(token, all)).plaintext)).toBe(PLAINTEXT);
      });

      it('encrypting outside the binding is refused too', async () => {
        const key = encryptionKey(new Uint8Array(32));
        await expectJwtError(compactEncrypt('x', key, { enc: 'A128GCM' }), 'ERR_JWE_ALG_NOT_ALLOWED');
        await expectJwtError(compactEncrypt('x', key, { alg: 'A256KW' }), 'ERR_JWE_ALG_NOT_ALLOWED');
        await expectJwtError(compactEncrypt('x', key, { alg: 'PBES2-HS256+A128KW' as JweAlgorithm }), 'ERR_JWE_ALG_NOT_ALLOWED');
        await expectJwtError(compactEncrypt('x', key, { alg: 'RSA1_5' as JweAlgorithm }), 'ERR_JWE_ALG_NOT_ALLOWED');
        await expectJwtError(compactEncrypt('x', key, { enc: 'A128CBC' as JweEncryption }), 'ERR_JWE_ALG_UNSUPPORTED');
        expect(headerOf(await compactEncrypt('x', key))).toEqual({ alg: 'dir', enc: 'A256GCM' });
      });
    });

    describe('refused algorithms and compression', () => {
      it('PBES2 and RSA1_5 are refused before any key is touched, whatever the key', async () => {
        const password = utf8('correct horse battery staple');
        const pbes2 = await new jose.CompactEncrypt(utf8('x')).setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM' }).encrypt(password);
        for (const key of [encryptionKey(new Uint8Array(16), { alg: 'A128KW' }), await importEncryptionKey(ASYMMETRIC.rsa.key)]) {
          const e = await expectJwtError(compactDecrypt(pbes2, key), 'ERR_JWE_ALG_NOT_ALLOWED');
          expect(e.claim).toBe('alg');
          const rsa15 = withHeader(pbes2, { alg: 'RSA1_5', enc: 'A128GCM' });
          await expectJwtError(compactDecrypt(rsa15, key), 'ERR_JWE_ALG_NOT_ALLOWED');
        }
        // Its twin: jose's own PBES2 token opens with the password in jose.
        expect(text((await jose.compactDecrypt(pbes2, password, { keyManagementAlgorithms: ['PBES2-HS256+A128KW'] })).plaintext)).toBe('x');
      });

      it('zip is refused unless enabled; enabled, it inflates jose output under a cap', async () => {
        const bytes = new Uint8Array(randomBytes(32));
        const key = encryptionKey(bytes);
        const message = 'compressible '.repeat(40);
        const zipped = await new jose.CompactEncrypt(utf8(message)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', zip: 'DEF' }).encrypt(bytes);
        const e = await expectJwtError(compactDecrypt(zipped, key), 'ERR_JWE_ALG_NOT_ALLOWED');
        expect(e.claim).toBe('zip');
        expect(text((await compactDecrypt(zipped, key, { zip: true })).plaintext)).toBe(message);
        await expectJwtError(compactDecrypt(withHeader(zipped, { ...headerOf(zipped), zip: 'GZIP' }), key, { zip: true }), 'ERR_JWE_ALG_UNSUPPORTED');
      });

      it('a zip bomb stops at the cap', async () => {
        const bytes = new Uint8Array(randomBytes(32));
        const bomb = await new jose.CompactEncrypt(new Uint8Array(240_000)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', zip: 'DEF' }).encrypt(bytes);
        expect(bomb.length).toBeLessThan(2048);
        await expectJwtError(compactDecrypt(bomb, encryptionKey(bytes), { zip: true }), 'ERR_JWT_TOO_LARGE');
        expect((await compactDecrypt(bomb, encryptionKey(bytes), { zip: { maxLength: 240_000 } })).plaintext.length).toBe(240_000);
      });

      it('we compress when asked, and jose inflates it; garbage deflate data is malformed', async () => {
        const bytes = new Uint8Array(randomBytes(32));
        const key = encryptionKey(bytes);
        const message = 'abc'.repeat(100);
        const token = await compactEncrypt(message, key, { zip: true });
        expect(headerOf(token).zip).toBe('DEF');
        expect(text((await jose.compactDecrypt(token, bytes)).plaintext)).toBe(message);
        // jose always compresses what it is given, so the invalid deflate stream is built by hand.
        const withZip = await encryptRaw(bytes, { alg: 'dir', enc: 'A256GCM', zip: 'DEF' }, new Uint8Array([0xff, 0xff, 0xff, 0xff]));
        await expectJwtError(compactDecrypt(withZip, key, { zip: true }), 'ERR_JWT_MALFORMED');
      });
    });

    describe('ECDH-ES: the ephemeral key is hostile input', () => {
      it('an off-curve epk, a point of another curve, a low-order X25519 point are refused', async () => {
        const c: Case = { alg: 'ECDH-ES', enc: 'A256GCM', curve: 'P-256', label: '' };
        const k = await keysFor(c);
        const token = await compactEncrypt(PLAINTEXT, k.encrypt);
        expect(text((await compactDecrypt(token, k.decrypt)).plaintext)).toBe(PLAINTEXT);
        const h = headerOf(token);
        const epk = h.epk as Jwk;
        const y = Buffer.from(epk.y!, 'base64url');
        y[y.length - 1] = y[y.length - 1]! ^ 0x01;
        expect(isOnCurve('P-256', Buffer.from(epk.x!, 'base64url'), y)).toBe(false);
        await expectJwtError(compactDecrypt(withHeader(token, { ...h, epk: { ...epk, y: y.toString('base64url') } }), k.decrypt), 'ERR_JWE_DECRYPTION_FAILED');
        const p384 = publicOf(ASYMMETRIC['P-384'].key);
        await expectJwtError(compactDecrypt(withHeader(token, { ...h, epk: { kty: 'EC', crv: 'P-384', x: p384.x, y: p384.y } }), k.decrypt), 'ERR_JWE_DECRYPTION_FAILED');
        await expectJwtError(compactDecrypt(withHeader(token, { ...h, epk: { ...epk, x: epk.x!.slice(2) } }), k.decrypt), 'ERR_JWT_MALFORMED');
        await expectJwtError(compactDecrypt(withHeader(token, { ...h, epk: { ...epk, d: epk.x } }), k.decrypt), 'ERR_JWT_MALFORMED');
        await expectJwtError(compactDecrypt(withHeader(token, { ...h, epk: 'nope' }), k.decrypt), 'ERR_JWT_MALFORMED');

        const x = await keysFor({ alg: 'ECDH-ES', enc: 'A256GCM', curve: 'X25519', label: '' });
        const xToken = await compactEncrypt(PLAINTEXT, x.encrypt);
        const xh = headerOf(xToken);
        // u = 0 and u = 1 are points of small order: the shared secret would be all zeros.
        for (const u of [new Uint8Array(32), Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0))]) {
          await expectJwtError(compactDecrypt(withHeader(xToken, { ...xh, epk: { kty: 'OKP', crv: 'X25519', x: Buffer.from(u).toString('base64url') } }), x.decrypt), 'ERR_JWE_DECRYPTION_FAILED');
        }
        expect(text((await compactDecrypt(xToken, x.decrypt)).plaintext)).toBe(PLAINTEXT);
      });

      it('apu and apv enter the key derivation, and jose agrees', async () => {
        const c: Case = { alg: 'ECDH-ES', enc: 'A128GCM', curve: 'P-384', label: '' };
        const k = await keysFor(c);
        const token = await compactEncrypt(PLAINTEXT, k.encrypt, { apu: utf8('Alice'), apv: utf8('Bob') });
        expect(headerOf(token)).toMatchObject({ apu: b64('Alice'), apv: b64('Bob') });
        expect(text((await jose.compactDecrypt(token, k.joseDecrypt)).plaintext)).toBe(PLAINTEXT);
        expect(text((await compactDecrypt(token, k.decrypt)).plaintext)).toBe(PLAINTEXT);
        const joseToken = await new jose.CompactEncrypt(utf8(PLAINTEXT)).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128GCM' }).setKeyManagementParameters({ apu: utf8('Alice'), apv: utf8('Bob') }).encrypt(k.joseEncrypt);
        expect(text((await compactDecrypt(joseToken, k.decrypt)).plaintext)).toBe(PLAINTEXT);
        // Changing apv changes the derived key (and the AAD): no longer decryptable.
        await expectJwtError(compactDecrypt(withHeader(token, { ...headerOf(token), apv: b64('Eve') }), k.decrypt), 'ERR_JWE_DECRYPTION_FAILED');
      });
    });

    describe('size limits and malformed tokens', () => {
      it('refuses a token over maxTokenLength before decoding it', async () => {
        const key = encryptionKey(new Uint8Array(32));
        const big = await compactEncrypt('x'.repeat(7000), key);
        expect(big.length).toBeGreaterThan(8192);
        await expectJwtError(compactDecrypt(big, key), 'ERR_JWT_TOO_LARGE');
        expect((await compactDecrypt(big, key, { maxTokenLength: 16_384 })).plaintext.length).toBe(7000);
        await expectJwtError(compactDecrypt(`${'!'.repeat(9000)}`, key), 'ERR_JWT_TOO_LARGE');
        await expectJwtError(createVerifier({ issuer: false, audience: false, key: secretKey(SECRET), decryptionKey: key }).verify(big), 'ERR_JWT_TOO_LARGE');
      });

      it('malformed structure, header and segments get exact codes', async () => {
        const key = encryptionKey(new Uint8Array(32));
        const kw = encryptionKey(new Uint8Array(32), { alg: 'A256KW' });
        const token = await compactEncrypt('x', key);
        const kwToken = await compactEncrypt('x', kw);
        const h = headerOf(token);
        const cases: [string, unknown, JwtError['code'], JweKey?][] = [
          ['four segments', token.split('.').slice(0, 4).join('.'), 'ERR_JWT_MALFORMED'],
          ['six segments', `${token}.x`, 'ERR_JWT_MALFORMED'],
          ['not a string', 42, 'ERR_JWT_MALFORMED'],
          ['empty header', withSegment(token, 0, ''), 'ERR_JWT_MALFORMED'],
          ['header not base64url', withSegment(token, 0, 'e30='), 'ERR_JWT_MALFORMED'],
          ['header not JSON', withSegment(token, 0, b64('{alg')), 'ERR_JWT_MALFORMED'],
          ['header an array', withSegment(token, 0, b64('[]')), 'ERR_JWT_MALFORMED'],
          ['alg missing', withHeader(token, { enc: 'A256GCM' }), 'ERR_JWT_MALFORMED'],
          ['enc missing', withHeader(token, { alg: 'dir' }), 'ERR_JWT_MALFORMED'],
          ['alg none', withHeader(token, { ...h, alg: 'none' }), 'ERR_JWE_ALG_UNSUPPORTED'],
          ['alg RSA-OAEP-512 (not implemented)', withHeader(token, { ...h, alg: 'RSA-OAEP-512' }), 'ERR_JWE_ALG_UNSUPPORTED'],
          ['enc A192CBC-HS384 outside a dir key binding', withHeader(token, { ...h, enc: 'A192CBC-HS384' }), 'ERR_JWE_ALG_NOT_ALLOWED'],
          ['enc unknown', withHeader(token, { ...h, enc: 'A128CBC' }), 'ERR_JWE_ALG_UNSUPPORTED'],
          ['kid not a string', withHeader(token, { ...h, kid: 7 }), 'ERR_JWT_MALFORMED'],
          ['crit not understood', withHeader(token, { ...h, crit: ['exp'], exp: 1 }), 'ERR_JWS_CRIT_UNSUPPORTED'],
          ['crit empty', withHeader(token, { ...h, crit: [] }), 'ERR_JWT_MALFORMED'],
          ['__proto__ in header', withSegment(token, 0, b64('{"alg":"dir","enc":"A256GCM","__proto__":{}}')), 'ERR_JWT_MALFORMED'],
          ['iv too short', withSegment(token, 2, b64('short')), 'ERR_JWT_MALFORMED'],
          ['tag too short', withSegment(token, 4, b64('short')), 'ERR_JWT_MALFORMED'],
          ['iv not canonical base64url', withSegment(token, 2, `${token.split('.')[2]!.slice(0, -1)}+`), 'ERR_JWT_MALFORMED'],
          ['dir with an encrypted key', withSegment(token, 1, b64('0123456789abcdef')), 'ERR_JWT_MALFORMED'],
          ['key wrap without one', withSegment(kwToken, 1, ''), 'ERR_JWT_MALFORMED', kw],
          ['wrong-size wrapped key', withSegment(kwToken, 1, b64('0123456789abcdef01234567')), 'ERR_JWE_DECRYPTION_FAILED', kw],
          ['GCMKW without iv', withHeader(token, { alg: 'A256GCMKW', enc: 'A256GCM', tag: b64('0123456789abcdef') }), 'ERR_JWT_MALFORMED'],
          ['ECDH-ES without epk', withHeader(token, { alg: 'ECDH-ES', enc: 'A256GCM' }), 'ERR_JWT_MALFORMED'],
          ['ECDH-ES with a bad apu', withHeader(token, { alg: 'ECDH-ES', enc: 'A256GCM', epk: {}, apu: '***' }), 'ERR_JWT_MALFORMED'],
        ];
        for (const [name, input, code, k] of cases) {
          const e = await expectJwtError(compactDecrypt(input as string, k ?? key), code);
          expect(e, name).toBeInstanceOf(JwtError);
        }
        const cbc = encryptionKey(new Uint8Array(32), { enc: 'A128CBC-HS256' });
        const cbcToken = await compactEncrypt('x', cbc);
        await expectJwtError(compactDecrypt(withSegment(cbcToken, 3, b64('not-a-block')), cbc), 'ERR_JWT_MALFORMED');
        // The twin of all of the above: the untouched tokens open.
        expect(text((await compactDecrypt(token, key)).plaintext)).toBe('x');
        expect(text((await compactDecrypt(kwToken, kw)).plaintext)).toBe('x');
      });

      it('any input fails with a JwtError, never a crash', async () => {
        const key = encryptionKey(new Uint8Array(32));
        const segment = fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/);
        await fc.assert(
          fc.asyncProperty(fc.oneof(fc.string(), fc.tuple(segment, segment, segment, segment, segment).map((p) => p.join('.'))), async (input) => {
            const error = await compactDecrypt(input, key).then(() => undefined, (e: unknown) => e);
            expect(error).toBeInstanceOf(JwtError);
          }),
          { numRuns: 150 },
        );
      });
    });

    describe('nested tokens (sign, then encrypt)', () => {
      let signer: JwtKey;
      let verifyKey: JwtKey;
      let otherSigner: JwtKey;
      let joseSignKey: CryptoKey;
      let joseVerifyKey: CryptoKey;
      const jweSecret = new Uint8Array(randomBytes(32));
      let jweKey: JweKey;
      let ecdhPrivate: JweKey;
      let ecdhPublic: JweKey;

      beforeAll(async () => {
        const pair = await generateKeyPair('ES256');
        signer = pair.privateKey;
        verifyKey = pair.publicKey;
        otherSigner = (await generateKeyPair('ES256')).privateKey;
        joseSignKey = (await jose.importJWK(await exportJwk(signer, { includePrivate: true }), 'ES256')) as CryptoKey;
        joseVerifyKey = (await jose.importJWK(await exportJwk(verifyKey), 'ES256')) as CryptoKey;
        jweKey = encryptionKey(jweSecret);
        ecdhPrivate = await importEncryptionKey(ASYMMETRIC.X25519.key, { alg: 'ECDH-ES', enc: 'A256GCM' });
        ecdhPublic = publicEncryptionKeyOf(ecdhPrivate);
      });

      it('ours: jose decrypts, finds cty JWT, and verifies the inner token; the wrong signing key fails', async () => {
        const token = await encrypt({ sub: 'kevin', email: 'kevin@example.com' }, jweKey, { signWith: signer, expiresIn: '5m', issuer: 'auth', audience: 'api', jwtId: true });
        const outer = await jose.compactDecrypt(token, jweSecret);
        expect(outer.protectedHeader).toMatchObject({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' });
        const inner = await jose.jwtVerify(text(outer.plaintext), joseVerifyKey, { issuer: 'auth', audience: 'api' });
        expect(inner.payload).toMatchObject({ sub: 'kevin', email: 'kevin@example.com', iss: 'auth', aud: 'api' });
        expect(inner.protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: signer.kid });
        const forged = await encrypt({ sub: 'kevin' }, jweKey, { signWith: otherSigner, expiresIn: '5m' });
        const forgedInner = text((await jose.compactDecrypt(forged, jweSecret)).plaintext);
        await expect(jose.jwtVerify(forgedInner, joseVerifyKey)).rejects.toThrow();
      });

      it("jose's: we decrypt and verify in one call, and through the verifier; the wrong signing key fails", async () => {
        const jws = await new jose.SignJWT({ sub: 'kevin', permissions: ['view'] }).setProtectedHeader({ alg: 'ES256', typ: 'JWT' }).setIssuedAt().setExpirationTime('5m').setIssuer('auth').sign(joseSignKey);
        const token = await new jose.CompactEncrypt(utf8(jws)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' }).encrypt(jweSecret);
        const r = await decrypt(token, jweKey, { audience: false, verifyWith: verifyKey, issuer: 'auth' });
        expect(r.payload).toMatchObject({ sub: 'kevin', permissions: ['view'] });
        expect(r.header).toMatchObject({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' });
        expect(r.signed?.header).toMatchObject({ alg: 'ES256' });
        expect(r.signed?.key).toBe(verifyKey);
        const v = await createVerifier({ audience: false, key: verifyKey, decryptionKey: jweKey, issuer: 'auth' }).verify(token);
        expect(v.payload.sub).toBe('kevin');
        const otherJose = (await jose.importJWK(await exportJwk(otherSigner, { includePrivate: true }), 'ES256')) as CryptoKey;
        const forgedJws = await new jose.SignJWT({ sub: 'kevin' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime('5m').sign(otherJose);
        const forged = await new jose.CompactEncrypt(utf8(forgedJws)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' }).encrypt(jweSecret);
        await expectJwtError(decrypt(forged, jweKey, { issuer: false, audience: false, verifyWith: verifyKey }), 'ERR_JWS_SIGNATURE_INVALID');
        await expectJwtError(createVerifier({ issuer: false, audience: false, key: verifyKey, decryptionKey: jweKey }).verify(forged), 'ERR_JWS_SIGNATURE_INVALID');
      });

      it('public-key encryption (ECDH-ES X25519) nested both ways with jose', async () => {
        const token = await encrypt({ sub: 'kevin' }, ecdhPublic, { signWith: signer, expiresIn: '5m' });
        const joseDecrypt = await jose.importJWK(ASYMMETRIC.X25519.key, 'ECDH-ES');
        const inner = text((await jose.compactDecrypt(token, joseDecrypt)).plaintext);
        expect((await jose.jwtVerify(inner, joseVerifyKey)).payload.sub).toBe('kevin');
        const joseEncrypt = await jose.importJWK(publicOf(ASYMMETRIC.X25519.key), 'ECDH-ES');
        const jws = await new jose.SignJWT({ sub: 'ann' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime('5m').sign(joseSignKey);
        const joseToken = await new jose.CompactEncrypt(utf8(jws)).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', cty: 'JWT' }).encrypt(joseEncrypt);
        expect((await decrypt(joseToken, ecdhPrivate, { issuer: false, audience: false, verifyWith: verifyKey })).payload.sub).toBe('ann');
        await expectJwtError(decrypt(joseToken, await importEncryptionKey(ASYMMETRIC.X25519.other, { alg: 'ECDH-ES', enc: 'A256GCM' }), { issuer: false, audience: false, verifyWith: verifyKey }), 'ERR_JWE_DECRYPTION_FAILED');
      });

      it('the verifier: nested accepted, plain JWS accepted unless encryption is required', async () => {
        const nested = await encrypt({ sub: 'kevin' }, jweKey, { signWith: signer, expiresIn: '5m' });
        const plain = await sign({ sub: 'kevin' }, signer, { expiresIn: '5m' });
        const verifier = createVerifier({ issuer: false, audience: false, key: verifyKey, decryptionKey: jweKey });
        expect((await verifier.verify(nested)).payload.sub).toBe('kevin');
        expect((await verifier.verify(plain)).payload.sub).toBe('kevin');
        const strict = createVerifier({ issuer: false, audience: false, key: verifyKey, decryptionKey: jweKey, requireEncryption: true });
        expect((await strict.verify(nested)).payload.sub).toBe('kevin');
        const e = await expectJwtError(strict.verify(plain), 'ERR_JWE_ALG_NOT_ALLOWED');
        expect(e.claim).toBe('enc');
        // Without a decryption key, a nested token is just malformed.
        await expectJwtError(createVerifier({ issuer: false, audience: false, key: verifyKey }).verify(nested), 'ERR_JWT_MALFORMED');
        expect(() => createVerifier({ issuer: false, audience: false, key: verifyKey, requireEncryption: true })).toThrow(JwtError);
      });

      it('the verifier refuses what is not a signed token inside: no cty, plain claims, a JWE inside a JWE', async () => {
        const verifier = createVerifier({ issuer: false, audience: false, key: verifyKey, decryptionKey: jweKey });
        const jws = await sign({ sub: 'kevin' }, signer, { expiresIn: '5m' });
        const noCty = await compactEncrypt(jws, jweKey);
        const e = await expectJwtError(verifier.verify(noCty), 'ERR_JWT_TYPE_INVALID');
        expect(e.claim).toBe('cty');
        const unsigned = await encrypt({ sub: 'kevin' }, jweKey, { expiresIn: '5m' });
        await expectJwtError(verifier.verify(unsigned), 'ERR_JWT_TYPE_INVALID');
        const inner = await encrypt({ sub: 'kevin' }, jweKey, { signWith: signer, expiresIn: '5m' });
        const doubled = await compactEncrypt(inner, jweKey, { cty: 'JWT' });
        await expectJwtError(verifier.verify(doubled), 'ERR_JWT_MALFORMED');
        // The twin: the same JWS with cty JWT is accepted.
        expect((await verifier.verify(await compactEncrypt(jws, jweKey, { cty: 'JWT' }))).payload.sub).toBe('kevin');
      });

      it('claims of a nested token are checked as usual: expired, wrong audience', async () => {
        const verifier = createVerifier({ issuer: false, key: verifyKey, decryptionKey: jweKey, audience: 'api' });
        const expired = await encrypt({ sub: 'kevin', exp: nowSeconds() - 60 }, jweKey, { signWith: signer, audience: 'api' });
        await expectJwtError(verifier.verify(expired), 'ERR_JWT_EXPIRED');
        const elsewhere = await encrypt({ sub: 'kevin' }, jweKey, { signWith: signer, audience: 'other', expiresIn: '5m' });
        await expectJwtError(verifier.verify(elsewhere), 'ERR_JWT_AUDIENCE_INVALID');
        const good = await encrypt({ sub: 'kevin' }, jweKey, { signWith: signer, audience: 'api', expiresIn: '5m' });
        expect((await verifier.verify(good)).payload.aud).toBe('api');
      });

      it('verifySync and decryptSync answer synchronously on Node, and say so elsewhere', async () => {
        const token = await encrypt({ sub: 'kevin' }, jweKey, { signWith: signer, expiresIn: '5m' });
        const verifier = createVerifier({ issuer: false, audience: false, key: verifyKey, decryptionKey: jweKey });
        const decryptor = createDecryptor({ issuer: false, audience: false, key: jweKey, verifyWith: verifyKey });
        const encryptor = createEncryptor({ key: jweKey, signWith: signer, expiresIn: '5m' });
        if (backend === 'node') {
          expect(verifier.verifySync(token).payload.sub).toBe('kevin');
          expect(decryptor.decryptSync(token).payload.sub).toBe('kevin');
          expect(verifier.verifySync(encryptor.encryptSync({ sub: 'ann' })).payload.sub).toBe('ann');
          expect(() => decryptor.decryptSync(flip(token, 4))).toThrow(expect.objectContaining({ code: 'ERR_JWE_DECRYPTION_FAILED' }) as Error);
        } else {
          await expectJwtError(() => verifier.verifySync(token), 'ERR_CONFIG_INVALID');
          await expectJwtError(() => decryptor.decryptSync(token), 'ERR_CONFIG_INVALID');
          await expectJwtError(() => encryptor.encryptSync({ sub: 'ann' }), 'ERR_CONFIG_INVALID');
          expect((await decryptor.decrypt(token)).payload.sub).toBe('kevin');
        }
      });

      it('kid selects among several decryption keys', async () => {
        const a = generateEncryptionKey({ kid: 'a' });
        const b = generateEncryptionKey({ kid: 'b' });
        const unnamed = encryptionKey(jweSecret);
        const token = await encrypt({ sub: 'kevin' }, b, { signWith: signer, expiresIn: '5m' });
        expect(headerOf(token).kid).toBe('b');
        const r = await decrypt(token, [a, b], { issuer: false, audience: false, verifyWith: verifyKey });
        expect(r.key).toBe(b);
        await expectJwtError(decrypt(withHeader(token, { ...headerOf(token), kid: 'c' }), [a, b], { issuer: false, audience: false, verifyWith: verifyKey }), 'ERR_JWT_KEY_NOT_FOUND');
        const noKid = await encrypt({ sub: 'kevin' }, b, { signWith: signer, expiresIn: '5m', kid: false });
        expect((await decrypt(noKid, [a, b], { issuer: false, audience: false, verifyWith: verifyKey })).key).toBe(b);
        await expectJwtError(decrypt(noKid, [a, unnamed], { issuer: false, audience: false, verifyWith: verifyKey }), 'ERR_JWE_DECRYPTION_FAILED');
      });

      it('the shared authenticator (what every adapter runs) accepts a nested bearer token and maps failures to 401', async () => {
        const auth = createAuthenticator({ issuer: false, audience: false, key: verifyKey, decryptionKey: jweKey, realm: 'api' });
        const token = await encrypt({ sub: 'kevin' }, jweKey, { signWith: signer, expiresIn: '5m' });
        const ok = await auth.authenticate({ authorization: `Bearer ${token}` });
        expect(ok.ok && ok.result?.payload.sub).toBe('kevin');
        const bad = await auth.authenticate({ authorization: `Bearer ${flip(token, 3)}` });
        expect(bad.ok).toBe(false);
        if (!bad.ok) {
          expect(bad.response.status).toBe(401);
          expect(bad.response.body).toEqual({ error: 'invalid_token', error_description: 'decryption failed' });
          expect(bad.response.wwwAuthenticate).toBe('Bearer realm="api", error="invalid_token", error_description="decryption failed"');
        }
      });
    });

    describe('claims encrypted without a signature', () => {
      it('jose EncryptJWT -> decrypt, and encrypt -> jose jwtDecrypt; expired and wrong key fail', async () => {
        const bytes = new Uint8Array(randomBytes(32));
        const key = encryptionKey(bytes);
        const joseToken = await new jose.EncryptJWT({ sub: 'kevin', email: 'k@example.com' }).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).setIssuedAt().setExpirationTime('5m').setAudience('api').encrypt(bytes);
        const r = await decrypt(joseToken, key, { issuer: false, audience: 'api' });
        expect(r.payload).toMatchObject({ sub: 'kevin', email: 'k@example.com' });
        expect(r.signed).toBeUndefined();
        await expectJwtError(decrypt(joseToken, key, { issuer: false, audience: 'other' }), 'ERR_JWT_AUDIENCE_INVALID');
        await expectJwtError(decrypt(joseToken, encryptionKey(new Uint8Array(32)), { issuer: false, audience: false }), 'ERR_JWE_DECRYPTION_FAILED');
        const ours = await encrypt({ sub: 'kevin' }, key, { expiresIn: '5m', issuer: 'auth', jwtId: 'id-1' });
        const decoded = await jose.jwtDecrypt(ours, bytes, { issuer: 'auth' });
        expect(decoded.payload).toMatchObject({ sub: 'kevin', iss: 'auth', jti: 'id-1' });
        await expect(jose.jwtDecrypt(ours, new Uint8Array(32))).rejects.toThrow();
        const expired = await encrypt({ sub: 'kevin', exp: nowSeconds() - 5 }, key);
        await expectJwtError(decrypt(expired, key, { issuer: false, audience: false }), 'ERR_JWT_EXPIRED');
        await expectJwtError(encrypt({ sub: 'kevin' }, key), 'ERR_JWT_CLAIM_MISSING');
      });

      it('with a private key, unsigned claims must be asked for: anyone can encrypt to the public half', async () => {
        const priv = await importEncryptionKey(ASYMMETRIC.rsa.key);
        const token = await encrypt({ sub: 'mallory' }, publicEncryptionKeyOf(priv), { expiresIn: '5m' });
        await expectJwtError(decrypt(token, priv, { issuer: false, audience: false }), 'ERR_CONFIG_INVALID');
        expect((await decrypt(token, priv, { issuer: false, audience: false, allowUnsigned: true })).payload.sub).toBe('mallory');
        const signerKey = (await generateKeyPair('ES256')).privateKey;
        await expectJwtError(decrypt(token, priv, { issuer: false, audience: false, verifyWith: publicKeyOf(signerKey) }), 'ERR_JWT_TYPE_INVALID');
      });

      it('a nested token handed to decrypt() without verifyWith is refused, not parsed', async () => {
        const key = encryptionKey(new Uint8Array(randomBytes(32)));
        const signerKey = (await generateKeyPair('ES256')).privateKey;
        const nested = await encrypt({ sub: 'kevin' }, key, { signWith: signerKey, expiresIn: '5m' });
        await expectJwtError(decrypt(nested, key, { issuer: false, audience: false }), 'ERR_JWT_TYPE_INVALID');
        expect((await decrypt(nested, key, { issuer: false, audience: false, verifyWith: publicKeyOf(signerKey) })).payload.sub).toBe('kevin');
      });

      it('schema and revocation apply to decrypted claims', async () => {
        const key = encryptionKey(new Uint8Array(randomBytes(32)));
        const token = await encrypt({ sub: 'kevin', n: 1 }, key, { expiresIn: '5m', jwtId: 'j1' });
        const schema = {
          '~standard': {
            version: 1 as const,
            vendor: 'test',
            validate: (v: unknown) => (typeof (v as { n?: unknown }).n === 'number' ? { value: v as { n: number } } : { issues: [{ message: 'n' }] }),
          },
        };
        expect((await decrypt(token, key, { issuer: false, audience: false, schema })).payload.n).toBe(1);
        await expectJwtError(decrypt(await encrypt({ sub: 'kevin', n: 'x' }, key, { expiresIn: '5m' }), key, { issuer: false, audience: false, schema }), 'ERR_JWT_SCHEMA_INVALID');
        await expectJwtError(decrypt(token, key, { issuer: false, audience: false, revocation: { isRevoked: (c) => c.jti === 'j1' } }), 'ERR_JWT_REVOKED');
        expect((await decrypt(token, key, { issuer: false, audience: false, revocation: { isRevoked: (c) => c.jti === 'j2' } })).payload.sub).toBe('kevin');
      });
    });

    describe('keys', () => {
      it('binds secrets by length and refuses what does not fit', async () => {
        expect(encryptionKey(new Uint8Array(16)).encryptions).toEqual(['A128GCM']);
        expect(encryptionKey(new Uint8Array(24)).encryptions).toEqual(['A192GCM']);
        expect(encryptionKey(new Uint8Array(32)).encryptions).toEqual(['A256GCM']);
        expect(encryptionKey(new Uint8Array(64)).encryptions).toEqual(['A256CBC-HS512']);
        expect(encryptionKey(new Uint8Array(32), { alg: 'A256KW' }).encryptions[0]).toBe('A256GCM');
        await expectJwtError(() => encryptionKey(new Uint8Array(15)), 'ERR_KEY_WEAK');
        await expectJwtError(() => encryptionKey(new Uint8Array(20)), 'ERR_KEY_INVALID');
        await expectJwtError(() => encryptionKey(new Uint8Array(32), { alg: 'A128KW' }), 'ERR_KEY_INVALID');
        await expectJwtError(() => encryptionKey(new Uint8Array(32), { enc: 'A128GCM' }), 'ERR_KEY_INVALID');
        await expectJwtError(() => encryptionKey(new Uint8Array(32), { alg: ['dir', 'A256KW'] }), 'ERR_CONFIG_INVALID');
        await expectJwtError(() => encryptionKey(new Uint8Array(32), { enc: ['A256GCM', 'A128CBC-HS256'] }), 'ERR_CONFIG_INVALID');
        await expectJwtError(() => encryptionKey(new Uint8Array(32), { alg: 'ECDH-ES' }), 'ERR_KEY_INVALID');
        await expectJwtError(() => encryptionKey(new Uint8Array(32), { alg: 'PBES2-HS256+A128KW' as JweAlgorithm }), 'ERR_JWE_ALG_NOT_ALLOWED');
        await expectJwtError(() => encryptionKey(new Uint8Array(32), { alg: 'HS256' as JweAlgorithm }), 'ERR_KEY_INVALID');
        await expectJwtError(() => encryptionKey('a password is not a key at all!!' as unknown as Uint8Array), 'ERR_KEY_INVALID');
      });

      it('refuses signing keys and signature-only JWKs; RSA keys under 2048 bits', async () => {
        const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as Jwk;
        await expectJwtError(importEncryptionKey(ed), 'ERR_KEY_UNSUPPORTED');
        await expectJwtError(importEncryptionKey({ ...ASYMMETRIC['P-256'].key, use: 'sig' }), 'ERR_KEY_INVALID');
        await expectJwtError(importEncryptionKey({ ...ASYMMETRIC['P-256'].key, alg: 'ES256' }), 'ERR_KEY_INVALID');
        await expectJwtError(importEncryptionKey({ ...ASYMMETRIC['P-256'].key, key_ops: ['sign'] }), 'ERR_KEY_INVALID');
        const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' }) as Jwk;
        await expectJwtError(importEncryptionKey(small), 'ERR_KEY_WEAK');
        await expectJwtError(importEncryptionKey('not a key'), 'ERR_KEY_INVALID');
        // Twins: the same P-256 key marked for encryption imports.
        const ok = await importEncryptionKey({ ...ASYMMETRIC['P-256'].key, use: 'enc', key_ops: ['deriveBits'] });
        expect(ok.curve).toBe('P-256');
        expect(ok.kind).toBe('private');
      });

      it('an encryption key never signs or verifies, and a signing key never encrypts or decrypts', async () => {
        const jweKey = generateEncryptionKey();
        const jwtKey = secretKey(SECRET);
        expect(isJweKey(jweKey)).toBe(true);
        expect(isJwtKey(jweKey)).toBe(false);
        expect(isJweKey(jwtKey)).toBe(false);
        const jws = await sign({ sub: 'kevin' }, jwtKey, { expiresIn: '5m' });
        expect(() => createVerifier({ issuer: false, audience: false, key: jweKey as unknown as JwtKey })).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }));
        await expect(verify(jws, jweKey as unknown as JwtKey, { issuer: false, audience: false })).rejects.toBeInstanceOf(JwtError);
        await expect(sign({ sub: 'kevin' }, jweKey as unknown as JwtKey, { expiresIn: '5m' })).rejects.toBeInstanceOf(JwtError);
        await expectJwtError(compactEncrypt('x', jwtKey as unknown as JweKey), 'ERR_CONFIG_INVALID');
        await expectJwtError(compactDecrypt('a.b.c.d.e', jwtKey as unknown as JweKey), 'ERR_CONFIG_INVALID');
        expect(() => createVerifier({ issuer: false, audience: false, key: jwtKey, decryptionKey: jwtKey as unknown as JweKey })).toThrow(JwtError);
        // A public encryption key cannot decrypt.
        const pub = publicEncryptionKeyOf(await importEncryptionKey(ASYMMETRIC['P-256'].key));
        expect(() => createVerifier({ issuer: false, audience: false, key: jwtKey, decryptionKey: pub })).toThrow(/public key cannot decrypt/);
      });

      it('generates, exports and re-imports keys; key material never prints', async () => {
        const { privateKey, publicKey } = await generateEncryptionKeyPair('ECDH-ES', { curve: 'P-384', enc: 'A256GCM' });
        expect(privateKey.kid).toBe(publicKey.kid);
        const published = await exportEncryptionJwk(publicKey);
        expect(published).toMatchObject({ kty: 'EC', crv: 'P-384', use: 'enc', kid: privateKey.kid });
        expect(published.d).toBeUndefined();
        const token = await compactEncrypt('hello', await importEncryptionKey(published, { alg: 'ECDH-ES', enc: 'A256GCM' }));
        expect(text((await compactDecrypt(token, privateKey)).plaintext)).toBe('hello');
        const rsa = await generateEncryptionKeyPair('RSA-OAEP-256');
        expect((await exportEncryptionJwk(rsa.publicKey)).alg).toBe('RSA-OAEP-256');
        const secret = generateEncryptionKey({ alg: 'A128KW' });
        await expectJwtError(exportEncryptionJwk(secret), 'ERR_KEY_INVALID');
        const jwk = await exportEncryptionJwk(secret, { includePrivate: true });
        expect(jwk).toMatchObject({ kty: 'oct', alg: 'A128KW', use: 'enc' });
        expect(JSON.stringify(secret)).not.toContain(jwk.k);
        expect(String(Object.keys(secret))).not.toContain('material');
      });
    });
  });
}

/** A dir token with a header of our choosing over raw plaintext bytes (for malformed-zip checks). */
async function encryptRaw(cek: Uint8Array, header: Record<string, unknown>, plaintext: Uint8Array): Promise<string> {
  const protectedHeader = b64(JSON.stringify(header));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', cek, iv);
  cipher.setAAD(Buffer.from(protectedHeader));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [protectedHeader, '', iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}
