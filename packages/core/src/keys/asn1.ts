/**
 * Just enough DER to route PEM keys through WebCrypto, which only imports SPKI and PKCS#8:
 * find a key's algorithm, lift the SPKI out of an X.509 certificate, and wrap PKCS#1 / SEC1
 * keys. Every read is bounds-checked; anything unexpected is ERR_KEY_INVALID.
 */
import { JwtError } from '../common/errors.js';

interface Tlv {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

function fail(): never {
  throw new JwtError('ERR_KEY_INVALID', { detail: 'key invalid: malformed DER' });
}

function readTlv(der: Uint8Array, pos: number, limit = der.length): Tlv {
  if (pos + 2 > limit) fail();
  const tag = der[pos]!;
  let len = der[pos + 1]!;
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > limit) fail();
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[p++]!;
  }
  if (p + len > limit) fail();
  return { tag, start: pos, contentStart: p, end: p + len };
}

function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.contentStart; p < parent.end; ) {
    const t = readTlv(der, p, parent.end);
    out.push(t);
    p = t.end;
  }
  return out;
}

function hex(der: Uint8Array, t: Tlv): string {
  let s = '';
  for (let i = t.contentStart; i < t.end; i++) s += der[i]!.toString(16).padStart(2, '0');
  return s;
}

const OIDS: Record<string, string> = {
  '2a864886f70d010101': 'rsa',
  '2a864886f70d01010a': 'rsa-pss',
  '2a8648ce3d0201': 'ec',
  '2b6570': 'ed25519',
  '2b6571': 'ed448',
  '2b656e': 'x25519',
  '2a8648ce3d030107': 'P-256',
  '2b81040022': 'P-384',
  '2b81040023': 'P-521',
};

export interface KeyAlgorithmId {
  type: string;
  curve?: string;
}

function algorithmId(der: Uint8Array, seq: Tlv): KeyAlgorithmId {
  const [oid, params] = children(der, seq);
  if (!oid || oid.tag !== 0x06) fail();
  const type = OIDS[hex(der, oid)] ?? 'unknown';
  const curve = params && params.tag === 0x06 ? OIDS[hex(der, params)] : undefined;
  return curve ? { type, curve } : { type };
}

/** SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, BIT STRING } */
export function spkiAlgorithm(der: Uint8Array): KeyAlgorithmId {
  const top = readTlv(der, 0);
  const [alg] = children(der, top);
  if (top.tag !== 0x30 || !alg || alg.tag !== 0x30) fail();
  return algorithmId(der, alg);
}

/** PrivateKeyInfo ::= SEQUENCE { INTEGER, AlgorithmIdentifier, OCTET STRING, ... } */
export function pkcs8Algorithm(der: Uint8Array): KeyAlgorithmId {
  const top = readTlv(der, 0);
  const [, alg] = children(der, top);
  if (top.tag !== 0x30 || !alg || alg.tag !== 0x30) fail();
  return algorithmId(der, alg);
}

/** The SubjectPublicKeyInfo inside an X.509 certificate. */
export function certificateSpki(der: Uint8Array): Uint8Array {
  const cert = readTlv(der, 0);
  const [tbs] = children(der, cert);
  if (cert.tag !== 0x30 || !tbs || tbs.tag !== 0x30) fail();
  const fields = children(der, tbs);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0; // optional explicit version
  const spki = fields[offset + 5];
  if (!spki || spki.tag !== 0x30) fail();
  return der.slice(spki.start, spki.end);
}

function encodeLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function tlv(tag: number, ...parts: (Uint8Array | number[])[]): Uint8Array {
  const body = parts.flatMap((p) => Array.from(p));
  return Uint8Array.from([tag, ...encodeLength(body.length), ...body]);
}

// Pure: a bundle that never reads RSA keys drops it (the dist build puts this file in a shared chunk).
const RSA_ALG_ID = /* @__PURE__ */ tlv(0x30, [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01], [0x05, 0x00]);

/** RSAPublicKey (PKCS#1) to SubjectPublicKeyInfo. */
export function pkcs1PublicToSpki(der: Uint8Array): Uint8Array {
  readTlv(der, 0);
  return tlv(0x30, RSA_ALG_ID, tlv(0x03, [0x00], der));
}

/** RSAPrivateKey (PKCS#1) to PrivateKeyInfo (PKCS#8). */
export function pkcs1PrivateToPkcs8(der: Uint8Array): Uint8Array {
  readTlv(der, 0);
  return tlv(0x30, [0x02, 0x01, 0x00], RSA_ALG_ID, tlv(0x04, der));
}

/** ECPrivateKey (SEC1) with its curve parameters to PrivateKeyInfo (PKCS#8). */
export function sec1ToPkcs8(der: Uint8Array): Uint8Array {
  const top = readTlv(der, 0);
  const params = children(der, top).find((t) => t.tag === 0xa0);
  if (!params) fail();
  const [curveOid] = children(der, params);
  if (!curveOid || curveOid.tag !== 0x06) fail();
  const curve = der.slice(curveOid.start, curveOid.end);
  const ecAlgId = tlv(0x30, [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01], curve);
  return tlv(0x30, [0x02, 0x01, 0x00], ecAlgId, tlv(0x04, der));
}
