/**
 * Content encryption for JWE (RFC 7518 section 5): AES-GCM, and AES-CBC with HMAC-SHA-2 where
 * the tag is checked (in constant time) before a single block is decrypted, so that a padding
 * failure and a tag failure are the same failure. Every failure here is ERR_JWE_DECRYPTION_FAILED
 * with its fixed message and no cause: nothing tells an attacker which check failed.
 */
import type { CipherGCMTypes, KeyObject } from 'node:crypto';
import { nodeCrypto, randomBytes, subtle, type NodeCryptoModule } from '../common/backend.js';
import { utf8 } from '../common/base64url.js';
import { JwtError } from '../common/errors.js';
import { cachedImport, ENCRYPTIONS, type JweEncryption } from './jwe-keys.js';
import type { MaybePromise } from '../common/maybe-promise.js';

/** How one JWE operation reaches its crypto. */
export interface CryptoContext {
  /** node:crypto when the key lives on the Node backend; undefined for WebCrypto. */
  readonly node: NodeCryptoModule | undefined;
  /** The long-lived key's material: its WebCrypto imports are cached there. Undefined for per-token keys. */
  readonly owner: { readonly cache: Map<string, Promise<CryptoKey>>; readonly secret?: Uint8Array; readonly secretKeyObject?: KeyObject } | undefined;
}

/**
 * Where to cache WebCrypto imports of `key`: on its owner, but only when `key` is the owner's
 * own secret, so a cached import can never stand in for different key bytes.
 */
export function cacheFor(key: Uint8Array, ctx: CryptoContext): CryptoContext['owner'] {
  const owner = ctx.owner;
  return owner !== undefined && owner.secret === key ? owner : undefined;
}

/** The fastest node:crypto form of an AES key: the owner's KeyObject when `key` is the owner's secret. */
function nodeKey(key: Uint8Array, ctx: CryptoContext): Uint8Array | KeyObject {
  const owner = ctx.owner;
  return owner !== undefined && owner.secret === key && owner.secretKeyObject !== undefined ? owner.secretKeyObject : key;
}

const IV_POOL_SIZE = 4096;
let ivPool = new Uint8Array(0);
let ivOffset = 0;

/**
 * Fresh random bytes for an IV. On Node they are cut from a pooled CSPRNG buffer (as Node does
 * for randomUUID): one system call per few hundred tokens instead of one each. IVs are public,
 * so keeping unused random bytes in memory discloses nothing; content keys never come from here.
 */
export function randomIv(length: number, ctx: CryptoContext): Uint8Array {
  const nc = ctx.node;
  if (!nc) return randomBytes(length);
  if (ivOffset + length > ivPool.length) {
    // A new buffer every time: earlier IVs are views of the old one and must never change.
    ivPool = nc.randomBytes(IV_POOL_SIZE);
    ivOffset = 0;
  }
  const iv = ivPool.subarray(ivOffset, ivOffset + length);
  ivOffset += length;
  return iv;
}

/** node:crypto for a key made on the Node backend, even while tests switch the active backend. */
export function nodeFor(backend: 'node' | 'web'): NodeCryptoModule | undefined {
  if (backend !== 'node') return undefined;
  return nodeCrypto() ?? (globalThis as { process?: { getBuiltinModule(id: string): NodeCryptoModule } }).process!.getBuiltinModule('node:crypto');
}

export function decryptionFailed(): JwtError {
  return new JwtError('ERR_JWE_DECRYPTION_FAILED');
}

/** The refusal of an A192 algorithm where the platform has no AES-192. */
export function aes192Unavailable(cause?: unknown): JwtError {
  return new JwtError('ERR_JWE_ALG_UNSUPPORTED', {
    cause,
    detail: 'encryption algorithm not supported: this runtime has no AES-192 (A192KW, A192GCMKW, ECDH-ES+A192KW, A192GCM, A192CBC-HS384); use a 128- or 256-bit algorithm',
  });
}

/**
 * Raw AES key bytes as a WebCrypto key, cached on `owner` when given. Raw bytes of 16, 24 or 32
 * are always a valid AES key, so a refused 24-byte key means the runtime lacks AES-192 (Chromium's
 * WebCrypto does): that is said plainly rather than passed off as a wrong key or a forged token.
 */
export function importAes(key: Uint8Array, name: 'AES-GCM' | 'AES-CBC' | 'AES-KW', owner: CryptoContext['owner']): Promise<CryptoKey> {
  const usages: KeyUsage[] = name === 'AES-KW' ? ['wrapKey', 'unwrapKey'] : ['encrypt', 'decrypt'];
  return cachedImport(owner, name, () =>
    subtle().importKey('raw', key as BufferSource, name, false, usages).catch((cause: unknown) => {
      if (key.length === 24) throw aes192Unavailable(cause);
      throw new JwtError('ERR_KEY_INVALID', { cause, detail: 'key invalid: WebCrypto refused the key' });
    }),
  );
}

/** True for the one failure a wrong key, a forged token or a tampered byte produces. */
export function isDecryptionFailure(error: unknown): boolean {
  return error instanceof JwtError && error.code === 'ERR_JWE_DECRYPTION_FAILED';
}

const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

/** The ASCII bytes of a base64url segment (the JWE additional authenticated data). */
export function ascii(s: string): Uint8Array {
  return NodeBuffer === undefined ? utf8(s) : NodeBuffer.from(s, 'latin1');
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Constant-time equality for equal-length byte strings. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** AL of RFC 7518 section 5.2.2.1: the AAD length in bits as a 64-bit big-endian integer. */
function aadBits(aad: Uint8Array): Uint8Array {
  const out = new Uint8Array(8);
  const bits = aad.length * 8;
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(bits / 2 ** 32));
  view.setUint32(4, bits >>> 0);
  return out;
}

export interface Sealed {
  readonly iv: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// AES-GCM (content encryption, and the AxxxGCMKW key wrap)

export function gcmSeal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, ctx: CryptoContext): MaybePromise<Sealed> {
  const nc = ctx.node;
  if (nc) {
    const cipher = nc.createCipheriv(`aes-${key.length * 8}-gcm` as CipherGCMTypes, nodeKey(key, ctx), iv, { authTagLength: 16 });
    cipher.setAAD(aad);
    const first = cipher.update(plaintext);
    const last = cipher.final();
    const ciphertext = last.length === 0 ? first : NodeBuffer!.concat([first, last]);
    return { iv, ciphertext, tag: cipher.getAuthTag() };
  }
  return importAes(key, 'AES-GCM', cacheFor(key, ctx)).then(async (ck) => {
    const out = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: iv as BufferSource, additionalData: aad as BufferSource, tagLength: 128 }, ck, plaintext as BufferSource));
    return { iv, ciphertext: out.subarray(0, out.length - 16), tag: out.subarray(out.length - 16) };
  });
}

export function gcmOpen(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array, ctx: CryptoContext): MaybePromise<Uint8Array> {
  if (tag.length !== 16) throw decryptionFailed();
  const nc = ctx.node;
  if (nc) {
    try {
      const decipher = nc.createDecipheriv(`aes-${key.length * 8}-gcm` as CipherGCMTypes, nodeKey(key, ctx), iv, { authTagLength: 16 });
      decipher.setAuthTag(tag);
      decipher.setAAD(aad);
      const first = decipher.update(ciphertext);
      // final() is where the tag is checked; nothing decrypted is returned before it passes.
      const last = decipher.final();
      return last.length === 0 ? first : NodeBuffer!.concat([first, last]);
    } catch {
      throw decryptionFailed();
    }
  }
  // Only the decryption's own failure is the one decryption failure: a runtime without AES-192
  // fails the import the same way for every key, and says so.
  return importAes(key, 'AES-GCM', cacheFor(key, ctx)).then((ck) =>
    subtle().decrypt({ name: 'AES-GCM', iv: iv as BufferSource, additionalData: aad as BufferSource, tagLength: 128 }, ck, concatBytes(ciphertext, tag) as BufferSource).then(
      (plain) => new Uint8Array(plain),
      () => {
        throw decryptionFailed();
      },
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// AES-CBC + HMAC-SHA-2 (RFC 7518 section 5.2)

function cbcMac(enc: JweEncryption, macKey: Uint8Array, aad: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, ctx: CryptoContext): MaybePromise<Uint8Array> {
  const info = ENCRYPTIONS[enc];
  const al = aadBits(aad);
  const nc = ctx.node;
  if (nc) return nc.createHmac(info.nodeHash!, macKey).update(aad).update(iv).update(ciphertext).update(al).digest().subarray(0, info.tagBytes);
  return cachedImport(ctx.owner, `HMAC:${info.hash}`, () => subtle().importKey('raw', macKey as BufferSource, { name: 'HMAC', hash: info.hash! }, false, ['sign'])).then(
    async (ck) => new Uint8Array(await subtle().sign('HMAC', ck, concatBytes(aad, iv, ciphertext, al) as BufferSource)).subarray(0, info.tagBytes),
  );
}

function cbcKey(encKey: Uint8Array, ctx: CryptoContext): Promise<CryptoKey> {
  return importAes(encKey, 'AES-CBC', ctx.owner);
}

/** The context for the two halves of a CBC-HS content key: cached on the owner only when the key is its secret. */
function halvesCtx(cek: Uint8Array, ctx: CryptoContext): CryptoContext {
  const owner = cacheFor(cek, ctx);
  return owner === ctx.owner ? ctx : { node: ctx.node, owner: undefined };
}

function cbcSeal(enc: JweEncryption, cek: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, outer: CryptoContext): MaybePromise<Sealed> {
  const ctx = halvesCtx(cek, outer);
  const half = cek.length / 2;
  const macKey = cek.subarray(0, half);
  const encKey = cek.subarray(half);
  const nc = ctx.node;
  if (nc) {
    const cipher = nc.createCipheriv(`aes-${half * 8}-cbc`, encKey, iv);
    const ciphertext = NodeBuffer!.concat([cipher.update(plaintext), cipher.final()]);
    return { iv, ciphertext, tag: cbcMac(enc, macKey, aad, iv, ciphertext, ctx) as Uint8Array };
  }
  return cbcKey(encKey, ctx).then(async (ck) => {
    const ciphertext = new Uint8Array(await subtle().encrypt({ name: 'AES-CBC', iv: iv as BufferSource }, ck, plaintext as BufferSource));
    return { iv, ciphertext, tag: await cbcMac(enc, macKey, aad, iv, ciphertext, ctx) };
  });
}

function cbcOpen(enc: JweEncryption, cek: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array, outer: CryptoContext): MaybePromise<Uint8Array> {
  const ctx = halvesCtx(cek, outer);
  const half = cek.length / 2;
  const macKey = cek.subarray(0, half);
  const encKey = cek.subarray(half);
  if (tag.length !== ENCRYPTIONS[enc].tagBytes || ciphertext.length === 0 || ciphertext.length % 16 !== 0) throw decryptionFailed();
  const nc = ctx.node;
  if (nc) {
    const expected = cbcMac(enc, macKey, aad, iv, ciphertext, ctx) as Uint8Array;
    if (!nc.timingSafeEqual(expected, tag)) throw decryptionFailed();
    try {
      const decipher = nc.createDecipheriv(`aes-${half * 8}-cbc`, encKey, iv);
      return NodeBuffer!.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw decryptionFailed();
    }
  }
  return (async () => {
    // Imported first: a runtime without AES-192 then refuses every token alike, forged or not.
    const ck = await cbcKey(encKey, ctx);
    const expected = await cbcMac(enc, macKey, aad, iv, ciphertext, ctx);
    if (!equalBytes(expected, tag)) throw decryptionFailed();
    try {
      return new Uint8Array(await subtle().decrypt({ name: 'AES-CBC', iv: iv as BufferSource }, ck, ciphertext as BufferSource));
    } catch {
      throw decryptionFailed();
    }
  })();
}

// ---------------------------------------------------------------------------------------------
// Dispatch

/** Encrypts the plaintext under a fresh random IV. */
export function sealContent(enc: JweEncryption, cek: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, ctx: CryptoContext): MaybePromise<Sealed> {
  const info = ENCRYPTIONS[enc];
  if (cek.length !== info.cekBytes) throw new JwtError('ERR_KEY_INVALID', { detail: `key invalid: ${enc} needs a ${info.cekBytes}-byte content key` });
  const iv = randomIv(info.ivBytes, ctx);
  return info.family === 'GCM' ? gcmSeal(cek, iv, plaintext, aad, ctx) : cbcSeal(enc, cek, iv, plaintext, aad, ctx);
}

/** Authenticates, then decrypts. Any failure is ERR_JWE_DECRYPTION_FAILED. */
export function openContent(enc: JweEncryption, cek: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array, ctx: CryptoContext): MaybePromise<Uint8Array> {
  const info = ENCRYPTIONS[enc];
  if (cek.length !== info.cekBytes || iv.length !== info.ivBytes) throw decryptionFailed();
  return info.family === 'GCM' ? gcmOpen(cek, iv, ciphertext, tag, aad, ctx) : cbcOpen(enc, cek, iv, ciphertext, tag, aad, ctx);
}
