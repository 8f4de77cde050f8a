/**
 * Assertions for the runtime-neutral suite. `rejects` is the one every negative case uses: the
 * operation must fail with a JwtError of exactly the expected code (anything else, a TypeError
 * from a missing API included, is a failure), and nothing it prints may contain a secret.
 */
import { JwtError, type JwtErrorCode } from '@jwt/core';

export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function ok(value: unknown, message: string): asserts value {
  if (!value) throw new AssertionError(message);
}

export function equal<T>(actual: T, expected: T, what = 'value'): void {
  if (!Object.is(actual, expected)) throw new AssertionError(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

/** Deep equality of JSON values, member order ignored. */
export function deepEqual(actual: unknown, expected: unknown, what = 'value'): void {
  if (canonical(actual) !== canonical(expected)) throw new AssertionError(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

/** Fails unless `run` (or the promise) throws or rejects with a JwtError of `code`, leaking none of `secrets`. */
export async function rejects(run: (() => unknown) | Promise<unknown>, code: JwtErrorCode, secrets: readonly string[] = []): Promise<JwtError> {
  let error: unknown;
  let threw = false;
  try {
    await (typeof run === 'function' ? run() : run);
  } catch (caught) {
    threw = true;
    error = caught;
  }
  if (!threw) throw new AssertionError(`expected JwtError ${code}, but it succeeded`);
  if (!(error instanceof JwtError)) throw new AssertionError(`expected JwtError ${code}, got ${show(error)}`);
  if (error.code !== code) throw new AssertionError(`expected JwtError ${code}, got ${error.code}`);
  noLeak(error, secrets);
  return error;
}

/** The error's message, string form and cause chain must contain none of the secrets. */
export function noLeak(error: unknown, secrets: readonly string[]): void {
  const shown: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    shown.push(String(current));
    if (current instanceof Error) {
      shown.push(current.message, current.stack ?? '');
      current = current.cause;
    } else {
      current = undefined;
    }
  }
  for (const secret of secrets) {
    if (secret.length < 8) continue;
    if (shown.some((text) => text.includes(secret))) throw new AssertionError(`error output contains a secret: ${secret.slice(0, 12)}...`);
  }
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }) ?? 'undefined';
}

function show(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    const text = typeof value === 'string' ? JSON.stringify(value) : (canonical(value) ?? String(value));
    return text.length > 200 ? `${text.slice(0, 200)}...` : text;
  } catch {
    return String(value);
  }
}
