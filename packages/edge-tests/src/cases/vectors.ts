/**
 * The published JOSE vectors (../shared/vectors), as packages/core/test/vectors.test.ts checks
 * them on Node: claims-set tokens verify with the clock pinned before they expire, plain-text JWS
 * pass the signature check and are then refused as not a claims set, `alg: none` and `b64: false`
 * are refused by every API, key sets import and thumbprints match.
 */
import { createVerifier, decodeUnverified, exportJwk, importKey, jwkThumbprint, keySet, verify, type JwsAlgorithm, type Jwk, type JwtKey } from '@jwt/core';
import { deepEqual, equal, ok, rejects } from '../assert.js';
import { vector } from '../fixtures.js';
import type { Runner } from '../runner.js';
import { b64, tamperSignature, tokenParts } from '../tokens.js';

// 2011-03-22T00:00:00Z: before the RFC 7515 A.1-A.3 tokens expire (1300819380 = 18:43:00Z).
const BEFORE_2011_EXPIRY = (): number => Date.UTC(2011, 2, 22);
const AT_EXPIRY = (): number => 1300819380 * 1000;

const CLAIMS_VECTORS = ['rfc7515-A1-HS256.json', 'rfc7515-A2-RS256.json', 'rfc7515-A3-ES256.json'];
const PLAIN_TEXT_VECTORS = [
  'rfc7515-A4-ES512.json',
  'rfc7520-4.1-RS256.json',
  'rfc7520-4.2-PS384.json',
  'rfc7520-4.3-ES512.json',
  'rfc7520-4.4-HS256.json',
  'rfc8037-A4-EdDSA-Ed25519.json',
];

interface JwkSets {
  A1_public: { keys: Jwk[] };
  A2_private: { keys: Jwk[] };
  A3_symmetric: { keys: Jwk[] };
  thumbprintsSHA256_of_A1: Record<string, string>;
}

export function vectorCases(runner: Runner): void {
  runner.group('vectors', (test) => {
    for (const file of CLAIMS_VECTORS) {
      const v = vector(file);
      const token = v.token!;

      test(`${file}: verifies with the clock pinned before expiry, exact claims`, async () => {
        const key = await importKey(v.publicJwk ?? v.key!);
        ok(key.allows(v.alg), `key allows ${v.alg}`);
        const { payload, header } = await verify(token, key, { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY });
        deepEqual(payload, v.expectedPayload, 'payload');
        equal(header.alg, v.alg, 'alg');
        // From the private JWK too: its public half does the checking.
        deepEqual((await verify(token, await importKey(v.key!), { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY })).payload, v.expectedPayload, 'payload via private JWK');
      });

      test(`${file}: expired with the real clock and at exactly exp`, async () => {
        const key = await importKey(v.publicJwk ?? v.key!);
        await rejects(verify(token, key, { issuer: false, audience: false }), 'ERR_JWT_EXPIRED', tokenParts(token));
        await rejects(verify(token, key, { issuer: false, audience: false, clock: AT_EXPIRY }), 'ERR_JWT_EXPIRED');
      });

      test(`${file}: a tampered signature or payload fails`, async () => {
        const key = await importKey(v.publicJwk ?? v.key!);
        await rejects(verify(tamperSignature(token), key, { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY }), 'ERR_JWS_SIGNATURE_INVALID');
        const [h, , s] = token.split('.');
        const forged = `${h}.${b64(JSON.stringify({ ...(v.expectedPayload as object), iss: 'mallory' }))}.${s}`;
        await rejects(verify(forged, key, { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY }), 'ERR_JWS_SIGNATURE_INVALID');
      });

      test(`${file}: refused when only another algorithm is allowed`, async () => {
        const key = await importKey(v.publicJwk ?? v.key!);
        const other: JwsAlgorithm = v.alg === 'RS256' ? 'PS256' : v.alg === 'HS256' ? 'HS512' : 'ES384';
        // A P-256 key can never serve ES384: that list is a configuration error, refused before any token.
        await rejects(verify(token, key, { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY, algorithms: [other] }), key.allows(other) ? 'ERR_JWS_ALG_NOT_ALLOWED' : 'ERR_CONFIG_INVALID');
      });
    }

    test('rfc7515-A1: the header whitespace is signed as received, typ checked', async () => {
      const v = vector('rfc7515-A1-HS256.json');
      deepEqual(decodeUnverified(v.token!).header, { typ: 'JWT', alg: 'HS256' }, 'header');
      const key = await importKey(v.key!);
      equal((await createVerifier({ issuer: false, audience: false, key, clock: BEFORE_2011_EXPIRY, typ: 'JWT' }).verify(v.token!)).header.typ, 'JWT', 'typ');
      await rejects(createVerifier({ issuer: false, audience: false, key, clock: BEFORE_2011_EXPIRY, typ: 'at+jwt' }).verify(v.token!), 'ERR_JWT_TYPE_INVALID');
    });

    for (const file of PLAIN_TEXT_VECTORS) {
      const v = vector(file);
      const token = v.token!;

      test(`${file}: signature checks out, then refused as not a claims set`, async () => {
        const key = await importKey(v.publicJwk ?? v.key!);
        // MALFORMED (not SIGNATURE_INVALID) proves the signature passed: the payload is parsed only after.
        await rejects(verify(token, key, { issuer: false, audience: false, requireExp: false }), 'ERR_JWT_MALFORMED', tokenParts(token));
        await rejects(verify(tamperSignature(token), key, { issuer: false, audience: false, requireExp: false }), 'ERR_JWS_SIGNATURE_INVALID');
        await rejects(() => decodeUnverified(token), 'ERR_JWT_MALFORMED');
      });
    }

    test('rfc7515-A5 (alg none): refused by every API with every kind of key', async () => {
      const token = vector('rfc7515-A5-unsecured.json').token!;
      const keys: JwtKey[] = [
        await importKey(vector('rfc7515-A1-HS256.json').key!),
        await importKey(vector('rfc7515-A2-RS256.json').publicJwk!),
        await importKey(vector('rfc7515-A3-ES256.json').publicJwk!),
      ];
      for (const key of keys) {
        await rejects(verify(token, key, { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY }), 'ERR_JWS_ALG_NOT_ALLOWED', tokenParts(token));
        await rejects(verify(token, key, { issuer: false, audience: false, requireExp: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
        await rejects(createVerifier({ issuer: false, audience: false, key, clock: BEFORE_2011_EXPIRY, cache: true }).verify(token), 'ERR_JWS_ALG_NOT_ALLOWED');
        await rejects(verify(token, keySet([key]), { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY }), 'ERR_JWS_ALG_NOT_ALLOWED');
        await rejects(verify(token, () => key, { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY }), 'ERR_JWS_ALG_NOT_ALLOWED');
      }
      await rejects(verify(token, keys[0]!, { issuer: false, audience: false, algorithms: ['none' as JwsAlgorithm] }), 'ERR_CONFIG_INVALID');
      await rejects(() => createVerifier({ issuer: false, audience: false, key: keys[0]!, clock: BEFORE_2011_EXPIRY }).verifySync(token), 'ERR_JWS_ALG_NOT_ALLOWED');
      deepEqual(decodeUnverified(token).payload, vector('rfc7515-A5-unsecured.json').expectedPayload, 'decodeUnverified payload');
    });

    test('rfc7797-4.1 (b64: false): refused, even when the caller declares b64', async () => {
      const v = vector('rfc7797-4.1-b64false-HS256.json');
      const flat = v.flattened as { protected: string; payload: string; signature: string };
      const key = await importKey(v.key!);
      const encoded = `${flat.protected}.${b64(flat.payload)}.${flat.signature}`;
      await rejects(verify(encoded, key, { issuer: false, audience: false, requireExp: false }), 'ERR_JWS_CRIT_UNSUPPORTED');
      await rejects(verify(encoded, key, { issuer: false, audience: false, requireExp: false, crit: ['b64'] }), 'ERR_JWS_CRIT_UNSUPPORTED');
      // With its raw payload "$.02" it is not even compact JWS: a fourth segment.
      const raw = `${flat.protected}.${flat.payload}.${flat.signature}`;
      equal(raw.split('.').length, 4, 'segments');
      await rejects(verify(raw, key, { issuer: false, audience: false, requireExp: false, crit: ['b64'] }), 'ERR_JWT_MALFORMED');
    });

    test('rfc7517 A.1-A.3: signing keys import with alg and kid, enc keys and the A128KW key are refused', async () => {
      const sets = vector<JwkSets>('rfc7517-A1-A2-A3-jwks.json');
      for (const jwk of [sets.A1_public.keys[1]!, sets.A2_private.keys[1]!]) {
        const key = await importKey(jwk);
        equal(key.kty, 'RSA', 'kty');
        equal(key.kid, '2011-04-29', 'kid');
        deepEqual(key.algorithms, ['RS256'], 'algorithms');
        equal(key.kind, jwk.d === undefined ? 'public' : 'private', 'kind');
      }
      await rejects(importKey(sets.A1_public.keys[0]!), 'ERR_KEY_INVALID', [sets.A1_public.keys[0]!.x!]);
      await rejects(importKey(sets.A2_private.keys[0]!), 'ERR_KEY_INVALID', [sets.A2_private.keys[0]!.d!]);
      deepEqual((await importKey({ ...sets.A2_private.keys[0]!, use: 'sig' })).algorithms, ['ES256'], 'EC key once use is sig');
      await rejects(importKey(sets.A3_symmetric.keys[0]!), 'ERR_KEY_WEAK', [sets.A3_symmetric.keys[0]!.k!]);
      const hmac = await importKey(sets.A3_symmetric.keys[1]!);
      deepEqual(hmac.algorithms, ['HS256', 'HS384', 'HS512'], 'HMAC algorithms');
      equal((await verify(vector('rfc7515-A1-HS256.json').token!, hmac, { issuer: false, audience: false, clock: BEFORE_2011_EXPIRY })).payload.iss, 'joe', 'iss');
    });

    test('rfc7517 A.2 exports its public half exactly as A.1 publishes it', async () => {
      const sets = vector<JwkSets>('rfc7517-A1-A2-A3-jwks.json');
      const exported = await exportJwk(await importKey(sets.A2_private.keys[1]!));
      const published = sets.A1_public.keys[1]!;
      equal(exported.n, published.n, 'n');
      equal(exported.e, published.e, 'e');
      equal(exported.kid, '2011-04-29', 'kid');
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) ok(!(member in exported), `no ${member}`);
      equal(await jwkThumbprint(exported), sets.thumbprintsSHA256_of_A1['RSA kid=2011-04-29'], 'thumbprint of the exported key');
    });

    test('rfc7638 3.1 and rfc8037 A.3 thumbprints match; a changed key does not', async () => {
      const v = vector<{ key: Jwk; expected: { sha256: string } }>('rfc7638-3.1-thumbprint.json');
      equal(await jwkThumbprint(v.key), v.expected.sha256, 'RFC 7638');
      equal(await jwkThumbprint({ ...v.key, kid: 'anything', alg: 'PS512' }), v.expected.sha256, 'alg and kid ignored');
      ok((await jwkThumbprint({ ...v.key, n: `${v.key.n!.slice(0, -2)}AA` })) !== v.expected.sha256, 'another modulus, another thumbprint');
      const ed = vector('rfc8037-A4-EdDSA-Ed25519.json');
      equal(await jwkThumbprint(ed.publicJwk!), ed.rfc8037_A3_thumbprint_sha256, 'RFC 8037 A.3');
      equal(await jwkThumbprint(await exportJwk(await importKey(ed.key!))), ed.rfc8037_A3_thumbprint_sha256, 'RFC 8037 A.3 from the private key');
      await rejects(jwkThumbprint({ kty: 'RSA', e: 'AQAB' }), 'ERR_KEY_INVALID');
    });
  });
}
