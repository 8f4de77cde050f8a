/**
 * Refresh tokens in Nest: `JwtRefreshService`, configured by `JwtAuthModule`'s `refresh` option
 * and built on the module's signing defaults and revocation store, so its access tokens pass the
 * module's own guard and a session it ends is refused by that guard. The core does the work
 * (`createRefreshTokens`); this file wires it into Nest's injector and exceptions.
 */
import { HttpException, Inject, Injectable } from '@nestjs/common';
import {
  createRefreshTokens,
  JwtError,
  refreshErrorResponse,
  type AccessTokenOptions,
  type JwtClaims,
  type JwtErrorCode,
  type RefreshErrorResponse,
  type RefreshTokens,
  type RevocationStore,
  type TokenPair,
} from '@jwt/core';
import { JWT_AUTH_OPTIONS, JWT_AUTH_RUNTIME, type JwtAuthOptions, type JwtAuthRuntime } from './options.js';

export type { JwtRefreshOptions } from './options.js';

/** A refused exchange: `401 {"error":"invalid_grant"}`, or 503 `temporarily_unavailable` while a store is out of reach. */
export class JwtRefreshException extends HttpException {
  /** The `@jwt/core` error code behind the refusal, e.g. `ERR_REFRESH_REUSED`. */
  readonly code: JwtErrorCode;

  constructor(answer: RefreshErrorResponse, cause?: unknown) {
    super(answer.body, answer.status, cause === undefined ? {} : { cause });
    this.code = answer.code;
  }

  override getResponse(): RefreshErrorResponse['body'] {
    return super.getResponse() as RefreshErrorResponse['body'];
  }
}

function build(options: JwtAuthOptions, runtime: JwtAuthRuntime): RefreshTokens | undefined {
  const refresh = options.refresh;
  if (refresh === undefined) return undefined;
  if (typeof refresh !== 'object' || refresh === null) throw new JwtError('ERR_CONFIG_INVALID', { detail: 'refresh must be an object' });
  const { access: accessOverrides, revocation = options.revocation, ...rest } = refresh;
  const access = { ...runtime.signBase, ...runtime.signDefaults, ...accessOverrides } as AccessTokenOptions;
  if (access.key === undefined) {
    throw new JwtError('ERR_CONFIG_INVALID', { detail: 'refresh needs a signing key: the module verifies with a public key, a key set or a JWKS; set signOptions.key' });
  }
  return createRefreshTokens({ ...rest, access, revocation: revocation as RevocationStore });
}

/**
 * Issues the pair at login, exchanges refresh tokens (each once: reuse ends the session) and ends
 * sessions at logout. Failed exchanges reject with {@link JwtRefreshException}, which Nest answers
 * as `401 {"error":"invalid_grant"}`.
 * @example
 * constructor(private readonly refresh: JwtRefreshService) {}
 * @Public() @Post('refresh') exchange(@Body() body: { refreshToken: string }) { return this.refresh.exchange(body.refreshToken) }
 */
@Injectable()
export class JwtRefreshService {
  readonly #tokens: RefreshTokens | undefined;

  constructor(@Inject(JWT_AUTH_OPTIONS) options: JwtAuthOptions, @Inject(JWT_AUTH_RUNTIME) runtime: JwtAuthRuntime) {
    // Built at bootstrap: a configuration mistake stops the application before the first request.
    this.#tokens = build(options, runtime);
  }

  /** Login: a new session's first pair. `claims` need a string `sub`; `options.issuedAt` dates it at the password check. */
  issue(claims: JwtClaims & { sub: string }, options?: { issuedAt?: number }): Promise<TokenPair> {
    return this.#use((tokens) => tokens.issue(claims, options));
  }

  /** Exchanges a refresh token for a new pair; rejects with {@link JwtRefreshException}. */
  exchange(refreshToken: string): Promise<TokenPair> {
    return this.#use((tokens) =>
      tokens.exchange(refreshToken).catch((error: unknown) => {
        throw new JwtRefreshException(refreshErrorResponse(error), error);
      }),
    );
  }

  /** Logout of a whole session: every refresh and access token carrying `sid` is refused. */
  endSession(sid: string): Promise<void> {
    return this.#use((tokens) => tokens.endSession(sid));
  }

  #use<T>(run: (tokens: RefreshTokens) => Promise<T>): Promise<T> {
    if (this.#tokens === undefined) {
      return Promise.reject(new JwtError('ERR_CONFIG_INVALID', { detail: 'JwtRefreshService is not configured: set the refresh option of JwtAuthModule' }));
    }
    return run(this.#tokens);
  }
}
