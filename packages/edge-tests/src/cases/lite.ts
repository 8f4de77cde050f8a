/**
 * `@jwt/core/lite` on every runtime: HS256, ES256 and EdDSA round trips with keys prepared from
 * JWKs (as an edge app holds them), each with its negative twins, and the refusal of raw keys.
 */
import { importKey } from '@jwt/core';
import { createVerifier, exportJwk, generateKeyPair, importJwk, secretKey, sign, verify, type JwtKey } from '@jwt/core/lite';
import { equal, rejects } from '../assert.js';
import { perAlgorithm } from '../fixtures.js';
import type { Runner } from '../runner.js';
import { b64, OTHER_SECRET, SECRET, tamperSignature, unb64Text } from '../tokens.js';

type LiteAlg = 'HS256' | 'ES256' | 'EdDSA';

interface Pair {
  signing: JwtKey;
  verifying: JwtKey;
  stranger: JwtKey;
}

/** Asymmetric keys go through their JWKs, so importJwk() runs on the runtime's backend. */
async function pairFor(alg: LiteAlg): Promise<Pair> {
  if (alg === 'HS256') return { signing: secretKey(SECRET), verifying: await importJwk({ kty: 'oct', k: b64(SECRET) }), stranger: secretKey(OTHER_SECRET) };
  const made = await generateKeyPair(alg);
  const other = await generateKeyPair(alg);
  return {
    signing: await importJwk(await exportJwk(made.privateKey, { includePrivate: true })),
    verifying: await importJwk(await exportJwk(made.publicKey)),
    stranger: other.publicKey,
  };
}

export function liteCases(runner: Runner): void {
  const keys = perAlgorithm(pairFor);

  runner.group('lite', (test) => {
    for (const alg of ['HS256', 'ES256', 'EdDSA'] as const) {
      test(`${alg}: round trip through @jwt/core/lite`, async () => {
        const { signing, verifying } = await keys(alg);
        const token = await sign({ sub: 'alice', permissions: ['view'] }, signing, { expiresIn: 600, issuer: 'edge' });
        const { header, payload } = await verify(token, verifying, { audience: false, algorithms: [alg], issuer: 'edge' });
        equal(header.alg, alg, 'header.alg');
        equal(payload.sub, 'alice', 'sub');
      });

      test(`${alg}: another key, a tampered token or an expired one fail`, async () => {
        const { signing, verifying, stranger } = await keys(alg);
        const token = await sign({ sub: 'alice', role: 'user' }, signing, { expiresIn: 60, clock: () => Date.UTC(2030, 0, 1) });
        const at = { issuer: false, audience: false, clock: () => Date.UTC(2030, 0, 1) + 1000 } as const;
        equal((await verify(token, verifying, at)).payload.sub, 'alice', 'sub before expiry');
        await rejects(verify(token, stranger, at), 'ERR_JWS_SIGNATURE_INVALID');
        const [h, p, s] = token.split('.') as [string, string, string];
        const forged = `${h}.${b64(JSON.stringify({ ...(JSON.parse(unb64Text(p)) as object), role: 'admin' }))}.${s}`;
        await rejects(verify(forged, verifying, at), 'ERR_JWS_SIGNATURE_INVALID');
        await rejects(verify(tamperSignature(token), verifying, at), 'ERR_JWS_SIGNATURE_INVALID');
        await rejects(verify(token, verifying, { issuer: false, audience: false, clock: () => Date.UTC(2030, 0, 1) + 61_000 }), 'ERR_JWT_EXPIRED');
      });
    }

    test('raw key input is refused with ERR_CONFIG_INVALID; a key from the main entry is not', async () => {
      await rejects(() => createVerifier({ issuer: false, audience: false, key: SECRET as unknown as JwtKey }), 'ERR_CONFIG_INVALID');
      await rejects(() => createVerifier({ issuer: false, audience: false, key: new URL('https://issuer.example/jwks.json') as unknown as JwtKey }), 'ERR_CONFIG_INVALID');
      await rejects(sign({ sub: 'x' }, SECRET as unknown as JwtKey, { expiresIn: 60 }), 'ERR_CONFIG_INVALID');
      const mainKey = await importKey(SECRET);
      equal((await verify(await sign({ sub: 'main' }, mainKey, { expiresIn: 60 }), mainKey, { issuer: false, audience: false })).payload.sub, 'main', 'sub');
    });
  });
}
