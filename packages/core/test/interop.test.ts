/**
 * Interoperability with two independent implementations, both ways, for every algorithm each of
 * them shares with us (jsonwebtoken has no EdDSA), on both crypto backends; with the negative
 * twin of each direction (the other side's token under the wrong key).
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import * as jose from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import type { JwsAlgorithm } from '../src/common/algorithms.js';
import { importKey, secretKey, sign, verify, type JwtKey } from '../src/index.js';
import { BACKENDS, expectJwtError, fixture, nowSeconds, onBackend, OTHER_SECRET, SECRET, tokenParts } from './helpers.js';

interface Pems {
  privatePem: string;
  publicPem: string;
}

function pemsOf(privateKey: KeyObject, publicKey: KeyObject): Pems {
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
  };
}

function generated(type: 'rsa' | 'ec' | 'ed25519', namedCurve?: string): Pems {
  const pair =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: namedCurve! })
        : generateKeyPairSync('ed25519');
  return pemsOf(pair.privateKey, pair.publicKey);
}

function fromFixture(name: string): Pems {
  const privatePem = fixture(`${name}.key.pem`);
  // The fixture holds the private key only; its public half is derived, as SPKI PEM.
  return { privatePem, publicPem: createPublicKey(privatePem).export({ format: 'pem', type: 'spki' }) as string };
}

const RSA = fromFixture('rsa-2048');
const RSA_OTHER = generated('rsa');
const EC: Record<string, { right: Pems; wrong: Pems }> = {
  ES256: { right: fromFixture('ec-p256'), wrong: generated('ec', 'prime256v1') },
  ES384: { right: generated('ec', 'secp384r1'), wrong: generated('ec', 'secp384r1') },
  ES512: { right: generated('ec', 'secp521r1'), wrong: generated('ec', 'secp521r1') },
};
const ED = { right: fromFixture('ed25519'), wrong: generated('ed25519') };

const HS_ALGS = ['HS256', 'HS384', 'HS512'] as const;
const ASYM_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

function pemsFor(alg: (typeof ASYM_ALGS)[number]): { right: Pems; wrong: Pems } {
  if (alg.startsWith('RS') || alg.startsWith('PS')) return { right: RSA, wrong: RSA_OTHER };
  if (alg === 'EdDSA') return ED;
  return EC[alg]!;
}

const CLAIMS = { sub: 'alice', iss: 'https://issuer.test', aud: 'api', permissions: ['read', 'write'] };
const CHECKS = { issuer: 'https://issuer.test', audience: 'api' } as const;

interface Side {
  /** Signs CLAIMS (with a 5 minute expiry) with the right or the wrong key. */
  jose(right: boolean): Promise<string>;
  jsonwebtoken(right: boolean): string;
  joseVerify(token: string): Promise<unknown>;
  jsonwebtokenVerify(token: string): unknown;
  ourSigning(right: boolean): Promise<JwtKey>;
  ourVerifying(): Promise<JwtKey>;
}

function hsSide(alg: (typeof HS_ALGS)[number]): Side {
  const bytes = (s: string) => new TextEncoder().encode(s);
  return {
    jose: (right) => new jose.SignJWT(CLAIMS).setProtectedHeader({ alg, typ: 'JWT' }).setIssuedAt().setExpirationTime('5m').sign(bytes(right ? SECRET : OTHER_SECRET)),
    jsonwebtoken: (right) => jsonwebtoken.sign(CLAIMS, right ? SECRET : OTHER_SECRET, { algorithm: alg, expiresIn: '5m' }),
    joseVerify: (token) => jose.jwtVerify(token, bytes(SECRET), { algorithms: [alg], ...CHECKS }),
    jsonwebtokenVerify: (token) => jsonwebtoken.verify(token, SECRET, { algorithms: [alg], ...CHECKS }),
    ourSigning: async (right) => secretKey(right ? SECRET : OTHER_SECRET, { alg }),
    ourVerifying: async () => secretKey(SECRET, { alg }),
  };
}

function asymSide(alg: (typeof ASYM_ALGS)[number]): Side {
  const { right, wrong } = pemsFor(alg);
  return {
    jose: async (ok) =>
      new jose.SignJWT(CLAIMS)
        .setProtectedHeader({ alg, typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(await jose.importPKCS8((ok ? right : wrong).privatePem, alg)),
    jsonwebtoken: (ok) => jsonwebtoken.sign(CLAIMS, (ok ? right : wrong).privatePem, { algorithm: alg as jsonwebtoken.Algorithm, expiresIn: '5m' }),
    joseVerify: async (token) => jose.jwtVerify(token, await jose.importSPKI(right.publicPem, alg), { algorithms: [alg], ...CHECKS }),
    jsonwebtokenVerify: (token) => jsonwebtoken.verify(token, right.publicPem, { algorithms: [alg as jsonwebtoken.Algorithm], ...CHECKS }),
    ourSigning: (ok) => importKey((ok ? right : wrong).privatePem, { alg }),
    ourVerifying: () => importKey(right.publicPem, { alg }),
  };
}

const CASES: [JwsAlgorithm, Side, boolean][] = [
  ...HS_ALGS.map((alg): [JwsAlgorithm, Side, boolean] => [alg, hsSide(alg), true]),
  ...ASYM_ALGS.map((alg): [JwsAlgorithm, Side, boolean] => [alg, asymSide(alg), alg !== 'EdDSA']),
];

describe.each(BACKENDS)('interop on the %s backend', (backend) => {
  onBackend(backend);

  describe.each(CASES)('%s', (alg, side, withJsonwebtoken) => {
    it('our token verifies with jose; signed with the wrong key it does not', async () => {
      const token = await sign(CLAIMS, await side.ourSigning(true), { alg, expiresIn: '5m' });
      const { payload, protectedHeader } = (await side.joseVerify(token)) as jose.JWTVerifyResult;
      expect(payload).toMatchObject(CLAIMS);
      expect(protectedHeader.alg).toBe(alg);
      const forged = await sign(CLAIMS, await side.ourSigning(false), { alg, expiresIn: '5m' });
      await expect(side.joseVerify(forged)).rejects.toBeInstanceOf(jose.errors.JWSSignatureVerificationFailed);
    });

    it('a jose token verifies here; signed with the wrong key it fails with ERR_JWS_SIGNATURE_INVALID', async () => {
      const key = await side.ourVerifying();
      const token = await side.jose(true);
      const { payload, header } = await verify(token, key, CHECKS);
      expect(payload).toMatchObject(CLAIMS);
      expect(payload.exp).toBeGreaterThan(nowSeconds());
      expect(header.alg).toBe(alg);
      const forged = await side.jose(false);
      await expectJwtError(verify(forged, key, CHECKS), 'ERR_JWS_SIGNATURE_INVALID', tokenParts(forged));
    });

    // jsonwebtoken 9 has no EdDSA.
    if (withJsonwebtoken) {
      it('our token verifies with jsonwebtoken; signed with the wrong key it does not', async () => {
        const token = await sign(CLAIMS, await side.ourSigning(true), { alg, expiresIn: '5m' });
        expect(side.jsonwebtokenVerify(token)).toMatchObject(CLAIMS);
        const forged = await sign(CLAIMS, await side.ourSigning(false), { alg, expiresIn: '5m' });
        expect(() => side.jsonwebtokenVerify(forged)).toThrow('invalid signature');
      });

      it('a jsonwebtoken token verifies here; signed with the wrong key it fails', async () => {
        const key = await side.ourVerifying();
        const token = side.jsonwebtoken(true);
        const { payload } = await verify(token, key, CHECKS);
        expect(payload).toMatchObject(CLAIMS);
        expect(typeof payload.iat).toBe('number');
        const forged = side.jsonwebtoken(false);
        await expectJwtError(verify(forged, key, CHECKS), 'ERR_JWS_SIGNATURE_INVALID', tokenParts(forged));
      });
    }

    it('a jose token for another audience or past its expiry is refused here too', async () => {
      const key = await side.ourVerifying();
      const token = await side.jose(true);
      await expectJwtError(verify(token, key, { ...CHECKS, audience: 'other-api' }), 'ERR_JWT_AUDIENCE_INVALID');
      await expectJwtError(verify(token, key, { ...CHECKS, clock: () => Date.now() + 10 * 60_000 }), 'ERR_JWT_EXPIRED');
    });
  });
});
