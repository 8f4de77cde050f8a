/**
 * Local key rotation. One key signs; keys it replaced keep verifying until every token they
 * signed has expired; a key about to take over can be published before it signs, so that
 * verifiers holding a cached JWKS already know it. Every key carries a `kid`, which is how
 * tokens find their key across a rotation.
 */
import { configError } from '../common/errors.js';
import { exportJwk, isJwtKey, jwkThumbprint, type Jwk, type JwtKey } from './keys.js';
import { JwtKeySet, type JwsHeader, type KeyProvider } from './keyset.js';
import { assertOptions, type OptionRules } from '../common/options.js';

const KEY_RING_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({ active: '!object', verifyOnly: 'array' });

export interface KeyRingOptions {
  /**
   * The key that signs: a private key or an HMAC secret, with a `kid`.
   * @example active: await thumbprintKid(await importKey(pem, { alg: 'ES256' }))
   */
  active: JwtKey;
  /**
   * Keys that verify (and are published) but do not sign: the keys `active` replaced, and a key
   * published ahead of its activation. Each needs a `kid` different from every other key's.
   * @default []
   */
  verifyOnly?: readonly JwtKey[];
}

/**
 * A rotating set of local keys: sign with {@link KeyRing.active} (or pass the ring as the `key`
 * of `createSigner`, which then always signs with the current active key), verify with the ring
 * itself (it is a {@link KeyProvider}), publish {@link KeyRing.toJwks} at `/.well-known/jwks.json`.
 * @example
 * const ring = keyRing({ active: currentKey, verifyOnly: [previousKey] })
 * const signer = createSigner({ key: ring, issuer: 'auth', expiresIn: '15m' })
 * const verifier = createVerifier({ key: ring, issuer: 'auth' })
 * ring.rotate(nextKey) // nextKey signs from now on; currentKey keeps verifying
 */
export class KeyRing implements KeyProvider {
  #active: JwtKey;
  #verifyOnly: readonly JwtKey[];
  #set: JwtKeySet;

  constructor(options: KeyRingOptions) {
    if (typeof options !== 'object' || options === null) throw configError('a key ring needs { active, verifyOnly? }');
    assertOptions(options, KEY_RING_OPTIONS, 'keyRing');
    const verifyOnly = options.verifyOnly ?? [];
    if (!Array.isArray(verifyOnly)) throw configError('verifyOnly must be a list of keys');
    checkSigner(options.active);
    this.#active = options.active;
    this.#verifyOnly = Object.freeze([...verifyOnly]);
    this.#set = buildSet(this.#active, this.#verifyOnly);
  }

  /** The key that signs now. */
  get active(): JwtKey {
    return this.#active;
  }

  /** Keys that verify but do not sign. */
  get verifyOnly(): readonly JwtKey[] {
    return this.#verifyOnly;
  }

  /** Every key, the active one first. */
  get keys(): readonly JwtKey[] {
    return this.#set.keys;
  }

  getKeys(header: JwsHeader): readonly JwtKey[] {
    return this.#set.getKeys(header);
  }

  /**
   * Makes `next` the signing key. The key it replaces stays for verification until
   * {@link KeyRing.retire}d. `next` may already be in the ring as a verify-only key (published
   * ahead of time); it then moves.
   */
  rotate(next: JwtKey): void {
    checkSigner(next);
    const rest = this.#verifyOnly.filter((k) => k !== next && k.kid !== next.kid);
    const verifyOnly = Object.freeze([this.#active, ...rest]);
    const set = buildSet(next, verifyOnly);
    this.#active = next;
    this.#verifyOnly = verifyOnly;
    this.#set = set;
  }

  /** Adds a verify-only key: a new key published before it signs, or one kept from elsewhere. */
  add(key: JwtKey): void {
    const verifyOnly = Object.freeze([...this.#verifyOnly, key]);
    this.#set = buildSet(this.#active, verifyOnly);
    this.#verifyOnly = verifyOnly;
  }

  /**
   * Removes the verify-only key with this `kid`: tokens it signed are refused from now on.
   * Returns whether a key was removed. The active key cannot be retired; rotate first.
   */
  retire(kid: string): boolean {
    if (kid === this.#active.kid) throw configError('the active key cannot be retired; rotate to another key first');
    const verifyOnly = Object.freeze(this.#verifyOnly.filter((k) => k.kid !== kid));
    if (verifyOnly.length === this.#verifyOnly.length) return false;
    this.#set = buildSet(this.#active, verifyOnly);
    this.#verifyOnly = verifyOnly;
    return true;
  }

  /**
   * The public keys as a JWKS document (`{ keys: [...] }`, each with `kid`, `use` and `alg` when
   * the key serves one algorithm), the active key first. HMAC secrets are never included.
   */
  toJwks(): Promise<{ keys: Jwk[] }> {
    return this.#set.toJwks();
  }
}

/** @example const ring = keyRing({ active: newKey, verifyOnly: [oldKey] }) */
export function keyRing(options: KeyRingOptions): KeyRing {
  return new KeyRing(options);
}

/** True for a {@link KeyRing}. */
export function isKeyRing(value: unknown): value is KeyRing {
  return value instanceof KeyRing;
}

/**
 * A copy of `key` whose `kid` is its RFC 7638 SHA-256 thumbprint: a stable id derived from the
 * public key itself, the same on every instance that loads the same key file.
 * @example const key = await thumbprintKid(await importKey(fs.readFileSync('key.pem', 'utf8'), { alg: 'ES256' }))
 */
export async function thumbprintKid(key: JwtKey): Promise<JwtKey> {
  if (!isJwtKey(key)) throw configError('thumbprintKid takes a key made by importKey() or generateKeyPair()');
  if (key.kind === 'secret') throw configError('an HMAC secret has no public thumbprint; give it a kid with secretKey(secret, { kid })');
  return key.withKid(await jwkThumbprint(await exportJwk(key)));
}

function checkSigner(key: unknown): asserts key is JwtKey {
  if (!isJwtKey(key)) throw configError('the active key must be made by secretKey(), importKey() or generateKeyPair()');
  if (key.kind === 'public') throw configError('the active key must be able to sign: a private key or an HMAC secret, not a public key');
}

function buildSet(active: JwtKey, verifyOnly: readonly JwtKey[]): JwtKeySet {
  const all = [active, ...verifyOnly];
  const seen = new Set<string>();
  for (const key of all) {
    if (!isJwtKey(key)) throw configError('every key in a key ring must be made by secretKey(), importKey() or generateKeyPair()');
    if (key.kid === undefined) throw configError('every key in a key ring needs a kid (see thumbprintKid())');
    if (seen.has(key.kid)) throw configError('two keys in a key ring share a kid');
    seen.add(key.kid);
  }
  return new JwtKeySet(all);
}
