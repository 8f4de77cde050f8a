/**
 * AES Key Wrap (RFC 3394), used by A128KW/A192KW/A256KW and ECDH-ES+AxxxKW. The platform does
 * the cipher work: node:crypto's `id-aesNNN-wrap` or WebCrypto's AES-KW. An integrity failure on
 * unwrap is ERR_JWE_DECRYPTION_FAILED.
 */
import type { CipherKey } from 'node:crypto';
import { subtle, type NodeCryptoModule } from '../common/backend.js';
import { cacheFor, decryptionFailed, importAes, type CryptoContext } from './jwe-content.js';
import type { MaybePromise } from '../common/maybe-promise.js';

/** The default initial value of RFC 3394 section 2.2.3.1. */
const DEFAULT_IV = new Uint8Array([0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6]);
// WebCrypto wraps only CryptoKeys: the content key travels as an extractable HMAC key, the one
// raw-importable type that accepts every length from 16 to 64 bytes.
const CARRIER = { name: 'HMAC', hash: 'SHA-256' } as const;

const wrapCiphers = new WeakMap<NodeCryptoModule, boolean>();

/**
 * The node:crypto module when it has the RFC 3394 ciphers. Bun's node:crypto does not ("Unknown
 * cipher"), while its WebCrypto has AES-KW: there key wrapping takes the WebCrypto path.
 */
function nodeWrap(ctx: CryptoContext): NodeCryptoModule | undefined {
  const nc = ctx.node;
  if (!nc) return undefined;
  let has = wrapCiphers.get(nc);
  if (has === undefined) {
    try {
      nc.createCipheriv('id-aes128-wrap', new Uint8Array(16), DEFAULT_IV);
      has = true;
    } catch {
      has = false;
    }
    wrapCiphers.set(nc, has);
  }
  return has ? nc : undefined;
}

function kekKey(kek: Uint8Array, ctx: CryptoContext): Promise<CryptoKey> {
  return importAes(kek, 'AES-KW', cacheFor(kek, ctx));
}

export function wrapKey(kek: Uint8Array, cek: Uint8Array, ctx: CryptoContext): MaybePromise<Uint8Array> {
  const nc = nodeWrap(ctx);
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
  const nc = nodeWrap(ctx);
  if (nc) {
    try {
      const decipher = nc.createDecipheriv(`id-aes${kek.length * 8}-wrap`, kek as CipherKey, DEFAULT_IV);
      return Buffer.concat([decipher.update(wrapped), decipher.final()]);
    } catch {
      throw decryptionFailed();
    }
  }
  // A KEK the runtime cannot import (AES-192 missing) fails alike for every token, and says so;
  // only the unwrap itself is the one decryption failure.
  return kekKey(kek, ctx).then((k) =>
    subtle()
      .unwrapKey('raw', wrapped as BufferSource, k, 'AES-KW', CARRIER, true, ['sign'])
      .then((c) => subtle().exportKey('raw', c))
      .then(
        (raw) => new Uint8Array(raw),
        () => {
          throw decryptionFailed();
        },
      ),
  );
}
