/**
 * Hono middleware over the core's authenticator. Translation only: the core reads the token,
 * verifies it and chooses the RFC 6750 answer; this file reads Hono's request, puts the claims on
 * the context and writes the answer back. `jwt()` is made by {@link jwtMiddleware} from the
 * authenticator of one entry of the core: `@jwt/core` (index.ts) or `@jwt/core/lite` (lite.ts).
 * Everything here is in both, so this file imports its values from `@jwt/core/lite`.
 */
import type { AuthenticatorOptions, VerifyKey } from '@jwt/core';
import {
  assertOptions,
  AUTHENTICATOR_OPTIONS,
  authErrorResponse,
  reportFailure,
  JwtError,
  requirePermissionsOf,
  type AuthErrorResponse,
  type AuthFailureHook,
  type Authenticator,
  type JwtClaims,
  type PermissionOptions,
} from '@jwt/core/lite';
import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';

/** What `jwt()` puts on the context. */
export interface JwtVariables<T = JwtClaims> {
  /** The verified claims. */
  jwt: T;
  /** The raw token, for forwarding it to another service. */
  jwtToken: string;
}

/**
 * The Hono environment of routes behind `jwt()`: `c.var.jwt` is the verified claims.
 * @example
 * const app = new Hono<Env<{ sub: string; permissions: string[] }>>()
 * app.get('/me', jwt({ key }), (c) => c.json({ user: c.var.jwt.sub }))
 */
export type Env<T = JwtClaims> = { Variables: JwtVariables<T> };

/** The environment of routes behind `jwt({ optional: true })`: no claims when no token was sent. */
export type OptionalEnv<T = JwtClaims> = { Variables: { jwt: T | undefined; jwtToken: string | undefined } };

/** A refused request: the core's answer (status, `WWW-Authenticate`, JSON body, code) and the error. */
export interface AuthFailure extends AuthErrorResponse {
  error: JwtError;
}

/**
 * Customises a refusal. Return a Response to send it instead, or undefined to send the default.
 * @example onError: (failure, c) => c.json({ message: failure.body.error }, failure.status, { 'WWW-Authenticate': failure.wwwAuthenticate })
 */
export type ErrorHook = (failure: AuthFailure, c: Context) => Response | undefined | Promise<Response | undefined>;

/** The options of `jwt()`; `K` is what the entry point takes as `key`. */
export interface JwtOptions<T = JwtClaims, K = VerifyKey> extends AuthenticatorOptions<T, K> {
  /**
   * Remember verified tokens, so that a client sending the same token with every request has it
   * verified once. `exp`, `nbf`, the other claims and `revocation` are still checked on every
   * request, and at most `max` tokens are kept (only ones that verified). Cached claims are frozen
   * and shared by the requests presenting the same token: copy `c.var.jwt` before changing it.
   * A malformed value throws ERR_CONFIG_INVALID here, at construction.
   * @default false (`true` keeps up to 1000 tokens)
   * @example jwt({ key, issuer: 'auth', audience: 'api', revocation: store, cache: true })
   */
  cache?: boolean | { max?: number };
  /**
   * Called on every refusal (401 and 403) before the default answer is sent.
   * @default undefined (RFC 6750 answer with a JSON body)
   */
  onError?: ErrorHook;
}

export interface RequirePermissionsOptions extends PermissionOptions {
  /**
   * The `realm` of the 403 challenge.
   * @default the realm of the `jwt()` that authenticated the request, else 'api'
   */
  realm?: string;
  /**
   * Customises a refusal.
   * @default the `onError` of the `jwt()` that authenticated the request
   */
  onError?: ErrorHook;
}

interface Responder {
  realm: string | undefined;
  onError: ErrorHook | undefined;
  onFailure: AuthFailureHook | undefined;
}

const JWT_OPTIONS = { ...AUTHENTICATOR_OPTIONS, onError: 'function' };
const PERMISSION_OPTIONS = { claim: '!string', mode: '!string', realm: 'string', onError: 'function' };

// Lets requirePermissions() answer with the realm and hook of the jwt() that ran before it,
// without a context variable users would see.
const responders = new WeakMap<Context, Responder>();

async function refuse(c: Context, error: JwtError, response: AuthErrorResponse, onError: ErrorHook | undefined): Promise<Response> {
  if (onError !== undefined) {
    try {
      const custom = await onError({ ...response, error }, c);
      if (custom instanceof Response) return custom;
    } catch {
      // A failing hook must not turn a refusal into a 500: fall back to the default answer.
    }
  }
  return c.json(response.body, response.status, { 'WWW-Authenticate': response.wwwAuthenticate });
}

/**
 * Verifies the request's token and puts its claims on `c.var.jwt`. The token comes from
 * `Authorization: Bearer` or, when configured and there is no Authorization header, a cookie.
 * Configuration errors throw here, at construction time.
 * @example
 * app.use('/api/*', jwt({ key: secretKey(env.JWT_SECRET), algorithms: ['HS256'], issuer: 'auth', audience: 'api' }))
 */
export interface JwtMiddleware<K = VerifyKey> {
  <T = JwtClaims>(options: JwtOptions<T, K> & { optional: true }): MiddlewareHandler<OptionalEnv<T & JwtClaims>>;
  <T = JwtClaims>(options: JwtOptions<T, K> & { optional?: false }): MiddlewareHandler<Env<T & JwtClaims>>;
  <T = JwtClaims>(options: JwtOptions<T, K>): MiddlewareHandler<OptionalEnv<T & JwtClaims>>;
}

/** `createAuthenticator` of `@jwt/core` or of `@jwt/core/lite`. */
export type AuthenticatorFactory<K> = <T>(options: AuthenticatorOptions<T, K>) => Authenticator<T & JwtClaims>;

/** @internal Makes `jwt()` over one entry point's authenticator; index.ts and lite.ts each make theirs. */
export function jwtMiddleware<K>(createAuthenticator: AuthenticatorFactory<K>): JwtMiddleware<K> {
  function jwt<T>(options: JwtOptions<T, K>): MiddlewareHandler<OptionalEnv<T & JwtClaims>> {
    assertOptions(options, JWT_OPTIONS, 'jwt()');
    const { onError, ...authOptions } = options;
    const authenticator = createAuthenticator<T>(authOptions);
    const responder: Responder = { realm: options.realm, onError, onFailure: options.onFailure };
    // requirePermissions() falls back to the defaults by itself: only a customised jwt() is
    // recorded, which spares the common request a WeakMap entry.
    const custom = responder.realm !== undefined || responder.onError !== undefined || responder.onFailure !== undefined;
    const cookie = options.cookie !== undefined;
    return createMiddleware<OptionalEnv<T & JwtClaims>>(async (c, next) => {
      // A repeated Authorization header arrives joined with ", " (Fetch semantics), which the Bearer
      // syntax refuses; an empty one arrives as '' and is refused too. The cookie and its
      // cross-site check matter only when a cookie name is configured.
      const authorization = c.req.header('Authorization');
      const outcome = await authenticator.authenticate(
        cookie
          ? { authorization, cookie: c.req.header('Cookie'), method: c.req.method, secFetchSite: c.req.header('Sec-Fetch-Site'), origin: c.req.header('Origin'), host: c.req.header('Host') }
          : { authorization },
      );
      if (!outcome.ok) return refuse(c, outcome.error, outcome.response, responder.onError);
      if (custom) responders.set(c, responder);
      else responders.delete(c);
      c.set('jwt', outcome.result?.payload);
      c.set('jwtToken', outcome.token);
      await next();
    });
  }
  return jwt as JwtMiddleware<K>;
}

/**
 * Lets the request through only when the claims of `jwt()` grant the permissions; otherwise 403
 * `insufficient_scope`. Without claims (no `jwt()` before it, or an optional one without a token)
 * the answer is 401 `missing_token`.
 * @example app.get('/admin', jwt(options), requirePermissions('admin'), (c) => c.json({ ok: true }))
 */
export function requirePermissions<T = JwtClaims>(permissions: string | readonly string[], options: RequirePermissionsOptions = {}): MiddlewareHandler<Env<T & JwtClaims>> {
  const required = typeof permissions === 'string' ? [permissions] : permissions;
  assertOptions(options, PERMISSION_OPTIONS, 'requirePermissions()');
  if (!Array.isArray(required) || required.length === 0 || !required.every((p) => typeof p === 'string' && p !== '')) {
    throw new JwtError('ERR_CONFIG_INVALID', { detail: 'requirePermissions needs at least one permission name' });
  }
  const check: PermissionOptions = {};
  if (options.claim !== undefined) check.claim = options.claim;
  if (options.mode !== undefined) check.mode = options.mode;
  return createMiddleware<Env<T & JwtClaims>>(async (c, next) => {
    const inherited = responders.get(c);
    const realm = options.realm ?? inherited?.realm;
    const onError = options.onError ?? inherited?.onError;
    const claims = c.get('jwt') as JwtClaims | undefined;
    let error: JwtError | undefined;
    if (claims === undefined) {
      error = new JwtError('ERR_JWT_MISSING');
    } else {
      try {
        requirePermissionsOf(claims, required, check);
      } catch (cause) {
        error = cause instanceof JwtError ? cause : new JwtError('ERR_INSUFFICIENT_SCOPE', { cause });
      }
    }
    if (error === undefined) return next();
    // The refusals of jwt() reach its onFailure through the core; a missing permission too.
    reportFailure(inherited?.onFailure, error);
    return refuse(c, error, authErrorResponse(error, realm === undefined ? {} : { realm }), onError);
  });
}
