import { createHmac } from 'node:crypto';
import * as jose from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useBackend } from './common/backend.js';
import { JwtError } from './common/errors.js';
import { JWT, unixTime } from './jwt-km.js';
import { generateKeyPair, secretKey } from './keys/keys.js';
import { sign } from './jws/sign.js';
import { decodeUnverified, verify } from './jws/verify.js';

const SECRET = 'seed-class-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const b64 = (s: string) => Buffer.from(s).toString('base64url');

function hs256(header: object, payload: object, secret = SECRET): string {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe('the seed class API (JWT)', () => {
  afterEach(() => {
    vi.useRealTimers();
    useBackend('node');
  });

  it('unixTime is whole seconds since the epoch', () => {
    vi.useFakeTimers({ now: Date.UTC(2030, 0, 1, 0, 0, 0, 999) });
    expect(unixTime()).toBe(Date.UTC(2030, 0, 1) / 1000);
  });

  it('new JWT sets iss, exp and iat; addClaim chains, replaces and is read back by getClaim', () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const jwt = new JWT('my-app', 1_700_000_900).addClaim('sub', 'kevin').addClaim('roles', ['admin']).addClaim('sub', 'kim');
    expect(jwt.getClaim('iss')).toBe('my-app');
    expect(jwt.getClaim('exp')).toBe(1_700_000_900);
    expect(jwt.getClaim('iat')).toBe(1_700_000_000);
    expect(jwt.getClaim('sub')).toBe('kim');
    expect(jwt.getClaim('roles')).toEqual(['admin']);
    expect(jwt.getClaim('missing')).toBeUndefined();
    expect(jwt.getClaim('toString')).toBeUndefined();
    expect(jwt.getClaim('__proto__')).toBeUndefined();
  });

  it('claims is a copy: changing it does not change the token', () => {
    const jwt = new JWT('my-app', unixTime() + 60).addClaim('roles', ['user']);
    const copy = jwt.claims;
    (copy.roles as string[]).push('admin');
    copy.iss = 'mallory';
    expect(jwt.getClaim('roles')).toEqual(['user']);
    expect(jwt.getClaim('iss')).toBe('my-app');
  });

  it('refuses an empty issuer, a non-finite expiry and bad claim names', () => {
    expect(() => new JWT('', unixTime() + 60)).toThrow(expect.objectContaining({ code: 'ERR_JWT_CLAIM_INVALID', claim: 'iss' }));
    expect(() => new JWT(42 as never, unixTime() + 60)).toThrow(expect.objectContaining({ code: 'ERR_JWT_CLAIM_INVALID' }));
    for (const exp of [Number.NaN, Number.POSITIVE_INFINITY, '123' as never]) {
      expect(() => new JWT('my-app', exp)).toThrow(expect.objectContaining({ code: 'ERR_JWT_CLAIM_INVALID', claim: 'exp' }));
    }
    const jwt = new JWT('my-app', unixTime() + 60);
    for (const name of ['', '__proto__', 5 as never]) expect(() => jwt.addClaim(name, 1)).toThrow(expect.objectContaining({ code: 'ERR_JWT_CLAIM_INVALID' }));
  });

  it('getToken signs HS256 that the main API and jose both verify', async () => {
    const exp = unixTime() + 600;
    const jwt = new JWT('my-app', exp).addClaim('sub', 'kevin');
    const token = jwt.getToken(SECRET);
    expect(decodeUnverified(token).header).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await verify(token, secretKey(SECRET), { audience: false, issuer: 'my-app' });
    expect(payload).toMatchObject({ iss: 'my-app', exp, sub: 'kevin' });
    const viaJose = await jose.jwtVerify(token, new TextEncoder().encode(SECRET), { algorithms: ['HS256'] });
    expect(viaJose.payload.sub).toBe('kevin');
    await expect(jose.jwtVerify(token, new TextEncoder().encode(SECRET.toUpperCase()))).rejects.toBeInstanceOf(jose.errors.JWSSignatureVerificationFailed);
    // The same secret as bytes or as a JwtKey gives the same token.
    expect(jwt.getToken(Buffer.from(SECRET))).toBe(token);
    expect(jwt.getToken(secretKey(SECRET))).toBe(token);
  });

  it('fromToken returns an equal JWT for a valid token', () => {
    const original = new JWT('my-app', unixTime() + 600).addClaim('sub', 'kevin').addClaim('n', 1);
    const parsed = JWT.fromToken(original.getToken(SECRET), SECRET);
    expect(parsed).toBeInstanceOf(JWT);
    expect(parsed!.claims).toEqual(original.claims);
    expect(parsed!.getClaim('sub')).toBe('kevin');
  });

  it('fromToken returns null for a wrong secret, an expired, tampered, foreign or malformed token', async () => {
    const token = new JWT('my-app', unixTime() + 600).addClaim('sub', 'kevin').getToken(SECRET);
    expect(JWT.fromToken(token, SECRET.toUpperCase())).toBeNull();
    expect(JWT.fromToken(new JWT('my-app', unixTime() - 1).getToken(SECRET), SECRET)).toBeNull();
    expect(JWT.fromToken(new JWT('my-app', unixTime()).getToken(SECRET), SECRET)).toBeNull();
    const [h, , s] = token.split('.');
    expect(JWT.fromToken(`${h}.${b64(JSON.stringify({ iss: 'my-app', exp: unixTime() + 600, sub: 'admin' }))}.${s}`, SECRET)).toBeNull();
    expect(JWT.fromToken(`${token.slice(0, -2)}AA`, SECRET)).toBeNull();
    // Signed correctly but not HS256, or not what the class writes.
    expect(JWT.fromToken(await sign({ iss: 'my-app' }, secretKey(SECRET), { alg: 'HS384', expiresIn: 60 }), SECRET)).toBeNull();
    expect(JWT.fromToken(hs256({ alg: 'HS256' }, { exp: unixTime() + 60 }), SECRET)).toBeNull();
    expect(JWT.fromToken(hs256({ alg: 'HS256' }, { iss: 'my-app' }), SECRET)).toBeNull();
    expect(JWT.fromToken(hs256({ alg: 'none' }, { iss: 'my-app', exp: unixTime() + 60 }), SECRET)).toBeNull();
    expect(JWT.fromToken(hs256({ alg: 'HS256' }, { iss: 'my-app', exp: unixTime() + 60, nbf: unixTime() + 60 }), SECRET)).toBeNull();
    const { privateKey } = await generateKeyPair('ES256');
    expect(JWT.fromToken(await sign({ iss: 'my-app' }, privateKey, { expiresIn: 60 }), SECRET)).toBeNull();
    for (const garbage of ['', 'a.b.c', 'x'.repeat(10_000), 42 as never, null as never]) expect(JWT.fromToken(garbage, SECRET)).toBeNull();
    // Negative twin: the right secret still works.
    expect(JWT.fromToken(hs256({ alg: 'HS256' }, { iss: 'my-app', exp: unixTime() + 60 }), SECRET)).toBeInstanceOf(JWT);
  });

  it('fromToken and getToken throw for a secret that is too short or is a key text', () => {
    const token = new JWT('my-app', unixTime() + 600).getToken(SECRET);
    expect(() => JWT.fromToken(token, 'short')).toThrow(expect.objectContaining({ code: 'ERR_KEY_WEAK' }));
    expect(() => new JWT('my-app', unixTime() + 60).getToken('short')).toThrow(expect.objectContaining({ code: 'ERR_KEY_WEAK' }));
    const pem = `-----BEGIN PUBLIC KEY-----\n${'A'.repeat(64)}\n-----END PUBLIC KEY-----\n`;
    expect(() => JWT.fromToken(token, pem)).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }));
  });

  it('expired() reads exp without verifying: true when past, due now, missing or unreadable', () => {
    const now = unixTime();
    expect(JWT.expired(new JWT('a', now + 60).getToken(SECRET))).toBe(false);
    expect(JWT.expired(new JWT('a', now + 60).getToken(SECRET.toUpperCase()))).toBe(false);
    expect(JWT.expired(new JWT('a', now - 1).getToken(SECRET))).toBe(true);
    expect(JWT.expired(new JWT('a', now).getToken(SECRET))).toBe(true);
    expect(JWT.expired(hs256({ alg: 'HS256' }, { iss: 'a' }))).toBe(true);
    expect(JWT.expired(hs256({ alg: 'HS256' }, { exp: String(now + 60) }))).toBe(true);
    for (const garbage of ['', 'not a token', 'a.b.c', 42 as never]) expect(JWT.expired(garbage)).toBe(true);
  });

  it('expired() and fromToken() compare a fractional exp with the exact time, not the floored second', () => {
    vi.useFakeTimers({ now: 1_700_000_000_600 });
    // 0.1 s ago: past, although unixTime() still says 1_700_000_000.
    expect(JWT.expired(hs256({ alg: 'HS256' }, { exp: 1_700_000_000.5 }))).toBe(true);
    expect(JWT.fromToken(hs256({ alg: 'HS256' }, { iss: 'a', exp: 1_700_000_000.5 }), SECRET)).toBeNull();
    // Negative twins: 0.1 s ahead.
    expect(JWT.expired(hs256({ alg: 'HS256' }, { exp: 1_700_000_000.7 }))).toBe(false);
    expect(JWT.fromToken(hs256({ alg: 'HS256' }, { iss: 'a', exp: 1_700_000_000.7 }), SECRET)?.getClaim('exp')).toBe(1_700_000_000.7);
  });

  it('needs the synchronous Node backend and says so on WebCrypto', () => {
    useBackend('webcrypto');
    const jwt = new JWT('my-app', unixTime() + 60);
    expect(() => jwt.getToken(SECRET)).toThrow(JwtError);
    expect(() => jwt.getToken(SECRET)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    useBackend('node');
    const token = jwt.getToken(SECRET);
    useBackend('webcrypto');
    expect(() => JWT.fromToken(token, SECRET)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
  });
});
