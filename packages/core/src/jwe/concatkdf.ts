/**
 * The Concat KDF of NIST SP 800-56A section 5.8.1 with SHA-256, as ECDH-ES uses it
 * (RFC 7518 section 4.6.2): the shared secret Z and the OtherInfo (algorithm, the parties' info
 * and the key length) hashed with a counter until enough key material is produced.
 */
import { subtle } from '../common/backend.js';
import { utf8 } from '../common/base64url.js';
import { concatBytes, type CryptoContext } from './jwe-content.js';
import type { MaybePromise } from '../common/maybe-promise.js';

function uint32be(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

function lengthPrefixed(data: Uint8Array): Uint8Array {
  return concatBytes(uint32be(data.length), data);
}

/**
 * @param algorithmId `enc` for direct key agreement, `alg` when the result wraps a content key
 * @param keyBytes length of the key to derive
 */
export function concatKdf(z: Uint8Array, keyBytes: number, algorithmId: string, apu: Uint8Array, apv: Uint8Array, ctx: CryptoContext): MaybePromise<Uint8Array> {
  const otherInfo = concatBytes(lengthPrefixed(utf8(algorithmId)), lengthPrefixed(apu), lengthPrefixed(apv), uint32be(keyBytes * 8));
  const rounds = Math.ceil(keyBytes / 32);
  const nc = ctx.node;
  if (nc) {
    const out = new Uint8Array(rounds * 32);
    for (let i = 0; i < rounds; i++) out.set(nc.createHash('sha256').update(uint32be(i + 1)).update(z).update(otherInfo).digest(), i * 32);
    return out.subarray(0, keyBytes);
  }
  const digests: Promise<ArrayBuffer>[] = [];
  for (let i = 0; i < rounds; i++) digests.push(subtle().digest('SHA-256', concatBytes(uint32be(i + 1), z, otherInfo) as BufferSource));
  return Promise.all(digests).then((parts) => concatBytes(...parts.map((p) => new Uint8Array(p))).subarray(0, keyBytes));
}
