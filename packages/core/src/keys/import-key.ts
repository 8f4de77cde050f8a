/**
 * Every key form the main entry accepts besides a JWK: PEM text (SPKI, PKCS#8, PKCS#1, SEC1, X.509
 * certificates), raw DER through asn1.ts on WebCrypto, node:crypto KeyObjects, WebCrypto
 * CryptoKeys, and key text as found in files and environment variables. `@jwt/core/lite` never
 * reaches this file: its callers prepare keys with secretKey(), importJwk() or generateKeyPair().
 */
import type { KeyObject } from 'node:crypto';
import { ALGORITHMS, type JwsAlgorithm } from '../common/algorithms.js';
import * as asn1 from './asn1.js';
import { nodeCrypto, subtle, type NodeCryptoModule } from '../common/backend.js';
import { JwtError } from '../common/errors.js';
import { isPlainObject } from '../common/json.js';
import {
  checkRsaPublic,
  CURVE_ALG,
  HS,
  isJwtKey,
  jwkKey,
  JwtKey,
  IMPORT_KEY_OPTIONS,
  kidOption,
  MIN_RSA_BITS,
  nodeAsymmetric,
  PSS,
  rebindKey,
  restrict,
  RSA,
  secretKey,
  type ImportKeyOptions,
  type Jwk,
  type KeyKind,
  type KeyType,
  weakRsa,
} from './keys.js';
import { assertOptions } from '../common/options.js';

/** The structural shape of a node:crypto `KeyObject`, so public types need no `@types/node`. */
export interface KeyObjectLike {
  readonly type: 'secret' | 'public' | 'private';
  readonly asymmetricKeyType?: string | undefined;
  export(options?: object): unknown;
}

/**
 * Anything {@link importKey} understands: an HMAC secret (string or bytes), a PEM text (SPKI,
 * PKCS#8, PKCS#1, SEC1 or an X.509 certificate), a JWK (object or JSON text), a node:crypto
 * `KeyObject` or a WebCrypto `CryptoKey`.
 */
export type KeyInput = string | Uint8Array | Jwk | KeyObjectLike | CryptoKey | JwtKey;

/**
 * Imports any supported key form. The result is bound to the algorithms its type allows
 * (optionally narrowed by `options.alg`). RSA keys under 2048 bits and unsupported curves are refused.
 * @example const key = await importKey(fs.readFileSync('public.pem', 'utf8'), { alg: 'RS256' })
 */
export async function importKey(input: KeyInput, options: ImportKeyOptions = {}): Promise<JwtKey> {
  assertOptions(options, IMPORT_KEY_OPTIONS, 'importKey');
  if (isJwtKey(input)) return rebindKey(input, options);
  if (typeof input === 'string') {
    const text = parseKeyText(input);
    if (text === undefined) return secretKey(input, options);
    return 'pem' in text ? importPem(text.pem, options) : jwkKey(text.jwk, options);
  }
  if (input instanceof Uint8Array) return secretKey(input, options);
  if (typeof CryptoKey !== 'undefined' && input instanceof CryptoKey) return importCryptoKey(input, options);
  if (isKeyObjectLike(input)) return importKeyObject(input, options);
  if (isJwkObject(input)) return jwkKey(input, options);
  throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: unrecognised key input' });
}

/**
 * Raw input that needs no asynchronous import (an HMAC secret as a string or bytes)
 * becomes a key right away, so a weak secret throws at construction, not at the first request.
 */
function importSecretNow(input: unknown): JwtKey | undefined {
  if (input instanceof Uint8Array) return secretKey(input);
  if (typeof input === 'string' && parseKeyText(input) === undefined) return secretKey(input);
  return undefined;
}

/**
 * verify(token, pem) reads its key on every call; reading a PEM and checking an RSA key (its
 * exponent, ROCA) costs more than the verification. The last key text read is kept: a JwtKey is
 * immutable, and only public keys are kept, so no private key outlives its caller's text here.
 */
let lastText: { text: string; key: JwtKey } | undefined;

/**
 * @internal Raw key input that can become a key synchronously does so: HMAC secrets everywhere,
 * and PEM, JWK and KeyObject input on the Node backend. So a weak, malformed or misused key
 * throws when a signer or verifier is built, not at its first request. Undefined: import later.
 */
export function importKeyNow(input: unknown): JwtKey | undefined {
  const secret = importSecretNow(input);
  if (secret !== undefined) return secret;
  if (typeof input === 'object' && input !== null && !isJwkObject(input) && !isKeyObjectLike(input) && !(typeof CryptoKey !== 'undefined' && input instanceof CryptoKey)) {
    throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: unrecognised key input' });
  }
  const nc = nodeCrypto();
  if (nc === undefined) return undefined;
  let key: JwtKey | Promise<JwtKey> | undefined;
  if (typeof input === 'string') {
    if (lastText?.text === input) return lastText.key;
    const text = parseKeyText(input);
    if (text !== undefined) key = 'pem' in text ? importPem(text.pem, {}) : jwkKey(text.jwk, {});
    if (key instanceof JwtKey && key.kind === 'public') lastText = { text: input, key };
  } else if (isKeyObjectLike(input) && input.type !== 'secret') {
    key = nodeAsymmetric(nc, input as unknown as KeyObject, {});
  } else if (isJwkObject(input)) {
    key = jwkKey(input, {});
  }
  if (key instanceof Promise) {
    key.catch(() => undefined);
    return undefined;
  }
  return key;
}

/**
 * @internal A key given as text: a PEM block, a JWK as JSON text, or neither (undefined: the
 * text is secret material). Text that starts like JSON but does not parse is refused.
 */
export function parseKeyText(input: string): { pem: string } | { jwk: unknown } | undefined {
  const trimmed = input.trim();
  if (trimmed.startsWith('-----BEGIN')) return { pem: trimmed };
  if (!trimmed.startsWith('{')) return undefined;
  try {
    return { jwk: JSON.parse(trimmed) as unknown };
  } catch {
    throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: text starting with { is not valid JWK JSON' });
  }
}

/** A JWK is a plain JSON object: an instance of some class (an encryption key, say) is not one. */
function isJwkObject(value: unknown): value is Jwk {
  if (!isPlainObject(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isKeyObjectLike(value: unknown): value is KeyObjectLike {
  return typeof value === 'object' && value !== null && typeof (value as KeyObjectLike).export === 'function' &&
    ['secret', 'public', 'private'].includes((value as KeyObjectLike).type);
}

const PEM = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\s]+?)-----END \1-----\s*$/;

function pemDer(pem: string): { label: string; der: Uint8Array } {
  const m = PEM.exec(pem);
  if (!m) throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: malformed PEM' });
  const b64 = m[2]!.replace(/\s+/g, '');
  let bin: string;
  try {
    bin = atob(b64);
  } catch {
    throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: malformed PEM' });
  }
  const der = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) der[i] = bin.charCodeAt(i);
  return { label: m[1]!, der };
}

/** @internal node:crypto's key from PEM text; a PEM it rejects is ERR_KEY_INVALID. Shared with JWE keys. */
export function pemKeyObject(nc: NodeCryptoModule, pem: string, isPrivate: boolean): KeyObject {
  try {
    return isPrivate ? nc.createPrivateKey(pem) : nc.createPublicKey(pem);
  } catch (cause) {
    throw new JwtError('ERR_KEY_INVALID', { cause, detail: 'key invalid: PEM rejected' });
  }
}

function importPem(pem: string, options: ImportKeyOptions): JwtKey | Promise<JwtKey> {
  const { label, der } = pemDer(pem);
  const isPrivate = label.endsWith('PRIVATE KEY');
  if (label === 'ENCRYPTED PRIVATE KEY') throw new JwtError('ERR_KEY_UNSUPPORTED', { detail: 'key type not supported: decrypt the private key first' });
  if (!['PUBLIC KEY', 'RSA PUBLIC KEY', 'CERTIFICATE', 'PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'].includes(label)) {
    throw new JwtError('ERR_KEY_UNSUPPORTED', { detail: 'key type not supported: unknown PEM label' });
  }
  const nc = nodeCrypto();
  if (nc) {
    return nodeAsymmetric(nc, pemKeyObject(nc, pem, isPrivate), options);
  }
  return importPemWeb(label, der, isPrivate, options);
}

async function importPemWeb(label: string, der: Uint8Array, isPrivate: boolean, options: ImportKeyOptions): Promise<JwtKey> {
  let body = der;
  if (label === 'CERTIFICATE') body = asn1.certificateSpki(der);
  else if (label === 'RSA PUBLIC KEY') body = asn1.pkcs1PublicToSpki(der);
  else if (label === 'RSA PRIVATE KEY') body = asn1.pkcs1PrivateToPkcs8(der);
  else if (label === 'EC PRIVATE KEY') body = asn1.sec1ToPkcs8(der);
  const id = isPrivate ? asn1.pkcs8Algorithm(body) : asn1.spkiAlgorithm(body);
  const params = webImportParams(id);
  let jwk: Jwk;
  try {
    const ck = await subtle().importKey(isPrivate ? 'pkcs8' : 'spki', body as BufferSource, params, true, isPrivate ? ['sign'] : ['verify']);
    jwk = (await subtle().exportKey('jwk', ck)) as Jwk;
  } catch (cause) {
    throw new JwtError('ERR_KEY_INVALID', { cause, detail: 'key invalid: PEM rejected' });
  }
  // The export's alg only echoes the parameters used to read the PEM (RS256 for every RSA key,
  // "Ed25519" which is no JWS name): a PEM names no algorithm, so bind by key type as Node does.
  delete jwk.alg;
  if (id.type === 'rsa-pss') return jwkKey(jwk, { ...options, alg: options.alg ?? PSS });
  return jwkKey(jwk, options);
}

function webImportParams(id: asn1.KeyAlgorithmId): RsaHashedImportParams | EcKeyImportParams | Algorithm {
  switch (id.type) {
    case 'rsa':
      return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    case 'rsa-pss':
      return { name: 'RSA-PSS', hash: 'SHA-256' };
    case 'ec':
      if (id.curve && CURVE_ALG[id.curve]) return { name: 'ECDSA', namedCurve: id.curve };
      break;
    case 'ed25519':
      return { name: 'Ed25519' };
  }
  throw new JwtError('ERR_KEY_UNSUPPORTED', { detail: 'key type not supported' });
}

async function importKeyObject(input: KeyObjectLike, options: ImportKeyOptions): Promise<JwtKey> {
  const nc = nodeCrypto();
  if (input.type === 'secret') return secretKey(input.export() as Uint8Array, options);
  if (nc) return nodeAsymmetric(nc, input as unknown as KeyObject, options);
  return jwkKey(input.export({ format: 'jwk' }), options);
}

const WEB_ALGS: Record<string, (k: CryptoKey) => readonly JwsAlgorithm[]> = {
  HMAC: (k) => HS.filter((a) => ALGORITHMS[a].hash === (k.algorithm as HmacKeyAlgorithm).hash.name),
  'RSASSA-PKCS1-v1_5': (k) => RSA.filter((a) => a.startsWith('RS') && ALGORITHMS[a].hash === (k.algorithm as RsaHashedKeyAlgorithm).hash.name),
  'RSA-PSS': (k) => PSS.filter((a) => ALGORITHMS[a].hash === (k.algorithm as RsaHashedKeyAlgorithm).hash.name),
  ECDSA: (k) => {
    const alg = CURVE_ALG[(k.algorithm as EcKeyAlgorithm).namedCurve];
    return alg && alg !== 'EdDSA' ? [alg] : [];
  },
  Ed25519: () => ['EdDSA'],
};

async function importCryptoKey(input: CryptoKey, options: ImportKeyOptions): Promise<JwtKey> {
  const allowed = WEB_ALGS[input.algorithm.name]?.(input) ?? [];
  if (allowed.length === 0) throw new JwtError('ERR_KEY_UNSUPPORTED', { detail: 'key type not supported' });
  // A CryptoKey was made for one hash (and padding or curve): keep that binding on every path, not
  // only the non-extractable one, or an HMAC SHA-384 key would sign HS256 on one backend only.
  const bound: ImportKeyOptions = { ...options, alg: restrict(allowed, options.alg) };
  const nc = nodeCrypto();
  if (nc) return importKeyObject(nc.KeyObject.from(input) as unknown as KeyObjectLike, bound);
  if (input.extractable) {
    if (input.type === 'secret') return secretKey(new Uint8Array(await subtle().exportKey('raw', input)), bound);
    return jwkKey(await subtle().exportKey('jwk', input), bound);
  }
  if (input.algorithm.name === 'RSASSA-PKCS1-v1_5' || input.algorithm.name === 'RSA-PSS') {
    if ((input.algorithm as RsaHashedKeyAlgorithm).modulusLength < MIN_RSA_BITS) throw weakRsa();
    // Its modulus cannot be read, so only the exponent is checked (ROCA needs the modulus).
    checkRsaPublic(undefined, (input.algorithm as RsaHashedKeyAlgorithm).publicExponent);
  }
  if (input.algorithm.name === 'HMAC' && (input.algorithm as HmacKeyAlgorithm).length < 256) throw new JwtError('ERR_KEY_WEAK');
  const algorithms = restrict(allowed, options.alg);
  const kty: KeyType = input.type === 'secret' ? 'oct' : input.algorithm.name === 'ECDSA' ? 'EC' : input.algorithm.name === 'Ed25519' ? 'OKP' : 'RSA';
  const curve = input.algorithm.name === 'ECDSA' ? (input.algorithm as EcKeyAlgorithm).namedCurve : input.algorithm.name === 'Ed25519' ? 'Ed25519' : undefined;
  const kind: KeyKind = input.type;
  return new JwtKey({ kind, kty, algorithms, kid: kidOption(options.kid), curve, material: { backend: 'web', cryptoKey: input, cache: new Map() } });
}

