/**
 * The HTTP edge shared by every adapter, so that Hono, Koa and Nest read tokens and answer
 * failures identically: where the token comes from, which status and `WWW-Authenticate` header
 * (RFC 6750) each error code maps to, and how permissions are checked.
 */
import type { JwtClaims } from '../jws/claims.js';
import { configError, errorDescription, JwtError, type JwtErrorCode } from '../common/errors.js';
import { assertOptions, type OptionRules } from '../common/options.js';
import { createVerifier, VERIFIER_OPTIONS, type Verifier, type VerifierOptions, type VerifyKey, type VerifyResult } from '../jws/verify.js';

export interface TokenSource {
  /**
   * The `Authorization` header: its value, or every value when the header was sent more than
   * once (more than one is refused). `undefined` or `null` means the header is absent; an empty
   * string is a header that is present and empty, and is refused.
   */
  authorization?: string | readonly string[] | null | undefined;
  /** The raw `Cookie` header value, if any. */
  cookie?: string | null | undefined;
  /**
   * The request method. With `secFetchSite`, `origin` and `host` it guards cookie tokens against
   * cross-site requests; an adapter reading cookies must pass all four. Without it, a cookie token
   * is treated as on a state-changing request.
   */
  method?: string | undefined;
  /** The `Sec-Fetch-Site` request header, which current browsers send with every request. */
  secFetchSite?: string | null | undefined;
  /** The `Origin` request header: where the request came from, consulted without `Sec-Fetch-Site`. */
  origin?: string | null | undefined;
  /** The `Host` request header (host and port), which the `Origin` must name. */
  host?: string | null | undefined;
}

export interface ExtractTokenOptions {
  /**
   * Read the token from this cookie when there is no `Authorization` header.
   * @default undefined (cookies are not read)
   * @example cookie: 'access_token'
   */
  cookie?: string | undefined;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const MAX_COOKIE_HEADER = 16 * 1024;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// A Host header's characters (RFC 9110 uri-host and port, less percent-escapes); nothing else, so
// that no `@`, `/` or `%` can make the URL parser read a different host out of it.
const HOST = /^[A-Za-z0-9\-._~!$&'()*+,;=[\]:]+$/;

/**
 * Whether a request is provably same-origin, the only kind on which a cookie may authenticate a
 * state-changing method. `Sec-Fetch-Site` decides when present (`same-origin`, or `none` for a
 * request the user made by hand). Without it, the `Origin` must name the request's own `Host`
 * (host and port, default ports implied by the Origin's scheme). Everything else fails closed:
 * no Origin at all (an older client, or one stripping it), `Origin: null` (sandboxed frames,
 * some redirects), a malformed value.
 */
function sameOrigin(source: TokenSource): boolean {
  if (typeof source.secFetchSite === 'string' && source.secFetchSite !== '') {
    const site = source.secFetchSite.trim().toLowerCase();
    return site === 'same-origin' || site === 'none';
  }
  const { origin, host } = source;
  if (typeof origin !== 'string' || typeof host !== 'string' || !HOST.test(host)) return false;
  let from: URL;
  let self: URL;
  try {
    from = new URL(origin);
    // The Host read with the Origin's scheme, so `example.com:443` equals `https://example.com`.
    self = new URL(`${from.protocol}//${host}`);
  } catch {
    return false;
  }
  // An Origin is a bare scheme://host[:port]; anything more (a path, credentials) is not one.
  if ((from.protocol !== 'https:' && from.protocol !== 'http:') || from.origin !== origin.trim().toLowerCase()) return false;
  return self.host === from.host;
}

/**
 * The token from `Authorization: Bearer <token>` (scheme case-insensitive, exactly one token) or,
 * when there is no Authorization header and a cookie name is configured, from that cookie.
 * Returns undefined when there is no token at all; throws ERR_AUTH_SCHEME_INVALID for any other
 * Authorization header (Basic, two tokens, an empty Bearer, an empty or repeated header).
 *
 * A browser attaches cookies to cross-site requests too, so a cookie token authenticates a
 * state-changing request (any method but GET, HEAD, OPTIONS) only when the request is provably
 * same-origin: `Sec-Fetch-Site` is `same-origin` or `none`, or, without `Sec-Fetch-Site`, the
 * `Origin` header names the request's own `Host`. Anything else (cross-site, same-site, no Origin,
 * `Origin: null`, a malformed one) is refused with ERR_CROSS_SITE_REQUEST. Tokens sent in the
 * Authorization header are not affected: a cross-site page cannot set it.
 */
export function extractToken(source: TokenSource, options: ExtractTokenOptions = {}): string | undefined {
  let auth = source.authorization;
  if (Array.isArray(auth)) {
    if (auth.length > 1) throw new JwtError('ERR_AUTH_SCHEME_INVALID');
    auth = auth[0];
  }
  if (typeof auth === 'string') {
    const m = BEARER.exec(auth);
    if (!m) throw new JwtError('ERR_AUTH_SCHEME_INVALID');
    return m[1];
  }
  if (options.cookie !== undefined && typeof source.cookie === 'string') {
    const value = readCookie(source.cookie, options.cookie);
    if (value !== undefined && value !== '') {
      // No method given is no proof of a safe one: an adapter that forgets it gets the strict rule.
      const safe = typeof source.method === 'string' && SAFE_METHODS.has(source.method.toUpperCase());
      if (!safe && !sameOrigin(source)) throw new JwtError('ERR_CROSS_SITE_REQUEST');
      return value;
    }
  }
  return undefined;
}

/**
 * A header's values from a Node-style raw header list (`IncomingMessage.rawHeaders`: names and
 * values alternating, as received): undefined when absent, the value when sent once, every value
 * when repeated. Node's `headers` keeps only the first of a repeated Authorization header, which
 * would let `Bearer <token>` followed by `Basic ...` pass as one; this list keeps them all, so
 * `extractToken` can refuse the pair. Cheaper than `headersDistinct`, which copies every header.
 * @example extractToken({ authorization: rawHeaderValues(req.rawHeaders, 'authorization') })
 */
export function rawHeaderValues(rawHeaders: readonly string[], name: string): string | string[] | undefined {
  const wanted = name.toLowerCase();
  let first: string | undefined;
  let all: string[] | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const key = rawHeaders[i];
    if (typeof key !== 'string' || key.length !== wanted.length || key.toLowerCase() !== wanted) continue;
    const value = String(rawHeaders[i + 1]);
    if (first === undefined) first = value;
    else (all ??= [first]).push(value);
  }
  return all ?? first;
}

/** One cookie's value from a raw Cookie header; malformed pairs are skipped, never thrown on. */
export function readCookie(header: string, name: string): string | undefined {
  if (header.length > MAX_COOKIE_HEADER) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

export interface AuthErrorResponse {
  status: 401 | 403;
  /** The `WWW-Authenticate` header value. */
  wwwAuthenticate: string;
  /** The JSON body: `{ error }` or `{ error, error_description }`. */
  body: { error: string; error_description?: string };
  /** The error code behind the answer. */
  code: JwtErrorCode;
}

export interface AuthErrorOptions {
  /**
   * The `realm` of the `WWW-Authenticate` challenge.
   * @default 'api'
   */
  realm?: string;
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

/**
 * Maps any failure to the RFC 6750 answer. Missing token: 401 `missing_token` with a bare
 * challenge. Missing permission: 403 `insufficient_scope`. Every other failure: 401
 * `invalid_token` with the code's fixed description. An error that is not a JwtError is treated
 * as an invalid token, so no failure of verification can become a 500.
 */
export function authErrorResponse(error: unknown, options: AuthErrorOptions = {}): AuthErrorResponse {
  const realm = options.realm ?? 'api';
  const code: JwtErrorCode = error instanceof JwtError ? error.code : 'ERR_JWT_MALFORMED';
  if (code === 'ERR_JWT_MISSING') {
    return { status: 401, code, wwwAuthenticate: `Bearer realm=${quote(realm)}`, body: { error: 'missing_token' } };
  }
  if (code === 'ERR_INSUFFICIENT_SCOPE') {
    return { status: 403, code, wwwAuthenticate: `Bearer realm=${quote(realm)}, error="insufficient_scope"`, body: { error: 'insufficient_scope' } };
  }
  const description = errorDescription(code);
  return {
    status: 401,
    code,
    wwwAuthenticate: `Bearer realm=${quote(realm)}, error="invalid_token", error_description=${quote(description)}`,
    body: { error: 'invalid_token', error_description: description },
  };
}

export interface PermissionOptions {
  /**
   * The claim holding permissions: an array of strings, or a space-separated string (OAuth `scope`).
   * @default 'permissions'
   */
  claim?: string;
  /**
   * `all`: every listed permission is needed; `any`: one is enough.
   * @default 'all'
   */
  mode?: 'all' | 'any';
}

/** The permissions a token grants, read from an array claim or a space-separated `scope` string. */
export function grantedPermissions(claims: JwtClaims, claim = 'permissions'): readonly string[] {
  const value = Object.hasOwn(claims, claim) ? claims[claim] : undefined;
  if (typeof value === 'string') return value.split(' ').filter((s) => s !== '');
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
  return [];
}

/** Throws ERR_INSUFFICIENT_SCOPE unless the claims grant the required permissions. */
export function requirePermissionsOf(claims: JwtClaims, required: readonly string[], options: PermissionOptions = {}): void {
  if (!Array.isArray(required) || required.length === 0 || !required.every((r) => typeof r === 'string' && r !== '')) {
    throw configError('requirePermissions needs at least one permission name');
  }
  const granted = grantedPermissions(claims, options.claim);
  const ok = options.mode === 'any' ? required.some((r) => granted.includes(r)) : required.every((r) => granted.includes(r));
  if (!ok) throw new JwtError('ERR_INSUFFICIENT_SCOPE');
}

/**
 * What an operator learns about one refused request: enough to tell a token without `aud` from
 * an expired one, never the token, its claims' values or a key.
 */
export interface AuthFailureEvent {
  /** The error code behind the refusal. */
  code: JwtErrorCode;
  /**
   * What failed, as a fixed text naming the claim or header parameter when there is one:
   * `claim missing: aud`, `claim invalid: iss`, `header invalid: alg`, or the code's description
   * (`token missing`, `signature invalid`...).
   */
  reason: string;
  /** The status answered. */
  status: 401 | 403;
}

/**
 * Receives each refusal, for logs and metrics. Its return value is ignored and its exceptions
 * are swallowed: it cannot change the answer, which keeps its fixed text.
 * @example onFailure: (event) => logger.warn(`jwt refused (${event.code}): ${event.reason}`)
 */
export type AuthFailureHook = (event: AuthFailureEvent) => void;

const HEADER_PARAMETERS = new Set(['alg', 'typ', 'crit', 'b64', 'kid', 'cty', 'enc', 'zip']);

/** The {@link AuthFailureEvent} of an error: code, fixed reason and status. */
export function authFailureEvent(error: unknown): AuthFailureEvent {
  const jwtError = error instanceof JwtError ? error : new JwtError('ERR_JWT_MALFORMED');
  const { code, claim } = jwtError;
  const status = authErrorResponse(jwtError).status;
  if (claim === undefined) return { code, reason: errorDescription(code), status };
  // A claim name can come from the configuration (requiredClaims), never from the token: safe to show.
  const name = claim.slice(0, 64);
  if (HEADER_PARAMETERS.has(name)) return { code, reason: `header invalid: ${name}`, status };
  return { code, reason: `claim ${code === 'ERR_JWT_CLAIM_MISSING' ? 'missing' : 'invalid'}: ${name}`, status };
}

/** Calls a failure hook without letting it turn a refusal into a crash; for adapters' own refusals (a missing permission). */
export function reportFailure(hook: AuthFailureHook | undefined, error: unknown): void {
  if (hook === undefined) return;
  try {
    hook(authFailureEvent(error));
  } catch {
    // An operator's logging bug must not change the answer.
  }
}

export interface AuthenticatorOptions<T = JwtClaims, K = VerifyKey> extends VerifierOptions<T, K>, AuthErrorOptions {
  /**
   * Also read the token from this cookie when there is no Authorization header.
   * @example cookie: 'access_token'
   */
  cookie?: string;
  /**
   * Without a token, let the request through unauthenticated instead of answering 401.
   * A token that is present but invalid is still refused.
   * @default false
   */
  optional?: boolean;
  /**
   * Called on each refusal with its code and the failing claim or header (`claim missing: aud`),
   * never the token. The answer sent keeps its fixed text.
   * @default undefined (nothing is logged by the core)
   * @example onFailure: ({ code, reason }) => console.warn(`jwt refused: ${code} ${reason}`)
   */
  onFailure?: AuthFailureHook;
}

/** The rules of {@link AuthenticatorOptions}: adapters spread them into their own (see `assertOptions`). */
export const AUTHENTICATOR_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({ ...VERIFIER_OPTIONS, cookie: 'string', optional: 'boolean', realm: 'string', onFailure: 'function' });

export type AuthOutcome<T = JwtClaims> =
  | { ok: true; token: string; result: VerifyResult<T> }
  | { ok: true; token: undefined; result: undefined }
  | { ok: false; error: JwtError; response: AuthErrorResponse };

export interface Authenticator<T = JwtClaims> {
  /** Reads and verifies the request's token. Never throws or rejects: failures come back as `ok: false` with the HTTP answer. */
  authenticate(source: TokenSource): Promise<AuthOutcome<T>>;
  /** The verifier behind it. */
  readonly verifier: Verifier<T>;
}

/**
 * The whole request-authentication flow the adapters share: extract, verify, and map any failure
 * to its RFC 6750 answer. Built once; configuration errors throw here, not at the first request.
 * @example
 * const auth = createAuthenticator({ key, issuer: 'auth', audience: 'api', cookie: 'access_token', realm: 'api' })
 * const h = req.headers
 * const outcome = await auth.authenticate({ authorization: h.authorization, cookie: h.cookie, method: req.method, secFetchSite: h['sec-fetch-site'], origin: h.origin, host: h.host })
 */
export function createAuthenticator<T = JwtClaims>(options: AuthenticatorOptions<T>): Authenticator<T & JwtClaims> {
  return authenticatorWith(options, createVerifier<T>);
}

/** @internal The authenticator of every entry point, built on that entry's createVerifier(). */
export function authenticatorWith<T, K>(options: AuthenticatorOptions<T, K>, makeVerifier: (options: VerifierOptions<T, K>) => Verifier<T & JwtClaims>): Authenticator<T & JwtClaims> {
  assertOptions(options, AUTHENTICATOR_OPTIONS, 'createAuthenticator');
  if (options.cookie !== undefined && (typeof options.cookie !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(options.cookie))) {
    throw configError('cookie must be a valid cookie name');
  }
  const { cookie: _cookie, optional: _optional, realm: _realm, onFailure, ...verifierOptions } = options;
  const verifier = makeVerifier(verifierOptions);
  const extract: ExtractTokenOptions = { cookie: options.cookie };
  const errorOptions: AuthErrorOptions = options.realm === undefined ? {} : { realm: options.realm };
  const fail = (error: unknown): AuthOutcome<T & JwtClaims> => {
    const jwtError = error instanceof JwtError ? error : new JwtError('ERR_JWT_MALFORMED', { cause: error });
    reportFailure(onFailure, jwtError);
    return { ok: false, error: jwtError, response: authErrorResponse(jwtError, errorOptions) };
  };
  return {
    verifier,
    async authenticate(source) {
      let token: string | undefined;
      try {
        token = extractToken(source ?? {}, extract);
      } catch (error) {
        return fail(error);
      }
      if (token === undefined) {
        return options.optional ? { ok: true, token: undefined, result: undefined } : fail(new JwtError('ERR_JWT_MISSING'));
      }
      try {
        return { ok: true, token, result: await verifier.verify(token) };
      } catch (error) {
        return fail(error);
      }
    },
  };
}
