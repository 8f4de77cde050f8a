/**
 * Published JOSE vectors (../shared/vectors), on both crypto backends. Each file's `expect` says
 * what a JWT verifier owes it: claims-set tokens verify (with the clock pinned before they
 * expire), plain-text JWS are refused as not a claims set although their signature checks out,
 * `alg: none` and `b64: false` are refused by every API.
 */
import { describe, expect, it } from 'vitest';
import type { JwsAlgorithm } from '../src/common/algorithms.js';
import { decodeSegment } from '../src/common/base64url.js';
import { signBytes, verifyBytes } from '../src/keys/keys.js';
import {
  createVerifier,
  decodeUnverified,
  exportJwk,
  importKey,
  jwkThumbprint,
  keySet,
  verify,
  type Jwk,
  type JwtKey,
} from '../src/index.js';
import { BACKENDS, expectJwtError, loadVector, onBackend, tokenParts, type Vector } from './helpers.js';

// 2011-03-22T00:00:00Z: before the RFC 7515 A.1-A.3 tokens expire (1300819380 = 18:43:00Z).
const BEFORE_2011_EXPIRY = () => Date.UTC(2011, 2, 22);
const AT_EXPIRY = () => 1300819380 * 1000;

const CLAIMS_VECTORS = ['rfc7515-A1-HS256.json', 'rfc7515-A2-RS256.json', 'rfc7515-A3-ES256.json'];
const PLAIN_TEXT_VECTORS = [
  'rfc7515-A4-ES512.json',
  'rfc7520-4.1-RS256.json',
  'rfc7520-4.2-PS384.json',
  'rfc7520-4.3-ES512.json',
  'rfc7520-4.4-HS256.json',
  'rfc8037-A4-EdDSA-Ed25519.json',
];
const DETERMINISTIC = ['rfc7520-4.1-RS256.json', 'rfc7520-4.4-HS256.json', 'rfc8037-A4-EdDSA-Ed25519.json'];

function parts(token: string): { input: string; signature: Uint8Array } {
  const dot = token.lastIndexOf('.');
  return { input: token.slice(0, dot), signature: decodeSegment(token.slice(dot + 1)) };
}

/** Flips one bit in the middle of the signature segment, keeping it canonical base64url. */
function tamperSignature(token: string): string {
  const dot = token.lastIndexOf('.');
  const sig = Buffer.from(token.slice(dot + 1), 'base64url');
  const i = sig.length >> 1;
  sig[i] = sig[i]! ^ 0x01;
  return `${token.slice(0, dot)}.${sig.toString('base64url')}`;
}

describe.each(BACKENDS)('RFC vectors on the %s backend', (backend) => {
  onBackend(backend);

  describe.each(CLAIMS_VECTORS)('%s', (file) => {
    const v = loadVector(file);
    const token = v.token!;

    it('verifies with the clock pinned before expiry, returning the exact claims', async () => {
      const key = await importKey(v.publicJwk ?? v.key!);
      expect(key.algorithms).toContain(v.alg);
      const { payload, header } = await verify(token, key, { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY });
      expect(payload).toEqual(v.expectedPayload);
      expect(header.alg).toBe(v.alg);
    });

    it('is expired with the real clock, and at exactly exp', async () => {
      const key = await importKey(v.publicJwk ?? v.key!);
      await expectJwtError(verify(token, key, { issuer: false, audience: false }), 'ERR_JWT_EXPIRED', tokenParts(token));
      await expectJwtError(verify(token, key, { issuer: false, audience: false, clock: AT_EXPIRY }), 'ERR_JWT_EXPIRED');
    });

    it('verifies from the private JWK too (its public half does the checking)', async () => {
      const key = await importKey(v.key!);
      const { payload } = await verify(token, key, { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY });
      expect(payload).toEqual(v.expectedPayload);
    });

    it('fails on a tampered signature and on a tampered payload', async () => {
      const key = await importKey(v.publicJwk ?? v.key!);
      await expectJwtError(verify(tamperSignature(token), key, { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY }), 'ERR_JWS_SIGNATURE_INVALID');
      const [h, , s] = token.split('.');
      const forged = `${h}.${Buffer.from(JSON.stringify({ ...(v.expectedPayload as object), iss: 'mallory' })).toString('base64url')}.${s}`;
      await expectJwtError(verify(forged, key, { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY }), 'ERR_JWS_SIGNATURE_INVALID');
    });

    it('is refused when the verifier allows another algorithm only', async () => {
      const key = await importKey(v.publicJwk ?? v.key!);
      const other: JwsAlgorithm = v.alg === 'RS256' ? 'PS256' : v.alg === 'HS256' ? 'HS512' : 'ES384';
      // A P-256 key can never serve ES384: that list is a configuration error, refused before any token.
      const expected = v.alg === 'ES256' ? 'ERR_CONFIG_INVALID' : 'ERR_JWS_ALG_NOT_ALLOWED';
      await expectJwtError(verify(token, key, { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY, algorithms: [other] }), expected);
    });
  });

  it('A.1 HMAC: the whitespace in the header is signed as received, not re-serialised', async () => {
    const v = loadVector('rfc7515-A1-HS256.json');
    const { header } = decodeUnverified(v.token!);
    expect(header).toEqual({ typ: 'JWT', alg: 'HS256' });
    const key = await importKey(v.key!);
    const { header: verified } = await createVerifier({ issuer: false, audience: false, key, clock: BEFORE_2011_EXPIRY, typ: 'JWT' }).verify(v.token!);
    expect(verified.typ).toBe('JWT');
  });

  describe.each(PLAIN_TEXT_VECTORS)('%s (plain-text JWS)', (file) => {
    const v = loadVector(file);
    const token = v.token!;
    const alg = v.alg as JwsAlgorithm;

    it('has a signature that checks out with the vector key', async () => {
      const key = await importKey(v.publicJwk ?? v.key!);
      const { input, signature } = parts(token);
      expect(await verifyBytes(key, alg, input, signature)).toBe(true);
      // Negative twin: one bit off, and the same check fails.
      const bad = parts(tamperSignature(token));
      expect(await verifyBytes(key, alg, bad.input, bad.signature)).toBe(false);
    });

    it('is refused by verify as not a claims set (after the signature passed)', async () => {
      const key = await importKey(v.publicJwk ?? v.key!);
      await expectJwtError(verify(token, key, { issuer: false, audience: false, requireExp: false }), 'ERR_JWT_MALFORMED', tokenParts(token));
      // The same token with a bad signature fails on the signature: the payload is never parsed first.
      await expectJwtError(verify(tamperSignature(token), key, { issuer: false, audience: false, requireExp: false }), 'ERR_JWS_SIGNATURE_INVALID');
    });

    it('is refused by decodeUnverified as not a claims set', async () => {
      await expectJwtError(() => decodeUnverified(token), 'ERR_JWT_MALFORMED');
    });
  });

  describe.each(DETERMINISTIC)('%s (deterministic signature)', (file) => {
    it('re-signing with the private key reproduces the token byte for byte', async () => {
      const v = loadVector(file);
      const key = await importKey(v.key!);
      const { input } = parts(v.token!);
      const signature = await signBytes(key, v.alg as JwsAlgorithm, input);
      expect(`${input}.${Buffer.from(signature).toString('base64url')}`).toBe(v.token);
    });
  });

  describe('RFC 7515 A.5 (alg none)', () => {
    const v = loadVector('rfc7515-A5-unsecured.json');
    const token = v.token!;

    it('is refused by verify with every kind of key, whatever the clock', async () => {
      const keys: JwtKey[] = [
        await importKey(loadVector('rfc7515-A1-HS256.json').key!),
        await importKey(loadVector('rfc7515-A2-RS256.json').publicJwk!),
        await importKey(loadVector('rfc7515-A3-ES256.json').publicJwk!),
      ];
      for (const key of keys) {
        await expectJwtError(verify(token, key, { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY }), 'ERR_JWS_ALG_NOT_ALLOWED', tokenParts(token));
        await expectJwtError(verify(token, key, { issuer: false, audience: false, requireExp: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
        await expectJwtError(createVerifier({ issuer: false, audience: false, key, clock: BEFORE_2011_EXPIRY, cache: true }).verify(token), 'ERR_JWS_ALG_NOT_ALLOWED');
        await expectJwtError(verify(token, keySet([key]), { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY }), 'ERR_JWS_ALG_NOT_ALLOWED');
        await expectJwtError(verify(token, () => key, { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY }), 'ERR_JWS_ALG_NOT_ALLOWED');
      }
    });

    it('is refused even when a caller lists "none" among the algorithms', async () => {
      const key = await importKey(loadVector('rfc7515-A1-HS256.json').key!);
      await expectJwtError(verify(token, key, { issuer: false, audience: false, algorithms: ['none' as JwsAlgorithm] }), 'ERR_CONFIG_INVALID');
    });

    it('is refused by verifySync too (the header is judged before any asynchronous step)', async () => {
      const key = await importKey(loadVector('rfc7515-A1-HS256.json').key!);
      await expectJwtError(() => createVerifier({ issuer: false, audience: false, key, clock: BEFORE_2011_EXPIRY }).verifySync(token), 'ERR_JWS_ALG_NOT_ALLOWED');
    });

    it('can only be read through decodeUnverified, which verifies nothing', () => {
      expect(decodeUnverified(token).payload).toEqual(v.expectedPayload);
    });
  });

  describe('RFC 7797 4.1 (b64: false)', () => {
    const v = loadVector('rfc7797-4.1-b64false-HS256.json');
    const flat = v.flattened as { protected: string; payload: string; signature: string };
    const compact = `${flat.protected}.${flat.payload}.${flat.signature}`;
    const encodedPayload = `${flat.protected}.${Buffer.from(flat.payload).toString('base64url')}.${flat.signature}`;

    it('has a signature over the unencoded payload that checks out (so refusal is by rule, not by accident)', async () => {
      const key = await importKey(v.key!);
      expect(await verifyBytes(key, 'HS256', `${flat.protected}.${flat.payload}`, decodeSegment(flat.signature))).toBe(true);
    });

    it('is refused by verify for its b64 header, even when the caller says it understands b64', async () => {
      const key = await importKey(v.key!);
      await expectJwtError(verify(encodedPayload, key, { issuer: false, audience: false, requireExp: false }), 'ERR_JWS_CRIT_UNSUPPORTED');
      await expectJwtError(verify(encodedPayload, key, { issuer: false, audience: false, requireExp: false, crit: ['b64'] }), 'ERR_JWS_CRIT_UNSUPPORTED');
    });

    it('is not even compact JWS with its raw payload: "$.02" adds a fourth segment', async () => {
      const key = await importKey(v.key!);
      expect(compact.split('.')).toHaveLength(4);
      await expectJwtError(verify(compact, key, { issuer: false, audience: false, requireExp: false, crit: ['b64'] }), 'ERR_JWT_MALFORMED');
    });
  });

  describe('RFC 7517 A.1-A.3 key sets', () => {
    const jwks = loadVector<{ A1_public: { keys: Jwk[] }; A2_private: { keys: Jwk[] }; A3_symmetric: { keys: Jwk[] }; thumbprintsSHA256_of_A1: Record<string, string> }>(
      'rfc7517-A1-A2-A3-jwks.json',
    );

    it('imports the RSA signing key, public (A.1) and private (A.2), bound to its alg and kid', async () => {
      for (const jwk of [jwks.A1_public.keys[1]!, jwks.A2_private.keys[1]!]) {
        const key = await importKey(jwk);
        expect(key.kty).toBe('RSA');
        expect(key.kid).toBe('2011-04-29');
        expect(key.algorithms).toEqual(['RS256']);
        expect(key.kind).toBe(jwk.d === undefined ? 'public' : 'private');
      }
    });

    it('refuses the EC keys marked use: "enc", public and private', async () => {
      await expectJwtError(importKey(jwks.A1_public.keys[0]!), 'ERR_KEY_INVALID', [jwks.A1_public.keys[0]!.x!]);
      await expectJwtError(importKey(jwks.A2_private.keys[0]!), 'ERR_KEY_INVALID', [jwks.A2_private.keys[0]!.d!]);
    });

    it('imports the same EC key once use is "sig" (the refusal is about use only)', async () => {
      const key = await importKey({ ...jwks.A2_private.keys[0]!, use: 'sig' });
      expect(key.algorithms).toEqual(['ES256']);
      expect(key.kind).toBe('private');
    });

    it('A.3: refuses the A128KW key encryption key, imports the 64-byte HMAC key and verifies A.1 with it', async () => {
      const kek = jwks.A3_symmetric.keys[0]!;
      await expectJwtError(importKey(kek), 'ERR_KEY_WEAK', [kek.k!]);
      const hmac = await importKey(jwks.A3_symmetric.keys[1]!);
      expect(hmac.kind).toBe('secret');
      expect(hmac.kid).toBe('HMAC key used in JWS A.1 example');
      expect(hmac.algorithms).toEqual(['HS256', 'HS384', 'HS512']);
      const { payload } = await verify(loadVector('rfc7515-A1-HS256.json').token!, hmac, { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY });
      expect(payload.iss).toBe('joe');
    });

    it('has the expected RFC 7638 thumbprints, from the JWK and from an imported key', async () => {
      const [ec, rsa] = jwks.A1_public.keys as [Jwk, Jwk];
      expect(await jwkThumbprint(ec)).toBe(jwks.thumbprintsSHA256_of_A1['EC kid=1']);
      expect(await jwkThumbprint(rsa)).toBe(jwks.thumbprintsSHA256_of_A1['RSA kid=2011-04-29']);
      const imported = await importKey(jwks.A2_private.keys[1]!);
      expect(await jwkThumbprint(await exportJwk(imported))).toBe(jwks.thumbprintsSHA256_of_A1['RSA kid=2011-04-29']);
    });

    it('exports the public half of the A.2 private key as A.1 publishes it, with no private member', async () => {
      const exported = await exportJwk(await importKey(jwks.A2_private.keys[1]!));
      const published = jwks.A1_public.keys[1]!;
      expect(exported).toMatchObject({ kty: 'RSA', n: published.n, e: published.e, kid: '2011-04-29', alg: 'RS256', use: 'sig' });
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(exported).not.toHaveProperty(member);
    });
  });

  describe('RFC 7638 3.1 and RFC 8037 thumbprints', () => {
    it('matches the RFC 7638 example, ignoring alg and kid', async () => {
      const v = loadVector<{ key: Jwk; canonicalJson: string; expected: { sha256: string } }>('rfc7638-3.1-thumbprint.json');
      expect(await jwkThumbprint(v.key)).toBe(v.expected.sha256);
      expect(await jwkThumbprint({ ...v.key, kid: 'anything', alg: 'PS512' })).toBe(v.expected.sha256);
      // Negative twin: a different modulus gives a different thumbprint.
      expect(await jwkThumbprint({ ...v.key, n: `${v.key.n!.slice(0, -2)}AA` })).not.toBe(v.expected.sha256);
    });

    it('matches RFC 8037 A.3 for the Ed25519 key', async () => {
      const v = loadVector('rfc8037-A4-EdDSA-Ed25519.json');
      const expected = v.rfc8037_A3_thumbprint_sha256 as string;
      expect(await jwkThumbprint(v.publicJwk!)).toBe(expected);
      expect(await jwkThumbprint(await exportJwk(await importKey(v.key!)))).toBe(expected);
    });

    it('refuses a JWK that lacks a required member', async () => {
      await expectJwtError(jwkThumbprint({ kty: 'RSA', e: 'AQAB' }), 'ERR_KEY_INVALID');
      await expectJwtError(jwkThumbprint({ kty: 'XYZ' }), 'ERR_KEY_UNSUPPORTED');
    });
  });
});
