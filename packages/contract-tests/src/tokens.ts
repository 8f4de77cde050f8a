/**
 * Tokens the apps did not issue: well-formed ones signed by `jose` (an independent implementation)
 * with the app's secret, and hand-crafted attack tokens whose bytes no library would produce.
 */
import { createHmac } from 'node:crypto';
import { SignJWT, generateKeyPair, type JWTPayload } from 'jose';
import { TEST_SECRET } from './app.js';

export const ISSUER = 'jwt-example';
export const AUDIENCE = 'jwt-example-api';
export const OTHER_SECRET = 'some-other-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG';

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
export const b64 = (text: string | Uint8Array): string => Buffer.from(text).toString('base64url');

/** Claims an app accepts: right issuer and audience, a subject, fresh times. */
export function goodClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return { iss: ISSUER, aud: AUDIENCE, sub: 'kevin', username: 'kevin', permissions: ['view', 'comment'], iat: now, exp: now + 300, jti: `jose-${Math.random().toString(36).slice(2)}`, ...extra };
}

/** A jose-signed HS256 token (or another HS algorithm) over exactly these claims. */
export function joseToken(claims: Record<string, unknown>, options: { secret?: string; alg?: 'HS256' | 'HS384' | 'HS512' } = {}): Promise<string> {
  return new SignJWT(claims as JWTPayload)
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(options.secret ?? TEST_SECRET));
}

/** An RS256 token signed with a fresh RSA key: right claims, wrong family. */
export async function rsaToken(claims: Record<string, unknown>): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT(claims as JWTPayload).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(privateKey);
}

/** Raw header and payload texts, HMAC-signed with `hash`: lets malformed JSON and lying headers be signed. */
export function craft(headerText: string, payloadText: string, options: { secret?: string; hash?: 'sha256' | 'sha384' | 'sha512' } = {}): string {
  const input = `${b64(headerText)}.${b64(payloadText)}`;
  return `${input}.${createHmac(options.hash ?? 'sha256', options.secret ?? TEST_SECRET).update(input).digest('base64url')}`;
}

export function craftJson(header: unknown, payload: unknown, options: { secret?: string; hash?: 'sha256' | 'sha384' | 'sha512' } = {}): string {
  return craft(JSON.stringify(header), JSON.stringify(payload), options);
}

/** The pieces of a token long enough that finding one in an answer cannot be chance. */
export function tokenParts(token: string): string[] {
  return [token, ...token.split('.')].filter((s) => s.length >= 8);
}

/** Decodes a compact token's header and payload without checking anything. */
export function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}

/** A small deterministic PRNG, so a failing fuzz case can be reproduced. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
