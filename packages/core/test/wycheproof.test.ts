/**
 * Project Wycheproof's JOSE vectors (C2SP/wycheproof, testvectors_v1), on both crypto backends.
 * The files are not in this repository (no fetched data is committed): the pinned copies live in
 * ../shared/vectors/wycheproof/, or in the folder named by WYCHEPROOF_VECTORS. Without them each
 * file's block is a skipped test that says so, never a silent pass.
 *
 * One describe block per file. A vector is accepted when its key set imports and its signature
 * checks out (the JWS payloads are mostly not claims sets, so verify() then refuses them with
 * ERR_JWT_MALFORMED, after the signature); "valid" vectors must be accepted, "invalid" ones
 * refused with a JwtError. Where this library deliberately answers otherwise, DECISIONS says so
 * and the test asserts that answer, with its exact error code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isJwsAlgorithm } from '../src/common/algorithms.js';
import { decodeSegment, decodeSegmentText, isBase64url } from '../src/common/base64url.js';
import { verifyBytes } from '../src/keys/keys.js';
import { importJwk, isJwtError, keySet, verify, type Jwk, type JwtErrorCode, type JwtKeySet } from '../src/index.js';
import { BACKENDS, onBackend } from './helpers.js';

const DIR = process.env['WYCHEPROOF_VECTORS'] ?? fileURLToPath(new URL('../../../../shared/vectors/wycheproof/', import.meta.url));

interface WycheproofTest {
  tcId: number;
  comment: string;
  jws: string | object;
  result: 'valid' | 'invalid' | 'acceptable';
  flags?: string[];
}

interface WycheproofGroup {
  comment?: string;
  private?: Jwk | { keys: Jwk[] };
  public?: Jwk | { keys: Jwk[] };
  tests: WycheproofTest[];
}

/** Vectors this library answers otherwise on purpose: the answer it gives, and why. */
const DECISIONS: Record<string, { answer: 'accepted' | JwtErrorCode; why: string }> = {
  'json_web_key_test.json#1': {
    answer: 'accepted',
    why: 'a key set may mix an HMAC secret with public keys (a key ring migrating from HS256 to ES256 holds both); each key stays bound to its own algorithms, so no confusion follows',
  },
  'json_web_signature_test.json#346': {
    answer: 'ERR_JWS_ALG_NOT_ALLOWED',
    why: 'the JWK says alg PS256 and the token is PS384 (RFC 7520 figure 20): a JWK\'s alg binds the key (RFC 7517 section 4.4)',
  },
  'json_web_signature_test.json#347': {
    answer: 'ERR_JWS_ALG_UNSUPPORTED',
    why: 'the JWK names alg "ES521", which is no JWS algorithm (ES512 is): a JWK with an unknown alg is refused, as json_web_key_test.json #19 asks',
  },
  'json_web_signature_test.json#350': {
    answer: 'ERR_JWS_ALG_NOT_ALLOWED',
    why: 'as #346: the JWK says alg PS256 and the token is PS384',
  },
  'json_web_signature_test.json#351': {
    answer: 'ERR_JWS_ALG_UNSUPPORTED',
    why: 'as #347: the JWK names alg "ES521"',
  },
  'json_web_signature_test.json#367': {
    answer: 'accepted',
    why: 'the text of this vector is identical to the valid #357: the padding it describes is not in it',
  },
  'json_web_signature_test.json#370': {
    answer: 'accepted',
    why: 'the text of this vector is identical to the valid #357: the padding it describes is not in it',
  },
  'json_web_signature_test.json#372': {
    answer: 'ERR_JWT_MALFORMED',
    why: 'a "?" in the header segment is not base64url (RFC 7515 section 2): segments are decoded strictly, and the MAC is over the segment as sent',
  },
  'json_web_signature_test.json#373': {
    answer: 'ERR_JWT_MALFORMED',
    why: 'a "?" in the payload segment is not base64url (RFC 7515 section 2): segments are decoded strictly, and the MAC is over the segment as sent',
  },
};

const jwkList = (set: Jwk | { keys: Jwk[] }): Jwk[] => ('keys' in set && Array.isArray(set.keys) ? set.keys : [set as Jwk]);

/**
 * The signature check alone, for payloads that are no claims set: strict compact form, the key
 * set's candidates for the header, each key's own algorithm binding, then the signature.
 */
async function signatureAccepted(jws: unknown, set: JwtKeySet): Promise<boolean> {
  if (typeof jws !== 'string') return false;
  const parts = jws.split('.');
  if (parts.length !== 3 || !parts.every(isBase64url)) return false;
  let header: { alg?: unknown; kid?: unknown };
  try {
    header = JSON.parse(decodeSegmentText(parts[0]!)) as typeof header;
  } catch {
    return false;
  }
  const alg = header.alg;
  if (!isJwsAlgorithm(alg)) return false;
  for (const key of set.getKeys(header as never)) {
    if (key.allows(alg) && (await verifyBytes(key, alg, `${parts[0]}.${parts[1]}`, decodeSegment(parts[2]!)))) return true;
  }
  return false;
}

type Outcome = { accepted: true } | { accepted: false; code: JwtErrorCode | 'not a JwtError' };

async function run(group: WycheproofGroup, test: WycheproofTest): Promise<Outcome> {
  const refused = (error: unknown): Outcome => ({ accepted: false, code: isJwtError(error) ? error.code : 'not a JwtError' });
  let set: JwtKeySet;
  try {
    set = keySet(await Promise.all(jwkList((group.public ?? group.private)!).map((jwk) => importJwk(jwk))));
  } catch (error) {
    return refused(error);
  }
  const token = typeof test.jws === 'string' ? test.jws : JSON.stringify(test.jws);
  try {
    await verify(token, set, { issuer: false, audience: false, requireExp: false });
    return { accepted: true };
  } catch (error) {
    // Refused only as no claims set, after a good signature: accepted as a JWS.
    if (isJwtError(error, 'ERR_JWT_MALFORMED') && (await signatureAccepted(test.jws, set))) return { accepted: true };
    return refused(error);
  }
}

/**
 * The vectors of one file, each with its group; when the file is absent, a skipped test saying
 * so is registered instead and the result is undefined. For every runner of this file (JWE too).
 */
function loadVectors<G extends { tests: T[] }, T>(file: string): Array<{ group: G; test: T }> | undefined {
  const path = join(DIR, file);
  if (!existsSync(path)) {
    it.skip(`NOT RUN: the pinned Wycheproof file ${file} is not present in ../shared/vectors/wycheproof (or WYCHEPROOF_VECTORS)`, () => {});
    return undefined;
  }
  const data = JSON.parse(readFileSync(path, 'utf8')) as { numberOfTests: number; testGroups: G[] };
  const cases = data.testGroups.flatMap((group) => group.tests.map((test) => ({ group, test })));
  it('holds every vector its header announces', () => {
    expect(cases.length).toBe(data.numberOfTests);
  });
  return cases;
}

/** JWK and JWS files: a key set, and compact tokens to verify with it. */
function signatureVectors(file: string): void {
  const cases = loadVectors<WycheproofGroup, WycheproofTest>(file);
  if (cases === undefined) return;

  describe.each(BACKENDS)('on the %s backend', (backend) => {
    onBackend(backend);
    it.each(cases.map(({ group, test }) => [`#${test.tcId} ${test.result}: ${test.comment}`, group, test] as const))('%s', async (_title, group, test) => {
      const outcome = await run(group, test);
      const decision = DECISIONS[`${file}#${test.tcId}`];
      if (decision !== undefined) {
        // The deliberate answer, exactly: a change of behaviour here must be a decision too.
        expect(outcome.accepted ? 'accepted' : outcome.code, decision.why).toBe(decision.answer);
        return;
      }
      if (test.result === 'valid') expect(outcome).toEqual({ accepted: true });
      else if (test.result === 'invalid') expect(outcome.accepted ? 'accepted' : outcome.code).not.toMatch(/^(accepted|not a JwtError)$/);
      // "acceptable" vectors may go either way, but never with anything but a JwtError.
      else if (!outcome.accepted) expect(outcome.code).not.toBe('not a JwtError');
    });
  });
}

describe('Wycheproof JSON Web Key vectors (json_web_key_test.json)', () => {
  signatureVectors('json_web_key_test.json');
});

describe('Wycheproof JSON Web Signature vectors (json_web_signature_test.json)', () => {
  signatureVectors('json_web_signature_test.json');
});
