/**
 * Token crafting with Web APIs only (TextEncoder, btoa/atob, WebCrypto), so the suite needs
 * nothing from @jwt/core to build the tokens it attacks it with, and runs where Buffer does not exist.
 */

/** 64 ASCII bytes: long enough for HS512, so one secret serves every HS algorithm. */
export const SECRET = 'edge-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHI';
export const OTHER_SECRET = 'edge-other-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH';

const encoder = new TextEncoder();

export function bytesOf(text: string): Uint8Array {
  return encoder.encode(text);
}

export function b64(input: string | Uint8Array): string {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function unb64(segment: string): Uint8Array {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (segment.length % 4)) % 4);
  const binary = atob(base64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function unb64Text(segment: string): string {
  return new TextDecoder().decode(unb64(segment));
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
export const future = (): number => nowSeconds() + 600;

export type Hash = 'SHA-256' | 'SHA-384' | 'SHA-512';

export async function hmac(key: string | Uint8Array, data: string, hash: Hash = 'SHA-256'): Promise<Uint8Array> {
  const raw = typeof key === 'string' ? bytesOf(key) : key;
  const k = await crypto.subtle.importKey('raw', raw as BufferSource, { name: 'HMAC', hash }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, bytesOf(data) as BufferSource));
}

/** An HMAC-signed compact token over raw header and payload texts, so malformed JSON can be signed. */
export async function craftHs(headerText: string, payloadText: string, secret: string | Uint8Array = SECRET, hash: Hash = 'SHA-256'): Promise<string> {
  const input = `${b64(headerText)}.${b64(payloadText)}`;
  return `${input}.${b64(await hmac(secret, input, hash))}`;
}

export function craftJson(header: unknown, payload: unknown, secret: string | Uint8Array = SECRET): Promise<string> {
  return craftHs(JSON.stringify(header), JSON.stringify(payload), secret);
}

/** The pieces of a token long enough that finding one in an error cannot be chance. */
export function tokenParts(token: string): string[] {
  return [token, ...token.split('.')].filter((s) => s.length >= 8);
}

/** Lines of base64 inside a PEM: any of them in an error would be key material leaking. */
export function pemLines(pem: string): string[] {
  return pem.split(/\r?\n/).filter((l) => l.length >= 16 && !l.startsWith('-----'));
}

export function toPem(label: string, der: Uint8Array): string {
  let base64 = '';
  for (const byte of der) base64 += String.fromCharCode(byte);
  const lines = btoa(base64).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The SPKI PEM of a public JWK, made by WebCrypto (an independent encoder). */
export async function spkiPemOf(jwk: JsonWebKey, algorithm: RsaHashedImportParams | EcKeyImportParams): Promise<string> {
  const key = await crypto.subtle.importKey('jwk', jwk, algorithm, true, ['verify']);
  return toPem('PUBLIC KEY', new Uint8Array(await crypto.subtle.exportKey('spki', key)));
}

/** Flips one bit in the middle of the signature segment, keeping it canonical base64url. */
export function tamperSignature(token: string): string {
  const dot = token.lastIndexOf('.');
  const sig = unb64(token.slice(dot + 1));
  const i = sig.length >> 1;
  sig[i] = sig[i]! ^ 0x01;
  return `${token.slice(0, dot)}.${b64(sig)}`;
}

/** DER SEQUENCE { INTEGER r, INTEGER s } from a raw r || s signature. */
export function toDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const len = (n: number): number[] => (n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]);
  const int = (bytes: Uint8Array): number[] => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    const v = [...bytes.subarray(i)];
    if (v[0]! & 0x80) v.unshift(0);
    return [0x02, ...len(v.length), ...v];
  };
  const body = [...int(raw.subarray(0, half)), ...int(raw.subarray(half))];
  return Uint8Array.from([0x30, ...len(body.length), ...body]);
}
