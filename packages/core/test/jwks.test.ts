import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import * as jose from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useBackend } from '../src/common/backend.js';
import { sharedRemoteJwks } from '../src/jwks/jwks.js';
import {
  createVerifier,
  discoverJwks,
  exportJwk,
  generateKeyPair,
  isJwtError,
  remoteJwks,
  secretKey,
  sign,
  verify,
  type Jwk,
  type JwksCacheStore,
  type JwksFetch,
  type JwtErrorCode,
  type JwtKey,
  type RemoteJwksOptions,
} from '../src/index.js';

// ---------------------------------------------------------------------------------------------
// A real JWKS server on loopback, whose answers each test sets.

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface TestServer {
  base: string;
  /** Paths requested so far, in order. */
  requests: string[];
  count(path: string): number;
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

// A throw-away self-signed certificate (see fixtures/README.md); its CN is not 127.0.0.1, so the
// TLS client below checks the chain against it but skips the host name.
const TLS_CERT = readFileSync(new URL('./fixtures/rsa-2048.cert.pem', import.meta.url), 'utf8');
const TLS_KEY = readFileSync(new URL('./fixtures/rsa-2048.key.pem', import.meta.url), 'utf8');

async function startServer(tls = false): Promise<TestServer> {
  const routes = new Map<string, Handler>();
  const requests: string[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    const handler = routes.get(path);
    if (handler) handler(req, res);
    else res.writeHead(404).end();
  };
  const server: Server = tls ? createTlsServer({ cert: TLS_CERT, key: TLS_KEY }, listener) : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    count: (path) => requests.filter((p) => p === path).length,
    route: (path, handler) => void routes.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A fetch that speaks real TLS to the test's https server (trusting its certificate) and plain
 * http through the global fetch. Like fetch with `redirect: 'manual'`, it never follows redirects.
 */
const tlsFetch: JwksFetch = (url, init) => {
  if (url.startsWith('http:')) return fetch(url, init);
  return new Promise<Response>((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method: 'GET', headers: init.headers as Record<string, string>, ca: TLS_CERT, checkServerIdentity: () => undefined, ...(init.signal ? { signal: init.signal } : {}) },
      (res) => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
        }
        resolve(new Response(Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>, { status: res.statusCode ?? 500, headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
};

function json(body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

function fakeClock(): { now: () => number; advance(seconds: number): void } {
  let t = Date.now();
  return { now: () => t, advance: (seconds) => void (t += seconds * 1000) };
}

async function expectCode(promise: Promise<unknown>, code: JwtErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isJwtError(error) ? error.code : error).toBe(code);
}

function syncCode(fn: () => unknown): JwtErrorCode | 'no error' {
  try {
    fn();
    return 'no error';
  } catch (error) {
    if (!isJwtError(error)) throw error;
    return error.code;
  }
}

async function es256(kid?: string): Promise<{ privateKey: JwtKey; publicKey: JwtKey; jwk: Jwk }> {
  const pair = await generateKeyPair('ES256', kid === undefined ? {} : { kid });
  return { ...pair, jwk: await exportJwk(pair.publicKey) };
}

const b64 = (text: string): string => Buffer.from(text).toString('base64url');
const claims = { sub: 'kevin', permissions: ['view'] };
const token = (key: JwtKey): Promise<string> => sign(claims, key, { expiresIn: '1d' });

/** A remote set on the test server at /jwks.json, with a fake clock. */
function remote(options: RemoteJwksOptions = {}) {
  const clock = fakeClock();
  const jwks = remoteJwks(`${server.base}/jwks.json`, { clock: clock.now, ...options });
  return { jwks, clock };
}

// ---------------------------------------------------------------------------------------------

describe('remoteJwks: verification', () => {
  it('verifies a token whose key is in the set, and refuses one whose key is not', async () => {
    const a = await es256('a');
    const stranger = await es256('stranger');
    server.route('/jwks.json', json({ keys: [a.jwk] }));
    const { jwks } = remote();
    const verifier = createVerifier({ issuer: false, audience: false, key: jwks });
    const { payload, key } = await verifier.verify(await token(a.privateKey));
    expect(payload.sub).toBe('kevin');
    expect(key.kid).toBe('a');
    await expectCode(verifier.verify(await token(stranger.privateKey)), 'ERR_JWT_KEY_NOT_FOUND');
  });

  it('refuses a token signed by another key under a published kid', async () => {
    const a = await es256('a');
    const impostor = await es256('a');
    server.route('/jwks.json', json({ keys: [a.jwk] }));
    const { jwks } = remote();
    await expectCode(verify(await token(impostor.privateKey), jwks, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
    expect(await verify(await token(a.privateKey), jwks, { issuer: false, audience: false })).toMatchObject({ payload: { sub: 'kevin' } });
  });

  it('answers synchronously from a warm cache, so verifySync works after the first fetch', async () => {
    const a = await es256('a');
    server.route('/jwks.json', json({ keys: [a.jwk] }));
    const { jwks } = remote();
    const verifier = createVerifier({ issuer: false, audience: false, key: jwks });
    const t = await token(a.privateKey);
    // Cold: the keys must be fetched, which cannot happen synchronously.
    expect(syncCode(() => verifier.verifySync(t))).toBe('ERR_CONFIG_INVALID');
    await jwks.refresh();
    expect(Array.isArray(jwks.getKeys({ alg: 'ES256', kid: 'a' }))).toBe(true);
    expect(verifier.verifySync(t).payload.sub).toBe('kevin');
    expect(server.count('/jwks.json')).toBe(1);
  });

  it('never chooses a key by the token: jku, x5u and jwk headers are ignored and never fetched', async () => {
    const trusted = await es256('trusted');
    const attacker = await jose.generateKeyPair('ES256');
    const attackerJwk = { ...(await jose.exportJWK(attacker.publicKey)), kid: 'evil', alg: 'ES256', use: 'sig' };
    server.route('/jwks.json', json({ keys: [trusted.jwk] }));
    server.route('/attacker.json', json({ keys: [attackerJwk] }));
    const { jwks } = remote({ cooldown: 0 });
    const forge = (header: jose.JWTHeaderParameters) =>
      new jose.SignJWT(claims).setProtectedHeader(header).setExpirationTime('1h').sign(attacker.privateKey);

    await expectCode(verify(await forge({ alg: 'ES256', kid: 'evil', jku: `${server.base}/attacker.json` }), jwks, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    await expectCode(verify(await forge({ alg: 'ES256', kid: 'evil', x5u: `${server.base}/attacker.json` }), jwks, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    await expectCode(verify(await forge({ alg: 'ES256', kid: 'evil', jwk: attackerJwk }), jwks, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    // Claiming the trusted kid does not help either: the trusted key checks the signature.
    await expectCode(verify(await forge({ alg: 'ES256', kid: 'trusted', jwk: attackerJwk, jku: `${server.base}/attacker.json` }), jwks, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
    expect(server.count('/attacker.json')).toBe(0);

    // The twin: a genuine token carrying a foreign jku still verifies, against the configured set.
    const genuine = await sign(claims, trusted.privateKey, { expiresIn: '1h', header: { x5t: 'ignored' } });
    expect((await verify(genuine, jwks, { issuer: false, audience: false })).key.kid).toBe('trusted');
  });
});

describe('a JWKS URL as the key', () => {
  it('a URL string or URL object given as key is fetched as a JWKS, never used as an HMAC secret', async () => {
    const a = await es256('a');
    server.route('/jwks.json', json({ keys: [a.jwk] }));
    const url = `${server.base}/jwks.json`;
    const t = await token(a.privateKey);
    expect((await verify(t, url, { issuer: false, audience: false })).key.kid).toBe('a');
    expect((await createVerifier({ issuer: false, audience: false, key: new URL(url) }).verify(t)).key.kid).toBe('a');
    // One shared remote key set per URL: the one-off verify() and the verifier share one fetch.
    expect(server.count('/jwks.json')).toBe(1);
    // The forgery this prevents: HS256 keyed with the (public) URL text.
    const forged = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'a' }).setExpirationTime('1h').sign(new TextEncoder().encode(url));
    await expectCode(verify(forged, url, { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
    expect(syncCode(() => secretKey(url))).toBe('ERR_KEY_INVALID');
    await expectCode(sign(claims, url, { expiresIn: '1h' }), 'ERR_KEY_INVALID');
  });
});

describe('remoteJwks: rotation and refetching', () => {
  it('follows a rotation: a new kid is fetched, a removed kid stops verifying after expiry', async () => {
    const oldKey = await es256('old');
    const newKey = await es256('new');
    let published = [oldKey.jwk];
    server.route('/jwks.json', (req, res) => json({ keys: published })(req, res));
    const { jwks, clock } = remote({ cooldown: 30, defaultCacheAge: 600 });
    const oldToken = await token(oldKey.privateKey);
    const newToken = await token(newKey.privateKey);

    expect((await verify(oldToken, jwks, { issuer: false, audience: false })).key.kid).toBe('old');
    // The provider publishes the new key; within the cooldown nobody asks for it.
    published = [oldKey.jwk, newKey.jwk];
    clock.advance(10);
    await expectCode(verify(newToken, jwks, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    expect(server.count('/jwks.json')).toBe(1);
    clock.advance(30);
    expect((await verify(newToken, jwks, { issuer: false, audience: false })).key.kid).toBe('new');
    expect(server.count('/jwks.json')).toBe(2);

    // The old key is removed: it keeps verifying until the cached set expires, then stops.
    published = [newKey.jwk];
    expect((await verify(oldToken, jwks, { issuer: false, audience: false })).key.kid).toBe('old');
    clock.advance(601);
    await expectCode(verify(oldToken, jwks, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    expect(server.count('/jwks.json')).toBe(3);
    expect((await verify(newToken, jwks, { issuer: false, audience: false })).key.kid).toBe('new');
  });

  it('a storm of unknown kids costs one fetch, not one per token', async () => {
    const a = await es256('a');
    const attacker = await es256();
    server.route('/jwks.json', json({ keys: [a.jwk] }));
    const { jwks, clock } = remote({ cooldown: 30 });
    const verifier = createVerifier({ issuer: false, audience: false, key: jwks });
    await jwks.refresh();
    clock.advance(31);
    const tokens = await Promise.all(Array.from({ length: 1000 }, (_, i) => token(attacker.privateKey.withKid(`storm-${i}`))));
    const outcomes = await Promise.allSettled(tokens.map((t) => verifier.verify(t)));
    expect(outcomes.every((o) => o.status === 'rejected' && isJwtError(o.reason, 'ERR_JWT_KEY_NOT_FOUND'))).toBe(true);
    expect(server.count('/jwks.json')).toBe(2);
    // Within the cooldown the answer comes straight from the cache, synchronously.
    expect(syncCode(() => verifier.verifySync(tokens[0]!))).toBe('ERR_JWT_KEY_NOT_FOUND');
    expect(server.count('/jwks.json')).toBe(2);
    // The genuine key still verifies throughout.
    expect(verifier.verifySync(await token(a.privateKey)).key.kid).toBe('a');
  });

  it('concurrent first verifications share one fetch', async () => {
    const a = await es256('a');
    server.route('/jwks.json', json({ keys: [a.jwk] }));
    const { jwks } = remote();
    const t = await token(a.privateKey);
    const results = await Promise.all(Array.from({ length: 500 }, () => verify(t, jwks, { issuer: false, audience: false })));
    expect(results.every((r) => r.key.kid === 'a')).toBe(true);
    expect(server.count('/jwks.json')).toBe(1);
  });

  it('refresh() fetches now and rejects with the failure code', async () => {
    const a = await es256('a');
    server.route('/jwks.json', json({ keys: [a.jwk] }));
    const { jwks } = remote();
    await jwks.refresh();
    await jwks.refresh();
    expect(server.count('/jwks.json')).toBe(2);
    expect(jwks.keys.map((k) => k.kid)).toEqual(['a']);
    server.route('/jwks.json', (_req, res) => res.writeHead(503).end());
    await expectCode(jwks.refresh(), 'ERR_JWKS_FETCH_FAILED');
  });
});

describe('remoteJwks: Cache-Control', () => {
  async function fetchesAt(cacheControl: string | undefined, offsets: number[], options: RemoteJwksOptions = {}): Promise<number[]> {
    const a = await es256('a');
    const headers: Record<string, string> = cacheControl === undefined ? {} : { 'cache-control': cacheControl };
    server.route('/jwks.json', json({ keys: [a.jwk] }, headers));
    const { jwks, clock } = remote({ minCacheAge: 60, maxCacheAge: 3600, defaultCacheAge: 600, ...options });
    const before = server.count('/jwks.json');
    await jwks.refresh();
    const counts: number[] = [];
    let at = 0;
    for (const offset of offsets) {
      clock.advance(offset - at);
      at = offset;
      await jwks.getKeys({ alg: 'ES256', kid: 'a' });
      counts.push(server.count('/jwks.json') - before);
    }
    return counts;
  }

  it('uses max-age when it lies within the bounds', async () => {
    expect(await fetchesAt('public, max-age=120', [119, 121])).toEqual([1, 2]);
  });

  it('raises a max-age below the minimum, and no-store, to the minimum', async () => {
    expect(await fetchesAt('max-age=5', [30, 59, 61])).toEqual([1, 1, 2]);
    expect(await fetchesAt('no-store', [59, 61])).toEqual([1, 2]);
  });

  it('caps a max-age above the maximum', async () => {
    expect(await fetchesAt('max-age=31536000', [3599, 3601])).toEqual([1, 2]);
  });

  it('uses the default without Cache-Control, and subtracts Age', async () => {
    expect(await fetchesAt(undefined, [599, 601])).toEqual([1, 2]);
    await server.close();
    server = await startServer();
    const a = await es256('a');
    server.route('/jwks.json', json({ keys: [a.jwk] }, { 'cache-control': 'max-age=300', age: '200' }));
    const { jwks, clock } = remote({ minCacheAge: 60 });
    await jwks.refresh();
    clock.advance(99);
    await jwks.getKeys({ alg: 'ES256', kid: 'a' });
    expect(server.count('/jwks.json')).toBe(1);
    clock.advance(2);
    await jwks.getKeys({ alg: 'ES256', kid: 'a' });
    expect(server.count('/jwks.json')).toBe(2);
  });
});

describe('remoteJwks: a failing endpoint', () => {
  it('reports ERR_JWKS_FETCH_FAILED when nothing listens', async () => {
    const a = await es256('a');
    const closed = await startServer();
    await closed.close();
    const jwks = remoteJwks(`${closed.base}/jwks.json`);
    await expectCode(verify(await token(a.privateKey), jwks, { issuer: false, audience: false }), 'ERR_JWKS_FETCH_FAILED');
  });

  it('reports ERR_JWKS_FETCH_FAILED for an error status', async () => {
    const a = await es256('a');
    server.route('/jwks.json', (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('down'));
    const { jwks } = remote();
    await expectCode(verify(await token(a.privateKey), jwks, { issuer: false, audience: false }), 'ERR_JWKS_FETCH_FAILED');
  });

  it('gives up on a server that never answers, or stalls in the body, after the timeout', async () => {
    const a = await es256('a');
    server.route('/jwks.json', () => undefined);
    const silent = remote({ timeout: 0.2 }).jwks;
    await expectCode(verify(await token(a.privateKey), silent, { issuer: false, audience: false }), 'ERR_JWKS_FETCH_FAILED');

    server.route('/stall.json', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[');
    });
    const stalled = remoteJwks(`${server.base}/stall.json`, { timeout: 0.2 });
    await expectCode(verify(await token(a.privateKey), stalled, { issuer: false, audience: false }), 'ERR_JWKS_FETCH_FAILED');
  });

  it.each([
    ['not JSON', '<html>oops</html>'],
    ['a JSON array', '[]'],
    ['keys not an array', '{"keys":{}}'],
    ['no usable key', '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}'],
    ['an empty set', '{"keys":[]}'],
  ])('reports ERR_JWKS_INVALID for garbage: %s', async (_name, body) => {
    const a = await es256('a');
    server.route('/jwks.json', json(body));
    const { jwks } = remote();
    await expectCode(verify(await token(a.privateKey), jwks, { issuer: false, audience: false }), 'ERR_JWKS_INVALID');
  });

  it('reports ERR_JWKS_INVALID for a body that is not UTF-8', async () => {
    server.route('/jwks.json', (_req, res) => res.writeHead(200).end(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])));
    await expectCode(remote().jwks.refresh(), 'ERR_JWKS_INVALID');
  });

  it('refuses an oversized body by its declared length', async () => {
    const a = await es256('a');
    const padding = 'x'.repeat(4096);
    server.route('/jwks.json', json({ keys: [a.jwk], padding }));
    await expectCode(remote({ maxBodyBytes: 4096 }).jwks.refresh(), 'ERR_JWKS_INVALID');
    // The same body under a larger limit is fine.
    await remote({ maxBodyBytes: 16384 }).jwks.refresh();
  });

  it('stops reading an endless body as soon as it passes the limit', async () => {
    let completed = false;
    let sent = 0;
    server.route('/jwks.json', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = (): void => {
        while (!res.destroyed && sent < 256 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) {
          completed = true;
          res.end();
        }
      };
      pump();
    });
    await expectCode(remote({ maxBodyBytes: 100_000 }).jwks.refresh(), 'ERR_JWKS_INVALID');
    expect(completed).toBe(false);
  });

  it('refuses more keys than maxKeys', async () => {
    const a = await es256('a');
    server.route('/jwks.json', json({ keys: Array.from({ length: 5 }, (_, i) => ({ ...a.jwk, kid: `k${i}` })) }));
    await expectCode(remote({ maxKeys: 4 }).jwks.refresh(), 'ERR_JWKS_INVALID');
    await remote({ maxKeys: 5 }).jwks.refresh();
  });
});

describe('remoteJwks: bounded staleness', () => {
  it('serves the last good keys while the endpoint fails, up to maxStale past expiry', async () => {
    const a = await es256('a');
    server.route('/jwks.json', json({ keys: [a.jwk] }, { 'cache-control': 'max-age=600' }));
    const { jwks, clock } = remote({ maxStale: 3600, cooldown: 30 });
    const verifier = createVerifier({ issuer: false, audience: false, key: jwks });
    const t = await token(a.privateKey);
    await verifier.verify(t);

    server.route('/jwks.json', (_req, res) => res.writeHead(502).end());
    clock.advance(601);
    expect((await verifier.verify(t)).key.kid).toBe('a');
    expect(server.count('/jwks.json')).toBe(2);
    // Within the cooldown of a failed fetch: no new request, and the stale answer is synchronous.
    clock.advance(10);
    expect(verifier.verifySync(t).key.kid).toBe('a');
    expect(server.count('/jwks.json')).toBe(2);
    // After the cooldown, one more attempt, still served stale.
    clock.advance(30);
    expect((await verifier.verify(t)).key.kid).toBe('a');
    expect(server.count('/jwks.json')).toBe(3);
    // Past expiry + maxStale the keys are no longer trusted.
    clock.advance(3600);
    await expectCode(verifier.verify(t), 'ERR_JWKS_FETCH_FAILED');
  });

  it('serves stale keys through a garbage answer too, and recovers when the endpoint does', async () => {
    const a = await es256('a');
    server.route('/jwks.json', json({ keys: [a.jwk] }));
    const { jwks, clock } = remote({ defaultCacheAge: 600 });
    const t = await token(a.privateKey);
    await verify(t, jwks, { issuer: false, audience: false });
    server.route('/jwks.json', json('{"keys": "nope"}'));
    clock.advance(601);
    expect((await verify(t, jwks, { issuer: false, audience: false })).key.kid).toBe('a');
    server.route('/jwks.json', json({ keys: [a.jwk] }));
    clock.advance(31);
    expect((await verify(t, jwks, { issuer: false, audience: false })).key.kid).toBe('a');
    expect(server.count('/jwks.json')).toBe(3);
  });

  it('with maxStale 0, an expired set is never used once fetching fails', async () => {
    const a = await es256('a');
    server.route('/jwks.json', json({ keys: [a.jwk] }));
    const { jwks, clock } = remote({ maxStale: 0, defaultCacheAge: 600 });
    const t = await token(a.privateKey);
    await verify(t, jwks, { issuer: false, audience: false });
    server.route('/jwks.json', (_req, res) => res.writeHead(500).end());
    clock.advance(601);
    await expectCode(verify(t, jwks, { issuer: false, audience: false }), 'ERR_JWKS_FETCH_FAILED');
  });

  it('an unknown kid during an outage costs one attempt, then is refused as not found', async () => {
    const a = await es256('a');
    const b = await es256('b');
    server.route('/jwks.json', json({ keys: [a.jwk] }));
    const { jwks, clock } = remote({ cooldown: 30 });
    await jwks.refresh();
    server.route('/jwks.json', (_req, res) => res.writeHead(500).end());
    clock.advance(31);
    await expectCode(verify(await token(b.privateKey), jwks, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    expect(server.count('/jwks.json')).toBe(2);
    expect((await verify(await token(a.privateKey), jwks, { issuer: false, audience: false })).key.kid).toBe('a');
  });
});

describe('remoteJwks: which keys are admitted', () => {
  it('keeps only public signature keys whose alg, use, key_ops and kty fit', async () => {
    const good = await es256('good');
    const ec = await es256('ec-as-rsa');
    const enc = await es256('enc');
    const ops = await es256('encrypt-ops');
    const priv = await es256('private');
    const rsa = await generateKeyPair('RS256', { kid: 'rsa' });
    const rsaJwk = await exportJwk(rsa.publicKey);
    const weakRsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const hmac = secretKey('a-thirty-two-byte-long-hmac-secret!', { kid: 'oct' });
    server.route('/jwks.json', json({
      keys: [
        good.jwk,
        { ...ec.jwk, alg: 'RS256' },
        { ...enc.jwk, use: 'enc' },
        { ...ops.jwk, key_ops: ['encrypt'] },
        await exportJwk(priv.privateKey, { includePrivate: true }),
        { ...(await exportJwk(hmac, { includePrivate: true })), kid: 'oct', alg: 'HS256' },
        { ...rsaJwk, kid: 'rsa-oaep', alg: 'RSA-OAEP' },
        { ...rsaJwk, kid: 'rsa' },
        { ...weakRsa.publicKey.export({ format: 'jwk' }), kid: 'weak', alg: 'RS256' },
        { kty: 'EC', crv: 'secp256k1', x: good.jwk.x, y: good.jwk.y, kid: 'k1' },
        'not a key',
        { ...good.jwk, kid: 42 },
      ],
    }));
    const { jwks } = remote();
    await jwks.refresh();
    expect(jwks.keys.map((k) => k.kid)).toEqual(['good', 'rsa']);

    for (const k of [ec, enc, ops, priv]) await expectCode(verify(await token(k.privateKey), jwks, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    await expectCode(verify(await token(hmac), jwks, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    // jose refuses 1024-bit RSA keys, so this token is made by hand.
    const input = `${b64(JSON.stringify({ alg: 'RS256', kid: 'weak' }))}.${b64(JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) + 3600 }))}`;
    const weakToken = `${input}.${nodeSign('sha256', Buffer.from(input), weakRsa.privateKey).toString('base64url')}`;
    await expectCode(verify(weakToken, jwks, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    expect((await verify(await token(good.privateKey), jwks, { issuer: false, audience: false })).key.kid).toBe('good');
    expect((await verify(await token(rsa.privateKey), jwks, { issuer: false, audience: false })).key.kid).toBe('rsa');
  });

  it('refuses an algorithm the published key does not serve, and HMAC made from a public key', async () => {
    const rsa = await generateKeyPair('RS256', { kid: 'rsa' });
    const jwk = await exportJwk(rsa.publicKey);
    expect(jwk.alg).toBe('RS256');
    server.route('/jwks.json', json({ keys: [jwk] }));
    const { jwks } = remote();
    // generateKeyPair binds the key to RS256 only, so forge the PS256 token with jose.
    await expectCode(sign(claims, rsa.privateKey.withKid('rsa'), { alg: 'PS256', expiresIn: '1h' }), 'ERR_JWS_ALG_NOT_ALLOWED');
    const josePriv = await jose.importJWK(await exportJwk(rsa.privateKey, { includePrivate: true }) as jose.JWK, 'PS256');
    const forged = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'PS256', kid: 'rsa' }).setExpirationTime('1h').sign(josePriv);
    await expectCode(verify(forged, jwks, { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
    // Classic confusion: HS256 keyed with the public key's own JWK text.
    const confused = await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(JSON.stringify(jwk)));
    await expectCode(verify(confused, jwks, { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
    expect((await verify(await token(rsa.privateKey), jwks, { issuer: false, audience: false })).key.kid).toBe('rsa');
  });

  it('narrows keys to the algorithms option', async () => {
    const ec = await es256('ec');
    const rsa = await generateKeyPair('RS256', { kid: 'rsa' });
    const rsaJwk = { ...(await exportJwk(rsa.publicKey)) };
    delete rsaJwk.alg;
    server.route('/jwks.json', json({ keys: [ec.jwk, rsaJwk] }));
    const { jwks } = remote({ algorithms: ['RS256'] });
    await jwks.refresh();
    expect(jwks.keys.map((k) => [k.kid, k.algorithms])).toEqual([['rsa', ['RS256']]]);
    await expectCode(verify(await token(ec.privateKey), jwks, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    expect((await verify(await token(rsa.privateKey), jwks, { issuer: false, audience: false })).key.kid).toBe('rsa');
  });
});

describe('remoteJwks: tokens without kid', () => {
  const kidless = (key: JwtKey, alg?: 'RS256' | 'ES256'): Promise<string> => sign(claims, key, { expiresIn: '1h', kid: false, ...(alg ? { alg } : {}) });

  it('verifies a token without kid against the one key serving its alg, and refuses a stranger', async () => {
    const ec = await es256('ec');
    const rsa = await generateKeyPair('RS256', { kid: 'rsa' });
    const stranger = await es256('stranger');
    server.route('/jwks.json', json({ keys: [ec.jwk, await exportJwk(rsa.publicKey)] }));
    const { jwks } = remote();
    expect((await verify(await kidless(ec.privateKey), jwks, { issuer: false, audience: false })).key.kid).toBe('ec');
    expect((await verify(await kidless(rsa.privateKey), jwks, { issuer: false, audience: false })).key.kid).toBe('rsa');
    const candidates = jwks.getKeys({ alg: 'ES256' });
    expect(Array.isArray(candidates) && candidates.length === 1 && candidates[0] === jwks.keys[0]).toBe(true);
    // The twins: another key of the same type fails its signature; an algorithm no key serves is
    // refused as such, without trying any key.
    await expectCode(verify(await kidless(stranger.privateKey), jwks, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
    const es384 = await generateKeyPair('ES384');
    await expectCode(verify(await sign(claims, es384.privateKey, { expiresIn: '1h', kid: false }), jwks, { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
  });

  it('verifies a token without kid from a single-key set whose key has no kid either', async () => {
    const a = await es256();
    const bare = { ...a.jwk };
    delete bare.kid;
    server.route('/jwks.json', json({ keys: [bare] }));
    const { jwks } = remote();
    const { key } = await verify(await kidless(a.privateKey), jwks, { issuer: false, audience: false });
    expect([key.kid, key.algorithms]).toEqual([undefined, ['ES256']]);
    // The twin: a second kid-less key for the same algorithm makes every kid-less token ambiguous.
    const b = await es256();
    const bareB = { ...b.jwk };
    delete bareB.kid;
    server.route('/jwks.json', json({ keys: [bare, bareB] }));
    await jwks.refresh();
    await expectCode(verify(await kidless(a.privateKey), jwks, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
  });

  it('refuses a token without kid when several keys fit its alg, before trying any of them', async () => {
    const keys = await Promise.all(['k1', 'k2', 'k3'].map((kid) => es256(kid)));
    const rsa = await generateKeyPair('RS256', { kid: 'rsa' });
    server.route('/jwks.json', json({ keys: [...keys.map((k) => k.jwk), await exportJwk(rsa.publicKey)] }));
    const { jwks } = remote();
    const genuine = await kidless(keys[1]!.privateKey);
    await expectCode(verify(genuine, jwks, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    // No candidate is handed to verification at all: the refusal costs no signature check.
    expect(syncCode(() => jwks.getKeys({ alg: 'ES256' }))).toBe('ERR_JWT_KEY_NOT_FOUND');
    expect(server.count('/jwks.json')).toBe(1);
    // The twins: the same key with its kid verifies; the single RSA key still serves kid-less RS256.
    expect((await verify(await token(keys[1]!.privateKey), jwks, { issuer: false, audience: false })).key.kid).toBe('k2');
    expect((await verify(await kidless(rsa.privateKey), jwks, { issuer: false, audience: false })).key.kid).toBe('rsa');
  });

  it('kidlessCandidates raises the bound, or with 0 requires a kid on every token', async () => {
    const keys = await Promise.all(['k1', 'k2', 'k3'].map((kid) => es256(kid)));
    server.route('/jwks.json', json({ keys: keys.map((k) => k.jwk) }));
    const t = await kidless(keys[2]!.privateKey);
    await expectCode(verify(t, remote({ kidlessCandidates: 2 }).jwks, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    expect((await verify(t, remote({ kidlessCandidates: 3 }).jwks, { issuer: false, audience: false })).key.kid).toBe('k3');

    server.route('/jwks.json', json({ keys: [keys[0]!.jwk] }));
    const strict = remote({ kidlessCandidates: 0 }).jwks;
    await expectCode(verify(await kidless(keys[0]!.privateKey), strict, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    expect((await verify(await token(keys[0]!.privateKey), strict, { issuer: false, audience: false })).key.kid).toBe('k1');
  });
});

describe('remoteJwks: redirects', () => {
  it('follows a redirect on loopback, and refuses one to plain http elsewhere without contacting it', async () => {
    const a = await es256('a');
    server.route('/jwks.json', json({ keys: [a.jwk] }));
    server.route('/moved', (_req, res) => res.writeHead(301, { location: '/jwks.json' }).end());
    server.route('/away', (_req, res) => res.writeHead(302, { location: 'http://jwks.example.invalid/keys' }).end());
    server.route('/loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end());
    const moved = remoteJwks(`${server.base}/moved`);
    expect((await verify(await token(a.privateKey), moved, { issuer: false, audience: false })).key.kid).toBe('a');
    await expectCode(remoteJwks(`${server.base}/away`).refresh(), 'ERR_JWKS_INVALID');
    await expectCode(remoteJwks(`${server.base}/loop`).refresh(), 'ERR_JWKS_FETCH_FAILED');
    expect(server.count('/loop')).toBe(4);
  });

  it('sends custom headers through a same-origin redirect, and drops them for good once a redirect leaves the origin', async () => {
    const a = await es256('a');
    const other = await startServer();
    try {
      // What each hop received: the custom header, and the accept header the library always sends.
      const seen: Array<[string, string | undefined, string | undefined]> = [];
      const record = (where: string, then: Handler): Handler => (req, res) => {
        seen.push([where, req.headers['x-api-key'] as string | undefined, req.headers.accept]);
        then(req, res);
      };
      server.route('/jwks.json', record('home /jwks.json', json({ keys: [a.jwk] })));
      server.route('/moved', record('home /moved', (_req, res) => res.writeHead(301, { location: '/jwks.json' }).end()));
      server.route('/away', record('home /away', (_req, res) => res.writeHead(302, { location: `${other.base}/jwks.json` }).end()));
      server.route('/out', record('home /out', (_req, res) => res.writeHead(302, { location: `${other.base}/back` }).end()));
      other.route('/jwks.json', record('other /jwks.json', json({ keys: [a.jwk] })));
      other.route('/back', record('other /back', (_req, res) => res.writeHead(302, { location: `${server.base}/jwks.json` }).end()));
      const headers = { 'x-api-key': 'gateway-secret' };
      const accept = 'application/json, application/jwk-set+json';
      const t = await token(a.privateKey);

      // Same origin: the key goes along on every hop.
      expect((await verify(t, remoteJwks(`${server.base}/moved`, { headers }), { issuer: false, audience: false })).key.kid).toBe('a');
      expect(seen.splice(0)).toEqual([
        ['home /moved', 'gateway-secret', accept],
        ['home /jwks.json', 'gateway-secret', accept],
      ]);
      // Another origin (another port): the set is still fetched, without the key.
      expect((await verify(t, remoteJwks(`${server.base}/away`, { headers }), { issuer: false, audience: false })).key.kid).toBe('a');
      expect(seen.splice(0)).toEqual([
        ['home /away', 'gateway-secret', accept],
        ['other /jwks.json', undefined, accept],
      ]);
      // Leaving and coming back: still without the key.
      expect((await verify(t, remoteJwks(`${server.base}/out`, { headers }), { issuer: false, audience: false })).key.kid).toBe('a');
      expect(seen.splice(0)).toEqual([
        ['home /out', 'gateway-secret', accept],
        ['other /back', undefined, accept],
        ['home /jwks.json', undefined, accept],
      ]);
    } finally {
      await other.close();
    }
  });

  it('refuses an https URL redirecting to plain http (even loopback, even with allowHttp) without contacting it', async () => {
    const a = await es256('a');
    const tls = await startServer(true);
    try {
      tls.route('/jwks.json', json({ keys: [a.jwk] }));
      tls.route('/same', (_req, res) => res.writeHead(302, { location: '/jwks.json' }).end());
      tls.route('/down', (_req, res) => res.writeHead(302, { location: `${server.base}/jwks.json` }).end());
      server.route('/jwks.json', json({ keys: [a.jwk] }));
      const t = await token(a.privateKey);

      // The twins: https, and an https → https redirect, verify.
      expect((await verify(t, remoteJwks(`${tls.base}/jwks.json`, { fetch: tlsFetch }), { issuer: false, audience: false })).key.kid).toBe('a');
      expect((await verify(t, remoteJwks(`${tls.base}/same`, { fetch: tlsFetch }), { issuer: false, audience: false })).key.kid).toBe('a');
      expect(tls.count('/jwks.json')).toBe(2);
      // https → http://127.0.0.1: refused before the http server is contacted.
      await expectCode(remoteJwks(`${tls.base}/down`, { fetch: tlsFetch }).refresh(), 'ERR_JWKS_INVALID');
      await expectCode(remoteJwks(`${tls.base}/down`, { fetch: tlsFetch, allowHttp: true }).refresh(), 'ERR_JWKS_INVALID');
      await expectCode(verify(t, remoteJwks(`${tls.base}/down`, { fetch: tlsFetch }), { issuer: false, audience: false }), 'ERR_JWKS_INVALID');
      expect(tls.count('/down')).toBe(3);
      expect(server.count('/jwks.json')).toBe(0);
      // A plain http URL (loopback here) may still redirect to plain http.
      server.route('/moved', (_req, res) => res.writeHead(302, { location: '/jwks.json' }).end());
      expect((await verify(t, remoteJwks(`${server.base}/moved`, { fetch: tlsFetch }), { issuer: false, audience: false })).key.kid).toBe('a');
      expect(server.count('/jwks.json')).toBe(1);
    } finally {
      await tls.close();
    }
  });

  it('refuses a discovery document on https naming a plain http jwks_uri', async () => {
    const a = await es256('a');
    const tls = await startServer(true);
    try {
      const issuer = `${tls.base}/tenant`;
      tls.route('/tenant/keys', json({ keys: [a.jwk] }));
      server.route('/jwks.json', json({ keys: [a.jwk] }));
      const t = await sign(claims, a.privateKey, { expiresIn: '1h', issuer });
      tls.route('/tenant/.well-known/openid-configuration', json({ issuer, jwks_uri: `${server.base}/jwks.json` }));
      await expectCode(verify(t, discoverJwks(issuer, { fetch: tlsFetch }), { issuer: false, audience: false }), 'ERR_JWKS_INVALID');
      expect(server.count('/jwks.json')).toBe(0);
      // The twin: an https jwks_uri is used.
      tls.route('/tenant/.well-known/openid-configuration', json({ issuer, jwks_uri: `${tls.base}/tenant/keys` }));
      expect((await verify(t, discoverJwks(issuer, { fetch: tlsFetch }), { audience: false, issuer })).key.kid).toBe('a');
      expect(tls.count('/tenant/keys')).toBe(1);
    } finally {
      await tls.close();
    }
  });
});

describe('discoverJwks', () => {
  function publishDiscovery(issuer: string, doc: Record<string, unknown>, path = '/tenant/.well-known/openid-configuration'): void {
    server.route(path, json({ issuer, ...doc }));
  }

  it('finds jwks_uri from the issuer and verifies with it, discovering once', async () => {
    const a = await es256('a');
    const issuer = `${server.base}/tenant/`;
    publishDiscovery(issuer, { jwks_uri: `${server.base}/tenant/keys` });
    server.route('/tenant/keys', json({ keys: [a.jwk] }));
    const jwks = discoverJwks(issuer);
    expect(jwks.jwksUri).toBeUndefined();
    const t = await sign(claims, a.privateKey, { expiresIn: '1h', issuer });
    expect((await verify(t, jwks, { audience: false, issuer })).payload.iss).toBe(issuer);
    expect(jwks.jwksUri).toBe(`${server.base}/tenant/keys`);
    await jwks.refresh();
    expect(server.count('/tenant/.well-known/openid-configuration')).toBe(1);
    expect(server.count('/tenant/keys')).toBe(2);
  });

  it('refuses a discovery document naming another issuer', async () => {
    const a = await es256('a');
    publishDiscovery(`${server.base}/other/`, { jwks_uri: `${server.base}/tenant/keys` });
    server.route('/tenant/keys', json({ keys: [a.jwk] }));
    await expectCode(discoverJwks(`${server.base}/tenant/`).refresh(), 'ERR_JWKS_INVALID');
    expect(server.count('/tenant/keys')).toBe(0);
    // The issuer must match exactly, trailing slash included.
    await expectCode(discoverJwks(`${server.base}/tenant`).refresh(), 'ERR_JWKS_INVALID');
  });

  it('refuses a missing or insecure jwks_uri, and reports a missing document', async () => {
    const issuer = `${server.base}/tenant/`;
    publishDiscovery(issuer, {});
    await expectCode(discoverJwks(issuer).refresh(), 'ERR_JWKS_INVALID');
    publishDiscovery(issuer, { jwks_uri: 'http://idp.example.invalid/keys' });
    await expectCode(discoverJwks(issuer).refresh(), 'ERR_JWKS_INVALID');
    await expectCode(discoverJwks(`${server.base}/nobody/`).refresh(), 'ERR_JWKS_FETCH_FAILED');
  });
});

describe('remoteJwks: persistent cache', () => {
  function memoryStore(): JwksCacheStore & { value: string | undefined; ttl: number | undefined; sets: number } {
    const store = {
      value: undefined as string | undefined,
      ttl: undefined as number | undefined,
      sets: 0,
      get: async () => store.value,
      set: async (value: string, ttl: number) => {
        store.value = value;
        store.ttl = ttl;
        store.sets++;
      },
    };
    return store;
  }

  it('a cold instance verifies from the store without fetching', async () => {
    const a = await es256('a');
    server.route('/jwks.json', json({ keys: [a.jwk] }, { 'cache-control': 'max-age=300' }));
    const store = memoryStore();
    const clock = fakeClock();
    const options = { cache: store, clock: clock.now, maxStale: 3600 };
    await remoteJwks(`${server.base}/jwks.json`, options).refresh();
    expect(store.sets).toBe(1);
    expect(store.ttl).toBe(300 + 3600);
    expect(store.value).not.toContain('"d"');

    server.route('/jwks.json', (_req, res) => res.writeHead(500).end());
    const cold = remoteJwks(`${server.base}/jwks.json`, options);
    expect((await verify(await token(a.privateKey), cold, { issuer: false, audience: false })).key.kid).toBe('a');
    expect(server.count('/jwks.json')).toBe(1);
  });

  it('ignores a corrupt, failing or too old entry and fetches instead', async () => {
    const a = await es256('a');
    server.route('/jwks.json', json({ keys: [a.jwk] }));
    const t = await token(a.privateKey);
    const corrupt = { get: () => '{"v":1,"keys":"x"', set: () => undefined };
    await verify(t, remoteJwks(`${server.base}/jwks.json`, { cache: corrupt }), { issuer: false, audience: false });
    const failing = { get: () => Promise.reject(new Error('kv down')), set: () => Promise.reject(new Error('kv down')) };
    await verify(t, remoteJwks(`${server.base}/jwks.json`, { cache: failing }), { issuer: false, audience: false });
    const old = { get: () => JSON.stringify({ v: 1, fetchedAt: 0, expiresAt: 1000, keys: [a.jwk] }), set: () => undefined };
    await verify(t, remoteJwks(`${server.base}/jwks.json`, { cache: old }), { issuer: false, audience: false });
    expect(server.count('/jwks.json')).toBe(3);
  });

  it('ignores an entry claiming to be fetched in the future, beyond a minute of clock skew', async () => {
    const a = await es256('a');
    server.route('/jwks.json', json({ keys: [a.jwk] }));
    const t = await token(a.privateKey);
    const entry = (fetchedAt: number) => ({ get: () => JSON.stringify({ v: 1, fetchedAt, expiresAt: fetchedAt + 600_000, keys: [a.jwk] }), set: () => undefined });
    const clock = fakeClock();
    // Tampered: "fetched" a year from now, it would otherwise never expire.
    await verify(t, remoteJwks(`${server.base}/jwks.json`, { clock: clock.now, cache: entry(clock.now() + 365 * 86_400_000) }), { issuer: false, audience: false });
    await verify(t, remoteJwks(`${server.base}/jwks.json`, { clock: clock.now, cache: entry(clock.now() + 61_000) }), { issuer: false, audience: false });
    expect(server.count('/jwks.json')).toBe(2);
    // The twin: a writer whose clock runs 30 seconds ahead is tolerated.
    await verify(t, remoteJwks(`${server.base}/jwks.json`, { clock: clock.now, cache: entry(clock.now() + 30_000) }), { issuer: false, audience: false });
    expect(server.count('/jwks.json')).toBe(2);
  });

  it('bounds a stored entry by now + maxCacheAge, not only by its own fetchedAt', async () => {
    const a = await es256('a');
    server.route('/jwks.json', json({ keys: [a.jwk] }));
    const clock = fakeClock();
    const fetchedAt = clock.now() + 50_000;
    const store = { get: () => JSON.stringify({ v: 1, fetchedAt, expiresAt: fetchedAt + 3_600_000, keys: [a.jwk] }), set: () => undefined };
    const jwks = remoteJwks(`${server.base}/jwks.json`, { clock: clock.now, cache: store, maxCacheAge: '1h' });
    await jwks.getKeys({ alg: 'ES256', kid: 'a' });
    clock.advance(3590);
    await jwks.getKeys({ alg: 'ES256', kid: 'a' });
    expect(server.count('/jwks.json')).toBe(0);
    // Past now + 1h (though before fetchedAt + 1h): the entry has expired and the set is fetched.
    clock.advance(20);
    await jwks.getKeys({ alg: 'ES256', kid: 'a' });
    expect(server.count('/jwks.json')).toBe(1);
  });

  it('admits stored keys by the same rules as fetched ones', async () => {
    const a = await es256('a');
    const hmac = secretKey('a-thirty-two-byte-long-hmac-secret!', { kid: 'oct' });
    const now = Date.now();
    const planted = { v: 1, fetchedAt: now, expiresAt: now + 600_000, keys: [{ ...(await exportJwk(hmac, { includePrivate: true })), kid: 'oct' }] };
    server.route('/jwks.json', json({ keys: [a.jwk] }));
    const jwks = remoteJwks(`${server.base}/jwks.json`, { cache: { get: () => JSON.stringify(planted), set: () => undefined } });
    await expectCode(verify(await token(hmac), jwks, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    expect(jwks.keys.map((k) => k.kid)).toEqual(['a']);
  });
});

describe('remoteJwks: interoperability with jose', () => {
  const cases: Array<[string, Parameters<typeof jose.generateKeyPair>[1]]> = [
    ['RS256', {}],
    ['PS256', {}],
    ['ES256', {}],
    ['ES384', {}],
    ['ES512', {}],
    ['EdDSA', { crv: 'Ed25519' }],
  ];

  async function joseSet() {
    const signers: Array<{ alg: string; kid: string; privateKey: jose.CryptoKey }> = [];
    const keys: jose.JWK[] = [];
    for (const [alg, opts] of cases) {
      const pair = await jose.generateKeyPair(alg, { ...opts, extractable: true });
      const kid = `jose-${alg}`;
      keys.push({ ...(await jose.exportJWK(pair.publicKey)), kid, alg, use: 'sig' });
      signers.push({ alg, kid, privateKey: pair.privateKey });
    }
    return { signers, keys };
  }

  const joseToken = (alg: string, kid: string, key: jose.CryptoKey) =>
    new jose.SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'JWT' }).setIssuedAt().setExpirationTime('1h').setIssuer('idp').sign(key);

  it.each(['node', 'webcrypto'] as const)('verifies tokens signed by jose with keys from the server (%s backend)', async (backend) => {
    const { signers, keys } = await joseSet();
    server.route('/jwks.json', json({ keys }));
    useBackend(backend);
    try {
      const jwks = remoteJwks(`${server.base}/jwks.json`);
      for (const { alg, kid, privateKey } of signers) {
        const { payload, key } = await verify(await joseToken(alg, kid, privateKey), jwks, { audience: false, issuer: 'idp' });
        expect([payload.sub, key.kid]).toEqual(['kevin', kid]);
      }
      // The negative twin: each token under another algorithm's kid fails.
      const [first, second] = signers;
      await expectCode(verify(await joseToken(first!.alg, second!.kid, first!.privateKey), jwks, { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
      const other = await jose.generateKeyPair('ES256');
      await expectCode(verify(await joseToken('ES256', 'jose-ES256', other.privateKey), jwks, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
      expect(server.count('/jwks.json')).toBe(1);
    } finally {
      useBackend('node');
    }
  });
});

describe('remoteJwks: configuration', () => {
  it('refuses plain http to a non-loopback host unless allowHttp is set', () => {
    expect(syncCode(() => remoteJwks('http://idp.example.invalid/jwks.json'))).toBe('ERR_CONFIG_INVALID');
    expect(syncCode(() => remoteJwks('http://idp.example.invalid/jwks.json', { allowHttp: true }))).toBe('no error');
    expect(syncCode(() => remoteJwks('https://idp.example.invalid/jwks.json'))).toBe('no error');
    expect(syncCode(() => remoteJwks('http://localhost:8080/jwks.json'))).toBe('no error');
    expect(syncCode(() => discoverJwks('http://idp.example.invalid/'))).toBe('ERR_CONFIG_INVALID');
  });

  it.each<[string, () => unknown]>([
    ['a relative URL', () => remoteJwks('/jwks.json')],
    ['ftp', () => remoteJwks('ftp://127.0.0.1/jwks.json')],
    ['credentials in the URL', () => remoteJwks('https://user:pw@idp.example.invalid/jwks.json')],
    ['an empty issuer', () => discoverJwks('')],
    ['min above max', () => remoteJwks('https://idp.example.invalid/', { minCacheAge: '2h', maxCacheAge: '1h' })],
    ['a zero timeout', () => remoteJwks('https://idp.example.invalid/', { timeout: 0 })],
    ['a negative cooldown', () => remoteJwks('https://idp.example.invalid/', { cooldown: -1 })],
    ['an HMAC algorithm', () => remoteJwks('https://idp.example.invalid/', { algorithms: ['HS256'] })],
    ['an empty algorithm list', () => remoteJwks('https://idp.example.invalid/', { algorithms: [] })],
    ['a fractional maxBodyBytes', () => remoteJwks('https://idp.example.invalid/', { maxBodyBytes: 1.5 })],
    ['a cache without set', () => remoteJwks('https://idp.example.invalid/', { cache: { get: () => undefined } as unknown as JwksCacheStore })],
    ['a negative kidlessCandidates', () => remoteJwks('https://idp.example.invalid/', { kidlessCandidates: -1 })],
    ['kidlessCandidates above 16', () => remoteJwks('https://idp.example.invalid/', { kidlessCandidates: 17 })],
    ['a fractional kidlessCandidates', () => remoteJwks('https://idp.example.invalid/', { kidlessCandidates: 1.5 })],
  ])('refuses %s at construction', (_name, make) => {
    expect(syncCode(make)).toBe('ERR_CONFIG_INVALID');
  });

  it('accepts kidlessCandidates from 0 to 16', () => {
    for (const n of [0, 1, 16]) expect(syncCode(() => remoteJwks('https://idp.example.invalid/', { kidlessCandidates: n }))).toBe('no error');
  });
});

describe('sharedRemoteJwks (a JWKS URL given as a key)', () => {
  it('shares one instance per URL, so repeated one-off verifications fetch once', async () => {
    const a = await es256('a');
    server.route('/jwks.json', json({ keys: [a.jwk] }));
    const url = `${server.base}/jwks.json`;
    const t = await token(a.privateKey);
    for (let i = 0; i < 5; i++) expect((await verify(t, sharedRemoteJwks(url), { issuer: false, audience: false })).key.kid).toBe('a');
    expect(server.count('/jwks.json')).toBe(1);
    // Other spellings of the same URL share the entry.
    expect(sharedRemoteJwks(new URL(url))).toBe(sharedRemoteJwks(url));
    expect(sharedRemoteJwks(`${server.base}/./jwks.json`)).toBe(sharedRemoteJwks(url));
    // The twins: another URL is another set, and unshared instances fetch every time.
    await verify(t, sharedRemoteJwks(`${url}?tenant=2`), { issuer: false, audience: false });
    expect(server.count('/jwks.json')).toBe(2);
    for (let i = 0; i < 5; i++) await verify(t, remoteJwks(url), { issuer: false, audience: false });
    expect(server.count('/jwks.json')).toBe(7);
  });

  it('keeps the 16 most recently used URLs', () => {
    const url = (i: number): string => `${server.base}/jwks.json?n=${i}`;
    const made = Array.from({ length: 16 }, (_, i) => sharedRemoteJwks(url(i)));
    // A hit makes url(0) the most recent, so the next new URL evicts url(1) instead.
    expect(sharedRemoteJwks(url(0))).toBe(made[0]);
    sharedRemoteJwks(url(16));
    expect(sharedRemoteJwks(url(0))).toBe(made[0]);
    expect(sharedRemoteJwks(url(2))).toBe(made[2]);
    expect(sharedRemoteJwks(url(1))).not.toBe(made[1]);
    // Sixteen newer URLs push url(0) out too.
    for (let i = 100; i < 116; i++) sharedRemoteJwks(url(i));
    expect(sharedRemoteJwks(url(0))).not.toBe(made[0]);
  });

  it('refuses a URL that remoteJwks refuses', () => {
    expect(syncCode(() => sharedRemoteJwks('http://idp.example.invalid/jwks.json'))).toBe('ERR_CONFIG_INVALID');
    expect(syncCode(() => sharedRemoteJwks('not a url'))).toBe('ERR_CONFIG_INVALID');
    expect(syncCode(() => sharedRemoteJwks('https://idp.example.invalid/jwks.json'))).toBe('no error');
  });
});
