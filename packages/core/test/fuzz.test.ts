/**
 * Property-based tests: no mutation of a valid token verifies, and no input of any shape makes
 * verification throw anything but a JwtError. Run counts are moderate so the suite stays fast;
 * fast-check prints the seed of any failure, to replay it.
 */
import * as fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, decodeUnverified, generateKeyPair, JwtError, secretKey, sign, type JwtKey, type Verifier } from '../src/index.js';
import { BACKENDS, craftHs, expectNoInternalError, nowSeconds, onBackend, SECRET } from './helpers.js';

const RUNS = 300;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

type Mutation = (token: string) => string;

/** Arbitrary edits of a token: the kinds of damage transport, truncation or an attacker cause. */
function mutation(): fc.Arbitrary<Mutation> {
  const ch = fc.oneof(
    fc.constantFrom(...BASE64URL.split('')),
    fc.constantFrom('.', '=', '+', '/', ' ', '%', '\n', '\u0000', 'é', '\uFFFD'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  );
  const at = fc.nat();
  return fc.oneof(
    fc.tuple(at, ch).map(([i, c]): Mutation => (t) => { const p = i % t.length; return t.slice(0, p) + c + t.slice(p + 1); }),
    fc.tuple(at, fc.string({ minLength: 1, maxLength: 8 })).map(([i, s]): Mutation => (t) => { const p = i % (t.length + 1); return t.slice(0, p) + s + t.slice(p); }),
    fc.tuple(at, fc.integer({ min: 1, max: 16 })).map(([i, n]): Mutation => (t) => { const p = i % t.length; return t.slice(0, p) + t.slice(p + n); }),
    at.map((i): Mutation => (t) => t.slice(0, i % t.length)),
    fc.constantFrom<[number, number, number]>([1, 0, 2], [0, 2, 1], [2, 1, 0], [1, 2, 0], [2, 0, 1], [0, 0, 2], [0, 1, 1]).map(
      (order): Mutation => (t) => { const s = t.split('.'); return order.map((i) => s[i]).join('.'); },
    ),
    fc.tuple(at, fc.integer({ min: 1, max: 255 })).map(([i, x]): Mutation => (t) => {
      // A bit-level change inside one segment, re-encoded canonically: only the signature can catch it.
      const segs = t.split('.');
      const which = i % segs.length;
      const bytes = Buffer.from(segs[which]!, 'base64url');
      if (bytes.length === 0) return t;
      const k = i % bytes.length;
      bytes[k] = bytes[k]! ^ x;
      segs[which] = bytes.toString('base64url');
      return segs.join('.');
    }),
  );
}

async function outcome(verifier: Verifier, token: string): Promise<'verified' | JwtError> {
  try {
    await verifier.verify(token);
    return 'verified';
  } catch (error) {
    if (error instanceof JwtError) {
      expectNoInternalError(error);
      return error;
    }
    throw new Error(`not a JwtError: ${String(error)}`, { cause: error });
  }
}

describe.each(BACKENDS)('properties on the %s backend', (backend) => {
  onBackend(backend);

  const keys: Record<'HS256' | 'ES256' | 'EdDSA', { signing: JwtKey; verifying: JwtKey }> = {} as never;
  beforeAll(async () => {
    const hs = secretKey(SECRET);
    keys.HS256 = { signing: hs, verifying: hs };
    const es = await generateKeyPair('ES256');
    keys.ES256 = { signing: es.privateKey, verifying: es.publicKey };
    const ed = await generateKeyPair('EdDSA');
    keys.EdDSA = { signing: ed.privateKey, verifying: ed.publicKey };
  });

  it.each(['HS256', 'ES256', 'EdDSA'] as const)('no mutation of a valid %s token verifies, and every failure is a JwtError', async (alg) => {
    const { signing, verifying } = keys[alg];
    const token = await sign({ sub: 'alice', permissions: ['read'] }, signing, { expiresIn: 600, issuer: 'fuzz' });
    const verifier = createVerifier({ key: verifying, issuer: 'fuzz' });
    expect(await outcome(verifier, token)).toBe('verified');
    await fc.assert(
      fc.asyncProperty(fc.array(mutation(), { minLength: 1, maxLength: 3 }), async (edits) => {
        const mutated = edits.reduce((t, edit) => edit(t), token);
        fc.pre(mutated !== token);
        const result = await outcome(verifier, mutated);
        expect(result).not.toBe('verified');
      }),
      { numRuns: RUNS },
    );
  });

  it('random strings never throw anything but a JwtError', async () => {
    const verifier = createVerifier({ key: keys.HS256.verifying });
    const tokenish = fc
      .array(fc.oneof(fc.constantFrom(...BASE64URL.split('')), fc.constant('.')), { maxLength: 200 })
      .map((cs) => cs.join(''));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), tokenish), async (input) => {
        expect(await outcome(verifier, input)).toBeInstanceOf(JwtError);
        try {
          decodeUnverified(input);
        } catch (error) {
          expect(error).toBeInstanceOf(JwtError);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('any JSON as header and payload, correctly signed, ends in a claims object or a JwtError', async () => {
    const verifier = createVerifier({ key: keys.HS256.verifying, requireExp: false });
    const header = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })).map((extra) => ({ ...extra, alg: 'HS256' })),
    );
    const payload = fc.oneof(
      fc.jsonValue(),
      fc.record({
        exp: fc.oneof(fc.double(), fc.integer(), fc.constant(nowSeconds() + 60), fc.jsonValue({ maxDepth: 1 })),
        aud: fc.oneof(fc.string(), fc.array(fc.oneof(fc.string(), fc.integer())), fc.jsonValue({ maxDepth: 1 })),
        iss: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })),
      }, { requiredKeys: [] }),
    );
    await fc.assert(
      fc.asyncProperty(header, payload, async (h, p) => {
        const token = craftHs(JSON.stringify(h) ?? 'null', JSON.stringify(p) ?? 'null');
        const result = await outcome(verifier, token);
        if (result === 'verified') {
          expect(typeof p === 'object' && p !== null && !Array.isArray(p)).toBe(true);
          expect((h as { alg?: unknown }).alg).toBe('HS256');
        }
      }),
      { numRuns: RUNS },
    );
  });
});
