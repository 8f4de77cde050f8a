/**
 * ECDH-ES key agreement (RFC 7518 section 4.6). The sender's ephemeral public key (`epk`) comes
 * from the token, so it is hostile input: it must be on the recipient's curve (an off-curve point
 * lets an attacker recover the private key one small subgroup at a time), and an X25519 agreement
 * that yields all zeros (a low-order point) is refused. The curve equation is checked here on
 * both backends rather than trusting each platform's import to do it.
 */
import type { KeyObject } from 'node:crypto';
import { subtle } from '../common/backend.js';
import { decodeBase64url, isBase64url } from '../common/base64url.js';
import { JwtError } from '../common/errors.js';
import { decryptionFailed, type CryptoContext } from './jwe-content.js';
import { jweMaterial, webAsymmetricKey, type EcdhCurve, type JweKey } from './jwe-keys.js';
import type { Jwk } from '../keys/keys.js';
import { isPlainObject } from '../common/json.js';
import type { MaybePromise } from '../common/maybe-promise.js';

interface WeierstrassCurve {
  readonly p: bigint;
  readonly b: bigint;
  readonly bytes: number;
  readonly nodeName: string;
}

// Short Weierstrass curves y^2 = x^3 - 3x + b over GF(p) (FIPS 186-4 appendix D.1.2). Their
// cofactor is 1, so a point on the curve is in the prime-order group.
const WEIERSTRASS: Readonly<Record<string, WeierstrassCurve>> = {
  'P-256': {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    bytes: 32,
    nodeName: 'prime256v1',
  },
  'P-384': {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    bytes: 48,
    nodeName: 'secp384r1',
  },
  'P-521': {
    p: (1n << 521n) - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
    bytes: 66,
    nodeName: 'secp521r1',
  },
};

function toBigInt(bytes: Uint8Array): bigint {
  let hex = '0x0';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return BigInt(hex);
}

/** True when (x, y) is a point of the curve (and so not the point at infinity). */
export function isOnCurve(curve: string, x: Uint8Array, y: Uint8Array): boolean {
  const c = WEIERSTRASS[curve];
  if (!c || x.length !== c.bytes || y.length !== c.bytes) return false;
  const X = toBigInt(x);
  const Y = toBigInt(y);
  if (X >= c.p || Y >= c.p) return false;
  const lhs = (Y * Y) % c.p;
  const rhs = (((X * X) % c.p) * X - 3n * X + c.b) % c.p;
  return lhs === (rhs + c.p) % c.p;
}

function coordinate(value: unknown, bytes: number): Uint8Array {
  if (typeof value !== 'string' || !isBase64url(value)) throw new JwtError('ERR_JWT_MALFORMED', { claim: 'epk', detail: 'token malformed: epk' });
  const out = decodeBase64url(value);
  if (out.length !== bytes) throw new JwtError('ERR_JWT_MALFORMED', { claim: 'epk', detail: 'token malformed: epk' });
  return out;
}

/**
 * The public members of a header's `epk`, checked against the recipient key's curve. A point
 * off that curve is a decryption failure; a structurally broken `epk` is a malformed token.
 */
export function readEpk(epk: unknown, key: JweKey): Jwk {
  if (!isPlainObject(epk)) throw new JwtError('ERR_JWT_MALFORMED', { claim: 'epk', detail: 'token malformed: epk' });
  if (epk.d !== undefined) throw new JwtError('ERR_JWT_MALFORMED', { claim: 'epk', detail: 'token malformed: epk' });
  if (epk.kty !== key.kty || epk.crv !== key.curve) throw decryptionFailed();
  if (key.curve === 'X25519') {
    coordinate(epk.x, 32);
    return { kty: 'OKP', crv: 'X25519', x: epk.x as string };
  }
  const curve = WEIERSTRASS[key.curve!]!;
  const x = coordinate(epk.x, curve.bytes);
  const y = coordinate(epk.y, curve.bytes);
  if (!isOnCurve(key.curve!, x, y)) throw decryptionFailed();
  return { kty: 'EC', crv: key.curve!, x: epk.x as string, y: epk.y as string };
}

function nonZero(z: Uint8Array): Uint8Array {
  let any = 0;
  for (const b of z) any |= b;
  if (any === 0) throw decryptionFailed();
  return z;
}

/** Recipient side: the shared secret Z from our private key and the sender's checked `epk`. */
export function receiverSecret(key: JweKey, epk: Jwk, ctx: CryptoContext): MaybePromise<Uint8Array> {
  const nc = ctx.node;
  if (nc) {
    try {
      const publicKey = nc.createPublicKey({ key: epk as never, format: 'jwk' });
      return nonZero(nc.diffieHellman({ privateKey: jweMaterial(key).keyObject!, publicKey }));
    } catch (error) {
      if (error instanceof JwtError) throw error;
      throw decryptionFailed();
    }
  }
  const params = key.curve === 'X25519' ? { name: 'X25519' } : { name: 'ECDH', namedCurve: key.curve! };
  const bits = key.curve === 'X25519' ? 256 : WEIERSTRASS[key.curve!]!.bytes * 8;
  return Promise.all([webAsymmetricKey(key, 'private'), subtle().importKey('jwk', epk as JsonWebKey, params, false, [])])
    .then(([priv, pub]) => subtle().deriveBits({ name: params.name, public: pub } as EcdhKeyDeriveParams, priv, bits))
    .then(
      (z) => nonZero(new Uint8Array(z)),
      () => {
        throw decryptionFailed();
      },
    );
}

/** Sender side: a fresh ephemeral key on the recipient's curve, its public JWK and Z. */
export function senderAgreement(recipient: JweKey, ctx: CryptoContext): MaybePromise<{ z: Uint8Array; epk: Jwk }> {
  const curve: EcdhCurve = recipient.curve!;
  const nc = ctx.node;
  if (nc) {
    const pair = curve === 'X25519' ? nc.generateKeyPairSync('x25519') : nc.generateKeyPairSync('ec', { namedCurve: WEIERSTRASS[curve]!.nodeName });
    const z = nc.diffieHellman({ privateKey: pair.privateKey, publicKey: jweMaterial(recipient).publicKeyObject as KeyObject });
    return { z, epk: epkOf(pair.publicKey.export({ format: 'jwk' }) as Jwk) };
  }
  const params = curve === 'X25519' ? { name: 'X25519' } : { name: 'ECDH', namedCurve: curve };
  const bits = curve === 'X25519' ? 256 : WEIERSTRASS[curve]!.bytes * 8;
  return Promise.all([subtle().generateKey(params, true, ['deriveBits']) as Promise<CryptoKeyPair>, webAsymmetricKey(recipient, 'public')]).then(
    async ([pair, pub]) => {
      const z = new Uint8Array(await subtle().deriveBits({ name: params.name, public: pub } as EcdhKeyDeriveParams, pair.privateKey, bits));
      return { z, epk: epkOf((await subtle().exportKey('jwk', pair.publicKey)) as Jwk) };
    },
  );
}

/** Only the public members, in a fixed order. */
function epkOf(jwk: Jwk): Jwk {
  return jwk.kty === 'OKP' ? { kty: 'OKP', crv: jwk.crv!, x: jwk.x! } : { kty: 'EC', crv: jwk.crv!, x: jwk.x!, y: jwk.y! };
}
