/**
 * Header member types, on both backends and for both token kinds: every header member the core
 * reads (`kid`, `typ`, `cty`, `crit`) must have its JSON type, whatever the verifier's options,
 * or the token is ERR_JWT_MALFORMED. The JWE tokens are built by hand (dir + A256GCM) so that a
 * header no encryptor would write can still be correctly encrypted.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { compactDecrypt, createVerifier, encryptionKey, secretKey, verify, type JweKey, type JwtKey } from '../src/index.js';
import { b64, BACKENDS, craftJson, expectJwtError, nowSeconds, onBackend, SECRET, tokenParts } from './helpers.js';

const JWE_SECRET = new Uint8Array(32).fill(7);

/** A compact JWE (dir, A256GCM) over `plaintext` with exactly this protected header. */
function craftJwe(header: Record<string, unknown>, plaintext: string): string {
  const h = b64(JSON.stringify({ alg: 'dir', enc: 'A256GCM', ...header }));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', JWE_SECRET, iv);
  cipher.setAAD(Buffer.from(h, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${h}..${b64(iv)}.${b64(ciphertext)}.${b64(cipher.getAuthTag())}`;
}

/** Values of every JSON type but string. */
const NOT_STRINGS: readonly unknown[] = [1, 0, -1.5, true, false, null, [], ['JWT'], {}, { typ: 'JWT' }];

describe.each(BACKENDS)('header member types on the %s backend', (backend) => {
  onBackend(backend);

  let hs: JwtKey;
  let jwe: JweKey;
  beforeAll(() => {
    hs = secretKey(SECRET);
    jwe = encryptionKey(JWE_SECRET);
  });
  const claims = () => ({ sub: 'alice', exp: nowSeconds() + 600 });

  describe('signed tokens', () => {
    it.each(['typ', 'cty', 'kid'])('a non-string %s is malformed, with or without a typ option', async (name) => {
      for (const value of NOT_STRINGS) {
        const token = craftJson({ alg: 'HS256', [name]: value }, claims());
        const error = await expectJwtError(verify(token, hs, { issuer: false, audience: false }), 'ERR_JWT_MALFORMED', tokenParts(token));
        expect(error.claim).toBe(name);
        // The header check comes before the typ comparison: the option cannot turn it into another answer.
        expect((await expectJwtError(verify(token, hs, { issuer: false, audience: false, typ: 'JWT' }), 'ERR_JWT_MALFORMED')).claim).toBe(name);
        expect(() => createVerifier({ issuer: false, audience: false, key: hs }).verifySync(token)).toThrow(expect.objectContaining({ code: 'ERR_JWT_MALFORMED', claim: name }));
      }
    });

    it.each(['typ', 'cty', 'kid'])('a string %s verifies (negative twin)', async (name) => {
      for (const value of ['JWT', 'at+jwt', '']) {
        const { header, payload } = await verify(craftJson({ alg: 'HS256', [name]: value }, claims()), hs, { issuer: false, audience: false });
        expect(header[name]).toBe(value);
        expect(payload.sub).toBe('alice');
      }
    });

    it('a verifier that saw a good header still refuses a bad one (the header cache keys on the segment)', async () => {
      const verifier = createVerifier({ issuer: false, audience: false, key: hs });
      expect((await verifier.verify(craftJson({ alg: 'HS256', typ: 'JWT' }, claims()))).header.typ).toBe('JWT');
      await expectJwtError(verifier.verify(craftJson({ alg: 'HS256', typ: ['JWT'] }, claims())), 'ERR_JWT_MALFORMED');
    });
  });

  describe('encrypted tokens (the same check, shared with the JWE parser)', () => {
    it.each(['typ', 'cty', 'kid'])('a non-string %s is malformed', async (name) => {
      for (const value of NOT_STRINGS) {
        const token = craftJwe({ [name]: value }, 'hello');
        const error = await expectJwtError(compactDecrypt(token, jwe), 'ERR_JWT_MALFORMED');
        expect(error.claim).toBe(name);
      }
    });

    it.each(['typ', 'cty', 'kid'])('a string %s decrypts (negative twin)', async (name) => {
      const { plaintext, header } = await compactDecrypt(craftJwe({ [name]: 'x' }, 'hello'), jwe);
      expect(Buffer.from(plaintext).toString('utf8')).toBe('hello');
      expect(header[name as 'typ']).toBe('x');
    });

    it('a nested token whose JWE cty is not a string is malformed, not merely of the wrong type', async () => {
      const inner = craftJson({ alg: 'HS256', typ: 'JWT' }, claims());
      const verifier = createVerifier({ issuer: false, audience: false, key: hs, decryptionKey: jwe });
      expect((await verifier.verify(craftJwe({ cty: 'JWT' }, inner))).payload.sub).toBe('alice');
      expect((await expectJwtError(verifier.verify(craftJwe({ cty: ['JWT'] }, inner)), 'ERR_JWT_MALFORMED')).claim).toBe('cty');
      // And the signed token inside gets the signed-token check.
      const badInner = craftJson({ alg: 'HS256', typ: 7 }, claims());
      expect((await expectJwtError(verifier.verify(craftJwe({ cty: 'JWT' }, badInner)), 'ERR_JWT_MALFORMED')).claim).toBe('typ');
    });
  });
});
