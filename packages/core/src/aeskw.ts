/**
 * AES Key Wrap (RFC 3394), used by A128KW/A256KW and ECDH-ES+AxxxKW. The platform does the
 * cipher work: node:crypto's `id-aesNNN-wrap` or WebCrypto's AES-KW. An integrity failure on
 * unwrap is ERR_JWE_DECRYPTION_FAILED.
 */
import type { CipherKey } from 'node:crypto';
import { subtle } from './backend.js';
import { cachedImport } from './jwe-keys.js';
import { cacheFor, decryptionFailed, type CryptoContext } from './jwe-content.js';
import type { MaybePromise } from './maybe-promise.js';

/** The default initial value of RFC 3394 section 2.2.3.1. */
const DEFAULT_IV = new Uint8Array([0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6]);
// WebCrypto wraps only CryptoKeys: the content key travels as an extractable HMAC key, the one
// raw-importable type that accepts every length from 16 to 64 bytes.
const CARRIER = { name: 'HMAC', hash: 'SHA-256' } as const;

function kekKey(kek: Uint8Array, ctx: CryptoContext): Promise<CryptoKey> {
  return cachedImport(cacheFor(kek, ctx), 'AES-KW', () => subtle().importKey('raw', kek as BufferSource, 'AES-KW', false, ['wrapKey', 'unwrapKey']));
}

export function wrapKey(kek: Uint8Array, cek: Uint8Array, ctx: CryptoContext): MaybePromise<Uint8Array> {
  const nc = ctx.node;
  if (nc) {
    const cipher = nc.createCipheriv(`id-aes${kek.length * 8}-wrap`, kek as CipherKey, DEFAULT_IV);
    return Buffer.concat([cipher.update(cek), cipher.final()]);
  }
  return Promise.all([kekKey(kek, ctx), subtle().importKey('raw', cek as BufferSource, CARRIER, true, ['sign'])]).then(
    async ([k, c]) => new Uint8Array(await subtle().wrapKey('raw', c, k, 'AES-KW')),
  );
}

export function unwrapKey(kek: Uint8Array, wrapped: Uint8Array, ctx: CryptoContext): MaybePromise<Uint8Array> {
  // RFC 3394 output is whole 64-bit blocks, at least two of them plus the integrity block.
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) throw decryptionFailed();
  const nc = ctx.node;
  if (nc) {
    try {
      const decipher = nc.createDecipheriv(`id-aes${kek.length * 8}-wrap`, kek as CipherKey, DEFAULT_IV);
      return Buffer.concat([decipher.update(wrapped), decipher.final()]);
    } catch {
      throw decryptionFailed();
    }
  }
  return kekKey(kek, ctx)
    .then((k) => subtle().unwrapKey('raw', wrapped as BufferSource, k, 'AES-KW', CARRIER, true, ['sign']))
    .then((c) => subtle().exportKey('raw', c))
    .then(
      (raw) => new Uint8Array(raw),
      () => {
        throw decryptionFailed();
      },
    );
}
