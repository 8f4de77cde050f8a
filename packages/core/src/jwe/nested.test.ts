/**
 * The seam that keeps JWE out of bundles that only verify signatures: before any JweKey exists it
 * answers on its own (with jwe.ts's checks and messages); once one is made, the real decryption
 * pipeline is behind it.
 */
import { describe, expect, it } from 'vitest';
import { JwtError } from '../common/errors.js';
import { generateEncryptionKey } from './jwe-keys.js';
import { nestedDecryption } from './nested.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof JwtError ? error.code : `not a JwtError: ${String(error)}`;
  }
  return undefined;
}

describe('nestedDecryption', () => {
  // Runs first: vitest gives each test file its own module instances, and nothing here has made a JweKey yet.
  it('before any JweKey exists: nothing to decrypt with, and configuration mistakes still throw', () => {
    expect(nestedDecryption({})).toBeUndefined();
    expect(nestedDecryption({ requireEncryption: false })).toBeUndefined();
    expect(codeOf(() => nestedDecryption({ requireEncryption: true }))).toBe('ERR_CONFIG_INVALID');
    expect(codeOf(() => nestedDecryption({ requireEncryption: 'yes' as never }))).toBe('ERR_CONFIG_INVALID');
    // Not a JweKey (none can exist yet): refused at construction, as jwe.ts refuses it.
    expect(codeOf(() => nestedDecryption({ decryptionKey: { kind: 'secret' } as never }))).toBe('ERR_CONFIG_INVALID');
  });

  it('once a JweKey is made, the JWE pipeline answers: signed tokens pass, or are refused when encryption is required', () => {
    const key = generateEncryptionKey();
    const signed = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
    const lenient = nestedDecryption({ decryptionKey: key });
    expect(typeof lenient).toBe('function');
    expect(lenient!(signed)).toBe(signed);
    const strict = nestedDecryption({ decryptionKey: key, requireEncryption: true });
    expect(codeOf(() => strict!(signed))).toBe('ERR_JWE_ALG_NOT_ALLOWED');
    // A five-segment token is handed to the decryption pipeline, which refuses this garbage.
    expect(codeOf(() => nestedDecryption({ decryptionKey: key })!('a.b.c.d.e'))).toBe('ERR_JWT_MALFORMED');
    expect(nestedDecryption({})).toBeUndefined();
  });
});
