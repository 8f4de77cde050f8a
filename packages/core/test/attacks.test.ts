/**
 * The attack suite, on both crypto backends: every way a token or key is known to be abused must
 * fail with one exact JwtError code, and no error may print the token or any key material.
 */
import { createHmac, createPublicKey, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createVerifier,
  decodeUnverified,
  exportJwk,
  generateKeyPair,
  importKey,
  keySet,
  secretKey,
  sign,
  verify,
  type JwtKey,
  type VerifyOptions,
} from '../src/index.js';
import { b64, BACKENDS, craftHs, craftJson, expectJwtError, fixture, nowSeconds, onBackend, OTHER_SECRET, SECRET, tokenParts } from './helpers.js';

const RSA_PRIVATE_PEM = fixture('rsa-2048.key.pem');
const RSA_PUBLIC: KeyObject = createPublicKey(RSA_PRIVATE_PEM);
const SPKI_PEM = RSA_PUBLIC.export({ format: 'pem', type: 'spki' }) as string;
const PKCS1_PEM = RSA_PUBLIC.export({ format: 'pem', type: 'pkcs1' }) as string;
const CERT_PEM = fixture('rsa-2048.cert.pem');
const RSA_JWK = RSA_PUBLIC.export({ format: 'jwk' }) as Record<string, string>;
const EC_PUBLIC_PEM = createPublicKey(fixture('ec-p256.key.pem')).export({ format: 'pem', type: 'spki' }) as string;

/** Lines of base64 inside a PEM: any of them showing up in an error would be key material leaking. */
function pemLines(pem: string): string[] {
  return pem.split(/\r?\n/).filter((l) => l.length >= 16 && !l.startsWith('-----'));
}
const KEY_SECRETS = [SECRET, ...pemLines(SPKI_PEM), ...pemLines(RSA_PRIVATE_PEM), RSA_JWK.n!.slice(0, 40)];

/**
 * Public-key forms an application might configure, each with the exact bytes an attacker would
 * HMAC with if the verifier turned that key into an HMAC secret.
 */
const PUBLIC_FORMS: [name: string, key: () => unknown, hmacWith: string][] = [
  ['PEM SPKI', () => SPKI_PEM, SPKI_PEM],
  ['PEM SPKI with leading whitespace and newlines', () => `\n\n   \t${SPKI_PEM}`, `\n\n   \t${SPKI_PEM}`],
  ['PEM SPKI with CRLF line ends', () => SPKI_PEM.replace(/\n/g, '\r\n'), SPKI_PEM.replace(/\n/g, '\r\n')],
  ['PEM PKCS#1', () => PKCS1_PEM, PKCS1_PEM],
  ['X.509 certificate PEM', () => CERT_PEM, CERT_PEM],
  ['EC PEM SPKI', () => EC_PUBLIC_PEM, EC_PUBLIC_PEM],
  ['JWK JSON text', () => JSON.stringify(RSA_JWK), JSON.stringify(RSA_JWK)],
  ['JWK JSON text, indented', () => JSON.stringify(RSA_JWK, null, 2), JSON.stringify(RSA_JWK, null, 2)],
  ['JWK object', () => ({ ...RSA_JWK }), JSON.stringify(RSA_JWK)],
  ['KeyObject', () => RSA_PUBLIC, SPKI_PEM],
];

const future = () => nowSeconds() + 600;

describe.each(BACKENDS)('attacks on the %s backend', (backend) => {
  onBackend(backend);

  let hs: JwtKey;
  let rsaPrivate: JwtKey;
  let rsaPublic: JwtKey;
  beforeAll(async () => {
    hs = secretKey(SECRET);
    rsaPrivate = await importKey(RSA_PRIVATE_PEM, { alg: 'RS256' });
    rsaPublic = await importKey(SPKI_PEM);
  });

  describe('alg "none" in every spelling', () => {
    const spellings = ['none', 'None', 'NONE', 'nOnE'];
    const signatures: [string, (input: string) => string][] = [
      ['no signature', () => ''],
      ['an HMAC signature', (input) => createHmac('sha256', SECRET).update(input).digest('base64url')],
      ['random bytes', () => b64('0123456789abcdef0123456789abcdef')],
    ];

    it.each(spellings)('%s is refused with every signature and every key', async (alg) => {
      for (const [, signature] of signatures) {
        const input = `${b64(JSON.stringify({ alg, typ: 'JWT' }))}.${b64(JSON.stringify({ sub: 'admin', exp: future() }))}`;
        const token = `${input}.${signature(input)}`;
        for (const key of [hs, rsaPublic, keySet([hs, rsaPublic]) as never]) {
          await expectJwtError(verify(token, key, { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED', [...tokenParts(token), SECRET]);
        }
        await expectJwtError(verify(token, hs, { issuer: false, audience: false, algorithms: ['HS256'] }), 'ERR_JWS_ALG_NOT_ALLOWED');
        await expectJwtError(verify(token, () => hs, { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
      }
    });

    it('a correctly signed HS256 token with the same claims verifies (negative twin)', async () => {
      const token = craftJson({ alg: 'HS256', typ: 'JWT' }, { sub: 'admin', exp: future() });
      expect((await verify(token, hs, { issuer: false, audience: false })).payload.sub).toBe('admin');
    });

    it('unknown, lower-cased and non-string alg values are refused', async () => {
      const payload = { exp: future() };
      await expectJwtError(verify(craftJson({ alg: 'hs256' }, payload), hs, { issuer: false, audience: false }), 'ERR_JWS_ALG_UNSUPPORTED');
      await expectJwtError(verify(craftJson({ alg: 'HS1' }, payload), hs, { issuer: false, audience: false }), 'ERR_JWS_ALG_UNSUPPORTED');
      await expectJwtError(verify(craftJson({ alg: 'RSA-OAEP' }, payload), hs, { issuer: false, audience: false }), 'ERR_JWS_ALG_UNSUPPORTED');
      await expectJwtError(verify(craftJson({ alg: '' }, payload), hs, { issuer: false, audience: false }), 'ERR_JWS_ALG_UNSUPPORTED');
      for (const alg of [undefined, null, 256, ['HS256'], { name: 'HS256' }, true]) {
        await expectJwtError(verify(craftJson({ alg, typ: 'JWT' }, payload), hs, { issuer: false, audience: false }), 'ERR_JWT_MALFORMED');
      }
    });
  });

  describe('HMAC with a public key (algorithm confusion)', () => {
    it.each(PUBLIC_FORMS)('secretKey() refuses a public key given as %s', async (_name, key) => {
      await expectJwtError(() => secretKey(key() as string), 'ERR_KEY_INVALID', KEY_SECRETS);
    });

    it('secretKey() refuses the bytes of a PEM, certificate or JWK file (a Buffer from readFileSync)', async () => {
      for (const text of [SPKI_PEM, PKCS1_PEM, CERT_PEM, JSON.stringify(RSA_JWK), RSA_PRIVATE_PEM, `  \n${SPKI_PEM}`]) {
        await expectJwtError(() => secretKey(Buffer.from(text)), 'ERR_KEY_INVALID', KEY_SECRETS);
        await expectJwtError(() => secretKey(new TextEncoder().encode(text)), 'ERR_KEY_INVALID', KEY_SECRETS);
        await expectJwtError(importKey(Buffer.from(text)), 'ERR_KEY_INVALID', KEY_SECRETS);
      }
    });

    it('secretKey() still takes random bytes and ordinary long passphrases (negative twin)', () => {
      const random = new Uint8Array(64);
      crypto.getRandomValues(random);
      expect(secretKey(random).algorithms).toEqual(['HS256', 'HS384', 'HS512']);
      expect(secretKey(Buffer.from(SECRET)).kind).toBe('secret');
      expect(secretKey(SECRET).kind).toBe('secret');
    });

    it.each(PUBLIC_FORMS)('a verifier given %s refuses an HS256 token whose HMAC key is that public key', async (name, key, hmacWith) => {
      const token = craftJson({ alg: 'HS256', typ: 'JWT' }, { sub: 'admin', exp: future() }, hmacWith);
      const verifier = createVerifier({ issuer: false, audience: false, key: key() as string });
      await expectJwtError(verifier.verify(token), 'ERR_JWS_ALG_NOT_ALLOWED', [...tokenParts(token), ...KEY_SECRETS]);
      // Listing HS256 among the accepted algorithms does not make a public key an HMAC secret.
      const lax = createVerifier({ issuer: false, audience: false, key: key() as string, algorithms: ['HS256', 'RS256', 'ES256'] });
      await expectJwtError(lax.verify(token), 'ERR_JWS_ALG_NOT_ALLOWED');
      for (const alg of ['HS384', 'HS512'] as const) {
        const t = craftHs(JSON.stringify({ alg }), JSON.stringify({ exp: future() }), hmacWith, alg === 'HS384' ? 'sha384' : 'sha512');
        await expectJwtError(verifier.verify(t), 'ERR_JWS_ALG_NOT_ALLOWED');
      }
      // Negative twin: the same verifier accepts a genuine token signed by the matching private key.
      if (name.startsWith('EC')) {
        const ecPrivate = await importKey(fixture('ec-p256.key.pem'));
        expect((await verifier.verify(await sign({ sub: 'ok' }, ecPrivate, { expiresIn: 60 }))).payload.sub).toBe('ok');
      } else {
        expect((await verifier.verify(await sign({ sub: 'ok' }, rsaPrivate, { expiresIn: 60 }))).payload.sub).toBe('ok');
      }
    });

    it('a verifier given the bytes of a public PEM refuses to start rather than treat them as a secret', async () => {
      const token = craftJson({ alg: 'HS256' }, { sub: 'admin', exp: future() }, SPKI_PEM);
      await expectJwtError(() => createVerifier({ issuer: false, audience: false, key: Buffer.from(SPKI_PEM) }), 'ERR_KEY_INVALID', [...tokenParts(token), ...KEY_SECRETS]);
    });

    it('a token signed with the RSA public key as HMAC secret by jose-style code is refused by a key set too', async () => {
      const { publicKey } = await generateKeyPair('ES256');
      const jwkText = JSON.stringify(await exportJwk(publicKey));
      const token = craftJson({ alg: 'HS256', kid: publicKey.kid }, { exp: future() }, jwkText);
      await expectJwtError(verify(token, keySet([publicKey, rsaPublic]), { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
    });
  });

  describe('kid selection', () => {
    it('an unknown kid finds no key; a known one verifies; a kid naming a key of another type is refused', async () => {
      const a = secretKey(SECRET, { kid: 'a' });
      const b = await importKey(SPKI_PEM, { kid: 'b' });
      const set = keySet([a, b]);
      const unknown = craftJson({ alg: 'HS256', kid: 'zzz' }, { exp: future() });
      await expectJwtError(verify(unknown, set, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND', tokenParts(unknown));
      await expectJwtError(verify(craftJson({ alg: 'HS256', kid: '' }, { exp: future() }), set, { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
      expect((await verify(craftJson({ alg: 'HS256', kid: 'a' }, { sub: 'x', exp: future() }), set, { issuer: false, audience: false })).payload.sub).toBe('x');
      await expectJwtError(verify(craftJson({ alg: 'HS256', kid: 'b' }, { exp: future() }), set, { issuer: false, audience: false }), 'ERR_JWS_ALG_NOT_ALLOWED');
      await expectJwtError(verify(craftJson({ alg: 'HS256', kid: 'a' }, { exp: future() }, OTHER_SECRET), set, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
    });

    it('a non-string kid is malformed', async () => {
      for (const kid of [1, null, ['a'], { a: 1 }, true]) {
        await expectJwtError(verify(craftJson({ alg: 'HS256', kid }, { exp: future() }), keySet([hs]), { issuer: false, audience: false }), 'ERR_JWT_MALFORMED');
      }
    });

    it('a resolver that finds nothing answers ERR_JWT_KEY_NOT_FOUND', async () => {
      await expectJwtError(verify(craftJson({ alg: 'HS256' }, { exp: future() }), () => [], { issuer: false, audience: false }), 'ERR_JWT_KEY_NOT_FOUND');
    });
  });

  describe('crit and b64', () => {
    const claims = () => ({ exp: future() });

    it('refuses a crit parameter the caller did not declare, accepts one it did (when present)', async () => {
      const token = craftJson({ alg: 'HS256', crit: ['urn:example:policy'], 'urn:example:policy': 'strict' }, claims());
      await expectJwtError(verify(token, hs, { issuer: false, audience: false }), 'ERR_JWS_CRIT_UNSUPPORTED');
      expect((await verify(token, hs, { issuer: false, audience: false, crit: ['urn:example:policy'] })).header['urn:example:policy']).toBe('strict');
      const absent = craftJson({ alg: 'HS256', crit: ['urn:example:policy'] }, claims());
      await expectJwtError(verify(absent, hs, { issuer: false, audience: false, crit: ['urn:example:policy'] }), 'ERR_JWS_CRIT_UNSUPPORTED');
      await expectJwtError(verify(craftJson({ alg: 'HS256', crit: ['exp'], exp: 1 }, claims()), hs, { issuer: false, audience: false }), 'ERR_JWS_CRIT_UNSUPPORTED');
    });

    it('refuses malformed crit values', async () => {
      for (const crit of [[], 'exp', [1], [''], {}, null]) {
        await expectJwtError(verify(craftJson({ alg: 'HS256', crit }, claims()), hs, { issuer: false, audience: false, crit: ['exp'] }), 'ERR_JWT_MALFORMED');
      }
    });

    it('refuses b64 in any form, declared critical or not', async () => {
      for (const header of [{ alg: 'HS256', b64: false, crit: ['b64'] }, { alg: 'HS256', b64: false }, { alg: 'HS256', b64: true, crit: ['b64'] }]) {
        const token = craftJson(header, claims());
        await expectJwtError(verify(token, hs, { issuer: false, audience: false }), 'ERR_JWS_CRIT_UNSUPPORTED');
        await expectJwtError(verify(token, hs, { issuer: false, audience: false, crit: ['b64'] }), 'ERR_JWS_CRIT_UNSUPPORTED');
      }
    });
  });

  describe.each(['HS256', 'RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const)('tampering with a %s token', (alg) => {
    let signing: JwtKey;
    let verifying: JwtKey;
    let token: string;
    beforeAll(async () => {
      if (alg === 'HS256') {
        signing = verifying = hs;
      } else if (alg === 'RS256' || alg === 'PS256') {
        signing = await importKey(RSA_PRIVATE_PEM, { alg });
        verifying = await importKey(SPKI_PEM, { alg });
      } else {
        const pair = await generateKeyPair(alg);
        signing = pair.privateKey;
        verifying = pair.publicKey;
      }
      token = await sign({ sub: 'alice', role: 'user' }, signing, { expiresIn: 600 });
    });

    const segments = () => token.split('.') as [string, string, string];
    const sigBytes = () => Buffer.from(segments()[2], 'base64url');
    const withSig = (sig: Uint8Array) => `${segments()[0]}.${segments()[1]}.${Buffer.from(sig).toString('base64url')}`;

    it('verifies untouched (the twin of every case below)', async () => {
      expect((await verify(token, verifying, { issuer: false, audience: false })).payload.role).toBe('user');
    });

    it('a changed header, payload or signature bit fails the signature', async () => {
      const [h, p] = segments();
      const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
      const cases = [
        `${b64(JSON.stringify({ ...header, typ: 'at+jwt' }))}.${p}.${segments()[2]}`,
        `${b64(JSON.stringify({ ...header, kid: 'other' }))}.${p}.${segments()[2]}`,
        `${h}.${b64(JSON.stringify({ ...payload, role: 'admin' }))}.${segments()[2]}`,
        `${h}.${b64(JSON.stringify({ ...payload, exp: payload.exp as number + 3600 }))}.${segments()[2]}`,
      ];
      for (const i of [0, 1, sigBytes().length >> 1, sigBytes().length - 1]) {
        const sig = sigBytes();
        sig[i] = sig[i]! ^ 0x80;
        cases.push(withSig(sig));
      }
      for (const t of cases) await expectJwtError(verify(t, verifying, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID', tokenParts(t));
    });

    it('a truncated, extended, empty or swapped signature fails', async () => {
      const sig = sigBytes();
      const cases = [withSig(sig.subarray(0, sig.length - 1)), withSig(sig.subarray(1)), withSig(sig.subarray(0, sig.length >> 1)), withSig(Buffer.concat([sig, Buffer.from([0])])), withSig(Buffer.concat([sig, sig])), withSig(new Uint8Array(0))];
      for (const t of cases) await expectJwtError(verify(t, verifying, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID', tokenParts(t));
      const other = await sign({ sub: 'bob', role: 'admin' }, signing, { expiresIn: 600 });
      const [oh, op] = other.split('.');
      // Another genuine token's signature does not cover this header and payload, nor the reverse.
      await expectJwtError(verify(`${segments()[0]}.${segments()[1]}.${other.split('.')[2]}`, verifying, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
      await expectJwtError(verify(`${oh}.${op}.${segments()[2]}`, verifying, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
    });

    if (alg.startsWith('ES')) {
      it('an all-zero signature (r = 0, s = 0) fails', async () => {
        const t = withSig(new Uint8Array(sigBytes().length));
        await expectJwtError(verify(t, verifying, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID', tokenParts(t));
        const ones = withSig(new Uint8Array(sigBytes().length).fill(0xff));
        await expectJwtError(verify(ones, verifying, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
      });

      it('the same signature DER-encoded fails (JWS ECDSA signatures are raw r || s)', async () => {
        const der = toDer(sigBytes());
        const t = withSig(der);
        await expectJwtError(verify(t, verifying, { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID', tokenParts(t));
      });
    }
  });

  describe('malformed shapes', () => {
    const valid = () => craftJson({ alg: 'HS256', typ: 'JWT' }, { sub: 'alice', exp: future() });
    const malformed = (token: string, options: Partial<VerifyOptions> = {}) => expectJwtError(verify(token, hs, { issuer: false, audience: false, ...options }), 'ERR_JWT_MALFORMED', tokenParts(token));

    it('wrong segment counts and empty segments', async () => {
      const [h, p, s] = valid().split('.') as [string, string, string];
      for (const t of ['', '.', '..', '...', 'abc', `${h}`, `${h}.${p}`, `${h}.${p}.${s}.`, `${h}.${p}.${s}.${s}`, `${h}.${p}.${s}.${p}.${s}`, `.${p}.${s}`, `..${s}`, `.${p}.`, `${h}.${p}.${s}\n`, ` ${h}.${p}.${s}`]) {
        await malformed(t);
      }
    });

    it('an empty payload with a valid signature over it is not a claims set', async () => {
      const t = craftHs('{"alg":"HS256"}', '');
      expect(t.split('.')[1]).toBe('');
      await malformed(t);
    });

    it('characters outside base64url, in any segment', async () => {
      const [h, p, s] = valid().split('.') as [string, string, string];
      const swap = (seg: string, ch: string) => `${seg.slice(0, 4)}${ch}${seg.slice(5)}`;
      for (const ch of ['+', '/', '*', ' ', '%', 'é', '\u0000', '\n']) {
        await malformed(`${swap(h, ch)}.${p}.${s}`);
        await malformed(`${h}.${swap(p, ch)}.${s}`);
        await malformed(`${h}.${p}.${swap(s, ch)}`);
      }
    });

    it('base64 padding in any segment', async () => {
      // Pick texts whose encodings are not multiples of 4, so "=" is what a padded encoder adds.
      const header = '{"alg":"HS256","x":12}';
      const payload = `{"exp":${future()},"x":"a"}`;
      const t = craftHs(header, payload);
      const [h, p, s] = t.split('.') as [string, string, string];
      expect(h.length % 4).not.toBe(0);
      expect(p.length % 4).not.toBe(0);
      expect(s.length % 4).not.toBe(0);
      const pad = (seg: string) => seg + '='.repeat((4 - (seg.length % 4)) % 4 || 1);
      await malformed(`${pad(h)}.${p}.${s}`);
      await malformed(`${h}.${pad(p)}.${s}`);
      await malformed(`${h}.${p}.${pad(s)}`);
      await malformed(`${h}.${p}.${s}==`);
      expect((await verify(t, hs, { issuer: false, audience: false })).payload.x).toBe('a');
    });

    it('non-canonical trailing bits (the same bytes under a lenient decoder)', async () => {
      const t = craftHs('{"alg":"HS256"}', `{"exp":${future()},"x":"a"}`);
      const parts = t.split('.') as [string, string, string];
      const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      let checked = 0;
      for (let i = 0; i < 3; i++) {
        const seg = parts[i]!;
        if (seg.length % 4 === 0) continue;
        checked++;
        const last = ALPHA.indexOf(seg.at(-1)!);
        const bumped = seg.slice(0, -1) + ALPHA[last + 1]!;
        expect(Buffer.from(bumped, 'base64url')).toEqual(Buffer.from(seg, 'base64url'));
        const copy = [...parts];
        copy[i] = bumped;
        await malformed(copy.join('.'));
      }
      expect(checked).toBe(2);
    });

    it('headers that are not JSON objects', async () => {
      const payload = `{"exp":${future()}}`;
      for (const header of ['not json', '', '[]', '["HS256"]', '"HS256"', 'null', '1', 'true', '{"alg":"HS256"', '{"alg":"HS256"}}', "{'alg':'HS256'}"]) {
        await malformed(craftHs(header, payload));
      }
      // Invalid UTF-8 in the header.
      const bad = `${Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64url')}.${b64(payload)}.AAAA`;
      await malformed(bad);
    });

    it('payloads that are not JSON objects, even with a valid signature', async () => {
      for (const payload of ['not json', '[]', '[{"exp":99999999999}]', '"a string"', 'null', '42', 'true', '{"exp":1', `{"exp":${future()}} x`]) {
        await malformed(craftHs('{"alg":"HS256"}', payload), { issuer: false, audience: false, requireExp: false });
      }
      const input = `${b64('{"alg":"HS256"}')}.${Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]).toString('base64url')}`;
      await malformed(`${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`, { issuer: false, audience: false, requireExp: false });
    });

    it('__proto__ members, at the top and nested, plain or escaped, in header or payload', async () => {
      const exp = future();
      const payloads = [
        `{"exp":${exp},"__proto__":{"admin":true}}`,
        `{"exp":${exp},"\\u005f_proto__":{"admin":true}}`,
        `{"exp":${exp},"\\u005f\\u005fproto\\u005f\\u005f":{"admin":true}}`,
        `{"exp":${exp},"user":{"__proto__":{"admin":true}}}`,
        `{"exp":${exp},"list":[{"a":1},{"__proto__":{"admin":true}}]}`,
        `{"exp":${exp},"deep":{"a":{"b":{"\\u005f_proto__":{"admin":true}}}}}`,
      ];
      for (const payload of payloads) await malformed(craftHs('{"alg":"HS256"}', payload));
      await malformed(craftHs('{"alg":"HS256","__proto__":{"alg":"none"}}', `{"exp":${exp}}`));
      await malformed(craftHs('{"alg":"HS256","x":{"\\u005f_proto__":{}}}', `{"exp":${exp}}`));
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
      // "constructor" and "prototype" are ordinary member names.
      expect((await verify(craftHs('{"alg":"HS256"}', `{"exp":${exp},"constructor":{"prototype":1}}`), hs, { issuer: false, audience: false })).payload.constructor).toEqual({ prototype: 1 });
    });

    it('1000-deep nesting is refused, within the default size limit or a raised one', async () => {
      const deepObject = `{"exp":${future()},"x":${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}}`;
      const deepArray = `{"exp":${future()},"x":${'['.repeat(1000)}${']'.repeat(1000)}}`;
      for (const payload of [deepObject, deepArray]) {
        const t = craftHs('{"alg":"HS256"}', payload);
        await expectJwtError(verify(t, hs, { issuer: false, audience: false }), t.length > 8192 ? 'ERR_JWT_TOO_LARGE' : 'ERR_JWT_MALFORMED');
        await malformed(t, { issuer: false, audience: false, maxTokenLength: 100_000 });
      }
      const deepHeader = craftHs(`{"alg":"HS256","x":${'['.repeat(1000)}${']'.repeat(1000)}}`, `{"exp":${future()}}`);
      await malformed(deepHeader, { issuer: false, audience: false, maxTokenLength: 100_000 });
      // Moderate nesting is fine (negative twin).
      const ok = craftHs('{"alg":"HS256"}', `{"exp":${future()},"x":${'{"a":'.repeat(10)}1${'}'.repeat(10)}}`);
      expect((await verify(ok, hs, { issuer: false, audience: false })).payload.x).toBeDefined();
    });
  });

  describe('claim types', () => {
    const check = async (claims: string, code: 'ERR_JWT_CLAIM_INVALID' | 'ERR_JWT_MALFORMED' = 'ERR_JWT_CLAIM_INVALID') => {
      const t = craftHs('{"alg":"HS256"}', claims);
      await expectJwtError(verify(t, hs, { issuer: false, audience: false, requireExp: false }), code, tokenParts(t));
    };

    it('time claims that are not finite numbers', async () => {
      for (const name of ['exp', 'nbf', 'iat']) {
        const base = name === 'exp' ? '' : `"exp":${future()},`;
        for (const value of ['"9999999999"', '"NaN"', '"Infinity"', '1e400', '-1e400', 'null', 'true', 'false', '[]', '{}', '[9999999999]', '""']) {
          await check(`{${base}"${name}":${value}}`);
        }
      }
      // A numeric exp in the future is fine.
      const exp = future() + 0.5;
      expect((await verify(craftHs('{"alg":"HS256"}', `{"exp":${exp}}`), hs, { issuer: false, audience: false })).payload.exp).toBe(exp);
    });

    it('iss, sub and jti that are not strings', async () => {
      for (const name of ['iss', 'sub', 'jti']) {
        for (const value of ['1', 'null', 'true', '["a"]', '{"a":"b"}']) await check(`{"exp":${future()},"${name}":${value}}`);
      }
    });

    it('aud that is neither a string nor a list of strings', async () => {
      for (const value of ['1', 'null', 'true', '{"a":"api"}', '["api",1]', '[null]', '[["api"]]']) {
        await check(`{"exp":${future()},"aud":${value}}`);
      }
      const t = craftHs('{"alg":"HS256"}', `{"exp":${future()},"aud":["other","api"]}`);
      expect((await verify(t, hs, { issuer: false, audience: 'api' })).payload.aud).toEqual(['other', 'api']);
    });
  });

  describe('size and input type', () => {
    it('refuses tokens over 8192 characters before decoding anything', async () => {
      await expectJwtError(verify('a'.repeat(8193), hs, { issuer: false, audience: false }), 'ERR_JWT_TOO_LARGE');
      await expectJwtError(verify('*'.repeat(5_000_000), hs, { issuer: false, audience: false }), 'ERR_JWT_TOO_LARGE');
      // Just under the limit the same garbage is judged on its shape, so the limit is exactly 8192.
      await expectJwtError(verify('a'.repeat(8192), hs, { issuer: false, audience: false }), 'ERR_JWT_MALFORMED');
      const big = craftHs('{"alg":"HS256"}', JSON.stringify({ exp: future(), pad: 'x'.repeat(7000) }));
      expect(big.length).toBeGreaterThan(8192);
      await expectJwtError(verify(big, hs, { issuer: false, audience: false }), 'ERR_JWT_TOO_LARGE', tokenParts(big));
      expect((await verify(big, hs, { issuer: false, audience: false, maxTokenLength: 16_384 })).payload.pad).toHaveLength(7000);
      await expectJwtError(() => decodeUnverified(big), 'ERR_JWT_TOO_LARGE');
    });

    it('honours a custom maxTokenLength, and refuses nonsensical ones', async () => {
      const t = valid();
      await expectJwtError(verify(t, hs, { issuer: false, audience: false, maxTokenLength: t.length - 1 }), 'ERR_JWT_TOO_LARGE');
      expect((await verify(t, hs, { issuer: false, audience: false, maxTokenLength: t.length })).payload.sub).toBe('alice');
      for (const maxTokenLength of [15, 0, -1, 100.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expectJwtError(verify(t, hs, { issuer: false, audience: false, maxTokenLength }), 'ERR_CONFIG_INVALID');
      }
    });

    it('refuses anything that is not a string', async () => {
      const t = valid();
      for (const input of [undefined, null, 42, {}, [], [t], Buffer.from(t), new String(t), () => t, Symbol('t')]) {
        await expectJwtError(verify(input as never, hs, { issuer: false, audience: false }), 'ERR_JWT_MALFORMED');
        await expectJwtError(createVerifier({ issuer: false, audience: false, key: hs, cache: true }).verify(input as never), 'ERR_JWT_MALFORMED');
        await expectJwtError(() => decodeUnverified(input as never), 'ERR_JWT_MALFORMED');
      }
    });

    function valid(): string {
      return craftJson({ alg: 'HS256' }, { sub: 'alice', exp: future() });
    }
  });
});

/** DER SEQUENCE { INTEGER r, INTEGER s } from a raw r || s signature. */
function toDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const int = (bytes: Uint8Array): number[] => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    const v = [...bytes.subarray(i)];
    if (v[0]! & 0x80) v.unshift(0);
    return [0x02, ...len(v.length), ...v];
  };
  const len = (n: number): number[] => (n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]);
  const body = [...int(raw.subarray(0, half)), ...int(raw.subarray(half))];
  return Uint8Array.from([0x30, ...len(body.length), ...body]);
}
