import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { jwt as honoJwt } from 'hono/jwt';
import * as core from '@jwt/core';
import { jwt } from '@jwt/hono';
import crypto from 'node:crypto';
const secret = crypto.randomBytes(32).toString('base64url');
const key = core.secretKey(secret);
const signer = core.createSigner({ key, alg: 'HS256', issuer: 'i', audience: 'a', expiresIn: 3600, jwtId: true });
const token = signer.signSync({ sub: 'kevin', username: 'kevin', permissions: ['view','comment'] });
const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
const ck = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
const auth = core.createAuthenticator({ key, algorithms: ['HS256'], issuer: 'i', audience: 'a' });
const verifier = core.createVerifier({ key, algorithms: ['HS256'], issuer: 'i', audience: 'a' });
const apps = {
  none: new Hono().get('/me', (c) => c.json(claims)),
  noop: new Hono().get('/me', createMiddleware(async (c, next) => { await next(); }), (c) => c.json(claims)),
  sync: new Hono().get('/me', createMiddleware(async (c, next) => { c.set('jwt', verifier.verifySync(c.req.header('Authorization').slice(7)).payload); await next(); }), (c) => c.json(c.var.jwt)),
  authn: new Hono().get('/me', createMiddleware(async (c, next) => { const o = await auth.authenticate({ authorization: c.req.header('Authorization'), cookie: c.req.header('Cookie') }); c.set('jwt', o.result.payload); await next(); }), (c) => c.json(c.var.jwt)),
  ours: new Hono().get('/me', jwt({ key, algorithms: ['HS256'], issuer: 'i', audience: 'a' }), (c) => c.json(c.var.jwt)),
  peerKey: new Hono().get('/me', honoJwt({ secret: ck, alg: 'HS256', verification: { iss: 'i', aud: 'a' } }), (c) => c.json(c.get('jwtPayload'))),
};
const req = new Request('http://x/me', { headers: { authorization: 'Bearer ' + token } });
async function run(app, n) {
  const s = process.cpuUsage();
  for (let i = 0; i < n; i++) { const r = await app.fetch(req); }
  const d = process.cpuUsage(s); return (d.user + d.system) / n;
}
const res = Object.fromEntries(Object.keys(apps).map((k) => [k, []]));
for (let k = 0; k < 7; k++) for (const [n, a] of Object.entries(apps)) res[n].push(await run(a, 20000));
for (const [n, v] of Object.entries(res)) { v.sort((a, b) => a - b); console.log(n, v[3].toFixed(2), v.map(x=>x.toFixed(1)).join(' ')); }
