/**
 * Keys are bound to the algorithms they may serve, decided when the key is made and never by a
 * token: an HMAC secret only ever serves HS*, an RSA key RS and PS, an EC key the ES algorithm of
 * its curve, an Ed25519 key EdDSA. Weak keys are refused here, at construction time.
 *
 * This file holds what every entry point needs: the key itself, HMAC secrets, JWK import, key
 * generation and export, and signing and verifying bytes on both backends. The other key forms
 * (PEM and DER text, node:crypto KeyObject, WebCrypto CryptoKey) are read by import-key.ts, which
 * only the main entry reaches, so that `@jwt/core/lite` bundles none of that code.
 */
import type { KeyObject } from 'node:crypto';
import { ALGORITHMS, isJwsAlgorithm, JWS_ALGORITHMS, type JwsAlgorithm } from '../common/algorithms.js';
import { nodeCrypto, randomBytes, subtle, type NodeCryptoModule } from '../common/backend.js';
import { decodeBase64url, encodeBase64url, isBase64url, utf8 } from '../common/base64url.js';
import { configError, JwtError } from '../common/errors.js';
import { isPlainObject } from '../common/json.js';
import { holdsKeyMaterial, rsaPublicOfSpki } from './key-material.js';
import { assertOptions, type OptionRules } from '../common/options.js';

/** The rules of {@link ImportKeyOptions}. */
export const IMPORT_KEY_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({ alg: '!string|array', kid: '!string' });

/** A JSON Web Key (RFC 7517). Only the members this library reads are typed. */
export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  key_ops?: string[];
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  d?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  k?: string;
  [member: string]: unknown;
}

export interface ImportKeyOptions {
  /**
   * Restrict the key to these algorithms. They must fit the key's type.
   * @default every algorithm the key's type and size allow
   * @example importKey(pem, { alg: 'RS256' })
   */
  alg?: JwsAlgorithm | readonly JwsAlgorithm[];
  /**
   * Key id used for `kid` selection and put in the header of tokens signed with it.
   * @default the JWK's `kid`, if any
   */
  kid?: string;
}

export type KeyKind = 'secret' | 'public' | 'private';
export type KeyType = 'oct' | 'RSA' | 'EC' | 'OKP';

interface NodeMaterial {
  readonly backend: 'node';
  readonly secret?: Uint8Array;
  readonly keyObject: KeyObject;
  /** For private keys: the derived public key, used to verify. */
  readonly verifyKey: KeyObject;
}

interface WebMaterial {
  readonly backend: 'web';
  readonly secret?: Uint8Array;
  /** Full JWK (private members included for private keys) when the key is extractable. */
  readonly jwk?: Jwk;
  /** A caller's non-extractable CryptoKey, used as it is. */
  readonly cryptoKey?: CryptoKey;
  readonly cache: Map<string, Promise<CryptoKey>>;
}

export type KeyMaterial = NodeMaterial | WebMaterial;

const MATERIAL = Symbol('jwt.keyMaterial');

/**
 * A key ready for signing or verification, bound to the algorithms it may serve.
 * Make one with {@link secretKey}, {@link importKey}, {@link generateKeyPair} or {@link generateSecret}.
 */
export class JwtKey {
  /** `secret` (HMAC), `private` (signs, and verifies through its public half) or `public` (verifies). */
  readonly kind: KeyKind;
  readonly kty: KeyType;
  /** The algorithms this key may serve, the default for signing first. */
  readonly algorithms: readonly JwsAlgorithm[];
  readonly kid: string | undefined;
  /** `P-256`, `P-384`, `P-521` or `Ed25519` for EC and OKP keys. */
  readonly curve: string | undefined;
  /** @internal */
  declare readonly [MATERIAL]: KeyMaterial;

  /** @internal Use secretKey(), importKey() or generateKeyPair(). */
  constructor(init: { kind: KeyKind; kty: KeyType; algorithms: readonly JwsAlgorithm[]; kid: string | undefined; curve: string | undefined; material: KeyMaterial }) {
    this.kind = init.kind;
    this.kty = init.kty;
    this.algorithms = Object.freeze([...init.algorithms]);
    this.kid = init.kid;
    this.curve = init.curve;
    // Non-enumerable, so logging or spreading a key never shows its material.
    Object.defineProperty(this, MATERIAL, { value: init.material, enumerable: false });
    Object.freeze(this);
  }

  /** True when this key may serve `alg`. */
  allows(alg: string): alg is JwsAlgorithm {
    return (this.algorithms as readonly string[]).includes(alg);
  }

  /** A copy of this key with another `kid`. */
  withKid(kid: string): JwtKey {
    return new JwtKey({ kind: this.kind, kty: this.kty, algorithms: this.algorithms, curve: this.curve, material: this[MATERIAL], kid });
  }

  /** Never print key material. */
  toJSON(): object {
    return { kind: this.kind, kty: this.kty, algorithms: this.algorithms, kid: this.kid };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `JwtKey ${JSON.stringify(this.toJSON())}`;
  }
}

/** @internal */
export function keyMaterial(key: JwtKey): KeyMaterial {
  return key[MATERIAL];
}

export function isJwtKey(value: unknown): value is JwtKey {
  return value instanceof JwtKey;
}

/** @internal The same key material under narrower algorithms and/or another `kid`. */
export function rebindKey(key: JwtKey, options: ImportKeyOptions): JwtKey {
  const algorithms = options.alg === undefined ? key.algorithms : restrict(key.algorithms, options.alg);
  const kid = options.kid === undefined ? key.kid : kidOption(options.kid);
  return new JwtKey({ kind: key.kind, kty: key.kty, curve: key.curve, algorithms, kid, material: key[MATERIAL] });
}

// ---------------------------------------------------------------------------------------------
// Algorithm binding

/** @internal */
export const HS: readonly JwsAlgorithm[] = ['HS256', 'HS384', 'HS512'];
/** @internal */
export const RSA: readonly JwsAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
/** @internal */
export const PSS: readonly JwsAlgorithm[] = ['PS256', 'PS384', 'PS512'];
/** @internal */
export const CURVE_ALG: Record<string, JwsAlgorithm> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512', Ed25519: 'EdDSA' };
const NODE_CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** Minimum RSA modulus, in bits. */
export const MIN_RSA_BITS = 2048;

/** @internal */
export function weakRsa(): JwtError {
  return new JwtError('ERR_KEY_WEAK', { detail: `key too weak: RSA keys need at least ${MIN_RSA_BITS} bits` });
}

// ---------------------------------------------------------------------------------------------
// RSA public keys no honest generator makes

function toBigInt(bytes: Uint8Array): bigint {
  let hex = '0';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return BigInt(`0x${hex}`);
}

/**
 * ROCA (CVE-2017-15361): Infineon's generator made primes of the form k*M + (65537^a mod M), M
 * the product of the odd primes up to 167. A modulus N = p*q then lies, modulo each of those
 * primes, in the subgroup generated by 65537, which random moduli almost never do (the
 * published fingerprint of Nemec et al.); such keys can be factored.
 */
let rocaPrimes: number[] | undefined;
let rocaSubgroups: Uint8Array[] | undefined;

/** @internal True when the modulus has the ROCA fingerprint. */
export function hasRocaFingerprint(n: bigint): boolean {
  if (rocaPrimes === undefined) {
    // The odd primes up to 167, and for each the residues 65537^k mod p.
    rocaPrimes = [];
    for (let p = 3; p < 168; p += 2) if (rocaPrimes.every((q) => p % q !== 0)) rocaPrimes.push(p);
    rocaSubgroups = rocaPrimes.map((p) => {
      const member = new Uint8Array(p);
      for (let x = 1; member[x] === 0; x = (x * (65537 % p)) % p) member[x] = 1;
      return member;
    });
  }
  return rocaPrimes.every((p, i) => rocaSubgroups![i]![Number(n % BigInt(p))] === 1);
}

/**
 * @internal Refuses an RSA public key that cannot be sound, whatever form it came in: an
 * exponent of 1 makes the "signature" of a hash its own padded encoding, so anyone can forge
 * one; an even exponent or modulus is no RSA key; a ROCA modulus can be factored. `n` is
 * undefined only for a non-extractable CryptoKey, whose modulus cannot be read.
 */
export function checkRsaPublic(n: Uint8Array | undefined, e: Uint8Array | bigint): void {
  const exponent = typeof e === 'bigint' ? e : toBigInt(e);
  if (exponent < 3n || exponent % 2n === 0n) throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: an RSA public exponent must be odd and at least 3' });
  if (n === undefined) return;
  const modulus = toBigInt(n);
  if (modulus % 2n === 0n) throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: an RSA modulus must be odd' });
  if (hasRocaFingerprint(modulus)) {
    throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: this RSA key comes from a generator with the ROCA flaw (CVE-2017-15361) and can be factored; make a new key' });
  }
}

/** @internal The algorithms of `allowed` that `requested` keeps; a request the key cannot serve throws. */
export function restrict(allowed: readonly JwsAlgorithm[], requested: ImportKeyOptions['alg']): JwsAlgorithm[] {
  if (requested === undefined) return [...allowed];
  const list: readonly unknown[] = typeof requested === 'string' ? [requested] : requested;
  if (!Array.isArray(list) || list.length === 0) throw configError('alg must name at least one algorithm');
  for (const alg of list) {
    if (!isJwsAlgorithm(alg)) throw new JwtError('ERR_JWS_ALG_UNSUPPORTED', { detail: `algorithm not supported: ${String(alg).slice(0, 16)}` });
    if (!allowed.includes(alg)) {
      if (alg.startsWith('HS') && allowed.some((a) => a.startsWith('HS'))) {
        throw new JwtError('ERR_KEY_WEAK', { detail: `key too weak: ${alg} needs a secret of at least ${ALGORITHMS[alg].hashBytes} bytes` });
      }
      throw new JwtError('ERR_KEY_INVALID', { detail: `key invalid: this key cannot be used with ${alg}` });
    }
  }
  return JWS_ALGORITHMS.filter((a) => list.includes(a));
}

/** @internal */
export function kidOption(kid: unknown): string | undefined {
  if (kid === undefined) return undefined;
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) throw configError('kid must be a non-empty string of at most 256 characters');
  return kid;
}

// ---------------------------------------------------------------------------------------------
// HMAC secrets

const URL_TEXT = /^\s*https?:\/\//i;

function keyMaterialError(): JwtError {
  return new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: this text or these bytes hold a public or private key (JWK, PEM, SSH or DER), not an HMAC secret' });
}

/**
 * An HMAC secret. Strings are used as their UTF-8 bytes. At least 32 bytes (HS256); 48 for HS384
 * and 64 for HS512 (RFC 7518 section 3.2). Text or bytes holding key material anywhere (a JWK or
 * JWKS, PEM armour, an SSH key, or a DER key as bytes, base64 or hex) are refused with
 * ERR_KEY_INVALID, so a public key can never be turned into an HMAC secret.
 * @example const key = secretKey(process.env.JWT_SECRET!, { alg: 'HS256' })
 */
export function secretKey(secret: string | Uint8Array, options: ImportKeyOptions = {}): JwtKey {
  assertOptions(options, IMPORT_KEY_OPTIONS, 'secretKey');
  let bytes: Uint8Array;
  if (typeof secret === 'string') bytes = utf8(secret);
  // fs.readFileSync('public.pem') is a Buffer: the classic way a public key becomes an HMAC secret.
  else if (secret instanceof Uint8Array) bytes = new Uint8Array(secret);
  else throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: an HMAC secret is a string or a Uint8Array' });
  // Strings are checked as the UTF-8 bytes the HMAC will use, so text and bytes get one answer.
  if (holdsKeyMaterial(typeof secret === 'string' ? secret : bytes)) throw keyMaterialError();
  // A JWKS URL passed where a key belongs must not become a secret that anyone knowing it can sign with.
  if (URL_TEXT.test(typeof secret === 'string' ? secret : new TextDecoder().decode(bytes.subarray(0, 64)))) {
    throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: this text is a URL, not an HMAC secret (for a JWKS URL, use remoteJwks())' });
  }
  if (bytes.length < 32) throw new JwtError('ERR_KEY_WEAK', { detail: 'key too weak: an HMAC secret needs at least 32 bytes (256 bits)' });
  const algorithms = restrict(HS.filter((a) => bytes.length >= ALGORITHMS[a].hashBytes), options.alg);
  const nc = nodeCrypto();
  const material: KeyMaterial = nc
    ? { backend: 'node', secret: bytes, keyObject: nc.createSecretKey(bytes), verifyKey: nc.createSecretKey(bytes) }
    : { backend: 'web', secret: bytes, cache: new Map() };
  return new JwtKey({ kind: 'secret', kty: 'oct', algorithms, kid: kidOption(options.kid), curve: undefined, material });
}

/**
 * A new random HMAC secret of the right length for `alg`.
 * @default alg 'HS256'
 */
export function generateSecret(alg: 'HS256' | 'HS384' | 'HS512' = 'HS256', options: { kid?: string } = {}): JwtKey {
  const info = ALGORITHMS[alg];
  if (!info || info.family !== 'HS') throw configError('generateSecret takes HS256, HS384 or HS512');
  return secretKey(randomBytes(info.hashBytes), { alg, ...options });
}

function keyInfoFromJwk(jwk: Jwk): { kty: KeyType; algorithms: readonly JwsAlgorithm[]; curve: string | undefined } {
  switch (jwk.kty) {
    case 'RSA': {
      if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string' || !isBase64url(jwk.n) || !isBase64url(jwk.e)) {
        throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: RSA JWK needs n and e' });
      }
      const n = decodeBase64url(jwk.n);
      let first = 0;
      while (first < n.length && n[first] === 0) first++;
      if ((n.length - first) * 8 < MIN_RSA_BITS) throw weakRsa();
      checkRsaPublic(n, decodeBase64url(jwk.e));
      return { kty: 'RSA', algorithms: RSA, curve: undefined };
    }
    case 'EC':
    case 'OKP': {
      const alg = typeof jwk.crv === 'string' ? CURVE_ALG[jwk.crv] : undefined;
      if (!alg || (jwk.kty === 'EC') !== alg.startsWith('ES')) throw new JwtError('ERR_KEY_UNSUPPORTED', { detail: 'key type not supported: unsupported curve' });
      if (typeof jwk.x !== 'string' || (jwk.kty === 'EC' && typeof jwk.y !== 'string')) {
        throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: EC/OKP JWK needs its coordinates' });
      }
      return { kty: jwk.kty, algorithms: [alg], curve: jwk.crv };
    }
    default:
      throw new JwtError('ERR_KEY_UNSUPPORTED', { detail: 'key type not supported: unknown kty' });
  }
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

function checkSigningUse(jwk: Jwk): void {
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: JWK use is not "sig"' });
  if (jwk.key_ops !== undefined) {
    if (!Array.isArray(jwk.key_ops) || !jwk.key_ops.some((op) => op === 'sign' || op === 'verify')) {
      throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: JWK key_ops allow neither sign nor verify' });
    }
  }
}

/**
 * Imports a JWK (RFC 7517) as a signing or verification key: `oct` (an HMAC secret, with the checks
 * of {@link secretKey}), `RSA` (2048 bits or more), `EC` on P-256, P-384 or P-521, or `OKP`
 * Ed25519. A JWK with private members (`d`) makes a private key. The JWK's `alg` and `kid` apply
 * unless `options` set them; its `use` must be `sig` and its `key_ops` must allow signing or verifying.
 * @example const key = await importJwk(JSON.parse(env.JWT_PUBLIC_JWK), { alg: 'ES256' })
 */
export async function importJwk(jwk: Jwk, options: ImportKeyOptions = {}): Promise<JwtKey> {
  assertOptions(options, IMPORT_KEY_OPTIONS, 'importJwk');
  return jwkKey(jwk, options);
}

/** @internal JWK import; synchronous on the Node backend, so a bad key can throw at construction. */
export function jwkKey(value: unknown, options: ImportKeyOptions): JwtKey | Promise<JwtKey> {
  if (!isPlainObject(value) || typeof value.kty !== 'string') throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: a JWK needs kty' });
  const jwk = value as Jwk;
  checkSigningUse(jwk);
  const alg = options.alg ?? (typeof jwk.alg === 'string' ? (jwk.alg as JwsAlgorithm) : undefined);
  const kid = options.kid ?? (typeof jwk.kid === 'string' && jwk.kid.length > 0 ? jwk.kid : undefined);
  const opts: ImportKeyOptions = { ...(alg === undefined ? {} : { alg }), ...(kid === undefined ? {} : { kid }) };
  if (jwk.kty === 'oct') {
    if (typeof jwk.k !== 'string' || !isBase64url(jwk.k)) throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: oct JWK needs k' });
    return secretKey(decodeBase64url(jwk.k), opts);
  }
  const info = keyInfoFromJwk(jwk);
  const isPrivate = typeof jwk.d === 'string';
  const algorithms = restrict(info.algorithms, opts.alg);
  const nc = nodeCrypto();
  if (nc) {
    const clean = stripMeta(jwk);
    let keyObject: KeyObject;
    try {
      keyObject = isPrivate
        ? nc.createPrivateKey({ key: clean as never, format: 'jwk' })
        : nc.createPublicKey({ key: clean as never, format: 'jwk' });
    } catch (cause) {
      throw new JwtError('ERR_KEY_INVALID', { cause, detail: 'key invalid: JWK rejected' });
    }
    // keyInfoFromJwk() has checked the RSA members already.
    return nodeAsymmetric(nc, keyObject, opts, algorithms, true);
  }
  const material: WebMaterial = { backend: 'web', jwk: stripMeta(jwk), cache: new Map() };
  const key = new JwtKey({ kind: isPrivate ? 'private' : 'public', kty: info.kty, algorithms, kid: kidOption(opts.kid), curve: info.curve, material });
  // Import once now, so a malformed key fails here and not at the first request.
  return webCryptoKey(key, algorithms[0]!, isPrivate ? 'sign' : 'verify').then(() => key);
}

function stripMeta(jwk: Jwk): Jwk {
  const out: Jwk = { kty: jwk.kty };
  for (const m of ['crv', 'x', 'y', 'n', 'e', 'k', ...PRIVATE_MEMBERS] as const) {
    if (typeof jwk[m] === 'string') out[m] = jwk[m] as string;
  }
  return out;
}

function publicJwkOf(jwk: Jwk): Jwk {
  const out: Jwk = { ...jwk };
  for (const m of PRIVATE_MEMBERS) delete out[m];
  return out;
}

/** @internal A JwtKey over an asymmetric node:crypto KeyObject, bound by its type, size and curve. */
export function nodeAsymmetric(nc: NodeCryptoModule, keyObject: KeyObject, options: ImportKeyOptions, preset?: readonly JwsAlgorithm[], rsaChecked = false): JwtKey {
  const details = keyObject.asymmetricKeyDetails ?? {};
  let kty: KeyType;
  let allowed: readonly JwsAlgorithm[];
  let curve: string | undefined;
  switch (keyObject.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss': {
      if ((details.modulusLength ?? 0) < MIN_RSA_BITS) throw weakRsa();
      if (!rsaChecked) {
        const spki = (keyObject.type === 'private' ? nc.createPublicKey(keyObject) : keyObject).export({ type: 'spki', format: 'der' });
        const pub = rsaPublicOfSpki(new Uint8Array(spki.buffer, spki.byteOffset, spki.byteLength));
        if (pub === undefined) throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: RSA key rejected' });
        checkRsaPublic(pub.n, pub.e);
      }
      kty = 'RSA';
      allowed = RSA;
      if (keyObject.asymmetricKeyType === 'rsa-pss') {
        const hash = details.hashAlgorithm;
        allowed = hash ? PSS.filter((a) => ALGORITHMS[a].nodeHash === hash) : PSS;
      }
      break;
    }
    case 'ec': {
      curve = NODE_CURVES[details.namedCurve ?? ''];
      if (!curve) throw new JwtError('ERR_KEY_UNSUPPORTED', { detail: 'key type not supported: unsupported curve' });
      kty = 'EC';
      allowed = [CURVE_ALG[curve]!];
      break;
    }
    case 'ed25519':
      kty = 'OKP';
      curve = 'Ed25519';
      allowed = ['EdDSA'];
      break;
    default:
      throw new JwtError('ERR_KEY_UNSUPPORTED', { detail: 'key type not supported' });
  }
  const algorithms = preset ?? restrict(allowed, options.alg);
  const kind: KeyKind = keyObject.type === 'private' ? 'private' : 'public';
  const verifyKey = kind === 'private' ? nc.createPublicKey(keyObject) : keyObject;
  return new JwtKey({ kind, kty, algorithms, kid: kidOption(options.kid), curve, material: { backend: 'node', keyObject, verifyKey } });
}

// ---------------------------------------------------------------------------------------------
// Generate, export, thumbprint

export interface GenerateKeyPairOptions {
  /** RSA modulus length in bits. @default 2048 */
  modulusLength?: number;
  /** @default the RFC 7638 thumbprint of the public key */
  kid?: string;
}

/**
 * A new key pair for `alg`, both halves bound to it. The `kid` defaults to the RFC 7638 thumbprint.
 * @example const { privateKey, publicKey } = await generateKeyPair('ES256')
 */
export async function generateKeyPair(alg: Exclude<JwsAlgorithm, 'HS256' | 'HS384' | 'HS512'>, options: GenerateKeyPairOptions = {}): Promise<{ privateKey: JwtKey; publicKey: JwtKey }> {
  const info = ALGORITHMS[alg];
  if (!info || info.family === 'HS') throw configError('generateKeyPair takes an asymmetric algorithm; use generateSecret() for HS*');
  const modulusLength = options.modulusLength ?? 2048;
  if (!Number.isInteger(modulusLength) || modulusLength < MIN_RSA_BITS) throw weakRsa();
  const nc = nodeCrypto();
  let privateKey: JwtKey;
  let jwk: Jwk;
  if (nc) {
    let pair: { privateKey: KeyObject };
    if (info.family === 'RS' || info.family === 'PS') pair = nc.generateKeyPairSync('rsa', { modulusLength });
    else if (info.family === 'ES') pair = nc.generateKeyPairSync('ec', { namedCurve: info.curve! });
    else pair = nc.generateKeyPairSync('ed25519');
    privateKey = nodeAsymmetric(nc, pair.privateKey, { alg });
    jwk = pair.privateKey.export({ format: 'jwk' }) as Jwk;
  } else {
    const params =
      info.family === 'RS' || info.family === 'PS'
        ? { name: info.family === 'RS' ? 'RSASSA-PKCS1-v1_5' : 'RSA-PSS', modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: info.hash }
        : info.family === 'ES'
          ? { name: 'ECDSA', namedCurve: info.curve! }
          : { name: 'Ed25519' };
    const pair = (await subtle().generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
    jwk = (await subtle().exportKey('jwk', pair.privateKey)) as Jwk;
    privateKey = await jwkKey(jwk, { alg });
  }
  // A thumbprint reads public members only, so the private JWK gives the public key's.
  privateKey = privateKey.withKid(options.kid ?? (await jwkThumbprint(jwk)));
  return { privateKey, publicKey: publicKeyOf(privateKey) };
}

/** The public half of a private key (a public key is returned as it is). */
export function publicKeyOf(key: JwtKey): JwtKey {
  if (key.kind === 'public') return key;
  if (key.kind === 'secret') throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: an HMAC secret has no public half' });
  const m = key[MATERIAL];
  let material: KeyMaterial;
  if (m.backend === 'node') material = { backend: 'node', keyObject: m.verifyKey, verifyKey: m.verifyKey };
  else if (m.jwk) material = { backend: 'web', jwk: publicJwkOf(m.jwk), cache: new Map() };
  else throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: a non-extractable CryptoKey has no derivable public half' });
  return new JwtKey({ kty: key.kty, algorithms: key.algorithms, kid: key.kid, curve: key.curve, kind: 'public', material });
}

export interface ExportJwkOptions {
  /** Include private members (`d`, `k`, ...). @default false: the public key only */
  includePrivate?: boolean;
}

/**
 * Exports a key as a JWK. By default only the public key, with `kid`, `use: "sig"` and `alg`
 * (when the key serves exactly one algorithm): the form published in a JWKS.
 */
export async function exportJwk(key: JwtKey, options: ExportJwkOptions = {}): Promise<Jwk> {
  const m = key[MATERIAL];
  let jwk: Jwk;
  if (key.kind === 'secret') {
    if (!options.includePrivate) throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: an HMAC secret has no public form; pass includePrivate to export it' });
    jwk = { kty: 'oct', k: encodeBase64url(m.secret!) };
  } else if (m.backend === 'node') {
    const source = options.includePrivate ? m.keyObject : m.verifyKey;
    jwk = source.export({ format: 'jwk' }) as Jwk;
  } else if (m.jwk) {
    jwk = options.includePrivate ? { ...m.jwk } : publicJwkOf(m.jwk);
  } else {
    throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: a non-extractable CryptoKey cannot be exported' });
  }
  if (key.kid !== undefined) jwk.kid = key.kid;
  jwk.use = 'sig';
  if (key.algorithms.length === 1) jwk.alg = key.algorithms[0]!;
  return jwk;
}

const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  oct: ['k', 'kty'],
};

/** The RFC 7638 SHA-256 thumbprint of a JWK, base64url-encoded. */
export async function jwkThumbprint(jwk: Jwk): Promise<string> {
  const members = THUMBPRINT_MEMBERS[jwk.kty];
  if (!members) throw new JwtError('ERR_KEY_UNSUPPORTED', { detail: 'key type not supported: unknown kty' });
  const obj: Record<string, string> = {};
  for (const m of members) {
    if (typeof jwk[m] !== 'string') throw new JwtError('ERR_KEY_INVALID', { detail: `key invalid: JWK lacks ${m}` });
    obj[m] = jwk[m] as string;
  }
  const data = utf8(JSON.stringify(obj));
  const nc = nodeCrypto();
  const digest = nc ? new Uint8Array(nc.createHash('sha256').update(data).digest()) : new Uint8Array(await subtle().digest('SHA-256', data as BufferSource));
  return encodeBase64url(digest);
}

// ---------------------------------------------------------------------------------------------
// Sign and verify bytes

type Usage = 'sign' | 'verify';

function webParams(alg: JwsAlgorithm): { importParams: Algorithm | RsaHashedImportParams | EcKeyImportParams | HmacImportParams; signParams: Algorithm | RsaPssParams | EcdsaParams } {
  const info = ALGORITHMS[alg];
  switch (info.family) {
    case 'HS':
      return { importParams: { name: 'HMAC', hash: info.hash }, signParams: { name: 'HMAC' } };
    case 'RS':
      return { importParams: { name: 'RSASSA-PKCS1-v1_5', hash: info.hash }, signParams: { name: 'RSASSA-PKCS1-v1_5' } };
    case 'PS':
      return { importParams: { name: 'RSA-PSS', hash: info.hash }, signParams: { name: 'RSA-PSS', saltLength: info.hashBytes } as RsaPssParams };
    case 'ES':
      return { importParams: { name: 'ECDSA', namedCurve: info.curve! }, signParams: { name: 'ECDSA', hash: info.hash } as EcdsaParams };
    case 'EdDSA':
      return { importParams: { name: 'Ed25519' }, signParams: { name: 'Ed25519' } };
  }
}

/** @internal The WebCrypto key for `alg` and `usage`, imported once and cached on the key. */
export function webCryptoKey(key: JwtKey, alg: JwsAlgorithm, usage: Usage): Promise<CryptoKey> {
  const m = key[MATERIAL] as WebMaterial;
  if (m.cryptoKey) return Promise.resolve(m.cryptoKey);
  const cacheKey = `${alg}:${usage}`;
  let p = m.cache.get(cacheKey);
  if (!p) {
    const { importParams } = webParams(alg);
    if (m.secret) {
      p = subtle().importKey('raw', m.secret as BufferSource, importParams, false, [usage]);
    } else {
      const jwk = usage === 'verify' ? publicJwkOf(m.jwk!) : m.jwk!;
      p = subtle().importKey('jwk', jwk as JsonWebKey, importParams, false, [usage]);
    }
    p = p.catch((cause: unknown) => {
      m.cache.delete(cacheKey);
      throw new JwtError('ERR_KEY_INVALID', { cause, detail: 'key invalid: WebCrypto refused the key' });
    });
    m.cache.set(cacheKey, p);
  }
  return p;
}

const nodeSignOptions = new WeakMap<KeyObject, Map<JwsAlgorithm, object>>();

function nodeKeyOptions(keyObject: KeyObject, alg: JwsAlgorithm, nc: NodeCryptoModule): KeyObject | object {
  const family = ALGORITHMS[alg].family;
  if (family !== 'PS' && family !== 'ES') return keyObject;
  let perKey = nodeSignOptions.get(keyObject);
  if (!perKey) nodeSignOptions.set(keyObject, (perKey = new Map()));
  let opts = perKey.get(alg);
  if (!opts) {
    opts = family === 'PS'
      ? { key: keyObject, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: nc.constants.RSA_PSS_SALTLEN_DIGEST }
      : { key: keyObject, dsaEncoding: 'ieee-p1363' };
    perKey.set(alg, opts);
  }
  return opts;
}

/** @internal Signs the JWS signing input. Synchronous on the Node backend. */
export function signBytes(key: JwtKey, alg: JwsAlgorithm, input: string): Uint8Array | Promise<Uint8Array> {
  if (key.kind === 'public') throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: a public key cannot sign' });
  const m = key[MATERIAL];
  const info = ALGORITHMS[alg];
  if (m.backend === 'node') {
    const nc = nodeCrypto() ?? (globalThis as { process?: { getBuiltinModule(id: string): NodeCryptoModule } }).process!.getBuiltinModule('node:crypto');
    if (info.family === 'HS') return nc.createHmac(info.nodeHash, m.keyObject).update(input).digest();
    const hash = info.family === 'EdDSA' ? null : info.nodeHash;
    return nc.sign(hash, Buffer.from(input), nodeKeyOptions(m.keyObject, alg, nc) as KeyObject);
  }
  return webCryptoKey(key, alg, 'sign').then(async (ck) => new Uint8Array(await subtle().sign(webParams(alg).signParams, ck, utf8(input) as BufferSource)));
}

/**
 * @internal The HMAC fast path on Node: the expected MAC is computed straight to base64url and
 * compared with the token's signature segment in constant time, with no decoding or allocation
 * of the received signature. Equality of the texts also proves the segment canonical. Undefined
 * when the key is not a Node HMAC key (use verifyBytes).
 */
export function hmacSegmentMatches(key: JwtKey, alg: JwsAlgorithm, input: string, segment: string): boolean | undefined {
  const m = key[MATERIAL];
  if (m.backend !== 'node' || m.secret === undefined) return undefined;
  const info = ALGORITHMS[alg];
  if (info.family !== 'HS') return undefined;
  const nc = nodeCrypto() ?? (globalThis as { process?: { getBuiltinModule(id: string): NodeCryptoModule } }).process!.getBuiltinModule('node:crypto');
  const expected = nc.createHmac(info.nodeHash, m.keyObject).update(input).digest('base64url');
  if (expected.length !== segment.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ segment.charCodeAt(i);
  return diff === 0;
}

/**
 * node:crypto's callback form runs the check on libuv's thread pool, as WebCrypto does: the event
 * loop serves other requests meanwhile, and concurrent checks use every core.
 */
function verifyOnThreadPool(nc: NodeCryptoModule, hash: string | null, input: string, key: KeyObject, signature: Uint8Array): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      const sync: unknown = nc.verify(hash, Buffer.from(input), key, signature, (error, ok) => resolve(!error && ok === true));
      // A runtime whose node:crypto ignores the callback answers at once instead.
      if (typeof sync === 'boolean') resolve(sync);
    } catch {
      resolve(false);
    }
  });
}

/** @internal Verifies a JWS signature. Synchronous on the Node backend; never throws for a bad signature. */
export function verifyBytes(key: JwtKey, alg: JwsAlgorithm, input: string, signature: Uint8Array, offload = false): boolean | Promise<boolean> {
  const info = ALGORITHMS[alg];
  // Raw ECDSA signatures have one exact length; DER-encoded or truncated ones are refused outright.
  if (info.signatureBytes !== undefined && signature.length !== info.signatureBytes) return false;
  const m = key[MATERIAL];
  if (m.backend === 'node') {
    const nc = nodeCrypto() ?? (globalThis as { process?: { getBuiltinModule(id: string): NodeCryptoModule } }).process!.getBuiltinModule('node:crypto');
    if (info.family === 'HS') {
      // A secret KeyObject skips re-processing the key bytes on every HMAC.
      const expected = nc.createHmac(info.nodeHash, m.keyObject).update(input).digest();
      return expected.length === signature.length && nc.timingSafeEqual(expected, signature);
    }
    // An RSA signature is exactly as long as the modulus (RFC 8017 8.1.2, 8.2.2). OpenSSL also takes
    // a shorter one with its leading zero bytes left out: a second encoding of the same signature.
    if ((info.family === 'RS' || info.family === 'PS') && signature.length !== rsaBytes(m.verifyKey.asymmetricKeyDetails?.modulusLength)) return false;
    const hash = info.family === 'EdDSA' ? null : info.nodeHash;
    if (offload) return verifyOnThreadPool(nc, hash, input, nodeKeyOptions(m.verifyKey, alg, nc) as KeyObject, signature);
    try {
      return nc.verify(hash, Buffer.from(input), nodeKeyOptions(m.verifyKey, alg, nc) as KeyObject, signature);
    } catch {
      return false;
    }
  }
  return webCryptoKey(key, alg, 'verify').then((ck) => {
    if ((info.family === 'RS' || info.family === 'PS') && signature.length !== rsaBytes((ck.algorithm as RsaHashedKeyAlgorithm).modulusLength)) return false;
    return subtle().verify(webParams(alg).signParams, ck, signature as BufferSource, utf8(input) as BufferSource).catch(() => false);
  });
}

/** The byte length of an RSA modulus of `bits` bits; NaN (matching no length) when unknown. */
function rsaBytes(bits: number | undefined): number {
  return bits === undefined ? Number.NaN : Math.ceil(bits / 8);
}
