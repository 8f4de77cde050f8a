import {
  assertOptions,
  AUTHENTICATOR_OPTIONS,
  authErrorResponse,
  createAuthenticator,
  JwtError,
  rawHeaderValues,
  reportFailure,
  type AuthFailureHook,
  type AuthenticatorOptions,
  type AuthOutcome,
  type JwtClaims,
} from '@jwt/core';
import type { Context, Middleware } from 'koa';
import { reject } from './errors.js';

/** What `jwt()` puts on `ctx.state`: the verified claims under `stateKey` (default `user`). */
export type JwtState<T = JwtClaims, K extends string = 'user'> = { [P in K]: T & JwtClaims };

/**
 * The state after a `passthrough` or `optional` middleware: the claims may be absent, and with
 * `passthrough` the refused token's error is kept on `jwtError`.
 */
export type OptionalJwtState<T = JwtClaims, K extends string = 'user'> = { [P in K]?: T & JwtClaims } & { jwtError?: JwtError };

/** Requests to leave open, as with `koa-unless`: any match skips authentication. */
export interface UnlessOptions {
  /**
   * Paths (`ctx.path`, without the query) compared exactly when strings, tested when RegExps.
   * @example path: ['/health', /^\/public\//]
   */
  path?: string | RegExp | readonly (string | RegExp)[];
  /**
   * HTTP methods, case-insensitive.
   * @example method: 'OPTIONS'
   */
  method?: string | readonly string[];
}

export interface JwtOptions<T = JwtClaims, K extends string = 'user'> extends AuthenticatorOptions<T> {
  /**
   * Remember verified tokens, so that a client sending the same token with every request has it
   * verified once. `exp`, `nbf`, the other claims and `revocation` are still checked on every
   * request, and at most `max` tokens are kept (only ones that verified). Cached claims are frozen
   * and shared by the requests presenting the same token: copy `ctx.state.user` before changing it.
   * A malformed value throws ERR_CONFIG_INVALID here, at construction.
   * @default false (`true` keeps up to 1000 tokens)
   * @example jwt({ key, issuer: 'auth', audience: 'api', revocation: store, cache: { max: 10_000 } })
   */
  cache?: boolean | { max?: number };
  /**
   * The `ctx.state` property that receives the verified claims (koa-jwt's `key`).
   * @default 'user'
   * @example stateKey: 'auth'
   */
  stateKey?: K;
  /**
   * Also put the raw token on `ctx.state` under this name.
   * @default undefined (the token is not stored)
   * @example tokenKey: 'token'
   */
  tokenKey?: string;
  /**
   * Let every failing request through without claims (missing, invalid, expired or revoked
   * token alike), with the error on `ctx.state.jwtError`. Use `optional` instead to refuse
   * invalid tokens and admit only requests that carry none.
   * @default false
   */
  passthrough?: boolean;
  /**
   * Reads the token yourself. A non-empty string is verified; `undefined`, `null` or `''` falls
   * back to the Authorization header, then the `cookie`. Its exceptions answer 401, never 500.
   * @example getToken: (ctx) => ctx.query.access_token as string | undefined
   */
  getToken?: (ctx: Context) => string | null | undefined | Promise<string | null | undefined>;
  /**
   * Per-request revocation hook, called after the token verified (and after `revocation`).
   * `true` refuses it with `token revoked`; an exception answers 401 `revocation status unavailable`.
   * @example isRevoked: async (ctx, claims) => denylist.has(claims.jti)
   */
  isRevoked?: (ctx: Context, claims: T & JwtClaims, token: string) => boolean | Promise<boolean>;
  /**
   * Requests that skip authentication entirely: a predicate or `{ path, method }`.
   * @example unless: { path: ['/health', '/login'] }
   */
  unless?: UnlessOptions | ((ctx: Context) => boolean);
  /**
   * Throw a {@link JwtHttpError} to your error middleware instead of answering 401/403 here.
   * @default false
   */
  throwErrors?: boolean;
}

/** What `requirePermissions` reuses from the `jwt()` that ran on the same request. */
export interface RequestSettings {
  stateKey: string;
  realm: string | undefined;
  throwErrors: boolean;
  onFailure: AuthFailureHook | undefined;
}

export const requestSettings = new WeakMap<object, RequestSettings>();

const STATE_KEY = /^[A-Za-z_$][\w$]*$/;
const JWT_OPTIONS = { ...AUTHENTICATOR_OPTIONS, stateKey: '!string', tokenKey: '!string', passthrough: 'boolean', getToken: 'function', isRevoked: 'function', unless: 'object|function', throwErrors: 'boolean' };

/** Configuration mistakes throw when the middleware is built, not at the first request. */
function configError(detail: string): JwtError {
  return new JwtError('ERR_CONFIG_INVALID', { detail });
}

function compileUnless(unless: JwtOptions['unless']): ((ctx: Context) => boolean) | undefined {
  if (unless === undefined) return undefined;
  if (typeof unless === 'function') return unless;
  if (typeof unless !== 'object' || unless === null) throw configError('unless must be a function or { path, method }');
  const paths = unless.path === undefined ? [] : [unless.path].flat();
  const methods = unless.method === undefined ? [] : [unless.method].flat();
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const p of paths) {
    if (typeof p === 'string') exact.add(p);
    // A global or sticky RegExp keeps lastIndex between calls and would skip every other request.
    else if (p instanceof RegExp) patterns.push(new RegExp(p.source, p.flags.replace(/[gy]/g, '')));
    else throw configError('unless.path takes strings and RegExps');
  }
  if (!methods.every((m) => typeof m === 'string' && m !== '')) throw configError('unless.method takes method names');
  const upper = new Set(methods.map((m) => m.toUpperCase()));
  return (ctx) => upper.has(ctx.method) || exact.has(ctx.path) || patterns.some((r) => r.test(ctx.path));
}

/**
 * Every `Authorization` value sent, undefined when there is none. Node keeps only the first of a
 * repeated Authorization header in `headers` (so `Bearer <token>` then `Basic ...` would pass), and
 * `ctx.get()` answers '' for an absent header as for an empty one; the raw header list tells them apart.
 */
function authorizationOf(ctx: Context): string | readonly string[] | undefined {
  const raw = ctx.req.rawHeaders;
  return Array.isArray(raw) ? rawHeaderValues(raw, 'authorization') : ctx.request.headers.authorization;
}

/**
 * Koa middleware that verifies the request's bearer token and puts its claims on
 * `ctx.state.user`. Failures answer 401 per RFC 6750 (JSON body and `WWW-Authenticate`);
 * errors thrown further down the chain pass through untouched.
 * @example
 * router.get('/me', jwt({ key: secretKey(process.env.JWT_SECRET!), issuer: 'auth', audience: 'api' }), (ctx) => {
 *   ctx.body = ctx.state.user
 * })
 */
export function jwt<T = JwtClaims, K extends string = 'user'>(options: JwtOptions<T, K> & ({ passthrough: true } | { optional: true })): Middleware<OptionalJwtState<T, K>>;
export function jwt<T = JwtClaims, K extends string = 'user'>(options: JwtOptions<T, K>): Middleware<JwtState<T, K>>;
export function jwt<T = JwtClaims, K extends string = 'user'>(options: JwtOptions<T, K>): Middleware<OptionalJwtState<T, K>> {
  assertOptions(options, JWT_OPTIONS, 'jwt()');
  const { stateKey = 'user' as K, tokenKey, passthrough = false, getToken, isRevoked, unless, throwErrors = false, ...core } = options;
  for (const [name, value] of [['stateKey', stateKey], ['tokenKey', tokenKey]] as const) {
    if (value !== undefined && (typeof value !== 'string' || !STATE_KEY.test(value) || value === '__proto__')) throw configError(`${name} must be an identifier-like property name`);
  }
  if (getToken !== undefined && typeof getToken !== 'function') throw configError('getToken must be a function');
  if (isRevoked !== undefined && typeof isRevoked !== 'function') throw configError('isRevoked must be a function');
  const skip = compileUnless(unless);
  const auth = createAuthenticator<T>(core);
  const settings: RequestSettings = { stateKey, realm: core.realm, throwErrors, onFailure: core.onFailure };
  const custom = stateKey !== 'user' || core.realm !== undefined || throwErrors || core.onFailure !== undefined;
  const errorOptions = core.realm === undefined ? {} : { realm: core.realm };
  type Outcome = AuthOutcome<T & JwtClaims>;
  const fail = (error: unknown): Outcome => {
    const jwtError = error instanceof JwtError ? error : new JwtError('ERR_JWT_MALFORMED', { cause: error });
    // Refusals decided here (getToken, isRevoked) reach onFailure like the core's own.
    reportFailure(core.onFailure, jwtError);
    return { ok: false, error: jwtError, response: authErrorResponse(jwtError, errorOptions) };
  };

  // The request's own headers; authenticate() never rejects.
  const fromHeaders = (ctx: Context): Promise<Outcome> => {
    // The cookie and its cross-site check matter only when a cookie name is configured.
    if (core.cookie === undefined) return auth.authenticate({ authorization: authorizationOf(ctx) });
    return auth.authenticate({
      authorization: authorizationOf(ctx),
      cookie: ctx.get('Cookie'),
      method: ctx.method,
      secFetchSite: ctx.get('Sec-Fetch-Site') || undefined,
      origin: ctx.get('Origin') || undefined,
      // The Host header itself: ctx.host would honour X-Forwarded-Host under `proxy`, which a client sets.
      host: ctx.get('Host') || undefined,
    });
  };

  const fromGetToken = async (ctx: Context, read: NonNullable<typeof getToken>): Promise<Outcome> => {
    let token: string | null | undefined;
    try {
      token = await read(ctx);
    } catch (error) {
      return fail(error);
    }
    if (typeof token === 'string' && token !== '') {
      try {
        return { ok: true, token, result: await auth.verifier.verify(token) };
      } catch (error) {
        return fail(error);
      }
    }
    return fromHeaders(ctx);
  };

  // Without getToken, the common case, no wrapper promise per request.
  const authenticate = getToken === undefined ? fromHeaders : (ctx: Context) => fromGetToken(ctx, getToken);

  const revoked = async (ctx: Context, outcome: Outcome): Promise<Outcome> => {
    if (isRevoked === undefined || !outcome.ok || outcome.token === undefined) return outcome;
    try {
      return (await isRevoked(ctx, outcome.result.payload, outcome.token)) ? fail(new JwtError('ERR_JWT_REVOKED')) : outcome;
    } catch (cause) {
      return fail(cause instanceof JwtError ? cause : new JwtError('ERR_REVOCATION_UNAVAILABLE', { cause }));
    }
  };

  return async function jwtMiddleware(ctx, next) {
    if (skip !== undefined && skip(ctx)) return next();
    // requirePermissions() falls back to the defaults by itself: only non-default settings are
    // recorded, which spares the common request a WeakMap entry.
    if (custom) requestSettings.set(ctx, settings);
    else requestSettings.delete(ctx);
    const outcome = isRevoked === undefined ? await authenticate(ctx) : await revoked(ctx, await authenticate(ctx));
    const state = ctx.state as Record<string, unknown>;
    if (outcome.ok) {
      if (outcome.token !== undefined) {
        state[stateKey] = outcome.result.payload;
        if (tokenKey !== undefined) state[tokenKey] = outcome.token;
      }
    } else if (passthrough) {
      state.jwtError = outcome.error;
    } else {
      return reject(ctx, outcome.response, outcome.error, throwErrors);
    }
    // Outside any try: an error thrown downstream reaches the app's error handling unchanged.
    return next();
  };
}
