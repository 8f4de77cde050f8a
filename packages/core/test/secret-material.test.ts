/**
 * Key material never becomes an HMAC secret (issue 14): text or bytes holding a JWK or JWKS, PEM
 * armour, an SSH key, or a DER key as bytes, base64 or hex are refused on every path that turns
 * raw input into a secret, after any prefix and before any suffix. The negative twins: real
 * secrets, including random bytes that merely start like a DER SEQUENCE, are accepted.
 */
import { createHmac, generateKeyPairSync, randomBytes as nodeRandomBytes, type KeyObject } from 'node:crypto';
import * as fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { holdsKeyMaterial } from '../src/keys/key-material.js';
import * as lite from '../src/lite.js';
import { createSigner, createVerifier, exportJwk, generateSecret, importJwk, importKey, isJwtError, secretKey, verify, type Jwk } from '../src/index.js';
import { BACKENDS, b64, expectJwtError, fixture, nowSeconds, onBackend, SECRET } from './helpers.js';

const RSA = generateKeyPairSync('rsa', { modulusLength: 2048 });
const EC = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const ED = generateKeyPairSync('ed25519');

const der = (key: KeyObject, type: 'spki' | 'pkcs8' | 'pkcs1' | 'sec1'): Buffer => key.export({ format: 'der', type: type as 'pkcs8' });
const pem = (key: KeyObject, type: 'spki' | 'pkcs8' | 'pkcs1' | 'sec1'): string => key.export({ format: 'pem', type: type as 'pkcs8' }) as string;
const jwkText = (key: KeyObject): string => JSON.stringify({ ...(key.export({ format: 'jwk' }) as Jwk), alg: 'RS256', use: 'sig' });
const certDer = (certPem: string): Buffer => Buffer.from(certPem.replace(/-----[A-Z ]+-----|\s+/g, ''), 'base64');

/** The RSA public key's text as a publisher would serve it, the text an attacker signs HS256 with. */
const RSA_PUBLIC_PEM = pem(RSA.publicKey, 'spki');
const RSA_PUBLIC_JWK = jwkText(RSA.publicKey);

const KEY_TEXTS: Record<string, string> = {
  'SPKI PEM': RSA_PUBLIC_PEM,
  'PKCS#1 public PEM': pem(RSA.publicKey, 'pkcs1'),
  'PKCS#8 PEM': pem(RSA.privateKey, 'pkcs8'),
  'SEC1 PEM': pem(EC.privateKey, 'sec1'),
  'certificate PEM': fixture('rsa-2048.cert.pem'),
  JWK: RSA_PUBLIC_JWK,
  'JWK with escaped member names': RSA_PUBLIC_JWK.replace('"kty"', '"\\u006bty"'),
  JWKS: `{"keys":[${RSA_PUBLIC_JWK}]}`,
  'bare JSON array of JWKs': `[${RSA_PUBLIC_JWK}]`,
  'EC JWK': JSON.stringify(EC.publicKey.export({ format: 'jwk' })),
  'SSH public key line': `ssh-ed25519 ${sshBlob(ED.publicKey).toString('base64')} me@host`,
  'SSH public key blob (base64)': sshBlob(ED.publicKey).toString('base64'),
  'SPKI DER, base64': der(RSA.publicKey, 'spki').toString('base64'),
  'SPKI DER, base64 with line breaks': der(RSA.publicKey, 'spki').toString('base64').replace(/.{64}/g, '$&\n'),
  'SPKI DER, base64url': der(RSA.publicKey, 'spki').toString('base64url'),
  'SPKI DER, hex': der(RSA.publicKey, 'spki').toString('hex'),
  'SPKI DER, colon hex': der(RSA.publicKey, 'spki').toString('hex').replace(/../g, '$&:'),
  'Ed25519 SPKI DER, base64': der(ED.publicKey, 'spki').toString('base64'),
  'Ed25519 PKCS#8 DER, base64': der(ED.privateKey, 'pkcs8').toString('base64'),
  'EC PKCS#8 DER, hex': der(EC.privateKey, 'pkcs8').toString('hex'),
  'SEC1 DER, base64': der(EC.privateKey, 'sec1').toString('base64'),
  'PKCS#1 public DER, base64': der(RSA.publicKey, 'pkcs1').toString('base64'),
  'PKCS#1 private DER, base64': der(RSA.privateKey, 'pkcs1').toString('base64'),
  'certificate DER, base64': certDer(fixture('ec-p256.cert.pem')).toString('base64'),
  'base64 of a PEM (a Kubernetes secret)': Buffer.from(RSA_PUBLIC_PEM).toString('base64'),
  'PEM inside a JSON string': JSON.stringify({ key: RSA_PUBLIC_PEM }),
};

/** Prefixes and suffixes a key text picks up on its way into a configuration. */
const WRAPPINGS: Record<string, (text: string) => string> = {
  'as is': (t) => t,
  'after a zero-width space': (t) => `\u200B${t}`,
  'after a BOM': (t) => `\uFEFF${t}`,
  'after a comment line': (t) => `# signing key\n${t}`,
  'after one junk character': (t) => `x${t}`,
  'after "JWT_SECRET="': (t) => `JWT_SECRET=${t}`,
  'before a suffix': (t) => `${t}\n#end`,
};

const DER_KEYS: Record<string, Uint8Array> = {
  'RSA SPKI': der(RSA.publicKey, 'spki'),
  'RSA PKCS#1 public': der(RSA.publicKey, 'pkcs1'),
  'RSA PKCS#1 private': der(RSA.privateKey, 'pkcs1'),
  'RSA PKCS#8': der(RSA.privateKey, 'pkcs8'),
  'EC SPKI': der(EC.publicKey, 'spki'),
  'EC SEC1': der(EC.privateKey, 'sec1'),
  'Ed25519 SPKI': der(ED.publicKey, 'spki'),
  'Ed25519 PKCS#8': der(ED.privateKey, 'pkcs8'),
  certificate: certDer(fixture('rsa-2048.cert.pem')),
  'encrypted PKCS#8': RSA.privateKey.export({ format: 'der', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' }),
};

/** The SSH wire-format public key: string "ssh-ed25519", string key. */
function sshBlob(key: KeyObject): Buffer {
  const raw = der(key, 'spki').subarray(-32);
  const str = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]);
}

const hs256 = (secret: string | Uint8Array): string => {
  const input = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify({ sub: 'mallory', admin: true, exp: nowSeconds() + 600 }))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};

/** Random bytes shaped like one DER SEQUENCE: 0x30, the length of the rest, then random bytes. */
function derShaped(length: number): Uint8Array {
  const bytes = new Uint8Array(nodeRandomBytes(length));
  bytes[0] = 0x30;
  bytes[1] = length - 2;
  return bytes;
}

describe.each(BACKENDS)('key material as an HMAC secret, on the %s backend', (backend) => {
  onBackend(backend);

  describe.each(Object.entries(KEY_TEXTS))('%s', (_name, keyText) => {
    it.each(Object.entries(WRAPPINGS))('is refused %s by every path that makes a secret', async (_how, wrap) => {
      const text = wrap(keyText);
      const bytes = new TextEncoder().encode(text);
      const forged = hs256(text);
      const secrets = [keyText.slice(20, 60)];
      await expectJwtError(() => secretKey(text), 'ERR_KEY_INVALID', secrets);
      await expectJwtError(() => secretKey(bytes), 'ERR_KEY_INVALID', secrets);
      await expectJwtError(() => lite.secretKey(text), 'ERR_KEY_INVALID', secrets);
      await expectJwtError(importKey(bytes), 'ERR_KEY_INVALID', secrets);
      await expectJwtError(() => createSigner({ key: bytes, expiresIn: 60 }), 'ERR_KEY_INVALID', secrets);
      await expectJwtError(() => createVerifier({ issuer: false, audience: false, key: bytes }), 'ERR_KEY_INVALID', secrets);
      // Text may be a key, imported as such; it is then never an HMAC key, so the forgery fails.
      const asKey = await importKey(text).then(
        (key) => key,
        (error: unknown) => error,
      );
      if (isJwtError(asKey)) expect(asKey.code).toBe('ERR_KEY_INVALID');
      else expect(asKey).toMatchObject({ kind: expect.not.stringMatching(/^secret$/) });
      const outcome = await verify(forged, text, { issuer: false, audience: false }).then(
        () => 'accepted',
        (error: unknown) => (isJwtError(error) ? error.code : String(error)),
      );
      expect(['ERR_KEY_INVALID', 'ERR_JWS_ALG_NOT_ALLOWED']).toContain(outcome);
    });
  });

  describe.each(Object.entries(DER_KEYS))('%s DER bytes', (_name, key) => {
    it('are refused raw, after a junk prefix and before a suffix', async () => {
      for (const bytes of [key, Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x00, ...key]), Uint8Array.from([...key, 0x00, 0x30, 0xff])]) {
        await expectJwtError(() => secretKey(bytes), 'ERR_KEY_INVALID');
        await expectJwtError(importKey(bytes), 'ERR_KEY_INVALID');
        await expectJwtError(() => createVerifier({ issuer: false, audience: false, key: bytes }), 'ERR_KEY_INVALID');
      }
    });
  });

  it('an oct JWK whose k is a public key is refused too', async () => {
    await expectJwtError(importJwk({ kty: 'oct', k: Buffer.from(RSA_PUBLIC_PEM).toString('base64url') }), 'ERR_KEY_INVALID');
    await expectJwtError(importJwk({ kty: 'oct', k: der(RSA.publicKey, 'spki').toString('base64url') }), 'ERR_KEY_INVALID');
    // The twin: an oct JWK of random bytes is a secret.
    const key = await importJwk({ kty: 'oct', k: nodeRandomBytes(32).toString('base64url') });
    expect(key.kind).toBe('secret');
  });

  describe('the negative twins: real secrets are accepted and work', () => {
    const SECRETS: Record<string, string | Uint8Array> = {
      'a long passphrase': SECRET,
      'random base64 (openssl rand -base64 48)': nodeRandomBytes(48).toString('base64'),
      'random base64url': nodeRandomBytes(64).toString('base64url'),
      'random hex (openssl rand -hex 64)': nodeRandomBytes(64).toString('hex'),
      'random bytes': new Uint8Array(nodeRandomBytes(64)),
      'a text mentioning keys in prose': 'the keys to the kingdom are kept in a drawer, 2024 edition!!',
      '32 random bytes shaped like one DER SEQUENCE (0x30 0x1e ...)': derShaped(32),
      '64 random bytes shaped like one DER SEQUENCE (0x30 0x3e ...)': derShaped(64),
      'base64 of DER-shaped random bytes': Buffer.from(derShaped(48)).toString('base64'),
      'hex of DER-shaped random bytes': Buffer.from(derShaped(48)).toString('hex'),
    };
    it.each(Object.entries(SECRETS))('%s', async (_name, secret) => {
      const key = secretKey(secret, { alg: 'HS256' });
      expect(key.kind).toBe('secret');
      expect((await importKey(secret)).kind).toBe('secret');
      const token = hs256(secret);
      expect((await verify(token, key, { issuer: false, audience: false })).payload.sub).toBe('mallory');
      expect((await verify(token, secret, { issuer: false, audience: false })).payload.sub).toBe('mallory');
      await expectJwtError(verify(token, secretKey(`${SECRET}!`), { issuer: false, audience: false }), 'ERR_JWS_SIGNATURE_INVALID');
    });
  });
});

describe('random secrets that look like DER are still secrets', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each([
    ['HS256', 32],
    ['HS384', 48],
    ['HS512', 64],
  ] as const)('generateSecret(%s) takes random bytes starting 0x30 <length - 2>', async (alg, length) => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      const view = array as unknown as Uint8Array;
      view.set(derShaped(view.length));
      return array;
    });
    const key = generateSecret(alg);
    expect(spy).toHaveBeenCalled();
    expect(key.algorithms).toEqual([alg]);
    // The key holds the injected bytes: they really were DER-shaped.
    const bytes = Buffer.from((await exportJwk(key, { includePrivate: true })).k!, 'base64url');
    expect([bytes.length, bytes[0], bytes[1]]).toEqual([length, 0x30, length - 2]);
    const token = await createSigner({ key, expiresIn: 60 }).sign({ sub: 'a' });
    expect((await verify(token, key, { issuer: false, audience: false })).payload.sub).toBe('a');
  });

  it('about 1 in 65,536 random secrets starts like a DER SEQUENCE: none of 2,000 such is refused', () => {
    for (let i = 0; i < 2000; i++) expect(secretKey(derShaped(32 + (i % 64))).kind).toBe('secret');
  });
});

describe('holdsKeyMaterial, property-based', () => {
  // Seeded and bounded: a failure prints its seed and shrunk input, and the run stays short.
  const PARAMS = { seed: 0x14_2026, numRuns: 300, interruptAfterTimeLimit: 4000 };
  const keyTexts = Object.values(KEY_TEXTS);
  const junk = fc.string({ unit: 'binary', maxLength: 24 }).filter((s) => !holdsKeyMaterial(s));

  it('random text and bytes make secrets or fail with a JwtError, never anything else, never hang', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.uint8Array({ maxLength: 200 })), async (input) => {
        for (const run of [() => secretKey(input), () => importKey(input), () => verify(hs256(SECRET), input, { issuer: false, audience: false }), () => importJwk(input as unknown as Jwk)]) {
          try {
            await run();
          } catch (error) {
            expect(isJwtError(error), String(error)).toBe(true);
          }
        }
      }),
      PARAMS,
    );
  });

  it('key texts behind any junk prefix and suffix are never secrets', () => {
    fc.assert(
      fc.property(fc.constantFrom(...keyTexts), junk, junk, fc.boolean(), (keyText, prefix, suffix, asBytes) => {
        const text = `${prefix}${keyText}${suffix}`;
        const input = asBytes ? new TextEncoder().encode(text) : text;
        expect(holdsKeyMaterial(input)).toBe(true);
        let code: string | undefined;
        try {
          secretKey(input);
        } catch (error) {
          code = isJwtError(error) ? error.code : String(error);
        }
        expect(code).toBe('ERR_KEY_INVALID');
      }),
      PARAMS,
    );
  });

  it('mutated key texts never crash any importer; when still key material they are never secrets', async () => {
    const mutated = fc.tuple(fc.constantFrom(...keyTexts), fc.nat(), fc.nat({ max: 40 }), fc.string({ unit: 'binary', maxLength: 8 })).map(([t, at, cut, insert]) => {
      const p = at % (t.length + 1);
      return t.slice(0, p) + insert + t.slice(p + cut);
    });
    await fc.assert(
      fc.asyncProperty(mutated, async (text) => {
        const isKey = holdsKeyMaterial(text);
        for (const run of [() => secretKey(text), () => importKey(text), () => verify(hs256(text), text, { issuer: false, audience: false }), () => importJwk(safeJson(text) as Jwk)]) {
          let result: unknown;
          try {
            result = await run();
          } catch (error) {
            expect(isJwtError(error), String(error)).toBe(true);
            continue;
          }
          if (isKey && typeof result === 'object' && result !== null && 'kind' in result) expect((result as { kind: string }).kind).not.toBe('secret');
          if (isKey && typeof result === 'object' && result !== null && 'payload' in result) throw new Error('a token signed with key material as an HMAC secret verified');
        }
      }),
      PARAMS,
    );
  });
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
