/**
 * Shared test helpers: backend switching, the RFC vectors, fixtures, token crafting and the one
 * assertion every negative test uses (exact JwtError code, nothing secret in what it prints).
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { afterAll, beforeAll, expect } from 'vitest';
import { useBackend, type BackendName } from '../src/common/backend.js';
import { JwtError, type Jwk, type JwtErrorCode } from '../src/index.js';

export const BACKENDS: readonly BackendName[] = ['node', 'webcrypto'];

/**
 * Runs the enclosing describe block on `name`. Register it before any beforeAll that makes keys:
 * "before" hooks run in registration order, and a key keeps the backend it was made with.
 */
export function onBackend(name: BackendName): void {
  beforeAll(() => useBackend(name));
  afterAll(() => useBackend('node'));
}

// CI clones the repository with shared/ beside it, so the relative layout is the same everywhere.
const VECTORS = new URL('../../../../shared/vectors/', import.meta.url);

export interface Vector {
  source: string;
  alg: string;
  key: Jwk | null;
  publicJwk?: Jwk | null;
  token: string | null;
  expectedPayload: unknown;
  payloadIsJson: boolean;
  expect: string;
  notes: string;
  [member: string]: unknown;
}

export function loadVector<T = Vector>(file: string): T {
  return JSON.parse(readFileSync(new URL(file, VECTORS), 'utf8')) as T;
}

export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

/** 64 ASCII bytes: long enough for HS512, so one secret serves every HS algorithm in tests. */
export const SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMN';
export const OTHER_SECRET = 'other-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLM';

export const b64 = (text: string | Uint8Array): string => Buffer.from(text).toString('base64url');

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** An HMAC-signed compact token from raw header and payload texts, so malformed JSON can be signed. */
export function craftHs(headerText: string, payloadText: string, secret: string | Uint8Array = SECRET, hash: 'sha256' | 'sha384' | 'sha512' = 'sha256'): string {
  const input = `${b64(headerText)}.${b64(payloadText)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

/** HS256 token over JSON values. */
export function craftJson(header: unknown, payload: unknown, secret: string | Uint8Array = SECRET): string {
  return craftHs(JSON.stringify(header), JSON.stringify(payload), secret);
}

function captured(run: () => unknown): Promise<unknown> {
  try {
    return Promise.resolve(run()).then(
      () => undefined,
      (error: unknown) => error,
    );
  } catch (error) {
    return Promise.resolve(error);
  }
}

/**
 * Asserts that `run` (sync or async) fails with a JwtError of exactly `code`, and that neither its
 * message, its string form nor its full inspection (cause chain included) contains any of `secrets`.
 */
export async function expectJwtError(run: (() => unknown) | Promise<unknown>, code: JwtErrorCode, secrets: readonly string[] = []): Promise<JwtError> {
  const error = await (typeof run === 'function' ? captured(run) : captured(() => run));
  if (!(error instanceof JwtError)) throw new Error(`expected JwtError ${code}, got ${error === undefined ? 'success' : inspect(error)}`);
  expect(error.code).toBe(code);
  expectNoInternalError(error);
  expectNoLeak(error, secrets);
  return error;
}

/**
 * The verifier wraps any unexpected exception as ERR_JWT_MALFORMED so that no input can crash a
 * caller; a test must still notice when that happened, or "never crashes" could never fail.
 */
export function expectNoInternalError(error: JwtError): void {
  const cause = error.cause;
  if (error.code === 'ERR_JWT_MALFORMED' && cause !== undefined && !(cause instanceof JwtError)) {
    throw new Error(`an internal error surfaced as ERR_JWT_MALFORMED: ${inspect(cause)}`);
  }
}

/** The parts of a token worth searching for in error output (short ones would match by chance). */
export function tokenParts(token: string): string[] {
  return [token, ...token.split('.')].filter((s) => s.length >= 8);
}

export function expectNoLeak(error: unknown, secrets: readonly string[]): void {
  const shown = [String(error), (error as Error).message, inspect(error, { depth: 8 })];
  for (const secret of secrets) {
    if (secret.length < 8) continue;
    for (const text of shown) expect(text.includes(secret), `error output contains a secret: ${secret.slice(0, 12)}...`).toBe(false);
  }
}
