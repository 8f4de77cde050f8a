/**
 * Everything the example apps do that does not depend on the framework: the answers of every route
 * of `EXAMPLE_APPS.md`, and the options each app hands to its `@jwt/*` adapter. An app only reads
 * the request, calls one method here and writes the {@link ExampleResponse} back, so the three apps
 * answer identically to the byte.
 */
import {
  authErrorResponse,
  createRefreshTokens,
  refreshErrorResponse,
  type AccessTokenOptions,
  type AuthenticatorOptions,
  type JwtClaims,
  type RefreshTokens,
  type RevocationStore,
  type TokenPair,
} from '@jwt/core';
import { ConfigError, type ExampleConfig } from './config.js';
import { isJsonContentType, MAX_BODY_BYTES, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, parseFields, REALM, TOKEN_COOKIE } from './contract.js';
import { resolveKeys } from './keys.js';
import { createRevocation } from './revocation.js';
import { UserStore } from './users.js';


/** The claims of a verified token as the apps see them: `sub` is always a string. */
export type ExampleClaims = JwtClaims & { sub: string };

/** A framework-independent HTTP answer. `body` undefined means no body (204). */
export interface ExampleResponse {
  status: number;
  body?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** The adapter options every app passes to `jwt()` / `JwtAuthModule`. Every route using them needs a token. */
export type ExampleAuthOptions = Omit<AuthenticatorOptions<ExampleClaims>, 'optional'> & { realm: string; cookie: string };

export interface ExampleService {
  readonly config: ExampleConfig;
  /** Options for the framework adapter: key, algorithms, claim checks, cookie, realm, revocation. */
  readonly auth: ExampleAuthOptions;
  readonly revocation: RevocationStore;
  /** `GET /health` */
  health(): ExampleResponse;
  /**
   * `POST /login` with the raw request body and its `Content-Type` header. An empty body is no
   * body: it is never refused for its media type (it is not JSON either: 400).
   */
  login(rawBody: string, contentType: string | undefined): Promise<ExampleResponse>;
  /** `GET /me` for verified claims. */
  me(claims: ExampleClaims): ExampleResponse;
  /** `GET /admin` once the `admin` permission has been checked. */
  admin(): ExampleResponse;
  /** `POST /refresh` with the raw request body and its `Content-Type`: a new pair for a refresh token, which is used up. */
  refresh(rawBody: string, contentType: string | undefined): Promise<ExampleResponse>;
  /** `POST /logout`: revokes this token until its expiry, and its login session (`sid`). */
  logout(claims: ExampleClaims): Promise<ExampleResponse>;
  /**
   * `POST /password` with the raw request body and its `Content-Type`: checks the current
   * password, stores the new one, and revokes every token of the user issued up to the change.
   */
  changePassword(claims: ExampleClaims, rawBody: string, contentType: string | undefined): Promise<ExampleResponse>;
  /** `GET /.well-known/jwks.json` */
  jwks(): ExampleResponse;
  /** Releases what the service holds (store connections). */
  close(): Promise<void>;
}

export const INVALID_REQUEST: ExampleResponse = Object.freeze({ status: 400, body: { error: 'invalid_request' } });
export const PAYLOAD_TOO_LARGE: ExampleResponse = Object.freeze({ status: 413, body: { error: 'invalid_request' } });
export const NOT_FOUND: ExampleResponse = Object.freeze({ status: 404, body: { error: 'not_found' } });
export const UNSUPPORTED_MEDIA_TYPE: ExampleResponse = Object.freeze({ status: 415, body: { error: 'unsupported_media_type' } });
const INVALID_CREDENTIALS: ExampleResponse = Object.freeze({ status: 401, body: { error: 'invalid_credentials' } });
const WRONG_CURRENT_PASSWORD: ExampleResponse = Object.freeze({ status: 403, body: { error: 'invalid_credentials' } });
const NO_CONTENT: ExampleResponse = Object.freeze({ status: 204 });

/**
 * The answer to give instead of parsing a JSON body, if any: 413 past the size limit, 415 for a
 * body that is not `application/json`. An empty body is no body and passes (the JSON parse then
 * refuses it with 400), so a POST without one is never refused for its media type.
 */
function bodyRefusal(rawBody: string, contentType: string | undefined): ExampleResponse | undefined {
  if (typeof rawBody !== 'string') return INVALID_REQUEST;
  if (rawBody.length > MAX_BODY_BYTES) return PAYLOAD_TOO_LARGE;
  if (rawBody !== '' && !isJsonContentType(contentType)) return UNSUPPORTED_MEDIA_TYPE;
  return undefined;
}

/** The RFC 6750 answer for a token-related failure, in the adapters' exact format. */
export function authFailure(error: unknown): ExampleResponse {
  const r = authErrorResponse(error, { realm: REALM });
  return { status: r.status, body: r.body, headers: { 'WWW-Authenticate': r.wwwAuthenticate } };
}

export interface ExampleServiceOptions {
  /** The user store; defaults to the demo users. */
  users?: UserStore;
}

/**
 * Builds the service: hashes the demo users' passwords, prepares keys and the revocation store.
 * @example
 * const service = await createExampleService(loadConfig(process.env, { defaultPort: 3000 }))
 * app.use('/me', jwt(service.auth))
 */
export async function createExampleService(config: ExampleConfig, options: ExampleServiceOptions = {}): Promise<ExampleService> {
  // Keys first: a refused key stops the start before a Redis connection exists that nobody would
  // close (it would keep the process alive after the error).
  const keys = await resolveKeys(config.signing);
  const [revocation, users] = await Promise.all([createRevocation(config), options.users ?? UserStore.create()]);
  const access: AccessTokenOptions | undefined =
    keys.signingKey === undefined
      ? undefined
      : {
          key: keys.signingKey,
          issuer: config.issuer,
          audience: config.audience,
          expiresIn: config.ttl,
          jwtId: true,
          // Whole-second `iat` and `exp`: each login passes its own `issuedAt` (see login below).
        };
  const store = revocation.store;
  // Refresh tokens are addressed to the issuer (this app), access tokens to the API audience; the
  // two must differ (same key), also when JWT_ISSUER and JWT_AUDIENCE are set alike.
  const refreshAudience = config.issuer === config.audience ? `${config.issuer}#refresh` : config.issuer;
  let sessions: RefreshTokens | undefined;
  try {
    sessions =
      access === undefined
        ? undefined
        : createRefreshTokens({ access, refresh: { audience: refreshAudience, expiresIn: config.refreshTtl }, revocation: store, store: revocation.refresh, clockTolerance: config.clockTolerance });
  } catch (error) {
    await revocation.close();
    throw new ConfigError(`refresh tokens cannot be issued: ${error instanceof Error ? error.message : 'invalid configuration'}`);
  }
  const pairBody = (pair: TokenPair): Record<string, unknown> => ({
    token: pair.accessToken,
    tokenType: pair.tokenType,
    expiresIn: pair.expiresIn,
    refreshToken: pair.refreshToken,
    refreshExpiresIn: pair.refreshExpiresIn,
  });

  const auth: ExampleAuthOptions = {
    key: keys.verifyKey,
    algorithms: keys.algorithms,
    issuer: config.issuer,
    audience: config.audience,
    clockTolerance: config.clockTolerance,
    requiredClaims: ['sub'],
    revocation: store,
    realm: REALM,
    cookie: TOKEN_COOKIE,
  };

  return {
    config,
    auth,
    revocation: store,

    health: () => ({ status: 200, body: { status: 'ok' } }),

    async login(rawBody, contentType) {
      if (sessions === undefined) return NOT_FOUND;
      const refused = bodyRefusal(rawBody, contentType);
      if (refused !== undefined) return refused;
      const fields = parseFields(rawBody, ['username', 'password']);
      if (fields === undefined) return INVALID_REQUEST;
      if (fields.password.length > MAX_PASSWORD_LENGTH) return INVALID_CREDENTIALS;
      const login = await users.authenticate(fields.username, fields.password);
      if (login === undefined) return INVALID_CREDENTIALS;
      const { user, authenticatedAt } = login;
      // Issued at the second the password was checked, not at signing: a password change after
      // that check revokes this second, so a token won with the old password is refused even if
      // it is signed after the change (the user store makes logins wait out a change's second).
      let pair: TokenPair;
      try {
        pair = await sessions.issue({ sub: user.username, username: user.username, permissions: [...user.permissions] }, { issuedAt: Math.floor(authenticatedAt / 1000) });
      } catch (error) {
        // The session store full or out of reach: no session can be recorded, so none is opened
        // (its tokens would be refused anyway while the revocation store is unreachable).
        const answer = refreshErrorResponse(error);
        if (answer.status === 503) return { status: 503, body: answer.body };
        throw error;
      }
      return { status: 200, body: pairBody(pair) };
    },

    async refresh(rawBody, contentType) {
      if (sessions === undefined) return NOT_FOUND;
      const refused = bodyRefusal(rawBody, contentType);
      if (refused !== undefined) return refused;
      const fields = parseFields(rawBody, ['refreshToken']);
      if (fields === undefined) return INVALID_REQUEST;
      try {
        return { status: 200, body: pairBody(await sessions.exchange(fields.refreshToken)) };
      } catch (error) {
        const answer = refreshErrorResponse(error);
        return { status: answer.status, body: answer.body };
      }
    },

    me: (claims) => ({ status: 200, body: { ...claims } }),

    admin: () => ({ status: 200, body: { ok: true } }),

    async logout(claims) {
      try {
        await store.revokeToken(claims);
        // Tokens signed elsewhere with the shared secret may carry no session.
        if (sessions !== undefined && typeof claims.sid === 'string') await sessions.endSession(claims.sid);
      } catch (error) {
        // A token without `jti` or `exp` cannot be revoked on its own: say so rather than pretend.
        return authFailure(error);
      }
      return NO_CONTENT;
    },

    async changePassword(claims, rawBody, contentType) {
      const refused = bodyRefusal(rawBody, contentType);
      if (refused !== undefined) return refused;
      const fields = parseFields(rawBody, ['currentPassword', 'newPassword']);
      if (fields === undefined || fields.newPassword.length < MIN_PASSWORD_LENGTH || fields.newPassword.length > MAX_PASSWORD_LENGTH) return INVALID_REQUEST;
      if (fields.currentPassword.length > MAX_PASSWORD_LENGTH) return WRONG_CURRENT_PASSWORD;
      const change = await users.changePassword(claims.sub, fields.currentPassword, fields.newPassword);
      if (!change.ok) return change.reason === 'unknown_user' ? { status: 404, body: { error: 'unknown_user' } } : WRONG_CURRENT_PASSWORD;
      // The cutoff is the instant the new hash was stored: every login that read the old hash
      // took its time before it, so every token won with the old password is covered.
      try {
        await store.revokeSubject(claims.sub, change.changedAt);
      } catch (error) {
        // A shared store out of reach (ERR_REVOCATION_UNAVAILABLE): the change holds on this
        // instance only, and the client must not believe its old tokens are dead everywhere.
        return authFailure(error);
      }
      return NO_CONTENT;
    },

    jwks: () => (keys.jwks === undefined ? NOT_FOUND : { status: 200, body: { keys: keys.jwks } }),

    close: () => revocation.close(),
  };
}
