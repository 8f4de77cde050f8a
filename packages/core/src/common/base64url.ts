/**
 * Strict base64url (RFC 4648 section 5, no padding). Lenient decoders accept stray characters,
 * padding or non-zero trailing bits, which lets a token be altered without changing what it
 * decodes to; these functions reject all of that.
 */
import { JwtError } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** True when `s` is canonical unpadded base64url: right alphabet, length and zero trailing bits. */
export function isBase64url(s: string): boolean {
  const rem = s.length & 3;
  if (rem === 1 || !BASE64URL.test(s)) return false;
  if (rem === 0) return true;
  const last = VALUES[s.charCodeAt(s.length - 1)]!;
  return rem === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0;
}

/** Decodes canonical base64url; throws ERR_JWT_MALFORMED on anything else. */
export function decodeBase64url(s: string): Uint8Array {
  if (!isBase64url(s)) throw new JwtError('ERR_JWT_MALFORMED');
  const out = new Uint8Array((s.length * 3) >> 2);
  let o = 0;
  let i = 0;
  for (; i + 4 <= s.length; i += 4) {
    const n =
      (VALUES[s.charCodeAt(i)]! << 18) |
      (VALUES[s.charCodeAt(i + 1)]! << 12) |
      (VALUES[s.charCodeAt(i + 2)]! << 6) |
      VALUES[s.charCodeAt(i + 3)]!;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  const rem = s.length - i;
  if (rem >= 2) {
    const n = (VALUES[s.charCodeAt(i)]! << 18) | (VALUES[s.charCodeAt(i + 1)]! << 12) | (rem === 3 ? VALUES[s.charCodeAt(i + 2)]! << 6 : 0);
    out[o++] = n >> 16;
    if (rem === 3) out[o++] = (n >> 8) & 0xff;
  }
  return out;
}

export function encodeBase64url(bytes: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    s += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rem = bytes.length - i;
  if (rem === 1) {
    const n = bytes[i]! << 16;
    s += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
  } else if (rem === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    s += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
  }
  return s;
}

// Buffer's base64url codec is native and several times faster than any JS loop; it is lenient,
// so input is always checked with isBase64url() first.
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

/**
 * Buffer's decoder is native but lenient: it skips characters outside the alphabet, and takes
 * `+`, `/` and `=` as well. Skipping any character makes the output shorter than the length
 * math of a canonical segment (lengths of 1 mod 4 are refused first), so this check is as strict
 * as isBase64url() without a pass of a regular expression over the text.
 */
function nodeDecodeStrict(s: string): Buffer {
  const rem = s.length & 3;
  if (rem === 1 || s.indexOf('+') !== -1 || s.indexOf('/') !== -1 || s.indexOf('=') !== -1) throw new JwtError('ERR_JWT_MALFORMED');
  const bytes = NodeBuffer!.from(s, 'base64url');
  if (bytes.length !== (s.length * 3) >> 2) throw new JwtError('ERR_JWT_MALFORMED');
  if (rem !== 0) {
    const c = s.charCodeAt(s.length - 1);
    const last = c < 128 ? VALUES[c]! : -1;
    if (last < 0 || (rem === 2 ? last & 0x0f : last & 0x03) !== 0) throw new JwtError('ERR_JWT_MALFORMED');
  }
  return bytes;
}

/** Strict decode of a segment to bytes. */
export function decodeSegment(s: string): Uint8Array {
  if (NodeBuffer === undefined) return decodeBase64url(s);
  return nodeDecodeStrict(s);
}

/** Strict decode of a segment to UTF-8 text; invalid UTF-8 is refused. */
export function decodeSegmentText(s: string): string {
  if (NodeBuffer === undefined) return fromUtf8(decodeBase64url(s));
  const bytes = nodeDecodeStrict(s);
  const text = bytes.toString('utf8');
  // toString() replaces bad sequences with U+FFFD; only then pay for a strict decode.
  return text.includes('\uFFFD') ? fromUtf8(bytes) : text;
}

/** base64url of the UTF-8 bytes of `s`. */
export function encodeSegmentText(s: string): string {
  return NodeBuffer === undefined ? encodeBase64url(utf8(s)) : NodeBuffer.from(s, 'utf8').toString('base64url');
}

/** base64url of bytes. */
export function encodeSegment(bytes: Uint8Array): string {
  return NodeBuffer === undefined ? encodeBase64url(bytes) : NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes UTF-8, refusing invalid byte sequences rather than replacing them. */
export function fromUtf8(bytes: Uint8Array): string {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    // No cause: the decoder's own error says nothing more, and tests tell internal crashes
    // (a JwtError wrapping a TypeError) from refusals by the absence of one.
    throw new JwtError('ERR_JWT_MALFORMED');
  }
}
