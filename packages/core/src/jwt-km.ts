/**
 * The small class API of the original `jwt-km` seed, kept for its users. It signs and verifies
 * HS256 synchronously, so it needs the Node backend (Node, Bun, Deno); elsewhere use sign()/verify().
 */
import type { JwtClaims } from './jws/claims.js';
import { JwtError } from './common/errors.js';
import { secretKey, type JwtKey } from './keys/keys.js';
import { createSigner } from './jws/sign.js';
import { createVerifier, decodeUnverified } from './jws/verify.js';

/** Seconds since the Unix epoch, as an integer: the unit of `exp`, `nbf` and `iat`. */
export function unixTime(): number {
  return Math.floor(Date.now() / 1000);
}

function toKey(secret: string | Uint8Array | JwtKey): JwtKey {
  return typeof secret === 'string' || secret instanceof Uint8Array ? secretKey(secret, { alg: 'HS256' }) : secret;
}

export class JWT {
  readonly #claims: JwtClaims;

  /**
   * @param issuer the `iss` claim
   * @param expiresAt the `exp` claim, in Unix seconds (see {@link unixTime})
   * @example new JWT('my-app', unixTime() + 900).addClaim('sub', 'kevin').getToken(secret)
   */
  constructor(issuer: string, expiresAt: number) {
    if (typeof issuer !== 'string' || issuer === '') throw new JwtError('ERR_JWT_CLAIM_INVALID', { claim: 'iss', detail: 'claim invalid: iss' });
    if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) throw new JwtError('ERR_JWT_CLAIM_INVALID', { claim: 'exp', detail: 'claim invalid: exp' });
    this.#claims = { iss: issuer, exp: expiresAt, iat: unixTime() };
  }

  /** Sets a claim (replacing any earlier value) and returns this token for chaining. */
  addClaim(name: string, value: unknown): this {
    if (typeof name !== 'string' || name === '' || name === '__proto__') throw new JwtError('ERR_JWT_CLAIM_INVALID', { detail: 'claim invalid: name' });
    this.#claims[name] = value;
    return this;
  }

  /** A claim's value, or undefined. */
  getClaim(name: string): unknown {
    return Object.hasOwn(this.#claims, name) ? this.#claims[name] : undefined;
  }

  /** A copy of every claim. */
  get claims(): JwtClaims {
    return structuredClone(this.#claims);
  }

  /** Signs the claims with HS256 and returns the compact token. */
  getToken(secret: string | Uint8Array | JwtKey): string {
    return createSigner({ key: toKey(secret), alg: 'HS256', timestamp: false, expiresIn: false }).signSync(this.#claims);
  }

  /**
   * Verifies a token (HS256 signature, `exp` required and in the future, `nbf`/`iat` not in the
   * future) and returns it as a JWT, or `null` when it is not valid for any reason. A secret that
   * is too short or is not an HMAC secret throws (ERR_KEY_WEAK, ERR_KEY_INVALID).
   */
  static fromToken(token: string, secret: string | Uint8Array | JwtKey): JWT | null {
    // A bad secret (too short, a PEM text) is the caller's mistake, not a bad token: it throws,
    // as getToken() does, instead of making every token look invalid.
    // This class's contract (a port of a jwt library's API) reads `iss` back instead of checking
    // it, and has no audience: the opt-outs are explicit here, the callers decide on the claims.
    const verifier = createVerifier({ key: toKey(secret), algorithms: ['HS256'], issuer: false, audience: false });
    try {
      const { payload } = verifier.verifySync(token);
      if (typeof payload.iss !== 'string' || payload.iss === '' || typeof payload.exp !== 'number') return null;
      const jwt = new JWT(payload.iss, payload.exp);
      for (const [name, value] of Object.entries(payload)) jwt.#claims[name] = value;
      return jwt;
    } catch (error) {
      if (error instanceof JwtError && error.code === 'ERR_CONFIG_INVALID') throw error;
      return null;
    }
  }

  /**
   * True when the token's `exp` has passed, or it has none or cannot be read.
   * This does NOT verify the signature: it answers "should I refresh?", never "may I trust it?".
   */
  static expired(token: string): boolean {
    try {
      const { payload } = decodeUnverified(token);
      // The exact time, as verification compares it: a fractional exp has passed for the rest of
      // its second, and unixTime() (floored) would call it current for up to a second longer.
      return typeof payload.exp !== 'number' || !Number.isFinite(payload.exp) || payload.exp <= Date.now() / 1000;
    } catch {
      return true;
    }
  }
}
