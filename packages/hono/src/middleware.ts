/**
 * Hono middleware over the core's authenticator. Translation only: the core reads the token,
 * verifies it and chooses the RFC 6750 answer; this file reads Hono's request, puts the claims on
 * the context and writes the answer back.
 */
import {
  authErrorResponse,
  createAuthenticator,
  JwtError,
  requirePermissionsOf,
  type AuthErrorResponse,
  type AuthenticatorOptions,
  type JwtClaims,
  type PermissionOptions,
} from '@jwt/core';
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

export interface JwtOptions<T = JwtClaims> extends AuthenticatorOptions<T> {
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
}

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
export function jwt<T = JwtClaims>(options: JwtOptions<T> & { optional: true }): MiddlewareHandler<OptionalEnv<T & JwtClaims>>;
export function jwt<T = JwtClaims>(options: JwtOptions<T> & { optional?: false }): MiddlewareHandler<Env<T & JwtClaims>>;
export function jwt<T = JwtClaims>(options: JwtOptions<T>): MiddlewareHandler<OptionalEnv<T & JwtClaims>>;
export function jwt<T = JwtClaims>(options: JwtOptions<T>): MiddlewareHandler<OptionalEnv<T & JwtClaims>> | MiddlewareHandler<Env<T & JwtClaims>> {
  const authenticator = createAuthenticator<T>(options);
  const responder: Responder = { realm: options.realm, onError: options.onError };
  return createMiddleware<OptionalEnv<T & JwtClaims>>(async (c, next) => {
    // A repeated Authorization header arrives joined with ", " (Fetch semantics), which the Bearer
    // syntax refuses; an empty one arrives as '' and is refused too.
    const outcome = await authenticator.authenticate({
      authorization: c.req.header('Authorization'),
      cookie: c.req.header('Cookie'),
      method: c.req.method,
      secFetchSite: c.req.header('Sec-Fetch-Site'),
    });
    if (!outcome.ok) return refuse(c, outcome.error, outcome.response, responder.onError);
    responders.set(c, responder);
    c.set('jwt', outcome.result?.payload);
    c.set('jwtToken', outcome.token);
    await next();
  });
}

/**
 * Lets the request through only when the claims of `jwt()` grant the permissions; otherwise 403
 * `insufficient_scope`. Without claims (no `jwt()` before it, or an optional one without a token)
 * the answer is 401 `missing_token`.
 * @example app.get('/admin', jwt(options), requirePermissions('admin'), (c) => c.json({ ok: true }))
 */
export function requirePermissions<T = JwtClaims>(permissions: string | readonly string[], options: RequirePermissionsOptions = {}): MiddlewareHandler<Env<T & JwtClaims>> {
  const required = typeof permissions === 'string' ? [permissions] : permissions;
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
    if (error !== undefined) return refuse(c, error, authErrorResponse(error, realm === undefined ? {} : { realm }), onError);
    await next();
  });
}
