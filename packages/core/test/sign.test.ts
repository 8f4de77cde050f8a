/**
 * sign() and createSigner(), on both backends: an expiry is required unless waived, claim types
 * are checked before signing, reserved header parameters cannot be set, only a key that may sign
 * the algorithm signs, and the claims and header come out exactly as configured.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createSigner,
  decodeUnverified,
  generateKeyPair,
  importKey,
  secretKey,
  sign,
  verify,
  type JwtKey,
} from '../src/index.js';
import { BACKENDS, expectJwtError, fixture, onBackend, SECRET } from './helpers.js';

const T0 = 1_700_000_000;
const clock = () => T0 * 1000;

describe.each(BACKENDS)('sign on the %s backend', (backend) => {
  onBackend(backend);

  let key: JwtKey;
  beforeAll(() => {
    key = secretKey(SECRET, { kid: 'hs' });
  });

  const decoded = (token: string) => decodeUnverified(token);

  describe('expiry', () => {
    it('is required unless requireExp is false', async () => {
      const error = await expectJwtError(sign({ sub: 'a' }, key), 'ERR_JWT_CLAIM_MISSING', [SECRET]);
      expect(error.claim).toBe('exp');
      const forever = await sign({ sub: 'a' }, key, { requireExp: false, clock });
      expect(decoded(forever).payload).toEqual({ sub: 'a', iat: T0 });
      expect((await verify(forever, key, { issuer: false, audience: false, requireExp: false, clock })).payload.sub).toBe('a');
    });

    it('comes from expiresIn (seconds or a duration) or from an exp claim', async () => {
      expect(decoded(await sign({}, key, { expiresIn: 90, clock })).payload.exp).toBe(T0 + 90);
      expect(decoded(await sign({}, key, { expiresIn: '15m', clock })).payload.exp).toBe(T0 + 900);
      expect(decoded(await sign({}, key, { expiresIn: '1h', clock })).payload.exp).toBe(T0 + 3600);
      expect(decoded(await sign({ exp: T0 + 5 }, key, { clock })).payload.exp).toBe(T0 + 5);
      // An explicit exp claim wins over expiresIn.
      expect(decoded(await sign({ exp: T0 + 5 }, key, { expiresIn: '1d', clock })).payload.exp).toBe(T0 + 5);
    });

    it('refuses non-finite or non-numeric time claims', async () => {
      for (const exp of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, '9999999999', null, true]) {
        const error = await expectJwtError(sign({ exp } as never, key), 'ERR_JWT_CLAIM_INVALID');
        expect(error.claim).toBe('exp');
      }
      await expectJwtError(sign({ nbf: Number.NaN }, key, { expiresIn: 60 }), 'ERR_JWT_CLAIM_INVALID');
      await expectJwtError(sign({ iat: Number.POSITIVE_INFINITY }, key, { expiresIn: 60 }), 'ERR_JWT_CLAIM_INVALID');
    });

    it('refuses nonsensical durations', async () => {
      for (const expiresIn of [-1, Number.NaN, Number.POSITIVE_INFINITY, 'soon', '-5m', '']) {
        await expectJwtError(sign({}, key, { expiresIn }), 'ERR_CONFIG_INVALID');
      }
      await expectJwtError(sign({}, key, { expiresIn: 60, notBefore: 'later' }), 'ERR_CONFIG_INVALID');
    });
  });

  describe('claims', () => {
    it('sets iat, nbf, iss, sub, aud and jti from options', async () => {
      const token = await sign({ role: 'user' }, key, { expiresIn: 60, notBefore: 10, issuer: 'auth', subject: 'alice', audience: ['api', 'web'], jwtId: 'id-1', clock });
      expect(decoded(token).payload).toEqual({ iss: 'auth', sub: 'alice', aud: ['api', 'web'], iat: T0, exp: T0 + 60, nbf: T0 + 10, jti: 'id-1', role: 'user' });
    });

    it('jwtId: true makes a fresh random 128-bit id each time', async () => {
      const a = decoded(await sign({}, key, { expiresIn: 60, jwtId: true })).payload.jti!;
      const b = decoded(await sign({}, key, { expiresIn: 60, jwtId: true })).payload.jti!;
      expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(a, 'base64url')).toHaveLength(16);
      expect(a).not.toBe(b);
      await expectJwtError(sign({}, key, { expiresIn: 60, jwtId: 5 as never }), 'ERR_CONFIG_INVALID');
    });

    it('timestamp: "ms" writes a fractional iat; false writes none; the default is whole seconds', async () => {
      const ms = () => T0 * 1000 + 123;
      expect(decoded(await sign({}, key, { expiresIn: 60, timestamp: 'ms', clock: ms })).payload.iat).toBe(T0 + 0.123);
      expect(decoded(await sign({}, key, { expiresIn: 60, clock: ms })).payload.iat).toBe(T0);
      expect(decoded(await sign({}, key, { expiresIn: 60, timestamp: false, clock: ms })).payload).not.toHaveProperty('iat');
    });

    it('issuedAt sets iat and counts exp and nbf from it, whatever the clock and timestamp say', async () => {
      const ms = () => (T0 + 7) * 1000 + 456;
      for (const timestamp of [true, 'ms', false] as const) {
        const payload = decoded(await sign({}, key, { expiresIn: 60, notBefore: 5, timestamp, clock: ms, issuedAt: T0 })).payload;
        expect(payload).toEqual({ iat: T0, exp: T0 + 60, nbf: T0 + 5 });
      }
      // Its negative twin: without issuedAt the same clock gives a later iat and exp.
      expect(decoded(await sign({}, key, { expiresIn: 60, clock: ms })).payload).toEqual({ iat: T0 + 7, exp: T0 + 67 });
    });

    it('refuses an issuedAt that is not a finite, non-negative number of seconds', async () => {
      for (const issuedAt of [Number.NaN, Number.POSITIVE_INFINITY, -1, '1700000000', null]) {
        await expectJwtError(sign({}, key, { expiresIn: 60, issuedAt: issuedAt as never }), 'ERR_CONFIG_INVALID');
        await expectJwtError(() => createSigner({ key, expiresIn: 60, issuedAt: issuedAt as never }), 'ERR_CONFIG_INVALID');
        await expectJwtError(createSigner({ key, expiresIn: 60 }).sign({}, { issuedAt: issuedAt as never }), 'ERR_CONFIG_INVALID');
      }
    });

    it('refuses claims of the wrong type', async () => {
      for (const claims of [{ iss: 1 }, { sub: ['a'] }, { jti: null }, { aud: 1 }, { aud: ['api', 2] }, { aud: null }]) {
        await expectJwtError(sign(claims as never, key, { expiresIn: 60 }), 'ERR_JWT_CLAIM_INVALID');
      }
      for (const claims of [null, 'claims', [1, 2], 42]) {
        await expectJwtError(sign(claims as never, key, { expiresIn: 60 }), 'ERR_JWT_CLAIM_INVALID');
      }
    });

    it('refuses an own __proto__ member and claims that are not JSON', async () => {
      await expectJwtError(sign(JSON.parse('{"__proto__":{"admin":true}}') as never, key, { expiresIn: 60 }), 'ERR_JWT_CLAIM_INVALID');
      await expectJwtError(sign({ big: 1n } as never, key, { expiresIn: 60 }), 'ERR_JWT_CLAIM_INVALID');
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      await expectJwtError(sign(circular, key, { expiresIn: 60 }), 'ERR_JWT_CLAIM_INVALID');
    });
  });

  describe('header', () => {
    it('has alg from the key, typ JWT and the key kid by default; each can be changed or left out', async () => {
      expect(decoded(await sign({}, key, { expiresIn: 60 })).header).toEqual({ alg: 'HS256', typ: 'JWT', kid: 'hs' });
      expect(decoded(await sign({}, key, { expiresIn: 60, alg: 'HS512', typ: 'at+jwt', kid: 'other' })).header).toEqual({ alg: 'HS512', typ: 'at+jwt', kid: 'other' });
      expect(decoded(await sign({}, key, { expiresIn: 60, typ: false, kid: false })).header).toEqual({ alg: 'HS256' });
      expect(decoded(await sign({}, key, { expiresIn: 60, header: { cty: 'custom', 'x-tenant': 't1' } })).header).toMatchObject({ cty: 'custom', 'x-tenant': 't1' });
    });

    it('refuses reserved header parameters', async () => {
      for (const name of ['alg', 'crit', 'b64', 'jku', 'x5u', 'jwk']) {
        await expectJwtError(sign({}, key, { expiresIn: 60, header: { [name]: name === 'alg' ? 'none' : 'x' } }), 'ERR_CONFIG_INVALID');
      }
      await expectJwtError(sign({}, key, { expiresIn: 60, header: JSON.parse('{"__proto__":{"alg":"none"}}') as never }), 'ERR_CONFIG_INVALID');
      await expectJwtError(sign({}, key, { expiresIn: 60, header: 'x' as never }), 'ERR_CONFIG_INVALID');
    });
  });

  describe('keys', () => {
    it('a public key cannot sign, whatever form it came in', async () => {
      const { publicKey } = await generateKeyPair('ES256');
      await expectJwtError(sign({}, publicKey, { expiresIn: 60 }), 'ERR_KEY_INVALID');
      const pem = fixture('rsa-2048.cert.pem');
      await expectJwtError(sign({}, pem, { expiresIn: 60 }), 'ERR_KEY_INVALID');
      await expectJwtError(sign({}, (await importKey(pem)), { expiresIn: 60 }), 'ERR_KEY_INVALID');
    });

    it('an algorithm the key does not allow is refused', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      await expectJwtError(sign({}, privateKey, { expiresIn: 60, alg: 'ES384' }), 'ERR_JWS_ALG_NOT_ALLOWED');
      await expectJwtError(sign({}, privateKey, { expiresIn: 60, alg: 'HS256' }), 'ERR_JWS_ALG_NOT_ALLOWED');
      await expectJwtError(sign({}, key, { expiresIn: 60, alg: 'RS256' }), 'ERR_JWS_ALG_NOT_ALLOWED');
      await expectJwtError(sign({}, key, { expiresIn: 60, alg: 'none' as never }), 'ERR_JWS_ALG_NOT_ALLOWED');
      const rsa = await importKey(fixture('rsa-2048.key.pem'));
      const ps = await sign({}, rsa, { expiresIn: 60, alg: 'PS512' });
      expect(decoded(ps).header.alg).toBe('PS512');
      expect((await verify(ps, rsa, { issuer: false, audience: false })).header.alg).toBe('PS512');
    });

    it('takes raw key input (a PEM text) as well as a JwtKey', async () => {
      const token = await sign({ sub: 'pem' }, fixture('ec-p256.key.pem'), { expiresIn: 60 });
      expect(decoded(token).header.alg).toBe('ES256');
      expect((await verify(token, fixture('ec-p256.cert.pem'), { issuer: false, audience: false })).payload.sub).toBe('pem');
      await expectJwtError(sign({}, 'short', { expiresIn: 60 }), 'ERR_KEY_WEAK', ['short']);
    });
  });

  describe('createSigner', () => {
    it('signs many tokens with one compiled header', async () => {
      const signer = createSigner({ key, expiresIn: '5m', issuer: 'auth', clock });
      const a = await signer.sign({ sub: 'a' });
      const b = await signer.sign({ sub: 'b' });
      expect(a.split('.')[0]).toBe(b.split('.')[0]);
      expect(decoded(b).payload).toEqual({ iss: 'auth', iat: T0, exp: T0 + 300, sub: 'b' });
      expect(decoded(await signer.sign()).payload).toEqual({ iss: 'auth', iat: T0, exp: T0 + 300 });
    });

    it('takes issuedAt per token, leaving the next token at the clock', async () => {
      const signer = createSigner({ key, expiresIn: '5m', clock });
      expect(decoded(await signer.sign({ sub: 'a' }, { issuedAt: T0 - 30 })).payload).toEqual({ iat: T0 - 30, exp: T0 + 270, sub: 'a' });
      expect(decoded(await signer.sign({ sub: 'b' })).payload).toEqual({ iat: T0, exp: T0 + 300, sub: 'b' });
      if (backend === 'node') expect(decoded(signer.signSync({}, { issuedAt: T0 + 1 })).payload).toEqual({ iat: T0 + 1, exp: T0 + 301 });
    });

    it('signSync works on the node backend only, with a JwtKey or raw key input, never with a key still importing', async () => {
      const signer = createSigner({ key, expiresIn: 60, clock });
      if (backend === 'node') {
        const token = signer.signSync({ sub: 'sync' });
        expect(token).toBe(await signer.sign({ sub: 'sync' }));
      } else {
        await expectJwtError(() => signer.signSync({ sub: 'sync' }), 'ERR_CONFIG_INVALID');
      }
      // A raw secret is compiled at construction, so it signs synchronously where the backend can.
      if (backend === 'node') expect(createSigner({ key: SECRET, expiresIn: 60 }).signSync({}).split('.')).toHaveLength(3);
      else await expectJwtError(() => createSigner({ key: SECRET, expiresIn: 60 }).signSync({}), 'ERR_CONFIG_INVALID');
      // A PEM is imported at construction on Node; on WebCrypto asynchronously, and until that is
      // done signSync refuses rather than block.
      if (backend === 'node') expect(createSigner({ key: fixture('ec-p256.key.pem'), expiresIn: 60 }).signSync({}).split('.')).toHaveLength(3);
      else await expectJwtError(() => createSigner({ key: fixture('ec-p256.key.pem'), expiresIn: 60 }).signSync({}), 'ERR_CONFIG_INVALID');
      await expectJwtError(() => createSigner(null as never), 'ERR_CONFIG_INVALID');
    });

    it('configuration errors surface at construction for a JwtKey', async () => {
      const { publicKey } = await generateKeyPair('EdDSA');
      await expectJwtError(() => createSigner({ key: publicKey, expiresIn: 60 }), 'ERR_KEY_INVALID');
      await expectJwtError(() => createSigner({ key, expiresIn: 60, header: { alg: 'none' } }), 'ERR_CONFIG_INVALID');
    });
  });
});
