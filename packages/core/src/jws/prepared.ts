/**
 * Signing and verification with prepared keys only: the sign/verify functions of `@jwt/core/lite`.
 * They run the very signer and verification pipeline of the main entry (sign.ts, verify.ts); only
 * the reading of the `key` option differs. Raw key input (text, bytes, JWK objects, KeyObject,
 * CryptoKey, JWKS URLs) is refused at construction instead of being imported, so a bundle built on
 * this entry carries no PEM, DER, KeyObject or CryptoKey import and no JWKS client.
 */
import type { JwtClaims } from './claims.js';
import { configError } from '../common/errors.js';
import { authenticatorWith, type Authenticator, type AuthenticatorOptions } from '../http/http.js';
import type { JwtKey } from '../keys/keys.js';
import { signerWith, signWith, type SignOptions, type Signer, type SignerOptions } from './sign.js';
import { verifierWith, verifyWith, type PreparedVerifyKey, type Verifier, type VerifierOptions, type VerifyOptions, type VerifyResult } from './verify.js';

/** The options of `createSigner()` in `@jwt/core/lite`: the key is a prepared {@link JwtKey}. */
export type PreparedSignerOptions = SignerOptions<JwtKey>;
/** The options of `createVerifier()` in `@jwt/core/lite`: the key is prepared, a provider or a resolver. */
export type PreparedVerifierOptions<T = JwtClaims> = VerifierOptions<T, PreparedVerifyKey>;
/** The options of `createAuthenticator()` in `@jwt/core/lite`. */
export type PreparedAuthenticatorOptions<T = JwtClaims> = AuthenticatorOptions<T, PreparedVerifyKey>;

const PREPARE = 'prepare the key with secretKey(), importJwk() or generateKeyPair(), or use @jwt/core to pass PEM text, raw secrets, JWK objects, KeyObject, CryptoKey or';

function signingKeyRefused(): never {
  throw configError(`@jwt/core/lite signs with a JwtKey only: ${PREPARE} a key ring`);
}

function verificationKeyRefused(): never {
  throw configError(`@jwt/core/lite verifies with a JwtKey, a key set or provider, or a resolver function only: ${PREPARE} a JWKS URL`);
}

/**
 * Builds a reusable signer: key and header prepared once. The key is a {@link JwtKey}.
 * @example
 * const signer = createSigner({ key: secretKey(env.JWT_SECRET), issuer: 'auth', expiresIn: '15m' })
 * const token = await signer.sign({ sub: 'kevin' })
 */
export function createSigner(options: PreparedSignerOptions): Signer {
  return signerWith(options, signingKeyRefused);
}

/**
 * Signs a claims set as a compact JWS with a {@link JwtKey}. An expiry is required: pass
 * `expiresIn` or an `exp` claim.
 * @example const token = await sign({ sub: 'kevin' }, key, { expiresIn: '15m' })
 */
export function sign(claims: JwtClaims, key: JwtKey, options: SignOptions = {}): Promise<string> {
  return signWith(claims, key, options, signingKeyRefused);
}

/**
 * Builds a reusable verifier: options compiled once, header parsing cached. The key is a
 * {@link JwtKey}, a key set or provider (`keySet()`, or `remoteJwks()` from `@jwt/core`), or a
 * resolver `(header) => key(s)`.
 * @example
 * const verifier = createVerifier({ key: secretKey(env.JWT_SECRET), issuer: 'auth', audience: 'api' })
 * const { payload } = await verifier.verify(token)
 */
export function createVerifier<T = JwtClaims>(options: PreparedVerifierOptions<T>): Verifier<T & JwtClaims> {
  return verifierWith(options, verificationKeyRefused);
}

/**
 * Verifies a JWS-compact JWT and validates its claims. `exp` is required by default.
 * @example const { payload } = await verify<{ permissions: string[] }>(token, key, { audience: 'api' })
 */
export function verify<T = JwtClaims>(token: string, key: PreparedVerifyKey, options: VerifyOptions<T>): Promise<VerifyResult<T & JwtClaims>> {
  return verifyWith(token, key, options, verificationKeyRefused);
}

/**
 * The request-authentication flow of the adapters (extract, verify, map failures to RFC 6750),
 * over this entry's verifier.
 * @example const auth = createAuthenticator({ key, issuer: 'auth', audience: 'api' })
 */
export function createAuthenticator<T = JwtClaims>(options: PreparedAuthenticatorOptions<T>): Authenticator<T & JwtClaims> {
  return authenticatorWith(options, createVerifier<T>);
}
