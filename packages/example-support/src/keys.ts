/**
 * Turns the signing configuration into keys: one place to extend when more key sources exist,
 * so the service and the apps never branch on where keys come from.
 */
import {
  exportJwk,
  importKey,
  isJwtError,
  remoteJwks,
  secretKey,
  thumbprintKid,
  type Jwk,
  type JwsAlgorithm,
  type JwtKey,
  type VerifyKey,
} from '@jwt/core';
import { ConfigError, type SigningConfig } from './config.js';

/**
 * What a token verified through `JWKS_URL` may be signed with: the algorithms an example app signs
 * with when it has a key file. The keys' own binding (their `alg`, their type) narrows it further.
 */
export const JWKS_ALGORITHMS: readonly JwsAlgorithm[] = Object.freeze(['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA']);

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
      let key: JwtKey;
      try {
        // Bound to HS256 alone, so a token claiming HS384/HS512 with the same secret is refused.
        key = secretKey(signing.secret, { alg: 'HS256' });
      } catch (error) {
        // The core refuses text that is a key (a PEM, a JWK) as a secret; its message names the
        // reason and never the secret.
        throw new ConfigError(`JWT_SECRET is not usable as an HS256 secret (${reason(error)})`);
      }
      return { signingKey: key, verifyKey: key, algorithms: ['HS256'], jwks: undefined };
    }
    case 'private-key': {
      let imported: JwtKey;
      try {
        imported = await importKey(signing.pem);
      } catch (error) {
        // The core's messages are fixed texts that never contain key material.
        throw new ConfigError(`JWT_PRIVATE_KEY_FILE does not hold a usable key (${reason(error)}): ${signing.file}`);
      }
      if (imported.kind !== 'private') {
        throw new ConfigError(`JWT_PRIVATE_KEY_FILE must hold a PEM private key (RSA, EC P-256/384/521 or Ed25519): ${signing.file}`);
      }
      // One algorithm per key type (RSA: RS256; EC: by curve; Ed25519: EdDSA), and only that one is
      // accepted. The kid is the key's thumbprint, the same on every instance loading this file.
      const alg = imported.allows('RS256') ? 'RS256' : imported.algorithms[0]!;
      const key = await thumbprintKid(await importKey(imported, { alg }));
      return { signingKey: key, verifyKey: key, algorithms: [alg], jwks: [await exportJwk(key)] };
    }
    case 'jwks': {
      try {
        const jwks = remoteJwks(signing.url, { algorithms: JWKS_ALGORITHMS });
        return { signingKey: undefined, verifyKey: jwks, algorithms: JWKS_ALGORITHMS, jwks: undefined };
      } catch (error) {
        throw new ConfigError(`JWKS_URL is not usable: ${reason(error)}`);
      }
    }
  }
}

function reason(error: unknown): string {
  return isJwtError(error) ? error.message : 'unrecognised key';
}
