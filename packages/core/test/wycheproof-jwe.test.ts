/**
 * Wycheproof's JOSE encryption vectors (C2SP/wycheproof, testvectors_v1/json_web_encryption_test.json),
 * on both backends, when the file is in ../shared/vectors/wycheproof/ (it is not committed here:
 * project policy). Every valid vector must decrypt to its exact plaintext, except those using
 * RSA1_5, which is refused on purpose (ERR_JWE_ALG_NOT_ALLOWED); every invalid vector must be
 * refused with a JwtError (never a crash, never success). Compressed plaintexts are read with
 * `zip` enabled, after checking that they are refused without it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compactDecrypt, importEncryptionKey, JwtError, type Jwk, type JweKey } from '../src/index.js';
import { BACKENDS, expectJwtError, expectNoInternalError, onBackend } from './helpers.js';

// The same layout as the RFC vectors (helpers.ts): shared/ sits beside the repository.
// WYCHEPROOF_VECTORS points elsewhere, e.g. at a checkout's testvectors_v1/.
const NAME = 'json_web_encryption_test.json';
const FILE = process.env.WYCHEPROOF_VECTORS ? new URL(NAME, pathToFileURL(`${process.env.WYCHEPROOF_VECTORS}/`)) : new URL(`../../../../shared/vectors/wycheproof/${NAME}`, import.meta.url);

interface WycheproofTest {
  tcId: number;
  comment: string;
  jwe: unknown;
  pt?: string;
  result: 'valid' | 'invalid' | 'acceptable';
  flags: string[];
}
interface WycheproofGroup {
  comment?: string;
  private: Jwk;
  tests: WycheproofTest[];
}

function headerOf(jwe: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(jwe.split('.')[0]!, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The group's key as a caller would import it; an RSA1_5 key is refused, so it is imported without its alg. */
async function groupKey(jwk: Jwk): Promise<JweKey> {
  if (jwk.alg !== 'RSA1_5') return importEncryptionKey(jwk);
  await expectJwtError(importEncryptionKey(jwk), 'ERR_JWE_ALG_NOT_ALLOWED');
  const { alg, ...rest } = jwk;
  void alg;
  return importEncryptionKey(rest as Jwk);
}

if (!existsSync(FILE)) {
  it.skip('Wycheproof JWE vectors: ../shared/vectors/wycheproof/json_web_encryption_test.json is absent (copy it from C2SP/wycheproof testvectors_v1/ to run them)', () => {});
} else {
  const suite = JSON.parse(readFileSync(FILE, 'utf8')) as { numberOfTests: number; testGroups: WycheproofGroup[] };

  for (const backend of BACKENDS) {
    describe(`Wycheproof JWE on the ${backend} backend`, () => {
      onBackend(backend);
      const counts = { decrypted: 0, refusedRsa15: 0, rejected: 0 };
      const codes = new Map<string, number>();
      afterAll(() => {
        console.log(`Wycheproof JWE (${backend}): ${suite.numberOfTests} vectors; valid decrypted ${counts.decrypted}, valid RSA1_5 refused ${counts.refusedRsa15}, invalid rejected ${counts.rejected} (${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')})`);
      });

      it('holds every test the file announces', () => {
        expect(suite.testGroups.reduce((n, g) => n + g.tests.length, 0)).toBe(suite.numberOfTests);
      });

      for (const group of suite.testGroups) {
        for (const t of group.tests) {
          it(`tcId ${t.tcId} ${t.comment} [${t.flags.join(', ')}]: ${t.result}`, async () => {
            const key = await groupKey(group.private);
            const jwe = typeof t.jwe === 'string' ? t.jwe : JSON.stringify(t.jwe);
            const header = headerOf(jwe);
            if (t.result === 'valid') {
              if (header?.alg === 'RSA1_5') {
                await expectJwtError(compactDecrypt(jwe, key), 'ERR_JWE_ALG_NOT_ALLOWED');
                counts.refusedRsa15++;
                return;
              }
              const zip = header?.zip !== undefined;
              if (zip) await expectJwtError(compactDecrypt(jwe, key), 'ERR_JWE_ALG_NOT_ALLOWED');
              const { plaintext } = await compactDecrypt(jwe, key, zip ? { zip: true } : {});
              expect(Buffer.from(plaintext).toString('hex')).toBe(t.pt);
              counts.decrypted++;
              return;
            }
            const error = await compactDecrypt(jwe, key, { zip: true }).then(() => undefined, (e: unknown) => e);
            expect(error, 'an invalid vector was accepted').toBeInstanceOf(JwtError);
            expectNoInternalError(error as JwtError);
            const code = (error as JwtError).code;
            codes.set(code, (codes.get(code) ?? 0) + 1);
            counts.rejected++;
          });
        }
      }
    });
  }
}
