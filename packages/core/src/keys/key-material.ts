/**
 * What counts as key material, so that it never becomes an HMAC secret: whoever holds a public
 * key could otherwise sign tokens with its text. One predicate, {@link holdsKeyMaterial}, used by
 * secretKey() and so by every path that turns text or bytes into a secret (importKey, the raw key
 * input of sign and verify, oct JWKs, secret KeyObjects and HMAC CryptoKeys).
 *
 * Key material is recognised positively, anywhere in the input and after any prefix: JWK and JWKS
 * members, PEM armour, SSH key lines and blobs, and DER keys (SPKI, PKCS#8, encrypted PKCS#8,
 * PKCS#1, SEC1, and the SPKI inside a certificate or request) as raw bytes or as base64 or hex
 * text. DER counts only when it parses as one of those structures with a key algorithm identifier
 * (or, for PKCS#1 and SEC1, their exact shape), never because random bytes start like a SEQUENCE.
 *
 * The lite entry bundles this file: it depends on nothing, and keeps its OID table tiny.
 */

/** Nested base64 or hex (a base64 text of a PEM, say) is followed this deep. */
const MAX_DEPTH = 2;
/** No structure read here has more elements; stopping there keeps every scan linear. */
const MAX_CHILDREN = 12;
/** The smallest DER key (an Ed25519 SPKI) is 44 bytes; base64 and hex runs shorter than this hold none. */
const MIN_DER_BYTES = 40;

interface Tlv {
  readonly tag: number;
  readonly body: number;
  readonly end: number;
}

function tlvAt(b: Uint8Array, pos: number, limit: number): Tlv | undefined {
  if (pos + 2 > limit) return undefined;
  const tag = b[pos]!;
  let len = b[pos + 1]!;
  let p = pos + 2;
  if (len & 0x80) {
    // BER-style long forms are tolerated: a key in a sloppy encoding is still a key.
    const n = len & 0x7f;
    if (n === 0 || n > 3 || p + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p++]!;
  }
  if (p + len > limit) return undefined;
  return { tag, body: p, end: p + len };
}

/** The elements of a constructed TLV, when they tile its body exactly. */
function childrenOf(b: Uint8Array, t: Tlv): Tlv[] | undefined {
  const out: Tlv[] = [];
  for (let p = t.body; p < t.end; ) {
    if (out.length === MAX_CHILDREN) return undefined;
    const c = tlvAt(b, p, t.end);
    if (c === undefined) return undefined;
    out.push(c);
    p = c.end;
  }
  return out;
}

/**
 * OID arcs of public-key algorithms (and of the password-based encryption of PKCS#8 keys), as
 * DER content bytes: PKCS#1 RSA, X9.62 EC, X9.57 DSA, PKCS#3 and X9.42 DH, SECG ECDH, RFC 8410
 * Edwards and Montgomery curves, NIST post-quantum signatures and KEMs, SM2, GOST, PKCS#5 and
 * PKCS#12 PBE.
 */
const KEY_OID_ARCS = '2a864886f70d0101 2a8648ce3d02 2a8648ce3804 2a864886f70d0103 2a8648ce3e02 2b810401 2b65 608648016503040303 608648016503040304 2a811ccf5501822d 2a8503 2a864886f70d0105 2a864886f70d010c01'.split(' ');

/** An AlgorithmIdentifier (SEQUENCE { OID, parameters? }) naming a key algorithm. */
function isKeyAlgorithm(b: Uint8Array, t: Tlv | undefined): boolean {
  if (t === undefined || t.tag !== 0x30) return false;
  const kids = childrenOf(b, t);
  const oid = kids?.[0];
  if (kids === undefined || kids.length > 2 || oid === undefined || oid.tag !== 0x06) return false;
  let hex = '';
  for (let i = oid.body; i < oid.end && i < oid.body + 16; i++) hex += b[i]!.toString(16).padStart(2, '0');
  return KEY_OID_ARCS.some((arc) => hex.length > arc.length && hex.startsWith(arc));
}

/** Length of an INTEGER's magnitude, in bytes. */
function integerBytes(b: Uint8Array, t: Tlv): number {
  let p = t.body;
  while (p < t.end && b[p] === 0) p++;
  return t.end - p;
}

function smallInteger(b: Uint8Array, t: Tlv | undefined, ...values: number[]): boolean {
  return t !== undefined && t.tag === 0x02 && t.end - t.body === 1 && values.includes(b[t.body]!);
}

/** One DER key structure starting at `pos` (trailing bytes are ignored). */
function isDerKeyAt(b: Uint8Array, pos: number): boolean {
  const top = tlvAt(b, pos, b.length);
  if (top === undefined || top.tag !== 0x30) return false;
  const kids = childrenOf(b, top);
  if (kids === undefined || kids.length < 2) return false;
  const [k0, k1, k2] = kids as [Tlv, Tlv, Tlv | undefined];
  // SubjectPublicKeyInfo: { AlgorithmIdentifier, BIT STRING }. Certificates and certificate
  // requests hold one, found by the scan at its own offset.
  if (kids.length === 2 && k1.tag === 0x03 && isKeyAlgorithm(b, k0)) return true;
  // EncryptedPrivateKeyInfo: { AlgorithmIdentifier (PBES2, ...), OCTET STRING }.
  if (kids.length === 2 && k1.tag === 0x04 && isKeyAlgorithm(b, k0)) return true;
  // PrivateKeyInfo / OneAsymmetricKey: { version 0 or 1, AlgorithmIdentifier, OCTET STRING, ... }.
  if (smallInteger(b, k0, 0, 1) && isKeyAlgorithm(b, k1) && k2?.tag === 0x04) return true;
  // SEC1 ECPrivateKey: { 1, OCTET STRING d, [0] curve OID, [1] public point }, with at least one of the last two.
  if (smallInteger(b, k0, 1) && k1.tag === 0x04 && k1.end - k1.body >= 16 && k1.end - k1.body <= 72 && kids.length <= 4) {
    const rest = kids.slice(2);
    if (rest.length > 0 && rest.every((t) => t.tag === 0xa0 || t.tag === 0xa1)) return true;
  }
  // PKCS#1 RSAPublicKey { n, e }, RSAPrivateKey { 0, n, e, d, p, q, ... } and the other
  // all-INTEGER key forms (OpenSSL's DSA private key): a modulus of 512 bits or more.
  if (kids.every((t) => t.tag === 0x02) && kids.some((t) => integerBytes(b, t) >= 64)) return true;
  return false;
}

const SSH_TYPES = ['ssh-', 'ecdsa-', 'sk-'].map((t) => Array.from(t, (c) => c.charCodeAt(0)));

/** An SSH wire-format key: a uint32 length, then a key type name ("ssh-ed25519", ...). */
function hasSshBlob(b: Uint8Array): boolean {
  for (let i = 0; i + 8 <= b.length; i++) {
    if (b[i] !== 0 || b[i + 1] !== 0 || b[i + 2] !== 0 || b[i + 3]! < 7 || b[i + 3]! > 0x30) continue;
    if (SSH_TYPES.some((t) => t.every((c, j) => b[i + 4 + j] === c))) return true;
  }
  return false;
}

function hasDerKey(b: Uint8Array): boolean {
  for (let pos = 0; pos + MIN_DER_BYTES <= b.length; pos++) {
    if (b[pos] === 0x30 && isDerKeyAt(b, pos)) return true;
  }
  return false;
}

/**
 * JWK and JWKS members (also with JSON \u escapes, or unquoted as in JSON5 and YAML), PEM armour
 * and labels, SSH public key lines, SSH and PuTTY private key files.
 */
const KEY_TEXT = new RegExp(
  [
    String.raw`(?:^|[^\w$])(?:k|\\u006[bB])(?:t|\\u0074)(?:y|\\u0079)(?![\w$])`,
    String.raw`["'](?:k|\\u006[bB])(?:e|\\u0065)(?:y|\\u0079)(?:s|\\u0073)["']\s*:`,
    String.raw`-----\s*(?:BEGIN|END)|BEGIN [A-Z0-9 ]*(?:KEY|CERTIFICATE)|(?:PUBLIC|PRIVATE) KEY|CERTIFICATE`,
    String.raw`(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp\d+|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\b`,
    String.raw`PuTTY-User-Key-File|openssh-key-v1`,
  ].join('|'),
);

const BASE64_RUN = new RegExp(`[A-Za-z0-9+/_-]{${Math.ceil((MIN_DER_BYTES * 4) / 3)},}`, 'g');
const HEX_RUN = new RegExp(`(?:[0-9a-fA-F]{2}){${MIN_DER_BYTES},}`, 'g');
/** Line breaks, also as the two-character escapes of a key pasted into JSON or an .env file. */
const BREAKS = /\\[nrt]|\s+/g;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Lenient base64 (either alphabet, 6 bits a character) or hex (4 bits) from `start`: a run found
 * in text may begin mid-quantum, so each alignment is tried.
 */
function decodeRun(run: string, start: number, bits: 4 | 6): Uint8Array {
  const out = new Uint8Array(((run.length - start) * bits) >> 3);
  let o = 0;
  let acc = 0;
  let held = 0;
  for (let i = start; i < run.length; i++) {
    const c = run[i]!;
    const v = bits === 4 ? parseInt(c, 16) : ALPHABET.indexOf(c === '-' ? '+' : c === '_' ? '/' : c);
    acc = ((acc << bits) | v) & 0xffff;
    held += bits;
    if (held >= 8) {
      held -= 8;
      out[o++] = acc >> held;
    }
  }
  return out;
}

/**
 * The bytes as text for the marker search: each byte one character, NULs left out, so that
 * ASCII markers are found in UTF-8, Latin-1 and UTF-16 text alike, valid or not.
 */
function asText(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) {
    const chunk = b.subarray(i, i + 8192);
    s += String.fromCharCode.apply(null, chunk as unknown as number[]);
  }
  return s;
}

/** Text, as opposed to binary: nine bytes in ten printable ASCII (random bytes: about one in three). */
function mostlyText(b: Uint8Array): boolean {
  let printable = 0;
  for (const c of b) if ((c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d) printable++;
  return printable * 10 >= b.length * 9;
}

function scan(b: Uint8Array, depth: number): boolean {
  if (hasDerKey(b) || hasSshBlob(b)) return true;
  // What base64 or hex decodes to holds text markers only when it is text (a base64 PEM, say).
  // Misaligned or random decodings are binary and skip the text search: it is most of the cost.
  if (depth > 0 && !mostlyText(b)) return false;
  const raw = asText(b);
  const text = raw.includes('\0') ? raw.replace(/\0/g, '') : raw;
  if (KEY_TEXT.test(text)) return true;
  if (depth >= MAX_DEPTH) return false;
  const compact = text.replace(BREAKS, '');
  for (const [run] of compact.matchAll(BASE64_RUN)) {
    for (let start = 0; start < 4; start++) {
      if (scan(decodeRun(run, start, 6), depth + 1)) return true;
    }
  }
  for (const [run] of compact.replace(/:/g, '').matchAll(HEX_RUN)) {
    for (let start = 0; start < 2; start++) {
      if (scan(decodeRun(run, start, 4), depth + 1)) return true;
    }
  }
  return false;
}

const encoder = /* @__PURE__ */ new TextEncoder();

/**
 * @internal True when `input` (text, or bytes in any encoding) holds a public or private key or a
 * certificate anywhere in it, in any of the forms listed at the top of this file.
 */
export function holdsKeyMaterial(input: string | Uint8Array): boolean {
  if (typeof input === 'string' && input === lastClean) return false;
  const found = scan(typeof input === 'string' ? encoder.encode(input) : input, 0);
  // verify(token, secret) reads its raw key on every call: the same secret is not scanned twice.
  if (!found && typeof input === 'string') lastClean = input;
  return found;
}

let lastClean: string | undefined;

/** @internal The modulus and exponent of an RSA SubjectPublicKeyInfo, read as DER. */
export function rsaPublicOfSpki(der: Uint8Array): { n: Uint8Array; e: Uint8Array } | undefined {
  const top = tlvAt(der, 0, der.length);
  const bits = top && childrenOf(der, top)?.[1];
  if (bits === undefined || bits.tag !== 0x03) return undefined;
  const seq = tlvAt(der, bits.body + 1, bits.end);
  const kids = seq && childrenOf(der, seq);
  if (kids === undefined || kids.length !== 2 || kids[0]!.tag !== 0x02 || kids[1]!.tag !== 0x02) return undefined;
  return { n: der.subarray(kids[0]!.body, kids[0]!.end), e: der.subarray(kids[1]!.body, kids[1]!.end) };
}
