// Hono on @hono/node-server: GET /me answers the verified claims.
//   none      no authentication, answers the token's claims as a constant
//   ours      @jwt/hono jwt(), claims on c.var.jwt
//   ours-cache  the same with cache: true
//   peer      hono/jwt with the secret string (HS256) or the PEM (ES256), as its docs show it
//   peer-key  hono/jwt with a CryptoKey imported once, its fastest form
//   floor     a hand-written middleware doing the least any verifier must (see common.mjs)
import { serve } from '@hono/node-server';
import { createMiddleware } from 'hono/factory';
import { Hono } from 'hono';
import { jwt as honoJwt } from 'hono/jwt';
import { importKey, secretKey } from '@jwt/core';
import { jwt } from '@jwt/hono';
import { floorVerifier, keyText, readSetup, ready } from './common.mjs';

const { config, variant } = readSetup();
const { alg, issuer, audience } = config;
const app = new Hono();

if (variant === 'none') {
  const claims = config.claims;
  app.get('/me', (c) => c.json(claims));
} else if (variant === 'ours' || variant === 'ours-cache') {
  const key = alg === 'HS256' ? secretKey(config.secret) : await importKey(config.publicKeyPem, { alg });
  app.get('/me', jwt({ key, algorithms: [alg], issuer, audience, cache: variant === 'ours-cache' }), (c) => c.json(c.var.jwt));
} else if (variant === 'floor') {
  const verify = floorVerifier(config);
  const auth = createMiddleware(async (c, next) => {
    const claims = verify(c.req.header('Authorization'));
    if (claims === undefined) return c.json({ error: 'invalid_token' }, 401);
    c.set('jwt', claims);
    await next();
  });
  app.get('/me', auth, (c) => c.json(c.var.jwt));
} else {
  const secret = variant === 'peer' ? keyText(config) : await cryptoKey(config);
  app.get('/me', honoJwt({ secret, alg, verification: { iss: issuer, aud: audience } }), (c) => c.json(c.get('jwtPayload')));
}

async function cryptoKey({ alg, secret, publicKeyPem }) {
  if (alg === 'HS256') {
    return crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  }
  const der = Buffer.from(publicKeyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return crypto.subtle.importKey('spki', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
}

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
  ready(info.port, () => new Promise((resolve) => server.close(() => resolve())));
});
