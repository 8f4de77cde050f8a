/**
 * The example contract's token routes for a Cloudflare Worker: `GET /health`, `POST /login`,
 * `GET /me` and `GET /admin`, protected by `@jwt/hono` exactly as the Node app (apps/hono-example)
 * protects them, so the same token gets the same answer from both. Nothing here needs Node:
 * WebCrypto signs and verifies, PBKDF2 (WebCrypto) hashes the demo passwords.
 *
 * Revocation (`/logout`, `/password`) is left out: it needs state shared by every isolate (a
 * Durable Object or KV), and an in-memory store would revoke a token in one isolate only.
 */
import { jwt, requirePermissions, secretKey, createSigner, type Env as JwtEnv, type JwtClaims, type Signer } from '@jwt/hono/lite';
// The contract's rules, shared with the Node apps (the Node-free part of @jwt/example-support).
import { MAX_BODY_BYTES, MAX_PASSWORD_LENGTH, parseFields, REALM, TOKEN_COOKIE } from '@jwt/example-support/contract';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { WorkerConfig, WorkerEnv } from './config.js';
import { UserStore } from './users.js';


type Claims = JwtClaims & { sub: string };
export type AppEnv = JwtEnv<Claims> & { Bindings: WorkerEnv };

/** The routes for one configuration. Built once per isolate, on its first request. */
export function createApp(config: WorkerConfig): Hono<AppEnv> {
  const key = secretKey(config.secret, { alg: 'HS256' });
  const signer: Signer = createSigner({
    key,
    issuer: config.issuer,
    audience: config.audience,
    expiresIn: config.ttl,
    jwtId: true,
    // Whole-second `iat` and `exp`, as the Node apps issue them (the default).
  });
  const auth = jwt<Claims>({
    key,
    algorithms: ['HS256'],
    issuer: config.issuer,
    audience: config.audience,
    clockTolerance: config.clockTolerance,
    requiredClaims: ['sub'],
    realm: REALM,
    cookie: TOKEN_COOKIE,
  });
  // Hashing needs crypto, which Workers allow only inside a request: done on the first login.
  let users: Promise<UserStore> | undefined;
  const invalidRequest = (c: Context, status: 400 | 413) => c.json({ error: 'invalid_request' }, status);

  const app = new Hono<AppEnv>();
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.post('/login', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => invalidRequest(c, 413) }), async (c) => {
    const fields = parseFields(await c.req.text(), ['username', 'password']);
    if (fields === undefined) return invalidRequest(c, 400);
    if (fields.password.length > MAX_PASSWORD_LENGTH) return c.json({ error: 'invalid_credentials' }, 401);
    users ??= UserStore.create();
    const user = await (await users).authenticate(fields.username, fields.password);
    if (user === undefined) return c.json({ error: 'invalid_credentials' }, 401);
    const token = await signer.sign({ sub: user.username, username: user.username, permissions: [...user.permissions] });
    return c.json({ token, tokenType: 'Bearer', expiresIn: config.ttl });
  });
  app.get('/me', auth, (c) => c.json({ ...c.var.jwt }));
  app.get('/admin', auth, requirePermissions('admin'), (c) => c.json({ ok: true }));
  app.notFound((c) => c.json({ error: 'not_found' }, 404));
  return app;
}
