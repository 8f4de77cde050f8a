/**
 * Encryption keys (JWE). They are a separate type from the signing `JwtKey`, so an encryption
 * key can never verify a signature and a signing key can never decrypt. Like signing keys, each
 * one is bound when it is made to the key management algorithms (`alg`) and content encryptions
 * (`enc`) it may serve; a token's header only ever chooses among those.
 */
import type { KeyObject } from 'node:crypto';
import { isJwsAlgorithm } from '../common/algorithms.js';
import * as asn1 from '../keys/asn1.js';
import { nodeCrypto, randomBytes, subtle, type NodeCryptoModule } from '../common/backend.js';
import { decodeBase64url, encodeBase64url, isBase64url } from '../common/base64url.js';
import { configError, JwtError } from '../common/errors.js';
import { isPlainObject } from '../common/json.js';
import { parseKeyText, pemKeyObject, type KeyObjectLike } from '../keys/import-key.js';
import { checkRsaPublic, jwkThumbprint, MIN_RSA_BITS, type Jwk, type KeyKind, type KeyType } from '../keys/keys.js';
import { nestedDecryption } from './jwe.js';
import { provideNestedDecryption } from './nested.js';
import { assertOptions, type OptionRules } from '../common/options.js';

const ENCRYPTION_KEY_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({ alg: '!string|array', enc: '!string|array', kid: '!string' });

/**
 * JWE key management algorithms this library implements. `PBES2-*` (password-based) and
 * `RSA1_5` (padding-oracle prone) are refused by design. The `A192` variants need AES-192, which
 * some WebCrypto implementations (Chromium's) lack: there they fail with ERR_JWE_ALG_UNSUPPORTED.
 */
export type JweAlgorithm =
  | 'dir'
  | 'A128KW' | 'A192KW' | 'A256KW'
  | 'A128GCMKW' | 'A192GCMKW' | 'A256GCMKW'
  | 'RSA-OAEP' | 'RSA-OAEP-256'
  | 'ECDH-ES' | 'ECDH-ES+A128KW' | 'ECDH-ES+A192KW' | 'ECDH-ES+A256KW';

/** JWE content encryption algorithms (the `enc` header). */
export type JweEncryption = 'A128GCM' | 'A192GCM' | 'A256GCM' | 'A128CBC-HS256' | 'A192CBC-HS384' | 'A256CBC-HS512';

/** Curves usable for ECDH-ES. */
export type EcdhCurve = 'P-256' | 'P-384' | 'P-521' | 'X25519';

export interface ContentEncryptionInfo {
  readonly family: 'GCM' | 'CBC-HS';
  /** Content encryption key length, in bytes. */
  readonly cekBytes: number;
  readonly ivBytes: number;
  readonly tagBytes: number;
  /** CBC-HS only: the HMAC hash, as node:crypto and WebCrypto spell it. */
  readonly nodeHash?: 'sha256' | 'sha384' | 'sha512';
  readonly hash?: 'SHA-256' | 'SHA-384' | 'SHA-512';
}

export const ENCRYPTIONS: Readonly<Record<JweEncryption, ContentEncryptionInfo>> = {
  A128GCM: { family: 'GCM', cekBytes: 16, ivBytes: 12, tagBytes: 16 },
  A192GCM: { family: 'GCM', cekBytes: 24, ivBytes: 12, tagBytes: 16 },
  A256GCM: { family: 'GCM', cekBytes: 32, ivBytes: 12, tagBytes: 16 },
  // RFC 7518 section 5.2: the key is MAC_KEY || ENC_KEY and the tag is the MAC's first half.
  'A128CBC-HS256': { family: 'CBC-HS', cekBytes: 32, ivBytes: 16, tagBytes: 16, nodeHash: 'sha256', hash: 'SHA-256' },
  'A192CBC-HS384': { family: 'CBC-HS', cekBytes: 48, ivBytes: 16, tagBytes: 24, nodeHash: 'sha384', hash: 'SHA-384' },
  'A256CBC-HS512': { family: 'CBC-HS', cekBytes: 64, ivBytes: 16, tagBytes: 32, nodeHash: 'sha512', hash: 'SHA-512' },
};

export interface KeyManagementInfo {
  readonly family: 'dir' | 'KW' | 'GCMKW' | 'RSA-OAEP' | 'ECDH-ES';
  /** Length of the key-encryption key in bytes (AES key wrap, AES-GCM key wrap, ECDH-ES+KW). */
  readonly kekBytes?: number;
  /** RSA-OAEP only: the hash of OAEP and its MGF1, as node:crypto and WebCrypto spell it. */
  readonly nodeHash?: 'sha1' | 'sha256';
  readonly hash?: 'SHA-1' | 'SHA-256';
}

export const KEY_MANAGEMENT: Readonly<Record<JweAlgorithm, KeyManagementInfo>> = {
  dir: { family: 'dir' },
  A128KW: { family: 'KW', kekBytes: 16 },
  A192KW: { family: 'KW', kekBytes: 24 },
  A256KW: { family: 'KW', kekBytes: 32 },
  A128GCMKW: { family: 'GCMKW', kekBytes: 16 },
  A192GCMKW: { family: 'GCMKW', kekBytes: 24 },
  A256GCMKW: { family: 'GCMKW', kekBytes: 32 },
  // SHA-1 here is OAEP's label hash and mask generator, where its collisions do not matter
  // (RFC 8017 section 7.1); identity providers still issue it, so it is offered, not defaulted.
  'RSA-OAEP': { family: 'RSA-OAEP', nodeHash: 'sha1', hash: 'SHA-1' },
  'RSA-OAEP-256': { family: 'RSA-OAEP', nodeHash: 'sha256', hash: 'SHA-256' },
  'ECDH-ES': { family: 'ECDH-ES' },
  'ECDH-ES+A128KW': { family: 'ECDH-ES', kekBytes: 16 },
  'ECDH-ES+A192KW': { family: 'ECDH-ES', kekBytes: 24 },
  'ECDH-ES+A256KW': { family: 'ECDH-ES', kekBytes: 32 },
};

// Marked pure so that bundles without JWE drop these and the tables behind them.
export const JWE_ALGORITHMS = /* @__PURE__ */ Object.freeze(/* @__PURE__ */ Object.keys(KEY_MANAGEMENT) as JweAlgorithm[]);
export const JWE_ENCRYPTIONS = /* @__PURE__ */ Object.freeze(/* @__PURE__ */ Object.keys(ENCRYPTIONS) as JweEncryption[]);

export function isJweAlgorithm(value: unknown): value is JweAlgorithm {
  return typeof value === 'string' && Object.hasOwn(KEY_MANAGEMENT, value);
}

export function isJweEncryption(value: unknown): value is JweEncryption {
  return typeof value === 'string' && Object.hasOwn(ENCRYPTIONS, value);
}

/** Algorithms that exist but are refused on purpose, as `none` is for signatures. */
export function isRefusedJweAlgorithm(alg: string): boolean {
  return alg === 'RSA1_5' || alg.startsWith('PBES2');
}

/** The error for an `alg` this library will not serve: refused by design or simply unknown. */
export function unsupportedAlgError(alg: unknown, claim: 'alg' | 'enc'): JwtError {
  if (claim === 'alg' && typeof alg === 'string' && isRefusedJweAlgorithm(alg)) return new JwtError('ERR_JWE_ALG_NOT_ALLOWED', { claim });
  return new JwtError('ERR_JWE_ALG_UNSUPPORTED', { claim });
}

/**
 * What {@link importEncryptionKey} understands: a secret (bytes), a PEM text (SPKI or PKCS#8), a
 * JWK (object or JSON text), a node:crypto `KeyObject`, an extractable WebCrypto `CryptoKey`, or
 * an existing {@link JweKey} to narrow.
 */
export type EncryptionKeyInput = string | Uint8Array | Jwk | KeyObjectLike | CryptoKey | JweKey;

export interface EncryptionKeyOptions {
  /**
   * The key management algorithm(s) this key serves; the first is used to encrypt.
   * @default secrets: 'dir'; RSA: 'RSA-OAEP-256' (SHA-1 `RSA-OAEP` only when named, here or in the JWK's `alg`); EC and X25519: every ECDH-ES variant
   * @example encryptionKey(bytes, { alg: 'A256KW' })
   */
  alg?: JweAlgorithm | readonly JweAlgorithm[];
  /**
   * The content encryption(s) this key serves; the first is used to encrypt. A `dir` key is the
   * content key itself and serves exactly one.
   * @default dir: the one its length fits (16 bytes A128GCM, 24 A192GCM, 32 A256GCM, 48 A192CBC-HS384, 64 A256CBC-HS512); others: all, A256GCM first
   * @example encryptionKey(bytes, { enc: 'A128CBC-HS256' })
   */
  enc?: JweEncryption | readonly JweEncryption[];
  /**
   * Key id, put in the header of tokens encrypted to this key and used to pick the key on decryption.
   * @default the JWK's `kid`, if any
   */
  kid?: string;
}

interface JweMaterial {
  readonly backend: 'node' | 'web';
  readonly secret?: Uint8Array;
  /** Node: the secret as a KeyObject, which node:crypto sets up faster than raw bytes. */
  readonly secretKeyObject?: KeyObject;
  /** Node: the key as given (private or public). */
  readonly keyObject?: KeyObject;
  /** Node: its public half (the key itself when it is public). */
  readonly publicKeyObject?: KeyObject;
  /** WebCrypto: the JWK, private members included for private keys. */
  readonly jwk?: Jwk;
  /** WebCrypto keys imported from this material, by purpose. */
  readonly cache: Map<string, Promise<CryptoKey>>;
}

const MATERIAL = Symbol('jwt.jweKeyMaterial');

/**
 * A key that encrypts or decrypts tokens (JWE), bound to the algorithms it may serve. Make one
 * with {@link encryptionKey}, {@link importEncryptionKey}, {@link generateEncryptionKey} or
 * {@link generateEncryptionKeyPair}. It is not a `JwtKey`: it cannot sign or verify.
 */
export class JweKey {
  /** `secret` (encrypts and decrypts), `public` (encrypts) or `private` (decrypts, and encrypts through its public half). */
  readonly kind: KeyKind;
  readonly kty: KeyType;
  /** Key management algorithms this key serves, the default for encryption first. */
  readonly algorithms: readonly JweAlgorithm[];
  /** Content encryptions this key serves, the default for encryption first. */
  readonly encryptions: readonly JweEncryption[];
  readonly kid: string | undefined;
  /** `P-256`, `P-384`, `P-521` or `X25519` for ECDH keys. */
  readonly curve: EcdhCurve | undefined;
  /** @internal */
  declare readonly [MATERIAL]: JweMaterial;

  /** @internal Use encryptionKey(), importEncryptionKey() or generateEncryptionKeyPair(). */
  constructor(init: {
    kind: KeyKind;
    kty: KeyType;
    algorithms: readonly JweAlgorithm[];
    encryptions: readonly JweEncryption[];
    kid: string | undefined;
    curve: EcdhCurve | undefined;
    material: JweMaterial;
  }) {
    this.kind = init.kind;
    this.kty = init.kty;
    this.algorithms = Object.freeze([...init.algorithms]);
    this.encryptions = Object.freeze([...init.encryptions]);
    this.kid = init.kid;
    this.curve = init.curve;
    Object.defineProperty(this, MATERIAL, { value: init.material, enumerable: false });
    // A per-instance hook rather than a method: bundlers keep any class with a computed member
    // name, and this class must disappear from bundles that never make a JweKey.
    Object.defineProperty(this, INSPECT, { value: inspectJweKey, enumerable: false });
    // The verifier's `decryptionKey` reaches JWE through nested.ts; installing it here means JWE is
    // bundled exactly when a JweKey can exist.
    provideNestedDecryption(nestedDecryption);
    Object.freeze(this);
  }

  /** True when this key may serve this `alg` and `enc` pair. */
  allows(alg: string, enc: string): boolean {
    return (this.algorithms as readonly string[]).includes(alg) && (this.encryptions as readonly string[]).includes(enc);
  }

  /** A copy of this key with another `kid`. */
  withKid(kid: string): JweKey {
    return rebind(this, { kid: kidOption(kid) });
  }

  /** Never print key material. */
  toJSON(): object {
    return { kind: this.kind, kty: this.kty, algorithms: this.algorithms, encryptions: this.encryptions, kid: this.kid };
  }
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** Never print key material, in util.inspect and console.log either. */
function inspectJweKey(this: JweKey): string {
  return `JweKey ${JSON.stringify(this.toJSON())}`;
}

/** @internal */
export function jweMaterial(key: JweKey): JweMaterial {
  return key[MATERIAL];
}

export function isJweKey(value: unknown): value is JweKey {
  return value instanceof JweKey;
}

function rebind(key: JweKey, changes: { kid?: string | undefined; algorithms?: readonly JweAlgorithm[]; encryptions?: readonly JweEncryption[] }): JweKey {
  return new JweKey({
    kind: key.kind,
    kty: key.kty,
    curve: key.curve,
    algorithms: changes.algorithms ?? key.algorithms,
    encryptions: changes.encryptions ?? key.encryptions,
    kid: 'kid' in changes ? changes.kid : key.kid,
    material: key[MATERIAL],
  });
}

// ---------------------------------------------------------------------------------------------
// Binding

/** The content encryption a `dir` secret of each length serves unless told otherwise. */
const DIR_DEFAULT: Record<number, JweEncryption> = { 16: 'A128GCM', 24: 'A192GCM', 32: 'A256GCM', 48: 'A192CBC-HS384', 64: 'A256CBC-HS512' };
/** Order of preference for keys that wrap a fresh content key per token. */
const DEFAULT_ENCRYPTIONS: readonly JweEncryption[] = ['A256GCM', 'A128GCM', 'A192GCM', 'A256CBC-HS512', 'A192CBC-HS384', 'A128CBC-HS256'];
const ECDH_ALGORITHMS: readonly JweAlgorithm[] = ['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW'];
const RSA_ALGORITHMS: readonly JweAlgorithm[] = ['RSA-OAEP-256', 'RSA-OAEP'];
/** Unless asked for, an RSA key serves only RSA-OAEP-256. */
const RSA_DEFAULT: readonly JweAlgorithm[] = ['RSA-OAEP-256'];

function list<T>(value: T | readonly T[] | undefined, name: string): readonly unknown[] | undefined {
  if (value === undefined) return undefined;
  const items: unknown = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(items) || items.length === 0) throw configError(`${name} must name at least one algorithm`);
  return [...new Set(items as unknown[])];
}

function bindAlgorithms(allowed: readonly JweAlgorithm[], requested: EncryptionKeyOptions['alg'], fallback: readonly JweAlgorithm[], why: (alg: JweAlgorithm) => JwtError): JweAlgorithm[] {
  const items = list(requested, 'alg');
  if (items === undefined) return [...fallback];
  for (const alg of items) {
    if (!isJweAlgorithm(alg)) {
      if (typeof alg === 'string' && isJwsAlgorithm(alg)) throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: this is a signature algorithm; encryption keys take JWE algorithms' });
      throw unsupportedAlgError(alg, 'alg');
    }
    if (!allowed.includes(alg)) throw why(alg);
  }
  const algs = items as JweAlgorithm[];
  // The same bytes must never be both a content key (dir) and a key-encryption key.
  if (algs.includes('dir') && algs.length > 1) throw configError('a dir key is the content encryption key itself: it cannot also serve key wrapping');
  return algs;
}

function bindEncryptions(algorithms: readonly JweAlgorithm[], secretLength: number | undefined, requested: EncryptionKeyOptions['enc']): JweEncryption[] {
  const items = list(requested, 'enc');
  if (items !== undefined) {
    for (const enc of items) if (!isJweEncryption(enc)) throw unsupportedAlgError(enc, 'enc');
  }
  const encs = items as JweEncryption[] | undefined;
  if (algorithms[0] !== 'dir') return encs ?? [...DEFAULT_ENCRYPTIONS];
  if (encs === undefined) {
    const fallback = DIR_DEFAULT[secretLength!];
    if (fallback === undefined) throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: a dir key must be 16, 24, 32, 48 or 64 bytes' });
    return [fallback];
  }
  if (encs.length !== 1) throw configError('a dir key is the content encryption key itself: it serves exactly one enc');
  if (ENCRYPTIONS[encs[0]!].cekBytes !== secretLength) {
    throw new JwtError('ERR_KEY_INVALID', { detail: `key invalid: ${encs[0]} with dir needs a ${ENCRYPTIONS[encs[0]!].cekBytes}-byte key` });
  }
  return encs;
}

function kidOption(kid: unknown): string | undefined {
  if (kid === undefined) return undefined;
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) throw configError('kid must be a non-empty string of at most 256 characters');
  return kid;
}

// ---------------------------------------------------------------------------------------------
// Secrets

/**
 * A symmetric encryption key from raw bytes (16, 24, 32, 48 or 64 of them, from a secure random
 * source: a password is not a key, and PBES2 is not offered). By default it is a `dir` key: the
 * bytes are the content encryption key, and their length picks the one `enc` it serves.
 * @example const key = encryptionKey(Buffer.from(process.env.JWE_KEY!, 'base64url'))
 * @example const kek = encryptionKey(bytes32, { alg: 'A256KW' })
 */
export function encryptionKey(secret: Uint8Array, options: EncryptionKeyOptions = {}): JweKey {
  assertOptions(options, ENCRYPTION_KEY_OPTIONS, 'encryptionKey');
  if (typeof secret === 'string') {
    throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: an encryption secret is random bytes (a Uint8Array), not text; decode it first' });
  }
  if (!(secret instanceof Uint8Array)) throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: an encryption secret is a Uint8Array' });
  const bytes = new Uint8Array(secret);
  if (bytes.length < 16) throw new JwtError('ERR_KEY_WEAK', { detail: 'key too weak: an encryption secret needs at least 16 bytes (128 bits)' });
  const allowed = JWE_ALGORITHMS.filter((alg) => {
    const info = KEY_MANAGEMENT[alg];
    if (info.family === 'dir') return DIR_DEFAULT[bytes.length] !== undefined;
    return (info.family === 'KW' || info.family === 'GCMKW') && info.kekBytes === bytes.length;
  });
  const algorithms = bindAlgorithms(allowed, options.alg ?? 'dir', [], (alg) => {
    const info = KEY_MANAGEMENT[alg];
    if (info.family === 'dir') return new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: a dir key must be 16, 24, 32, 48 or 64 bytes' });
    if (info.kekBytes === undefined || info.family === 'ECDH-ES') return new JwtError('ERR_KEY_INVALID', { detail: `key invalid: a secret cannot be used with ${alg}` });
    return new JwtError('ERR_KEY_INVALID', { detail: `key invalid: ${alg} needs a ${info.kekBytes}-byte key` });
  });
  const encryptions = bindEncryptions(algorithms, bytes.length, options.enc);
  const nc = nodeCrypto();
  const material: JweMaterial = nc
    ? { backend: 'node', secret: bytes, secretKeyObject: nc.createSecretKey(bytes), cache: new Map() }
    : { backend: 'web', secret: bytes, cache: new Map() };
  return new JweKey({ kind: 'secret', kty: 'oct', algorithms, encryptions, kid: kidOption(options.kid), curve: undefined, material });
}

/**
 * A new random symmetric encryption key of the right length for its `alg` and `enc`.
 * @default { alg: 'dir', enc: 'A256GCM' }
 * @example const key = generateEncryptionKey({ alg: 'dir', enc: 'A256GCM' })
 */
export function generateEncryptionKey(options: { alg?: 'dir' | 'A128KW' | 'A192KW' | 'A256KW' | 'A128GCMKW' | 'A192GCMKW' | 'A256GCMKW'; enc?: JweEncryption | readonly JweEncryption[]; kid?: string } = {}): JweKey {
  const alg = options.alg ?? 'dir';
  const info = isJweAlgorithm(alg) ? KEY_MANAGEMENT[alg] : undefined;
  if (!info || (info.family !== 'dir' && info.family !== 'KW' && info.family !== 'GCMKW')) throw configError('generateEncryptionKey takes dir, A128KW, A192KW, A256KW, A128GCMKW, A192GCMKW or A256GCMKW; use generateEncryptionKeyPair() for RSA and ECDH');
  let length = info.kekBytes;
  if (length === undefined) {
    const first = typeof options.enc === 'string' ? options.enc : (options.enc?.[0] ?? 'A256GCM');
    if (!isJweEncryption(first)) throw unsupportedAlgError(first, 'enc');
    length = ENCRYPTIONS[first].cekBytes;
  }
  const opts: EncryptionKeyOptions = { alg, ...(options.enc === undefined ? (alg === 'dir' ? { enc: 'A256GCM' } : {}) : { enc: options.enc }), ...(options.kid === undefined ? {} : { kid: options.kid }) };
  return encryptionKey(randomBytes(length), opts);
}

// ---------------------------------------------------------------------------------------------
// Asymmetric keys

const NODE_CURVES: Record<string, EcdhCurve> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
const EC_CURVES: readonly string[] = ['P-256', 'P-384', 'P-521'];

function asymmetricBinding(kty: KeyType, options: EncryptionKeyOptions): { algorithms: JweAlgorithm[]; encryptions: JweEncryption[] } {
  const allowed = kty === 'RSA' ? RSA_ALGORITHMS : ECDH_ALGORITHMS;
  const algorithms = bindAlgorithms(allowed, options.alg, kty === 'RSA' ? RSA_DEFAULT : allowed, (alg) => new JwtError('ERR_KEY_INVALID', { detail: `key invalid: this key cannot be used with ${alg}` }));
  return { algorithms, encryptions: bindEncryptions(algorithms, undefined, options.enc) };
}

/** The same soundness check as signature keys: with e = 1 RSA-OAEP leaves the content key readable. */
function checkRsaKeyObject(nc: NodeCryptoModule, keyObject: KeyObject): void {
  const pub = (keyObject.type === 'private' ? nc.createPublicKey(keyObject) : keyObject).export({ format: 'jwk' }) as Jwk;
  if (typeof pub.n !== 'string' || typeof pub.e !== 'string') throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: RSA key without n and e' });
  checkRsaPublic(decodeBase64url(pub.n), decodeBase64url(pub.e));
}

function nodeAsymmetric(nc: NodeCryptoModule, keyObject: KeyObject, options: EncryptionKeyOptions): JweKey {
  let kty: KeyType;
  let curve: EcdhCurve | undefined;
  switch (keyObject.asymmetricKeyType) {
    case 'rsa':
      if ((keyObject.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) throw new JwtError('ERR_KEY_WEAK', { detail: `key too weak: RSA keys need at least ${MIN_RSA_BITS} bits` });
      checkRsaKeyObject(nc, keyObject);
      kty = 'RSA';
      break;
    case 'ec':
      curve = NODE_CURVES[keyObject.asymmetricKeyDetails?.namedCurve ?? ''];
      if (!curve) throw new JwtError('ERR_KEY_UNSUPPORTED', { detail: 'key type not supported: unsupported curve' });
      kty = 'EC';
      break;
    case 'x25519':
      kty = 'OKP';
      curve = 'X25519';
      break;
    default:
      throw new JwtError('ERR_KEY_UNSUPPORTED', { detail: 'key type not supported for encryption: use RSA, EC P-256/384/521 or X25519' });
  }
  const { algorithms, encryptions } = asymmetricBinding(kty, options);
  const kind: KeyKind = keyObject.type === 'private' ? 'private' : 'public';
  const publicKeyObject = kind === 'private' ? nc.createPublicKey(keyObject) : keyObject;
  return new JweKey({ kind, kty, algorithms, encryptions, kid: kidOption(options.kid), curve, material: { backend: 'node', keyObject, publicKeyObject, cache: new Map() } });
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

function keyMembers(jwk: Jwk): Jwk {
  const out: Jwk = { kty: jwk.kty };
  for (const m of ['crv', 'x', 'y', 'n', 'e', ...PRIVATE_MEMBERS] as const) if (typeof jwk[m] === 'string') out[m] = jwk[m] as string;
  return out;
}

/** @internal The public members of a JWK (the key usable for encryption). */
export function publicJwk(jwk: Jwk): Jwk {
  const out: Jwk = { ...jwk };
  for (const m of PRIVATE_MEMBERS) delete out[m];
  return out;
}

const ENCRYPTION_OPS = ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey', 'deriveKey', 'deriveBits'];

function checkEncryptionUse(jwk: Jwk): void {
  if (jwk.use !== undefined && jwk.use !== 'enc') throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: JWK use is not "enc"' });
  if (jwk.key_ops !== undefined && (!Array.isArray(jwk.key_ops) || !jwk.key_ops.some((op) => ENCRYPTION_OPS.includes(op)))) {
    throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: JWK key_ops allow no encryption operation' });
  }
}

async function importJwk(value: unknown, options: EncryptionKeyOptions): Promise<JweKey> {
  if (!isPlainObject(value) || typeof value.kty !== 'string') throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: a JWK needs kty' });
  const jwk = value as Jwk;
  checkEncryptionUse(jwk);
  const opts: EncryptionKeyOptions = { ...options };
  if (opts.alg === undefined && jwk.alg !== undefined) {
    // A direct-encryption secret is often published with its content encryption as `alg`
    // (RFC 7520 section 5.6 does so): the key is the content key, so that names its one use.
    if (jwk.kty === 'oct' && isJweEncryption(jwk.alg)) {
      opts.alg = 'dir';
      opts.enc ??= jwk.alg;
    } else {
      opts.alg = jwk.alg as JweAlgorithm;
    }
  }
  if (opts.kid === undefined && typeof jwk.kid === 'string' && jwk.kid.length > 0) opts.kid = jwk.kid;
  if (jwk.kty === 'oct') {
    if (typeof jwk.k !== 'string' || !isBase64url(jwk.k)) throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: oct JWK needs k' });
    return encryptionKey(decodeBase64url(jwk.k), opts);
  }
  let kty: KeyType;
  let curve: EcdhCurve | undefined;
  if (jwk.kty === 'RSA') {
    if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string' || !isBase64url(jwk.n) || !isBase64url(jwk.e)) throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: RSA JWK needs n and e' });
    const n = decodeBase64url(jwk.n);
    let first = 0;
    while (first < n.length && n[first] === 0) first++;
    if ((n.length - first) * 8 < MIN_RSA_BITS) throw new JwtError('ERR_KEY_WEAK', { detail: `key too weak: RSA keys need at least ${MIN_RSA_BITS} bits` });
    checkRsaPublic(n, decodeBase64url(jwk.e));
    kty = 'RSA';
  } else if ((jwk.kty === 'EC' && EC_CURVES.includes(jwk.crv as string)) || (jwk.kty === 'OKP' && jwk.crv === 'X25519')) {
    if (typeof jwk.x !== 'string' || (jwk.kty === 'EC' && typeof jwk.y !== 'string')) throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: EC/OKP JWK needs its coordinates' });
    kty = jwk.kty;
    curve = jwk.crv as EcdhCurve;
  } else {
    throw new JwtError('ERR_KEY_UNSUPPORTED', { detail: 'key type not supported for encryption: use RSA, EC P-256/384/521 or X25519' });
  }
  const isPrivate = typeof jwk.d === 'string';
  const nc = nodeCrypto();
  if (nc) {
    let keyObject: KeyObject;
    try {
      const key = { key: keyMembers(jwk) as never, format: 'jwk' as const };
      keyObject = isPrivate ? nc.createPrivateKey(key) : nc.createPublicKey(key);
    } catch (cause) {
      throw new JwtError('ERR_KEY_INVALID', { cause, detail: 'key invalid: JWK rejected' });
    }
    return nodeAsymmetric(nc, keyObject, opts);
  }
  const { algorithms, encryptions } = asymmetricBinding(kty, opts);
  const key = new JweKey({
    kind: isPrivate ? 'private' : 'public',
    kty,
    algorithms,
    encryptions,
    kid: kidOption(opts.kid),
    curve,
    material: { backend: 'web', jwk: keyMembers(jwk), cache: new Map() },
  });
  // Import once now, so a malformed key fails here and not at the first token.
  await webAsymmetricKey(key, isPrivate ? 'private' : 'public', KEY_MANAGEMENT[algorithms[0]!].hash);
  return key;
}

const PEM = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\s]+?)-----END \1-----\s*$/;

async function importPem(pem: string, options: EncryptionKeyOptions): Promise<JweKey> {
  const m = PEM.exec(pem);
  if (!m) throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: malformed PEM' });
  const label = m[1]!;
  if (label !== 'PUBLIC KEY' && label !== 'PRIVATE KEY' && label !== 'RSA PUBLIC KEY' && label !== 'RSA PRIVATE KEY' && label !== 'EC PRIVATE KEY' && label !== 'CERTIFICATE') {
    throw new JwtError('ERR_KEY_UNSUPPORTED', { detail: 'key type not supported: unknown PEM label' });
  }
  const isPrivate = label.endsWith('PRIVATE KEY');
  const nc = nodeCrypto();
  if (nc) {
    return nodeAsymmetric(nc, pemKeyObject(nc, pem, isPrivate), options);
  }
  let der: Uint8Array;
  try {
    der = Uint8Array.from(atob(m[2]!.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  } catch {
    throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: malformed PEM' });
  }
  if (label === 'CERTIFICATE') der = asn1.certificateSpki(der);
  else if (label === 'RSA PUBLIC KEY') der = asn1.pkcs1PublicToSpki(der);
  else if (label === 'RSA PRIVATE KEY') der = asn1.pkcs1PrivateToPkcs8(der);
  else if (label === 'EC PRIVATE KEY') der = asn1.sec1ToPkcs8(der);
  const id = isPrivate ? asn1.pkcs8Algorithm(der) : asn1.spkiAlgorithm(der);
  let params: Algorithm | RsaHashedImportParams | EcKeyImportParams;
  if (id.type === 'rsa') params = { name: 'RSA-OAEP', hash: 'SHA-256' };
  else if (id.type === 'ec' && id.curve !== undefined && EC_CURVES.includes(id.curve)) params = { name: 'ECDH', namedCurve: id.curve };
  else if (id.type === 'x25519') params = { name: 'X25519' };
  else throw new JwtError('ERR_KEY_UNSUPPORTED', { detail: 'key type not supported for encryption: use RSA, EC P-256/384/521 or X25519' });
  const usages: KeyUsage[] = isPrivate ? (id.type === 'rsa' ? ['decrypt'] : ['deriveBits']) : id.type === 'rsa' ? ['encrypt'] : [];
  let jwk: Jwk;
  try {
    const ck = await subtle().importKey(isPrivate ? 'pkcs8' : 'spki', der as BufferSource, params, true, usages);
    jwk = (await subtle().exportKey('jwk', ck)) as Jwk;
  } catch (cause) {
    throw new JwtError('ERR_KEY_INVALID', { cause, detail: 'key invalid: PEM rejected' });
  }
  return importJwk(keyMembers(jwk), options);
}

/**
 * Imports an encryption key from any supported form and binds it to its algorithms. RSA keys
 * (RSA-OAEP-256) need at least 2048 bits; EC keys must be on P-256, P-384 or P-521; OKP keys must
 * be X25519. A JWK whose `use` is not `enc` is refused, as is a signature `alg`.
 * @example const key = await importEncryptionKey(fs.readFileSync('jwe-private.pem', 'utf8'), { alg: 'ECDH-ES', enc: 'A256GCM' })
 */
export async function importEncryptionKey(input: EncryptionKeyInput, options: EncryptionKeyOptions = {}): Promise<JweKey> {
  assertOptions(options, ENCRYPTION_KEY_OPTIONS, 'importEncryptionKey');
  if (input instanceof JweKey) {
    const algorithms = options.alg === undefined ? input.algorithms : bindAlgorithms(input.algorithms, options.alg, input.algorithms, (alg) => new JwtError('ERR_KEY_INVALID', { detail: `key invalid: this key is not bound to ${alg}` }));
    let encryptions = input.encryptions;
    if (options.enc !== undefined) {
      const wanted = list(options.enc, 'enc')!;
      for (const enc of wanted) {
        if (!isJweEncryption(enc)) throw unsupportedAlgError(enc, 'enc');
        if (!input.encryptions.includes(enc)) throw new JwtError('ERR_KEY_INVALID', { detail: `key invalid: this key is not bound to ${enc}` });
      }
      encryptions = wanted as JweEncryption[];
    }
    return rebind(input, { algorithms, encryptions, kid: options.kid === undefined ? input.kid : kidOption(options.kid) });
  }
  if (typeof input === 'string') {
    const text = parseKeyText(input);
    if (text === undefined) throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: text must be a PEM key or a JWK; pass secrets as bytes' });
    return 'pem' in text ? importPem(text.pem, options) : importJwk(text.jwk, options);
  }
  if (input instanceof Uint8Array) return encryptionKey(input, options);
  const nc = nodeCrypto();
  if (typeof CryptoKey !== 'undefined' && input instanceof CryptoKey) {
    if (nc) return importEncryptionKey(nc.KeyObject.from(input) as unknown as KeyObjectLike, options);
    if (!input.extractable) throw new JwtError('ERR_KEY_UNSUPPORTED', { detail: 'key type not supported: a non-extractable CryptoKey cannot be used for encryption here' });
    if (input.type === 'secret') return encryptionKey(new Uint8Array(await subtle().exportKey('raw', input)), options);
    return importJwk(await subtle().exportKey('jwk', input), options);
  }
  if (isKeyObjectLike(input)) {
    if (input.type === 'secret') return encryptionKey(input.export() as Uint8Array, options);
    if (nc) return nodeAsymmetric(nc, input as unknown as KeyObject, options);
    return importJwk(input.export({ format: 'jwk' }), options);
  }
  if (isPlainObject(input)) return importJwk(input, options);
  throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: unrecognised encryption key input' });
}

function isKeyObjectLike(value: unknown): value is KeyObjectLike {
  return typeof value === 'object' && value !== null && typeof (value as KeyObjectLike).export === 'function' &&
    ['secret', 'public', 'private'].includes((value as KeyObjectLike).type);
}

export interface GenerateEncryptionKeyPairOptions {
  /**
   * Curve for ECDH-ES keys.
   * @default 'P-256'
   */
  curve?: EcdhCurve;
  /** RSA modulus length in bits. @default 2048 */
  modulusLength?: number;
  /** Content encryption(s) the pair serves. @default all, A256GCM first */
  enc?: JweEncryption | readonly JweEncryption[];
  /** @default the RFC 7638 thumbprint of the public key */
  kid?: string;
}

/**
 * A new key pair for RSA-OAEP-256, RSA-OAEP or the ECDH-ES family. Publish the public key (it
 * encrypts); keep the private key (it decrypts). The pair serves exactly the `alg` given.
 * @example const { privateKey, publicKey } = await generateEncryptionKeyPair('ECDH-ES', { curve: 'X25519' })
 */
export async function generateEncryptionKeyPair(
  alg: 'RSA-OAEP-256' | 'RSA-OAEP' | 'ECDH-ES' | 'ECDH-ES+A128KW' | 'ECDH-ES+A192KW' | 'ECDH-ES+A256KW',
  options: GenerateEncryptionKeyPairOptions = {},
): Promise<{ privateKey: JweKey; publicKey: JweKey }> {
  const info = isJweAlgorithm(alg) ? KEY_MANAGEMENT[alg] : undefined;
  if (!info || (info.family !== 'RSA-OAEP' && info.family !== 'ECDH-ES')) throw configError('generateEncryptionKeyPair takes RSA-OAEP-256, RSA-OAEP or an ECDH-ES algorithm; use generateEncryptionKey() for secrets');
  const curve = options.curve ?? 'P-256';
  if (info.family === 'ECDH-ES' && !EC_CURVES.includes(curve) && curve !== 'X25519') throw configError('curve must be P-256, P-384, P-521 or X25519');
  const modulusLength = options.modulusLength ?? 2048;
  if (!Number.isInteger(modulusLength) || modulusLength < MIN_RSA_BITS) throw new JwtError('ERR_KEY_WEAK', { detail: `key too weak: RSA keys need at least ${MIN_RSA_BITS} bits` });
  const bind: EncryptionKeyOptions = { alg, ...(options.enc === undefined ? {} : { enc: options.enc }) };
  const nc = nodeCrypto();
  let privateKey: JweKey;
  if (nc) {
    let pair: { privateKey: KeyObject };
    if (info.family === 'RSA-OAEP') pair = nc.generateKeyPairSync('rsa', { modulusLength });
    else if (curve === 'X25519') pair = nc.generateKeyPairSync('x25519');
    else pair = nc.generateKeyPairSync('ec', { namedCurve: curve });
    privateKey = nodeAsymmetric(nc, pair.privateKey, bind);
  } else {
    const params = info.family === 'RSA-OAEP'
      ? { name: 'RSA-OAEP', modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
      : curve === 'X25519' ? { name: 'X25519' } : { name: 'ECDH', namedCurve: curve };
    const usages: KeyUsage[] = info.family === 'RSA-OAEP' ? ['encrypt', 'decrypt'] : ['deriveBits'];
    const pair = (await subtle().generateKey(params, true, usages)) as CryptoKeyPair;
    privateKey = await importJwk(await subtle().exportKey('jwk', pair.privateKey), bind);
  }
  const kid = options.kid ?? (await jwkThumbprint(await exportEncryptionJwk(privateKey)));
  privateKey = privateKey.withKid(kid);
  return { privateKey, publicKey: publicEncryptionKeyOf(privateKey) };
}

/** The public half of a private encryption key (what senders encrypt to). */
export function publicEncryptionKeyOf(key: JweKey): JweKey {
  if (key.kind === 'public') return key;
  if (key.kind === 'secret') throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: a secret has no public half' });
  const m = key[MATERIAL];
  const material: JweMaterial = m.backend === 'node'
    ? { backend: 'node', keyObject: m.publicKeyObject!, publicKeyObject: m.publicKeyObject!, cache: new Map() }
    : { backend: 'web', jwk: publicJwk(m.jwk!), cache: new Map() };
  return new JweKey({ kind: 'public', kty: key.kty, algorithms: key.algorithms, encryptions: key.encryptions, kid: key.kid, curve: key.curve, material });
}

/**
 * Exports an encryption key as a JWK with `use: "enc"` (and `alg` when the key serves exactly one):
 * by default the public key only, the form published for senders.
 */
export async function exportEncryptionJwk(key: JweKey, options: { includePrivate?: boolean } = {}): Promise<Jwk> {
  const m = key[MATERIAL];
  let jwk: Jwk;
  if (key.kind === 'secret') {
    if (!options.includePrivate) throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: a secret has no public form; pass includePrivate to export it' });
    jwk = { kty: 'oct', k: encodeBase64url(m.secret!) };
  } else if (m.backend === 'node') {
    jwk = (options.includePrivate ? m.keyObject! : m.publicKeyObject!).export({ format: 'jwk' }) as Jwk;
  } else {
    jwk = options.includePrivate ? { ...m.jwk! } : publicJwk(m.jwk!);
  }
  if (key.kid !== undefined) jwk.kid = key.kid;
  jwk.use = 'enc';
  if (key.algorithms.length === 1) jwk.alg = key.algorithms[0]!;
  return jwk;
}

// ---------------------------------------------------------------------------------------------
// WebCrypto handles, imported once per key and purpose

/**
 * @internal The WebCrypto key for an RSA or ECDH key's private or public half. WebCrypto fixes
 * an RSA-OAEP key's hash at import, so RSA keys are imported once per OAEP hash.
 */
export function webAsymmetricKey(key: JweKey, half: 'private' | 'public', oaepHash: 'SHA-1' | 'SHA-256' = 'SHA-256'): Promise<CryptoKey> {
  const m = key[MATERIAL];
  return cachedImport(m, key.kty === 'RSA' ? `asym:${half}:${oaepHash}` : `asym:${half}`, () => {
    const jwk = half === 'public' ? publicJwk(m.jwk!) : m.jwk!;
    if (key.kty === 'RSA') return subtle().importKey('jwk', jwk as JsonWebKey, { name: 'RSA-OAEP', hash: oaepHash }, false, [half === 'public' ? 'encrypt' : 'decrypt']);
    const params = key.curve === 'X25519' ? { name: 'X25519' } : { name: 'ECDH', namedCurve: key.curve! };
    return subtle().importKey('jwk', jwk as JsonWebKey, params, false, half === 'public' ? [] : ['deriveBits']);
  });
}

/** @internal Imports raw secret bytes for a WebCrypto algorithm, cached on the key when one is given. */
export function cachedImport(m: { cache: Map<string, Promise<CryptoKey>> } | undefined, id: string, load: () => Promise<CryptoKey>): Promise<CryptoKey> {
  if (m === undefined) return load();
  let p = m.cache.get(id);
  if (!p) {
    p = load().catch((cause: unknown) => {
      m.cache.delete(id);
      // A typed refusal from the loader (AES-192 missing on this runtime) says more than this one.
      if (cause instanceof JwtError) throw cause;
      throw new JwtError('ERR_KEY_INVALID', { cause, detail: 'key invalid: WebCrypto refused the key' });
    });
    m.cache.set(id, p);
  }
  return p;
}
