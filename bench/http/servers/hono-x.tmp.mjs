import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { jwt as honoJwt } from 'hono/jwt';
import { createPublicKey, verify as cverify } from 'node:crypto';
import { importKey, secretKey } from '@jwt/core';
import { jwt } from '@jwt/hono';
import { floorVerifier, ready } from './common.mjs';
const variant = process.argv[2];
const config = JSON.parse(process.env.BENCH_CONFIG);
const { alg, issuer, audience } = config;
const claims = config.claims;
const app = new Hono();
const pub = config.publicKeyPem ? createPublicKey(config.publicKeyPem) : undefined;
const asyncVerify = (authorization) => new Promise((resolve) => {
  const token = authorization.slice(7);
  const d1 = token.indexOf('.'), d2 = token.lastIndexOf('.');
  cverify('sha256', Buffer.from(token.slice(0, d2)), { key: pub, dsaEncoding: 'ieee-p1363' }, Buffer.from(token.slice(d2 + 1), 'base64url'), (err, ok) => {
    if (err || !ok) return resolve(undefined);
    resolve(JSON.parse(Buffer.from(token.slice(d1 + 1, d2), 'base64url').toString()));
  });
});
if (variant === 'none') app.get('/me', (c) => c.json(claims));
if (variant === 'floor') { const v = floorVerifier(config); app.get('/me', createMiddleware(async (c, next) => { c.set('jwt', v(c.req.header('Authorization'))); await next(); }), (c) => c.json(c.var.jwt)); }
if (variant === 'floorasync') app.get('/me', createMiddleware(async (c, next) => { c.set('jwt', await asyncVerify(c.req.header('Authorization'))); await next(); }), (c) => c.json(c.var.jwt));
if (variant === 'ours') { const key = alg === 'HS256' ? secretKey(config.secret) : await importKey(config.publicKeyPem, { alg }); app.get('/me', jwt({ key, algorithms: [alg], issuer, audience }), (c) => c.json(c.var.jwt)); }
if (variant === 'cryptokey') {
  const ck = alg === 'HS256' ? await crypto.subtle.importKey('raw', new TextEncoder().encode(config.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
    : await crypto.subtle.importKey('spki', Buffer.from(config.publicKeyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  app.get('/me', honoJwt({ secret: ck, alg, verification: { iss: issuer, aud: audience } }), (c) => c.json(c.get('jwtPayload')));
}
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => ready(info.port, () => new Promise((r) => server.close(() => r()))));
