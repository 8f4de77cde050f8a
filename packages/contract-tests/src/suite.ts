/**
 * The black-box suite for `../shared/EXAMPLE_APPS.md`. It knows nothing of the framework: it starts
 * the app as a process and checks every row of the contract over HTTP, byte for byte where the
 * contract says so.
 */
import { createServer, type AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET, spawnApp, startApp, type RunningApp } from './app.js';
import { bearer, rawRequest, request, type RawReply, type Reply, type RequestOptions } from './http.js';
import {
  AUDIENCE,
  ISSUER,
  OTHER_SECRET,
  b64,
  craft,
  craftJson,
  decode,
  goodClaims,
  joseToken,
  nowSeconds,
  prng,
  rsaToken,
  tokenParts,
} from './tokens.js';

export interface ContractSuiteOptions {
  /** The app's package name, a devDependency of this package: `hono-example`, `koa-example`, ... */
  app: string;
}

const REALM = 'jwt-example';
const JSON_TYPE = /^application\/json\b/;
const KEVIN = { username: 'kevin', password: 'kevin-password' };
const ADMIN = { username: 'admin', password: 'admin-password' };
const PROTECTED: readonly { method: string; path: string }[] = [
  { method: 'GET', path: '/me' },
  { method: 'GET', path: '/admin' },
  { method: 'POST', path: '/logout' },
  { method: 'POST', path: '/password' },
];

const secretBytes = new TextEncoder().encode(TEST_SECRET);

function expectJson(reply: Reply, status: number, body: unknown): void {
  expect({ status: reply.status, text: reply.text }).toEqual({ status, text: JSON.stringify(body) });
  expect(reply.headers.get('content-type')).toMatch(JSON_TYPE);
}

function expectMissingToken(reply: Reply): void {
  expectJson(reply, 401, { error: 'missing_token' });
  expect(reply.headers.get('www-authenticate')).toBe(`Bearer realm="${REALM}"`);
}

/** 401 invalid_token with exactly this description, and no piece of the token in the answer. */
function expectInvalidToken(reply: Reply, description: string, token?: string): void {
  expectJson(reply, 401, { error: 'invalid_token', error_description: description });
  expect(reply.headers.get('www-authenticate')).toBe(`Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`);
  if (token !== undefined) expectNoEcho(reply, token);
}

/** The same check on a raw-socket reply: status line, challenge header and body. */
function expectRawInvalidToken(reply: RawReply, description: string, token?: string): void {
  expect(reply.status).toBe(401);
  const [head = '', ...rest] = reply.raw.split('\r\n\r\n');
  expect(head).toMatch(new RegExp(`^www-authenticate: Bearer realm="${REALM}", error="invalid_token", error_description="${description}"\\r?$`, 'im'));
  expect(rest.join('\r\n\r\n').endsWith(JSON.stringify({ error: 'invalid_token', error_description: description }))).toBe(true);
  if (token !== undefined) for (const part of tokenParts(token)) expect(reply.raw.includes(part), 'the answer echoes part of the token').toBe(false);
}

function expectNoEcho(reply: Reply, token: string): void {
  const shown = `${reply.text}\n${reply.headers.get('www-authenticate') ?? ''}`;
  for (const part of tokenParts(token)) expect(shown.includes(part), 'the answer echoes part of the token').toBe(false);
}

function jsonBody(body: string, headers: Record<string, string> = {}): RequestOptions {
  return { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body };
}

/** Binds the helpers to one running app. */
function client(getApp: () => RunningApp) {
  const call = (path: string, options?: RequestOptions): Promise<Reply> => request(getApp().url, path, options);
  const login = async (user: { username: string; password: string }): Promise<string> => {
    const reply = await call('/login', jsonBody(JSON.stringify(user)));
    expect(reply.status, reply.text).toBe(200);
    return (JSON.parse(reply.text) as { token: string }).token;
  };
  const me = (token: string, headers: Record<string, string> = {}): Promise<Reply> => call('/me', { headers: { ...bearer(token), ...headers } });
  return { call, login, me };
}

/**
 * Registers the whole contract suite for one app.
 * @example runContractSuite({ app: 'hono-example' })
 */
export function runContractSuite(options: ContractSuiteOptions): void {
  const { app: appName } = options;

  describe(`${appName}: the HTTP contract`, () => {
    let app: RunningApp;
    const { call, login, me } = client(() => app);

    beforeAll(async () => {
      app = await startApp({ app: appName });
    });
    afterAll(async () => {
      await app?.stop('SIGKILL');
    });

    describe('starting', () => {
      it('prints one listening line with the real address, and serves on it', async () => {
        const lines = app.stdout().split('\n').filter((l) => l.startsWith('listening on '));
        expect(lines).toEqual([`listening on ${app.url}`]);
        expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
        expect((await call('/health')).status).toBe(200);
      });

      it('does not warn about the secret when JWT_SECRET is set', () => {
        expect(app.stderr()).not.toMatch(/JWT_SECRET/);
      });
    });

    describe('GET /health', () => {
      it('answers 200 {"status":"ok"} without a token', async () => {
        expectJson(await call('/health'), 200, { status: 'ok' });
      });

      it('ignores a bad token: health needs no auth', async () => {
        expectJson(await call('/health', { headers: { Authorization: 'Basic Zm9vOmJhcg==' } }), 200, { status: 'ok' });
      });
    });

    describe('POST /login', () => {
      it('issues a Bearer token with the contract header and claims', async () => {
        const reply = await call('/login', jsonBody(JSON.stringify(KEVIN)));
        expect(reply.status).toBe(200);
        expect(reply.headers.get('content-type')).toMatch(JSON_TYPE);
        const body = JSON.parse(reply.text) as { token: string; tokenType: string; expiresIn: number; refreshToken: string };
        expect(Object.keys(body)).toEqual(['token', 'tokenType', 'expiresIn', 'refreshToken', 'refreshExpiresIn']);
        expect(reply.text).toBe(JSON.stringify({ token: body.token, tokenType: 'Bearer', expiresIn: 900, refreshToken: body.refreshToken, refreshExpiresIn: 1_209_600 }));
        const { header, payload } = decode(body.token);
        expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
        expect(payload).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: 'kevin', username: 'kevin', permissions: ['view', 'comment'] });
        const { iat, exp, jti } = payload as { iat: number; exp: number; jti: string };
        expect(Math.abs(iat - Date.now() / 1000)).toBeLessThan(60);
        // Whole seconds, and exactly the announced lifetime.
        expect(Number.isInteger(iat), `iat ${iat}`).toBe(true);
        expect(Number.isInteger(exp), `exp ${exp}`).toBe(true);
        expect(exp - iat).toBe(900);
        // At least 128 random bits: 22 base64url characters, or 32 hex digits.
        expect(typeof jti).toBe('string');
        expect(jti.length).toBeGreaterThanOrEqual(22);
      });

      it('issues tokens an independent implementation (jose) verifies with the same secret, and only with it', async () => {
        const token = await login(ADMIN);
        const { payload } = await jwtVerify(token, secretBytes, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
        expect(payload.sub).toBe('admin');
        expect(payload.permissions).toEqual(['admin', 'view']);
        await expect(jwtVerify(token, new TextEncoder().encode(OTHER_SECRET))).rejects.toThrow();
      });

      it('gives every token its own jti', async () => {
        const ids = new Set<unknown>();
        for (let i = 0; i < 3; i++) ids.add(decode(await login(KEVIN)).payload.jti);
        expect(ids.size).toBe(3);
      });

      it.each([
        ['a wrong password', { username: 'kevin', password: 'admin-password' }],
        ['an unknown user', { username: 'mallory', password: 'kevin-password' }],
        ['an empty password', { username: 'kevin', password: '' }],
        ['an empty username', { username: '', password: 'kevin-password' }],
        ['a username in another case', { username: 'Kevin', password: 'kevin-password' }],
      ])('answers 401 invalid_credentials for %s', async (_, user) => {
        expectJson(await call('/login', jsonBody(JSON.stringify(user))), 401, { error: 'invalid_credentials' });
      });

      it.each([
        ['not JSON', 'username=kevin&password=kevin-password'],
        ['truncated JSON', '{"username":"kevin","password":"kevin-pass'],
        ['an empty body', ''],
        ['JSON null', 'null'],
        ['a JSON array', '[{"username":"kevin","password":"kevin-password"}]'],
        ['a JSON string', '"kevin"'],
        ['an empty object', '{}'],
        ['no password', '{"username":"kevin"}'],
        ['no username', '{"password":"kevin-password"}'],
        ['a numeric password', '{"username":"kevin","password":12345}'],
        ['a null username', '{"username":null,"password":"kevin-password"}'],
        ['an array username', '{"username":["kevin"],"password":"kevin-password"}'],
        ['an object password', '{"username":"kevin","password":{"$ne":""}}'],
        ['fields only on the prototype', '{"__proto__":{"username":"kevin","password":"kevin-password"}}'],
        ['deeply nested JSON', `${'['.repeat(5000)}${']'.repeat(5000)}`],
      ])('answers 400 invalid_request for %s', async (_, body) => {
        expectJson(await call('/login', jsonBody(body)), 400, { error: 'invalid_request' });
      });

      it('answers 400 invalid_request for bytes that are not UTF-8 JSON', async () => {
        const bytes = Buffer.concat([Buffer.from('POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nConnection: close\r\n\r\n'), Buffer.from([0xff, 0xfe, 0x00, 0x7b])]);
        const reply = await rawRequest(app.url, bytes);
        expect(reply.status).toBe(400);
        expect(reply.raw.endsWith('{"error":"invalid_request"}')).toBe(true);
      });

      it.each([
        ['text/plain', 'text/plain'],
        ['text/plain with a charset', 'text/plain;charset=UTF-8'],
        ['a form', 'application/x-www-form-urlencoded'],
        ['multipart', 'multipart/form-data; boundary=x'],
        ['text/json', 'text/json'],
        ['a JSON-like type', 'application/jsonp'],
        ['two types', 'application/json, text/plain'],
      ])('answers 415 unsupported_media_type to a JSON body sent as %s, and issues no token', async (_, type) => {
        expectJson(await call('/login', { method: 'POST', headers: { 'Content-Type': type }, body: JSON.stringify(KEVIN) }), 415, { error: 'unsupported_media_type' });
      });

      it('answers 415 to a body without any Content-Type', async () => {
        // fetch would add text/plain by itself: a raw request sends no Content-Type at all.
        const body = JSON.stringify(KEVIN);
        const reply = await rawRequest(app.url, `POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
        expect(reply.status).toBe(415);
        expect(reply.raw.endsWith('{"error":"unsupported_media_type"}')).toBe(true);
      });

      it.each(['application/json; charset=utf-8', 'Application/JSON', 'APPLICATION/JSON;charset=UTF-8'])('accepts the JSON media type written %j', async (type) => {
        expect((await call('/login', { method: 'POST', headers: { 'Content-Type': type }, body: JSON.stringify(KEVIN) })).status).toBe(200);
      });

      it('answers a POST without a body 400 invalid_request whatever its Content-Type: there is no JSON to refuse the type of', async () => {
        for (const type of ['text/plain', 'application/json']) {
          const reply = await rawRequest(app.url, `POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
          expect(reply.status, type).toBe(400);
          expect(reply.raw.endsWith('{"error":"invalid_request"}')).toBe(true);
        }
      });

      it('accepts extra fields next to valid credentials', async () => {
        expect((await call('/login', jsonBody(JSON.stringify({ ...KEVIN, remember: true })))).status).toBe(200);
      });

      it('refuses a body over the size limit with 413 invalid_request, never 500', async () => {
        // A raw connection: fetch would pool the socket the server closes after refusing the upload.
        const body = JSON.stringify({ ...KEVIN, padding: 'x'.repeat(64 * 1024) });
        const reply = await rawRequest(app.url, `POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
        expect(reply.status).toBe(413);
        expect(reply.raw.endsWith('{"error":"invalid_request"}')).toBe(true);
      });

      it('refuses an oversized chunked body (no Content-Length) with 413', async () => {
        const chunk = 'x'.repeat(4096);
        const chunks = Array.from({ length: 8 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('');
        const reply = await rawRequest(app.url, `POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunks}0\r\n\r\n`);
        expect(reply.status).toBe(413);
      });
    });

    describe('GET /me', () => {
      it('answers 200 with the verified claims', async () => {
        const token = await login(KEVIN);
        const reply = await me(token);
        expect(reply.status).toBe(200);
        expect(reply.headers.get('content-type')).toMatch(JSON_TYPE);
        const claims = JSON.parse(reply.text) as Record<string, unknown>;
        expect(claims).toEqual(decode(token).payload);
        for (const name of ['sub', 'username', 'permissions', 'iat', 'exp', 'iss', 'aud', 'jti']) expect(claims).toHaveProperty(name);
      });

      it('accepts a token signed by jose with the same secret, and not one signed with another secret', async () => {
        const claims = goodClaims({ sub: 'jose-user', permissions: ['view'] });
        const reply = await me(await joseToken(claims));
        expect(reply.status).toBe(200);
        expect(JSON.parse(reply.text)).toEqual(claims);
        const forged = await joseToken(claims, { secret: OTHER_SECRET });
        expectInvalidToken(await me(forged), 'signature invalid', forged);
      });

      it('accepts an aud array that contains the audience, and refuses one that does not', async () => {
        expect((await me(await joseToken(goodClaims({ aud: ['other-api', AUDIENCE] }))))).toMatchObject({ status: 200 });
        const token = await joseToken(goodClaims({ aud: ['other-api', 'third-api'] }));
        expectInvalidToken(await me(token), 'audience invalid', token);
      });

      it('accepts a token without iat or nbf (they are checked only when present)', async () => {
        const claims = goodClaims();
        delete claims.iat;
        expect((await me(await joseToken(claims))).status).toBe(200);
        expect((await me(await joseToken(goodClaims({ nbf: nowSeconds() - 10 })))).status).toBe(200);
      });

      it('accepts a token that expired within the clock tolerance (5 s)', async () => {
        expect((await me(await joseToken(goodClaims({ exp: nowSeconds() - 1 })))).status).toBe(200);
      });
    });

    describe('GET /admin', () => {
      it('answers 200 {"ok":true} for a token with the admin permission', async () => {
        expectJson(await call('/admin', { headers: bearer(await login(ADMIN)) }), 200, { ok: true });
      });

      it('answers 403 insufficient_scope with the exact challenge for a valid token without it', async () => {
        const reply = await call('/admin', { headers: bearer(await login(KEVIN)) });
        expectJson(reply, 403, { error: 'insufficient_scope' });
        expect(reply.headers.get('www-authenticate')).toBe(`Bearer realm="${REALM}", error="insufficient_scope"`);
      });

      it('reads permissions from jose-signed tokens the same way', async () => {
        expect((await call('/admin', { headers: bearer(await joseToken(goodClaims({ permissions: ['admin'] }))) })).status).toBe(200);
        expect((await call('/admin', { headers: bearer(await joseToken(goodClaims({ permissions: ['administrator'] }))) })).status).toBe(403);
        expect((await call('/admin', { headers: bearer(await joseToken(goodClaims({ permissions: undefined }))) })).status).toBe(403);
      });

      it('checks the token before the permission: an invalid admin token is 401, not 403', async () => {
        const token = await joseToken(goodClaims({ permissions: ['admin'], exp: nowSeconds() - 60 }));
        expectInvalidToken(await call('/admin', { headers: bearer(token) }), 'token expired', token);
      });
    });

    describe('POST /logout', () => {
      it('answers 204, then refuses that token with 401 token revoked, and only that token', async () => {
        const token = await login(KEVIN);
        const other = await login(KEVIN);
        expect((await me(token)).status).toBe(200);
        const reply = await call('/logout', { method: 'POST', headers: bearer(token) });
        expect(reply.status).toBe(204);
        expect(reply.text).toBe('');
        expectInvalidToken(await me(token), 'token revoked', token);
        expectInvalidToken(await call('/logout', { method: 'POST', headers: bearer(token) }), 'token revoked', token);
        expectInvalidToken(await call('/me', { headers: { Cookie: `access_token=${token}` } }), 'token revoked', token);
        expect((await me(other)).status).toBe(200);
      });

      it('revokes a jose-signed token by its jti as well', async () => {
        const token = await joseToken(goodClaims());
        expect((await call('/logout', { method: 'POST', headers: bearer(token) })).status).toBe(204);
        expectInvalidToken(await me(token), 'token revoked', token);
      });
    });

    describe('missing token', () => {
      it.each(PROTECTED)('$method $path answers 401 missing_token with a bare challenge', async ({ method, path }) => {
        expectMissingToken(await call(path, { method, ...(method === 'POST' ? { body: '{}', headers: { 'Content-Type': 'application/json' } } : {}) }));
      });

      it('treats a cookie with another name as no token', async () => {
        expectMissingToken(await call('/me', { headers: { Cookie: `token=${await login(KEVIN)}; session=abc` } }));
      });

      it('treats an empty access_token cookie as no token', async () => {
        expectMissingToken(await call('/me', { headers: { Cookie: 'access_token=' } }));
      });
    });

    describe('Authorization header', () => {
      it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('accepts the scheme spelled %s', async (scheme) => {
        expect((await call('/me', { headers: { Authorization: `${scheme} ${await login(KEVIN)}` } })).status).toBe(200);
      });

      it.each([
        ['Basic credentials', () => `Basic ${b64('kevin:kevin-password')}`],
        ['the scheme alone', () => 'Bearer'],
        ['two tokens', (t: string) => `Bearer ${t} ${t}`],
        ['two Bearer credentials', (t: string) => `Bearer ${t}, Bearer ${t}`],
        ['a token without a scheme', (t: string) => t],
        ['another scheme', (t: string) => `Token ${t}`],
        ['a scheme glued to the token', (t: string) => `Bearer:${t}`],
        ['characters outside token68', (t: string) => `Bearer ${t}!`],
      ])('refuses %s with 401 invalid_token', async (_, make) => {
        const token = await login(KEVIN);
        expectInvalidToken(await call('/me', { headers: { Authorization: make(token) } }), 'authorization header invalid', token);
      });

      it('refuses an empty Authorization header with 401 invalid_token, even next to a valid cookie', async () => {
        const token = await login(KEVIN);
        expectRawInvalidToken(await rawRequest(app.url, 'GET /me HTTP/1.1\r\nHost: x\r\nAuthorization:\r\nConnection: close\r\n\r\n'), 'authorization header invalid');
        const reply = await rawRequest(app.url, `GET /me HTTP/1.1\r\nHost: x\r\nAuthorization:\r\nCookie: access_token=${token}\r\nConnection: close\r\n\r\n`);
        expectRawInvalidToken(reply, 'authorization header invalid', token);
        expect((await call('/me', { headers: { Cookie: `access_token=${token}` } })).status).toBe(200);
      });

      it('refuses a repeated Authorization header, even when the first one is a valid Bearer token', async () => {
        const token = await login(KEVIN);
        const reply = await rawRequest(app.url, `GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nAuthorization: Basic Zm9vOmJhcg==\r\nConnection: close\r\n\r\n`);
        expectRawInvalidToken(reply, 'authorization header invalid', token);
        const twice = await rawRequest(app.url, `GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
        expectRawInvalidToken(twice, 'authorization header invalid', token);
        expect((await rawRequest(app.url, `GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`)).status).toBe(200);
      });

      it('does not fall back to a second Authorization header', async () => {
        const token = await login(KEVIN);
        const reply = await rawRequest(app.url, `GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Basic Zm9vOmJhcg==\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
        expect(reply.status).toBe(401);
        expect(reply.raw.includes(token.split('.')[2]!)).toBe(false);
      });
    });

    describe('access_token cookie', () => {
      it('is read when there is no Authorization header', async () => {
        const token = await login(KEVIN);
        expect((await call('/me', { headers: { Cookie: `access_token=${token}` } })).status).toBe(200);
        expect((await call('/me', { headers: { Cookie: `theme=dark; access_token=${token}; lang=en` } })).status).toBe(200);
      });

      it('is refused like any token when invalid', async () => {
        const token = await joseToken(goodClaims(), { secret: OTHER_SECRET });
        expectInvalidToken(await call('/me', { headers: { Cookie: `access_token=${token}` } }), 'signature invalid', token);
      });

      it('is ignored when an Authorization header is present, valid or not', async () => {
        const token = await login(KEVIN);
        expect((await call('/me', { headers: { ...bearer(token), Cookie: 'access_token=garbage' } })).status).toBe(200);
        expectInvalidToken(await call('/me', { headers: { Authorization: 'Basic Zm9vOmJhcg==', Cookie: `access_token=${token}` } }), 'authorization header invalid', token);
      });

      it('survives malformed cookie headers with a 4xx', async () => {
        for (const cookie of ['access_token=%E0%A4%A', 'access_token', ';;;=;', 'access_token="', `access_token=${'a.'.repeat(3000)}`]) {
          const reply = await call('/me', { headers: { Cookie: cookie } });
          expect(reply.status, cookie.slice(0, 40)).toBe(401);
        }
      });
    });

    describe('cookies on cross-site requests', () => {
      const logout = (headers: Record<string, string>): Promise<Reply> => call('/logout', { method: 'POST', headers });

      it.each(['cross-site', 'same-site'])('refuses a cookie token on a POST marked Sec-Fetch-Site: %s, and leaves the token alone', async (site) => {
        const token = await login(KEVIN);
        expectInvalidToken(await logout({ Cookie: `access_token=${token}`, 'Sec-Fetch-Site': site }), 'cross-site request refused', token);
        // The refused logout did not run: the token still works.
        expect((await me(token)).status).toBe(200);
      });

      it('accepts a cookie token on a POST marked Sec-Fetch-Site: same-origin or none, and on a cross-site GET', async () => {
        const token = await login(KEVIN);
        expect((await call('/me', { headers: { Cookie: `access_token=${token}`, 'Sec-Fetch-Site': 'cross-site' } })).status).toBe(200);
        expect((await call('/me', { headers: { Cookie: `access_token=${token}`, Origin: 'https://evil.example' } })).status).toBe(200);
        expect((await logout({ Cookie: `access_token=${token}`, 'Sec-Fetch-Site': 'same-origin' })).status).toBe(204);
        expectInvalidToken(await me(token), 'token revoked', token);
        const other = await login(KEVIN);
        expect((await logout({ Cookie: `access_token=${other}`, 'Sec-Fetch-Site': 'none' })).status).toBe(204);
        expectInvalidToken(await me(other), 'token revoked', other);
      });

      it('without Sec-Fetch-Site, accepts a cookie token on a bodyless POST whose Origin names the Host', async () => {
        const token = await login(KEVIN);
        // The app's own origin: what a browser sends from a page of this host and port.
        expect((await logout({ Cookie: `access_token=${token}`, Origin: app.url })).status).toBe(204);
        expectInvalidToken(await me(token), 'token revoked', token);
      });

      it.each([
        ['no Origin at all', {}],
        ['a foreign Origin', { Origin: 'https://evil.example' }],
        ['the Host on another port', { Origin: 'http://127.0.0.1:1' }],
        ['the Host under another scheme', { Origin: 'https://127.0.0.1' }],
        ['Origin: null', { Origin: 'null' }],
        ['a malformed Origin', { Origin: '127.0.0.1' }],
        ['an Origin with a path', { Origin: 'http://127.0.0.1/x' }],
      ] as [string, Record<string, string>][])('without Sec-Fetch-Site, refuses a cookie token on a POST with %s, and leaves the token alone', async (_, headers) => {
        const token = await login(KEVIN);
        expectInvalidToken(await logout({ Cookie: `access_token=${token}`, ...headers }), 'cross-site request refused', token);
        expect((await me(token)).status).toBe(200);
      });

      it('refuses a cross-site POST /password through the cookie (text/plain, foreign Origin): 401, and the password is unchanged', async () => {
        const token = await login(ADMIN);
        const body = JSON.stringify({ currentPassword: ADMIN.password, newPassword: 'hijacked-password' });
        for (const type of ['text/plain', 'application/json']) {
          const reply = await call('/password', { method: 'POST', headers: { Cookie: `access_token=${token}`, Origin: 'https://evil.example', 'Content-Type': type }, body });
          expectInvalidToken(reply, 'cross-site request refused', token);
        }
        expect((await me(token)).status).toBe(200);
        expectJson(await call('/login', jsonBody(JSON.stringify({ username: 'admin', password: 'hijacked-password' }))), 401, { error: 'invalid_credentials' });
        expect((await call('/login', jsonBody(JSON.stringify(ADMIN)))).status).toBe(200);
      });

      it('accepts a token from the Authorization header on a cross-site POST: only cookies ride along cross-site', async () => {
        const token = await login(KEVIN);
        expect((await logout({ ...bearer(token), 'Sec-Fetch-Site': 'cross-site' })).status).toBe(204);
        expectInvalidToken(await me(token), 'token revoked', token);
      });
    });

    describe('tokens not issued by the app', () => {
      const now = nowSeconds;
      const refusals: [string, () => Promise<string> | string, string][] = [
        ['a wrong issuer', () => joseToken(goodClaims({ iss: 'someone-else' })), 'issuer invalid'],
        ['no issuer', () => joseToken(goodClaims({ iss: undefined })), 'required claim missing'],
        ['a wrong audience', () => joseToken(goodClaims({ aud: 'other-api' })), 'audience invalid'],
        ['no audience', () => joseToken(goodClaims({ aud: undefined })), 'required claim missing'],
        ['an expired token', () => joseToken(goodClaims({ exp: now() - 60 })), 'token expired'],
        ['no exp', () => joseToken(goodClaims({ exp: undefined })), 'required claim missing'],
        ['nbf in the future', () => joseToken(goodClaims({ nbf: now() + 120 })), 'token not yet valid'],
        ['iat in the future', () => joseToken(goodClaims({ iat: now() + 120 })), 'token issued in the future'],
        ['no sub', () => joseToken(goodClaims({ sub: undefined })), 'required claim missing'],
        ['a numeric sub', () => craftJson({ alg: 'HS256', typ: 'JWT' }, goodClaims({ sub: 42 })), 'claim invalid'],
        ['a string exp', () => craftJson({ alg: 'HS256', typ: 'JWT' }, goodClaims({ exp: String(now() + 300) })), 'claim invalid'],
        ['a string nbf', () => craftJson({ alg: 'HS256', typ: 'JWT' }, goodClaims({ nbf: String(now() - 10) })), 'claim invalid'],
        ['a string iat', () => craftJson({ alg: 'HS256', typ: 'JWT' }, goodClaims({ iat: String(now()) })), 'claim invalid'],
        ['a non-finite exp', () => craft('{"alg":"HS256","typ":"JWT"}', JSON.stringify(goodClaims()).replace(/"exp":\d+/, '"exp":1e999')), 'claim invalid'],
        ['HS384 with the same secret', () => joseToken(goodClaims(), { alg: 'HS384' }), 'algorithm not allowed'],
        ['HS512 with the same secret', () => joseToken(goodClaims(), { alg: 'HS512' }), 'algorithm not allowed'],
        ['alg none without a signature', () => `${b64('{"alg":"none","typ":"JWT"}')}.${b64(JSON.stringify(goodClaims()))}.`, 'algorithm not allowed'],
        ['alg none with an HMAC signature', () => craftJson({ alg: 'none', typ: 'JWT' }, goodClaims()), 'algorithm not allowed'],
        ['alg NONE', () => `${b64('{"alg":"NONE"}')}.${b64(JSON.stringify(goodClaims()))}.`, 'algorithm not allowed'],
        ['RS256 in the header over an HMAC of the secret', () => craftJson({ alg: 'RS256', typ: 'JWT' }, goodClaims()), 'algorithm not allowed'],
        ['a real RS256 token', () => rsaToken(goodClaims()), 'algorithm not allowed'],
        ['an unknown alg', () => craftJson({ alg: 'HS1', typ: 'JWT' }, goodClaims()), 'algorithm not supported'],
        ['a tampered payload', async () => {
          const [h, , s] = (await joseToken(goodClaims())).split('.');
          return `${h}.${b64(JSON.stringify(goodClaims({ permissions: ['admin'] })))}.${s}`;
        }, 'signature invalid'],
        ['the signature of another token', async () => {
          const [h, p] = (await joseToken(goodClaims())).split('.');
          return `${h}.${p}.${(await joseToken(goodClaims({ sub: 'admin' }))).split('.')[2]}`;
        }, 'signature invalid'],
        ['a signature with non-canonical base64url', async () => `${(await joseToken(goodClaims())).slice(0, -1)}_`, 'token malformed'],
        ['a critical header nobody understands', () => craftJson({ alg: 'HS256', crit: ['exp'], exp: 1 }, goodClaims()), 'critical header not supported'],
        ['a payload that is not JSON', () => craft('{"alg":"HS256"}', 'not json'), 'token malformed'],
        ['a payload that is a JSON array', () => craft('{"alg":"HS256"}', '[1,2]'), 'token malformed'],
        ['a header that is not JSON', () => craft('alg=HS256', JSON.stringify(goodClaims())), 'token malformed'],
        ['two segments', () => 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJrZXZpbiJ9', 'token malformed'],
        ['four segments', async () => `${await joseToken(goodClaims())}.AAAA`, 'token malformed'],
        ['padded base64', async () => `${await joseToken(goodClaims())}=`, 'token malformed'],
        ['a JWE-shaped token', () => 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAAAAAAAAAAAAAA.AAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA', 'token malformed'],
      ];

      it.each(refusals)('refuses %s with 401 and a fixed description', async (_, make, description) => {
        const token = await make();
        expectInvalidToken(await me(token), description, token);
      });

      it('refuses a token over 8 KiB with 401 token too large, and accepts one just under', async () => {
        const big = await joseToken(goodClaims({ padding: 'x'.repeat(9000) }));
        expect(big.length).toBeGreaterThan(8192);
        expectInvalidToken(await me(big), 'token too large', big);
        const fits = await joseToken(goodClaims({ padding: 'x'.repeat(5700) }));
        expect(fits.length).toBeGreaterThan(7600);
        expect(fits.length).toBeLessThanOrEqual(8192);
        expect((await me(fits)).status).toBe(200);
      });

      it('answers random token-shaped garbage with 401 invalid_token, never 500', async () => {
        const random = prng(0x5eed);
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/';
        for (let i = 0; i < 120; i++) {
          const length = 1 + Math.floor(random() ** 3 * 10_000);
          let token = '';
          for (let j = 0; j < length; j++) token += alphabet[Math.floor(random() * alphabet.length)];
          const reply = await me(token);
          expect(reply.status, `case ${i}`).toBe(401);
          expect(JSON.parse(reply.text)).toMatchObject({ error: 'invalid_token' });
          expectNoEcho(reply, token);
        }
      });
    });

    describe('routing', () => {
      const variants = ['/me/', '/ME', '/Me', '/health/', '/HEALTH', '/admin/', '/.well-known/jwks.json/', '//me', '/me/x', '/nope', '/%6De', '/me%2F', '/health;x'];

      it.each(variants)('answers GET %s 404 not_found, with or without a token', async (path) => {
        const token = await login(ADMIN);
        const target = `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n`;
        for (const headers of ['', `Authorization: Bearer ${token}\r\n`, `Cookie: access_token=${token}\r\n`]) {
          // A raw request: fetch would normalise some of these paths before sending them.
          const reply = await rawRequest(app.url, `${target}${headers}\r\n`);
          expect({ status: reply.status, body: reply.raw.split('\r\n\r\n').slice(1).join('') }, `${path} ${headers.slice(0, 14)}`).toEqual({ status: 404, body: '{"error":"not_found"}' });
        }
      });

      it('serves the exact paths (the twins of the 404s above)', async () => {
        const token = await login(ADMIN);
        expectJson(await call('/health'), 200, { status: 'ok' });
        expect((await me(token)).status).toBe(200);
        expect((await call('/admin', { headers: bearer(token) })).status).toBe(200);
        expectJson(await call('/health?x=%zz'), 200, { status: 'ok' });
      });

      it.each([
        ['POST', '/me'],
        ['POST', '/health'],
        ['GET', '/login'],
        ['GET', '/logout'],
        ['DELETE', '/me'],
        ['POST', '/login/'],
        ['POST', '/Login'],
        ['POST', '/password/'],
      ])('answers %s %s 404 not_found, with or without a token', async (method, path) => {
        const token = await login(ADMIN);
        const body = method === 'POST' ? { body: JSON.stringify(ADMIN), headers: { 'Content-Type': 'application/json' } } : {};
        expectJson(await call(path, { method, ...body }), 404, { error: 'not_found' });
        expectJson(await call(path, { method, ...body, headers: { ...body.headers, ...bearer(token) } }), 404, { error: 'not_found' });
      });

      it.each(['/%', '/%zz', '/me%zz', '/%E0%A4%A', '/%00'])('answers the malformed path %s 404 not_found without echoing it', async (path) => {
        const reply = await rawRequest(app.url, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(reply.status).toBe(404);
        const body = reply.raw.split('\r\n\r\n').slice(1).join('');
        expect(body).toBe('{"error":"not_found"}');
        expect(reply.raw.includes(path.slice(1))).toBe(false);
      });

      it.each(['OPTIONS', 'GET'])('answers the asterisk target (%s *) 404 not_found: it names no route', async (method) => {
        const reply = await rawRequest(app.url, `${method} * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect({ status: reply.status, body: reply.raw.split('\r\n\r\n').slice(1).join('') }).toEqual({ status: 404, body: '{"error":"not_found"}' });
      });
    });

    describe('hostile requests', () => {
      const statusOf = async (bytes: string | Buffer): Promise<number | undefined> => (await rawRequest(app.url, bytes)).status;

      it('answers 4xx to a huge Authorization header', async () => {
        const status = await statusOf(`GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'A'.repeat(100_000)}\r\nConnection: close\r\n\r\n`);
        expect(status).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
      });

      it('answers 4xx to a huge Cookie header', async () => {
        const status = await statusOf(`GET /me HTTP/1.1\r\nHost: x\r\nCookie: access_token=${'A'.repeat(100_000)}\r\nConnection: close\r\n\r\n`);
        expect(status).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
      });

      it('answers 401 to Latin-1 bytes in the Authorization header', async () => {
        expect(await statusOf(Buffer.concat([Buffer.from('GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer '), Buffer.from([0xe9, 0xff, 0xfe, 0x80]), Buffer.from('\r\nConnection: close\r\n\r\n')]))).toBe(401);
      });

      it.each([
        ['control bytes in a header', Buffer.concat([Buffer.from('GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a'), Buffer.from([0x00, 0x01]), Buffer.from('b\r\nConnection: close\r\n\r\n')])],
        ['a TLS handshake sent to the plain-HTTP port', Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a])],
        ['a header line without a colon', Buffer.from('GET /me HTTP/1.1\r\nHost: x\r\nAuthorization Bearer x\r\nConnection: close\r\n\r\n')],
      ])('answers 400 to %s, rather than closing the connection silently', async (_, bytes) => {
        // Node's HTTP parser refuses these before any framework runs, and answers 400 Bad Request.
        // A closed connection without an answer would leave the client guessing; a 5xx is a bug.
        expect(await statusOf(bytes)).toBe(400);
      });
    });

    it('exits with code 0 on SIGTERM', async () => {
      expect(await app.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    });
  });

  describe(`${appName}: POST /password`, () => {
    let app: RunningApp;
    const { call, login, me } = client(() => app);

    beforeAll(async () => {
      app = await startApp({ app: appName });
    });
    afterAll(async () => {
      await app?.stop('SIGKILL');
    });

    const password = (token: string, body: string): Promise<Reply> => call('/password', jsonBody(body, bearer(token)));
    const change = (currentPassword: unknown, newPassword: unknown): string => JSON.stringify({ currentPassword, newPassword });
    // Kevin's password as the tests below leave it: each change moves it on.
    let kevinPassword = KEVIN.password;
    const kevin = (): { username: string; password: string } => ({ username: 'kevin', password: kevinPassword });

    it.each([
      ['not JSON', 'newPassword=x'],
      ['an empty body', ''],
      ['an array', '["new-password"]'],
      ['no currentPassword', '{"newPassword":"new-password"}'],
      ['no newPassword', change('admin-password', undefined)],
      ['a numeric newPassword', change('admin-password', 12345678)],
      ['a numeric currentPassword', change(12345678, 'new-password')],
      ['a null newPassword', change('admin-password', null)],
      ['an empty newPassword', change('admin-password', '')],
      ['a newPassword of 7 characters', change('admin-password', '1234567')],
      ['the pre-contract body (newPassword only)', '{"newPassword":"brand-new-password"}'],
    ])('answers 400 invalid_request for %s; nothing changes', async (_, body) => {
      const token = await login(ADMIN);
      expectJson(await password(token, body), 400, { error: 'invalid_request' });
      expect((await me(token)).status).toBe(200);
      expect((await call('/login', jsonBody(JSON.stringify(ADMIN)))).status).toBe(200);
    });

    it('answers 403 invalid_credentials for a wrong currentPassword; nothing changes', async () => {
      const token = await login(ADMIN);
      for (const current of ['wrong-password', 'kevin-password', '', 'ADMIN-PASSWORD']) {
        expectJson(await password(token, change(current, 'taken-over-password')), 403, { error: 'invalid_credentials' });
      }
      expect((await me(token)).status).toBe(200);
      expectJson(await call('/login', jsonBody(JSON.stringify({ username: 'admin', password: 'taken-over-password' }))), 401, { error: 'invalid_credentials' });
      expect((await call('/login', jsonBody(JSON.stringify(ADMIN)))).status).toBe(200);
    });

    it('answers 415 for a body that is not application/json; nothing changes', async () => {
      const token = await login(ADMIN);
      const reply = await call('/password', { method: 'POST', headers: { ...bearer(token), 'Content-Type': 'text/plain' }, body: change(ADMIN.password, 'text-plain-password') });
      expectJson(reply, 415, { error: 'unsupported_media_type' });
      expect((await me(token)).status).toBe(200);
      expect((await call('/login', jsonBody(JSON.stringify(ADMIN)))).status).toBe(200);
    });

    it('answers 204, revokes every older token of the user only, and accepts a login right after', async () => {
      const first = await login(kevin());
      const second = await login(kevin());
      const otherUser = await login(ADMIN);
      const jose = await joseToken(goodClaims({ iat: nowSeconds() - 30 }));

      // Exactly eight characters is long enough.
      const reply = await password(first, change(kevinPassword, 'kevin-pw'));
      expect(reply.status).toBe(204);
      expect(reply.text).toBe('');
      const old = kevinPassword;
      kevinPassword = 'kevin-pw';

      for (const token of [first, second, jose]) expectInvalidToken(await me(token), 'token revoked', token);
      expect((await me(otherUser)).status).toBe(200);

      expectJson(await call('/login', jsonBody(JSON.stringify({ username: 'kevin', password: old }))), 401, { error: 'invalid_credentials' });
      const fresh = await login(kevin());
      const claims = JSON.parse((await me(fresh)).text) as Record<string, unknown>;
      expect(claims.sub).toBe('kevin');
      expect((await call('/logout', { method: 'POST', headers: bearer(fresh) })).status).toBe(204);
    });

    it('refuses every token of a login with the old password still in flight when the change answered 204', async () => {
      for (let round = 0; round < 2; round++) {
        const old = kevinPassword;
        const next = `kevin-round-${round}-password`;
        const token = await login(kevin());
        // Logins with the old password, one every few milliseconds, before and while the change runs.
        const logins: Promise<Reply>[] = [];
        const started = (async () => {
          for (let i = 0; i < 12; i++) {
            logins.push(call('/login', jsonBody(JSON.stringify({ username: 'kevin', password: old }))));
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        })();
        await new Promise((resolve) => setTimeout(resolve, 15));
        expect((await password(token, change(old, next))).status).toBe(204);
        kevinPassword = next;
        // Right after the 204, a login with the new password works and its token is accepted at once.
        const fresh = await login(kevin());
        expect((await me(fresh)).status).toBe(200);

        await started;
        const replies = await Promise.all(logins);
        for (const reply of replies) expect([200, 401], reply.text).toContain(reply.status);
        const won = replies.filter((r) => r.status === 200).map((r) => (JSON.parse(r.text) as { token: string }).token);
        // The logins sent before the change checked the old password: the race really happened.
        expect(won.length).toBeGreaterThan(0);
        for (const stale of won) expectInvalidToken(await me(stale), 'token revoked', stale);
        expect((await me(fresh)).status).toBe(200);
      }
    });

    it('exits with code 0 on SIGINT', async () => {
      expect(await app.stop('SIGINT')).toEqual({ code: 0, signal: null });
    });
  });

  describe(`${appName}: configuration`, () => {
    it('refuses to start with a JWT_SECRET under 32 bytes, without echoing it', async () => {
      const secret = 'only-31-bytes-of-secret-1234567';
      expect(new TextEncoder().encode(secret).length).toBe(31);
      const run = spawnApp({ app: appName, env: { JWT_SECRET: secret } });
      const exit = await run.exited;
      const { stdout, stderr } = run.output();
      expect(exit.code).toBe(1);
      expect(stdout).not.toMatch(/listening on/);
      expect(stderr).toMatch(/JWT_SECRET/);
      expect(stderr).toMatch(/32 bytes/);
      expect(stderr).not.toContain(secret);
    });

    it.each([
      ['names a PUBLIC KEY', 'paste of a PUBLIC KEY instead of the shared secret'],
      ['is a JSON object (a JWK)', '{"kty":"oct","k":"not-a-secret-but-a-key-document"}'],
    ])('refuses to start, with one error line and no stack trace, when JWT_SECRET %s', async (_name, secret) => {
      const run = spawnApp({ app: appName, env: { JWT_SECRET: secret } });
      const exit = await run.exited;
      const { stdout, stderr } = run.output();
      expect(exit.code).toBe(1);
      expect(stdout).not.toMatch(/listening on/);
      expect(stderr).toMatch(/^error: JWT_SECRET .*$/m);
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(stderr).not.toContain(secret);
      expect(stderr).not.toContain('not-a-secret');
    });

    it('refuses a JWT_SECRET the core refuses with REDIS_URL set too, and exits instead of hanging on a store connection', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const run = spawnApp({ app: appName, env: { JWT_SECRET: '-----BEGIN PUBLIC KEY----- pasted by mistake', REDIS_URL: `redis://127.0.0.1:${port}` } });
      // A process still alive after this is the bug: it is killed, and the exit shows the signal.
      const timer = setTimeout(() => run.child.kill('SIGKILL'), 10_000);
      const exit = await run.exited;
      clearTimeout(timer);
      expect(exit).toEqual({ code: 1, signal: null });
      expect(run.output().stderr).toMatch(/^error: JWT_SECRET /m);
    });

    it('starts with exactly 32 bytes of secret', async () => {
      const app = await startApp({ app: appName, env: { JWT_SECRET: 'exactly-32-bytes-of-secret-12345' } });
      try {
        expectJson(await request(app.url, '/health'), 200, { status: 'ok' });
      } finally {
        await app.stop();
      }
    });

    it('without JWT_SECRET, warns and signs with a random secret; JWT_ISSUER, JWT_AUDIENCE and JWT_TTL apply', async () => {
      const app = await startApp({ app: appName, env: { JWT_SECRET: undefined, JWT_ISSUER: 'custom-issuer', JWT_AUDIENCE: 'custom-api', JWT_TTL: '120' } });
      try {
        expect(app.stderr()).toMatch(/JWT_SECRET/);
        expect(app.stderr()).toMatch(/restart/);
        const reply = await request(app.url, '/login', jsonBody(JSON.stringify(KEVIN)));
        const body = JSON.parse(reply.text) as { token: string; expiresIn: number };
        expect(body.expiresIn).toBe(120);
        const { payload } = decode(body.token);
        expect(payload).toMatchObject({ iss: 'custom-issuer', aud: 'custom-api' });
        expect((payload.exp as number) - Math.floor(payload.iat as number)).toBe(120);
        expect((await request(app.url, '/me', { headers: bearer(body.token) })).status).toBe(200);
        // The random secret is not the test secret, and the defaults no longer apply.
        await expect(jwtVerify(body.token, secretBytes)).rejects.toThrow();
        const foreign = await joseToken(goodClaims({ iss: 'custom-issuer', aud: 'custom-api' }));
        expectInvalidToken(await request(app.url, '/me', { headers: bearer(foreign) }), 'signature invalid', foreign);
      } finally {
        await app.stop();
      }
    });

    it('with JWT_TTL=3 and JWT_CLOCK_TOLERANCE=0, tokens expire, revoked ones included', async () => {
      const app = await startApp({ app: appName, env: { JWT_TTL: '3', JWT_CLOCK_TOLERANCE: '0', JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE } });
      try {
        const get = (token: string): Promise<Reply> => request(app.url, '/me', { headers: bearer(token) });
        const loginReply = await request(app.url, '/login', jsonBody(JSON.stringify(KEVIN)));
        const { token } = JSON.parse(loginReply.text) as { token: string };
        expect((await request(app.url, '/logout', { method: 'POST', headers: bearer(token) })).status).toBe(204);
        expectInvalidToken(await get(token), 'token revoked', token);
        // No tolerance here: a token one second past exp is refused (the main app's 5 s accept it).
        const late = await joseToken(goodClaims({ exp: nowSeconds() - 1 }));
        expectInvalidToken(await get(late), 'token expired', late);
        const exp = decode(token).payload.exp as number;
        while (Date.now() / 1000 < exp + 0.05) await new Promise((r) => setTimeout(r, 100));
        expectInvalidToken(await get(token), 'token expired', token);
      } finally {
        await app.stop();
      }
    });

    it.each([
      ['PORT', 'not-a-port'],
      ['PORT', '70000'],
      ['JWT_TTL', '0'],
      ['JWT_TTL', 'ten'],
      ['JWT_CLOCK_TOLERANCE', '-1'],
      ['JWT_ISSUER', ''],
    ])('refuses to start when %s is %j', async (name, value) => {
      const run = spawnApp({ app: appName, env: { [name]: value } });
      const exit = await run.exited;
      expect(exit.code).toBe(1);
      expect(run.output().stderr).toContain(name);
    });
  });
}
