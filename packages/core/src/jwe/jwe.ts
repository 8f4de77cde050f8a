/**
 * JWE compact serialization (RFC 7516 section 7.1): five base64url segments, header.key.iv.
 * ciphertext.tag. Decryption runs in a fixed, defensive order: size limit before any decoding;
 * the header's `alg` and `enc` checked against what the key was bound to (never trusted on their
 * own; PBES2 and RSA1_5 refused outright); segment lengths checked; the content key recovered
 * (a failure there silently continues with a random key, so it looks exactly like a bad tag);
 * the tag verified before any plaintext is released; `zip` refused unless enabled, and then
 * inflated under a hard cap. Every cryptographic failure is the one ERR_JWE_DECRYPTION_FAILED.
 */
import { unwrapKey, wrapKey } from './aeskw.js';
import { randomBytes, subtle } from '../common/backend.js';
import { decodeSegment, decodeSegmentText, encodeSegment, encodeSegmentText, fromUtf8, isBase64url, utf8 } from '../common/base64url.js';
import { concatKdf } from './concatkdf.js';
import { deflateRaw, DEFAULT_MAX_INFLATED_LENGTH, inflateRaw } from './deflate.js';
import { readEpk, receiverSecret, senderAgreement } from './ecdh.js';
import { configError, JwtError } from '../common/errors.js';
import { ascii, decryptionFailed, gcmOpen, gcmSeal, isDecryptionFailure, nodeFor, openContent, randomIv, sealContent, type CryptoContext } from './jwe-content.js';
import {
  ENCRYPTIONS,
  isJweAlgorithm,
  isJweEncryption,
  isJweKey,
  jweMaterial,
  KEY_MANAGEMENT,
  unsupportedAlgError,
  webAsymmetricKey,
  type JweAlgorithm,
  type JweEncryption,
  type JweKey,
} from './jwe-keys.js';
import { checkHeaderTypes } from '../common/header.js';
import { isPlainObject, parseJsonObject, type JsonObject } from '../common/json.js';
import { isJwtKey, type Jwk } from '../keys/keys.js';
import { andThen as then, type MaybePromise } from '../common/maybe-promise.js';

/** A JWE protected header as read from a token. */
export interface JweHeader {
  alg: JweAlgorithm;
  enc: JweEncryption;
  zip?: 'DEF';
  kid?: string;
  typ?: string;
  /** `JWT` for a nested (signed, then encrypted) token. */
  cty?: string;
  epk?: Jwk;
  apu?: string;
  apv?: string;
  iv?: string;
  tag?: string;
  crit?: string[];
  [parameter: string]: unknown;
}

export interface EncryptionOptions {
  /**
   * Key management algorithm; must be one the key is bound to.
   * @default the key's first algorithm
   */
  alg?: JweAlgorithm;
  /**
   * Content encryption; must be one the key is bound to.
   * @default the key's first content encryption (A256GCM unless the key says otherwise)
   */
  enc?: JweEncryption;
  /**
   * `kid` header; `false` leaves it out.
   * @default the key's kid
   */
  kid?: string | false;
  /** `typ` header. @default none */
  typ?: string;
  /** `cty` header (`JWT` is set for you on nested tokens). @default none */
  cty?: string;
  /**
   * Extra protected header parameters. Those the JWE machinery sets (`alg`, `enc`, `zip`, `epk`,
   * `apu`, `apv`, `iv`, `tag`, `p2s`, `p2c`, `crit`, `jku`, `jwk`, `x5u`, `x5c`, `kid`, `typ`, `cty`) cannot be set here.
   */
  header?: Record<string, unknown>;
  /**
   * Compress the plaintext (`zip: "DEF"`) before encrypting. Compression before encryption lets
   * an attacker who controls part of the plaintext learn the rest from the token's length, and
   * many recipients refuse it: leave it off unless both sides need it.
   * @default false
   */
  zip?: boolean;
  /** ECDH-ES `apu` (PartyUInfo) bytes. @default none */
  apu?: Uint8Array;
  /** ECDH-ES `apv` (PartyVInfo) bytes. @default none */
  apv?: Uint8Array;
}

export interface DecryptionOptions {
  /**
   * Tokens longer than this many characters are refused before any decoding.
   * @default 8192
   */
  maxTokenLength?: number;
  /**
   * Accept compressed plaintext (`zip: "DEF"`), inflated to at most `maxLength` bytes.
   * Refused by default: compression is rarely needed and inflating is a denial-of-service surface.
   * @default false
   * @example zip: { maxLength: 32_768 }
   */
  zip?: boolean | { maxLength?: number };
  /**
   * `crit` header parameters your code understands and checks itself. Any other is refused.
   * @default []
   */
  crit?: readonly string[];
}

export interface CompactDecryptResult {
  plaintext: Uint8Array;
  header: JweHeader;
  /** The key that decrypted the token. */
  key: JweKey;
}

const EMPTY = new Uint8Array(0);
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;
const DEFAULT_MAX_TOKEN_LENGTH = 8192;
const MAX_CANDIDATES = 16;
const HEADER_CACHE_SIZE = 64;
const RESERVED_HEADER = new Set(['alg', 'enc', 'zip', 'epk', 'apu', 'apv', 'iv', 'tag', 'p2s', 'p2c', 'crit', 'jku', 'jwk', 'x5u', 'x5c', 'kid', 'typ', 'cty', '__proto__']);

function requireKey(key: unknown): JweKey {
  if (isJweKey(key)) return key;
  if (isJwtKey(key)) throw configError('this is a signing key (JwtKey); encryption takes a JweKey from encryptionKey() or importEncryptionKey()');
  throw configError('encryption takes a JweKey from encryptionKey(), importEncryptionKey() or generateEncryptionKeyPair()');
}

// ---------------------------------------------------------------------------------------------
// RSA-OAEP (SHA-1) and RSA-OAEP-256

function rsaEncrypt(key: JweKey, alg: JweAlgorithm, cek: Uint8Array, ctx: CryptoContext): MaybePromise<Uint8Array> {
  const info = KEY_MANAGEMENT[alg];
  const nc = ctx.node;
  if (nc) return nc.publicEncrypt({ key: jweMaterial(key).publicKeyObject!, padding: nc.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: info.nodeHash! }, cek);
  return webAsymmetricKey(key, 'public', info.hash).then(async (k) => new Uint8Array(await subtle().encrypt({ name: 'RSA-OAEP' }, k, cek as BufferSource)));
}

function rsaDecrypt(key: JweKey, alg: JweAlgorithm, encryptedKey: Uint8Array, ctx: CryptoContext): MaybePromise<Uint8Array> {
  const info = KEY_MANAGEMENT[alg];
  const nc = ctx.node;
  if (nc) {
    try {
      return nc.privateDecrypt({ key: jweMaterial(key).keyObject!, padding: nc.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: info.nodeHash! }, encryptedKey);
    } catch {
      throw decryptionFailed();
    }
  }
  return webAsymmetricKey(key, 'private', info.hash)
    .then((k) => subtle().decrypt({ name: 'RSA-OAEP' }, k, encryptedKey as BufferSource))
    .then(
      (raw) => new Uint8Array(raw),
      () => {
        throw decryptionFailed();
      },
    );
}

// ---------------------------------------------------------------------------------------------
// Encryption

/** @internal Everything about one (key, options) pair that does not change per token. */
export interface CompiledEncryption {
  readonly key: JweKey;
  readonly alg: JweAlgorithm;
  readonly enc: JweEncryption;
  readonly header: JsonObject;
  /** The encoded header when nothing in it changes per token (dir, AES-KW, RSA-OAEP). */
  readonly segment: string | undefined;
  readonly zip: boolean;
  readonly apu: Uint8Array | undefined;
  readonly apv: Uint8Array | undefined;
  /** Crypto with the key's own material (its WebCrypto imports cached on it). */
  readonly keyCtx: CryptoContext;
  /** Crypto with per-token keys, never cached. */
  readonly tokenCtx: CryptoContext;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw configError(`${name} must be a non-empty string`);
  return value;
}

/** @internal */
export function compileEncryption(keyInput: JweKey, options: EncryptionOptions = {}): CompiledEncryption {
  const key = requireKey(keyInput);
  if (typeof options !== 'object' || options === null) throw configError('encryption options must be an object');
  const alg = options.alg ?? key.algorithms[0]!;
  const enc = options.enc ?? key.encryptions[0]!;
  if (!isJweAlgorithm(alg)) throw unsupportedAlgError(alg, 'alg');
  if (!isJweEncryption(enc)) throw unsupportedAlgError(enc, 'enc');
  if (!key.algorithms.includes(alg)) throw new JwtError('ERR_JWE_ALG_NOT_ALLOWED', { claim: 'alg', detail: `encryption algorithm not allowed: this key is not bound to ${alg}` });
  if (!key.encryptions.includes(enc)) throw new JwtError('ERR_JWE_ALG_NOT_ALLOWED', { claim: 'enc', detail: `encryption algorithm not allowed: this key is not bound to ${enc}` });
  const family = KEY_MANAGEMENT[alg].family;
  const header: JsonObject = { alg, enc };
  if (options.zip === true) header.zip = 'DEF';
  else if (options.zip !== undefined && options.zip !== false) throw configError('zip must be a boolean');
  const kid = options.kid === false ? undefined : optionalString(options.kid ?? key.kid, 'kid');
  if (kid !== undefined) header.kid = kid;
  const typ = optionalString(options.typ, 'typ');
  if (typ !== undefined) header.typ = typ;
  const cty = optionalString(options.cty, 'cty');
  if (cty !== undefined) header.cty = cty;
  if (options.header !== undefined) {
    if (!isPlainObject(options.header)) throw configError('header must be an object');
    for (const [name, value] of Object.entries(options.header)) {
      if (RESERVED_HEADER.has(name)) throw configError(`header parameter ${name} cannot be set`);
      header[name] = value;
    }
  }
  for (const [name, value] of [['apu', options.apu], ['apv', options.apv]] as const) {
    if (value === undefined) continue;
    if (family !== 'ECDH-ES') throw configError(`${name} only applies to ECDH-ES`);
    if (!(value instanceof Uint8Array)) throw configError(`${name} must be a Uint8Array`);
    header[name] = encodeSegment(value);
  }
  const m = jweMaterial(key);
  const node = nodeFor(m.backend);
  return {
    key,
    alg,
    enc,
    header,
    segment: family === 'dir' || family === 'KW' || family === 'RSA-OAEP' ? encodeSegmentText(JSON.stringify(header)) : undefined,
    zip: options.zip === true,
    apu: options.apu,
    apv: options.apv,
    keyCtx: { node, owner: m },
    tokenCtx: { node, owner: undefined },
  };
}

interface PreparedKey {
  cek: Uint8Array;
  encryptedKey: Uint8Array;
  segment: string;
  /** dir encrypts with the key's own (cached) material; every other mode with a fresh key. */
  contentCtx: CryptoContext;
}

function headerSegment(c: CompiledEncryption, extra: JsonObject): string {
  return encodeSegmentText(JSON.stringify({ ...c.header, ...extra }));
}

function prepareKey(c: CompiledEncryption): MaybePromise<PreparedKey> {
  const info = KEY_MANAGEMENT[c.alg];
  const cekBytes = ENCRYPTIONS[c.enc].cekBytes;
  const secret = jweMaterial(c.key).secret;
  switch (info.family) {
    case 'dir':
      return { cek: secret!, encryptedKey: EMPTY, segment: c.segment!, contentCtx: c.keyCtx };
    case 'KW': {
      const cek = randomBytes(cekBytes);
      return then(wrapKey(secret!, cek, c.keyCtx), (encryptedKey) => ({ cek, encryptedKey, segment: c.segment!, contentCtx: c.tokenCtx }));
    }
    case 'GCMKW': {
      const cek = randomBytes(cekBytes);
      const iv = randomIv(12, c.keyCtx);
      return then(gcmSeal(secret!, iv, cek, EMPTY, c.keyCtx), (sealed) => ({
        cek,
        encryptedKey: sealed.ciphertext,
        segment: headerSegment(c, { iv: encodeSegment(iv), tag: encodeSegment(sealed.tag) }),
        contentCtx: c.tokenCtx,
      }));
    }
    case 'RSA-OAEP': {
      const cek = randomBytes(cekBytes);
      return then(rsaEncrypt(c.key, c.alg, cek, c.keyCtx), (encryptedKey) => ({ cek, encryptedKey, segment: c.segment!, contentCtx: c.tokenCtx }));
    }
    case 'ECDH-ES': {
      const kekBytes = info.kekBytes;
      return then(senderAgreement(c.key, c.keyCtx), ({ z, epk }) => {
        const segment = headerSegment(c, { epk });
        const derive = concatKdf(z, kekBytes ?? cekBytes, kekBytes === undefined ? c.enc : c.alg, c.apu ?? EMPTY, c.apv ?? EMPTY, c.tokenCtx);
        return then(derive, (derived): MaybePromise<PreparedKey> => {
          if (kekBytes === undefined) return { cek: derived, encryptedKey: EMPTY, segment, contentCtx: c.tokenCtx };
          const cek = randomBytes(cekBytes);
          return then(wrapKey(derived, cek, c.tokenCtx), (encryptedKey) => ({ cek, encryptedKey, segment, contentCtx: c.tokenCtx }));
        });
      });
    }
  }
}

/** @internal Encrypts one plaintext with compiled options. Synchronous on the Node backend unless `zip` needs streams. */
export function encryptCompiled(c: CompiledEncryption, plaintext: Uint8Array): MaybePromise<string> {
  return then(c.zip ? deflateRaw(plaintext) : plaintext, (data) =>
    then(prepareKey(c), (k) =>
      then(sealContent(c.enc, k.cek, data, ascii(k.segment), k.contentCtx), (s) =>
        `${k.segment}.${encodeSegment(k.encryptedKey)}.${encodeSegment(s.iv)}.${encodeSegment(s.ciphertext)}.${encodeSegment(s.tag)}`,
      ),
    ),
  );
}

/**
 * Encrypts bytes or text as a compact JWE. For claims, prefer `encrypt()`, which can also sign them first.
 * @example const jwe = await compactEncrypt('hello', key, { enc: 'A256GCM' })
 */
export function compactEncrypt(plaintext: Uint8Array | string, key: JweKey, options: EncryptionOptions = {}): Promise<string> {
  try {
    const bytes = typeof plaintext === 'string' ? utf8(plaintext) : plaintext;
    if (!(bytes instanceof Uint8Array)) throw configError('plaintext must be a string or a Uint8Array');
    return Promise.resolve(encryptCompiled(compileEncryption(key, options), bytes));
  } catch (error) {
    return Promise.reject(error);
  }
}

// ---------------------------------------------------------------------------------------------
// Decryption

/** Runs `fn`; on a decryption failure (thrown or rejected) runs `onFail` instead. */
function attempt<T>(fn: () => MaybePromise<T>, onFail: () => MaybePromise<T>): MaybePromise<T> {
  let result: MaybePromise<T>;
  try {
    result = fn();
  } catch (error) {
    if (isDecryptionFailure(error)) return onFail();
    throw error;
  }
  return result instanceof Promise ? result.catch((error: unknown) => (isDecryptionFailure(error) ? onFail() : Promise.reject(error))) : result;
}

function checkCrit(header: JsonObject, understood: readonly string[]): void {
  const crit = header.crit;
  if (crit === undefined) return;
  if (!Array.isArray(crit) || crit.length === 0) throw new JwtError('ERR_JWT_MALFORMED', { claim: 'crit', detail: 'token malformed: crit' });
  for (const name of crit) {
    if (typeof name !== 'string' || name === '' || RESERVED_HEADER.has(name)) throw new JwtError('ERR_JWT_MALFORMED', { claim: 'crit', detail: 'token malformed: crit' });
    if (!understood.includes(name) || header[name] === undefined) throw new JwtError('ERR_JWS_CRIT_UNSUPPORTED', { claim: 'crit' });
  }
}

function malformed(claim: string): JwtError {
  return new JwtError('ERR_JWT_MALFORMED', { claim, detail: `token malformed: ${claim}` });
}

function segmentBytes(value: unknown, claim: string, length?: number): Uint8Array {
  if (typeof value !== 'string' || !isBase64url(value)) throw malformed(claim);
  const bytes = decodeSegment(value);
  if (length !== undefined && bytes.length !== length) throw malformed(claim);
  return bytes;
}

/** Splits a compact JWE into its five segments, or refuses it. */
function splitCompact(token: string): [string, string, string, string, string] {
  const d1 = token.indexOf('.');
  const d2 = token.indexOf('.', d1 + 1);
  const d3 = d2 < 0 ? -1 : token.indexOf('.', d2 + 1);
  const d4 = d3 < 0 ? -1 : token.indexOf('.', d3 + 1);
  if (d1 <= 0 || d4 < 0 || token.indexOf('.', d4 + 1) !== -1) throw new JwtError('ERR_JWT_MALFORMED');
  return [token.slice(0, d1), token.slice(d1 + 1, d2), token.slice(d2 + 1, d3), token.slice(d3 + 1, d4), token.slice(d4 + 1)];
}

/** @internal The compiled decryption pipeline behind compactDecrypt(), decrypt() and the verifier's `decryptionKey`. */
export class Decryption {
  readonly #keys: readonly JweKey[];
  readonly #maxLength: number;
  readonly #inflateLimit: number | undefined;
  readonly #crit: readonly string[];
  readonly #headers = new Map<string, JweHeader>();

  constructor(keys: JweKey | readonly JweKey[], options: DecryptionOptions = {}) {
    const list: readonly unknown[] = isJweKey(keys) ? [keys] : Array.isArray(keys) ? keys : [keys];
    if (list.length === 0) throw configError('decryption needs at least one JweKey');
    for (const k of list) {
      requireKey(k);
      if ((k as JweKey).kind === 'public') throw configError('a public key cannot decrypt: pass the private key (or the secret)');
    }
    this.#keys = Object.freeze([...(list as JweKey[])]);
    const maxLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
    if (!Number.isInteger(maxLength) || maxLength < 16) throw configError('maxTokenLength must be an integer of at least 16');
    this.#maxLength = maxLength;
    const zip = options.zip ?? false;
    if (zip === false) this.#inflateLimit = undefined;
    else if (zip === true) this.#inflateLimit = DEFAULT_MAX_INFLATED_LENGTH;
    else if (isPlainObject(zip)) {
      const limit = zip.maxLength ?? DEFAULT_MAX_INFLATED_LENGTH;
      if (!Number.isInteger(limit) || limit < 1) throw configError('zip.maxLength must be a positive integer');
      this.#inflateLimit = limit;
    } else throw configError('zip must be a boolean or { maxLength }');
    if (options.crit !== undefined && (!Array.isArray(options.crit) || options.crit.some((c) => typeof c !== 'string'))) throw configError('crit must be a list of header names');
    this.#crit = Object.freeze([...(options.crit ?? [])]);
  }

  #header(segment: string): JweHeader {
    const cached = this.#headers.get(segment);
    if (cached !== undefined) return cached;
    const header = parseJsonObject(decodeSegmentText(segment));
    const { alg, enc } = header;
    if (typeof alg !== 'string') throw new JwtError('ERR_JWT_MALFORMED', { claim: 'alg', detail: 'token malformed: alg missing' });
    if (!isJweAlgorithm(alg)) throw unsupportedAlgError(alg, 'alg');
    if (typeof enc !== 'string') throw new JwtError('ERR_JWT_MALFORMED', { claim: 'enc', detail: 'token malformed: enc missing' });
    if (!isJweEncryption(enc)) throw unsupportedAlgError(enc, 'enc');
    if (header.zip !== undefined) {
      if (this.#inflateLimit === undefined) throw new JwtError('ERR_JWE_ALG_NOT_ALLOWED', { claim: 'zip', detail: 'encryption algorithm not allowed: compressed content' });
      if (header.zip !== 'DEF') throw new JwtError('ERR_JWE_ALG_UNSUPPORTED', { claim: 'zip' });
    }
    checkHeaderTypes(header);
    checkCrit(header, this.#crit);
    const family = KEY_MANAGEMENT[alg].family;
    if (family === 'GCMKW') {
      segmentBytes(header.iv, 'iv', 12);
      segmentBytes(header.tag, 'tag', 16);
    } else if (family === 'ECDH-ES') {
      if (!isPlainObject(header.epk)) throw malformed('epk');
      if (header.apu !== undefined) segmentBytes(header.apu, 'apu');
      if (header.apv !== undefined) segmentBytes(header.apv, 'apv');
    }
    // The cached object is handed to every caller: frozen, so none can alter what later tokens see.
    if (isPlainObject(header.epk)) Object.freeze(header.epk);
    Object.freeze(header);
    if (this.#headers.size >= HEADER_CACHE_SIZE) this.#headers.clear();
    this.#headers.set(segment, header as JweHeader);
    return header as JweHeader;
  }

  #candidates(header: JweHeader): readonly JweKey[] {
    const allowed = this.#keys.filter((k) => k.allows(header.alg, header.enc));
    if (allowed.length === 0) {
      const algKnown = this.#keys.some((k) => k.algorithms.includes(header.alg));
      throw new JwtError('ERR_JWE_ALG_NOT_ALLOWED', { claim: algKnown ? 'enc' : 'alg' });
    }
    // One configured key answers every token, as for signatures; in a set, `kid` selects.
    if (typeof header.kid !== 'string' || this.#keys.length === 1) return allowed;
    const byKid = allowed.filter((k) => k.kid === header.kid);
    if (byKid.length > 0) return byKid;
    const unnamed = allowed.filter((k) => k.kid === undefined);
    if (unnamed.length === 0) throw new JwtError('ERR_JWT_KEY_NOT_FOUND');
    return unnamed;
  }

  /** The content key, or (on any failure to recover it) a random one that will fail the tag check. */
  #contentKey(key: JweKey, header: JweHeader, encryptedKey: Uint8Array): MaybePromise<Uint8Array> {
    const info = KEY_MANAGEMENT[header.alg];
    const cekBytes = ENCRYPTIONS[header.enc].cekBytes;
    const m = jweMaterial(key);
    const node = nodeFor(m.backend);
    const keyCtx: CryptoContext = { node, owner: m };
    const tokenCtx: CryptoContext = { node, owner: undefined };
    const orRandom = (recover: () => MaybePromise<Uint8Array>): MaybePromise<Uint8Array> =>
      then(attempt(recover, () => randomBytes(cekBytes)), (cek) => (cek.length === cekBytes ? cek : randomBytes(cekBytes)));
    switch (info.family) {
      case 'dir':
        return m.secret!;
      case 'KW':
        return orRandom(() => unwrapKey(m.secret!, encryptedKey, keyCtx));
      case 'GCMKW':
        return orRandom(() => gcmOpen(m.secret!, decodeSegment(header.iv!), encryptedKey, decodeSegment(header.tag!), EMPTY, keyCtx));
      case 'RSA-OAEP':
        return orRandom(() => rsaDecrypt(key, header.alg, encryptedKey, keyCtx));
      case 'ECDH-ES': {
        const epk = readEpk(header.epk, key);
        const apu = header.apu === undefined ? EMPTY : decodeSegment(header.apu);
        const apv = header.apv === undefined ? EMPTY : decodeSegment(header.apv);
        const kekBytes = info.kekBytes;
        return then(receiverSecret(key, epk, keyCtx), (z) =>
          then(concatKdf(z, kekBytes ?? cekBytes, kekBytes === undefined ? header.enc : header.alg, apu, apv, tokenCtx), (derived) =>
            kekBytes === undefined ? derived : orRandom(() => unwrapKey(derived, encryptedKey, tokenCtx)),
          ),
        );
      }
    }
  }

  run(token: unknown): MaybePromise<CompactDecryptResult> {
    if (typeof token !== 'string') throw new JwtError('ERR_JWT_MALFORMED');
    if (token.length > this.#maxLength) throw new JwtError('ERR_JWT_TOO_LARGE');
    const [h, k, i, c, t] = splitCompact(token);
    const header = this.#header(h);
    const candidates = this.#candidates(header);
    const enc = ENCRYPTIONS[header.enc];
    const info = KEY_MANAGEMENT[header.alg];
    const encryptedKey = segmentBytes(k, 'encrypted_key');
    const iv = segmentBytes(i, 'iv', enc.ivBytes);
    const ciphertext = segmentBytes(c, 'ciphertext');
    const tag = segmentBytes(t, 'tag', enc.tagBytes);
    // RFC 7516 section 5.2 step 10: direct modes carry no encrypted key, the others always do.
    const direct = info.family === 'dir' || (info.family === 'ECDH-ES' && info.kekBytes === undefined);
    if (direct !== (encryptedKey.length === 0)) throw malformed('encrypted_key');
    if (enc.family === 'CBC-HS' && (ciphertext.length === 0 || ciphertext.length % 16 !== 0)) throw malformed('ciphertext');
    const aad = ascii(h);
    const tryKey = (n: number): MaybePromise<{ plaintext: Uint8Array; key: JweKey }> => {
      if (n >= candidates.length || n >= MAX_CANDIDATES) throw decryptionFailed();
      const key = candidates[n]!;
      const contentCtx: CryptoContext = { node: nodeFor(jweMaterial(key).backend), owner: info.family === 'dir' ? jweMaterial(key) : undefined };
      return attempt(
        () => then(this.#contentKey(key, header, encryptedKey), (cek) => then(openContent(header.enc, cek, iv, ciphertext, tag, aad, contentCtx), (plaintext) => ({ plaintext, key }))),
        () => tryKey(n + 1),
      );
    };
    return then(tryKey(0), (opened) => {
      if (header.zip !== 'DEF') return { plaintext: opened.plaintext, header, key: opened.key };
      return then(inflateRaw(opened.plaintext, this.#inflateLimit!), (plaintext) => ({ plaintext, header, key: opened.key }));
    });
  }
}

/** Every failure is a JwtError; anything else is a bug, surfaced as a malformed token. */
export function asJwtError(error: unknown): JwtError {
  return error instanceof JwtError ? error : new JwtError('ERR_JWT_MALFORMED', { cause: error });
}

/**
 * Decrypts a compact JWE and returns its plaintext bytes, protected header and the key that
 * opened it. For tokens carrying claims, prefer `decrypt()` or a verifier with `decryptionKey`.
 * @example const { plaintext } = await compactDecrypt(jwe, key)
 */
export function compactDecrypt(token: string, key: JweKey | readonly JweKey[], options: DecryptionOptions = {}): Promise<CompactDecryptResult> {
  try {
    const r = new Decryption(key, options).run(token);
    return r instanceof Promise ? r.catch((e: unknown) => Promise.reject(asJwtError(e))) : Promise.resolve(r);
  } catch (error) {
    return Promise.reject(asJwtError(error));
  }
}

// ---------------------------------------------------------------------------------------------
// Nested tokens in the verifier

function isJwtContentType(cty: unknown): boolean {
  if (typeof cty !== 'string') return false;
  const lower = cty.toLowerCase();
  return (lower.startsWith('application/') ? lower.slice('application/'.length) : lower) === 'jwt';
}

/** @internal The signed token inside a decrypted nested token; `cty: JWT` is required (RFC 7519 section 5.2). */
export function innerToken(result: CompactDecryptResult): string {
  if (!isJwtContentType(result.header.cty)) throw new JwtError('ERR_JWT_TYPE_INVALID', { claim: 'cty' });
  // A compact JWS is ASCII. Read byte for byte (fast), since any byte above 0x7f becomes a
  // character the signed-token parser refuses anyway (outside base64url and '.').
  const p = result.plaintext;
  return NodeBuffer !== undefined && NodeBuffer.isBuffer(p) ? p.toString('latin1') : fromUtf8(p);
}

/** @internal True when the header says the plaintext is itself a JWT. */
export function isNested(header: JweHeader): boolean {
  return isJwtContentType(header.cty);
}

export interface NestedDecryptionOptions {
  decryptionKey?: JweKey | readonly JweKey[];
  requireEncryption?: boolean;
  maxTokenLength?: number;
}

function segmentCount(token: string): number {
  let n = 1;
  for (let i = token.indexOf('.'); i !== -1; i = token.indexOf('.', i + 1)) n++;
  return n;
}

/**
 * @internal For the verifier: a function that turns a nested token (five segments) into the
 * signed token inside it, and passes a signed token (three segments) through, unless encryption
 * is required. Undefined when no decryption key is configured.
 */
export function nestedDecryption(options: NestedDecryptionOptions): ((token: string) => MaybePromise<string>) | undefined {
  const { decryptionKey, requireEncryption } = options;
  if (requireEncryption !== undefined && typeof requireEncryption !== 'boolean') throw configError('requireEncryption must be a boolean');
  if (decryptionKey === undefined) {
    if (requireEncryption === true) throw configError('requireEncryption needs a decryptionKey');
    return undefined;
  }
  const decryption = new Decryption(decryptionKey, options.maxTokenLength === undefined ? {} : { maxTokenLength: options.maxTokenLength });
  return (token) => {
    if (segmentCount(token) === 5) return then(decryption.run(token), innerToken);
    // A plain signed token where encryption is required is refused like `alg: none` is for signatures.
    if (requireEncryption === true) throw new JwtError('ERR_JWE_ALG_NOT_ALLOWED', { claim: 'enc' });
    return token;
  };
}
