/**
 * Property-based tests of the verify path, on both backends and for HS256, RS256, ES256 and
 * EdDSA. Three promises are checked on every generated input:
 *
 * - verification settles (a per-call deadline, generous: this is "it answers", not a speed claim);
 * - it fails only with a JwtError, and never with an internal error wrapped as ERR_JWT_MALFORMED;
 * - its answer is the one an independent oracle written here gives: a damaged token is never
 *   accepted, and a re-signed one is accepted exactly when its header and claims are valid.
 *
 * Runs are seeded (FUZZ_SEED overrides the seed, FUZZ_RUNS multiplies the run counts for a deeper
 * local search) and sized so the whole file stays well under 20 s on a loaded CI machine.
 * fast-check prints the seed and path of any counterexample to replay it.
 */
import { createHmac, createPrivateKey, createPublicKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import * as fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createVerifier,
  decodeUnverified,
  DEFAULT_MAX_TOKEN_LENGTH,
  exportJwk,
  generateKeyPair,
  JWS_ALGORITHMS,
  JwtError,
  secretKey,
  type JwtKey,
  type Verifier,
  type VerifyResult,
} from '../src/index.js';
import { b64, BACKENDS, expectNoInternalError, onBackend, SECRET } from './helpers.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x14_2026);
const SCALE = Math.max(1, Number(process.env.FUZZ_RUNS ?? 1));
const runs = (n: number) => ({ seed: SEED, numRuns: Math.round(n * SCALE) });
/** Per call. Far above any real verification (well under 10 ms): only a hang reaches it. */
const CALL_DEADLINE_MS = 5_000;

/** Half a second into a second: a verifier that floored the clock would answer differently. */
const NOW = 1_700_000_000.5;
const clock = () => NOW * 1000;
const ISSUER = 'fuzz';
const AUDIENCE = 'api';
const MAX_DEPTH = 32;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

type Alg = 'HS256' | 'RS256' | 'ES256' | 'EdDSA';
const ALGS: readonly Alg[] = ['HS256', 'RS256', 'ES256', 'EdDSA'];

interface Fixture {
  alg: Alg;
  verifier: Verifier;
  /** Signs a signing input the way a holder of the key would, whatever the header says. */
  signInput(input: string): string;
  /** Public texts of the verifying key (JWK JSON, SPKI PEM): what key confusion would HMAC with. */
  publicTexts: readonly string[];
  /** The header and claims of the valid token every property starts from. */
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  token: string;
}

type Outcome = { accepted: true; result: VerifyResult } | { accepted: false; error: JwtError };

// ---------------------------------------------------------------------------------------------
// The oracle: what a correct verifier answers, written independently of src/.

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Container nesting, the root counting as 1; undefined when a `__proto__` member appears anywhere. */
function nesting(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return 0;
  let deepest = 0;
  if (!Array.isArray(value) && Object.hasOwn(value, '__proto__')) return undefined;
  for (const item of Object.values(value)) {
    const d = nesting(item);
    if (d === undefined) return undefined;
    deepest = Math.max(deepest, d);
  }
  return deepest + 1;
}

/** JSON text as RFC 7519 section 4 allows a parser to read it: the lexically last duplicate member wins. */
function readJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function wellFormed(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const depth = nesting(value);
  return depth !== undefined && depth <= MAX_DEPTH;
}

const optionalString = (v: unknown) => v === undefined || typeof v === 'string';
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function headerValid(header: unknown, alg: Alg): boolean {
  if (!wellFormed(header)) return false;
  return header.alg === alg && optionalString(header.kid) && optionalString(header.typ) && optionalString(header.cty) && header.crit === undefined && header.b64 === undefined;
}

/** `tolerance` in milliseconds; times compared exactly, in milliseconds, as RFC 7519 4.1.4 reads. */
function claimsValid(claims: unknown, tolerance = 0): boolean {
  if (!wellFormed(claims)) return false;
  const { exp, nbf, iat, iss, aud, sub, jti } = claims;
  const nowMs = NOW * 1000;
  if (!finite(exp) || exp * 1000 <= nowMs - tolerance) return false;
  if (nbf !== undefined && (!finite(nbf) || nbf * 1000 > nowMs + tolerance)) return false;
  if (iat !== undefined && (!finite(iat) || iat * 1000 > nowMs + tolerance)) return false;
  if (iss !== ISSUER || !optionalString(sub) || !optionalString(jti)) return false;
  if (typeof aud === 'string') return aud === AUDIENCE;
  return Array.isArray(aud) && aud.every((a) => typeof a === 'string') && aud.includes(AUDIENCE);
}

/** Whether a token made of these texts, correctly signed for `alg`, must verify. */
function mustVerify(token: string, headerText: string, claimsText: string, alg: Alg): boolean {
  return token.length <= DEFAULT_MAX_TOKEN_LENGTH && headerValid(readJson(headerText), alg) && claimsValid(readJson(claimsText));
}

// ---------------------------------------------------------------------------------------------
// Running the verifier under the three promises.

async function outcome(verifier: Verifier, token: string): Promise<Outcome> {
  let pending: Promise<VerifyResult>;
  try {
    pending = verifier.verify(token);
  } catch (error) {
    throw new Error('verify() threw instead of rejecting', { cause: error });
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), CALL_DEADLINE_MS);
  });
  try {
    const settled = await Promise.race([
      pending.then(
        (result): Outcome => ({ accepted: true, result }),
        (error: unknown): Outcome => {
          if (!(error instanceof JwtError)) throw new Error(`not a JwtError: ${String(error)}`, { cause: error });
          expectNoInternalError(error);
          return { accepted: false, error };
        },
      ),
      deadline,
    ]);
    if (settled === 'hung') throw new Error(`verify() did not settle within ${CALL_DEADLINE_MS} ms`);
    return settled;
  } finally {
    clearTimeout(timer);
  }
}

/** verifySync must give the same answer as verify() where it can run (Node backend, local keys). */
function syncAgrees(verifier: Verifier, token: string, expected: Outcome): void {
  try {
    const result = verifier.verifySync(token);
    expect(expected.accepted, 'verifySync accepted what verify refused').toBe(true);
    if (expected.accepted) expect(result.payload).toEqual(expected.result.payload);
  } catch (error) {
    if (!(error instanceof JwtError)) throw new Error(`verifySync threw a non-JwtError: ${String(error)}`, { cause: error });
    expectNoInternalError(error);
    if (error.code === 'ERR_CONFIG_INVALID') return; // a step that must wait (WebCrypto)
    expect(expected.accepted, 'verifySync refused what verify accepted').toBe(false);
    if (!expected.accepted) expect(error.code).toBe(expected.error.code);
  }
}

/** The verdict for a token assembled from these texts, checked against the oracle both ways. */
async function expectVerdict(f: Fixture, token: string, headerText: string, claimsText: string, signed: boolean, sync: boolean): Promise<void> {
  const result = await outcome(f.verifier, token);
  const expected = signed && mustVerify(token, headerText, claimsText, f.alg);
  expect(result.accepted, `accepted ${token.slice(0, 120)}`).toBe(expected);
  if (result.accepted) {
    // Accepted: exactly the claims that were signed, nothing reshaped.
    expect(result.result.payload).toEqual(readJson(claimsText));
    expect(result.result.header).toEqual(readJson(headerText));
  }
  if (sync) syncAgrees(f.verifier, token, result);
}

// ---------------------------------------------------------------------------------------------
// Generators.

type Edit = (token: string) => string;

const oddChar = fc.oneof(
  fc.constantFrom(...BASE64URL.split('')),
  fc.constantFrom('.', '=', '+', '/', ' ', '%', '\n', '\u0000', 'é', '\uFFFD', '\uD800'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

/** Replaces segment `i` (mod the segment count) with what `fn` makes of it. */
const inSegment = (i: number, fn: (segment: string) => string): Edit => (t) => {
  const segments = t.split('.');
  const which = i % segments.length;
  segments[which] = fn(segments[which]!);
  return segments.join('.');
};

/** Damage as transport, truncation or an attacker would do it, anywhere or inside one segment. */
const textEdit: fc.Arbitrary<Edit> = fc.oneof(
  fc.tuple(fc.nat(), oddChar).map(([i, c]): Edit => (t) => { const p = i % t.length; return t.slice(0, p) + c + t.slice(p + 1); }),
  fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 8 })).map(([i, s]): Edit => (t) => { const p = i % (t.length + 1); return t.slice(0, p) + s + t.slice(p); }),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 16 })).map(([i, n]): Edit => (t) => { const p = i % t.length; return t.slice(0, p) + t.slice(p + n); }),
  fc.nat().map((i): Edit => (t) => t.slice(0, i % t.length)),
  // Inside one segment: flip, insert or delete a character, or empty it.
  fc.tuple(fc.nat(), fc.nat(), oddChar).map(([s, i, c]) => inSegment(s, (seg) => { const p = i % (seg.length + 1); return seg.slice(0, p) + c + seg.slice(p + 1); })),
  fc.tuple(fc.nat(), fc.nat(), oddChar).map(([s, i, c]) => inSegment(s, (seg) => { const p = i % (seg.length + 1); return seg.slice(0, p) + c + seg.slice(p); })),
  fc.tuple(fc.nat(), fc.nat()).map(([s, i]) => inSegment(s, (seg) => { const p = i % (seg.length + 1); return seg.slice(0, p) + seg.slice(p + 1); })),
  fc.nat().map((s) => inSegment(s, () => '')),
  // Segments swapped, repeated or dropped.
  fc.constantFrom([1, 0, 2], [0, 2, 1], [2, 1, 0], [1, 2, 0], [2, 0, 1], [0, 0, 2], [0, 1, 1], [0, 1], [0, 1, 2, 2], [0, 2]).map(
    (order): Edit => (t) => { const s = t.split('.'); return order.map((i) => s[i] ?? '').join('.'); },
  ),
  // A bit-level change inside one segment, re-encoded canonically: only the signature can catch it.
  fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([s, i, x]) =>
    inSegment(s, (seg) => {
      const bytes = Buffer.from(seg, 'base64url');
      if (bytes.length === 0) return seg;
      bytes[i % bytes.length]! ^= x;
      return bytes.toString('base64url');
    }),
  ),
);

/**
 * A time near NOW, to the millisecond: whole seconds on either side and fractions within the
 * current second, where a verifier that floored or rounded the clock would answer differently.
 */
const timeValue: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -3, max: 3 }).map((s) => Math.floor(NOW) + s),
  fc.integer({ min: -1500, max: 1500 }).map((ms) => (Math.round(NOW * 1000) + ms) / 1000),
);

/** A JSON text for a member value: any JSON, odd numbers, huge strings, deep nesting. */
const oddValue: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
  fc.constantFrom('null', 'true', 'false', '0', '-0', '1e308', '-1e308', '1e400', '5e-324', '[]', '{}', '""', '"9999999999"', '[9999999999]', '{"__proto__":{}}'),
  fc.double().map((d) => (Number.isFinite(d) ? JSON.stringify(d) : 'null')),
  timeValue.map(String),
  fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 6_000, max: 12_000 })).map((n) => JSON.stringify('x'.repeat(n))),
  fc.tuple(fc.integer({ min: 1, max: 60 }), fc.boolean()).map(([n, arrays]) => (arrays ? '['.repeat(n) + '1' + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n))),
);

/** A member name: a registered one (header or claim), `__proto__`, or anything. */
const memberName = fc.oneof(
  fc.constantFrom('alg', 'kid', 'typ', 'cty', 'crit', 'b64', 'jku', 'x5u', 'jwk', 'exp', 'nbf', 'iat', 'iss', 'aud', 'sub', 'jti', '__proto__', 'constructor'),
  fc.string({ maxLength: 8 }),
);

/**
 * An altered JSON object text: members of the original kept, dropped, replaced, duplicated
 * (the later one wins) or added, written out by hand so duplicates and `__proto__` survive.
 */
function alteredObject(original: Record<string, unknown>): fc.Arbitrary<string> {
  const members = Object.entries(original).map(([k, v]) => [k, JSON.stringify(v)] as const);
  const change = fc.oneof(
    fc.tuple(fc.constant('set-time' as const), fc.constantFrom('exp', 'nbf', 'iat'), timeValue),
    fc.tuple(fc.constant('drop' as const), fc.nat()),
    fc.tuple(fc.constant('set' as const), fc.nat(), oddValue),
    fc.tuple(fc.constant('add' as const), memberName, oddValue),
    fc.tuple(fc.constant('duplicate' as const), fc.nat(), oddValue, fc.boolean()),
  );
  return fc.array(change, { minLength: 0, maxLength: 3 }).map((changes) => {
    let list: (readonly [string, string])[] = [...members];
    for (const c of changes) {
      if (c[0] === 'set-time') {
        const i = list.findIndex(([name]) => name === c[1]);
        if (i === -1) list.push([c[1], String(c[2])]);
        else list[i] = [c[1], String(c[2])];
        continue;
      }
      if (list.length === 0 && c[0] !== 'add') continue;
      if (c[0] === 'drop') list.splice(c[1] % list.length, 1);
      else if (c[0] === 'set') { const i = c[1] % list.length; list[i] = [list[i]![0], c[2]]; }
      else if (c[0] === 'add') list.push([c[1], c[2]]);
      else {
        const [name] = list[c[1] % list.length]!;
        // Before or after the original: which one a parser keeps decides the answer.
        list = c[3] ? [[name, c[2]], ...list] : [...list, [name, c[2]]];
      }
    }
    return `{${list.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  });
}

// ---------------------------------------------------------------------------------------------

async function fixtureFor(alg: Alg): Promise<Fixture> {
  let signInput: (input: string) => string;
  let verifying: JwtKey;
  let publicTexts: string[] = [];
  if (alg === 'HS256') {
    verifying = secretKey(SECRET, { alg: 'HS256' });
    signInput = (input) => createHmac('sha256', SECRET).update(input).digest('base64url');
  } else {
    const pair = await generateKeyPair(alg);
    verifying = pair.publicKey;
    const priv: KeyObject = createPrivateKey({ key: (await exportJwk(pair.privateKey, { includePrivate: true })) as never, format: 'jwk' });
    const spki = createPublicKey(priv).export({ type: 'spki', format: 'pem' }) as string;
    publicTexts = [JSON.stringify(await exportJwk(pair.publicKey)), spki, spki.trim()];
    const hash = alg === 'EdDSA' ? null : 'sha256';
    signInput = (input) => nodeSign(hash, Buffer.from(input), alg === 'ES256' ? { key: priv, dsaEncoding: 'ieee-p1363' } : priv).toString('base64url');
  }
  const header = { alg, typ: 'JWT' };
  const claims = { sub: 'alice', iss: ISSUER, aud: AUDIENCE, exp: NOW + 600, iat: NOW - 5, permissions: ['read'] };
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  const token = `${input}.${signInput(input)}`;
  // No `algorithms` option: the key's own binding must refuse every other alg.
  const verifier = createVerifier({ key: verifying, issuer: ISSUER, audience: AUDIENCE, clock });
  return { alg, verifier, signInput, publicTexts, header, claims, token };
}

describe.each(BACKENDS)('verify-path properties on the %s backend', (backend) => {
  onBackend(backend);
  const sync = backend === 'node';

  const fixtures = {} as Record<Alg, Fixture>;
  beforeAll(async () => {
    for (const alg of ALGS) fixtures[alg] = await fixtureFor(alg);
  });

  it.each(ALGS)('%s: the untouched token verifies, with exactly its claims (the no-op twin)', async (alg) => {
    const f = fixtures[alg];
    await expectVerdict(f, f.token, JSON.stringify(f.header), JSON.stringify(f.claims), true, sync);
    expect(mustVerify(f.token, JSON.stringify(f.header), JSON.stringify(f.claims), alg)).toBe(true);
  });

  it.each(ALGS)('%s: no edit of the token text verifies unless it leaves the token unchanged', async (alg) => {
    const f = fixtures[alg];
    await fc.assert(
      fc.asyncProperty(fc.array(textEdit, { minLength: 1, maxLength: 3 }), async (edits) => {
        const mutated = edits.reduce((t, edit) => edit(t), f.token);
        const result = await outcome(f.verifier, mutated);
        expect(result.accepted).toBe(mutated === f.token);
        if (sync) syncAgrees(f.verifier, mutated, result);
      }),
      runs(300),
    );
  });

  it.each(ALGS)('%s: altered header or claims JSON, re-signed or not, verifies exactly when valid and signed', async (alg) => {
    const f = fixtures[alg];
    await fc.assert(
      fc.asyncProperty(alteredObject(f.header), alteredObject(f.claims), fc.boolean(), async (headerText, claimsText, resign) => {
        const input = `${b64(headerText)}.${b64(claimsText)}`;
        const original = f.token.slice(0, f.token.lastIndexOf('.'));
        // Not re-signed: the original signature, which still matches when nothing changed.
        const token = `${input}.${resign ? f.signInput(input) : f.token.slice(f.token.lastIndexOf('.') + 1)}`;
        await expectVerdict(f, token, headerText, claimsText, resign || input === original, sync);
      }),
      runs(300),
    );
  });

  it.each(ALGS)('%s: header attacks (alg none or swapped, the public key as an HMAC secret) never verify', async (alg) => {
    const f = fixtures[alg];
    const otherAlg = fc.oneof(fc.constantFrom(...JWS_ALGORITHMS, 'none', 'None', 'NONE', 'nOnE', 'HS256 ', '', 'dir', 'RSA-OAEP'), fc.string({ maxLength: 6 }));
    await fc.assert(
      fc.asyncProperty(otherAlg, fc.constantFrom('resigned', 'empty', 'hmac-public', 'hmac-empty'), async (headerAlg, signature) => {
        const headerText = JSON.stringify({ ...f.header, alg: headerAlg });
        const input = `${b64(headerText)}.${b64(JSON.stringify(f.claims))}`;
        let sig: string;
        if (signature === 'resigned') sig = f.signInput(input);
        else if (signature === 'empty') sig = '';
        else {
          // Key confusion: an HMAC keyed with the public key's text, or with nothing at all.
          for (const material of signature === 'hmac-empty' ? [''] : f.publicTexts) {
            const token = `${input}.${createHmac('sha256', material).update(input).digest('base64url')}`;
            expect((await outcome(f.verifier, token)).accepted).toBe(false);
          }
          sig = createHmac('sha256', '').update(input).digest('base64url');
        }
        const token = `${input}.${sig}`;
        const result = await outcome(f.verifier, token);
        // Only the key's own alg, correctly signed, can verify.
        const valid = headerAlg === alg && signature === 'resigned';
        expect(result.accepted).toBe(valid);
        if (sync) syncAgrees(f.verifier, token, result);
      }),
      runs(100),
    );
  });

  it('time claims around now, to the millisecond and with any tolerance, verify exactly when current', async () => {
    const f = fixtures.HS256;
    const verifiers = new Map<number, Verifier>();
    const verifierWith = (tolerance: number) => {
      let v = verifiers.get(tolerance);
      if (v === undefined) verifiers.set(tolerance, (v = createVerifier({ key: secretKey(SECRET, { alg: 'HS256' }), issuer: ISSUER, audience: AUDIENCE, clock, clockTolerance: tolerance / 1000 })));
      return v;
    };
    const times = fc.record({ exp: timeValue, nbf: timeValue, iat: timeValue }, { requiredKeys: ['exp'] });
    await fc.assert(
      fc.asyncProperty(times, fc.constantFrom(0, 1, 250, 500, 1000, 1500), async (t, tolerance) => {
        const claimsText = JSON.stringify({ iss: ISSUER, aud: AUDIENCE, ...t });
        const headerText = JSON.stringify(f.header);
        const input = `${b64(headerText)}.${b64(claimsText)}`;
        const token = `${input}.${f.signInput(input)}`;
        const result = await outcome(verifierWith(tolerance), token);
        expect(result.accepted, claimsText).toBe(claimsValid(readJson(claimsText), tolerance));
        if (sync) syncAgrees(verifierWith(tolerance), token, result);
      }),
      runs(300),
    );
  });

  it('random strings never verify and never throw anything but a JwtError', async () => {
    const f = fixtures.HS256;
    const tokenish = fc.array(fc.oneof(fc.constantFrom(...BASE64URL.split('')), fc.constant('.')), { maxLength: 200 }).map((cs) => cs.join(''));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), tokenish), async (input) => {
        expect((await outcome(f.verifier, input)).accepted).toBe(false);
        let decoded: ReturnType<typeof decodeUnverified> | JwtError;
        try {
          decoded = decodeUnverified(input);
        } catch (error) {
          if (!(error instanceof JwtError)) throw new Error(`decodeUnverified threw a non-JwtError: ${String(error)}`, { cause: error });
          decoded = error;
        }
        // Decoding succeeds only for three segments holding two JSON objects.
        const parts = input.split('.');
        const readable = parts.length === 3 && parts.every((p, i) => i === 2 || isObject(readJson(Buffer.from(p, 'base64url').toString('utf8'))));
        if (!readable) expect(decoded).toBeInstanceOf(JwtError);
        else if (!(decoded instanceof JwtError)) expect(isObject(decoded.header) && isObject(decoded.payload)).toBe(true);
        else expect(decoded.code).toBe('ERR_JWT_MALFORMED');
      }),
      runs(300),
    );
  });

  it('any JSON as header and payload, correctly signed, verifies exactly when the oracle says so', async () => {
    const f = fixtures.HS256;
    const header = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      { arbitrary: fc.dictionary(memberName, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }).map((extra) => ({ ...extra, alg: 'HS256' })), weight: 4 },
    );
    const payload = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      {
        arbitrary: fc.record(
          {
            // Weighted towards valid values, so that one odd member decides the answer.
            exp: fc.oneof({ arbitrary: timeValue, weight: 4 }, fc.double(), fc.integer(), fc.jsonValue({ maxDepth: 1 })),
            nbf: fc.oneof({ arbitrary: timeValue, weight: 4 }, fc.jsonValue({ maxDepth: 1 })),
            iss: fc.oneof({ arbitrary: fc.constant(ISSUER), weight: 4 }, fc.string(), fc.jsonValue({ maxDepth: 1 })),
            aud: fc.oneof({ arbitrary: fc.constantFrom(AUDIENCE, [AUDIENCE, 'x']), weight: 4 }, fc.string(), fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(AUDIENCE))), fc.jsonValue({ maxDepth: 1 })),
            sub: fc.oneof({ arbitrary: fc.string(), weight: 3 }, fc.jsonValue({ maxDepth: 1 })),
          },
          { requiredKeys: ['exp', 'iss', 'aud'] },
        ),
          weight: 4,
      },
    );
    await fc.assert(
      fc.asyncProperty(header, payload, async (h, p) => {
        const headerText = JSON.stringify(h);
        const claimsText = JSON.stringify(p);
        const input = `${b64(headerText)}.${b64(claimsText)}`;
        await expectVerdict(f, `${input}.${f.signInput(input)}`, headerText, claimsText, true, sync);
      }),
      runs(400),
    );
  });
});

