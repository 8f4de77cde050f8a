/**
 * Raw DEFLATE for the JWE `zip: "DEF"` header. Off unless a caller enables it, and then the
 * inflated size is capped: a few hundred bytes of ciphertext can otherwise expand to gigabytes.
 * Node's zlib (reached at run time, never imported statically) stops at the cap synchronously;
 * elsewhere DecompressionStream is read chunk by chunk and cancelled past the cap.
 */
import { backendName } from '../common/backend.js';
import { JwtError } from '../common/errors.js';
import { concatBytes } from './jwe-content.js';
import type { MaybePromise } from '../common/maybe-promise.js';

interface Zlib {
  inflateRawSync(data: Uint8Array, options: { maxOutputLength: number }): Uint8Array;
  deflateRawSync(data: Uint8Array): Uint8Array;
}

function zlib(): Zlib | undefined {
  if (backendName() !== 'node') return undefined;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const mod = proc?.getBuiltinModule?.('node:zlib') as Zlib | undefined;
    return typeof mod?.inflateRawSync === 'function' ? mod : undefined;
  } catch {
    return undefined;
  }
}

/** Default cap on an inflated JWE plaintext, in bytes. */
export const DEFAULT_MAX_INFLATED_LENGTH = 65_536;

export function inflateRaw(data: Uint8Array, maxLength: number): MaybePromise<Uint8Array> {
  const z = zlib();
  if (z) {
    try {
      return z.inflateRawSync(data, { maxOutputLength: maxLength });
    } catch (cause) {
      if (cause instanceof RangeError) throw new JwtError('ERR_JWT_TOO_LARGE', { detail: 'token too large: inflated content over the limit' });
      // No cause: a refusal of bad input, not an internal failure (see test/helpers.ts).
      throw new JwtError('ERR_JWT_MALFORMED', { detail: 'token malformed: invalid compressed content' });
    }
  }
  return readCapped(new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw')), maxLength);
}

async function readCapped(stream: ReadableStream<Uint8Array>, maxLength: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      length += value.length;
      if (length > maxLength) {
        await reader.cancel().catch(() => undefined);
        throw new JwtError('ERR_JWT_TOO_LARGE', { detail: 'token too large: inflated content over the limit' });
      }
      chunks.push(value);
    }
  } catch (cause) {
    if (cause instanceof JwtError) throw cause;
    throw new JwtError('ERR_JWT_MALFORMED', { detail: 'token malformed: invalid compressed content' });
  }
  return concatBytes(...chunks);
}

export function deflateRaw(data: Uint8Array): MaybePromise<Uint8Array> {
  const z = zlib();
  if (z) return z.deflateRawSync(data);
  return new Response(new Blob([data as BlobPart]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer().then((b) => new Uint8Array(b));
}
