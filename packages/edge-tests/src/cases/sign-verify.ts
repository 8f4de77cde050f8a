/**
 * Sign and verify with every algorithm, on whatever backend this runtime gives the core. Each
 * round trip has its negative twins: another key, another algorithm, an expired token, a tampered
 * payload, a public key asked to sign.
 */
import {
  JWS_ALGORITHMS,
  createSigner,
  createVerifier,
  exportJwk,
  generateKeyPair,
  importKey,
  keySet,
  publicKeyOf,
  secretKey,
  sign,
  verify,
  type JwsAlgorithm,
  type JwtKey,
} from '@jwt/core';
import { deepEqual, equal, ok, rejects } from '../assert.js';
import { pem, perAlgorithm, vector } from '../fixtures.js';
import type { Runner } from '../runner.js';
import { b64, OTHER_SECRET, SECRET, tamperSignature, tokenParts, unb64, unb64Text } from '../tokens.js';

interface Pair {
  signing: JwtKey;
  verifying: JwtKey;
  /** A key of the same type that did not sign. */
  stranger: JwtKey;
}

const RSA_PEM = 'rsa-2048.key.pem';

const SIGNATURE_BYTES: Record<JwsAlgorithm, number> = {
  HS256: 32, HS384: 48, HS512: 64,
  RS256: 256, RS384: 256, RS512: 256, PS256: 256, PS384: 256, PS512: 256,
  ES256: 64, ES384: 96, ES512: 132, EdDSA: 64,
};

/** Keys per algorithm, made once: RSA from the fixture (generating 2048-bit keys is slow on WebCrypto), the rest generated here. */
async function pairFor(alg: JwsAlgorithm): Promise<Pair> {
  if (alg.startsWith('HS')) return { signing: secretKey(SECRET), verifying: secretKey(SECRET), stranger: secretKey(OTHER_SECRET) };
  if (alg.startsWith('RS') || alg.startsWith('PS')) {
    const signing = await importKey(pem(RSA_PEM), { alg });
    // The RSA key of RFC 7515 A.2: a genuine 2048-bit key that is not the fixture.
    const stranger = await importKey(vector('rfc7515-A2-RS256.json').publicJwk!, { alg });
    return { signing, verifying: publicKeyOf(signing), stranger };
  }
  const { privateKey, publicKey } = await generateKeyPair(alg as Exclude<JwsAlgorithm, 'HS256' | 'HS384' | 'HS512'>);
  const other = await generateKeyPair(alg as Exclude<JwsAlgorithm, 'HS256' | 'HS384' | 'HS512'>);
  return { signing: privateKey, verifying: publicKey, stranger: other.publicKey };
}

export function signVerifyCases(runner: Runner): void {
  const keys = perAlgorithm(pairFor);

  runner.group('sign-verify', (test) => {
    test('covers all 13 JWS algorithms', () => {
      deepEqual([...JWS_ALGORITHMS].sort(), ['ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512'], 'JWS_ALGORITHMS');
    });

    for (const alg of JWS_ALGORITHMS) {
      test(`${alg}: round trip returns the exact claims and header`, async () => {
        const { signing, verifying } = await keys(alg);
        const token = await sign({ sub: 'alice', permissions: ['view'], n: 1.5, nested: { a: [1, 'ü'] } }, signing, { alg, expiresIn: 600, issuer: 'edge', audience: 'api' });
        const { header, payload } = await verify(token, verifying, { algorithms: [alg], issuer: 'edge', audience: 'api' });
        equal(header.alg, alg, 'header.alg');
        equal(header.typ, 'JWT', 'header.typ');
        deepEqual(payload.nested, { a: [1, 'ü'] }, 'nested claim');
        equal(payload.sub, 'alice', 'sub');
        equal(payload.exp! - payload.iat!, 600, 'exp - iat');
        // The signature has the size the algorithm dictates (ECDSA: raw r || s, never DER).
        equal(unb64(token.split('.')[2]!).length, SIGNATURE_BYTES[alg], 'signature bytes');
      });

      test(`${alg}: a key that did not sign fails with ERR_JWS_SIGNATURE_INVALID`, async () => {
        const { signing, stranger } = await keys(alg);
        const token = await sign({ sub: 'alice' }, signing, { alg, expiresIn: 600 });
        await rejects(verify(token, stranger, { issuer: false, audience: false, algorithms: [alg] }), 'ERR_JWS_SIGNATURE_INVALID', tokenParts(token));
      });

      test(`${alg}: a tampered payload or signature fails`, async () => {
        const { signing, verifying } = await keys(alg);
        const token = await sign({ sub: 'alice', role: 'user' }, signing, { alg, expiresIn: 600 });
        const [h, p, s] = token.split('.') as [string, string, string];
        const claims = JSON.parse(unb64Text(p)) as Record<string, unknown>;
        await rejects(verify(`${h}.${b64(JSON.stringify({ ...claims, role: 'admin' }))}.${s}`, verifying, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
        await rejects(verify(tamperSignature(token), verifying, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
      });

      test(`${alg}: refused when the verifier allows another algorithm only`, async () => {
        const { signing, verifying } = await keys(alg);
        const token = await sign({ sub: 'alice' }, signing, { alg, expiresIn: 600 });
        const other: JwsAlgorithm = alg === 'HS256' ? 'HS512' : alg === 'RS256' ? 'PS256' : alg === 'ES256' ? 'ES384' : 'HS256';
        // An algorithm the key can never serve is a configuration error, refused before any token.
        await rejects(verify(token, verifying, { issuer: false, audience: false, algorithms: [other] }), verifying.allows(other) ? 'ERR_JWS_ALG_NOT_ALLOWED' : 'ERR_CONFIG_INVALID');
      });

      test(`${alg}: expired with the clock past exp, accepted just before`, async () => {
        const { signing, verifying } = await keys(alg);
        const issued = Date.UTC(2030, 0, 1);
        const token = await sign({ sub: 'alice' }, signing, { alg, expiresIn: 60, clock: () => issued });
        await rejects(verify(token, verifying, { issuer: false, audience: false, clock: () => issued + 60_000 }), 'ERR_JWT_EXPIRED');
        equal((await verify(token, verifying, { issuer: false, audience: false, clock: () => issued + 59_000 })).payload.sub, 'alice', 'sub before expiry');
      });
    }

    test('a public key cannot sign, for every asymmetric family', async () => {
      for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA'] as const) {
        const { verifying } = await keys(alg);
        await rejects(sign({ sub: 'x' }, verifying, { expiresIn: 60 }), 'ERR_KEY_INVALID');
      }
    });

    test('exported public JWKs import back and verify; the JWK carries no private member', async () => {
      for (const alg of ['RS256', 'ES384', 'EdDSA'] as const) {
        const { signing, verifying } = await keys(alg);
        const jwk = await exportJwk(verifying);
        for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) ok(!(member in jwk), `${alg} JWK has no ${member}`);
        const token = await sign({ sub: alg }, signing, { alg, expiresIn: 60 });
        equal((await verify(token, await importKey(jwk), { issuer: false, audience: false })).payload.sub, alg, `${alg} sub`);
      }
    });

    test('a key set picks the key by kid; an unknown kid finds none', async () => {
      const a = await keys('ES256');
      const b = await keys('EdDSA');
      const set = keySet([a.verifying, b.verifying]);
      equal((await verify(await sign({ sub: 'a' }, a.signing, { expiresIn: 60 }), set, { issuer: false, audience: false })).payload.sub, 'a', 'ES256 via set');
      equal((await verify(await sign({ sub: 'b' }, b.signing, { expiresIn: 60 }), set, { issuer: false, audience: false })).payload.sub, 'b', 'EdDSA via set');
      await rejects(verify(await sign({ sub: 'c' }, a.signing, { expiresIn: 60, kid: 'nobody' }), set, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    });

    test('createSigner and createVerifier (cached) agree, and claim checks apply', async () => {
      const key = secretKey(SECRET, { alg: 'HS256' });
      const signer = createSigner({ key, issuer: 'edge', audience: 'api', expiresIn: 300, jwtId: true });
      const verifier = createVerifier({ key, issuer: 'edge', audience: 'api', cache: true });
      const token = await signer.sign({ sub: 'kevin' });
      equal((await verifier.verify(token)).payload.sub, 'kevin', 'sub');
      // Served from the verifier's cache the second time, with the same answer.
      equal((await verifier.verify(token)).payload.sub, 'kevin', 'cached sub');
      ok(typeof (await verifier.verify(token)).payload.jti === 'string', 'jti set');
      await rejects(createVerifier({ audience: false, key, issuer: 'other' }).verify(token), 'ERR_JWT_ISSUER_INVALID');
      await rejects(createVerifier({ issuer: false, key, audience: 'other' }).verify(token), 'ERR_JWT_AUDIENCE_INVALID');
    });

    test('weak secrets and a JWKS URL as secret are refused at construction', async () => {
      await rejects(() => secretKey('too-short'), 'ERR_KEY_WEAK');
      await rejects(() => secretKey('0123456789abcdef0123456789abcdef', { alg: 'HS512' }), 'ERR_KEY_WEAK');
      await rejects(() => secretKey('https://issuer.example/.well-known/jwks.json-and-more'), 'ERR_KEY_INVALID');
      equal(secretKey('0123456789abcdef0123456789abcdef').algorithms.join(), 'HS256', '32-byte secret serves HS256 only');
    });
  });
}
