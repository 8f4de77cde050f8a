import {
  createAuthenticator,
  createSigner,
  importKey,
  isJwtKey,
  isKeyProvider,
  isKeyRing,
  JwtError,
  type AccessTokenOptions,
  type Authenticator,
  type AuthenticatorOptions,
  type JwtClaims,
  type JwtKey,
  type KeyInput,
  type KeyRing,
  type RefreshTokensOptions,
  type RevocationStore,
  type Signer,
  type SignerOptions,
  type VerifyKey,
} from '@jwt/core';

/** Injection token of the options given to `JwtAuthModule.forRoot()` or returned by `forRootAsync()`'s factory. */
// Registered symbols: when an app loads both the ESM and the CommonJS build (a dual-package
// install), both copies must name the same providers or injection fails.
export const JWT_AUTH_OPTIONS = Symbol.for('@jwt/nest:JWT_AUTH_OPTIONS');
/** @internal The verifier, signer and settings built once from the options. */
export const JWT_AUTH_RUNTIME = Symbol.for('@jwt/nest:JWT_AUTH_RUNTIME');

export interface JwtAuthOptions<T extends JwtClaims = JwtClaims> extends AuthenticatorOptions<T> {
  /**
   * Remember verified tokens, so that a client sending the same token with every request has it
   * verified once. `exp`, `nbf`, the other claims and `revocation` are still checked on every
   * request, and at most `max` tokens are kept (only ones that verified). Cached claims are frozen
   * and shared by the requests presenting the same token: copy `request.user` (what `@Claims()` gives) before changing it.
   * A malformed value throws ERR_CONFIG_INVALID at bootstrap.
   * @default false (`true` keeps up to 1000 tokens)
   * @example JwtAuthModule.forRoot({ key, issuer: 'auth', audience: 'api', revocation: store, cache: true })
   */
  cache?: boolean | { max?: number };
  /**
   * Defaults for `JwtSignerService`. `key` defaults to the module's `key` when that key can sign
   * (an HMAC secret, a private key or a `KeyRing`); `issuer` and `audience` default to the verification
   * options when those are single strings, so issued tokens pass this module's own guard.
   * @default undefined (tokens get `iat`, plus `iss`/`aud` as above; pass `expiresIn`)
   * @example signOptions: { expiresIn: '15m', jwtId: true }
   */
  signOptions?: Partial<SignerOptions>;
  /**
   * The claim `@RequirePermissions()` reads: an array of strings, or a space-separated string.
   * @default 'permissions'
   * @example permissionsClaim: 'scope'
   */
  permissionsClaim?: string;
  /**
   * Refresh tokens through `JwtRefreshService`: lifetimes, store, absolute session lifetime. The
   * access side defaults to `signOptions`, the revocation store to `revocation`.
   * @default undefined (JwtRefreshService refuses to work)
   * @example refresh: { refresh: { expiresIn: '14d' }, absoluteLifetime: '30d' }
   */
  refresh?: JwtRefreshOptions;
}

/** The `refresh` option of `JwtAuthModule`: the core's options, with the access side taken from the module. */
export interface JwtRefreshOptions extends Omit<RefreshTokensOptions, 'access' | 'revocation'> {
  /**
   * Access-token signing, over the module's signing defaults (its key, `signOptions`, issuer and
   * audience). `expiresIn` is required here or in `signOptions`.
   * @default the module's signing defaults
   * @example access: { expiresIn: '15m' }
   */
  access?: Partial<AccessTokenOptions>;
  /**
   * Where sessions are ended; must implement `revokeSession`.
   * @default the module's `revocation` option
   * @example revocation: new RedisRevocationStore({ url: process.env.REDIS_URL })
   */
  revocation?: RevocationStore;
}

/** @internal */
export interface JwtAuthRuntime {
  authenticator: Authenticator;
  /** Undefined when no signing key is configured (a JWKS, a key set or a public key only). */
  signer: Signer | undefined;
  signDefaults: SignerOptions | undefined;
  realm: string | undefined;
  permissionsClaim: string;
  /** Whether a token cookie is configured: without one, the guard reads no cookie header. */
  cookie: boolean;
}

/** A JWKS location, which the core fetches keys from; the same test as the core's verifier. */
function isJwksUrl(key: VerifyKey): boolean {
  return key instanceof URL || (typeof key === 'string' && /^\s*https?:\/\//i.test(key));
}

function isRawKeyInput(key: VerifyKey): key is KeyInput {
  if (isJwksUrl(key)) return false;
  if (typeof key === 'string' || key instanceof Uint8Array) return true;
  return typeof key === 'object' && key !== null && !isJwtKey(key) && !isKeyProvider(key);
}

function canSign(key: VerifyKey): key is JwtKey | KeyRing {
  return isKeyRing(key) || (isJwtKey(key) && key.kind !== 'public');
}

/**
 * Builds everything the guard and the signer use, once, when the module starts: a bad key or
 * option stops the application at bootstrap instead of failing the first request.
 */
export async function createJwtAuthRuntime(options: JwtAuthOptions): Promise<JwtAuthRuntime> {
  if (typeof options !== 'object' || options === null) {
    throw new JwtError('ERR_CONFIG_INVALID', { detail: 'JwtAuthModule needs an options object with a key' });
  }
  const { signOptions, permissionsClaim = 'permissions', refresh: _refresh, ...authOptions } = options;
  if (typeof permissionsClaim !== 'string' || permissionsClaim === '') {
    throw new JwtError('ERR_CONFIG_INVALID', { detail: 'permissionsClaim must be a non-empty string' });
  }
  // A raw key (string, PEM, JWK, KeyObject) is imported once so the verifier and the signer share it.
  // A JWKS URL is not key material: the authenticator turns it into a remote key set.
  const key = authOptions.key !== undefined && authOptions.key !== null && isRawKeyInput(authOptions.key) ? await importKey(authOptions.key) : authOptions.key;
  const authenticator = createAuthenticator({ ...authOptions, key });

  let signDefaults: SignerOptions | undefined;
  const rawSignKey = signOptions?.key;
  const signKey = rawSignKey === undefined ? (canSign(key) ? key : undefined) : isKeyRing(rawSignKey) ? rawSignKey : await importKey(rawSignKey);
  if (signKey !== undefined) {
    signDefaults = { ...signOptions, key: signKey };
    if (signOptions?.issuer === undefined && typeof authOptions.issuer === 'string') signDefaults.issuer = authOptions.issuer;
    if (signOptions?.audience === undefined && typeof authOptions.audience === 'string') signDefaults.audience = authOptions.audience;
  } else if (signOptions !== undefined) {
    throw new JwtError('ERR_CONFIG_INVALID', {
      detail: 'signOptions needs a key: the verification key cannot sign (a public key, a key set, a JWKS or a resolver)',
    });
  }
  return {
    authenticator,
    signer: signDefaults === undefined ? undefined : createSigner(signDefaults),
    signDefaults,
    realm: authOptions.realm,
    permissionsClaim,
    cookie: authOptions.cookie !== undefined,
  };
}
