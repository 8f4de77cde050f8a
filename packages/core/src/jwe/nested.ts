/**
 * The seam between verification and JWE. verify.ts reaches nested-token decryption through here
 * instead of importing jwe.ts, so an app that never decrypts does not bundle any JWE code (about
 * half of the core's minified size). Decrypting needs a JweKey, and the JweKey constructor
 * (jwe-keys.ts) installs the decryption pipeline before the first key exists.
 */
import { configError } from '../common/errors.js';
import type { JweKey } from './jwe-keys.js';
import type { MaybePromise } from '../common/maybe-promise.js';

export interface NestedDecryptionOptions {
  decryptionKey?: JweKey | readonly JweKey[];
  requireEncryption?: boolean;
  maxTokenLength?: number;
}

export type NestedDecryptionFactory = (options: NestedDecryptionOptions) => ((token: string) => MaybePromise<string>) | undefined;

let factory: NestedDecryptionFactory | undefined;

/** @internal Called by every JweKey constructor. */
export function provideNestedDecryption(install: NestedDecryptionFactory): void {
  factory = install;
}

/**
 * @internal For the verifier: turns a nested token into the signed token inside it (see
 * jwe.ts `nestedDecryption`). Undefined when no decryption key is configured.
 */
export function nestedDecryption(options: NestedDecryptionOptions): ((token: string) => MaybePromise<string>) | undefined {
  if (factory !== undefined) return factory(options);
  // No JweKey was ever made, so whatever was passed as decryptionKey is not one; the checks and
  // messages are those of jwe.ts.
  const { decryptionKey, requireEncryption } = options;
  if (requireEncryption !== undefined && typeof requireEncryption !== 'boolean') throw configError('requireEncryption must be a boolean');
  if (decryptionKey !== undefined) throw configError('encryption takes a JweKey from encryptionKey(), importEncryptionKey() or generateEncryptionKeyPair()');
  if (requireEncryption === true) throw configError('requireEncryption needs a decryptionKey');
  return undefined;
}
