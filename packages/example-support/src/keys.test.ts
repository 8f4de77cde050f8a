import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteJwks, createVerifier, decodeUnverified, isJwtError, sign, type JwtErrorCode } from '@jwt/core';
import { SignJWT, calculateJwkThumbprint, createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Environment } from './config.js';
import { JWKS_ALGORITHMS, resolveKeys } from './keys.js';
import { createExampleService, type ExampleClaims, type ExampleService } from './service.js';
import { UserStore } from './users.js';

import type { ExampleAuthOptions } from './service.js';

/** The service's authenticator options less the HTTP ones (realm, cookie), which a bare verifier does not take. */
function verifierOptions({ realm: _realm, cookie: _cookie, ...options }: ExampleAuthOptions) {
  return options;
}

const SECRET = 'keys-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
let dir: string;
let users: UserStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jwt-example-keys-'));
  users = await UserStore.create();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function pemFile(name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

type KeySpec = ['rsa', number] | ['ec', string] | ['ed25519'];

function privatePem(spec: KeySpec): { privatePem: string; publicPem: string } {
  const pair =
    spec[0] === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: spec[1] })
      : spec[0] === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: spec[1] })
        : generateKeyPairSync('ed25519');
  return {
    privatePem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

async function asyncConfigError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof ConfigError) return error.message;
  throw new Error(`expected a ConfigError, got ${String(error)}`);
}

const keyFileEnv = (file: string, extra: Environment = {}): Environment => ({ JWT_PRIVATE_KEY_FILE: file, ...extra });

describe('JWT_SECRET', () => {
  it.each([
    ['a PEM public key', privatePem(['ec', 'prime256v1']).publicPem],
    ['text naming a PUBLIC KEY', 'this is my PUBLIC KEY, padded to more than 32 bytes'],
    ['a JWK', JSON.stringify({ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA' })],
  ])('refuses %s as the HMAC secret with a configuration error that does not echo it', async (_name, secret) => {
    const config = loadConfig({ JWT_SECRET: secret }, { defaultPort: 3000 });
    const message = await asyncConfigError(resolveKeys(config.signing));
    expect(message).toMatch(/^JWT_SECRET is not usable as an HS256 secret \(key invalid: .*\)$/);
    for (const piece of secret.split(/\s+/).filter((p) => p.length >= 8)) expect(message).not.toContain(piece);
    await expect(createExampleService(config, { users })).rejects.toBeInstanceOf(ConfigError);
  });

  it('accepts an ordinary secret of 32 bytes or more, and signs only HS256 with it', async () => {
    const keys = await resolveKeys(loadConfig({ JWT_SECRET: SECRET }, { defaultPort: 3000 }).signing);
    expect(keys.algorithms).toEqual(['HS256']);
    const token = await sign({ sub: 'kevin' }, keys.signingKey!, { expiresIn: 60 });
    expect(decodeUnverified(token).header.alg).toBe('HS256');
    await expect(createVerifier({ issuer: false, audience: false, key: keys.verifyKey, algorithms: keys.algorithms }).verify(token)).resolves.toMatchObject({ payload: { sub: 'kevin' } });
  });
});

describe('the random fallback secret', () => {
  /** Random bytes that start like one DER SEQUENCE (0x30, then the length of the rest): about 1 draw in 65,536. */
  const derShaped = (length: number): Uint8Array => {
    const bytes = new Uint8Array(randomBytes(length));
    bytes[0] = 0x30;
    bytes[1] = length - 2;
    return bytes;
  };

  it('is usable even when the random bytes look like DER, and only it verifies its tokens', async () => {
    const config = loadConfig({}, { defaultPort: 3000, randomBytes: derShaped });
    expect(config.signing).toMatchObject({ kind: 'secret', generated: true });
    const { secret } = config.signing as Extract<typeof config.signing, { kind: 'secret' }>;
    expect([secret[0], secret[1]]).toEqual([0x30, secret.length - 2]);
    const keys = await resolveKeys(config.signing);
    const token = await sign({ sub: 'kevin' }, keys.signingKey!, { expiresIn: 60 });
    await expect(createVerifier({ issuer: false, audience: false, key: keys.verifyKey, algorithms: keys.algorithms }).verify(token)).resolves.toMatchObject({ payload: { sub: 'kevin' } });
    await expect(createExampleService(config, { users })).resolves.toBeDefined();
    // The negative twin: another DER-shaped random secret does not verify these tokens.
    const other = await resolveKeys(loadConfig({}, { defaultPort: 3000, randomBytes: derShaped }).signing);
    const error = await createVerifier({ issuer: false, audience: false, key: other.verifyKey, algorithms: other.algorithms }).verify(token).then(() => undefined, (e: unknown) => e);
    expect(isJwtError(error, 'ERR_JWS_SIGNATURE_INVALID')).toBe(true);
  });
});

describe('JWT_PRIVATE_KEY_FILE', () => {
  it.each<[string, KeySpec, string, string]>([
    ['RSA', ['rsa', 2048], 'RS256', 'RSA'],
    ['EC P-256', ['ec', 'prime256v1'], 'ES256', 'EC'],
    ['EC P-384', ['ec', 'secp384r1'], 'ES384', 'EC'],
    ['EC P-521', ['ec', 'secp521r1'], 'ES512', 'EC'],
    ['Ed25519', ['ed25519'], 'EdDSA', 'OKP'],
  ])('%s signs with %s, kid = thumbprint, only that algorithm, public key published', async (name, spec, alg, kty) => {
    const file = pemFile(`${name}.pem`, privatePem(spec).privatePem);
    const config = loadConfig(keyFileEnv(file), { defaultPort: 3000 });
    expect(config.warnings).toEqual([]);
    const keys = await resolveKeys(config.signing);
    expect(keys.algorithms).toEqual([alg]);
    expect(keys.jwks).toHaveLength(1);
    const jwk = keys.jwks![0]!;
    expect(jwk).toMatchObject({ kty, alg, use: 'sig' });
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(jwk).not.toHaveProperty(member);
    expect(jwk.kid).toBe(await calculateJwkThumbprint(jwk as JWK, 'sha256'));
    expect(keys.signingKey?.kid).toBe(jwk.kid);

    const verifier = createVerifier({ issuer: false, audience: false, key: keys.verifyKey, algorithms: keys.algorithms });
    const token = await sign({ sub: 'kevin' }, keys.signingKey!, { expiresIn: '5m' });
    expect(decodeUnverified(token).header).toEqual({ alg, typ: 'JWT', kid: jwk.kid });
    expect((await verifier.verify(token)).payload.sub).toBe('kevin');
    // Verified by an independent implementation against the published key.
    expect((await jwtVerify(token, createLocalJWKSet({ keys: keys.jwks as JWK[] }))).payload.sub).toBe('kevin');
    // The negative twin: a token from another key of the same type, under the same kid.
    const other = await resolveKeys(loadConfig(keyFileEnv(pemFile(`${name}-other.pem`, privatePem(spec).privatePem)), { defaultPort: 3000 }).signing);
    const forged = await sign({ sub: 'kevin' }, other.signingKey!.withKid(jwk.kid!), { expiresIn: '5m' });
    const error = await verifier.verify(forged).catch((e: unknown) => e);
    expect(isJwtError(error, 'ERR_JWS_SIGNATURE_INVALID')).toBe(true);
  });

  it('an RSA key signs RS256 only: PS256 and RS512 from the same key are refused', async () => {
    const { privatePem: pem } = privatePem(['rsa', 2048]);
    const keys = await resolveKeys(loadConfig(keyFileEnv(pemFile('rsa-only.pem', pem)), { defaultPort: 3000 }).signing);
    const verifier = createVerifier({ issuer: false, audience: false, key: keys.verifyKey, algorithms: keys.algorithms });
    const { createPrivateKey } = await import('node:crypto');
    const kid = keys.signingKey!.kid!;
    for (const alg of ['PS256', 'RS512']) {
      const token = await new SignJWT({ sub: 'kevin' }).setProtectedHeader({ alg, kid }).setExpirationTime('5m').sign(createPrivateKey(pem));
      const error = await verifier.verify(token).catch((e: unknown) => e);
      expect(isJwtError(error) ? error.code : error).toBe<JwtErrorCode>('ERR_JWS_ALG_NOT_ALLOWED');
    }
  });

  it('warns that JWT_SECRET is ignored, and HS256 tokens with it are refused', async () => {
    const file = pemFile('ignored-secret.pem', privatePem(['ec', 'prime256v1']).privatePem);
    const config = loadConfig(keyFileEnv(file, { JWT_SECRET: SECRET }), { defaultPort: 3000 });
    expect(config.warnings).toEqual(['JWT_SECRET is ignored: JWT_PRIVATE_KEY_FILE is set']);
    const keys = await resolveKeys(config.signing);
    const hs = await new SignJWT({ sub: 'kevin' }).setProtectedHeader({ alg: 'HS256', kid: keys.signingKey!.kid! }).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
    const error = await createVerifier({ issuer: false, audience: false, key: keys.verifyKey, algorithms: keys.algorithms }).verify(hs).catch((e: unknown) => e);
    expect(isJwtError(error, 'ERR_JWS_ALG_NOT_ALLOWED')).toBe(true);
  });

  it('refuses a missing, oversized or empty file at load time, naming the variable', () => {
    expect(configError(() => loadConfig(keyFileEnv(join(dir, 'missing.pem')), { defaultPort: 3000 }))).toMatch(/^JWT_PRIVATE_KEY_FILE cannot be read \(ENOENT\)/);
    expect(configError(() => loadConfig(keyFileEnv(pemFile('huge.pem', 'x'.repeat(70_000))), { defaultPort: 3000 }))).toMatch(/JWT_PRIVATE_KEY_FILE is too large/);
    expect(configError(() => loadConfig(keyFileEnv(''), { defaultPort: 3000 }))).toMatch(/JWT_PRIVATE_KEY_FILE must not be empty/);
  });

  it.each<[string, () => string, RegExp]>([
    ['a public key', () => privatePem(['ec', 'prime256v1']).publicPem, /must hold a PEM private key/],
    ['an HMAC secret', () => SECRET, /must hold a PEM private key/],
    ['a 1024-bit RSA key', () => privatePem(['rsa', 1024]).privatePem, /usable key \(key too weak/],
    ['an unsupported curve', () => privatePem(['ec', 'secp256k1']).privatePem, /usable key \(key type not supported/],
    [
      'an encrypted key',
      () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string,
      /usable key/,
    ],
    ['garbage PEM', () => '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', /usable key/],
  ])('refuses %s with a ConfigError that does not echo the file', async (name, content, pattern) => {
    const pem = content();
    const file = pemFile(`${name.replace(/\W/g, '-')}.pem`, pem);
    const message = await asyncConfigError(resolveKeys(loadConfig(keyFileEnv(file), { defaultPort: 3000 }).signing));
    expect(message).toMatch(pattern);
    expect(message).toContain(file);
    expect(message).not.toContain(pem.slice(30, 60));
  });
});

describe('JWKS_URL', () => {
  let server: Server;
  let base: string;
  let published: unknown = { keys: [] };
  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(published)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('verifies with the remote keys, issues no tokens and publishes nothing', async () => {
    const issuerFile = pemFile('issuer.pem', privatePem(['ec', 'prime256v1']).privatePem);
    const issuer = await createExampleService(loadConfig(keyFileEnv(issuerFile), { defaultPort: 3000 }), { users });
    published = issuer.jwks().body;
    const config = loadConfig({ JWKS_URL: `${base}/.well-known/jwks.json`, JWT_SECRET: SECRET }, { defaultPort: 3001 });
    expect(config.warnings).toEqual(['JWT_SECRET is ignored: JWKS_URL is set']);
    const verifierApp: ExampleService = await createExampleService(config, { users });
    expect(verifierApp.auth.key).toBeInstanceOf(RemoteJwks);
    expect(verifierApp.auth.algorithms).toEqual(JWKS_ALGORITHMS);
    expect(await verifierApp.login(JSON.stringify({ username: 'kevin', password: 'kevin-password' }), 'application/json')).toMatchObject({ status: 404 });
    expect(verifierApp.jwks()).toMatchObject({ status: 404 });

    const login = await issuer.login(JSON.stringify({ username: 'kevin', password: 'kevin-password' }), 'application/json');
    const token = (login.body as { token: string }).token;
    const verifier = createVerifier<ExampleClaims>(verifierOptions(verifierApp.auth));
    expect((await verifier.verify(token)).payload).toMatchObject({ sub: 'kevin', permissions: ['view', 'comment'] });
    // The negative twin: an HS256 token made with the (ignored) JWT_SECRET is refused.
    const hs = await new SignJWT({ sub: 'kevin', iss: 'jwt-example', aud: 'jwt-example-api' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
    const error = await verifier.verify(hs).catch((e: unknown) => e);
    expect(isJwtError(error, 'ERR_JWS_ALG_NOT_ALLOWED')).toBe(true);
    await Promise.all([issuer.close(), verifierApp.close()]);
  });

  it('refuses a malformed URL, a non-http scheme, plain http off loopback, and both variables at once', async () => {
    expect(configError(() => loadConfig({ JWKS_URL: 'not a url' }, { defaultPort: 3000 }))).toMatch(/^JWKS_URL must be an absolute/);
    expect(configError(() => loadConfig({ JWKS_URL: 'ftp://127.0.0.1/jwks.json' }, { defaultPort: 3000 }))).toMatch(/^JWKS_URL must be an absolute/);
    expect(configError(() => loadConfig({ JWKS_URL: '' }, { defaultPort: 3000 }))).toMatch(/JWKS_URL must not be empty/);
    const offLoopback = loadConfig({ JWKS_URL: 'http://idp.example.invalid/jwks.json' }, { defaultPort: 3000 });
    expect(await asyncConfigError(resolveKeys(offLoopback.signing))).toMatch(/^JWKS_URL is not usable: .*https/);
    const https = await resolveKeys(loadConfig({ JWKS_URL: 'https://idp.example.invalid/jwks.json' }, { defaultPort: 3000 }).signing);
    expect(https.verifyKey).toBeInstanceOf(RemoteJwks);
    expect(configError(() => loadConfig({ JWKS_URL: `${base}/jwks.json`, JWT_PRIVATE_KEY_FILE: '/dev/null' }, { defaultPort: 3000 }))).toMatch(/cannot both be set/);
  });
});
