/**
 * apps/hono-worker-example under workerd against apps/hono-example on Node, both started the way
 * their READMEs say (`node scripts/serve.mjs`, `node dist/main.js`) with the same secret: every
 * request below must get the same status, JSON body and `WWW-Authenticate` from both, and a token
 * issued by either app must be accepted by the other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { secretKey, sign } from '@jwt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SECRET = 'edge-worker-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF';
const OTHER_SECRET = 'edge-worker-other-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG';
const ISSUER = 'jwt-example';
const AUDIENCE = 'jwt-example-api';

const require = createRequire(import.meta.url);
const appDir = (name: string): string => dirname(require.resolve(`${name}/package.json`));

interface Server {
  url: string;
  stop(): Promise<void>;
  output(): string;
}

/** Starts a process that prints `listening on http://HOST:PORT`, as every example app does. */
function start(script: string, env: Record<string, string>): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: '0', JWT_SECRET: SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${script} did not start within 20 s:\n${output}`));
    }, 20_000);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${script} exited before listening:\n${output}`));
    });
    child.stdout!.on('data', () => {
      const m = /^listening on (http:\/\/\S+)$/m.exec(output);
      if (!m) return;
      clearTimeout(timer);
      resolve({ url: m[1]!, stop, output: () => output });
    });
  });
}

interface Answer {
  status: number;
  body: unknown;
  challenge: string | null;
  contentType: string | null;
}

async function ask(server: Server, path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Compared as text.
  }
  return { status: res.status, body, challenge: res.headers.get('www-authenticate'), contentType: res.headers.get('content-type') };
}

const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });
const json = (body: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body });
const now = (): number => Math.floor(Date.now() / 1000);

let node: Server;
let worker: Server;

beforeAll(async () => {
  [node, worker] = await Promise.all([
    start(join(appDir('hono-example'), 'dist', 'main.js'), {}),
    start(join(appDir('hono-worker-example'), 'scripts', 'serve.mjs'), {}),
  ]);
}, 30_000);

afterAll(async () => {
  await Promise.all([node?.stop(), worker?.stop()]);
});

const key = secretKey(SECRET, { alg: 'HS256' });
const claimsOf = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  sub: 'kevin',
  username: 'kevin',
  permissions: ['view', 'comment'],
  jti: 'edge-worker-test-jti',
  ...extra,
});
const issue = (extra: Record<string, unknown> = {}, options: { secret?: string; alg?: 'HS256' | 'HS384' } = {}): Promise<string> =>
  sign(claimsOf(extra), options.secret === undefined && options.alg === undefined ? key : secretKey(options.secret ?? SECRET), { alg: options.alg ?? 'HS256', issuer: ISSUER, audience: AUDIENCE, expiresIn: 300 });

/** [name, path, request] triples whose answers must be identical on both apps. */
const cases: [string, string, () => Promise<RequestInit>][] = [
  ['health', '/health', async () => ({})],
  ['/me without a token (401 missing_token)', '/me', async () => ({})],
  ['/me with a valid token (200, the claims)', '/me', async () => bearer(await issue())],
  ['/me with the token in the access_token cookie', '/me', async () => ({ headers: { cookie: `access_token=${await issue()}` } })],
  ['/me with a malformed token', '/me', async () => bearer('abc.def.ghi')],
  ['/me with a Basic Authorization header', '/me', async () => ({ headers: { authorization: 'Basic a2V2aW46a2V2aW4tcGFzc3dvcmQ=' } })],
  ['/me with an expired token', '/me', async () => bearer(await sign(claimsOf(), key, { issuer: ISSUER, audience: AUDIENCE, expiresIn: 60, clock: () => (now() - 3600) * 1000 }))],
  ['/me with a token signed by another secret', '/me', async () => bearer(await issue({}, { secret: OTHER_SECRET }))],
  ['/me with another issuer', '/me', async () => bearer(await sign(claimsOf(), key, { issuer: 'someone-else', audience: AUDIENCE, expiresIn: 300 }))],
  ['/me with HS384 (not the configured algorithm)', '/me', async () => bearer(await issue({}, { alg: 'HS384' }))],
  ['/me with alg none', '/me', async () => bearer(`${btoa('{"alg":"none"}').replace(/=+$/, '')}.${btoa(JSON.stringify({ sub: 'admin', exp: now() + 60 })).replace(/=+$/, '')}.`)],
  ['/me without sub', '/me', async () => bearer(await issue({ sub: undefined }))],
  ['/me with a 10 kB token', '/me', async () => bearer('a'.repeat(10_000))],
  ['/admin for kevin (403 insufficient_scope)', '/admin', async () => bearer(await issue())],
  ['/admin for admin (200)', '/admin', async () => bearer(await issue({ sub: 'admin', username: 'admin', permissions: ['admin', 'view'] }))],
  ['/admin without a token', '/admin', async () => ({})],
  ['/login with a wrong password', '/login', async () => json('{"username":"kevin","password":"nope"}')],
  ['/login for an unknown user', '/login', async () => json('{"username":"mallory","password":"kevin-password"}')],
  ['/login with a body that is not JSON', '/login', async () => json('{"username":')],
  ['/login with a missing field', '/login', async () => json('{"username":"kevin"}')],
  ['/login with a body over 16 KiB', '/login', async () => json(JSON.stringify({ username: 'kevin', password: 'x'.repeat(20_000) }))],
  ['an unknown route', '/nowhere', async () => ({})],
];

describe('the Worker answers like the Node app', () => {
  it.each(cases)('%s', async (_name, path, init) => {
    const request = await init();
    const [fromNode, fromWorker] = await Promise.all([ask(node, path, request), ask(worker, path, request)]);
    expect(fromWorker).toEqual(fromNode);
  });

  it('the answers above are not all alike (the comparison can fail)', async () => {
    const ok = await ask(worker, '/me', bearer(await issue()));
    const refused = await ask(worker, '/me', bearer(await issue({}, { secret: OTHER_SECRET })));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ sub: 'kevin', permissions: ['view', 'comment'], iss: ISSUER, aud: AUDIENCE });
    expect(refused).toEqual({
      status: 401,
      body: { error: 'invalid_token', error_description: 'signature invalid' },
      challenge: 'Bearer realm="jwt-example", error="invalid_token", error_description="signature invalid"',
      contentType: 'application/json',
    });
  });
});

describe('tokens cross over', () => {
  it.each([
    { username: 'kevin', password: 'kevin-password', adminStatus: 403 },
    { username: 'admin', password: 'admin-password', adminStatus: 200 },
  ])('a token from either app for $username is accepted by the other (/me 200, /admin $adminStatus)', async ({ username, password, adminStatus }) => {
    for (const [issuer, verifier] of [[node, worker], [worker, node]] as const) {
      const login = await ask(issuer, '/login', json(JSON.stringify({ username, password })));
      expect(login.status).toBe(200);
      const { token, tokenType, expiresIn } = login.body as { token: string; tokenType: string; expiresIn: number };
      expect({ tokenType, expiresIn }).toEqual({ tokenType: 'Bearer', expiresIn: 900 });
      const me = await ask(verifier, '/me', bearer(token));
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ sub: username, username, iss: ISSUER, aud: AUDIENCE });
      // Both apps answer /me for this token with the same claims.
      expect((await ask(issuer, '/me', bearer(token))).body).toEqual(me.body);
      expect((await ask(verifier, '/admin', bearer(token))).status).toBe(adminStatus);
    }
  });

  it('a Worker started with another secret refuses the tokens of both', async () => {
    const other = await start(join(appDir('hono-worker-example'), 'scripts', 'serve.mjs'), { JWT_SECRET: OTHER_SECRET });
    try {
      const token = await issue();
      const answer = await ask(other, '/me', bearer(token));
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ error: 'invalid_token', error_description: 'signature invalid' });
    } finally {
      await other.stop();
    }
  });
});

describe('the Worker without a usable secret', () => {
  it('refuses to start locally with a short JWT_SECRET, naming the variable', async () => {
    await expect(start(join(appDir('hono-worker-example'), 'scripts', 'serve.mjs'), { JWT_SECRET: 'short' })).rejects.toThrow(/JWT_SECRET is too short/);
  });
});
