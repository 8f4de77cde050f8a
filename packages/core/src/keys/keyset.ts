import type { JwsAlgorithm } from '../common/algorithms.js';
import { configError } from '../common/errors.js';
import { exportJwk, isJwtKey, type Jwk, type JwtKey } from './keys.js';

/** A JWS protected header as read from a token. */
export interface JwsHeader {
  alg: JwsAlgorithm;
  typ?: string;
  kid?: string;
  cty?: string;
  crit?: string[];
  [parameter: string]: unknown;
}

/**
 * Supplies candidate keys for a token. `getKeys` may answer synchronously, which keeps
 * verification free of promises on Node; remote key sets answer with a promise only when they
 * have to fetch.
 */
export interface KeyProvider {
  /** Keys that may have signed a token with this header, best match first. */
  getKeys(header: JwsHeader): readonly JwtKey[] | Promise<readonly JwtKey[]>;
}

export function isKeyProvider(value: unknown): value is KeyProvider {
  return typeof value === 'object' && value !== null && typeof (value as KeyProvider).getKeys === 'function';
}

/**
 * A fixed set of keys, selected by `kid`. A token with a `kid` is only ever checked against keys
 * with that `kid`; a token without one against every key that allows its algorithm.
 */
export class JwtKeySet implements KeyProvider {
  readonly keys: readonly JwtKey[];
  readonly #byKid = new Map<string, JwtKey[]>();

  constructor(keys: readonly JwtKey[]) {
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every(isJwtKey)) throw configError('a key set needs at least one key made by secretKey(), importKey() or generateKeyPair()');
    this.keys = Object.freeze([...keys]);
    for (const key of keys) {
      if (key.kid === undefined) continue;
      const list = this.#byKid.get(key.kid) ?? [];
      list.push(key);
      this.#byKid.set(key.kid, list);
    }
  }

  getKeys(header: JwsHeader): readonly JwtKey[] {
    if (typeof header.kid === 'string') return this.#byKid.get(header.kid) ?? [];
    return this.keys;
  }

  /** The public keys as a JWKS document (`{ keys: [...] }`); HMAC secrets are left out. */
  async toJwks(): Promise<{ keys: Jwk[] }> {
    const pub = this.keys.filter((k) => k.kind !== 'secret');
    return { keys: await Promise.all(pub.map((k) => exportJwk(k))) };
  }
}

/** @example const keys = keySet([currentKey, previousKey]) */
export function keySet(keys: readonly JwtKey[]): JwtKeySet {
  return new JwtKeySet(keys);
}
