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
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { WorkerConfig, WorkerEnv } from './config.js';
import { UserStore } from './users.js';

/** The `realm` of every `WWW-Authenticate` challenge, as in the Node apps. */
export const REALM = 'jwt-example';
/** The cookie a token is read from when there is no Authorization header. */
export const TOKEN_COOKIE = 'access_token';
/** Request bodies larger than this are refused (413) before they are parsed. */
export const MAX_BODY_BYTES = 16 * 1024;
const MAX_PASSWORD_LENGTH = 1024;

type Claims = JwtClaims & { sub: string };
export type AppEnv = JwtEnv<Claims> & { Bindings: WorkerEnv };

/** `{"username","password"}` with both strings, or undefined: the Node apps' rule for /login bodies. */
function credentials(rawBody: string): { username: string; password: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(rawBody);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const username = Object.hasOwn(record, 'username') ? record.username : undefined;
  const password = Object.hasOwn(record, 'password') ? record.password : undefined;
  return typeof username === 'string' && typeof password === 'string' ? { username, password } : undefined;
}

/** The routes for one configuration. Built once per isolate, on its first request. */
export function createApp(config: WorkerConfig): Hono<AppEnv> {
  const key = secretKey(config.secret, { alg: 'HS256' });
  const signer: Signer = createSigner({
    key,
    issuer: config.issuer,
    audience: config.audience,
    expiresIn: config.ttl,
    jwtId: true,
    // Millisecond `iat`, as the Node apps issue them.
    timestamp: 'ms',
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
    const fields = credentials(await c.req.text());
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
