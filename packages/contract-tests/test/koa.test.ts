import jsonwebtoken from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, ISSUER, OTHER_SECRET, TEST_SECRET, bearer, decode, goodClaims, request, runContractSuite, startApp, type Reply, type RunningApp } from '../src/index.js';
import { runRefreshSuite } from '../src/index.js';

runContractSuite({ app: 'koa-example' });
runRefreshSuite({ app: 'koa-example' });

// The shared suite signs foreign tokens with jose; jsonwebtoken is the other implementation Koa
// users bring along (koa-jwt is built on it), so its tokens are checked here too.
describe('koa-example: tokens signed by jsonwebtoken', () => {
  let app: RunningApp;
  const now = (): number => Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, options: { secret?: string; algorithm?: jsonwebtoken.Algorithm } = {}): string =>
    jsonwebtoken.sign(claims, options.secret ?? TEST_SECRET, { algorithm: options.algorithm ?? 'HS256' });
  const get = (path: string, token: string): Promise<Reply> => request(app.url, path, { headers: bearer(token) });
  const expectInvalid = (reply: Reply, description: string): void => {
    expect({ status: reply.status, text: reply.text }).toEqual({ status: 401, text: JSON.stringify({ error: 'invalid_token', error_description: description }) });
    expect(reply.headers.get('www-authenticate')).toBe(`Bearer realm="jwt-example", error="invalid_token", error_description="${description}"`);
  };

  beforeAll(async () => {
    app = await startApp({ app: 'koa-example' });
  });
  afterAll(async () => {
    await app?.stop('SIGKILL');
  });

  it('accepts a token signed with the same secret and answers its claims', async () => {
    const claims = goodClaims({ sub: 'jwt-user' });
    const reply = await get('/me', sign(claims));
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual(claims);
  });

  it('refuses one signed with another secret', async () => {
    expectInvalid(await get('/me', sign(goodClaims(), { secret: OTHER_SECRET })), 'signature invalid');
  });

  it('refuses HS384 with the same secret, and an expired token', async () => {
    expectInvalid(await get('/me', sign(goodClaims(), { algorithm: 'HS384' })), 'algorithm not allowed');
    expectInvalid(await get('/me', sign(goodClaims({ exp: now() - 60 }))), 'token expired');
  });

  it('reads its permissions: admin passes /admin, others get 403', async () => {
    expect((await get('/admin', sign(goodClaims({ permissions: ['admin'] })))).status).toBe(200);
    const reply = await get('/admin', sign(goodClaims({ permissions: ['view'] })));
    expect({ status: reply.status, text: reply.text }).toEqual({ status: 403, text: '{"error":"insufficient_scope"}' });
  });

  it('logs it out by its jti', async () => {
    const token = sign(goodClaims());
    expect((await request(app.url, '/logout', { method: 'POST', headers: bearer(token) })).status).toBe(204);
    expectInvalid(await get('/me', token), 'token revoked');
  });

  it("issues tokens jsonwebtoken verifies with the app's secret and settings, and not with another secret", async () => {
    const reply = await request(app.url, '/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"username":"kevin","password":"kevin-password"}' });
    const { token } = JSON.parse(reply.text) as { token: string };
    const verified = jsonwebtoken.verify(token, TEST_SECRET, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE }) as Record<string, unknown>;
    expect(verified).toEqual(decode(token).payload);
    expect(() => jsonwebtoken.verify(token, OTHER_SECRET, { algorithms: ['HS256'] })).toThrow(/invalid signature/);
  });
});
