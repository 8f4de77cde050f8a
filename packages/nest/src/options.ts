import { Logger } from '@nestjs/common';
import {
  assertOptions,
  AUTHENTICATOR_OPTIONS,
  createAuthenticator,
  createSigner,
  importKey,
  isJwtKey,
  isKeyProvider,
  isKeyRing,
  JwtError,
  SIGNER_OPTIONS,
  type AccessTokenOptions,
  type AuthFailureHook,
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
   * What `JwtSignerService` signs with; without it the service refuses to sign. `expiresIn` is
   * required (`false` when every call passes its own `exp`), so a forgotten lifetime stops the
   * application at start-up, not at the first login. `key` defaults to the module's `key` when
   * that key can sign (an HMAC secret, a private key or a `KeyRing`); `issuer` and `audience`
   * default to the verification options when those are single strings, so issued tokens pass
   * this module's own guard.
   * @default undefined (JwtSignerService does not sign)
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

/** The rules of {@link JwtAuthOptions} (the core's, plus this module's own). */
export const JWT_AUTH_OPTION_RULES = { ...AUTHENTICATOR_OPTIONS, signOptions: 'object', permissionsClaim: '!string', refresh: '!object' };

const logger = new Logger('JwtAuthGuard');

/** Each refusal as one warning line: the code and the failing claim, never the token. */
const logFailure: AuthFailureHook = ({ code, reason, status }) => logger.warn(`request refused with ${status}: ${code} (${reason})`);

/** @internal */
export interface JwtAuthRuntime {
  authenticator: Authenticator;
  /** Undefined when no signing key is configured (a JWKS, a key set or a public key only). */
  signer: Signer | undefined;
  signDefaults: SignerOptions | undefined;
  /** The module's key (when it can sign), issuer and audience: the defaults under `signOptions`. */
  signBase: Partial<SignerOptions>;
  realm: string | undefined;
  permissionsClaim: string;
  /** Whether a token cookie is configured: without one, the guard reads no cookie header. */
  cookie: boolean;
  /** Told of each refusal; the Nest Logger unless the options say otherwise. */
  onFailure: AuthFailureHook;
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
  assertOptions(options, JWT_AUTH_OPTION_RULES, 'JwtAuthModule');
  const { signOptions, permissionsClaim = 'permissions', onFailure = logFailure, refresh: _refresh, ...authOptions } = options;
  if (signOptions !== undefined) {
    assertOptions(signOptions, SIGNER_OPTIONS, 'JwtAuthModule signOptions');
    if (signOptions.expiresIn === undefined && signOptions.requireExp !== false) {
      throw new JwtError('ERR_CONFIG_INVALID', {
        detail: "JwtAuthModule: signOptions.expiresIn is required, e.g. signOptions: { expiresIn: '15m' }; signOptions: { expiresIn: false } when every sign() call passes its own exp",
      });
    }
  }
  if (typeof permissionsClaim !== 'string' || permissionsClaim === '') {
    throw new JwtError('ERR_CONFIG_INVALID', { detail: 'permissionsClaim must be a non-empty string' });
  }
  // A raw key (string, PEM, JWK, KeyObject) is imported once so the verifier and the signer share it.
  // A JWKS URL is not key material: the authenticator turns it into a remote key set.
  const key = authOptions.key !== undefined && authOptions.key !== null && isRawKeyInput(authOptions.key) ? await importKey(authOptions.key) : authOptions.key;
  const authenticator = createAuthenticator({ ...authOptions, key, onFailure });

  // What the module's tokens are signed with by default, signOptions or not: refresh's access
  // side starts from it even when JwtSignerService is not configured.
  const signBase: Partial<SignerOptions> = {};
  if (canSign(key)) signBase.key = key;
  if (typeof authOptions.issuer === 'string') signBase.issuer = authOptions.issuer;
  if (typeof authOptions.audience === 'string') signBase.audience = authOptions.audience;
  let signDefaults: SignerOptions | undefined;
  const rawSignKey = signOptions?.key;
  const signKey = signOptions === undefined ? undefined : rawSignKey === undefined ? signBase.key : isKeyRing(rawSignKey) ? rawSignKey : await importKey(rawSignKey);
  if (signKey !== undefined) {
    signDefaults = { ...signOptions, key: signKey };
    if (signOptions?.issuer === undefined && signBase.issuer !== undefined) signDefaults.issuer = signBase.issuer;
    if (signOptions?.audience === undefined && signBase.audience !== undefined) signDefaults.audience = signBase.audience;
  } else if (signOptions !== undefined) {
    throw new JwtError('ERR_CONFIG_INVALID', {
      detail: 'signOptions needs a key: the verification key cannot sign (a public key, a key set, a JWKS or a resolver)',
    });
  }
  return {
    authenticator,
    signer: signDefaults === undefined ? undefined : createSigner(signDefaults),
    signDefaults,
    signBase,
    realm: authOptions.realm,
    permissionsClaim,
    cookie: authOptions.cookie !== undefined,
    onFailure,
  };
}
