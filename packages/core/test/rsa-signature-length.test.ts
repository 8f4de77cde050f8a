/**
 * An RSA signature has exactly the modulus' length. OpenSSL also verifies one whose leading zero
 * byte was dropped, which gives a token a second valid encoding (about 1 signature in 256 starts
 * with a zero byte; a flaky PS256 tampering test found it). Both backends refuse the short form;
 * the full-length signature of the same token verifies.
 */
import { createPrivateKey, generateKeyPairSync, sign as nodeSign, constants } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { importKey, verify, type JwsAlgorithm } from '../src/index.js';
import { b64, BACKENDS, expectJwtError, nowSeconds, onBackend } from './helpers.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }) as string;

/** A token whose signature starts with a zero byte, found by varying `jti`. */
function tokenWithLeadingZero(alg: 'RS256' | 'PS256'): { full: string; short: string } {
  const header = b64(JSON.stringify({ alg, typ: 'JWT' }));
  const key = createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  for (let i = 0; i < 20_000; i++) {
    const input = `${header}.${b64(JSON.stringify({ sub: 'kevin', iss: 'auth', aud: 'api', jti: `j${i}`, exp: nowSeconds() + 600 }))}`;
    const signature = alg === 'RS256'
      ? nodeSign('sha256', Buffer.from(input), key)
      : nodeSign('sha256', Buffer.from(input), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    if (signature[0] === 0) return { full: `${input}.${signature.toString('base64url')}`, short: `${input}.${signature.subarray(1).toString('base64url')}` };
  }
  throw new Error('no signature with a leading zero byte in 20000 tries');
}

const CASES = (['RS256', 'PS256'] as const).map((alg) => [alg, tokenWithLeadingZero(alg)] as const);

describe.each(BACKENDS)('RSA signature length on the %s backend', (backend) => {
  onBackend(backend);

  it.each(CASES)('%s: the full-length signature verifies, the one without its leading zero byte does not', async (alg, { full, short }) => {
    const key = await importKey(PUBLIC_PEM, { alg: alg as JwsAlgorithm });
    const options = { algorithms: [alg as JwsAlgorithm], issuer: 'auth', audience: 'api' };
    expect((await verify(full, key, options)).payload.sub).toBe('kevin');
    await expectJwtError(verify(short, key, options), 'ERR_JWS_SIGNATURE_INVALID');
  });
});
