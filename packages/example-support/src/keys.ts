/**
 * Turns the signing configuration into keys: one place to extend when more key sources exist,
 * so the service and the apps never branch on where keys come from.
 */
import { secretKey, type Jwk, type JwsAlgorithm, type JwtKey, type VerifyKey } from '@jwt/core';
import type { SigningConfig } from './config.js';

export interface ExampleKeys {
  /** Signs the tokens `/login` issues; undefined when this instance cannot issue tokens. */
  signingKey: JwtKey | undefined;
  /** What verification uses: a key, a key set or a remote provider. */
  verifyKey: VerifyKey;
  /** The only algorithms accepted. */
  algorithms: readonly JwsAlgorithm[];
  /** Public keys published at `/.well-known/jwks.json`; undefined: nothing to publish (404). */
  jwks: readonly Jwk[] | undefined;
}

export async function resolveKeys(signing: SigningConfig): Promise<ExampleKeys> {
  switch (signing.kind) {
    case 'secret': {
      // Bound to HS256 alone, so a token claiming HS384/HS512 with the same secret is refused.
      const key = secretKey(signing.secret, { alg: 'HS256' });
      return { signingKey: key, verifyKey: key, algorithms: ['HS256'], jwks: undefined };
    }
  }
}
