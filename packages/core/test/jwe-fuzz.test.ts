/**
 * Property-based tests of JWE decryption, on both backends: random damage to valid tokens (any
 * character, any of the five segments at the byte level, segment lengths, segment order and count,
 * the base64url alphabet, the header's JSON members and text) is never accepted unless the token
 * is unchanged, never makes compactDecrypt(), decrypt(), a decryptor's decrypt() or decryptSync()
 * throw anything but a JwtError, and never hangs (a run over HANG_MS fails). Seeded, so a run is
 * repeatable; fast-check prints the seed and path of any failure to replay it.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  compactDecrypt,
  createDecryptor,
  createEncryptor,
  decrypt,
  encryptionKey,
  importEncryptionKey,
  JWE_ALGORITHMS,
  JWE_ENCRYPTIONS,
  JwtError,
  publicEncryptionKeyOf,
  type Decryptor,
  type Jwk,
  type JweAlgorithm,
  type JweEncryption,
  type JweKey,
} from '../src/index.js';
import { b64, BACKENDS, expectNoInternalError, onBackend } from './helpers.js';

const SEED = 0x14e;
const RUNS = 200;
/** Far above any honest decryption: a run this long is a hang. */
const HANG_MS = 5_000;
/** Keeps the suite bounded on a loaded machine; the seed still fixes which inputs run. */
const TIME_LIMIT_MS = 8_000;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const CLAIMS = { sub: 'alice', email: 'alice@example.com', permissions: ['read'] };

type Mutation = (token: string) => string;

/** A mutation that prints as what it does, so a counterexample reads as a recipe. */
function named(label: string, mutate: Mutation): Mutation {
  return Object.assign(mutate, { [fc.toStringMethod]: () => label });
}

const segments = (t: string): string[] => t.split('.');
const encode = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const decode = (segment: string): Buffer => Buffer.from(segment, 'base64url');

function headerJson(t: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(decode(segments(t)[0] ?? '').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function withSegment(t: string, index: number, value: string): string {
  const s = segments(t);
  s[index % s.length] = value;
  return s.join('.');
}

/** Character-level damage anywhere in the token, from inside and outside the base64url alphabet. */
function characterMutation(): fc.Arbitrary<Mutation> {
  const ch = fc.oneof(
    fc.constantFrom(...BASE64URL.split('')),
    fc.constantFrom('.', '=', '+', '/', ' ', '%', '\n', '\u0000', '\u00e9', '\uFFFD', '\uD800'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  );
  const at = fc.nat();
  return fc.oneof(
    fc.tuple(at, ch).map(([i, c]) => named(`replace char ${i} with ${JSON.stringify(c)}`, (t) => { const p = i % t.length; return t.slice(0, p) + c + t.slice(p + 1); })),
    fc.tuple(at, fc.string({ minLength: 1, maxLength: 8 })).map(([i, s]) => named(`insert ${JSON.stringify(s)} at ${i}`, (t) => { const p = i % (t.length + 1); return t.slice(0, p) + s + t.slice(p); })),
    fc.tuple(at, fc.integer({ min: 1, max: 16 })).map(([i, n]) => named(`delete ${n} chars at ${i}`, (t) => { const p = i % t.length; return t.slice(0, p) + t.slice(p + n); })),
    at.map((i) => named(`truncate at ${i}`, (t) => t.slice(0, i % t.length))),
    fc.integer({ min: 1, max: 20_000 }).map((n) => named(`append ${n} chars`, (t) => t + 'A'.repeat(n))),
  );
}

/** Damage to one segment's bytes or length, re-encoded canonically so only the cryptography can catch it. */
function segmentMutation(): fc.Arbitrary<Mutation> {
  const index = fc.integer({ min: 0, max: 4 });
  return fc.oneof(
    // A bit-level change in any of the five parts.
    fc.tuple(index, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([i, at, x]) => named(`segment ${i}: byte ${at} ^= ${x}`, (t) => {
      const bytes = decode(segments(t)[i] ?? '');
      if (bytes.length === 0) return t;
      bytes[at % bytes.length] = bytes[at % bytes.length]! ^ x;
      return withSegment(t, i, encode(bytes));
    })),
    // Longer or shorter by a few bytes: IV, tag and wrapped-key lengths are all checked.
    fc.tuple(index, fc.integer({ min: -4, max: 4 }), fc.uint8Array({ minLength: 4, maxLength: 4 })).map(([i, delta, extra]) => named(`segment ${i}: ${delta} bytes`, (t) => {
      const bytes = decode(segments(t)[i] ?? '');
      const resized = delta < 0 ? bytes.subarray(0, Math.max(0, bytes.length + delta)) : Buffer.concat([bytes, extra.subarray(0, delta)]);
      return withSegment(t, i, encode(resized));
    })),
    // Fresh random bytes of any length, or an empty segment.
    fc.tuple(index, fc.uint8Array({ maxLength: 300 })).map(([i, bytes]) => named(`segment ${i}: ${bytes.length} random bytes`, (t) => withSegment(t, i, encode(bytes)))),
    // Outside canonical base64url: padding, the standard alphabet, stray characters.
    fc.tuple(index, fc.constantFrom('=', '==', '+', '/', '*', ' ')).map(([i, c]) => named(`segment ${i}: append ${JSON.stringify(c)}`, (t) => withSegment(t, i, (segments(t)[i] ?? '') + c))),
    fc.tuple(index, index).map(([i, j]) => named(`swap segments ${i} and ${j}`, (t) => {
      const s = segments(t);
      [s[i], s[j]] = [s[j]!, s[i]!];
      return s.join('.');
    })),
    fc.tuple(index, fc.boolean()).map(([i, duplicate]) => named(`${duplicate ? 'duplicate' : 'drop'} segment ${i}`, (t) => {
      const s = segments(t);
      if (duplicate) s.splice(i, 0, s[i] ?? '');
      else s.splice(i, 1);
      return s.join('.');
    })),
  );
}

const HEADER_NAMES = ['alg', 'enc', 'zip', 'kid', 'typ', 'cty', 'epk', 'apu', 'apv', 'iv', 'tag', 'crit', 'p2s', 'p2c', 'jku', 'x5c', 'b64', 'extra', '__proto__'];
const ALG_VALUES = [...JWE_ALGORITHMS, ...JWE_ENCRYPTIONS, 'RSA1_5', 'PBES2-HS256+A128KW', 'none', 'HS256', 'RSA-OAEP-512', 'A128CBC', 'DEF', 'dir ', ''];

/** Edits of the protected header as JSON (members, values, the epk inside) and as text. */
function headerMutation(): fc.Arbitrary<Mutation> {
  const value = fc.oneof(fc.constantFrom<unknown>(...ALG_VALUES), fc.jsonValue({ maxDepth: 2 }));
  const edit = (label: string, change: (h: Record<string, unknown>) => string): Mutation => named(label, (t) => {
    const h = headerJson(t);
    return h === undefined ? t : withSegment(t, 0, b64(change({ ...h })));
  });
  return fc.oneof(
    fc.tuple(fc.constantFrom(...HEADER_NAMES), value).map(([name, v]) => edit(`header ${name} = ${JSON.stringify(v)}`, (h) => JSON.stringify({ ...h, [name]: v }))),
    fc.constantFrom(...HEADER_NAMES).map((name) => edit(`header without ${name}`, (h) => { delete h[name]; return JSON.stringify(h); })),
    fc.tuple(fc.constantFrom('kty', 'crv', 'x', 'y', 'd'), value).map(([name, v]) => edit(`header epk.${name} = ${JSON.stringify(v)}`, (h) => JSON.stringify({ ...h, epk: { ...(h.epk as object), [name]: v } }))),
    // The same members as other text: reordered, spaced, a duplicate member, a byte-order mark, trailing data.
    fc.constantFrom<(h: Record<string, unknown>, text: string) => string>(
      (h) => JSON.stringify(Object.fromEntries(Object.entries(h).reverse())),
      (h) => JSON.stringify(h, null, 1),
      (h, text) => `${text.slice(0, -1)},"alg":${JSON.stringify(h.alg === 'dir' ? 'A128KW' : 'dir')}}`,
      (_, text) => `\uFEFF${text}`,
      (_, text) => `${text} `,
      (_, text) => `${text}{}`,
      (_, text) => text.slice(0, -1),
    ).map((rewrite) => named(`header text rewritten: ${String(rewrite)}`, (t) => {
      const h = headerJson(t);
      return h === undefined ? t : withSegment(t, 0, b64(rewrite(h, decode(segments(t)[0]!).toString('utf8'))));
    })),
    fc.jsonValue({ maxDepth: 3 }).map((v) => named(`header = ${JSON.stringify(v)}`, (t) => withSegment(t, 0, b64(JSON.stringify(v) ?? 'null')))),
  );
}

function mutations(): fc.Arbitrary<Mutation[]> {
  return fc.array(fc.oneof(characterMutation(), segmentMutation(), headerMutation()), { minLength: 1, maxLength: 3 });
}

// ---------------------------------------------------------------------------------------------

interface Subject {
  label: string;
  token: string;
  key: JweKey;
  zip: boolean;
  decryptor: Decryptor;
}

const RSA = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as Jwk;
const P256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'jwk' }) as Jwk;
const X25519 = generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' }) as Jwk;

const SUBJECTS: { label: string; alg: JweAlgorithm; enc: JweEncryption; material: Uint8Array | Jwk; zip?: boolean }[] = [
  { label: 'dir + A256GCM', alg: 'dir', enc: 'A256GCM', material: new Uint8Array(randomBytes(32)) },
  { label: 'dir + A128GCM, compressed', alg: 'dir', enc: 'A128GCM', material: new Uint8Array(randomBytes(16)), zip: true },
  { label: 'A128KW + A128CBC-HS256', alg: 'A128KW', enc: 'A128CBC-HS256', material: new Uint8Array(randomBytes(16)) },
  { label: 'A192GCMKW + A192CBC-HS384', alg: 'A192GCMKW', enc: 'A192CBC-HS384', material: new Uint8Array(randomBytes(24)) },
  { label: 'RSA-OAEP + A192GCM', alg: 'RSA-OAEP', enc: 'A192GCM', material: RSA },
  { label: 'ECDH-ES+A192KW (P-256) + A256GCM', alg: 'ECDH-ES+A192KW', enc: 'A256GCM', material: P256 },
  { label: 'ECDH-ES (X25519) + A256CBC-HS512', alg: 'ECDH-ES', enc: 'A256CBC-HS512', material: X25519 },
];

type Outcome = 'accepted' | JwtError;

function settle(run: () => unknown): Promise<Outcome> {
  return new Promise<unknown>((resolve) => resolve(run())).then(
    () => 'accepted' as const,
    (error: unknown) => {
      if (!(error instanceof JwtError)) throw new Error(`not a JwtError: ${String(error)}`, { cause: error });
      expectNoInternalError(error);
      return error;
    },
  );
}

for (const backend of BACKENDS) {
  describe(`JWE decryption properties on the ${backend} backend`, () => {
    onBackend(backend);
    const subjects: Subject[] = [];

    beforeAll(async () => {
      for (const s of SUBJECTS) {
        const key = s.material instanceof Uint8Array ? encryptionKey(s.material, { alg: s.alg, enc: s.enc }) : await importEncryptionKey(s.material, { alg: s.alg, enc: s.enc });
        const zip = s.zip === true;
        const encryptTo = key.kind === 'private' ? publicEncryptionKeyOf(key) : key;
        const token = await createEncryptor({ key: encryptTo, expiresIn: 600, zip }).encrypt(CLAIMS);
        const decryptor = createDecryptor({ issuer: false, audience: false, key, zip, allowUnsigned: key.kind === 'private' });
        subjects.push({ label: s.label, token, key, zip, decryptor });
      }
    });

    /** Every decryption entry point, on the same input. */
    function outcomes(s: Subject, token: string): Promise<Outcome[]> {
      const runs: (() => unknown)[] = [
        () => compactDecrypt(token, s.key, { zip: s.zip }),
        () => decrypt(token, s.key, { issuer: false, audience: false, zip: s.zip, allowUnsigned: s.key.kind === 'private' }),
        () => s.decryptor.decrypt(token),
      ];
      // Synchronous decryption is a Node-backend feature (and inflating is asynchronous).
      if (backend === 'node' && !s.zip) runs.push(() => s.decryptor.decryptSync(token));
      return Promise.all(runs.map(settle));
    }

    for (const [n, s] of SUBJECTS.entries()) {
      it(`${s.label}: no mutation is accepted, every failure is a JwtError, none hangs`, async () => {
        const subject = subjects[n]!;
        // The twin: the untouched token opens through every entry point.
        expect(await outcomes(subject, subject.token)).toEqual((await outcomes(subject, subject.token)).map(() => 'accepted'));
        const payload = (await subject.decryptor.decrypt(subject.token)).payload;
        expect(payload).toMatchObject(CLAIMS);
        let changed = 0;
        await fc.assert(
          fc.asyncProperty(mutations(), async (edits) => {
            const mutated = edits.reduce((t, edit) => edit(t), subject.token);
            if (mutated !== subject.token) changed++;
            for (const result of await outcomes(subject, mutated)) {
              if (result === 'accepted') expect(mutated, 'a changed token was accepted').toBe(subject.token);
            }
          }),
          { seed: SEED + n, numRuns: RUNS, timeout: HANG_MS, interruptAfterTimeLimit: TIME_LIMIT_MS },
        );
        // Most runs really changed the token: the property was not vacuous.
        expect(changed).toBeGreaterThan(RUNS / 2);
      });
    }

    it('any JSON header over otherwise valid segments ends in a JwtError', async () => {
      const subject = subjects[2]!;
      const header = fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.dictionary(fc.constantFrom(...HEADER_NAMES), fc.oneof(fc.constantFrom<unknown>(...ALG_VALUES), fc.jsonValue({ maxDepth: 2 }))),
        fc.record({ alg: fc.constantFrom(...ALG_VALUES), enc: fc.constantFrom(...ALG_VALUES) }),
      );
      await fc.assert(
        fc.asyncProperty(header, async (h) => {
          const token = withSegment(subject.token, 0, b64(JSON.stringify(h) ?? 'null'));
          fc.pre(token !== subject.token);
          for (const result of await outcomes(subject, token)) expect(result).toBeInstanceOf(JwtError);
        }),
        { seed: SEED, numRuns: RUNS, timeout: HANG_MS, interruptAfterTimeLimit: TIME_LIMIT_MS },
      );
    });
  });
}
