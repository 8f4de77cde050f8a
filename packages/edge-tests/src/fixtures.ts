/**
 * The RFC vectors (../shared/vectors) and the core's PEM fixtures, embedded into each bundle at
 * build time (scripts/bundle.ts), so the suite reads no file: Workers have no file system.
 */
import embedded from 'virtual:fixtures';
import type { Jwk } from '@jwt/core';

export interface Vector {
  source: string;
  alg: string;
  key: Jwk | null;
  publicJwk?: Jwk | null;
  token: string | null;
  expectedPayload: unknown;
  expect: string;
  [member: string]: unknown;
}

export function vector<T = Vector>(file: string): T {
  const v = embedded.vectors[file];
  if (v === undefined) throw new Error(`vector not embedded: ${file}`);
  return v as T;
}

export function pem(file: string): string {
  const text = embedded.pems[file];
  if (text === undefined) throw new Error(`fixture not embedded: ${file}`);
  return text;
}

/** Makes a fixture once per algorithm, on first use, and shares it between the cases that need it. */
export function perAlgorithm<A, T>(make: (alg: A) => Promise<T>): (alg: A) => Promise<T> {
  const made = new Map<A, Promise<T>>();
  return (alg) => {
    let p = made.get(alg);
    if (!p) made.set(alg, (p = make(alg)));
    return p;
  };
}
