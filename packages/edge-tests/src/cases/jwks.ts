/**
 * Remote key sets over this runtime's own `fetch`, from the server the harness runs on 127.0.0.1
 * (test/jwks-server.ts). It publishes the public half of the core's EC P-256 fixture under the kid
 * `edge-ec`; the suite signs with the private half, so nothing but the key set crosses over.
 */
import { Hono } from 'hono';
import { createSigner, discoverJwks, exportJwk, generateKeyPair, importKey, publicKeyOf, remoteJwks, verify, type JwtKey } from '@jwt/core';
import { jwt, type Env } from '@jwt/hono';
import { deepEqual, equal, rejects } from '../assert.js';
import { pem } from '../fixtures.js';
import type { Runner } from '../runner.js';
import { craftJson, future } from '../tokens.js';

/** The kid the harness publishes the fixture key under. */
export const JWKS_KID = 'edge-ec';

export function jwksCases(runner: Runner, base: string): void {
  let made: Promise<JwtKey> | undefined;
  const signingKey = (): Promise<JwtKey> => (made ??= importKey(pem('ec-p256.key.pem'), { kid: JWKS_KID }));
  const signed = async (claims: Record<string, unknown>, key?: JwtKey): Promise<string> =>
    createSigner({ key: key ?? (await signingKey()), issuer: base, audience: 'edge-api', expiresIn: 300 }).sign(claims);

  runner.group('jwks', (test) => {
    test('remoteJwks fetches the set and verifies a token signed by its key', async () => {
      const jwks = remoteJwks(`${base}/jwks.json`);
      equal((await verify(await signed({ sub: 'remote' }), jwks, { issuer: base, audience: 'edge-api' })).payload.sub, 'remote', 'sub');
      equal(jwks.keys.length, 1, 'keys held after the fetch');
      equal(jwks.keys[0]!.kid, JWKS_KID, 'kid held');
    });

    test('an unknown kid finds no key; the right kid with another key fails the signature', async () => {
      const jwks = remoteJwks(`${base}/jwks.json`);
      const other = await generateKeyPair('ES256', { kid: 'unknown-kid' });
      await rejects(verify(await signed({ sub: 'x' }, other.privateKey), jwks, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
      const impostor = await importKey(other.privateKey, { kid: JWKS_KID });
      await rejects(verify(await signed({ sub: 'x' }, impostor), jwks, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
    });

    test('an HS256 token MACed with the published JWK is refused', async () => {
      const jwk = await exportJwk(publicKeyOf(await signingKey()));
      const token = await craftJson({ alg: 'HS256', kid: JWKS_KID }, { sub: 'admin', exp: future() }, JSON.stringify(jwk));
      await rejects(verify(token, remoteJwks(`${base}/jwks.json`), { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
    });

    test('a failing endpoint and a body that is not a key set are refused with their codes', async () => {
      const token = await signed({ sub: 'x' });
      await rejects(verify(token, remoteJwks(`${base}/status/500`), { issuer: false, audience: false }), 'ERR_JWKS_FETCH_FAILED');
      await rejects(verify(token, remoteJwks(`${base}/not-json`), { issuer: false, audience: false }), 'ERR_JWKS_INVALID');
      await rejects(remoteJwks(`${base}/status/404`).refresh(), 'ERR_JWKS_FETCH_FAILED');
    });

    test('discoverJwks reads the issuer document, then the key set', async () => {
      const jwks = discoverJwks(base);
      equal((await verify(await signed({ sub: 'discovered' }), jwks, { audience: false, issuer: base })).payload.sub, 'discovered', 'sub');
      equal(jwks.jwksUri, `${base}/jwks.json`, 'jwks_uri from discovery');
    });

    test('the Hono middleware with a remote key set: 200 with claims, 401 for a foreign key', async () => {
      const app = new Hono<Env>();
      app.get('/me', jwt({ key: remoteJwks(`${base}/jwks.json`), algorithms: ['ES256'], issuer: base, audience: 'edge-api' }), (c) => c.json({ sub: c.var.jwt.sub ?? null }));
      const ok = await app.request('/me', { headers: { Authorization: `Bearer ${await signed({ sub: 'hono-remote' })}` } });
      equal(ok.status, 200, 'status');
      deepEqual(await ok.json(), { sub: 'hono-remote' }, 'body');
      const other = await generateKeyPair('ES256', { kid: JWKS_KID });
      const refused = await app.request('/me', { headers: { Authorization: `Bearer ${await signed({ sub: 'x' }, other.privateKey)}` } });
      equal(refused.status, 401, 'status for a foreign key');
      deepEqual(await refused.json(), { error: 'invalid_token', error_description: 'signature invalid' }, 'body for a foreign key');
    });
  });
}
